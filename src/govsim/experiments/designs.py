"""Designs: from an experiment's factors and points to the list of design points.

* factorial: every combination of the factors' levels, crossed with the listed points;
* points: the listed points (crossed with any factors);
* lhs, sobol, morris: samples of the factors' ranges drawn with SALib (Latin hypercube,
  Saltelli's scheme for Sobol indices without second-order terms, Morris trajectories).
  A factor given as a list of levels is sampled as a coordinate in [0, number of levels)
  and mapped to a level; an integer range is rounded.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from govsim.experiments.schema import SAMPLED, Experiment, _short
from govsim.experiments.seeds import stream_seed


@dataclass(frozen=True)
class DesignPoint:
    point_id: int
    label: str
    overrides: dict[str, Any]          # dotted scenario path -> value


@dataclass(frozen=True)
class Design:
    kind: str
    points: tuple[DesignPoint, ...]
    problem: dict | None = None        # SALib problem (sampled designs)
    sample: list[list[float]] | None = None   # SALib sample matrix, one row per point
    factor_paths: tuple[str, ...] = field(default=())

    def describe(self) -> dict:
        out: dict[str, Any] = {
            "kind": self.kind,
            "points": [{"point_id": p.point_id, "label": p.label, "overrides": p.overrides} for p in self.points],
        }
        if self.problem is not None:
            out["problem"] = self.problem
            out["sample"] = self.sample
        return out


def problem_of(exp: Experiment) -> dict:
    return {"num_vars": len(exp.factors), "names": [f.path for f in exp.factors],
            "bounds": [list(f.bounds()) for f in exp.factors]}


def build_design(exp: Experiment) -> Design:
    kind = exp.spec.design.kind
    paths = tuple(f.path for f in exp.factors)
    if kind in SAMPLED:
        import numpy as np

        problem = problem_of(exp)
        n, seed = exp.spec.design.samples, stream_seed(exp.seed, "design")
        if kind == "lhs":
            from SALib.sample import latin

            x = latin.sample(problem, n, seed=seed)
        elif kind == "sobol":
            import warnings

            from SALib.sample import sobol

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # SALib warns when N is not a power of 2
                x = sobol.sample(problem, n, calc_second_order=False, seed=seed)
        else:
            from SALib.sample import morris

            x = morris.sample(problem, n, num_levels=exp.spec.design.levels, seed=seed)
        x = np.asarray(x, dtype=float)
        points = tuple(
            DesignPoint(i, f"point {i}", {f.path: f.value(v) for f, v in zip(exp.factors, row)})
            for i, row in enumerate(x)
        )
        return Design(kind, points, problem, x.tolist(), paths)

    base_points = exp.points or ({"label": ""},)
    grids = [f.grid() for f in exp.factors]
    points = []
    for bp in base_points:
        for combo in itertools.product(*grids):
            over = {k: v for k, v in bp.items() if k != "label"}
            over.update({f.path: v for f, v in zip(exp.factors, combo)})
            parts = [bp["label"]] if bp["label"] else []
            parts += [_short(f.path, v) for f, v in zip(exp.factors, combo)]
            points.append(DesignPoint(len(points), " ".join(parts) or "base", over))
    return Design(kind, tuple(points), None, None, paths)
