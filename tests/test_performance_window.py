"""Constant work per step: the windowed indicators read only the events in their window.

These tests count records, not seconds: the number of problems the indicators scan
must stay bounded by the window however long the run, and the indicators must be
exactly what a full rescan of every event ever recorded gives.
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
    """Records the windowed indicators scan this step (what EventLog.window returns)."""
    since = model.steps - model.config.outcomes.window
    w = model.world
    return sum(len(log.window(since)) for log in (w.closed, w.designs, w.decisions))


def _full_rescan(model: GovModel) -> dict[str, float]:
    """The indicators recomputed as if every event ever recorded were scanned again."""
    logs = (model.world.closed, model.world.designs, model.world.decisions)
    saved = [(log.recent, log._since) for log in logs]
    try:
        for log in logs:
            log.recent, log._since = list(log.history), -(1 << 62)
        return compute_outcomes(model)
    finally:
        for log, (recent, since) in zip(logs, saved):
            log.recent, log._since = recent, since


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
    compared = 0
    for step in range(1, 61):
        m.step()
        if step % 7 == 0:
            assert _full_rescan(m) == m.outcomes
            compared += 1
    assert compared == 8 and len(m.world.closed) > 0 and len(m.world.designs) > 0


def test_without_history_memory_is_flat_and_outcomes_identical():
    a, b = GovModel(_scenario("npg", 4)), GovModel(_scenario("npg", 4), history=False)
    for _ in range(80):
        a.step()
        b.step()
        assert a.outcomes == b.outcomes
    assert len(a.world.closed) == len(b.world.closed) == len(a.closed) > 0
    assert len(b.closed) < len(a.closed) / 4
    assert all(p.closed_at > b.steps - WINDOW for p in b.closed)
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
