"""Outcome indicators and the three indices: efficiency, democracy, innovation (T19).

Each indicator is a pure function of model state, in [0, 1]; in the three index
families higher is better. Indicators of the ``report`` family (who initiated,
participation by resource group, decoupling, alignment with political goals,
politicians' leadership) describe what happened and enter no index.
Event-based indicators read the problems closed, designed or decided within the
last ``outcomes.window`` steps and are 0 when no such event happened (nothing
delivered is nothing delivered). They read each event's numbers as they were when it
happened, kept as columns (:class:`govsim.world.EventColumns`), and only the events
still in the window, so an indicator is a few array reductions and its cost per step
does not grow with the length of the run. An index is the unweighted mean of its
family's indicators. The registry below is used by the data collector, the
runner, the CLI and the browser view alike.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from govsim import kernels
from govsim.mechanisms import LADDER_TOP
from govsim.world import INITIATORS

if TYPE_CHECKING:  # pragma: no cover
    from govsim.model import GovModel

FAMILIES = ("efficiency", "democracy", "innovation")
REPORT = "report"
KINDS = INITIATORS


@dataclass(frozen=True)
class Indicator:
    name: str
    family: str
    theory: str
    func: Callable[[GovModel], float]

    @property
    def doc(self) -> str:
        return (self.func.__doc__ or "").strip().splitlines()[0]


def _since(model: GovModel) -> int:
    return model.steps - model.config.outcomes.window


def _closed(model) -> dict[str, np.ndarray]:
    """The closures in the window, as columns (:data:`govsim.world.CLOSED_FIELDS`)."""
    return model.world.closed.table(_since(model))


def _designs(model) -> dict[str, np.ndarray]:
    """The designs in the window, as columns (:data:`govsim.world.DESIGN_FIELDS`)."""
    return model.world.designs.table(_since(model))


def _decisions(model) -> dict[str, np.ndarray]:
    """The decisions in the window, as columns (:data:`govsim.world.DECISION_FIELDS`)."""
    return model.world.decisions.table(_since(model))


_add_reduce = np.add.reduce


def _mean(values: np.ndarray) -> float:
    """Mean of a float or boolean column, 0 if empty: ``float(values.mean())``, the same sum over the
    same count, without ``mean``'s wrapper (a boolean column's sum is its count of True)."""
    n = values.size
    return float(_add_reduce(values, None)) / n if n else 0.0


def _rate(flags: np.ndarray, among: np.ndarray | None = None) -> float:
    """Share of True in ``flags`` (among the rows where ``among`` is True), 0 if there are no such rows:
    ``flags[among].mean()``, counted instead of summed as floats (the same number)."""
    if among is None:
        n = flags.size
        return np.count_nonzero(flags) / n if n else 0.0
    n = np.count_nonzero(among)
    return np.count_nonzero(flags & among) / n if n else 0.0


def _share(part: np.ndarray, whole: np.ndarray) -> float:
    """Count of ``part`` / count of ``whole`` (boolean masks), 0 if ``whole`` is empty."""
    n = int(np.count_nonzero(whole))
    return int(np.count_nonzero(part)) / n if n else 0.0


# --------------------------------------------------------------------------- efficiency
def value_per_cost(model) -> float:
    """r / (1 + r), r = value delivered (fit x quality) per ``outcomes.hours_unit`` hours: public hours plus
    citizens' hours valued at ``citizens.hour_value`` (co-creation is not free for those who give their time)."""
    closed = _closed(model)
    hv = model.config.citizens.hour_value
    hours = float((closed["public_hours"] + hv * closed["citizen_hours"]).sum())
    if hours <= 0:
        return 0.0
    r = model.config.outcomes.hours_unit * float(closed["value"].sum()) / hours
    return r / (1.0 + r)


def share_solved(model) -> float:
    """Problems solved / problems closed (solved, unsolved, failed, deadlock, expired) in the window."""
    closed = _closed(model)
    return _mean(closed["solved"])


def implementation_success(model) -> float:
    """Implemented / (implemented + failed in implementation) in the window."""
    closed = _closed(model)
    impl = closed["implemented"]
    return _share(impl, impl | closed["failed"])


def speed(model) -> float:
    """1 / (1 + mean steps from arrival to solution / 12) over problems solved in the window."""
    closed = _closed(model)
    ages = closed["age"][closed["solved"]]
    return 1.0 / (1.0 + float(ages.mean()) / 12.0) if ages.size else 0.0


