"""The compiled kernels: numpy's Philox generator, the draws govsim takes from it, and the selections
built on them.

All kernels live in this one file on purpose: numba's disk cache notices a change in a function's
own file only, so a kernel calling a changed function of another file would keep running stale
compiled code.

Draws.

Each function reads and advances a generator's own state (through ``Streams.views_of``), so a draw
taken here and a draw taken through the ``numpy.random.Generator`` continue one another: ``random``
is ``Generator.random``, ``integer`` one value of ``Generator.integers(0, n)``, ``choice_sorted``
``np.sort(Generator.choice(n, m, replace=False))``, ``exponentials``
``Generator.standard_exponential(n)`` (numpy's ziggurat over numpy's own tables, which numba carries
for its own support of numpy's generators), each number for number and leaving the generator in the
same state (``tests/test_kernels.py`` checks them against numpy). The algorithms are numpy's:
Philox4x64-10 (Salmon et al. 2011) with numpy's buffer of four words and its half-word for 32-bit
draws, Lemire's bounded integers on 32-bit words, Floyd's sampling without replacement (or a partial
Fisher-Yates shuffle for a large share of a large population) followed by a shuffle of the sample.

Arithmetic. Sums are added in numpy's order (left to right for a few numbers, numpy's pairwise sum
for more, dot products as ``govsim.kernels.dot_order`` finds numpy adding them). Logarithms and
exponentials that must be numpy's are computed by numpy's own inner loops, called at the address
the ufunc object holds (``numpy_unary``; ``govsim.kernels.numpy_loops`` finds and checks them): on
CPUs where numpy has vector code of its own (AVX-512), the C library's ``log`` and ``exp`` differ
from numpy's in the last bit for a share of numbers. An array raised to a number's power is
computed by numpy's power loop in the same way (``numpy_power``; ``govsim.kernels.numpy_power_loop``).

A generator's state is a tuple of four views into its C struct: the counter (4 uint64), the key
(2 uint64), the buffer (4 uint64) and the struct as 16 uint32 words, of which word 4 is the
buffer position, word 14 whether a half-word is kept and word 15 that half-word.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

_U = np.uint64
_M32 = _U(0xFFFFFFFF)
_S32 = _U(32)
_ONE = _U(1)
_ZERO = _U(0)
_MUL0, _MUL1 = _U(0xD2E7470EE14C6C93), _U(0xCA5A826395121157)
_BUMP0, _BUMP1 = _U(0x9E3779B97F4A7C15), _U(0xBB67AE8584CAA73B)
_TO_DOUBLE = 1.0 / 9007199254740992.0
try:  # numpy's ziggurat tables for standard exponentials, as numba carries them for its own Generator support
    from numba.np.random._constants import fe_double as _FE, ke_double as _KE, we_double as _WE
    from numba.np.random._constants import ziggurat_exp_r as _EXP_R
    EXPONENTIALS = _FE.shape == _WE.shape == _KE.shape == (256,) and _KE.dtype == np.uint64
except ImportError:  # pragma: no cover - another numba: the Python forms draw the exponentials
    EXPONENTIALS = False
if not EXPONENTIALS:  # pragma: no cover
    _FE, _WE, _KE, _EXP_R = np.ones(256), np.zeros(256), np.zeros(256, np.uint64), 0.0
_POS, _HAS, _HALF = 4, 14, 15  # uint32 words of numpy's philox_state


@intrinsic
def _mulhi(typingctx, a, b):
    """The high 64 bits of the 128-bit product of two uint64 (one instruction on 64-bit CPUs)."""
    def codegen(context, builder, signature, args):
        wide = ir.IntType(128)
        product = builder.mul(builder.zext(args[0], wide), builder.zext(args[1], wide))
        return builder.trunc(builder.lshr(product, ir.Constant(wide, 64)), ir.IntType(64))
    return types.uint64(types.uint64, types.uint64), codegen


@intrinsic
def _fma(typingctx, a, b, c):
    """``a * b + c`` rounded once (a fused multiply-add, as C's ``fma``)."""
    def codegen(context, builder, signature, args):
        return builder.fma(*args)
    return types.float64(types.float64, types.float64, types.float64), codegen


@intrinsic
def _ufunc_loop(typingctx, fn, args, dims, steps):
    """Call one of numpy's ufunc inner loops (``void loop(char **args, npy_intp *dimensions, npy_intp
    *steps, void *data)``) at address ``fn``, its pointer arrays given by address, its data NULL."""
    def codegen(context, builder, signature, a):
        byte_p = ir.IntType(8).as_pointer()
        int_p = ir.IntType(64).as_pointer()
        fnty = ir.FunctionType(ir.VoidType(), [byte_p.as_pointer(), int_p, int_p, byte_p])
        loop = builder.inttoptr(a[0], fnty.as_pointer())
        builder.call(loop, [builder.inttoptr(a[1], byte_p.as_pointer()), builder.inttoptr(a[2], int_p),
                            builder.inttoptr(a[3], int_p), ir.Constant(byte_p, None)])
        return context.get_dummy_value()
    return types.void(types.int64, types.int64, types.int64, types.int64), codegen


@nb.njit(inline="always", cache=True)
def _mulhilo(a, b):
    return _mulhi(a, b), a * b


@nb.njit(inline="always", cache=True)
def _refill(ctr, key, buf):
    """Advance the counter and fill the buffer with its four words (numpy's ``philox_next``)."""
    ctr[0] += _ONE
    if ctr[0] == _ZERO:
        ctr[1] += _ONE
        if ctr[1] == _ZERO:
            ctr[2] += _ONE
            if ctr[2] == _ZERO:
                ctr[3] += _ONE
    c0, c1, c2, c3 = ctr[0], ctr[1], ctr[2], ctr[3]
    k0, k1 = key[0], key[1]
    for r in range(10):
        if r > 0:
            k0 += _BUMP0
            k1 += _BUMP1
        hi0, lo0 = _mulhilo(_MUL0, c0)
        hi1, lo1 = _mulhilo(_MUL1, c2)
        c0, c1, c2, c3 = hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0
    buf[0] = c0
    buf[1] = c1
    buf[2] = c2
    buf[3] = c3


@nb.njit(inline="always", cache=True)
def next64(g):
    """The generator's next 64-bit word (numpy's ``philox_next64``).

    The state's arrays are reached through ``g`` where used, not given names first: a name bound to
    an array costs a reference count taken and dropped (two atomic calls) on every draw wherever
    numba cannot prove them useless, which made a draw four to eight times as slow as numpy's."""
    pos = g[3][_POS]
    if pos < 4:
        g[3][_POS] = pos + 1
        return g[2][pos]
    _refill(g[0], g[1], g[2])
    g[3][_POS] = 1
    return g[2][0]


@nb.njit(inline="always", cache=True)
def next32(g):
    """The next 32-bit word: the kept half-word if there is one, else the low half of a new word."""
    if g[3][_HAS] != 0:  # (g[3] each time, not a name for it: see next64)
        g[3][_HAS] = 0
        return _U(g[3][_HALF])
    x = next64(g)
    g[3][_HAS] = 1
    g[3][_HALF] = x >> _S32
    return x & _M32


@nb.njit(inline="always", cache=True)
def random(g):
    """``Generator.random()``."""
    return np.float64(next64(g) >> _U(11)) * _TO_DOUBLE


@nb.njit(cache=True)
def random_into(g, out):
    """``Generator.random(out.size)``, written into ``out``."""
    for i in range(out.size):
        out[i] = np.float64(next64(g) >> _U(11)) * _TO_DOUBLE


@nb.njit(inline="always", cache=True)
def bounded(g, top):
    """A uniform integer in ``[0, top]`` for ``top < 2**32`` (numpy's ``random_bounded_uint64``
    without a mask): nothing is drawn for ``top = 0``."""
    rng = _U(top)
    if rng == _ZERO:
        return 0
    if rng == _M32:
        return np.int64(next32(g))
    excl = rng + _ONE
    m = next32(g) * excl
    left = m & _M32
    if left < excl:
        threshold = (_M32 - rng) % excl
        while left < threshold:
            m = next32(g) * excl
            left = m & _M32
    return np.int64(m >> _S32)


@nb.njit(cache=True)
def _exponential_rare(g, layer, x):
    """The rest of one standard exponential draw whose 64-bit word fell outside its layer's box
    (about one draw in a hundred): see :func:`exponentials`."""
    while True:
        if layer == 0:
            return _EXP_R - math.log1p(-random(g))
        if (_FE[layer - 1] - _FE[layer]) * random(g) + _FE[layer] < math.exp(-x):
            return x
        ri = next64(g) >> _U(3)
        layer = np.int64(ri & _U(0xFF))
        ri >>= _U(8)
        x = np.float64(ri) * _WE[layer]
        if ri < _KE[layer]:
            return x


@nb.njit(cache=True)
def exponentials(g, n):
    """``Generator.standard_exponential(n)``: numpy's ziggurat (Marsaglia and Tsang 2000) over numpy's
    own tables of 256 layers. Each draw takes one 64-bit word (3 bits dropped, 8 for the layer, 53 for
    the position in it) and is accepted where it falls in the layer's box; otherwise
    (:func:`_exponential_rare`) it is accepted against ``exp(-x)`` with one more uniform, or, past the
    last layer, taken from the tail as ``r - log1p(-u)``, or drawn again. Only where ``EXPONENTIALS``.

    The box test is written here, in the loop, and not in a function of its own: a function taking
    the generator ``g`` costs a reference count on each of its arrays at every call, which made a
    draw ten times as slow as numpy's."""
    out = np.empty(n)
    for i in range(n):
        ri = next64(g) >> _U(3)
        layer = np.int64(ri & _U(0xFF))
        ri >>= _U(8)
        x = np.float64(ri) * _WE[layer]
        out[i] = x if ri < _KE[layer] else _exponential_rare(g, layer, x)
    return out


@nb.njit(cache=True)
def integer(g, n):
    """One value of ``Generator.integers(0, n)`` (int64, ``1 <= n <= 2**32``)."""
    return bounded(g, n - 1)


@nb.njit(cache=True)
def _shuffle(g, data, n, first):
    for i in range(n - 1, first - 1, -1):
        j = bounded(g, i)
        t = data[j]
        data[j] = data[i]
        data[i] = t


@nb.njit(cache=True)
def choice_sorted(g, n, m):
    """``np.sort(Generator.choice(n, size=m, replace=False))`` for ``0 <= m <= n < 2**32``."""
    if n > 10000 and m > n // 50:  # a partial shuffle of the whole population, its tail taken
        idx = np.arange(n)
        _shuffle(g, idx, n, max(n - m, 1))
        out = idx[n - m:].copy()
    else:  # Floyd's algorithm with an open-addressing set, then the sample shuffled
        out = np.empty(m, np.int64)
        size = np.uint64(1.2 * m)
        mask = _ZERO
        while mask < size:  # the smallest 2**k - 1 >= 1.2 m
            mask = (mask << _ONE) | _ONE
        empty = np.uint64(0xFFFFFFFFFFFFFFFF)
        table = np.full(np.int64(mask) + 1, empty, np.uint64)
        for j in range(n - m, n):
            val = _U(bounded(g, j))
            loc = val & mask
            while table[loc] != empty and table[loc] != val:
                loc = (loc + _ONE) & mask
            if table[loc] == empty:
                table[loc] = val
                out[j - n + m] = np.int64(val)
            else:
                loc = _U(j) & mask
                while table[loc] != empty:
                    loc = (loc + _ONE) & mask
                table[loc] = _U(j)
                out[j - n + m] = j
        _shuffle(g, out, m, 1)
    out.sort()
    return out


# --------------------------------------------------------------------------- selections
# Compiled forms of the selections that recruit a group: staff, citizens, politicians. Each gives
# the rows and takes the draws of the Python form it stands in for (named in its docstring), from
# the same generator, in the same order.


@nb.njit(inline="always", cache=True)
def _best_left(values, taken):
    """The place of the largest of ``values`` not ``taken`` (the first among equals); -1 if all are."""
    best = -1
    for i in range(values.size):
        if not taken[i] and (best < 0 or values[i] > values[best]):
            best = i
    return best


@nb.njit(cache=True)
def keys_top(g, pool, n):
    """``pool[top_rows(rng.random(pool.size), n)]`` (``World.pick_employees``): a key for every member
    of the pool, then the members with the ``n`` largest keys (the lowest rows among equals), in order."""
    m = pool.size
    keys = np.empty(m)
    random_into(g, keys)
    if n <= 0 or m == 0:
        return pool[:0].copy()
    if n >= m:
        return pool.copy()
    taken = np.zeros(m, np.bool_)
    at = np.empty(n, np.int64)
    for j in range(n):  # the largest key left (the first among equals)
        best = _best_left(keys, taken)
        taken[best] = True
        at[j] = best
    at.sort()
    out = np.empty(n, pool.dtype)
    for j in range(n):
        out[j] = pool[at[j]]
    return out


@nb.njit(cache=True)
def select(g, cands, will, powered, outreach, seats, knowledge, public, profile, seated):
    """``mech.select_recruits`` (with ``NPG._competence`` when ``profile > 0``).

    ``powered`` is ``(resources / max resources) ** bias`` of the candidates, worked out by numpy
    (so the power is numpy's); ``will`` their willingness, of which the already ``seated`` (sorted
    rows) count as 0. Two draws per candidate, the acceptance draws first.
    """
    m = cands.size
    u = np.empty(m)
    keys = np.empty(m)
    random_into(g, u)
    random_into(g, keys)
    if m == 0 or seats <= 0:
        return cands[:0].copy()
    accepted = np.empty(m, np.int64)
    k = 0
    s = seated.size
    for i in range(m):
        w = will[i]
        if s:  # np.isin(cands, seated) by a binary search in the sorted seated rows
            at = min(np.searchsorted(seated, cands[i]), s - 1)
            if seated[at] == cands[i]:
                w = 0.0
        p = powered[i] * w
        p *= 1.0 - outreach
        p += outreach * np.sqrt(w)
        if u[i] < p:
            accepted[k] = i
            k += 1
    idx = accepted[:k]
    if k > seats:
        score = np.empty(k)
        for j in range(k):
            i = idx[j]
            if profile > 0.0:
                c = 0.0  # what the candidate knows beyond the public members, summed from 0
                for d in range(knowledge.shape[1]):
                    x = knowledge[cands[i], d] - public[d]
                    if x < 0.0:
                        x = 0.0
                    c += x
                score[j] = -((1.0 - profile) * keys[i] + profile * c)
            else:
                score[j] = -keys[i]
        idx = idx[np.argsort(score, kind="mergesort")[:seats]]
    out = cands[idx]
    out.sort()
    return out


@nb.njit(cache=True)
def open_rounds(g, hours, openness, need, n):
    """The rounds of ``World.pick_open_politicians``: politicians looked at in rounds of ``2 n + 8``
    (an integer for who, then a uniform for openness each) until ``n`` have joined or ``4 n + 16``
    have been looked at. Returns who joined (in the order they did), who was looked at, and how many."""
    total = hours.size
    limit = min(total, 4 * n + 16)
    seen = np.zeros(total, np.bool_)
    n_seen = 0
    chosen = np.empty(n, np.int64)
    n_chosen = 0
    k = 2 * n + 8
    who = np.empty(k, np.int64)
    yes = np.empty(k, np.bool_)
    while n_chosen < n and n_seen < limit:
        for i in range(k):
            who[i] = integer(g, total)
        for i in range(k):
            u = random(g)
            yes[i] = hours[who[i]] >= need and u < openness[who[i]]
        for i in range(k):
            r = who[i]
            if seen[r]:
                continue
            seen[r] = True
            n_seen += 1
            if yes[i]:
                chosen[n_chosen] = r
                n_chosen += 1
                if n_chosen == n:
                    break
            if n_seen >= limit:
                break
    return chosen[:n_chosen].copy(), seen, n_seen


@nb.njit(cache=True)
def open_politicians(g, hours, openness, need, n):
    """``World.pick_open_politicians(need, n, rng)``: :func:`open_rounds`, then, if fewer than ``n`` joined
    and not everyone was looked at, one pass over the rest with the time (a uniform for openness each,
    then a key each; the open ones with the largest keys, the lowest rows among equals, fill the seats
    left). The rows in increasing order."""
    total = hours.size
    if n <= 0 or total == 0:
        return np.zeros(0, np.int64)
    joined, looked, n_seen = open_rounds(g, hours, openness, need, n)
    got = joined.size
    if got >= n or n_seen >= total:
        out = joined.copy()
        out.sort()
        return out
    rows = np.empty(total, np.int64)
    m = 0
    for r in range(total):
        if hours[r] >= need and not looked[r]:
            rows[m] = r
            m += 1
    u = np.empty(m)
    keys = np.empty(m)
    random_into(g, u)
    random_into(g, keys)
    willing = 0
    for i in range(m):  # the open ones, their keys moved to the front in row order
        if u[i] < openness[rows[i]]:
            rows[willing] = rows[i]
            keys[willing] = keys[i]
            willing += 1
    want = min(n - got, willing)
    out = np.empty(got + want, np.int64)
    out[:got] = joined
    taken = np.zeros(willing, np.bool_)
    for j in range(want):
        best = _best_left(keys[:willing], taken)
        taken[best] = True
        out[got + j] = rows[best]
    out.sort()
    return out


@nb.njit(cache=True)
def numpy_power(fn, x, e, n):
    """``x[:n] **= e[0]`` (``x`` contiguous) by numpy's own power loop at address ``fn`` (``d,d->d``,
    ``govsim.kernels.numpy_power_loop``), called as numpy calls it for an array and a number: in place,
    the exponent's stride 0."""
    frame = np.empty(7, np.int64)  # three data pointers, the count, three strides
    frame[0] = x.ctypes.data
    frame[1] = e.ctypes.data
    frame[2] = x.ctypes.data
    frame[3] = n
    frame[4] = 8
    frame[5] = 0
    frame[6] = 8
    at = frame.ctypes.data
    _ufunc_loop(fn, at, at + 24, at + 32)


@nb.njit(inline="always", cache=True)
def _powered_into(out, resources, rows, power_fn, bias):
    """``(r / max(max r, 1e-9)) ** bias`` of ``resources[rows]``, into ``out[:rows.size]``
    (``NPG._powered``: the maximum, a division by it, numpy's power)."""
    m = rows.size
    if m == 0:
        return
    top = resources[rows[0]]
    for i in range(m):
        v = resources[rows[i]]
        out[i] = v
        if not (top >= v or top != top):
            top = v
    if top < 1e-9:  # max(float(top), 1e-9): the first unless the second is larger
        top = 1e-9
    for i in range(m):
        out[i] = out[i] / top
    numpy_power(power_fn, out, bias, m)


@nb.njit(cache=True)
def _union_sorted(a, b):
    """``np.union1d`` of two sorted arrays of distinct rows."""
    out = np.empty(a.size + b.size, np.int64)
    i = j = k = 0
    while i < a.size or j < b.size:
        if j >= b.size or (i < a.size and a[i] < b[j]):
            v = a[i]
            i += 1
        elif i >= a.size or b[j] < a[i]:
            v = b[j]
            j += 1
        else:
            v = a[i]
            i += 1
            j += 1
        out[k] = v
        k += 1
    return out[:k].copy()


@nb.njit(cache=True)
def arena_recruit(g_rec, g_staff, pid, aff, cprov, order, bounds, n_emp, n_employees, flag, provs, bits, pool,
                  admins, ek, ak, affected_only, n_citizens, broad_reach, seats, n_broad, will, resources, ck,
                  power_fn, bias, outreach, profile, politicians, need, hours, openness):
    """``NPG._recruit`` without firms, in one call: the staff (the ``staffing`` stream at ``(pid, 0)``,
    :func:`staff_top`), the citizens (the ``recruitment`` stream at ``pid``: an open call's candidates
    drawn by :func:`choice_sorted` unless only the ``aff``-ected take part, :func:`select` of them, and
    of a broad advertisement's pool for ``n_broad`` seats), then the politicians who join
    (:func:`open_politicians`, ``politicians`` of them at most, from the same stream). Competence
    profiles (``profile > 0``) weigh what candidates know beyond the most the employees and
    ``admins`` know. Returns the employees, the citizens, the politicians and whether it went (False
    where competence counts and there are no public members to weigh it against: the Python form runs)."""
    _rekey(g_staff, pid, 0, 0)
    employees = staff_top(g_staff, aff, cprov, order, bounds, n_emp, n_employees, flag, provs, bits, pool)
    top = np.zeros(ck.shape[1])
    if profile > 0.0:
        if employees.size + admins.size == 0:
            return employees, employees, employees, False
        first = _rows_max(top, ek, employees, True)
        _rows_max(top, ak, admins, first)
    _rekey(g_rec, pid, 0, 0)
    if affected_only:
        local = aff
    else:
        m = broad_reach * (seats - n_broad)
        local = np.arange(n_citizens) if m >= n_citizens else choice_sorted(g_rec, n_citizens, m)
    scratch = np.empty(local.size)
    _powered_into(scratch, resources, local, power_fn, bias)
    w = np.empty(local.size)
    for i in range(local.size):
        w[i] = will[local[i]]
    citizens = select(g_rec, local, w, scratch, outreach, seats - n_broad, ck, top, profile, local[:0])
    if n_broad > 0:
        pool_c = choice_sorted(g_rec, n_citizens, min(n_citizens, broad_reach * n_broad))
        scratch = np.empty(pool_c.size)
        _powered_into(scratch, resources, pool_c, power_fn, bias)
        w = np.empty(pool_c.size)
        for i in range(pool_c.size):
            w[i] = will[pool_c[i]]
        extra = select(g_rec, pool_c, w, scratch, outreach, n_broad, ck, top, profile, citizens)
        citizens = _union_sorted(citizens, extra)
    if politicians >= 0:
        joined = open_politicians(g_rec, hours, openness, need, politicians)
    else:
        joined = employees[:0].copy()
    return employees, citizens, joined, True


# --------------------------------------------------------------------------- hours


@nb.njit(inline="always", cache=True)
def _increasing(rows, n):
    """Whether ``rows`` are distinct rows of ``n``, in increasing order (the groups' rows are)."""
    last = -1
    for r in rows:
        if r <= last or r >= n:
            return False
        last = r
    return True


@nb.njit(inline="always", cache=True)
def _argmax(values):
    """``np.argmax`` of a non-empty vector: the first row of the largest value, or the first NaN."""
    best = 0
    for i in range(values.size):
        v = values[i]
        if v != v:
            return i
        if v > values[best]:
            best = i
    return best


@nb.njit(cache=True)
def _give_politicians(rows, hours, left, booked):
    """``World.spend_politicians(rows, hours, p, policy=...)``'s booking: each gives ``min(hours, max(left,
    0))`` (numpy's rules: NaN kept, the second on a tie), ``left -= given``, ``booked += given``; the hours
    given, summed as ``np.add.reduce`` sums them."""
    n = rows.size
    given = np.empty(n)
    for i in range(n):
        r = rows[i]
        h = left[r]
        m = h if (h > 0.0 or h != h) else 0.0
        g = hours if (hours < m or hours != hours) else m
        left[r] = h - g
        booked[r] = booked[r] + g
        given[i] = g
    return pairwise_sum(given, 0, n)


@nb.njit(cache=True)
def book_meeting(hours, n_employees, adm, adm_left, pols, pol_left, pol_policy, public, p_public, floor, budget,
                 extra, actor):
    """``NPG._meet``'s booking after its hours are worked out: ``hours`` for each of ``n_employees``
    employees, the administrators ``adm`` and the politicians ``pols`` (policy time, as far as they have
    it), then ``extra`` hours for the metagovernor (``actor`` 0: the first administrator, else the
    outside; 1: the first politician, or the one with most time left; 2: an outside actor), as
    ``World.spend``, ``World.spend_politicians`` and ``World.pay_metagovernor`` book them. ``public`` and
    ``p_public`` are the world's and the problem's public hours, ``floor`` the admission floor (NaN for
    none), ``budget`` all administrators' hours. Returns whether it went (False, with nothing changed,
    where the rows are not distinct and increasing: the Python form runs), and the three numbers after."""
    if not _increasing(adm, adm_left.size) or not _increasing(pols, pol_left.size):
        return False, public, p_public, floor
    total = hours * n_employees
    public += total
    p_public += total
    n = adm.size
    for r in adm:
        adm_left[r] = adm_left[r] - hours
    total = hours * n
    if floor == floor:
        floor = floor - total / budget if hours >= 0 and budget > 0 else np.nan
    public += total
    p_public += total
    total = _give_politicians(pols, hours, pol_left, pol_policy)
    public += total
    p_public += total
    if extra <= 0.0:
        return True, public, p_public, floor
    if actor == 0 and n > 0:
        r = adm[0]
        adm_left[r] = adm_left[r] - extra
        if floor == floor:
            floor = floor - extra / budget if extra >= 0 and budget > 0 else np.nan
        public += extra
        p_public += extra
    elif actor == 1:
        one = np.empty(1, np.int64)
        if pols.size:
            one[0] = pols[0]
        else:  # the politician with most time left
            if pol_left.size == 0:
                public += 0.0
                p_public += 0.0
                return True, public, p_public, floor
            one[0] = _argmax(pol_left)
        total = _give_politicians(one, extra, pol_left, pol_policy)
        public += total
        p_public += total
    else:
        public += extra
        p_public += extra
    return True, public, p_public, floor


# --------------------------------------------------------------------------- the network


@nb.njit(cache=True)
def reach(indptr, indices, origin, size):
    """``Neighbourhood(origin, size)``: the first ``size`` citizens a breadth-first search from ``origin``
    reaches (``origin`` first; ring by ring, each node's neighbours in their stored order; all of the
    component if it is smaller), in increasing row order. Who was reached is kept in a small
    open-addressing set, so the cost is that of the citizens reached, not of the population."""
    want = min(size, indptr.size - 1)
    order = np.empty(max(want, 1), np.int64)
    order[0] = origin
    k = 1
    if want > 1:
        mask = 1
        while mask < 4 * want:
            mask = (mask << 1) | 1
        table = np.full(mask + 1, -1, np.int64)
        table[origin & mask] = origin
        head = 0
        while head < k and k < want:
            node = order[head]
            head += 1
            for j in range(indptr[node], indptr[node + 1]):
                nb_ = np.int64(indices[j])
                loc = nb_ & mask
                while table[loc] != -1 and table[loc] != nb_:
                    loc = (loc + 1) & mask
                if table[loc] == -1:
                    table[loc] = nb_
                    order[k] = nb_
                    k += 1
                    if k == want:
                        break
    out = order[:k].copy()
    out.sort()
    return out


# --------------------------------------------------------------------------- learning


@nb.njit(cache=True)
def _block_sum(a, lo, n):
    """numpy's sum of at most 128 contiguous float64: in order below 8, else with eight running sums."""
    if n < 8:
        res = 0.0
        for i in range(lo, lo + n):
            res += a[i]
        return res
    r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
    r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    i = 8
    end = n - n % 8
    while i < end:
        j = lo + i
        r0 += a[j]
        r1 += a[j + 1]
        r2 += a[j + 2]
        r3 += a[j + 3]
        r4 += a[j + 4]
        r5 += a[j + 5]
        r6 += a[j + 6]
        r7 += a[j + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[lo + i]
        i += 1
    return res


@nb.njit(cache=True)
def pairwise_sum(a, lo, n):
    """numpy's sum of ``a[lo:lo + n]`` (contiguous float64), as ``np.add.reduce`` adds: blocks of up to
    128 (:func:`_block_sum`), a longer run halved at a multiple of 8 and its two halves' sums added.
    The halving is walked with an explicit stack (numba's cache does not take recursion well)."""
    if n <= 128:
        return _block_sum(a, lo, n)
    los = np.empty(128, np.int64)
    ns = np.empty(128, np.int64)
    stage = np.zeros(128, np.int64)
    vals = np.empty(128)
    top, nv = 0, 0
    los[0], ns[0], stage[0] = lo, n, 0
    while top >= 0:
        m = ns[top]
        if m <= 128:
            vals[nv] = _block_sum(a, los[top], m)
            nv += 1
            top -= 1
            continue
        half = m // 2
        half -= half % 8
        if stage[top] == 0:  # the first half
            stage[top] = 1
            top += 1
            los[top], ns[top], stage[top] = los[top - 1], half, 0
        elif stage[top] == 1:  # then the second
            stage[top] = 2
            top += 1
            los[top], ns[top], stage[top] = los[top - 1] + half, m - half, 0
        else:  # both summed: their sum replaces them
            nv -= 1
            vals[nv - 1] = vals[nv - 1] + vals[nv]
            top -= 1
    return vals[0]


@nb.njit(cache=True)
def _learn_kind(knowledge, rows, coverage, lr, share, gaps, at):
    k = knowledge.shape[1]
    for r in rows:
        for d in range(k):
            g = coverage[d] - knowledge[r, d]
            if not g > 0.0 and g == g:  # np.maximum(g, 0.0): NaN kept, -0.0 and 0.0 give 0.0
                g = 0.0
            knowledge[r, d] = knowledge[r, d] + lr * g
            gaps[at] = g * share
            at += 1
    return at


@nb.njit(cache=True)
def learn(k0, r0, k1, r1, k2, r2, k3, r3, k4, r4, coverage, lr, share):
    """``World.learn`` on up to five kinds of member (knowledge table and rows each, in the world's order):
    ``k += lr max(c - k, 0)`` row by row, and the mean of ``max(c - k, 0) share`` over all their entries
    (numpy's sum over the stacked block, divided by its size)."""
    width = coverage.size
    gaps = np.empty((r0.size + r1.size + r2.size + r3.size + r4.size) * width)
    at = _learn_kind(k0, r0, coverage, lr, share, gaps, 0)
    at = _learn_kind(k1, r1, coverage, lr, share, gaps, at)
    at = _learn_kind(k2, r2, coverage, lr, share, gaps, at)
    at = _learn_kind(k3, r3, coverage, lr, share, gaps, at)
    at = _learn_kind(k4, r4, coverage, lr, share, gaps, at)
    return (0.0 + pairwise_sum(gaps, 0, at)) / at


# --------------------------------------------------------------------------- an arena's members


@nb.njit(inline="always", cache=True)
def _take_max(best, d, x, first):
    """``np.maximum.reduce`` row after row: the running value unless the new one is larger (NaN kept)."""
    if first:
        best[d] = x
    else:
        m = best[d]
        if not (m >= x or m != m):
            best[d] = x


@nb.njit(inline="always", cache=True)
def _rows_max(best, table, rows, first):
    for r in rows:
        for d in range(best.size):
            _take_max(best, d, table[r, d], first)
        first = False
    return first


@nb.njit(cache=True)
def members_best(ck, crows, will, passivity, held, ek, erows, ak, arows, pk, prows, fk, frows, share):
    """The largest value on each dimension of ``NPG._knowledge``'s rows (citizens' knowledge times
    ``1 - ((1 - w) passivity) held``, employees', administrators', politicians', firms' times ``share``),
    as ``np.maximum.reduce(rows, axis=0)``; and whether there was any row."""
    width = ck.shape[1]
    best = np.zeros(width)
    first = True
    for r in crows:
        e = 1.0 - ((1.0 - will[r]) * passivity) * held
        for d in range(width):
            _take_max(best, d, ck[r, d] * e, first)
        first = False
    first = _rows_max(best, ek, erows, first)
    first = _rows_max(best, ak, arows, first)
    first = _rows_max(best, pk, prows, first)
    for r in frows:
        for d in range(width):
            _take_max(best, d, fk[r, d] * share, first)
        first = False
    return best, not first


@nb.njit(cache=True)
def members_trust(ct, crows, po, prows, em, erows, ft, frows):
    """``NPG._trust``: the mean of citizens' trust, politicians' openness, employees' motivation and
    firms' trust over the members, in that order, as numpy sums them; 0.5 without members."""
    n = crows.size + prows.size + erows.size + frows.size
    if n == 0:
        return 0.5
    vals = np.empty(n)
    at = _gather(vals, 0, ct, crows)
    at = _gather(vals, at, po, prows)
    at = _gather(vals, at, em, erows)
    _gather(vals, at, ft, frows)
    return (0.0 + pairwise_sum(vals, 0, n)) / n


@nb.njit(cache=True)
def arena_deliberation(goal, pull, deliberates, softening, management, cp, crows, ep, erows, ap, arows, pp, prows, fp,
                       frows, ct, po, em, ft):
    """The start of ``NPG.design``: the members' positions (citizens, employees, administrators,
    politicians, firms: ``World.positions_of``) pulled towards the political ``goal``, ``(goal - x) pull +
    x``; the alignment ``1 - |mean - goal|`` (0 without members); the members' trust
    (:func:`members_trust`); and where the rung ``deliberates``, ``mech.conflict_level`` of the pulled
    positions. Returns the alignment, how many members' positions there are, and the conflict."""
    n = crows.size + erows.size + arows.size + prows.size + frows.size
    x = np.empty(n)
    at = _gather(x, 0, cp, crows)
    at = _gather(x, at, ep, erows)
    at = _gather(x, at, ap, arows)
    at = _gather(x, at, pp, prows)
    _gather(x, at, fp, frows)
    for i in range(n):
        x[i] = (goal - x[i]) * pull + x[i]
    mean = pairwise_sum(x, 0, n) / n if n else 0.0
    alignment = 1.0 - abs(mean - goal) if n else 0.0
    trust = members_trust(ct, crows, po, prows, em, erows, ft, frows)
    if not deliberates or n < 2:
        return alignment, n, 0.0
    for i in range(n):
        d = x[i] - mean
        x[i] = d * d
    v = 2.0 * math.sqrt(pairwise_sum(x, 0, n) / n)
    spread = v if v < 1.0 else 1.0
    c = spread * (1.0 - softening * trust) * (1.0 - management)
    if c < 0.0:
        c = 0.0
    elif c > 1.0:
        c = 1.0
    return alignment, n, c


@nb.njit(inline="always", cache=True)
def _gather(out, at, values, rows):
    for r in rows:
        out[at] = values[r]
        at += 1
    return at


# --------------------------------------------------------------------------- noticing (OPA)


_DEBRUIJN = _U(0x03F79D71B4CB0A89)
_DEBRUIJN_AT = np.zeros(64, np.int64)  # the bit's place, by the top six bits of (bit x _DEBRUIJN)
for _i in range(64):
    _DEBRUIJN_AT[int(((1 << _i) * 0x03F79D71B4CB0A89 % (1 << 64)) >> 58)] = _i


@nb.njit(inline="always", cache=True)
def _rekey(g, a, b, c):
    """Set ``g`` (whose key is the stream's) to the start of key ``(a, b, c)``'s block, as ``Streams.get``
    does: counter ``(0, a, b, c)``, the buffer used up, no half-word kept."""
    g[0][0] = _ZERO
    g[0][1] = _U(a)
    g[0][2] = _U(b)
    g[0][3] = _U(c)
    g[3][_POS] = 4
    g[3][_HAS] = 0
    g[3][_HALF] = 0


@nb.njit(cache=True)
def stream_state(key):
    """A fresh generator state with Philox key ``key`` (two uint64), for :func:`_rekey`."""
    return (np.zeros(4, np.uint64), key.copy(), np.zeros(4, np.uint64), np.zeros(16, np.uint32))


@nb.njit(inline="always", cache=True)
def dot(a, b, fused):
    """``a . b`` added left to right from 0.0, each product added in one rounding where ``fused``
    (a fused multiply-add) or rounded first where not: what numpy's dot gives for a few elements on
    this machine, one or the other, as ``govsim.kernels.dot_order`` finds it."""
    s = 0.0
    if fused:
        for d in range(a.size):
            s = _fma(a[d], b[d], s)
    else:
        for d in range(a.size):
            s += a[d] * b[d]
    return s


@nb.njit(inline="always", cache=True)
def _positive(x, nan_kept):
    """A part of a reading kept where positive, else 0.0; NaN kept only where ``nan_kept``."""
    if x > 0.0 or (nan_kept and x != x):
        return x
    return 0.0


@nb.njit(inline="always", cache=True)
def _normalise_into(v, nan_kept):
    """``normalise`` of the five numbers in ``v``, in place: each kept where positive, else 0 (NaN kept
    only where ``nan_kept``, as ``govsim.mechanisms.normalise``; read as 0 otherwise, as
    ``govsim.paradigms.base.normalised``), each divided by their sum added left to right from 0.0;
    0.2 each where that sum is not positive."""
    t = 0.0
    for d in range(5):
        x = _positive(v[d], nan_kept)
        v[d] = x
        t += x
    if t > 0:
        for d in range(5):
            v[d] = v[d] / t
    else:
        v[:] = 0.2


@nb.njit(inline="always", cache=True)
def _dirichlet_mix(view, keep, lose, e, lo, nan_kept):
    """``normalise(keep * view + lose * d)`` of one Dirichlet(1) draw ``d`` (the standard exponentials
    ``e[lo:lo + 5]``, each multiplied by one over their sum from 0.0), written into ``view``."""
    inv = 1.0 / (0.0 + e[lo] + e[lo + 1] + e[lo + 2] + e[lo + 3] + e[lo + 4])
    for d in range(5):
        view[d] = keep[d] * view[d] + lose[d] * (e[lo + d] * inv)
    _normalise_into(view, nan_kept)


@nb.njit(cache=True)
def reading(g, need, coverage, visibility, noise, wickedness, fidelity, links, fused, nan_kept):
    """A reading of a need of K = 5 dimensions, passed along ``links`` links of a chain: the numbers and
    draws of ``govsim.mechanisms.perceive_need`` (``nan_kept``) or of
    ``govsim.paradigms.base.perceived_chained`` (NaN parts read as 0).

    ``seen = need * coverage * visibility``, normalised where its sum (from 0.0) is positive;
    ``u = clip(noise + wickedness (1 - need . coverage), 0, 1)`` (:func:`dot`);
    the reading is ``normalise((1 - u) seen + u d)`` with ``d`` a Dirichlet(1) draw; each link then
    gives ``normalise(f v + (1 - f) d)`` with its own draw (``fidelity``: ``f`` and ``1 - f`` as two
    rows). The ``5 (1 + links)`` standard exponentials are drawn first, in one call, as numpy's
    ``standard_exponential`` draws them for the Python forms."""
    e = exponentials(g, 5 * (1 + links))
    view = np.empty(5)
    for d in range(5):
        view[d] = need[d] * coverage[d] * visibility[d]
    total = 0.0 + view[0] + view[1] + view[2] + view[3] + view[4]
    if total > 0:
        for d in range(5):
            view[d] = view[d] / total
    u = _clip01(noise + wickedness * (1.0 - dot(need, coverage, fused)))
    r = 1.0 - u
    _dirichlet_mix(view, np.array((r, r, r, r, r)), np.array((u, u, u, u, u)), e, 0, nan_kept)
    for link in range(links):
        _dirichlet_mix(view, fidelity[0], fidelity[1], e, 5 * (1 + link), nan_kept)
    return view


@nb.njit(cache=True)
def numpy_unary(fn, x, out, n):
    """numpy's unary float64 ufunc whose inner loop is at address ``fn`` (``govsim.kernels.numpy_loops``)
    on ``x[:n]``, into ``out[:n]`` (both contiguous): the very code numpy runs for an array of ``n``
    numbers, so the same numbers on every CPU numpy dispatches for (its AVX-512 logarithm, say)."""
    frame = np.empty(5, np.int64)  # the two data pointers, the count, the two strides
    frame[0] = x.ctypes.data
    frame[1] = out.ctypes.data
    frame[2] = n
    frame[3] = 8
    frame[4] = 8
    at = frame.ctypes.data
    _ufunc_loop(fn, at, at + 16, at + 24)


@nb.njit(inline="always", cache=True)
def _numpy_scalar(fn, v, scratch):
    """numpy's unary ufunc at ``fn`` of one number (as ``np.exp(v)`` of a float computes it)."""
    scratch[0] = v
    numpy_unary(fn, scratch, scratch[1:], 1)
    return scratch[1]


@nb.njit(inline="always", cache=True)
def _fit(need, aim, scratch, log_fn, exp_fn):
    """``fit_of(aim, need, log_coverage(coverage))`` with the clipped coverage in ``scratch[:5]`` (its
    logarithms go into ``scratch[5:]``): numpy's ``log`` and ``exp`` (``log_fn``, ``exp_fn``), the sums
    Python's, left to right."""
    numpy_unary(log_fn, scratch, scratch[5:], 5)
    weighted = (need[0] * scratch[5] + need[1] * scratch[6] + need[2] * scratch[7] + need[3] * scratch[8]
                + need[4] * scratch[9])
    capability = _numpy_scalar(exp_fn, weighted, scratch)
    overlap = aim[0] if aim[0] < need[0] else need[0]
    for d in range(1, 5):
        overlap += aim[d] if aim[d] < need[d] else need[d]
    return overlap * capability


@nb.njit(cache=True)
def design_from_best(best, has_best, sharing, scaled, need, aim, log_fn, exp_fn, g_nov, g_std, pid, rounds, low,
                     width, slack, constraint, share, defined, has_defined, codified, k0, r0, k1, r1, k2, r2, k3,
                     r3, k4, r4, n_kinds, lr, learning):
    """``Paradigm._design_from_best`` once the members' best knowledge on each dimension is known
    (``best``; ``has_best`` False for a group without members): coverage (``best`` scaled by
    ``sharing`` where ``scaled``), diversity, fit, novelty (a uniform of the ``novelty`` stream at
    ``(pid, rounds)`` over ``[low, low + width)``), a look in the rulebook (a uniform of the
    ``standard`` stream at the same key where ``0 < share < 1``) and mutual learning (:func:`learn`
    on the ``n_kinds`` (table, rows) pairs given, with ``lr``, where ``learning > 0``).

    Returns ``(coverage, fit, diversity, novelty, standard, learned)``: ``standard`` is the dimension
    of the standard solution taken (its fit and a novelty of 0 returned), or -1. The logarithms and
    the exponential are numpy's (``log_fn``, ``exp_fn``), the sums Python's, left to right."""
    scratch = np.empty(10)
    if has_best:
        diversity = (best[0] + best[1] + best[2] + best[3] + best[4]) / 5.0
        coverage = best * sharing if scaled else best
        for d in range(5):  # clip(coverage, 1e-3, 1): np.maximum, then np.minimum, of each (NaN kept)
            x = coverage[d]
            x = 1e-3 if x < 1e-3 else x
            scratch[d] = 1.0 if x > 1.0 else x
    else:
        diversity = 0.0
        coverage = np.zeros(5)
        scratch[:5] = 1e-3
    fit = _fit(need, aim, scratch, log_fn, exp_fn)
    _rekey(g_nov, pid, rounds, 0)
    u = low + width * random(g_nov)
    novelty = diversity * slack * (1.0 - constraint) * u
    novelty = 0.0 if 0.0 > novelty else novelty  # max(x, 0.0), then min(x, 1.0), as Python's built-ins compare
    novelty = 1.0 if 1.0 < novelty else novelty
    standard = -1
    looks = False
    if share > 0.0:
        if share >= 1.0:
            looks = True
        else:
            _rekey(g_std, pid, rounds, 0)
            looks = random(g_std) < share
    if looks and has_defined:
        t = 0  # np.argmax: the first largest (the first NaN, if any)
        m = defined[0]
        if m == m:
            for d in range(1, 5):
                x = defined[d]
                if x != x:
                    t = d
                    break
                if x > m:
                    m = x
                    t = d
        standard_fit = need[t] * codified[t]
        if standard_fit > fit:
            standard, fit, novelty = t, standard_fit, 0.0
    learned = 0.0
    if learning > 0.0 and n_kinds > 0:
        learned = learn(k0, r0, k1, r1, k2, r2, k3, r3, k4, r4, coverage, lr, learning)
    return coverage, fit, diversity, novelty, standard, learned


@nb.njit(cache=True)
def arena_definition(g_def, pid, need, wickedness, base_noise, dialogue_noise, fused, ck, crows, will, passivity, held,
                     ek, erows, ak, members_adm, pk, prows, fk, frows, firm_share, ct, po, em, ft):
    """How an NPG arena defines its problem (``NPG.define`` from its members on): the members' best
    knowledge (:func:`members_best`) as the coverage, noise lowered by their trust
    (:func:`members_trust`), the need read with the ``definition`` stream at ``(pid, 0)``
    (:func:`reading`, as ``perceive_need``)."""
    best, any_row = members_best(ck, crows, will, passivity, held, ek, erows, ak, members_adm, pk, prows, fk, frows,
                                 firm_share)
    if not any_row:
        best[:] = 0.0
    noise = base_noise + dialogue_noise * (1.0 - members_trust(ct, crows, po, prows, em, erows, ft, frows))
    _rekey(g_def, pid, 0, 0)
    return reading(g_def, need, best, np.ones(5), noise, wickedness, np.zeros((2, 5)), 0, fused, True)


@nb.njit(cache=True)
def arena_design(g_def, g_nov, g_std, pid, rounds, need, defined, conflict, noise, wickedness, fused, adm, pols,
                 control, openness, autonomy, depth, cap, open_arena, ck, crows, will, efficacy, passivity, held,
                 activation, ek, emp, discretion, motivation, ak, members_adm, facilitation, pk, fk, frows, firm_share,
                 constraint, sharing, scaled, log_fn, exp_fn, low, width, share, codified, k0, r0, k1, r1, k2, r2, k3,
                 r3, k4, r4, n_kinds, lr, learning):
    """The rest of ``NPG.design`` once an arena has met and gone on past deadlock: the arena's influence
    (politicians' openness, or the administration's restraint, times autonomy, depth and the tokenism
    cap, for an open arena with citizens), the administration's view (the best its members know, read
    with the ``definition`` stream at ``(pid, rounds)``: :func:`reading`), the direction
    (``NPG._direction``), the slack of the designers (employees' discretion x motivation, citizens'
    efficacy lifted by activation, administrators' facilitation: their mean), the members' best
    knowledge (:func:`members_best`) and the design itself (:func:`design_from_best`).

    Returns ``(direction, influence, coverage, fit, diversity, novelty, standard, learned)``, each as
    the Python form computes it, number for number."""
    n_adm = adm.size
    tmp = np.empty(max(n_adm, pols.size) + emp.size + crows.size + n_adm + 1)
    if n_adm == 0:
        ctrl = 0.5
    elif n_adm == 1:
        ctrl = control[adm[0]]
    else:
        ctrl = _gathered_mean(control, adm, 0, n_adm, tmp)
    power = _gathered_mean(openness, pols, 0, pols.size, tmp) if pols.size else 1.0 - ctrl
    influence = power * autonomy * depth * cap if open_arena else 0.0
    admin_cov = np.zeros(5)
    _rows_max(admin_cov, ak, adm, True)
    _rekey(g_def, pid, rounds, 0)
    view = reading(g_def, need, admin_cov, np.ones(5), noise, wickedness, np.zeros((2, 5)), 0, fused, True)
    keep, spread = 1.0 - conflict, conflict * 0.2
    arena = np.empty(5)
    for d in range(5):
        arena[d] = keep * defined[d] + spread
    _normalise_into(arena, False)
    rest = 1.0 - influence
    direction = np.empty(5)
    for d in range(5):
        direction[d] = influence * arena[d] + rest * view[d]
    _normalise_into(direction, False)
    n = 0
    for r in emp:
        tmp[n] = discretion[r] * motivation[r]
        n += 1
    for r in crows:
        eff = efficacy[r]
        tmp[n] = (1.0 - eff) * activation + eff
        n += 1
    for r in adm:
        tmp[n] = facilitation[r]
        n += 1
    slack = _sum(tmp, 0, n) / n if n else 0.0
    best, any_row = members_best(ck, crows, will, passivity, held, ek, emp, ak, members_adm, pk, pols, fk, frows,
                                 firm_share)
    coverage, fit, diversity, novelty, standard, learned = design_from_best(
        best, any_row, sharing, scaled, need, direction, log_fn, exp_fn, g_nov, g_std, pid, rounds, low, width, slack,
        constraint, share, defined, True, codified, k0, r0, k1, r1, k2, r2, k3, r3, k4, r4, n_kinds, lr, learning)
    return direction, influence, coverage, fit, diversity, novelty, standard, learned


@nb.njit(inline="always", cache=True)
def _kind_pair(tables, rows, kinds, n_kinds, m, pad, none):
    """The ``m``-th (knowledge table, rows) pair :func:`learn` takes: the ``m``-th kind of member with rows
    (``kinds``), else ``(pad, none)`` (``World.learning_pairs``)."""
    if m < n_kinds:
        j = kinds[m]
        return tables[j], rows[j]
    return pad, none


@nb.njit(inline="always", cache=True)
def _piece(joined, ends, i):
    """Problem ``i``'s rows of ``joined`` (each problem's rows one after the other, problem ``i``'s ending
    at ``ends[i]``)."""
    return joined[ends[i - 1] if i else 0:ends[i]]


@nb.njit(inline="always", cache=True)
def _stage_admitted(uses, hours, floor, total, congestion, g_cong, pid, now, stage):
    """``World.admit`` of one problem's stage (:func:`_admit`, the share of hours left added up again where
    the floor is not clearly above ``congestion``; every problem goes ahead where the stage does not use
    administrators' time): whether it goes ahead, and the floor after."""
    if not uses:
        return True, floor
    go, floor, _ = _admit(hours, floor, total, congestion, g_cong, pid, now, stage, False)
    return go, floor


@nb.njit(cache=True)
def arena_rounds(pids, rounds, needs, defineds, wickedness, pulls, managements, deliberates, thresholds, deadlines,
                 imposed, autonomies, depths, caps, activations, constraints, hours, extras, learnings, lrs, p_public,
                 cit, c_end, emp, e_end, adm, a_end, pol, p_end, frm, f_end, g_cong, g_con, g_def, g_nov, g_std, uses,
                 total, congestion, now, stage, floor, adm_left, pol_left, pol_policy, public, budget, actor,
                 max_rounds, coordination, goal, softening, noise, fused, cp, ep, ap, pp, fp, ct, ft, control,
                 openness, ck, will, efficacy, passivity, ek, discretion, motivation, ak, facilitation, pk, fk,
                 firm_share, members_adm, log_fn, exp_fn, low, width, share, codified):
    """``NPG.design`` for a step's arenas ready to design, one after another as the phase takes them
    (the problems ``pids``, their groups' rows one problem after another, ``*_end`` where each ends):
    admission where the stage ``uses`` administrators' time (``World.admit``: the floor on their share of
    hours left, the ``congestion`` stream), deliberation (:func:`arena_deliberation`), the meeting
    (:func:`book_meeting`: ``hours`` for each member, ``extras`` for the metagovernor), the ``conflict``
    stream's draw at ``(pid, round)``, and past the threshold another round (before ``max_rounds``),
    deadlock (the draw at or above the mandate's deadline) or a design imposed; then the design
    (:func:`arena_design`, sharing cut by the conflict and by coordination among the members, mutual
    learning on the members' kinds in the world's order).

    Returns whether it went (False, with nothing changed, where a group's administrators or politicians
    are not distinct and increasing), then per problem: the status (-1 not admitted, 0 another round,
    1 deadlock, 2 designed), alignment, members' positions counted, conflict, whether the design was
    imposed, the problem's public hours, influence, fit, diversity, novelty, standard (-1 for none),
    learned, directions and coverages (rows of zeros without a design); then the world's public hours
    and the admission floor (NaN for none) after them all."""
    n = pids.size
    status = np.full(n, -1, np.int64)
    alignment, conflict, influence = np.zeros(n), np.zeros(n), np.zeros(n)
    fit, diversity, novelty, learned = np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n)
    members = np.zeros(n, np.int64)
    standard = np.full(n, -1, np.int64)
    imposed_now = imposed.copy()
    p_pub = p_public.copy()
    directions, coverages = np.zeros((n, 5)), np.zeros((n, 5))
    for i in range(n):
        if not _increasing(_piece(adm, a_end, i), adm_left.size) or not _increasing(_piece(pol, p_end, i),
                                                                                   pol_left.size):
            return (False, status, alignment, members, conflict, imposed_now, p_pub, influence, fit, diversity,
                    novelty, standard, learned, directions, coverages, public, floor)
    tables = (ck, ek, ak, pk, fk)
    kinds = np.zeros(5, np.int64)
    for i in range(n):
        pid = pids[i]
        go, floor = _stage_admitted(uses, adm_left, floor, total, congestion, g_cong, pid, now, stage)
        if not go:
            continue
        crows, erows, arows = _piece(cit, c_end, i), _piece(emp, e_end, i), _piece(adm, a_end, i)
        prows, frows = _piece(pol, p_end, i), _piece(frm, f_end, i)
        marows = arows if members_adm else arows[:0]
        r = rounds[i] + 1
        a, m, c = arena_deliberation(goal, pulls[i], deliberates[i], softening, managements[i], cp, crows, ep, erows,
                                     ap, marows, pp, prows, fp, frows, ct, openness, motivation, ft)
        alignment[i], members[i], conflict[i] = a, m, c
        _, public, p_pub[i], floor = book_meeting(hours[i], erows.size, arows, adm_left, prows, pol_left, pol_policy,
                                                  public, p_pub[i], floor, budget, extras[i], actor)
        _rekey(g_con, pid, r, 0)
        u = random(g_con)
        status[i] = 2
        if c > thresholds[i]:
            if r < max_rounds:
                status[i] = 0
            elif u >= deadlines[i]:
                status[i] = 1
            else:
                imposed_now[i] = True
        if status[i] < 2:
            continue
        sharing = (1.0 - c) / (1.0 + coordination * max(m - 1, 0))
        scaled = sharing != 1.0
        open_arena = crows.size > 0
        if imposed_now[i]:
            open_arena = False
        rows = (crows, erows, arows, prows, frows)
        n_kinds = 0
        for j in range(5):
            if rows[j].size:
                kinds[n_kinds] = j
                n_kinds += 1
        pad = tables[kinds[0]] if n_kinds else ck
        none = crows[:0]
        k0, r0 = _kind_pair(tables, rows, kinds, n_kinds, 0, pad, none)
        k1, r1 = _kind_pair(tables, rows, kinds, n_kinds, 1, pad, none)
        k2, r2 = _kind_pair(tables, rows, kinds, n_kinds, 2, pad, none)
        k3, r3 = _kind_pair(tables, rows, kinds, n_kinds, 3, pad, none)
        k4, r4 = _kind_pair(tables, rows, kinds, n_kinds, 4, pad, none)
        shared = firm_share if frows.size else 1.0
        act = activations[i]
        held = 1.0 - act
        d, inf, cov, f, dv, nv, st, ln = arena_design(
            g_def, g_nov, g_std, pid, r, needs[i], defineds[i], c, noise, wickedness[i], fused, arows, prows, control,
            openness, autonomies[i], depths[i], caps[i], open_arena, ck, crows, will, efficacy, passivity, held, act,
            ek, erows, discretion, motivation, ak, marows, facilitation, pk, fk, frows, shared, constraints[i],
            sharing, scaled, log_fn, exp_fn, low, width, share, codified, k0, r0, k1, r1, k2, r2, k3, r3, k4, r4,
            n_kinds, lrs[i], learnings[i])
        directions[i, :] = d
        coverages[i, :] = cov
        influence[i], fit[i], diversity[i], novelty[i], standard[i], learned[i] = inf, f, dv, nv, st, ln
    return (True, status, alignment, members, conflict, imposed_now, p_pub, influence, fit, diversity, novelty,
            standard, learned, directions, coverages, public, floor)


@nb.njit(inline="always", cache=True)
def _spend_one(left, r, hours, floor, budget):
    """``World.spend`` of ``hours`` for one administrator ``r``: her hours left, and the floor on the share of
    all administrators' hours left (NaN for none) lowered by them (``budget``: all their hours)."""
    left[r] = left[r] - hours
    if floor == floor:
        floor = floor - hours / budget if hours >= 0 and budget > 0 else np.nan
    return floor


@nb.njit(cache=True)
def chain_designs(pids, rounds, needs, defineds, aff, a_end, g_cong, g_staff, g_chain, g_nov, g_std, uses, total,
                  congestion, now, stage, floor, adm_left, public, budget, link_hours, cprov, order, bounds, n_emp,
                  flag, provs, bits, pool, fidelity, ek, ak, discretion, motivation, log_fn, exp_fn, low, width,
                  standardisation, codified, lr):
    """``OPA.design`` for a step's problems ready to design, one after another as the phase takes them:
    admission where the stage ``uses`` administrators' time (``World.admit``), the administrator with
    most hours left (``World.pick_administrators(1)``), an employee of the staff serving the affected
    (the ``staffing`` stream at ``(pid, 1)``, :func:`staff_top`), the definition passed one link down the
    chain (five exponentials of the ``chain`` stream at ``(pid, 1)``, ``fidelity`` the rows of what a link
    keeps and loses of each dimension), the employee's slack, the design from the better of the two on
    each dimension (:func:`design_from_best`, both learning), and the administrator's ``link_hours``
    booked (``World.spend``).

    Returns per problem the status (-1 not admitted, 2 designed), the direction, the coverage, fit,
    diversity, novelty, standard (-1 for none), learned and the problem's public hours added; then the
    world's public hours and the admission floor (NaN for none) after them all."""
    n = pids.size
    status = np.full(n, -1, np.int64)
    fit, diversity, novelty, learned = np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n)
    standard = np.full(n, -1, np.int64)
    booked = np.zeros(n)
    directions, coverages = np.zeros((n, 5)), np.zeros((n, 5))
    keep, lose = fidelity[0], fidelity[1]
    one_adm = np.zeros(1, np.int64)
    none = one_adm[:0]
    best = np.empty(5)
    for i in range(n):
        pid = pids[i]
        go, floor = _stage_admitted(uses, adm_left, floor, total, congestion, g_cong, pid, now, stage)
        if not go:
            continue
        r_adm = _argmax(adm_left)
        one_adm[0] = r_adm
        _rekey(g_staff, pid, 1, 0)
        emp = staff_top(g_staff, _piece(aff, a_end, i), cprov, order, bounds, n_emp, 1, flag, provs, bits, pool)
        r_emp = emp[0]
        _rekey(g_chain, pid, 1, 0)
        x = exponentials(g_chain, 5)
        direction = defineds[i].copy()
        _dirichlet_mix(direction, keep, lose, x, 0, False)
        slack = discretion[r_emp] * motivation[r_emp]
        for d in range(5):
            u, v = ek[r_emp, d], ak[r_adm, d]
            best[d] = u if (u >= v or u != u) else v
        cov, f, dv, nv, st, ln = design_from_best(
            best.copy(), True, 1.0, False, needs[i], direction, log_fn, exp_fn, g_nov, g_std, pid, rounds[i], low,
            width, slack, standardisation, standardisation, defineds[i], True, codified, ek, emp, ak, one_adm, ek,
            none, ek, none, ek, none, 2, lr, 1.0)
        status[i] = 2
        directions[i, :] = direction
        coverages[i, :] = cov
        fit[i], diversity[i], novelty[i], standard[i], learned[i] = f, dv, nv, st, ln
        floor = _spend_one(adm_left, r_adm, link_hours, floor, budget)
        public += link_hours
        booked[i] = link_hours
    return status, directions, coverages, fit, diversity, novelty, standard, learned, booked, public, floor


