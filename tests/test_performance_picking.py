"""Per-problem selection costs the size of the candidate pool, not of the whole public sector."""

from __future__ import annotations

import numpy as np
import pytest

from govsim import kernels
from govsim.config import validate
from govsim.model import GovModel
from govsim.problems import Arena, Group
from govsim.world import top_rows


class CountingRng:
    """A generator that records how many numbers each ``random`` or ``integers`` call draws."""

    def __init__(self, gen: np.random.Generator) -> None:
        self.gen = gen
        self.sizes: list[int] = []

    def random(self, size=None):
        self.sizes.append(1 if size is None else int(np.prod(size)))
        return self.gen.random(size)

    def integers(self, low, high=None, size=None):
        self.sizes.append(1 if size is None else int(np.prod(size)))
        return self.gen.integers(low, high, size=size)

    def __getattr__(self, name):
        return getattr(self.gen, name)


def _model(citizens: int = 5000, seed: int = 3, steps: int = 2) -> GovModel:
    m = GovModel(validate({"paradigm": "npg", "metagovernance": "hands_on", "seed": seed,
                           "population": {"citizens": citizens}}), history=False)
    for _ in range(steps):
        m.step()
    return m


def test_top_rows_is_the_stable_sort_without_sorting():
    rng = np.random.default_rng(0)
    for trial in range(2000):
        m, n = int(rng.integers(0, 150)), int(rng.integers(-1, 12))
        values = rng.integers(0, 4, size=m).astype(float) if trial % 2 else rng.random(m)
        expected = np.sort(np.argsort(-values, kind="stable")[:max(n, 0)])
        assert np.array_equal(top_rows(values, n), expected), (values, n)


def test_staff_index_matches_a_scan_of_all_employees():
    w = _model(steps=0).world
    e = w.employees
    for providers in ([0], [3, 1], list(range(w.providers.n)), []):
        got = w.staff(np.array(providers, dtype=np.int64))
        assert np.array_equal(got, np.flatnonzero(np.isin(e.provider, providers)))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_pick_employees_draws_one_key_per_serving_employee_only(seed):
    w = _model(seed=seed).world
    e = w.employees
    for p in w.open[:20]:
        serving = np.flatnonzero(np.isin(e.provider, w.citizens.provider[p.affected]))
        rng = CountingRng(np.random.default_rng(seed))
        team = w.pick_employees(p, 3, rng)
        assert rng.sizes == [serving.size] and serving.size < e.n
        keys = np.random.default_rng(seed).random(serving.size)
        assert np.array_equal(team, np.sort(serving[np.argsort(-keys, kind="stable")[:3]]))
    rng = CountingRng(np.random.default_rng(seed))
    one = w.pick_employees(w.open[0], 2, rng, provider=4)
    assert rng.sizes == [int((e.provider == 4).sum())] and set(one) <= set(np.flatnonzero(e.provider == 4))


def test_pick_administrators_takes_most_hours_left_lowest_row_first():
    w = _model(steps=1).world
    a = w.administrators
    a.hours_left[:] = 5.0
    a.hours_left[[7, 2, 30]] = 9.0
    a.hours_left[11] = 7.0
    assert w.pick_administrators(1).tolist() == [2]
    assert w.pick_administrators(4).tolist() == [2, 7, 11, 30]
    assert w.pick_administrators(6).tolist() == [0, 1, 2, 7, 11, 30]


def _politicians_world(count: int = 3000):
    m = GovModel(validate({"paradigm": "npg", "seed": 1,
                           "population": {"citizens": 1000, "politicians": count}}), history=False)
    m.step()
    return m.world


def test_open_politicians_are_found_without_drawing_for_every_politician():
    w = _politicians_world()
    pol = w.politicians
    pol.hours_left[:] = 20.0
    for seed in range(20):
        rng = CountingRng(np.random.default_rng(seed))
        join = w.pick_open_politicians(6.0, 3, rng)
        assert join.size == 3 and sum(rng.sizes) <= 4 * (2 * 3 + 8) < pol.n


