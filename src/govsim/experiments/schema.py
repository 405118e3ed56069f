"""Experiment files: TOML mapped to a validated experiment, with one-line errors.

An experiment names a base scenario (a scenario file and/or fields set in ``[base]``),
factors (``paradigm``, ``metagovernance`` or any dotted scenario field, each as a list
of levels or a range), a design, replications, steps, a root seed and what to keep.
Every level of every factor is checked by applying it to the base scenario with
:func:`govsim.config.with_overrides`, so a bad level is reported against the
experiment file and the factor's field before anything runs. ``docs/experiments.md``
is generated from this schema by ``scripts/gen_experiment_docs.py``.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from govsim.config import Scenario, ScenarioError, load_scenario, unknown_name, with_overrides
from govsim.metrics import FAMILIES, INDICATORS, SERIES

DESIGN_KINDS = ("factorial", "points", "lhs", "sobol", "morris")
SAMPLED = ("lhs", "sobol", "morris")
RANGE_KEYS = ("min", "max", "num")
STATISTICS = ("mean", "final", "min", "max", "std")
COLUMNS = SERIES


class ExperimentError(ScenarioError):
    """An experiment file that cannot be used: names the file, the field and what is allowed."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Design(_Section):
    """How design points are made from the factors."""

    kind: Literal["factorial", "points", "lhs", "sobol", "morris"] = Field(
        "factorial", description="factorial: every combination of the factors' levels; points: the listed "
        "points (crossed with any factors); lhs: Latin hypercube; sobol: Saltelli sampling for Sobol "
        "indices; morris: Morris trajectories (the last three sample the factors' ranges with SALib).")
    points: tuple[dict[str, Any], ...] = Field(
        (), strict=False, description="Design points as [[design.points]] tables of scenario fields "
        "(dotted keys or nested tables) and an optional label; crossed with the factors. "
        "Only for factorial and points designs.")
    samples: int = Field(32, ge=1, le=1_000_000, description="lhs: number of points; sobol: base samples N "
                         "(N x (factors + 2) points; a power of 2 is best); morris: trajectories "
                         "(N x (factors + 1) points).")
    levels: int = Field(4, ge=2, le=100, description="morris: number of grid levels.")


class Collect(_Section):
    """What each run keeps."""

    series: bool = Field(True, description="Keep the per-step series (one row per run and step).")
    window: int = Field(24, ge=1, le=100_000, description="Collection window: summaries are taken over the "
                        "last `window` steps (all steps if the run is shorter).")
    statistics: tuple[str, ...] = Field(("mean", "final"), strict=False,
                                        description=f"Summaries over the window, any of: {', '.join(STATISTICS)}.")
    columns: tuple[str, ...] = Field(FAMILIES, strict=False, description="Series summarised per run: the "
                                     "indices and/or any indicator (see docs/results.md).")

    @field_validator("statistics")
    @classmethod
    def _known_stats(cls, v):
        return _known(v, STATISTICS, "statistic")

    @field_validator("columns")
    @classmethod
    def _known_columns(cls, v):
        return _known(v, COLUMNS, "column")


class Analysis(_Section):
    """How `govsim analyze` and `govsim compare` read the results."""

    reference: str = Field("", description="Label of the design point that paired differences are taken "
                           "against (every other point minus it); empty: the first point.")
    contrasts: tuple[list[str], ...] = Field(
        (), strict=False, description="Paired differences to report as [point, reference] label pairs, e.g. "
        "[[\"NPG hands-on\", \"NPG hands-off\"]]; empty: every point minus `reference`.")
    statistic: str = Field("mean", description="Which window summary the tables, intervals and sensitivity "
                           "indices use.")
    confidence: float = Field(0.95, ge=0.5, le=0.999, description="Confidence level of the intervals.")

    @field_validator("statistic")
    @classmethod
    def _known_stat(cls, v):
        return _known((v,), STATISTICS, "statistic")[0]

    @field_validator("contrasts")
    @classmethod
    def _pairs(cls, v):
        for pair in v:
            if len(pair) != 2:
                raise ValueError(f"each contrast is a [point, reference] pair of labels (got {pair!r})")
        return v


