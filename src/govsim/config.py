"""Scenario files: TOML mapped to a typed, frozen, validated configuration.

Every field declares its type, range, default, meaning and the theory claim it
serves (``json_schema_extra["theory"]``, an ID T1–T28 of docs/theory.md);
``docs/scenarios.md`` is generated from this schema by
``scripts/gen_scenario_docs.py``. Overrides from code go through the same
validation as files.

A scenario may start from another with ``extends = "other.toml"`` (a path
relative to the file) and override a few fields; tables are merged key by key,
and every value remembers the file it came from, so an error names that file.

Input rules (each refused with a :class:`ScenarioError` naming source and field):

- an empty scenario file (no fields at all) is refused: it would silently run
  the defaults;
- a reform after the last step, or two reforms at the same step, is refused;
- numpy scalars (``np.int64(500)``, ``np.float32(0.5)``) are accepted wherever a
  Python number is; booleans are not numbers, and a float is not a whole number
  (``steps = 10.0`` is refused);
- an override given as a table (``{"population": {"citizens": 500}}``) is merged
  into the existing table; the table's other fields keep their values.
"""

from __future__ import annotations

import contextvars
import copy
import difflib
import hashlib
import json
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import (BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, create_model, field_validator,
                      model_validator)

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


SEED_MAX = 2**63 - 1


def coerce_seed(value: Any, name: str = "rng", source: str = "arguments") -> int:
    """A root seed from a Python or numpy integer, or drawn from a numpy Generator.

    Booleans, floats (even ``1.0``), negative numbers, numbers above 2**63 - 1 and
    anything else raise :class:`ScenarioError` naming ``name``.
    """
    if isinstance(value, np.random.Generator):
        return int(value.integers(SEED_MAX))
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise ScenarioError(source, name, f"must be a whole number from 0 to {SEED_MAX} or a numpy Generator "
                                          f"(got {value!r}, a {type(value).__name__})")
    if not 0 <= int(value) <= SEED_MAX:
        raise ScenarioError(source, name, f"must be a whole number from 0 to {SEED_MAX} (got {int(value)})")
    return int(value)


def plain(value: Any) -> Any:
    """``value`` with numpy scalars turned into the Python numbers they stand for (recursively)."""
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.str_):
        return str(value)
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(plain(v) for v in value)
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return plain(value[()])
    return value


_DEPTH: contextvars.ContextVar[int] = contextvars.ContextVar("govsim_config_depth", default=0)


class Section(BaseModel):
    # strict: TOML is typed, so "1000" (a string) is a wrong type for an integer field.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    def __init__(self, /, **data: Any) -> None:
        """Build from keyword arguments; a bad value raises ScenarioError, like a file."""
        # Pydantic also calls this for nested tables: only the outermost call translates the error.
        outer = _DEPTH.get() == 0
        token = _DEPTH.set(_DEPTH.get() + 1)
        try:
            super().__init__(**(plain(data) if outer else data))
        except ValidationError as err:
            if not outer:
                raise
            raise _explain(f"{type(self).__name__}(...)", err, root=type(self)) from None
        finally:
            _DEPTH.reset(token)


PUBLIC_SECTOR = ("employees", "administrators", "politicians", "providers")


