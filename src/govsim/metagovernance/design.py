"""Tool 1, network design (hands-off, T17, T26): who is invited, how many, how the network is serviced.

Upside: outreach (personal invitation) makes recruitment inclusive, so the less
resourceful take part as often as the resourceful (T26); competence profiles and
broad advertisement bring members who know what the problem needs (T8, T22).
Cost: servicing the network (hours per member per round) and outreach (hours per
invited candidate), paid by the metagovernor, whatever its resources; reach
needs nodality, paying for outreach treasure, servicing organisation (T18).
"""

from __future__ import annotations

from govsim.fields import param
from govsim.metagovernance.base import Tool, ToolParams


class DesignParams(ToolParams):
    """Network design (T17 tool 1)."""

    outreach: float = param(1.0, 0, 1, "Outreach in recruitment at full strength (1 = everyone equally reachable).", "T17, T26")
    profiles: float = param(0.5, 0, 1, "Weight of competence profiles in choosing among those who accept, at full strength.", "T22, T8")
    broad: float = param(0.3, 0, 1, "Share of seats advertised broadly beyond the affected, at full strength.", "T22")
    servicing_hours: float = param(0.6, 0, 20, "Metagovernor hours per member per round to service the network, at intensity 1.", "T17, T24")
    outreach_hours: float = param(0.2, 0, 20, "Metagovernor hours per candidate reached, at intensity 1.", "T17, T24")


class Design(Tool):
    name = "design"
    label = "network design"
    hands = "off"
    theory = ("T17", "T22", "T26")
    needs = ("nodality", "treasure", "organisation")
    acts_on = ("recruitment",)
    upside = "inclusive recruitment, competence profiles, broad advertisement"
    cost = "hours to service the network and reach out"
    Params = DesignParams

    def recruit(self, world, problem, arena, k, s):
        p = self.params
        arena.outreach = max(arena.outreach, s * p.outreach)
        arena.profile = max(arena.profile, s * p.profiles)
        arena.broad = max(arena.broad, s * p.broad)
        arena.setup_hours += k * p.outreach_hours * problem.affected.size
        arena.servicing += k * p.servicing_hours  # per member per round, booked by the arena
