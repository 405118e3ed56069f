"""The validation machinery on synthetic results, and the registry against its experiment files."""

from __future__ import annotations

import math
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from govsim.experiments.schema import load_experiment, parse
from govsim.validation import evaluate as ev
from govsim.validation.discovery import find_boxes
from govsim.validation.facts import (ARMS, CONDITIONS, DISCOVERY_EXPERIMENT, FACTS, LEADS, LITERATURE,
                                     SOBOL_EXPERIMENT, TARGETS)
from govsim.validation.studies import leaders, sobol_lines

ROOT = Path(__file__).resolve().parents[1]


def _runs(effects: dict[str, np.ndarray], column: str = "efficiency_mean") -> pd.DataFrame:
    rows = []
    for pid, (label, values) in enumerate(effects.items()):
        for r, v in enumerate(values):
            rows.append({"run_id": r * len(effects) + pid, "point_id": pid, "label": label, "replication": r,
                         "status": "ok", column: float(v)})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- effects


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_paired_effect_recovers_a_known_effect_with_the_t_interval(seed):
    rng = np.random.default_rng(seed)
    world = rng.normal(0.5, 0.2, 30)             # shared luck of each replication
    b = world + rng.normal(0, 0.01, 30)
    a = world + 0.08 + rng.normal(0, 0.01, 30)
    e = ev.paired_effect(_runs({"A": a, "B": b}), "A", "B", "efficiency_mean")
    d = a - b
    half = stats.t.ppf(0.975, 29) * d.std(ddof=1) / math.sqrt(30)
    assert e["n"] == 30
    assert e["diff"] == pytest.approx(d.mean())
    assert e["lo"] == pytest.approx(d.mean() - half) and e["hi"] == pytest.approx(d.mean() + half)
    assert e["lo"] < 0.08 < e["hi"]              # the true effect is inside
    assert e["hi"] - e["lo"] < 0.02              # pairing removes the shared luck (sd 0.2)
    assert ev.classify(e["diff"], e["lo"], e["hi"], +1) == ev.HOLDS
    assert ev.classify(e["diff"], e["lo"], e["hi"], -1) == ev.REVERSED


def test_interaction_effect_is_a_paired_difference_in_differences():
    rng = np.random.default_rng(5)
    world = rng.normal(0.5, 0.2, 25)
    pts = {"B0": world, "A0": world + 0.02 + rng.normal(0, 0.005, 25),
           "B": world - 0.1 + rng.normal(0, 0.005, 25), "A": world - 0.1 + 0.09 + rng.normal(0, 0.005, 25)}
    runs = _runs(pts)
    e = ev.interaction_effect(runs, ("A", "B", "A0", "B0"), "efficiency_mean")
    d = (pts["A"] - pts["B"]) - (pts["A0"] - pts["B0"])
    assert e["n"] == 25 and e["diff"] == pytest.approx(d.mean())
    assert e["lo"] < 0.07 < e["hi"] and e["hi"] - e["lo"] < 0.02
    from govsim.validation.facts import Fact

    f = Fact("X", "x", ("T8",), "x.toml", "A", "B", "efficiency", +1, ("wickedness",), a0="A0", b0="B0")
    assert f.points == ("A", "B", "A0", "B0") and f.contrast() == "(A - B) - (A0 - B0)"
    assert ev.fact_effect(runs, f) == e
    plain = Fact("Y", "y", ("T8",), "x.toml", "A", "B", "efficiency", +1, ("wickedness",))
    assert ev.fact_effect(runs, plain)["diff"] == pytest.approx((pts["A"] - pts["B"]).mean())


def test_classify_an_interval_that_includes_zero_is_not_shown():
    assert ev.classify(0.01, -0.02, 0.04, +1) == ev.UNCLEAR
    assert ev.classify(math.nan, math.nan, math.nan, +1) == ev.UNCLEAR


def _table(levels, diffs, half=0.05):
    return pd.DataFrame({"level": levels, "diff": diffs, "lo": np.asarray(diffs) - half,
                         "hi": np.asarray(diffs) + half, "n": 20})


