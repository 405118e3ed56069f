"""Ablation tests of the mechanisms behind the model's trade-offs (docs/theory.md T2–T27).

Each mechanism is tested twice over the same seeds (paired): with it on, the effect it
carries is there by a margin; switched off through its scenario field (the value that
turns it off), the effect disappears or reverses. Margins are about half the effect
observed over these seeds, so a test fails if its mechanism is removed. Runs are small
(400 citizens, 60 steps, means of the last 20 steps) and cached: one run serves several
tests. The regime tests check where OPA or NPM should do at least as well as NPG.
"""

from __future__ import annotations

import numpy as np
import pytest

from govsim import mechanisms as mech
from govsim.metrics import COMMON, FAMILIES, INDICATORS, defined_away
from govsim.paradigms import REGISTRY

from _helpers import merge, per_seed, tail

SEEDS = range(4)
STEPS = 60
POP = {"population": {"citizens": 400}}
RULES = {"opa": ("opa", "none"), "npm": ("npm", "none"), "npg": ("npg", "hands_off")}
"""The rule sets compared: NPG is metagoverned hands-off."""

TAME = {"problems": {"wickedness": 0.1, "dispersion": 0.1}}
WICKED = {"problems": {"wickedness": 0.9, "dispersion": 0.7}}
LOW_MOTIVATION = {"employees": {"intrinsic_motivation": 0.4}}
INITIAL_MOTIVATION = 0.7  # employees.initial_motivation (default)

OFF = {
    "agency": {"employees": {"agency": 0.0}},
    "intrinsic": {"employees": {"intrinsic_motivation": 1.0}},
    "codified": {"problems": {"codified": [0.0] * 5}},
    "opa_standardisation": {"opa": {"standardisation": 0.0}},
    "npm_standardisation": {"npm": {"standardisation": 0.0}},
    "dispersion": {"problems": {"dispersion": 0.4}},
    "contestation": {"core": {"contestation": 0.0}},
    "responsiveness": {"npm": {"responsiveness": 0.0}},
    "voice": {"citizens": {"voice": 0.0}},
    "opa_coproduction": {"opa": {"coproduction": 0.0}},
    "npm_coproduction": {"npm": {"coproduction": 0.0}},
    "hour_value": {"citizens": {"hour_value": 0.0}},
    "coordination": {"core": {"coordination": 0.0}},
    "meeting_interval": {"npg": {"meeting_interval": 1}},
    "fatigue": {"citizens": {"fatigue": 0.0}},
    "congestion": {"core": {"congestion": 0.0}},
    "case_hours": {"opa": {"case_hours": 0.0}},
}
"""Each mechanism's switch at the value that turns it off (dispersion: 0.4, every dimension alike)."""


def values(fn, who: str, *tables: dict) -> np.ndarray:
    """``fn`` (a function of a run, or a recorded column's tail mean) for each seed under rule set ``who``."""
    paradigm, setting = RULES[who]
    f = tail(fn) if isinstance(fn, str) else fn
    return per_seed(f, SEEDS, STEPS, paradigm=paradigm, setting=setting, **merge(POP, *tables))


def gap(fn, a: str, b: str, *tables: dict) -> np.ndarray:
    """Paired difference ``fn(a) - fn(b)`` per seed, both rule sets under the same tables."""
    return values(fn, a, *tables) - values(fn, b, *tables)


def implemented_fit(m) -> float:
    return float(np.mean([p.fit for p in m.closed if p.implemented]))


def standard_share(m) -> float:
    return float(np.mean([p.standard for p in m.designs]))


def motivation(m) -> float:
    return float(m.employees.motivation.mean())


# =========================================================================== 1 principal–agent drift (T27)
def _low_motivation_regime(*off):
    return (gap("service_quality", "npm", "npg", LOW_MOTIVATION, *off),
            gap("efficiency", "npm", "npg", LOW_MOTIVATION, *off))


def test_at_low_intrinsic_motivation_npm_does_at_least_as_well_as_hands_off_npg_T27():
    quality, efficiency = _low_motivation_regime()
    assert quality.mean() > 0.029, quality          # observed +0.058
    assert efficiency.mean() > 0.015, efficiency    # observed +0.04: at least as well
    # ... while at the default (high) intrinsic motivation trust-based steering leads
    assert gap("efficiency", "npg", "npm").mean() > 0.03  # observed +0.07


