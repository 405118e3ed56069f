"""The written-out forms of the OPA and NPM rule sets' per-problem path give exactly the plain forms' numbers.

``govsim.paradigms.base`` writes its K-vector helpers out for the five dimensions (no list built
per step of arithmetic), clips the coverage for the fit on Python floats before one ``np.log``,
keeps ``world.codified()`` as a list per configuration, and lets OPA and NPM hand
``Paradigm.design_with`` their designers' best knowledge found from their own rows. Each is
compared here with the form it replaces, bit for bit (as bytes: signed zeros and NaN count):
helper by helper on random and degenerate inputs, design by design on real problems, and over
whole runs with parameters that take the less common branches (reference rule sets of
``tests/test_performance_rules.py``, written with the mechanisms themselves).
"""

from __future__ import annotations

import struct
from functools import reduce
from operator import add

import numpy as np
import pytest
from test_performance_rules import ReferenceNPM, ReferenceOPA, _assert_same, _run

from govsim import mechanisms as mech
from govsim.config import validate
from govsim.model import GovModel
from govsim.paradigms.base import _log_clipped, chained, dirichlet_rows, fit_of, log_coverage, normalised, perceived
from govsim.problems import Stage

K = mech.K


def _bits(v) -> bytes:
    """Every float of ``v`` (a number or a sequence) as its 8 bytes."""
    if isinstance(v, float):
        return struct.pack("<d", v)
    return b"".join(struct.pack("<d", x) for x in v)


def _gen(seed: int) -> np.random.Generator:
    return np.random.Generator(np.random.Philox(seed))


# --------------------------------------------------------------------------- the plain forms replaced
def plain_dirichlet_rows(rng, n):
    x = rng.standard_exponential(n * K).tolist()
    rows = []
    for i in range(0, n * K, K):
        row = x[i:i + K]
        inv = 1.0 / reduce(add, row, 0.0)
        rows.append([v * inv for v in row])
    return rows


def plain_normalised(v):
    v = [x if x > 0.0 else 0.0 for x in v]
    s = reduce(add, v)
    return [x / s for x in v] if s > 0 else [1.0 / K] * K


def plain_perceived(need, coverage, visibility, noise, wickedness, e):
    n, c = need.tolist(), coverage.tolist()
    if visibility is None:
        seen = [a * b for a, b in zip(n, c)]
    else:
        seen = [a * b * v for a, b, v in zip(n, c, visibility)]
    s = reduce(add, seen)
    if s > 0:
        seen = [x / s for x in seen]
    u = min(max(noise + wickedness * (1.0 - float(np.dot(need, coverage))), 0.0), 1.0)
    r = 1.0 - u
    return plain_normalised([r * a + u * b for a, b in zip(seen, e)])


def plain_chained(view, keep, lose, draws):
    for e in draws:
        view = plain_normalised([k * v + q * x for k, v, q, x in zip(keep, view, lose, e)])
    return list(view)


def plain_fit_of(direction, need, logs):
    capability = float(np.exp(reduce(add, [a * b for a, b in zip(need, logs)])))
    return reduce(add, [a if a < b else b for a, b in zip(direction, need)]) * capability


def plain_log_coverage(coverage):
    return np.log(np.minimum(np.maximum(coverage, 1e-3), 1.0)).tolist()


def _odd_vectors(seed: int, n: int):
    """K-vectors of every kind the helpers may meet: probabilities, zeros, negative entries,
    signed zeros, tiny and large values."""
    rng = np.random.default_rng(seed)
    specials = [0.0, -0.0, 1e-3, 1e-300, 5e-324, 1.0, 1.0 + 2 ** -52, 1e-3 * (1 - 2 ** -52), -1.0, 7.5]
    for i in range(n):
        kind = i % 5
        if kind == 0:
            yield rng.dirichlet(np.ones(K))
        elif kind == 1:
            yield rng.random(K) * 10 ** rng.uniform(-5, 1)
        elif kind == 2:
            yield rng.normal(size=K)
        elif kind == 3:
            yield np.array([specials[j] for j in rng.integers(0, len(specials), K)])
        else:
            v = np.zeros(K)
            v[rng.integers(K)] = rng.random()
            yield v


# --------------------------------------------------------------------------- helpers
@pytest.mark.parametrize("n", [0, 1, 2, 3, 4, 9])
def test_dirichlet_rows_equal_the_plain_form_and_leave_the_generator_alike(n):
    for seed in range(400):
        a, b = _gen(seed), _gen(seed)
        want, got = plain_dirichlet_rows(a, n), dirichlet_rows(b, n)
        assert len(got) == n and all(len(row) == K for row in got)
        assert _bits([x for row in want for x in row]) == _bits([x for row in got for x in row])
        assert a.random() == b.random()


