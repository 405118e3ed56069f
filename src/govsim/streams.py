"""Random streams per mechanism (common random numbers within a run).

The behaviour stream of a run is split into one child stream per *mechanism*
(recruitment, noticing, conflict, novelty, implementation, ...), and each
mechanism's stream is further keyed by what it draws for (a problem's id and
round, or the step). A draw for problem 17's recruitment therefore depends only
on the root seed, the mechanism and the key: changing a tool's intensity, a rule
or the order in which problems are handled never shifts the draws of the
mechanisms it does not act on. The population and problem streams are separate
children of the root seed and never depend on the rule set (see
:class:`govsim.model.GovModel`).

A new mechanism declares its stream with one line in ``STREAMS``.
"""

from __future__ import annotations

import ctypes
import zlib

import numpy as np

from govsim.kernels import state_views

STREAMS: dict[str, str] = {
    "noticing": "whether an open problem is noticed this step; who watches it",
    "initiation": "which kind of agent takes the initiative (T10)",
    "definition": "how a group reads a problem's need (uncertainty draws)",
    "chain": "what each link of the chain of command makes of a message (T1)",
    "recruitment": "who is invited to and accepts a seat in an arena (T15, T17, T26)",
    "ladder": "which rung of the co-creation ladder an arena sits on (T7, T9)",
    "staffing": "which employees and politicians are assigned to a problem",
    "conflict": "draws inside deliberation (T15)",
    "novelty": "how new a design turns out (T8)",
    "hearing": "whether a hearing is held and who is heard (T7)",
    "decision": "whether the council adopts a proposal; committee discussion (T20)",
    "implementation": "whether a decided solution is implemented (T15)",
    "coproduction": "which affected citizens co-produce (T5, T12)",
    "exit": "which dissatisfied customers exit and where to (T2)",
    "firms": "which firms join an arena (T28)",
    "standard": "whether designers look for a standard solution in the rulebook (T6)",
    "congestion": "whether a stage goes ahead when administrators' hours run short (T24)",
    "voice": "which dissatisfied citizens complain (T2, T7)",
}


def _code(name: str) -> int:
    return zlib.crc32(name.encode("utf-8"))


class Streams:
    """Named, keyed child generators of one ``SeedSequence``.

    ``streams.get("recruitment", problem.id, problem.rounds)`` returns a fresh
    ``numpy.random.Generator`` whose draws depend only on the seed, the name and the key
    (at most three non-negative integers). Each mechanism gets its own 128-bit Philox key,
    derived once from the behaviour ``SeedSequence`` and the mechanism's name; the key
    integers set the upper words of Philox's 256-bit counter, so different keys start
    2^64 blocks apart and never overlap.
    """

    def __init__(self, seq: np.random.SeedSequence) -> None:
        self._entropy = seq.entropy
        self._key = tuple(seq.spawn_key)
        self._gens: dict[str, tuple] = {}
        self._views: dict[int, tuple] = {}

    def __getstate__(self) -> dict:
        # The cached generators are left out of copies and pickles (their direct re-keying
        # writes into one generator's memory); a copy builds its own on first use.
        return {"_entropy": self._entropy, "_key": self._key}

    def __setstate__(self, state: dict) -> None:
        self._entropy = state["_entropy"]
        self._key = state["_key"]
        self._gens = {}
        self._views = {}

    def seed_sequence(self, mechanism: str) -> np.random.SeedSequence:
        if mechanism not in STREAMS:
            raise KeyError(f"unknown random stream {mechanism!r}; declared: {', '.join(STREAMS)}")
        return np.random.SeedSequence(self._entropy, spawn_key=(*self._key, _code(mechanism)))

    def get(self, mechanism: str, *key: int) -> np.random.Generator:
        """The mechanism's generator, set to the start of ``key``'s block.

        For speed, one generator object per mechanism is re-keyed in place: a generator is
        valid until the next ``get`` of the *same* mechanism (use it, then let it go).
        """
        entry = self._gens.get(mechanism)
        if entry is None:
            entry = self._make(mechanism)
        n = len(key)
        if n > 3:
            raise ValueError("a stream key has at most three integers")
        direct = entry[3]
        if direct is not None:
            if n == 0:
                a = b = c = 0
            else:
                padded = key + (0, 0)
                a, b, c = int(padded[0]), int(padded[1]), int(padded[2])
            if a >= 0 and b >= 0 and c >= 0 and (a | b | c) < _WORD:  # else the setter raises as before
                # what the ``state`` setter writes: counter (0, key..., 0), the buffer used up,
                # no half-used 32-bit word
                c0, c1, c2, c3, pos, half = direct
                c0.value = 0
                c1.value = a
                c2.value = b
                c3.value = c
                pos.value = 4
                half.value = 0
                return entry[1]
        bg, gen, state, _ = entry
        counter = state["state"]["counter"]
        counter[:] = 0
        counter[1:1 + n] = key
        state["buffer_pos"] = 4
        state["has_uint32"] = 0
        state["uinteger"] = 0
        bg.state = state
        return gen

    def _make(self, mechanism: str) -> tuple:
        k = self.seed_sequence(mechanism).generate_state(2, np.uint64)
        bg = np.random.Philox(key=k)
        state = bg.state
        state["state"]["counter"] = np.zeros(4, dtype=np.uint64)  # reused: the setter copies it
        direct = _direct(bg)
        entry = self._gens[mechanism] = (bg, np.random.Generator(bg), state, direct)
        views = state_views(bg) if direct is not None else None  # only on the layout checked
        if views is not None:  # compiled kernels may draw from this generator
            self._views[id(entry[1])] = (entry[1], views)
        return entry

    def views_of(self, gen: np.random.Generator) -> tuple | None:
        """The state views of one of these streams' generators, for :mod:`govsim.kernels`
        (None for any other generator, or where the generator's layout is not the one checked)."""
        found = self._views.get(id(gen))
        return found[1] if found is not None and found[0] is gen else None


