"""Societal problems and the stream in which they arrive (T6, T19).

A problem is the unit of work of the public sector in govsim. It carries its
true need (hidden from agents), the citizens it touches and, as it moves
through the phases of :meth:`govsim.model.GovModel.step`, what each phase did to
it: who defined it and how well, what was designed, decided and delivered, and
what it cost. Problems in flight are plain objects; a closed problem is also kept as
one compact row of :class:`ProblemRecords`.
"""

from __future__ import annotations

import enum
from dataclasses import MISSING, dataclass, field, fields
from operator import attrgetter

import numpy as np

from govsim.mechanisms import EXPERIENTIAL, LOCAL, K

EMPTY = np.zeros(0, dtype=np.int64)
DRIVERS = ("problem", "challenge", "ambition")
"""T19's drivers. Problems are felt first by citizens, challenges by the
administration, ambitions by politicians. Where any kind of agent can
initiate (NPG, T10), the driver raises the salience of the problem to the
kind that feels it first (see ``NPG.notice``)."""


class Stage(enum.IntEnum):
    """Where a problem is in its life."""

    ARRIVED = 0
    DEFINED = 1
    DESIGNED = 2
    DECIDED = 3
    CLOSED = 4


@dataclass(frozen=True, init=False)
class Group:
    """Members of a group working on a problem, as row indices into each population."""

    citizens: np.ndarray = field(default_factory=lambda: EMPTY)
    employees: np.ndarray = field(default_factory=lambda: EMPTY)
    administrators: np.ndarray = field(default_factory=lambda: EMPTY)
    politicians: np.ndarray = field(default_factory=lambda: EMPTY)
    firms: np.ndarray = field(default_factory=lambda: EMPTY)

    def __init__(self, citizens: np.ndarray = EMPTY, employees: np.ndarray = EMPTY, administrators: np.ndarray = EMPTY,
                 politicians: np.ndarray = EMPTY, firms: np.ndarray = EMPTY) -> None:
        # What the generated __init__ of a frozen dataclass sets (each missing kind is EMPTY, as the
        # default factories give), written to the instance's dict at once: groups are made for every
        # problem at every stage.
        self.__dict__.update(citizens=citizens, employees=employees, administrators=administrators,
                             politicians=politicians, firms=firms)

    def size(self) -> int:
        return int(self.citizens.size + self.employees.size + self.administrators.size + self.politicians.size
                   + self.firms.size)

    def replace(self, **kw) -> Group:
        return Group(**{**self.__dict__, **kw})  # the instance's dict holds exactly the five kinds


@dataclass
class Arena:
    """A co-creation arena around one problem, as its rung and the metagovernance tools shape it.

    The fields start at "unsteered" values; each tool of :mod:`govsim.metagovernance`
    writes the ones it acts on when the arena forms, and the NPG rule set reads them
    (T9, T15-T18). ``intrusions`` collects how far each tool takes decisions out of the
    members' hands; autonomy is the product of ``1 - x`` over them (T16).
    """

    rung: int = 6
    tokenistic: bool = False
    seats: int = 0
    outreach: float = 0.0
    profile: float = 0.0
    broad: float = 0.0
    pull: float = 0.0
    mandate: float = 0.0
    deadline: float = 0.0
    premises: float = 0.0
    management: float = 0.0
    activation: float = 0.0
    inside: float = 0.0
    breakthrough: float = 0.0
    clarity: float = 0.0
    intrusions: dict = field(default_factory=dict)
    round_hours: float = 0.0
    servicing: float = 0.0
    setup_hours: float = 0.0
    strengths: dict = field(default_factory=dict)
    imposed: bool = False

    @property
    def autonomy(self) -> float:
        out = 1.0
        for x in self.intrusions.values():
            out *= 1.0 - min(max(float(x), 0.0), 1.0)
        return out

    def intrude(self, tool: str, x: float) -> None:
        self.intrusions[tool] = self.intrusions.get(tool, 0.0) + float(x)

    @classmethod
    def formed(cls, rung: int, tokenistic: bool = False) -> Arena:
        """``Arena(rung=rung, tokenistic=tokenistic)`` (an equal arena), made without the generated
        ``__init__``'s overhead: an arena forms for every problem NPG defines."""
        arena = object.__new__(cls)
        arena.__dict__.update(_ARENA_START, rung=rung, tokenistic=tokenistic, intrusions={}, strengths={})
        return arena


