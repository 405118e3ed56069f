"""The rule sets' fast paths compute exactly the numbers of the mechanisms they stand for.

OPA, NPM and ``Paradigm.design_with`` work on K-element Python lists and draw their
Dirichlet readings in one call (:mod:`govsim.paradigms.base`). Each helper is checked bit
for bit against its mechanism in :mod:`govsim.mechanisms`, and whole runs of OPA and NPM
against reference rule sets written with the mechanisms themselves: every closed problem's
record, every collected series and the final state must be identical, and so must the
random streams' draws.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from govsim import mechanisms as mech
from govsim.config import validate
from govsim.model import GovModel
from govsim.paradigms import NPM, OPA
from govsim.paradigms.base import chained, dirichlet_rows, fit_of, log_coverage, normalised, perceived
from govsim.paradigms.npm import NPMParams
from govsim.problems import Group

K = mech.K


def _gen(seed: int) -> np.random.Generator:
    return np.random.Generator(np.random.Philox(seed))


def _vectors(seed: int, n: int):
    rng = np.random.default_rng(seed)
    for i in range(n):
        kind = i % 4
        if kind == 0:
            yield rng.dirichlet(np.ones(K))
        elif kind == 1:
            yield rng.random(K) * rng.random() * 10
        elif kind == 2:  # some zero and negative entries
            v = rng.normal(size=K)
            v[rng.integers(K)] = 0.0
            yield v
        else:
            v = np.zeros(K)
            v[rng.integers(K)] = rng.random()
            yield v


@pytest.mark.parametrize("n", [1, 2, 4, 11])
def test_dirichlet_rows_are_numpys_draws(n):
    for seed in range(300):
        a, b = _gen(seed), _gen(seed)
        expected = np.array([a.dirichlet(np.ones(K)) for _ in range(n)])
        got = np.array(dirichlet_rows(b, n))
        assert np.array_equal(expected, got)
        assert a.random() == b.random()  # the generator is left where numpy leaves it


def test_normalised_is_normalise():
    for v in _vectors(1, 3000):
        assert np.array_equal(np.array(normalised(v.tolist())), mech.normalise(v))
    assert normalised([0.0] * K) == mech.normalise(np.zeros(K)).tolist()
    assert normalised([-1.0] * K) == mech.normalise(-np.ones(K)).tolist()


@pytest.mark.parametrize("with_visibility", [False, True])
def test_perceived_is_perceive_need(with_visibility):
    rng = np.random.default_rng(2)
    for seed in range(1500):
        need = rng.dirichlet(np.ones(K))
        coverage = rng.random(K) * (rng.random(K) < 0.8)
        visibility = rng.random(K) if with_visibility else np.ones(K)
        noise, wickedness = rng.random() * 0.3, rng.random()
        a, b = _gen(seed), _gen(seed)
        expected = mech.perceive_need(need, coverage, visibility, noise, a, wickedness)
        got = perceived(need, coverage, visibility.tolist() if with_visibility else None, noise, wickedness,
                        dirichlet_rows(b, 1)[0])
        assert np.array_equal(expected, np.array(got))
        assert a.random() == b.random()


@pytest.mark.parametrize("links", [1, 2, 3, 7])
def test_chained_is_pass_along_chain(links):
    rng = np.random.default_rng(3)
    for seed in range(800):
        view = rng.dirichlet(np.ones(K))
        fidelity = rng.random()
        codified = rng.random(K)
        keep = 1.0 - (1.0 - fidelity) * (1.0 - codified)
        a, b = _gen(seed), _gen(seed)
        expected = mech.pass_along_chain(view, links, fidelity, a, codified)
        got = chained(view.tolist(), keep.tolist(), (1.0 - keep).tolist(), dirichlet_rows(b, links))
        assert np.array_equal(expected, np.array(got))
        assert a.random() == b.random()


def test_fit_of_is_solution_fit():
    rng = np.random.default_rng(4)
    for _ in range(3000):
        direction, need = rng.dirichlet(np.ones(K)), rng.dirichlet(np.ones(K) * rng.random() * 3 + 0.05)
        coverage = rng.random(K) * (rng.random(K) < 0.7) * 1.2  # some zero, some above 1: clipped
        assert fit_of(direction.tolist(), need.tolist(), log_coverage(coverage)) == \
            mech.solution_fit(direction, need, coverage)


# --------------------------------------------------------------------------- reference rule sets
# The rule sets as written with the mechanisms (no fast path): whole runs must agree exactly.

def reference_design_with(self, world, problem, group, direction, slack, constraint, sharing=1.0, *,
                          knowledge=None, learning=1.0):
    if knowledge is None:
        knowledge = world.knowledge_of(group)
    problem.coverage = mech.pool_knowledge(knowledge, sharing)
    problem.direction = direction
    problem.fit = mech.solution_fit(direction, problem.need, problem.coverage)
    problem.diversity = mech.knowledge_diversity(knowledge)
    rng = world.streams.get("novelty", problem.id, problem.rounds)
    problem.novelty = mech.recombine_novelty(problem.diversity, slack, constraint, rng, world.core.novelty_spread)
    problem.standard = False
    looks = world.streams.get("standard", problem.id, problem.rounds).random() < self.params.standardisation
    if looks and problem.defined is not None:
        fit = mech.standard_fit(problem.defined, problem.need, world.codified())
        if fit > problem.fit:
            standard = np.zeros(K)
            standard[int(np.argmax(problem.defined))] = 1.0
            problem.direction, problem.fit, problem.novelty, problem.standard = standard, fit, 0.0, True
    problem.learning = world.learn(group, problem.coverage, learning) if learning > 0 else 0.0
    problem.designed_at = world.now
    world.designs.append(problem)


def reference_slack(world, rows):
    if rows.size == 0:
        return 0.0
    e = world.employees
    return float(np.mean(e.discretion[rows] * e.motivation[rows]))


class ReferenceOPA(OPA):
    design_with = reference_design_with
    employee_slack = staticmethod(reference_slack)

    def notice(self, world, problem, rng):
        emp = world.pick_employees(problem, 1, rng)
        adm = world.pick_administrators(1)
        cov = mech.pool_knowledge(world.knowledge_of(Group(employees=emp, administrators=adm)))
        return float(np.dot(problem.need, cov)), "employee"

    def define(self, world, problem):
        p = self.params
        rng = world.streams.get("chain", problem.id, 0)
        emp = world.pick_employees(problem, 1, world.streams.get("staffing", problem.id, 0))
        adm = world.pick_administrators(1)
        pol = world.pick_politicians(1)
        group = Group(employees=emp, administrators=adm, politicians=pol)
        front = mech.pool_knowledge(world.knowledge_of(Group(employees=emp)))
        seen = mech.perceive_need(problem.need, front, self.visibility(world), world.core.definition_noise, rng,
                                  problem.wickedness)
        problem.defined = mech.pass_along_chain(seen, p.chain_links, p.chain_fidelity, rng, world.codified())
        problem.group = group
        world.spend("administrators", adm, p.link_hours * p.chain_links, problem)
        given = world.spend_politicians(pol, p.case_hours, problem, policy=True)
        problem.political_ownership = p.top_ownership * (given / (p.case_hours * pol.size) if p.case_hours * pol.size > 0 else 1.0)
        problem.ready_at = world.now + p.rule_delay

    def design(self, world, problem):
        p = self.params
        adm = world.pick_administrators(1)
        emp = world.pick_employees(problem, 1, world.streams.get("staffing", problem.id, 1))
        group = Group(employees=emp, administrators=adm)
        direction = mech.pass_along_chain(problem.defined, 1, p.chain_fidelity, world.streams.get("chain", problem.id, 1),
                                          world.codified())
        slack = self.employee_slack(world, emp)
        self.design_with(world, problem, group, direction, slack, p.standardisation)
        world.spend("administrators", adm, p.link_hours, problem)
        problem.ready_at = world.now + p.rule_delay
        return True

    def decide(self, world, problem):
        p = self.params
        pol = world.pick_politicians(1)
        world.spend_politicians(pol, p.case_hours, problem, policy=False)
        world.handle_case(problem, world.streams.get("decision", problem.id, 0).random())
        rng = world.streams.get("hearing", problem.id)
        held = rng.random() < p.hearing_share
        heard = world.pick_willing_citizens(problem.affected, p.hearing_seats, rng)
        if held and p.hearing_seats > 0:
            influence = float(np.mean(world.politicians.openness[pol])) * (1.0 - p.hearing_completeness)
            view = mech.perceive_need(problem.need, mech.pool_knowledge(world.citizens.knowledge[heard]),
                                      np.ones(K), world.core.definition_noise, rng, problem.wickedness)
            problem.direction = mech.normalise((1 - influence) * problem.direction + influence * view)
            problem.fit = mech.solution_fit(problem.direction, problem.need, problem.coverage)
            world.record_participation(problem, heard, mech.RUNG_PANEL, influence)
        problem.ready_at = world.now + p.rule_delay
        return True


class ReferenceNPM(NPM):
    design_with = reference_design_with
    employee_slack = staticmethod(reference_slack)

    def _mask(self):
        mask = np.zeros(K)
        for d in self.params.measured:
            mask[mech.DIMENSIONS.index(d)] = 1.0
        return mask

    def visibility(self, world):
        mask = self._mask()
        return mask + (1.0 - mask) * self.params.unmeasured_visibility

    def notice(self, world, problem, rng):
        return float(np.dot(problem.need, self.visibility(world))), "administrator"

    def define(self, world, problem):
        group = self._team(world, problem)
        cov = mech.pool_knowledge(world.knowledge_of(group))
        rng = world.streams.get("definition", problem.id, 0)
        problem.defined = mech.perceive_need(problem.need, cov, self.visibility(world), world.core.definition_noise,
                                             rng, problem.wickedness)
        problem.group = group
        problem.political_ownership = mech.overlap(problem.defined, mech.normalise(self._mask()))
        world.spend("administrators", group.administrators, self.params.manager_hours, problem)
        problem.ready_at = world.now + 1

    def steer(self, world):
        st = super().steer(world)
        p, prov = self.params, world.providers
        pressure = np.clip(p.target_pressure + p.competition * prov.loss[world.employees.provider], 0.0, 1.0)
        assert np.array_equal(pressure, st.pressure)
        return st

    def respond(self, world):
        c, p, prov = world.citizens, self.params, world.providers
        P = prov.n
        rng = world.streams.get("exit", world.now)
        u, v = rng.random(c.n), rng.random(c.n)
        before = np.bincount(c.provider, minlength=P).astype(float)
        leave = np.flatnonzero((c.satisfaction < p.exit_threshold) & (u < p.exit_rate))
        if leave.size == 0 or P < 2:
            prov.loss[:] = 0.0
            self._adapt(world)
            return
        weights = np.maximum(prov.quality, 1e-6) ** p.quality_sensitivity
        cdf = np.cumsum(weights / weights.sum())
        new = np.minimum(np.searchsorted(cdf, v[leave], side="right"), P - 1)
        moved = leave[new != c.provider[leave]]
        lost = np.bincount(c.provider[moved], minlength=P)
        c.provider[moved] = new[new != c.provider[leave]]
        prov.loss[:] = lost / np.maximum(before, 1.0)
        self._adapt(world)

    def _adapt(self, world):
        prov = world.providers
        if prov.focus is None:
            return
        countable = self._mask()
        for d in self.params.measurable:
            countable[mech.DIMENSIONS.index(d)] = 1.0
        needed = (world.routine_need() > 0).astype(float) * countable
        signal = np.minimum(1.0, prov.loss + prov.complaints)[:, None]
        prov.focus += self.params.responsiveness * signal * (needed - prov.focus)


def _run(scenario: dict, reference: type | None, steps: int) -> GovModel:
    m = GovModel(validate(scenario), history=False)
    if reference is not None:
        m.paradigm = reference(m.paradigm.params)
    for _ in range(steps):
        m.step()
    return m


def _assert_same(a: GovModel, b: GovModel) -> None:
    pd.testing.assert_frame_equal(a.problem_table(), b.problem_table(), check_exact=True)
    pd.testing.assert_frame_equal(a.datacollector.get_model_vars_dataframe(),
                                  b.datacollector.get_model_vars_dataframe(), check_exact=True)
    wa, wb = a.world, b.world
    for pop in ("citizens", "employees", "administrators", "politicians"):
        assert np.array_equal(getattr(wa, pop).knowledge, getattr(wb, pop).knowledge)
    for col in ("trust", "satisfaction", "willingness", "provider"):
        assert np.array_equal(getattr(wa.citizens, col), getattr(wb.citizens, col))
    assert np.array_equal(wa.employees.motivation, wb.employees.motivation)
    assert (wa.providers.focus is None) == (wb.providers.focus is None)
    if wa.providers.focus is not None:
        assert np.array_equal(wa.providers.focus, wb.providers.focus)
    open_a, open_b = wa.open, wb.open
    assert [p.id for p in open_a] == [p.id for p in open_b]
    for p, q in zip(open_a, open_b):
        for name in ("defined", "direction", "coverage"):
            x, y = getattr(p, name), getattr(q, name)
            assert (x is None and y is None) or np.array_equal(x, y)
        assert (p.fit, p.novelty, p.stage, p.political_ownership) == (q.fit, q.novelty, q.stage, q.political_ownership)


RUNS = [
    ("opa", {}, 11),
    ("opa", {"opa": {"hearing_share": 1.0, "chain_links": 5, "standardisation": 0.9}}, 12),
    ("npm", {}, 13),
    ("npm", {"npm": {"measured": ["local"], "exit_threshold": 0.6, "standardisation": 0.9}}, 14),
    ("opa", {"opa": {"standardisation": 1.0}}, 15),  # always looks in the rulebook: no draw needed
    ("npm", {"npm": {"standardisation": 0.0}}, 16),  # never looks
]


@pytest.mark.parametrize("paradigm,extra,seed", RUNS)
def test_rule_sets_run_exactly_as_written_with_the_mechanisms(forms, paradigm, extra, seed):
    scenario = {"paradigm": paradigm, "metagovernance": "none", "seed": seed, "population": {"citizens": 1200},
                **extra}
    reference = {"opa": ReferenceOPA, "npm": ReferenceNPM}[paradigm]
    fast, slow = _run(scenario, None, 45), _run(scenario, reference, 45)
    assert len(fast.problem_table()) > 50  # enough problems went the whole way through
    _assert_same(fast, slow)


def test_design_with_sharing_and_given_knowledge_as_the_mechanisms():
    """The arena's path (NPG): shared knowledge below 1, knowledge given, learning scaled."""
    scenario = {"paradigm": "opa", "metagovernance": "none", "seed": 5, "population": {"citizens": 1000}}
    a, b = _run(scenario, None, 6), _run(scenario, None, 6)
    rng = np.random.default_rng(0)
    checked = 0
    for p, q in zip(a.world.open, b.world.open):
        if p.defined is None:
            continue
        group = Group(citizens=np.arange(3), employees=np.array([1, 4]), administrators=np.array([0]))
        knowledge = np.vstack([a.world.knowledge_of(group), rng.random((2, K))])
        direction, slack, constraint = rng.dirichlet(np.ones(K)), rng.random(), rng.random()
        sharing, learning = rng.random(), rng.random()
        a.paradigm.design_with(a.world, p, group, direction, slack, constraint, sharing,
                               knowledge=knowledge.copy(), learning=learning)
        reference_design_with(b.paradigm, b.world, q, group, direction, slack, constraint, sharing,
                              knowledge=knowledge.copy(), learning=learning)
        for name in ("coverage", "direction"):
            assert np.array_equal(getattr(p, name), getattr(q, name))
        assert (p.fit, p.diversity, p.novelty, p.standard, p.learning) == \
            (q.fit, q.diversity, q.novelty, q.standard, q.learning)
        checked += 1
    assert checked >= 5
    for pop in ("citizens", "employees", "administrators"):
        assert np.array_equal(getattr(a.world, pop).knowledge, getattr(b.world, pop).knowledge)
    empty = a.world.open[0]
    a.paradigm.design_with(a.world, empty, Group(), mech.UNIFORM.copy(), 0.5, 0.2)
    assert empty.diversity == 0.0 and np.array_equal(empty.coverage, np.zeros(K))
    assert empty.fit == mech.solution_fit(mech.UNIFORM, empty.need, np.zeros(K))


def test_npm_masks_follow_the_parameters_and_are_not_shared():
    rules = NPM(NPMParams(measured=("local",), measurable=("political",), unmeasured_visibility=0.3))
    assert rules.visibility(None).tolist() == [0.3, 0.3, 1.0, 0.3, 0.3]
    assert rules._countable().tolist() == [0.0, 0.0, 1.0, 0.0, 1.0]
    rules.visibility(None)[:] = 9.0  # a caller changing what it got changes nothing for the next
    assert rules.visibility(None).tolist() == [0.3, 0.3, 1.0, 0.3, 0.3]
    rules.params = NPMParams(measured=("professional", "procedural"))
    assert rules._measured_mask().tolist() == [1.0, 1.0, 0.0, 0.0, 0.0]
    assert rules.visibility(None).tolist() == [1.0, 1.0, 0.2, 0.2, 0.2]
