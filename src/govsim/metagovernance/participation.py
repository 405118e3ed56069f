"""Tool 4, network participation (hands-on, T16, T17, T21): the metagovernor sits in.

Upside: from inside, the metagovernor aligns the arena with political goals
(positions pulled towards the goal) and secures progress (it can cut through a
stalemate: the deadlock threshold rises). Cost: it steers agenda and options,
in proportion to its control orientation: citizens' felt influence falls (the
direction follows the metagovernor's reading more), options narrow (fewer new
ideas), and it sits in every round. Needs nodality and authority (T18).
"""

from __future__ import annotations

from govsim.fields import param
from govsim.metagovernance.base import Tool, ToolParams


class ParticipationParams(ToolParams):
    """Network participation (T17 tool 4)."""

    align: float = param(0.6, 0, 1, "Share of the distance to the political goal members move at full strength.", "T17, T21")
    progress: float = param(0.4, 0, 1, "Share of the gap to unanimity by which the deadlock threshold rises at full strength.", "T17")
    hours: float = param(6.0, 0, 100, "Metagovernor hours per round at intensity 1.", "T24")


class Participation(Tool):
    name = "participation"
    label = "network participation"
    hands = "on"
    theory = ("T16", "T17", "T21")
    needs = ("nodality", "authority")
    acts_on = ()
    upside = "alignment with political goals, progress secured"
    cost = "narrower options and less felt influence (by the metagovernor's control orientation); hours"
    Params = ParticipationParams

    def take_part(self, world, problem, arena, k, s):
        p = self.params
        control = world.metagovernor_control(problem)
        arena.pull = 1.0 - (1.0 - arena.pull) * (1.0 - s * p.align)
        arena.breakthrough = 1.0 - (1.0 - arena.breakthrough) * (1.0 - s * p.progress)
        arena.inside = 1.0 - (1.0 - arena.inside) * (1.0 - s * control)
        arena.intrude(self.name, s * control)
        arena.round_hours += k * p.hours
