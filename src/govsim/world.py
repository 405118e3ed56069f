"""The world: the narrow interface rule sets and metagovernance tools act against.

Rule sets (:mod:`govsim.paradigms`) and tools (:mod:`govsim.metagovernance`) never
see the :class:`govsim.model.GovModel`. They get a :class:`World`, which offers:

- **time**: ``now`` (the current step, counted from 1);
- **population columns**: ``citizens``, ``employees``, ``administrators``,
  ``politicians``, ``firms`` (:mod:`govsim.state`), ``providers`` (quality, loss),
  the citizens' ``network`` and its row-normalised ``weights``;
- **the problem ledger**: ``open``, ``closed``, ``designs``, ``decisions`` (each an
  :class:`EventLog`: ``append``, the events of the metrics window, and the whole history
  if the model keeps it; its ``columns`` keep each event's numbers as they were when it
  happened, for the indicators), ``records`` (every closed problem as a compact row,
  :class:`govsim.problems.ProblemRecords`), ``ready``, ``close``;
- **the time and money ledgers**: ``spend``, ``spend_politicians``, ``handle_case``,
  ``citizen_hours``; the participation ledger: ``record_participation``;
- **random streams**: ``streams.get(mechanism, *key)`` (:mod:`govsim.streams`);
- **selection and knowledge helpers**: ``pick_*``, ``knowledge_of``, ``positions_of``,
  ``political_goal``, ``learn``, ``routine_need``, ``codified``;
- **metagovernance**: ``meta`` (the tools in force), ``metagovernor_control``,
  ``facilitation``, ``pay_metagovernor`` (the NATO resources are computed by
  :mod:`govsim.metagovernance.nato` from ``config.metagovernor`` and politicians' legitimacy);
- **scenario sections** the core owns: ``core``, ``config``.

Constants of the core are declared in :class:`CoreParams` (``[core]``) and
:class:`PoliticsParams` (``[politics]``) with range, meaning and THEORY ID.
"""

from __future__ import annotations

from bisect import bisect_right

import numpy as np
from pydantic import BaseModel, ConfigDict

from govsim import kernels
from govsim import mechanisms as mech
from govsim.fields import param
from govsim.problems import Group, Problem, ProblemRecords, Stage
from govsim.state import Providers
from govsim.streams import Streams

_MEMBER_KINDS = ("citizens", "employees", "administrators", "politicians", "firms")
"""The kinds of member a :class:`Group` holds, each the name of the world's population of that kind."""
_NON_ADMINISTRATORS = tuple(k for k in _MEMBER_KINDS if k != "administrators")

_maximum = np.maximum
_add_reduce = np.add.reduce  # ndarray.sum() ends in _add_reduce(x, None); called directly, without its wrapper


_NO_ROWS = np.zeros(0, dtype=np.int64)
_WORD32 = 1 << 32  # the compiled integer draws cover ranges up to 2**32
_INTP_IS_INT64 = np.dtype(np.intp) == np.dtype(np.int64)  # argmax's index type is the rows' type (64-bit platforms)


def _is_row_k(x) -> bool:
    """A float64 vector of K numbers (what the compiled learning takes as the pool)."""
    return type(x) is np.ndarray and x.dtype == np.float64 and x.shape == (mech.K,)


def is_table_k(x) -> bool:
    """A C-ordered float64 table of K columns (a population's knowledge, as the compiled learning reads it)."""
    return type(x) is np.ndarray and x.dtype == np.float64 and x.ndim == 2 and x.shape[1] == mech.K and x.flags.c_contiguous


def fmean(x: np.ndarray) -> float:
    """``float(x.mean())`` of a non-empty array, without ``ndarray.mean``'s overhead on a few elements
    (the same sum divided by the same count, so the same number; NaN if empty, as ``mean``)."""
    return float(_add_reduce(x, None)) / x.size if x.size else float("nan")