def test_normalised_equals_the_plain_form_on_odd_inputs():
    for v in _odd_vectors(1, 5000):
        x = v.tolist()
        assert _bits(normalised(x)) == _bits(plain_normalised(x))
    for x in ([0.0] * K, [-0.0] * K, [-1.0] * K, [float("nan")] * K, [float("nan"), 1.0, 0.0, 2.0, -3.0]):
        assert _bits(normalised(x)) == _bits(plain_normalised(x))


@pytest.mark.parametrize("with_visibility", [False, True])
def test_perceived_equals_the_plain_form(with_visibility):
    rng = np.random.default_rng(2)
    vectors = _odd_vectors(3, 4000)
    for i, coverage in enumerate(vectors):
        need = rng.dirichlet(np.ones(K)) if i % 3 else next(vectors)
        visibility = rng.random(K).tolist() if with_visibility else None
        if with_visibility and i % 7 == 0:
            visibility[int(rng.integers(K))] = 0.0
        # noise and wickedness from ordinary values to ones that push u below 0 or above 1
        noise = float(rng.choice([0.0, rng.random() * 0.3, -0.5, 1.5]))
        wickedness = float(rng.choice([0.0, rng.random(), 3.0]))
        e = dirichlet_rows(_gen(i), 1)[0]
        want = plain_perceived(need, coverage, visibility, noise, wickedness, e)
        got = perceived(need, coverage, visibility, noise, wickedness, e)
        assert _bits(want) == _bits(got)


@pytest.mark.parametrize("links", [0, 1, 2, 3, 10])
def test_chained_equals_the_plain_form(links):
    rng = np.random.default_rng(4)
    for i, view in enumerate(_odd_vectors(5, 2000)):
        keep = rng.random(K)
        if i % 4 == 0:
            keep[int(rng.integers(K))] = rng.choice([0.0, 1.0])
        draws = dirichlet_rows(_gen(i), links)
        if links and i % 9 == 0:
            draws[0] = [0.0] * K  # a link that brings nothing: the message may vanish (uniform)
        want = plain_chained(view.tolist(), keep.tolist(), (1.0 - keep).tolist(), draws)
        got = chained(view.tolist(), keep.tolist(), (1.0 - keep).tolist(), draws)
        assert _bits(want) == _bits(got)


def test_fit_of_and_the_log_of_the_coverage_equal_the_plain_forms():
    rng = np.random.default_rng(6)
    for coverage in _odd_vectors(7, 5000):
        assert _bits(log_coverage(coverage)) == _bits(plain_log_coverage(coverage))
        assert _bits(_log_clipped(coverage.tolist())) == _bits(plain_log_coverage(coverage))
        direction, need = rng.dirichlet(np.ones(K)), rng.dirichlet(np.ones(K) * rng.random() * 3 + 0.05)
        logs = log_coverage(coverage)
        assert _bits(fit_of(direction.tolist(), need.tolist(), logs)) == \
            _bits(plain_fit_of(direction.tolist(), need.tolist(), logs))
        assert fit_of(direction.tolist(), need.tolist(), logs) == mech.solution_fit(direction, need, coverage)
    # NaN and infinities are clipped as numpy clips them (NaN stays NaN)
    odd = np.array([float("nan"), float("inf"), -float("inf"), 1e-3, -0.0])
    assert _bits(_log_clipped(odd.tolist())) == _bits(plain_log_coverage(odd))


# --------------------------------------------------------------------------- designs
def _twins(paradigm: str, seed: int, steps: int, **extra):
    scenario = {"paradigm": paradigm, "metagovernance": "none", "seed": seed, "population": {"citizens": 1000}, **extra}
    a, b = GovModel(validate(scenario), history=False), GovModel(validate(scenario), history=False)
    for _ in range(steps):
        a.step()
        b.step()
    return a, b


def _defined(m: GovModel) -> list:
    """The open problems waiting for a design (whether or not their rules' delay is over)."""
    return [p for p in m.world.open if p.stage == Stage.DEFINED]


def _assert_same_design(p, q) -> None:
    for name in ("coverage", "direction"):
        x, y = getattr(p, name), getattr(q, name)
        assert x.dtype == y.dtype and x.tobytes() == y.tobytes()
    assert _bits([p.fit, p.diversity, p.novelty, p.learning]) == _bits([q.fit, q.diversity, q.novelty, q.learning])
    assert p.standard == q.standard and p.designed_at == q.designed_at