def resources_mobilised(model) -> float:
    """Citizen hours / (citizen + public hours) spent on problems closed in the window."""
    closed = _closed(model)
    cit = float(closed["citizen_hours"].sum())
    pub = float(closed["public_hours"].sum())
    return cit / (cit + pub) if cit + pub > 0 else 0.0


def service_quality(model) -> float:
    """Mean quality of routine services citizens received this step."""
    return float(np.mean(model.provider_quality[model.citizens.provider]))


# --------------------------------------------------------------------------- democracy
def _recent(model) -> np.ndarray:
    return model.citizens.last_participated > _since(model)


def participation_rate(model) -> float:
    """Share of citizens who took part in anything in the window."""
    return _rate(_recent(model))


def participation_depth(model) -> float:
    """Mean ladder rung (T9) of the latest participation of recent participants / 6."""
    recent = _recent(model)
    return float(model.citizens.last_rung[recent].mean() / LADDER_TOP) if recent.any() else 0.0


def _deliberative_rates(model) -> tuple[float, float, float]:
    """Rates of taking part at rung 3 and up in the window: less resourceful half, more resourceful half, all."""
    recent, hi = model.citizens.last_deliberated > _since(model), model.citizens.high_resource
    return _rate(recent, ~hi), _rate(recent, hi), _rate(recent)


def inclusion(model) -> float:
    """Balance x breadth of deliberative participation (rung 3 and up) in the window (T26):
    balance = min / max of the two resource halves' rates, breadth = r / (r + core.inclusion_breadth)
    with r the rate over all citizens; 0 if nobody took part."""
    r_lo, r_hi, r = _deliberative_rates(model)
    top = max(r_hi, r_lo)
    if top <= 0:
        return 0.0
    return (min(r_hi, r_lo) / top) * r / (r + model.config.core.inclusion_breadth)


def participation_low_resource(model) -> float:
    """Share of the less resourceful half who took part at rung 3 and up in the window (T26)."""
    return _deliberative_rates(model)[0]


def participation_high_resource(model) -> float:
    """Share of the more resourceful half who took part at rung 3 and up in the window (T26)."""
    return _deliberative_rates(model)[1]


def _initiated(kind: str):
    code = KINDS.index(kind)

    def share(model) -> float:
        d = _designs(model)
        first = d["first"]
        return _share(first & (d["initiator"] == code), first)
    share.__doc__ = f"Share of problems taken up in the window that a {kind} initiated (T10)."
    share.__name__ = f"initiated_by_{kind}"
    return share


def decoupling(model) -> float:
    """Share of public decisions in the window adopted without political discussion (T20)."""
    d = _decisions(model)
    cases = d["political_case"]
    return _share(cases & ~d["discussed"], cases)


def goal_alignment(model) -> float:
    """Mean alignment (1 - |arena's position - political goal|) of arena designs in the window (T16, T21)."""
    d = _designs(model)
    return _mean(d["alignment"][d["arena"]])


def seats_filled(model) -> float:
    """Citizens seated / citizen seats offered, over arenas formed in the window (T15: hard recruitment)."""
    d = _designs(model)
    offered = d["arena"] & d["first"] & (d["seats"] > 0)
    seats = int(d["seats"][offered].sum())
    return min(1.0, int(d["seated"][offered].sum()) / seats) if seats else 0.0


def leadership(model) -> float:
    """Politicians' mean political leadership shown recently (T21)."""
    return float(model.politicians.leadership.mean())


def political_legitimacy(model) -> float:
    """Politicians' mean legitimacy (set at elections from trust and leadership, T21)."""
    return float(model.politicians.legitimacy.mean())


def trust(model) -> float:
    """Mean citizens' trust in government."""
    return float(model.citizens.trust.mean())


def legitimacy(model) -> float:
    """Mean legitimacy of decisions in the window: (political ownership + citizens' voice) / 2."""
    return _mean(_decisions(model)["legitimacy"])


def influence(model) -> float:
    """Mean influence of citizens on the solutions decided in the window (0 where none took part)."""
    return _mean(_decisions(model)["influence"])


def policy_time(model) -> float:
    """Politicians' hours on policy development / their available hours in the window (T20–T22)."""
    log = model.hours_log[-model.config.outcomes.window:]
    available = sum(h[2] for h in log)
    return min(1.0, sum(h[0] for h in log) / available) if available > 0 else 0.0


# --------------------------------------------------------------------------- innovation
def novel_adoption(model) -> float:
    """Mean of min(1, novelty / ``outcomes.novelty_threshold``) over implemented solutions (continuous)."""
    closed = _closed(model)
    novelty = closed["novelty"][closed["implemented"]]
    if not novelty.size:
        return 0.0
    thr = model.config.outcomes.novelty_threshold
    return float(np.minimum(1.0, novelty / thr).mean()) if thr > 0 else 1.0


