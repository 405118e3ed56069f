"""The model core: phases as data, the world interface, declared columns and constants,
random streams per mechanism, and extension by one file plus one registry line."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import numpy as np
import pytest
from pydantic import BaseModel

from govsim import kernels
from govsim import phases as phases_mod
from govsim.agents import AGENT_TYPES, Column, StateAgent
from govsim.config import Scenario, validate
from govsim.metagovernance import TOOLS, Tool, tools_table
from govsim.model import GovModel
from govsim.paradigms import REGISTRY, Paradigm, ParadigmParams, Steering
from govsim.problems import Group
from govsim.state import POPULATIONS, Citizens, Col
from govsim.streams import STREAMS, Streams
from govsim import mechanisms as mech
from govsim.fields import param

SRC = Path(__file__).resolve().parents[1] / "src" / "govsim"
SMALL = {"population": {"citizens": 300, "employees": 20}}


def model(paradigm="npg", metagovernance="none", seed=4, **tables):
    data = {"paradigm": paradigm, "metagovernance": metagovernance, "seed": seed, **SMALL}
    for k, v in tables.items():
        data[k] = {**data.get(k, {}), **v}
    return GovModel(validate(data))


def run(m, steps):
    for _ in range(steps):
        m.step()
    return m


# --------------------------------------------------------------------------- phases as data

def test_phases_are_a_printable_list_that_step_runs():
    m = model()
    names = [ph.name for ph in m.phases]
    assert names[0] == "reform" and names[-1] == "collect"
    text = str(m.phases)
    for ph in m.phases:
        assert ph.name in text and ph.theory in text
        assert callable(ph.run) and ph.doc
    # step() runs exactly that list: a phase inserted into it runs every step.
    seen = []
    m.phases.insert(1, phases_mod.Phase("probe", lambda mm: seen.append(mm.world.now), "-", "records the step"))
    run(m, 3)
    assert seen == [1, 2, 3]
    # and removing the collector stops collection
    m.phases[:] = [ph for ph in m.phases if ph.name != "collect"]
    before = len(m.datacollector.get_model_vars_dataframe())
    run(m, 2)
    assert len(m.datacollector.get_model_vars_dataframe()) == before


# --------------------------------------------------------------------------- the world interface

def test_rule_sets_and_tools_never_touch_the_model():
    for path in [*sorted((SRC / "paradigms").glob("*.py")), *sorted((SRC / "metagovernance").glob("*.py"))]:
        text = path.read_text()
        assert not re.search(r"govsim\.model\b", text), f"{path.name} imports the model"
        assert not re.search(r"def \w+\([^)]*\bmodel\b", text), f"{path.name} takes the model as an argument"
        assert not re.search(r"\bmodel\.\w", text.replace("model_config", "")), f"{path.name} reads the model"


def test_only_a_rule_set_reads_its_parameters():
    for name in ("model.py", "phases.py", "world.py", "metrics.py"):
        text = (SRC / name).read_text()
        assert ".paradigm.params" not in text and "rules.params" not in text, name
        for para in REGISTRY:
            assert f"config.{para}." not in text, f"{name} reads [{para}]"


def test_customers_exit_only_through_npms_rule_set(monkeypatch):
    before = model("npm").citizens.provider.copy()
    moving = run(model("npm", npm={"exit_rate": 0.5, "exit_threshold": 0.6}), 20)
    assert (moving.citizens.provider != before).any()
    monkeypatch.setattr(REGISTRY["npm"], "respond", lambda self, world: None)
    still = run(model("npm", npm={"exit_rate": 0.5, "exit_threshold": 0.6}), 20)
    np.testing.assert_array_equal(still.citizens.provider, before)


# --------------------------------------------------------------------------- declared columns

def test_agent_views_are_generated_from_the_column_declarations():
    for agent_type in AGENT_TYPES:
        for col in agent_type.population.columns:
            assert isinstance(inspect.getattr_static(agent_type, col.name), Column), (agent_type, col.name)
            assert col.doc
    assert set(POPULATIONS.values()) == {t.population for t in AGENT_TYPES}


def test_a_new_column_is_one_line():
    class Citizens2(Citizens):
        columns = (*Citizens.columns, Col("mood", 0.25, "How the citizen feels today.", "T11"))

    class Citizen2(StateAgent):
        store = "citizens"
        population = Citizens2

    m = model()
    m.world.citizens = Citizens2(300, np.random.default_rng(0), m.config.citizens, providers=6)
    a = Citizen2(m, 5)
    assert a.mood == 0.25
    a.mood = 0.75
    assert m.world.citizens.mood[5] == 0.75


def test_columns_are_updated_in_place():
    m = model("npm")
    arrays = {name: getattr(m.citizens, name) for name in ("trust", "willingness", "satisfaction")}
    motivation = m.employees.motivation
    run(m, 5)
    for name, arr in arrays.items():
        assert getattr(m.citizens, name) is arr, name
    assert m.employees.motivation is motivation


# --------------------------------------------------------------------------- declared constants

def _walk(model_cls: type[BaseModel], path=""):
    for name, f in model_cls.model_fields.items():
        ann = f.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            yield from _walk(ann, f"{path}{name}.")
        else:
            yield f"{path}{name}", f


def test_every_parameter_declares_meaning_theory_and_range():
    skip = {"name", "description", "paradigm", "metagovernance", "reforms", "seed", "steps"}
    for dotted, f in _walk(Scenario):
        if dotted in skip:
            continue
        assert f.description, dotted
        assert (f.json_schema_extra or {}).get("theory"), dotted
        numeric = f.annotation in (int, float, int | None, float | None)
        if numeric:
            bounds = {type(m).__name__ for m in f.metadata}
            assert {"Ge", "Le"} <= bounds, f"{dotted} has no range"


def test_core_constants_are_read_from_the_scenario():
    # A core constant changes the run when set in [core].
    a = run(model("npg", "hands_off"), 25).outcomes
    b = run(model("npg", "hands_off", core={"novelty_spread": 0.0, "trust_softening": 0.0}), 25).outcomes
    assert a != b


# --------------------------------------------------------------------------- random streams

class Recording(Streams):
    """Records, for every (mechanism, key), the generator's state when its use ended."""

    def __init__(self, seq):
        super().__init__(seq)
        self.made: dict[tuple, list] = {}
        self._pending: dict[str, tuple] = {}

    def _flush(self, mechanism):
        if mechanism in self._pending:
            key, gen = self._pending.pop(mechanism)
            self.made.setdefault(key, []).append(gen.bit_generator.state["state"]["counter"].tolist())

    def get(self, mechanism, *key):
        self._flush(mechanism)
        g = super().get(mechanism, *key)
        self._pending[mechanism] = ((mechanism, *key), g)
        return g

    def finish(self):
        for mechanism in list(self._pending):
            self._flush(mechanism)