def test_open_politicians_are_a_uniform_draw_of_those_with_time_who_are_open():
    w = _politicians_world()
    pol = w.politicians
    pol.hours_left[:] = 20.0
    pol.hours_left[:10] = 1.0  # no time
    pol.openness[:] = 0.0
    pol.openness[:20] = 1.0  # rows 10-19 always join if drawn, 0-9 never have the time
    pol.openness[20:25] = 0.5
    rng = np.random.default_rng(7)
    counts = np.zeros(pol.n)
    for _ in range(4000):
        join = w.pick_open_politicians(6.0, 3, rng)
        assert join.size == 3 and np.all(np.diff(join) > 0)
        counts[join] += 1
    assert counts[:10].sum() == 0 and counts[25:].sum() == 0
    sure, half = counts[10:20] / 4000, counts[20:25] / 4000
    # each of the |F| open politicians with time sits with chance 3 / |F|, |F| = 10 + Binomial(5, 1/2)
    assert np.all(np.abs(sure - 0.243) < 0.04) and np.all(np.abs(half - 0.116) < 0.03)


def test_open_politicians_when_few_have_time_are_found_in_one_pass():
    w = _politicians_world()
    pol = w.politicians
    pol.hours_left[:] = 0.0
    pol.hours_left[[5, 900, 2999]] = 20.0
    pol.openness[:] = 1.0
    rng = CountingRng(np.random.default_rng(3))
    assert w.pick_open_politicians(6.0, 3, rng).tolist() == [5, 900, 2999]
    assert w.pick_open_politicians(6.0, 0, rng).size == 0


def test_recruiting_seats_only_open_politicians_with_time():
    m = _model(citizens=3000)
    w, rules = m.world, m.paradigm
    pol = w.politicians
    able = np.arange(0, pol.n, 3)
    pol.hours_left[:] = 0.0
    pol.hours_left[able] = 1000.0
    p = w.open[0]
    p.group = Group(administrators=w.pick_administrators(1))
    group = rules._recruit(w, p, Arena(rung=6))
    assert set(group.politicians) <= set(able) and group.politicians.size > 0


def test_admit_decides_as_the_exact_share_of_hours_left_would():
    """Through a congested run, every admission equals the rule computed from a full sum."""
    m = GovModel(validate({"paradigm": "npg", "metagovernance": "hands_on", "seed": 5,
                           "population": {"citizens": 2000, "administrators": 4}}), history=False)
    w = m.world
    admit = w.admit
    calls, congested = [], []

    def checked(p, stage, uses):
        a, c = w.administrators, w.core.congestion
        left = float(np.maximum(a.hours_left, 0.0).sum()) / (a.n * w.config.administrators.hours)
        if uses and 0.0 < left < c:
            congested.append(left)
        got = admit(p, stage, uses)
        if not uses or left >= c:
            expected = left > 0.0 or not uses
        elif left <= 0.0:
            expected = False
        else:
            expected = bool(w.streams.get("congestion", p.id, w.now, stage).random() < left / c)
        calls.append(got == expected)
        return got

    w.admit = checked
    # The Python forms throughout: the compiled noticing works admission out itself (its own tests in
    # tests/test_kernels.py compare it with World.admit) and would not call the method checked here.
    with kernels.disabled():
        for _ in range(15):
            m.step()
    assert len(calls) > 100 and all(calls) and len(congested) > 5


def test_admit_does_not_add_up_all_hours_while_far_from_congestion():
    w = _model(citizens=2000, steps=1).world
    w.reset_hours()
    p = w.open[0]
    assert w.admit(p, 0, True)  # one exact sum after the reset
    w.spend("administrators", np.array([0, 1]), 1.0, p)
    w.administrators.hours_left[:] = 0.0  # not booked through spend: not seen until the next exact sum
    assert w.admit(p, 0, True)
    w.reset_hours()
    w.administrators.hours_left[:] = 0.0
    assert not w.admit(p, 0, True)


def test_top_row_is_top_rows_of_one():
    # the row the compiled noticing scans are given for the administrator and the politician with most
    # hours left: top_rows(values, 1) as an int, ties to the first, the first NaN, -1 for no rows
    from govsim.world import top_row

    rng = np.random.default_rng(3)
    assert top_row(np.zeros(0)) == -1
    for case in range(500):
        n = int(rng.integers(1, 400))
        x = rng.choice([0.0, -0.0, 2.5, 40.0], size=n) if case % 2 else rng.random(n)
        if case % 9 == 0:
            x[rng.integers(n)] = np.nan
        assert top_row(x) == int(top_rows(x, 1)[0])