def test_boundary_found_where_a_synthetic_effect_changes_sign():
    cond = CONDITIONS["trust"]
    levels = [0.1, 0.3, 0.5, 0.7, 0.9]
    diffs = [-0.3, -0.02, 0.2, 0.3, 0.4]                  # negative up to 0.3, positive from 0.5
    b = ev.find_boundary(_table(levels, diffs, half=0.05), +1, cond)
    assert b.statuses == [ev.REVERSED, ev.UNCLEAR, ev.HOLDS, ev.HOLDS, ev.HOLDS]
    assert len(b.crossings) == 1 and b.crossings[0] == pytest.approx(0.3 + 0.2 * 0.02 / 0.22)
    assert "holds for citizens' initial trust at 0.5, 0.7, 0.9" in b.summary
    assert "stops holding at 0.1 (reversed), 0.3 (not shown)" in b.summary
    assert "changes sign at ≈0.32" in b.summary


def test_boundary_unsorted_levels_and_expected_negative_direction():
    cond = CONDITIONS["wickedness"]
    b = ev.find_boundary(_table([0.9, 0.1, 0.5], [0.2, -0.2, 0.05]), -1, cond)
    assert b.levels == [0.1, 0.5, 0.9]
    assert b.statuses == [ev.HOLDS, ev.UNCLEAR, ev.REVERSED]
    assert b.crossings == [pytest.approx(0.1 + 0.4 * 0.2 / 0.25)]
    touching = ev.find_boundary(_table([0.0, 1.0], [0.0, 0.3]), +1, cond)   # 0 at an end is no sign change
    assert touching.crossings == []


def test_a_fact_that_holds_everywhere_is_reported_with_the_range_tried():
    cond = CONDITIONS["load"]
    b = ev.find_boundary(_table([0.5, 2.0, 6.0], [0.3, 0.2, 0.25]), +1, cond)
    assert b.statuses == [ev.HOLDS] * 3 and b.crossings == []
    assert b.summary == f"holds at every level of {cond.label} tried (0.5–6, 3 levels)"
    nowhere = ev.find_boundary(_table([0.5, 2.0], [0.01, -0.01]), +1, cond)
    assert nowhere.summary.startswith("not shown at any level")
    mixed = ev.find_boundary(_table([0.1, 0.35, 0.7], [-0.2, -0.02, -0.02], half=0.03), +1, cond)
    assert mixed.summary.startswith(f"holds at no level of {cond.label} tried (0.1–0.7): reversed at 0.1; "
                                    "not shown at 0.35, 0.7")


def test_condition_effects_splits_crossed_points_by_level():
    # points: "A x=0.2", "A x=0.8", "B x=0.2", "B x=0.8" as a points design crossed with one factor makes them
    levels = [0.2, 0.8]
    points, rows = [], []
    rng = np.random.default_rng(0)
    for i, (lab, lv) in enumerate([(lab, lv) for lab in ("A", "B") for lv in levels]):
        points.append({"point_id": i, "label": f"{lab} wickedness={lv}", "overrides": {"problems.wickedness": lv}})
    true = {0.2: -0.1, 0.8: 0.3}
    for r in range(25):
        world = rng.normal(0.5, 0.1)
        for p in points:
            lab = p["label"].split()[0]
            lv = p["overrides"]["problems.wickedness"]
            v = world + (true[lv] if lab == "A" else 0) + rng.normal(0, 0.01)
            rows.append({"run_id": r * 4 + p["point_id"], "point_id": p["point_id"], "label": p["label"],
                         "replication": r, "status": "ok", "efficiency_mean": v})
    t = ev.condition_effects(pd.DataFrame(rows), {"design": {"points": points}}, "A", "B", "efficiency_mean",
                             "problems.wickedness")
    assert list(t["level"]) == levels and list(t["n"]) == [25, 25]
    assert t["diff"].to_numpy() == pytest.approx([-0.1, 0.3], abs=0.01)
    b = ev.find_boundary(t, +1, CONDITIONS["wickedness"])
    assert b.statuses == [ev.REVERSED, ev.HOLDS] and b.crossings[0] == pytest.approx(0.35, abs=0.01)


