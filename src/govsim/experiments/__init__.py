"""Experiments: reproducible sweeps over paradigms, metagovernance and any scenario field.

An experiment file (TOML, see docs/experiments.md) names a base scenario, factors, a
design (factorial, points, Latin hypercube, Sobol or Morris), replications, steps and
what to keep. ``govsim sweep`` runs it on a process pool or a Dask cluster and streams
the results to Parquet chunks in a folder that a later run resumes;
``govsim.load_results(folder)`` reads them back as tidy pandas DataFrames.

The package imports only the standard library here, so ``govsim --help`` stays fast.
"""

from __future__ import annotations

from typing import Any

__all__ = ["load_results", "load_experiment", "run_sweep", "ExperimentError"]

_LAZY = {
    "load_results": "govsim.experiments.store",
    "load_experiment": "govsim.experiments.schema",
    "ExperimentError": "govsim.experiments.schema",
    "run_sweep": "govsim.experiments.execute",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'govsim.experiments' has no attribute {name!r}")
