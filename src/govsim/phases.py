"""The phases of a step, as data: a printable list that ``GovModel.step`` runs in order.

Each phase is a small function of the model. ``print(govsim.phases.describe())``
(or ``print(model.phases)``) lists them with the claims they serve. A phase
calls the current rule set (:mod:`govsim.paradigms`) through the narrow
:class:`govsim.world.World` interface; rule sets never call back into the model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from govsim import kernels, partners
from govsim import mechanisms as mech
from govsim.ladder import RUNGS
from govsim.metrics import compute_outcomes
from govsim.problems import Problem, Stage
from govsim.world import fmean, is_table_k, rows_joined

_add_reduce = np.add.reduce  # ndarray.sum() without its wrapper (the same sum)

if TYPE_CHECKING:  # pragma: no cover
    from govsim.model import GovModel


@dataclass(frozen=True)
class Phase:
    name: str
    run: Callable[[GovModel], None]
    theory: str
    doc: str

    def __str__(self) -> str:
        return f"{self.name:<22} {self.theory:<28} {self.doc}"


# --------------------------------------------------------------------------- 0
def reform(model: GovModel) -> None:
    r = model.reforms.get(model.world.now)
    if r is None:
        return
    model.set_paradigm(r.paradigm)
    explicit = getattr(r, "metagovernance_tools", None)
    if r.metagovernance is not None or explicit is not None:
        values = explicit.model_dump() if explicit is not None else {}
        model.set_metagovernance(r.metagovernance or model.meta.setting,
                                 **{k: v for k, v in values.items() if v is not None})


# --------------------------------------------------------------------------- 1
def arrive_problems(model: GovModel) -> None:
    w = model.world
    w.reset_hours()
    arrived = model.problem_stream.draw(w.now)
    kernels.note_arrivals(len(arrived))
    w.open.extend(arrived)


def hold_committees(model: GovModel) -> None:
    model.world.hold_committees()


# --------------------------------------------------------------------------- 2
def notice_and_define(model: GovModel) -> None:
    w, rules = model.world, model.paradigm
    cutoff = w.now - w.config.problems.max_age  # now - arrived >= max_age, for whole steps
    for p in [p for p in w.open if p.arrived <= cutoff]:
        w.close(p, "expired")
    uses = "define" in rules.admin_stages
    waiting = w.ready(Stage.ARRIVED)
    done = rules.notice_and_define_all(w, waiting, uses) if waiting else None
    if done is not None:  # (the same, in one batch)
        for i, who in done:
            p = waiting[i]
            p.initiator = who
            p.paradigm = rules.name
            p.definition_quality = mech.overlap(p.defined, p.need)
            p.stage = Stage.DEFINED
        return
    start = 0
    while (found := rules.next_noticed(w, waiting, start, uses)) is not None:
        i, who = found
        p = waiting[i]
        start = i + 1
        p.initiator = who
        p.paradigm = rules.name
        rules.define(w, p)
        p.definition_quality = mech.overlap(p.defined, p.need)
        p.stage = Stage.DEFINED


# --------------------------------------------------------------------------- 3
def design_solutions(model: GovModel) -> None:
    w, rules = model.world, model.paradigm
    uses = "design" in rules.admin_stages
    ready = w.ready(Stage.DEFINED)
    if ready and rules.design_all(w, ready, uses):  # (the same, in one batch)
        return
    for p in ready:
        if not w.admit(p, Stage.DEFINED, uses):
            continue
        if rules.design(w, p) and p.stage != Stage.CLOSED:
            p.stage = Stage.DESIGNED


# --------------------------------------------------------------------------- 4
def decide(model: GovModel) -> None:
    w, rules = model.world, model.paradigm
    uses = "decide" in rules.admin_stages
    ready = w.ready(Stage.DESIGNED)
    done = rules.decide_all(w, ready, uses) if ready else None
    if done is not None:  # (the same, in one batch)
        for p, decided in zip(ready, done):
            if decided is not None:
                _decided(w, p, decided)
        return
    for p in ready:
        if w.admit(p, Stage.DESIGNED, uses):
            _decided(w, p, rules.decide(w, p))


def _decided(w, p: Problem, decided: bool) -> None:
    """What follows a decision on ``p``: decided (with its legitimacy, recorded), or back to design."""
    if decided:
        p.stage = Stage.DECIDED
        p.decided_at = w.now
        p.legitimacy = legitimacy(w, p)
        w.decisions.append(p)
    elif p.stage != Stage.CLOSED:
        p.stage = Stage.DEFINED


def legitimacy(w, p: Problem) -> float:
    """Legitimacy of a decision: ``o * political ownership + (1 - o) * voice`` (T8, T21).

    voice = influence of the citizens who took part x how well they mirror the affected
    (1 - |share of resourceful among participants - among affected|); 0 if nobody took part.
    """
    if p.rung >= mech.RUNG_PANEL and p.group.citizens.size:
        part = p.group.citizens
        hi = w.citizens.high_resource
        representative = 1.0 - abs(fmean(hi[part]) - fmean(hi[p.affected]))
        voice = p.influence * representative
    else:
        voice = 0.0
    o = w.core.ownership_weight
    return o * p.political_ownership + (1.0 - o) * voice


# --------------------------------------------------------------------------- 5
def implement(model: GovModel) -> None:
    w, rules = model.world, model.paradigm
    st = rules.steer(w)
    model.steering = st
    e, cfg = w.employees, w.config.employees
    e.pressure[:] = np.asarray(st.pressure, dtype=float)
    e.discretion[:] = st.discretion
    e.effort[:] = mech.employee_effort(e.motivation, e.pressure, cfg.extrinsic_weight)
    e.steered_share[:] = mech.steered_share(e.pressure, e.motivation, e.discretion)
    e.drift[:] = mech.drift_share(e.motivation, e.pressure, cfg.agency)
    effective = e.effort * (1.0 - st.overhead)
    deliver_routine(w, st, effective)
    ready = w.ready(Stage.DECIDED)
    if ready:
        implement_solutions(w, rules, ready, st, effective)


class Delivery:
    """What every solution delivered in one implement phase shares, worked out once for the phase.

    Employees' effort, steered share and drift are set at the start of the phase and
    politicians' legitimacy only at elections, so within the phase they are fixed:
    ``kept`` = ``(1 - s)(1 - x)`` per employee (the unsteered effort that does not
    drift) is the first term of :func:`govsim.mechanisms.service_quality`, computed
    element by element as that function does, so indexing it by a team gives the
    same numbers as computing it for the team.
    """

    __slots__ = ("effective", "steered", "kept", "focus", "ones", "council")

    def __init__(self, w, st, effective: np.ndarray) -> None:
        e = w.employees
        self.effective = effective
        self.steered = e.steered_share
        self.kept = (1.0 - e.steered_share) * (1.0 - e.drift)
        self.focus = np.asarray(st.focus, dtype=float)
        self.ones = np.ones(mech.K)
        self.council = fmean(w.politicians.legitimacy)  # a solution without a politician's seat

    def team_quality(self, w, p: Problem, team: np.ndarray) -> float:
        """Mean public quality a team delivers: ``mean(service_quality(...))`` over its members."""
        # A standard solution comes with its procedure: control watches exactly what it needs (T6).
        focus = self.ones if p.standard else self.focus
        if focus.ndim == 1:
            overlap = float(np.dot(focus, p.direction))  # mech.focus_overlap of one focus vector
        else:
            overlap = focus[w.employees.provider[team]] @ np.asarray(p.direction, dtype=float)
        q = self.effective[team] * (self.kept[team] + self.steered[team] * overlap)
        return float(_add_reduce(q, None)) / q.size


def _focus_of(st, rows: np.ndarray | None, w) -> np.ndarray:
    """Control's focus for employees ``rows`` (all if None): one vector, or their provider's row."""
    focus = np.asarray(st.focus)
    if focus.ndim == 1:
        return focus
    prov = w.employees.provider if rows is None else w.employees.provider[rows]
    return focus[prov]


def deliver_routine(w, st, effective: np.ndarray) -> None:
    """Routine services: each citizen gets their provider's quality, diluted by its load.

    Quality is measured against ``problems.routine_need``, one definition of need for
    every rule set: steered effort counts as far as control's focus meets it (T3),
    unsteered effort loses its drift (principal–agent, T27).
    """
    e, c, P = w.employees, w.citizens, w.providers.n
    per_emp = mech.service_quality(effective, e.steered_share, _focus_of(st, None, w), w.routine_need(), e.drift)
    staff = np.bincount(e.provider, minlength=P).astype(float)
    mean_q = np.bincount(e.provider, weights=per_emp, minlength=P) / np.maximum(staff, 1.0)
    customers = np.bincount(c.provider, minlength=P).astype(float)
    ratio = (staff / np.maximum(customers, 1.0)) / (e.n / c.n)
    w.providers.quality[:] = mean_q * np.minimum(1.0, ratio)
    w.experience[:] = w.providers.quality[c.provider]


def member_of(rows: np.ndarray, group: np.ndarray) -> np.ndarray:
    """``np.isin(rows, group)`` for small integer arrays, by a binary search in the sorted group."""
    if group.size == 0:
        return np.zeros(rows.size, dtype=bool)
    g = np.sort(group)
    at = np.minimum(np.searchsorted(g, rows), g.size - 1)
    return g[at] == rows


def implement_solution(w, rules, p: Problem, st, effective: np.ndarray, shared: Delivery | None = None) -> None:
    """Deliver a decided solution: public quality, co-production, resistance, clarity (T5, T8, T12, T15, T21).

    ``shared`` holds what the phase's solutions have in common (built here if not given).
    """
    if shared is None:
        shared = Delivery(w, st, effective)
    c, cfg = w.citizens, w.config
    streams = w.streams
    rng = streams.get("implementation", p.id, p.attempts)
    u = rng.random()
    team = w.pick_employees(p, cfg.employees.implementation_team, rng)
    q_public = shared.team_quality(w, p, team) if team.size else 0.0
    aff = p.affected
    group = p.group
    role = rules.coproduction * (RUNGS[p.arena.rung].coproduction if p.arena is not None else 1.0)
    willing = c.willingness[aff]
    co = mech.mobilise_resources(c.resources[aff], willing, role)
    co_draw = streams.get("coproduction", p.id, p.attempts).random(aff.size)
    if co > 0:
        producers = aff[co_draw < willing * role]
        w.citizen_hours(p, producers, cfg.employees.implementation_hours)
        # Co-producers carry out a decided solution: as much say as a volunteer's rung allows,
        # within the discretion of the employees they work with (T9, T12).
        discretion = fmean(w.employees.discretion[team]) if team.size else 0.0
        influence = RUNGS[mech.RUNG_VOLUNTEER].depth * discretion
        w.record_participation(p, producers, mech.RUNG_VOLUNTEER, influence)
        group = p.group
        # Co-producers add what they know to the solution's delivery (T5, T12, T14).
        co *= mech.coproduction_reach(p.need, c.knowledge[producers])
    q = q_public + (1.0 - q_public) * co
    p.quality = partners.add_resources(w, p, q)
    pol = group.politicians
    p.support = w.core.mobilisation * p.political_ownership * (
        fmean(w.politicians.legitimacy[pol]) if pol.size else shared.council)  # no seat: the whole council
    contested = 1.0 - w.core.contestation * (1.0 - p.wickedness)  # tame problems are not contested (T6)
    resistance = _resistance(c.trust[aff], aff, group.citizens, p.influence) * (1.0 - p.support) * contested
    w.spend("employees", team, cfg.employees.implementation_hours, p)
    _settle(w, rules, p, u, resistance)


_FEW = 3
"""Up to this many solutions in a step are delivered one at a time by :func:`implement_solutions`."""


def implement_solutions(w, rules, ready: list[Problem], st, effective: np.ndarray) -> None:
    """:func:`implement_solution` for each of ``ready`` in turn, with the same draws, numbers and effects.

    Within the phase a solution's numbers depend only on the problem, its own draws and what
    no solution changes (citizens' trust, willingness, resources and knowledge, employees'
    effort and discretion, politicians' legitimacy): co-producers take part on the volunteer
    rung, below a panel, so their participation leaves the problem's group and influence as
    they were. So the draws are taken first, problem by problem from each problem's own keyed
    streams (as :func:`implement_solution` takes them); the element-wise arithmetic then runs
    once over all the affected citizens (and all the team members) together, each element
    computed exactly as before; every mean is the same sum over the problem's own elements; and
    the effects (hours, participation, closing) follow problem by problem, in the same order.
    """
    shared = Delivery(w, st, effective)
    k = kernels.get()
    if k is not None and _deliver_compiled(w, rules, ready, shared, k):
        return
    # A few solutions cost less one at a time than the fixed numpy work of handling them together
    # (the same draws, numbers and effects either way).
    if len(ready) <= _FEW or mech.RUNG_VOLUNTEER >= mech.RUNG_PANEL:
        for p in ready:
            implement_solution(w, rules, p, st, effective, shared)
        return
    c, cfg, e = w.citizens, w.config, w.employees
    streams, pick = w.streams, w.pick_employees
    n_team, hours = cfg.employees.implementation_team, cfg.employees.implementation_hours
    focus = shared.focus
    one_focus = focus.ndim == 1
    us, teams, draws, roles, overlaps = [], [], [], [], []
    for p in ready:
        rng = streams.get("implementation", p.id, p.attempts)
        us.append(rng.random())
        team = pick(p, n_team, rng)
        teams.append(team)
        draws.append(streams.get("coproduction", p.id, p.attempts).random(p.affected.size))
        roles.append(rules.coproduction * (RUNGS[p.arena.rung].coproduction if p.arena is not None else 1.0))
        if one_focus and team.size:
            # A standard solution comes with its procedure: control watches exactly what it needs (T6).
            overlaps.append(float(np.dot(shared.ones if p.standard else focus, p.direction)))
        else:
            overlaps.append(0.0)
    k = len(ready)
    affs = [p.affected for p in ready]
    a_size = [a.size for a in affs]
    a_end = np.cumsum(a_size).tolist()
    aff = np.concatenate(affs) if k > 1 else affs[0]
    role_of = np.repeat(np.array(roles), a_size)
    willing = c.willingness[aff]
    brought = c.resources[aff] * willing
    produce = np.concatenate(draws) < willing * role_of
    # Ownership: the problem's influence for the affected who are members of its group (as member_of).
    owners = [i for i, p in enumerate(ready) if p.group.citizens.size]
    r = 1.0 - c.trust[aff]
    if owners:
        n = np.int64(c.n)
        at = np.repeat(np.arange(k, dtype=np.int64), a_size)
        key = at * n + aff
        members = np.concatenate([i * n + ready[i].group.citizens for i in owners])
        members.sort()
        pos = np.minimum(np.searchsorted(members, key), members.size - 1)
        influence = np.repeat(np.array([p.influence for p in ready]), a_size)
        r *= 1.0 - np.where(members[pos] == key, influence, 0.0)
    t_size = [t.size for t in teams]
    quality = discretion = None
    if max(t_size) and (max(t_size) < 8 or not one_focus):
        staffed = [i for i in range(k) if t_size[i]]
        team = np.concatenate([teams[i] for i in staffed]) if len(staffed) > 1 else teams[staffed[0]]
        sizes = [t_size[i] for i in staffed]
        if max(t_size) < 8:
            discretion = dict(zip(staffed, (_small_sums(e.discretion[team], sizes) / sizes).tolist()))
        if max(t_size) < 8:
            if one_focus:
                ov = np.repeat(np.array([overlaps[i] for i in staffed]), sizes)
            else:
                # One focus row per provider: each member's overlap is Delivery.team_quality's matrix
                # product, problem by problem (a standard solution's procedure watches every dimension).
                prov, ones = e.provider, shared.ones
                parts = [np.full(t_size[i], float(np.dot(ones, ready[i].direction))) if ready[i].standard
                         else focus[prov[teams[i]]] @ np.asarray(ready[i].direction, dtype=float) for i in staffed]
                ov = np.concatenate(parts) if len(parts) > 1 else parts[0]
            q = shared.effective[team] * (shared.kept[team] + shared.steered[team] * ov)
            quality = dict(zip(staffed, (_small_sums(q, sizes) / sizes).tolist()))
    # What co-producers know, pooled per problem (mech.pool_knowledge of each problem's co-producers):
    # one gather and one maximum over consecutive pieces, each piece reduced row after row as
    # ``np.maximum.reduce(rows, axis=0)`` reduces it. Co-producers are looked at only where co > 0.
    pooled = _pooled_producers(c.knowledge, aff, produce, a_end)
    nobody = np.zeros(mech.K)  # what mech.pool_knowledge pools from no rows
    # Politicians' legitimacy does not change within the phase: one politician's seat is read as a
    # Python float (``fmean`` of one number is that number plus 0.0, as numpy's sum starts from 0.0).
    legit = w.politicians.legitimacy
    legit_list = legit.tolist()
    start = 0
    mobilisation, contestation = w.core.mobilisation, w.core.contestation
    for i, p in enumerate(ready):
        end = a_end[i]
        team = teams[i]
        if not team.size:
            q_public = 0.0
        elif quality is not None:
            q_public = quality[i]
        else:
            q_public = shared.team_quality(w, p, team)
        m = end - start
        co = mech.clip01(float(_add_reduce(brought[start:end], None)) / m * roles[i]) if m else 0.0
        if co > 0:
            producers = p.affected[produce[start:end]]
            w.citizen_hours(p, producers, hours)
            # Co-producers carry out a decided solution: as much say as a volunteer's rung allows,
            # within the discretion of the employees they work with (T9, T12).
            if not team.size:
                d = 0.0
            elif discretion is not None:
                d = discretion[i]
            else:
                d = fmean(e.discretion[team])
            w.record_participation(p, producers, mech.RUNG_VOLUNTEER, RUNGS[mech.RUNG_VOLUNTEER].depth * d)
            # Co-producers add what they know to the solution's delivery (T5, T12, T14).
            need = p.need
            if pooled is not None and type(need) is np.ndarray:
                # mech.coproduction_reach with the pooled row (no co-producers: pool_knowledge's zeros)
                co *= float(need.dot(pooled.get(i, nobody)))
            else:
                co *= mech.coproduction_reach(need, c.knowledge[producers])
        q = q_public + (1.0 - q_public) * co
        p.quality = partners.add_resources(w, p, q)
        pol = p.group.politicians
        if pol.size == 1:
            seat = legit_list[pol[0]] + 0.0
        else:
            seat = fmean(legit[pol]) if pol.size else shared.council  # no seat: the whole council
        p.support = mobilisation * p.political_ownership * seat
        contested = 1.0 - contestation * (1.0 - p.wickedness)  # tame problems are not contested (T6)
        resistance = (float(_add_reduce(r[start:end], None)) / m if m else 0.0) * (1.0 - p.support) * contested
        start = end
        w.spend("employees", team, hours, p)
        _settle(w, rules, p, us[i], resistance)


def _deliver_compiled(w, rules, ready: list[Problem], shared: Delivery, k) -> bool:
    """:func:`implement_solutions` with its draws and numbers worked out by two compiled calls
    (:func:`govsim.kernels.compiled.implementation_teams`, then :func:`~govsim.kernels.compiled.deliver`:
    the same draws and numbers), then the effects problem by problem, in order. False, having changed
    nothing, where the kernels do not cover the case (a dot product, knowledge or needs they do not
    read as numpy does)."""
    c, e, f, K = w.citizens, w.employees, w.firms, mech.K
    focus = shared.focus
    one_focus = focus.ndim == 1
    if ((focus.shape != (K,) if one_focus else focus.shape != (w.providers.n, K))
            or mech.RUNG_VOLUNTEER >= mech.RUNG_PANEL or not is_table_k(c.knowledge) or kernels.dot_order(k) < 0):
        return False
    needs = [p.need for p in ready]
    if any(type(x) is not np.ndarray or x.shape != (K,) for x in needs):
        return False
    streams = w.streams
    g_impl = streams.views_of(streams.get("implementation", 0))
    g_co = streams.views_of(streams.get("coproduction", 0))
    if g_impl is None or g_co is None:
        return False
    directions = np.array([p.direction for p in ready], dtype=float)
    if directions.shape != (len(ready), K):
        return False
    ids = np.array([p.id for p in ready], dtype=np.int64)
    attempts = np.array([p.attempts for p in ready], dtype=np.int64)
    aff, a_end = rows_joined([p.affected for p in ready])
    cfg = w.config.employees
    order, bounds = w.staff_index()
    us, teams, t_end = k.implementation_teams(ids, attempts, aff, a_end, int(cfg.implementation_team), c.provider,
                                              order, bounds, e.n, *w.staff_scratch(), k.stream_state(g_impl[1]))
    t_end = t_end.tolist()
    if one_focus:
        overlaps = _NO_VALUES
    else:
        # Control's focus per provider: each member's overlap is Delivery.team_quality's matrix product
        # (numpy's), problem by problem (a standard solution's, every dimension, the kernel works out).
        prov, lo, parts = e.provider, 0, []
        for p, hi in zip(ready, t_end):
            if hi > lo and not p.standard:
                parts.append(focus[prov[teams[lo:hi]]] @ np.asarray(p.direction, dtype=float))
            else:
                parts.append(np.zeros(hi - lo))
            lo = hi
        overlaps = np.concatenate(parts)
        focus = _NO_VALUES
    groups = [p.group for p in ready]
    members, m_end = rows_joined([g.citizens for g in groups])
    pols, p_end = rows_joined([g.politicians for g in groups])
    firms, f_end = rows_joined([g.firms for g in groups])
    coproduced, disc, quality, support, resistance, producers, pr_end = k.deliver(
        ids, attempts, aff, a_end, teams, np.array(t_end, dtype=np.int64),
        np.array([rules.coproduction * (RUNGS[p.arena.rung].coproduction if p.arena is not None else 1.0)
                  for p in ready]),
        np.array([bool(p.standard) for p in ready]), directions, np.ascontiguousarray(focus, dtype=float), overlaps,
        members, m_end, np.array([p.influence for p in ready], dtype=float), np.array(needs, dtype=float),
        pols, p_end, firms, f_end, np.array([p.political_ownership for p in ready], dtype=float),
        np.array([p.wickedness for p in ready], dtype=float), c.willingness, c.resources, c.trust, c.knowledge,
        shared.effective, shared.kept, shared.steered, e.discretion, w.politicians.legitimacy,
        f.resources if f.n else _NO_VALUES, float(w.config.firms.resource_share), float(shared.council),
        float(w.core.mobilisation), float(w.core.contestation), k.stream_state(g_co[1]), kernels.dot_order(k) == 1)
    hours, depth = cfg.implementation_hours, RUNGS[mech.RUNG_VOLUNTEER].depth
    pr_end, disc = pr_end.tolist(), disc.tolist()
    quality, support, us, resistance = quality.tolist(), support.tolist(), us.tolist(), resistance.tolist()
    t_lo = pr_lo = 0
    for i, (p, co) in enumerate(zip(ready, coproduced.tolist())):
        if co:
            mine = producers[pr_lo:pr_end[i]]
            w.citizen_hours(p, mine, hours)
            # Co-producers carry out a decided solution: as much say as a volunteer's rung allows,
            # within the discretion of the employees they work with (T9, T12).
            w.record_participation(p, mine, mech.RUNG_VOLUNTEER, depth * disc[i])
        pr_lo = pr_end[i]
        p.quality = quality[i]
        p.support = support[i]
        w.spend("employees", teams[t_lo:t_end[i]], hours, p)
        t_lo = t_end[i]
        _settle(w, rules, p, us[i], resistance[i])
    return True


_NO_VALUES = np.zeros(0)


def _pooled_producers(knowledge: np.ndarray, aff: np.ndarray, produce: np.ndarray, ends: list[int]) -> dict | None:
    """``mech.pool_knowledge(knowledge[producers])`` for each problem with co-producers, by its index.

    ``aff`` holds the problems' affected citizens one after the other (problem ``i``'s end at
    ``ends[i]``) and ``produce`` whether each co-produces. The co-producers' rows are gathered
    once and ``np.maximum.reduceat`` takes the maximum over each problem's consecutive rows, row
    after row from the first, as ``np.maximum.reduce(rows, axis=0)`` does for each alone (only
    pieces with rows are passed, so no piece is empty). The maximum of the same numbers taken in
    the same order is the same number. None when ``knowledge`` is not a float64 table of K columns
    (the caller then pools each problem's rows as before).
    """
    if (type(knowledge) is not np.ndarray or knowledge.dtype != np.float64 or knowledge.ndim != 2
            or knowledge.shape[1] != mech.K):
        return None
    if not ends:
        return {}
    done = np.cumsum(produce).tolist()  # co-producers up to and including each affected citizen
    have, starts, before = [], [], 0
    for i, end in enumerate(ends):
        upto = done[end - 1] if end else 0
        if upto > before:
            have.append(i)
            starts.append(before)
        before = upto
    if not have:
        return {}
    best = np.maximum.reduceat(knowledge[aff[produce]], starts, axis=0)
    return dict(zip(have, best))


def _small_sums(x: np.ndarray, sizes: list[int]) -> np.ndarray:
    """Sums of consecutive pieces of ``x`` of the given sizes (each 1 to 7), each as ``np.add.reduce`` adds it.

    numpy adds fewer than 8 elements in order, starting from 0 (``np.add.reduceat`` does not: it
    starts from the first element and adds the rest to it in a different grouping). Here the
    pieces are laid out as the rows of a zero-padded table and added up column by column from 0;
    adding a padding 0 leaves a sum unchanged.
    """
    k, width = len(sizes), max(sizes)
    if width >= 8:  # pragma: no cover - the callers pass pieces of up to 7
        raise ValueError("pieces of 8 or more elements are added pairwise by numpy")
    size = np.array(sizes)
    table = np.zeros((k, width))
    table[np.arange(width) < size[:, None]] = x
    out = np.zeros(k)
    for j in range(width):
        out += table[:, j]
    return out


def _settle(w, rules, p: Problem, u: float, resistance: float) -> None:
    """Whether a delivered solution is implemented (draw ``u``), and what follows (T15)."""
    cfg = w.config
    p.clarity = rules.clarity(w, p)
    if u < p.clarity * (1.0 - resistance):
        p.implemented = True
        p.value = p.fit * p.quality
        p.solved = p.value >= cfg.problems.solve_threshold
        w.close(p, "solved" if p.solved else "unsolved")
        partners.after_implementation(w, p)
    else:
        p.attempts += 1
        if p.attempts >= w.core.implementation_attempts:
            w.close(p, "failed")
            partners.after_implementation(w, p)
        else:
            p.ready_at = w.now + 1


def _resistance(trust: np.ndarray, aff: np.ndarray, members: np.ndarray, influence: float) -> float:
    """``mech.implementation_resistance(trust, ownership)``, ownership = ``influence`` for the affected
    who are members of the problem's group and 0 for the others (T8).

    Without members every ownership is 0 and ``(1 - t)(1 - 0)`` is ``1 - t`` exactly, so the
    product is left out; the mean is the same sum over the same count.
    """
    if trust.size == 0:
        return 0.0
    r = 1.0 - trust
    if members.size:
        r *= 1.0 - np.where(member_of(aff, members), influence, 0.0)
    return float(_add_reduce(r, None)) / r.size


# --------------------------------------------------------------------------- 6
def respond(model: GovModel) -> None:
    """Citizens' satisfaction, trust, expectations, participation effects and willingness; the
    rule set's own response (NPM: exit); employees' motivation (T2, T3, T7, T11, T27)."""
    w, rules = model.world, model.paradigm
    c, e, cfg, core = w.citizens, w.employees, w.config, w.core
    a = cfg.citizens.adaptation
    exp = w.experience
    k = kernels.get()
    if k is not None and _plain_citizens(w):
        # The same numbers, citizen by citizen in one compiled pass each side of voice and participation.
        closed = w.closed_now
        harmed = [p.affected for p in w.open]
        aff, ends = rows_joined([p.affected for p in closed]) if closed else (_NO_ROWS, _NO_ROWS)
        k.citizens_respond(exp, np.concatenate(harmed).astype(np.int64, copy=False) if harmed else _NO_ROWS,
                           1.0 - cfg.problems.harm, aff, ends, np.array([p.value for p in closed], dtype=float),
                           c.satisfaction, c.trust, c.expectation, c.fatigue, a, cfg.citizens.trust_adaptation,
                           core.expectation_share * a, cfg.citizens.expectation_growth + rules.expectation_push(),
                           1.0 - cfg.citizens.recovery)
        voice(w, rules)
        take_part(w)
        k.citizens_willingness(c.willingness, c.resources, c.efficacy, c.fatigue, core.willingness_base, a)
        _respond_rest(w, rules)
        return
    open_aff = [p.affected for p in w.open]
    if open_aff:
        exp[np.concatenate(open_aff)] *= 1.0 - cfg.problems.harm
    for p in w.closed_now:
        # exp[aff] = 0.5 exp[aff] + 0.5 value, on one gathered copy (x * 0.5 for 0.5 * x: the same product)
        aff = p.affected
        x = exp[aff]
        x *= 0.5
        x += 0.5 * p.value
        exp[aff] = x
    # The updates below are written in place on two scratch vectors, one operation at a time in the
    # order of the formulas in the comments (x * k for k * x: the same product), so no value changes.
    t, v = np.empty(c.n), np.empty(c.n)
    # felt = clip(0.5 + exp - expectation, 0, 1); satisfaction += a (felt - satisfaction)
    np.add(exp, 0.5, out=t)
    t -= c.expectation
    mech._clip(t, 0.0, 1.0, out=t)  # np.clip(t, 0, 1, out=t), without its wrapper
    t -= c.satisfaction
    t *= a
    c.satisfaction += t
    voice(w, rules)
    # trust += trust_adaptation (satisfaction - trust)
    np.subtract(c.satisfaction, c.trust, out=t)
    t *= cfg.citizens.trust_adaptation
    c.trust += t
    growth = cfg.citizens.expectation_growth + rules.expectation_push()
    # expectation += expectation_share a (exp - expectation) + growth (1 - expectation)
    np.subtract(exp, c.expectation, out=t)
    t *= core.expectation_share * a
    np.subtract(1.0, c.expectation, out=v)
    v *= growth
    t += v
    c.expectation += t
    c.fatigue *= 1.0 - cfg.citizens.recovery
    take_part(w)
    # target = efficacy (base + (1 - base) resources) (1 - fatigue); willingness += a (target - willingness)
    np.multiply(c.resources, 1.0 - core.willingness_base, out=t)
    t += core.willingness_base
    t *= c.efficacy
    np.subtract(1.0, c.fatigue, out=v)
    t *= v
    t -= c.willingness
    t *= a
    c.willingness += t
    _respond_rest(w, rules)


def _respond_rest(w, rules) -> None:
    """The end of :func:`respond`: the rule set's own response (NPM: exit), employees' motivation, the
    politicians' hours of the step."""
    e, cfg = w.employees, w.config
    w.providers.loss[:] = 0.0
    rules.respond(w)
    e.motivation[:] = mech.crowd_out_motivation(e.motivation, e.pressure, e.discretion,
                                                cfg.employees.crowding_out, cfg.employees.autonomy_support,
                                                e.intrinsic)
    pol = w.politicians
    w.hours_log.append((float(pol.policy_hours.sum()), float(pol.case_hours.sum()), pol.n * cfg.politicians.hours))


_NO_ROWS = np.zeros(0, dtype=np.int64)


def _plain_citizens(w) -> bool:
    """Whether the citizens' columns :func:`respond` and :func:`take_part` update are contiguous arrays of
    one length, float64 (the experience too) and int64 (the step and rung of the latest participation,
    the count of participations), as the compiled passes read and write them."""
    c = w.citizens
    floats = (w.experience, c.satisfaction, c.trust, c.expectation, c.fatigue, c.willingness, c.resources, c.efficacy)
    ints = (c.last_participated, c.last_rung, c.last_deliberated, c.participations)
    n = c.n
    return all(type(x) is np.ndarray and x.dtype == dt and x.shape == (n,) and x.flags.c_contiguous
               for cols, dt in ((floats, np.float64), (ints, np.int64)) for x in cols)


def voice(w, rules) -> None:
    """Dissatisfied citizens complain (voice, T2, T7): each citizen whose satisfaction is below
    1/2 with chance ``citizens.voice``; a complaint is as influential as the rule set lets it be."""
    c = w.citizens
    u = w.streams.get("voice", w.now).random(c.n)
    # np.flatnonzero((satisfaction < 0.5) & (u < voice)): the few drawn to complain, then which of
    # them are dissatisfied (the same rows, in the same increasing order)
    drawn = np.flatnonzero(u < w.config.citizens.voice)
    rows = drawn[c.satisfaction[drawn] < 0.5]
    w.record_voice(rows, rules.complaint_influence())


def take_part(w) -> None:
    """Participation moves trust and efficacy by its quality (T7, T11); each act adds fatigue (T15).

    Every act of the step is applied to its citizens in the order the acts were recorded. The acts
    are handled in layers: layer k holds each citizen's (k+1)-th act of the step, so within a layer
    every citizen appears once and the element-wise updates can run on all of them at once, while a
    citizen who took part several times gets the updates one after another, in the recorded order.
    What does not depend on that order is set once for every citizen who took part: the step of the
    latest participation (and deliberation), the count of acts, and the latest rung (the highest of
    the step's rungs, and of the rung already recorded this step).
    """
    c, cfg, now = w.citizens, w.config.citizens, w.now
    acts = [a for a in w.participation if a[0].size]
    if not acts:
        return
    k = kernels.get()
    if k is not None and _plain_citizens(w):  # the acts one after another, compiled: the same numbers
        rows, ends = rows_joined([a[0] for a in acts])
        k.take_part(rows, ends, np.array([a[1] for a in acts], dtype=np.int64),
                    np.array([a[2] for a in acts], dtype=float), c.fatigue, c.trust, c.efficacy, c.last_participated,
                    c.last_rung, c.last_deliberated, c.participations, cfg.fatigue, cfg.tokenism_threshold,
                    cfg.participation_effect, now, mech.RUNG_PANEL)
        return
    if len(acts) == 1:
        rows_all = acts[0][0]
        rec = np.zeros(rows_all.size, dtype=np.int64)
    else:
        rows_all = np.concatenate([a[0] for a in acts])
        rec = np.repeat(np.arange(len(acts)), [a[0].size for a in acts])
    order = np.argsort(rows_all, kind="stable")  # by citizen, each citizen's acts in recorded order
    rows_s, rec_s = rows_all[order], rec[order]
    n = rows_s.size
    first = np.ones(n, dtype=bool)  # a citizen's first act of the step
    if n > 1:
        np.not_equal(rows_s[1:], rows_s[:-1], out=first[1:])
    if first.all():
        # Nobody is listed twice: one layer, every citizen once (what the general case below finds).
        rank = None
        starts = None
    else:
        # A citizen listed twice in one act takes part once in it.
        keep = first.copy()
        keep[1:] |= rec_s[1:] != rec_s[:-1]
        if not keep.all():
            rows_s, rec_s, first = rows_s[keep], rec_s[keep], first[keep]
            n = rows_s.size
        starts = np.flatnonzero(first)
        rank = np.arange(n) - np.repeat(starts, np.diff(np.append(starts, n)))
    rungs = np.array([a[1] for a in acts], dtype=np.int64)[rec_s]
    influences = np.array([a[2] for a in acts], dtype=float)[rec_s]
    layers = 1 if rank is None else int(rank.max()) + 1
    fatigue, threshold, effect = cfg.fatigue, cfg.tokenism_threshold, cfg.participation_effect
    for k in range(layers):
        if layers == 1:
            rows, influence = rows_s, influences
        else:
            sel = rank == k
            rows, influence = rows_s[sel], influences[sel]
        c.fatigue[rows] = mech.tire(c.fatigue[rows], fatigue)
        # mech.participation_effect for trust and for efficacy: the same move, worked out once
        move = influence - threshold
        move *= effect  # effect * (influence - threshold): the same product
        c.trust[rows] = mech._clip(c.trust[rows] + move, 0.0, 1.0)
        c.efficacy[rows] = mech._clip(c.efficacy[rows] + move, 0.0, 1.0)
    # Set once per citizen: the first act reads whether the citizen already took part this step
    # (then its latest rung counts too); every later act of the step finds it did.
    if starts is None:
        once, top, times = rows_s, rungs, 1
    else:
        once = rows_s[starts]
        top = np.maximum.reduceat(rungs, starts)
        times = np.diff(np.append(starts, n))
    recent = c.last_participated[once] == now
    c.last_rung[once] = np.where(recent, np.maximum(c.last_rung[once], top), top)
    c.last_participated[once] = now
    c.last_deliberated[rows_s[rungs >= mech.RUNG_PANEL]] = now
    c.participations[once] += times


# --------------------------------------------------------------------------- 7
def political_leadership(model: GovModel) -> None:
    """Leadership shown this step moves politicians' leadership; elections set legitimacy (T21).

    A politician shows leadership on a decision made this step by (1) defining the
    problem (it was raised by a politician, or its definition was politically owned),
    (2) giving direction (taking part in shaping the solution: a seat in its group) and
    (3) mobilising support (``support / mobilisation``): ``shown`` is the mean of the
    three, the best over their decisions; 0 for one who took part in none. At an
    election, legitimacy = ``(1 - w) mean trust + w mean leadership``.
    """
    w = model.world
    pol, core = w.politicians, w.core
    shown = np.zeros(pol.n)
    for p in w.decisions.recent[::-1]:
        if p.decided_at != w.now:
            break
        rows = p.group.politicians
        if rows.size == 0:
            continue
        defined = 1.0 if p.initiator == "politician" else p.political_ownership
        mobilised = p.support / core.mobilisation if core.mobilisation > 0 else 0.0
        shown[rows] = np.maximum(shown[rows], (defined + 1.0 + min(1.0, mobilised)) / 3.0)
    pol.leadership += core.leadership_rate * (shown - pol.leadership)
    interval = w.config.politicians.election_interval
    if w.now > 0 and w.now % interval == 0:
        lw = core.leadership_weight
        pol.legitimacy[:] = (1.0 - lw) * float(w.citizens.trust.mean()) + lw * pol.leadership


# --------------------------------------------------------------------------- 8
def spread_trust(model: GovModel) -> None:
    w = model.world
    c, rate = w.citizens, w.config.network.diffusion
    clip = mech._clip  # the ufunc np.clip(x, 0.0, 1.0) ends in
    c.trust[:] = clip(mech.spread_over_network(c.trust, w.weights, rate), 0.0, 1.0)
    c.willingness[:] = clip(mech.spread_over_network(c.willingness, w.weights, rate), 0.0, 1.0)


# --------------------------------------------------------------------------- 9
def collect(model: GovModel) -> None:
    model.outcomes = compute_outcomes(model)
    model.datacollector.collect(model)


PHASES: tuple[Phase, ...] = (
    Phase("reform", reform, "T1, T16", "apply a reform scheduled for this step (rule set, metagovernance)"),
    Phase("arrive_problems", arrive_problems, "T6, T19", "reset this step's hours; new problems arrive"),
    Phase("hold_committees", hold_committees, "T20, T22", "standing committees take politicians' case-handling time"),
    Phase("notice_and_define", notice_and_define, "T1, T3, T8, T10", "problems are noticed, initiated and defined"),
    Phase("design_solutions", design_solutions, "T4, T6, T8, T15-T17", "solutions are designed (arenas deliberate)"),
    Phase("decide", decide, "T7, T20, T21", "designs are decided; cases go to committees"),
    Phase("implement", implement, "T3, T5, T12, T15, T21", "employees are steered; services and solutions delivered"),
    Phase("respond", respond, "T2, T3, T7, T11, T27", "citizens and employees respond; the rule set's response (exit)"),
    Phase("political_leadership", political_leadership, "T21", "leadership shown; legitimacy at elections"),
    Phase("spread_trust", spread_trust, "T11", "trust and willingness diffuse over the network"),
    Phase("collect", collect, "T19", "indicators and indices are computed and recorded"),
)


def describe(phases=PHASES) -> str:
    """The phases, one a line: name, THEORY IDs, what it does."""
    return "\n".join(f"{i:>2}. {ph}" for i, ph in enumerate(phases))