def test_leaders_names_ties_when_the_paired_interval_includes_zero():
    rng = np.random.default_rng(3)
    world = rng.normal(0.5, 0.1, 20)
    runs = _runs({"OPA": world, "NPM": world + 0.2 + rng.normal(0, 0.01, 20),
                  "NPG": world + 0.2 + rng.normal(0, 0.01, 20)})
    lead, means = leaders(runs, ["OPA", "NPM", "NPG"], "efficiency_mean")
    assert set(lead.split(" ≈ ")) == {"NPM", "NPG"}
    runs2 = _runs({"OPA": world, "NPM": world + 0.2, "NPG": world + 0.1})
    assert leaders(runs2, ["OPA", "NPM", "NPG"], "efficiency_mean")[0] == "NPM"


def test_pick_levels_keeps_the_ends():
    assert ev.pick_levels((1, 2, 3, 4, 5), 3) == (1, 3, 5)
    assert ev.pick_levels((1, 2, 3, 4, 5), 2) == (1, 5)
    assert ev.pick_levels((1, 2, 3), 7) == (1, 2, 3)


def test_sobol_lines_name_the_parameter_that_matters_most():
    idx = pd.DataFrame([
        {"metric": "efficiency_mean", "factor": "paradigm", "S1": 0.6, "S1_conf": 0.05, "ST": 0.8, "ST_conf": 0.05},
        {"metric": "efficiency_mean", "factor": "problems.wickedness", "S1": 0.1, "S1_conf": 0.02, "ST": 0.15,
         "ST_conf": 0.03},
        {"metric": "efficiency_mean", "factor": "npg.meeting_hours", "S1": 0.0, "S1_conf": 0.005, "ST": 0.001,
         "ST_conf": 0.004},
    ])
    (line,) = sobol_lines(idx)
    assert line.startswith("**efficiency**: the rule set (OPA, NPM or NPG) matters most (total index ST 0.80")
    assert "then wickedness of problems (ST 0.15)" in line
    assert "Practically inert (ST + interval < 0.02): meeting hours per arena round" in line
    assert "mostly through interactions" in line


# --------------------------------------------------------------------------- discovery


@pytest.mark.parametrize("seed", [0, 1])
def test_discovery_recovers_a_known_box(seed):
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 1, (400, 5))
    y = (x[:, 1] > 0.6) & (x[:, 3] <= 0.4)
    boxes = find_boxes(x, y, ["a", "b", "c", "d", "e"])
    best = boxes[0]
    lim = {p: (lo, hi) for p, lo, hi in best.limits}
    assert set(lim) == {"b", "d"}
    assert lim["b"][0] == pytest.approx(0.6, abs=0.05) and lim["b"][1] is None
    assert lim["d"][1] == pytest.approx(0.4, abs=0.05) and lim["d"][0] is None
    assert best.density > 0.9 and best.coverage > 0.9
    assert best.describe({"b": "wickedness"}).startswith("wickedness > 0.")


def test_discovery_everywhere_and_nowhere():
    x = np.random.default_rng(0).uniform(0, 1, (50, 2))
    (box,) = find_boxes(x, np.ones(50, bool), ["a", "b"])
    assert box.describe() == "everywhere in the ranges tried" and box.coverage == box.density == 1.0
    assert find_boxes(x, np.zeros(50, bool), ["a", "b"]) == []


# --------------------------------------------------------------------------- registry and experiment files


def test_registry_has_at_least_twelve_sourced_facts():
    assert len(FACTS) >= 12
    assert len({f.id for f in FACTS}) == len(FACTS)
    for f in FACTS:
        assert f.sources and f.statement and f.direction in (+1, -1) and f.conditions
        for s in f.sources:
            assert (s[0] == "T" and 1 <= int(s[1:]) <= 28) or s in LITERATURE, s
        for c in f.conditions:
            assert c in CONDITIONS


@pytest.mark.parametrize("fact", FACTS, ids=[f.id for f in FACTS])
def test_every_fact_names_an_experiment_whose_points_contrast_and_sweeps_validate(fact):
    path = ROOT / fact.experiment
    assert path.is_file(), path
    exp = load_experiment(path)
    labels = [p["label"] for p in exp.points]
    assert set(fact.points) <= set(labels) and len(set(fact.points)) == len(fact.points)
    assert fact.metric in exp.spec.collect.columns and "mean" in exp.spec.collect.statistics
    assert exp.replications >= 20
    text = path.read_text(encoding="utf-8")
    for c in fact.conditions:
        cond = CONDITIONS[c]
        assert not any(cond.path in p for p in exp.points if p["label"] in fact.points), (
            f"{fact.id}: condition {c} is the field its points contrast")
        v = ev.variant(text, keep_points=fact.points, factor=(cond.path, cond.levels))
        vexp = parse(v, f"{path} (boundary)", folder=path.parent)   # every level checked against the schema
        assert [p["label"] for p in vexp.points] == list(fact.points)
        assert vexp.factors[0].path == cond.path and tuple(vexp.factors[0].levels) == cond.levels