def novelty_fit(model) -> float:
    """Mean novelty x fit of implemented solutions."""
    closed = _closed(model)
    impl = closed["implemented"]
    return _mean(closed["novelty"][impl] * closed["fit"][impl])


def diversity(model) -> float:
    """Mean breadth of expertise (mean over dimensions of the best holder) of groups that designed in the window."""
    return _mean(_designs(model)["diversity"])


def learning(model) -> float:
    """Mean mutual learning per design in the window (knowledge gained / learning rate)."""
    return _mean(_designs(model)["learning"])


INDICATORS: tuple[Indicator, ...] = (
    Indicator("value_per_cost", "efficiency", "T8, T19", value_per_cost),
    Indicator("share_solved", "efficiency", "T19", share_solved),
    Indicator("implementation_success", "efficiency", "T8, T15", implementation_success),
    Indicator("speed", "efficiency", "T1", speed),
    Indicator("resources_mobilised", "efficiency", "T5, T12", resources_mobilised),
    Indicator("service_quality", "efficiency", "T2, T3", service_quality),
    Indicator("participation_rate", "democracy", "T8, T11", participation_rate),
    Indicator("participation_depth", "democracy", "T9", participation_depth),
    Indicator("inclusion", "democracy", "T26", inclusion),
    Indicator("trust", "democracy", "T3, T11", trust),
    Indicator("legitimacy", "democracy", "T8, T21", legitimacy),
    Indicator("influence", "democracy", "T7, T11", influence),
    Indicator("policy_time", "democracy", "T20, T22", policy_time),
    Indicator("novel_adoption", "innovation", "T4, T8", novel_adoption),
    Indicator("novelty_fit", "innovation", "T8", novelty_fit),
    Indicator("diversity", "innovation", "T8, T13", diversity),
    Indicator("learning", "innovation", "T8", learning),
    Indicator("participation_low_resource", REPORT, "T26", participation_low_resource),
    Indicator("participation_high_resource", REPORT, "T26", participation_high_resource),
    *(Indicator(f"initiated_by_{k}", REPORT, "T10", _initiated(k)) for k in KINDS),
    Indicator("decoupling", REPORT, "T20", decoupling),
    Indicator("goal_alignment", REPORT, "T16, T21", goal_alignment),
    Indicator("seats_filled", REPORT, "T15, T23", seats_filled),
    Indicator("leadership", REPORT, "T21", leadership),
    Indicator("political_legitimacy", REPORT, "T21", political_legitimacy),
)


@lru_cache(maxsize=1)
def defined_away() -> tuple[str, ...]:
    """Indicators that some registered rule set keeps at 0 by construction (``Paradigm.defines_away``)."""
    from govsim.paradigms import REGISTRY

    names = {n for cls in REGISTRY.values() for n in cls.defines_away}
    return tuple(i.name for i in INDICATORS if i.name in names)


COMMON = tuple(f"{fam}_common" for fam in FAMILIES)
"""Each index recomputed without the indicators any rule set defines away (:func:`defined_away`):
the comparison on ground every rule set can reach."""
SERIES = (*FAMILIES, *COMMON, *(i.name for i in INDICATORS))
"""Every per-step number a run records, in order: the indices, the common indices, the indicators."""


_DEFAULT = INDICATORS
_MEMBERS = {fam: tuple(i.name for i in INDICATORS if i.family == fam) for fam in FAMILIES}


def _state_indicators(model) -> dict[str, float]:
    """The indicators read from the agents' state, each array reduction done once."""
    c = model.citizens
    since = _since(model)
    recent = c.last_participated > since
    deliberated = c.last_deliberated > since
    hi = c.high_resource
    r_hi = _rate(deliberated, hi)
    r_lo = _rate(deliberated, ~hi)
    r = _rate(deliberated)
    top = max(r_hi, r_lo)
    any_recent = recent.any()
    return {
        "service_quality": float(np.mean(model.provider_quality[c.provider])),
        "participation_rate": _rate(recent),
        "participation_depth": float(c.last_rung[recent].mean() / LADDER_TOP) if any_recent else 0.0,
        "inclusion": (min(r_hi, r_lo) / top) * r / (r + model.config.core.inclusion_breadth) if top > 0 else 0.0,
        "trust": float(c.trust.mean()),
        "policy_time": policy_time(model),
        "participation_low_resource": r_lo,
        "participation_high_resource": r_hi,
        "leadership": float(model.politicians.leadership.mean()),
        "political_legitimacy": float(model.politicians.legitimacy.mean()),
    }


