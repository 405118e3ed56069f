"""govsim: agent-based simulation of public governance paradigms (OPA, NPM, NPG) on Mesa.

Public API::

    import govsim
    scenario = govsim.load_scenario("scenarios/npg.toml")
    df = govsim.simulate(scenario, steps=60, seed=1, overrides={"population.citizens": 2000})
    model = govsim.GovModel(scenario)  # a mesa.Model; model.step(), model.set_paradigm("npm")

Heavy libraries are imported on first use, so ``govsim --help`` stays fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "GovModel": "govsim.model",
    "simulate": "govsim.runner",
    "load_scenario": "govsim.config",
    "Scenario": "govsim.config",
    "ScenarioError": "govsim.config",
    "REGISTRY": "govsim.paradigms",
    "INDICATORS": "govsim.metrics",
    "load_results": "govsim.experiments.store",
}

__all__ = [*_EXPORTS, "__version__"]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'govsim' has no attribute {name!r}")
