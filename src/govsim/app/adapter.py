"""The one place where the browser view reads the model.

Every read of :class:`govsim.model.GovModel` internals by the app goes through
this module: populations' columns, the network, problems, the rule set in force
and the outcome indicators. If the model core renames something, this module
is the one to fix. The model never imports the app.

It also derives the "what just happened" line by comparing successive
:class:`Snapshot` objects of a model (reforms, customers changing provider,
arenas that deadlocked, problems solved or written off, trust rising or falling).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from govsim.config import Scenario, ScenarioError, load_scenario, validate, with_overrides
from govsim.metrics import FAMILIES, INDICATORS
from govsim.model import GovModel

__all__ = [
    "FAMILIES", "INDICATORS", "INDICATOR_NAMES", "PARADIGMS", "SETTINGS", "TOOLS", "Scenario", "ScenarioError",
    "load_scenario", "validate", "with_overrides", "build_model", "paradigm_of", "setting_of", "step_of",
    "outcomes", "reform", "set_tools", "field_specs", "FieldSpec", "is_live", "Snapshot", "snapshot", "events",
    "citizen_view", "employee_view", "network_of", "arenas", "public_counts", "population_signature",
    "problem_signature", "problem_arrivals",
]


def _paradigm_names() -> tuple[str, ...]:
    from govsim.paradigms import REGISTRY

    return tuple(REGISTRY)


def _setting_names() -> tuple[str, ...]:
    from govsim.metagovernance import SETTINGS as _S

    return tuple(_S)


PARADIGMS: tuple[str, ...] = _paradigm_names()
SETTINGS: tuple[str, ...] = _setting_names()
TOOLS: tuple[str, ...] = tuple(Scenario.model_fields["metagovernance_tools"].annotation.model_fields)
INDICATOR_NAMES: dict[str, tuple[str, ...]] = {
    fam: tuple(i.name for i in INDICATORS if i.family == fam) for fam in FAMILIES
}
_THEORY = {i.name: i.theory for i in INDICATORS}
_DOC = {i.name: i.doc for i in INDICATORS}


def indicator_doc(name: str) -> str:
    """One line on what an indicator measures, with its THEORY IDs (docs/theory.md)."""
    return f"{_DOC.get(name, '')} ({_THEORY.get(name, '')})"


# --------------------------------------------------------------------------- models and reforms

def build_model(scenario, seed: int) -> GovModel:
    """A fresh model of ``scenario`` with root seed ``seed``."""
    return GovModel(scenario, rng=int(seed))


def paradigm_of(model) -> str:
    return str(model.paradigm.name)


def setting_of(model) -> str:
    return str(model.meta.setting)


def step_of(model) -> int:
    return int(model.steps)


def outcomes(model) -> dict[str, float]:
    """The three indices and every indicator as computed at the model's last step."""
    return dict(model.outcomes)


def reform(model, paradigm: str | None = None, setting: str | None = None) -> None:
    """A reform taking effect from the next step: rule set and/or metagovernance setting."""
    if paradigm is not None and paradigm != paradigm_of(model):
        model.set_paradigm(paradigm)
    if setting is not None and setting != setting_of(model):
        model.set_metagovernance(setting)


def set_tools(model, tools: dict[str, float], source: str = "metagovernance tools") -> None:
    """Change the strengths of metagovernance tools mid-run (validated like a scenario file).

    The values are validated against the scenario schema, recorded in the model's scenario
    and put in force as explicit intensities that replace the preset's values for those tools.
    """
    cfg = with_overrides(model.config, {f"metagovernance_tools.{k}": v for k, v in tools.items()}, source)
    model.config = cfg
    model.set_metagovernance(setting_of(model), **{k: getattr(cfg.metagovernance_tools, k) for k in tools})


# --------------------------------------------------------------------------- the schema, for controls

LIVE_PREFIXES = ("metagovernance_tools.",)
LIVE_FIELDS = ("paradigm", "metagovernance")


def is_live(path: str) -> bool:
    """Whether a change to the field at ``path`` can take effect mid-run (as a reform)."""
    return path in LIVE_FIELDS or path.startswith(LIVE_PREFIXES)


