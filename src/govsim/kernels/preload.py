"""Importing this module loads every compiled kernel (:func:`govsim.kernels.prepare`).

A sweep's fork server imports it when the kernels are used from the first step
(``GOVSIM_JIT=1``): its workers, forked from it, then start with the kernels loaded instead of
each loading them (about a second each).
"""

from govsim.kernels import compiled, prepare

prepare(compiled)