class ExperimentSchema(_Section):
    """An experiment file."""

    name: str = Field("", description="Short name shown in results (default: the file's name).")
    description: str = Field("", description="What the experiment is for.")
    scenario: str = Field("", description="Base scenario file, relative to the experiment file; empty: the "
                          "built-in defaults.")
    base: dict[str, Any] = Field({}, strict=False, description="Scenario fields set for every run, as a [base] "
                                 "table (nested tables or quoted dotted keys), applied on top of `scenario`.")
    steps: int | None = Field(None, ge=1, le=100_000, description="Steps per run (default: the base "
                              "scenario's). `--steps` overrides it.")
    replications: int = Field(10, ge=1, le=100_000, description="Replications per design point. Replication r "
                              "of every point runs with the same seed (common random numbers). `--replications` "
                              "overrides it.")
    seed: int = Field(0, ge=0, le=2**63 - 1, description="Root seed: replication seeds are spawned from it with "
                      "numpy's SeedSequence. `--seed` overrides it.")
    factors: dict[str, Any] = Field({}, strict=False, description="[factors]: `paradigm`, `metagovernance` or any "
                                    "dotted scenario field, each a list of levels (`[\"opa\", \"npm\"]`) or a "
                                    "range (`{min = 0.1, max = 0.9}`, with `num = 5` in a factorial design).")
    design: Design = Design()
    collect: Collect = Collect()
    analysis: Analysis = Analysis()


def _known(values, allowed, what):
    for v in values:
        if v not in allowed:
            raise ValueError(unknown_name(v, allowed, what, "Allowed"))
    if not values:
        raise ValueError(f"needs at least one {what}; allowed: {', '.join(allowed)}")
    return tuple(values)


# --------------------------------------------------------------------------- resolved experiment

@dataclass(frozen=True)
class Factor:
    """One factor: a dotted scenario path with a list of levels or a numeric range."""

    path: str
    levels: tuple | None = None        # a list of levels (categorical or numeric)
    low: float | None = None           # a range
    high: float | None = None
    num: int | None = None             # factorial levels taken evenly over the range
    integer: bool = False

    @property
    def is_range(self) -> bool:
        return self.levels is None

    def grid(self) -> tuple:
        """The levels a factorial design crosses."""
        if self.levels is not None:
            return self.levels
        import numpy as np

        vals = np.linspace(self.low, self.high, self.num)
        if self.integer:
            return tuple(dict.fromkeys(int(round(v)) for v in vals))
        return tuple(float(v) for v in vals)

    def bounds(self) -> tuple[float, float]:
        """Bounds in the unit the samplers use: the range, or [0, number of levels) for a list."""
        if self.levels is not None:
            return 0.0, float(len(self.levels))
        return float(self.low), float(self.high)

    def value(self, x: float):
        """The level at sampled coordinate ``x``."""
        if self.levels is not None:
            return self.levels[min(max(int(x), 0), len(self.levels) - 1)]
        if self.integer:
            return int(min(max(round(x), self.low), self.high))
        return float(x)

    def describe(self) -> dict:
        if self.levels is not None:
            return {"path": self.path, "levels": list(self.levels)}
        out = {"path": self.path, "min": self.low, "max": self.high, "integer": self.integer}
        if self.num is not None:
            out["num"] = self.num
        return out


@dataclass(frozen=True)
class Experiment:
    """A validated experiment file with its base scenario and factors resolved."""

    path: str
    text: str
    sha256: str
    spec: ExperimentSchema
    base: Any                       # the validated base Scenario (steps applied)
    base_overrides: dict[str, Any]  # dotted paths from [base]
    factors: tuple[Factor, ...]
    points: tuple[dict[str, Any], ...]   # flattened design.points (label under "label")
    replications: int
    steps: int
    seed: int

    @property
    def name(self) -> str:
        return self.spec.name or Path(self.path).stem

    @property
    def window(self) -> int:
        return min(self.spec.collect.window, self.steps)


def _err(source: str, field: str | None, message: str) -> ExperimentError:
    return ExperimentError(source, field, message)


