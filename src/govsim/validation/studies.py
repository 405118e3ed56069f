"""The three studies beside the facts: where each paradigm leads, global sensitivity, scenario discovery."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from govsim.validation.evaluate import Mode, _progress, paired_effect, pick_levels, run_text, variant
from govsim.validation.facts import ARMS, CONDITIONS, DISCOVERY_EXPERIMENT, LEADS, SOBOL_EXPERIMENT, TARGETS

# --------------------------------------------------------------------------- where each paradigm leads


def leaders(runs, labels: list[str], column: str, conf: float = 0.95) -> tuple[str, dict]:
    """The design point with the highest mean; tied (``A ≈ B``) when the paired interval against the runner-up includes 0."""
    means = {lab: float(runs.loc[runs["label"] == lab, column].mean()) for lab in labels}
    order = sorted(means, key=lambda k: -means[k] if math.isfinite(means[k]) else math.inf)
    best = order[0]
    tied = [best]
    for other in order[1:]:
        e = paired_effect(runs, best, other, column, conf)
        if math.isfinite(e["lo"]) and e["lo"] <= 0:
            tied.append(other)
    return " ≈ ".join(tied), means


@dataclass
class LeadsResult:
    table: Any                     # rows: condition, level, metric, leader, and one column per point (mean)
    points: list[str]
    replications: int = 0


def run_leads(root: Path, out: Path, mode: Mode, *, workers=None, replications=None, progress=True) -> LeadsResult:
    import pandas as pd

    path = root / LEADS.experiment
    text = path.read_text(encoding="utf-8")
    rows, labels, reps = [], [], 0
    for cname in LEADS.conditions:
        cond = CONDITIONS[cname]
        levels = pick_levels(cond.levels, mode.n_levels)
        _progress(f"[validate] where each paradigm leads: along {cond.label}", progress)
        ran = run_text(variant(text, factor=(cond.path, levels)), f"{path} (along {cond.path})", path.parent,
                       out / "leads" / cname, mode=mode, replications=replications or mode.leads_replications,
                       workers=workers, progress=progress)
        base = _base_labels(ran.manifest, cond.path)
        labels = list(dict.fromkeys(base.values()))
        reps = int(ran.manifest["settings"]["replications"])
        runs = ran.runs.copy()
        runs["_level"] = runs["point_id"].map({p["point_id"]: p["overrides"][cond.path]
                                               for p in ran.manifest["design"]["points"]})
        runs["label"] = runs["point_id"].map(base)
        for level, g in runs.groupby("_level", sort=True):
            for m in LEADS.metrics:
                lead, means = leaders(g, labels, f"{m}_mean")
                rows.append({"condition": cname, "label": cond.label, "level": float(level), "metric": m,
                             "leader": lead, **means})
    return LeadsResult(pd.DataFrame(rows), labels, reps)


def _base_labels(manifest: dict, path: str) -> dict[int, str]:
    """point_id -> the listed point's label (the design crosses listed points with the factor's levels)."""
    import tomllib

    listed = [p.get("label", "") for p in tomllib.loads(manifest["experiment"]["content"])["design"]["points"]]
    out = {}
    for p in manifest["design"]["points"]:
        match = [lab for lab in listed if p["label"] == lab or p["label"].startswith(lab + " ")]
        out[p["point_id"]] = max(match, key=len)
    return out


# --------------------------------------------------------------------------- global sensitivity

@dataclass
class SobolResult:
    indices: Any                   # metric, factor, S1, S1_conf, ST, ST_conf
    lines: list[str]
    samples: int
    runs: int


NAMES = {
    "paradigm": "the rule set (OPA, NPM or NPG)",
    "problems.wickedness": "wickedness of problems",
    "problems.rate": "problem load",
    "citizens.initial_trust": "citizens' initial trust",
    "citizens.resource_inequality": "inequality of citizens' resources",
    "citizens.participation_bias": "self-selection of participants",
    "citizens.initial_willingness": "citizens' willingness to take part",
    "employees.initial_motivation": "employees' initial motivation",
    "employees.intrinsic_motivation": "employees' intrinsic (public-service) motivation",
    "employees.agency": "principal–agent drift",
    "problems.dispersion": "dispersion of needed knowledge",
    "citizens.hour_value": "value of citizens' hours",
    "citizens.fatigue": "participation fatigue",
    "core.coordination": "coordination cost per arena member",
    "npm.responsiveness": "NPM providers' responsiveness",
    "employees.crowding_out": "crowding-out of motivation",
    "administrators.hours": "administrators' hours",
    "administrators.facilitation_skill": "facilitation skill",
    "politicians.openness": "politicians' openness",
    "npm.target_pressure": "NPM's target pressure",
    "npg.meeting_hours": "meeting hours per arena round",
    "npg.deadlock_threshold": "arenas' tolerance of conflict",
}


def sobol_lines(indices) -> list[str]:
    """Plain-language lines on the parameters that matter most for each index."""
    lines = []
    for m, g in indices.groupby("metric", sort=False):
        g = g.sort_values("ST", ascending=False)
        top = g.iloc[0]
        idx = m.rsplit("_", 1)[0]
        share = f"{top['ST']:.2f} ± {top['ST_conf']:.2f}"
        line = (f"**{idx}**: {NAMES.get(top['factor'], top['factor'])} matters most (total index ST {share}, "
                f"first-order S1 {top['S1']:.2f} ± {top['S1_conf']:.2f})")
        rest = [f"{NAMES.get(r['factor'], r['factor'])} (ST {r['ST']:.2f})" for _, r in g.iloc[1:3].iterrows()
                if r["ST"] - r["ST_conf"] > 0.01]
        if rest:
            line += "; then " + " and ".join(rest)
        inert = [NAMES.get(r["factor"], r["factor"]) for _, r in g.iterrows() if r["ST"] + r["ST_conf"] < 0.02]
        if inert:
            line += f". Practically inert (ST + interval < 0.02): {', '.join(inert)}"
        inter = float(top["ST"] - top["S1"])
        if inter > 0.1:
            line += f". Its total exceeds its first-order index by {inter:.2f}: it acts mostly through interactions"
        lines.append(line + ".")
    return lines


def run_sobol(root: Path, out: Path, mode: Mode, *, workers=None, progress=True) -> SobolResult:
    from govsim.experiments.analysis import sobol_indices

    path = root / SOBOL_EXPERIMENT
    text = path.read_text(encoding="utf-8")
    if mode.sobol_samples:
        text = variant(text, samples=mode.sobol_samples)
    _progress("[validate] global sensitivity (Sobol)", progress)
    ran = run_text(text, str(path), path.parent, out / "sobol", mode=mode, workers=workers, progress=progress)
    metrics = ["efficiency_mean", "democracy_mean", "innovation_mean"]
    idx = sobol_indices(ran.runs, ran.manifest, metrics)
    import tomllib

    samples = int(tomllib.loads(ran.manifest["experiment"]["content"])["design"].get("samples", 32))
    return SobolResult(idx, sobol_lines(idx), samples, len(ran.runs))


# --------------------------------------------------------------------------- scenario discovery

@dataclass
class DiscoveryResult:
    target: Any
    share: float                   # share of samples where the statement holds
    n: int
    boxes: list = field(default_factory=list)
    frame: Any = None              # factor values, diff, holds
    replications: int = 0          # per sample and arm


def run_discovery(root: Path, out: Path, mode: Mode, *, workers=None, progress=True) -> list[DiscoveryResult]:
    import numpy as np

    from govsim.validation.discovery import find_boxes

    path = root / DISCOVERY_EXPERIMENT
    text = path.read_text(encoding="utf-8")
    arms = {}
    for arm, fields in ARMS.items():
        vtext = variant(text, base=fields, samples=mode.discovery_samples)
        _progress(f"[validate] scenario discovery: arm {arm}", progress)
        arms[arm] = run_text(vtext, f"{path} (arm: {arm})", path.parent, out / "discovery" / _slug(arm),
                             mode=mode, replications=mode.discovery_replications, workers=workers,
                             progress=progress)
    factors = list(arms[next(iter(arms))].manifest["design"]["problem"]["names"])
    results = []
    for t in TARGETS:
        col = f"{t.metric}_mean"
        a = arms[t.a].runs.set_index(["point_id", "replication"])
        b = arms[t.b].runs.set_index(["point_id", "replication"])
        common = a.index.intersection(b.index)
        d = (a.loc[common, col] - b.loc[common, col]).groupby(level="point_id").mean()
        fx = a.loc[common, factors].groupby(level="point_id").first()
        frame = fx.assign(diff=d, holds=d > 0)
        boxes = find_boxes(frame[factors].to_numpy(dtype=float), frame["holds"].to_numpy(), factors,
                           seed=int(arms[t.a].manifest["root_seed"]) % (2**31))
        results.append(DiscoveryResult(t, float(np.mean(frame["holds"])), len(frame), boxes, frame,
                                       int(arms[t.a].manifest["settings"]["replications"])))
    return results


def _slug(s: str) -> str:
    import re

    return re.sub(r"[^A-Za-z0-9]+", "-", s).strip("-").lower()