def test_leads_sobol_and_discovery_experiments_validate():
    leads = load_experiment(ROOT / LEADS.experiment)
    assert len(leads.points) >= 4 and set(LEADS.metrics) <= set(leads.spec.collect.columns)
    text = (ROOT / LEADS.experiment).read_text()
    for c in LEADS.conditions:
        parse(ev.variant(text, factor=(CONDITIONS[c].path, CONDITIONS[c].levels)), "leads", folder=ROOT)
    sob = load_experiment(ROOT / SOBOL_EXPERIMENT)
    assert sob.spec.design.kind == "sobol"
    assert len([f for f in sob.factors if f.path not in ("paradigm", "metagovernance")]) >= 10
    disc_text = (ROOT / DISCOVERY_EXPERIMENT).read_text()
    assert load_experiment(ROOT / DISCOVERY_EXPERIMENT).spec.design.kind == "lhs"
    for arm in ARMS.values():
        e = parse(ev.variant(disc_text, base=arm, samples=8), "disc", folder=ROOT)
        assert e.base.paradigm == arm["paradigm"] and e.spec.design.samples == 8
    for t in TARGETS:
        assert t.a in ARMS and t.b in ARMS


def test_variant_round_trips_through_toml():
    text = (ROOT / "experiments/validation/tame.toml").read_text()
    v = ev.variant(text, base={"population.citizens": 300}, keep_points=("NPM", "OPA"),
                   factor=("problems.wickedness", (0.1, 0.9)))
    data = tomllib.loads(v)
    assert data["base"]["population"] == {"citizens": 300}
    assert "wickedness" not in data["base"].get("problems", {})     # the factor sets it now
    assert [p["label"] for p in data["design"]["points"]] == ["NPM", "OPA"]
    assert data["factors"] == {"problems.wickedness": [0.1, 0.9]}
    assert ev.variant(v) == v                                          # deterministic: resumable
    with pytest.raises(ValueError, match="no design point 'nope'"):
        ev.variant(text, keep_points=("nope",))


