"""Running the validation sweeps and reading each stylized fact off their results.

Everything runs through the public functions of :mod:`govsim.experiments` (``parse``,
``run_sweep``, ``load_results``, the analysis helpers), so it works on any version of the
model. A fact's experiment file is run as it is (in quick mode with a smaller population,
fewer steps or replications); its boundary sweeps are *variants* of that file: only the
fact's two design points, crossed with the levels of one condition (the condition's field
is removed from the points and set by the factor). Every variant is a deterministic
experiment text written into its results folder's manifest, so a second run resumes.

The arithmetic (:func:`paired_effect`, :func:`classify`, :func:`find_boundary`,
:func:`condition_effects`) works on plain results frames and is tested on synthetic ones.
"""

from __future__ import annotations

import math
import re
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from govsim.validation.facts import CONDITIONS, Condition, Fact

HOLDS, REVERSED, UNCLEAR = "holds", "reversed", "not shown"


# --------------------------------------------------------------------------- modes

@dataclass(frozen=True)
class Mode:
    """How much to run: ``quick`` for CI and a first look, ``full`` for the report."""

    name: str
    replications: int | None       # main effect of each fact (None: the file's)
    boundary_replications: int
    n_levels: int                  # levels per condition (first, middle, last when fewer than five)
    citizens: int | None           # None: the file's population
    max_steps: int | None          # None: the file's steps
    leads_replications: int | None
    sobol_samples: int | None
    discovery_samples: int | None
    discovery_replications: int | None
    conditions_per_fact: int       # how many of a fact's conditions are swept


FULL = Mode("full", None, 20, 5, None, None, None, None, None, None, 2)
QUICK = Mode("quick", 20, 6, 3, 300, 120, 6, 64, 48, 1, 1)
TEST = Mode("test", 6, 4, 2, 300, 120, 2, 8, 24, 1, 1)
MODES = {m.name: m for m in (FULL, QUICK, TEST)}


