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
