"""OPA's and NPM's per-problem path, written with fewer calls, gives exactly the numbers of its plain form.

What is compared here, bit for bit (as bytes: signed zeros and NaN count), each with the form it
replaces:

* ``perceived_chained``: a reading of the need and its way up a chain of command in one pass over
  the drawn exponentials, against ``perceived`` then ``chained`` of ``dirichlet_rows`` (and against
  the plain list forms of ``tests/test_performance_opa_npm_paths.py``), generator state included;
* ``chained_drawn``: one or more links down the chain from the drawn exponentials, against
  ``chained`` of ``dirichlet_rows``;
* ``uniform_draw``: ``low + (high - low) U`` from one ``random()`` draw, against ``Generator.uniform``
  (the same number, the same state after, the same errors);
* the fit in ``Paradigm._design_from_best``, ``employee_slack`` summed by
  ``np.add.reduce``, NPM's political ownership and noticing written out, OPA's noticing: whole runs
  of the rule sets against the same rule sets with the previous forms of those methods.
"""

from __future__ import annotations


import numpy as np
import pytest
from test_performance_opa_npm_paths import _bits, _gen, plain_chained, plain_dirichlet_rows, plain_perceived
from test_performance_rules import _assert_same, _run

from govsim import mechanisms as mech
from govsim.paradigms.base import (Paradigm, _log_clipped, chained, chained_drawn, dirichlet_rows, fit_of,
                                   perceived, perceived_chained, uniform_draw)
from govsim.paradigms.npm import NPM
from govsim.paradigms.opa import OPA
from govsim.problems import Group

K = mech.K


def _inputs(seed: int):
    """Needs, coverages, visibilities, noise and wickedness: random ones and degenerate ones."""
    rng = np.random.default_rng(seed)
    cases = []
    for i in range(400):
        need = rng.dirichlet(np.ones(K) * (rng.random() * 3 + 0.05))
        coverage = rng.random(K) * (rng.random(K) < 0.8)
        visibility = None if i % 2 else (rng.random(K) * (rng.random(K) < 0.7)).tolist()
        noise, wickedness = float(rng.random() * 0.6), float(rng.random())
        cases.append((need, coverage, visibility, noise, wickedness))
    zero = np.zeros(K)
    cases += [
        (zero, zero, None, 0.2, 0.5),                       # nothing seen: the uniform reading
        (np.full(K, 0.2), zero, [1.0] * K, 0.0, 0.0),       # no coverage and no noise: nothing positive
        (np.full(K, 0.2), np.ones(K), None, 2.0, 1.0),      # noise above 1: clipped to 1
        (np.full(K, 0.2), np.ones(K), None, -1.0, 0.5),     # noise below 0: clipped to 0
        (np.array([1.0, 0, 0, 0, 0]), np.ones(K), [0.0] * K, 0.1, 0.3),  # nothing visible
        (np.array([-0.0, 0.5, 0.5, 0, 0]), np.array([1.0, -0.0, 1.0, 0.5, 0.0]), None, 0.0, 0.0),  # signed zeros
    ]
    return cases


# --------------------------------------------------------------------------- helpers
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_perceived_chained_equals_perceived_then_chained_over_dirichlet_rows(seed):
    keep_rng = np.random.default_rng(100 + seed)
    for case_no, (need, coverage, visibility, noise, wickedness) in enumerate(_inputs(seed)):
        links = case_no % 7
        keep = keep_rng.random(K).tolist()
        lose = [1.0 - k for k in keep]
        a, b, c = _gen(case_no), _gen(case_no), _gen(case_no)
        x = a.standard_exponential(K * (1 + links)).tolist()
        fast = perceived_chained(need, coverage, visibility, noise, wickedness, x,
                                 keep if links else None, lose if links else None)
        rows = dirichlet_rows(b, 1 + links)
        helpers = chained(perceived(need, coverage, visibility, noise, wickedness, rows[0]), keep, lose, rows[1:])
        plain_rows = plain_dirichlet_rows(c, 1 + links)
        plain = plain_chained(plain_perceived(need, coverage, visibility, noise, wickedness, plain_rows[0]),
                              keep, lose, plain_rows[1:])
        assert _bits(fast) == _bits(helpers) == _bits(plain), (case_no, links)
        assert a.random() == b.random() == c.random()  # the same draws: the generators are alike after
    # the one-link-free form with the fidelity given is the same reading
    need, coverage, visibility, noise, wickedness = _inputs(seed)[0]
    x = _gen(9).standard_exponential(K).tolist()
    assert _bits(perceived_chained(need, coverage, visibility, noise, wickedness, x, [0.5] * K, [0.5] * K)) == \
        _bits(perceived_chained(need, coverage, visibility, noise, wickedness, x))


