"""Compiled kernels for the hottest per-problem paths (numba), with the same draws and numbers.

Every kernel stands in for a Python form that stays in the code as the reference: it takes the
same draws from the same generator (:mod:`govsim.kernels.compiled` holds numpy's Philox generator
and its algorithms, compiled) and computes the same numbers, so a run gives the same results with
or without kernels, and whether they start at its first step or part-way through
(``tests/test_kernels.py`` checks each kernel against its Python form, and whole runs against
each other).

Loading them costs a process about a second (importing numba and its compiler, then numba's disk
cache). So by default (``GOVSIM_JIT=auto``) a process runs the Python forms until ``AFTER``
problems have arrived in it (a long or large run, or a few runs of a sweep's worker), then loads
the kernels. Compiling them, where numba's cache has nothing for this machine yet, costs about two
minutes once (112 s on a quiet 2-core machine): ``auto`` processes compile them only once ``AFTER_COMPILE`` problems have arrived in the
processes on the machine together (counted in a file beside numba's cache), about as many as the
kernels need to save that time, and one process at a time (a lock beside the cache; the others go
on with the Python forms and load the kernels once they are compiled). ``GOVSIM_JIT=1``
loads them at the first use, compiling them if need be; ``GOVSIM_JIT=0`` never loads them;
without numba the Python forms run. ``govsim --help`` and ``import govsim`` never import numba.
"""

from __future__ import annotations

import ctypes
import os
import sys
import tempfile
import time
from contextlib import contextmanager, nullcontext
from types import ModuleType

import numpy as np

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no lock, no shared count
    fcntl = None

AFTER = 5000
"""Problems arrived in a process before the kernels are loaded from numba's cache (``GOVSIM_JIT=auto``)."""

AFTER_COMPILE = 200_000
"""Problems arrived without the kernels, in the processes on this machine together, before a process
compiles them where numba's cache has none for this machine (``GOVSIM_JIT=auto``). Compiling takes
about two minutes (112 s on a quiet 2-core machine); the kernels save 0.06–0.37 ms of CPU per arriving
problem (1k and 10k citizens, docs/performance-log.md, measured before the batched phases, which save
more), so by then running without them has cost about as much extra time as compiling them takes,
within a factor of two: rent until the rent paid is about the price, then buy."""

RETRY = 5000
"""Problems arrived between two looks at numba's cache while the kernels are not compiled for this
machine (``GOVSIM_JIT=auto``): another process may have compiled them in the meantime."""

_MODES = ("auto", "0", "1")
_mode = os.environ.get("GOVSIM_JIT", "auto").strip().lower() or "auto"
if _mode not in _MODES:
    sys.stderr.write(f"govsim: GOVSIM_JIT={_mode!r} is not one of auto, 0, 1; using auto\n")
    _mode = "auto"
_loaded: ModuleType | None | bool = False  # False: not loaded yet; None: unavailable or switched off
_work = 0
_next_try = 0  # auto: arrivals in this process before the next attempt to load (at least AFTER)


def get() -> ModuleType | None:
    """The compiled kernels (:mod:`govsim.kernels.compiled`), or None where the Python forms run."""
    global _loaded
    if _loaded is False:
        if _mode == "auto" and (_work < AFTER or _work < _next_try):
            return None
        _loaded = _load()
        if _loaded is False:  # not yet: the Python forms run until the next attempt
            return None
    return _loaded


def loaded() -> bool:
    """Whether this process has loaded the compiled kernels (without loading them)."""
    return _loaded is not False and _loaded is not None


def note_arrivals(n: int) -> None:
    """Count problems arrived in this process (``GOVSIM_JIT=auto`` loads the kernels after ``AFTER``)."""
    global _work
    _work += n


def mode() -> str:
    """``auto``, ``0`` or ``1``: when this process loads the kernels."""
    return _mode


def load() -> ModuleType | None:
    """Load every kernel now, compiling them if numba's cache has none for this machine (one process
    at a time: where another is compiling them, wait for it and load what it compiled). None where
    numba cannot be imported. Whatever ``GOVSIM_JIT`` says, this process then uses them (see
    :mod:`govsim.kernels.preload`)."""
    global _loaded
    try:
        from govsim.kernels import compiled
    except ImportError:
        _loaded = None
        return None
    with nullcontext() if _in_cache(compiled) else _compile_lock(compiled, wait=True):
        prepare(compiled)
    _loaded = compiled
    return compiled