@nb.njit(cache=True)
def team_designs(pids, rounds, needs, defineds, emp, e_end, adm, g_cong, g_nov, g_std, uses, total, congestion, now,
                 stage, floor, adm_left, public, budget, manager_hours, ek, ak, discretion, motivation, log_fn, exp_fn,
                 low, width, overhead, standardisation, codified, lr):
    """``NPM.design`` for a step's problems ready to design, one after another as the phase takes them,
    each defined by a team of employees (``emp``, each problem's ending at ``e_end``) and one manager
    (``adm``): admission where the stage ``uses`` administrators' time (``World.admit``), the employees'
    slack (the mean of discretion x motivation, as numpy adds it), the design aimed at the defined need
    from the best the team knows on each dimension (:func:`design_from_best`, all of them learning), and
    the manager's ``manager_hours`` booked (``World.spend``).

    Returns per problem the status (-1 not admitted, 2 designed), the coverage, fit, diversity, novelty,
    standard (-1 for none), learned and the problem's public hours added; then the world's public hours
    and the admission floor (NaN for none) after them all."""
    n = pids.size
    status = np.full(n, -1, np.int64)
    fit, diversity, novelty, learned = np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n)
    standard = np.full(n, -1, np.int64)
    booked = np.zeros(n)
    coverages = np.zeros((n, 5))
    one_adm = np.zeros(1, np.int64)
    none = one_adm[:0]
    best = np.empty(5)
    tmp = np.empty(emp.size + 1)
    for i in range(n):
        pid = pids[i]
        go, floor = _stage_admitted(uses, adm_left, floor, total, congestion, g_cong, pid, now, stage)
        if not go:
            continue
        erows = _piece(emp, e_end, i)
        m = erows.size
        if m == 1:  # the mean of one number is that number
            slack = discretion[erows[0]] * motivation[erows[0]]
        else:
            for j in range(m):
                tmp[j] = discretion[erows[j]] * motivation[erows[j]]
            slack = (0.0 + pairwise_sum(tmp, 0, m)) / m
        r_adm = adm[i]
        one_adm[0] = r_adm
        _rows_max(best, ek, erows, True)
        _rows_max(best, ak, one_adm, False)
        cov, f, dv, nv, st, ln = design_from_best(
            best.copy(), True, 1.0, False, needs[i], defineds[i], log_fn, exp_fn, g_nov, g_std, pid, rounds[i], low,
            width, slack, overhead, standardisation, defineds[i], True, codified, ek, erows, ak, one_adm, ek, none, ek,
            none, ek, none, 2, lr, 1.0)
        status[i] = 2
        coverages[i, :] = cov
        fit[i], diversity[i], novelty[i], standard[i], learned[i] = f, dv, nv, st, ln
        floor = _spend_one(adm_left, r_adm, manager_hours, floor, budget)
        public += manager_hours
        booked[i] = manager_hours
    return status, coverages, fit, diversity, novelty, standard, learned, booked, public, floor