def _explain(source: str, err: ValidationError) -> ExperimentError:
    e = err.errors()[0]
    loc = tuple(e["loc"])
    dotted = ".".join(str(p) for p in loc)
    if e["type"] == "extra_forbidden":
        model: Any = ExperimentSchema
        for part in loc[:-1]:
            ann = model.model_fields[part].annotation if isinstance(part, str) else None
            model = ann if isinstance(ann, type) and issubclass(ann, BaseModel) else None
            if model is None:
                break
        valid = list(model.model_fields) if model is not None else []
        return _err(source, dotted, unknown_name(loc[-1], valid))
    msg = e["msg"].removeprefix("Value error, ")
    got = e.get("input")
    if e["type"] != "missing" and not isinstance(got, dict):
        msg += f" (got {got!r})"
    if e["type"] == "literal_error":
        msg += f"; allowed: {', '.join(DESIGN_KINDS)}"
    return _err(source, dotted or None, msg)


def _flatten(table: dict, prefix: str = "") -> dict[str, Any]:
    """Nested tables -> dotted keys (leaves: anything that is not a table)."""
    out: dict[str, Any] = {}
    for k, v in table.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flatten(v, key + "."))
        else:
            out[key] = v
    return out


def _is_range(v) -> bool:
    return isinstance(v, dict) and bool({"min", "max"} & set(v))


def _flatten_factors(table: dict, prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in table.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict) and not _is_range(v) and v:
            out.update(_flatten_factors(v, key + "."))
        else:
            out[key] = v
    return out


def _rewrap(source: str, where: str, exc: ScenarioError, what: str = "") -> ExperimentError:
    field = f"{where}.{exc.field}" if exc.field else where
    return _err(source, field, f"{what}{exc.message}")


def _check_level(source: str, field: str, base, path: str, value) -> None:
    try:
        with_overrides(base, {path: value})
    except ScenarioError as exc:
        if exc.message.startswith("unknown field") or "not a table" in exc.message:
            msg = exc.message if exc.field == path else f"{exc.field}: {exc.message}"
        elif exc.field in (path, None):
            msg = f"level {value!r}: {exc.message}"
        else:  # the level broke a rule that spans fields (e.g. providers <= employees)
            msg = f"level {value!r}: {exc.field}: {exc.message.split('; allowed: a table')[0]}"
        raise _err(source, field, msg) from None


def _factor(source: str, base, path: str, spec, kind: str) -> Factor:
    field = f"factors.{path}"
    scalar = (str, int, float, bool)
    if isinstance(spec, list):
        if not spec:
            raise _err(source, field, "needs at least one level")
        for v in spec:
            if not isinstance(v, scalar):
                raise _err(source, field, f"levels must be strings, numbers or booleans (got {v!r})")
        if len({repr(v) for v in spec}) != len(spec):
            raise _err(source, field, f"levels repeat: {spec!r}")
        for v in spec:
            _check_level(source, field, base, path, v)
        return Factor(path, levels=tuple(spec))
    if isinstance(spec, dict) and _is_range(spec):
        for key in spec:
            if key not in RANGE_KEYS:
                raise _err(source, f"{field}.{key}", unknown_name(key, RANGE_KEYS, cutoff=0.5))
        lo, hi = spec.get("min"), spec.get("max")
        for key, v in (("min", lo), ("max", hi)):
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise _err(source, f"{field}.{key}", f"a range needs numbers min and max (got {v!r})")
        if not lo < hi:
            raise _err(source, field, f"min ({lo}) must be below max ({hi})")
        num = spec.get("num")
        if kind in ("factorial", "points"):
            if num is None:
                raise _err(source, field, "a range in a factorial design needs num = the number of levels "
                           "(or give a list of levels)")
            if isinstance(num, bool) or not isinstance(num, int) or not 2 <= num <= 1000:
                raise _err(source, f"{field}.num", f"must be an integer from 2 to 1000 (got {num!r})")
        elif num is not None:
            raise _err(source, f"{field}.num", f"only factorial designs take num; a {kind} design samples the range")
        integer = isinstance(lo, int) and isinstance(hi, int)
        for v in (lo, hi):
            _check_level(source, field, base, path, v)
        return Factor(path, low=lo, high=hi, num=num, integer=integer)
    raise _err(source, field, "a factor needs a list of levels, e.g. [\"opa\", \"npm\"], or a range, "
               "e.g. {min = 0.1, max = 0.9}" + (f" (got {spec!r})" if not isinstance(spec, dict) else ""))