def test_perceived_chained_takes_the_plain_clip_on_odd_values():
    """A NaN or negative mixture is clipped to 0 as ``normalised`` does; all clipped gives the uniform."""
    x = _gen(3).standard_exponential(2 * K).tolist()
    for keep in ([float("nan")] * K, [-1.0] * K, [0.0] * K, [1.0, 0.0, 1.0, 0.0, 1.0]):
        lose = [1.0 - k for k in keep]
        view = perceived(np.full(K, 0.2), np.ones(K), None, 0.1, 0.2, dirichlet_rows(_gen(3), 1)[0])
        expected = chained(view, keep, lose, [dirichlet_rows(_gen(3), 2)[1]])
        got = perceived_chained(np.full(K, 0.2), np.ones(K), None, 0.1, 0.2, x, keep, lose)
        assert _bits(got) == _bits(expected)


@pytest.mark.parametrize("links", [1, 2, 5])
def test_chained_drawn_equals_chained_over_dirichlet_rows(links):
    rng = np.random.default_rng(links)
    for i in range(500):
        view = rng.dirichlet(np.ones(K)).tolist() if i % 5 else [0.0, -0.0, 0.0, 1.0, 0.0]
        keep = rng.random(K).tolist() if i % 7 else [1.0, 0.0, 0.5, 0.0, 1.0]
        lose = [1.0 - k for k in keep]
        a, b = _gen(i), _gen(i)
        fast = chained_drawn(view, keep, lose, a.standard_exponential(K * links).tolist())
        slow = chained(view, keep, lose, dirichlet_rows(b, links))
        assert _bits(fast) == _bits(slow) == _bits(plain_chained(view, keep, lose, plain_dirichlet_rows(_gen(i), links)))
        assert a.random() == b.random()


def test_uniform_draw_is_the_generators_uniform():
    rng = np.random.default_rng(5)
    spreads = [0.0, 1e-300, 1e-12, 0.05, 0.3, 0.5, 1.0, 2.0, 1e300] + rng.random(200).tolist()
    for seed, spread in enumerate(spreads):
        low, high = 1.0 - spread, 1.0 + spread
        a, b = _gen(seed), _gen(seed)
        for _ in range(20):
            assert _bits(uniform_draw(a, low, high)) == _bits(float(b.uniform(low, high)))
        assert a.random() == b.random()
    for low, high in [(-0.0, -0.0), (0.0, 0.0), (-3.0, -1.0), (5.0, 5.0), (-1e308, 1e308)]:
        if not np.isfinite(high - low):
            continue
        a, b = _gen(7), _gen(7)
        assert _bits(uniform_draw(a, low, high)) == _bits(float(b.uniform(low, high)))
    # a negative, -0.0, infinite or NaN range raises what uniform raises
    for low, high, error in [(2.0, 1.0, ValueError), (0.0, -0.0, ValueError), (-1e308, 1.7e308, OverflowError),
                             (0.0, float("inf"), OverflowError), (0.0, float("nan"), OverflowError)]:
        with pytest.raises(error):
            _gen(1).uniform(low, high)
        with pytest.raises(error):
            uniform_draw(_gen(1), low, high)


