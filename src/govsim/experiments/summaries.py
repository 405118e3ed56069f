"""Per-run summaries over the collection window (the last ``window`` steps of a run).

A summary column is named ``<column>_<statistic>``, e.g. ``efficiency_mean`` is the mean
of the efficiency index over the window, ``democracy_final`` its value at the last step.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

STATISTICS: dict[str, Callable[[np.ndarray], float]] = {
    "mean": lambda a: float(np.mean(a)),
    "final": lambda a: float(a[-1]),
    "min": lambda a: float(np.min(a)),
    "max": lambda a: float(np.max(a)),
    "std": lambda a: float(np.std(a)),
}
"""Evaluators: window values (oldest first) -> one number."""


def summary_names(columns: Sequence[str], statistics: Sequence[str]) -> list[str]:
    return [f"{c}_{s}" for c in columns for s in statistics]


def summarise(df, columns: Sequence[str], statistics: Sequence[str], window: int) -> dict[str, float]:
    """Summaries of ``df`` (one row per step, oldest first) over its last ``window`` rows."""
    tail = df.tail(window)
    out = {}
    for c in columns:
        values = tail[c].to_numpy(dtype=float)
        for s in statistics:
            out[f"{c}_{s}"] = STATISTICS[s](values) if len(values) else float("nan")
    return out
