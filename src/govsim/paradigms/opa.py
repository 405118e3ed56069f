"""Old Public Administration: the public sector as an *authority* (docs/theory.md §1, T1, T20).

A front-line employee defines the problem from what they know, and the
definition travels up the chain of command (employee -> administrator ->
politician) and the decision back down; each link keeps only part of the
message (T1). Citizens' own knowledge enters only through hearings. Rules slow every stage and pull employees' effort
towards procedure. Administrators design standard solutions; politicians
handle the case and pass the recommendation (decoupling, T20). Citizens are
subjects: at most they are heard on an almost-finished proposal (T7).
"""

from __future__ import annotations

import numpy as np

from govsim import kernels
from govsim import mechanisms as mech
from govsim.fields import param
from govsim.paradigms.base import (Paradigm, ParadigmParams, Steering, chained_drawn, compiled_reading,
                                   fit_of, log_coverage, normalised, perceived_chained, plain_k, record_design)
from govsim.problems import Group, Stage
from govsim.world import fmean, is_table_k, rows_joined, top_row

_maximum, _max_reduce, _array = np.maximum, np.maximum.reduce, np.array


_INF = float("inf")
_SEES_ALL = np.ones(mech.K)  # every dimension visible to the chain's reading


class OPAParams(ParadigmParams):
    """Old Public Administration: the chain of command and rules (T1, T7, T20, T27)."""

    chain_fidelity: float = param(0.8, 0, 1, "Share of a definition kept at each link of the chain of command.", "T1")
    chain_links: int = param(3, 1, 10, "Links a definition passes on its way up the chain from the front-line employee.", "T1")
    rule_delay: int = param(2, 0, 24, "Steps each stage waits for rule-bound procedure.", "T1")
    rule_pressure: float = param(0.4, 0, 1, "Control pressure of rules and zero-error policy on employees.", "T27")
    discretion: float = param(0.3, 0, 1, "Room for employees' professional judgement under rules.", "T1")
    standardisation: float = param(0.6, 0, 1, "How far solutions come from the rulebook rather than new design.", "T6")
    hearing_share: float = param(0.3, 0, 1, "Share of decisions preceded by a public hearing of affected citizens.", "T7")
    hearing_seats: int = param(10, 0, 200, "Citizens heard at a hearing.", "T7")
    hearing_completeness: float = param(0.9, 0, 1, "How finished a proposal is when it is sent to hearing.", "T7")
    link_hours: float = param(3.0, 0, 100, "Administrator hours per link a case passes.", "T1")
    case_hours: float = param(2.0, 0, 100, "Politician hours of case handling per decision.", "T20")
    top_ownership: float = param(1 / 3, 0, 1, "Political ownership of a definition made at the top of a three-level chain, when the politician has the case hours it needs (less when time is short).", "T1, T21")
    coproduction: float = param(0.1, 0, 1, "How much subjects co-produce the implementation of a decision (little: the authority delivers).", "T5, T12")
    complaint_influence: float = param(0.15, 0, 1, "Influence of a complaint (an appeal within the rules).", "T2, T7")


