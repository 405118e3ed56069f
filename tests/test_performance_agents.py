"""Agent objects are made when asked for, not at build: stepping never needs them."""

from __future__ import annotations

import numpy as np

from govsim.agents import AGENT_TYPES, Administrator, Citizen, Employee, Politician
from govsim.config import validate
from govsim.model import GovModel


def _scenario(seed: int = 5) -> dict:
    return validate({"paradigm": "npg", "metagovernance": "hands_on", "seed": seed,
                     "population": {"citizens": 500, "employees": 30}})


def test_building_and_stepping_create_no_agent_objects():
    m = GovModel(_scenario())
    assert len(m._agents) == 0 and len(m._all_agents) == 0
    for _ in range(5):
        m.step()
    assert len(m._agents) == 0


def test_asking_gives_every_agent_in_the_usual_order():
    m = GovModel(_scenario())
    for _ in range(3):
        m.step()
    pop = m.config.population
    counts = {Citizen: pop.citizens, Employee: pop.employees, Administrator: pop.administrators,
              Politician: pop.politicians}
    assert {t: len(s) for t, s in m.agents_by_type.items()} == counts
    assert len(m.agents) == sum(counts.values()) == len(m._agents)
    assert m.agent_types == [t for t in AGENT_TYPES if t in counts]
    # unique ids run 1..N over the types in AGENT_TYPES order, each agent on its own row
    uid = 1
    for t in m.agent_types:
        agents = sorted(m.agents_by_type[t], key=lambda a: a.unique_id)
        assert [a.unique_id for a in agents] == list(range(uid, uid + counts[t]))
        assert [a.row for a in agents] == list(range(counts[t]))
        uid += counts[t]
    trust = np.array([a.trust for a in sorted(m.agents_by_type[Citizen], key=lambda a: a.row)])
    assert np.array_equal(trust, m.citizens.trust)
    # asked twice: the same objects, none added
    first = list(m.agents)
    assert list(m.agents) == first and len(m._agents) == len(first)


def test_when_agents_are_made_does_not_change_the_run():
    early, never = GovModel(_scenario(6)), GovModel(_scenario(6))
    assert len(early.agents) > 0
    for _ in range(20):
        early.step()
        never.step()
        assert early.outcomes == never.outcomes
    assert len(never._agents) == 0
