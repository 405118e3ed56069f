"""Shipped scenario files: they load, extend each other, and the field reference is up to date."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from govsim.config import ScenarioError, load_scenario

ROOT = Path(__file__).resolve().parents[1]
FILES = sorted((ROOT / "scenarios").glob("*.toml"))


def test_the_required_scenarios_exist():
    names = {f.stem for f in FILES}
    assert {"opa", "npm", "npg", "npg_hands_on", "reform"} <= names


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_every_scenario_loads(path):
    s = load_scenario(path)
    assert s.name and s.description


def test_extends_inherits_and_overrides():
    base, child = load_scenario(ROOT / "scenarios/npg.toml"), load_scenario(ROOT / "scenarios/npg_hands_on.toml")
    assert base.metagovernance == "hands_off" and child.metagovernance == "hands_on"
    assert child.paradigm == base.paradigm == "npg"
    assert child.npg == base.npg and child.metagovernance_tools.design == base.metagovernance_tools.design


def test_extends_cycle_is_refused(tmp_path):
    (tmp_path / "a.toml").write_text('extends = "b.toml"\n')
    (tmp_path / "b.toml").write_text('extends = "a.toml"\n')
    with pytest.raises(ScenarioError) as err:
        load_scenario(tmp_path / "a.toml")
    assert err.value.field == "extends"


def test_reform_schedule():
    s = load_scenario(ROOT / "scenarios/reform.toml")
    assert [(r.step, r.paradigm) for r in s.reforms] == [(40, "npm"), (80, "npg")]


def test_field_reference_is_up_to_date():
    res = subprocess.run([sys.executable, str(ROOT / "scripts/gen_scenario_docs.py"), "--check"],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr
