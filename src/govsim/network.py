"""The citizens' social network: a seeded small-world graph held as a scipy.sparse matrix."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from govsim import kernels


def small_world(n: int, degree: int, rewire: float, rng: np.random.Generator) -> sp.csr_matrix:
    """A Watts–Strogatz style graph, built vectorised.

    Each citizen is tied to its ``degree // 2`` nearest neighbours on each side of a
    ring; each tie's far end is then moved to a random citizen with probability
    ``rewire``. Ties are undirected; self-ties and duplicates are dropped.
    """
    half = max(1, min(degree // 2, (n - 1) // 2))
    src = np.repeat(np.arange(n), half)
    dst = (src + np.tile(np.arange(1, half + 1), n)) % n
    move = rng.random(src.size) < rewire
    dst = dst.copy()
    dst[move] = rng.integers(0, n, size=int(move.sum()))
    keep = src != dst
    src, dst = src[keep], dst[keep]
    data = np.ones(src.size * 2)
    adj = sp.coo_matrix((data, (np.r_[src, dst], np.r_[dst, src])), shape=(n, n)).tocsr()
    adj.data[:] = 1.0
    return adj


def row_normalise(adj: sp.csr_matrix) -> sp.csr_matrix:
    """Row-stochastic weights ``W = D^-1 A`` for averaging over neighbours."""
    deg = np.asarray(adj.sum(axis=1)).ravel()
    inv = np.divide(1.0, deg, out=np.zeros_like(deg), where=deg > 0)
    return sp.diags(inv) @ adj


class Neighbourhood:
    """Breadth-first neighbourhoods on the network: who a local problem touches."""

    def __init__(self, adj: sp.csr_matrix) -> None:
        self.indptr = adj.indptr
        self.indices = adj.indices
        self.n = adj.shape[0]
        self._views: tuple | None = None

    def __getstate__(self) -> dict:
        # The memoryviews (see ``__call__``) cannot be pickled; a copy makes its own on first use.
        return {"indptr": self.indptr, "indices": self.indices, "n": self.n}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._views = None

    def __call__(self, origin: int, size: int) -> np.ndarray:
        """The ``size`` citizens nearest to ``origin`` (itself included), in increasing row order.

        Breadth first: ring by ring, each node of a ring in the order it was reached, its
        neighbours in the stored order, until ``size`` are found (all of ``origin``'s component
        if it is smaller). Taking the nodes ring by ring in the order they were reached is taking
        them from a first-in-first-out queue, so one list serves as queue and result: the loop
        walks the list while it grows, and once a node's neighbours bring it to ``size`` or more,
        the list is cut back to the first ``size`` reached. The adjacency is read through
        memoryviews: indexing one gives a Python int, and a slice converts to a list at once,
        without a numpy scalar per lookup.
        """
        k = kernels.get()
        if k is not None:
            return k.reach(self.indptr, self.indices, int(origin), int(size))
        views = self._views
        if views is None or views[0] is not self.indptr or views[1] is not self.indices:
            views = self._views = (self.indptr, self.indices, memoryview(np.ascontiguousarray(self.indptr)),
                                   memoryview(np.ascontiguousarray(self.indices)))
        indptr, indices = views[2], views[3]
        want = min(size, self.n)
        order = [origin]
        if want > 1:
            seen = {origin}
            for node in order:  # grows while it is walked: the queue
                for nb in indices[indptr[node]:indptr[node + 1]].tolist():
                    if nb not in seen:
                        seen.add(nb)
                        order.append(nb)
                if len(order) >= want:
                    del order[want:]
                    break
            order.sort()
        return np.array(order, dtype=np.int64)
