"""Seeds: one root seed, replication seeds spawned from it with numpy's SeedSequence.

Replication ``r`` gets the ``r``-th child of ``SeedSequence(root)``; the child does not
depend on how many replications there are, so raising the number of replications keeps
the earlier ones. Every design point of a replication runs with that replication's seed:
the model derives its population, network and problem stream from the seed alone,
independent of the paradigm, so within a replication all points share one world (common
random numbers) and differences between them are paired.
"""

from __future__ import annotations

import numpy as np

MAX_SEED = 2**63 - 1


def replication_seeds(root: int, replications: int) -> list[int]:
    """Seeds (each in [0, 2**63 - 1], as scenario seeds allow) of replications 0 .. n-1."""
    children = np.random.SeedSequence(root).spawn(replications)
    return [int(c.generate_state(1, dtype=np.uint64)[0]) & MAX_SEED for c in children]


def stream_seed(root: int, purpose: str) -> int:
    """A 32-bit seed for a named side stream (design sampling, bootstrap), independent of the replications."""
    key = int.from_bytes(purpose.encode()[:8].ljust(8, b"\0"), "little")
    return int(np.random.SeedSequence([root, key]).generate_state(1)[0])
