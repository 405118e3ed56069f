"""The cheaper forms of the arrival phase compute exactly what the straightforward forms compute
(bit for bit, not approximately): the neighbourhood search and the problem stream's draws."""

from dataclasses import fields

import numpy as np
import pytest
import scipy.sparse as sp

from govsim.mechanisms import EXPERIENTIAL, LOCAL, K
from govsim.network import Neighbourhood, small_world
from govsim.problems import DRIVERS, Group, Problem, ProblemStream, _DimensionDraw


# ----------------------------------------------------------------------------- neighbourhoods
def ring_by_ring(adj: sp.csr_matrix, origin: int, size: int) -> list[int]:
    """The neighbourhood as the rule states it: ring by ring, each node of a ring in the order it was
    reached, its neighbours in the stored order, stopping as soon as ``size`` are found (at least the
    origin itself); sorted."""
    size = max(1, min(size, adj.shape[0]))
    found, seen, ring = [origin], {origin}, [origin]
    while ring and len(found) < size:
        nxt = []
        for node in ring:
            for nb in adj.indices[adj.indptr[node]:adj.indptr[node + 1]]:
                nb = int(nb)
                if len(found) < size and nb not in seen:
                    seen.add(nb)
                    found.append(nb)
                    nxt.append(nb)
        ring = nxt
    return sorted(found)


def _graphs():
    rng = np.random.default_rng(11)
    out = []
    for n, degree, rewire in [(1, 8, 0.1), (2, 8, 0.1), (3, 2, 0.0), (5, 4, 0.5), (12, 8, 0.1), (60, 4, 1.0),
                              (400, 8, 0.1), (400, 2, 0.0), (1500, 12, 0.3)]:
        out.append((f"small_world({n},{degree},{rewire})", small_world(n, degree, rewire, rng)))
    # In pieces, with isolated citizens between them.
    a, b = small_world(30, 4, 0.2, rng), small_world(7, 2, 0.0, rng)
    out.append(("pieces", sp.block_diag([a, sp.csr_matrix((3, 3)), b, sp.csr_matrix((1, 1)), a], format="csr")))
    # No ties at all.
    out.append(("empty", sp.csr_matrix((9, 9))))
    # Directed ties, self-ties, unsorted rows and duplicate entries (a matrix not in canonical form).
    n = 80
    counts = rng.integers(0, 7, n)
    indptr = np.r_[0, np.cumsum(counts)]
    indices = rng.integers(0, n, int(counts.sum()))
    indices[::9] = np.repeat(np.arange(n), counts)[::9]  # some self-ties
    raw = sp.csr_matrix((np.ones(indices.size), indices.astype(np.int32), indptr.astype(np.int32)), shape=(n, n))
    assert not raw.has_canonical_format
    out.append(("raw", raw))
    wide = small_world(300, 6, 0.2, rng)
    wide.indices, wide.indptr = wide.indices.astype(np.int64), wide.indptr.astype(np.int64)
    out.append(("int64", wide))
    return out


GRAPHS = _graphs()


@pytest.mark.parametrize("name,adj", GRAPHS, ids=[g[0] for g in GRAPHS])
def test_neighbourhood_equals_ring_by_ring_search(name, adj):
    n = adj.shape[0]
    hood = Neighbourhood(adj)
    rng = np.random.default_rng(n)
    origins = range(n) if n <= 120 else rng.integers(0, n, 50).tolist()
    checked = 0
    for origin in origins:
        sizes = {0, 1, 2, 3, 8, 9, 30, n - 1, n, n + 5, 10 ** 6, int(rng.integers(1, 200))}
        for size in sizes:
            got = hood(origin, size)
            assert got.dtype == np.int64
            assert got.tolist() == ring_by_ring(adj, origin, size), (origin, size)
            checked += 1
    assert checked > min(n, 50) * 5
    # A numpy integer origin gives the same.
    assert hood(np.int64(n - 1), 25).tolist() == hood(n - 1, 25).tolist()


def test_neighbourhood_follows_a_changed_network():
    adj = small_world(200, 4, 0.1, np.random.default_rng(2))
    other = small_world(200, 8, 0.5, np.random.default_rng(3))
    hood = Neighbourhood(adj)
    assert hood(5, 40).tolist() == ring_by_ring(adj, 5, 40)
    hood.indptr, hood.indices = other.indptr, other.indices
    assert hood(5, 40).tolist() == ring_by_ring(other, 5, 40) != ring_by_ring(adj, 5, 40)


