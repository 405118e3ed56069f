"""Constant work per step: the windowed indicators read only the events in their window.

These tests count records, not seconds: the number of events the indicators read
must stay bounded by the window however long the run, and the indicators must be
what a plain loop over every event ever recorded gives.
"""

from __future__ import annotations

import numpy as np
import pytest

from govsim.config import validate
from govsim.metrics import compute_outcomes
from govsim.model import GovModel

WINDOW = 8


def _scenario(paradigm: str, seed: int) -> dict:
    return validate({"paradigm": paradigm, "metagovernance": "hands_on", "seed": seed,
                     "population": {"citizens": 400, "employees": 24},
                     "outcomes": {"window": WINDOW}})


def _scanned(model: GovModel) -> int:
    """Events the windowed indicators read this step (rows of each log's columns in the window)."""
    since = model.steps - model.config.outcomes.window
    w = model.world
    return sum(len(next(iter(log.table(since).values()))) for log in (w.closed, w.designs, w.decisions))


def _mean(values) -> float:
    values = list(values)
    return sum(values) / len(values) if values else 0.0


def _full_rescan(model: GovModel) -> dict[str, float]:
    """The event indicators recomputed the plain way: a Python loop over every event ever
    recorded (the kept history), each read from the problem object. No problem in these
    runs changes the numbers read after its event, so this must agree with the columns."""
    since = model.steps - model.config.outcomes.window
    cfg = model.config
    closed = [p for p in model.world.closed.history if p.closed_at > since]
    designs = [p for p in model.world.designs.history if p.designed_at > since]
    decisions = [p for p in model.world.decisions.history if p.decided_at > since]
    hours = sum(p.public_hours + cfg.citizens.hour_value * p.citizen_hours for p in closed)
    r = cfg.outcomes.hours_unit * sum(p.value for p in closed) / hours if hours > 0 else 0.0
    impl = [p for p in closed if p.implemented]
    tried = [p for p in closed if p.implemented or p.outcome == "failed"]
    solved = [p.age for p in closed if p.solved]
    cit, pub = sum(p.citizen_hours for p in closed), sum(p.public_hours for p in closed)
    thr = cfg.outcomes.novelty_threshold
    first = [p for p in designs if p.rounds <= 1]
    offered = [p for p in first if p.arena is not None and p.arena.seats > 0]
    seats = sum(p.arena.seats for p in offered)
    cases = [p for p in decisions if p.political_case]
    out = {
        "value_per_cost": r / (1.0 + r),
        "share_solved": _mean(p.solved for p in closed),
        "implementation_success": _mean(p.implemented for p in tried),
        "speed": 1.0 / (1.0 + _mean(solved) / 12.0) if solved else 0.0,
        "resources_mobilised": cit / (cit + pub) if cit + pub > 0 else 0.0,
        "novel_adoption": _mean(min(1.0, p.novelty / thr) for p in impl),
        "novelty_fit": _mean(p.novelty * p.fit for p in impl),
        "goal_alignment": _mean(p.alignment for p in designs if p.arena is not None),
        "seats_filled": min(1.0, sum(p.group.citizens.size for p in offered) / seats) if seats else 0.0,
        "diversity": _mean(p.diversity for p in designs),
        "learning": _mean(p.learning for p in designs),
        "decoupling": _mean(not p.discussed for p in cases),
        "legitimacy": _mean(p.legitimacy for p in decisions),
        "influence": _mean(p.influence for p in decisions),
    }
    for k in ("citizen", "employee", "administrator", "politician"):
        out[f"initiated_by_{k}"] = _mean(p.initiator == k for p in first)
    return out


@pytest.mark.parametrize("paradigm", ["opa", "npm", "npg"])
def test_records_scanned_stay_bounded_by_the_window(paradigm):
    for seed in (1, 2):
        m = GovModel(_scenario(paradigm, seed))
        scanned = []
        for _ in range(150):
            m.step()
            scanned.append(_scanned(m))
            since = m.steps - WINDOW
            assert all(p.closed_at > since for p in m.world.closed.recent)
            assert all(p.designed_at > since for p in m.world.designs.recent)
            assert all(p.decided_at > since for p in m.world.decisions.recent)
        events = len(m.world.closed) + len(m.world.designs) + len(m.world.decisions)
        early, late = max(scanned[20:50]), max(scanned[120:150])
        # The history grows with the run; what is scanned does not.
        assert events > 6 * late, (events, late)
        assert late <= 2 * early + 10, (early, late)


@pytest.mark.parametrize("paradigm", ["opa", "npm", "npg"])
def test_windowed_indicators_equal_a_full_rescan(paradigm):
    m = GovModel(_scenario(paradigm, 3))
    compared = nonzero = 0
    for step in range(1, 61):
        m.step()
        if step % 7 == 0:
            plain = _full_rescan(m)
            for name, value in plain.items():  # sums in another order: equal to rounding
                assert m.outcomes[name] == pytest.approx(value, rel=1e-12, abs=1e-15), name
            compared += 1
            nonzero += sum(v != 0.0 for v in plain.values())
    assert compared == 8 and len(m.world.closed) > 0 and len(m.world.designs) > 0
    assert nonzero > 8 * 8  # most of them were non-zero, so the comparison meant something


def test_without_history_memory_is_flat_and_outcomes_identical():
    a, b = GovModel(_scenario("npg", 4)), GovModel(_scenario("npg", 4), history=False)
    for _ in range(80):
        a.step()
        b.step()
        assert a.outcomes == b.outcomes
    assert len(a.world.closed) == len(b.world.closed) == len(a.closed) > 0
    assert len(b.closed) < len(a.closed) / 4
    assert all(p.closed_at > b.steps - WINDOW for p in b.closed)
    for log in (b.world.closed, b.world.designs, b.world.decisions):  # the columns hold one window's events
        assert len(log.columns) < log.total / 4 and log.columns.stamps.size <= 4 * max(64, len(log.columns))
    assert b.world.closed.history is None and b.world.designs.history is None
    da = a.datacollector.get_model_vars_dataframe()
    db = b.datacollector.get_model_vars_dataframe()
    assert da.equals(db)
    assert np.isfinite(da.drop(columns=["paradigm", "metagovernance"]).to_numpy(dtype=float)).all()


class _NoScan(list):
    """A list that refuses the linear searches closing used to do per problem."""

    def __contains__(self, item):
        raise AssertionError("closing scanned the open list")

    def remove(self, item):
        raise AssertionError("closing scanned the open list")


def test_closing_does_not_scan_the_open_list_and_keeps_the_order():
    m = GovModel(validate({"paradigm": "npg", "seed": 5, "population": {"citizens": 3000}}))
    m.step()
    w = m.world
    before = list(w.open)
    assert len(before) >= 4
    if "open" in vars(w):  # the open list as a plain attribute
        w.open = _NoScan(before)
    else:  # the list behind World.open
        w._open = _NoScan(before)
    leaving = [before[0], before[len(before) // 2], before[-1]]
    for p in leaving:
        w.close(p, "expired")
    assert w.open == [p for p in before if all(p is not q for q in leaving)]
    assert all(p.stage == 4 and p.closed_at == w.now for p in leaving)
    assert w.closed.events()[-3:] == leaving