def _load() -> ModuleType | None | bool:
    """The kernels, loaded (or compiled); None where they cannot be; False for not yet (``auto`` only:
    nothing compiled for this machine and too few arrivals, or another process compiling them)."""
    global _next_try
    if _mode == "0":
        return None
    if _mode == "1":
        return load()
    try:
        from govsim.kernels import compiled
    except ImportError:  # numba missing (or not working here): the Python forms run
        return None
    if _in_cache(compiled):
        prepare(compiled)
        return compiled
    if _count_arrivals(compiled) < AFTER_COMPILE:
        _next_try = _work + RETRY  # look again later: another process may have compiled them by then
        return False
    with _compile_lock(compiled, wait=False) as held:
        if not held:  # another process is compiling them: try again later, and load them then
            _next_try = _work + RETRY
            return False
        prepare(compiled)  # compiles, or loads what a process that held the lock before compiled
    return compiled


_counted = 0  # arrivals of this process already added to the machine's count


def _count_arrivals(compiled: ModuleType) -> int:
    """Add this process's arrivals since its last look to the machine's count of problems handled
    without the kernels while they were not compiled (a file beside numba's cache), and return that
    count (at least this process's own arrivals): many runs in many processes add up to a compile
    that pays, as one long run does. Where the file cannot be used, this process's own count."""
    global _counted
    new, _counted = _work - _counted, _work
    folder = _folder(compiled)
    try:
        fd = os.open(os.path.join(folder, "govsim-python-arrivals"), os.O_RDWR | os.O_CREAT, 0o666)
    except OSError:
        return _work
    try:
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)  # one process at a time reads and writes it
            except OSError:  # no locks on that file system: a lost update at worst
                pass
        text = os.read(fd, 64).decode("ascii", "replace").strip()
        total = (int(text) if text.isdigit() else 0) + new
        os.lseek(fd, 0, os.SEEK_SET)
        os.ftruncate(fd, 0)
        os.write(fd, str(total).encode("ascii"))
    except OSError:
        return _work
    finally:
        os.close(fd)
    return max(total, _work)


def _folder(compiled: ModuleType) -> str:
    """Numba's cache folder for the kernels (created if need be), where the compile lock and the
    machine's count of arrivals are kept; the temporary folder where it cannot be found or made."""
    try:
        folder = compiled.take_part._cache._cache_path
        os.makedirs(folder, exist_ok=True)
        return folder
    except Exception:  # another numba, or a folder that cannot be made
        return tempfile.gettempdir()


@contextmanager
def _compile_lock(compiled: ModuleType, wait: bool):
    """Hold the lock on compiling the kernels on this machine (a file beside numba's cache), waiting
    for it or not: yields whether it is held. Where no lock can be taken (no ``fcntl``, a cache
    folder that cannot be written) it yields True and the kernels compile unguarded."""
    if fcntl is None:
        yield True
        return
    try:
        fd = os.open(os.path.join(_folder(compiled), "govsim-compile.lock"), os.O_RDWR | os.O_CREAT, 0o666)
    except OSError:
        yield True
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:  # held by another process
            held = False
        except OSError:  # no locks on that file system: compile unguarded
            held = True
        else:
            held = True
        yield held
    finally:
        os.close(fd)  # lets the lock go


def prepare(compiled: ModuleType) -> None:
    """Load every kernel now (:func:`govsim.kernels.compiled.warm`). Where that means compiling them (their
    first use on a machine, or after an update), say so on stderr before and after: it takes about a
    minute, once."""
    fresh = not _in_cache(compiled)
    if fresh:
        sys.stderr.write("govsim: compiling the numerical kernels for this machine (once; about two minutes)...\n")
        sys.stderr.flush()
        start = time.perf_counter()
    compiled.warm()
    if fresh:
        sys.stderr.write(f"govsim: kernels compiled in {time.perf_counter() - start:.0f} s; "
                         "later runs load them in about a second\n")
        sys.stderr.flush()


def _in_cache(compiled: ModuleType) -> bool:
    """Whether numba's disk cache holds the kernels for this machine (checked on the last one defined:
    they are compiled together, and a change to their file makes every entry stale). True where
    numba's cache cannot be read this way (then nothing is said)."""
    try:
        kernel = compiled.take_part
        target = kernel.targetctx.codegen().magic_tuple()
        return any(key[1] == target for key in kernel._cache._cache_file._load_index())
    except Exception:  # pragma: no cover - another numba: say nothing
        return True


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


@contextmanager
def enabled():
    """Use the kernels within the block from its start (None inside if numba cannot be imported)."""
    global _loaded
    before = _loaded
    try:
        from govsim.kernels import compiled
    except ImportError:
        compiled = None
    _loaded = compiled
    try:
        yield compiled
    finally:
        _loaded = before


