"""Sweeps: seeds, storage, resume after SIGKILL and Ctrl-C, equal results on any backend, failures, manifest."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

import govsim
from govsim.experiments.execute import run_sweep, simulate_run
from govsim.experiments.schema import ExperimentError, load_experiment
from govsim.experiments.seeds import replication_seeds
from govsim.experiments.store import load_results

ROOT = Path(__file__).resolve().parents[1]
FIX = ROOT / "tests" / "experiments"
TINY = FIX / "tiny.toml"
LONG = FIX / "tiny_long.toml"
ENV = {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}


def govsim_cli(*args, cwd=ROOT, **kw):
    return subprocess.run([sys.executable, "-m", "govsim", *args], capture_output=True, text=True, cwd=cwd,
                          env=ENV, timeout=300, **kw)


def assert_same(a, b):
    pd.testing.assert_frame_equal(a.runs, b.runs)
    pd.testing.assert_frame_equal(a.series, b.series)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """tiny.toml run in this process (one worker)."""
    out = tmp_path_factory.mktemp("ref") / "tiny"
    summary = run_sweep(TINY, out, workers=1, progress=False)
    assert summary.ran == 12 and summary.failed == 0 and not summary.interrupted
    return load_results(out)


@pytest.fixture(scope="module")
def long_reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("ref") / "long"
    run_sweep(LONG, out, workers=2, progress=False)
    return load_results(out)


# --------------------------------------------------------------------------- tables and seeds

def test_runs_and_series_tables(reference):
    runs, series = reference.runs, reference.series
    assert list(runs["run_id"]) == list(range(12))
    assert set(runs["status"]) == {"ok"} and runs["error"].isna().all()
    assert list(runs["label"][:4]) == ["OPA", "NPM", "NPG hands-off", "NPG hands-on"]
    assert list(runs["paradigm"][:4]) == ["opa", "npm", "npg", "npg"]
    assert list(runs["metagovernance"][:4]) == ["none", "none", "hands_off", "hands_on"]
    # summaries over the collection window (last 6 of 12 steps), recomputed from the series
    for _, run in runs.iterrows():
        s = series[series["run_id"] == run["run_id"]]
        assert list(s["step"]) == list(range(1, 13))
        assert run["efficiency_mean"] == pytest.approx(s["efficiency"].tail(6).mean())
        assert run["democracy_final"] == pytest.approx(s["democracy"].iloc[-1])
    assert len(series) == 12 * 12
    assert {"efficiency", "democracy", "innovation", "trust", "learning"} <= set(series.columns)


def test_common_random_numbers_and_recorded_seeds(reference):
    runs = reference.runs
    seeds = replication_seeds(7, 3)
    assert len(set(seeds)) == 3
    for r, seed in enumerate(seeds):
        assert set(runs.loc[runs["replication"] == r, "seed"]) == {seed}
    # replication seeds are spawned, so they do not depend on how many replications there are
    assert replication_seeds(7, 5)[:3] == seeds
    # every point of a replication is the run simulate() gives for that seed
    row = runs.iloc[5]
    df = govsim.simulate(None, steps=12, seed=int(row["seed"]),
                         overrides={"population.citizens": 200, "population.employees": 20, "paradigm": "npm"})
    mine = reference.series[reference.series["run_id"] == row["run_id"]]
    assert list(mine["efficiency"]) == list(df["efficiency"])


def test_manifest_contents(reference):
    m = reference.manifest
    text = TINY.read_text()
    assert m["experiment"]["content"] == text
    assert m["experiment"]["sha256"] == hashlib.sha256(text.encode()).hexdigest()
    assert m["root_seed"] == 7 and m["replication_seeds"] == replication_seeds(7, 3)
    assert {"govsim", "mesa", "numpy", "python"} <= set(m["versions"])
    assert m["versions"]["python"] == sys.version.split()[0]
    import mesa
    import numpy

    assert m["versions"]["mesa"] == mesa.__version__ and m["versions"]["numpy"] == numpy.__version__
    git = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    if git.returncode == 0:
        assert m["git"] == git.stdout.strip()
    assert m["design"]["kind"] == "points"
    assert [p["label"] for p in m["design"]["points"]] == ["OPA", "NPM", "NPG hands-off", "NPG hands-on"]
    assert m["design"]["points"][2]["overrides"] == {"paradigm": "npg", "metagovernance": "hands_off"}
    assert m["settings"]["steps"] == 12 and m["settings"]["window"] == 6
    assert m["base_scenario"]["population"]["citizens"] == 200
    assert m["status"] == "complete" and m["counts"] == {"runs": 12, "finished": 12, "failed": 0}


def test_load_results_is_public_and_tables_are_documented(reference):
    assert govsim.load_results is load_results
    from govsim.metrics import INDICATORS

    doc = (ROOT / "docs" / "results.md").read_text()
    indicators = [i.name for i in INDICATORS]
    assert list(reference.series.columns[-len(indicators):]) == indicators  # "every indicator"
    for col in [*reference.runs.columns, *reference.series.columns[:-len(indicators)]]:
        if col.endswith(("_mean", "_final")):
            continue  # documented as <column>_<statistic>
        assert f"`{col}`" in doc, f"column {col} is not documented in docs/results.md"
    for key in reference.manifest:
        assert f"`{key}`" in doc, f"manifest key {key} is not documented in docs/results.md"


# --------------------------------------------------------------------------- backends

def pid_logging_run(log: str, scenario):
    """The real run, noting which process ran it."""
    with open(log, "a") as fh:
        fh.write(f"{os.getpid()}\n")
    return simulate_run(scenario)


def test_two_workers_give_the_same_results(reference, tmp_path):
    import functools

    log = tmp_path / "pids"
    run_sweep(TINY, tmp_path / "w2", workers=2, chunk_size=1, progress=False,
              run_function=functools.partial(pid_logging_run, str(log)))
    res = load_results(tmp_path / "w2")
    assert len(list((tmp_path / "w2" / "runs").glob("part-*.parquet"))) == 12  # one chunk per run
    assert_same(res, reference)
    pids = log.read_text().split()
    assert len(pids) == 12 and len(set(pids)) <= 2 and str(os.getpid()) not in pids  # one pool for all 12 chunks


def test_dask_local_cluster_gives_the_same_results(reference, tmp_path):
    summary = run_sweep(TINY, tmp_path / "dask", dask=2, chunk_size=2, progress=False)
    assert summary.ran == 12 and summary.failed == 0
    assert_same(load_results(tmp_path / "dask"), reference)


def test_resume_on_a_running_dask_scheduler(reference, tmp_path):
    from distributed import LocalCluster

    out = tmp_path / "sched"
    run_sweep(TINY, out, workers=1, replications=2, progress=False)  # started on the local pool ...
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, protocol="tcp",
                      dashboard_address=None) as cluster:
        assert cluster.scheduler_address.startswith("tcp://")
        s = run_sweep(TINY, out, scheduler=cluster.scheduler_address, progress=False)  # ... resumed on Dask
    assert s.skipped == 8 and s.ran == 4
    assert_same(load_results(out), reference)


def test_more_replications_extend_an_existing_folder(reference, tmp_path):
    out = tmp_path / "grow"
    run_sweep(TINY, out, workers=1, replications=2, progress=False)
    assert len(load_results(out).runs) == 8
    s = run_sweep(TINY, out, workers=1, replications=3, progress=False)
    assert s.skipped == 8 and s.ran == 4
    assert_same(load_results(out), reference)


# --------------------------------------------------------------------------- failures

def fail_for_npm(scenario):
    """A run function that raises for NPM's design point (the sweep must record it and go on)."""
    if scenario.paradigm == "npm":
        raise RuntimeError(f"injected failure for seed {scenario.seed}")
    return simulate_run(scenario)


