"""Politicians' time, standing committees, decoupling, political leadership and legitimacy (T20–T22)."""

from __future__ import annotations

import numpy as np

from govsim.config import load_scenario, validate
from govsim.model import GovModel
from govsim.runner import prepare

from _helpers import over_seeds, scenario


def test_gentofte_keeps_politicians_total_time_within_budget_T22(scenarios_dir):
    sc = prepare(scenarios_dir / "gentofte.toml", steps=60, overrides={"population.citizens": 600})
    assert sc.npg.arena_citizens == 10 and sc.npg.arena_politicians == 5
    assert not sc.npg.administrators_as_members
    assert sc.politics.committee_meetings == 4 and sc.politics.committee_meeting_hours == 2.0
    m = GovModel(sc)
    budget = sc.politicians.hours
    totals = []
    for _ in range(sc.steps):
        m.step()
        used = m.politicians.policy_hours + m.politicians.case_hours
        assert (used <= budget + 1e-9).all(), f"a politician worked {used.max():.1f} h of {budget} h"
        assert (m.politicians.hours_left >= -1e-9).all()
        totals.append(used.sum())
    assert np.mean(totals) <= budget * m.politicians.n


def test_cutting_standing_committees_moves_time_to_policy_when_time_binds_T22(scenarios_dir):
    """Under a tight budget, the hours freed from standing committees go to task committees."""
    def policy_and_case(meetings, hours):
        pol, case = [], []
        for s in range(3):
            m = GovModel(prepare(scenarios_dir / "gentofte.toml", steps=40, seed=s, overrides={
                "population.citizens": 600, "politicians.hours": 8.0,
                "politics.committee_meetings": meetings, "politics.committee_meeting_hours": hours}))
            for _ in range(40):
                m.step()
            pol.append(sum(h[0] for h in m.hours_log))
            case.append(sum(h[1] for h in m.hours_log))
        return np.mean(pol), np.mean(case)
    gentofte = policy_and_case(4, 2.0)
    usual = policy_and_case(11, 3.0)
    assert gentofte[1] < 0.5 * usual[1]
    assert gentofte[0] > usual[0] * 1.1


def test_fewer_committee_hours_mean_more_decoupling_under_opa_T20():
    dec = lambda m: m.outcomes["decoupling"]  # noqa: E731
    few = over_seeds(dec, paradigm="opa", politics={"committee_meetings": 2})
    many = over_seeds(dec, paradigm="opa", politics={"committee_meetings": 40})
    assert few > many + 0.2
    # NPM's managers decide without politicians: everything is decoupled from politics.
    assert over_seeds(dec, paradigm="npm", steps=40) == 1.0


def test_arenas_with_politicians_are_not_decoupled():
    dec = lambda m: m.outcomes["decoupling"]  # noqa: E731
    low = {"committee_meetings": 2}
    assert over_seeds(dec, setting="hands_off", politics=low) < over_seeds(dec, paradigm="opa", politics=low) - 0.2


def test_leadership_follows_taking_part_and_feeds_legitimacy_T21():
    lead = lambda m: m.outcomes["leadership"]  # noqa: E731
    assert over_seeds(lead, setting="hands_off") > over_seeds(lead, setting="hands_off", npg={"arena_politicians": 0}) + 0.05
    # At an election legitimacy mixes citizens' trust with leadership shown.
    data = scenario(setting="hands_off", politicians={"election_interval": 10})
    m = GovModel(validate(data))
    trust_then = []
    at = [ph.name for ph in m.phases].index("political_leadership")
    m.phases.insert(at, type(m.phases[0])("probe", lambda mm: trust_then.append(mm.citizens.trust.mean()), "-", ""))
    for _ in range(10):
        m.step()
    w = m.config.core.leadership_weight
    np.testing.assert_allclose(m.politicians.legitimacy,
                               (1 - w) * trust_then[-1] + w * m.politicians.leadership, rtol=0, atol=1e-12)
    assert m.politicians.legitimacy.std() > 0  # those who led gain standing


def test_legitimacy_mobilises_support_and_lowers_resistance_T21():
    def success(legit):
        rates = []
        for s in range(6):
            m = GovModel(validate(scenario(paradigm="opa", seed=s)))
            m.politicians.legitimacy[:] = legit
            for _ in range(40):
                m.step()
            done = [p for p in m.closed if p.implemented or p.outcome == "failed"]
            rates.append(np.mean([p.implemented for p in done]))
            assert all(p.support <= m.config.core.mobilisation * legit + 1e-12 for p in done)
        return float(np.mean(rates))
    assert success(1.0) > success(0.0) + 0.02


def test_svelvik_recruitment_falls_short_of_gentofte(scenarios_dir):
    def filled(name):
        vals = []
        for s in range(3):
            sc = prepare(scenarios_dir / f"{name}.toml", steps=40, seed=s)
            m = GovModel(sc)
            for _ in range(40):
                m.step()
            vals.append(m.outcomes["seats_filled"])
        return float(np.mean(vals))
    assert load_scenario(scenarios_dir / "svelvik.toml").npg == load_scenario(scenarios_dir / "gentofte.toml").npg
    assert filled("svelvik") < filled("gentofte") - 0.05