def state_views(bg: np.random.Philox) -> tuple | None:
    """Views into a Philox generator's C state, as :mod:`govsim.kernels.compiled` reads and advances it (``Streams.views_of`` hands them out):
    the counter (4 uint64), the key (2 uint64), the buffer (4 uint64) and the whole struct as 16
    uint32 words (word 4 the buffer position, 14 whether a half-word is kept, 15 that half-word).
    Valid while the generator lives (its stream entry keeps it);
    None if the key read through its pointer is not the generator's key (another layout).
    """
    addr = bg.ctypes.state_address
    ctr = ctypes.c_void_p.from_address(addr).value
    key = ctypes.c_void_p.from_address(addr + 8).value
    if not ctr or not key:
        return None
    out = (np.ctypeslib.as_array((ctypes.c_uint64 * 4).from_address(ctr)),
           np.ctypeslib.as_array((ctypes.c_uint64 * 2).from_address(key)),
           np.ctypeslib.as_array((ctypes.c_uint64 * 4).from_address(addr + 24)),
           np.ctypeslib.as_array((ctypes.c_uint32 * 16).from_address(addr)))
    state = bg.state
    if (out[1].tolist() != state["state"]["key"].tolist() or out[0].tolist() != state["state"]["counter"].tolist()
            or int(out[3][4]) != state["buffer_pos"]):
        return None
    return out


LOG_MARGIN = 2.0 ** -40
"""How close (relatively) two scores may be before a kernel that takes logarithms leaves the choice
between them to the Python form (:func:`govsim.kernels.compiled.arena_notice`)."""

_dot_order: int | None = None


def dot_order(k: ModuleType) -> int:
    """How numpy's dot product of two K-vectors adds, on this machine, as the kernels can add it
    (:func:`govsim.kernels.compiled.dot`): 0 for left to right from 0.0 with each product rounded,
    1 for the same with each product added by a fused multiply-add (one rounding), -1 for neither.

    numpy hands a dot product to its BLAS library, whose order of additions and use of fused
    multiply-adds depend on the CPU (OpenBLAS uses them on CPUs with AVX-512, say). Kernels that
    need a dot product run only where the order is one of these two, and add as numpy does: checked
    once per process, on 4,096 pairs of random vectors of K elements, from tiny to large (another
    order would differ on a good share of them).
    """
    global _dot_order
    if _dot_order is None:
        _dot_order = next((order for order in (0, 1) if _adds_as_numpy(lambda a, b: k.dot_rows(a, b, order == 1))),
                          -1)
    return _dot_order


def _adds_as_numpy(dot_rows) -> bool:
    """Whether ``dot_rows(a, b)`` (each row of ``a`` with the same row of ``b``) equals numpy's dot
    of every row, on 4,096 pairs of random K-vectors."""
    from govsim.mechanisms import K

    rng = np.random.default_rng(20261127)
    n = 4096
    a = rng.random((n, K)) * 10.0 ** rng.integers(-8, 8, size=(n, 1))
    b = rng.random((n, K)) - 0.25
    ours = dot_rows(a, b)
    return all(a[i].dot(b[i]) == ours[i] for i in range(n))


class _UFuncHead(ctypes.Structure):
    """The start of numpy's ``PyUFuncObject`` (numpy 1 and 2): the object header, then the counts of
    arguments, the identity, the inner loops, their data, the number of loops, the name and the
    loops' type codes."""
    _fields_ = [("refcount", ctypes.c_ssize_t), ("type", ctypes.c_void_p), ("nin", ctypes.c_int),
                ("nout", ctypes.c_int), ("nargs", ctypes.c_int), ("identity", ctypes.c_int),
                ("functions", ctypes.POINTER(ctypes.c_void_p)), ("data", ctypes.POINTER(ctypes.c_void_p)),
                ("ntypes", ctypes.c_int), ("reserved", ctypes.c_int), ("name", ctypes.c_char_p),
                ("types", ctypes.POINTER(ctypes.c_byte))]


def _inner_loop(ufunc: np.ufunc, signature: str) -> int | None:
    """The address of ``ufunc``'s inner loop for ``signature`` (``"d->d"``), read from the ufunc object;
    None where what is read there does not describe this ufunc (another layout) or the loop needs data."""
    try:
        head = _UFuncHead.from_address(id(ufunc))
        i = ufunc.types.index(signature)
        codes = [head.types[i * head.nargs + j] for j in range(head.nargs)]
        if (head.name != ufunc.__name__.encode() or head.nin != ufunc.nin or head.nout != ufunc.nout
                or head.ntypes != ufunc.ntypes or codes != [np.dtype(c).num for c in signature.replace("->", "")]
                or head.data[i] is not None):
            return None
        return head.functions[i] or None
    except (ValueError, AttributeError):  # pragma: no cover - no such loop
        return None


_loops: tuple | None | bool = False


