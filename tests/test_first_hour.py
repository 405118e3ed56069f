"""A new user's first hour: the quick start, input that is never silently misread, plain messages, small comforts."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

import govsim
from govsim import cli
from govsim.config import Population, Scenario, ScenarioError, load_scenario, validate, with_overrides
from govsim.model import GovModel
from govsim.runner import prepare, simulate

ROOT = Path(__file__).resolve().parents[1]
TINY = {"population.citizens": 60, "population.employees": 10}


def govsim_cli(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "govsim", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=120)


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


# ----------------------------------------------------------------------------- 1. quick start

def readme_quickstart() -> list[str]:
    text = (ROOT / "README.md").read_text()
    m = re.search(r"<!-- quickstart -->\n```bash\n(.*?)```\n<!-- /quickstart -->", text, re.S)
    assert m, "README.md has no ```bash block between <!-- quickstart --> and <!-- /quickstart -->"
    return [line for line in m.group(1).splitlines() if line.strip()]


def test_readme_quickstart_has_two_commands_that_work_on_a_stock_python():
    first, second = readme_quickstart()
    # Debian and Ubuntu have python3 (not python) and refuse pip outside a virtual environment.
    assert first.startswith("python3 -m venv .venv && . .venv/bin/activate && pip install -e ")
    assert re.search(r"&& govsim [a-z]+", first)  # the main job
    assert not re.search(r"(^|[\s;&|])python\s", first + "\n" + second)
    # The test command must work in a fresh shell, where the venv is not active.
    assert second.startswith(".venv/bin/") and "pytest" in second


def test_quickstart_main_job_is_a_valid_command():
    first, _ = readme_quickstart()
    job = first.split("&& govsim ", 1)[1].split()
    args = cli.build_parser().parse_args(job)  # any subcommand: swapping the main job is a one-line change
    if getattr(args, "scenario", None):
        load_scenario(ROOT / args.scenario)
    text = (ROOT / "README.md").read_text()
    if getattr(args, "out", None):  # the README says where the main job writes
        assert f"`{args.out}`" in text


def test_ci_runs_exactly_the_readme_quickstart():
    res = subprocess.run(["bash", str(ROOT / ".ci/run"), "--print"], capture_output=True, text=True, timeout=30)
    assert res.returncode == 0, res.stderr
    assert res.stdout.splitlines() == readme_quickstart()
    script = (ROOT / ".ci/run").read_text()
    assert "pip install" not in script  # installing is the README's first command, not a CI detail
    test_cmd = readme_quickstart()[-1]
    assert "pytest" in test_cmd  # run last, so the CI log ends with pytest's closing line


# ----------------------------------------------------------------------------- 3. nothing silently misread

@pytest.mark.parametrize("text", ["", "# only a comment\n", "\n\n"])
def test_empty_scenario_file_is_refused(tmp_path, text):
    path = write(tmp_path, "empty.toml", text)
    with pytest.raises(ScenarioError, match="sets no fields; set at least paradigm"):
        load_scenario(path)
    res = govsim_cli("run", str(path), "--quiet")
    assert res.returncode == 2 and "paradigm" in res.stderr and "Traceback" not in res.stderr


def test_reform_after_the_last_step_is_refused(tmp_path):
    path = write(tmp_path, "late.toml", 'paradigm = "opa"\nsteps = 10\n[[reforms]]\nstep = 11\nparadigm = "npm"\n')
    with pytest.raises(ScenarioError, match="step 11 comes after the last step") as err:
        load_scenario(path)
    assert err.value.field == "reforms"
    ok = write(tmp_path, "last.toml", 'paradigm = "opa"\nsteps = 10\n[[reforms]]\nstep = 10\nparadigm = "npm"\n')
    assert load_scenario(ok).reforms[0].step == 10


def test_shortening_the_run_below_a_reform_is_refused():
    reform = ROOT / "scenarios/reform.toml"  # reforms at 40 and 80
    with pytest.raises(ScenarioError, match="step 80"):
        prepare(reform, steps=60)
    with pytest.raises(ScenarioError, match="step 40"):
        simulate(reform, overrides={"steps": 30})
    res = govsim_cli("run", "scenarios/reform.toml", "--steps", "50", "--quiet")
    assert res.returncode == 2 and "reforms" in res.stderr and "step 80" in res.stderr
    assert res.stderr.count("\n") == 1


def test_two_reforms_at_one_step_are_refused(tmp_path):
    path = write(tmp_path, "twice.toml", 'paradigm = "opa"\n[[reforms]]\nstep = 5\nparadigm = "npm"\n'
                                         '[[reforms]]\nstep = 5\nparadigm = "npg"\n')
    with pytest.raises(ScenarioError, match="two reforms at step 5"):
        load_scenario(path)


def test_table_override_merges_into_the_table(tmp_path):
    path = write(tmp_path, "s.toml", 'paradigm = "npm"\n[population]\ncitizens = 300\nemployees = 20\n'
                                     'providers = 4\n')
    base = load_scenario(path)
    for over in ({"population": {"citizens": 500}}, cli._parse_set(["population={citizens=500}"])):
        s = with_overrides(base, over)
        assert s.population.citizens == 500
        assert (s.population.employees, s.population.providers) == (20, 4)
    # The dotted and the table form give the same scenario.
    assert with_overrides(base, {"population": {"citizens": 500}}) == with_overrides(base, {"population.citizens": 500})


@pytest.mark.parametrize("bad", [1.7, 1.0, True, False, -1, 2**63, "abc", None.__class__])
def test_govmodel_rng_refuses_what_is_not_a_seed(bad):
    with pytest.raises(ScenarioError, match="'rng'"):
        GovModel({"population": {"citizens": 60, "employees": 10}}, rng=bad)


def test_govmodel_rng_accepts_numpy_integers():
    cfg = {"population": {"citizens": 60, "employees": 10}}
    assert GovModel(cfg, rng=np.int64(9)).seed == GovModel(cfg, rng=9).seed == 9
    assert GovModel(cfg, rng=np.uint32(9)).seed == 9


@pytest.mark.parametrize("bad", [1.5, 2.0, True, -3, "7"])
def test_simulate_seed_refuses_what_is_not_a_seed(bad):
    with pytest.raises(ScenarioError, match="'seed'"):
        simulate(steps=2, seed=bad, overrides=TINY)


def test_numpy_scalars_are_accepted_wherever_numbers_are():
    plain = simulate(steps=3, seed=2, overrides={**TINY, "problems.rate": 3.0, "citizens.initial_trust": 0.5})
    sweep = simulate(steps=np.int64(3), seed=np.int64(2),
                     overrides={"population.citizens": np.arange(60, 61)[0], "population.employees": np.int32(10),
                                "problems.rate": np.linspace(3, 4, 2)[0], "citizens.initial_trust": np.float32(0.5)})
    pd.testing.assert_frame_equal(plain, sweep)
    assert plain.attrs["provenance"]["scenario_hash"] == sweep.attrs["provenance"]["scenario_hash"]
    assert Population(citizens=np.int16(50), employees=np.int64(10)).citizens == 50


@pytest.mark.parametrize("bad", ["population.citizens=5000", ["population.citizens", 5000], 5])
def test_overrides_that_are_not_a_mapping(bad):
    with pytest.raises(ScenarioError, match="mapping") as err:
        simulate(steps=2, overrides=bad)
    assert str(bad) in str(err.value)


def test_scenario_constructor_raises_the_project_error():
    with pytest.raises(ScenarioError) as err:
        Scenario(population={"citizens": 3, "employees": 20})
    assert not isinstance(err.value, ValidationError) and isinstance(err.value, ValueError)
    assert err.value.field == "population.citizens" and "at least 10" in str(err.value)
    with pytest.raises(ScenarioError, match="citizns"):
        Scenario(population={"citizns": 300})
    with pytest.raises(ScenarioError, match="'citizens'"):
        Population(citizens=2)
    assert Scenario(population={"citizens": 300}).population.employees == 60


# ----------------------------------------------------------------------------- 4. messages a student understands

def test_error_in_an_extended_parent_names_the_parent(tmp_path):
    write(tmp_path, "parent.toml", 'paradigm = "npg"\n[population]\ncitizens = 5\n')
    child = write(tmp_path, "child.toml", 'extends = "parent.toml"\nsteps = 10\n[population]\nemployees = 20\n')
    with pytest.raises(ScenarioError) as err:
        load_scenario(child)
    assert err.value.source.startswith(str(tmp_path / "parent.toml"))
    assert "extended by" in err.value.source and "child.toml" in err.value.source
    assert err.value.field == "population.citizens"
    # A bad value set in the child itself is reported against the child only.
    bad_child = write(tmp_path, "child2.toml", 'extends = "parent.toml"\n[population]\ncitizens = 7\n')
    with pytest.raises(ScenarioError) as err:
        load_scenario(bad_child)
    assert err.value.source == str(bad_child)


PYDANTIC_WORDS = ["valid tuple", "valid integer", "valid string", "valid dictionary", "instance of", "Input should",
                  "Field required", "allowed: a table", "Value error", "errors.pydantic.dev"]
STUDENT_MISTAKES = {
    "string for a number": '[population]\ncitizens = "many"\n',
    "float for a whole number": "steps = 10.5\n",
    "number for a text": "name = 3\n",
    "value for a table": "population = 500\n",
    "reforms as one table": '[reforms]\nstep = 3\nparadigm = "npm"\n',
    "reform without step": '[[reforms]]\nparadigm = "npm"\n',
    "reforms as numbers": "reforms = [1, 2]\n",
    "text for a list": 'paradigm = "npm"\n[npm]\nmeasured = "local"\n',
    "unknown list item": 'paradigm = "npm"\n[npm]\nmeasured = ["locall"]\n',
    "bool for a number": "[problems]\nrate = true\n",
    "nan": "[problems]\nrate = nan\n",
    "too many providers": "[population]\nproviders = 100\n",
}


@pytest.mark.parametrize("kind", sorted(STUDENT_MISTAKES))
def test_no_pydantic_wording(tmp_path, kind):
    path = write(tmp_path, "s.toml", STUDENT_MISTAKES[kind])
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    text = str(err.value)
    assert "\n" not in text and text.startswith(str(path))
    for words in PYDANTIC_WORDS:
        assert words not in text, f"{words!r} in {text!r}"


def test_single_bracket_reforms_says_double_brackets(tmp_path):
    path = write(tmp_path, "s.toml", '[reforms]\nstep = 3\nparadigm = "npm"\n')
    with pytest.raises(ScenarioError, match=r"\[\[reforms\]\] \(double brackets\)"):
        load_scenario(path)


def test_byte_order_mark_is_accepted(tmp_path):
    path = write(tmp_path, "notepad.toml", '\ufeffparadigm = "npm"\nsteps = 12\n'.encode("utf-8"))
    s = load_scenario(path)
    assert (s.paradigm, s.steps) == ("npm", 12)


def test_validate_checks_every_file(tmp_path):
    bad1 = write(tmp_path, "bad1.toml", "steps = 0\n")
    bad2 = write(tmp_path, "bad2.toml", "populaton = 5\n")
    res = govsim_cli("validate", str(bad1), "scenarios/opa.toml", str(bad2))
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "ok: scenarios/opa.toml" in res.stdout
    assert f"error: {bad1}: field 'steps'" in res.stderr and f"error: {bad2}: field 'populaton'" in res.stderr
    assert "2 of 3 files failed" in res.stderr


def test_unknown_field_message_is_punctuated(tmp_path):
    for text, word in [("[population]\ncitizns = 3\n", "citizns"), ("zzz = 1\n", "zzz")]:
        with pytest.raises(ScenarioError) as err:
            load_scenario(write(tmp_path, "u.toml", text))
        msg = err.value.message
        assert msg.startswith(f"unknown field '{word}'.")
        assert not re.search(r"[a-z'] ?Valid", msg.replace(". Valid", "")), msg
        assert msg.endswith(".")
    assert "Did you mean 'citizens'? Valid fields here: citizens," in str(
        pytest.raises(ScenarioError, validate, {"population": {"citizns": 3}}).value)


# ----------------------------------------------------------------------------- 5. small things users expect

def test_version():
    res = govsim_cli("--version")
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert res.returncode == 0 and res.stdout.strip() == f"govsim {version}" == f"govsim {govsim.__version__}"


def test_building_a_large_population_is_announced(monkeypatch, capsys):
    args = ["run", str(ROOT / "scenarios/opa.toml"), "--steps", "2", "--set", "population.citizens=60",
            "--set", "population.employees=10"]
    assert cli.main(args) == 0
    assert "building" not in capsys.readouterr().err  # small populations build in silence
    monkeypatch.setattr(cli, "BUILD_NOTICE_CITIZENS", 50)
    assert cli.main(args) == 0
    err = capsys.readouterr().err
    assert re.search(r"building 60 citizens and their network \.\.\.", err)
    assert re.search(r"built 60 citizens in \d+\.\d s", err)
    assert err.index("building") < err.index("built")
    assert cli.main([*args, "--quiet"]) == 0 and "building" not in capsys.readouterr().err


def test_summary_shows_population_overrides_and_reforms(capsys):
    rc = cli.main(["run", str(ROOT / "scenarios/reform.toml"), "--quiet", "--seed", "3",
                   "--set", "population.citizens=60", "--set", "population.employees=10"])
    out = capsys.readouterr().out
    assert rc == 0
    assert re.search(r"population\s+60 citizens, 10 employees, 10 administrators, 9 politicians, 6 providers", out)
    assert re.search(r"reforms\s+step 40 -> npm, step 80 -> npg", out)
    assert re.search(r"overrides\s+population\.citizens=60, population\.employees=10, seed=3", out)


def test_csv_provenance_sidecar(tmp_path):
    out = tmp_path / "r.csv"
    res = govsim_cli("run", "scenarios/npm.toml", "--steps", "3", "--seed", "4", "--quiet",
                     "--set", "population.citizens=60", "--set", "population.employees=10", "--out", str(out))
    assert res.returncode == 0, res.stderr
    assert f"provenance in {out}.provenance.json" in res.stdout
    side = json.loads((tmp_path / "r.csv.provenance.json").read_text())
    prov = side["provenance"]
    assert side["data"] == "r.csv" and side["rows"] == 3
    assert prov["seed"] == 4 and prov["steps"] == 3 and prov["govsim"] and prov["scenario_hash"]
    assert prov["overrides"] == {"population.citizens": 60, "population.employees": 10, "steps": 3, "seed": 4}
    assert prov["scenario_file"] == "scenarios/npm.toml"
    # The recorded configuration reproduces the scenario exactly.
    assert validate(prov["config"]).content_hash() == prov["scenario_hash"]


def test_pyarrow_is_required_and_no_install_hint_can_disagree():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert any(d.startswith("pyarrow") for d in project["dependencies"])
    assert "parquet" not in project.get("optional-dependencies", {})
    for path in (ROOT / "README.md", ROOT / "src/govsim/cli.py"):
        assert "[parquet]" not in path.read_text(), path
