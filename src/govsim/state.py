"""Columnar state of the populations, declared once.

Each population is a set of numpy columns, one row per agent. A column is
declared with one line, :class:`Col`: its name, how it starts (a constant or a
function of the population built so far, the population stream and the
scenario), its meaning and the THEORY claim it serves. The Mesa agents in
:mod:`govsim.agents` are generated from these declarations, so a new column
needs one line here and nothing else. Columns are updated in place (``x[:] = ...``)
so a view never goes stale.

Knowledge profiles: employees know the professional side, administrators the
procedure, citizens local and experiential matters (spread widely and unevenly),
politicians values and support, firms the professional and market side.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from govsim.mechanisms import EXPERIENTIAL, K, LOCAL, POLITICAL, PROCEDURAL, PROFESSIONAL

ROLE_CODES = {"subject": 0, "customer": 1, "co-creator": 2}
NEVER = -(10**9)


def _profile(rng: np.random.Generator, n: int, strong: list[int], high: float, low: float) -> np.ndarray:
    """Knowledge rows: Beta draws around ``high`` on the ``strong`` dimensions, ``low`` elsewhere."""
    k = rng.beta(2.0, 2.0 / max(low, 1e-3) - 2.0, size=(n, K)) if low > 0 else np.zeros((n, K))
    hi = rng.beta(8.0 * high, 8.0 * (1.0 - high), size=(n, len(strong)))
    k[:, strong] = hi
    return np.clip(k, 0.0, 1.0)


def _clip(x: np.ndarray) -> np.ndarray:
    return np.clip(x, 0.0, 1.0)


@dataclass(frozen=True)
class Col:
    """One column: ``init`` is a constant (filled) or ``f(pop, rng, cfg) -> array``."""

    name: str
    init: Any
    doc: str
    theory: str = "-"
    dtype: Any = float


class Population:
    """Base of a population: builds its declared columns in order."""

    columns: ClassVar[tuple[Col, ...]]
    kind: ClassVar[str]

    def __init__(self, n: int, rng: np.random.Generator, cfg, **context) -> None:
        self.n = n
        self.context = context
        for col in self.columns:
            value = col.init(self, rng, cfg) if callable(col.init) else np.full(n, col.init, dtype=col.dtype)
            setattr(self, col.name, np.asarray(value, dtype=col.dtype))

    @classmethod
    def column_names(cls) -> tuple[str, ...]:
        return tuple(c.name for c in cls.columns)


def _resources(pop, rng, cfg):
    raw = rng.lognormal(0.0, cfg.resource_inequality, size=pop.n)
    return raw / (raw + np.median(raw))  # rank-preserving squash of a skewed draw into (0, 1] (T26)


def _citizen_knowledge(pop, rng, cfg):
    k = _profile(rng, pop.n, [LOCAL], 0.55, 0.08)
    k[:, EXPERIENTIAL] = rng.beta(1.2, 2.0, size=pop.n)
    return k


class Citizens(Population):
    """Citizens: resources, knowledge, trust, efficacy, willingness, satisfaction, role (T11, T26)."""

    kind = "citizen"
    columns = (
        Col("resources", _resources, "Time, skills and money to take part, in (0, 1].", "T26"),
        Col("high_resource", lambda p, r, c: p.resources >= np.median(p.resources), "In the more resourceful half.", "T26", bool),
        Col("knowledge", _citizen_knowledge, "Knowledge over the K dimensions (local and experiential).", "T8"),
        Col("position", lambda p, r, c: r.random(p.n), "Preference position in [0, 1].", "T15"),
        Col("trust", lambda p, r, c: _clip(r.normal(c.initial_trust, 0.1, size=p.n)), "Trust in government.", "T11"),
        Col("efficacy", lambda p, r, c: _clip(r.normal(c.initial_efficacy, 0.1, size=p.n)), "Belief that taking part matters.", "T11"),
        Col("willingness", lambda p, r, c: _clip(r.normal(c.initial_willingness, 0.1, size=p.n) * (0.5 + p.resources)), "Willingness to take part.", "T11"),
        Col("satisfaction", 0.5, "Satisfaction with services.", "T2"),
        Col("expectation", 0.5, "What services are judged against.", "T3"),
        Col("provider", lambda p, r, c: r.integers(0, p.context["providers"], size=p.n), "Service unit serving the citizen.", "T2", np.int64),
        Col("last_participated", NEVER, "Step of the latest participation.", "T8", np.int64),
        Col("last_rung", 0, "Ladder rung of the latest participation.", "T9", np.int64),
        Col("last_deliberated", NEVER, "Step of the latest participation at rung 3 or up.", "T26", np.int64),
        Col("participations", 0, "Times taken part.", "T11", np.int64),
        Col("fatigue", 0.0, "Participation fatigue: rises with each act of taking part, wears off, lowers willingness.", "T11, T15"),
        Col("complaints", 0, "Complaints made (voice).", "T2, T7", np.int64),
        Col("role_code", 0, "Role cast by the rule set (0 subject, 1 customer, 2 co-creator).", "T1", np.int64),
    )


def _employee_knowledge(pop, rng, cfg):
    k = _profile(rng, pop.n, [PROFESSIONAL], 0.75, 0.1)
    k[:, EXPERIENTIAL] = rng.beta(1.5, 6.0, size=pop.n)
    return k


class Employees(Population):
    """Front-line employees: motivation, pressure, discretion, effort (T3, T4, T5, T27)."""

    kind = "employee"
    columns = (
        Col("knowledge", _employee_knowledge, "Knowledge (professional).", "T8"),
        Col("motivation", lambda p, r, c: _clip(r.normal(c.initial_motivation, 0.1, size=p.n)), "Intrinsic motivation.", "T5"),
        Col("intrinsic", lambda p, r, c: _clip(p.motivation - c.initial_motivation + c.intrinsic_motivation), "Own (public-service) motivation: the ceiling trusted discretion sustains motivation at (no draws: the initial motivation shifted to the configured mean).", "T5, T27"),
        Col("drift", 0.0, "Share of unsteered effort drifting to the employee's own ends (principal–agent).", "T3, T27"),
        Col("pressure", 0.0, "Control pressure felt.", "T3"),
        Col("discretion", 0.5, "Room for professional judgement.", "T27"),
        Col("effort", 0.0, "Effort delivered.", "T3"),
        Col("steered_share", 0.0, "Share of effort pulled to what control looks at.", "T4"),
        Col("provider", lambda p, r, c: np.arange(p.n) % p.context["providers"], "Service unit.", "T2", np.int64),
        Col("position", lambda p, r, c: r.random(p.n), "Preference position.", "T15"),
    )


def _admin_knowledge(pop, rng, cfg):
    k = _profile(rng, pop.n, [PROCEDURAL], 0.8, 0.1)
    k[:, PROFESSIONAL] = rng.beta(2.0, 3.0, size=pop.n)
    return k


class Administrators(Population):
    """Civil servants: procedural knowledge, facilitation skill, control orientation (T25)."""

    kind = "administrator"
    columns = (
        Col("knowledge", _admin_knowledge, "Knowledge (procedural).", "T8"),
        Col("facilitation", lambda p, r, c: _clip(r.normal(c.facilitation_skill, 0.1, size=p.n)), "Skill at facilitating an arena.", "T25"),
        Col("control", lambda p, r, c: _clip(r.normal(c.control_orientation, 0.1, size=p.n)), "Urge to steer from inside.", "T16"),
        Col("hours_left", 0.0, "Hours left this step.", "T24"),
        Col("position", lambda p, r, c: _clip(r.normal(0.5, 0.1, size=p.n)), "Preference position.", "T15"),
    )


def _politician_knowledge(pop, rng, cfg):
    k = _profile(rng, pop.n, [POLITICAL], 0.8, 0.1)
    k[:, LOCAL] = rng.beta(1.5, 6.0, size=pop.n)
    return k


class Politicians(Population):
    """Politicians: political knowledge, positions, openness, legitimacy, time (T20–T24)."""

    kind = "politician"
    columns = (
        Col("knowledge", _politician_knowledge, "Knowledge (political).", "T8"),
        Col("position", lambda p, r, c: r.random(p.n), "Preference position.", "T15"),
        Col("openness", lambda p, r, c: _clip(r.normal(c.openness, 0.1, size=p.n)), "Willingness to share power.", "T24"),
        Col("legitimacy", 0.5, "Standing with citizens: set at elections, moved by political leadership shown.", "T21"),
        Col("hours_left", 0.0, "Hours left this step.", "T22"),
        Col("policy_hours", 0.0, "Hours on policy development this step.", "T20, T22"),
        Col("case_hours", 0.0, "Hours on case handling this step.", "T20"),
        Col("committee_hours", 0.0, "Hours in standing committees this step.", "T20, T22"),
        Col("leadership", 0.0, "Political leadership shown recently (define, direct, mobilise).", "T21"),
    )


def _firm_knowledge(pop, rng, cfg):
    k = _profile(rng, pop.n, [PROFESSIONAL], 0.7, 0.1)
    k[:, LOCAL] = rng.beta(2.0, 4.0, size=pop.n)
    return k


class Firms(Population):
    """Private partners that bring resources and knowledge to arenas (T12, T28)."""

    kind = "firm"
    columns = (
        Col("knowledge", _firm_knowledge, "Knowledge (professional, market).", "T28"),
        Col("resources", lambda p, r, c: _clip(r.beta(4.0 * c.resources, 4.0 * (1.0 - c.resources), size=p.n)) if p.n else np.zeros(0), "Resources a firm can bring.", "T28"),
        Col("position", lambda p, r, c: r.random(p.n), "Preference position.", "T15"),
        Col("trust", lambda p, r, c: np.full(p.n, c.initial_trust), "Trust in the public partner.", "T28"),
        Col("engagements", 0, "Arenas joined.", "T28", np.int64),
    )


class Providers:
    """Service units: quality delivered, share of customers lost and complaining last step, own focus (T2)."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.quality = np.zeros(n)
        self.loss = np.zeros(n)
        self.complaints = np.zeros(n)  # share of a provider's customers who complained last step
        self.focus: np.ndarray | None = None  # a provider's own focus of control (n x K), set by NPM's management


POPULATIONS: dict[str, type[Population]] = {
    "citizens": Citizens, "employees": Employees, "administrators": Administrators,
    "politicians": Politicians, "firms": Firms,
}
"""Attribute name on the world -> population class (agents are generated from this)."""

Factory = Callable[..., Population]