def test_ablation_without_drift_the_low_motivation_regime_shrinks_T27():
    quality, efficiency = _low_motivation_regime()
    quality_off, efficiency_off = _low_motivation_regime(OFF["agency"])
    assert quality_off.mean() < quality.mean() - 0.043, (quality, quality_off)                # observed -0.086
    assert efficiency_off.mean() < efficiency.mean() - 0.028, (efficiency, efficiency_off)    # observed -0.057


# =========================================================================== 2 intrinsic ceiling (T5, T27)
def test_discretion_sustains_motivation_only_up_to_its_intrinsic_level_T27():
    low = values(motivation, "npg", LOW_MOTIVATION)
    assert low.mean() < INITIAL_MOTIVATION - 0.15, low   # observed 0.39: falls towards the ceiling 0.4
    assert low.max() < 0.4 + 0.05


def test_ablation_an_intrinsic_ceiling_of_1_gives_back_motivation_sustained_towards_1_T27():
    low = values(motivation, "npg", LOW_MOTIVATION)
    free = values(motivation, "npg", OFF["intrinsic"])
    assert free.mean() > INITIAL_MOTIVATION + 0.1, free   # observed 0.90
    assert (free - low).mean() > 0.25                      # observed 0.51


# =========================================================================== 3 standard solutions (T6)
def _tame_fit_advantage(*off):
    return values(implemented_fit, "opa", TAME, *off) - values(implemented_fit, "opa", WICKED, *off)


def test_standard_solutions_fit_tame_problems_T6():
    assert values(standard_share, "opa", TAME).mean() > 0.2            # observed 0.48
    assert values(standard_share, "npm", TAME).mean() > 0.1            # observed 0.28
    assert _tame_fit_advantage().mean() > 0.10                         # observed 0.21


@pytest.mark.parametrize("switch", ["codified", "opa_standardisation"])
def test_ablation_without_standard_solutions_the_tame_problem_advantage_shrinks_T6(switch):
    assert values(standard_share, "opa", TAME, OFF[switch]).max() == 0.0
    assert _tame_fit_advantage(OFF[switch]).mean() < _tame_fit_advantage().mean() - 0.07  # observed -0.14


def test_ablation_npm_standard_products_raise_its_fit_on_tame_problems_T2_T6():
    on = values(implemented_fit, "npm", TAME)
    off = values(implemented_fit, "npm", TAME, OFF["npm_standardisation"])
    assert values(standard_share, "npm", TAME, OFF["npm_standardisation"]).max() == 0.0
    assert (on - off).mean() > 0.012, (on, off)  # observed +0.024


# =========================================================================== regime: tame vs wicked (T6)
def test_co_creations_efficiency_lead_grows_with_wickedness_and_dispersion_T6_T8():
    tame, wicked = gap("efficiency", "npg", "npm", TAME), gap("efficiency", "npg", "npm", WICKED)
    assert (wicked - tame).mean() > 0.027, (tame, wicked)   # observed 0.034 vs 0.089
    assert tame.mean() < 0.6 * wicked.mean()


def test_ablation_without_codified_solutions_hierarchy_loses_more_ground_on_tame_problems_T6():
    on = gap("efficiency", "npg", "opa", TAME)
    off = gap("efficiency", "npg", "opa", TAME, OFF["codified"])
    assert (off - on).mean() > 0.02, (on, off)  # observed +0.039


MODERATE_MOTIVATION = {"employees": {"intrinsic_motivation": 0.3}}


def test_on_tame_problems_with_modestly_motivated_staff_hierarchy_does_at_least_as_well_as_co_creation_T6_T27():
    """T6: a hierarchy's standard solutions and chain of command suit tame problems; where employees'
    own motivation is modest, trust-based steering has no motivation advantage to set against that."""
    tame = gap("efficiency", "opa", "npg", TAME, MODERATE_MOTIVATION)
    wicked = gap("efficiency", "opa", "npg", WICKED, MODERATE_MOTIVATION)
    assert tame.mean() > 0.0 and tame.min() > -0.02, tame      # observed +0.023 (+0.001 to +0.062)
    assert (tame - wicked).mean() > 0.07, (tame, wicked)        # observed -0.126 on wicked problems