def pick_levels(levels: tuple[float, ...], n: int) -> tuple[float, ...]:
    """``n`` levels spread over ``levels`` (always the first and the last)."""
    if n >= len(levels):
        return tuple(levels)
    if n <= 1:
        return (levels[len(levels) // 2],)
    idx = sorted({round(i * (len(levels) - 1) / (n - 1)) for i in range(n)})
    return tuple(levels[i] for i in idx)


# --------------------------------------------------------------------------- experiment variants

def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        if isinstance(v, float) and not math.isfinite(v):
            raise ValueError(f"cannot write {v!r} to TOML")
        return repr(v)
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{_toml_key(k)} = {_toml_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(f"cannot write {type(v).__name__} to TOML")


def _toml_key(k: str) -> str:
    return k if re.fullmatch(r"[A-Za-z0-9_-]+", k) else _toml_value(k)


def dump_toml(data: dict) -> str:
    """A TOML document of top-level keys (tables written inline); enough for experiment files."""
    return "".join(f"{_toml_key(k)} = {_toml_value(v)}\n" for k, v in data.items())


def _drop_path(table: dict, path: str) -> None:
    table.pop(path, None)
    head, _, rest = path.partition(".")
    if rest and isinstance(table.get(head), dict):
        _drop_path(table[head], rest)
        if not table[head]:
            del table[head]


def _set_path(table: dict, path: str, value: Any) -> None:
    _drop_path(table, path)
    parts = path.split(".")
    node = table
    for p in parts[:-1]:
        node = node.setdefault(p, {})
    node[parts[-1]] = value


def variant(text: str, *, base: dict[str, Any] | None = None, keep_points: tuple[str, ...] | None = None,
            factor: tuple[str, tuple] | None = None, samples: int | None = None) -> str:
    """An experiment text derived from ``text``: fields added to [base], only some points, one more factor."""
    data = tomllib.loads(text)
    b = data.setdefault("base", {})
    for path, v in (base or {}).items():
        _set_path(b, path, v)
    design = data.setdefault("design", {})
    if keep_points is not None:
        by_label = {p.get("label"): p for p in design.get("points", [])}
        missing = [lab for lab in keep_points if lab not in by_label]
        if missing:
            raise ValueError(f"no design point {missing[0]!r}; points: {', '.join(map(str, by_label))}")
        design["points"] = [by_label[lab] for lab in keep_points]
    if factor is not None:
        path, levels = factor
        _drop_path(b, path)
        for p in design.get("points", []):
            _drop_path(p, path)
        data.setdefault("factors", {})[path] = list(levels)
    if samples is not None:
        design["samples"] = samples
    return dump_toml(data)


SWEEPS: list[tuple[str, int, int]] = []
"""(folder, runs in the design, runs executed by this process) of every sweep run_text ran or resumed."""


@dataclass
class Ran:
    runs: Any                      # pandas DataFrame of finished runs
    manifest: dict
    folder: Path
    seconds: float = 0.0


def run_text(text: str, source: str, folder: Path, out: Path, *, mode: Mode, replications: int | None = None,
             workers: int | None = None, progress: bool = True) -> Ran:
    """Run (or resume) an experiment text into ``out`` and read its finished runs."""
    from govsim.experiments import load_results, run_sweep
    from govsim.experiments.schema import parse

    data = tomllib.loads(text)
    if mode.citizens is not None:
        text = variant(text, base={"population.citizens": mode.citizens})
    steps = None
    if mode.max_steps is not None:
        file_steps = data.get("steps") or 120
        steps = min(int(file_steps), mode.max_steps)
    exp = parse(text, source, folder=folder, replications=replications, steps=steps)
    summary = run_sweep(exp, out, workers=workers, progress=progress)
    if summary.interrupted:
        raise KeyboardInterrupt
    SWEEPS.append((str(out), summary.total, summary.ran))
    res = load_results(out, series=False)
    return Ran(res.ok(), res.manifest, Path(out), summary.seconds)


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()


# --------------------------------------------------------------------------- arithmetic

def paired_effect(runs, a: str, b: str, column: str, conf: float = 0.95) -> dict[str, float]:
    """Mean of (A - B) within replications, its t interval and the number of pairs."""
    from govsim.experiments.analysis import paired_differences

    d = paired_differences(runs, [column], conf=conf, contrasts=[(a, b)])
    if d.empty:
        return {"diff": math.nan, "lo": math.nan, "hi": math.nan, "n": 0}
    r = d.iloc[0]
    return {"diff": float(r["diff"]), "lo": float(r["paired_lo"]), "hi": float(r["paired_hi"]), "n": int(r["pairs"])}


def classify(diff: float, lo: float, hi: float, direction: int) -> str:
    """``holds`` when the interval lies on the expected side of 0, ``reversed`` on the other, else ``not shown``."""
    if not all(math.isfinite(x) for x in (diff, lo, hi)):
        return UNCLEAR
    if direction * lo > 0 and direction * hi > 0:
        return HOLDS
    if direction * lo < 0 and direction * hi < 0:
        return REVERSED
    return UNCLEAR


def fact_effect(runs, fact: Fact, conf: float = 0.95) -> dict[str, float]:
    """A fact's paired effect: A - B, or for an interaction fact (A - B) - (a0 - b0), within replications."""
    if fact.a0 is None:
        return paired_effect(runs, fact.a, fact.b, fact.column, conf)
    return interaction_effect(runs, fact.points, fact.column, conf)


def interaction_effect(runs, labels: tuple[str, str, str, str], column: str, conf: float = 0.95) -> dict[str, float]:
    """Mean of (A - B) - (A0 - B0) within replications (a difference in differences), its t interval, pairs."""
    from govsim.experiments.analysis import mean_ci

    ok = runs[runs["status"] == "ok"] if "status" in runs else runs
    series = [ok[ok["label"] == lab].set_index("replication")[column] for lab in labels]
    if any(s.empty for s in series):
        return {"diff": math.nan, "lo": math.nan, "hi": math.nan, "n": 0}
    common = series[0].index
    for s_ in series[1:]:
        common = common.intersection(s_.index)
    a, b, a0, b0 = (s_.loc[common].to_numpy(dtype=float) for s_ in series)
    diff, half, n = mean_ci((a - b) - (a0 - b0), conf)
    return {"diff": float(diff), "lo": float(diff - half), "hi": float(diff + half), "n": int(n)}


def condition_effects(runs, manifest: dict, a: str, b: str, column: str, path: str, conf: float = 0.95,
                      reference: tuple[str, str] | None = None):
    """Per level of the swept field ``path``: the paired effect A - B (columns level, diff, lo, hi, n).

    With ``reference`` = (a0, b0), the interaction effect (A - B) - (a0 - b0) instead.
    """
    import pandas as pd

    points = manifest["design"]["points"]
    bases = (a, b) + tuple(reference or ())
    base_of, level_of = {}, {}
    for p in points:
        match = [lab for lab in bases if p["label"] == lab or p["label"].startswith(lab + " ")]
        if not match:
            continue
        base_of[p["point_id"]] = max(match, key=len)
        level_of[p["point_id"]] = p["overrides"][path]
    df = runs[runs["point_id"].isin(base_of)].copy()
    df["label"] = df["point_id"].map(base_of)
    df["_level"] = df["point_id"].map(level_of)
    rows = []
    for level, g in df.groupby("_level", sort=True):
        if reference:
            e = interaction_effect(g, (a, b, *reference), column, conf)
        else:
            e = paired_effect(g, a, b, column, conf)
        rows.append({"level": float(level), **e})
    return pd.DataFrame(rows, columns=["level", "diff", "lo", "hi", "n"])


@dataclass
class Boundary:
    condition: str                 # dotted path
    label: str
    levels: list[float]
    statuses: list[str]
    crossings: list[float]         # where the effect's sign changes (linear interpolation)
    summary: str
    table: Any = None


def _fmt(x: float) -> str:
    return f"{x:g}"


def find_boundary(table, direction: int, condition: Condition) -> Boundary:
    """Where along the swept condition a fact's effect changes sign or its interval starts to include 0."""
    t = table.sort_values("level").reset_index(drop=True)
    levels = [float(x) for x in t["level"]]
    statuses = [classify(d, lo, hi, direction) for d, lo, hi in zip(t["diff"], t["lo"], t["hi"])]
    crossings = []
    for i in range(len(t) - 1):
        d0, d1 = float(t["diff"][i]), float(t["diff"][i + 1])
        if math.isfinite(d0) and math.isfinite(d1) and d0 * d1 < 0:
            x0, x1 = levels[i], levels[i + 1]
            crossings.append(x0 + (x1 - x0) * (0 - d0) / (d1 - d0))
    name = condition.label
    rng = f"{_fmt(levels[0])}–{_fmt(levels[-1])}" if levels else "no levels"
    if not levels:
        summary = f"{name}: no results"
    elif all(s == HOLDS for s in statuses):
        summary = f"holds at every level of {name} tried ({rng}, {len(levels)} levels)"
    elif all(s == REVERSED for s in statuses):
        summary = f"reversed at every level of {name} tried ({rng})"
    elif all(s == UNCLEAR for s in statuses):
        summary = f"not shown at any level of {name} tried ({rng})"
    elif not any(s == HOLDS for s in statuses):
        by = "; ".join(f"{st} at {', '.join(_fmt(lv) for lv, s in zip(levels, statuses) if s == st)}"
                       for st in (REVERSED, UNCLEAR) if st in statuses)
        summary = f"holds at no level of {name} tried ({rng}): {by}"
    else:
        held = [lv for lv, s in zip(levels, statuses) if s == HOLDS]
        other = [f"{_fmt(lv)} ({s})" for lv, s in zip(levels, statuses) if s != HOLDS]
        summary = (f"holds for {name} at {', '.join(map(_fmt, held))}; stops holding at {', '.join(other)}")
    if crossings:
        summary += "; the effect changes sign at " + ", ".join(f"≈{c:.2f}" for c in crossings)
    return Boundary(condition.path, name, levels, statuses, crossings, summary, t)


# --------------------------------------------------------------------------- facts

@dataclass
class FactResult:
    fact: Fact
    effect: dict[str, float]
    status: str
    boundaries: list[Boundary] = field(default_factory=list)
    replications: int = 0


def _progress(msg: str, progress: bool) -> None:
    if progress:
        print(msg, file=sys.stderr, flush=True)


def evaluate_fact(fact: Fact, root: Path, out: Path, mode: Mode, *, workers: int | None = None,
                  replications: int | None = None, progress: bool = True, cache: dict | None = None) -> FactResult:
    """Run (or resume) a fact's experiment and its boundary sweeps; return its effect and boundaries."""
    path = root / fact.experiment
    text = path.read_text(encoding="utf-8")
    reps = replications or mode.replications
    key = ("main", fact.experiment)
    cache = {} if cache is None else cache
    if key not in cache:
        _progress(f"[validate] {fact.id}: {fact.experiment}", progress)
        cache[key] = run_text(text, str(path), path.parent, out / "facts" / path.stem, mode=mode,
                              replications=reps, workers=workers, progress=progress)
    ran = cache[key]
    eff = fact_effect(ran.runs, fact)
    res = FactResult(fact, eff, classify(eff["diff"], eff["lo"], eff["hi"], fact.direction), replications=eff["n"])
    breps = replications or mode.boundary_replications
    for cname in fact.conditions[: mode.conditions_per_fact]:
        cond = CONDITIONS[cname]
        levels = pick_levels(cond.levels, mode.n_levels)
        keep = tuple(sorted(set(fact.points)))
        vtext = variant(text, keep_points=keep, factor=(cond.path, levels))
        folder = out / "boundaries" / f"{path.stem}--{'--'.join(slug(lab) for lab in keep)}--{cname}"
        bkey = ("boundary", folder.name)
        if bkey not in cache:
            _progress(f"[validate] {fact.id}: boundary along {cond.label}", progress)
            cache[bkey] = run_text(vtext, f"{path} (boundary: {cond.path})", path.parent, folder, mode=mode,
                                   replications=breps, workers=workers, progress=progress)
        b = cache[bkey]
        table = condition_effects(b.runs, b.manifest, fact.a, fact.b, fact.column, cond.path,
                                  reference=None if fact.a0 is None else (fact.a0, fact.b0))
        res.boundaries.append(find_boundary(table, fact.direction, cond))
    return res