# ----------------------------------------------------------------------------- the problem stream
class OldStream:
    """The problem stream as it was written before: one problem at a time, the shares normalised from a
    list of the gamma draws, the needs written through ``np.repeat``, each problem from ``Problem(...)``
    and its reach from the ring-by-ring search."""

    def __init__(self, rng, rate, wickedness, reach, adj, dispersion):
        self.rng, self.rate, self.wickedness, self.reach, self.adj = rng, rate, wickedness, reach, adj
        w = np.full(K, (1.0 - dispersion) / 3.0)
        w[[LOCAL, EXPERIENTIAL]] = dispersion / 2.0
        self.dims = _DimensionDraw(w)
        self.next_id = 0

    def draw(self, step):
        rng = self.rng
        n = int(rng.poisson(self.rate))
        if not n:
            return []
        mean = min(max(self.wickedness, 1e-3), 1 - 1e-3)
        keys_u = np.empty((n, K))
        wicked, counts, shares, drivers, affected = [], [], [], [], []
        for i in range(n):
            w = float(rng.beta(4 * mean, 4 * (1 - mean)))
            m = 1 + int(round(w * (K - 1)))
            rng.random(out=keys_u[i])
            g = rng.standard_gamma(2.0, m).tolist()
            acc = 0.0
            for x in g:
                acc += x
            shares += [x * (1.0 / acc) for x in g]
            drivers.append(DRIVERS[int(rng.integers(len(DRIVERS)))])
            origin = int(rng.integers(self.adj.shape[0]))
            size = max(1, int(rng.poisson(self.reach)))
            affected.append(np.array(ring_by_ring(self.adj, origin, size), dtype=np.int64))
            wicked.append(w)
            counts.append(m)
        order = self.dims.order(keys_u)
        m_of = np.array(counts)
        needs = np.zeros((n, K))
        taken = np.arange(K) < m_of[:, None]
        needs[np.repeat(np.arange(n), m_of), order[taken]] = shares
        first = self.next_id
        self.next_id += n
        return [Problem(id=first + i, arrived=step, driver=drivers[i], wickedness=wicked[i], need=needs[i],
                        affected=affected[i], ready_at=step) for i in range(n)]


def assert_same_problem(a, b):
    """Every field equal, value and type (arrays: dtype, shape and every element), in the same order."""
    assert type(a) is type(b)
    assert list(vars(a)) == list(vars(b)) == [f.name for f in fields(type(b))]
    for f in fields(type(b)):
        x, y = getattr(a, f.name), getattr(b, f.name)
        assert type(x) is type(y), f.name
        if isinstance(y, np.ndarray):
            assert x.dtype == y.dtype and x.shape == y.shape and x.tolist() == y.tolist(), f.name
        elif isinstance(y, Group):
            assert x is not y and list(vars(x)) == list(vars(y))
            assert all(vars(x)[k] is vars(y)[k] for k in vars(y)), f.name  # the shared empty rows
        else:
            assert x == y, f.name


@pytest.mark.parametrize("seed,rate,wickedness,reach,dispersion,n", [
    (0, 20.0, 0.5, 30, 0.4, 2000), (1, 3.0, 0.95, 12, 0.0, 300), (2, 40.0, 0.05, 60, 1.0, 700),
    (3, 8.0, 0.6, 30, 0.7, 5), (4, 0.5, 0.5, 30, 0.4, 100), (5, 15.0, 0.0, 1, 0.4, 1)])
def test_problem_stream_equals_the_old_loop(seed, rate, wickedness, reach, dispersion, n):
    adj = small_world(n, 8, 0.1, np.random.default_rng(seed + 100))
    fast = ProblemStream(np.random.default_rng(seed), rate, wickedness, reach, Neighbourhood(adj), dispersion)
    old = OldStream(np.random.default_rng(seed), rate, wickedness, reach, adj, dispersion)
    drawn, dims = 0, set()
    for step in range(40):
        got, want = fast.draw(step), old.draw(step)
        assert len(got) == len(want)
        assert len({id(p.group) for p in got}) == len(got)  # each its own group, as the constructor gives
        for a, b in zip(got, want):
            assert_same_problem(a, b)
            dims.add(int(np.count_nonzero(b.need)))
        drawn += len(got)
    assert fast.next_id == old.next_id == drawn > 10
    assert fast.rng.bit_generator.state == old.rng.bit_generator.state  # the same draws taken
    if wickedness not in (0.0, 0.95):
        assert len(dims) >= 3  # needs of several sizes were compared


def test_problems_of_a_step_are_independent():
    adj = small_world(500, 8, 0.1, np.random.default_rng(0))
    got = ProblemStream(np.random.default_rng(1), 30.0, 0.5, 30, Neighbourhood(adj)).draw(4)
    a, b = got[0], got[1]
    a.stage, a.group = 3, a.group.replace(citizens=np.arange(3))
    assert b.stage == 0 and b.group.citizens.size == 0 and a.group is not b.group
