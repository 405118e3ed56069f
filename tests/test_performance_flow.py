"""The one-pass outcome computation gives exactly what each indicator's own function gives."""

import numpy as np
import pytest

from govsim import metrics
from govsim.config import validate
from govsim.model import GovModel
from govsim.network import Neighbourhood, small_world
from _helpers import plain_neighbourhood


def _by_functions(model):
    return {ind.name: float(ind.func(model)) for ind in metrics.INDICATORS}


@pytest.mark.parametrize("paradigm,meta,seed", [("opa", "hands_off", 1), ("npm", "hands_on", 2),
                                                ("npg", "hands_on", 3), ("npg", "hands_off", 4)])
def test_one_pass_outcomes_equal_indicator_functions(paradigm, meta, seed):
    m = GovModel(validate({"paradigm": paradigm, "metagovernance": meta, "seed": seed,
                           "population": {"citizens": 600}, "outcomes": {"window": 6}}))
    checked = 0
    for _ in range(30):
        m.step()
        fast = metrics.compute_outcomes(m)
        slow = _by_functions(m)
        for name, value in slow.items():
            assert fast[name] == value, name  # bit for bit, not approximately
        checked += sum(v != 0.0 for v in slow.values())
    assert checked > 30 * 10  # most indicators were non-zero, so the comparison meant something


def test_neighbourhood_is_breadth_first_and_sorted():
    adj = small_world(300, 6, 0.1, np.random.default_rng(5))
    hood = Neighbourhood(adj)
    for origin, size in [(0, 1), (7, 12), (150, 40), (299, 500)]:
        got = hood(origin, size)
        assert got.dtype == np.int64 and np.all(np.diff(got) > 0)
        assert got.size == min(size, 300) and origin in got
        assert got.tolist() == plain_neighbourhood(adj, origin, size).tolist()


def _take_part_one_act_at_a_time(c, cfg, now, acts):
    from govsim import mechanisms as mech
    for rows, rung, influence in acts:
        if rows.size == 0:
            continue
        c["fatigue"][rows] = mech.tire(c["fatigue"][rows], cfg.fatigue)
        c["trust"][rows] = mech.participation_effect(c["trust"][rows], influence, cfg.tokenism_threshold,
                                                     cfg.participation_effect)
        c["efficacy"][rows] = mech.participation_effect(c["efficacy"][rows], influence, cfg.tokenism_threshold,
                                                        cfg.participation_effect)
        recent = c["last_participated"][rows] == now
        c["last_rung"][rows] = np.where(recent, np.maximum(c["last_rung"][rows], rung), rung)
        c["last_participated"][rows] = now
        if rung >= mech.RUNG_PANEL:
            c["last_deliberated"][rows] = now
        c["participations"][rows] += 1


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_take_part_in_layers_equals_one_act_at_a_time(seed):
    from govsim.phases import take_part
    m = GovModel(validate({"paradigm": "npg", "metagovernance": "hands_on", "seed": seed,
                           "population": {"citizens": 400}}))
    for _ in range(5):
        m.step()
    w, rng = m.world, np.random.default_rng(seed)
    # Overlapping acts (the same citizen in up to several acts), a duplicate inside one act, an empty act.
    acts = [(np.sort(rng.choice(400, size=int(rng.integers(1, 60)), replace=False)).astype(np.int64),
             int(rng.integers(1, 7)), float(rng.random())) for _ in range(12)]
    acts.append((np.array([5, 5, 9], dtype=np.int64), 4, 0.7))
    acts.append((np.zeros(0, dtype=np.int64), 6, 0.9))
    w.participation = acts
    names = ("fatigue", "trust", "efficacy", "last_rung", "last_participated", "last_deliberated", "participations")
    ref = {n: getattr(w.citizens, n).copy() for n in names}
    _take_part_one_act_at_a_time(ref, w.config.citizens, w.now, acts)
    take_part(w)
    counts = np.bincount(np.concatenate([np.unique(a[0]) for a in acts]), minlength=400)
    assert counts.max() >= 3  # several layers were needed
    for n in names:
        assert np.array_equal(getattr(w.citizens, n), ref[n]), n


@pytest.mark.parametrize("weights", [[.2, .2, .2, .2, .2], [.3, 0, .1, .3, .3], [0, 0, .5, 0, .5], [.1, .4, .1, .1, .3]])
def test_dimension_draw_equals_weighted_dims(weights):
    from govsim.problems import _DimensionDraw, _weighted_dims
    w = np.array(weights)
    draw = _DimensionDraw(w)
    for m in range(1, 6):
        r1, r2 = np.random.default_rng(m), np.random.default_rng(m)
        got = [draw(r2, m) for _ in range(500)]
        want = [_weighted_dims(r1, w, m).tolist() for _ in range(500)]
        assert got == want
        assert r1.random() == r2.random()  # the same number of draws taken
    if 0 in weights:  # a weight-0 dimension comes only after every positive one
        zero = {i for i, x in enumerate(weights) if x == 0}
        rng = np.random.default_rng(9)
        for _ in range(200):
            dims = draw(rng, 5)
            assert set(dims[5 - len(zero):]) == zero
