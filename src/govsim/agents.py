"""Mesa agents for the kinds of actor, as views over the model's columnar state.

The numbers that change every step live in numpy arrays owned by the world
(:mod:`govsim.state`). An agent object gives one row of them identity, so it can
be inspected, selected through Mesa's ``AgentSet`` and drawn in the browser
view. Reading ``citizen.trust`` reads the array; assigning writes it. The model
creates these objects only when they are first asked for (``model.agents``,
``model.agents_by_type``): stepping never needs them. Every
agent class gets one attribute per declared column (``Population.columns``),
so a new column needs no line here.
"""

from __future__ import annotations

from typing import ClassVar

import mesa

from govsim.state import Administrators, Citizens, Employees, Firms, Politicians, Population


class Column:
    """Descriptor: ``agent.<name>`` reads and writes ``model.<store>.<name>[agent.row]``."""

    def __init__(self, name: str = "", doc: str = "") -> None:
        self.name = name
        self.__doc__ = doc

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
    population: ClassVar[type[Population]]

    def __init__(self, model, row: int) -> None:
        super().__init__(model)
        self.row = int(row)

    def __init_subclass__(cls, **kw) -> None:
        super().__init_subclass__(**kw)
        for col in cls.population.columns:
            if col.name not in cls.__dict__:
                setattr(cls, col.name, Column(col.name, col.doc))
        cls.kind = cls.population.kind

    def __repr__(self) -> str:
        return f"{type(self).__name__}(row={self.row})"


class Citizen(StateAgent):
    """A citizen: subject, customer or co-creator depending on the rule set."""

    store = "citizens"
    population = Citizens

    @property
    def role(self) -> str:
        return self.model.paradigm.citizen_role


class Employee(StateAgent):
    """A front-line employee delivering services (T3, T4, T5, T27)."""

    store = "employees"
    population = Employees


class Administrator(StateAgent):
    """A civil servant: rule-follower, manager or facilitator depending on the rule set (T25)."""

    store = "administrators"
    population = Administrators


class Politician(StateAgent):
    """A politician: decision-maker, target-setter or co-creating leader (T20–T22)."""

    store = "politicians"
    population = Politicians


class Firm(StateAgent):
    """A private partner in arenas under a contract- or trust-based partnership (T28)."""

    store = "firms"
    population = Firms


AGENT_TYPES: tuple[type[StateAgent], ...] = (Citizen, Employee, Administrator, Politician, Firm)