def test_a_failing_run_is_recorded_and_the_sweep_goes_on(reference, tmp_path):
    out = tmp_path / "fail"
    summary = run_sweep(TINY, out, workers=2, run_function=fail_for_npm, progress=False)
    assert summary.failed == 3 and summary.ran == 12 and len(summary.failures) == 3
    res = load_results(out)
    bad = res.runs[res.runs["status"] == "failed"]
    assert list(bad["label"]) == ["NPM"] * 3 and list(bad["replication"]) == [0, 1, 2]
    for _, row in bad.iterrows():
        assert "Traceback" in row["error"] and "fail_for_npm" in row["error"]
        assert f"injected failure for seed {row['seed']}" in row["error"]
        assert pd.isna(row["efficiency_mean"])
    assert not res.series["run_id"].isin(bad["run_id"]).any()
    good = res.runs["status"] == "ok"
    ref_good = reference.runs[reference.runs["label"] != "NPM"].reset_index(drop=True)
    pd.testing.assert_frame_equal(res.runs[good].reset_index(drop=True), ref_good)
    assert res.manifest["counts"]["failed"] == 3
    # the analysis reports them and still summarises the rest
    from govsim.experiments.report import analyze

    rep = analyze(out, figures=False)
    assert "3 failed run(s)" in rep.text and "injected failure" in rep.text
    assert list(rep.tables["points"]["label"]) == ["OPA", "NPG hands-off", "NPG hands-on"]


