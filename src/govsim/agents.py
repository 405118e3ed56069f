"""Mesa agents for the four kinds of actor, as views over the model's columnar state.

The numbers that change every step live in numpy arrays owned by the model
(:mod:`govsim.state`). An agent object gives one row of them identity, so it can
be inspected, selected through Mesa's ``AgentSet`` and drawn in the browser
view. Reading ``citizen.trust`` reads the model's array; assigning writes it.
"""

from __future__ import annotations

from typing import ClassVar

import mesa


class Column:
    """Descriptor: ``agent.<name>`` reads and writes ``model.<store>.<name>[agent.row]``."""

    def __set_name__(self, owner, name: str) -> None:
        self.name = name

    def __get__(self, agent, owner=None):
        if agent is None:
            return self
        value = getattr(getattr(agent.model, agent.store), self.name)[agent.row]
        return value.item() if hasattr(value, "item") and getattr(value, "ndim", 0) == 0 else value

    def __set__(self, agent, value) -> None:
        getattr(getattr(agent.model, agent.store), self.name)[agent.row] = value


class StateAgent(mesa.Agent):
    """An agent whose state is one row of a population's columns."""

    store: ClassVar[str]
    kind: ClassVar[str]

    def __init__(self, model, row: int) -> None:
        super().__init__(model)
        self.row = int(row)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(row={self.row})"


class Citizen(StateAgent):
    """A citizen: subject, customer or co-creator depending on the rule set (THEORY.md §1)."""

    store = "citizens"
    kind = "citizen"
    resources = Column()
    knowledge = Column()
    position = Column()
    trust = Column()
    efficacy = Column()
    willingness = Column()
    satisfaction = Column()
    expectation = Column()
    provider = Column()
    participations = Column()
    role_code = Column()

    @property
    def role(self) -> str:
        return self.model.paradigm.citizen_role


class Employee(StateAgent):
    """A front-line employee delivering services (T3, T4, T5, T27)."""

    store = "employees"
    kind = "employee"
    knowledge = Column()
    motivation = Column()
    pressure = Column()
    discretion = Column()
    effort = Column()
    steered_share = Column()
    provider = Column()


class Administrator(StateAgent):
    """A civil servant: rule-follower, manager or facilitator depending on the rule set (T25)."""

    store = "administrators"
    kind = "administrator"
    knowledge = Column()
    facilitation = Column()
    control = Column()
    hours_left = Column()


class Politician(StateAgent):
    """A politician: decision-maker, target-setter or co-creating leader (T20–T22)."""

    store = "politicians"
    kind = "politician"
    knowledge = Column()
    position = Column()
    openness = Column()
    legitimacy = Column()
    policy_hours = Column()
    case_hours = Column()
