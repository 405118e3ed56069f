"""Private partners (T28): firms bring resources and knowledge under contract or trust."""

from __future__ import annotations

import numpy as np

from govsim import partners
from govsim.agents import Firm
from govsim.config import validate
from govsim.model import GovModel

from _helpers import over_seeds, run, scenario

FIRMS = {"count": 5, "seats": 1}


def quality(m):
    return float(np.mean([p.quality for p in m.closed if p.implemented]))


def test_firms_are_optional_agents():
    assert run(scenario(setting="hands_off"), 5).firms.n == 0
    m = GovModel(validate(scenario(setting="hands_off", firms=FIRMS)))
    assert len(m.agents_by_type[Firm]) == 5
    for _ in range(30):
        m.step()
    joined = [p for p in m.designs if p.group.firms.size]
    assert joined and m.firms.engagements.sum() == sum(p.group.firms.size for p in (*m.closed, *m.open)
                                                       if p.arena is not None)


def test_firms_bring_resources_and_knowledge():
    assert over_seeds(quality, setting="hands_off", firms=FIRMS) > over_seeds(quality, setting="hands_off") + 0.005
    cov = lambda m: float(np.mean([p.coverage[0] for p in m.designs]))  # noqa: E731 professional dimension
    # Knowledge alone (coordination cost off: a larger arena would otherwise share less per member).
    free = {"coordination": 0.0}
    assert (over_seeds(cov, setting="hands_off", firms={**FIRMS, "resource_share": 0.0}, core=free)
            >= over_seeds(cov, setting="hands_off", core=free))


def test_contracts_fix_responsibility_trust_shares_more_and_learns():
    clarity = lambda m: float(np.mean([p.clarity for p in m.closed if p.implemented or p.outcome == "failed"]))  # noqa: E731
    contract = {**FIRMS, "partnership": "contract"}
    assert over_seeds(clarity, firms=contract) > over_seeds(clarity, firms=FIRMS) + 0.1
    assert partners.sharing(run(scenario(firms=contract), 1).world) == 0.5
    assert partners.sharing(run(scenario(firms=FIRMS), 1).world) == 1.0
    m = run(scenario(setting="hands_off", firms=FIRMS), 50)
    assert not np.allclose(m.firms.trust, m.config.firms.initial_trust)  # trust follows outcomes
    c = run(scenario(setting="hands_off", firms=contract), 50)
    np.testing.assert_allclose(c.firms.trust, c.config.firms.initial_trust)
