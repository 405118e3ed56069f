"""Metagovernance settings: which tools of T17's toolbox act on NPG's networks.

=========  =========================================================  ==============
setting    tools active                                                 THEORY
=========  =========================================================  ==============
none       none: self-selected recruitment, no frame, no facilitation   T15, T16
hands_off  (1) network design, (2) goal and framework steering          T17
hands_on   (3) process management, (4) network participation            T17
=========  =========================================================  ==============

Each tool's strength comes from the scenario's ``[metagovernance_tools]`` table.
Where each acts (all in :mod:`govsim.paradigms.npg`):

- *design* widens outreach in recruitment, so arenas include the less resourceful
  (T26), and costs administrator time to service the network;
- *framing* pulls members' positions towards the political goal (less conflict,
  more legitimate direction), gives a mandate that fixes responsibilities for
  implementation (T15), and narrows ideas a little;
- *process* lets the facilitator lower conflict and secure progress, at a cost
  in administrator time;
- *participation* lets the metagovernor steer agenda and options from inside:
  citizens' influence falls with the facilitator's control orientation, and so
  does novelty (over-steering, T16).

OPA and NPM form no networks, so the setting changes nothing under them.
"""

from __future__ import annotations

from dataclasses import dataclass

SETTINGS = ("none", "hands_off", "hands_on")


@dataclass(frozen=True)
class Metagovernance:
    """Strengths in [0, 1] of the four tools in force."""

    setting: str = "none"
    design: float = 0.0
    framing: float = 0.0
    process: float = 0.0
    participation: float = 0.0

    @classmethod
    def from_setting(cls, setting: str, tools) -> Metagovernance:
        if setting not in SETTINGS:
            raise ValueError(f"unknown metagovernance setting {setting!r}; allowed: {', '.join(SETTINGS)}")
        if setting == "hands_off":
            return cls(setting, design=tools.design, framing=tools.framing)
        if setting == "hands_on":
            return cls(setting, process=tools.process, participation=tools.participation)
        return cls(setting)
