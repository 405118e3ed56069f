"""Importing this module loads every compiled kernel (:func:`govsim.kernels.load`).

A sweep's fork server imports it when the kernels are used from the first step
(``GOVSIM_JIT=1``): its workers, forked from it, then start with the kernels loaded instead of
each loading them (about a second each). Where they must be compiled first, it waits for a
compile under way in another process rather than compile them alongside it.
"""

from govsim.kernels import load

load()