def test_ablation_without_codified_know_how_hierarchy_falls_behind_on_tame_problems_too_T6():
    on = gap("efficiency", "opa", "npg", TAME, MODERATE_MOTIVATION)
    off = gap("efficiency", "opa", "npg", TAME, MODERATE_MOTIVATION, OFF["codified"])
    assert (on - off).mean() > 0.02, (on, off)   # observed 0.043
    assert off.mean() < 0.0


# =========================================================================== 4 dispersion of needed knowledge (T6, T8)
def _lead(dispersion: float) -> np.ndarray:
    return gap("efficiency", "npg", "npm", {"problems": {"dispersion": dispersion}})


def test_co_creations_lead_grows_with_dispersion_T8():
    assert (_lead(0.7) - _lead(0.1)).mean() > 0.019  # observed 0.077 vs 0.039


def test_ablation_neutral_dispersion_gives_a_larger_lead_than_needs_where_the_public_sector_knows_T8():
    """Dispersion's off value (0.4) is the neutral point: needs lie on every dimension alike."""
    neutral = _lead(OFF["dispersion"]["problems"]["dispersion"])
    assert (neutral - _lead(0.1)).mean() > 0.012     # observed 0.028
    local = lambda m: float(np.mean([p.need[mech.LOCAL] + p.need[mech.EXPERIENTIAL] for p in m.closed]))  # noqa: E731
    assert (values(local, "npm", {"problems": {"dispersion": 0.7}}).mean()
            > values(local, "npm", OFF["dispersion"]).mean() + 0.1 > values(local, "npm", {"problems": {"dispersion": 0.1}}).mean() + 0.2)


# =========================================================================== 5 contested implementation (T6)
def _contest_gap(*off):
    return (values("implementation_success", "opa", TAME, *off)
            - values("implementation_success", "opa", WICKED, *off))


def test_wicked_problems_are_contested_in_implementation_T6():
    assert _contest_gap().mean() > 0.095  # observed 0.19


def test_ablation_without_contestation_tame_and_wicked_are_implemented_alike_T6():
    assert _contest_gap(OFF["contestation"]).mean() < _contest_gap().mean() - 0.09  # observed 0.014


# =========================================================================== 6 NPM management by results (T2)
def test_npm_providers_learn_what_customers_need_T2():
    assert gap("service_quality", "npm", "opa").mean() > 0.06  # observed 0.127
    focus = lambda m: float(np.asarray(m.world.providers.focus)[:, [mech.LOCAL, mech.EXPERIENTIAL]].mean())  # noqa: E731
    assert values(focus, "npm").mean() > 0.4  # unmeasured dimensions watched (observed 0.9)


def test_ablation_without_responsiveness_npm_keeps_watching_only_what_it_counts_T2():
    on, off = gap("service_quality", "npm", "opa"), gap("service_quality", "npm", "opa", OFF["responsiveness"])
    assert off.mean() < on.mean() - 0.015, (on, off)  # observed 0.039 vs 0.069
    focus = lambda m: float(np.asarray(m.world.providers.focus)[:, [mech.LOCAL, mech.EXPERIENTIAL]].max())  # noqa: E731
    assert values(focus, "npm", OFF["responsiveness"]).max() == 0.0


HIGH_MOTIVATION = {"employees": {"intrinsic_motivation": 0.9}}
EVERYTHING_COUNTABLE = {"npm": {"measurable": list(mech.DIMENSIONS)}}


def _target_effect(*tables):
    strong = values("service_quality", "npm", HIGH_MOTIVATION, {"npm": {"target_pressure": 0.9}}, *tables)
    soft = values("service_quality", "npm", HIGH_MOTIVATION, {"npm": {"target_pressure": 0.2}}, *tables)
    return strong - soft


def test_strong_targets_lower_service_quality_where_staff_are_motivated_and_not_all_is_countable_T3():
    """What resists counting (experiential, political quality) loses the effort targets pull away (T3)."""
    effect = _target_effect()
    assert effect.mean() < -0.01 and effect.max() < 0.0, effect   # observed -0.022 (-0.037 to -0.010)


