"""The interface every metagovernance tool implements (T16, T17).

A tool has an *intensity* in [0, 1] (how hard the metagovernor uses it) and acts
through named hooks in an arena's life, writing the fields of
:class:`govsim.problems.Arena` it is about. What reaches the network is the
tool's *strength*: the intensity, weakened where the metagovernor lacks a NATO
resource the tool needs (T18, :mod:`govsim.metagovernance.nato`). What the tool
*costs* (hours of the metagovernor) follows the intensity, paid whether or not
the resources make it effective. Every tool has an upside and a cost; none
earns an outcome by a bonus.

To add a tool: write one file with a ``Tool`` subclass (and its ``Params``), and
add it to ``TOOLS`` in ``govsim/metagovernance/__init__.py``. The scenario's
``[metagovernance_tools]`` and ``[toolbox]`` tables and the contract tests pick
it up from the registry.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:  # pragma: no cover
    from govsim.problems import Arena, Problem
    from govsim.world import World

HOOKS = ("recruit", "frame", "manage", "take_part")
"""Hook points in an arena's life, in the order they are called when it forms:
``recruit`` (who is invited), ``frame`` (the mandate), ``manage`` (the process),
``take_part`` (the metagovernor sits in)."""

NATO = ("nodality", "authority", "treasure", "organisation")


class ToolParams(BaseModel):
    """Base of each tool's parameter table (``[toolbox.<tool>]``)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Tool:
    """One tool of the metagovernance toolbox."""

    name: ClassVar[str]
    label: ClassVar[str]
    hands: ClassVar[str]  # "off" or "on" (T17)
    theory: ClassVar[tuple[str, ...]] = ("T17",)
    needs: ClassVar[tuple[str, ...]] = ()  # NATO resources it relies on (T18)
    acts_on: ClassVar[tuple[str, ...]] = ()  # random streams whose draws its intensity may change
    upside: ClassVar[str] = ""
    cost: ClassVar[str] = ""
    Params: ClassVar[type[ToolParams]] = ToolParams

    def __init__(self, params: ToolParams | None = None) -> None:
        self.params = params if params is not None else self.Params()

    # Hooks: each receives the world, the problem, its arena, the intensity k and the strength s.
    def recruit(self, world: World, problem: Problem, arena: Arena, k: float, s: float) -> None:
        """Shape who is invited (network design)."""

    def frame(self, world: World, problem: Problem, arena: Arena, k: float, s: float) -> None:
        """Set the mandate (goal and framework steering)."""

    def manage(self, world: World, problem: Problem, arena: Arena, k: float, s: float) -> None:
        """Shape the process (process management)."""

    def take_part(self, world: World, problem: Problem, arena: Arena, k: float, s: float) -> None:
        """Sit in the network (network participation)."""

    @classmethod
    def hooks(cls) -> tuple[str, ...]:
        """The hooks this tool overrides (found once per class)."""
        found = cls.__dict__.get("_hooks")
        if found is None:
            found = tuple(h for h in HOOKS if getattr(cls, h) is not getattr(Tool, h))
            cls._hooks = found
        return found
