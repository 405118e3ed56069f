"""New Public Governance: the public sector as an *arena for co-creation* (docs/theory.md §1, T5–T15).

Any of the four kinds of agent can raise a problem, each under its own
conditions (T10). An arena forms around it on a rung of the co-creation ladder
(T9, :mod:`govsim.ladder`): affected citizens, employees, an administrator as
facilitator, politicians and, where there are any, partner firms (T7, T12, T22,
T28), pooling their knowledge (T8, T14). Arenas suffer the network problems of
T15: recruitment is self-selected and hard, conflict can deadlock them or end in
a muddy compromise, and without fixed responsibilities implementation is
uncertain. The metagovernance tools (:mod:`govsim.metagovernance`) shape the
arena when it forms, through the fields of :class:`govsim.problems.Arena`; this
rule set reads those fields and nothing else of the tools. Employees are steered
by trust (T27); citizens co-produce (T5, T12).
"""

from __future__ import annotations

from bisect import bisect_right

import numpy as np

from govsim import kernels, partners
from govsim import mechanisms as mech
from govsim.fields import param
from govsim.ladder import RUNGS
from govsim.paradigms.base import (NO_LEARNING, Paradigm, ParadigmParams, Steering, compiled_reading, normalised,
                                   plain_k, record_design)
from govsim.problems import EMPTY, Arena, Group, Stage
from govsim.world import fmean, is_table_k, rows_joined, top_row

KINDS = ("citizen", "employee", "administrator", "politician")
FIRST_FELT_BY = {"problem": ("citizen", "employee"), "challenge": ("administrator",), "ambition": ("politician",)}
"""Who feels a driver first (T19): problems are met by citizens and by the front-line employees who
serve them, challenges by the administration, ambitions by politicians."""

_SEES_ALL = np.ones(mech.K)
_SEES_ALL.flags.writeable = False  # one shared, read-only vector: NPG's steering hides no dimension


_max_reduce = np.maximum.reduce  # ndarray.max(axis=...) ends in this; called directly, without its wrapper
_add_reduce = np.add.reduce


def _seen(need: np.ndarray, knowledge: np.ndarray, rows: np.ndarray) -> float:
    """``need . pool(knowledge[rows])``: what watchers ``rows`` see of a need (0 for no watcher)."""
    n = rows.size
    if n == 0:
        return 0.0
    return float(need.dot(knowledge[rows[0]] if n == 1 else _max_reduce(knowledge.take(rows, axis=0), 0)))


def _share_left(hours_left: np.ndarray, rows: np.ndarray, budget: float) -> float:
    """Share of their hours ``rows`` have left, in [0, 1] (0 for nobody)."""
    n = rows.size
    if n == 0:
        return 0.0
    left = float(hours_left[rows[0]]) if n == 1 else fmean(hours_left[rows])
    return min(max(left / budget, 0.0), 1.0)


def _competence(knowledge: np.ndarray, rows: np.ndarray, public: np.ndarray) -> np.ndarray:
    """``np.maximum(knowledge[rows] - public, 0.0).sum(axis=1)``: what each of ``rows`` knows beyond ``public``,
    computed in place on one gathered block (the same operations on the same numbers)."""
    d = knowledge.take(rows, axis=0)
    d -= public
    np.maximum(d, 0.0, out=d)
    return _add_reduce(d, 1)


def _best_of(first: np.ndarray, rows: np.ndarray, second: np.ndarray, more: np.ndarray) -> np.ndarray:
    """``np.concatenate((first[rows], second[more])).max(axis=0)`` for non-empty ``rows`` and ``more``:
    the largest value on each dimension (a maximum is exact, so taking it in two parts changes nothing)."""
    best = _max_reduce(first.take(rows, axis=0), 0)
    if more.size == 1:
        np.maximum(best, second[more[0]], out=best)
    else:
        np.maximum(best, _max_reduce(second.take(more, axis=0), 0), out=best)
    return best


class NPGParams(ParadigmParams):
    """New Public Governance: co-creation arenas and their network problems (T5–T15, T22, T27)."""

    arena_citizens: int = param(10, 0, 200, "Citizen seats in a co-creation arena (Gentofte: 10).", "T22")
    arena_employees: int = param(3, 0, 50, "Front-line employees in an arena.", "T12")
    arena_politicians: int = param(3, 0, 50, "Politician seats in an arena (Gentofte: 5 per 10 citizens).", "T22")
    administrators_as_members: bool = param(True, None, None, "Administrators are arena members (their knowledge and positions count); false: facilitators only (Gentofte).", "T22, T25")
    discretion: float = param(0.8, 0, 1, "Room for professional judgement under trust-based steering.", "T27")
    support_pressure: float = param(0.05, 0, 1, "Residual control pressure under supportive control.", "T5")
    responsibility_clarity: float = param(0.6, 0, 1, "Chance that implementation has someone responsible without a mandate from metagovernance.", "T15")
    deadlock_threshold: float = param(0.35, 0, 1, "Conflict above which an arena cannot agree this round.", "T15")
    muddy_threshold: float = param(0.15, 0, 1, "Conflict above which a solution is flagged as a muddy compromise (for inspection; the blur itself grows with conflict).", "T15")
    max_rounds: int = param(4, 1, 50, "Deliberation rounds before a deadlocked arena gives up.", "T15")
    meeting_hours: float = param(6.0, 0, 100, "Hours each public member spends per arena round (full arena; lower rungs meet less).", "T24")
    dialogue_noise: float = param(0.3, 0, 1, "Misunderstanding in an arena when members do not trust each other.", "T11")
    watchers: int = param(3, 0, 100, "Affected citizens who watch for a problem.", "T10")
    other_salience: float = param(0.5, 0, 1, "Salience of a problem to the kinds that do not feel its driver first.", "T10, T19")
    passivity: float = param(0.3, 0, 1, "Share of an unwilling member's knowledge that stays unused unless process management activates it.", "T17, T25")
    broad_reach: int = param(20, 1, 10_000, "Citizens an open call (rungs 2 and 4) or a broad advertisement reaches per seat.", "T22")
    initiative_floor: float = param(0.5, 0, 1, "Share of what a kind sees that it acts on even when its own condition for initiative is 0.", "T10")
    council_veto: float = param(0.5, 0, 1, "Chance per unit of distance from the political goal that the council sends back a proposal no politician took part in.", "T20, T21")
    meeting_interval: int = param(2, 1, 24, "Steps between an arena's meetings: defining and each deliberation round wait this long (co-creation is slow, T15, T24).", "T15, T24")
    coproduction: float = param(1.0, 0, 1, "How much co-creators co-produce the implementation (times the rung's co-production).", "T5, T12")
    standardisation: float = param(0.2, 0, 1, "Chance that an arena looks at a standard solution before designing its own.", "T6")
    complaint_influence: float = param(0.4, 0, 1, "Influence of a complaint on the service.", "T2, T7")


