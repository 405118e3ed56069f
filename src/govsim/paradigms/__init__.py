"""Registry of rule sets. A fourth paradigm is one new file and one line here."""

from __future__ import annotations

from govsim.paradigms.base import Paradigm, ParadigmParams, Steering
from govsim.paradigms.npg import NPG
from govsim.paradigms.npm import NPM
from govsim.paradigms.opa import OPA

REGISTRY: dict[str, type[Paradigm]] = {cls.name: cls for cls in (OPA, NPM, NPG)}

__all__ = ["REGISTRY", "Paradigm", "ParadigmParams", "Steering", "OPA", "NPM", "NPG"]
