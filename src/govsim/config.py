"""Scenario files: TOML mapped to a typed, frozen, validated configuration.

Every field declares its type, range, default, meaning and the THEORY claim it
serves (``json_schema_extra["theory"]``); ``docs/scenarios.md`` is generated
from this schema by ``scripts/gen_scenario_docs.py``. Overrides from code go
through the same validation as files.

A scenario may start from another with ``extends = "other.toml"`` (a path
relative to the file) and override a few fields; tables are merged key by key.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model, field_validator, model_validator

from govsim.fields import param
from govsim.metagovernance import SETTINGS
from govsim.paradigms import REGISTRY
from govsim.sections import SECTIONS, MetagovernanceTools


class ScenarioError(ValueError):
    """A scenario file or override that cannot be used: names the source, the field and what is allowed."""

    def __init__(self, source: str, field: str | None, message: str) -> None:
        self.source, self.field, self.message = source, field, message
        where = f"field '{field}': " if field else ""
        super().__init__(f"{source}: {where}{message}")




class Section(BaseModel):
    # strict: TOML is typed, so "1000" (a string) is a wrong type for an integer field.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Population(Section):
    """How many agents of each kind (THEORY.md §1)."""

    citizens: int = param(1000, 10, 1_000_000, "Citizens on the social network.", "T1")
    employees: int = param(60, 2, 100_000, "Front-line employees delivering services.", "T1")
    administrators: int = param(10, 1, 10_000, "Administrators (civil servants).", "T1")
    politicians: int = param(9, 1, 1_000, "Politicians in the council.", "T1")
    providers: int = param(6, 1, 1_000, "Service units employees belong to; competing providers under NPM.", "T2")

    @model_validator(mode="after")
    def _providers_staffed(self) -> Population:
        if self.providers > self.employees:
            raise ValueError(f"providers ({self.providers}) must not exceed employees ({self.employees})")
        return self


class Network(Section):
    """The citizens' social network (small world)."""

    degree: int = param(8, 2, 100, "Ties per citizen in the ring before rewiring (odd values are rounded down to even).", "T11")
    rewire: float = param(0.1, 0, 1, "Share of ties rewired to random citizens.", "T11")
    diffusion: float = param(0.1, 0, 1, "Share of trust and willingness averaged with neighbours each step.", "T11")


class CitizenParams(Section):
    """Citizens' starting state and how they respond (T11, T26)."""

    resource_inequality: float = param(0.6, 0, 3, "Spread (log-sd) of citizens' resources.", "T26")
    initial_trust: float = param(0.55, 0, 1, "Mean initial trust in government.", "T11")
    initial_willingness: float = param(0.35, 0, 1, "Mean initial willingness to take part.", "T11")
    participation_bias: float = param(1.5, 0, 5, "How strongly self-selection favours resourceful citizens.", "T26")
    tokenism_threshold: float = param(0.3, 0, 1, "Influence below which taking part lowers trust and efficacy.", "T7, T11")
    participation_effect: float = param(0.3, 0, 1, "How far one act of participation moves trust and efficacy.", "T11")
    initial_efficacy: float = param(0.5, 0, 1, "Mean initial political efficacy (belief that taking part matters).", "T11")
    adaptation: float = param(0.1, 0, 1, "Rate at which satisfaction follows experience, willingness follows efficacy, and (at a quarter of it) expectations follow experience.", "T11")
    trust_adaptation: float = param(0.03, 0, 1, "Rate at which trust follows satisfaction (trust is slow to win back).", "T3, T11")
    expectation_growth: float = param(0.002, 0, 0.1, "Rise of expectations per step.", "T6")
    learning_rate: float = param(0.1, 0, 1, "Share of a group's pooled knowledge each member learns per design.", "T8")


class EmployeeParams(Section):
    """Front-line employees (T3, T5, T27)."""

    initial_motivation: float = param(0.7, 0, 1, "Mean initial intrinsic motivation.", "T5")
    crowding_out: float = param(0.04, 0, 1, "Rate at which control pressure crowds out intrinsic motivation.", "T3")
    autonomy_support: float = param(0.06, 0, 1, "Rate at which discretion sustains intrinsic motivation.", "T27")
    extrinsic_weight: float = param(0.6, 0, 1, "How much pressure adds to effort.", "T2")
    implementation_team: int = param(3, 1, 50, "Employees who implement a solution.", "T1")
    implementation_hours: float = param(10.0, 0, 1000, "Hours each implementing employee spends.", "T8")


class AdministratorParams(Section):
    """Administrators (civil servants, T25)."""

    hours: float = param(40.0, 1, 1000, "Hours per step each administrator has for problems.", "T24")
    facilitation_skill: float = param(0.6, 0, 1, "Mean skill at facilitating an arena.", "T25")
    control_orientation: float = param(0.5, 0, 1, "Mean urge to steer from inside.", "T16")