@pytest.mark.parametrize("paradigm,seed", [("opa", 1), ("opa", 2), ("npm", 3), ("npm", 4)])
def test_design_from_the_rule_sets_own_rows_equals_the_plain_design(paradigm, seed):
    """OPA's and NPM's ``design`` (the designers' best knowledge from their own rows) against the plain
    ``design_with`` on the same group (every member's row gathered, then reduced): the same design,
    the same learning, the same draws."""
    a, b = _twins(paradigm, seed, 4)
    fast = a.paradigm
    plain = {"opa": ReferenceOPA, "npm": ReferenceNPM}[paradigm](b.paradigm.params)
    checked = standard = 0
    for _ in range(6):  # between steps, every defined problem is designed by each and moves on
        a.step()
        b.step()
        for p, q in zip(_defined(a), _defined(b)):
            assert p.id == q.id
            assert fast.design(a.world, p) and plain.design(b.world, q)
            _assert_same_design(p, q)
            p.stage = q.stage = Stage.DESIGNED
            checked += 1
            standard += p.standard
    assert checked >= 8 and 0 < standard < checked  # both outcomes of the look in the rulebook occur
    for pop in ("citizens", "employees", "administrators", "politicians"):
        assert np.array_equal(getattr(a.world, pop).knowledge, getattr(b.world, pop).knowledge)
    assert [p.id for p in a.world.designs.window(0)] == [q.id for q in b.world.designs.window(0)]
    for name, column in a.world.designs.table(0).items():
        assert column.tobytes() == b.world.designs.table(0)[name].tobytes(), name
    assert a.world.streams.get("novelty", 1, 0).random() == b.world.streams.get("novelty", 1, 0).random()


def test_npm_design_with_citizens_in_the_team_takes_the_plain_path():
    """A team that gained members of another kind is designed for through ``design_with`` (all rows)."""
    a, b = _twins("npm", 5, 4)
    plain = ReferenceNPM(b.paradigm.params)
    checked = 0
    for _ in range(4):
        a.step()
        b.step()
        # the citizens who know most about some dimension: they add to the team's coverage
        citizens = np.unique(a.world.citizens.knowledge.argmax(axis=0))
        for p, q in zip(_defined(a), _defined(b)):
            team = a.world.knowledge_of(p.group)
            p.group, q.group = p.group.replace(citizens=citizens), q.group.replace(citizens=citizens.copy())
            assert a.paradigm.design(a.world, p) and plain.design(b.world, q)
            _assert_same_design(p, q)
            assert not np.array_equal(p.coverage, team.max(axis=0))
            p.stage = q.stage = Stage.DESIGNED
            checked += 1
    assert checked >= 4
    assert np.array_equal(a.world.citizens.knowledge, b.world.citizens.knowledge)


def test_codified_list_follows_the_configuration():
    """The rulebook's cover kept as a list is worked out again for another configuration."""
    a, _ = _twins("opa", 6, 1)
    b, _ = _twins("opa", 6, 1, problems={"codified": [0.1, 0.2, 0.3, 0.4, 0.5]})
    rules = a.paradigm
    assert rules._codified(a.world) == a.world.codified().tolist()
    assert rules._codified(b.world) == [0.1, 0.2, 0.3, 0.4, 0.5]
    assert rules._codified(a.world) == a.world.codified().tolist() != [0.1, 0.2, 0.3, 0.4, 0.5]


# --------------------------------------------------------------------------- whole runs
RUNS = [
    ("opa", {"opa": {"chain_links": 1, "hearing_share": 1.0, "hearing_seats": 1}}, 21),
    ("opa", {"opa": {"chain_links": 10, "chain_fidelity": 0.0, "hearing_share": 0.5}}, 22),
    ("opa", {"opa": {"hearing_seats": 0, "standardisation": 0.0}, "problems": {"codified": [0, 0, 0, 0, 0]}}, 23),
    ("npm", {"npm": {"team_size": 1, "unmeasured_visibility": 0.0}}, 24),
    ("npm", {"npm": {"team_size": 6, "measured": ["experiential", "political"], "standardisation": 1.0}}, 25),
]


@pytest.mark.parametrize("paradigm,extra,seed", RUNS)
def test_whole_runs_with_uncommon_parameters_equal_the_reference_rule_sets(paradigm, extra, seed):
    scenario = {"paradigm": paradigm, "metagovernance": "none", "seed": seed, "population": {"citizens": 800},
                **extra}
    reference = {"opa": ReferenceOPA, "npm": ReferenceNPM}[paradigm]
    fast, slow = _run(scenario, None, 40), _run(scenario, reference, 40)
    assert len(fast.problem_table()) > 30
    _assert_same(fast, slow)