_LADDER_STEPS: dict[tuple[float, ...], tuple[float, ...]] = {}


def _ladder_steps(mix: tuple[float, ...]) -> tuple[float, ...]:
    """Cumulative shares of the rungs in ``mix`` (the bounds a uniform draw is placed between)."""
    steps = _LADDER_STEPS.get(mix)
    if steps is None:
        w = np.asarray(mix, dtype=float)
        steps = _LADDER_STEPS[mix] = tuple(np.cumsum(w / w.sum()).tolist())
    return steps


def _pool(knowledge: np.ndarray) -> np.ndarray:
    """``mech.pool_knowledge(knowledge)`` (full sharing) of a 2-d array of rows."""
    return _max_reduce(knowledge, 0) if knowledge.shape[0] else np.zeros(mech.K)


_F64 = np.dtype(np.float64)
_INF = float("inf")
_SHAPE_K = (mech.K,)
_UNIFORM_SHARE = 1.0 / mech.K  # each element of mech.UNIFORM


def _direction(defined: np.ndarray, conflict: float, admin_view: np.ndarray, influence: float) -> np.ndarray:
    """``normalise(influence a + (1 - influence) v)``, ``a = muddy_compromise(defined, conflict)`` and ``v`` the
    administration's view: the arena's influence on the direction of a design (T7, T15, T16).

    On two float64 K-vectors the arithmetic runs on Python floats, operation by operation as numpy
    does it (:func:`govsim.paradigms.base.normalised` is :func:`govsim.mechanisms.normalise`)."""
    if (type(defined) is np.ndarray and type(admin_view) is np.ndarray and defined.dtype is _F64
            and admin_view.dtype is _F64 and defined.shape == _SHAPE_K and admin_view.shape == _SHAPE_K):
        keep, spread = 1.0 - conflict, conflict * _UNIFORM_SHARE
        arena = normalised([keep * x + spread for x in defined.tolist()])
        rest = 1.0 - influence
        return np.array(normalised([influence * x + rest * y for x, y in zip(arena, admin_view.tolist())]))
    arena_view = mech.muddy_compromise(defined, conflict)
    return mech.normalise(influence * arena_view + (1.0 - influence) * admin_view)