class PoliticianParams(Section):
    """Politicians (T20–T24)."""

    hours: float = param(20.0, 1, 1000, "Hours per step each politician has for cases and policy.", "T22")
    openness: float = param(0.6, 0, 1, "Mean willingness to share power with citizens.", "T24")
    election_interval: int = param(48, 1, 1000, "Steps between elections, at which politicians' legitimacy is set from citizens' mean trust and the leadership they showed (it mobilises support for implementation and is their authority as metagovernors).", "T1")


class ProblemParams(Section):
    """The stream of societal problems (T6, T19)."""

    rate: float = param(2.0, 0, 100, "Mean new problems per step per 1,000 citizens.", "T19")
    wickedness: float = param(0.5, 0, 1, "Mean wickedness: how many knowledge dimensions a problem needs.", "T6")
    reach: int = param(30, 1, 100_000, "Mean citizens a problem touches.", "T19")
    max_age: int = param(24, 1, 10_000, "Steps after which an unsolved problem is written off.", "T6")
    solve_threshold: float = param(0.15, 0, 1, "Value (fit x quality) a solution must reach to count as solving the problem.", "T19")
    harm: float = param(0.2, 0, 1, "Drop in experienced service for citizens living with an open problem.", "T6")


class Outcomes(Section):
    """How the outcome indices are read (T19)."""

    window: int = param(24, 1, 10_000, "Steps over which event-based indicators are averaged.", "T19")
    novelty_threshold: float = param(0.3, 0, 1, "Novelty above which an adopted solution counts as new.", "T8")


class Reform(Section):
    """A switch of rule set during a run."""

    step: int = param(..., 1, 1_000_000, "Step at which the reform takes effect (the first step is 1).", "T1")
    paradigm: str = Field(..., description="Rule set from this step on.", json_schema_extra={"theory": "T1"})
    metagovernance: str | None = Field(None, description="Metagovernance setting from this step on (unchanged if absent).", json_schema_extra={"theory": "T16"})
    metagovernance_tools: MetagovernanceTools | None = Field(None, description="Tool intensities set explicitly from this step on (others unchanged).", json_schema_extra={"theory": "T17"})

    @field_validator("paradigm")
    @classmethod
    def _known_paradigm(cls, v: str) -> str:
        return _check_paradigm(v)

    @field_validator("metagovernance")
    @classmethod
    def _known_setting(cls, v: str | None) -> str | None:
        return v if v is None else _check_setting(v)


def _check_paradigm(v: str) -> str:
    if v not in REGISTRY:
        raise ValueError(f"unknown paradigm {v!r}; allowed: {', '.join(REGISTRY)}")
    return v


def _check_setting(v: str) -> str:
    if v not in SETTINGS:
        raise ValueError(f"unknown metagovernance setting {v!r}; allowed: {', '.join(SETTINGS)}")
    return v


class _ScenarioBase(Section):
    name: str = Field("", description="Short name shown in results.", json_schema_extra={"theory": "-"})
    description: str = Field("", description="What the scenario is for.", json_schema_extra={"theory": "-"})
    paradigm: str = Field("opa", description=f"Rule set at the start: one of {', '.join(REGISTRY)}.", json_schema_extra={"theory": "T1"})
    metagovernance: str = Field("none", description=f"Metagovernance of networks: one of {', '.join(SETTINGS)}.", json_schema_extra={"theory": "T16, T17"})
    steps: int = param(120, 1, 100_000, "Steps to run (one step is about a month).", "T19")
    seed: int = param(0, 0, 2**63 - 1, "Root seed of all random streams.", "-")
    reforms: tuple[Reform, ...] = Field((), strict=False, description="Paradigm switches during the run, as [[reforms]] tables.", json_schema_extra={"theory": "T1"})
    population: Population = Population()
    network: Network = Network()
    citizens: CitizenParams = CitizenParams()
    employees: EmployeeParams = EmployeeParams()
    administrators: AdministratorParams = AdministratorParams()
    politicians: PoliticianParams = PoliticianParams()
    problems: ProblemParams = ProblemParams()
    outcomes: Outcomes = Outcomes()

    @field_validator("paradigm")
    @classmethod
    def _known_paradigm(cls, v: str) -> str:
        return _check_paradigm(v)

    @field_validator("metagovernance")
    @classmethod
    def _known_setting(cls, v: str) -> str:
        return _check_setting(v)

    def content_hash(self) -> str:
        """SHA-256 of the validated content (provenance of results)."""
        blob = json.dumps(self.model_dump(mode="json"), sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:16]


# One table per registered paradigm, declared by the paradigm's own Params model.
Scenario = create_model(
    "Scenario",
    __base__=_ScenarioBase,
    __doc__="A complete, validated scenario. Build it with load_scenario() or Scenario().",
    **{name: (cls.Params, cls.Params()) for name, cls in REGISTRY.items()},
    **SECTIONS,
)


# --------------------------------------------------------------------------- loading