# --------------------------------------------------------------------------- the previous forms, whole runs
def previous_design_from_best(self, world, problem, group, direction, slack, constraint, sharing, best, learning):
    """``Paradigm._design_from_best`` as it was: fit through fit_of and _log_clipped, novelty through uniform."""
    if best is not None:
        b = best.tolist()
        diversity = (b[0] + b[1] + b[2] + b[3] + b[4]) / K
        if type(sharing) is float and sharing == 1.0:
            coverage = best
        else:
            coverage = sharing * best
            b = coverage.tolist()
    else:
        coverage, diversity = np.zeros(K), 0.0
        b = [0.0] * K
    need = problem.need.tolist()
    problem.coverage = coverage
    problem.direction = direction
    fit = problem.fit = fit_of(np.asarray(direction, dtype=float).tolist(), need, _log_clipped(b))
    problem.diversity = diversity
    spread = world.core.novelty_spread
    u = world.streams.get("novelty", problem.id, problem.rounds).uniform(1.0 - spread, 1.0 + spread)
    problem.novelty = min(max(float(diversity * slack * (1.0 - constraint) * u), 0.0), 1.0)
    problem.standard = False
    share = self.params.standardisation
    looks = share > 0.0 and (share >= 1.0 or world.streams.get("standard", problem.id, problem.rounds).random() < share)
    if looks and problem.defined is not None:
        t = int(np.argmax(problem.defined))
        standard_fit = need[t] * world.codified().tolist()[t]
        if standard_fit > fit:
            standard = np.zeros(K)
            standard[t] = 1.0
            problem.direction, problem.fit, problem.novelty, problem.standard = standard, standard_fit, 0.0, True
    problem.learning = world.learn(group, coverage, learning) if learning > 0 else 0.0
    problem.designed_at = world.now
    world.designs.append(problem)


def previous_slack(world, rows):
    n = rows.size
    if n == 0:
        return 0.0
    e = world.employees
    if n == 1:
        return float(e.discretion[rows[0]] * e.motivation[rows[0]])
    return float((e.discretion[rows] * e.motivation[rows]).sum()) / n


class PreviousOPA(OPA):
    """OPA with the previous forms of noticing, defining, designing and the hearing's reading."""

    _design_from_best = previous_design_from_best
    employee_slack = staticmethod(previous_slack)

    def notice(self, world, problem, rng):
        emp = world.pick_employees(problem, 1, rng)
        adm = world.pick_administrators(1)
        if emp.size == 1 and adm.size == 1:
            cov = np.maximum(world.employees.knowledge[emp[0]], world.administrators.knowledge[adm[0]])
        else:
            cov = mech.pool_knowledge(world.knowledge_of(Group(employees=emp, administrators=adm)))
        return float(problem.need.dot(cov)), "employee"

    def define(self, world, problem):
        p = self.params
        rng = world.streams.get("chain", problem.id, 0)
        emp = world.pick_employees(problem, 1, world.streams.get("staffing", problem.id, 0))
        adm = world.pick_administrators(1)
        pol = world.pick_politicians(1)
        problem.group = Group(employees=emp, administrators=adm, politicians=pol)
        knowledge = world.employees.knowledge
        front = knowledge[emp[0]] if emp.size == 1 else mech.pool_knowledge(knowledge[emp])
        draws = dirichlet_rows(rng, 1 + p.chain_links)
        seen = perceived(problem.need, front, None, world.core.definition_noise, problem.wickedness, draws[0])
        keep, lose = self._fidelity(world)
        problem.defined = np.array(chained(seen, keep, lose, draws[1:]))
        world.spend("administrators", adm, p.link_hours * p.chain_links, problem)
        given = world.spend_politicians(pol, p.case_hours, problem, policy=True)
        problem.political_ownership = p.top_ownership * (given / (p.case_hours * pol.size) if p.case_hours * pol.size > 0 else 1.0)
        problem.ready_at = world.now + p.rule_delay

    def design(self, world, problem):
        p = self.params
        adm = world.pick_administrators(1)
        emp = world.pick_employees(problem, 1, world.streams.get("staffing", problem.id, 1))
        group = Group(employees=emp, administrators=adm)
        keep, lose = self._fidelity(world)
        draws = dirichlet_rows(world.streams.get("chain", problem.id, 1), 1)
        direction = np.array(chained(problem.defined.tolist(), keep, lose, draws))
        slack = self.employee_slack(world, emp)
        self.design_with(world, problem, group, direction, slack, p.standardisation)
        world.spend("administrators", adm, p.link_hours, problem)
        problem.ready_at = world.now + p.rule_delay
        return True