_ARENA_START = {f.name: f.default for f in fields(Arena) if f.default is not MISSING}
"""The fields of a new :class:`Arena` that have a plain default (the two dicts are made fresh by :meth:`Arena.formed`)."""


@dataclass(eq=False)
class Problem:
    """One societal problem and everything that happened to it."""

    id: int
    arrived: int
    driver: str
    wickedness: float
    need: np.ndarray
    affected: np.ndarray
    stage: Stage = Stage.ARRIVED
    ready_at: int = 0
    paradigm: str = ""
    initiator: str = ""
    group: Group = field(default_factory=Group)
    defined: np.ndarray | None = None
    definition_quality: float = 0.0
    direction: np.ndarray | None = None
    coverage: np.ndarray | None = None
    fit: float = 0.0
    novelty: float = 0.0
    standard: bool = False
    diversity: float = 0.0
    conflict: float = 0.0
    muddy: bool = False
    influence: float = 0.0
    rung: int = 0
    political_ownership: float = 0.0
    clarity: float = 1.0
    rounds: int = 0
    attempts: int = 0
    learning: float = 0.0
    designed_at: int = -1
    legitimacy: float = 0.0
    decided_at: int = -1
    arena: Arena | None = None
    alignment: float = 0.0
    support: float = 0.0
    discussed: bool = False
    political_case: bool = False
    public_hours: float = 0.0
    citizen_hours: float = 0.0
    quality: float = 0.0
    value: float = 0.0
    implemented: bool = False
    solved: bool = False
    outcome: str = ""
    closed_at: int = -1

    @property
    def age(self) -> int:
        return self.closed_at - self.arrived if self.closed_at >= 0 else -1


def _weighted_dims(rng: np.random.Generator, weights: np.ndarray, m: int) -> np.ndarray:
    """``m`` distinct dimensions drawn with chance weights (Efraimidis–Spirakis keys, one draw per dimension).

    A dimension of weight 0 is drawn only when fewer than ``m`` have a positive weight.
    """
    u = rng.random(K)
    with np.errstate(divide="ignore"):
        keys = np.where(weights > 0, np.log(np.maximum(u, 1e-300)) / np.maximum(weights, 1e-300), -np.inf)
    return np.argsort(-keys, kind="stable")[:m]


class _DimensionDraw:
    """:func:`_weighted_dims` for one fixed weight vector, with what depends only on the weights
    worked out once: the same draw, the same keys, the same order (a stable sort, largest key first)."""

    __slots__ = ("scale", "positive", "all_positive", "weights")

    def __init__(self, weights: np.ndarray) -> None:
        self.weights = weights
        self.positive = weights > 0
        self.all_positive = bool(self.positive.all())
        self.scale = np.maximum(weights, 1e-300)

    def __call__(self, rng: np.random.Generator, m: int) -> list[int]:
        u = rng.random(K)
        keys = np.log(np.maximum(u, 1e-300)) / self.scale
        if not self.all_positive:
            keys = np.where(self.positive, keys, -np.inf)
        neg = (-keys).tolist()
        return sorted(range(K), key=neg.__getitem__)[:m]

    def order(self, u: np.ndarray) -> np.ndarray:
        """The dimensions in the order :meth:`__call__` ranks them, one row per row of uniform draws ``u``
        (shape ``(n, K)``): the same keys, element by element, and the same stable sort, largest key first.
        A problem that needs ``m`` dimensions takes the first ``m`` of its row."""
        keys = np.log(np.maximum(u, 1e-300)) / self.scale
        if not self.all_positive:
            keys = np.where(self.positive, keys, -np.inf)
        return np.argsort(-keys, axis=1, kind="stable")


def _shares(gammas: list[float]) -> list[float]:
    """Gamma draws normalised to sum 1, as ``Generator.dirichlet`` does: their sum taken in order, then
    each draw multiplied by its reciprocal."""
    acc = 0.0
    for x in gammas:
        acc += x
    inv = 1.0 / acc
    return [x * inv for x in gammas]


