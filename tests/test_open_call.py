"""Open calls: arenas on the rungs that recruit beyond the affected (volunteers, crowdsourcing).

Such an arena reaches a random pool of ``npg.broad_reach`` citizens per seat, not the whole
population, so a problem's recruitment costs the same whatever the population's size
(the cost of a step stays linear in the population) while the recruits still come from
anywhere in it, self-selected as before (T22, T26).
"""

from __future__ import annotations

import numpy as np
import pytest

from govsim import kernels
from govsim import mechanisms as mech
from govsim.config import validate
from govsim.ladder import RUNGS
from govsim.model import GovModel

OPEN_CALL = {"mix": [0, 1, 0, 1, 0, 0]}  # volunteers and crowdsourcing only


def _recruiting(monkeypatch, citizens: int, seed: int, steps: int = 6):
    """Run an open-call scenario; each select_recruits call's candidate count and seats, and the model.

    The Python forms run (the compiled kernels give the same recruits, ``tests/test_kernels.py``),
    so every selection passes through ``select_recruits`` and is counted."""
    calls: list[tuple[int, int]] = []
    plain = mech.select_recruits

    def counting(candidates, willingness, resources, bias, outreach, seats, *rest):
        calls.append((int(candidates.size), int(seats)))
        return plain(candidates, willingness, resources, bias, outreach, seats, *rest)

    monkeypatch.setattr(mech, "select_recruits", counting)
    m = GovModel(validate({"paradigm": "npg", "metagovernance": "hands_off", "seed": seed,
                           "population": {"citizens": citizens}, "ladder": OPEN_CALL}), history=False)
    with kernels.disabled():
        for _ in range(steps):
            m.step()
    monkeypatch.setattr(mech, "select_recruits", plain)
    return calls, m


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_an_open_call_reaches_a_pool_per_seat_whatever_the_population(monkeypatch, seed):
    reach = validate({"paradigm": "npg"}).npg.broad_reach
    for citizens in (5_000, 40_000):
        calls, _ = _recruiting(monkeypatch, citizens, seed)
        assert len(calls) >= 20, "the run formed too few arenas to say anything"
        # every candidate list is the pool of an open call: at most broad_reach citizens per seat
        assert all(n <= reach * seats for n, seats in calls), citizens
        assert max(n for n, _ in calls) < citizens / 4


def test_open_calls_recruit_beyond_the_affected_and_fill_their_seats():
    outside, filled = [], []
    for seed in (1, 2, 3):
        m = GovModel(validate({"paradigm": "npg", "metagovernance": "hands_off", "seed": seed,
                               "population": {"citizens": 20_000}, "ladder": OPEN_CALL}), history=False)
        for _ in range(8):
            m.step()
        for p in list(m.open) + list(m.closed):
            if p.arena is None or p.group.citizens.size == 0 or RUNGS[p.arena.rung].affected_only:
                continue
            outside.append(float(np.mean(~np.isin(p.group.citizens, p.affected))))
            filled.append(p.group.citizens.size / max(1, p.arena.seats))
    assert len(outside) >= 30
    # the pool is drawn from the whole population: nearly every recruit is from outside the affected
    assert np.mean(outside) > 0.9
    # broad_reach citizens per seat leave enough who accept: most seats are filled
    assert np.mean(filled) > 0.8


def _resource_gap(seed: int, reach: int) -> float:
    """Mean resources of open-call recruits minus the population's mean (no metagovernance, so no outreach)."""
    m = GovModel(validate({"paradigm": "npg", "metagovernance": "none", "seed": seed, "npg": {"broad_reach": reach},
                           "population": {"citizens": 20_000}, "ladder": OPEN_CALL}), history=False)
    for _ in range(8):
        m.step()
    seated = np.concatenate([p.group.citizens for p in list(m.open) + list(m.closed)
                             if p.arena is not None and not RUNGS[p.arena.rung].affected_only])
    r = m.world.citizens.resources
    return float(r[seated].mean() - r.mean())


def test_the_pool_keeps_self_selection_by_resources():
    # T26: self-selection favours the resourceful. A call that reaches everyone (broad_reach
    # large enough to cover the population) and one that reaches a pool favour them alike.
    pooled = [_resource_gap(seed, 20) for seed in (1, 2, 3)]
    everyone = [_resource_gap(seed, 10_000) for seed in (1, 2, 3)]
    assert min(pooled) > 0.04 and min(everyone) > 0.04
    assert abs(np.mean(pooled) - np.mean(everyone)) < 0.015