def _recorded_run(seed, steps, **tables):
    m = model("npg", "none", seed=seed, **tables)
    rec = Recording(np.random.SeedSequence(seed).spawn(3)[2])
    m.world.streams = rec
    with kernels.disabled():  # every draw through get (compiled kernels draw from a stream's state directly)
        run(m, steps)
    rec.finish()
    return m, rec.made


@pytest.mark.parametrize(("tool", "low", "high"), [("process", 0.2, 0.9), ("design", 0.3, 0.9),
                                                   ("framing", 0.1, 1.0), ("participation", 0.2, 1.0)])
def test_a_tools_intensity_leaves_other_mechanisms_draws_untouched(tool, low, high):
    acts_on = set(TOOLS[tool].acts_on)
    background = {"process": 0.5} if tool == "framing" else {"framing": 0.5}  # so that arenas get to decide
    m1, d1 = _recorded_run(7, 30, metagovernance_tools={**background, tool: low})
    m2, d2 = _recorded_run(7, 30, metagovernance_tools={**background, tool: high})
    assert m1.outcomes != m2.outcomes, "the intensity should matter"
    common = [k for k in d1.keys() & d2.keys() if k[0] not in acts_on]
    assert len(common) > 60 and len({k[0] for k in common}) >= 7
    for k in common:
        # Same key (same starting counter) and the same number of draws: the same draws.
        assert d1[k] == d2[k], f"{tool} shifted the draws of {k}"


