"""A run leaves the long-lived heap (the libraries, the built model, kernels loaded part-way) out of
the garbage collector's passes and looks at young objects less often; it gives both back at the
end, and leaves a caller's own settings alone."""

from __future__ import annotations

import gc

import pandas as pd
import pytest

from govsim import kernels, runner
from govsim.model import GovModel

TINY = {"paradigm": "npg", "metagovernance": "hands_on", "seed": 3, "steps": 4, "population": {"citizens": 300}}


@pytest.fixture
def during_steps(monkeypatch):
    """The garbage collector's frozen count and thresholds at the start of each step of a run."""
    seen: list[tuple[int, tuple]] = []
    step = GovModel.step

    def noting_step(self):
        seen.append((gc.get_freeze_count(), gc.get_threshold()))
        step(self)

    monkeypatch.setattr(GovModel, "step", noting_step)
    return seen


@pytest.fixture
def freezes(monkeypatch):
    """Calls of gc.freeze, counted (and carried out)."""
    calls: list[int] = []
    freeze = gc.freeze

    def counting():
        calls.append(1)
        freeze()

    monkeypatch.setattr(gc, "freeze", counting)
    return calls


def test_a_run_freezes_what_exists_before_its_steps_and_unfreezes_it(during_steps):
    assert gc.get_freeze_count() == 0
    tracked = len(gc.get_objects())
    runner.simulate(TINY, provenance=False)
    assert len(during_steps) == TINY["steps"]
    assert min(frozen for frozen, _ in during_steps) >= 0.9 * tracked  # the libraries and the model, skipped
    assert gc.get_freeze_count() == 0                                  # and given back: nothing stays out of reach


def test_a_run_looks_at_young_objects_less_often_and_restores_the_thresholds(during_steps):
    before = gc.get_threshold()
    runner.simulate(TINY, provenance=False)
    assert {t for _, t in during_steps} == {(max(before[0], runner.YOUNG_THRESHOLD), *before[1:])}
    assert gc.get_threshold() == before


def test_a_run_that_raises_unfreezes_too(monkeypatch):
    def broken(self):
        raise RuntimeError("step failed")

    before = gc.get_threshold()
    monkeypatch.setattr(GovModel, "step", broken)
    with pytest.raises(RuntimeError):
        runner.simulate(TINY, provenance=False)
    assert gc.get_freeze_count() == 0 and gc.get_threshold() == before


def test_kernels_loaded_part_way_through_a_run_are_frozen_as_well(monkeypatch, freezes):
    pytest.importorskip("numba")
    # auto mode, loading after the first step's arrivals (300 citizens: a few problems a step)
    monkeypatch.setattr(kernels, "_mode", "auto")
    monkeypatch.setattr(kernels, "_loaded", False)
    monkeypatch.setattr(kernels, "_work", 0)
    monkeypatch.setattr(kernels, "_next_try", 0)
    monkeypatch.setattr(kernels, "AFTER", 1)
    monkeypatch.setattr(kernels, "_in_cache", lambda compiled: True)  # as where they were compiled before
    runner.simulate({**TINY, "steps": 6}, provenance=False)
    assert kernels.loaded()
    assert len(freezes) == 2  # at the start, and again once the kernels were loaded


def test_already_loaded_kernels_need_no_second_freeze(monkeypatch, freezes):
    with kernels.disabled():
        runner.simulate(TINY, provenance=False)
    assert len(freezes) == 1


@pytest.mark.parametrize("setting", ["frozen", "disabled"])
def test_a_caller_s_own_collector_settings_are_left_alone(setting, freezes, during_steps):
    if setting == "frozen":
        gc.freeze()
    else:
        gc.disable()
    before, thresholds = gc.get_freeze_count(), gc.get_threshold()
    try:
        runner.simulate(TINY, provenance=False)
        assert freezes == [] if setting == "disabled" else freezes == [1]  # the caller's own call only
        assert max(f for f, _ in during_steps) <= before  # nothing more frozen (frozen objects freed leave the count)
        assert {t for _, t in during_steps} == {thresholds}
        assert 0 < gc.get_freeze_count() <= before if setting == "frozen" else gc.get_freeze_count() == 0
    finally:
        gc.unfreeze()
        gc.enable()


def test_the_same_results_with_the_collector_set_for_the_run_or_not(monkeypatch):
    frozen = runner.simulate(TINY, provenance=False)
    monkeypatch.setattr(gc, "freeze", lambda: None)
    monkeypatch.setattr(gc, "unfreeze", lambda: None)
    monkeypatch.setattr(gc, "set_threshold", lambda *a: None)
    plain = runner.simulate(TINY, provenance=False)
    pd.testing.assert_frame_equal(frozen, plain)
