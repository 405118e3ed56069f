"""The interface every paradigm's rule set implements.

A rule set answers the questions of the theory (docs/theory.md §1) for each phase of a step:
who notices and defines a problem and how well they see it, who designs the
solution, how it is decided, how employees are steered and measured, and which
role citizens play. Agents never branch on the paradigm's name; the phases ask
the current rule set, and the rule set acts only through the narrow
:class:`govsim.world.World` interface (never the model). Only a rule set reads
its own ``params``.

To add a paradigm: write one file with a ``Paradigm`` subclass and its ``Params``
model, and add it to ``REGISTRY`` in ``govsim/paradigms/__init__.py``. The
scenario schema, the CLI and the contract tests pick it up from the registry.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from functools import reduce
from math import copysign as _copysign
from operator import add
from typing import TYPE_CHECKING, ClassVar

import numpy as np
from pydantic import BaseModel, ConfigDict

from govsim import kernels
from govsim import mechanisms as mech
from govsim.fields import param
from govsim.problems import Group, Problem, Stage
from govsim.world import is_table_k

if TYPE_CHECKING:  # pragma: no cover
    from govsim.world import World


# Fast paths on K-element vectors --------------------------------------------------------
# The rule sets handle every problem through a few formulas of :mod:`govsim.mechanisms` on
# vectors of K = 5 numbers, where a numpy call costs more than the arithmetic. The helpers
# below compute the very same numbers (the same operations on the same doubles, in the same
# order) as the mechanisms they are named after, on Python floats, written out for the five
# dimensions. Sums of K numbers are added one after the other, as numpy adds fewer than 8
# numbers; dot products and the transcendental functions stay numpy calls.
# tests/test_performance_rules.py checks each against its mechanism, bit for bit, and
# tests/test_performance_opa_npm_paths.py against the plain list forms they replaced.

if mech.K != 5:  # pragma: no cover - the helpers below are written out for five dimensions
    raise ImportError(f"govsim.paradigms.base expects 5 knowledge dimensions, not {mech.K}")

_F64 = np.dtype(np.float64)
_max_reduce = np.maximum.reduce  # ndarray.max(axis=...) ends in this; called directly, without its wrapper
_add_reduce = np.add.reduce  # ndarray.sum() ends in _add_reduce(x, None)
_log, _exp, _array, _zeros = np.log, np.exp, np.array, np.zeros
_INF = float("inf")
_UNIFORM = 1.0 / mech.K  # each entry of mechanisms.normalise's answer for a vector with nothing positive


def _total(v: list[float]) -> float:
    """``float(np.sum(v))`` for fewer than 8 numbers: added from the first to the last."""
    return reduce(add, v)


def dirichlet_rows(rng: np.random.Generator, n: int) -> list[list[float]]:
    """``n`` Dirichlet(1, ..., 1) draws on K dimensions: the numbers (and the generator state after)
    of ``n`` calls of ``rng.dirichlet(np.ones(K))``, which normalises K standard exponentials by
    their running sum from 0.0 (multiplying by its inverse), drawn in one call."""
    x = rng.standard_exponential(n * 5).tolist()
    if n == 1:
        a, b, c, d, e = x
        inv = 1.0 / (0.0 + a + b + c + d + e)
        return [[a * inv, b * inv, c * inv, d * inv, e * inv]]
    it = iter(x)
    rows = []
    for a, b, c, d, e in zip(it, it, it, it, it):
        inv = 1.0 / (0.0 + a + b + c + d + e)
        rows.append([a * inv, b * inv, c * inv, d * inv, e * inv])
    return rows


def uniform_draw(rng: np.random.Generator, low: float, high: float) -> float:
    """``rng.uniform(low, high)`` for two floats: the same number and the same generator state after.

    For scalar bounds numpy computes ``low + (high - low) * U`` in C, ``U`` the double that
    ``rng.random()`` draws (one product, then one sum, as here); a range that is negative,
    infinite or NaN (or -0.0) is left to ``uniform``, which raises its own error."""
    width = high - low
    if 0.0 < width < _INF or (width == 0.0 and _copysign(1.0, width) > 0.0):  # -0.0 counts as negative in numpy
        return low + width * rng.random()
    return rng.uniform(low, high)


def normalised(v: list[float]) -> list[float]:
    """:func:`govsim.mechanisms.normalise` on a list of K finite numbers."""
    a, b, c, d, e = v
    a = a if a > 0.0 else 0.0
    b = b if b > 0.0 else 0.0
    c = c if c > 0.0 else 0.0
    d = d if d > 0.0 else 0.0
    e = e if e > 0.0 else 0.0
    s = a + b + c + d + e
    if s > 0:
        return [a / s, b / s, c / s, d / s, e / s]
    return [_UNIFORM] * 5


def _sensed(need: np.ndarray, coverage: np.ndarray, visibility: list[float] | None, noise: float,
            wickedness: float) -> tuple[float, float, float, float, float, float]:
    """What a reading of ``need`` sees before its noise: the visible, covered need normalised to sum 1
    (five floats, left as they are if nothing is seen), and the weight ``u`` of the noise, clipped to
    [0, 1] (``visibility`` None: every dimension visible, weight 1)."""
    n0, n1, n2, n3, n4 = need.tolist()
    c0, c1, c2, c3, c4 = coverage.tolist()
    if visibility is None:
        s0, s1, s2, s3, s4 = n0 * c0, n1 * c1, n2 * c2, n3 * c3, n4 * c4
    else:
        v0, v1, v2, v3, v4 = visibility
        s0, s1, s2, s3, s4 = n0 * c0 * v0, n1 * c1 * v1, n2 * c2 * v2, n3 * c3 * v3, n4 * c4 * v4
    s = s0 + s1 + s2 + s3 + s4
    if s > 0:
        s0, s1, s2, s3, s4 = s0 / s, s1 / s, s2 / s, s3 / s, s4 / s
    # min(max(x, 0.0), 1.0) as the built-ins compare (NaN and -0.0 are kept)
    u = noise + wickedness * (1.0 - float(need.dot(coverage)))  # ndarray.dot: np.dot's product, without its dispatch
    if 0.0 > u:
        u = 0.0
    if 1.0 < u:
        u = 1.0
    return s0, s1, s2, s3, s4, u


def perceived(need: np.ndarray, coverage: np.ndarray, visibility: list[float] | None, noise: float,
              wickedness: float, e: list[float]) -> list[float]:
    """:func:`govsim.mechanisms.perceive_need` with its Dirichlet draw ``e`` given
    (``visibility`` None: every dimension visible, weight 1)."""
    s0, s1, s2, s3, s4, u = _sensed(need, coverage, visibility, noise, wickedness)
    r = 1.0 - u
    e0, e1, e2, e3, e4 = e
    return normalised([r * s0 + u * e0, r * s1 + u * e1, r * s2 + u * e2, r * s3 + u * e3, r * s4 + u * e4])


# Arguments of the compiled reading, writable as the others are (numba compiles a read-only array's type
# apart); never written.
_SEES_ALL = np.ones(mech.K)
_NO_LINKS = np.zeros((2, mech.K))


def _reading_kernel(world: World, rng: np.random.Generator) -> tuple:
    """The compiled kernels, ``rng``'s state views and how numpy's dot adds (True: fused) where a reading
    can be drawn compiled, else None."""
    k = kernels.get()
    if k is None or not k.EXPONENTIALS:
        return None
    views = world.streams.views_of(rng)
    if views is None:
        return None
    order = kernels.dot_order(k)
    return (k, views, order == 1) if order >= 0 else None


def compiled_reading(world: World, rng: np.random.Generator, need: np.ndarray, coverage: np.ndarray,
                     visibility: np.ndarray | None, noise: float, wickedness: float, fidelity: np.ndarray | None = None,
                     links: int = 0, nan_kept: bool = False) -> np.ndarray | None:
    """:func:`perceived_chained` (``nan_kept``: :func:`govsim.mechanisms.perceive_need`) with its
    ``5 (1 + links)`` standard exponentials drawn from ``rng``, compiled
    (:func:`govsim.kernels.compiled.reading`: the same draws and numbers, one call), as an array; None
    where the Python form must run. ``visibility`` None: every dimension visible; ``fidelity``: the
    chain's ``f_k`` and ``1 - f_k`` as two rows of an array."""
    found = _reading_kernel(world, rng)
    if (found is None or not (plain_k(need) and plain_k(coverage))
            or (visibility is not None and not plain_k(visibility))):
        return None
    k, views, fused = found
    return k.reading(views, need, coverage, _SEES_ALL if visibility is None else visibility, float(noise),
                     float(wickedness), _NO_LINKS if fidelity is None else fidelity, links, fused, nan_kept)


