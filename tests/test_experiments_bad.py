"""Bad experiment files: one clear line naming the file, the field and what is allowed; exit 2; nothing written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govsim.config import Scenario, ScenarioError
from govsim.experiments.schema import ExperimentError, ExperimentSchema, parse

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}

GOOD = 'steps = 5\n'

BAD = {
    "syntax": ('replications = \n', None, ["not valid TOML"]),
    "unknown_top": ('replicatons = 3\n', "replicatons", ["did you mean 'replications'"]),
    "unknown_in_design": ('[design]\nkinds = "sobol"\n', "design.kinds", ["did you mean 'kind'"]),
    "design_kind": ('[design]\nkind = "sobl"\n', "design.kind", ["factorial, points, lhs, sobol, morris"]),
    "replications_type": ('replications = "ten"\n', "replications", ["valid integer"]),
    "replications_range": ('replications = 0\n', "replications", ["greater than or equal to 1"]),
    "unknown_factor_path": ('[factors]\npopulation.citizns = [200, 300]\n', "factors.population.citizns",
                            ["did you mean 'citizens'"]),
    "unknown_factor_table": ('[factors]\n"populaton.citizens" = [200, 300]\n', "factors.populaton.citizens",
                             ["did you mean 'population'"]),
    "level_out_of_range": ('[factors]\npopulation.citizens = [200, 5]\n', "factors.population.citizens",
                           ["level 5", "from 10 to 1000000"]),
    "level_wrong_type": ('[factors]\n"npg.discretion" = [0.5, "high"]\n', "factors.npg.discretion",
                         ["level 'high'", "must be a number"]),
    "unknown_paradigm": ('[factors]\nparadigm = ["opa", "nwp"]\n', "factors.paradigm", ["opa, npm, npg"]),
    "cross_field_rule": ('[factors]\n"population.employees" = [2, 20]\n', "factors.population.employees",
                         ["providers (6) must not exceed employees (2)"]),
    "range_without_num": ('[factors]\n"npg.discretion" = { min = 0.1, max = 0.9 }\n', "factors.npg.discretion",
                          ["needs num"]),
    "range_bad_key": ('[factors]\n"npg.discretion" = { min = 0.1, maks = 0.9, num = 3 }\n',
                      "factors.npg.discretion.maks", ["did you mean 'max'"]),
    "range_reversed": ('[factors]\n"npg.discretion" = { min = 0.9, max = 0.1, num = 3 }\n',
                       "factors.npg.discretion", ["must be below max"]),
    "range_out_of_schema": ('[design]\nkind = "sobol"\n[factors]\n"npg.discretion" = { min = 0.1, max = 2.0 }\n',
                            "factors.npg.discretion", ["level 2.0", "from 0 to 1"]),
    "num_in_sampled": ('[design]\nkind = "lhs"\n[factors]\n"npg.discretion" = { min = 0.1, max = 0.9, num = 3 }\n',
                       "factors.npg.discretion.num", ["only factorial"]),
    "scalar_factor": ('[factors]\nparadigm = "opa"\n', "factors.paradigm", ["list of levels"]),
    "empty_levels": ('[factors]\nparadigm = []\n', "factors.paradigm", ["at least one level"]),
    "points_missing": ('[design]\nkind = "points"\n', "design.points", ["at least one"]),
    "bad_point_field": ('[[design.points]]\nparadigm = "npg"\nmetagovernance = "hands_up"\n',
                        "design.points.0.metagovernance", ["none, hands_off, hands_on"]),
    "point_unknown_path": ('[[design.points]]\n"npg.discretoin" = 0.5\n', "design.points.0.npg.discretoin",
                           ["did you mean 'discretion'"]),
    "duplicate_labels": ('[[design.points]]\nlabel = "a"\nparadigm = "opa"\n[[design.points]]\nlabel = "a"\n'
                         'paradigm = "npm"\n', "design.points.1.label", ["used by an earlier point"]),
    "points_in_sobol": ('[design]\nkind = "sobol"\npoints = [{ paradigm = "opa" }]\n[factors]\n'
                        '"npg.discretion" = { min = 0.1, max = 0.9 }\n', "design.points", ["lists no points"]),
    "sobol_without_factors": ('[design]\nkind = "sobol"\n', "factors", ["at least one factor"]),
    "bad_base": ('[base.population]\ncitizens = 3\n', "base.population.citizens", ["from 10 to 1000000"]),
    "missing_scenario": ('scenario = "nowhere.toml"\n', "scenario", ["no such file"]),
    "bad_statistic": ('[collect]\nstatistics = ["mean", "median"]\n', "collect.statistics",
                      ["unknown statistic 'median'", "mean, final, min, max, std"]),
    "bad_column": ('[collect]\ncolumns = ["efficency"]\n', "collect.columns", ["did you mean 'efficiency'"]),
    "bad_reference": ('[analysis]\nreference = "NPN"\n[[design.points]]\nlabel = "NPM"\nparadigm = "npm"\n',
                      "analysis.reference", ["did you mean 'NPM'"]),
    "bad_contrast": ('[analysis]\ncontrasts = [["OPA"]]\n', "analysis.contrasts", ["[point, reference] pair"]),
}


def govsim(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "govsim", *args], capture_output=True, text=True, cwd=cwd,
                          env=ENV, timeout=120)


@pytest.mark.parametrize("kind", sorted(BAD))
def test_bad_experiment_gives_one_clear_error(tmp_path, kind):
    text, field, expected = BAD[kind]
    path = tmp_path / f"{kind}.toml"
    path.write_text(GOOD + text)
    from govsim.experiments.designs import build_design
    from govsim.experiments.execute import check_labels
    from govsim.experiments.schema import load_experiment

    with pytest.raises(ExperimentError) as err:
        exp = load_experiment(path)
        check_labels(exp, build_design(exp))
    e = err.value
    assert isinstance(e, ScenarioError) and e.source == str(path) and e.field == field
    for piece in expected:
        assert piece.lower() in str(e).lower()
    assert "\n" not in str(e)


@pytest.mark.parametrize("kind", ["unknown_factor_path", "level_out_of_range", "bad_reference", "syntax"])
def test_sweep_and_compare_report_bad_files_in_one_line_with_exit_2(tmp_path, kind):
    text, field, expected = BAD[kind]
    path = tmp_path / "x.toml"
    path.write_text(GOOD + text)
    out = tmp_path / "out"
    for args in (["sweep", str(path)], ["compare", "--experiment", str(path)]):
        res = govsim(*args, "--out", str(out), "--quiet")
        assert res.returncode == 2, res.stderr
        assert "Traceback" not in res.stderr and res.stderr.count("\n") == 1
        assert res.stderr.startswith(f"error: {path}: ") and all(p.lower() in res.stderr.lower() for p in expected)
        assert not out.exists()  # nothing written


def test_bad_command_line_values(tmp_path):
    res = govsim("sweep", str(ROOT / "tests" / "experiments" / "tiny.toml"), "--workers", "0")
    assert res.returncode == 2 and "--workers" in res.stderr and "at least 1" in res.stderr
    res = govsim("sweep", str(ROOT / "tests" / "experiments" / "tiny.toml"), "--dask", "2", "--scheduler", "tcp://x:1")
    assert res.returncode == 2 and "not allowed with" in res.stderr
    res = govsim("sweep", str(tmp_path / "absent.toml"))
    assert res.returncode == 2 and "no such file" in res.stderr and "Traceback" not in res.stderr
    res = govsim("analyze", str(tmp_path))
    assert res.returncode == 2 and "no manifest.json" in res.stderr


# --------------------------------------------------------------------------- properties

def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f'"{k}" = {_toml_value(x)}' for k, x in v.items()) + " }"
    raise TypeError(v)


def _numeric_fields():
    """(dotted path, low, high, is_int) of every bounded numeric scenario field."""
    from pydantic import BaseModel

    out = []
    for sec, f in Scenario.model_fields.items():
        ann = f.annotation
        if not (isinstance(ann, type) and issubclass(ann, BaseModel)):
            continue
        for name, g in ann.model_fields.items():
            lo = hi = None
            for m in g.metadata:
                lo, hi = getattr(m, "ge", lo), getattr(m, "le", hi)
            if lo is not None and hi is not None and g.annotation in (int, float):
                out.append((f"{sec}.{name}", lo, hi, g.annotation is int))
    return out


NUMERIC = _numeric_fields()
KEYS = list(ExperimentSchema.model_fields)
scalars = st.one_of(st.integers(-10**6, 10**6), st.floats(allow_nan=False, allow_infinity=False, width=32),
                    st.text(max_size=8), st.booleans())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(NUMERIC), st.booleans(), st.floats(0.01, 1e6, allow_nan=False))
def test_any_level_outside_a_fields_range_names_the_factor(field, below, gap):
    path, lo, hi, is_int = field
    bad = lo - gap if below else hi + gap
    bad = int(bad) - (1 if below else -1) if is_int else bad
    text = f'steps = 5\n[factors]\n"{path}" = [{_toml_value(bad)}]\n'
    with pytest.raises(ExperimentError) as err:
        parse(text, "prop.toml")
    assert err.value.field == f"factors.{path}" and f"level {bad!r}" in str(err.value)
    assert str(err.value).startswith("prop.toml: field ")


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(NUMERIC + [("paradigm", 0, 0, False), ("metagovernance", 0, 0, False)]),
       st.integers(0, 10), st.sampled_from(["drop", "swap", "add"]))
def test_a_misspelt_factor_path_is_refused_with_a_suggestion(field, pos, how):
    path = field[0]
    last = path.rsplit(".", 1)[-1]
    i = pos % len(last)
    typo = {"drop": last[:i] + last[i + 1:], "swap": last[:i] + last[i + 1:i + 2] + last[i:i + 1] + last[i + 2:],
            "add": last[:i] + "q" + last[i:]}[how]
    if typo == last or not typo:
        return
    bad_path = path[: len(path) - len(last)] + typo
    text = f'steps = 5\n[factors]\n"{bad_path}" = [1]\n'
    with pytest.raises(ExperimentError) as err:
        parse(text, "prop.toml")
    assert err.value.field == f"factors.{bad_path}"
    assert "unknown field" in str(err.value)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(KEYS + ["factor", "replication", "desing", "x"]),
                       st.one_of(scalars, st.lists(scalars, max_size=3),
                                 st.dictionaries(st.sampled_from(["kind", "points", "samples", "min", "max",
                                                                  "paradigm", "population", "window", "x"]),
                                                 st.one_of(scalars, st.lists(scalars, max_size=3)), max_size=3)),
                       max_size=4))
def test_arbitrary_files_are_accepted_or_refused_with_an_experiment_error(data):
    text = "".join(f'"{k}" = {_toml_value(v)}\n' for k, v in data.items())
    try:
        exp = parse(text, "fuzz.toml")
    except ExperimentError as exc:
        assert str(exc).startswith("fuzz.toml: ") and "\n" not in str(exc)
        if exc.field:
            assert exc.field.split(".")[0] in data or exc.field.split(".")[0] in KEYS
    else:
        from govsim.experiments.designs import build_design

        if exp.spec.design.kind in ("factorial", "points") and len(exp.factors) < 3:
            assert len(build_design(exp).points) >= 1