# --------------------------------------------------------------------------- interruption and resume

def _start(out: Path):
    # The sweep starts as a command typed at a terminal does, with Ctrl-C's default handling, even
    # when the tests themselves run with SIGINT ignored (a background job of a non-interactive
    # shell): an ignored signal stays ignored across exec, a handled one is reset to the default.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return subprocess.Popen([sys.executable, "-m", "govsim", "sweep", str(LONG), "--out", str(out), "--workers",
                                 "2", "--chunk-size", "1", "--quiet"], cwd=ROOT, env=ENV, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, start_new_session=True)
    finally:
        if previous is not None:  # None: a handler not set from Python, which cannot be put back
            signal.signal(signal.SIGINT, previous)


def _wait_for_parts(proc, out: Path, n: int, timeout: float = 120) -> int:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        parts = list((out / "runs").glob("part-*.parquet")) if (out / "runs").is_dir() else []
        if len(parts) >= n:
            return len(parts)
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.02)
    raise AssertionError("the sweep wrote no chunks in time")


def test_sigkill_of_the_process_group_then_resume_equals_an_uninterrupted_sweep(long_reference, tmp_path):
    out = tmp_path / "killed"
    proc = _start(out)
    _wait_for_parts(proc, out, 4)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate()
    before = load_results(out)
    assert 4 <= len(before.runs) < 24, "the sweep should have been killed part-way"
    assert json.loads((out / "manifest.json").read_text())["status"] == "running"
    # debris a killed writer can leave: a half-written temporary and a series part without its runs part
    (out / "runs" / ".part-000999.parquet.tmp-12345").write_bytes(b"PAR1 half written")
    (out / "series" / "part-000999.parquet").write_bytes(b"not committed")
    res = govsim_cli("sweep", str(LONG), "--out", str(out), "--workers", "1", "--quiet")
    assert res.returncode == 0, res.stderr
    assert f"{len(before.runs)} from before" in res.stdout
    assert not (out / "runs" / ".part-000999.parquet.tmp-12345").exists()
    assert not (out / "series" / "part-000999.parquet").exists()
    assert_same(load_results(out), long_reference)


def test_ctrl_c_keeps_what_finished_and_resume_completes(long_reference, tmp_path):
    out = tmp_path / "interrupted"
    proc = _start(out)
    _wait_for_parts(proc, out, 3)
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal sends to the foreground group on Ctrl-C
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr and "resume" in stderr
    manifest = json.loads((out / "manifest.json").read_text())
    kept = load_results(out)
    assert manifest["status"] == "interrupted" and manifest["counts"]["finished"] == len(kept.runs) < 24
    ids = set(kept.runs["run_id"])
    ref_rows = long_reference.runs[long_reference.runs["run_id"].isin(ids)].reset_index(drop=True)
    pd.testing.assert_frame_equal(kept.runs, ref_rows)
    assert govsim_cli("sweep", str(LONG), "--out", str(out), "--workers", "1", "--quiet").returncode == 0
    assert_same(load_results(out), long_reference)


def test_a_folder_of_another_experiment_is_refused(reference, tmp_path):
    out = tmp_path / "one"
    run_sweep(TINY, out, workers=1, replications=1, progress=False)
    res = govsim_cli("sweep", str(FIX / "tiny_morris.toml"), "--out", str(out), "--quiet")
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert res.stderr.count("\n") == 1 and "different experiment" in res.stderr and str(out) in res.stderr
    res = govsim_cli("sweep", str(TINY), "--out", str(out), "--steps", "5", "--quiet")
    assert res.returncode == 2 and "steps = 12, not 5" in res.stderr
    with pytest.raises(ExperimentError, match="not empty"):
        (tmp_path / "other").mkdir()
        (tmp_path / "other" / "data.csv").write_text("x\n")
        run_sweep(TINY, tmp_path / "other", workers=1, progress=False)


# --------------------------------------------------------------------------- sensitivity designs