def rows_joined(parts: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Row arrays one after the other (int64), and where each ends (as the batched kernels take them)."""
    ends = np.array([a.size for a in parts], dtype=np.int64).cumsum()
    joined = np.concatenate(parts) if len(parts) > 1 else parts[0]
    return joined.astype(np.int64, copy=False), ends


def top_rows(values: np.ndarray, n: int) -> np.ndarray:
    """Rows of the ``n`` largest ``values`` (the lowest rows first among equals), in increasing order.

    The same rows as ``np.sort(np.argsort(-values, kind="stable")[:n])``, found in time
    linear in ``values.size`` (one ``argmax`` for ``n = 1``, a partition for larger
    ``n``) instead of a full sort.
    """
    m = values.size
    if n <= 0 or m == 0:
        return np.zeros(0, dtype=np.int64)
    if n == 1:  # the first row of the largest value (argmax's tie rule), as a one-element int64 array
        return values.argmax(keepdims=True) if _INTP_IS_INT64 else np.array([int(values.argmax())], dtype=np.int64)
    if n >= m:
        return np.arange(m, dtype=np.int64)
    if m <= 32:
        rows = (-values).argsort(kind="stable")[:n]
        rows.sort()
        return rows
    part = values.copy()  # np.partition, without its wrapper
    part.partition(m - n)
    t = part[m - n]  # the n-th largest value
    rows = (values >= t).nonzero()[0]
    if rows.size > n:  # ties at t: the lowest rows among them fill the places left
        v = values[rows]
        above = v > t
        rows = rows[above | (np.cumsum(v == t) <= n - np.count_nonzero(above))]
    return rows


def top_row(values: np.ndarray) -> int:
    """The row :func:`top_rows` gives for ``n = 1`` (numpy's argmax: the first largest value, the first NaN),
    as an int; -1 for no rows."""
    return int(values.argmax()) if values.size else -1


class CoreParams(BaseModel):
    """Constants of the model core (T3, T6, T8, T11, T15, T21, T26)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    definition_noise: float = param(0.1, 0, 1, "Base uncertainty of any group's reading of a need.", "T6")
    novelty_spread: float = param(0.5, 0, 1, "Half-width of the random factor on novelty, U(1 - x, 1 + x).", "T8")
    trust_softening: float = param(0.5, 0, 1, "Share of conflict that full trust between members removes.", "T11, T15")
    willingness_base: float = param(0.4, 0, 1, "Willingness target = efficacy x (base + (1 - base) x resources).", "T11, T26")
    expectation_share: float = param(0.25, 0, 1, "Expectations follow experience at this share of the adaptation rate.", "T3")
    ownership_weight: float = param(0.5, 0, 1, "Weight of political ownership (vs citizens' voice) in a decision's legitimacy.", "T8, T21")
    implementation_attempts: int = param(2, 1, 20, "Attempts at implementing a solution before it counts as failed.", "T15")
    mobilisation: float = param(0.5, 0, 1, "How far politicians' mobilised support (ownership x legitimacy) lowers resistance.", "T21")
    leadership_rate: float = param(0.2, 0, 1, "Rate at which politicians' leadership follows the leadership they show.", "T21")
    leadership_weight: float = param(0.5, 0, 1, "Weight of leadership shown (vs citizens' trust) in politicians' legitimacy at elections.", "T21")
    polarisation: float = param(0.0, 0, 1, "How far citizens' preference positions are pushed towards the poles (x (1 + 2 p) around 1/2).", "T15")
    inclusion_breadth: float = param(0.05, 0.001, 1, "Deliberative participation rate at which inclusion's breadth factor is 1/2.", "T26")
    contestation: float = param(0.8, 0, 1, "How far resistance to implementation depends on wickedness: resistance x (1 - x (1 - wickedness)); tame problems are not contested (0: every problem alike).", "T6, T8")
    congestion: float = param(0.3, 0, 1, "Share of administrators' hours left below which work slows: a stage that uses administrators goes ahead with probability min(1, share left / this) (0: work goes on until the hours are gone).", "T24")
    coordination: float = param(0.02, 0, 1, "Coordination cost per extra arena member: meeting hours x (1 + x (n - 1)), shared knowledge / (1 + x (n - 1)) (0: size is free).", "T15, T24")


class PoliticsParams(BaseModel):
    """Politicians' time: standing committees, case handling and policy development (T20–T22)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    committee_meetings: int = param(11, 0, 100, "Standing committee meetings per year (Gentofte: 4).", "T20, T22")
    committee_meeting_hours: float = param(3.0, 0, 24, "Hours per standing committee meeting (Gentofte: 2).", "T20, T22")
    discussion_hours: float = param(6.0, 0.1, 100, "Committee hours a case needs to be discussed rather than nodded through.", "T20")


INITIATORS = ("citizen", "employee", "administrator", "politician")
"""The kinds of agent that can initiate a problem (``Problem.initiator``), in the order of their codes."""
_INITIATOR_CODE = {k: i for i, k in enumerate(INITIATORS)}


class EventColumns:
    """A few numbers per event, taken when the event happens, as numpy columns (T19).

    The windowed indicators (:mod:`govsim.metrics`) read these snapshots rather than
    the problem objects: an event counts with the values it had when it happened (a
    problem designed twice in the window counts twice, each time as it was), and
    an indicator is a handful of array reductions over the window instead of a
    Python loop over its events. ``fields`` maps each column's name to its dtype;
    ``row`` takes a problem and returns its values in that order. :meth:`window`
    returns views of the rows whose time stamp is later than ``since``; rows before
    it are dropped (``since`` only increases, as the model's steps), so memory is
    bounded by the events of one window, however long the run.
    """

    __slots__ = ("fields", "row", "cols", "stamps", "start", "n", "_since", "_pending", "_view")

    def __init__(self, fields: dict[str, type], row, capacity: int = 64) -> None:
        self.fields = dict(fields)
        self.row = row
        self.cols = [np.zeros(capacity, dtype=dt) for dt in self.fields.values()]
        self.stamps = np.zeros(capacity, dtype=np.int64)
        self.start = 0
        self.n = 0
        self._since = -(1 << 62)
        self._pending: list[tuple] = []  # rows taken since the last read, written to the columns in one go
        self._view: tuple | None = None  # the last window read, (since, start, n, columns), while nothing changed

    def add(self, stamp: int, p: Problem) -> None:
        """Take the event's row now (its numbers as they are at the event)."""
        self._pending.append((stamp, *self.row(p)))

    def _flush(self) -> None:
        rows = self._pending
        if not rows:
            return
        k = len(rows)
        if self.n + k > self.stamps.size:
            self._grow(k)
        a, b = self.n, self.n + k
        values = list(zip(*rows))
        self.stamps[a:b] = values[0]
        for col, v in zip(self.cols, values[1:]):
            col[a:b] = v
        self.n = b
        self._pending = []

    def _grow(self, extra: int) -> None:
        """Drop the rows out of the window; double the capacity until ``extra`` more rows fit
        with at most half of it in use before they are added."""
        a, b = self.start, self.n
        keep = b - a
        cap = self.stamps.size
        while keep + extra > cap or 2 * keep > cap:
            cap *= 2
        for j, col in enumerate(self.cols):
            new = np.zeros(cap, dtype=col.dtype)
            new[:keep] = col[a:b]
            self.cols[j] = new
        new = np.zeros(cap, dtype=np.int64)
        new[:keep] = self.stamps[a:b]
        self.stamps = new
        self.start, self.n = 0, keep

    def window(self, since: int) -> dict[str, np.ndarray]:
        """Each column's values for the events later than ``since``, in the order they happened.

        The indicators read the same window many times a step: while no event was added and
        ``since`` is the same, the same views are returned again (read them, do not change them).
        """
        view = self._view
        if view is not None and not self._pending and view[0] == since and view[2] == self.n:
            return view[3]
        all_cols, a, b = self.span(since)
        cols = {name: col[a:b] for name, col in zip(self.fields, all_cols)}
        self._view = (since, a, b, cols)
        return cols

    def span(self, since: int) -> tuple[list[np.ndarray], int, int]:
        """The whole columns, in the order of ``fields``, and the rows ``a:b`` of theirs that :meth:`window`
        returns (read them, do not change them)."""
        self._flush()
        if since > self._since:
            a = self.start
            self.start = a + int(np.searchsorted(self.stamps[a:self.n], since, side="right"))
            self._since = since
        return self.cols, self.start, self.n

    def __len__(self) -> int:
        self._flush()
        return self.n - self.start


CLOSED_FIELDS = {"public_hours": np.float64, "citizen_hours": np.float64, "value": np.float64,
                 "solved": bool, "implemented": bool, "failed": bool, "age": np.int64,
                 "novelty": np.float64, "fit": np.float64}
"""What the closed-problem log keeps of each closure (``failed``: closed as failed in implementation)."""


def _closed_row(p: Problem) -> tuple:
    return (p.public_hours, p.citizen_hours, p.value, p.solved, p.implemented, p.outcome == "failed",
            p.closed_at - p.arrived, p.novelty, p.fit)


DESIGN_FIELDS = {"first": bool, "initiator": np.int8, "arena": bool, "alignment": np.float64,
                 "seats": np.int64, "seated": np.int64, "diversity": np.float64, "learning": np.float64}
"""What the design log keeps of each design: taken up in this design (first round), who initiated
(code into :data:`INITIATORS`, -1 for none), whether an arena designed it, its alignment with the
political goal, the arena's citizen seats and the citizens seated, diversity and mutual learning."""


def _design_row(p: Problem) -> tuple:
    arena = p.arena
    return (p.rounds <= 1, _INITIATOR_CODE.get(p.initiator, -1), arena is not None, p.alignment,
            arena.seats if arena is not None else 0, p.group.citizens.size, p.diversity, p.learning)


DECISION_FIELDS = {"political_case": bool, "discussed": bool, "legitimacy": np.float64, "influence": np.float64}
"""What the decision log keeps of each decision."""


def _decision_row(p: Problem) -> tuple:
    return (p.political_case, p.discussed, p.legitimacy, p.influence)


class EventLog:
    """Problems as they reach one event (closed, designed, decided), in order.

    The windowed indicators (:mod:`govsim.metrics`) read :meth:`window`: only the
    events whose time stamp (``attr`` of the problem: ``closed_at``, ``designed_at``,
    ``decided_at``) is later than ``since``. Older entries are dropped from that list
    as soon as they fall out of the window, so the work per step does not grow with
    the length of the run. A time stamp only ever increases (a problem designed again
    is appended again with its new time), so an entry once out of the window stays out.
    ``history`` holds every event when the model keeps it (the default), else ``None``;
    ``total`` counts every event either way. ``columns`` (an :class:`EventColumns`, if
    given) takes a snapshot of each event's numbers as it is appended.
    """

    __slots__ = ("attr", "recent", "history", "total", "columns", "_since", "_stamps", "_ordered", "_stamped")

    def __init__(self, attr: str, keep_history: bool = True, columns: EventColumns | None = None) -> None:
        self.columns = columns
        self.attr = attr
        self.recent: list[Problem] = []
        self.history: list[Problem] | None = [] if keep_history else None
        self.total = 0
        self._since = -(1 << 62)
        self._stamps: list = []  # each entry of ``recent``'s time stamp when it was appended
        self._ordered = True  # whether those stamps are in order (events are appended as they happen)
        self._stamped = self.recent  # the list the stamps belong to (``recent`` may be replaced from outside)

    def append(self, p: Problem) -> None:
        stamp = getattr(p, self.attr)
        stamps = self._stamps
        try:
            if stamps and stamp < stamps[-1]:
                self._ordered = False
        except TypeError:
            self._ordered = False
        stamps.append(stamp)
        self.recent.append(p)
        self.total += 1
        if self.columns is not None:
            self.columns.add(stamp, p)
        if self.history is not None:
            self.history.append(p)

    def window(self, since: int) -> list[Problem]:
        """The events later than ``since`` (in the order they happened); drops the older ones.

        An entry appended with a time stamp later than ``since`` is later still (stamps only
        increase), so only the entries appended at ``since`` or before are looked at again
        (found by bisection while the stamps are in order; otherwise every entry is).
        """
        if since > self._since:
            a = self.attr
            recent = self.recent
            stamps = self._stamps
            if self._ordered and self._stamped is recent and len(stamps) == len(recent):
                cut = bisect_right(stamps, since)
                if cut:
                    keep = [i for i in range(cut) if getattr(recent[i], a) > since]
                    if keep:
                        self.recent = [recent[i] for i in keep] + recent[cut:]
                        self._stamps = [stamps[i] for i in keep] + stamps[cut:]
                    else:
                        self.recent = recent[cut:]
                        self._stamps = stamps[cut:]
            else:  # every entry looked at; the stamps start again from the current time stamps
                self.recent = [p for p in recent if getattr(p, a) > since]
                self._stamps = [getattr(p, a) for p in self.recent]
                try:
                    self._ordered = all(x <= y for x, y in zip(self._stamps, self._stamps[1:]))
                except TypeError:
                    self._ordered = False
            self._stamped = self.recent
            self._since = since
        return self.recent

    def table(self, since: int) -> dict[str, np.ndarray]:
        """The numbers of the events later than ``since``, as they were when each happened
        (``columns``' window); the objects out of the window are dropped as by :meth:`window`."""
        self.window(since)
        return self.columns.window(since)

    def span(self, since: int) -> tuple[list[np.ndarray], int, int]:
        """:meth:`table` as the whole columns and the rows ``a:b`` in the window (``EventColumns.span``)."""
        self.window(since)
        return self.columns.span(since)

    def events(self) -> list[Problem]:
        """Every event if the history is kept, else the events still in the window."""
        return self.history if self.history is not None else self.recent

    def __len__(self) -> int:
        return self.total


class World:
    """What rule sets and tools may read and change (see the module docstring)."""

    def __init__(self, config, populations: dict, network, weights, streams: Streams, *,
                 keep_history: bool = True) -> None:
        self.config = config
        self.core: CoreParams = config.core
        self.politics: PoliticsParams = config.politics
        for name, pop in populations.items():
            setattr(self, name, pop)
        self.providers = Providers(config.population.providers)
        self.network = network
        self.weights = weights
        self.streams = streams
        self.now = 0
        self._open: list[Problem] = []
        self._leaving: set[Problem] = set()  # closed since ``open`` was last read (identity hash)
        self.closed = EventLog("closed_at", keep_history, EventColumns(CLOSED_FIELDS, _closed_row))
        self.records = ProblemRecords()  # every closed problem, as a compact row
        self.designs = EventLog("designed_at", keep_history, EventColumns(DESIGN_FIELDS, _design_row))
        self.decisions = EventLog("decided_at", keep_history, EventColumns(DECISION_FIELDS, _decision_row))
        self.closed_now: list[Problem] = []
        self.participation: list[tuple[np.ndarray, int, float]] = []
        self.hours_log: list[tuple[float, float, float]] = []
        self.public_hours = 0.0
        self.committee_pool = 0.0
        self.experience = np.zeros(self.citizens.n)
        self.meta = None
        self._scratch: tuple | None = None  # ((providers, employees), scratch arrays): see staff_scratch()
        self._staff_index: tuple | None = None  # (employees.provider, rows by provider, bounds): see staff()
        self._serving: dict[int, tuple] = {}  # open problem id -> (its customers' providers as bytes, pool): see serving_staff()
        self._admin_floor: float | None = None  # lower bound on the share of administrators' hours left: see admit()
        self._routine: tuple | None = None  # (problems.routine_need, normalised): see routine_need()

    # ------------------------------------------------------------ sections
    def config_section(self, name: str):
        return getattr(self.config, name)

    # ------------------------------------------------------------ problem ledger
    @property
    def open(self) -> list[Problem]:
        """Problems in flight, in order of arrival (closed ones leave on the next read)."""
        if self._leaving:
            leaving = self._leaving
            self._open = [p for p in self._open if p not in leaving]
            self._leaving = set()
        return self._open

    def ready(self, stage: Stage) -> list[Problem]:
        now = self.now
        return [p for p in self.open if p.stage == stage and p.ready_at <= now]

    def capacity(self) -> bool:
        """Whether administrators have any hours left this step."""
        return bool(_add_reduce(self.administrators.hours_left, None) > 0)

    def admit(self, p: Problem, stage: int, uses_administrators: bool) -> bool:
        """Whether ``p``'s next stage goes ahead this step, given administrators' load (graded congestion, T24).

        A stage that uses no administrator time never waits for it. One that does goes
        ahead with probability ``min(1, s / core.congestion)``, ``s`` the share of
        administrators' hours still left this step: overload slows work before it stops
        it, and time spent in arenas is time other problems wait for (opportunity cost).

        The share left is added up over all administrators only when it may be near
        ``congestion``: after each exact sum, :meth:`spend` lowers a bound on it by the
        hours booked (administrators' hours are booked only through ``spend`` and reset
        by ``reset_hours``), and while that bound is clearly above ``congestion`` the
        stage goes ahead, as the exact sum would let it.
        """
        if not uses_administrators:
            return True
        a = self.administrators
        total = a.n * self.config.administrators.hours
        c = self.core.congestion
        floor = self._admin_floor
        if floor is not None and floor > max(c, 0.0) + 1e-9:
            return True  # the share left is at least ``floor`` (see spend), so above c: no need to add it up
        left = float(_add_reduce(np.maximum(a.hours_left, 0.0), None)) / total if total > 0 else 0.0
        self._admin_floor = left if total > 0 else None
        if left <= 0.0:
            return False
        if c <= 0.0 or left >= c:
            return True
        return bool(self.streams.get("congestion", p.id, self.now, stage).random() < left / c)

    def admission(self) -> tuple[float, float, float]:
        """What :meth:`admit` works from: administrators' hours in a step, ``core.congestion``, and the
        floor it keeps on the share of hours left (NaN for none), for a compiled form of ``admit``."""
        floor = self._admin_floor
        total = self.administrators.n * self.config.administrators.hours
        return float(total), float(self.core.congestion), float("nan") if floor is None else float(floor)

    def set_admission_floor(self, floor: float) -> None:
        """Keep the floor a compiled form of :meth:`admit` left (NaN for none)."""
        self._admin_floor = None if floor != floor else floor

    def close(self, p: Problem, outcome: str) -> None:
        p.outcome = outcome
        p.stage = Stage.CLOSED
        p.closed_at = self.now
        self._leaving.add(p)  # one pass over the open list per read, not one per closure
        self._serving.pop(p.id, None)
        self.closed.append(p)
        self.records.add(p)
        self.closed_now.append(p)

    # ------------------------------------------------------------ time and money ledgers
    def reset_hours(self) -> None:
        self.administrators.hours_left[:] = self.config.administrators.hours
        self._admin_floor = None
        pol = self.politicians
        pol.hours_left[:] = self.config.politicians.hours
        pol.policy_hours[:] = 0.0
        pol.case_hours[:] = 0.0
        pol.committee_hours[:] = 0.0
        self.participation = []
        self.closed_now = []
        self.public_hours = 0.0

    def spend(self, kind: str, rows: np.ndarray, hours: float, p: Problem | None) -> None:
        """Book ``hours`` for each of ``rows`` of a public population (public resources, T24)."""
        total = hours * rows.size
        if kind == "administrators":
            left = self.administrators.hours_left
            if rows.size == 1 and type(hours) is float:  # one administrator: the same subtraction on a float
                r = rows.item(0)
                left[r] = left.item(r) - hours
            else:
                left[rows] -= hours
            if self._admin_floor is not None:
                # Booking h hours lowers the share left by at most h / (all hours): ``admit`` keeps a
                # lower bound instead of adding up every administrator's hours for every problem.
                budget = self.administrators.n * self.config.administrators.hours
                self._admin_floor = self._admin_floor - total / budget if hours >= 0 and budget > 0 else None
        self.public_hours += total
        if p is not None:
            p.public_hours += total

    def spend_politicians(self, rows: np.ndarray, hours: float, p: Problem | None, *, policy: bool) -> float:
        """Book politicians' time as policy development or case handling (T20–T22).

        A politician's time budget (``politicians.hours`` per step) is never exceeded: each
        of ``rows`` gives at most the hours they have left. Returns the hours booked.
        """
        pol = self.politicians
        if rows.size == 1 and type(hours) is float:
            # One politician (the usual case): the same arithmetic on Python floats, with numpy's
            # rules for maximum and minimum (NaN propagates; on a tie, as between -0.0 and 0.0, the
            # second argument is returned).
            r = int(rows[0])
            left = pol.hours_left
            h = float(left[r])
            m = h if (h > 0.0 or h != h) else 0.0  # np.maximum(h, 0.0)
            given = hours if (hours < m or hours != hours) else m  # np.minimum(hours, m)
            left[r] = h - given
            booked = pol.policy_hours if policy else pol.case_hours
            booked[r] = float(booked[r]) + given
            total = given + 0.0  # numpy's sum of one number starts from 0.0 (so -0.0 sums to 0.0)
            self.public_hours += total
            if p is not None:
                p.public_hours += total
            return total
        n = rows.size
        if 1 < n < 8 and type(hours) is float and pol.hours_left.dtype == np.float64:
            # A few politicians (an arena's seats): the arithmetic of the single-row case, row by row.
            # With distinct rows each row's hours are read before any is booked, as numpy does; the
            # total is numpy's sum of fewer than 8 numbers, added one after the other from 0.0.
            rl = rows.tolist()
            if len(set(rl)) == n and min(rl) >= 0:
                left = pol.hours_left
                booked = pol.policy_hours if policy else pol.case_hours
                total = 0.0
                for r in rl:
                    h = left.item(r)
                    m = h if (h > 0.0 or h != h) else 0.0  # np.maximum(h, 0.0)
                    given = hours if (hours < m or hours != hours) else m  # np.minimum(hours, m)
                    left[r] = h - given
                    booked[r] = booked.item(r) + given
                    total += given
                self.public_hours += total
                if p is not None:
                    p.public_hours += total
                return total
        given = np.minimum(hours, np.maximum(pol.hours_left[rows], 0.0))
        pol.hours_left[rows] -= given
        (pol.policy_hours if policy else pol.case_hours)[rows] += given
        total = float(_add_reduce(given, None))
        self.public_hours += total
        if p is not None:
            p.public_hours += total
        return total

    def hold_committees(self) -> None:
        """Standing committees meet: fixed case-handling time, pooled for this step's cases (T20, T22)."""
        pp, pol = self.politics, self.politicians
        hours = pp.committee_meetings * pp.committee_meeting_hours / 12.0
        hours = min(hours, self.config.politicians.hours)
        pol.hours_left[:] -= hours
        pol.case_hours[:] += hours
        pol.committee_hours[:] += hours
        self.public_hours += hours * pol.n
        self.committee_pool = hours * pol.n

    def handle_case(self, p: Problem, u: float) -> bool:
        """A recommendation goes to a standing committee: discussed if committee time allows (T20).

        Discussed with probability ``min(1, pool / discussion_hours)``, where ``pool``
        is the committee time left this step; a discussed case uses up
        ``discussion_hours`` of it. Otherwise it is nodded through (decoupling). ``u`` is
        a uniform draw from the caller's "decision" stream.
        """
        need = self.politics.discussion_hours
        p.political_case = True
        if u < min(1.0, self.committee_pool / need):
            self.committee_pool = max(0.0, self.committee_pool - need)
            p.discussed = True
        return p.discussed

    def codified(self) -> np.ndarray:
        """How well the rulebook and best practice cover each dimension (``problems.codified``), in [0, 1] (T1, T6)."""
        return np.asarray(self.config.problems.codified, dtype=float)

    def routine_need(self) -> np.ndarray:
        """What routine services need (``problems.routine_need``, normalised): one definition for every rule set."""
        source = self.config.problems.routine_need
        kept = self._routine
        if kept is None or kept[0] is not source:  # worked out once per scenario value (a frozen tuple)
            kept = self._routine = (source, mech.normalise(np.asarray(source, dtype=float)))
        return kept[1].copy()

    def record_voice(self, rows: np.ndarray, influence: float) -> None:
        """Register complaints by ``rows`` (voice, T2, T7): participation at the ladder's first rung."""
        rows = np.asarray(rows, dtype=np.int64)
        self.participation.append((rows, mech.RUNG_OWN_WELFARE, float(influence)))
        self.citizens.complaints[rows] += 1
        P = self.providers.n
        customers = np.bincount(self.citizens.provider, minlength=P).astype(float)
        self.providers.complaints[:] = np.bincount(self.citizens.provider[rows], minlength=P) / np.maximum(customers, 1.0)

    def citizen_hours(self, p: Problem, rows: np.ndarray, hours: float) -> None:
        """Book citizens' own time mobilised for a problem (T5, T12)."""
        p.citizen_hours += hours * rows.size

    def record_participation(self, p: Problem, rows: np.ndarray, rung: int, influence: float) -> None:
        """Register that ``rows`` took part at ``rung`` of the ladder with ``influence`` (T9)."""
        rows = np.asarray(rows, dtype=np.int64)
        self.participation.append((rows, rung, float(influence)))
        if rung >= mech.RUNG_PANEL:
            p.rung = max(p.rung, rung)
            p.influence = float(influence)
            p.group = p.group.replace(citizens=rows)

    # ------------------------------------------------------------ selection
    def staff(self, providers: np.ndarray) -> np.ndarray:
        """The employees of ``providers`` (distinct provider numbers), in increasing row order.

        Built from a per-provider index computed once: employees never change provider
        during a run (``employees.provider`` is fixed at build), so finding a problem's
        serving staff costs the size of that staff, not of the whole public sector. For a
        single provider the result is a view of that index: read it, do not change it.
        """
        order, bounds = self.staff_index()
        if providers.size == 1:
            k = int(providers[0])
            return order[bounds[k]:bounds[k + 1]]
        starts = bounds[providers]
        sizes = bounds[providers + 1] - starts
        # positions in ``order``: each provider's block start, counted on within the block
        at = np.repeat(starts - (np.cumsum(sizes) - sizes), sizes) + np.arange(int(_add_reduce(sizes, None)))
        rows = order[at]
        rows.sort()
        return rows

    def staff_index(self) -> tuple[np.ndarray, np.ndarray]:
        """Employees' rows by provider (in row order within each) and where each provider's block
        starts: provider ``k``'s staff is ``order[bounds[k]:bounds[k + 1]]``. Read them, do not change them."""
        e = self.employees
        index = self._staff_index
        if index is None or index[0] is not e.provider:
            order = np.argsort(e.provider, kind="stable")
            bounds = np.searchsorted(e.provider[order], np.arange(self.providers.n + 1))
            index = self._staff_index = (e.provider, order, bounds)
        return index[1], index[2]

    def staff_scratch(self) -> tuple[np.ndarray, ...]:
        """Scratch arrays for the compiled serving staff (``compiled._serving``, used by staffing and by
        the noticing scans): a flag per provider, the providers found, a bit per employee (all clear
        between uses) and the pool."""
        P, E = self.providers.n, self.employees.n
        kept = self._scratch
        if kept is None or kept[0] != (P, E):
            kept = self._scratch = ((P, E), (np.zeros(max(P, 1), dtype=bool), np.empty(max(P, 1), dtype=np.int64),
                                             np.zeros((E + 63) // 64, dtype=np.uint64), np.empty(max(E, 1), dtype=np.int64)))
        return kept[1]

    def pick_employees(self, p: Problem, n: int, rng: np.random.Generator, provider: int | None = None) -> np.ndarray:
        """``n`` employees of the providers serving the affected citizens (or of one provider).

        Each employee of that serving pool gets one uniform key (one draw per member of the
        pool, in row order; nobody outside the pool is drawn for) and the ``n`` largest keys
        are taken. If no employee serves them, the pool is every employee.
        """
        k = kernels.get()
        views = self.streams.views_of(rng) if k is not None else None
        if views is not None and provider is None:  # the serving staff and their keys in one compiled call
            order, bounds = self.staff_index()
            return k.staff_top(views, p.affected, self.citizens.provider, order, bounds, self.employees.n, n,
                               *self.staff_scratch())
        pool = self.serving_staff(p) if provider is None else self.staff(np.array([provider], dtype=np.int64))
        size = pool.size
        if size == 0:
            pool = np.arange(self.employees.n)
            size = pool.size
        if views is not None:
            return k.keys_top(views, pool, n)
        keys = rng.random(size)
        if n == 1 and size and _INTP_IS_INT64:  # top_rows(keys, 1): the first row of the largest key
            return pool[keys.argmax(keepdims=True)]
        return pool[top_rows(keys, n)]

    def serving_staff(self, p: Problem) -> np.ndarray:
        """The employees of the providers serving ``p``'s affected citizens, in increasing row order.

        The same rows as ``staff(np.unique(citizens.provider[p.affected]))``. While there are
        few providers for the problem's size (at most ``4 x affected + 64``: a local problem
        touches a good share of them) a flag per provider and one pass over the employees'
        providers is cheaper than sorting and gathering per-provider blocks; the pass costs
        at most about ten employees per provider, so it stays bounded by the problem's size.
        """
        served = self.citizens.provider[p.affected]
        # A problem is staffed several times (noticing, defining, each implementation attempt):
        # its pool is kept while its customers' providers are exactly the same (compared as
        # bytes, whoever changed them) and dropped when it closes. Read it, do not change it.
        key = served.tobytes()
        kept = self._serving.get(p.id)
        if kept is not None and kept[0] == key and kept[2] is self.employees.provider:
            return kept[1]
        P = self.providers.n
        if P <= 4 * served.size + 64:
            flag = np.zeros(P, dtype=bool)
            flag[served] = True
            pool = flag[self.employees.provider].nonzero()[0]
        else:
            pool = self.staff(np.unique(served))
        if p.stage != Stage.CLOSED:
            self._serving[p.id] = (key, pool, self.employees.provider)
        return pool

    def pick_administrators(self, n: int) -> np.ndarray:
        """The ``n`` administrators with most time left this step (the lowest rows among equals)."""
        return top_rows(self.administrators.hours_left, n)

    def pick_politicians(self, n: int) -> np.ndarray:
        """The ``n`` politicians with most time left this step (the lowest rows among equals)."""
        return top_rows(self.politicians.hours_left, n)

    def pick_open_politicians(self, need: float, n: int, rng: np.random.Generator) -> np.ndarray:
        """Up to ``n`` politicians who have ``need`` hours left and are open to join (T22, T24).

        Politicians are looked at in a random order; one with the time is open with chance
        = her openness, and the first ``n`` who are take the seats: the seats go to a
        uniformly random set of the politicians with time who are open. Only those looked
        at are drawn for: in rounds of ``2 n + 8`` (a uniform integer for who, a uniform for
        openness; repeats are skipped) until ``n`` have joined or ``4 n + 16`` have been
        looked at, then all the rest in one pass, in the order of a key each (a uniform for
        openness and one for the key per politician with the time).
        """
        pol = self.politicians
        total = pol.n
        if n <= 0 or total == 0:
            return np.zeros(0, dtype=np.int64)
        hours, openness = pol.hours_left, pol.openness
        k = kernels.get()
        views = self.streams.views_of(rng) if k is not None and total < _WORD32 else None
        if views is not None:
            joined, looked, n_seen = k.open_rounds(views, hours, openness, float(need), int(n))
            chosen = joined.tolist()
        else:
            chosen, seen = self._open_rounds(hours, openness, need, n, total, rng)
            n_seen, looked = len(seen), list(seen)
        if len(chosen) < n and n_seen < total:
            able = hours >= need
            able[looked] = False
            rows = np.flatnonzero(able)
            u, keys = rng.random(rows.size), rng.random(rows.size)
            willing = u < openness[rows]
            chosen.extend(rows[willing][top_rows(keys[willing], n - len(chosen))].tolist())
        chosen.sort()  # distinct Python ints: sorted as np.sort sorts them
        return np.array(chosen, dtype=np.int64)

    @staticmethod
    def _open_rounds(hours: np.ndarray, openness: np.ndarray, need: float, n: int, total: int,
                     rng: np.random.Generator) -> tuple[list[int], set[int]]:
        """The rounds of :meth:`pick_open_politicians`: who joined, in order, and who was looked at."""
        limit = min(total, 4 * n + 16)
        seen: set[int] = set()
        chosen: list[int] = []
        while len(chosen) < n and len(seen) < limit:
            who = rng.integers(0, total, size=2 * n + 8)
            yes = ((hours[who] >= need) & (rng.random(who.size) < openness[who])).tolist()
            for i, ok in zip(who.tolist(), yes):
                if i in seen:
                    continue
                seen.add(i)
                if ok:
                    chosen.append(i)
                    if len(chosen) == n:
                        break
                if len(seen) >= limit:
                    break
        return chosen, seen

    def pick_willing_citizens(self, candidates: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
        """Up to ``n`` of ``candidates``, drawn with probability proportional to willingness.

        Weighted sampling without replacement by keys ``u^(1/w)`` (one draw per candidate).
        """
        keys = rng.random(candidates.size)
        if candidates.size == 0 or n <= 0:
            return candidates[:0]
        w = self.citizens.willingness[candidates]
        w += 1e-9
        # score = log(max(keys, 1e-300)) / w, worked out in place on the keys (the same operations)
        _maximum(keys, 1e-300, out=keys)
        np.log(keys, out=keys)
        keys /= w
        # the n best scores (top_rows: the same rows as a stable sort of -score would give first)
        picked = candidates[top_rows(keys, n)]
        picked.sort()
        return picked

    # ------------------------------------------------------------ knowledge
    def _members(self, g: Group, administrators: bool = True) -> list[tuple]:
        """``(population, rows)`` for each kind with members in ``g``, in the order citizens,
        employees, administrators (unless ``administrators`` is False), politicians, firms."""
        d = g.__dict__  # a Group's instance dict holds exactly the five kinds
        out = []
        for kind in _MEMBER_KINDS if administrators else _NON_ADMINISTRATORS:
            rows = d[kind]
            if rows.size:
                out.append((getattr(self, kind), rows))
        return out

    def _parts(self, g: Group, column: str, administrators: bool = True) -> list[np.ndarray]:
        """``column`` of the members of ``g``, one array per non-empty kind (see :meth:`_members`)."""
        return [getattr(store, column)[rows] for store, rows in self._members(g, administrators)]

    def knowledge_of(self, g: Group) -> np.ndarray:
        """Members' knowledge rows: citizens, employees, administrators, politicians, firms."""
        # (take along the first axis: the rows of knowledge[rows], with less overhead on a 2-d array)
        parts = [store.knowledge.take(rows, axis=0) for store, rows in self._members(g)]
        if len(parts) == 1:
            return parts[0]
        return np.concatenate(parts) if parts else np.zeros((0, mech.K))  # rows stacked, as np.vstack

    def positions_of(self, g: Group, administrators: bool = True) -> np.ndarray:
        """Members' positions, in the order of :meth:`knowledge_of` (administrators left out if
        ``administrators`` is False)."""
        parts = self._parts(g, "position", administrators)
        if len(parts) == 1:
            return parts[0]
        return np.concatenate(parts) if parts else np.zeros(0)

    def political_goal(self) -> float:
        """The median of politicians' positions, as ``np.median`` computes it (from a sorted copy).

        ``np.median`` takes the middle value of an odd count and ``(a + b) / 2`` of the two
        middle values of an even one (NaN if any position is NaN); sorting the few
        politicians' positions gives the same values with less overhead. The goal is kept with
        the bytes of the positions it came from and worked out again whenever they differ
        (every NPG design reads it; sorting a million-citizen council's 9,000 positions each
        time would cost more than the comparison).
        """
        pos = self.politicians.position
        key = pos.tobytes()
        kept = getattr(self, "_goal_kept", None)
        if kept is not None and kept[0] == key:
            return kept[1]
        goal = self._median_position(pos)
        self._goal_kept = (key, goal)
        return goal

    @staticmethod
    def _median_position(pos: np.ndarray) -> float:
        n = pos.size
        if n == 0:
            return float(np.median(pos))  # NaN with numpy's warning, as before
        s = np.sort(pos)
        if s[-1] != s[-1]:
            return float("nan")
        h = n // 2
        if n % 2:
            return float(s[h])
        return (float(s[h - 1]) + float(s[h])) / 2.0

    def main_provider(self, p: Problem) -> int:
        return int(np.bincount(self.citizens.provider[p.affected], minlength=self.providers.n).argmax())

    def learning_pairs(self, g: Group, checked: bool = False) -> tuple | None:
        """What :meth:`learn` works on, as the compiled design takes it: five (knowledge table, rows) pairs
        (the members' kinds in the world's order, then empty ones) followed by the number of kinds; None
        where a table is not a C-ordered float64 table of K columns (not looked at again where the caller
        has ``checked`` every kind's table this step)."""
        d = g.__dict__
        pairs: list = []
        for kind in _MEMBER_KINDS:
            rows = d[kind]
            if rows.size:
                table = getattr(self, kind).knowledge
                if not checked and not is_table_k(table):
                    return None
                pairs += (table, rows)
        n = len(pairs) // 2
        pad = pairs[0] if n else self.citizens.knowledge
        if not n and not is_table_k(pad):
            return None
        pairs += (pad, _NO_ROWS) * (5 - n)
        pairs.append(n)
        return tuple(pairs)

    def learn(self, g: Group, coverage: np.ndarray, share: float = 1.0) -> float:
        """Mutual learning: members move towards the group's pooled knowledge (T8).

        ``k += lr share max(c - k, 0)``; returns the mean gain per member and dimension
        divided by ``lr``, in [0, 1].
        """
        lr = self.config.citizens.learning_rate * share
        d = g.__dict__  # the five kinds of member (see Group)
        kinds = []
        for kind in _MEMBER_KINDS:
            rows = d[kind]
            if rows.size:
                kinds.append((getattr(self, kind).knowledge, rows))
        if not kinds:
            return 0.0
        k = kernels.get()
        pairs = self.learning_pairs(g) if k is not None and _is_row_k(coverage) else None
        if pairs is not None:  # the kernel's five (table, rows) pairs: the members' kinds, then empty ones
            return k.learn(*pairs[:10], coverage, float(lr), float(share))
        # All members' rows at once (each number computed as in a pass per kind of member):
        # gap = max(c - k, 0), k += lr gap, written back per kind; the mean gain is the mean of
        # gap x share over the stacked rows, as np.mean computes it (one sum over the block, over its size).
        if len(kinds) == 1:
            block = kinds[0][0].take(kinds[0][1], axis=0)
        else:  # the rows of k[rows], kind by kind (take: the same rows, without fancy indexing's overhead)
            block = np.concatenate([k.take(rows, axis=0) for k, rows in kinds])
        gap = coverage - block
        _maximum(gap, 0.0, out=gap)
        block += lr * gap
        start = 0
        for k, rows in kinds:
            end = start + rows.size
            k[rows] = block[start:end]
            start = end
        if type(share) is not float or share != 1.0:  # x 1.0 leaves every double as it is
            gap *= share
        return float(_add_reduce(gap, None)) / gap.size

    # ------------------------------------------------------------ metagovernance
    def metagovernor_control(self, p: Problem) -> float:
        """Control orientation of the metagovernor sitting in ``p``'s arena (T16)."""
        actor = self.config.metagovernor.actor
        if actor == "administrators":
            adm = p.group.administrators
            if adm.size == 1:  # (the mean of one number is that number)
                return float(self.administrators.control[adm[0]])
            return fmean(self.administrators.control[adm]) if adm.size else 0.5
        if actor == "politicians":
            pol = p.group.politicians
            openness = self.politicians.openness[pol] if pol.size else self.politicians.openness
            return 1.0 - fmean(openness)
        return float(self.config.metagovernor.other_control)

    def facilitation(self, p: Problem) -> float:
        """Skill of the arena's facilitator (an administrator) (T25)."""
        adm = p.group.administrators
        if adm.size == 1:  # one facilitator, as arenas have (the mean of one number is that number)
            return float(self.administrators.facilitation[adm[0]])
        return fmean(self.administrators.facilitation[adm]) if adm.size else 0.0

    _ACTORS = {"administrators": 0, "politicians": 1}  # book_meeting's codes for the metagovernor (2: outside)

    def book_meeting(self, p: Problem, group: Group, hours: float, extra: float) -> None:
        """Book a meeting of ``group`` about ``p``: ``hours`` for each employee, administrator and
        politician (policy time, as far as they have it) and citizen, then ``extra`` hours for the
        metagovernor (:meth:`pay_metagovernor`). Compiled where the kernels are used
        (:func:`govsim.kernels.compiled.book_meeting`: the same numbers, added in the same order)."""
        k = kernels.get()
        if k is not None and p.group is group and type(hours) is float and type(extra) is float:
            adm_left, pol_left, pol_policy, public, floor, budget, actor = self.meeting_state()
            ok, public, p_public, floor = k.book_meeting(
                hours, group.employees.size, group.administrators, adm_left, group.politicians, pol_left, pol_policy,
                public, p.public_hours, floor, budget, extra, actor)
            if ok:
                self.hours_booked(public, floor)
                p.public_hours = p_public
                p.citizen_hours += hours * group.citizens.size
                return
        self.spend("employees", group.employees, hours, p)
        self.spend("administrators", group.administrators, hours, p)
        self.spend_politicians(group.politicians, hours, p, policy=True)
        self.citizen_hours(p, group.citizens, hours)
        self.pay_metagovernor(p, extra)

    def meeting_state(self) -> tuple:
        """What :func:`govsim.kernels.compiled.book_meeting` books meetings against: the administrators' and
        politicians' hours left and the politicians' policy hours (written in place), the public hours,
        the admission floor (NaN for none), all administrators' hours in a step and the metagovernor's
        code (``_ACTORS``; 2 for an outside actor)."""
        pol, adm, floor = self.politicians, self.administrators, self._admin_floor
        return (adm.hours_left, pol.hours_left, pol.policy_hours, self.public_hours,
                float("nan") if floor is None else floor, float(adm.n * self.config.administrators.hours),
                self._ACTORS.get(self.config.metagovernor.actor, 2))

    def hours_booked(self, public: float, floor: float) -> None:
        """Keep what compiled bookings left (see :meth:`meeting_state`): the public hours, and the admission
        floor (NaN for none)."""
        self.public_hours = public
        self.set_admission_floor(floor)

    def pay_metagovernor(self, p: Problem, hours: float) -> None:
        """Book the metagovernor's hours for ``p``: administrators', politicians' (policy) or an outside actor's."""
        if hours <= 0:
            return
        actor = self.config.metagovernor.actor
        if actor == "administrators":
            adm = p.group.administrators
            if adm.size:
                self.spend("administrators", adm[:1], hours, p)
                return
        if actor == "politicians":
            pol = p.group.politicians if p.group.politicians.size else self.pick_politicians(1)
            self.spend_politicians(pol[:1], hours, p, policy=True)
            return
        self.public_hours += hours
        p.public_hours += hours
