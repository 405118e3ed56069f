"""Small shared helpers for the feature tests (cached small runs over several seeds)."""

from __future__ import annotations

import json
from functools import lru_cache

import numpy as np

from govsim.config import validate
from govsim.model import GovModel

SMALL = {"citizens": 300, "employees": 20}


def scenario(paradigm="npg", setting="none", seed=0, **tables) -> dict:
    data = {"paradigm": paradigm, "metagovernance": setting, "seed": seed, "population": dict(SMALL)}
    for k, v in tables.items():
        data[k] = {**data.get(k, {}), **v}
    return data


@lru_cache(maxsize=None)
def _run(key: str, steps: int) -> GovModel:
    m = GovModel(validate(json.loads(key)))
    for _ in range(steps):
        m.step()
    return m


def run(data: dict, steps: int = 50) -> GovModel:
    """A finished run (cached: do not mutate the returned model)."""
    return _run(json.dumps(data, sort_keys=True), steps)


def over_seeds(fn, seeds=range(4), steps=50, **kw) -> float:
    return float(np.mean([fn(run(scenario(seed=s, **kw), steps)) for s in seeds]))


def merge(*tables: dict) -> dict:
    """Scenario tables merged key by key (a later table's fields win; nested tables are merged, not replaced)."""
    out: dict = {}
    for t in tables:
        for k, v in t.items():
            out[k] = merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def tail(column: str, last: int = 20):
    """A function of a finished run: the mean of the recorded series ``column`` over its last ``last`` steps."""
    def mean_of_tail(m: GovModel) -> float:
        return float(np.mean(m.datacollector.model_vars[column][-last:]))
    mean_of_tail.__name__ = f"tail_{column}"
    return mean_of_tail


def head(column: str, first: int = 20):
    """A function of a finished run: the mean of the recorded series ``column`` over its first ``first`` steps."""
    def mean_of_head(m: GovModel) -> float:
        return float(np.mean(m.datacollector.model_vars[column][:first]))
    mean_of_head.__name__ = f"head_{column}"
    return mean_of_head


def per_seed(fn, seeds=range(4), steps=50, **kw) -> np.ndarray:
    """``fn`` of each seed's cached run, as an array (paired over seeds: the same seeds for every condition)."""
    return np.array([fn(run(scenario(seed=s, **kw), steps)) for s in seeds], dtype=float)


def plain_neighbourhood(adj, origin: int, size: int) -> np.ndarray:
    """Reference for ``govsim.network.Neighbourhood``: a plain breadth-first search from ``origin`` in
    the stored neighbour order, up to ``size`` citizens, returned sorted."""
    size = min(size, adj.shape[0])
    seen, order, frontier = {origin}, [origin], [origin]
    while frontier and len(order) < size:
        nxt = []
        for node in frontier:
            for nb in adj.indices[adj.indptr[node]:adj.indptr[node + 1]]:
                if int(nb) not in seen and len(order) < size:
                    seen.add(int(nb))
                    order.append(int(nb))
                    nxt.append(int(nb))
        frontier = nxt
    return np.array(sorted(order), dtype=np.int64)