_ZEROS_K = np.zeros(mech.K)  # a stand-in the compiled design does not read (writable, as its other arrays)
NO_LEARNING = (_ZEROS_K.reshape(1, mech.K), np.zeros(0, np.int64)) * 5 + (0,)
"""The compiled design's learning arguments where nobody learns (``World.learning_pairs``' form)."""


def record_design(world: World, problem: Problem, direction: np.ndarray, coverage: np.ndarray, fit: float,
                  diversity: float, novelty: float, standard: int, learning: float) -> None:
    """Keep what a compiled design found on ``problem`` and record the design: ``standard`` is the dimension of
    the standard solution taken in place of ``direction`` (-1 for none)."""
    problem.coverage = coverage
    problem.diversity = diversity
    if standard >= 0:
        direction = _zeros(mech.K)
        direction[standard] = 1.0
    problem.direction = direction
    problem.fit = fit
    problem.novelty = novelty
    problem.standard = standard >= 0
    problem.learning = learning
    problem.designed_at = world.now
    world.designs.append(problem)


def plain_k(x) -> bool:
    """A float64 vector of K elements (what the compiled readings and designs take)."""
    return type(x) is np.ndarray and x.dtype == np.float64 and x.shape == (mech.K,)


def chained(view: list[float], keep: list[float], lose: list[float], draws: list[list[float]]) -> list[float]:
    """:func:`govsim.mechanisms.pass_along_chain` through ``len(draws)`` links, each link's Dirichlet
    draw given; ``keep`` is each dimension's fidelity ``f_k`` and ``lose`` is ``1 - f_k``."""
    v0, v1, v2, v3, v4 = view
    k0, k1, k2, k3, k4 = keep
    q0, q1, q2, q3, q4 = lose
    for e0, e1, e2, e3, e4 in draws:  # normalised(f v + (1 - f) e)
        v0, v1, v2, v3, v4 = normalised([k0 * v0 + q0 * e0, k1 * v1 + q1 * e1, k2 * v2 + q2 * e2,
                                         k3 * v3 + q3 * e3, k4 * v4 + q4 * e4])
    return [v0, v1, v2, v3, v4]


