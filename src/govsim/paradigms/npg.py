"""New Public Governance: the public sector as an *arena for co-creation* (THEORY.md §1, T5–T15).

Any of the four kinds of agent can raise a problem (T10). An arena forms
around it with affected citizens, employees, an administrator as facilitator
and politicians (T7, T12, T22), pooling their knowledge (T8, T14). Arenas
suffer the network problems of T15: recruitment is self-selected and hard,
conflict between members can deadlock them or end in a muddy compromise, and
without fixed responsibilities implementation is uncertain. Metagovernance
(:mod:`govsim.metagovernance`) acts on each of these. Employees are steered by
trust (T27); citizens co-produce (T5, T12).
"""

from __future__ import annotations

import numpy as np

from govsim import mechanisms as mech
from govsim.fields import param
from govsim.paradigms.base import Paradigm, ParadigmParams, Steering
from govsim.problems import Group

KINDS = ("citizen", "employee", "administrator", "politician")
FIRST_FELT_BY = {"problem": "citizen", "challenge": "administrator", "ambition": "politician"}


class NPGParams(ParadigmParams):
    """New Public Governance: co-creation arenas and their network problems (T5–T15, T22, T27)."""

    arena_citizens: int = param(10, 0, 200, "Citizen seats in a co-creation arena (Gentofte: 10).", "T22")
    arena_employees: int = param(3, 0, 50, "Front-line employees in an arena.", "T12")
    arena_politicians: int = param(3, 0, 50, "Politician seats in an arena (Gentofte: 5 per 10 citizens).", "T22")
    discretion: float = param(0.8, 0, 1, "Room for professional judgement under trust-based steering.", "T27")
    support_pressure: float = param(0.05, 0, 1, "Residual control pressure under supportive control.", "T5")
    responsibility_clarity: float = param(0.6, 0, 1, "Chance that implementation has someone responsible without a mandate from metagovernance.", "T15")
    deadlock_threshold: float = param(0.35, 0, 1, "Conflict above which an arena cannot agree this round.", "T15")
    muddy_threshold: float = param(0.15, 0, 1, "Conflict above which a solution is flagged as a muddy compromise (for inspection; the blur itself grows with conflict).", "T15")
    max_rounds: int = param(4, 1, 50, "Deliberation rounds before a deadlocked arena gives up.", "T15")
    meeting_hours: float = param(6.0, 0, 100, "Hours each public member spends per arena round.", "T24")
    dialogue_noise: float = param(0.3, 0, 1, "Misunderstanding in an arena when members do not trust each other.", "T11")


