"""Property tests: any valid config keeps the indices in [0, 1]; mangled files never crash the loader."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govsim.config import ScenarioError, load_scenario
from govsim.metagovernance import SETTINGS
from govsim.metrics import FAMILIES, INDICATORS
from govsim.paradigms import REGISTRY
from govsim.runner import simulate

ROOT = Path(__file__).resolve().parents[1]
unit = st.floats(0.0, 1.0, allow_nan=False)


@st.composite
def configs(draw):
    employees = draw(st.integers(2, 30))
    return {
        "paradigm": draw(st.sampled_from(sorted(REGISTRY))),
        "metagovernance": draw(st.sampled_from(SETTINGS)),
        "steps": draw(st.integers(1, 15)),
        "seed": draw(st.integers(0, 2**32)),
        "population": {
            "citizens": draw(st.integers(10, 300)),
            "employees": employees,
            "providers": draw(st.integers(1, employees)),
            "administrators": draw(st.integers(1, 5)),
            "politicians": draw(st.integers(1, 9)),
        },
        "network": {"degree": draw(st.integers(2, 12)), "rewire": draw(unit)},
        "problems": {"wickedness": draw(unit), "rate": draw(st.floats(0, 20)), "reach": draw(st.integers(1, 200))},
        "citizens": {"initial_trust": draw(unit), "participation_bias": draw(st.floats(0, 5))},
        "npm": {"target_pressure": draw(unit), "exit_rate": draw(unit)},
        "npg": {"deadlock_threshold": draw(unit), "arena_citizens": draw(st.integers(0, 30))},
        "metagovernance_tools": {"process": draw(unit), "participation": draw(unit)},
    }


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(configs())
def test_any_valid_config_keeps_indices_in_unit_interval(cfg):
    df = simulate(cfg)
    cols = [*FAMILIES, *(i.name for i in INDICATORS)]
    values = df[cols].to_numpy(dtype=float)
    assert len(df) == cfg["steps"]
    assert not np.isnan(values).any()
    assert (values >= 0).all() and (values <= 1).all()


SOURCE = (ROOT / "scenarios" / "npg.toml").read_text()
TOKENS = ["", "=", "[", "]", '"', "x", "-1", "1e999", "nan", "[[reforms]]", "paradigm", "\n", "true", "{", "é"]


@st.composite
def mangled(draw):
    text = SOURCE
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["delete", "insert", "replace", "swap", "value"]))
        i = draw(st.integers(0, max(0, len(text) - 1)))
        if kind == "delete":
            text = text[:i] + text[i + draw(st.integers(1, 20)):]
        elif kind == "insert":
            text = text[:i] + draw(st.sampled_from(TOKENS)) + text[i:]
        elif kind == "replace":
            text = text[:i] + draw(st.characters(codec="utf-8")) + text[i + 1:]
        elif kind == "swap":
            lines = text.splitlines()
            a, b = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
            lines[a], lines[b] = lines[b], lines[a]
            text = "\n".join(lines)
        else:
            lines = text.splitlines()
            j = draw(st.integers(0, len(lines) - 1))
            if "=" in lines[j]:
                key = lines[j].split("=")[0]
                lines[j] = f"{key}= {draw(st.sampled_from(TOKENS[1:]))}"
            text = "\n".join(lines)
    return text


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mangled())
def test_mangled_files_load_or_give_the_clean_error(tmp_path, text):
    path = tmp_path / "mangled.toml"
    path.write_text(text, encoding="utf-8")
    try:
        load_scenario(path)
    except ScenarioError as err:
        assert str(path.resolve()) in str(err) or str(path) in str(err)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mangled())
def test_mangled_files_through_the_cli(tmp_path, text):
    path = tmp_path / "mangled.toml"
    path.write_text(text, encoding="utf-8")
    res = subprocess.run([sys.executable, "-m", "govsim", "validate", str(path)], capture_output=True, text=True,
                         timeout=60)
    assert res.returncode in (0, 2)
    assert "Traceback" not in res.stderr


# ----------------------------------------------------------------------------- input rules

from govsim.config import Scenario, coerce_seed, validate, with_overrides  # noqa: E402

SEED_MAX = 2**63 - 1
INT_TYPES = [int, np.int64, np.uint64, np.int32, np.uint32, np.int16, np.int8]


@settings(max_examples=200, deadline=None)
@given(st.integers(0, SEED_MAX), st.sampled_from(INT_TYPES))
def test_any_whole_seed_in_range_is_accepted_in_any_integer_type(seed, kind):
    info = np.iinfo(kind) if kind is not int else None
    if info is not None and not info.min <= seed <= info.max:
        seed = seed % (int(info.max) + 1)
    assert coerce_seed(kind(seed)) == seed


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.floats(allow_nan=True), st.booleans(), st.integers(max_value=-1),
                 st.integers(min_value=SEED_MAX + 1), st.text(max_size=5), st.none(),
                 st.sampled_from([np.float64(1.0), np.float32(2.0), np.bool_(True), np.array([1])])))
def test_anything_else_is_refused_naming_the_argument(value):
    name = "seed" if isinstance(value, str) else "rng"
    try:
        coerce_seed(value, name)
    except ScenarioError as err:
        assert err.field == name and "\n" not in str(err)
    else:
        raise AssertionError(f"{value!r} accepted as a seed")


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 60), st.lists(st.integers(1, 80), max_size=5))
def test_reforms_are_accepted_exactly_when_inside_the_run_and_at_distinct_steps(steps, reform_steps):
    data = {"steps": steps, "reforms": [{"step": s, "paradigm": "npm"} for s in reform_steps]}
    fits = all(s <= steps for s in reform_steps) and len(set(reform_steps)) == len(reform_steps)
    try:
        validate(data)
    except ScenarioError as err:
        assert not fits and err.field == "reforms"
    else:
        assert fits


POPULATION = {"citizens": st.integers(10, 5000), "employees": st.integers(10, 500),
              "administrators": st.integers(1, 50), "politicians": st.integers(1, 30)}


@settings(max_examples=100, deadline=None)
@given(st.fixed_dictionaries({}, optional=POPULATION), st.sampled_from([int, np.int64, np.int32]))
def test_a_table_override_changes_only_the_fields_it_names(values, kind):
    base = Scenario()
    table = with_overrides(base, {"population": {k: kind(v) for k, v in values.items()}})
    dotted = with_overrides(base, {f"population.{k}": v for k, v in values.items()})
    assert table == dotted
    citizens = values.get("citizens", base.population.citizens)
    for field in ("citizens", "employees", "administrators", "politicians", "providers"):
        default = getattr(base.population, field)
        if field not in values and field != "citizens":  # unset public sector follows citizens
            default = max(default, round(default * citizens / 1000))
            if field == "providers":
                default = max(base.population.providers, min(default, table.population.employees))
        assert getattr(table.population, field) == values.get(field, default)


@settings(max_examples=100, deadline=None)
@given(st.floats(0, 1, allow_nan=False, width=32), st.integers(1, 500))
def test_numpy_numbers_validate_like_python_numbers(trust, steps):
    py = with_overrides(Scenario(), {"citizens.initial_trust": float(trust), "steps": steps})
    for ft, it in ((np.float32, np.int64), (np.float64, np.int16)):
        npy = with_overrides(Scenario(), {"citizens.initial_trust": ft(trust), "steps": it(steps)})
        assert npy == py
