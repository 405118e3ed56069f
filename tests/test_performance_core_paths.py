"""The cheaper forms of the core's per-problem and per-step helpers compute exactly what
the straightforward forms compute (bit for bit, not approximately), with the same draws.

Each test runs the fast path next to a plain reference written the obvious way and
compares every number, over several seeds and inputs.
"""

from __future__ import annotations

import copy
import dataclasses
import pickle

import numpy as np
import pytest

from govsim import mechanisms as mech
from govsim import kernels, phases
from govsim.config import validate
from govsim.mechanisms import K
from govsim.model import GovModel
from govsim.problems import EMPTY, Group, ProblemRecords
from govsim.world import top_rows


def _model(paradigm: str = "npg", setting: str = "hands_on", seed: int = 3, citizens: int = 1500,
           steps: int = 4) -> GovModel:
    m = GovModel(validate({"paradigm": paradigm, "metagovernance": setting, "seed": seed,
                           "population": {"citizens": citizens}}), history=False)
    for _ in range(steps):
        m.step()
    return m


def _same(a, b) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


# ----------------------------------------------------------------------------- picking
def test_top_rows_of_one_is_the_first_largest_row_as_an_int64_array():
    rng = np.random.default_rng(0)
    for size in (1, 2, 5, 40, 300):
        for _ in range(60):
            values = rng.integers(0, 4, size).astype(float) if rng.random() < 0.5 else rng.random(size)
            want = np.sort(np.argsort(-values, kind="stable")[:1])
            got = top_rows(values, 1)
            assert _same(got, want.astype(np.int64))


def _plain_pick(world, p, n, rng, provider=None):
    """pick_employees written plainly: one key per member of the serving pool, the n largest keys."""
    if provider is None:
        pool = np.flatnonzero(np.isin(world.employees.provider, np.unique(world.citizens.provider[p.affected])))
    else:
        pool = np.flatnonzero(world.employees.provider == provider)
    if pool.size == 0:
        pool = np.arange(world.employees.n)
    keys = rng.random(pool.size)
    return np.sort(pool[np.argsort(-keys, kind="stable")[:n]])


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_pick_employees_takes_the_plain_rows_with_the_same_draws(seed):
    m = _model(seed=seed)
    w = m.world
    for i, p in enumerate(w.open[:40]):
        for n in (1, 2, 3, 7):
            a, b = np.random.default_rng([seed, i, n]), np.random.default_rng([seed, i, n])
            assert _same(w.pick_employees(p, n, a), _plain_pick(w, p, n, b))
            assert a.random() == b.random()  # as many numbers drawn
        provider = int(w.citizens.provider[p.affected[0]])
        a, b = np.random.default_rng([seed, i]), np.random.default_rng([seed, i])
        assert _same(w.pick_employees(p, 1, a, provider=provider), _plain_pick(w, p, 1, b, provider=provider))


def test_pick_administrators_and_politicians_of_one_are_the_plain_argmax():
    m = _model()
    w = m.world
    rng = np.random.default_rng(4)
    for _ in range(50):
        w.administrators.hours_left[:] = rng.integers(0, 3, w.administrators.n).astype(float)
        w.politicians.hours_left[:] = rng.random(w.politicians.n)
        assert _same(w.pick_administrators(1), np.array([int(np.argmax(w.administrators.hours_left))]))
        assert _same(w.pick_politicians(1), np.array([int(np.argmax(w.politicians.hours_left))]))


# ----------------------------------------------------------------------------- hours
def _plain_spend_politicians(pol, rows, hours, policy):
    given = np.minimum(hours, np.maximum(pol.hours_left[rows], 0.0))
    pol.hours_left[rows] -= given
    (pol.policy_hours if policy else pol.case_hours)[rows] += given
    return float(np.add.reduce(given, None))


