"""The cheaper forms of the shared mechanisms compute exactly what the plain numpy forms compute.

Each reference below is the straightforward numpy expression of the mechanism (``np.clip``,
``np.mean``, ``ndarray.std``, ``rng.dirichlet``); the module's own functions avoid numpy's
per-call overhead on vectors of K = 5 elements. Results must be equal to the last bit, and the
generator must be left in the same state (the next draw is the same).
"""

from __future__ import annotations

import numpy as np
import pytest

from govsim import mechanisms as mech

K = mech.K
SEEDS = range(40)


def ref_normalise(v):
    v = np.clip(np.asarray(v, dtype=float), 0.0, None)
    s = v.sum()
    return v / s if s > 0 else mech.UNIFORM.copy()


def ref_perceive_need(need, coverage, visibility, noise, rng, wickedness=0.0):
    seen = need * coverage * visibility
    if seen.sum() > 0:
        seen = seen / seen.sum()
    u = float(np.clip(noise + wickedness * (1.0 - float(np.dot(need, coverage))), 0.0, 1.0))
    return ref_normalise((1.0 - u) * seen + u * rng.dirichlet(np.ones(K)))


def ref_pass_along_chain(view, links, fidelity, rng, codified=None):
    keep = np.full(K, fidelity) if codified is None else 1.0 - (1.0 - fidelity) * (1.0 - np.asarray(codified, dtype=float))
    for _ in range(links):
        view = ref_normalise(keep * view + (1.0 - keep) * rng.dirichlet(np.ones(K)))
    return view


def ref_conflict_level(positions, trust, management, softening=0.5):
    positions = np.asarray(positions, dtype=float)
    if positions.size < 2:
        return 0.0
    spread = min(1.0, 2.0 * float(positions.std()))
    return float(np.clip(spread * (1.0 - softening * trust) * (1.0 - management), 0.0, 1.0))


def ref_solution_fit(direction, need, coverage):
    capability = float(np.exp(np.sum(need * np.log(np.clip(coverage, 1e-3, 1.0)))))
    return float(np.minimum(direction, need).sum()) * capability


def ref_select_recruits(candidates, willingness, resources, bias, outreach, seats, rng, competence=None, profile=0.0):
    u = rng.random(candidates.size)
    keys = rng.random(candidates.size)
    if candidates.size == 0 or seats <= 0:
        return candidates[:0]
    rmax = max(float(resources.max()), 1e-9)
    p = (1.0 - outreach) * willingness * (resources / rmax) ** bias + outreach * np.sqrt(willingness)
    score = keys if competence is None or profile <= 0 else (1.0 - profile) * keys + profile * competence
    idx = np.flatnonzero(u < p)
    idx = idx[np.argsort(-score[idx], kind="stable")[:seats]]
    return np.sort(candidates[idx])


def _pair(seed):
    return np.random.default_rng(seed), np.random.default_rng(seed)


