"""Model-level behaviour: determinism, common random numbers, the paradigm contract,
reforms, scenario files and the Mesa view over the columnar state.

Runs are small (300 citizens, 20 employees, 30-60 steps) so the module stays fast.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from govsim.agents import Administrator, Citizen, Employee, Politician
from govsim.config import Scenario, ScenarioError, load_scenario, validate
from govsim.metagovernance import SETTINGS
from govsim.metrics import FAMILIES, INDICATORS
from govsim.model import GovModel
from govsim.paradigms import REGISTRY, ParadigmParams
from govsim.problems import Stage
from govsim.runner import prepare, simulate
from govsim.state import ROLE_CODES

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
EXPECTED_SCENARIOS = ("opa", "npm", "npg", "npg_hands_on", "npg_unmanaged", "reform", "gentofte", "svelvik",
                      "high_conflict", "wicked", "over_steered")
SCORES = [*FAMILIES, *(i.name for i in INDICATORS)]
OUTCOMES = {"solved", "unsolved", "failed", "expired", "deadlock"}


def run(model: GovModel, steps: int) -> GovModel:
    for _ in range(steps):
        model.step()
    return model


def arriving_problems(model: GovModel) -> list[tuple]:
    """Every problem that arrived so far, as comparable tuples sorted by id."""
    return [
        (p.id, p.arrived, p.driver, p.wickedness, tuple(p.need.tolist()), tuple(p.affected.tolist()))
        for p in sorted(model.closed + model.open, key=lambda p: p.id)
    ]


def assert_scores_in_unit_interval(df: pd.DataFrame) -> None:
    scores = df[SCORES]
    assert not scores.isna().any().any(), f"NaN in {scores.columns[scores.isna().any()].tolist()}"
    low, high = scores.min(), scores.max()
    assert (low >= 0.0).all(), f"below 0: {low[low < 0].to_dict()}"
    assert (high <= 1.0).all(), f"above 1: {high[high > 1].to_dict()}"


# --------------------------------------------------------------------------- determinism

def test_same_seed_gives_identical_frames(small):
    a = simulate(steps=40, seed=3, overrides=small)
    b = simulate(steps=40, seed=3, overrides=small)
    assert_frame_equal(a, b)
    assert a.attrs["provenance"]["scenario_hash"] == b.attrs["provenance"]["scenario_hash"]


def test_different_seed_gives_different_frames(small):
    a = simulate(steps=40, seed=3, overrides=small)
    c = simulate(steps=40, seed=4, overrides=small)
    assert a.shape == c.shape
    with pytest.raises(AssertionError):
        assert_frame_equal(a, c)
    # Not just one stray column: the headline indices move with the seed.
    assert not np.array_equal(a[list(FAMILIES)].to_numpy(), c[list(FAMILIES)].to_numpy())
    assert a.attrs["provenance"]["seed"] == 3 and c.attrs["provenance"]["seed"] == 4


def test_provenance_looks_up_versions_and_the_commit_once_per_process(monkeypatch):
    # A run's provenance names the versions and the commit; a process runs the code it imported, so
    # they are looked up once (git and five package lookups cost about 10 ms, a share of a small run).
    from govsim import runner

    calls = {"git": 0, "version": 0}
    run, version = runner.subprocess.run, runner._md.version

    def counted_run(*a, **k):
        calls["git"] += 1
        return run(*a, **k)

    def counted_version(pkg):
        calls["version"] += 1
        return version(pkg)

    monkeypatch.setattr(runner.subprocess, "run", counted_run)
    monkeypatch.setattr(runner._md, "version", counted_version)
    runner._git_hash.cache_clear()
    runner._version.cache_clear()
    try:
        scenario = prepare(None, steps=5, seed=1)
        first, second = runner.provenance(scenario), runner.provenance(scenario)
    finally:
        runner._git_hash.cache_clear()
        runner._version.cache_clear()
    assert calls == {"git": 1, "version": 5}
    first.pop("created"), second.pop("created")
    assert first == second and first["numpy"] == np.__version__


# --------------------------------------------------------------------------- common random numbers

def test_common_random_numbers_across_paradigms(small_model):
    models = {name: small_model(name, seed=9) for name in REGISTRY}
    ref = models["opa"]
    for name, m in models.items():
        for attr in ("resources", "knowledge", "trust", "position", "provider"):
            np.testing.assert_array_equal(getattr(m.citizens, attr), getattr(ref.citizens, attr),
                                          err_msg=f"citizens.{attr} differs under {name}")
        for attr in ("knowledge", "motivation"):
            np.testing.assert_array_equal(getattr(m.employees, attr), getattr(ref.employees, attr),
                                          err_msg=f"employees.{attr} differs under {name}")
        np.testing.assert_array_equal(m.administrators.knowledge, ref.administrators.knowledge)
        np.testing.assert_array_equal(m.politicians.position, ref.politicians.position)
        assert m.network.shape == ref.network.shape
        assert (m.network != ref.network).nnz == 0, f"network differs under {name}"

    for m in models.values():
        run(m, 40)
    problems = {name: arriving_problems(m) for name, m in models.items()}
    assert len(problems["opa"]) > 10
    assert [p[0] for p in problems["opa"]] == list(range(len(problems["opa"]))), "a problem went missing"
    for name, seq in problems.items():
        assert seq == problems["opa"], f"problem stream under {name} differs from opa"

    # Same population and problems, different rule sets: different outcomes.
    for a, b in itertools.combinations(models, 2):
        assert models[a].outcomes != models[b].outcomes, f"{a} and {b} gave identical outcomes"
        assert models[a].outcomes["democracy"] != models[b].outcomes["democracy"]


# --------------------------------------------------------------------------- paradigm contract

@pytest.mark.parametrize(("name", "setting"), list(itertools.product(REGISTRY, SETTINGS)))
def test_paradigm_contract(name, setting, small):
    overrides = {**small, "paradigm": name, "metagovernance": setting}
    df = simulate(steps=40, seed=2, overrides=overrides)

    assert len(df) == 40
    assert df["step"].tolist() == list(range(1, 41))
    assert (df["paradigm"] == name).all()
    assert (df["metagovernance"] == setting).all()
    assert_scores_in_unit_interval(df)
    for fam in FAMILIES:
        members = [i.name for i in INDICATORS if i.family == fam]
        np.testing.assert_allclose(df[fam], df[members].mean(axis=1), rtol=0, atol=1e-12,
                                   err_msg=f"{fam} is not the mean of its indicators")

    cls = REGISTRY[name]
    assert cls.name == name
    assert isinstance(cls.label, str) and cls.label
    assert cls.citizen_role in ROLE_CODES
    assert issubclass(cls.Params, ParadigmParams)
    assert isinstance(getattr(Scenario(), name), cls.Params), "scenario schema lacks the paradigm's table"

    model = run(GovModel(prepare(None, steps=40, seed=2, overrides=overrides)), 40)
    assert len(model.closed) > 0
    assert {p.outcome for p in model.closed} <= OUTCOMES
    assert all(p.stage == Stage.CLOSED and p.closed_at >= p.arrived for p in model.closed)
    # The runner reports what the model collected.
    collected = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    np.testing.assert_array_equal(collected[SCORES].to_numpy(), df[SCORES].to_numpy())


@pytest.mark.parametrize("name", ["opa", "npm"])
def test_metagovernance_changes_nothing_without_networks(name, small):
    frames = [simulate(steps=30, seed=6, overrides={**small, "paradigm": name, "metagovernance": s})
              for s in SETTINGS]
    for df in frames[1:]:
        assert_frame_equal(df[SCORES], frames[0][SCORES])


def test_metagovernance_matters_under_npg(small):
    off = simulate(steps=40, seed=6, overrides={**small, "paradigm": "npg", "metagovernance": "none"})
    on = simulate(steps=40, seed=6, overrides={**small, "paradigm": "npg", "metagovernance": "hands_on"})
    assert not np.array_equal(off[SCORES].to_numpy(), on[SCORES].to_numpy())


# --------------------------------------------------------------------------- reforms

def test_switch_paradigm_mid_run_keeps_agents_state(small_model):
    m = small_model("opa", seed=2)
    providers_at_start = m.citizens.provider.copy()
    run(m, 20)
    np.testing.assert_array_equal(m.citizens.provider, providers_at_start)  # no exit under OPA

    motivation, trust = m.employees.motivation, m.citizens.trust
    motivation_before, trust_before = motivation.copy(), trust.copy()
    knowledge_before = m.citizens.knowledge.copy()
    in_flight = list(m.open)
    closed_before = len(m.closed)
    citizen = next(iter(m.agents_by_type[Citizen]))
    assert citizen.role == "subject"

    m.set_paradigm("npm")

    assert m.paradigm.name == "npm" and isinstance(m.paradigm, REGISTRY["npm"])
    assert m.employees.motivation is motivation and m.citizens.trust is trust
    np.testing.assert_array_equal(m.employees.motivation, motivation_before)
    np.testing.assert_array_equal(m.citizens.trust, trust_before)
    np.testing.assert_array_equal(m.citizens.knowledge, knowledge_before)
    assert m.open == in_flight and len(m.closed) == closed_before
    assert citizen.role == "customer"
    assert (m.citizens.role_code == ROLE_CODES["customer"]).all()

    providers_at_switch = m.citizens.provider.copy()
    run(m, 20)
    assert (m.citizens.provider != providers_at_switch).any(), "no customer exited under NPM"

    # The same run without the reform: nobody ever changes provider.
    control = run(small_model("opa", seed=2), 40)
    np.testing.assert_array_equal(control.citizens.provider, providers_at_start)


def test_unknown_paradigm_is_refused(small_model):
    m = small_model("opa")
    with pytest.raises(ValueError) as err:
        m.set_paradigm("nwg")
    message = str(err.value)
    assert "nwg" in message
    for name in REGISTRY:
        assert name in message
    assert m.paradigm.name == "opa"


def test_reform_scenario_switches_opa_npm_npg(small):
    path = SCENARIOS / "reform.toml"
    scenario = load_scenario(path)
    reforms = sorted(scenario.reforms, key=lambda r: r.step)
    assert [scenario.paradigm, *(r.paradigm for r in reforms)] == ["opa", "npm", "npg"]
    assert all(1 <= r.step <= scenario.steps for r in reforms)

    steps = min(scenario.steps, reforms[-1].step + 6)
    df = simulate(path, steps=steps, overrides=small)

    expected_paradigm, expected_setting = [], []
    paradigm, setting = scenario.paradigm, scenario.metagovernance
    by_step = {r.step: r for r in reforms}
    for step in range(1, steps + 1):
        if step in by_step:
            paradigm = by_step[step].paradigm
            setting = by_step[step].metagovernance or setting
        expected_paradigm.append(paradigm)
        expected_setting.append(setting)
    assert df["paradigm"].tolist() == expected_paradigm
    assert df["metagovernance"].tolist() == expected_setting
    for r in reforms:
        row = df.index[df["step"] == r.step][0]
        assert df.at[row, "paradigm"] == r.paradigm
        assert df.at[row - 1, "paradigm"] != r.paradigm
    changes = df["paradigm"][df["paradigm"] != df["paradigm"].shift()].tolist()
    assert changes == ["opa", "npm", "npg"]
    assert_scores_in_unit_interval(df)


# --------------------------------------------------------------------------- scenario files

def test_expected_scenario_files_exist():
    found = {p.stem for p in SCENARIOS.glob("*.toml")}
    assert set(EXPECTED_SCENARIOS) <= found, f"missing: {sorted(set(EXPECTED_SCENARIOS) - found)}"


@pytest.mark.parametrize("stem", sorted(set(EXPECTED_SCENARIOS) | {p.stem for p in SCENARIOS.glob("*.toml")}))
def test_scenario_file_runs(stem):
    path = SCENARIOS / f"{stem}.toml"
    scenario = load_scenario(path)
    early = [r.model_dump() for r in scenario.reforms if r.step <= 10]  # later reforms fall outside 10 steps
    df = simulate(path, steps=10, overrides={"reforms": early})
    assert len(df) == 10
    assert df["paradigm"].isin(list(REGISTRY)).all()
    if not any(r.step == 1 for r in scenario.reforms):
        assert df["paradigm"].iloc[0] == scenario.paradigm
        assert df["metagovernance"].iloc[0] == scenario.metagovernance
    assert_scores_in_unit_interval(df)
    prov = df.attrs["provenance"]
    assert prov["scenario"] == scenario.name
    assert prov["seed"] == scenario.seed and prov["steps"] == 10


# --------------------------------------------------------------------------- Mesa integration

def test_agents_by_type_match_configured_counts(small_model):
    m = small_model("npg")
    pop = m.config.population
    expected = {Citizen: pop.citizens, Employee: pop.employees,
                Administrator: pop.administrators, Politician: pop.politicians}
    assert set(m.agents_by_type) == set(expected)
    for kind, n in expected.items():
        agents = m.agents_by_type[kind]
        assert len(agents) == n
        assert len(m.agents.select(agent_type=kind)) == n
        assert sorted(a.row for a in agents) == list(range(n))
    assert len(m.agents) == sum(expected.values())


def test_agents_are_views_over_the_arrays(small_model):
    m = small_model("npg")
    citizens = m.agents_by_type[Citizen]
    agent = next(a for a in citizens if a.row == 17)
    assert agent.trust == m.citizens.trust[17]

    agent.trust = 0.9
    assert m.citizens.trust[17] == 0.9
    m.citizens.trust[17] = 0.25
    assert agent.trust == 0.25

    worker = next(a for a in m.agents_by_type[Employee] if a.row == 3)
    worker.motivation = 0.1
    assert m.employees.motivation[3] == 0.1

    assert citizens.agg("trust", np.mean) == pytest.approx(m.citizens.trust.mean(), rel=1e-12, abs=0)
    # Arrays are replaced during a step; the views must follow.
    run(m, 5)
    assert citizens.agg("trust", np.mean) == pytest.approx(m.citizens.trust.mean(), rel=1e-12, abs=0)
    assert m.agents_by_type[Employee].agg("motivation", np.mean) == pytest.approx(
        m.employees.motivation.mean(), rel=1e-12, abs=0)
    assert agent.trust == m.citizens.trust[17]


# --------------------------------------------------------------------------- seeding

def test_rng_argument_overrides_scenario_seed(small_model):
    overridden = small_model("npg", seed=3, rng=7)
    native = small_model("npg", seed=7)
    other = small_model("npg", seed=3)
    assert overridden.seed == 7
    np.testing.assert_array_equal(overridden.citizens.trust, native.citizens.trust)
    assert not np.array_equal(overridden.citizens.trust, other.citizens.trust)

    frames = [run(m, 20).datacollector.get_model_vars_dataframe() for m in (overridden, native, other)]
    assert_frame_equal(frames[0], frames[1])
    with pytest.raises(AssertionError):
        assert_frame_equal(frames[0], frames[2])


def test_rng_generator_draws_a_reproducible_seed():
    data = {"population": {"citizens": 100, "employees": 10}}
    a = GovModel(validate(data), rng=np.random.default_rng(42))
    b = GovModel(validate(data), rng=np.random.default_rng(42))
    assert a.seed == b.seed
    np.testing.assert_array_equal(a.citizens.resources, b.citizens.resources)


def test_reform_at_step_zero_is_refused_or_in_force_from_the_start():
    """Steps are counted from 1 inside ``GovModel.step``: a step-0 reform must not be accepted and then ignored."""
    data = {"paradigm": "opa", "reforms": [{"step": 0, "paradigm": "npm"}],
            "population": {"citizens": 100, "employees": 10}}
    try:
        scenario = validate(data)
    except ScenarioError as err:
        assert err.field == "reforms.0.step"
        return
    df = simulate(scenario, steps=3)
    assert df["paradigm"].tolist() == ["npm"] * 3
