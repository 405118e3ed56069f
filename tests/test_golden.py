"""Golden baseline: one reference run's summary must not change unnoticed.

The summary and the reference run are defined in scripts/update_golden.py, which
is the only writer of tests/golden/baseline.json. This test recomputes the
summary and compares it exactly with the stored one.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from govsim.runner import simulate

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "update_golden.py"
HINT = "If the change is intended, run `python scripts/update_golden.py` and commit the new baseline."


def _load_script():
    spec = importlib.util.spec_from_file_location("update_golden", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def golden():
    return _load_script()


@pytest.fixture(scope="module")
def stored(golden):
    assert golden.BASELINE.exists(), f"{golden.BASELINE} is missing. {HINT}"
    return json.loads(golden.BASELINE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def model(golden):
    return golden.run_reference()


def test_reference_run_matches_baseline(golden, stored, model):
    current = golden.summarise(model)
    if current != stored:
        diff = golden._changed(stored, current)
        shown = "\n  ".join(diff[:25]) + ("\n  ..." if len(diff) > 25 else "")
        pytest.fail(f"the reference run no longer matches tests/golden/baseline.json "
                    f"({len(diff)} values differ):\n  {shown}\n{HINT}", pytrace=False)


def test_baseline_is_well_formed(stored, golden):
    # A meaningful baseline: the run closed problems and recorded every score.
    assert stored["problems"]["closed"] == sum(stored["problems"]["closed_by_outcome"].values()) > 0
    assert set(stored["indices"]) == {"efficiency", "democracy", "innovation"}
    assert stored["overrides"] == golden.OVERRIDES and stored["seed"] == golden.SEED


def test_runner_reproduces_reference_final_values(golden, stored):
    """simulate() with the same settings reports the same numbers as the reference model."""
    df = simulate(golden.SCENARIO, steps=golden.STEPS, seed=golden.SEED, overrides=golden.OVERRIDES)
    assert df.attrs["provenance"]["scenario_hash"] == stored["scenario_hash"], HINT
    for group in ("indices", "indicators"):
        for name, values in stored[group].items():
            assert round(float(df[name].iloc[-1]), golden.DECIMALS) == values["final"], f"{name}. {HINT}"
            assert round(float(df[name].mean()), golden.DECIMALS) == values["mean"], f"{name}. {HINT}"
