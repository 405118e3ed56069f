"""Tool 2, goal and framework steering (hands-off, T17, T21, T22): a mandate.

The mandate has a purpose (members' positions are pulled towards the political
goal: less conflict, solutions nearer political goals), a deliverable and a
responsible owner (clearer implementation, T15), a deadline (an arena still
deadlocked at its last round gets a decision imposed instead of giving up:
progress, but without the members) and premises that narrow the space of
options (fewer new ideas, less room for members: the over-steering side, T16).
A mandate is given by the council, so its pull rests on politicians'
*authority*, read from their legitimacy (T18, T21), and on a budget (treasure).
"""

from __future__ import annotations

from govsim.fields import param
from govsim.metagovernance.base import Tool, ToolParams


class FramingParams(ToolParams):
    """Goal and framework steering (T17 tool 2)."""

    pull: float = param(1.0, 0, 1, "Share of the distance to the political goal that members' positions move, at full strength.", "T17, T21")
    premises: float = param(0.5, 0, 1, "How far the premises narrow options (constraint on ideas and on members' room), at full strength.", "T16")
    mandate_hours: float = param(4.0, 0, 100, "Metagovernor hours to write a mandate, at intensity 1.", "T22, T24")


class Framing(Tool):
    name = "framing"
    label = "goal and framework steering"
    hands = "off"
    theory = ("T15", "T16", "T17", "T21", "T22")
    needs = ("authority", "treasure")
    acts_on = ("implementation", "decision")
    upside = "direction, alignment with political goals, a mandate that fixes responsibility and a deadline"
    cost = "premises constrain ideas and members' room; hours to write the mandate"
    Params = FramingParams

    def frame(self, world, problem, arena, k, s):
        p = self.params
        arena.pull = 1.0 - (1.0 - arena.pull) * (1.0 - s * p.pull)
        arena.mandate = max(arena.mandate, s)
        arena.clarity = max(arena.clarity, s)
        arena.deadline = max(arena.deadline, s)
        arena.premises = 1.0 - (1.0 - arena.premises) * (1.0 - s * p.premises)
        arena.intrude(self.name, s * p.premises)
        arena.setup_hours += k * p.mandate_hours