def perceived_chained(need: np.ndarray, coverage: np.ndarray, visibility: list[float] | None, noise: float,
                      wickedness: float, x: list[float], keep: list[float] | None = None,
                      lose: list[float] | None = None) -> list[float]:
    """``chained(perceived(need, coverage, visibility, noise, wickedness, rows[0]), keep, lose, rows[1:])``
    with ``rows`` the Dirichlet rows :func:`dirichlet_rows` makes of the standard exponentials ``x``
    (``5 (1 + links)`` of them, as ``rng.standard_exponential(5 (1 + links)).tolist()`` draws them;
    ``keep`` and ``lose`` may be None when there is no link): one pass, no Dirichlet row built as a list."""
    it = iter(x)
    a, b, c, d, e = next(it), next(it), next(it), next(it), next(it)
    inv = 1.0 / (0.0 + a + b + c + d + e)  # the first Dirichlet row: the front-line reading's noise
    s0, s1, s2, s3, s4, u = _sensed(need, coverage, visibility, noise, wickedness)
    r = 1.0 - u
    # normalised(r s + u e), as perceived ends
    view = normalised([r * s0 + u * (a * inv), r * s1 + u * (b * inv), r * s2 + u * (c * inv),
                       r * s3 + u * (d * inv), r * s4 + u * (e * inv)])
    if keep is None:  # no link (``x`` holds the front-line reading's five exponentials only)
        return view
    return _chain_on(view, keep, lose, it)


