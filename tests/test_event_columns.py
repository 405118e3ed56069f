"""Events counted as they were when they happened: the event logs' columns (govsim.world.EventColumns)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from govsim.config import load_scenario, validate
from govsim.metrics import compute_outcomes
from govsim.model import GovModel
from govsim.world import EventColumns

ROOT = Path(__file__).resolve().parents[1]


class _Event:
    def __init__(self, x: float, flag: bool) -> None:
        self.x, self.flag = x, flag


def _columns(capacity: int = 4) -> EventColumns:
    return EventColumns({"x": np.float64, "flag": bool}, lambda e: (e.x, e.flag), capacity=capacity)


def test_window_keeps_later_events_in_order_and_drops_the_rest():
    cols = _columns()
    for stamp in range(1, 31):
        for j in range(3):
            cols.add(stamp, _Event(stamp + j / 10, j == 1))
    w = cols.window(27)
    assert w["x"].tolist() == [s + j / 10 for s in (28, 29, 30) for j in range(3)]
    assert w["flag"].tolist() == [False, True, False] * 3
    assert len(cols) == 9
    # An earlier ``since`` afterwards does not bring dropped events back.
    assert len(cols.window(3)["x"]) == 9


def test_memory_is_bounded_by_the_window_however_many_events():
    cols = _columns()
    for stamp in range(1, 5001):
        for _ in range(2):
            cols.add(stamp, _Event(float(stamp), False))
        cols.window(stamp - 5)  # read every step, as the indicators do
    assert len(cols) == 10
    assert cols.stamps.size <= 32  # grew to hold one window, not 10,000 events
    assert cols.window(4995)["x"].tolist() == [float(s) for s in range(4996, 5001) for _ in range(2)]


def test_snapshot_is_taken_at_the_event():
    cols = _columns()
    e = _Event(1.0, False)
    cols.add(1, e)
    e.x, e.flag = 9.0, True
    cols.add(2, e)  # the same problem again, changed
    w = cols.window(0)
    assert w["x"].tolist() == [1.0, 9.0] and w["flag"].tolist() == [False, True]


@pytest.mark.parametrize("paradigm,seed", [("opa", 1), ("npm", 2), ("npg", 3), ("npg", 4)])
def test_changing_a_problem_after_its_events_changes_no_indicator(paradigm, seed):
    """The indicators read the events' snapshots: a problem's later changes do not rewrite the past."""
    m = GovModel(validate({"paradigm": paradigm, "metagovernance": "hands_on", "seed": seed,
                           "population": {"citizens": 600}}))
    for _ in range(25):
        m.step()
    before = compute_outcomes(m)
    w = m.world
    touched = 0
    for log in (w.closed, w.designs, w.decisions):
        for p in log.window(m.steps - m.config.outcomes.window):
            p.value, p.public_hours, p.citizen_hours = 0.0, 1e6, 1e6
            p.alignment, p.diversity, p.learning = 0.0, 0.0, 0.0
            p.legitimacy, p.influence, p.discussed = 0.0, 1.0, not p.discussed
            touched += 1
    assert touched > 20
    assert compute_outcomes(m) == before


def test_a_reform_does_not_rewrite_the_designs_made_before_it():
    """Designs made under OPA and NPM had no arena; after the NPG reform adopts those problems into
    arenas, goal alignment still averages only over designs that an arena made (T16, T21)."""
    cfg = load_scenario(ROOT / "scenarios" / "reform.toml")
    m = GovModel(cfg)
    made: list[tuple[int, bool, float]] = []  # (step, by an arena, alignment) at each design
    columns = m.world.designs.columns
    row = columns.row

    def watch(p):  # called once per design, as it happens
        made.append((m.world.now, p.arena is not None, p.alignment))
        return row(p)

    columns.row = watch
    differs = 0
    for _ in range(100):
        m.step()
        since = m.steps - m.config.outcomes.window
        arena = [a for t, by_arena, a in made if t > since and by_arena]
        expected = sum(arena) / len(arena) if arena else 0.0
        assert m.outcomes["goal_alignment"] == pytest.approx(expected, rel=1e-12, abs=1e-15)
        # What reading the problems now would give: designs adopted after the reform count as arenas'.
        now = [p.alignment for p in m.world.designs.window(since) if p.arena is not None]
        differs += (sum(now) / len(now) if now else 0.0) != pytest.approx(expected, rel=1e-9, abs=1e-12)
    assert differs > 0  # the case arises in this run, so the snapshot is what keeps the past


def test_a_window_read_again_is_the_same_until_an_event_is_added():
    cols = _columns()
    for stamp in (1, 2, 3):
        cols.add(stamp, _Event(float(stamp), False))
    first = cols.window(1)
    assert cols.window(1) is first  # read again within the step: the same views
    cols.add(3, _Event(3.5, True))  # an event later in the same step
    again = cols.window(1)
    assert again["x"].tolist() == [2.0, 3.0, 3.5] and again["flag"].tolist() == [False, False, True]
    assert cols.window(2)["x"].tolist() == [3.0, 3.5]  # a later ``since`` moves on
    cols.add(4, _Event(4.0, False))
    for stamp in range(5, 40):  # the columns grow and move; the window follows
        cols.add(stamp, _Event(float(stamp), False))
        assert cols.window(stamp - 2)["x"].tolist() == [float(stamp - 1), float(stamp)]
