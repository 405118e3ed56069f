"""Closed problems as compact columnar records (``GovModel.problem_table``, ``ProblemRecords``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from govsim.config import validate
from govsim.model import GovModel
from govsim.problems import ProblemRecords

SCENARIO = {"paradigm": "npg", "metagovernance": "hands_off", "seed": 4, "population": {"citizens": 400}}


def _run(history: bool, steps: int = 40, **extra) -> GovModel:
    m = GovModel(validate({**SCENARIO, **extra}), history=history)
    for _ in range(steps):
        m.step()
    return m


@pytest.mark.parametrize("paradigm", ["opa", "npm", "npg"])
def test_every_closed_problem_has_a_row_equal_to_its_object(paradigm):
    m = _run(True, paradigm=paradigm)
    table = m.problem_table()
    closed = m.closed
    assert len(table) == len(closed) > 10
    assert table["id"].tolist() == [p.id for p in closed]
    for name in ("arrived", "closed_at", "rounds", "attempts", "rung"):
        assert table[name].tolist() == [getattr(p, name) for p in closed], name
    for name in ProblemRecords.FLOATS:
        assert np.array_equal(table[name].to_numpy(), np.array([getattr(p, name) for p in closed])), name
    for name in ProblemRecords.FLAGS:
        assert table[name].tolist() == [bool(getattr(p, name)) for p in closed], name
    for name in ProblemRecords.TEXTS:
        assert isinstance(table[name].dtype, pd.CategoricalDtype)
        assert table[name].astype(str).tolist() == [getattr(p, name) for p in closed], name
    assert table["age"].tolist() == [p.age for p in closed]
    assert table["n_affected"].tolist() == [p.affected.size for p in closed]


def test_records_keep_every_problem_when_objects_are_dropped():
    kept, dropped = _run(True, 60), _run(False, 60)
    assert len(dropped.closed) < len(kept.closed)          # objects: only the window's
    pd.testing.assert_frame_equal(dropped.problem_table(), kept.problem_table())
    assert len(dropped.problem_table()) == len(dropped.world.closed)


def test_a_record_is_a_few_hundred_bytes():
    m = _run(False, 60)
    records = m.world.records
    n, capacity = len(records), len(records._cols["id"])
    assert n > 40
    assert capacity <= max(256, 2 * n)             # grows by doubling
    assert records.nbytes / capacity < 256         # bytes per row: a few dozen numbers, no vectors or objects


def test_an_empty_table_has_its_columns():
    table = ProblemRecords().frame()
    assert len(table) == 0
    assert {"id", "outcome", "value", "solved", "age"} <= set(table.columns)
