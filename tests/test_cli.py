"""The govsim command line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def govsim(*args):
    return subprocess.run([sys.executable, "-m", "govsim", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=300)


def test_help_is_fast_and_imports_no_model():
    assert govsim("--help").returncode == 0
    res = subprocess.run([sys.executable, "-c", "import govsim.cli, sys; print('mesa' in sys.modules, 'pandas' in sys.modules)"],
                         capture_output=True, text=True)
    assert res.stdout.strip() == "False False"


def test_run_prints_summary_and_writes_csv(tmp_path):
    out = tmp_path / "sub" / "x.csv"
    res = govsim("run", "scenarios/opa.toml", "--steps", "5", "--quiet", "--set", "population.citizens=200",
                 "--out", str(out))
    assert res.returncode == 0, res.stderr
    for name in ("efficiency", "democracy", "innovation", "opa"):
        assert name in res.stdout
    df = pd.read_csv(out)
    assert len(df) == 5
    assert {"step", "paradigm", "metagovernance", "efficiency", "democracy", "innovation"} <= set(df.columns)
    assert not list(out.parent.glob(".x.csv.*"))  # no temporary file left behind
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask  # ordinary permissions (0644 under umask 022), not 0600
    assert (out.parent / "x.csv.provenance.json").is_file()


def test_parquet_round_trip_and_seed(tmp_path):
    a, b = tmp_path / "a.parquet", tmp_path / "b.parquet"
    for out in (a, b):
        assert govsim("run", "scenarios/npm.toml", "--steps", "6", "--seed", "4", "--quiet", "--out", str(out)).returncode == 0
    pd.testing.assert_frame_equal(pd.read_parquet(a), pd.read_parquet(b))
    assert list(pd.read_parquet(a)["paradigm"].unique()) == ["npm"]


def test_set_changes_the_run(tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    govsim("run", "scenarios/npg.toml", "--steps", "8", "--quiet", "--out", str(a))
    govsim("run", "scenarios/npg.toml", "--steps", "8", "--quiet", "--set", 'paradigm="npm"', "--out", str(b))
    assert list(pd.read_csv(b)["paradigm"].unique()) == ["npm"]
    assert list(pd.read_csv(a)["paradigm"].unique()) == ["npg"]


def test_validate_and_list():
    files = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "scenarios").glob("*.toml"))
    res = govsim("validate", *files)
    assert res.returncode == 0 and res.stdout.count("ok: ") == len(files)
    res = govsim("list")
    assert all(name in res.stdout for name in ("opa", "npm", "npg", "hands_off", "hands_on"))