def test_streams_are_keyed_by_mechanism_and_key():
    s = Streams(np.random.SeedSequence(3))
    a = s.get("novelty", 5, 1).random(4)
    assert np.array_equal(a, s.get("novelty", 5, 1).random(4))
    assert not np.array_equal(a, s.get("novelty", 5, 2).random(4))
    assert not np.array_equal(a, s.get("conflict", 5, 1).random(4))
    with pytest.raises(KeyError):
        s.get("astrology", 1)
    assert all(isinstance(doc, str) and doc for doc in STREAMS.values())


# --------------------------------------------------------------------------- extension

class CommonsParams(ParadigmParams):
    """A test rule set: citizens govern a commons by themselves."""

    self_reliance: float = param(0.7, 0, 1, "How far citizens rely on their own knowledge.", "T5")


class Commons(Paradigm):
    name = "commons"
    label = "Self-governing commons"
    public_sector_as = "a bystander"
    citizen_role = "co-creator"
    coproduction = 1.0
    theory = ("T5",)
    Params = CommonsParams

    def visibility(self, world):
        return np.ones(mech.K)

    def notice(self, world, problem, rng):
        return 0.8, "citizen"

    def define(self, world, problem):
        rng = world.streams.get("recruitment", problem.id)
        users = world.pick_willing_citizens(problem.affected, 5, rng)
        problem.group = Group(citizens=users)
        cov = mech.pool_knowledge(world.knowledge_of(problem.group))
        problem.defined = mech.perceive_need(problem.need, cov, np.ones(mech.K), 0.1,
                                             world.streams.get("definition", problem.id, 0), problem.wickedness)
        problem.ready_at = world.now + 1

    def design(self, world, problem):
        self.design_with(world, problem, problem.group, problem.defined, self.params.self_reliance, 0.0)
        problem.ready_at = world.now + 1
        return True

    def decide(self, world, problem):
        world.record_participation(problem, problem.group.citizens, mech.RUNG_NETWORK, self.params.self_reliance)
        return True

    def steer(self, world):
        return Steering(pressure=np.zeros(world.employees.n), discretion=1.0, focus=mech.UNIFORM.copy(), overhead=0.0)


def test_a_fourth_paradigm_is_one_file_and_one_registry_line(monkeypatch):
    monkeypatch.setitem(REGISTRY, Commons.name, Commons)  # the one registry line
    m = GovModel(validate({"paradigm": "commons", "seed": 2, **SMALL}))
    run(m, 30)
    assert m.paradigm.name == "commons" and isinstance(m.paradigm.params, CommonsParams)
    assert any(p.solved for p in m.closed)
    assert m.outcomes["participation_rate"] > 0
    df = m.datacollector.get_model_vars_dataframe()
    assert (df["paradigm"] == "commons").all()
    m.set_paradigm("opa")  # and reforms to and from it work
    run(m, 3)


class Convening(Tool):
    """A test tool: the metagovernor convenes, activating passive members and costing hours."""

    name = "convening"
    label = "convening"
    hands = "on"
    needs = ("nodality",)

    def manage(self, world, problem, arena, k, s):
        arena.activation = max(arena.activation, s)
        arena.round_hours += 3.0 * k


def test_a_fifth_tool_is_one_file_and_one_registry_line(monkeypatch):
    monkeypatch.setitem(TOOLS, Convening.name, Convening)  # the one registry line
    assert "convening" in tools_table().model_fields  # the schema table is built from the registry
    off = model("npg", "none", seed=3)
    on = model("npg", "none", seed=3)
    on.set_metagovernance("none", convening=1.0)
    assert on.meta.intensity["convening"] == 1.0 and off.meta.intensity["convening"] == 0.0
    run(off, 30)
    run(on, 30)
    assert any(p.arena is not None and p.arena.activation == 1.0 for p in on.designs)
    assert all(p.arena is None or p.arena.activation == 0.0 for p in off.designs)
    assert on.outcomes != off.outcomes
