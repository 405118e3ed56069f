"""GovModel: the public sector handling a stream of societal problems under a rule set.

See :meth:`GovModel.step` for the phases of a step and docs/ODD.md for the
model description. The model owns the columnar state of the four populations
(:mod:`govsim.state`); Mesa agents (:mod:`govsim.agents`) are views over rows.
"""

from __future__ import annotations

import mesa
import numpy as np

from govsim import mechanisms as mech
from govsim.agents import Administrator, Citizen, Employee, Politician
from govsim.config import coerce, coerce_seed
from govsim.metagovernance import Metagovernance
from govsim.metrics import compute_outcomes, reporters
from govsim.network import Neighbourhood, row_normalise, small_world
from govsim.paradigms import REGISTRY, Paradigm, Steering
from govsim.problems import Group, Problem, ProblemStream, Stage
from govsim.state import ROLE_CODES, Administrators, Citizens, Employees, Politicians

PHASES = (
    "reform",
    "arrive_problems",
    "notice_and_define",
    "design_solutions",
    "decide",
    "implement",
    "respond",
    "spread_trust",
    "collect",
)


class GovModel(mesa.Model):
    """Politicians, administrators, employees and citizens governing under OPA, NPM or NPG rules.

    Args:
        scenario: a :class:`govsim.config.Scenario`, a path to a TOML scenario, a dict, or
            ``None`` for the defaults.
        rng: root seed (an int, or a numpy Generator to draw one from) overriding the
            scenario's ``seed``.

    Randomness comes from three child streams of the root seed
    (``numpy.random.SeedSequence``): *population* (agents and network),
    *problems* (the problem stream) and *behaviour* (everything agents do). The
    first two never depend on the rule set, so under one seed every paradigm
    starts from the same population and meets the same problems (common random
    numbers).
    """

    def __init__(self, scenario=None, *, rng: int | np.random.Generator | None = None) -> None:
        cfg = coerce(scenario)
        seed = int(cfg.seed) if rng is None else coerce_seed(rng, "rng", "GovModel")
        super().__init__(rng=seed)
        self.config = cfg
        self.seed = seed
        pop_seq, prob_seq, beh_seq = np.random.SeedSequence(seed).spawn(3)
        pop_rng = np.random.default_rng(pop_seq)
        self.rng = np.random.default_rng(beh_seq)

        p = cfg.population
        self.n_providers = p.providers
        self.citizens = Citizens(p.citizens, pop_rng, cfg.citizens, p.providers)
        self.employees = Employees(p.employees, pop_rng, cfg.employees, p.providers)
        self.administrators = Administrators(p.administrators, pop_rng, cfg.administrators)
        self.politicians = Politicians(p.politicians, pop_rng, cfg.politicians)
        self.network = small_world(p.citizens, cfg.network.degree, cfg.network.rewire, pop_rng)
        self.weights = row_normalise(self.network)
        self.problem_stream = ProblemStream(
            np.random.default_rng(prob_seq), cfg.problems.rate * p.citizens / 1000.0, cfg.problems.wickedness,
            cfg.problems.reach, Neighbourhood(self.network),
        )

        Citizen.create_agents(self, p.citizens, row=list(range(p.citizens)))
        Employee.create_agents(self, p.employees, row=list(range(p.employees)))
        Administrator.create_agents(self, p.administrators, row=list(range(p.administrators)))
        Politician.create_agents(self, p.politicians, row=list(range(p.politicians)))

        self.open: list[Problem] = []
        self.closed: list[Problem] = []
        self.designs: list[Problem] = []
        self.decisions: list[Problem] = []
        self.hours_log: list[tuple[float, float, float]] = []  # politicians' (policy, case, available) per step
        self.provider_loss = np.zeros(p.providers)
        self.provider_quality = np.zeros(p.providers)
        self.experience = np.zeros(p.citizens)
        self._participation: list[tuple[np.ndarray, int, float]] = []
        self._closed_now: list[Problem] = []
        self._public_hours = 0.0
        self.steering: Steering | None = None
        self.paradigm: Paradigm
        self.set_paradigm(cfg.paradigm)
        self.set_metagovernance(cfg.metagovernance)
        self._reforms = {r.step: r for r in cfg.reforms}
        self.outcomes: dict[str, float] = compute_outcomes(self)
        self.datacollector = mesa.DataCollector(model_reporters=reporters())

    # ------------------------------------------------------------------ rule sets
    def set_paradigm(self, name: str) -> None:
        """Switch the rule set (a reform). Agents keep their state; problems in flight continue."""
        if name not in REGISTRY:
            raise ValueError(f"unknown paradigm {name!r}; allowed: {', '.join(REGISTRY)}")
        cls = REGISTRY[name]
        self.paradigm = cls(getattr(self.config, name))
        self.citizens.role_code[:] = ROLE_CODES[cls.citizen_role]

    def set_metagovernance(self, setting: str) -> None:
        """Change the metagovernance setting ("none", "hands_off", "hands_on")."""
        self.meta = Metagovernance.from_setting(setting, self.config.metagovernance_tools)

    # ------------------------------------------------------------------ the step
    def step(self) -> None:
        """Advance one step (about a month). The phases, in order:

        0. ``reform``: apply a reform scheduled for this step (rule set and, optionally,
           metagovernance setting).
        1. ``arrive_problems``: new problems arrive from the problem stream (T6, T19).
        2. ``notice_and_define``: open problems are noticed and defined by whom the rule set
           says, seeing what their knowledge and steering let them see (T1, T3, T8, T10).
        3. ``design_solutions``: solutions are designed; fit, novelty, diversity, conflict,
           mutual learning (T4, T6, T8, T15, T17).
        4. ``decide``: designs are decided (T7, T20, T21).
        5. ``implement``: employees are steered; they deliver routine services and implement
           decided solutions, with citizens co-producing where their role allows (T3, T5, T12, T15).
        6. ``respond``: citizens' satisfaction, trust, efficacy, willingness and expectations
           follow what they experienced and how they took part; customers may exit;
           employees' motivation responds to control and autonomy (T2, T3, T7, T11, T27).
        7. ``spread_trust``: trust and willingness diffuse over the social network (T11).
        8. ``collect``: outcome indicators and indices are computed and recorded (T19).
        """
        now = self.steps
        self._reset_hours()
        self.reform(now)
        self.arrive_problems(now)
        self.notice_and_define(now)
        self.design_solutions(now)
        self.decide(now)
        self.implement(now)
        self.respond(now)
        self.spread_trust()
        self.collect()

    def _reset_hours(self) -> None:
        self.administrators.hours_left[:] = self.config.administrators.hours
        self.politicians.hours_left[:] = self.config.politicians.hours
        self.politicians.policy_hours[:] = 0.0
        self.politicians.case_hours[:] = 0.0
        self._participation = []
        self._closed_now = []
        self._public_hours = 0.0

    # Phase 0
    def reform(self, now: int) -> None:
        r = self._reforms.get(now)
        if r is not None:
            self.set_paradigm(r.paradigm)
            if r.metagovernance is not None:
                self.set_metagovernance(r.metagovernance)

    # Phase 1
    def arrive_problems(self, now: int) -> None:
        self.open.extend(self.problem_stream.draw(now))

    def _ready(self, stage: Stage, now: int) -> list[Problem]:
        return [p for p in self.open if p.stage == stage and p.ready_at <= now]

    def _capacity(self) -> bool:
        return bool(self.administrators.hours_left.sum() > 0)

    # Phase 2
    def notice_and_define(self, now: int) -> None:
        max_age = self.config.problems.max_age
        for p in [p for p in self.open if now - p.arrived >= max_age]:
            self.close(p, "expired")
        for p in self._ready(Stage.ARRIVED, now):
            if not self._capacity():
                break
            prob, who = self.paradigm.notice(self, p)
            if self.rng.random() >= prob:
                continue
            p.initiator = who
            p.paradigm = self.paradigm.name
            self.paradigm.define(self, p)
            p.definition_quality = mech.overlap(p.defined, p.need)
            p.stage = Stage.DEFINED

    # Phase 3
    def design_solutions(self, now: int) -> None:
        for p in self._ready(Stage.DEFINED, now):
            if not self._capacity():
                break
            if self.paradigm.design(self, p) and p.stage != Stage.CLOSED:
                p.stage = Stage.DESIGNED

    # Phase 4
    def decide(self, now: int) -> None:
        for p in self._ready(Stage.DESIGNED, now):
            if not self._capacity():
                break
            if self.paradigm.decide(self, p):
                p.stage = Stage.DECIDED
                p.decided_at = now
                p.legitimacy = self._legitimacy(p)
                self.decisions.append(p)
            else:
                p.stage = Stage.DEFINED

    def _legitimacy(self, p: Problem) -> float:
        """Legitimacy of a decision: ``(political ownership + voice) / 2`` (T8, T21).

        voice = influence of the citizens who took part x how well they mirror the affected
        (1 - |share of resourceful among participants - among affected|); 0 if nobody took part.
        """
        part = p.group.citizens if p.rung >= mech.RUNG_PANEL else np.zeros(0, dtype=np.int64)
        if part.size:
            hi = self.citizens.high_resource
            representative = 1.0 - abs(float(hi[part].mean()) - float(hi[p.affected].mean()))
            voice = p.influence * representative
        else:
            voice = 0.0
        return 0.5 * p.political_ownership + 0.5 * voice

    # Phase 5
    def implement(self, now: int) -> None:
        st = self.paradigm.steer(self)
        self.steering = st
        e, cfg = self.employees, self.config.employees
        e.pressure = np.asarray(st.pressure, dtype=float)
        e.discretion[:] = st.discretion
        e.effort = mech.employee_effort(e.motivation, e.pressure, cfg.extrinsic_weight)
        e.steered_share = mech.steered_share(e.pressure, e.motivation, e.discretion)
        self._effective = e.effort * (1.0 - st.overhead)
        self._deliver_routine(st)
        for p in self._ready(Stage.DECIDED, now):
            self._implement_solution(p, st, now)

    def _deliver_routine(self, st: Steering) -> None:
        """Routine services: each citizen gets their provider's quality, diluted by its load."""
        e, c, P = self.employees, self.citizens, self.n_providers
        per_emp = mech.service_quality(self._effective, e.steered_share, st.focus, mech.ROUTINE_NEED)
        staff = np.bincount(e.provider, minlength=P).astype(float)
        mean_q = np.bincount(e.provider, weights=per_emp, minlength=P) / np.maximum(staff, 1.0)
        customers = np.bincount(c.provider, minlength=P).astype(float)
        ratio = (staff / np.maximum(customers, 1.0)) / (e.n / c.n)
        self.provider_quality = mean_q * np.minimum(1.0, ratio)
        self.experience = self.provider_quality[c.provider].copy()

    def _implement_solution(self, p: Problem, st: Steering, now: int) -> None:
        c, cfg = self.citizens, self.config
        team = self.pick_employees(p, cfg.employees.implementation_team)
        q_public = float(np.mean(mech.service_quality(self._effective[team], self.employees.steered_share[team],
                                                      st.focus, p.direction))) if team.size else 0.0
        aff = p.affected
        co = mech.mobilise_resources(c.resources[aff], c.willingness[aff], self.paradigm.coproduction)
        if co > 0:
            producers = aff[self.rng.random(aff.size) < c.willingness[aff] * self.paradigm.coproduction]
            self.citizen_hours(p, producers, cfg.employees.implementation_hours)
            influence = float(self.employees.discretion[team].mean()) if team.size else 0.0
            self.record_participation(p, producers, mech.RUNG_VOLUNTEER, influence)
        p.quality = q_public + (1.0 - q_public) * co
        ownership = np.where(np.isin(aff, p.group.citizens), p.influence, 0.0)
        resistance = mech.implementation_resistance(c.trust[aff], ownership)
        self.spend("employees", team, cfg.employees.implementation_hours, p)
        p.clarity = self.paradigm.clarity(self, p)
        if self.rng.random() < p.clarity * (1.0 - resistance):
            p.implemented = True
            p.value = p.fit * p.quality
            p.solved = p.value >= cfg.problems.solve_threshold
            self.close(p, "solved" if p.solved else "unsolved")
        else:
            p.attempts += 1
            if p.attempts >= 2:
                self.close(p, "failed")
            else:
                p.ready_at = now + 1

    # Phase 6
    def respond(self, now: int) -> None:
        c, e, cfg = self.citizens, self.employees, self.config
        a = cfg.citizens.adaptation
        exp = self.experience
        open_aff = [p.affected for p in self.open]
        if open_aff:
            exp[np.concatenate(open_aff)] *= 1.0 - cfg.problems.harm
        for p in self._closed_now:
            exp[p.affected] = 0.5 * exp[p.affected] + 0.5 * p.value
        felt = np.clip(0.5 + exp - c.expectation, 0.0, 1.0)
        c.satisfaction += a * (felt - c.satisfaction)
        c.trust += cfg.citizens.trust_adaptation * (c.satisfaction - c.trust)
        growth = cfg.citizens.expectation_growth + self.paradigm.expectation_push()
        c.expectation += 0.25 * a * (exp - c.expectation) + growth * (1.0 - c.expectation)
        self._take_part(now)
        target = c.efficacy * (0.4 + 0.6 * c.resources)
        c.willingness += a * (target - c.willingness)
        if self.paradigm.allows_exit:
            self._exit(now)
        else:
            self.provider_loss[:] = 0.0
        e.motivation = mech.crowd_out_motivation(e.motivation, e.pressure, e.discretion,
                                                 cfg.employees.crowding_out, cfg.employees.autonomy_support)
        pol = self.politicians
        self.hours_log.append((float(pol.policy_hours.sum()), float(pol.case_hours.sum()),
                               pol.n * cfg.politicians.hours))
        if now > 0 and now % cfg.politicians.election_interval == 0:
            pol.legitimacy[:] = float(c.trust.mean())

    def _take_part(self, now: int) -> None:
        """Participation moves trust and efficacy by its quality (T7, T11)."""
        c, cfg = self.citizens, self.config.citizens
        for rows, rung, influence in self._participation:
            if rows.size == 0:
                continue
            c.trust[rows] = mech.participation_effect(c.trust[rows], influence, cfg.tokenism_threshold,
                                                      cfg.participation_effect)
            c.efficacy[rows] = mech.participation_effect(c.efficacy[rows], influence, cfg.tokenism_threshold,
                                                         cfg.participation_effect)
            recent = c.last_participated[rows] == now
            c.last_rung[rows] = np.where(recent, np.maximum(c.last_rung[rows], rung), rung)
            c.last_participated[rows] = now
            if rung >= mech.RUNG_PANEL:
                c.last_deliberated[rows] = now
            c.participations[rows] += 1

    def _exit(self, now: int) -> None:
        """Dissatisfied customers vote with their feet (T2)."""
        c, p = self.citizens, self.paradigm.params
        P = self.n_providers
        before = np.bincount(c.provider, minlength=P).astype(float)
        leave = np.flatnonzero((c.satisfaction < p.exit_threshold) & (self.rng.random(c.n) < p.exit_rate))
        self.provider_loss = np.zeros(P)
        if leave.size == 0 or P < 2:
            return
        weights = np.maximum(self.provider_quality, 1e-6) ** 4
        new = self.rng.choice(P, size=leave.size, p=weights / weights.sum())
        moved = leave[new != c.provider[leave]]
        lost = np.bincount(c.provider[moved], minlength=P)
        c.provider[moved] = new[new != c.provider[leave]]
        self.provider_loss = lost / np.maximum(before, 1.0)

    # Phase 7
    def spread_trust(self) -> None:
        c, rate = self.citizens, self.config.network.diffusion
        c.trust = np.clip(mech.spread_over_network(c.trust, self.weights, rate), 0.0, 1.0)
        c.willingness = np.clip(mech.spread_over_network(c.willingness, self.weights, rate), 0.0, 1.0)

    # Phase 8
    def collect(self) -> None:
        self.outcomes = compute_outcomes(self)
        self.datacollector.collect(self)

    # ------------------------------------------------------------------ helpers for rule sets
    def close(self, p: Problem, outcome: str) -> None:
        p.outcome = outcome
        p.stage = Stage.CLOSED
        p.closed_at = self.steps
        if p in self.open:
            self.open.remove(p)
        self.closed.append(p)
        self._closed_now.append(p)

    def knowledge_of(self, g: Group) -> np.ndarray:
        return np.vstack([self.citizens.knowledge[g.citizens], self.employees.knowledge[g.employees],
                          self.administrators.knowledge[g.administrators], self.politicians.knowledge[g.politicians]])

    def positions_of(self, g: Group) -> np.ndarray:
        return np.concatenate([self.citizens.position[g.citizens], self.employees.position[g.employees],
                               self.administrators.position[g.administrators],
                               self.politicians.position[g.politicians]])

    def political_goal(self) -> float:
        return float(np.median(self.politicians.position))

    def main_provider(self, p: Problem) -> int:
        return int(np.argmax(np.bincount(self.citizens.provider[p.affected], minlength=self.n_providers)))

    def pick_employees(self, p: Problem, n: int, provider: int | None = None) -> np.ndarray:
        """``n`` employees of the providers serving the affected citizens (or of one provider)."""
        e = self.employees
        if provider is None:
            serving = np.isin(e.provider, np.unique(self.citizens.provider[p.affected]))
        else:
            serving = e.provider == provider
        pool = np.flatnonzero(serving)
        if pool.size == 0:
            pool = np.arange(e.n)
        n = min(n, pool.size)
        return np.sort(self.rng.choice(pool, size=n, replace=False)) if n > 0 else pool[:0]

    def pick_administrators(self, n: int) -> np.ndarray:
        """The ``n`` administrators with most time left this step."""
        order = np.argsort(-self.administrators.hours_left, kind="stable")
        return np.sort(order[: min(n, order.size)])

    def pick_politicians(self, n: int) -> np.ndarray:
        order = np.argsort(-self.politicians.hours_left, kind="stable")
        return np.sort(order[: min(n, order.size)])

    def pick_willing_citizens(self, candidates: np.ndarray, n: int) -> np.ndarray:
        """Up to ``n`` of ``candidates``, drawn with probability proportional to willingness."""
        if candidates.size == 0 or n <= 0:
            return candidates[:0]
        w = self.citizens.willingness[candidates] + 1e-9
        n = min(n, candidates.size)
        return np.sort(self.rng.choice(candidates, size=n, replace=False, p=w / w.sum()))

    def spend(self, kind: str, rows: np.ndarray, hours: float, p: Problem | None) -> None:
        """Book ``hours`` for each of ``rows`` of a public population (public resources, T24)."""
        total = hours * rows.size
        if kind == "administrators":
            self.administrators.hours_left[rows] -= hours
        self._public_hours += total
        if p is not None:
            p.public_hours += total

    def spend_politicians(self, rows: np.ndarray, hours: float, p: Problem | None, *, policy: bool) -> None:
        """Book politicians' time as policy development or case handling (T20–T22)."""
        pol = self.politicians
        pol.hours_left[rows] -= hours
        (pol.policy_hours if policy else pol.case_hours)[rows] += hours
        self._public_hours += hours * rows.size
        if p is not None:
            p.public_hours += hours * rows.size

    def citizen_hours(self, p: Problem, rows: np.ndarray, hours: float) -> None:
        """Book citizens' own time mobilised for a problem (T5, T12)."""
        p.citizen_hours += hours * rows.size

    def record_participation(self, p: Problem, rows: np.ndarray, rung: int, influence: float) -> None:
        """Register that ``rows`` took part at ``rung`` of the ladder with ``influence`` (T9)."""
        rows = np.asarray(rows, dtype=np.int64)
        self._participation.append((rows, rung, float(influence)))
        if rung >= mech.RUNG_PANEL:
            p.rung = max(p.rung, rung)
            p.influence = float(influence)
            p.group = Group(citizens=rows, employees=p.group.employees,
                            administrators=p.group.administrators, politicians=p.group.politicians)

    def learn(self, g: Group, coverage: np.ndarray) -> float:
        """Mutual learning: members move towards the group's pooled knowledge (T8).

        ``k += lr max(c - k, 0)``, where the coverage ``c`` already reflects how freely
        members shared (conflict lowers it in arenas); returns the mean gain per member
        and dimension divided by ``lr``, in [0, 1].
        """
        lr = self.config.citizens.learning_rate
        gains = []
        for store, rows in ((self.citizens, g.citizens), (self.employees, g.employees),
                            (self.administrators, g.administrators), (self.politicians, g.politicians)):
            if rows.size == 0:
                continue
            gap = np.maximum(coverage - store.knowledge[rows], 0.0)
            store.knowledge[rows] += lr * gap
            gains.append(gap)
        return float(np.mean(np.vstack(gains))) if gains else 0.0