class OPA(Paradigm):
    name = "opa"
    label = "Old Public Administration"
    public_sector_as = "an authority"
    citizen_role = "subject"
    allows_exit = False
    admin_stages = frozenset({"define", "design"})  # the council decides (politicians' time)
    theory = ("T1", "T6", "T7", "T20", "T27")
    Params = OPAParams

    _chain: tuple | None = None  # (config, params, f_k, 1 - f_k, both as rows): see _fidelity

    def visibility(self, world):
        return np.ones(mech.K)

    def _fidelity(self, world) -> tuple[list[float], list[float]]:
        """What each link of the chain keeps of each dimension, ``f_k = 1 - (1 - fidelity)(1 - codified_k)``
        (:func:`govsim.mechanisms.pass_along_chain`), and ``1 - f_k``. Both rest on the rule set's
        parameters and the scenario's ``problems.codified``, which do not change during a run: they
        are worked out once per scenario."""
        cached = self._chain
        if cached is None or cached[0] is not world.config or cached[1] is not self.params:
            keep = 1.0 - (1.0 - self.params.chain_fidelity) * (1.0 - world.codified())
            rows = np.array([keep, 1.0 - keep])  # never written (writable, as the compiled reading's other arrays)
            cached = self._chain = (world.config, self.params, keep.tolist(), (1.0 - keep).tolist(), rows)
        return cached[2], cached[3]

    def _fidelity_rows(self, world) -> np.ndarray:
        """:meth:`_fidelity` as the two rows of one array, for the compiled reading."""
        self._fidelity(world)
        return self._chain[4]

    def notice(self, world, problem, rng):
        # Noticed at the front of the chain: a front-line employee and a case officer.
        emp = world.pick_employees(problem, 1, rng)
        adm = world.pick_administrators(1)
        if emp.size == 1 and adm.size == 1:  # what the two know together: the better of them on each dimension
            return float(problem.need.dot(_maximum(world.employees.knowledge[emp[0]],
                                                   world.administrators.knowledge[adm[0]]))), "employee"
        cov = mech.pool_knowledge(world.knowledge_of(Group(employees=emp, administrators=adm)))
        return float(problem.need.dot(cov)), "employee"  # ndarray.dot: np.dot's product, without its dispatch

    def next_noticed(self, world, waiting, start, uses):
        """:meth:`Paradigm.next_noticed` with :meth:`notice`: compiled
        (:func:`govsim.kernels.compiled.chain_notice`) where the kernels are used, the same draws and numbers."""
        if not self._stands_in(OPA):
            return super().next_noticed(world, waiting, start, uses)
        k = kernels.get()
        e, a = world.employees, world.administrators
        if (k is None or start >= len(waiting) or not e.n or not a.n or not is_table_k(e.knowledge)
                or not is_table_k(a.knowledge) or kernels.dot_order(k) < 0):
            return super().next_noticed(world, waiting, start, uses)
        scan = self._noticing_arrays(world, waiting, k)
        if scan is None:
            return super().next_noticed(world, waiting, start, uses)
        ids, needs, aff, aff_end, g_notice, g_cong, picked = scan
        order, bounds = world.staff_index()
        total, congestion, floor = world.admission()
        i, floor = k.chain_notice(start, ids, needs, aff, aff_end, world.citizens.provider, order, bounds, e.n,
                                  e.knowledge, a.knowledge, a.hours_left, uses, floor, total, congestion,
                                  world.now, int(Stage.ARRIVED), top_row(a.hours_left), g_notice, g_cong,
                                  *world.staff_scratch(), picked, kernels.dot_order(k) == 1)
        world.set_admission_floor(floor)
        if i == -1:  # none left to notice: the phase's arrays are let go
            self._scan_done()
            return None
        if i < 0:
            raise RuntimeError("chain_notice found no employee or administrator")  # checked above: cannot happen
        return i, "employee"

    def notice_and_define_all(self, world, waiting, uses):
        """:meth:`next_noticed` and :meth:`define` over the problems ``waiting``, in one compiled call
        (:func:`govsim.kernels.compiled.chain_phase`: the same draws and numbers), then each definition
        kept on its problem in the same order. None, with nothing done, where the phase must take them
        one by one: no kernels (or not numpy's exponentials), no employee, administrator or politician,
        a table or vector not of the plain kind, hours that are not plain floats."""
        e, a, pol, p = world.employees, world.administrators, world.politicians, self.params
        if not pol.n or type(p.link_hours) is not float or type(p.case_hours) is not float:
            return None
        arrays = self._phase_arrays(world, waiting, "chain", OPA)
        if arrays is None:
            return None
        k, (ids, needs, aff, aff_end, g_notice, g_cong, picked), g_staff, g_chain, (total, congestion, floor) = arrays
        order, bounds = world.staff_index()
        adm_hours = p.link_hours * p.chain_links
        count, found, emps, adms, pols, defined, given, public, floor = k.chain_phase(
            ids, needs, np.array([q.wickedness for q in waiting], dtype=float), aff, aff_end, world.citizens.provider,
            order, bounds, e.n, e.knowledge, a.knowledge, a.hours_left, uses, floor, total, congestion, world.now,
            int(Stage.ARRIVED), g_notice, g_cong, g_staff, g_chain, *world.staff_scratch(), picked,
            kernels.dot_order(k) == 1, _SEES_ALL, float(world.core.definition_noise), self._fidelity_rows(world),
            p.chain_links, adm_hours, pol.hours_left, pol.policy_hours, p.case_hours, world.public_hours, total)
        if count < 0:
            raise RuntimeError("chain_phase found no employee or administrator")  # checked above: cannot happen
        world.hours_booked(public, floor)
        at, top, case = world.now + p.rule_delay, p.top_ownership, p.case_hours * 1
        found, given = found[:count].tolist(), given[:count].tolist()
        for j, i in enumerate(found):
            q = waiting[i]
            q.group = Group(employees=emps[j:j + 1].copy(), administrators=adms[j:j + 1].copy(),
                            politicians=pols[j:j + 1].copy())
            q.defined = defined[j].copy()
            booked = given[j] + 0.0  # what World.spend_politicians returns
            q.public_hours += adm_hours  # what World.spend and World.spend_politicians add, in that order
            q.public_hours += booked
            q.political_ownership = top * (booked / case if case > 0 else 1.0)
            q.ready_at = at
        return [(i, "employee") for i in found]

    def define(self, world, problem):
        p = self.params
        rng = world.streams.get("chain", problem.id, 0)
        emp = world.pick_employees(problem, 1, world.streams.get("staffing", problem.id, 0))
        adm = world.pick_administrators(1)
        pol = world.pick_politicians(1)
        problem.group = Group(employees=emp, administrators=adm, politicians=pol)
        knowledge = world.employees.knowledge
        front = knowledge[emp[0]] if emp.size == 1 else mech.pool_knowledge(knowledge[emp])
        # The front-line reading and every link's own reading, from the "chain" stream in that order:
        # chained(perceived(..., rows[0]), keep, lose, rows[1:]) of dirichlet_rows(rng, 1 + links), in one pass.
        defined = compiled_reading(world, rng, problem.need, front, None, world.core.definition_noise,
                                   problem.wickedness, self._fidelity_rows(world), p.chain_links)
        if defined is None:
            keep, lose = self._fidelity(world)
            x = rng.standard_exponential(5 * (1 + p.chain_links)).tolist()
            defined = _array(perceived_chained(problem.need, front, None, world.core.definition_noise,
                                               problem.wickedness, x, keep, lose))
        problem.defined = defined
        world.spend("administrators", adm, p.link_hours * p.chain_links, problem)
        # The top of the chain defines the problem: policy work, owned as far as the politician had time for it.
        given = world.spend_politicians(pol, p.case_hours, problem, policy=True)
        problem.political_ownership = p.top_ownership * (given / (p.case_hours * pol.size) if p.case_hours * pol.size > 0 else 1.0)
        problem.ready_at = world.now + p.rule_delay

    def design(self, world, problem):
        p = self.params
        adm = world.pick_administrators(1)
        emp = world.pick_employees(problem, 1, world.streams.get("staffing", problem.id, 1))
        group = Group(employees=emp, administrators=adm)
        # The definition comes back down one link before administrators act on it.
        keep, lose = self._fidelity(world)
        x = world.streams.get("chain", problem.id, 1).standard_exponential(5).tolist()  # dirichlet_rows(rng, 1)
        direction = _array(chained_drawn(problem.defined.tolist(), keep, lose, x))
        slack = self.employee_slack(world, emp)
        if emp.size == 1 and adm.size == 1:
            # The two designers' best knowledge on each dimension: the maximum of their two rows, as
            # design_with's reduction over the group's rows (employee first) finds it.
            best = _maximum(world.employees.knowledge[emp[0]], world.administrators.knowledge[adm[0]])
            self._design_from_best(world, problem, group, direction, slack, p.standardisation, 1.0, best, 1.0)
        else:
            self.design_with(world, problem, group, direction, slack, p.standardisation)
        world.spend("administrators", adm, p.link_hours, problem)
        problem.ready_at = world.now + p.rule_delay
        return True

    def design_all(self, world, ready: list, uses: bool) -> bool:
        """:meth:`design` for every problem of ``ready`` in turn, each after its admission, in one compiled
        call (:func:`govsim.kernels.compiled.chain_designs`: the same draws and numbers), then each design
        recorded, problem by problem in the same order. False, with nothing done, where the phase must take
        the problems one by one: no kernels (or not numpy's exponentials), no employees or administrators,
        a table or vector not of the plain kind, hours that are not a plain float."""
        if not self._stands_in(OPA):
            return False
        k = kernels.get()
        if k is None or not k.EXPONENTIALS:
            return False
        loops, streams = kernels.numpy_loops(k), world.streams
        views = [streams.views_of(streams.get(name, 0)) for name in ("congestion", "staffing", "chain", "novelty",
                                                                     "standard")]
        e, a, p = world.employees, world.administrators, self.params
        spread = world.core.novelty_spread
        low = 1.0 - spread
        width = (1.0 + spread) - low
        link = p.link_hours
        if (loops is None or None in views or not e.n or not a.n or not is_table_k(e.knowledge)
                or not is_table_k(a.knowledge) or not 0.0 < width < _INF or type(link) is not float
                or not all(plain_k(q.need) and plain_k(q.defined) for q in ready)):
            return False
        total, congestion, floor = world.admission()
        order, bounds = world.staff_index()
        status, directions, coverages, fit, diversity, novelty, standard, learned, booked, public, floor = (
            k.chain_designs(
                np.array([q.id for q in ready], dtype=np.int64), np.array([q.rounds for q in ready], dtype=np.int64),
                np.array([q.need for q in ready]), np.array([q.defined for q in ready]),
                *rows_joined([q.affected for q in ready]), *views, uses, total, congestion, world.now,
                int(Stage.DEFINED), floor, a.hours_left, world.public_hours,
                total, link, world.citizens.provider, order, bounds, e.n,
                *world.staff_scratch(), self._fidelity_rows(world), e.knowledge, a.knowledge, e.discretion,
                e.motivation, loops[0], loops[1], low, width, float(p.standardisation), self._codified_array(world),
                float(world.config.citizens.learning_rate * 1.0)))
        world.hours_booked(public, floor)
        at = world.now + p.rule_delay
        status, fit, diversity, novelty = status.tolist(), fit.tolist(), diversity.tolist(), novelty.tolist()
        standard, learned, booked = standard.tolist(), learned.tolist(), booked.tolist()
        for i, q in enumerate(ready):
            if status[i] < 0:  # not admitted: waits for administrators' time
                continue
            record_design(world, q, directions[i].copy(), coverages[i].copy(), fit[i], diversity[i], novelty[i],
                          standard[i], learned[i])
            q.public_hours += booked[i]
            q.ready_at = at
            q.stage = Stage.DESIGNED
        return True

    def decide_all(self, world, ready, uses):
        """:meth:`decide` for every problem of ``ready`` in turn, in one compiled call
        (:func:`govsim.kernels.compiled.council_decisions`: the same draws and numbers): each case's
        politician, case hours and committee discussion, and each hearing (who is heard, their reading,
        the direction and its fit); then what each left set on its problem, in the same order. None,
        with nothing done, where the phase must take them one by one: no kernels (or not numpy's
        exponentials, logarithm and exponential), no politician, a table or vector not of the plain
        kind, hours that are not a plain float."""
        if not self._stands_in(OPA):
            return None
        k, p, pol, c = kernels.get(), self.params, world.politicians, world.citizens
        need = world.politics.discussion_hours
        if (uses or k is None or not k.EXPONENTIALS or not pol.n or type(p.case_hours) is not float
                or not need > 0 or not is_table_k(c.knowledge)
                or not all(plain_k(q.need) and plain_k(q.direction) and plain_k(q.coverage) for q in ready)):
            return None
        loops, order, streams = kernels.numpy_loops(k), kernels.dot_order(k), world.streams
        views = [streams.views_of(streams.get(name, 0)) for name in ("decision", "hearing")]
        if loops is None or order < 0 or None in views:
            return None
        given, discussed, held, influence, directions, fits, heard, ends, pool, public = k.council_decisions(
            *views, np.array([q.id for q in ready], dtype=np.int64), p.case_hours, pol.hours_left, pol.case_hours,
            float(world.committee_pool), float(need), float(world.public_hours), float(p.hearing_share),
            int(p.hearing_seats), float(p.hearing_completeness), pol.openness,
            *rows_joined([q.affected for q in ready]), c.willingness, c.knowledge, np.array([q.need for q in ready]),
            np.array([q.direction for q in ready]), np.array([q.coverage for q in ready]),
            np.array([q.wickedness for q in ready], dtype=float), float(world.core.definition_noise), order == 1,
            loops[0], loops[1])
        world.committee_pool, world.public_hours = pool, public
        given, discussed, held = given.tolist(), discussed.tolist(), held.tolist()
        influence, fits, ends = influence.tolist(), fits.tolist(), ends.tolist()
        at, lo = world.now + p.rule_delay, 0
        for i, q in enumerate(ready):
            q.public_hours += given[i]
            q.political_case = True
            if discussed[i]:
                q.discussed = True
            if held[i]:
                q.direction = directions[i].copy()
                q.fit = fits[i]
                world.record_participation(q, heard[lo:ends[i]].copy(), mech.RUNG_PANEL, influence[i])
            lo = ends[i]
            q.ready_at = at
        return [True] * len(ready)

    def decide(self, world, problem):
        p = self.params
        pol = world.pick_politicians(1)
        world.spend_politicians(pol, p.case_hours, problem, policy=False)
        world.handle_case(problem, world.streams.get("decision", problem.id, 0).random())
        rng = world.streams.get("hearing", problem.id)
        held = rng.random() < p.hearing_share
        if held and p.hearing_seats > 0:
            # Who is heard, then how they read the need, from the "hearing" stream (when no hearing is
            # held, nothing more is drawn from it for this problem).
            heard = world.pick_willing_citizens(problem.affected, p.hearing_seats, rng)
            # Hearing on an almost-finished proposal: tokenistic participation (T7).
            influence = fmean(world.politicians.openness[pol]) * (1.0 - p.hearing_completeness)
            cov = _max_reduce(world.citizens.knowledge[heard], 0) if heard.size else np.zeros(mech.K)  # ndarray.max(axis=0)
            view = compiled_reading(world, rng, problem.need, cov, None, world.core.definition_noise,
                                    problem.wickedness)
            if view is None:
                x = rng.standard_exponential(5).tolist()  # perceived with dirichlet_rows(rng, 1)[0]
                view = perceived_chained(problem.need, cov, None, world.core.definition_noise, problem.wickedness, x)
            else:
                view = view.tolist()
            rest = 1.0 - influence
            direction = normalised([rest * a + influence * b for a, b in zip(problem.direction.tolist(), view)])
            problem.direction = np.array(direction)
            problem.fit = fit_of(direction, problem.need.tolist(), log_coverage(problem.coverage))
            world.record_participation(problem, heard, mech.RUNG_PANEL, influence)
        problem.ready_at = world.now + p.rule_delay
        return True  # decoupling: the recommendation is passed (T20)

    def steer(self, world):
        p = self.params
        focus = np.zeros(mech.K)
        focus[mech.PROCEDURAL] = 1.0
        return Steering(pressure=np.full(world.employees.n, p.rule_pressure), discretion=p.discretion,
                        focus=focus, overhead=0.0)