def parse(text: str, source: str, *, folder: Path | None = None, replications: int | None = None,
          steps: int | None = None, seed: int | None = None) -> Experiment:
    """Validate experiment text; ``folder`` resolves a relative ``scenario`` path."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _err(source, None, f"not valid TOML: {exc}") from None
    try:
        spec = ExperimentSchema.model_validate(data)
    except ValidationError as err:
        raise _explain(source, err) from None

    # base scenario
    if spec.scenario:
        spath = (folder or Path.cwd()) / spec.scenario
        if not spath.is_file():
            raise _err(source, "scenario", f"no such file {spec.scenario!r} (looked for {spath.resolve()})")
        base = load_scenario(spath)
    else:
        base = Scenario()
    base_over = _flatten(spec.base)
    try:
        base = with_overrides(base, base_over)
    except ScenarioError as exc:
        raise _rewrap(source, "base", exc) from None
    eff_steps = steps if steps is not None else (spec.steps or base.steps)
    eff_reps = replications if replications is not None else spec.replications
    eff_seed = seed if seed is not None else spec.seed
    for name, v, lo, hi in (("steps", eff_steps, 1, 100_000), ("replications", eff_reps, 1, 100_000),
                            ("seed", eff_seed, 0, 2**63 - 1)):
        if not lo <= v <= hi:
            raise _err(source, name, f"must be from {lo} to {hi} (got {v})")
    base = with_overrides(base, {"steps": eff_steps})

    kind = spec.design.kind
    flat = _flatten_factors(spec.factors)
    factors = tuple(_factor(source, base, p, s, kind) for p, s in flat.items())

    # design points
    points: list[dict[str, Any]] = []
    if spec.design.points and kind in SAMPLED:
        raise _err(source, "design.points", f"a {kind} design samples the factors' ranges and lists no points; "
                   "use kind = \"points\" or \"factorial\"")
    if kind == "points" and not spec.design.points:
        raise _err(source, "design.points", "a points design needs at least one [[design.points]] table")
    if kind in SAMPLED and not factors:
        raise _err(source, "factors", f"a {kind} design needs at least one factor to sample")
    labels = set()
    for i, raw in enumerate(spec.design.points):
        where = f"design.points.{i}"
        label = raw.get("label", "")
        if not isinstance(label, str):
            raise _err(source, f"{where}.label", f"must be a string (got {label!r})")
        point = {k: v for k, v in _flatten({k: v for k, v in raw.items() if k != "label"}).items()}
        for p in point:
            if p in flat:
                raise _err(source, f"{where}.{p}", "is also a factor; set it in the points or in [factors], not both")
        try:
            with_overrides(base, point)
        except ScenarioError as exc:
            raise _rewrap(source, where, exc) from None
        label = label or " ".join(_short(k, v) for k, v in point.items()) or f"point {i}"
        if label in labels:
            raise _err(source, f"{where}.label", f"label {label!r} is used by an earlier point; labels must differ")
        labels.add(label)
        points.append({"label": label, **point})
    return Experiment(path=source, text=text, sha256=hashlib.sha256(text.encode()).hexdigest(), spec=spec,
                      base=base, base_overrides=base_over, factors=factors, points=tuple(points),
                      replications=eff_reps, steps=eff_steps, seed=eff_seed)


def _short(path: str, value) -> str:
    if path in ("paradigm", "metagovernance"):
        return str(value)
    return f"{path.rsplit('.', 1)[-1]}={value}"


def load_experiment(path: str | Path, *, replications: int | None = None, steps: int | None = None,
                    seed: int | None = None) -> Experiment:
    """Read and validate an experiment file (command-line values override the file's)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise _err(str(path), None, "no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise _err(str(path), None, f"cannot read the file ({exc.__class__.__name__}: {exc})") from None
    return parse(text, str(path), folder=path.resolve().parent, replications=replications, steps=steps, seed=seed)