class Population(Section):
    """How many agents of each kind (docs/theory.md §1).

    The public sector grows with the town: employees, administrators, politicians and
    providers that are not set take their default per 1,000 citizens,
    `max(default, round(default x citizens / 1000))`: never fewer than at 1,000 citizens,
    and unset providers never outnumber employees. At 100,000 citizens that is 6,000
    employees, 1,000 administrators, 900 politicians and 600 providers. A number that is
    set (in the file, through `extends` or an override) is used as it is.
    """

    citizens: int = param(1000, 10, 1_000_000, "Citizens on the social network.", "T1")
    employees: int = param(60, 2, 100_000, "Front-line employees delivering services; if not set, 60 per 1,000 citizens (at least 60).", "T1")
    administrators: int = param(10, 1, 100_000, "Administrators (civil servants); if not set, 10 per 1,000 citizens (at least 10).", "T1")
    politicians: int = param(9, 1, 10_000, "Politicians in the council; if not set, 9 per 1,000 citizens (at least 9).", "T1")
    providers: int = param(6, 1, 10_000, "Service units employees belong to; competing providers under NPM; if not set, 6 per 1,000 citizens (at least 6, at most employees).", "T2")

    @model_validator(mode="after")
    def _scale_public_sector(self) -> Population:
        for name in PUBLIC_SECTOR:
            if name not in self.model_fields_set:
                base = type(self).model_fields[name].default
                n = max(base, round(base * self.citizens / 1000))
                if name == "providers":
                    n = max(base, min(n, self.employees))
                self.__dict__[name] = n
        if self.providers > self.employees:
            raise ValueError(f"providers ({self.providers}) must not exceed employees ({self.employees})")
        return self

    def explicit(self) -> dict[str, Any]:
        """The fields as a table, without the public-sector sizes that were scaled, not set."""
        return {k: v for k, v in self.model_dump(mode="python").items()
                if k not in PUBLIC_SECTOR or k in self.model_fields_set}


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
    voice: float = param(0.01, 0, 1, "Chance per step that a citizen whose satisfaction is below 1/2 complains (voice): participation at the ladder's first rung, as influential as the rule set lets complaints be.", "T2, T7")
    fatigue: float = param(0.15, 0, 1, "Rise of a citizen's participation fatigue per act of taking part, as a share of the way to 1; fatigue lowers willingness (0: no fatigue).", "T11, T15")
    recovery: float = param(0.05, 0, 1, "Share of participation fatigue that wears off per step.", "T11")
    hour_value: float = param(0.5, 0, 10, "Value of a citizen's hour relative to a public hour: citizens' hours enter the cost of a solution in value_per_cost (0: citizens' time is free).", "T5, T24")


class EmployeeParams(Section):
    """Front-line employees (T3, T5, T27)."""

    initial_motivation: float = param(0.7, 0, 1, "Mean initial intrinsic motivation.", "T5")
    intrinsic_motivation: float = param(0.75, 0, 1, "Mean of employees' own (public-service) motivation: the level trusted discretion sustains motivation at, never above.", "T5, T27")
    agency: float = param(0.5, 0, 1, "Principal–agent drift: share a = of unmotivated, unwatched effort going to employees' own ends, a (1 - motivation)(1 - pressure) (0: no drift).", "T3, T27")
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
    dispersion: float = param(0.4, 0, 1, "Chance weight of citizens' local and experiential knowledge among the dimensions a problem needs (0.4: every dimension alike; 0: needs lie only where the public sector knows).", "T6, T8")
    routine_need: tuple[float, ...] = Field((0.35, 0.25, 0.10, 0.25, 0.05), strict=False, min_length=5, max_length=5, description="What routine services need over professional, procedural, local, experiential and political knowledge (one definition for every rule set; normalised).", json_schema_extra={"theory": "T2, T3"})
    codified: tuple[float, ...] = Field((0.85, 0.85, 0.2, 0.4, 0.2), strict=False, min_length=5, max_length=5, description="How well standard solutions (the rulebook, best practice) cover each of the five dimensions, in [0, 1] (all 0: no standard solutions).", json_schema_extra={"theory": "T6"})

    @field_validator("routine_need", "codified")
    @classmethod
    def _unit_vector(cls, v):
        if any(x < 0 or x > 1 for x in v):
            raise ValueError("needs five numbers from 0 to 1")
        return tuple(float(x) for x in v)

    @field_validator("routine_need")
    @classmethod
    def _some_need(cls, v):
        if sum(v) <= 0:
            raise ValueError("needs five numbers from 0 to 1, not all 0")
        return v


class Outcomes(Section):
    """How the outcome indices are read (T19)."""

    window: int = param(24, 1, 10_000, "Steps over which event-based indicators are averaged.", "T19")
    hours_unit: float = param(1000.0, 1, 1e6, "Hours per unit of value in value_per_cost: r = value per this many (public + valued citizens') hours, indicator r / (1 + r).", "T19, T24")
    novelty_threshold: float = param(0.3, 0, 1, "Novelty at which an adopted solution counts as fully new; novel_adoption credits each solution min(1, novelty / this).", "T8")


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

    @field_validator("reforms")
    @classmethod
    def _reforms_in_the_run(cls, v: tuple[Reform, ...], info: ValidationInfo) -> tuple[Reform, ...]:
        steps = info.data.get("steps")
        seen: set[int] = set()
        for r in v:
            if r.step in seen:
                raise ValueError(f"two reforms at step {r.step}; a step takes one reform: give it both "
                                 "paradigm and metagovernance in one [[reforms]] table")
            seen.add(r.step)
            if steps is not None and r.step > steps:
                raise ValueError(f"the reform at step {r.step} comes after the last step ({steps}) and would "
                                 f"never take effect; a reform's step must be from 1 to {steps} (the last "
                                 "step): remove the reform or run more steps")
        return v

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