class ProblemStream:
    """Draws new problems from its own random stream (common random numbers).

    The stream uses only its own generator and only the problem settings, so
    under one seed every paradigm meets the identical sequence of problems.
    """

    def __init__(self, rng: np.random.Generator, rate: float, wickedness: float, reach: int,
                 neighbourhood, dispersion: float = 0.4) -> None:
        self.rng = rng
        self.rate = rate
        self.wickedness = wickedness
        # Chance weights of the dimensions a need touches: citizens' local and experiential
        # knowledge share ``dispersion``, the other three the rest (0.4: all alike).
        w = np.full(K, (1.0 - dispersion) / 3.0)
        w[[LOCAL, EXPERIENTIAL]] = dispersion / 2.0
        self.weights = w
        self.reach = reach
        self.neighbourhood = neighbourhood
        self.next_id = 0
        self._dims: _DimensionDraw | None = None

    def draw(self, step: int) -> list[Problem]:
        """Problems arriving at ``step``: Poisson(rate) many, each with wickedness, need and reach.

        Each problem takes its draws from the stream in a fixed order (wickedness, the keys of its
        dimensions, the shares of its need, driver, origin, reach). What needs no further draw (which
        dimensions the keys pick, the need vectors, the citizens each problem reaches) is worked out
        afterwards for all of the step's problems. The shares are ``Dirichlet(2, ..., 2)`` over the
        ``m`` dimensions, drawn as ``Generator.dirichlet`` draws them: ``m`` standard gamma variates of
        shape 2 (written into the first ``m`` places of the problem's row of a zeroed block), normalised
        by their sum taken in order (a running sum along the row: the zeros after the ``m`` draws add
        nothing) and multiplied by its reciprocal, as :func:`_shares` does.
        """
        rng = self.rng
        n = int(rng.poisson(self.rate))
        if not n:
            return []
        # Wickedness ~ Beta with the configured mean (concentration 4).
        mean = min(max(self.wickedness, 1e-3), 1 - 1e-3)
        a, b = 4 * mean, 4 * (1 - mean)
        dims_of = self._dims
        if dims_of is None or dims_of.weights is not self.weights:
            dims_of = self._dims = _DimensionDraw(self.weights)
        hood = self.neighbourhood
        n_citizens, n_drivers, reach = hood.n, len(DRIVERS), self.reach
        beta, uniform, gamma, integers, poisson = rng.beta, rng.random, rng.standard_gamma, rng.integers, rng.poisson
        keys_u = np.empty((n, K))
        gammas = np.zeros((n, K))
        drawn = []
        for i in range(n):
            w = float(beta(a, b))
            # Wicked problems need more dimensions at once (T6): 1 + round(w (K - 1)).
            m = 1 + int(round(w * (K - 1)))
            uniform(out=keys_u[i])
            gamma(2.0, out=gammas[i, :m])
            drawn.append((w, DRIVERS[integers(n_drivers)], int(integers(n_citizens)), max(1, int(poisson(reach)))))
        shares = gammas * (1.0 / np.add.accumulate(gammas, axis=1)[:, -1:])  # 0 after the m draws
        needs = np.empty((n, K))
        needs[np.arange(n)[:, None], dims_of.order(keys_u)] = shares  # row i's j-th dimension gets its j-th share
        first = self.next_id
        self.next_id = first + n
        return [Problem(id=first + i, arrived=step, driver=driver, wickedness=w, need=needs[i],
                        affected=hood(origin, size), ready_at=step)
                for i, (w, driver, origin, size) in enumerate(drawn)]