@nb.njit(cache=True)
def logs(x):
    """The natural logarithm of each of ``x``, as the kernels take it (the C library's;
    ``govsim.kernels.close_log`` checks that numpy's is within a few last bits of it)."""
    out = np.empty(x.size)
    for i in range(x.size):
        out[i] = math.log(x[i])
    return out


@nb.njit(cache=True)
def dot_rows(a, b, fused):
    """:func:`dot` of each row of ``a`` with the same row of ``b``."""
    out = np.empty(a.shape[0])
    for i in range(a.shape[0]):
        out[i] = dot(a[i], b[i], fused)
    return out


@nb.njit(cache=True)
def _admit(hours, floor, total, congestion, g_cong, pid, now, stage, exact):
    """``World.admit`` for a stage that uses administrators' time, from the floor it keeps on their share
    of hours left (NaN for none): whether the stage goes ahead, the floor as it then stands, and whether
    that floor is the share itself. ``exact``: the floor is the share, worked out earlier in the same scan
    (nobody's hours change within a scan), so it is not added up again."""
    if floor == floor and floor > max(congestion, 0.0) + 1e-9:
        return True, floor, exact
    if exact:
        left = floor
    elif total > 0:
        kept = np.empty(hours.size)
        for r in range(hours.size):  # np.maximum(hours, 0.0), NaN kept
            h = hours[r]
            kept[r] = h if (h >= 0.0 or h != h) else 0.0
        left = (0.0 + pairwise_sum(kept, 0, kept.size)) / total
        floor = left
        exact = True
    else:
        left = 0.0
        floor = np.nan
    if left <= 0.0:
        return False, floor, exact
    if congestion <= 0.0 or left >= congestion:
        return True, floor, exact
    _rekey(g_cong, pid, now, stage)
    return random(g_cong) < left / congestion, floor, exact