def test_validate_model_help_and_bad_flag():
    r = subprocess.run([sys.executable, "-m", "govsim", "validate-model", "--help"], capture_output=True, text=True)
    assert r.returncode == 0 and "--quick" in r.stdout
    r = subprocess.run([sys.executable, "-m", "govsim", "validate-model", "--replications", "0"],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "must be at least 1" in r.stderr and "Traceback" not in r.stderr


# --------------------------------------------------------------------------- report


def _synthetic_validation():
    from govsim.validation.discovery import Box
    from govsim.validation.report import Validation
    from govsim.validation.studies import DiscoveryResult, LeadsResult, SobolResult

    facts = []
    for i, f in enumerate(FACTS[:3]):
        diff = [0.1, -0.1, 0.0][i] * f.direction
        eff = {"diff": diff, "lo": diff - 0.05, "hi": diff + 0.05, "n": 20}
        b = ev.find_boundary(_table([0.1, 0.9], [diff, -diff]), f.direction, CONDITIONS[f.conditions[0]])
        facts.append(ev.FactResult(f, eff, ev.classify(eff["diff"], eff["lo"], eff["hi"], f.direction), [b], 20))
    rows = [{"condition": "wickedness", "label": "w", "level": lv, "metric": m, "leader": lead,
             "OPA": 0.3, "NPM": 0.3, "NPG hands-off": 0.7}
            for lv, lead in ((0.05, "NPG hands-off"), (0.95, "NPG hands-off ≈ NPM")) for m in LEADS.metrics]
    idx = pd.DataFrame([{"metric": f"{m}_mean", "factor": "paradigm", "S1": 0.7, "S1_conf": 0.1, "ST": 0.8,
                         "ST_conf": 0.1} for m in LEADS.metrics])
    disc = [DiscoveryResult(TARGETS[0], 0.5, 100, [Box((("problems.wickedness", 0.6, None),), 0.8, 0.9, 44, 40)]),
            DiscoveryResult(TARGETS[1], 0.0, 100, [])]
    return Validation(ev.QUICK, facts, LeadsResult(pd.DataFrame(rows), ["OPA", "NPM", "NPG hands-off"]),
                      SobolResult(idx, sobol_lines(idx), 16, 256), disc, 60.0, None)


def test_report_states_its_mode_and_results_plainly():
    from govsim.validation.report import markdown

    text = markdown(_synthetic_validation(), ROOT, "img/validation", "govsim validate-model --quick")
    assert "**Mode: quick.**" in text and "by `govsim validate-model --quick`" in text
    assert "Main effects over 20 paired replications; boundary sweeps over 6 replications at 3 levels" in text
    assert "Of 3 stylized facts, **1 hold**" in text and "**1 is reversed**" in text
    ids = [f.id for f in FACTS[:3]]
    assert f"Hold: {ids[0]}; reversed: {ids[1]}; not shown: {ids[2]}." in text
    assert f"| {FACTS[0].id} | {FACTS[0].statement} |" in text
    assert "NPG hands-off has the highest mean in 6 of 6 cells" in text
    assert ("**efficiency**: highest mean in 2 cells: NPG hands-off in 2 (alone in 1). NPG hands-off is first at "
            "every level of every condition tried") in text
    assert ("NPG leads NPM on efficiency when wickedness of problems > 0.6: coverage 0.80, density 0.90 "
            "(40 of 44 samples in the box)") in text
    assert "No region was found where it holds in most samples." in text
    assert "xfail(strict=True)" in text
    assert "NPG (under some metagovernance setting) is first in every cell" in text
    for line in text.splitlines():                                  # tables are well formed
        if line.startswith("|") and "---" not in line:
            assert line.endswith("|")


def test_flat_effects_and_other_leaders_are_named():
    from govsim.validation.report import is_flat, others_sentence

    cond = CONDITIONS["wickedness"]
    assert is_flat(ev.find_boundary(_table([0.1, 0.5, 0.9], [0.30, 0.32, 0.31]), +1, cond))
    assert not is_flat(ev.find_boundary(_table([0.1, 0.5, 0.9], [0.10, 0.30, 0.50]), +1, cond))
    assert not is_flat(ev.find_boundary(_table([0.1, 0.9], [0.30, 0.01]), +1, cond))
    t = pd.DataFrame([{"condition": "conflict", "level": lv, "metric": "efficiency", "leader": lead}
                      for lv, lead in ((0.1, "OPA ≈ NPM"), (0.5, "NPG hands-off"), (0.7, "NPG hands-on"))])
    assert others_sentence(t) == ("NPG (under some metagovernance setting) is first in 2 of 3 cells; another "
                                  "paradigm comes first only in: OPA ≈ NPM at npg.deadlock_threshold = 0.1 on "
                                  "efficiency.")


def test_evaluate_fact_runs_its_sweeps_through_the_runner_and_resumes(tmp_path):
    import dataclasses

    from govsim.experiments import load_results
    from govsim.validation.facts import fact

    mode = dataclasses.replace(ev.TEST, replications=2, boundary_replications=2, citizens=100, max_steps=12)
    f = fact("F16")
    first = ev.evaluate_fact(f, ROOT, tmp_path, mode, workers=1, progress=False)
    assert first.effect["n"] == 2 and first.boundaries[0].levels == [0.05, 0.95]
    folder = tmp_path / "boundaries"
    (bfolder,) = folder.iterdir()
    res = load_results(bfolder, series=False)
    assert len(res.runs) == 2 * 2 * 2 and set(res.runs["problems.wickedness"]) == {0.05, 0.95}
    again = ev.evaluate_fact(f, ROOT, tmp_path, mode, workers=1, progress=False)   # a fresh cache: resumes
    assert again.effect == first.effect
    assert load_results(bfolder, series=False).manifest["counts"] == res.manifest["counts"]


def test_validate_model_outside_a_checkout_is_one_line_and_exit_2(tmp_path):
    r = subprocess.run([sys.executable, "-m", "govsim", "validate-model", "--quick", "--root", str(tmp_path)],
                       capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.strip().count("\n") == 0 and "experiments/validation" in r.stderr
