"""Scenario sections declared by the modules that own them, attached to the Scenario in config.py.

Each entry is ``table name -> (pydantic model, default)``. The metagovernance tables
are built from the tool registry, so a new tool appears in them without an edit here.
"""

from __future__ import annotations

from govsim.ladder import LadderParams
from govsim.metagovernance import MetagovernorParams, tools_table, toolbox_table
from govsim.partners import FirmParams
from govsim.world import CoreParams, PoliticsParams

MetagovernanceTools = tools_table()
Toolbox = toolbox_table()

SECTIONS: dict[str, tuple[type, object]] = {
    "metagovernance_tools": (MetagovernanceTools, MetagovernanceTools()),
    "toolbox": (Toolbox, Toolbox()),
    "metagovernor": (MetagovernorParams, MetagovernorParams()),
    "ladder": (LadderParams, LadderParams()),
    "politics": (PoliticsParams, PoliticsParams()),
    "firms": (FirmParams, FirmParams()),
    "core": (CoreParams, CoreParams()),
}