@nb.njit(cache=True)
def _serving(aff, lo, hi, cprov, order, bounds, n_emp, flag, provs, bits, pool):
    """``World.serving_staff`` of the citizens ``aff[lo:hi]`` (every employee if none serves them), written
    into ``pool`` in increasing row order: its size. ``flag`` (per provider) and ``bits`` (per employee)
    are all clear before and after."""
    n_prov = 0
    size = 0
    for j in range(lo, hi):
        k = cprov[aff[j]]
        if not flag[k]:
            flag[k] = True
            provs[n_prov] = k
            n_prov += 1
            size += bounds[k + 1] - bounds[k]
    if size:  # their providers' blocks, put in row order through a bit per employee
        for t in range(n_prov):
            k = provs[t]
            for q in range(bounds[k], bounds[k + 1]):
                r = order[q]
                bits[r >> 6] |= _ONE << _U(r & 63)
        size = 0
        for word in range(bits.size):
            x = bits[word]
            if x == _ZERO:
                continue
            bits[word] = _ZERO
            while x != _ZERO:
                low = x & (~x + _ONE)  # the lowest bit set
                pool[size] = word * 64 + _DEBRUIJN_AT[np.int64((low * _DEBRUIJN) >> _U(58))]
                size += 1
                x ^= low
    for t in range(n_prov):
        flag[provs[t]] = False
    if size == 0:
        for q in range(n_emp):
            pool[q] = q
        size = n_emp
    return size