def chained_drawn(view: list[float], keep: list[float], lose: list[float], x: list[float]) -> list[float]:
    """``chained(view, keep, lose, rows)`` with ``rows`` the Dirichlet rows :func:`dirichlet_rows` makes
    of the standard exponentials ``x`` (five per link), without building the rows."""
    return _chain_on(view, keep, lose, iter(x))


def _chain_on(view: list[float], keep: list[float], lose: list[float], it) -> list[float]:
    """The links of :func:`chained` from ``view``, each link's Dirichlet row made of the next five
    exponentials of ``it``."""
    v0, v1, v2, v3, v4 = view
    k0, k1, k2, k3, k4 = keep
    q0, q1, q2, q3, q4 = lose
    for a, b, c, d, e in zip(it, it, it, it, it):
        inv = 1.0 / (0.0 + a + b + c + d + e)  # the link's Dirichlet row, as dirichlet_rows makes it
        v0, v1, v2, v3, v4 = normalised([k0 * v0 + q0 * (a * inv), k1 * v1 + q1 * (b * inv), k2 * v2 + q2 * (c * inv),
                                         k3 * v3 + q3 * (d * inv), k4 * v4 + q4 * (e * inv)])
    return [v0, v1, v2, v3, v4]


def fit_of(direction: list[float], need: list[float], logs: list[float]) -> float:
    """:func:`govsim.mechanisms.solution_fit`, ``logs`` the log of the clipped coverage."""
    d0, d1, d2, d3, d4 = direction
    n0, n1, n2, n3, n4 = need
    l0, l1, l2, l3, l4 = logs
    capability = float(_exp(n0 * l0 + n1 * l1 + n2 * l2 + n3 * l3 + n4 * l4))
    return ((d0 if d0 < n0 else n0) + (d1 if d1 < n1 else n1) + (d2 if d2 < n2 else n2)
            + (d3 if d3 < n3 else n3) + (d4 if d4 < n4 else n4)) * capability


def log_coverage(coverage: np.ndarray) -> list[float]:
    """``log(clip(coverage, 1e-3, 1))``, the part of :func:`govsim.mechanisms.solution_fit` that
    depends on the coverage only."""
    return _log_clipped(coverage.tolist())


def _log_clipped(v: list[float]) -> list[float]:
    """:func:`log_coverage` of the coverage as a list: ``np.maximum(x, 1e-3)`` then ``np.minimum(x, 1.0)``
    on each float (NaN kept, as numpy keeps it), then one ``np.log`` of the five."""
    a, b, c, d, e = v
    a = 1e-3 if a < 1e-3 else a
    b = 1e-3 if b < 1e-3 else b
    c = 1e-3 if c < 1e-3 else c
    d = 1e-3 if d < 1e-3 else d
    e = 1e-3 if e < 1e-3 else e
    return _log(_array([1.0 if a > 1.0 else a, 1.0 if b > 1.0 else b, 1.0 if c > 1.0 else c,
                        1.0 if d > 1.0 else d, 1.0 if e > 1.0 else e])).tolist()


