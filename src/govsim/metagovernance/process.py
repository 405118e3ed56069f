"""Tool 3, process management (hands-on, T17, T24, T25): mediating, activating, keeping progress.

Upside: the facilitator mediates conflict (conflict falls with intensity x the
facilitator's skill), activates passive members (what they know is brought to
the table, T8) and secures progress (conflict must be higher before the arena
deadlocks). Costs: the facilitator's hours every round, and, rising with the
square of the intensity, members' ownership: a process run too tightly is the
facilitator's, not theirs (T16, T24: facilitate neither too little nor too much).
Needs organisation (capacity to reflect and intervene) and nodality (T18).
"""

from __future__ import annotations

from govsim.fields import param
from govsim.metagovernance.base import Tool, ToolParams


class ProcessParams(ToolParams):
    """Process management (T17 tool 3)."""

    mediation: float = param(1.0, 0, 1, "Share of conflict a fully skilled facilitator removes at full strength.", "T15, T17")
    activation: float = param(0.8, 0, 1, "Share of passive members' reserve brought in at full strength.", "T17, T25")
    progress: float = param(0.3, 0, 1, "Share of the gap to unanimity by which the deadlock threshold rises at full strength.", "T17")
    ownership_cost: float = param(0.5, 0, 1, "Members' room lost to the facilitator at full strength (grows with its square).", "T16, T24")
    hours: float = param(6.0, 0, 100, "Facilitator hours per round at intensity 1 (on top of the meeting).", "T24")


class Process(Tool):
    name = "process"
    label = "process management"
    hands = "on"
    theory = ("T15", "T16", "T17", "T24", "T25")
    needs = ("organisation", "nodality")
    acts_on = ()
    upside = "less conflict, passive members activated, progress secured"
    cost = "facilitator hours every round; at high intensity, members' ownership"
    Params = ProcessParams

    def manage(self, world, problem, arena, k, s):
        p = self.params
        skill = world.facilitation(problem)
        arena.management = 1.0 - (1.0 - arena.management) * (1.0 - s * p.mediation * skill)
        arena.activation = max(arena.activation, s * p.activation)
        arena.breakthrough = 1.0 - (1.0 - arena.breakthrough) * (1.0 - s * p.progress)
        arena.clarity = max(arena.clarity, s)
        arena.intrude(self.name, p.ownership_cost * s * s)
        arena.round_hours += k * p.hours