@dataclass(frozen=True)
class FieldSpec:
    """A scenario field as the page shows it: read from the field's declaration."""

    path: str
    kind: str  # "int" or "float"
    lo: float | None
    hi: float | None
    default: Any
    description: str
    theory: str
    live: bool


def _section_model(name: str):
    if name == "":
        return Scenario
    ann = Scenario.model_fields[name].annotation
    return ann


def field_specs(paths) -> list[FieldSpec]:
    """Specs of the numeric fields at dotted ``paths`` (``"problems.rate"``), from the schema."""
    out = []
    for path in paths:
        section, _, name = path.rpartition(".")
        model = _section_model(section)
        f = model.model_fields[name]
        lo = hi = None
        for m in f.metadata:
            lo = getattr(m, "ge", lo)
            hi = getattr(m, "le", hi)
        kind = "int" if f.annotation is int else "float"
        extra = f.json_schema_extra or {}
        out.append(FieldSpec(path, kind, lo, hi, f.default, f.description or "",
                             str(extra.get("theory", "")), is_live(path)))
    return out


def config_of(model):
    """The scenario a model runs with now (tool strengths included after a live change)."""
    return model.config


def tool_intensity(model, tool: str) -> float:
    """The intensity of a metagovernance tool in force now (the preset's, or an explicit one)."""
    return float(getattr(model.meta, tool))


def value_at(scenario, path: str):
    node = scenario
    for part in path.split("."):
        node = getattr(node, part)
    return node


# --------------------------------------------------------------------------- snapshots and events

@dataclass
class Snapshot:
    """What the "what just happened" line compares from one step to the next."""

    step: int
    paradigm: str
    setting: str
    providers: np.ndarray
    n_closed: int
    closed_now: Counter = field(default_factory=Counter)
    n_open: int = 0
    arenas: int = 0
    trust: float = 0.0
    tools: tuple[float, ...] = ()


def snapshot(model, previous: Snapshot | None = None) -> Snapshot:
    """Read a model's state; outcomes of problems closed since ``previous`` are counted."""
    closed = model.closed
    start = previous.n_closed if previous is not None else len(closed)
    now = Counter(p.outcome for p in closed[start:])
    return Snapshot(
        step=step_of(model), paradigm=paradigm_of(model), setting=setting_of(model),
        providers=np.bincount(model.citizens.provider, minlength=model.n_providers),
        n_closed=len(closed), closed_now=now, n_open=len(model.open),
        arenas=len(_arena_problems(model)), trust=float(model.citizens.trust.mean()),
        tools=tuple(float(getattr(model.meta, t)) for t in TOOLS),
    )


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def events(prev: Snapshot | None, cur: Snapshot) -> list[str]:
    """Plain-language events between two snapshots of the same model, most important first."""
    if prev is None:
        return [f"Step {cur.step}: the town is ready. Press Step or Play."]
    out = []
    if cur.paradigm != prev.paradigm:
        out.append(f"A reform took effect: {prev.paradigm.upper()} gave way to {cur.paradigm.upper()}.")
    if cur.setting != prev.setting:
        out.append(f"Metagovernance changed from {prev.setting} to {cur.setting}.")
    elif cur.tools != prev.tools:
        out.append("Metagovernance tools in force were retuned.")
    c = cur.closed_now
    if c.get("deadlock"):
        out.append(f"{_plural(c['deadlock'], 'arena')} deadlocked and closed without a decision.")
    if cur.providers.shape == prev.providers.shape:
        diff = cur.providers - prev.providers
        moved = int(diff[diff > 0].sum())
        if moved:
            worst = int(np.argmin(diff))
            out.append(f"{_plural(moved, 'customer')} left their provider "
                       f"(provider {worst + 1} lost {int(-diff[worst])}).")
    if c.get("solved"):
        out.append(f"{_plural(c['solved'], 'problem')} solved.")
    if c.get("unsolved"):
        out.append(f"{_plural(c['unsolved'], 'solution')} delivered but too weak to solve the problem.")
    if c.get("failed"):
        out.append(f"{_plural(c['failed'], 'implementation')} failed.")
    if c.get("expired"):
        out.append(f"{_plural(c['expired'], 'problem')} written off after waiting too long.")
    if cur.arenas > prev.arenas:
        out.append(f"{_plural(cur.arenas - prev.arenas, 'new co-creation arena')} formed.")
    dt = cur.trust - prev.trust
    if abs(dt) >= 0.0005:
        out.append(f"Trust {'rising' if dt > 0 else 'falling'} ({prev.trust:.3f} to {cur.trust:.3f}).")
    if not out:
        out.append(f"A quiet step: {_plural(cur.n_open, 'problem')} open.")
    return out


