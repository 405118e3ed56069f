"""New Public Management: the public sector as a *service provider* (docs/theory.md §1, T2–T4).

Politicians set targets once a period and step back; managers decide within
them. Performance measurement sees only the measured dimensions, so problems
elsewhere go unnoticed and solutions lean to what is counted (T3). Targets add
extrinsic effort but crowd out intrinsic motivation and pull effort to the
measured dimensions (T3, T4); counting costs working time. Providers compete;
a dissatisfied customer can exit to another provider (T2), and the provider
that loses customers feels more pressure. Definition and design stay inside
one provider's team: competing providers do not pool what they know (silos, T3, T4).
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from govsim import kernels
from govsim import mechanisms as mech
from govsim.fields import param
from govsim.paradigms.base import (Paradigm, ParadigmParams, Steering, compiled_reading, normalised, perceived_chained,
                                   plain_k, record_design)
from govsim.problems import Group, Stage
from govsim.world import is_table_k, rows_joined

_max_reduce = np.maximum.reduce  # ndarray.max(axis=0) without its wrapper (the same maxima)
_maximum = np.maximum
_INF = float("inf")

Dimension = Literal["professional", "procedural", "local", "experiential", "political"]


def _owned(defined: list[float], measured: list[float]) -> float:
    """Politicians own what their targets count: the defined problem's overlap with the measured
    dimensions (``mechanisms.overlap``, added from the first dimension to the last)."""
    d0, d1, d2, d3, d4 = defined
    m0, m1, m2, m3, m4 = measured
    return ((d0 if d0 < m0 else m0) + (d1 if d1 < m1 else m1) + (d2 if d2 < m2 else m2) + (d3 if d3 < m3 else m3)
            + (d4 if d4 < m4 else m4))


class NPMParams(ParadigmParams):
    """New Public Management: targets, measurement, competition and exit (T2–T4)."""

    target_pressure: float = param(0.6, 0, 1, "Pressure of performance targets on employees.", "T2, T3")
    measured: tuple[Dimension, ...] = param(("professional", "procedural"), None, None, "Knowledge dimensions the performance measurement counts.", "T3", min_length=1, strict=False)
    unmeasured_visibility: float = param(0.2, 0, 1, "How much of an unmeasured dimension managers still see.", "T3")
    measurement_overhead: float = param(0.15, 0, 0.9, "Share of employees' time spent documenting for the counting regime.", "T3")
    discretion: float = param(0.4, 0, 1, "Room for professional judgement within targets.", "T4")
    competition: float = param(0.5, 0, 1, "Extra pressure on a provider per share of customers it lost last step.", "T2, T3")
    exit_threshold: float = param(0.4, 0, 1, "Satisfaction below which a customer considers leaving their provider.", "T2")
    exit_rate: float = param(0.25, 0, 1, "Chance per step that a dissatisfied customer exits.", "T2")
    customer_expectation_growth: float = param(0.004, 0, 0.1, "Extra rise of expectations per step for citizens cast as customers.", "T3")
    target_period: int = param(12, 1, 120, "Steps between target-setting rounds of politicians.", "T1")
    target_hours: float = param(8.0, 0, 100, "Politician hours per target-setting round.", "T1")
    manager_hours: float = param(4.0, 0, 100, "Manager hours per stage of a problem.", "T2")
    team_size: int = param(2, 1, 20, "Employees of one provider who define and design a solution.", "T4")
    quality_sensitivity: float = param(4.0, 0, 20, "Exponent on provider quality in where an exiting customer goes.", "T2")
    measurable: tuple[Dimension, ...] = param(("professional", "procedural", "local"), None, None, "Knowledge dimensions a performance system can count at all: a provider's focus can move towards what customers need only on these and on the measured ones (experiential and political quality resist counting).", "T3", strict=False)
    responsiveness: float = param(0.5, 0, 1, "How far a provider's management moves its focus from the measured dimensions towards what its customers need, per share of customers lost or complaining last step (0: targets never adapt).", "T2")
    coproduction: float = param(0.3, 0, 1, "How much customers co-produce the service they use (self-service).", "T5, T12")
    standardisation: float = param(0.4, 0, 1, "Chance that a team looks for a standard product or best practice before designing its own.", "T2, T6")
    complaint_influence: float = param(0.4, 0, 1, "Influence of a complaint on the provider (customer orientation).", "T2, T7")


class NPM(Paradigm):
    name = "npm"
    label = "New Public Management"
    public_sector_as = "a service provider"
    citizen_role = "customer"
    allows_exit = True
    defines_away = ("inclusion", "influence")  # no deliberation; managers decide, citizens have no say in decisions
    theory = ("T1", "T2", "T3", "T4")
    Params = NPMParams

    _masks: tuple | None = None  # (params, measured, countable, visibility, ...): see _views

    def _views(self) -> tuple:
        """The masks of what measurement counts and shows, worked out once from the (frozen) parameters:
        ``(params, measured, countable, visibility, visibility as a list, measured normalised as a list)``."""
        masks = self._masks
        if masks is None or masks[0] is not self.params:
            p = self.params
            measured = np.zeros(mech.K)
            for d in p.measured:
                measured[mech.DIMENSIONS.index(d)] = 1.0
            countable = measured.copy()
            for d in p.measurable:
                countable[mech.DIMENSIONS.index(d)] = 1.0
            visibility = measured + (1.0 - measured) * p.unmeasured_visibility
            masks = self._masks = (p, measured, countable, visibility, visibility.tolist(),
                                   normalised(measured.tolist()))
        return masks

    def _measured_mask(self) -> np.ndarray:
        return self._views()[1].copy()

    def _countable(self) -> np.ndarray:
        """1 on the dimensions measurement can reach: the measurable and the measured ones (T3)."""
        return self._views()[2].copy()

    def visibility(self, world):
        return self._views()[3].copy()

    def notice(self, world, problem, rng):
        # Performance data flags a problem in proportion to its need on what is counted.
        masks = self._masks
        if masks is None or masks[0] is not self.params:
            masks = self._views()
        return float(problem.need.dot(masks[3])), "administrator"  # ndarray.dot: np.dot's product, without its dispatch

    def _team(self, world, problem) -> Group:
        provider = world.main_provider(problem)
        rng = world.streams.get("staffing", problem.id, 0)
        return Group(employees=world.pick_employees(problem, self.params.team_size, rng, provider=provider),
                     administrators=world.pick_administrators(1))

    def notice_and_define_all(self, world, waiting, uses):
        """:meth:`next_noticed` (with :meth:`notice`) and :meth:`define` over the problems ``waiting``, in one
        compiled call (:func:`govsim.kernels.compiled.team_phase`: the same draws and numbers), then each
        definition kept on its problem in the same order. None, with nothing done, where the phase must
        take them one by one: no kernels (or not numpy's exponentials), no employees, administrators or
        providers, no team, a table or vector not of the plain kind, hours that are not a plain float."""
        e, a, c, p = world.employees, world.administrators, world.citizens, self.params
        P = world.providers.n
        if (not P or p.team_size < 1 or type(p.manager_hours) is not float
                or int(c.provider.max(initial=0)) >= P or int(c.provider.min(initial=0)) < 0):
            return None
        arrays = self._phase_arrays(world, waiting, "definition", NPM)
        if arrays is None:
            return None
        k, (ids, needs, aff, aff_end, g_notice, g_cong, _), g_staff, g_def, (total, congestion, floor) = arrays
        order, bounds = world.staff_index()
        masks = self._views()
        count, found, adms, defined, members, m_end, public, floor = k.team_phase(
            ids, needs, np.array([q.wickedness for q in waiting], dtype=float), aff, aff_end, c.provider, P, order,
            bounds, e.n, e.knowledge, a.knowledge, a.hours_left, uses, floor, total, congestion, world.now,
            int(Stage.ARRIVED), g_notice, g_cong, g_staff, g_def, masks[3], masks[3],
            float(world.core.definition_noise), p.team_size, p.manager_hours, world.public_hours, total,
            kernels.dot_order(k) == 1)
        world.hours_booked(public, floor)
        at, hours, measured = world.now + 1, p.manager_hours, masks[5]
        found, m_end, lo = found[:count].tolist(), m_end[:count].tolist(), 0
        for j, i in enumerate(found):
            q = waiting[i]
            q.defined = defined[j].copy()
            q.group = Group(employees=members[lo:m_end[j]].copy(), administrators=adms[j:j + 1].copy())
            lo = m_end[j]
            q.political_ownership = _owned(q.defined.tolist(), measured)
            q.public_hours += hours  # what World.spend adds
            q.ready_at = at
        return [(i, "administrator") for i in found]

    def define(self, world, problem):
        group = self._team(world, problem)
        emp, adm = group.employees, group.administrators
        if emp.size and adm.size == 1:  # the team's best knowledge on each dimension (pool_knowledge)
            cov = _maximum(_max_reduce(world.employees.knowledge[emp], 0), world.administrators.knowledge[adm[0]])
        else:
            cov = mech.pool_knowledge(world.knowledge_of(group))
        _, _, _, seen, visibility, measured = self._views()
        rng = world.streams.get("definition", problem.id, 0)
        drawn = compiled_reading(world, rng, problem.need, cov, seen, world.core.definition_noise, problem.wickedness)
        if drawn is None:
            x = rng.standard_exponential(5).tolist()  # dirichlet_rows(rng, 1)
            defined = perceived_chained(problem.need, cov, visibility, world.core.definition_noise, problem.wickedness,
                                        x)
            drawn = np.array(defined)
        else:
            defined = drawn.tolist()
        problem.defined = drawn
        problem.group = group
        problem.political_ownership = _owned(defined, measured)
        world.spend("administrators", adm, self.params.manager_hours, problem)
        problem.ready_at = world.now + 1

    def design(self, world, problem):
        p = self.params
        group = problem.group
        emp, adm = group.employees, group.administrators
        slack = self.employee_slack(world, emp)
        if emp.size and adm.size == 1 and not (group.citizens.size or group.politicians.size or group.firms.size):
            # The team's best knowledge on each dimension: the employees' rows reduced, then the
            # administrator's, as design_with's reduction over the group's rows (employees first) goes.
            best = _maximum(_max_reduce(world.employees.knowledge[emp], 0), world.administrators.knowledge[adm[0]])
            self._design_from_best(world, problem, group, problem.defined, slack, p.measurement_overhead, 1.0, best, 1.0)
        else:
            self.design_with(world, problem, group, problem.defined, slack, p.measurement_overhead)
        world.spend("administrators", group.administrators, p.manager_hours, problem)
        problem.ready_at = world.now + 1
        return True

    def design_all(self, world, ready: list, uses: bool) -> bool:
        """:meth:`design` for every problem of ``ready`` in turn, each after its admission, in one compiled
        call (:func:`govsim.kernels.compiled.team_designs`: the same draws and numbers), then each design
        recorded, problem by problem in the same order. False, with nothing done, where the phase must take
        the problems one by one: no kernels, a team that is not employees and one manager, a table or
        vector not of the plain kind, hours that are not a plain float."""
        if not self._stands_in(NPM):
            return False
        k = kernels.get()
        if k is None:
            return False
        loops, streams = kernels.numpy_loops(k), world.streams
        views = [streams.views_of(streams.get(name, 0)) for name in ("congestion", "novelty", "standard")]
        e, a, p = world.employees, world.administrators, self.params
        spread = world.core.novelty_spread
        low = 1.0 - spread
        width = (1.0 + spread) - low
        hours = p.manager_hours
        if (loops is None or None in views or not is_table_k(e.knowledge) or not is_table_k(a.knowledge)
                or not 0.0 < width < _INF or type(hours) is not float):
            return False
        for q in ready:
            g = q.group
            if (not g.employees.size or g.administrators.size != 1 or g.citizens.size or g.politicians.size
                    or g.firms.size or not plain_k(q.need) or not plain_k(q.defined)):
                return False
        total, congestion, floor = world.admission()
        status, coverages, fit, diversity, novelty, standard, learned, booked, public, floor = k.team_designs(
            np.array([q.id for q in ready], dtype=np.int64), np.array([q.rounds for q in ready], dtype=np.int64),
            np.array([q.need for q in ready]), np.array([q.defined for q in ready]),
            *rows_joined([q.group.employees for q in ready]),
            np.array([q.group.administrators[0] for q in ready], dtype=np.int64), *views, uses, total, congestion,
            world.now, int(Stage.DEFINED), floor, a.hours_left, world.public_hours,
            total, hours, e.knowledge, a.knowledge, e.discretion,
            e.motivation, loops[0], loops[1], low, width, float(p.measurement_overhead), float(p.standardisation),
            self._codified_array(world), float(world.config.citizens.learning_rate * 1.0))
        world.hours_booked(public, floor)
        at = world.now + 1
        status, fit, diversity, novelty = status.tolist(), fit.tolist(), diversity.tolist(), novelty.tolist()
        standard, learned, booked = standard.tolist(), learned.tolist(), booked.tolist()
        for i, q in enumerate(ready):
            if status[i] < 0:  # not admitted: waits for administrators' time
                continue
            record_design(world, q, q.defined, coverages[i].copy(), fit[i], diversity[i], novelty[i], standard[i],
                          learned[i])
            q.public_hours += booked[i]
            q.ready_at = at
            q.stage = Stage.DESIGNED
        return True

    def decide(self, world, problem):
        # Managers decide within the targets; politicians are not involved (T1, T20).
        world.spend("administrators", problem.group.administrators, self.params.manager_hours, problem)
        problem.political_case = True  # a public decision no politician discussed
        problem.ready_at = world.now + 1
        return True

    def expectation_push(self):
        return self.params.customer_expectation_growth

    def steer(self, world):
        p = self.params
        if world.now % p.target_period == 0:
            world.spend_politicians(np.arange(world.politicians.n), p.target_hours, None, policy=True)
        prov = world.providers
        if prov.focus is None or prov.focus.shape != (prov.n, mech.K):
            prov.focus = np.tile(self._views()[1], (prov.n, 1))
        loss = prov.loss[world.employees.provider]
        pressure = np.minimum(np.maximum(p.target_pressure + p.competition * loss, 0.0), 1.0)  # clipped to [0, 1]
        return Steering(pressure=pressure, discretion=p.discretion, focus=prov.focus, overhead=p.measurement_overhead)

    def respond(self, world):
        """Dissatisfied customers vote with their feet (T2): exit to a provider chosen by quality.

        From the "exit" stream, one uniform per citizen for whether they leave, then (when anyone
        leaves) one per citizen for where to; a leaver's destination is read from their own."""
        c, p, prov = world.citizens, self.params, world.providers
        P = prov.n
        rng = world.streams.get("exit", world.now)
        u = rng.random(c.n)
        leave = np.flatnonzero((c.satisfaction < p.exit_threshold) & (u < p.exit_rate))
        if leave.size == 0 or P < 2:
            prov.loss[:] = 0.0
            self._adapt(world)
            return
        v = rng.random(c.n)
        before = np.bincount(c.provider, minlength=P).astype(float)
        weights = np.maximum(prov.quality, 1e-6) ** p.quality_sensitivity
        cdf = np.cumsum(weights / weights.sum())
        new = np.minimum(np.searchsorted(cdf, v[leave], side="right"), P - 1)
        changes = new != c.provider[leave]
        moved = leave[changes]
        lost = np.bincount(c.provider[moved], minlength=P)
        c.provider[moved] = new[changes]
        prov.loss[:] = lost / np.maximum(before, 1.0)
        self._adapt(world)

    _needed: tuple | None = None  # (config, params, 1[n > 0] c): see _adapt

    def _adapt(self, world) -> None:
        """Management by results (T2): a provider that loses customers or hears complaints starts
        watching what customers need, ``f += r min(1, loss + complaints) (1[n > 0] c - f)``, ``n`` the
        routine need and ``c`` 1 on what can be counted (``measurable`` and ``measured``): its measures
        move from what is counted towards what matters, as far as it can be counted (T3).
        ``1[n > 0] c`` rests on the scenario and the parameters only: it is worked out once."""
        prov = world.providers
        if prov.focus is None:
            return
        cached = self._needed
        if cached is None or cached[0] is not world.config or cached[1] is not self.params:
            needed = (world.routine_need() > 0).astype(float) * self._views()[2]
            cached = self._needed = (world.config, self.params, needed)
        signal = np.minimum(1.0, prov.loss + prov.complaints)[:, None]
        prov.focus += self.params.responsiveness * signal * (cached[2] - prov.focus)