def test_ablation_if_everything_could_be_counted_strong_targets_would_raise_service_quality_T3():
    assert _target_effect(EVERYTHING_COUNTABLE).mean() > 0.015     # observed +0.037
    assert (_target_effect(EVERYTHING_COUNTABLE) - _target_effect()).mean() > 0.03   # observed 0.059


# =========================================================================== 7 voice (T2, T7)
def test_complaints_give_customers_a_voice_under_npm_T2_T7():
    only_voice = OFF["npm_coproduction"]
    assert values("participation_rate", "npm", only_voice).mean() > 0.1  # observed 0.23
    depth = values("participation_depth", "npm", only_voice)
    assert depth == pytest.approx(np.full(len(SEEDS), 1 / mech.LADDER_TOP))  # rung 1 only


def test_ablation_without_voice_npm_customers_take_no_part_T2_T7():
    assert values("participation_rate", "npm", OFF["npm_coproduction"], OFF["voice"]).max() == 0.0


# =========================================================================== 8 co-production (T5, T12)
@pytest.mark.parametrize("who,floor", [("opa", 0.08), ("npm", 0.2)])  # observed 0.17, 0.45
def test_co_production_mobilises_citizens_under_every_rule_set_T5_T12(who, floor):
    assert values("resources_mobilised", who).mean() > floor


@pytest.mark.parametrize("who", ["opa", "npm"])
def test_ablation_without_co_production_no_citizen_hours_T5_T12(who):
    assert values("resources_mobilised", who, OFF[f"{who}_coproduction"]).max() == 0.0


def _coproduction_gain(dispersion: float, reach=None) -> float:
    """Mean quality of implemented NPG solutions with co-production minus without (paired seeds).

    The Python forms run (the compiled delivery gives the same numbers, ``tests/test_kernels.py``), so
    a ``reach`` put in place of ``mech.coproduction_reach`` is the one every solution uses."""
    from _helpers import scenario

    from govsim import kernels, phases
    from govsim.config import validate
    from govsim.model import GovModel

    def quality(co: float, seed: int) -> float:
        data = merge(scenario("npg", "hands_off", seed, **merge(POP, {"problems": {"dispersion": dispersion},
                                                                      "npg": {"coproduction": co}})))
        m = GovModel(validate(data))
        for _ in range(STEPS):
            m.step()
        return float(np.mean([p.quality for p in m.closed if p.implemented]))

    saved = phases.mech.coproduction_reach
    if reach is not None:
        phases.mech.coproduction_reach = reach
    try:
        with kernels.disabled():
            return float(np.mean([quality(1.0, s) - quality(0.0, s) for s in SEEDS]))
    finally:
        phases.mech.coproduction_reach = saved


def test_co_producers_add_what_they_know_so_co_production_pays_where_needs_are_local_T5_T12():
    assert mech.coproduction_reach(np.eye(mech.K)[mech.LOCAL], np.eye(mech.K)[[mech.LOCAL]]) == 1.0
    assert mech.coproduction_reach(np.eye(mech.K)[mech.PROFESSIONAL], np.eye(mech.K)[[mech.LOCAL]]) == 0.0
    assert mech.coproduction_reach(np.eye(mech.K)[mech.LOCAL], np.zeros((0, mech.K))) == 0.0
    assert _coproduction_gain(0.8) > _coproduction_gain(0.1) + 0.006   # observed 0.032 vs 0.020


def test_ablation_co_producers_who_could_carry_anything_gain_as_much_on_professional_needs_T5_T12():
    whatever = lambda need, knowledge: 1.0 if len(knowledge) else 0.0  # noqa: E731
    on = _coproduction_gain(0.8) - _coproduction_gain(0.1)
    off = _coproduction_gain(0.8, whatever) - _coproduction_gain(0.1, whatever)
    assert off < on - 0.006, (on, off)   # observed 0.012 vs 0.000


# =========================================================================== 9 citizens' hours valued (T24)
def test_valued_citizen_hours_lower_co_creations_value_per_cost_T24():
    npg_drop = values("value_per_cost", "npg", OFF["hour_value"]) - values("value_per_cost", "npg")
    npm_drop = values("value_per_cost", "npm", OFF["hour_value"]) - values("value_per_cost", "npm")
    assert npg_drop.mean() > 0.07 and (npg_drop - npm_drop).mean() > 0.04  # observed 0.15, 0.08