@nb.njit(cache=True)
def _first_key(g, size):
    """``top_rows(rng.random(size), 1)``: a key for each of ``size`` members, the place of the largest
    (the first among equals); -1 for none."""
    best, top = -1, -1.0
    for q in range(size):
        x = random(g)
        if best < 0 or x > top:
            best, top = q, x
    return best


@nb.njit(cache=True)
def _look(uses, hours, floor, total, congestion, g_cong, g_notice, pid, now, stage, exact):
    """A scan's look at one waiting problem: admission (:func:`_admit`, where the stage uses
    administrators' time), then, if admitted, the first draw of its ``noticing`` block. Returns
    whether it was admitted, the floor as it then stands, whether it is the share itself, and that draw."""
    if uses:
        admitted, floor, exact = _admit(hours, floor, total, congestion, g_cong, pid, now, stage, exact)
        if not admitted:
            return False, floor, exact, 0.0
    _rekey(g_notice, pid, now, 0)
    return True, floor, exact, random(g_notice)


@nb.njit(cache=True)
def staff_top(g, aff, cprov, order, bounds, n_emp, n, flag, provs, bits, pool):
    """``World.pick_employees(problem, n, rng)``: the serving staff of the citizens ``aff``
    (:func:`_serving`), then :func:`keys_top` of them."""
    size = _serving(aff, 0, aff.size, cprov, order, bounds, n_emp, flag, provs, bits, pool)
    return keys_top(g, pool[:size], n)


@nb.njit(cache=True)
def chain_notice(start, ids, needs, aff, aff_end, cprov, order, bounds, n_emp, ek, ak, hours, uses, floor,
                 total, congestion, now, stage, adm, g_notice, g_cong, flag, provs, bits, pool, picked, fused):
    """OPA's noticing (``Paradigm.next_noticed`` with ``OPA.notice``) over the problems ``start, ...``
    waiting to be noticed, up to the first one noticed.

    For each: ``World.admit`` (:func:`_admit`); if admitted, from the ``noticing`` stream at
    ``(id, now)``: a uniform, then ``World.pick_employees(problem, 1)`` (a key for each employee of
    the providers serving the affected, in row order; the largest key's, the first among equals),
    and the chance of being noticed is ``need . max(employee's knowledge, top administrator's)``.
    Administrators' hours do not change while no problem is noticed. Returns the index of the
    problem noticed (-1 if none, -2 where there is no employee or administrator) and the floor as
    it stands (NaN for none); the employee who noticed goes into ``picked[0]``. ``fused``: how the
    dot product is added (:func:`dot`). ``adm``: the administrator with most hours left
    (``World.pick_administrators(1)``, found by numpy's argmax; -1 for none).
    """
    width = ek.shape[1]
    cov = np.empty(width)
    lo = aff_end[start - 1] if start > 0 else 0
    exact = False  # whether the floor is the share of hours left itself (see _admit)
    for i in range(start, ids.size):
        hi = aff_end[i]
        admitted, floor, exact, u = _look(uses, hours, floor, total, congestion, g_cong, g_notice, ids[i], now,
                                           stage, exact)
        if not admitted:
            lo = hi
            continue
        size = _serving(aff, lo, hi, cprov, order, bounds, n_emp, flag, provs, bits, pool)
        lo = hi
        best = _first_key(g_notice, size)
        if best < 0 or adm < 0:
            return -2, floor  # no employee or no administrator: not for this kernel (the caller checks)
        emp = pool[best]
        for d in range(width):  # np.maximum: the larger, NaN kept
            a = ek[emp, d]
            b = ak[adm, d]
            cov[d] = a if (a >= b or a != a) else b
        if u < dot(needs[i], cov, fused):
            picked[0] = emp
            return i, floor
    return -1, floor