class ProblemRecords:
    """Every closed problem as one compact row of a columnar table (T19).

    A :class:`Problem` object carries its vectors, its group and its arena (a few KB);
    once closed, what an analysis needs of it is a few dozen numbers. The world appends
    each closed problem here (:meth:`add`), whether or not the model keeps the objects
    (``GovModel(history=False)`` keeps only the indicators' window of them), so a long
    or large run still has the outcome of every problem for a few hundred bytes each.
    Columns are numpy arrays that grow by doubling; :meth:`frame` returns them as a
    pandas DataFrame, one row per problem in the order they closed. Text columns
    (``outcome``, ``paradigm``, ``initiator``, ``driver``) are stored as codes and come
    back as categoricals.
    """

    NUMBERS = ("id", "arrived", "closed_at", "rung", "rounds", "attempts", "n_affected")
    FLOATS = ("wickedness", "definition_quality", "fit", "novelty", "diversity", "conflict", "influence",
              "political_ownership", "clarity", "learning", "legitimacy", "alignment", "support",
              "public_hours", "citizen_hours", "quality", "value")
    FLAGS = ("standard", "muddy", "discussed", "political_case", "implemented", "solved")
    TEXTS = ("outcome", "paradigm", "initiator", "driver")

    PENDING = 256
    """Rows taken since the columns were last written are written in one go once this many wait (or on a read)."""

    def __init__(self, capacity: int = 256) -> None:
        self._n = 0
        self._pending: list[tuple] = []
        self._values = attrgetter(*self.NUMBERS[:-1], *self.FLOATS, *self.FLAGS, *self.TEXTS)
        self._cols: dict[str, np.ndarray] = {}
        for name in self.NUMBERS:
            self._cols[name] = np.zeros(capacity, dtype=np.int64)
        for name in self.FLOATS:
            self._cols[name] = np.zeros(capacity, dtype=np.float64)
        for name in self.FLAGS:
            self._cols[name] = np.zeros(capacity, dtype=bool)
        self._codes: dict[str, dict[str, int]] = {name: {} for name in self.TEXTS}
        for name in self.TEXTS:
            self._cols[name] = np.zeros(capacity, dtype=np.int16)

    def __len__(self) -> int:
        return self._n + len(self._pending)

    @property
    def n(self) -> int:
        """Rows so far."""
        return self._n + len(self._pending)

    def __getstate__(self) -> dict:
        self._flush()
        state = dict(self.__dict__)
        del state["_values"]  # an attrgetter: rebuilt on load
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._values = attrgetter(*self.NUMBERS[:-1], *self.FLOATS, *self.FLAGS, *self.TEXTS)

    @property
    def nbytes(self) -> int:
        """Bytes held by the columns (allocated capacity included)."""
        self._flush()
        return int(sum(c.nbytes for c in self._cols.values()))

    def add(self, p: Problem) -> None:
        """Append closed problem ``p`` as a row (its values as they are now)."""
        pending = self._pending
        pending.append((*self._values(p), p.affected.size))
        if len(pending) >= self.PENDING:
            self._flush()

    def _flush(self) -> None:
        """Write the rows taken since the last write into the columns, in the order they were taken:
        the same values, and text codes numbered in the order their labels first appear, as
        writing each row at once would give."""
        rows = self._pending
        if not rows:
            return
        i, k = self._n, len(rows)
        cols = self._cols
        size = len(cols["id"])
        if i + k > size:
            while i + k > size:
                size *= 2
            for name, col in cols.items():
                grown = np.zeros(size, dtype=col.dtype)
                grown[:i] = col[:i]
                cols[name] = grown
        values = list(zip(*rows))
        names = self.NUMBERS[:-1] + self.FLOATS + self.FLAGS
        j = i + k
        for name, v in zip(names, values):
            cols[name][i:j] = v
        cols["n_affected"][i:j] = values[-1]
        for name, v in zip(self.TEXTS, values[len(names):]):
            codes = self._codes[name]
            cols[name][i:j] = [codes.setdefault(x, len(codes)) for x in v]
        self._n = j
        self._pending = []

    def column(self, name: str) -> np.ndarray:
        """One column over the rows so far (text columns as their strings)."""
        self._flush()
        col = self._cols[name][: self.n]
        if name in self.TEXTS:
            labels = np.array(list(self._codes[name]) or [""], dtype=object)
            return labels[col]
        return col.copy()

    def frame(self):
        """The rows as a pandas DataFrame (plus ``age`` = closed_at - arrived); text columns are categoricals."""
        import pandas as pd

        self._flush()
        data = {}
        for name in self.NUMBERS + self.FLOATS + self.FLAGS:
            data[name] = self._cols[name][: self.n].copy()
        data["age"] = data["closed_at"] - data["arrived"]
        for name in self.TEXTS:
            labels = list(self._codes[name])
            data[name] = pd.Categorical.from_codes(self._cols[name][: self.n].astype(np.int64), categories=labels) \
                if labels else pd.Categorical([])
        return pd.DataFrame(data)
