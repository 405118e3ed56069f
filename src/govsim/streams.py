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

import zlib

import numpy as np

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
            k = self.seed_sequence(mechanism).generate_state(2, np.uint64)
            bg = np.random.Philox(key=k)
            state = bg.state
            state["state"]["counter"] = np.zeros(4, dtype=np.uint64)  # reused: the setter copies it
            entry = self._gens[mechanism] = (bg, np.random.Generator(bg), state)
        if len(key) > 3:
            raise ValueError("a stream key has at most three integers")
        bg, gen, state = entry
        counter = state["state"]["counter"]
        counter[:] = 0
        counter[1:1 + len(key)] = key
        state["buffer_pos"] = 4
        state["has_uint32"] = 0
        state["uinteger"] = 0
        bg.state = state
        return gen
