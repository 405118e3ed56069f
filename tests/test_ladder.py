"""The co-creation ladder (T9) and tokenistic participation (T7, T11)."""

from __future__ import annotations

import numpy as np
import pytest

from govsim.config import ScenarioError, validate
from govsim.ladder import RUNGS

from _helpers import over_seeds, run, scenario


def test_rungs_are_declared_with_depth_cost_members_and_delivery():
    assert sorted(RUNGS) == [1, 2, 3, 4, 5, 6]
    depths = [RUNGS[i].depth for i in range(1, 7)]
    assert depths == sorted(depths) and depths[-1] == 1.0
    for r in RUNGS.values():
        assert r.delivers and 0 < r.hours <= 1 and r.seats > 0
    assert not RUNGS[3].deliberates and RUNGS[6].deliberates and RUNGS[6].public_members


def test_a_scenario_chooses_the_mix():
    m = run(scenario(setting="hands_off", ladder={"mix": [0, 0, 1, 0, 0, 1]}), 40)
    rungs = [p.arena.rung for p in m.designs if p.arena is not None]
    assert set(rungs) == {3, 6}
    assert 0.25 < np.mean(np.array(rungs) == 3) < 0.75
    with pytest.raises(ScenarioError) as err:
        validate(scenario(ladder={"mix": [0, 0, 0, 0, 0, 0]}))
    assert err.value.field == "ladder.mix"


def test_depth_caps_influence_and_lower_rungs_cost_less():
    panel = {"ladder": {"mix": [0, 0, 1, 0, 0, 0]}}
    m = run(scenario(setting="hands_off", **panel), 40)
    assert max(p.influence for p in m.designs) <= RUNGS[3].depth + 1e-12
    assert all(not p.group.politicians.size for p in m.designs)  # panels have no politician members
    hours = lambda m: np.mean([p.public_hours for p in m.designs])  # noqa: E731
    assert over_seeds(hours, setting="hands_off", **panel) < over_seeds(hours, setting="hands_off") - 20
    # a network deliberates (conflict), a panel does not
    assert all(p.conflict == 0.0 for p in m.designs)


def test_tokenistic_participation_erodes_trust_and_future_willingness_T7_T11():
    def among_participants(col):
        return lambda m: float(getattr(m.citizens, col)[m.citizens.participations > 0].mean())
    for col, margin in (("trust", 0.03), ("willingness", 0.03), ("efficacy", 0.05)):
        real = over_seeds(among_participants(col), setting="hands_off")
        token = over_seeds(among_participants(col), setting="hands_off", ladder={"tokenism": 1.0})
        assert token < real - margin, col
    m = run(scenario(setting="hands_off", ladder={"tokenism": 1.0, "completeness": 0.9}), 50)
    assert all(p.influence <= 0.1 + 1e-12 for p in m.designs)
