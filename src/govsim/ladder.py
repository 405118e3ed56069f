"""The co-creation ladder (T9): six rungs of increasing depth, and tokenistic participation (T7).

Every NPG arena sits on a rung, drawn from the scenario's ``[ladder] mix``. A rung
fixes how deep citizens' involvement goes (a cap on their influence), who takes
part, whether members deliberate (and so can disagree and learn), what it costs
and what it can deliver (co-production, comments, ideas, joint solutions).

A *tokenistic* arena (share ``ladder.tokenism``) is run as an almost-finished
solution sent for consultation or a pre-programmed process (T7): citizens' influence
is cut to ``1 - ladder.completeness``; since taking part with influence below
``citizens.tokenism_threshold`` lowers trust and efficacy, and efficacy drives
willingness, tokenism erodes trust and future willingness to take part (T11).
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, field_validator

from govsim.fields import param


@dataclass(frozen=True)
class Rung:
    number: int
    name: str
    depth: float  # cap on citizens' influence
    seats: float  # citizen seats relative to the arena's citizen seats
    affected_only: bool  # only citizens touched by the problem take part (else an open call, see NPG._recruit)
    public_members: bool  # politicians and employees take part as members
    deliberates: bool  # members meet and can disagree (conflict) and learn
    learning: float  # share of mutual learning
    hours: float  # meeting hours relative to a full arena meeting
    coproduction: float  # citizens' co-production in implementation
    delivers: str


RUNGS: dict[int, Rung] = {r.number: r for r in (
    Rung(1, "own welfare", 0.2, 0.3, True, False, False, 0.0, 0.2, 1.0, "citizens co-produce their own service"),
    Rung(2, "volunteers", 0.3, 0.6, False, False, False, 0.0, 0.3, 1.0, "volunteers co-produce welfare for others"),
    Rung(3, "citizen panel", 0.4, 3.0, True, False, False, 0.0, 0.1, 0.3, "comments on a proposal"),
    Rung(4, "crowdsourcing", 0.6, 2.0, False, False, False, 0.2, 0.2, 0.5, "citizens' own proposals (ideas)"),
    Rung(5, "dialogue meeting", 0.8, 1.0, True, True, True, 0.5, 0.7, 0.8, "a solution shaped with politicians and civil servants"),
    Rung(6, "governance network", 1.0, 1.0, True, True, True, 1.0, 1.0, 1.0, "a joint solution through mutual learning"),
)}
TOP = 6


class LadderParams(BaseModel):
    """Which rungs NPG's arenas sit on, and how many are tokenistic (T7, T9, T11)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    mix: tuple[float, ...] = Field((0.0, 0.0, 0.0, 0.0, 0.0, 1.0), strict=False, min_length=6, max_length=6,
                                   description="Relative weights of rungs 1-6 for new arenas (not all 0).",
                                   json_schema_extra={"theory": "T9"})
    tokenism: float = param(0.0, 0, 1, "Share of arenas run tokenistically (almost-finished solution, pre-programmed process).", "T7")
    completeness: float = param(0.9, 0, 1, "How finished the solution is in a tokenistic arena (citizens' influence is at most 1 - this).", "T7, T11")

    @field_validator("mix")
    @classmethod
    def _weights(cls, v):
        if any(w < 0 for w in v) or sum(v) <= 0:
            raise ValueError("mix needs six non-negative weights, not all 0")
        return tuple(float(w) for w in v)