def _merge(base: dict, over: dict) -> dict:
    out = copy.deepcopy(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def _read_toml(path: Path, seen: tuple[Path, ...] = ()) -> dict:
    src = str(path)
    if path in seen:
        raise ScenarioError(src, "extends", "scenarios extend each other in a cycle: "
                            + " -> ".join(p.name for p in (*seen, path)))
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(src, None, "no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(src, None, f"cannot read the file ({exc.__class__.__name__}: {exc})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(src, None, f"not valid TOML: {exc}") from None
    parent = data.pop("extends", None)
    if parent is None:
        return data
    if not isinstance(parent, str) or not parent:
        raise ScenarioError(src, "extends", "must be the path of another scenario file, as a string")
    parent_path = (path.parent / parent).resolve()
    if not parent_path.is_file():
        raise ScenarioError(src, "extends", f"no such file {parent!r} (looked for {parent_path})")
    base = _read_toml(parent_path, (*seen, path))
    return _merge(base, data)


def _schema_at(loc: tuple) -> type[BaseModel] | None:
    model: Any = Scenario
    for part in loc:
        if isinstance(part, int) or model is None:
            if model is Scenario.model_fields["reforms"].annotation or part == "reforms":
                pass
            continue
        field = getattr(model, "model_fields", {}).get(part)
        if field is None:
            return None
        ann = field.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            model = ann
        elif part == "reforms":
            model = Reform
        else:
            model = None
    return model


def _allowed(loc: tuple) -> str:
    """What a field allows, read from the schema: type and range."""
    parent = _schema_at(loc[:-1])
    if parent is None:
        return ""
    field = parent.model_fields.get(loc[-1]) if isinstance(loc[-1], str) else None
    if field is None:
        return ""
    lo = hi = None
    for m in field.metadata:
        lo = getattr(m, "ge", lo)
        hi = getattr(m, "le", hi)
    if isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel):
        return "allowed: a table of the fields documented in docs/scenarios.md"
    ann = getattr(field.annotation, "__name__", str(field.annotation))
    rng = f" from {lo} to {hi}" if lo is not None and hi is not None else ""
    return f"allowed: {ann}{rng}"


def _explain(source: str, err: ValidationError) -> ScenarioError:
    e = err.errors()[0]
    loc = tuple(e["loc"])
    dotted = ".".join(str(p) for p in loc)
    kind = e["type"]
    if kind == "extra_forbidden":
        parent = _schema_at(loc[:-1])
        valid = list(parent.model_fields) if parent is not None else []
        near = difflib.get_close_matches(str(loc[-1]), valid, n=1)
        hint = f"; did you mean '{near[0]}'?" if near else ""
        return ScenarioError(source, dotted, f"unknown field{hint} Valid fields here: {', '.join(valid)}")
    msg = e["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    got = e.get("input")
    allowed = _allowed(loc) if loc else ""
    text = f"{msg} (got {got!r})" if kind != "missing" and not isinstance(got, dict) else msg
    if allowed and "allowed:" not in text:
        text += f"; {allowed}"
    return ScenarioError(source, dotted or None, text)


def validate(data: dict, source: str = "<scenario>"):
    """Validate a raw mapping into a Scenario, or raise ScenarioError naming ``source``."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as err:
        raise _explain(source, err) from None


def load_scenario(path: str | Path):
    """Read, merge (``extends``) and validate a scenario file."""
    path = Path(path)
    data = _read_toml(path.resolve())
    scenario = validate(data, str(path))
    if not scenario.name:
        scenario = scenario.model_copy(update={"name": path.stem})
    return scenario


def with_overrides(scenario, overrides: dict[str, Any] | None, source: str = "overrides"):
    """Apply ``{"population.citizens": 10000, ...}`` and validate the result like a file."""
    if not overrides:
        return scenario
    data = scenario.model_dump(mode="python")
    for dotted, value in overrides.items():
        parts = str(dotted).split(".")
        node = data
        for i, part in enumerate(parts[:-1]):
            nxt = node.get(part)
            if not isinstance(nxt, dict):
                # Let validation report the unknown or non-table path.
                nxt = node[part] = {} if nxt is None else nxt
                if not isinstance(nxt, dict):
                    raise ScenarioError(source, ".".join(parts[: i + 1]), "is not a table; cannot set a field inside it")
            node = nxt
        node[parts[-1]] = value
    return validate(data, source)


def coerce(scenario_or_path) -> Any:
    """A Scenario from a Scenario, a path, or None (defaults)."""
    if scenario_or_path is None:
        return Scenario()
    if isinstance(scenario_or_path, (str, Path)):
        return load_scenario(scenario_or_path)
    if isinstance(scenario_or_path, BaseModel):
        return scenario_or_path
    if isinstance(scenario_or_path, dict):
        return validate(scenario_or_path)
    raise TypeError(f"expected a Scenario, a path or a dict, got {type(scenario_or_path).__name__}")
