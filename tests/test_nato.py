"""Who can metagovern, with which NATO resources (T18)."""

from __future__ import annotations

import numpy as np
import pytest

from govsim.metagovernance import NATO, TOOLS, resources, strength_factor
from govsim.metagovernance.nato import DEFAULTS, MetagovernorParams

from _helpers import over_seeds, run, scenario


def conflict(m):
    return float(np.mean([p.conflict for p in m.designs]))


def deadlocks(m):
    return sum(p.outcome == "deadlock" for p in m.closed) / max(1, len(m.closed))


def test_lacking_a_resource_weakens_exactly_the_tools_that_need_it():
    res = {r: 1.0 for r in NATO}
    for r in NATO:
        lacking = {**res, r: 0.1}
        for name, cls in TOOLS.items():
            f = strength_factor(cls.needs, lacking, 0.5)
            assert (f < 1.0) == (r in cls.needs), (name, r)
    assert strength_factor(("organisation",), {"organisation": 0.0}, 0.5) == 0.0
    assert strength_factor(("organisation",), {"organisation": 0.25}, 0.5) == pytest.approx(0.5)


def test_a_metagovernor_without_organisation_manages_conflict_worse():
    kw = dict(setting="none", metagovernance_tools={"process": 0.8})
    full = over_seeds(conflict, metagovernor={"organisation": 1.0}, **kw)
    weak = over_seeds(conflict, metagovernor={"organisation": 0.05}, **kw)
    assert weak > full + 0.08
    assert (over_seeds(deadlocks, metagovernor={"organisation": 0.05}, **kw)
            > over_seeds(deadlocks, metagovernor={"organisation": 1.0}, **kw) + 0.1)


def test_politicians_authority_is_their_legitimacy():
    p = MetagovernorParams(actor="politicians")
    assert resources(p, 0.2)["authority"] == 0.2 and resources(p, 0.9)["authority"] == 0.9
    assert resources(MetagovernorParams(actor="politicians", authority=0.4), 0.9)["authority"] == 0.4
    # In a run: framing's strength follows politicians' legitimacy when they metagovern.
    data = scenario(setting="none", metagovernance_tools={"framing": 1.0}, metagovernor={"actor": "politicians"})
    from govsim.config import validate
    from govsim.model import GovModel
    strengths = []
    for legit in (0.1, 0.9):
        m = GovModel(validate(data))
        m.politicians.legitimacy[:] = legit
        for _ in range(10):
            m.step()
        strengths.append(np.mean([p.arena.strengths["framing"] for p in m.designs]))
    assert strengths[0] < 0.5 * strengths[1]


@pytest.mark.parametrize("actor", list(DEFAULTS))
def test_who_metagoverns_is_configurable_and_pays_the_hours(actor):
    m = run(scenario(setting="hands_on", metagovernor={"actor": actor}), 30)
    assert m.config.metagovernor.actor == actor
    assert all(set(p.arena.strengths) == {"process", "participation"} for p in m.designs if p.arena is not None)


def test_politicians_as_metagovernors_spend_their_policy_time_on_it():
    pol = lambda m: m.outcomes["policy_time"]  # noqa: E731
    assert (over_seeds(pol, setting="hands_on", metagovernor={"actor": "politicians"})
            > over_seeds(pol, setting="hands_on", metagovernor={"actor": "administrators"}) + 0.02)
