"""Bad scenario files and overrides: one clear line naming file, field and what is allowed; exit 2."""

from __future__ import annotations

import subprocess
import sys

import pytest

from govsim.config import Scenario, ScenarioError, with_overrides

BAD = {
    "syntax": ('paradigm = "npg\nsteps = 10\n', ["not valid TOML"]),
    "unknown_top": ('populaton = 5\n', ["populaton", "Did you mean 'population'"]),
    "unknown_in_table": ('[population]\ncitizns = 300\n', ["population.citizns", "Did you mean 'citizens'"]),
    "wrong_type": ('[population]\ncitizens = "many"\n', ["population.citizens", "must be a whole number", "from 10 to 1000000"]),
    "out_of_range": ('[population]\ncitizens = -5\n', ["population.citizens", "from 10 to 1000000"]),
    "unknown_paradigm": ('paradigm = "nwp"\n', ["paradigm", "opa, npm, npg"]),
    "unknown_setting": ('metagovernance = "hands_up"\n', ["metagovernance", "none, hands_off, hands_on"]),
    "missing_parent": ('extends = "nowhere.toml"\n', ["nowhere.toml", "no such file"]),
    "bad_reform": ('[[reforms]]\nstep = 3\nparadigm = "xyz"\n', ["reforms.0.paradigm", "opa, npm, npg"]),
    "empty": ("", ["sets no fields", 'paradigm = "opa"']),
    "reform_after_the_end": ('steps = 10\n[[reforms]]\nstep = 12\nparadigm = "npm"\n',
                             ["field 'reforms'", "after the last step (10)"]),
    "reforms_same_step": ('[[reforms]]\nstep = 3\nparadigm = "npm"\n[[reforms]]\nstep = 3\nparadigm = "npg"\n',
                          ["field 'reforms'", "two reforms at step 3"]),
    "single_brackets": ('[reforms]\nstep = 3\nparadigm = "npm"\n', ["field 'reforms'", "[[reforms]]"]),
    "not_utf8": ("paradigm = \"caf\xe9\"\n", ["not UTF-8"]),
}


def govsim(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "govsim", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=120)


FIRST = ["syntax", "unknown_top", "unknown_in_table", "wrong_type", "out_of_range", "unknown_paradigm",
         "unknown_setting", "missing_parent", "bad_reform"]
# Both commands read files the same way: the later kinds are checked through `run` only, to keep the suite fast.
CASES = [(kind, command) for kind in sorted(BAD) for command in ("validate", "run")
         if kind in FIRST or command == "run"]


@pytest.mark.parametrize("kind, command", CASES)
def test_bad_file_gives_one_clear_error(tmp_path, kind, command):
    text, expected = BAD[kind]
    path = tmp_path / f"{kind}.toml"
    path.write_bytes(text.encode("latin-1") if kind == "not_utf8" else text.encode())
    out = tmp_path / "out.csv"
    args = [command, str(path)] + (["--out", str(out), "--quiet"] if command == "run" else [])
    res = govsim(*args)
    assert res.returncode == 2
    assert "Traceback" not in res.stderr
    assert res.stderr.startswith("error: ") and str(path) in res.stderr and res.stderr.count("\n") == 1
    for piece in expected:
        assert piece in res.stderr
    assert not out.exists()


def test_missing_file(tmp_path):
    res = govsim("validate", str(tmp_path / "absent.toml"))
    assert res.returncode == 2 and "no such file" in res.stderr and "Traceback" not in res.stderr


def test_extends_cycle_names_extends(tmp_path):
    (tmp_path / "a.toml").write_text('extends = "b.toml"\n')
    (tmp_path / "b.toml").write_text('extends = "a.toml"\n')
    res = govsim("validate", str(tmp_path / "a.toml"))
    assert res.returncode == 2 and "extends" in res.stderr and "cycle" in res.stderr


def test_bad_override_on_the_command_line(tmp_path):
    res = govsim("run", "scenarios/opa.toml", "--set", "population.citizens=3", "--quiet")
    assert res.returncode == 2 and "population.citizens" in res.stderr and "Traceback" not in res.stderr


def test_unknown_output_type(tmp_path):
    res = govsim("run", "scenarios/opa.toml", "--steps", "2", "--out", str(tmp_path / "x.xlsx"))
    assert res.returncode == 2 and ".csv, .parquet" in res.stderr


@pytest.mark.parametrize("overrides, field", [
    ({"population.citizns": 100}, "population.citizns"),
    ({"population.citizens": 5}, "population.citizens"),
    ({"npm.target_pressure": 1.5}, "npm.target_pressure"),
    ({"steps.deep": 1}, "steps"),
    ({"population": {"citizens": 5}}, "population.citizens"),
    ({"population": 5}, "population"),
    ({"seed": 1.5}, "seed"),
    ({"steps": True}, "steps"),
])
def test_override_errors_name_the_field(overrides, field):
    with pytest.raises(ScenarioError) as err:
        with_overrides(Scenario(), overrides)
    assert err.value.field == field or field in str(err.value)
