"""The cheaper forms of NPG's per-problem path give exactly the numbers of the plain forms.

Each shortcut in ``govsim.paradigms.npg`` and ``Paradigm.design_with`` (Python floats for
K-element vectors, in-place arithmetic, competence left out when no competence profile
weighs in, one administrator's row instead of a reduction, method calls instead of numpy's
wrapper functions) is compared here with the computation it replaces, bit for bit: helper
by helper on random inputs, method by method on real arenas, and over whole runs under
each metagovernance setting (``PlainNPG`` of ``tests/test_performance_npg.py`` with the
plain ``design_with`` below as reference).
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
from govsim.paradigms.base import log_coverage
from govsim.paradigms.npg import NPG, _best_of, _competence, _direction
from govsim.problems import Arena, Group, Stage


def _same(a, b) -> bool:
    """Equal to the last bit (as bytes), same dtype and shape."""
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


# --------------------------------------------------------------------------- helpers
def test_competence_equals_the_plain_form():
    rng = np.random.default_rng(1)
    knowledge = rng.random((400, mech.K))
    for _ in range(500):
        rows = rng.choice(400, size=int(rng.integers(0, 60)), replace=False)
        public = rng.random(mech.K) * rng.choice([0.0, 0.5, 1.0, 1.5])
        want = np.maximum(knowledge[rows] - public, 0.0).sum(axis=1)
        got = _competence(knowledge, rows, public)
        assert _same(got, want)
    assert knowledge.flags.writeable and not np.shares_memory(got, knowledge)


def test_best_of_equals_the_maximum_of_the_stacked_rows():
    rng = np.random.default_rng(2)
    first, second = rng.random((50, mech.K)), rng.random((20, mech.K))
    for _ in range(500):
        rows = rng.choice(50, size=int(rng.integers(1, 6)), replace=False)
        more = rng.choice(20, size=int(rng.integers(1, 4)), replace=False)
        want = np.concatenate((first[rows], second[more])).max(axis=0)
        assert _same(_best_of(first, rows, second, more), want)
    before = second.copy()
    _best_of(first, rows, second, more[:1])
    assert np.array_equal(second, before)  # one administrator's row is read, never written


def _plain_direction(defined, conflict, admin_view, influence):
    arena_view = mech.muddy_compromise(defined, conflict)
    return mech.normalise(influence * arena_view + (1.0 - influence) * admin_view)


def test_direction_equals_muddy_compromise_and_normalise():
    rng = np.random.default_rng(3)
    for i in range(3000):
        defined = rng.dirichlet(np.ones(mech.K))
        view = rng.dirichlet(np.ones(mech.K))
        if i % 7 == 0:
            defined[rng.integers(mech.K)] = 0.0
        if i % 11 == 0:
            view = np.zeros(mech.K)  # nothing seen: normalise falls back to uniform
        conflict = float(rng.choice([0.0, 1.0, rng.random()]))
        influence = float(rng.choice([0.0, 1.0, rng.random()]))
        want = _plain_direction(defined, conflict, view, influence)
        got = _direction(defined, conflict, view, influence)
        assert type(got) is np.ndarray and _same(got, want)
    # other arrays (float32) take the plain path
    for v in (np.array([0.1, 0.2, 0.3, 0.4, 0.0], dtype=np.float32), np.array([0.7, 0.1, 0.1, 0.1, 0.0], dtype=np.float32)):
        assert _same(_direction(v, 0.3, v, 0.5), _plain_direction(v, 0.3, v, 0.5))


def test_log_coverage_equals_log_of_the_clipped_coverage():
    rng = np.random.default_rng(4)
    for _ in range(1000):
        coverage = rng.random(mech.K) * rng.choice([1e-4, 0.01, 1.0, 3.0])
        coverage[rng.integers(mech.K)] = rng.choice([0.0, 1e-3, 1.0, 2.0])
        before = coverage.copy()
        want = np.log(np.minimum(np.maximum(coverage, 1e-3), 1.0)).tolist()
        assert log_coverage(coverage) == want
        assert np.array_equal(coverage, before)  # the coverage itself is left as it was


# --------------------------------------------------------------------------- methods on real arenas
def _world(seed: int, setting: str, **extra):
    m = GovModel(validate({"paradigm": "npg", "metagovernance": setting, "seed": seed,
                           "population": {"citizens": 1500}, **extra}), history=False)
    for _ in range(12):
        m.step()
    return m


@pytest.mark.parametrize("seed,setting", [(1, "hands_off"), (2, "hands_on"), (3, "none")])
def test_notice_knowledge_trust_and_positions_equal_the_plain_forms(seed, setting):
    m = _world(seed, setting)
    w, fast = m.world, m.paradigm
    plain = PlainNPG(fast.params)
    checked = 0
    for p in w.open:
        rng = w.streams.get("noticing", p.id, w.now)
        got = fast.notice(w, p, rng)
        rng = w.streams.get("noticing", p.id, w.now)
        assert got == plain.notice(w, p, rng)
        if p.arena is None or p.stage == Stage.CLOSED:
            continue
        g, arena = p.group, p.arena
        assert _same(fast._knowledge(w, g, arena), plain._knowledge(w, g, arena))
        assert fast._trust(w, g) == plain._trust(w, g)
        positions, n = fast._positions(w, g)
        assert _same(positions, w.positions_of(plain._members(g))) and n == positions.size
        checked += 1
    assert checked > 10


@pytest.mark.parametrize("profile,broad", [(0.0, 0.0), (0.0, 0.3), (0.35, 0.0), (0.35, 0.3), (1.0, 1.0)])
def test_recruitment_equals_the_plain_form_with_and_without_profiles(profile, broad):
    """Without a competence profile no competence is worked out; the arena recruited is the same."""
    m = _world(5, "hands_off")
    w, fast = m.world, m.paradigm
    plain = PlainNPG(fast.params)
    seated = 0
    for p in w.open[:30]:
        for rung in (1, 2, 3, 5, 6):
            arena = Arena(rung=rung, outreach=0.5, profile=profile, broad=broad)
            p.group = Group(administrators=w.pick_administrators(1))
            a = fast._recruit(w, p, arena)
            b = plain._recruit(w, p, Arena(rung=rung, outreach=0.5, profile=profile, broad=broad))
            for kind in ("citizens", "employees", "administrators", "politicians", "firms"):
                assert _same(getattr(a, kind), getattr(b, kind)), kind
            seated += a.citizens.size
    assert seated > 100


# --------------------------------------------------------------------------- whole runs
class PlainDesigns(PlainNPG):
    """PlainNPG with ``design_with`` in its plain numpy form (as the mechanisms write it)."""

    def design_with(self, world, problem, group, direction, slack, constraint, sharing=1.0, *,
                    knowledge=None, learning=1.0):
        if knowledge is None:
            knowledge = world.knowledge_of(group)
        knowledge = np.asarray(knowledge, dtype=float).reshape(-1, mech.K)
        coverage = mech.pool_knowledge(knowledge, sharing)
        problem.coverage = coverage
        problem.direction = direction
        problem.fit = mech.solution_fit(np.asarray(direction, dtype=float), problem.need, coverage)
        problem.diversity = mech.knowledge_diversity(knowledge)
        rng = world.streams.get("novelty", problem.id, problem.rounds)
        problem.novelty = mech.recombine_novelty(problem.diversity, slack, constraint, rng, world.core.novelty_spread)
        problem.standard = False
        share = self.params.standardisation
        looks = share > 0.0 and (share >= 1.0 or world.streams.get("standard", problem.id, problem.rounds).random() < share)
        if looks and problem.defined is not None:
            fit = mech.standard_fit(problem.defined, problem.need, world.codified())
            if fit > problem.fit:
                standard = np.zeros(mech.K)
                standard[int(np.argmax(problem.defined))] = 1.0
                problem.direction, problem.fit, problem.novelty, problem.standard = standard, fit, 0.0, True
        problem.learning = world.learn(group, coverage, learning) if learning > 0 else 0.0
        problem.designed_at = world.now
        world.designs.append(problem)


def _run(scenario: dict, plain: bool, steps: int = 40):
    return _run_npg(scenario, plain, steps, plain_class=PlainDesigns)


RUNS = {
    "hands-off": dict(paradigm="npg", metagovernance="hands_off", seed=21, population={"citizens": 1500}),
    "hands-on": dict(paradigm="npg", metagovernance="hands_on", seed=22, population={"citizens": 1500}),
    "no tools, every rung, standard solutions always looked at": dict(
        paradigm="npg", metagovernance="none", seed=23, population={"citizens": 1500},
        ladder={"mix": [1, 1, 1, 1, 1, 1], "tokenism": 0.2}, npg={"standardisation": 1.0}),
}


@pytest.mark.parametrize("name", list(RUNS))
def test_whole_runs_equal_the_plain_computation(name):
    fast, plain = _run(RUNS[name], False), _run(RUNS[name], True)
    assert type(fast.paradigm) is NPG and isinstance(plain.paradigm, PlainDesigns)
    assert_same_runs(fast, plain)
    designs = fast.world.designs.events()
    assert designs and all(type(p.direction) is np.ndarray and p.direction.dtype == np.float64 for p in designs)