@pytest.mark.parametrize("name", ["tiny_sobol", "tiny_morris"])
def test_sensitivity_indices_have_the_right_shape_and_a_dead_factor_scores_zero(tmp_path, name):
    from govsim.experiments import analysis
    from govsim.experiments.report import analyze

    exp = load_experiment(FIX / f"{name}.toml")
    out = tmp_path / name
    summary = run_sweep(exp, out, workers=2, progress=False)
    n_points = 8 * (3 + 2) if name == "tiny_sobol" else 10 * (3 + 1)
    assert summary.total == n_points and summary.failed == 0
    rep = analyze(out)
    metrics = analysis.metrics_of(rep_manifest := load_results(out, series=False).manifest)
    assert metrics == ["efficiency_mean", "democracy_mean", "innovation_mean"]
    assert rep_manifest["design"]["problem"]["names"] == ["problems.rate", "citizens.initial_trust", "npg.discretion"]
    kind = name.split("_")[1]
    ind = rep.tables[kind]
    assert len(ind) == 3 * 3 and list(ind["factor"][:3]) == rep_manifest["design"]["problem"]["names"]
    dead = ind[ind["factor"] == "npg.discretion"]  # OPA never reads the [npg] table
    live = ind[ind["factor"] == "problems.rate"]
    if kind == "sobol":
        assert set(ind.columns) >= {"S1", "S1_conf", "ST", "ST_conf"}
        assert (dead[["S1", "ST"]].abs() < 0.02).all().all()
        assert (live["ST"] > 0.1).any()
    else:
        assert set(ind.columns) >= {"mu", "mu_star", "mu_star_conf", "sigma"}
        assert (dead[["mu_star", "sigma"]].abs() < 1e-9).all().all()
        assert (live["mu_star"] > 0.01).all()
    assert (out / "figures" / f"{kind}.png").stat().st_size > 1000
    assert (out / "tables" / f"{kind}.csv").is_file()
    assert f"{kind}.png" in (out / "report.html").read_text()


# --------------------------------------------------------------------------- compare and analyze

def test_compare_on_a_tiny_setting_writes_table_figures_and_report(tmp_path):
    out = tmp_path / "cmp"
    res = govsim_cli("compare", "--out", str(out), "--replications", "2", "--steps", "6", "--workers", "1",
                     "--quiet", cwd=tmp_path)  # run from a folder that is not the checkout
    assert res.returncode == 0, res.stderr
    for label in ("OPA", "NPM", "NPG none", "NPG hands-off", "NPG hands-on"):
        assert label in res.stdout
    assert "NPG hands-off - NPM" in res.stdout and "±unpaired" in res.stdout and "95% CI" in res.stdout
    assert "times narrower than the unpaired one" in res.stdout
    page = (out / "report.html").read_text()
    for fig in ("indices_over_time", "final_indices", "tradeoff"):
        path = out / "figures" / f"{fig}.png"
        assert path.stat().st_size > 5000 and f"figures/{fig}.png" in page
    points = pd.read_csv(out / "tables" / "points.csv")
    assert list(points["label"]) == ["OPA", "NPM", "NPG none", "NPG hands-off", "NPG hands-on"]
    assert (points["n"] == 2).all() and (points["efficiency_mean_lo"] <= points["efficiency_mean"]).all()
    diffs = pd.read_csv(out / "tables" / "differences.csv")
    assert len(diffs) == 5 * 4  # the default experiment's five contrasts x three indices and democracy_common
    assert (diffs["paired_lo"] <= diffs["diff"]).all() and (diffs["diff"] <= diffs["paired_hi"]).all()


def test_default_experiment_ships_inside_the_package():
    from govsim.experiments.commands import default_experiment

    packaged = ROOT / "src" / "govsim" / "experiments" / "paradigm_comparison.toml"
    assert packaged.read_text() == (ROOT / "experiments" / "paradigm_comparison.toml").read_text()
    exp = load_experiment(default_experiment())
    assert exp.replications >= 20 and {p["label"] for p in exp.points} == {
        "OPA", "NPM", "NPG none", "NPG hands-off", "NPG hands-on"}
    for path in (ROOT / "experiments").glob("*.toml"):
        load_experiment(path)  # every shipped experiment is valid


def test_help_stays_light():
    code = ("import sys; from govsim.cli import build_parser; build_parser(); "
            "print(sorted(m for m in ('pandas', 'mesa', 'pydantic', 'numpy', 'dask', 'SALib') if m in sys.modules))")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=ENV)
    assert res.stdout.strip() == "[]"
    assert all(cmd in govsim_cli("--help").stdout for cmd in ("compare", "sweep", "analyze"))


