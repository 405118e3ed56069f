"""The cheaper forms of NPG's noticing, defining and designing give exactly the numbers of the plain forms.

Each shortcut (need perception written out on five floats, politicians' hours booked on Python
floats, members' rows gathered with take for mutual learning and knowledge_of, picking and
recruiting worked out in place, the design handed the members' best knowledge directly) is compared here with the
computation it replaces, bit for bit, on random inputs with edge cases (empty groups, one member,
zeros, noise 0, NaN) and, for the random draws, with the generator's state afterwards.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_performance_npg import PlainNPG
from test_performance_npg import _run as _run_npg
from test_performance_npg import assert_same_runs

from govsim import mechanisms as mech
from govsim.config import validate
from govsim.model import GovModel
from govsim.paradigms.npg import NPG
from govsim.problems import Group
from govsim.world import top_rows

K = mech.K


def _same(a, b) -> bool:
    """Equal to the last bit (as bytes), same dtype and shape."""
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def _same_float(a: float, b: float) -> bool:
    return np.float64(a).tobytes() == np.float64(b).tobytes()


def _same_state(r1: np.random.Generator, r2: np.random.Generator) -> bool:
    return r1.bit_generator.state == r2.bit_generator.state


# --------------------------------------------------------------------------- perceive_need
def plain_perceive_need(need, coverage, visibility, noise, rng, wickedness=0.0):
    """perceive_need as the mechanism states it, on numpy arrays."""
    u = float(np.clip(noise + wickedness * (1.0 - float(np.dot(need, coverage))), 0.0, 1.0))
    seen = need * coverage * visibility
    total = seen.sum()
    if total > 0:
        seen = seen / total
    e = rng.dirichlet(np.ones(K))
    return mech.normalise((1.0 - u) * seen + u * e)


def test_perceive_need_equals_the_numpy_form():
    src = np.random.default_rng(71)
    for i in range(4000):
        need = src.dirichlet(np.ones(K))
        coverage = src.random(K) * src.choice([0.0, 0.01, 1.0, 2.0])
        visibility = np.ones(K) if i % 2 else (src.random(K) < 0.7).astype(float)
        if i % 5 == 0:
            coverage[src.integers(K)] = 0.0
        if i % 13 == 0:
            need[src.integers(K)] = 0.0
        if i % 17 == 0:
            coverage[:] = 0.0  # nothing seen: the draw alone
        if i % 19 == 0:
            coverage[src.integers(K)] = -0.0
        noise = float(src.choice([0.0, 1.0, src.random(), -0.5, 2.0]))
        wickedness = float(src.choice([0.0, 1.0, src.random()]))
        seed = int(src.integers(1 << 30))
        r1, r2 = np.random.default_rng(seed), np.random.default_rng(seed)
        got = mech.perceive_need(need, coverage, visibility, noise, r1, wickedness)
        want = plain_perceive_need(need, coverage, visibility, noise, r2, wickedness)
        assert type(got) is np.ndarray and _same(got, want), (i, got, want)
        assert _same_state(r1, r2)  # the same draws, no more
    # -0.0 throughout (no noise, no wickedness, a dimension known as -0.0): numpy's maximum turns the
    # mixed -0.0 into 0.0 before normalising
    need = np.full(K, 1.0 / K)
    for j, (noise, wickedness) in enumerate([(-0.0, -0.0), (0.0, 0.0), (-0.0, 0.0)] * K):
        coverage = np.array([0.5, 0.3, 0.5, 0.25, 0.5])
        coverage[j % K] = -0.0
        r1, r2 = np.random.default_rng(j), np.random.default_rng(j)
        assert _same(mech.perceive_need(need, coverage, np.ones(K), noise, r1, wickedness),
                     plain_perceive_need(need, coverage, np.ones(K), noise, r2, wickedness))
    # NaN in the coverage: NaN comes out as from numpy
    need = np.full(K, 1.0 / K)
    coverage = np.array([0.5, np.nan, 0.5, 0.5, 0.5])
    r1, r2 = np.random.default_rng(3), np.random.default_rng(3)
    assert _same(mech.perceive_need(need, coverage, np.ones(K), 0.2, r1, 0.5),
                 plain_perceive_need(need, coverage, np.ones(K), 0.2, r2, 0.5))


def test_perceive_need_of_other_arrays_takes_the_numpy_form():
    need = np.array([0.2, 0.2, 0.2, 0.2, 0.2], dtype=np.float32)
    cov = np.array([0.1, 0.5, 0.9, 0.0, 0.3], dtype=np.float32)
    r1, r2 = np.random.default_rng(5), np.random.default_rng(5)
    assert _same(mech.perceive_need(need, cov, np.ones(K), 0.1, r1, 0.4),
                 plain_perceive_need(need, cov, np.ones(K), 0.1, r2, 0.4))
    r1, r2 = np.random.default_rng(6), np.random.default_rng(6)
    need64, cov64 = need.astype(float), cov.astype(float)
    vis = np.ones((1, K))  # a 2-d visibility: numpy's broadcasting, as before
    assert _same(mech.perceive_need(need64, cov64, vis, 0.1, r1, 0.4), plain_perceive_need(need64, cov64, vis, 0.1, r2, 0.4))


# --------------------------------------------------------------------------- select_recruits
def plain_select_recruits(candidates, willingness, resources, bias, outreach, seats, rng, competence=None, profile=0.0):
    u = rng.random(candidates.size)
    keys = rng.random(candidates.size)
    if candidates.size == 0 or seats <= 0:
        return candidates[:0]
    rmax = max(float(resources.max()), 1e-9)
    p_self = willingness * (resources / rmax) ** bias
    p = (1.0 - outreach) * p_self + outreach * np.sqrt(willingness)
    idx = np.flatnonzero(u < p)
    if idx.size > seats:
        score = keys if competence is None or profile <= 0 else (1.0 - profile) * keys + profile * competence
        idx = idx[np.argsort(-score[idx], kind="stable")[:seats]]
    return np.sort(candidates[idx])


def test_select_recruits_equals_the_plain_form():
    src = np.random.default_rng(72)
    for i in range(2000):
        n = int(src.choice([0, 1, 2, 7, 30, 200]))
        candidates = np.sort(src.choice(5000, size=n, replace=False))
        willingness = src.random(n)
        resources = src.random(n) * src.choice([0.0, 1.0, 3.0])
        if n and i % 4 == 0:
            willingness[src.integers(n)] = 0.0
        bias = float(src.choice([0.0, 0.5, 1.0, 1.5, 2.0]))
        outreach = float(src.choice([0.0, 1.0, src.random()]))
        seats = int(src.choice([0, 1, 3, 10, 50]))
        profile = float(src.choice([0.0, 0.35, 1.0]))
        competence = src.random(n) if i % 2 else None
        seed = int(src.integers(1 << 30))
        r1, r2 = np.random.default_rng(seed), np.random.default_rng(seed)
        got = mech.select_recruits(candidates, willingness, resources, bias, outreach, seats, r1, competence, profile)
        want = plain_select_recruits(candidates, willingness, resources, bias, outreach, seats, r2, competence, profile)
        assert _same(got, want), i
        assert _same_state(r1, r2)
    # float32 inputs keep numpy's own promotion
    c = np.arange(20)
    w32, r32 = np.linspace(0, 1, 20, dtype=np.float32), np.linspace(1, 0, 20, dtype=np.float32)
    r1, r2 = np.random.default_rng(9), np.random.default_rng(9)
    assert _same(mech.select_recruits(c, w32, r32, 1.5, 0.3, 5, r1), plain_select_recruits(c, w32, r32, 1.5, 0.3, 5, r2))


# --------------------------------------------------------------------------- the world's picking and booking
def _model(seed: int = 1, setting: str = "hands_off", steps: int = 10, **extra):
    m = GovModel(validate({"paradigm": "npg", "metagovernance": setting, "seed": seed,
                           "population": {"citizens": 1500}, **extra}), history=False)
    for _ in range(steps):
        m.step()
    return m


def plain_pick_willing_citizens(world, candidates, n, rng):
    keys = rng.random(candidates.size)
    if candidates.size == 0 or n <= 0:
        return candidates[:0]
    w = world.citizens.willingness[candidates] + 1e-9
    score = np.log(np.maximum(keys, 1e-300)) / w
    return np.sort(candidates[np.argsort(-score, kind="stable")[:n]])


def test_pick_willing_citizens_equals_the_plain_form():
    m = _model(2)
    w = m.world
    src = np.random.default_rng(73)
    w.citizens.willingness[:50] = 0.0  # no willingness at all: the smallest weight
    for i in range(1500):
        size = int(src.choice([0, 1, 3, 20, 33, 200]))
        candidates = src.choice(w.citizens.n, size=size, replace=False)
        if i % 2:
            candidates.sort()  # as a problem's affected citizens are
        n = int(src.choice([0, 1, 3, 10, 40]))
        seed = int(src.integers(1 << 30))
        r1, r2 = np.random.default_rng(seed), np.random.default_rng(seed)
        got = w.pick_willing_citizens(candidates, n, r1)
        want = plain_pick_willing_citizens(w, candidates, n, r2)
        assert _same(got, want), i
        assert _same_state(r1, r2)


def plain_pick_open_politicians(world, need, n, rng):
    pol = world.politicians
    total = pol.n
    if n <= 0 or total == 0:
        return np.zeros(0, dtype=np.int64)
    hours, openness = pol.hours_left, pol.openness
    limit = min(total, 4 * n + 16)
    seen, chosen = set(), []
    while len(chosen) < n and len(seen) < limit:
        who = rng.integers(0, total, size=2 * n + 8)
        yes = ((hours[who] >= need) & (rng.random(who.size) < openness[who])).tolist()
        for i, ok in zip(who.tolist(), yes):
            if i in seen:
                continue
            seen.add(i)
            if ok:
                chosen.append(i)
                if len(chosen) == n:
                    break
            if len(seen) >= limit:
                break
    if len(chosen) < n and len(seen) < total:
        able = hours >= need
        able[list(seen)] = False
        rows = np.flatnonzero(able)
        u, keys = rng.random(rows.size), rng.random(rows.size)
        willing = u < openness[rows]
        chosen.extend(rows[willing][top_rows(keys[willing], n - len(chosen))].tolist())
    return np.sort(np.array(chosen, dtype=np.int64))


def test_pick_open_politicians_equals_the_plain_form():
    m = _model(3)
    w = m.world
    src = np.random.default_rng(74)
    pol = w.politicians
    for i in range(600):
        pol.hours_left[:] = src.random(pol.n) * src.choice([1.0, 10.0])
        pol.openness[:] = src.random(pol.n) * src.choice([0.0, 0.1, 1.0])
        need = float(src.choice([0.0, 0.5, 6.0]))
        n = int(src.choice([0, 1, 3, 10]))
        seed = int(src.integers(1 << 30))
        r1, r2 = np.random.default_rng(seed), np.random.default_rng(seed)
        got = w.pick_open_politicians(need, n, r1)
        want = plain_pick_open_politicians(w, need, n, r2)
        assert _same(got, want), i
        assert _same_state(r1, r2)


def plain_spend_politicians(pol, rows, hours, policy):
    given = np.minimum(hours, np.maximum(pol.hours_left[rows], 0.0))
    pol.hours_left[rows] -= given
    (pol.policy_hours if policy else pol.case_hours)[rows] += given
    return float(given.sum())


def test_booking_a_few_politicians_equals_the_numpy_form():
    a, b = _model(4), _model(4)
    pa, pb = a.world.politicians, b.world.politicians
    src = np.random.default_rng(75)
    specials = [0.0, -0.0, -1.0, np.nan, 1e-300, 5.0]
    problem_a = a.world.open[0]
    for i in range(3000):
        left = src.random(pa.n) * 6.0
        left[src.integers(pa.n, size=3)] = src.choice(specials, size=3)
        pa.hours_left[:] = left
        pb.hours_left[:] = left
        size = int(src.choice([1, 2, 3, 5, 7, 8, 12]))
        rows = np.sort(src.choice(pa.n, size=size, replace=False))
        if i % 9 == 0 and size > 1:
            rows[1] = rows[0]  # a repeated row: numpy books it once, so the numpy form is kept
        if i % 11 == 0 and size > 1:
            rows[1] = rows[0] - pa.n  # the same row, counted from the end
        hours = float(src.choice([0.0, 0.5, 3.0, 6.0, -0.0, np.nan, 100.0]))
        policy = bool(i % 2)
        a.world.public_hours = problem_a.public_hours = 0.0
        got = a.world.spend_politicians(rows, hours, problem_a, policy=policy)
        want = plain_spend_politicians(pb, rows, hours, policy)
        assert _same_float(got, want), (i, got, want)
        assert _same_float(a.world.public_hours, 0.0 + want) and _same_float(problem_a.public_hours, 0.0 + want)
        for col in ("hours_left", "policy_hours", "case_hours"):
            assert _same(getattr(pa, col), getattr(pb, col)), (i, col)


def plain_learn(world, g, coverage, share=1.0):
    lr = world.config.citizens.learning_rate * share
    kinds = [(store.knowledge, rows) for store, rows in world._members(g)]
    if not kinds:
        return 0.0
    block = np.concatenate([k[rows] for k, rows in kinds])
    gap = np.maximum(coverage - block, 0.0)
    block += lr * gap
    start = 0
    for k, rows in kinds:
        end = start + rows.size
        k[rows] = block[start:end]
        start = end
    return float((gap * share).mean())


KINDS = ("citizens", "employees", "administrators", "politicians", "firms")


def test_learning_equals_the_plain_form():
    a, b = _model(5, firms={"count": 6, "seats": 1}), _model(5, firms={"count": 6, "seats": 1})
    wa, wb = a.world, b.world
    assert wa.firms.n > 0
    src = np.random.default_rng(76)
    for i in range(800):
        rows = {}
        for kind in KINDS:
            n = getattr(wa, kind).n
            size = int(src.choice([0, 0, 1, 3, 8]))
            rows[kind] = np.sort(src.choice(n, size=min(size, n), replace=False)).astype(np.int64)
        if i % 10 == 0:  # one kind only
            keep = KINDS[i % 5]
            rows = {k: (v if k == keep else v[:0]) for k, v in rows.items()}
        g = Group(**rows)
        for administrators in (True, False):
            parts = [getattr(wa, k) for k in KINDS if rows[k].size and (administrators or k != "administrators")]
            members = [rows[k] for k in KINDS if rows[k].size and (administrators or k != "administrators")]
            want_pos = np.concatenate([s.position[r] for s, r in zip(parts, members)]) if parts else np.zeros(0)
            assert _same(wa.positions_of(g, administrators), want_pos)
            if administrators:
                want_k = np.concatenate([s.knowledge[r] for s, r in zip(parts, members)]) if parts else np.zeros((0, K))
                assert _same(wa.knowledge_of(g), want_k)
        coverage = src.random(K) * float(src.choice([0.0, 0.5, 1.0]))
        share = float(src.choice([1.0, 0.0, 0.2, 0.5, src.random()]))
        got = wa.learn(g, coverage, share)
        want = plain_learn(wb, g, coverage, share)
        assert _same_float(got, want), i
        for kind in KINDS:
            assert _same(getattr(wa, kind).knowledge, getattr(wb, kind).knowledge), (i, kind)
    assert wa.learn(Group(), np.ones(K)) == 0.0


# --------------------------------------------------------------------------- whole runs
RUNS = {
    "hands-on, firms": dict(paradigm="npg", metagovernance="hands_on", seed=31, population={"citizens": 1500},
                            firms={"count": 5, "seats": 1}),
    "hands-off, facilitators only, every rung": dict(
        paradigm="npg", metagovernance="hands_off", seed=32, population={"citizens": 1500},
        npg={"administrators_as_members": False}, ladder={"mix": [1, 1, 1, 1, 1, 1], "tokenism": 0.3}),
    "no noise, no dialogue noise": dict(paradigm="npg", metagovernance="none", seed=33, population={"citizens": 1500},
                                        core={"definition_noise": 0.0}, npg={"dialogue_noise": 0.0}),
}


@pytest.mark.parametrize("name", list(RUNS))
def test_whole_runs_equal_the_plain_computation(name):
    fast, plain = _run_npg(RUNS[name], False, 30), _run_npg(RUNS[name], True, 30)
    assert type(fast.paradigm) is NPG and isinstance(plain.paradigm, PlainNPG)
    assert_same_runs(fast, plain)
