"""The public sector grows with the population unless its size is set."""

from __future__ import annotations

import pytest

from govsim.config import PUBLIC_SECTOR, Scenario, ScenarioError, validate, with_overrides
from govsim.model import GovModel

AT_1000 = {"employees": 60, "administrators": 10, "politicians": 9, "providers": 6}


def _sizes(pop) -> dict[str, int]:
    return {k: getattr(pop, k) for k in PUBLIC_SECTOR}


def test_defaults_at_1000_citizens_are_unchanged():
    assert _sizes(Scenario().population) == AT_1000
    assert _sizes(validate({"population": {"citizens": 1000}}).population) == AT_1000


@pytest.mark.parametrize("citizens, factor", [(10_000, 10), (100_000, 100), (1_000_000, 1000)])
def test_unset_sizes_scale_per_1000_citizens(citizens, factor):
    direct = validate({"population": {"citizens": citizens}}).population
    overridden = with_overrides(Scenario(), {"population.citizens": citizens}).population
    assert _sizes(direct) == _sizes(overridden) == {k: v * factor for k, v in AT_1000.items()}


def test_small_towns_keep_the_1000_citizen_public_sector():
    assert _sizes(validate({"population": {"citizens": 300}}).population) == AT_1000


def test_set_sizes_are_kept_and_only_the_rest_scales():
    pop = validate({"population": {"citizens": 100_000, "employees": 100, "politicians": 7}}).population
    assert (pop.employees, pop.politicians, pop.administrators) == (100, 7, 1000)
    assert pop.providers == 100  # unset providers never outnumber employees
    again = with_overrides(validate({"population": {"citizens": 2000, "politicians": 7}}),
                           {"population.citizens": 100_000}).population
    assert (again.politicians, again.employees) == (7, 6000)
    with pytest.raises(ScenarioError, match=r"field 'population': providers \(6\) must not exceed employees \(4\)"):
        validate({"population": {"employees": 4}})


def test_a_100k_town_designs_solutions():
    """With the 1,000-citizen public sector, noticing used up every administrator hour at
    100k citizens and nothing was ever designed; scaled, problems move on."""
    sc = validate({"paradigm": "npg", "metagovernance": "hands_on", "seed": 2,
                   "population": {"citizens": 100_000}})
    assert sc.population.administrators == 1000
    m = GovModel(sc, history=False)
    for _ in range(6):
        m.step()
    assert len(m.world.designs) > 50
    assert len(m.world.decisions) > 0