class NPG(Paradigm):
    name = "npg"
    label = "New Public Governance"
    public_sector_as = "an arena for co-creation"
    citizen_role = "co-creator"
    allows_exit = False
    coproduction = 1.0
    theory = ("T5", "T7", "T8", "T10", "T11", "T12", "T13", "T14", "T15", "T16", "T17", "T22", "T27")
    Params = NPGParams

    def visibility(self, model):
        return np.ones(mech.K)

    def notice(self, model, problem):
        """Any kind of agent can initiate (T10); the driver says who feels it first (T19).

        Each watcher kind k sees ``seen_k = need . coverage_k``; the kind that first
        feels the driver (citizens a problem, the administration a challenge,
        politicians an ambition) watches with salience 1, the others with 1/2:
        ``p = 1 - prod_k (1 - salience_k seen_k)``; the initiator is the kind with the
        largest ``salience_k seen_k``.
        """
        watchers = (
            model.pick_willing_citizens(problem.affected, 3),
            model.pick_employees(problem, 1),
            model.pick_administrators(1),
            model.pick_politicians(1),
        )
        stores = (model.citizens, model.employees, model.administrators, model.politicians)
        seen = np.array([float(np.dot(problem.need, mech.pool_knowledge(s.knowledge[w])))
                         for s, w in zip(stores, watchers)])
        salience = np.full(len(KINDS), 0.5)
        salience[KINDS.index(FIRST_FELT_BY[problem.driver])] = 1.0
        felt = salience * seen
        return float(1.0 - np.prod(1.0 - felt)), KINDS[int(np.argmax(felt))]

    def _recruit(self, model, problem) -> Group:
        """Recruit the arena (T15 hard recruitment, T17 network design, T26 bias)."""
        p, meta, c = self.params, model.meta, model.citizens
        cand = problem.affected
        citizens = mech.select_recruits(cand, c.willingness[cand], c.resources[cand],
                                        model.config.citizens.participation_bias, meta.design,
                                        p.arena_citizens, model.rng)
        employees = model.pick_employees(problem, p.arena_employees)
        admins = model.pick_administrators(1)
        pol = model.politicians
        # Politicians join if open and if time allows (T22: total time must not rise, T24).
        free = np.flatnonzero(pol.hours_left >= p.meeting_hours)
        join = free[model.rng.random(free.size) < pol.openness[free]]
        if join.size > p.arena_politicians:
            join = np.sort(model.rng.choice(join, size=p.arena_politicians, replace=False))
        return Group(citizens=citizens, employees=employees, administrators=admins, politicians=join)

    def _meet(self, model, problem, group: Group, extra_admin: float = 0.0) -> None:
        p = self.params
        model.spend("employees", group.employees, p.meeting_hours, problem)
        model.spend("administrators", group.administrators, p.meeting_hours * (1.0 + extra_admin), problem)
        model.spend_politicians(group.politicians, p.meeting_hours, problem, policy=True)
        model.citizen_hours(problem, group.citizens, p.meeting_hours)

    def _trust(self, model, group: Group) -> float:
        parts = [model.citizens.trust[group.citizens], model.politicians.openness[group.politicians],
                 model.employees.motivation[group.employees]]
        vals = np.concatenate(parts)
        return float(vals.mean()) if vals.size else 0.5

    def define(self, model, problem):
        p, meta = self.params, model.meta
        group = self._recruit(model, problem)
        cov = mech.pool_knowledge(model.knowledge_of(group))
        noise = 0.1 + p.dialogue_noise * (1.0 - self._trust(model, group))
        problem.defined = mech.perceive_need(problem.need, cov, self.visibility(model), noise, model.rng, problem.wickedness)
        problem.group = group
        # Network design services the network: recruiting and mandating costs admin time (T17).
        self._meet(model, problem, group, extra_admin=meta.design + meta.framing)
        filled = group.politicians.size / p.arena_politicians if p.arena_politicians else 0.0
        problem.political_ownership = min(1.0, filled)
        problem.ready_at = model.steps + 1

    def design(self, model, problem):
        p, meta = self.params, model.meta
        group = problem.group
        positions = model.positions_of(group)
        goal = model.political_goal()
        positions = positions + meta.framing * (goal - positions)  # goal and framework steering
        adm = group.administrators
        facilitation = float(model.administrators.facilitation[adm].mean()) if adm.size else 0.0
        management = meta.process * facilitation  # process management (T17 tool 3)
        conflict = mech.conflict_level(positions, self._trust(model, group), management)
        problem.conflict = conflict
        problem.rounds += 1
        self._meet(model, problem, group, extra_admin=meta.process + meta.participation)
        if conflict > p.deadlock_threshold:  # paralysing conflict (T15)
            if problem.rounds >= p.max_rounds:
                model.close(problem, "deadlock")
            else:
                problem.ready_at = model.steps + 1
            return False
        arena_view = mech.muddy_compromise(problem.defined, conflict)
        problem.muddy = conflict > p.muddy_threshold
        # Power sharing: politicians' openness (or the administration's restraint) gives the arena
        # its influence; a metagovernor taking part steers the agenda from inside (T16, T24).
        control = float(model.administrators.control[adm].mean()) if adm.size else 0.5
        if group.politicians.size:
            share = float(model.politicians.openness[group.politicians].mean())
        else:
            share = 1.0 - control
        # Citizens can only influence what they take part in.
        influence = share * (1.0 - meta.participation * control) if group.citizens.size else 0.0
        admin_cov = mech.pool_knowledge(model.knowledge_of(Group(administrators=adm)))
        admin_view = mech.perceive_need(problem.need, admin_cov, self.visibility(model), 0.1, model.rng, problem.wickedness)
        direction = mech.normalise(influence * arena_view + (1.0 - influence) * admin_view)
        problem.influence = influence
        slack_parts = np.concatenate([
            model.employees.discretion[group.employees] * model.employees.motivation[group.employees],
            model.citizens.efficacy[group.citizens],
            model.administrators.facilitation[adm],
        ])
        slack = float(slack_parts.mean()) if slack_parts.size else 0.0
        constraint = 0.5 * meta.framing + meta.participation * control  # over-steering narrows ideas (T16)
        self.design_with(model, problem, group, direction, slack, constraint, sharing=1.0 - conflict)
        problem.ready_at = model.steps + 1
        return True

    def decide(self, model, problem):
        group = problem.group
        if group.politicians.size == 0:
            # No politician took part: the council handles it as a case.
            pol = model.pick_politicians(1)
            model.spend_politicians(pol, self.params.meeting_hours, problem, policy=False)
        model.record_participation(problem, group.citizens, mech.RUNG_NETWORK, problem.influence)
        problem.ready_at = model.steps + 1
        return True

    def clarity(self, model, problem):
        # A mandate (framing) or active process management fixes responsibilities (T15, T17).
        base = self.params.responsibility_clarity
        return base + (1.0 - base) * max(model.meta.framing, model.meta.process)

    def steer(self, model):
        p = self.params
        return Steering(pressure=np.full(model.employees.n, p.support_pressure), discretion=p.discretion,
                        focus=mech.UNIFORM.copy(), overhead=0.0)