@pytest.mark.parametrize("seed", [5, 6])
def test_one_politicians_hours_are_booked_as_the_array_form_books_them(seed):
    m = _model(seed=seed)
    w = m.world
    ref = copy.deepcopy(w)
    rng = np.random.default_rng(seed)
    values = [0.0, -0.0, -1.5, 0.25, 3.0, 7.75, 1e-300, float("inf")]
    p, q = w.open[0], ref.open[0]
    for k in range(400):
        row = int(rng.integers(0, w.politicians.n))
        start = values[k % len(values)] if k % 3 == 0 else float(rng.normal(2.0, 3.0))
        w.politicians.hours_left[row] = ref.politicians.hours_left[row] = start
        hours = values[(k // 3) % len(values)] if k % 5 == 0 else float(rng.random() * 4.0)
        policy = bool(k % 2)
        got = w.spend_politicians(np.array([row]), hours, p, policy=policy)
        want = _plain_spend_politicians(ref.politicians, np.array([row]), hours, policy)
        ref.public_hours += want
        q.public_hours += want
        assert _same(got, want)
        for name in ("hours_left", "policy_hours", "case_hours"):
            assert _same(getattr(w.politicians, name), getattr(ref.politicians, name))
        assert _same(w.public_hours, ref.public_hours) and _same(p.public_hours, q.public_hours)


def test_one_administrators_hours_are_booked_as_the_array_form_books_them():
    m = _model()
    w = m.world
    ref = w.administrators.hours_left.copy()
    rng = np.random.default_rng(8)
    for k in range(300):
        row = int(rng.integers(0, w.administrators.n))
        hours = float(rng.random() * 5.0) if k % 4 else [0.0, -0.0, 2.5, 1e-12][k // 4 % 4]
        w.spend("administrators", np.array([row]), hours, None)
        ref[np.array([row])] -= hours
        assert _same(w.administrators.hours_left, ref)


# ----------------------------------------------------------------------------- closed-problem rows
class _PlainRecords(ProblemRecords):
    """Each row written into the columns when it is added (the straightforward form)."""

    def add(self, p):
        super().add(p)
        self._flush()


@pytest.mark.parametrize("paradigm", ["opa", "npm", "npg"])
def test_records_taken_in_batches_equal_rows_written_one_at_a_time(paradigm):
    m = _model(paradigm=paradigm, setting="none" if paradigm != "npg" else "hands_off", steps=40, citizens=1000)
    closed = m.world.closed.events()
    assert len(closed) > 20
    fast, plain = ProblemRecords(capacity=4), _PlainRecords(capacity=4)
    fast.PENDING = 7  # several batches, and some rows still waiting when read
    for i, p in enumerate(closed):
        fast.add(p)
        plain.add(p)
        if i % 11 == 0:
            assert len(fast) == len(plain) == i + 1
    assert fast._pending  # the read below writes the rows still waiting
    frame = fast.frame()
    import pandas as pd
    pd.testing.assert_frame_equal(frame, plain.frame())
    for name in ("id", "value", "outcome", "solved"):
        assert np.array_equal(fast.column(name), plain.column(name))
    again = pickle.loads(pickle.dumps(fast))
    pd.testing.assert_frame_equal(again.frame(), frame)
    again.add(closed[0])
    assert len(again) == len(closed) + 1


def test_a_record_keeps_the_values_a_problem_had_when_it_was_added():
    m = _model(paradigm="opa", setting="none", steps=30, citizens=800)
    p = copy.copy(m.world.closed.events()[0])
    r = ProblemRecords()
    r.add(p)
    before = p.value
    p.value, p.outcome = before + 1.0, "changed later"
    assert r.column("value").tolist() == [before]
    assert r.column("outcome").tolist() != ["changed later"]


# ----------------------------------------------------------------------------- groups and knowledge
def test_groups_behave_as_the_generated_frozen_dataclass():
    e, a = np.array([1, 4]), np.array([2])
    g = Group(employees=e, administrators=a)
    assert g.citizens is EMPTY and g.politicians is EMPTY and g.firms is EMPTY
    assert g.employees is e and g.administrators is a
    assert Group(e).citizens is e  # positional order: the fields' order
    with pytest.raises(dataclasses.FrozenInstanceError):
        g.citizens = e
    h = dataclasses.replace(g, citizens=np.array([9]))
    assert h.citizens.tolist() == [9] and h.employees is e
    assert g.replace(firms=np.array([0])).firms.tolist() == [0]
    assert [f.name for f in dataclasses.fields(g)] == ["citizens", "employees", "administrators", "politicians", "firms"]
    assert g.size() == 3
    assert pickle.loads(pickle.dumps(g)).employees.tolist() == [1, 4]


def _random_group(w, rng) -> Group:
    kinds = {}
    for name, store in (("citizens", w.citizens), ("employees", w.employees), ("administrators", w.administrators),
                        ("politicians", w.politicians), ("firms", w.firms)):
        if store.n and rng.random() < 0.6:
            kinds[name] = np.sort(rng.choice(store.n, size=int(rng.integers(1, min(6, store.n) + 1)), replace=False))
    return Group(**kinds)


def _plain_learn(w, g, coverage, share):
    lr = w.config.citizens.learning_rate * share
    stores = [(w.citizens, g.citizens), (w.employees, g.employees), (w.administrators, g.administrators),
              (w.politicians, g.politicians), (w.firms, g.firms)]
    parts = [(s.knowledge, rows) for s, rows in stores if rows.size]
    if not parts:
        return 0.0
    block = np.vstack([k[rows] for k, rows in parts])
    gap = np.clip(coverage - block, 0.0, None)
    block = block + lr * gap
    start = 0
    for k, rows in parts:
        k[rows] = block[start:start + rows.size]
        start += rows.size
    return float(np.mean(gap * share))


@pytest.mark.parametrize("seed", [1, 2])
def test_knowledge_and_learning_of_a_group_equal_the_plain_forms(seed):
    m = _model(seed=seed)
    w = m.world
    ref = copy.deepcopy(w)
    rng = np.random.default_rng(seed)
    for _ in range(150):
        g = _random_group(w, rng)
        stores = [(w.citizens, g.citizens), (w.employees, g.employees), (w.administrators, g.administrators),
                  (w.politicians, g.politicians), (w.firms, g.firms)]
        plain_k = [s.knowledge[r] for s, r in stores if r.size]
        plain_p = [s.position[r] for s, r in stores if r.size]
        assert _same(w.knowledge_of(g), np.vstack(plain_k) if plain_k else np.zeros((0, K)))
        assert _same(w.positions_of(g), np.concatenate(plain_p) if plain_p else np.zeros(0))
        coverage, share = rng.random(K), float(rng.choice([1.0, 0.5, 0.3]))
        got = w.learn(g, coverage, share)
        want = _plain_learn(ref, g, coverage, share)
        assert _same(got, want)
        for s, t in ((w.citizens, ref.citizens), (w.employees, ref.employees), (w.administrators, ref.administrators),
                     (w.politicians, ref.politicians), (w.firms, ref.firms)):
            assert _same(s.knowledge, t.knowledge)


def test_routine_need_is_the_normalised_scenario_value_and_a_fresh_array_each_time():
    m = _model(steps=1)
    w = m.world
    want = mech.normalise(np.asarray(w.config.problems.routine_need, dtype=float))
    a = w.routine_need()
    assert _same(a, want)
    a[:] = 0.0  # changing what one caller got changes nothing for the next
    assert _same(w.routine_need(), want)


def test_main_provider_is_the_plain_argmax_of_customers():
    m = _model(paradigm="npm", setting="none", steps=6)
    w = m.world
    for p in w.open:
        counts = np.bincount(w.citizens.provider[p.affected], minlength=w.providers.n)
        assert w.main_provider(p) == int(np.argmax(counts))


# ----------------------------------------------------------------------------- mechanisms
def test_clipped_mechanisms_equal_np_clip():
    rng = np.random.default_rng(3)
    for n in (1, 7, 300):
        m, p, d, i = (rng.random(n) * 1.6 - 0.3 for _ in range(4))
        assert _same(mech.drift_share(m, p, 0.7), np.clip(0.7 * (1.0 - m) * (1.0 - p), 0.0, 1.0))
        assert _same(mech.steered_share(p, m, d), np.clip(p * (1.0 - m * d), 0.0, 1.0))
        assert _same(mech.crowd_out_motivation(m, p, d, 0.3, 0.2, i),
                     np.clip(m + 0.2 * d * (i - m) - 0.3 * p * m, 0.0, 1.0))
        assert _same(mech.participation_effect(m, 0.4, 0.3, 0.9), np.clip(m + 0.9 * (0.4 - 0.3), 0.0, 1.0))
        infl = rng.random(n)
        assert _same(mech.participation_effect(m, infl, 0.3, 0.9), np.clip(m + 0.9 * (infl - 0.3), 0.0, 1.0))


def test_pooled_knowledge_and_reach_equal_the_plain_forms():
    rng = np.random.default_rng(9)
    for rows in (0, 1, 3, 12):
        for _ in range(100):
            k = rng.random((rows, K))
            need = rng.dirichlet(np.ones(K))
            plain = np.zeros(K) if rows == 0 else 1.0 * k.max(axis=0)
            assert _same(mech.pool_knowledge(k), plain)
            assert _same(mech.pool_knowledge(k, 0.6), np.zeros(K) if rows == 0 else 0.6 * k.max(axis=0))
            assert _same(mech.coproduction_reach(need, k), float(np.dot(need, plain)))
            assert _same(mech.coproduction_reach(need.tolist(), k), float(np.dot(need, plain)))


# ----------------------------------------------------------------------------- participation
def _plain_take_part(w):
    """Every act applied in the order recorded, each citizen once per act."""
    c, cfg, now = w.citizens, w.config.citizens, w.now
    for rows, rung, influence in w.participation:
        rows = np.unique(np.asarray(rows, dtype=np.int64))
        if not rows.size:
            continue
        c.fatigue[rows] = mech.tire(c.fatigue[rows], cfg.fatigue)
        c.trust[rows] = np.clip(c.trust[rows] + cfg.participation_effect * (influence - cfg.tokenism_threshold), 0, 1)
        c.efficacy[rows] = np.clip(c.efficacy[rows] + cfg.participation_effect * (influence - cfg.tokenism_threshold),
                                   0, 1)
        recent = c.last_participated[rows] == now
        c.last_rung[rows] = np.where(recent, np.maximum(c.last_rung[rows], rung), rung)
        c.last_participated[rows] = now
        if rung >= mech.RUNG_PANEL:
            c.last_deliberated[rows] = now
        c.participations[rows] += 1


@pytest.mark.parametrize("repeats", [False, True])
def test_taking_part_equals_acts_applied_one_after_another(repeats):
    rng = np.random.default_rng(21 + repeats)
    for seed in (1, 2, 3):
        m = _model(seed=seed, steps=3)
        w = m.world
        for trial in range(20):
            n = w.citizens.n
            acts, fresh = [], rng.permutation(n).tolist()  # distinct citizens, handed out in turn
            for _ in range(int(rng.integers(1, 6))):
                size = int(rng.integers(0, 30))
                if repeats:
                    rows = rng.integers(0, n, size)
                else:
                    rows, fresh = fresh[:size], fresh[size:]
                acts.append((np.asarray(rows, dtype=np.int64), int(rng.integers(1, 7)), float(rng.random())))
            if not repeats:  # nobody in two acts: the one-layer path
                taken = np.concatenate([a[0] for a in acts])
                assert np.unique(taken).size == taken.size
            w.participation = acts
            ref = copy.deepcopy(w)
            phases.take_part(w)
            _plain_take_part(ref)
            for name in ("fatigue", "trust", "efficacy", "last_rung", "last_participated", "last_deliberated",
                         "participations"):
                assert _same(getattr(w.citizens, name), getattr(ref.citizens, name)), name


# ----------------------------------------------------------------------------- implementation
@pytest.mark.parametrize("few", [0, 3, 1000])
def test_implementation_equals_one_solution_at_a_time_whichever_path_delivers(monkeypatch, few):
    """A step's solutions are delivered together, or one at a time when there are few (``phases._FEW``);
    forcing either path for every step gives what delivering each solution alone gives. The Python
    forms run (the compiled delivery is compared with them in ``tests/test_kernels.py``)."""
    import test_performance_phases as plain

    monkeypatch.setattr(phases, "_FEW", few)
    with kernels.disabled():
        for settings in (dict(paradigm="npg", metagovernance="hands_on", seed=1),
                         dict(paradigm="npm", metagovernance="none", seed=3),
                         dict(paradigm="opa", metagovernance="none", seed=4)):
            plain.test_batched_implement_equals_one_solution_at_a_time(settings)


# ----------------------------------------------------------------------------- recruitment
def _plain_select_recruits(candidates, willingness, resources, bias, outreach, seats, rng, competence=None,
                           profile=0.0):
    u = rng.random(candidates.size)
    keys = rng.random(candidates.size)
    if candidates.size == 0 or seats <= 0:
        return candidates[:0]
    rmax = max(float(np.max(resources)), 1e-9)
    p = (1.0 - outreach) * (willingness * (resources / rmax) ** bias) + outreach * np.sqrt(willingness)
    idx = np.flatnonzero(u < p)
    if idx.size > seats:
        score = keys if competence is None or profile <= 0 else (1.0 - profile) * keys + profile * competence
        idx = idx[np.argsort(-score[idx], kind="stable")[:seats]]
    return np.sort(candidates[idx])


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_recruits_are_the_plain_stable_sort_selection(seed):
    rng = np.random.default_rng(seed)
    for trial in range(300):
        n = int(rng.choice([0, 1, 5, 30, 33, 200, 3000]))
        candidates = np.sort(rng.choice(10 * n + 1, size=n, replace=False)).astype(np.int64)
        willingness, resources = rng.random(n), rng.random(n)
        competence = None
        if trial % 3:
            competence = rng.integers(0, 3, n).astype(float) / 2.0  # many ties in the score
            if trial % 17 == 0 and n:
                competence[rng.integers(0, n)] = np.nan  # a NaN score: the stable sort's rule still holds
        profile = float(rng.choice([0.0, 0.5, 1.0]))
        seats = int(rng.integers(0, 40))
        args = (candidates, willingness, resources, float(rng.choice([0.0, 1.0, 2.0])),
                float(rng.random()), seats)
        a, b = np.random.default_rng([seed, trial]), np.random.default_rng([seed, trial])
        got = mech.select_recruits(*args, a, competence, profile)
        want = _plain_select_recruits(*args, b, competence, profile)
        assert _same(got, want), (n, seats, profile)
        assert a.random() == b.random()
