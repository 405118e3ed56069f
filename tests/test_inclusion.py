"""Inclusion (T26): participation by resource group; inclusion weighs how many take part."""

from __future__ import annotations

import numpy as np
import pytest

from govsim.metrics import inclusion

from _helpers import over_seeds, run, scenario

BIAS = {"citizens": {"participation_bias": 3.0}}


def gap(m):
    return m.outcomes["participation_high_resource"] - m.outcomes["participation_low_resource"]


def test_participation_is_reported_by_resource_group():
    m = run(scenario(setting="hands_off"), 40)
    c = m.citizens
    recent = c.last_deliberated > m.steps - m.config.outcomes.window
    assert m.outcomes["participation_low_resource"] == pytest.approx(recent[~c.high_resource].mean())
    assert m.outcomes["participation_high_resource"] == pytest.approx(recent[c.high_resource].mean())


def test_inclusive_recruitment_narrows_the_participation_gap():
    self_selected = over_seeds(gap, setting="none", metagovernance_tools={"framing": 0.6}, **BIAS)
    inclusive = over_seeds(gap, setting="none", metagovernance_tools={"framing": 0.6, "design": 1.0}, **BIAS)
    assert self_selected > 0.02
    assert inclusive < self_selected - 0.02


def test_inclusion_weighs_how_many_take_part():
    m = run(scenario(setting="hands_off"), 40)
    c = m.citizens
    # Same balance between the groups, a tenth of the participants: inclusion falls.
    keep = m.citizens.last_deliberated.copy()
    full = inclusion(m)
    rng = np.random.default_rng(0)
    drop = rng.random(c.n) < 0.9
    c.last_deliberated[drop] = -(10**9)
    few = inclusion(m)
    c.last_deliberated[:] = keep
    assert few < 0.5 * full