# Where each value came from: a nested dict mirroring the data, whose leaves are file names.
Origins = dict


def _origins(data: dict, source: str) -> Origins:
    return {k: _origins(v, source) if isinstance(v, dict) else source for k, v in data.items()}


def _merge(base: dict, over: dict) -> dict:
    """``over`` merged into ``base`` table by table (a table in ``over`` does not replace the whole table)."""
    out = copy.deepcopy(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def _merge_origins(base_from: Origins, over: dict, over_from: Origins) -> Origins:
    """Where each value of ``_merge(base, over)`` came from."""
    out = copy.deepcopy(base_from)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge_origins(out[k], v, over_from[k])
        else:
            out[k] = copy.deepcopy(over_from[k])
    return out


def _read_toml(path: Path, seen: tuple[Path, ...] = (), name: str | None = None) -> tuple[dict, Origins]:
    """The merged data of a scenario file and its ``extends`` chain, and the file each value came from."""
    src = name or str(path)
    if path.resolve() in seen:
        raise ScenarioError(src, "extends", "scenarios extend each other in a cycle: "
                            + " -> ".join(p.name for p in (*seen, path.resolve())))
    try:
        # utf-8-sig: a byte-order mark, as some editors write, is accepted.
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ScenarioError(src, None, "no such file") from None
    except IsADirectoryError:
        raise ScenarioError(src, None, "is a folder, not a scenario file") from None
    except UnicodeDecodeError:
        raise ScenarioError(src, None, "cannot read the file: it is not UTF-8 text; save it as UTF-8") from None
    except OSError as exc:
        raise ScenarioError(src, None, f"cannot read the file ({exc.strerror or exc})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(src, None, f"not valid TOML: {exc}") from None
    parent = data.pop("extends", None)
    origin = _origins(data, src)
    if parent is None:
        return data, origin
    if not isinstance(parent, str) or not parent:
        raise ScenarioError(src, "extends", "must be the path of another scenario file, as a string")
    parent_path = path.parent / parent
    parent_name = os.path.normpath(os.path.join(os.path.dirname(src), parent))
    if not parent_path.is_file():
        raise ScenarioError(src, "extends", f"no such file {parent!r} (looked for {parent_path.resolve()})")
    base, base_from = _read_toml(parent_path, (*seen, path.resolve()), parent_name)
    return _merge(base, data), _merge_origins(base_from, data, origin)


def _source_of(loc: tuple, origin: Origins | None, default: str) -> str:
    """The file a value at ``loc`` came from (the nearest file that set anything there)."""
    node: Any = origin
    for part in loc:
        if isinstance(node, dict) and part in node:
            node = node[part]
        else:
            break
    if isinstance(node, str):
        found = node
    elif isinstance(node, dict) and node:
        files = _leaves(node)
        found = files[-1] if default not in files else default
    else:
        found = default
    return found if found == default else f"{found} (extended by {default})"


def _leaves(node: Origins) -> list[str]:
    out: list[str] = []
    for v in node.values():
        out.extend(_leaves(v) if isinstance(v, dict) else [v])
    return out


def _schema_at(loc: tuple, root: type[BaseModel] | None = None) -> type[BaseModel] | None:
    """The model (table) that holds the field at ``loc``, or None."""
    model: Any = root or Scenario
    for part in loc:
        if isinstance(part, int):
            continue
        if model is None:
            return None
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


_TYPE_WORDS = {"int": "a whole number", "float": "a number", "str": "text in quotes", "bool": "true or false"}


def _allowed(loc: tuple, root: type[BaseModel] | None = None) -> str:
    """What a field allows, read from the schema: type and range, in plain words."""
    if not loc or not isinstance(loc[-1], str):
        return ""
    parent = _schema_at(loc[:-1], root)
    field = parent.model_fields.get(loc[-1]) if parent is not None else None
    if field is None:
        return ""
    lo = hi = None
    for m in field.metadata:
        lo = getattr(m, "ge", lo)
        hi = getattr(m, "le", hi)
    if isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel):
        return (f"it is a table: write [{loc[-1]}] on a line of its own, then one field per line "
                "(docs/scenarios.md lists them)")
    if loc[-1] == "reforms":
        return "allowed: one [[reforms]] table (double brackets) per reform, each with step and paradigm"
    name = getattr(field.annotation, "__name__", "")
    if name not in _TYPE_WORDS:
        return ""
    words = _TYPE_WORDS[name]
    if lo is not None and hi is not None:
        words += f" from {lo:g} to {hi:g}" if name == "float" else f" from {lo} to {hi}"
    return f"allowed: {words}"


def _plain_words(e: dict) -> str:
    """A pydantic error in words a student understands (no 'valid tuple' or 'dictionary or instance')."""
    kind, ctx, loc = e["type"], e.get("ctx") or {}, tuple(e["loc"])
    if kind == "missing":
        return "is required but not set"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return "must be a whole number"
    if kind in ("float_type", "float_parsing"):
        return "must be a number"
    if kind == "finite_number":
        return "must be a finite number"
    if kind in ("string_type", "str_type"):
        return "must be text in quotes"
    if kind in ("bool_type", "bool_parsing"):
        return "must be true or false"
    if kind == "greater_than_equal":
        return f"must be at least {ctx.get('ge')}"
    if kind == "less_than_equal":
        return f"must be at most {ctx.get('le')}"
    if kind == "greater_than":
        return f"must be more than {ctx.get('gt')}"
    if kind == "less_than":
        return f"must be less than {ctx.get('lt')}"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        if len(loc) >= 2 and loc[0] == "reforms" and isinstance(loc[1], int):
            return "each reform must be a [[reforms]] table with step and paradigm"
        return "must be a table of fields, not a single value"
    if kind in ("tuple_type", "list_type"):
        if loc == ("reforms",):
            if isinstance(e.get("input"), dict):
                return ("reforms are written [[reforms]] (double brackets), one table per reform; "
                        "[reforms] (single brackets) makes one table, not a list")
            return "must be a list of [[reforms]] tables"
        return "must be a list in square brackets, e.g. [\"a\", \"b\"]"
    if kind == "too_short":
        return f"must have at least {ctx.get('min_length')} item(s)"
    if kind == "too_long":
        return f"must have at most {ctx.get('max_length')} item(s)"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected', '').replace(' or ', ', ')}"
    if kind == "value_error":
        return str(ctx.get("error", e["msg"]))
    msg = e["msg"]
    return msg[:1].lower() + msg[1:]


def did_you_mean(name: Any, valid, cutoff: float = 0.6) -> str:
    """`` Did you mean 'x'?`` for the nearest of ``valid``, or an empty string."""
    near = difflib.get_close_matches(str(name), [str(v) for v in valid], n=1, cutoff=cutoff)
    return f" Did you mean '{near[0]}'?" if near else ""


def unknown_name(name: Any, valid, what: str = "field", valid_label: str = "Valid fields here",
                 cutoff: float = 0.6) -> str:
    """One sentence for an unknown key: ``unknown field 'x'. Did you mean 'y'? Valid fields here: a, b.``"""
    return f"unknown {what} '{name}'.{did_you_mean(name, valid, cutoff)} {valid_label}: {', '.join(map(str, valid))}."


def _explain(source: str, err: ValidationError, origin: Origins | None = None,
             root: type[BaseModel] | None = None) -> ScenarioError:
    """The first validation error as a one-line ScenarioError naming the file the field came from."""
    e = err.errors()[0]
    loc = tuple(e["loc"])
    dotted = ".".join(str(p) for p in loc)
    where = _source_of(loc, origin, source)
    if e["type"] == "extra_forbidden":
        parent = _schema_at(loc[:-1], root)
        valid = list(parent.model_fields) if parent is not None else []
        return ScenarioError(where, dotted, unknown_name(loc[-1], valid))
    text = _plain_words(e)
    got = e.get("input")
    if isinstance(got, float) and got != got:
        text, got = "must be a number, not nan", {}
    if e["type"] not in ("missing", "value_error") and not isinstance(got, dict):
        text += f" (got {got!r})"
    allowed = _allowed(loc, root)
    if e["type"] == "value_error":
        allowed = ""  # the validator's own message says what is allowed
    if allowed and "allowed:" not in text and "[[reforms]]" not in text:
        text += f"; {allowed}"
    return ScenarioError(where, dotted or None, text)


def validate(data: Any, source: str = "<scenario>", origin: Origins | None = None):
    """Validate a raw mapping into a Scenario, or raise ScenarioError naming ``source``.

    ``origin`` (optional) mirrors ``data`` with the file each value came from, so an
    error in a file reached through ``extends`` names that file.
    """
    if not isinstance(data, Mapping):
        raise ScenarioError(source, None, f"a scenario must be a table of fields, not a {type(data).__name__}")
    token = _DEPTH.set(_DEPTH.get() + 1)
    try:
        return Scenario.model_validate(plain(dict(data)))
    except ValidationError as err:
        raise _explain(source, err, origin) from None
    finally:
        _DEPTH.reset(token)


def load_scenario(path: str | Path):
    """Read, merge (``extends``) and validate a scenario file.

    An empty file (or one with only comments) is refused: it would run the defaults
    without a word. Set at least ``paradigm``, or ``extends`` another scenario.
    """
    path = Path(path)
    data, origin = _read_toml(path, name=str(path))
    if not data:
        raise ScenarioError(str(path), None, 'the file sets no fields; set at least paradigm = "opa" (or "npm", '
                            '"npg"), or extends = "other.toml"; docs/scenarios.md lists every field')
    scenario = validate(data, str(path), origin)
    if not scenario.name:
        scenario = scenario.model_copy(update={"name": path.stem})
    return scenario


def with_overrides(scenario, overrides: Mapping[str, Any] | None, source: str = "overrides"):
    """Apply ``{"population.citizens": 10000, ...}`` and validate the result like a file.

    A key may be a dotted path (``"population.citizens"``) or a table name whose value is a
    mapping (``{"population": {"citizens": 500}}``); a mapping is merged into the existing
    table, so the table's other fields keep their values. Numpy scalars are accepted.
    """
    if overrides is None:
        return scenario
    if not isinstance(overrides, Mapping):
        raise ScenarioError(source, None, "overrides must be a mapping of dotted field names to values, e.g. "
                            f"{{'population.citizens': 5000}} (got a {type(overrides).__name__}: {overrides!r})")
    if not overrides:
        return scenario
    data = scenario.model_dump(mode="python")
    data["population"] = scenario.population.explicit()  # unset public-sector sizes follow citizens
    for dotted, value in overrides.items():
        if not isinstance(dotted, str) or not dotted:
            raise ScenarioError(source, str(dotted), "a field name must be a non-empty string such as "
                                "'population.citizens'")
        parts = dotted.split(".")
        node = data
        for i, part in enumerate(parts[:-1]):
            nxt = node.get(part)
            if nxt is None:
                # Let validation report the unknown path.
                nxt = node[part] = {}
            if not isinstance(nxt, dict):
                raise ScenarioError(source, ".".join(parts[: i + 1]), "is not a table; cannot set a field inside it")
            node = nxt
        value = plain(value)
        last = parts[-1]
        if isinstance(value, Mapping) and isinstance(node.get(last), dict):
            node[last] = _merge(node[last], dict(value))
        else:
            node[last] = value
    return validate(data, source)


def coerce(scenario_or_path) -> Any:
    """A Scenario from a Scenario, a path, or None (defaults)."""
    if scenario_or_path is None:
        return Scenario()
    if isinstance(scenario_or_path, (str, Path)):
        return load_scenario(scenario_or_path)
    if isinstance(scenario_or_path, BaseModel):
        return scenario_or_path
    if isinstance(scenario_or_path, Mapping):
        return validate(scenario_or_path)
    raise TypeError(f"expected a Scenario, a path or a dict, got {type(scenario_or_path).__name__}")