def _same(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.tobytes() == b.tobytes()


def test_dirichlet_ones_is_numpys_dirichlet_to_the_bit():
    for seed in range(3000):
        r1, r2 = _pair(seed)
        assert _same(mech.dirichlet_ones(r1), r2.dirichlet(np.ones(K)))
        assert r1.random() == r2.random()  # the same draws used up


@pytest.mark.parametrize("x", [-1.0, -0.0, 0.0, 1e-300, 0.3, 1.0 - 1e-16, 1.0, 1.5, np.inf, -np.inf, np.nan,
                               np.float64(0.7), np.float64(-2.0)])
def test_clip01_is_np_clip(x):
    got, want = mech.clip01(x), float(np.clip(x, 0.0, 1.0))
    assert type(got) is float
    assert np.isnan(want) and np.isnan(got) or (got == want and np.copysign(1, got) == np.copysign(1, want))


def test_normalise_and_pools_match_numpy():
    rng = np.random.default_rng(1)
    for _ in range(500):
        v = rng.normal(0.1, 0.3, K)
        assert _same(mech.normalise(v), ref_normalise(v))
        assert _same(mech.normalise(list(v)), ref_normalise(list(v)))
        m = int(rng.integers(0, 6))
        k = rng.random((m, K))
        s = float(rng.random())
        want = np.zeros(K) if m == 0 else s * k.max(axis=0)
        assert _same(mech.pool_knowledge(k, s), want)
        assert _same(mech.pool_knowledge(k.ravel(), s), want)
        assert mech.knowledge_diversity(k) == (0.0 if m == 0 else float(k.max(axis=0).mean()))
    assert _same(mech.normalise(np.zeros(K)), mech.UNIFORM)
    assert _same(mech.normalise(-np.ones(K)), mech.UNIFORM)


def test_perceive_need_and_chain_match_numpy():
    for seed in SEEDS:
        rng = np.random.default_rng(1000 + seed)
        need = ref_normalise(rng.random(K))
        coverage = rng.random(K) * (rng.random(K) < 0.8)
        visibility = (rng.random(K) < 0.7).astype(float)
        noise, wicked = float(rng.random()) * 0.5, float(rng.random())
        r1, r2 = _pair(seed)
        assert _same(mech.perceive_need(need, coverage, visibility, noise, r1, wicked),
                     ref_perceive_need(need, coverage, visibility, noise, r2, wicked))
        codified = rng.random(K) if seed % 2 else None
        assert _same(mech.pass_along_chain(need, 3, 0.8, r1, codified), ref_pass_along_chain(need, 3, 0.8, r2, codified))
        assert r1.random() == r2.random()
    r1, r2 = _pair(5)  # nothing seen: the draw alone
    assert _same(mech.perceive_need(np.zeros(K), np.zeros(K), np.ones(K), 0.1, r1),
                 ref_perceive_need(np.zeros(K), np.zeros(K), np.ones(K), 0.1, r2))


def test_conflict_fit_novelty_and_means_match_numpy():
    rng = np.random.default_rng(7)
    for _ in range(400):
        n = int(rng.integers(0, 30))
        pos = rng.random(n) ** 2
        trust, man, soft = rng.random(3)
        assert mech.conflict_level(pos, trust, man, soft) == ref_conflict_level(pos, trust, man, soft)
        assert mech.conflict_level(list(pos), trust, man) == ref_conflict_level(list(pos), trust, man)
        d, need = ref_normalise(rng.random(K)), ref_normalise(rng.random(K) * (rng.random(K) < 0.6))
        cov = rng.random(K) * (rng.random(K) < 0.8)
        assert mech.solution_fit(d, need, cov) == ref_solution_fit(d, need, cov)
        r, w = rng.random(n), rng.random(n)
        assert mech.mobilise_resources(r, w, 0.7) == (0.0 if n == 0 else float(np.clip(np.mean(r * w) * 0.7, 0, 1)))
        assert mech.implementation_resistance(r, w) == (0.0 if n == 0 else float(np.mean((1 - r) * (1 - w))))
        args = (float(rng.random()), float(rng.random()) * 3, float(rng.random()) - 0.2)
        r1, r2 = _pair(n)
        assert mech.recombine_novelty(*args, r1) == float(np.clip(args[0] * args[1] * (1 - args[2]) * r2.uniform(0.5, 1.5), 0, 1))
    assert mech.conflict_level(np.array([0.0, 1.0]), 0.0, 0.0) == 1.0


@pytest.mark.parametrize("seed", SEEDS)
def test_select_recruits_matches_numpy(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 60))
    cand = np.sort(rng.choice(10_000, size=n, replace=False))
    will, res = rng.random(n), rng.random(n)
    comp = rng.random(n) if seed % 3 else None
    for seats in (0, 1, 3, 10, 100):
        bias, outreach, profile = float(rng.random() * 2), float(rng.random()) * (seed % 2), float(rng.random())
        r1, r2 = _pair(seed * 10 + seats)
        got = mech.select_recruits(cand, will, res, bias, outreach, seats, r1, comp, profile)
        assert _same(got, ref_select_recruits(cand, will, res, bias, outreach, seats, r2, comp, profile))
        assert r1.random() == r2.random()


def test_perceive_need_in_plain_floats_matches_numpy_on_many_inputs():
    rng = np.random.default_rng(99)
    for seed in range(3000):
        scale = 10.0 ** rng.integers(-3, 3)
        need = rng.random(K) * (rng.random(K) < 0.7) * scale
        coverage = rng.random(K) * (rng.random(K) < 0.9)
        visibility = rng.random(K) if seed % 2 else np.ones(K)
        noise, wicked = float(rng.random()), float(rng.random()) * 2 - 0.5
        r1, r2 = _pair(seed)
        assert _same(mech.perceive_need(need, coverage, visibility, noise, r1, wicked),
                     ref_perceive_need(need, coverage, visibility, noise, r2, wicked))
        assert r1.random() == r2.random()
    r1, r2 = _pair(1)  # lists and other shapes take numpy's way, with the same result
    assert _same(mech.perceive_need(np.ones(K) / K, list(np.ones(K)), 1.0, 0.2, r1),
                 ref_perceive_need(np.ones(K) / K, np.ones(K), 1.0, 0.2, r2))


def test_chain_in_plain_floats_matches_numpy_on_many_inputs():
    rng = np.random.default_rng(98)
    for seed in range(2000):
        view = ref_normalise(rng.random(K) * (rng.random(K) < 0.8))
        fidelity = float(rng.random())
        codified = rng.random(K) if seed % 3 else None
        links = int(rng.integers(0, 5))
        r1, r2 = _pair(seed)
        assert _same(mech.pass_along_chain(view, links, fidelity, r1, codified),
                     ref_pass_along_chain(view, links, fidelity, r2, codified))
        assert r1.random() == r2.random()