# Re-keying through ``Philox.state`` (a checked setter taking a dict) costs several microseconds,
# and the streams are re-keyed hundreds of times a step. ``_direct`` writes the same values
# straight into the generator's C state (numpy's ``philox_state``: a pointer to the 4-word
# counter, a pointer to the key, ``int buffer_pos``, ``uint64 buffer[4]``, ``int has_uint32``,
# ``uint32 uinteger``), after checking on this very generator that the layout is the one
# expected: a distinctive state set through the setter must read back through the offsets,
# and draws after a direct re-keying must equal draws after the setter's. If either check
# fails (another platform), or numpy is not of a major version whose layout this was checked on
# (1 and 2; the first word must be the counter's pointer before anything is read through it), the
# setter is used. The direct re-keying leaves the
# spent buffer's old words in place: with ``buffer_pos`` at 4 they are never read (the next
# draw computes a new block from the counter), so every draw is the same.
_WORD = 1 << 64
_POS, _HAS = 16, 56  # offsets of buffer_pos and has_uint32 (buffer at 24, uinteger at 60)


_KNOWN_LAYOUT = int(np.__version__.split(".")[0]) in (1, 2)  # numpy's philox_state as read below


def _direct(bg: np.random.Philox):
    if not _KNOWN_LAYOUT or ctypes.sizeof(ctypes.c_void_p) != 8 or ctypes.sizeof(ctypes.c_int) != 4:
        return None
    try:
        addr = bg.ctypes.state_address
        saved = bg.state
        probe = bg.state
        probe["state"]["counter"] = np.array([11, 12, 13, 14], dtype=np.uint64)
        probe["buffer"] = np.array([21, 22, 23, 24], dtype=np.uint64)
        probe["buffer_pos"], probe["has_uint32"], probe["uinteger"] = 3, 1, 77
        bg.state = probe
        ctr_addr = ctypes.c_void_p.from_address(addr).value
        if not ctr_addr:
            return None
        words = [ctypes.c_uint64.from_address(ctr_addr + 8 * i) for i in range(4)]
        pos = ctypes.c_int.from_address(addr + _POS)
        half = ctypes.c_int.from_address(addr + _HAS)
        ok = ([w.value for w in words] == [11, 12, 13, 14] and pos.value == 3
              and list((ctypes.c_uint64 * 4).from_address(addr + 24)) == [21, 22, 23, 24]
              and half.value == 1 and ctypes.c_uint32.from_address(addr + _HAS + 4).value == 77)
        if ok:  # the same draws after a direct re-keying as after the setter's
            gen = np.random.Generator(bg)
            probe["state"]["counter"] = np.array([0, 5, 6, 7], dtype=np.uint64)
            probe["buffer_pos"], probe["has_uint32"], probe["uinteger"] = 4, 0, 0
            bg.state = probe
            want = (gen.random(3).tolist(), gen.integers(0, 1000, 3, dtype=np.int32).tolist(), gen.random(5).tolist())
            gen.random(2)  # leave the buffer part used
            for w, v in zip(words, (0, 5, 6, 7)):
                w.value = v
            pos.value = 4
            half.value = 0
            got = (gen.random(3).tolist(), gen.integers(0, 1000, 3, dtype=np.int32).tolist(), gen.random(5).tolist())
            ok = want == got
        bg.state = saved
        return (*words, pos, half) if ok else None
    except Exception:  # pragma: no cover - any surprise: use the setter
        return None