def test_ablation_free_citizen_hours_value_per_cost_counts_public_hours_only_T24():
    on, off = gap("value_per_cost", "npm", "npg"), gap("value_per_cost", "npm", "npg", OFF["hour_value"])
    assert off.mean() < on.mean() - 0.04, (on, off)  # observed 0.16 vs 0.24

    def public_only(m):
        closed = m.world.closed.window(m.steps - m.config.outcomes.window)
        r = m.config.outcomes.hours_unit * sum(p.value for p in closed) / sum(p.public_hours for p in closed)
        return abs(r / (1 + r) - m.outcomes["value_per_cost"])
    assert values(public_only, "npg", OFF["hour_value"]).max() < 1e-12


# =========================================================================== 10 coordination cost (T15, T24)
SMALL_ARENA, LARGE_ARENA = {"npg": {"arena_citizens": 4}}, {"npg": {"arena_citizens": 20}}


def _size_penalty(*off):
    return values(implemented_fit, "npg", SMALL_ARENA, *off) - values(implemented_fit, "npg", LARGE_ARENA, *off)


def test_large_arenas_pay_for_coordination_T15_T24():
    assert _size_penalty().mean() > 0.03  # observed 0.065


def test_ablation_without_coordination_cost_size_is_free_T15():
    assert _size_penalty(OFF["coordination"]).mean() < _size_penalty().mean() - 0.039  # observed -0.013
    hours = lambda m: float(np.mean([p.public_hours for p in m.closed]))  # noqa: E731
    growth_on = values(hours, "npg", LARGE_ARENA) - values(hours, "npg", SMALL_ARENA)
    growth_off = (values(hours, "npg", LARGE_ARENA, OFF["coordination"])
                  - values(hours, "npg", SMALL_ARENA, OFF["coordination"]))
    assert (growth_on - growth_off).mean() > 10.0  # observed 30 vs 10 hours


# =========================================================================== 11 co-creation's delay (T15, T24)
def test_co_creation_is_slower_than_npm_T15_T24():
    assert gap("speed", "npm", "npg").mean() > 0.048  # observed 0.096


def test_ablation_meeting_every_step_removes_most_of_the_delay_T15():
    assert gap("speed", "npm", "npg", OFF["meeting_interval"]).mean() < gap("speed", "npm", "npg").mean() - 0.043


# =========================================================================== 12 participation fatigue (T11, T15)
def willingness_gap(m) -> float:
    """Willingness of citizens who took part at least twice minus those who never took part."""
    c = m.citizens
    return float(c.willingness[c.participations >= 2].mean() - c.willingness[c.participations == 0].mean())


def test_frequent_participants_tire_T11_T15():
    assert values(willingness_gap, "npg").mean() < -0.009  # observed -0.019
    assert values(lambda m: float(m.citizens.fatigue[m.citizens.participations > 0].mean()), "npg").mean() > 0.05


def test_ablation_without_fatigue_participants_are_the_more_willing_T11():
    on, off = values(willingness_gap, "npg"), values(willingness_gap, "npg", OFF["fatigue"])
    assert off.mean() > 0.01 and off.mean() > on.mean() + 0.021, (on, off)  # observed +0.023 vs -0.019


# =========================================================================== 13 graded congestion (T24)
LOADED = {"population": {"administrators": 2}, "problems": {"rate": 6.0}}


def _slowdown(*off):
    """Extra steps a problem takes when administrators have 20 rather than 30 hours (OPA, heavy load)."""
    age = lambda m: float(np.mean([p.age for p in m.closed]))  # noqa: E731
    return (values(age, "opa", LOADED, {"administrators": {"hours": 20.0}}, *off)
            - values(age, "opa", LOADED, {"administrators": {"hours": 30.0}}, *off))


def test_overload_slows_work_before_the_hours_run_out_T24():
    assert _slowdown().mean() > 0.3  # observed 0.67 steps


def test_ablation_without_congestion_work_goes_on_until_the_hours_are_gone_T24():
    assert _slowdown(OFF["congestion"]).mean() < _slowdown().mean() - 0.27  # observed 0.12