@nb.njit(cache=True)
def chain_phase(ids, needs, wickedness, aff, aff_end, cprov, order, bounds, n_emp, ek, ak, adm_left, uses, floor, total,
                congestion, now, stage, g_notice, g_cong, g_staff, g_chain, flag, provs, bits, pool, picked, fused,
                sees, noise, fidelity, links, adm_hours, pol_left, pol_policy, case_hours, public, budget):
    """OPA's noticing and defining of the problems waiting (``phases.notice_and_define``): the next problem
    noticed (:func:`chain_notice`, the administrator with most hours left found afresh each time), then its
    definition (``OPA.define``): an employee of the staff serving the affected (the ``staffing`` stream
    at ``(id, 0)``), the administrator and the politician with most hours left, the employee's
    knowledge read up the chain (:func:`reading` with ``links`` links, the ``chain`` stream at
    ``(id, 0)``), ``adm_hours`` booked for the administrator and ``case_hours`` of policy time for the
    politician, as far as she has it (``World.spend``, ``World.spend_politicians``); and so on from the
    problem after it.

    Returns how many were noticed, then for each in turn its index in the list, the employee, the
    administrator, the politician, the defined need, and the politician's hours given (as
    ``World.spend_politicians`` returns them); then the world's
    public hours and the admission floor (NaN for none) after them all; -1 for the count where there is
    no employee or administrator (the caller makes sure there are)."""
    n = ids.size
    found = np.empty(n, np.int64)
    emps, adms, pols = np.empty(n, np.int64), np.empty(n, np.int64), np.empty(n, np.int64)
    defined = np.zeros((n, 5))
    given = np.zeros(n)
    one_pol = np.zeros(1, np.int64)
    count = 0
    start = 0
    while start < n:
        i, floor = chain_notice(start, ids, needs, aff, aff_end, cprov, order, bounds, n_emp, ek, ak, adm_left, uses,
                                floor, total, congestion, now, stage, _argmax(adm_left), g_notice, g_cong, flag,
                                provs, bits, pool, picked, fused)
        if i == -2:
            return -1, found, emps, adms, pols, defined, given, public, floor
        if i < 0:
            break
        pid = ids[i]
        _rekey(g_staff, pid, 0, 0)
        emp = staff_top(g_staff, _piece(aff, aff_end, i), cprov, order, bounds, n_emp, 1, flag, provs, bits,
                        pool)[0]
        adm = _argmax(adm_left)
        pol = _argmax(pol_left)
        _rekey(g_chain, pid, 0, 0)
        view = reading(g_chain, needs[i], ek[emp], sees, noise, wickedness[i], fidelity, links, fused, False)
        floor = _spend_one(adm_left, adm, adm_hours, floor, budget)
        public += adm_hours
        one_pol[0] = pol
        g = _give_politicians(one_pol, case_hours, pol_left, pol_policy)  # World.spend_politicians, policy time
        public += g
        found[count], emps[count], adms[count], pols[count], given[count] = i, emp, adm, pol, g
        defined[count, :] = view
        count += 1
        start = i + 1
    return count, found, emps, adms, pols, defined, given, public, floor


@nb.njit(cache=True)
def team_phase(ids, needs, wickedness, aff, aff_end, cprov, n_prov, order, bounds, n_emp, ek, ak, adm_left, uses, floor,
               total, congestion, now, stage, g_notice, g_cong, g_staff, g_def, counted, seen, noise, team,
               manager_hours, public, budget, fused):
    """NPM's noticing and defining of the problems waiting (``phases.notice_and_define``): each in turn is
    admitted (:func:`_look`) and noticed with chance ``need . counted`` against the first draw of its
    ``noticing`` block; a problem noticed is defined (``NPM.define``): a team of ``team`` employees of its
    main provider (the provider of most of the affected, the first among equals; the ``staffing``
    stream at ``(id, 0)``, :func:`keys_top`, every employee where the provider has none), the
    administrator with most hours left, their best knowledge on each dimension read through what
    measurement lets be ``seen`` (:func:`reading`, the ``definition`` stream at ``(id, 0)``), and the
    manager's hours booked (``World.spend``).

    Returns how many were noticed, then for each in turn its index in the list, the administrator, the
    defined need, the team's rows one team after another and where each team ends; then the world's
    public hours and the admission floor (NaN for none) after them all."""
    n = ids.size
    found, adms = np.empty(n, np.int64), np.empty(n, np.int64)
    defined = np.zeros((n, 5))
    members = np.empty(n * team, np.int64)
    m_end = np.zeros(n, np.int64)
    counts = np.zeros(n_prov, np.int64)
    every = np.arange(n_emp)
    one_adm = np.zeros(1, np.int64)
    best = np.empty(5)
    links = np.zeros((2, 5))
    count, at, exact = 0, 0, False
    for i in range(n):
        pid = ids[i]
        admitted, floor, exact, u = _look(uses, adm_left, floor, total, congestion, g_cong, g_notice, pid, now,
                                          stage, exact)
        if not admitted or not u < dot(needs[i], counted, fused):
            continue
        counts[:] = 0
        for c in _piece(aff, aff_end, i):
            counts[cprov[c]] += 1
        prov = 0
        for k in range(n_prov):  # np.bincount(...).argmax(): the first of the most
            if counts[k] > counts[prov]:
                prov = k
        pool = order[bounds[prov]:bounds[prov + 1]]
        if pool.size == 0:
            pool = every
        _rekey(g_staff, pid, 0, 0)
        emp = keys_top(g_staff, pool, team)
        adm = _argmax(adm_left)
        one_adm[0] = adm
        _rows_max(best, ek, emp, True)
        _rows_max(best, ak, one_adm, False)
        _rekey(g_def, pid, 0, 0)
        view = reading(g_def, needs[i], best, seen, noise, wickedness[i], links, 0, fused, False)
        floor = _spend_one(adm_left, adm, manager_hours, floor, budget)
        public += manager_hours
        exact = False  # the hours changed
        found[count], adms[count] = i, adm
        defined[count, :] = view
        members[at:at + emp.size] = emp
        at += emp.size
        m_end[count] = at
        count += 1
    return count, found, adms, defined, members, m_end, public, floor


@nb.njit(cache=True)
def _seen_mean(need, table, rows, n, best, values, fused):
    """``NPG._seen`` of the first ``n`` of ``rows`` (``need . max of their knowledge rows``, 0 for none)
    and the mean of ``values`` over them (``fmean``; 0 for none)."""
    if n == 0:
        return 0.0, 0.0
    for j in range(n):
        r = rows[j]
        for d in range(best.size):
            _take_max(best, d, table[r, d], j == 0)
    if n == 1:
        return dot(need, best, fused), values[rows[0]]
    vals = np.empty(n)
    for j in range(n):
        vals[j] = values[rows[j]]
    return dot(need, best, fused), (0.0 + pairwise_sum(vals, 0, n)) / n


@nb.njit(cache=True)
def _seen_share(need, table, row, one, best, hours, budget, fused):
    """``NPG._seen`` and ``_share_left`` of one member ``row``: what they see of the need, and their
    hours left as a share of ``budget`` in [0, 1] (0 and 0 for nobody, ``row`` < 0)."""
    if row < 0:
        return 0.0, 0.0
    one[0] = row
    seen, left = _seen_mean(need, table, one, 1, best, hours, fused)
    share = left / budget
    if 0.0 > share:
        share = 0.0
    if 1.0 < share:
        share = 1.0
    return seen, share


@nb.njit(cache=True)
def arena_notice(start, ids, needs, salience, aff, aff_end, will, watchers, cprov, order, bounds, n_emp,
                 ck, eff, ek, motivation, discretion, ak, a_hours, a_budget, pk, p_hours, p_budget, floor_share,
                 uses, floor, total, congestion, now, stage, adm, pol, g_notice, g_cong, flag, provs, bits, pool,
                 picked, fused, margin):
    """NPG's noticing (``Paradigm.next_noticed`` with ``NPG.notice``) over the problems ``start, ...``
    waiting to be noticed, up to the first one noticed.

    For each: ``World.admit`` (:func:`_admit`); if admitted, from the ``noticing`` stream at
    ``(id, now)``: a uniform, then the watchers drawn as ``World.pick_willing_citizens(affected,
    watchers)`` draws them (a key per affected citizen, scored ``log(max(key, 1e-300)) / (w + 1e-9)``;
    the ``watchers`` best scores, the first rows among equals), then one employee as ``World.pick_employees``
    draws; the top administrator and politician are those with most hours left. Each kind feels
    ``salience x seen x (f + (1 - f) condition)`` (``salience`` per problem and kind, ``f`` =
    ``floor_share``), the chance of being noticed is ``1 - prod(1 - felt)`` and the initiator the
    kind that feels most (the first among equals). Returns the index of the problem noticed (-1 if
    none) and the floor as it stands; the initiator's kind goes into ``picked[0]``.

    The logarithm here is the C library's; numpy's may differ from it in the last bits (its own
    vector code on some CPUs). Which citizens watch can then differ only where the last score
    taken and the best score left are within ``margin`` of each other, relatively (a few units in
    the last place is all numpy's can move them; ``govsim.kernels.LOG_MARGIN`` allows far more).
    There the kernel stops before that problem and returns -3, with the floor as it stood before
    it and the problem's index in ``picked[0]``: the Python form takes over from that problem.
    ``fused``: how dot products are added (:func:`dot`). ``adm`` and ``pol``: the administrator and the
    politician with most hours left (``World.pick_administrators(1)`` and ``pick_politicians(1)``, found
    by numpy's argmax, which is several times faster on the thousands of a large population; -1 for none).
    """
    width = ck.shape[1]
    best = np.empty(width)
    felt = np.empty(4)
    wc = np.empty(max(watchers, 1), np.int64)
    one = np.empty(1, np.int64)
    rest = 1.0 - floor_share
    lo = aff_end[start - 1] if start > 0 else 0
    exact = False  # whether the floor is the share of hours left itself (see _admit)
    for i in range(start, ids.size):
        hi = aff_end[i]
        before = floor
        admitted, floor, exact, u = _look(uses, a_hours, floor, total, congestion, g_cong, g_notice, ids[i], now,
                                           stage, exact)
        if not admitted:
            lo = hi
            continue
        # the watchers: a key per affected citizen, then the best scores
        m = hi - lo
        score = np.empty(m)
        for j in range(m):
            x = random(g_notice)
            if not x >= 1e-300:  # np.maximum(x, 1e-300) (a uniform is never NaN)
                x = 1e-300
            score[j] = math.log(x) / (will[aff[lo + j]] + 1e-9)
        n_c = 0
        if m > 0 and watchers > 0:
            n_c = min(watchers, m)
            taken = np.zeros(m, np.bool_)
            for t in range(n_c):
                b = _best_left(score, taken)
                taken[b] = True
                wc[t] = aff[lo + b]
            if n_c < m:  # the last one in against the best one out: too close to tell apart? (see above)
                last = score[b]
                b = _best_left(score, taken)
                if not last - score[b] > margin * (abs(last) + abs(score[b])):
                    picked[0] = i
                    return -3, before
            wc[:n_c].sort()
        size = _serving(aff, lo, hi, cprov, order, bounds, n_emp, flag, provs, bits, pool)
        lo = hi
        k = _first_key(g_notice, size)
        n_e = 0
        if k >= 0:
            one[0] = pool[k]
            n_e = 1
        seen_c, cond_c = _seen_mean(needs[i], ck, wc, n_c, best, eff, fused)
        seen_e = 0.0
        cond_e = 0.0
        if n_e:
            seen_e, cond_e = _seen_mean(needs[i], ek, one, 1, best, motivation, fused)
            cond_e = cond_e * discretion[one[0]]
        seen_a, cond_a = _seen_share(needs[i], ak, adm, one, best, a_hours, a_budget, fused)
        seen_p, cond_p = _seen_share(needs[i], pk, pol, one, best, p_hours, p_budget, fused)
        felt[0] = salience[i, 0] * seen_c * (floor_share + rest * cond_c)
        felt[1] = salience[i, 1] * seen_e * (floor_share + rest * cond_e)
        felt[2] = salience[i, 2] * seen_a * (floor_share + rest * cond_a)
        felt[3] = salience[i, 3] * seen_p * (floor_share + rest * cond_p)
        none = (1.0 - felt[0]) * (1.0 - felt[1]) * (1.0 - felt[2]) * (1.0 - felt[3])
        if u < 1.0 - none:
            who = 0
            for t in range(1, 4):
                if felt[t] > felt[who]:
                    who = t
            picked[0] = who
            return i, floor
    return -1, floor


# --------------------------------------------------------------------------- decisions


