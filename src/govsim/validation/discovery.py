"""Scenario discovery: the parameter regions where a statement holds.

Over a Latin hypercube of scenario parameters, each sample gets a paired difference
(arm A minus arm B, same seeds) and the outcome "the statement holds" (difference > 0).
A shallow classification tree (scikit-learn's CART) splits the parameter space into
boxes; each leaf is a box, a conjunction of thresholds on at most ``max_depth``
parameters. As in PRIM, a box is judged by its *coverage* (the share of all samples where
the statement holds that fall in the box) and its *density* (the share of the box's
samples where it holds).

A tree rather than PRIM: the maintained PRIM implementation (EMA workbench) would add
statsmodels, seaborn, Platypus and formulaic to govsim's dependencies for one function;
scikit-learn's tree needs only joblib and threadpoolctl, and its leaves are boxes that
are read the same way (Bryant & Lempert 2010 discuss both for scenario discovery).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Box:
    limits: tuple[tuple[str, float | None, float | None], ...]   # (parameter, lower, upper); None: unbounded
    coverage: float
    density: float
    n: int                         # samples in the box
    hits: int                      # of which the statement holds

    def describe(self, names: dict[str, str] | None = None) -> str:
        names = names or {}
        parts = []
        for p, lo, hi in self.limits:
            n = names.get(p, p)
            if lo is not None and hi is not None:
                parts.append(f"{lo:.2g} < {n} ≤ {hi:.2g}")
            elif lo is not None:
                parts.append(f"{n} > {lo:.2g}")
            elif hi is not None:
                parts.append(f"{n} ≤ {hi:.2g}")
        return " and ".join(parts) or "everywhere in the ranges tried"


def _leaf_boxes(tree, names: list[str]) -> dict[int, dict[str, list]]:
    t = tree.tree_
    boxes: dict[int, dict[str, list]] = {}

    def walk(node: int, lim: dict[str, list]) -> None:
        if t.children_left[node] == -1:
            boxes[node] = lim
            return
        name, thr = names[t.feature[node]], float(t.threshold[node])
        left = {k: list(v) for k, v in lim.items()}
        lo, hi = left.get(name, [None, None])
        left[name] = [lo, thr if hi is None else min(hi, thr)]
        walk(t.children_left[node], left)
        right = {k: list(v) for k, v in lim.items()}
        lo, hi = right.get(name, [None, None])
        right[name] = [thr if lo is None else max(lo, thr), hi]
        walk(t.children_right[node], right)

    walk(0, {})
    return boxes


def find_boxes(x, y, names: list[str], *, max_depth: int = 2, min_leaf: float = 0.1,
               seed: int = 0) -> list[Box]:
    """Boxes where ``y`` (bool per sample) holds, best first (by density, then coverage).

    Only leaves where the statement holds in most samples are returned. If it holds in
    every sample, one box "everywhere" with coverage and density 1; if in none, no box.
    """
    from sklearn.tree import DecisionTreeClassifier

    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=bool)
    total = int(y.sum())
    if total == 0:
        return []
    if total == len(y):
        return [Box((), 1.0, 1.0, len(y), total)]
    clf = DecisionTreeClassifier(max_depth=max_depth, min_samples_leaf=max(2, int(min_leaf * len(y))),
                                 random_state=seed)
    clf.fit(x, y)
    leaves = clf.apply(x)
    out = []
    for leaf, lim in _leaf_boxes(clf, names).items():
        inside = leaves == leaf
        n, hits = int(inside.sum()), int(y[inside].sum())
        if n == 0 or hits * 2 <= n:
            continue
        limits = tuple((p, lo, hi) for p, (lo, hi) in lim.items())
        out.append(Box(limits, hits / total, hits / n, n, hits))
    out.sort(key=lambda b: (-b.density, -b.coverage))
    return out