class ParadigmParams(BaseModel):
    """Base of each paradigm's parameter table in a scenario file.

    Every rule set has the three behaviours below, each with its own default: they
    weigh differently under each paradigm, but none is switched off by a rule set's
    name (no indicator is a paradigm marker).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    coproduction: float = param(0.0, 0, 1, "How much the citizen's role lets affected citizens co-produce a solution's implementation.", "T5, T12")
    standardisation: float = param(0.0, 0, 1, "Chance that designers look for a standard solution in the rulebook (taken when it fits better than their own design; it is not new).", "T6")
    complaint_influence: float = param(0.2, 0, 1, "Influence a citizen's complaint has on the service (voice; below citizens.tokenism_threshold it lowers trust).", "T2, T7")


@dataclass(frozen=True)
class Steering:
    """How a rule set steers front-line employees in one step (T1, T3, T27).

    pressure: control pressure on each employee (targets, rules), in [0, 1].
    discretion: room for professional judgement, in [0, 1].
    focus: weight from 0 (not watched) to 1 (watched) of each knowledge dimension for control,
        one vector or one row per provider (NPM's providers adapt their own).
    overhead: share of working time spent documenting for control (counting regime, T3).
    """

    pressure: np.ndarray
    discretion: float
    focus: np.ndarray
    overhead: float


class Paradigm(ABC):
    """A switchable rule set (docs/theory.md §1)."""

    name: ClassVar[str]
    label: ClassVar[str]
    public_sector_as: ClassVar[str]
    citizen_role: ClassVar[str]
    allows_exit: ClassVar[bool] = False
    admin_stages: ClassVar[frozenset[str]] = frozenset({"define", "design", "decide"})
    """Stages at which this rule set uses administrators' hours: only those wait when hours run short."""
    defines_away: ClassVar[tuple[str, ...]] = ()
    """Indicators this rule set's rules keep at 0 by construction (reported next to the indices)."""
    theory: ClassVar[tuple[str, ...]] = ()
    Params: ClassVar[type[ParadigmParams]]

    def __init__(self, params: ParadigmParams) -> None:
        self.params = params

    @property
    def coproduction(self) -> float:
        """Weight of citizens' co-production in implementation under this role casting (T5, T12)."""
        return self.params.coproduction

    # Phase 2 -------------------------------------------------------------
    @abstractmethod
    def visibility(self, world: World) -> np.ndarray:
        """Per-dimension weight of what this steering lets the public sector see."""

    @abstractmethod
    def notice(self, world: World, problem: Problem, rng: np.random.Generator) -> tuple[float, str]:
        """Probability that ``problem`` is noticed this step, and by which kind of agent (T10)."""

    def next_noticed(self, world: World, waiting: list[Problem], start: int, uses: bool) -> tuple[int, str] | None:
        """The first of ``waiting[start:]`` noticed this step (its index, and who noticed it), or None.

        Each in turn goes ahead if administrators' load admits it (``World.admit``; ``uses``: whether
        this rule set defines with administrators' time), then is noticed with the chance
        :meth:`notice` gives, against a uniform drawn first from the ``noticing`` stream at
        ``(problem, step)``. Nothing changes administrators' hours before the problem returned is
        defined, so a rule set may find it faster (OPA and NPG do, with compiled kernels).
        """
        now, streams, admit = world.now, world.streams, world.admit
        for i in range(start, len(waiting)):
            p = waiting[i]
            if not admit(p, Stage.ARRIVED, uses):
                continue
            rng = streams.get("noticing", p.id, now)
            u = rng.random()
            prob, who = self.notice(world, p, rng)
            if u < prob:
                return i, who
        return None

    _scan: tuple | None = None  # (problems waiting, streams, arrays): see _noticing_arrays

    def _noticing_arrays(self, world: World, waiting: list[Problem], k) -> tuple | None:
        """What a compiled :meth:`next_noticed` reads of the problems ``waiting``: their ids, needs (one row
        each), affected citizens (all together, and where each problem's end), fresh states of the
        ``noticing`` and ``congestion`` streams, and where the kernel puts who noticed. Kept while the same list is scanned
        within a phase (:meth:`_scan_done` lets it go); None where the Python form must run."""
        cached = self._scan
        if cached is not None and cached[0] is waiting and cached[1] is world.streams:
            return cached[2]
        streams = world.streams
        notice = streams.views_of(streams.get("noticing", 0))
        cong = streams.views_of(streams.get("congestion", 0))
        needs = [p.need for p in waiting]
        if notice is None or cong is None or any(type(x) is not np.ndarray or x.shape != (mech.K,) for x in needs):
            return None
        arrays = (np.array([p.id for p in waiting], dtype=np.int64), np.array(needs, dtype=float),
                  np.concatenate([p.affected for p in waiting]).astype(np.int64, copy=False),
                  np.cumsum([p.affected.size for p in waiting], dtype=np.int64), k.stream_state(notice[1]),
                  k.stream_state(cong[1]), np.zeros(1, dtype=np.int64))
        self._scan = (waiting, streams, arrays)
        return arrays

    def _scan_done(self) -> None:
        self._scan = None

    def _phase_arrays(self, world: World, waiting: list[Problem], stream: str, owner: type) -> tuple | None:
        """What ``owner``'s compiled noticing-and-defining of ``waiting`` reads besides the tables: the
        kernels, the scan's arrays (:meth:`_noticing_arrays`, let go at once), the state views of the
        ``staffing`` stream and of the definition's ``stream``, and what admission works from
        (``World.admission``); None where the Python form must run (a subclass of ``owner``, see
        :meth:`_stands_in`; no kernels or not numpy's exponentials, no employees or administrators, their
        knowledge not of the plain kind, a dot product not added as numpy does)."""
        if not self._stands_in(owner):
            return None
        k = kernels.get()
        e, a = world.employees, world.administrators
        if (k is None or not k.EXPONENTIALS or not e.n or not a.n or not is_table_k(e.knowledge)
                or not is_table_k(a.knowledge) or kernels.dot_order(k) < 0):
            return None
        streams = world.streams
        g_staff = streams.views_of(streams.get("staffing", 0))
        g_read = streams.views_of(streams.get(stream, 0))
        scan = self._noticing_arrays(world, waiting, k)
        self._scan_done()
        if scan is None or g_staff is None or g_read is None:
            return None
        return k, scan, g_staff, g_read, world.admission()

    def _stands_in(self, owner: type) -> bool:
        """Whether ``owner``'s compiled stand-ins for its per-problem methods (a phase's batch, a compiled
        scan) may run: only for ``owner`` itself. A subclass, a variant of a rule set or a test's
        reference form, has its problems taken one by one through its own methods (``notice``, ``define``,
        ``design``, ``decide`` and what they call), so that what it overrides is what runs."""
        return type(self) is owner

    def notice_and_define_all(self, world: World, waiting: list[Problem], uses: bool) -> list[tuple[int, str]] | None:
        """Notice and define the problems ``waiting`` as the phase would, taking :meth:`next_noticed` and
        :meth:`define` in turn, all at once: the indices noticed, in order, with who noticed each
        (the phase then sets what it sets on each); or do nothing and return None, and the phase takes
        them one by one. A rule set with a batched path overrides this."""
        return None

    @abstractmethod
    def define(self, world: World, problem: Problem) -> None:
        """Form the defining group and set ``problem.defined`` (and its cost and delay)."""

    # Phase 3 -------------------------------------------------------------
    @abstractmethod
    def design(self, world: World, problem: Problem) -> bool:
        """Design a solution; ``False`` if no design came out this step (deadlock)."""

    def design_all(self, world: World, ready: list[Problem], uses: bool) -> bool:
        """Design every problem of ``ready`` at once, each after its admission (``World.admit`` where the
        stage ``uses`` administrators' time), with what the phase would get taking them one by one
        (:meth:`design`, the stage set to designed where it returns True); or do nothing and return
        False, and the phase takes them one by one. A rule set with a batched path overrides this."""
        return False

    # Phase 4 -------------------------------------------------------------
    @abstractmethod
    def decide(self, world: World, problem: Problem) -> bool:
        """Decide on the design; returning ``False`` sends it back to design (NPG's council veto)."""

    def decide_all(self, world: World, ready: list[Problem], uses: bool) -> list[bool] | None:
        """:meth:`decide` for every problem of ``ready`` in turn, each after its admission (``World.admit``
        where the stage ``uses`` administrators' time), with what the phase would get taking them one by
        one; the answer for each, or None (a problem not admitted), in their order. Or do nothing and
        return None, and the phase takes them one by one. A rule set with a batched path overrides this."""
        return None

    # Phase 5 -------------------------------------------------------------
    @abstractmethod
    def steer(self, world: World) -> Steering:
        """Control pressure, discretion and focus for employees this step."""

    def respond(self, world: World) -> None:
        """The rule set's own response at the end of a step (NPM: customers exit); none by default."""

    def expectation_push(self) -> float:
        """Extra rise of citizens' expectations per step that this role casting brings (T3)."""
        return 0.0

    def clarity(self, world: World, problem: Problem) -> float:
        """How fixed responsibilities for implementation are (T15); 1 for hierarchy and contracts."""
        return 1.0

    # Shared pieces -------------------------------------------------------
    def design_with(self, world: World, problem: Problem, group: Group, direction: np.ndarray,
                    slack: float, constraint: float, sharing: float = 1.0, *,
                    knowledge: np.ndarray | None = None, learning: float = 1.0) -> None:
        """Record a design made by ``group`` aiming at ``direction``: fit, diversity, novelty, learning.

        With chance ``params.standardisation`` the designers also look in the rulebook: a
        standard solution (:func:`govsim.mechanisms.standard_fit`) replaces their own design
        when it fits better; it carries no novelty (T6).
        """
        if knowledge is None:
            knowledge = world.knowledge_of(group)
        if (type(knowledge) is not np.ndarray or knowledge.dtype is not _F64 or knowledge.ndim != 2
                or knowledge.shape[1] != mech.K):
            knowledge = np.asarray(knowledge, dtype=float).reshape(-1, mech.K)
        best = _max_reduce(knowledge, 0) if knowledge.shape[0] else None
        self._design_from_best(world, problem, group, direction, slack, constraint, sharing, best, learning)

    def _design_from_best(self, world: World, problem: Problem, group: Group, direction: np.ndarray,
                          slack: float, constraint: float, sharing: float, best: np.ndarray | None,
                          learning: float) -> None:
        """:meth:`design_with` once the members' best knowledge on each dimension is known (``best``, a
        new float64 vector the design keeps; None when the group has no members)."""
        if self._design_compiled(world, problem, group, direction, slack, constraint, sharing, best, learning):
            return
        # The mechanisms' formulas (pool_knowledge, knowledge_diversity, solution_fit, recombine_novelty,
        # standard_fit), with the members' best knowledge found once for coverage and diversity.
        if best is not None:
            b = best.tolist()
            b0, b1, b2, b3, b4 = b
            diversity = (b0 + b1 + b2 + b3 + b4) / mech.K
            if type(sharing) is float and sharing == 1.0:  # 1.0 x c is c, for every double
                coverage = best
            else:
                coverage = sharing * best
                b = coverage.tolist()
        else:
            coverage, diversity = _zeros(mech.K), 0.0
            b = [0.0] * 5
        need = problem.need.tolist()
        problem.coverage = coverage
        problem.direction = direction
        aim = direction if type(direction) is np.ndarray and direction.dtype is _F64 else np.asarray(direction, dtype=float)
        fit = problem.fit = fit_of(aim.tolist(), need, _log_clipped(b))
        problem.diversity = diversity
        streams = world.streams
        spread = world.core.novelty_spread
        u = uniform_draw(streams.get("novelty", problem.id, problem.rounds), 1.0 - spread, 1.0 + spread)
        problem.novelty = min(max(float(diversity * slack * (1.0 - constraint) * u), 0.0), 1.0)
        problem.standard = False
        share = self.params.standardisation  # (with a share of 0 or 1 the draw decides nothing and is not made)
        looks = share > 0.0 and (share >= 1.0 or streams.get("standard", problem.id, problem.rounds).random() < share)
        defined = problem.defined
        if looks and defined is not None:
            t = int(defined.argmax()) if type(defined) is np.ndarray else int(np.argmax(defined))
            standard_fit = need[t] * self._codified(world)[t]  # the product of the two doubles, as numpy's
            if standard_fit > fit:
                standard = _zeros(mech.K)
                standard[t] = 1.0
                problem.direction, problem.fit, problem.novelty, problem.standard = standard, standard_fit, 0.0, True
        problem.learning = world.learn(group, coverage, learning) if learning > 0 else 0.0
        problem.designed_at = world.now
        world.designs.append(problem)

    def _design_compiled(self, world: World, problem: Problem, group: Group, direction, slack: float,
                         constraint: float, sharing: float, best: np.ndarray | None, learning: float) -> bool:
        """:meth:`_design_from_best` in one compiled call (:func:`govsim.kernels.compiled.design_from_best`:
        the same draws and numbers, numpy's own logarithm and exponential included); False where the
        Python form must run."""
        k = kernels.get()
        if k is None:
            return False
        loops = kernels.numpy_loops(k)
        streams = world.streams
        views = self._design_views
        if views is None or views[0] is not streams:
            views = self._design_views = (streams, streams.views_of(streams.get("novelty", 0)),
                                          streams.views_of(streams.get("standard", 0)))
        need, defined = problem.need, problem.defined
        spread = world.core.novelty_spread
        low = 1.0 - spread
        width = (1.0 + spread) - low
        if (loops is None or views[1] is None or views[2] is None or not plain_k(need) or not plain_k(direction)
                or not (best is None or plain_k(best)) or not (defined is None or plain_k(defined))
                or not 0.0 < width < _INF):  # (a width of 0, or none, is left to the Python form's uniform_draw)
            return False
        learns = learning > 0
        pairs = world.learning_pairs(group) if learns else NO_LEARNING
        if pairs is None:
            return False
        lr = world.config.citizens.learning_rate * learning if learns else 0.0
        scaled = not (type(sharing) is float and sharing == 1.0)
        coverage, fit, diversity, novelty, standard, learned = k.design_from_best(
            _ZEROS_K if best is None else best, best is not None, float(sharing), scaled, need, direction, loops[0],
            loops[1], views[1], views[2], problem.id, problem.rounds, low, width, float(slack), float(constraint),
            float(self.params.standardisation), _ZEROS_K if defined is None else defined, defined is not None,
            self._codified_array(world), *pairs, float(lr), float(learning))
        record_design(world, problem, direction, coverage, fit, diversity, novelty, standard,
                      learned if learns else 0.0)
        return True

    _design_views: tuple | None = None  # (streams, novelty's and standard's state views): see _design_compiled

    def _codified_array(self, world: World) -> np.ndarray:
        """:meth:`_codified` as an array."""
        kept = self._codified_kept
        if kept is None or kept[0] is not world.config:
            self._codified(world)
            kept = self._codified_kept
        if len(kept) == 2:
            kept = self._codified_kept = (*kept, np.array(kept[1]))
        return kept[2]

    _codified_kept: tuple | None = None  # (config, world.codified() as a list): see _codified

    def _codified(self, world: World) -> list[float]:
        """``world.codified()`` as a list. It rests on the scenario's ``problems.codified`` only (a frozen
        configuration): worked out again only when the world's configuration is another object."""
        kept = self._codified_kept
        if kept is None or kept[0] is not world.config:
            kept = self._codified_kept = (world.config, world.codified().tolist())
        return kept[1]

    @staticmethod
    def employee_slack(world: World, rows: np.ndarray) -> float:
        """Room to think differently: mean of discretion x motivation of the employees designing (T4, T5)."""
        n = rows.size
        if n == 0:
            return 0.0
        e = world.employees
        if n == 1:  # the mean of one number is that number
            r = rows[0]
            return float(e.discretion[r] * e.motivation[r])
        return float(_add_reduce(e.discretion[rows] * e.motivation[rows], None)) / n  # ndarray.sum(), without its wrapper

    def complaint_influence(self) -> float:
        """How far a complaint moves the service under this rule set (voice, T2, T7)."""
        return self.params.complaint_influence

    def describe(self) -> str:
        return f"{self.label}: the public sector as {self.public_sector_as}; citizens as {self.citizen_role}s"