@nb.njit(cache=True)
def council_decisions(g_dec, g_hear, pids, hours, left, booked, pool, need, public, hearing, seats, completeness,
                      openness, aff, aff_end, will, ck, needs, directions, coverages, wickedness, noise, fused, log_fn,
                      exp_fn):
    """``OPA.decide`` for a step's designed problems, one after another in the phase's order.

    Each is a case: the politician with most time left (numpy's argmax) gives ``hours`` of case time
    as ``World.spend_politicians`` books one politician's, and a uniform of the ``decision`` stream at
    ``(pid, 0)`` decides whether the committee discusses it (``World.handle_case``: with chance
    ``min(1, pool / need)``, using up ``need`` of the committee ``pool``). Then a uniform of the
    ``hearing`` stream at ``pid``; below ``hearing``, with ``seats > 0``, a hearing: ``seats`` of the
    affected drawn as ``World.pick_willing_citizens`` draws them (numpy's logarithm, ``log_fn``), their
    best knowledge reading the need (:func:`reading`, on from the same stream), the direction moved
    towards that reading by the influence (the politician's openness x ``1 - completeness``) and
    normalised as ``normalised`` does, and its fit as ``fit_of`` works it out (numpy's ``log_fn`` and
    ``exp_fn``).

    Returns, per problem: the hours given, whether discussed, whether a hearing was held, the influence,
    the directions (changed where heard) and fits (where heard), the heard one problem after another
    with where each ends; then the committee pool and the public hours after."""
    n = pids.size
    given = np.zeros(n)
    discussed = np.zeros(n, np.bool_)
    held = np.zeros(n, np.bool_)
    influence = np.zeros(n)
    fits = np.zeros(n)
    dirs = directions.copy()
    heard = np.empty(aff.size, np.int64)
    h_end = np.zeros(n, np.int64)
    one = np.empty(1, np.int64)
    tmp = np.empty(1)
    scratch = np.empty(10)
    cov = np.empty(5)
    ones = np.ones(5)
    no_links = np.zeros((2, 5))
    n_heard = 0
    lo = 0
    for i in range(n):
        hi = aff_end[i]
        one[0] = _argmax(left)
        total = _give_politicians(one, hours, left, booked)  # World.spend_politicians, case time
        public += total
        given[i] = total
        _rekey(g_dec, pids[i], 0, 0)
        x = pool / need
        if random(g_dec) < (x if x < 1.0 else 1.0):  # Python's min(1.0, x) and max(0.0, y)
            y = pool - need
            pool = y if y > 0.0 else 0.0
            discussed[i] = True
        _rekey(g_hear, pids[i], 0, 0)
        if random(g_hear) < hearing and seats > 0:
            held[i] = True
            m = hi - lo
            keys = np.empty(m)
            random_into(g_hear, keys)
            for j in range(m):
                if not keys[j] >= 1e-300:  # np.maximum(keys, 1e-300) (a uniform is never NaN)
                    keys[j] = 1e-300
            numpy_unary(log_fn, keys, keys, m)
            for j in range(m):
                keys[j] = keys[j] / (will[aff[lo + j]] + 1e-9)
            start = n_heard
            if seats >= m:  # top_rows of all: every row
                for j in range(m):
                    heard[n_heard] = aff[lo + j]
                    n_heard += 1
            else:  # the best scores, the first rows among equals
                taken = np.zeros(m, np.bool_)
                for t in range(seats):
                    b = _best_left(keys, taken)
                    taken[b] = True
                    heard[n_heard] = aff[lo + b]
                    n_heard += 1
            heard[start:n_heard].sort()
            inf = _gathered_mean(openness, one, 0, 1, tmp) * (1.0 - completeness)
            influence[i] = inf
            cov[:] = 0.0
            _rows_max(cov, ck, heard[start:n_heard], True)
            view = reading(g_hear, needs[i], cov, ones, noise, wickedness[i], no_links, 0, fused, False)
            rest = 1.0 - inf
            d = dirs[i]
            for k in range(5):
                d[k] = rest * d[k] + inf * view[k]
            _normalise_into(d, False)
            for k in range(5):  # clip(coverage, 1e-3, 1): np.maximum, then np.minimum (NaN kept)
                x = coverages[i, k]
                x = 1e-3 if x < 1e-3 else x
                scratch[k] = 1.0 if x > 1.0 else x
            fits[i] = _fit(needs[i], d, scratch, log_fn, exp_fn)
        h_end[i] = n_heard
        lo = hi
    return given, discussed, held, influence, dirs, fits, heard[:n_heard].copy(), h_end, pool, public


# --------------------------------------------------------------------------- implementation


@nb.njit(inline="always", cache=True)
def _sum(a, lo, n):
    """``np.add.reduce`` of ``a[lo:lo + n]``: numpy's pairwise sum, added to 0.0 as numpy's reduction is."""
    return 0.0 + pairwise_sum(a, lo, n)


@nb.njit(cache=True)
def _clip01(x):
    """``np.clip(x, 0.0, 1.0)`` of one number: a bound replaces it only when it lies outside (NaN kept)."""
    if x < 0.0:
        return 0.0
    if x > 1.0:
        return 1.0
    return x


@nb.njit(cache=True)
def _gathered_mean(values, rows, lo, hi, tmp):
    """``fmean(values[rows[lo:hi]])`` for ``hi > lo``: the same sum over the same count."""
    n = _gather(tmp, 0, values, rows[lo:hi])
    return _sum(tmp, 0, n) / n


@nb.njit(cache=True)
def implementation_teams(ids, attempts, aff, a_end, n_team, cprov, order, bounds, n_emp, flag, provs, bits, pool,
                         g_impl):
    """The first draws of ``phases.implement_solutions`` for the decided problems ``ids``: from the
    ``implementation`` stream at ``(id, attempts)`` the draw that settles implementation, then the
    team (``World.pick_employees``: :func:`_serving`, then :func:`keys_top`). Returns the draws, the
    teams one problem after another, and where each problem's team ends."""
    k = ids.size
    us = np.empty(k)
    t_end = np.empty(k, np.int64)
    teams = np.empty(k * max(n_team, 0), np.int64)
    nt = 0
    for i in range(k):
        lo = a_end[i - 1] if i else 0
        _rekey(g_impl, ids[i], attempts[i], 0)
        us[i] = random(g_impl)
        size = _serving(aff, lo, a_end[i], cprov, order, bounds, n_emp, flag, provs, bits, pool)
        team = keys_top(g_impl, pool[:size], n_team)
        for j in range(team.size):
            teams[nt + j] = team[j]
        nt += team.size
        t_end[i] = nt
    return us, teams[:nt], t_end


@nb.njit(cache=True)
def deliver(ids, attempts, aff, a_end, teams, t_end, roles, standard, directions, focus, overlaps, members, m_end,
            influence, needs, pols, p_end, firms, f_end, ownership, wickedness, will, resources, trust, knowledge,
            effective, kept, steered, discretion, legit, firm_resources, resource_share, council, mobilisation,
            contestation, g_co, fused):
    """The numbers of ``phases.implement_solutions`` for the decided problems ``ids`` and their teams
    (:func:`implementation_teams`), with the same draws.

    For each problem, in order: the team's public quality (``Delivery.team_quality``): each
    member's overlap between control's ``focus`` and the solution's direction (every dimension for
    a standard solution), or, where control has a focus per provider, the member's value in
    ``overlaps`` (worked out by numpy); co-production: resources brought, clipped to [0, 1], then,
    from the ``coproduction`` stream at ``(id, attempts)``, a draw per affected citizen for who
    co-produces, and what they know at best, met with the need; partner firms' resources
    (``partners.add_resources``); political support (the seated politicians' legitimacy, or the
    ``council``'s); resistance (distrust among the affected, less the ownership of those who are
    members of the problem's group). Each is worked out as the Python form works it out: every
    sum is numpy's, every dot product added as numpy adds it here (``fused``, :func:`dot`). The
    ``coproduction`` draws are taken only where they are used (the stream is keyed per problem).

    Returns per problem whether it was co-produced (then its co-producers take part and book
    hours), the team's mean discretion, the quality, the support and the resistance; and the
    co-producers one problem after another, with where each problem's end.
    """
    k = ids.size
    width = directions.shape[1]
    ones = np.ones(width)
    per_member = focus.size == 0
    quality = np.empty(k)
    support = np.empty(k)
    resistance = np.empty(k)
    disc = np.zeros(k)
    coproduced = np.zeros(k, np.int64)
    pr_end = np.empty(k, np.int64)
    producers = np.empty(aff.size, np.int64)
    most = max(teams.size, pols.size, firms.size)
    for i in range(k):
        most = max(most, a_end[i] - (a_end[i - 1] if i else 0))
    tmp = np.empty(most)
    draws = np.empty(most)
    best = np.empty(width)
    member = np.zeros(will.size, np.bool_)  # a flag per citizen: a member of the problem's group
    npr = 0
    for i in range(k):
        lo = a_end[i - 1] if i else 0
        hi = a_end[i]
        m = hi - lo
        t_lo = t_end[i - 1] if i else 0
        ts = t_end[i] - t_lo
        if ts:
            if per_member and not standard[i]:
                for j in range(ts):
                    r = teams[t_lo + j]
                    tmp[j] = effective[r] * (kept[r] + steered[r] * overlaps[t_lo + j])
            else:
                ov = dot(ones if standard[i] else focus, directions[i], fused)
                for j in range(ts):
                    r = teams[t_lo + j]
                    tmp[j] = effective[r] * (kept[r] + steered[r] * ov)
            q_public = _sum(tmp, 0, ts) / ts
            disc[i] = _gathered_mean(discretion, teams, t_lo, t_end[i], tmp)
        else:
            q_public = 0.0
        role = roles[i]
        co = 0.0
        if m:
            for j in range(m):
                c = aff[lo + j]
                tmp[j] = resources[c] * will[c]
            co = _clip01(_sum(tmp, 0, m) / m * role)
        if co > 0:
            coproduced[i] = 1
            _rekey(g_co, ids[i], attempts[i], 0)
            random_into(g_co, draws[:m])
            first = True
            for j in range(m):
                c = aff[lo + j]
                if draws[j] < will[c] * role:
                    producers[npr] = c
                    npr += 1
                    for d in range(width):  # np.maximum.reduce of their knowledge rows, row after row
                        _take_max(best, d, knowledge[c, d], first)
                    first = False
            if first:  # nobody drawn: what no rows pool
                for d in range(width):
                    best[d] = 0.0
            co *= dot(needs[i], best, fused)
        pr_end[i] = npr
        q = q_public + (1.0 - q_public) * co
        f_lo = f_end[i - 1] if i else 0
        if f_end[i] > f_lo:
            q = q + (1.0 - q) * resource_share * _gathered_mean(firm_resources, firms, f_lo, f_end[i], tmp)
        quality[i] = q
        p_lo = p_end[i - 1] if i else 0
        n_pol = p_end[i] - p_lo
        if n_pol == 1:
            seat = legit[pols[p_lo]] + 0.0
        elif n_pol:
            seat = _gathered_mean(legit, pols, p_lo, p_end[i], tmp)
        else:
            seat = council
        s = mobilisation * ownership[i] * seat
        support[i] = s
        contested = 1.0 - contestation * (1.0 - wickedness[i])
        if m:
            for j in range(m):
                tmp[j] = 1.0 - trust[aff[lo + j]]
            m_lo = m_end[i - 1] if i else 0
            if m_end[i] > m_lo:  # ownership: the problem's influence for the affected who are members
                for j in range(m_lo, m_end[i]):
                    member[members[j]] = True
                keep = 1.0 - influence[i]
                for j in range(m):
                    tmp[j] *= keep if member[aff[lo + j]] else 1.0 - 0.0
                for j in range(m_lo, m_end[i]):
                    member[members[j]] = False
            distrust = _sum(tmp, 0, m) / m
        else:
            distrust = 0.0
        resistance[i] = distrust * (1.0 - s) * contested
    return coproduced, disc, quality, support, resistance, producers[:npr], pr_end


# --------------------------------------------------------------------------- indicators


@nb.njit(inline="always", cache=True)
def _mean_at(tmp, n):
    """``_mean`` in :mod:`govsim.metrics` of the ``n`` values gathered into ``tmp`` (0 for none)."""
    return _sum(tmp, 0, n) / n if n else 0.0


@nb.njit(cache=True)
def indicators(public_hours, citizen_hours, value, solved, implemented, failed, age, novelty, fit, ca, cb,
               first, initiator, arena, alignment, seats, seated, diversity, learning, da, db,
               case, discussed, legitimacy, influence, ea, eb,
               last_participated, last_deliberated, high, last_rung, trust, provider, provider_quality, since,
               hour_value, hours_unit, novelty_threshold, kinds, out):
    """The indicators of :mod:`govsim.metrics` that read the event logs' windows (closures in rows
    ``ca:cb`` of their columns, designs in ``da:db``, decisions in ``ea:eb``) and the citizens' state,
    each worked out as its Python function works it out: every sum numpy's, every count exact.

    Writes into ``out``: value_per_cost, share_solved, implementation_success, speed,
    resources_mobilised, novel_adoption, novelty_fit; initiated_by each of the ``kinds`` initiators
    (by code); goal_alignment, seats_filled, diversity, learning; decoupling, legitimacy, influence;
    service_quality, participation_rate, the sum and count of the latest rungs of recent participants,
    the counts of deliberative participants in the more and the less resourceful half and of the
    more resourceful half, and trust.
    """
    most = max(cb - ca, db - da, eb - ea, trust.size)
    tmp = np.empty(most)
    # closures
    n = cb - ca
    for i in range(n):
        tmp[i] = public_hours[ca + i] + hour_value * citizen_hours[ca + i]
    hours = _sum(tmp, 0, n)
    if hours <= 0:
        out[0] = 0.0
    else:
        r = hours_unit * _sum(value, ca, n) / hours
        out[0] = r / (1.0 + r)
    n_solved = n_impl = n_done = m = 0
    ages = 0
    for i in range(ca, cb):
        if solved[i]:
            n_solved += 1
            ages += age[i]
        if implemented[i]:
            n_impl += 1
        if implemented[i] or failed[i]:
            n_done += 1
    out[1] = n_solved / n if n else 0.0
    out[2] = n_impl / n_done if n_done else 0.0
    out[3] = 1.0 / (1.0 + float(ages) / n_solved / 12.0) if n_solved else 0.0
    cit = _sum(citizen_hours, ca, n)
    pub = _sum(public_hours, ca, n)
    out[4] = cit / (cit + pub) if cit + pub > 0 else 0.0
    for i in range(ca, cb):  # novelty of the implemented, over the threshold, at most 1 (NaN kept)
        if implemented[i]:
            x = novelty[i] / novelty_threshold if novelty_threshold > 0 else 0.0
            tmp[m] = x if (x < 1.0 or x != x) else 1.0
            m += 1
    out[5] = (_sum(tmp, 0, m) / m if novelty_threshold > 0 else 1.0) if m else 0.0
    m = 0
    for i in range(ca, cb):
        if implemented[i]:
            tmp[m] = novelty[i] * fit[i]
            m += 1
    out[6] = _mean_at(tmp, m)
    # designs
    n = db - da
    n_first = 0
    for i in range(da, db):
        n_first += first[i]
    at = 7
    for kind in range(kinds):
        hits = 0
        for i in range(da, db):
            if first[i] and initiator[i] == kind:
                hits += 1
        out[at] = hits / n_first if n_first else 0.0
        at += 1
    m = 0
    offered = filled = 0
    for i in range(da, db):
        if arena[i]:
            tmp[m] = alignment[i]
            m += 1
            if first[i] and seats[i] > 0:
                offered += seats[i]
                filled += seated[i]
    out[at] = _mean_at(tmp, m)
    out[at + 1] = min(1.0, filled / offered) if offered else 0.0
    out[at + 2] = _sum(diversity, da, n) / n if n else 0.0
    out[at + 3] = _sum(learning, da, n) / n if n else 0.0
    at += 4
    # decisions
    n = eb - ea
    cases = loose = 0
    for i in range(ea, eb):
        if case[i]:
            cases += 1
            if not discussed[i]:
                loose += 1
    out[at] = loose / cases if cases else 0.0
    out[at + 1] = _sum(legitimacy, ea, n) / n if n else 0.0
    out[at + 2] = _sum(influence, ea, n) / n if n else 0.0
    at += 3
    # citizens
    n = trust.size
    recent = rungs = hi = d_hi = d_lo = 0
    for i in range(n):
        tmp[i] = provider_quality[provider[i]]
        if last_participated[i] > since:
            recent += 1
            rungs += last_rung[i]
        if high[i]:
            hi += 1
        if last_deliberated[i] > since:
            if high[i]:
                d_hi += 1
            else:
                d_lo += 1
    out[at] = _sum(tmp, 0, n) / n
    out[at + 1] = recent / n if n else 0.0
    out[at + 2] = rungs
    out[at + 3] = recent
    out[at + 4] = d_hi
    out[at + 5] = d_lo
    out[at + 6] = hi
    out[at + 7] = _sum(trust, 0, n) / n