def test_experiment_docs_are_up_to_date():
    res = subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_experiment_docs.py"), "--check"],
                         capture_output=True, text=True, env=ENV)
    assert res.returncode == 0, res.stdout + res.stderr


# --------------------------------------------------------------------------- analysis arithmetic

def _synthetic_runs(n=12, seed=1):
    """Two design points whose outcomes share a replication effect (what common random numbers give)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    world = rng.normal(0, 0.2, n)              # the replication's luck, shared by both points
    a = 0.5 + world + rng.normal(0, 0.01, n)
    b = 0.6 + world + rng.normal(0, 0.01, n)
    rows = [{"run_id": 2 * r + p, "point_id": p, "label": lab, "replication": r, "status": "ok", "y_mean": v}
            for r in range(n) for p, (lab, v) in enumerate((("A", a[r]), ("B", b[r])))]
    return pd.DataFrame(rows), a, b


def test_intervals_and_paired_differences_match_textbook_formulas():
    import numpy as np
    from scipy import stats

    from govsim.experiments import analysis

    runs, a, b = _synthetic_runs()
    table = analysis.point_table(runs, ["y_mean"], 0.95)
    lo, hi = stats.t.interval(0.95, len(a) - 1, loc=a.mean(), scale=stats.sem(a))
    assert table.loc[0, "y_mean_lo"] == pytest.approx(lo) and table.loc[0, "y_mean_hi"] == pytest.approx(hi)
    diff = analysis.paired_differences(runs, ["y_mean"], reference="A").iloc[0]
    d = b - a
    lo, hi = stats.t.interval(0.95, len(d) - 1, loc=d.mean(), scale=stats.sem(d))
    assert diff["diff"] == pytest.approx(d.mean()) and diff["paired_lo"] == pytest.approx(lo)
    welch = stats.ttest_ind(b, a, equal_var=False).confidence_interval(0.95)
    assert diff["unpaired_half"] == pytest.approx((welch.high - welch.low) / 2)
    assert diff["unpaired_half"] > 5 * diff["paired_half"]  # the shared luck cancels only when paired
    # a replication missing from one point drops out of the pairs
    fewer = runs[~((runs["label"] == "B") & (runs["replication"] == 3))]
    assert analysis.paired_differences(fewer, ["y_mean"], reference="A").iloc[0]["pairs"] == len(a) - 1
    assert np.isfinite(diff["paired_half"])


# --------------------------------------------------------------------------- designs

def test_designs_cross_sample_and_repeat():
    from govsim.experiments.designs import build_design
    from govsim.experiments.schema import parse

    fact = parse('steps = 5\n[factors]\nmetagovernance = ["none", "hands_on"]\n'
                 '"population.citizens" = { min = 100, max = 300, num = 3 }\n'
                 '[[design.points]]\nlabel = "NPG"\nparadigm = "npg"\n'
                 '[[design.points]]\nlabel = "NPM"\nparadigm = "npm"\n', "f.toml")
    d = build_design(fact)
    assert len(d.points) == 2 * 2 * 3
    assert d.points[0].overrides == {"paradigm": "npg", "metagovernance": "none", "population.citizens": 100}
    assert d.points[0].label == "NPG none citizens=100"
    assert sorted({p.overrides["population.citizens"] for p in d.points}) == [100, 200, 300]  # integers
    text = ('steps = 5\nseed = 4\n[factors]\nparadigm = ["opa", "npm", "npg"]\n'
            '"npg.discretion" = { min = 0.2, max = 0.4 }\n"population.citizens" = { min = 100, max = 300 }\n'
            '[design]\nkind = "lhs"\nsamples = 30\n')
    lhs = build_design(parse(text, "l.toml"))
    assert len(lhs.points) == 30 and lhs.problem["bounds"][0] == [0.0, 3.0]
    values = pd.DataFrame([p.overrides for p in lhs.points])
    assert set(values["paradigm"]) == {"opa", "npm", "npg"}
    assert values["npg.discretion"].between(0.2, 0.4).all() and values["population.citizens"].between(100, 300).all()
    assert all(isinstance(v, int) for v in values["population.citizens"])
    again = build_design(parse(text, "l.toml"))
    assert again.sample == lhs.sample  # the design is drawn from the root seed
    other = build_design(parse(text.replace("seed = 4", "seed = 5"), "l.toml"))
    assert other.sample != lhs.sample
