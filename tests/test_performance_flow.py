"""The one-pass outcome computation gives exactly what each indicator's own function gives."""

import numpy as np
import pytest

from govsim import metrics
from govsim.config import validate
from govsim.model import GovModel
from govsim.network import Neighbourhood, small_world


def _by_functions(model):
    return {ind.name: float(ind.func(model)) for ind in metrics.INDICATORS}


@pytest.mark.parametrize("paradigm,meta,seed", [("opa", "hands_off", 1), ("npm", "hands_on", 2),
                                                ("npg", "hands_on", 3), ("npg", "hands_off", 4)])
def test_one_pass_outcomes_equal_indicator_functions(paradigm, meta, seed):
    m = GovModel(validate({"paradigm": paradigm, "metagovernance": meta, "seed": seed,
                           "population": {"citizens": 600}, "outcomes": {"window": 6}}))
    checked = 0
    for _ in range(30):
        m.step()
        fast = metrics.compute_outcomes(m)
        slow = _by_functions(m)
        for name, value in slow.items():
            assert fast[name] == value, name  # bit for bit, not approximately
        checked += sum(v != 0.0 for v in slow.values())
    assert checked > 30 * 10  # most indicators were non-zero, so the comparison meant something


def test_neighbourhood_is_breadth_first_and_sorted():
    adj = small_world(300, 6, 0.1, np.random.default_rng(5))
    hood = Neighbourhood(adj)
    for origin, size in [(0, 1), (7, 12), (150, 40), (299, 500)]:
        got = hood(origin, size)
        assert got.dtype == np.int64 and np.all(np.diff(got) > 0)
        assert got.size == min(size, 300) and origin in got
        # reference: plain breadth-first search in the stored neighbour order
        seen, order, frontier = {origin}, [origin], [origin]
        while frontier and len(order) < size:
            nxt = []
            for node in frontier:
                for nb in adj.indices[adj.indptr[node]:adj.indptr[node + 1]]:
                    if int(nb) not in seen and len(order) < size:
                        seen.add(int(nb)); order.append(int(nb)); nxt.append(int(nb))
            frontier = nxt
        assert got.tolist() == sorted(order)