# =========================================================================== 14 continuous novel adoption (T8)
def test_novel_adoption_is_continuous_and_moves_under_every_rule_set_T8():
    for who, floor in (("opa", 0.02), ("npm", 0.08)):  # observed 0.056, 0.18
        assert values("novel_adoption", who).mean() > floor, who

    def recomputed(m):
        impl = [p for p in m.world.closed.window(m.steps - m.config.outcomes.window) if p.implemented]
        thr = m.config.outcomes.novelty_threshold
        return abs(np.mean([min(1.0, p.novelty / thr) for p in impl]) - m.outcomes["novel_adoption"])
    assert values(recomputed, "npm").max() < 1e-12


def test_a_threshold_count_would_make_novel_adoption_a_marker_T8():
    def counted(m):
        impl = [p for p in m.closed if p.implemented]
        return float(np.mean([p.novelty >= m.config.outcomes.novelty_threshold for p in impl]))
    for who in ("opa", "npm"):
        assert values(counted, who).max() == 0.0, who  # the old indicator: 0 by construction
    assert values(counted, "npg").mean() > 0.25         # observed 0.53


# =========================================================================== 15 politicians' time and ownership (T20–T22)
SCARCE_POLITICIANS = {"politicians": {"hours": 1.0}}


def test_opa_defines_at_the_top_policy_time_and_ownership_need_politicians_hours_T20_T21():
    assert values("policy_time", "opa").mean() > 0.005  # observed 0.010
    drop = values("legitimacy", "opa") - values("legitimacy", "opa", SCARCE_POLITICIANS)
    assert drop.mean() > 0.08  # observed 0.167


def test_ablation_without_case_hours_opa_has_no_policy_time_and_ownership_ignores_time_T20_T21():
    assert values("policy_time", "opa", OFF["case_hours"]).max() == 0.0
    drop = (values("legitimacy", "opa", OFF["case_hours"])
            - values("legitimacy", "opa", SCARCE_POLITICIANS, OFF["case_hours"]))
    assert abs(drop.mean()) < 0.02


def test_npm_political_ownership_is_what_its_targets_count_T1_T21():
    def worst(m):
        mask = m.paradigm._measured_mask()
        return max(abs(p.political_ownership - mech.overlap(p.defined, mech.normalise(mask))) for p in m.decisions)
    assert values(worst, "npm").max() < 1e-12


# =========================================================================== 16 defined away, no paradigm markers (T19)
def test_npm_defines_away_inclusion_and_influence_honestly():
    assert REGISTRY["npm"].defines_away == ("inclusion", "influence")
    assert set(defined_away()) == {"inclusion", "influence"}
    for name in REGISTRY["npm"].defines_away:
        assert values(name, "npm").max() == 0.0, name
        assert values(name, "npg").mean() > 0.2, name


FLOORS = {"novelty_fit": 0.001, "policy_time": 0.004}
"""Lower floors for indicators that are small but not 0 under OPA (observed 0.004, 0.010); others: 0.01."""


@pytest.mark.parametrize("who", ["opa", "npm", "npg"])
def test_every_other_index_indicator_moves_above_0_under_every_rule_set(who):
    away = set(REGISTRY[RULES[who][0]].defines_away)
    for ind in INDICATORS:
        if ind.family not in FAMILIES or ind.name in away:
            continue
        v = values(ind.name, who)
        assert v.min() > 0.0 and v.mean() > FLOORS.get(ind.name, 0.01), (who, ind.name, v)


@pytest.mark.parametrize("who", ["opa", "npm", "npg"])
def test_common_indices_leave_out_what_a_rule_set_defines_away(who):
    away = set(defined_away())

    def worst(m):
        out = m.outcomes
        errs = []
        for fam, common in zip(FAMILIES, COMMON):
            members = [i.name for i in INDICATORS if i.family == fam and i.name not in away]
            errs.append(abs(out[common] - np.mean([out[n] for n in members])))
        return max(errs)
    assert values(worst, who).max() < 1e-12
    democracy = values("democracy", who)
    common = values("democracy_common", who)
    if who == "npm":  # two indicators kept at 0 by construction are left out: the common index is higher
        assert (common - democracy).mean() > 0.05