def _members_of(pool: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Whether each of ``pool`` is in ``rows`` (sorted), as ``np.isin(pool, rows)`` for a non-empty ``rows``."""
    at = rows.searchsorted(pool)
    np.minimum(at, rows.size - 1, out=at)
    return rows[at] == pool


_NO_VALUES = np.zeros(0)
_ARRIVED = int(Stage.ARRIVED)
_NO_PUBLIC = np.zeros(mech.K)  # what the compiled selection gets when competence does not count


def _powered(resources: np.ndarray, bias: float) -> np.ndarray:
    """``(r / max r) ** bias`` of candidates' resources, as ``mech.select_recruits`` works it out
    (numpy's power, for the compiled selection); empty for no candidates."""
    if resources.size == 0:
        return resources
    x = resources / max(float(_max_reduce(resources, None)), 1e-9)
    x **= bias
    return x


def _union(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``np.union1d(a, b)``: the sorted distinct rows of both."""
    out = np.concatenate((a, b))
    out.sort()
    if out.size > 1 and (out[1:] == out[:-1]).any():
        out = np.unique(out)
    return out


def _perceived(world, problem, coverage: np.ndarray, visibility: np.ndarray, noise: float, rng) -> np.ndarray:
    """``mech.perceive_need`` of the problem's need, compiled where the kernels are used
    (:func:`govsim.paradigms.base.compiled_reading`)."""
    drawn = compiled_reading(world, rng, problem.need, coverage, None if visibility is _SEES_ALL else visibility, noise,
                             problem.wickedness, nan_kept=True)
    if drawn is None:
        return mech.perceive_need(problem.need, coverage, visibility, noise, rng, problem.wickedness)
    return drawn


class NPG(Paradigm):
    name = "npg"
    label = "New Public Governance"
    public_sector_as = "an arena for co-creation"
    citizen_role = "co-creator"
    allows_exit = False
    admin_stages = frozenset({"define", "design"})  # deciding takes politicians' time, not administrators'
    theory = ("T5", "T7", "T8", "T9", "T10", "T11", "T12", "T13", "T14", "T15", "T16", "T17", "T22", "T27", "T28")
    Params = NPGParams

    def visibility(self, world):
        return _SEES_ALL

    # ------------------------------------------------------------------ initiation (T10)
    def notice(self, world, problem, rng):
        """Any kind of agent can initiate (T10), each under its own conditions; the driver says who feels it first.

        Each watcher kind k sees ``seen_k = need . coverage_k``; the kind that first feels
        the driver (citizens and front-line employees a problem, the administration a
        challenge, politicians an ambition) watches with salience 1, the others with ``other_salience``. A kind acts
        on what it sees as far as its own condition allows, ``f + (1 - f) cond_k`` (``f`` =
        ``initiative_floor``): citizens
        their efficacy (belief that taking part matters), employees their motivation x
        discretion (professional ambition with room to act), administrators their share
        of hours left (capacity), politicians their share of hours left after standing
        committees (time for policy). ``p = 1 - prod_k (1 - felt_k)``; the initiator is the
        kind with the largest ``felt_k``.
        """
        p = self.params
        c, e, a, pol = world.citizens, world.employees, world.administrators, world.politicians
        wc = world.pick_willing_citizens(problem.affected, p.watchers, rng)
        we = world.pick_employees(problem, 1, rng)
        wa = world.pick_administrators(1)
        wp = world.pick_politicians(1)
        need = problem.need
        config = world.config
        # What each kind sees and its condition for acting, kind by kind (citizens, employees,
        # administrators, politicians); one watcher's mean is that watcher's value.
        n = wc.size
        seen_c = _seen(need, c.knowledge, wc)
        cond_c = (float(c.efficacy[wc[0]]) if n == 1 else fmean(c.efficacy[wc])) if n else 0.0
        n = we.size
        seen_e = _seen(need, e.knowledge, we)
        if n == 1:
            r = we[0]
            cond_e = float(e.motivation[r]) * float(e.discretion[r])
        else:
            cond_e = fmean(e.motivation[we] * e.discretion[we]) if n else 0.0
        seen_a, cond_a = _seen(need, a.knowledge, wa), _share_left(a.hours_left, wa, config.administrators.hours)
        seen_p, cond_p = _seen(need, pol.knowledge, wp), _share_left(pol.hours_left, wp, config.politicians.hours)
        first = FIRST_FELT_BY[problem.driver]
        floor, other = p.initiative_floor, p.other_salience
        rest = 1.0 - floor
        felt = [(1.0 if "citizen" in first else other) * seen_c * (floor + rest * cond_c),
                (1.0 if "employee" in first else other) * seen_e * (floor + rest * cond_e),
                (1.0 if "administrator" in first else other) * seen_a * (floor + rest * cond_a),
                (1.0 if "politician" in first else other) * seen_p * (floor + rest * cond_p)]
        none = (1.0 - felt[0]) * (1.0 - felt[1]) * (1.0 - felt[2]) * (1.0 - felt[3])
        return 1.0 - none, KINDS[felt.index(max(felt))]

    def next_noticed(self, world, waiting, start, uses):
        """:meth:`Paradigm.next_noticed` with :meth:`notice`: compiled (:func:`govsim.kernels.compiled.arena_notice`)
        where the kernels are used, this machine's dot products add as theirs can and its logarithm is
        close to theirs: the same draws and numbers (where a logarithm's last bits could change who
        watches, the Python form takes over from that problem)."""
        if not self._stands_in(NPG):
            return super().next_noticed(world, waiting, start, uses)
        k = kernels.get()
        if k is None or start >= len(waiting):
            return super().next_noticed(world, waiting, start, uses)
        kept = self._notice_kept
        if kept is None or kept[0] is not waiting or kept[1] is not world or kept[2] != world.now:
            kept = self._notice_kept = (waiting, world, world.now, self._notice_args(world, waiting, k))
        args = kept[3]
        if args is None:
            return super().next_noticed(world, waiting, start, uses)
        head, tail, picked, a_hours, p_hours = args
        total, congestion, floor = world.admission()
        i, floor = k.arena_notice(start, *head, uses, floor, total, congestion, world.now, _ARRIVED,
                                  top_row(a_hours), top_row(p_hours), *tail)
        world.set_admission_floor(floor)
        if i == -3:  # watchers too close to call with the kernel's logarithm: the Python form goes on from there
            found = super().next_noticed(world, waiting, int(picked[0]), uses)
            if found is not None:
                return found
            i = -1
        if i < 0:  # none left to notice: the phase's arrays are let go
            self._scan_done()
            self._notice_kept = None
            return None
        return i, KINDS[int(picked[0])]

    _notice_kept: tuple | None = None  # (problems waiting, world, step, _notice_args): see next_noticed

    def _notice_args(self, world, waiting, k) -> tuple | None:
        """What :func:`govsim.kernels.compiled.arena_notice` takes that stays the same while one list of
        waiting problems is scanned (in two parts, before and after the few numbers that change, where
        it puts who noticed, and the administrators' and politicians' hours, whose top rows change);
        None where the Python form must run."""
        c, e, a, pol = world.citizens, world.employees, world.administrators, world.politicians
        if (not all(is_table_k(x.knowledge) for x in (c, e, a, pol)) or kernels.dot_order(k) < 0
                or not kernels.close_log(k)):
            return None
        scan = self._noticing_arrays(world, waiting, k)
        if scan is None:
            return None
        ids, needs, aff, aff_end, g_notice, g_cong, picked = scan
        p, config = self.params, world.config
        other = p.other_salience
        by_driver = {d: [1.0 if kind in first else other for kind in KINDS] for d, first in FIRST_FELT_BY.items()}
        salience = np.array([by_driver[q.driver] for q in waiting], dtype=float)
        order, bounds = world.staff_index()
        head = (ids, needs, salience, aff, aff_end, c.willingness, p.watchers, c.provider, order, bounds, e.n,
                c.knowledge, c.efficacy, e.knowledge, e.motivation, e.discretion, a.knowledge, a.hours_left,
                float(config.administrators.hours), pol.knowledge, pol.hours_left, float(config.politicians.hours),
                p.initiative_floor)
        tail = (g_notice, g_cong, *world.staff_scratch(), picked, kernels.dot_order(k) == 1, kernels.LOG_MARGIN)
        return head, tail, picked, a.hours_left, pol.hours_left

    # ------------------------------------------------------------------ forming the arena
    def _arena(self, world, problem) -> Arena:
        """Draw the arena's rung from the ladder mix, and whether it is run tokenistically (T7, T9)."""
        lad = world.config.ladder
        u, v = world.streams.get("ladder", problem.id).random(2).tolist()  # (the two numbers random() draws in turn)
        rung = 1 + bisect_right(_ladder_steps(lad.mix), u)
        return Arena.formed(min(rung, 6), v < lad.tokenism)

    def _recruit(self, world, problem, arena: Arena) -> Group:
        """Recruit the arena (T15 hard recruitment, T17 network design, T22, T26 bias, T28 firms)."""
        p, rung = self.params, RUNGS[arena.rung]
        seats = int(round(p.arena_citizens * rung.seats))
        arena.seats = seats
        admins = problem.group.administrators
        n_broad = int(round(seats * arena.broad))
        group = self._recruit_compiled(world, problem, arena, rung, seats, n_broad, admins)
        if group is None:
            group = self._recruit_group(world, problem, arena, rung, seats, n_broad, admins)
        if rung.public_members and world.firms.n:
            problem.group = group
            group = group.replace(firms=partners.join(world, problem, world.streams.get("firms", problem.id)))
        return group

    def _recruit_compiled(self, world, problem, arena: Arena, rung, seats: int, n_broad: int,
                          admins: np.ndarray) -> Group | None:
        """The staff, citizens and politicians :meth:`_recruit_group` recruits, in one compiled call
        (:func:`govsim.kernels.compiled.arena_recruit`: the same draws and rows); None where the Python
        form must run (no kernels, numpy's power not callable for the self-selection bias, see
        :func:`govsim.kernels.numpy_power_loop`)."""
        s = self._arena_kernels(world)
        if s is None or s["power"] is None:
            return None
        k = kernels.get()
        p, c, e, a, pol = self.params, s["c"], s["e"], s["a"], s["pol"]
        order, bounds = world.staff_index()
        g_rec, g_staff = s["recruit"]
        employees, citizens, join, ok = k.arena_recruit(
            g_rec, g_staff, problem.id, problem.affected, c.provider, order, bounds, e.n, p.arena_employees,
            *world.staff_scratch(), admins, e.knowledge, a.knowledge, rung.affected_only, c.n, p.broad_reach, seats,
            n_broad, c.willingness, c.resources, c.knowledge, s["power"], s["bias"], arena.outreach,
            arena.profile, p.arena_politicians if rung.public_members else -1, p.meeting_hours * rung.hours,
            pol.hours_left, pol.openness)
        if not ok:
            return None
        return Group(citizens=citizens, employees=employees, administrators=admins, politicians=join)

    def _recruit_group(self, world, problem, arena: Arena, rung, seats: int, n_broad: int,
                       admins: np.ndarray) -> Group:
        """The staff, citizens and politicians of :meth:`_recruit` (firms join after them)."""
        p, c = self.params, world.citizens
        streams = world.streams
        rng = streams.get("recruitment", problem.id)
        employees = world.pick_employees(problem, p.arena_employees, streams.get("staffing", problem.id, 0))
        bias, outreach, profile = world.config.citizens.participation_bias, arena.outreach, arena.profile
        knowledge, willingness, resources = c.knowledge, c.willingness, c.resources
        # Competence (what a candidate knows beyond the public members, the most any of them knows
        # on each dimension) weighs in only through competence profiles: without them
        # select_recruits ranks by the keys alone, and it is not worked out.
        if profile <= 0.0:
            public = None
        elif employees.size and admins.size:
            public = _best_of(world.employees.knowledge, employees, world.administrators.knowledge, admins)
        else:
            public = _max_reduce(world.knowledge_of(Group(employees=employees, administrators=admins)), 0)

        k = kernels.get()
        views = streams.views_of(rng) if k is not None else None
        if views is not None:  # the same draws and rows, compiled (govsim.kernels)
            if rung.affected_only:
                local = problem.affected
            else:
                m = p.broad_reach * (seats - n_broad)
                local = np.arange(c.n) if m >= c.n else k.choice_sorted(views, c.n, m)
            top = public if public is not None else _NO_PUBLIC
            citizens = k.select(views, local, willingness[local], _powered(resources[local], bias), outreach,
                                seats - n_broad, knowledge, top, profile, EMPTY)
            if n_broad > 0:
                pool = k.choice_sorted(views, c.n, min(c.n, p.broad_reach * n_broad))
                extra = k.select(views, pool, willingness[pool], _powered(resources[pool], bias), outreach, n_broad,
                                 knowledge, top, profile, citizens)
                citizens = _union(citizens, extra)
        else:
            citizens = self._recruit_citizens(world, problem, rung, rng, seats, n_broad, public, outreach, profile)
        if rung.public_members:
            # Politicians join if time allows (T22: total time must not rise, T24) and if open.
            join = world.pick_open_politicians(p.meeting_hours * rung.hours, p.arena_politicians, rng)
        else:
            join = EMPTY
        return Group(citizens=citizens, employees=employees, administrators=admins, politicians=join)

    def _recruit_citizens(self, world, problem, rung, rng, seats: int, n_broad: int, public, outreach: float,
                          profile: float) -> np.ndarray:
        """The citizens an arena recruits: the Python form of the compiled path in :meth:`_recruit`."""
        p, c = self.params, world.citizens
        bias = world.config.citizens.participation_bias
        knowledge, willingness, resources = c.knowledge, c.willingness, c.resources
        if rung.affected_only:
            local = problem.affected
        else:  # an open call (volunteers, crowdsourcing) reaches p.broad_reach citizens per seat, drawn at random
            m = p.broad_reach * (seats - n_broad)
            if m >= c.n:
                local = np.arange(c.n)
            else:
                local = rng.choice(c.n, size=m, replace=False)
                local.sort()
        competence = _competence(knowledge, local, public) if public is not None and local.size else None
        citizens = mech.select_recruits(local, willingness[local], resources[local], bias, outreach, seats - n_broad,
                                        rng, competence, profile)
        if n_broad > 0:  # broad advertisement with competence profiles (T22)
            # The advertisement reaches a random pool of p.broad_reach citizens per seat (one key each).
            m = min(c.n, p.broad_reach * n_broad)
            pool = rng.choice(c.n, size=m, replace=False)
            pool.sort()
            will = willingness[pool]
            if citizens.size:  # the seated do not apply twice
                will[_members_of(pool, citizens)] = 0.0
            competence = _competence(knowledge, pool, public) if public is not None else None
            extra = mech.select_recruits(pool, will, resources[pool], bias, outreach, n_broad, rng, competence, profile)
            citizens = _union(citizens, extra)
        return citizens

    def _meet(self, world, problem, group: Group, arena: Arena, setup: bool = False) -> None:
        """Book a meeting: every member's hours grow with the arena's size (coordination, T15, T24)."""
        rung, size = RUNGS[arena.rung], group.size()
        hours = self.params.meeting_hours * rung.hours * mech.coordination_factor(size, world.core.coordination)
        extra = arena.round_hours + arena.servicing * size + (arena.setup_hours if setup else 0.0)
        world.book_meeting(problem, group, hours, extra)

    def _trust(self, world, group: Group) -> float:
        firms = group.firms
        parts = [world.citizens.trust[group.citizens], world.politicians.openness[group.politicians],
                 world.employees.motivation[group.employees]]
        if firms.size:
            parts.append(world.firms.trust[firms])
        vals = np.concatenate(parts)
        return fmean(vals) if vals.size else 0.5

    def _trust_of(self, world, group: Group) -> float:
        """:meth:`_trust`, compiled where the kernels are used."""
        k = kernels.get()
        if k is None:
            return self._trust(world, group)
        f = world.firms
        return k.members_trust(world.citizens.trust, group.citizens, world.politicians.openness, group.politicians,
                               world.employees.motivation, group.employees, f.trust if f.n else _NO_VALUES,
                               group.firms if f.n else EMPTY)

    def _best_known(self, world, group: Group, arena: Arena) -> tuple[np.ndarray | None, np.ndarray | None]:
        """The largest value on each dimension of :meth:`_knowledge` (None without members), and that
        block itself where it was built (None where the compiled kernel found the values without it)."""
        k = kernels.get()
        c, f = world.citizens, world.firms
        tables = (c.knowledge, world.employees.knowledge, world.administrators.knowledge, world.politicians.knowledge)
        if k is not None and all(is_table_k(t) for t in tables) and (not f.n or is_table_k(f.knowledge)):
            adm = group.administrators if self.params.administrators_as_members else EMPTY
            firms = group.firms if f.n else EMPTY
            best, any_row = k.members_best(c.knowledge, group.citizens, c.willingness, self.params.passivity,
                                           1.0 - arena.activation, tables[1], group.employees, tables[2], adm,
                                           tables[3], group.politicians, f.knowledge if f.n else tables[0], firms,
                                           float(partners.sharing(world)) if firms.size else 1.0)
            return (best if any_row else None), None
        knowledge = self._knowledge(world, group, arena)
        return (_max_reduce(knowledge, 0) if knowledge.shape[0] else None), knowledge

    def _knowledge(self, world, group: Group, arena: Arena) -> np.ndarray:
        """Members' knowledge as brought to the table: passive citizens hold some back unless activated."""
        # Rows in the order of World.knowledge_of: citizens, employees, administrators, politicians, firms.
        parts = []
        rows = group.citizens
        if rows.size:
            c = world.citizens
            # engaged = 1 - passivity (1 - willingness) (1 - activation): ((1 - w) passivity) (1 - activation)
            # taken from 1, member by member, on Python floats (the same operations as on the array)
            passivity, held = self.params.passivity, 1.0 - arena.activation
            engaged = np.array([1.0 - ((1.0 - w) * passivity) * held for w in c.willingness[rows].tolist()])
            k = c.knowledge.take(rows, axis=0)
            k *= engaged[:, None]
            parts.append(k)
        rows = group.employees
        if rows.size:
            parts.append(world.employees.knowledge.take(rows, axis=0))
        rows = group.administrators
        if rows.size and self.params.administrators_as_members:
            parts.append(world.administrators.knowledge.take(rows, axis=0))
        rows = group.politicians
        if rows.size:
            parts.append(world.politicians.knowledge.take(rows, axis=0))
        rows = group.firms
        if rows.size:
            k = world.firms.knowledge.take(rows, axis=0)
            k *= partners.sharing(world)
            parts.append(k)
        if len(parts) == 1:
            return parts[0]
        return np.concatenate(parts) if parts else np.zeros((0, mech.K))

    _arena_kept: tuple | None = None  # (world, step, what the arena kernels take, params): see _arena_kernels

    def _arena_kernels(self, world) -> dict | None:
        """What the compiled recruitment, definition, deliberation and design of arenas take that stays the
        same within a step (the state views of the ``definition``, ``novelty``, ``standard``,
        ``recruitment``, ``staffing``, ``conflict`` and ``congestion`` streams, how numpy adds dot products, numpy's logarithm,
        exponential and power loops, the populations' tables and values, the parameters), worked out once
        a step; None where the Python forms must run (no kernels, a table
        not of the plain kind)."""
        k = kernels.get()
        if k is None or not k.EXPONENTIALS:  # (the readings draw numpy's exponentials)
            return None
        kept = self._arena_kept
        streams = world.streams
        if kept is not None and kept[0] is world and kept[1] == world.now and kept[3] is self.params:
            # (in a copy of the model the views kept are copies, not its generators' state: the same
            # draws all the same, since each use sets the key's block first and Philox's numbers
            # follow from its key and counter alone)
            return kept[2]
        found = None
        views = [streams.views_of(streams.get(name, 0))
                 for name in ("definition", "novelty", "standard", "recruitment", "staffing", "conflict", "congestion")]
        order, loops = kernels.dot_order(k), kernels.numpy_loops(k)
        c, e, a, pol, f = world.citizens, world.employees, world.administrators, world.politicians, world.firms
        if (order >= 0 and None not in views
                and is_table_k(c.knowledge) and is_table_k(e.knowledge) and is_table_k(a.knowledge)
                and is_table_k(pol.knowledge) and (not f.n or is_table_k(f.knowledge))):
            p, core = self.params, world.core
            bias = world.config.citizens.participation_bias
            spread = core.novelty_spread
            low = 1.0 - spread
            firms = f.n > 0
            found = {
                "views": views, "fused": order == 1, "loops": loops, "low": low,
                "width": (1.0 + spread) - low, "noise": float(core.definition_noise),
                "dialogue": float(p.dialogue_noise), "passivity": float(p.passivity),
                "members_adm": p.administrators_as_members, "firms": firms,
                "firm_table": f.knowledge if firms else c.knowledge, "firm_share": float(partners.sharing(world)),
                "firm_trust": f.trust if firms else _NO_VALUES, "completeness": world.config.ladder.completeness,
                "coordination": core.coordination, "standardisation": float(p.standardisation),
                "codified": self._codified_array(world), "learning_rate": world.config.citizens.learning_rate,
                "c": c, "e": e, "a": a, "pol": pol, "recruit": views[3:5],
                "power": kernels.numpy_power_loop(k, bias), "bias": np.array([float(bias)]),
            }
        self._arena_kept = (world, world.now, found, self.params)
        return found

    def _define_compiled(self, world, problem, group: Group, arena: Arena) -> np.ndarray | None:
        """The defined need as :meth:`define` reads it from the members (best knowledge, trust, the
        ``definition`` stream), in one compiled call (:func:`govsim.kernels.compiled.arena_definition`);
        None where the Python form must run."""
        s = self._arena_kernels(world)
        if s is None or not plain_k(problem.need):
            return None
        c, e, a, pol = s["c"], s["e"], s["a"], s["pol"]
        firms = group.firms if s["firms"] else EMPTY
        return kernels.get().arena_definition(
            s["views"][0], problem.id, problem.need, float(problem.wickedness), s["noise"], s["dialogue"], s["fused"],
            c.knowledge, group.citizens, c.willingness, s["passivity"], 1.0 - arena.activation, e.knowledge,
            group.employees, a.knowledge, group.administrators if s["members_adm"] else EMPTY, pol.knowledge,
            group.politicians, s["firm_table"], firms, s["firm_share"] if firms.size else 1.0, c.trust, pol.openness,
            e.motivation, s["firm_trust"])

    def define(self, world, problem):
        p = self.params
        arena = self._arena(world, problem)
        problem.arena = arena
        problem.group = Group(administrators=world.pick_administrators(1))  # the facilitator
        world.meta.apply(world, problem, arena)
        group = self._recruit(world, problem, arena)
        problem.group = group
        defined = self._define_compiled(world, problem, group, arena)
        if defined is None:
            best, _ = self._best_known(world, group, arena)
            cov = best if best is not None else np.zeros(mech.K)  # _pool of the members' knowledge
            noise = world.core.definition_noise + p.dialogue_noise * (1.0 - self._trust_of(world, group))
            rng = world.streams.get("definition", problem.id, 0)
            defined = _perceived(world, problem, cov, self.visibility(world), noise, rng)
        problem.defined = defined
        self._meet(world, problem, group, arena, setup=True)
        filled = group.politicians.size / p.arena_politicians if p.arena_politicians else 0.0
        problem.political_ownership = min(1.0, filled)
        problem.ready_at = world.now + p.meeting_interval

    # ------------------------------------------------------------------ deliberation
    def _adopt(self, world, problem) -> Arena:
        """A problem defined under another rule set (before a reform) gets a governance network as it is."""
        if problem.arena is None:
            problem.arena = Arena.formed(6)
            world.meta.apply(world, problem, problem.arena)
        return problem.arena

    def _positions(self, world, group: Group) -> tuple[np.ndarray, int]:
        """Members' positions, in the order of ``World.positions_of``, and how many members there are."""
        positions = world.positions_of(group, self.params.administrators_as_members)
        return positions, positions.size

    def design(self, world, problem):
        p, arena, group = self.params, self._adopt(world, problem), problem.group
        rung = RUNGS[arena.rung]
        goal = world.political_goal()
        found = self._deliberation_compiled(world, group, arena, rung, goal)
        problem.alignment, n_members, conflict = found if found is not None else self._deliberation(
            world, group, arena, rung, goal)
        problem.conflict = conflict
        problem.rounds += 1
        self._meet(world, problem, group, arena)
        streams = world.streams
        rng = streams.get("conflict", problem.id, problem.rounds)
        u = rng.random()
        threshold = p.deadlock_threshold + arena.breakthrough * (1.0 - p.deadlock_threshold)
        if conflict > threshold:  # paralysing conflict (T15)
            if problem.rounds < p.max_rounds:
                problem.ready_at = world.now + p.meeting_interval
                return False
            if u >= arena.deadline:
                world.close(problem, "deadlock")
                return False
            arena.imposed = True  # the mandate's deadline: the metagovernor decides (hierarchy creeps back)
        problem.muddy = conflict > p.muddy_threshold
        if self._design_compiled_arena(world, problem, group, arena, rung, conflict, n_members):
            problem.ready_at = world.now + p.meeting_interval
            return True
        # Power sharing: politicians' openness (or the administration's restraint) gives the arena
        # its influence, within the rung's depth, the members' autonomy (T16) and tokenism (T7).
        a = world.administrators
        adm, pols = group.administrators, group.politicians
        n = adm.size
        control = (float(a.control[adm[0]]) if n == 1 else fmean(a.control[adm])) if n else 0.5
        share = fmean(world.politicians.openness[pols]) if pols.size else 1.0 - control
        cap = 1.0 - world.config.ladder.completeness if arena.tokenistic else 1.0
        if group.citizens.size and not arena.imposed:
            influence = share * arena.autonomy * rung.depth * cap
        else:
            influence = 0.0
        # What the administration sees: the best any administrator of the arena knows (one row: that row).
        admin_cov = a.knowledge[adm[0]].copy() if n == 1 else _pool(a.knowledge.take(adm, axis=0))
        rng_view = streams.get("definition", problem.id, problem.rounds)
        admin_view = _perceived(world, problem, admin_cov, self.visibility(world), world.core.definition_noise,
                                rng_view)
        direction = _direction(problem.defined, conflict, admin_view, influence)
        problem.influence = influence
        e = world.employees
        emp = group.employees
        eff = world.citizens.efficacy[group.citizens]
        lifted = 1.0 - eff  # eff + activation (1 - eff), element by element
        lifted *= arena.activation
        lifted += eff
        slack_parts = np.concatenate([e.discretion[emp] * e.motivation[emp], lifted, a.facilitation[adm]])
        slack = fmean(slack_parts) if slack_parts.size else 0.0
        constraint = 1.0 - (1.0 - arena.premises) * (1.0 - arena.inside)  # steering narrows ideas (T16)
        # Members share what they know as far as conflict and the arena's size let them (T15).
        sharing = (1.0 - conflict) / mech.coordination_factor(n_members, world.core.coordination)
        # design_with on the members' knowledge (a float64 block of K columns), its largest value
        # per dimension found here
        best, knowledge = self._best_known(world, group, arena)
        if knowledge is None or (knowledge.dtype is _F64 and knowledge.shape[1] == mech.K):
            self._design_from_best(world, problem, group, direction, slack, constraint, sharing, best, rung.learning)
        else:
            self.design_with(world, problem, group, direction, slack, constraint, sharing=sharing,
                             knowledge=knowledge, learning=rung.learning)
        problem.ready_at = world.now + p.meeting_interval
        return True

    def design_all(self, world, ready: list, uses: bool) -> bool:
        """:meth:`design` for every arena of ``ready`` in turn, each after its admission, in one compiled call
        (:func:`govsim.kernels.compiled.arena_rounds`: the same draws and numbers), then what each round
        left, problem by problem in the same order (the problem's fields, the design recorded or the
        arena closed in deadlock, the stage). False, with nothing done, where the phase must take the
        problems one by one: no kernels, a table or vector not of the plain kind, an arena not yet formed
        (a problem defined before a reform), hours that are not plain floats, rows the kernel does not book."""
        if not self._stands_in(NPG):
            return False
        s = self._arena_kernels(world)
        if s is None or s["loops"] is None or not 0.0 < s["width"] < _INF:
            return False
        p, core = self.params, world.core
        coordination, completeness, rate = core.coordination, s["completeness"], s["learning_rate"]
        threshold, span = p.deadlock_threshold, 1.0 - p.deadlock_threshold
        cols, groups, learnings, hours, deliberates, imposed_before = [], [], [], [], [], []
        for q in ready:
            arena, group = q.arena, q.group
            if arena is None or not plain_k(q.need) or not plain_k(q.defined):
                return False
            rung = RUNGS[arena.rung]
            size = group.size()
            h = p.meeting_hours * rung.hours * mech.coordination_factor(size, coordination)  # as _meet books them
            extra = arena.round_hours + arena.servicing * size + 0.0
            if type(h) is not float or type(extra) is not float:
                return False
            learning = rung.learning
            cols.append((float(q.wickedness), float(arena.pull), float(arena.management),
                         threshold + arena.breakthrough * span, float(arena.deadline), float(arena.autonomy),
                         float(rung.depth), float(1.0 - completeness if arena.tokenistic else 1.0),
                         float(arena.activation), 1.0 - (1.0 - arena.premises) * (1.0 - arena.inside), h, extra,
                         float(learning), float(rate * learning if learning > 0 else 0.0), float(q.public_hours)))
            groups.append(group)
            learnings.append(learning)
            hours.append(h)
            deliberates.append(rung.deliberates)
            imposed_before.append(arena.imposed)
        (wickedness, pulls, managements, thresholds, deadlines, autonomies, depths, caps, activations, constraints,
         meeting, extras, learning_at, lrs, p_public) = np.array(cols, dtype=float).T.copy()  # (rows C-ordered)
        c, e, a, pol, f = s["c"], s["e"], s["a"], s["pol"], world.firms
        firms, views, loops = s["firms"], s["views"], s["loops"]
        adm_left, pol_left, pol_policy, public, floor, budget, actor = world.meeting_state()
        total, congestion, _ = world.admission()
        (ok, status, alignment, members, conflict, imposed, p_pub, influence, fit, diversity, novelty, standard,
         learned, directions, coverages, public, floor) = kernels.get().arena_rounds(
            np.array([q.id for q in ready], dtype=np.int64), np.array([q.rounds for q in ready], dtype=np.int64),
            np.array([q.need for q in ready]), np.array([q.defined for q in ready]), wickedness, pulls, managements,
            np.array(deliberates, dtype=bool), thresholds, deadlines, np.array(imposed_before, dtype=bool),
            autonomies, depths, caps, activations, constraints, meeting, extras, learning_at, lrs, p_public,
            *rows_joined([g.citizens for g in groups]), *rows_joined([g.employees for g in groups]),
            *rows_joined([g.administrators for g in groups]),
            *rows_joined([g.politicians for g in groups]), *rows_joined([g.firms for g in groups]), views[6],
            views[5], views[0], views[1], views[2], uses, total, congestion, world.now, int(Stage.DEFINED), floor,
            adm_left, pol_left, pol_policy, public, budget, actor, p.max_rounds, float(coordination),
            float(world.political_goal()), float(core.trust_softening), s["noise"], s["fused"], c.position,
            e.position, a.position, pol.position, f.position if firms else _NO_VALUES, c.trust, s["firm_trust"],
            a.control, pol.openness, c.knowledge, c.willingness, c.efficacy, s["passivity"], e.knowledge,
            e.discretion, e.motivation, a.knowledge, a.facilitation, pol.knowledge, s["firm_table"],
            s["firm_share"], s["members_adm"], loops[0], loops[1], s["low"], s["width"], s["standardisation"],
            s["codified"])
        if not ok:
            return False
        world.hours_booked(public, floor)
        now, interval, muddy = world.now, p.meeting_interval, p.muddy_threshold
        status, conflict, imposed = status.tolist(), conflict.tolist(), imposed.tolist()
        alignment, p_pub, influence = alignment.tolist(), p_pub.tolist(), influence.tolist()
        fit, diversity, novelty = fit.tolist(), diversity.tolist(), novelty.tolist()
        standard, learned = standard.tolist(), learned.tolist()
        for i, q in enumerate(ready):
            done = status[i]
            if done < 0:  # not admitted: waits for administrators' time
                continue
            q.alignment, q.conflict = alignment[i], conflict[i]
            q.rounds += 1
            q.public_hours = p_pub[i]
            q.citizen_hours += hours[i] * groups[i].citizens.size
            if done == 0:  # paralysing conflict (T15): another round
                q.ready_at = now + interval
                continue
            if done == 1:
                world.close(q, "deadlock")
                continue
            if imposed[i]:
                q.arena.imposed = True  # the mandate's deadline: the metagovernor decides (hierarchy creeps back)
            q.muddy = conflict[i] > muddy
            q.influence = influence[i]
            record_design(world, q, directions[i].copy(), coverages[i].copy(), fit[i], diversity[i], novelty[i],
                          standard[i], learned[i] if learnings[i] > 0 else 0.0)
            q.ready_at = now + interval
            q.stage = Stage.DESIGNED
        return True

    def _deliberation(self, world, group: Group, arena: Arena, rung, goal: float) -> tuple:
        """Where :meth:`design` starts: the members' positions pulled towards the political ``goal`` (framing,
        T16), how well they align with it, and the conflict among them where the rung deliberates (T15):
        ``(alignment, members' positions, conflict)``."""
        positions, n_members = self._positions(world, group)
        if positions.size:
            # positions + pull (goal - positions), on the gathered copy: (goal - x) pull + x, element by element
            pulled = goal - positions
            pulled *= arena.pull
            pulled += positions
            positions = pulled
            alignment = 1.0 - abs(fmean(positions) - goal)
        else:
            alignment = 0.0
        trust = self._trust_of(world, group)
        conflict = (mech.conflict_level(positions, trust, arena.management, world.core.trust_softening)
                    if rung.deliberates else 0.0)
        return alignment, n_members, conflict

    def _deliberation_compiled(self, world, group: Group, arena: Arena, rung, goal: float) -> tuple | None:
        """The members' positions pulled towards the political goal, the alignment, and the conflict
        :meth:`design` starts from (:meth:`_deliberation`), in one compiled call
        (:func:`govsim.kernels.compiled.arena_deliberation`: the same numbers); None where the Python form
        must run."""
        s = self._arena_kernels(world)
        if s is None:
            return None
        c, e, a, pol, f = s["c"], s["e"], s["a"], s["pol"], world.firms
        firms = s["firms"]
        return kernels.get().arena_deliberation(
            float(goal), float(arena.pull), rung.deliberates, float(world.core.trust_softening),
            float(arena.management), c.position, group.citizens, e.position, group.employees, a.position,
            group.administrators if s["members_adm"] else EMPTY, pol.position, group.politicians,
            f.position if firms else _NO_VALUES, group.firms if firms else EMPTY, c.trust, pol.openness, e.motivation,
            s["firm_trust"])

    def _design_compiled_arena(self, world, problem, group: Group, arena: Arena, rung, conflict: float,
                               n_members: int) -> bool:
        """The rest of :meth:`design` from power sharing on, in one compiled call
        (:func:`govsim.kernels.compiled.arena_design`: the same draws and numbers); False where the Python
        form must run (no kernels, a table or vector not of the plain kind, no room for the novelty draw)."""
        s = self._arena_kernels(world)
        need, defined = problem.need, problem.defined
        if (s is None or s["loops"] is None or not plain_k(need) or not plain_k(defined)
                or not 0.0 < s["width"] < _INF):
            return False
        learning = rung.learning
        # (every kind's knowledge table was checked for this step's arena kernels)
        pairs = world.learning_pairs(group, checked=True) if learning > 0 else NO_LEARNING
        if pairs is None:
            return False
        c, e, a, pol = s["c"], s["e"], s["a"], s["pol"]
        adm, views, loops = group.administrators, s["views"], s["loops"]
        firms = group.firms if s["firms"] else EMPTY
        cap = 1.0 - s["completeness"] if arena.tokenistic else 1.0
        sharing = (1.0 - conflict) / mech.coordination_factor(n_members, s["coordination"])
        direction, influence, coverage, fit, diversity, novelty, standard, learned = kernels.get().arena_design(
            views[0], views[1], views[2], problem.id, problem.rounds, need, defined, float(conflict), s["noise"],
            float(problem.wickedness), s["fused"], adm, group.politicians, a.control, pol.openness,
            float(arena.autonomy), float(rung.depth), float(cap), bool(group.citizens.size and not arena.imposed),
            c.knowledge, group.citizens, c.willingness, c.efficacy, s["passivity"], 1.0 - arena.activation,
            float(arena.activation), e.knowledge, group.employees, e.discretion, e.motivation, a.knowledge,
            adm if s["members_adm"] else EMPTY, a.facilitation, pol.knowledge, s["firm_table"], firms,
            s["firm_share"] if firms.size else 1.0, 1.0 - (1.0 - arena.premises) * (1.0 - arena.inside),
            float(sharing), not (type(sharing) is float and sharing == 1.0), loops[0], loops[1], s["low"],
            s["width"], s["standardisation"], s["codified"], *pairs,
            float(s["learning_rate"] * learning if learning > 0 else 0.0), float(learning))
        problem.influence = influence
        record_design(world, problem, direction, coverage, fit, diversity, novelty, standard,
                      learned if learning > 0 else 0.0)
        return True

    def decide(self, world, problem):
        p, group, arena = self.params, problem.group, self._adopt(world, problem)
        u_case, u_veto = world.streams.get("decision", problem.id, problem.rounds).random(2)
        if group.politicians.size == 0:
            # No politician took part: the council handles it as a case, and may send back a
            # proposal that drifted from political goals (T20, T21).
            pol = world.pick_politicians(1)
            world.spend_politicians(pol, p.meeting_hours, problem, policy=False)
            world.handle_case(problem, u_case)
            if u_veto < p.council_veto * (1.0 - problem.alignment):
                problem.ready_at = world.now + 1
                return False
        else:
            problem.political_case = True
            problem.discussed = True  # politicians shaped it in the arena
        world.record_participation(problem, group.citizens, arena.rung, problem.influence)
        problem.ready_at = world.now + 1
        return True

    def clarity(self, world, problem):
        # A mandate, active process management or a contract fixes responsibilities (T15, T17, T28).
        base = self.params.responsibility_clarity
        push = max(problem.arena.clarity if problem.arena is not None else 0.0, partners.clarity(world, problem))
        return base + (1.0 - base) * push

    def steer(self, world):
        p = self.params
        return Steering(pressure=np.full(world.employees.n, p.support_pressure), discretion=p.discretion,
                        focus=np.ones(mech.K), overhead=0.0)
