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

from govsim import mechanisms as mech
from govsim.fields import param
from govsim.paradigms.base import Paradigm, ParadigmParams, Steering
from govsim.problems import Group

Dimension = Literal["professional", "procedural", "local", "experiential", "political"]


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

    def _measured_mask(self) -> np.ndarray:
        mask = np.zeros(mech.K)
        for d in self.params.measured:
            mask[mech.DIMENSIONS.index(d)] = 1.0
        return mask

    def _countable(self) -> np.ndarray:
        """1 on the dimensions measurement can reach: the measurable and the measured ones (T3)."""
        mask = self._measured_mask()
        for d in self.params.measurable:
            mask[mech.DIMENSIONS.index(d)] = 1.0
        return mask

    def visibility(self, world):
        mask = self._measured_mask()
        return mask + (1.0 - mask) * self.params.unmeasured_visibility

    def notice(self, world, problem, rng):
        # Performance data flags a problem in proportion to its need on what is counted.
        return float(np.dot(problem.need, self.visibility(world))), "administrator"

    def _team(self, world, problem) -> Group:
        provider = world.main_provider(problem)
        rng = world.streams.get("staffing", problem.id, 0)
        return Group(employees=world.pick_employees(problem, self.params.team_size, rng, provider=provider),
                     administrators=world.pick_administrators(1))

    def define(self, world, problem):
        group = self._team(world, problem)
        cov = mech.pool_knowledge(world.knowledge_of(group))
        rng = world.streams.get("definition", problem.id, 0)
        problem.defined = mech.perceive_need(problem.need, cov, self.visibility(world), world.core.definition_noise,
                                             rng, problem.wickedness)
        problem.group = group
        # Politicians own what their targets count: the defined problem's overlap with the measured dimensions.
        problem.political_ownership = mech.overlap(problem.defined, mech.normalise(self._measured_mask()))
        world.spend("administrators", group.administrators, self.params.manager_hours, problem)
        problem.ready_at = world.now + 1

    def design(self, world, problem):
        p = self.params
        group = problem.group
        slack = self.employee_slack(world, group.employees)
        self.design_with(world, problem, group, problem.defined, slack, p.measurement_overhead)
        world.spend("administrators", group.administrators, p.manager_hours, problem)
        problem.ready_at = world.now + 1
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
            prov.focus = np.tile(self._measured_mask(), (prov.n, 1))
        loss = prov.loss[world.employees.provider]
        pressure = np.clip(p.target_pressure + p.competition * loss, 0.0, 1.0)
        return Steering(pressure=pressure, discretion=p.discretion, focus=prov.focus, overhead=p.measurement_overhead)

    def respond(self, world):
        """Dissatisfied customers vote with their feet (T2): exit to a provider chosen by quality."""
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

    def _adapt(self, world) -> None:
        """Management by results (T2): a provider that loses customers or hears complaints starts
        watching what customers need, ``f += r min(1, loss + complaints) (1[n > 0] c - f)``, ``n`` the
        routine need and ``c`` 1 on what can be counted (``measurable`` and ``measured``): its measures
        move from what is counted towards what matters, as far as it can be counted (T3)."""
        prov = world.providers
        if prov.focus is None:
            return
        needed = (world.routine_need() > 0).astype(float) * self._countable()
        signal = np.minimum(1.0, prov.loss + prov.complaints)[:, None]
        prov.focus += self.params.responsiveness * signal * (needed - prov.focus)