def _mean_of(values: list[float]) -> float:
    """``float(np.mean(values))``: under 8 numbers numpy adds them one after the other, as here."""
    n = len(values)
    if 0 < n < 8:
        total = 0.0
        for v in values:
            total += v
        return total / n
    return float(np.mean(values))


_COMPILED = (("value_per_cost", "share_solved", "implementation_success", "speed", "resources_mobilised",
              "novel_adoption", "novelty_fit", *(f"initiated_by_{k}" for k in KINDS), "goal_alignment",
              "seats_filled", "diversity", "learning", "decoupling", "legitimacy", "influence", "service_quality",
              "participation_rate"))
"""The indicators :func:`govsim.kernels.compiled.indicators` writes, in its order (the citizens' counts follow)."""


def _compiled_indicators(model, k) -> dict[str, float] | None:
    """The default registry's indicators, those of the event windows and the citizens' state worked out in
    one compiled call (:func:`govsim.kernels.compiled.indicators`: the same numbers as each indicator's
    function); None where the kernel does not read the arrays as numpy does."""
    c, w, cfg = model.citizens, model.world, model.config
    quality = model.provider_quality
    arrays = (c.last_participated, c.last_deliberated, c.high_resource, c.last_rung, c.trust, c.provider, quality)
    if any(type(a) is not np.ndarray or not a.flags.c_contiguous for a in arrays) or quality.dtype != np.float64:
        return None
    since = _since(model)
    closed, ca, cb = w.closed.span(since)
    designs, da, db = w.designs.span(since)
    decisions, ea, eb = w.decisions.span(since)
    out = np.empty(len(_COMPILED) + 6)
    k.indicators(*closed, ca, cb, *designs, da, db, *decisions, ea, eb, *arrays, since,
                 float(cfg.citizens.hour_value), float(cfg.outcomes.hours_unit), float(cfg.outcomes.novelty_threshold),
                 len(KINDS), out)
    got = out.tolist()
    values = dict(zip(_COMPILED, got))
    rungs, recent, d_hi, d_lo, hi, trust_ = got[len(_COMPILED):]
    n = c.n
    r_hi = d_hi / hi if hi else 0.0  # _rate(deliberated, hi), _rate(deliberated, ~hi), _rate(deliberated)
    r_lo = d_lo / (n - hi) if n - hi else 0.0
    r = (d_hi + d_lo) / n if n else 0.0
    top = max(r_hi, r_lo)
    values.update({
        "participation_depth": rungs / recent / LADDER_TOP if recent else 0.0,
        "inclusion": (min(r_hi, r_lo) / top) * r / (r + cfg.core.inclusion_breadth) if top > 0 else 0.0,
        "trust": trust_,
        "policy_time": policy_time(model),
        "participation_low_resource": r_lo,
        "participation_high_resource": r_hi,
        "leadership": float(model.politicians.leadership.mean()),
        "political_legitimacy": float(model.politicians.legitimacy.mean()),
    })
    return values


def compute_outcomes(model) -> dict[str, float]:
    """Every indicator, then each family's index (mean of its indicators) and its common index."""
    k = kernels.get() if INDICATORS is _DEFAULT else None
    values = _compiled_indicators(model, k) if k is not None else None
    if values is not None:
        out = {ind.name: values[ind.name] for ind in INDICATORS}
    elif INDICATORS is _DEFAULT:
        values = _state_indicators(model)
        out = {ind.name: float(values[ind.name]) if ind.name in values else float(ind.func(model))
               for ind in INDICATORS}
    else:  # a changed registry: each indicator's own function
        out = {ind.name: float(ind.func(model)) for ind in INDICATORS}
    away = set(defined_away())
    for fam in FAMILIES:
        members = _MEMBERS[fam] if INDICATORS is _DEFAULT else [i.name for i in INDICATORS if i.family == fam]
        out[fam] = _mean_of([out[n] for n in members])
        out[f"{fam}_common"] = _mean_of([out[n] for n in members if n not in away])
    return out


def reporters() -> dict[str, Callable]:
    """Model reporters for Mesa's DataCollector, reading the outcomes computed once per step."""
    cols = {"paradigm": lambda m: m.paradigm.name, "metagovernance": lambda m: m.meta.setting}
    for name in SERIES:
        cols[name] = (lambda n: lambda m: m.outcomes[n])(name)
    return cols