def numpy_loops(k: ModuleType) -> tuple[int, int] | None:
    """The addresses of numpy's own inner loops for the logarithm and the exponential of float64
    numbers, for kernels that must compute them as numpy does (:func:`govsim.kernels.compiled.numpy_unary`),
    or None where they cannot be used (the Python forms run).

    numpy has vector code of its own for these on some CPUs (AVX-512), whose last bit differs from the
    C library's for about one number in 200 (logarithms) and one in 20 (exponentials of single numbers);
    calling numpy's loop gives numpy's numbers wherever numpy runs. Checked once per process: on 20,000
    numbers, one at a time and in fives, the loops must give what ``np.log`` and ``np.exp`` give.
    """
    global _loops
    if _loops is False:
        log, exp = _inner_loop(np.log, "d->d"), _inner_loop(np.exp, "d->d")
        _loops = (log, exp) if log and exp and _loops_match(k, log, exp) else None
    return _loops


def _loops_match(k: ModuleType, log: int, exp: int) -> bool:
    rng = np.random.default_rng(20261129)
    x = rng.random(20_000) * 10.0 ** rng.integers(-300, 1, size=20_000)
    x[:4] = (1e-3, 0.5, 1.0, 1.0 - 2.0 ** -53)
    y = (rng.random(20_000) - 0.9) * 10.0 ** rng.integers(-3, 3, size=20_000)
    for fn, ufunc, values in ((log, np.log, x), (exp, np.exp, y)):
        out = np.empty(5)
        for lo in range(0, 20_000, 5):
            k.numpy_unary(fn, values[lo:lo + 5], out, 5)
            if not np.array_equal(out, ufunc(values[lo:lo + 5])):
                return False
        for v in values[:2000].tolist():
            k.numpy_unary(fn, np.array([v]), out, 1)
            if out[0] != float(ufunc(v)):
                return False
    return True


_POWER_SPECIAL = frozenset((-1.0, 0.0, 0.5, 1.0, 2.0))  # exponents numpy's ``**`` hands to other ufuncs
_powers: dict[float, int | None] = {}


def numpy_power_loop(k: ModuleType, exponent: float) -> int | None:
    """The address of numpy's own power loop for float64 (``dd->d``), for kernels that raise arrays to
    ``exponent`` as ``x **= exponent`` does (:func:`govsim.kernels.compiled.numpy_power`), or None where
    it cannot be used (the Python form runs).

    numpy computes an array to a number's power by that loop, except for the exponents it turns into
    another ufunc (-1, 0, 0.5, 1 and 2: a reciprocal, ones, a square root, a copy, a square): for them
    None. Checked once per process and exponent: on 3,000 arrays of 1 to 300 numbers, the loop must give
    what ``x **= exponent`` gives.
    """
    exponent = float(exponent)
    if exponent in _POWER_SPECIAL or exponent != exponent:
        return None
    if exponent not in _powers:
        if len(_powers) > 64:  # a sweep over many exponents: keep the check's cost bounded
            _powers.clear()
        fn = _inner_loop(np.power, "dd->d")
        _powers[exponent] = fn if fn and _power_matches(k, fn, exponent) else None
    return _powers[exponent]


def _power_matches(k: ModuleType, fn: int, exponent: float) -> bool:
    rng = np.random.default_rng(20261130)
    e = np.array([exponent])
    for size in rng.integers(1, 301, size=3000).tolist():
        x = rng.random(size)
        x[0] = 1.0
        want = x.copy()
        want **= exponent
        k.numpy_power(fn, x, e, size)
        if not np.array_equal(x, want, equal_nan=True):
            return False
    return True


_close_log: bool | None = None


def close_log(k: ModuleType) -> bool:
    """Whether numpy's logarithm is, on this machine, within a few units in the last place of the
    kernels' (:func:`govsim.kernels.compiled.logs`, the C library's), far inside ``LOG_MARGIN``.

    numpy has its own vector code for logarithms on some CPUs (AVX-512), whose last bit differs from
    the C library's for about one number in 300. A kernel that ranks by logarithms then leaves every
    choice closer than ``LOG_MARGIN`` to the Python form, so the two agree. Checked once per process
    on 40,000 numbers from 1e-300 to 1, in arrays of several lengths (numpy takes another path for
    short arrays): at most 2**-48 apart, relatively.
    """
    global _close_log
    if _close_log is None:
        _close_log = _logs_close(k.logs)
    return _close_log


def _logs_close(logs, within: float = 2.0 ** -48) -> bool:
    rng = np.random.default_rng(20261128)
    x = rng.random(40_000) * 10.0 ** rng.integers(-300, 1, size=40_000)
    x[:3] = (1e-300, 0.5, 1.0 - 2.0 ** -53)
    for lo, hi in ((0, 3), (3, 10), (10, 41), (41, 40_000)):
        ours, theirs = logs(x[lo:hi]), np.log(x[lo:hi])
        if not np.all(np.abs(ours - theirs) <= within * np.abs(theirs)):
            return False
    return True