# --------------------------------------------------------------------------- citizens' response


@nb.njit(cache=True)
def citizens_respond(exp, harmed, keep_harmed, closed, closed_end, closed_value, satisfaction, trust, expectation,
                     fatigue, adaptation, trust_adaptation, expectation_rate, growth, keep_fatigue):
    """The first part of ``phases.respond``, number for number: the experience of the citizens affected by
    open problems (``harmed``, rows may repeat: each is scaled once, as ``exp[rows] *= k``) and by the
    problems closed this step (one after another, each as ``exp[aff] = 0.5 exp[aff] + 0.5 value``);
    then, citizen by citizen, satisfaction, trust, expectations and fatigue, each operation in the
    order of the numpy form (``expectation_rate`` is ``expectation_share x adaptation``)."""
    tmp = np.empty(harmed.size)
    for j in range(harmed.size):
        tmp[j] = exp[harmed[j]] * keep_harmed
    for j in range(harmed.size):
        exp[harmed[j]] = tmp[j]
    lo = 0
    for i in range(closed_end.size):
        hi = closed_end[i]
        half = 0.5 * closed_value[i]
        if hi - lo > tmp.size:
            tmp = np.empty(hi - lo)
        for j in range(lo, hi):
            tmp[j - lo] = exp[closed[j]] * 0.5 + half
        for j in range(lo, hi):
            exp[closed[j]] = tmp[j - lo]
        lo = hi
    for i in range(exp.size):
        s = satisfaction[i]
        s = s + (_clip01((exp[i] + 0.5) - expectation[i]) - s) * adaptation
        satisfaction[i] = s
        t = trust[i]
        trust[i] = t + (s - t) * trust_adaptation
        e = expectation[i]
        expectation[i] = e + ((exp[i] - e) * expectation_rate + (1.0 - e) * growth)
        fatigue[i] = fatigue[i] * keep_fatigue


@nb.njit(cache=True)
def citizens_willingness(willingness, resources, efficacy, fatigue, base, adaptation):
    """The willingness update of ``phases.respond``, citizen by citizen, each operation in the order of
    the numpy form: ``w += a ((base + (1 - base) r) efficacy (1 - fatigue) - w)``."""
    rest = 1.0 - base
    for i in range(willingness.size):
        w = willingness[i]
        willingness[i] = w + ((resources[i] * rest + base) * efficacy[i] * (1.0 - fatigue[i]) - w) * adaptation


@nb.njit(cache=True)
def take_part(rows, ends, rungs, influences, fatigue, trust, efficacy, last_participated, last_rung,
              last_deliberated, participations, rate, threshold, effect, now, panel):
    """``phases.take_part``: the step's acts of participation (citizens ``rows``, act ``a``'s ending at
    ``ends[a]``, on rung ``rungs[a]`` with influence ``influences[a]``) applied one after another in the
    order recorded, each citizen once per act: fatigue ``f + rate (1 - f)``, trust and efficacy moved
    by ``(influence - threshold) effect`` within [0, 1]; the latest participation (and deliberation,
    from rung ``panel`` up) at ``now``, the latest rung the highest of the step's (and of one already
    recorded this step), one more participation per act."""
    seen = np.full(fatigue.size, -1, np.int64)
    lo = 0
    for a in range(ends.size):
        hi = ends[a]
        rung = rungs[a]
        move = (influences[a] - threshold) * effect
        for j in range(lo, hi):
            c = rows[j]
            if seen[c] == a:  # listed twice in one act: takes part once in it
                continue
            seen[c] = a
            f = fatigue[c]
            fatigue[c] = f + rate * (1.0 - f)
            trust[c] = _clip01(trust[c] + move)
            efficacy[c] = _clip01(efficacy[c] + move)
            if last_participated[c] == now:
                if rung > last_rung[c]:
                    last_rung[c] = rung
            else:
                last_rung[c] = rung
                last_participated[c] = now
            if rung >= panel:
                last_deliberated[c] = now
            participations[c] += 1
        lo = hi


def warm() -> None:
    """Call every kernel once on a few numbers, so that loading them (numba's cache, or compiling on the
    first use on a machine) happens now and not inside a run being timed. Draws from a scratch generator."""
    from govsim.kernels import state_views

    bg = np.random.Philox(0)  # kept alive while the kernels draw from its state: the views do not hold it
    views = state_views(bg)
    if views is None:
        return
    rows = np.arange(4, dtype=np.int64)
    none = rows[:0]
    table = np.ones((6, 5))
    values = np.ones(6)
    keys_top(views, rows, 2)
    choice_sorted(views, 100, 5)
    select(views, rows, values[:4], values[:4], 0.1, 2, table, np.zeros(5), 0.5, none)
    open_rounds(views, values, values, 1.0, 2)
    reach(np.array([0, 1, 2], dtype=np.int32), np.array([1, 0], dtype=np.int32), 0, 2)
    learn(table, rows, table, none, table, none, table, none, table, none, np.ones(5), 0.1, 1.0)
    members_best(table, rows, values, 0.3, 1.0, table, none, table, none, table, none, table, none, 1.0)
    members_trust(values, rows, values, none, values, none, values, none)
    dot_rows(table, table, True)
    logs(values)
    exponentials(views, 3)
    import sys

    from govsim.kernels import numpy_loops, numpy_power_loop

    loops = numpy_loops(sys.modules[__name__])  # compiles numpy_unary while checking numpy's loops
    if loops is not None:
        v = np.ones(5)
        design_from_best(v, True, 0.5, True, v, v, loops[0], loops[1], views, views, 1, 1, 0.5, 1.0, 0.5, 0.5, 0.5, v,
                         True, v, table, rows, table, none, table, none, table, none, table, none, 1, 0.1, 1.0)
        arena_definition(views, 1, v, 0.5, 0.1, 0.2, True, table, rows, values, 0.3, 0.5, table, rows, table, rows[:1],
                         table, rows[:2], table, none, 1.0, values, values, values, values)
        arena_design(views, views, views, 1, 1, v, v, 0.2, 0.1, 0.5, True, rows[:1], rows[:2], values, values, 1.0,
                     1.0, 1.0, True, table, rows, values, values, 0.3, 0.5, 0.5, table, rows, values, values, table,
                     rows[:1], values, table, table, none, 1.0, 0.5, 0.8, True, loops[0], loops[1], 0.5, 1.0, 0.5, v,
                     table, rows, table, none, table, none, table, none, table, none, 1, 0.1, 1.0)
        two = np.ones(2)
        ends = np.array([2, 4])
        for at in (0.0, 2.0):  # designs, and other rounds
            arena_rounds(rows[:2], rows[:2], table[:2].copy(), table[:2].copy(), two, two, two, np.ones(2, np.bool_),
                         two * at, two, np.zeros(2, np.bool_), two, two, two, two, two, two, two, two, two, two, rows,
                         ends, rows, ends, rows[:2], np.array([1, 2]), rows[:2], np.array([1, 2]), none,
                         np.array([0, 0]), views, views, views, views, views, True, 60.0, 0.5, 1, 1, np.nan,
                         values.copy(), values.copy(), values.copy(), 0.0, 60.0, 1, 4, 0.1, 0.5, 0.5, 0.1, True,
                         values, values, values, values, values, values, values, values, values, table, values,
                         values, 0.3, table, values, values, table, values, table, table, 1.0, True, loops[0],
                         loops[1], 0.5, 1.0, 0.5, v)
    reading(views, table[0], table[1], table[2], 0.1, 0.5, table[:2], 1, True, False)
    arena_deliberation(0.5, 0.2, True, 0.5, 0.1, values, rows, values, rows[:1], values, none, values, rows[:2], values,
                       none, values, values, values, values)
    book_meeting(1.5, 3, rows[:1], values.copy(), rows[:2], values.copy(), values.copy(), 0.0, 0.0, 0.5, 60.0, 1.0, 1)
    power = numpy_power_loop(sys.modules[__name__], 1.5)  # compiles numpy_power while checking numpy's loop
    if power is not None:
        arena_recruit(views, views, 1, rows, rows * 0, rows, np.array([0, 4]), 4, 2, np.zeros(1, np.bool_),
                      rows[:1].copy(), np.zeros(1, np.uint64), rows.copy(), rows[:1], table, table, False, 6, 2, 2, 1,
                      values, values, table, power, np.array([1.5]), 0.1, 0.5, 2, 1.0, values, values)
    key = views[1]
    picked = np.zeros(1, np.int64)
    ends = rows[1:2] + 3
    scratch = (np.zeros(1, np.bool_), rows[:1].copy(), np.zeros(1, np.uint64), rows.copy())
    staff_top(views, rows, rows * 0, rows, np.array([0, 4]), 4, 2, *scratch)
    if loops is not None:
        team_designs(rows[:2], rows[:2], table[:2].copy(), table[:2].copy(), rows[:3], np.array([1, 3]), rows[:2],
                     views, views, views, True, 60.0, 0.5, 1, 1, np.nan, values.copy(), 0.0, 60.0, 3.0, table, table,
                     values, values, loops[0], loops[1], 0.5, 1.0, 0.1, 0.5, np.ones(5), 0.1)
        council_decisions(views, views, rows[:2], 2.0, values.copy(), values.copy(), 10.0, 6.0, 0.0, 0.5, 2, 0.9,
                          values, rows, np.array([2, 4]), values, table, table[:2].copy(), table[:2].copy(),
                          table[:2].copy(), values[:2], 0.1, True, loops[0], loops[1])
        chain_designs(rows[:2], rows[:2], table[:2].copy(), table[:2].copy(), rows, np.array([2, 4]), views, views,
                      views, views, views, True, 60.0, 0.5, 1, 1, np.nan, values.copy(), 0.0, 60.0, 3.0, rows * 0, rows,
                      np.array([0, 4]), 4, *scratch, table[:2].copy(), table, table, values, values, loops[0],
                      loops[1], 0.5, 1.0, 0.5, np.ones(5), 0.1)
    chain_notice(0, rows[:1], table[:1], rows, ends, rows * 0, rows, np.array([0, 4]), 4, table, table,
                 values, True, np.nan, 6.0, 0.5, 1, 0, 0, stream_state(key), stream_state(key), *scratch, picked, False)
    if EXPONENTIALS:
        team_phase(rows[:2], table[:2].copy(), values[:2], rows, np.array([2, 4]), rows * 0, 2, rows,
                   np.array([0, 4, 4]), 4, table, table, values.copy(), True, np.nan, 6.0, 0.5, 1, 0,
                   stream_state(key), stream_state(key), views, views, np.ones(5), np.ones(5), 0.1, 2, 4.0, 0.0, 6.0,
                   False)
        chain_phase(rows[:2], table[:2].copy(), values[:2], rows, np.array([2, 4]), rows * 0, rows, np.array([0, 4]),
                    4, table, table, values.copy(), True, np.nan, 6.0, 0.5, 1, 0, stream_state(key), stream_state(key),
                    views, views, *scratch, picked, False, np.ones(5), 0.1, table[:2].copy(), 2, 3.0, values.copy(),
                    values.copy(), 2.0, 0.0, 6.0)
    arena_notice(0, rows[:1], table[:1], table[:1, :4], rows, ends, values, 3, rows * 0, rows, np.array([0, 4]), 4,
                 table, values, table, values, values, table, values, 40.0, table, values, 20.0, 0.5, True, np.nan,
                 6.0, 0.5, 1, 0, 0, 0, stream_state(key), stream_state(key), *scratch, picked, False, 2.0 ** -40)
    two = np.array([2, 4])  # two problems, of two affected citizens each
    us, teams, t_end = implementation_teams(rows[:2], rows[:2], rows, two, 2, rows * 0, rows, np.array([0, 4]), 4,
                                            *scratch, stream_state(key))
    flags = np.zeros(2, np.bool_)
    deliver(rows[:2], rows[:2], rows, two, teams, t_end, values[:2], flags, table[:2], np.ones(5), values[:0], rows,
            two, values[:2], table[:2], rows[:1], np.array([1, 1]), none, np.array([0, 0]), values[:2], values[:2],
            values, values, values, table, values, values, values, values, values, values, 0.5, 0.5, 1.0, 0.5,
            stream_state(key), False)
    four = np.zeros(4, np.bool_)
    indicators(values, values, values, four, four, four, rows, values, values, 0, 4, four, rows.astype(np.int8),
               four, values, rows, rows, values, values, 0, 4, four, four, values, values, 0, 4, rows, rows, four,
               rows, values[:4], rows * 0, values, 1, 0.5, 1000.0, 0.3, 4, np.empty(40))
    x = values.copy()
    citizens_respond(x, rows, 0.9, rows, ends[:1], values[:1], x.copy(), x.copy(), x.copy(), x.copy(), 0.1, 0.1,
                     0.1, 0.01, 0.9)
    citizens_willingness(x, values, values, values * 0.5, 0.2, 0.1)
    take_part(rows, ends[:1], rows[:1], values[:1], x, x.copy(), x.copy(), rows.copy(), rows.copy(), rows.copy(),
              rows.copy(), 0.1, 0.2, 0.3, 2, 3)