# --------------------------------------------------------------------------- what the network view reads

def network_of(model):
    """The citizens' social network as a scipy.sparse matrix (read-only)."""
    return model.network


def citizen_view(model, rows: np.ndarray) -> dict[str, np.ndarray]:
    """Columns of the citizens at ``rows``: trust, willingness, and recent participation.

    ``participation`` is the rung of the ladder (T9) of the citizen's latest participation
    within the outcome window, 0 if they did not take part in it.
    """
    c = model.citizens
    window = model.config.outcomes.window
    recent = c.last_participated[rows] > model.steps - window
    return {
        "trust": c.trust[rows].copy(),
        "willingness": c.willingness[rows].copy(),
        "participation": np.where(recent, c.last_rung[rows], 0).astype(float),
    }


def employee_view(model) -> dict[str, np.ndarray]:
    return {"motivation": model.employees.motivation.copy()}


def public_counts(model) -> dict[str, int]:
    return {"employee": int(model.employees.n), "administrator": int(model.administrators.n),
            "politician": int(model.politicians.n), "citizen": int(model.citizens.n)}


def _arena_problems(model) -> list:
    """Open problems being worked on by a co-creation arena (an NPG group with members)."""
    return [p for p in model.open if p.paradigm == "npg" and p.group.size() > 0]


def arenas(model) -> list[dict[str, np.ndarray]]:
    """Members of the active co-creation arenas, as row indices into each population."""
    out = []
    for p in _arena_problems(model):
        g = p.group
        out.append({"id": int(p.id), "citizens": np.asarray(g.citizens), "employees": np.asarray(g.employees),
                    "administrators": np.asarray(g.administrators), "politicians": np.asarray(g.politicians),
                    "affected": np.asarray(p.affected)})
    return out


# --------------------------------------------------------------------------- common random numbers

def _digest(arrays) -> str:
    h = hashlib.sha256()
    for a in arrays:
        a = np.ascontiguousarray(a)
        h.update(str(a.dtype).encode())
        h.update(a.tobytes())
    return h.hexdigest()[:16]


def population_signature(model) -> str:
    """A hash of everything about the town that is not the rule set: agents' starting
    columns and the network. Equal hashes at step 0 mean the same town."""
    c, e, a, p = model.citizens, model.employees, model.administrators, model.politicians
    net = model.network
    return _digest([c.resources, c.knowledge, c.position, c.trust, c.efficacy, c.willingness, c.provider,
                    e.knowledge, e.motivation, e.provider, a.knowledge, a.facilitation, a.control,
                    p.knowledge, p.position, p.openness, net.indptr, net.indices])


def problem_arrivals(model, next_id: int) -> list[tuple[int, list[np.ndarray]]]:
    """``(id, arrays)`` of the problems with id >= ``next_id``: arrival step, need, who they touch."""
    probs = sorted((q for q in (*model.open, *model.closed) if q.id >= next_id), key=lambda q: q.id)
    return [(int(q.id), [np.array([q.id, q.arrived], dtype=np.int64), q.need, q.affected]) for q in probs]


def problem_signature(model) -> str:
    """A hash of the problems that have arrived so far (arrival step, need, who they touch)."""
    probs = sorted([*model.open, *model.closed], key=lambda q: q.id)
    return _digest([np.array([q.id, q.arrived], dtype=np.int64) for q in probs]
                   + [q.need for q in probs] + [q.affected for q in probs])