class PreviousNPM(NPM):
    """NPM with the previous forms of noticing, defining and designing."""

    _design_from_best = previous_design_from_best
    employee_slack = staticmethod(previous_slack)

    def notice(self, world, problem, rng):
        return float(np.dot(problem.need, self._views()[3])), "administrator"

    def define(self, world, problem):
        group = self._team(world, problem)
        cov = mech.pool_knowledge(world.knowledge_of(group))
        _, _, _, _, visibility, measured = self._views()
        e = dirichlet_rows(world.streams.get("definition", problem.id, 0), 1)[0]
        defined = perceived(problem.need, cov, visibility, world.core.definition_noise, problem.wickedness, e)
        problem.defined = np.array(defined)
        problem.group = group
        total = 0.0
        for i, (a, b) in enumerate(zip(defined, measured)):
            total = (a if a < b else b) if i == 0 else total + (a if a < b else b)
        problem.political_ownership = total
        world.spend("administrators", group.administrators, self.params.manager_hours, problem)
        problem.ready_at = world.now + 1


RUNS = [
    ("opa", {}, 31),
    ("opa", {"opa": {"chain_links": 6, "hearing_share": 1.0, "standardisation": 0.9}}, 32),
    ("opa", {"opa": {"chain_links": 1, "chain_fidelity": 0.0}, "core": {"novelty_spread": 0.0}}, 33),
    ("npm", {}, 34),
    ("npm", {"npm": {"team_size": 1, "measured": ["local", "political"]}, "core": {"novelty_spread": 1.0}}, 35),
    ("npm", {"npm": {"team_size": 5, "unmeasured_visibility": 0.0, "standardisation": 0.0}}, 36),
]


@pytest.mark.parametrize("paradigm,extra,seed", RUNS)
def test_whole_runs_equal_the_previous_forms(forms, paradigm, extra, seed):
    scenario = {"paradigm": paradigm, "metagovernance": "none", "seed": seed, "population": {"citizens": 900},
                **extra}
    previous = {"opa": PreviousOPA, "npm": PreviousNPM}[paradigm]
    fast, slow = _run(scenario, None, 40), _run(scenario, previous, 40)
    assert type(slow.paradigm) is previous and type(fast.paradigm) is not previous
    table = fast.problem_table()
    assert len(table) > 30
    assert (table["fit"] > 0).sum() > 10 and (table["novelty"] > 0).sum() > 10  # designs that matter
    _assert_same(fast, slow)


def test_employee_slack_of_several_equals_the_plain_mean():
    m = _run({"paradigm": "npm", "metagovernance": "none", "seed": 3, "population": {"citizens": 600}}, None, 3)
    w = m.world
    rng = np.random.default_rng(3)
    w.employees.discretion[:3] = [-0.0, 0.0, -0.5]  # signed zeros and a negative product
    for n in (0, 1, 2, 3, 4, 7, 9, 40):
        for _ in range(10):
            rows = np.sort(rng.choice(w.employees.n, size=n, replace=False))
            if n and rng.random() < 0.3:
                rows[: min(n, 3)] = np.arange(min(n, 3))
            assert _bits(Paradigm.employee_slack(w, rows)) == _bits(previous_slack(w, rows))
