"""Compiled kernels for the hottest per-problem paths (numba), with the same draws and numbers.

Every kernel stands in for a Python form that stays in the code as the reference: it takes the
same draws from the same generator (:mod:`govsim.kernels.compiled` holds numpy's Philox generator
and its algorithms, compiled) and computes the same numbers, so a run gives the same results with
or without kernels (``tests/test_kernels.py`` checks each against its Python form, and whole
runs against each other). They are used when numba can be imported and the environment
variable ``GOVSIM_JIT`` is not ``0``; compiled code is cached on disk (numba's cache, next to
this package or in the user's cache folder), so only the first run on a machine compiles.

The kernels are loaded on first use, not when govsim is imported: ``govsim --help`` and
``import govsim`` never import numba.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from types import ModuleType

_loaded: ModuleType | None | bool = False  # False: not tried yet; None: unavailable or switched off


def get() -> ModuleType | None:
    """The compiled kernels (:mod:`govsim.kernels.compiled`), or None where they are not used."""
    global _loaded
    if _loaded is False:
        _loaded = _load()
    return _loaded


def _load() -> ModuleType | None:
    if os.environ.get("GOVSIM_JIT", "1").strip() == "0":
        return None
    try:
        from govsim.kernels import compiled
    except ImportError:  # numba missing (or not working here): the Python forms run
        return None
    return compiled


@contextmanager
def disabled():
    """Run the Python forms within the block (tests compare them with the kernels)."""
    global _loaded
    before = _loaded
    _loaded = None
    try:
        yield
    finally:
        _loaded = before
