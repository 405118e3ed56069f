"""The benchmark's verdict on each performance target, from its figures (no timing here)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "run.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("govsim_benchmark", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _figures(**over):
    figs = {
        "startup": {"govsim_help_s": 0.12},
        "scale": {"reference@10000": {"agent_steps_per_s": 1.0},
                  "opa/none@10000": {"ratio_vs_reference": 12.0},
                  "npg/hands_on@10000": {"ratio_vs_reference": 10.5},
                  "npg/hands_on@1000": {"ratio_vs_reference": 0.5}},  # 1k does not count
        "long": {"steps": 1000, "cpu_ratio_last_to_181_200": 1.07},
        "growth": {"10000": {"cpu_ms_per_step": 20.0}, "100000": {"cpu_ms_per_step": 190.0}},
        "million": {"steps": 100, "build_s": 2.1, "peak_mib": 950.0, "total_s": 280.0, "cpu_steps_s": 275.0},
        "sweep": {"parallel_efficiency": 0.83},
    }
    figs.update(over)
    return figs


def _verdicts(bench, figs):
    return [met for _, _, met in bench.assess(figs)]


def test_every_target_met(bench):
    assert _verdicts(bench, _figures()) == [True] * len(bench.TARGETS)


@pytest.mark.parametrize("part,figure,index", [
    ("startup", {"govsim_help_s": 0.31}, 0),
    ("scale", {"opa/none@10000": {"ratio_vs_reference": 12.0}, "npm/none@10000": {"ratio_vs_reference": 9.9}}, 1),
    ("long", {"steps": 1000, "cpu_ratio_last_to_181_200": 0.85}, 2),
    ("long", {"steps": 1000, "cpu_ratio_last_to_181_200": 1.12}, 2),
    ("growth", {"10000": {"cpu_ms_per_step": 20.0}, "100000": {"cpu_ms_per_step": 210.0}}, 3),
    ("million", {"steps": 100, "build_s": 3.2, "peak_mib": 950.0, "total_s": 280.0, "cpu_steps_s": 275.0}, 4),
    ("million", {"steps": 100, "build_s": 2.0, "peak_mib": 950.0, "total_s": 301.0, "cpu_steps_s": 290.0}, 5),
    ("sweep", {"parallel_efficiency": 0.79}, 6),
])
def test_one_missed_target_is_reported_as_missed(bench, part, figure, index):
    verdicts = _verdicts(bench, _figures(**{part: figure}))
    assert verdicts[index] is False
    assert verdicts[:index] + verdicts[index + 1:] == [True] * (len(verdicts) - 1)


def test_growth_takes_the_worse_of_the_top_rung_and_every_rung(bench):
    linear = {"10000": {"cpu_ms_per_step": 20.0}, "100000": {"cpu_ms_per_step": 190.0}}
    quadratic = {"10000": {"cpu_ms_per_step": 25.0}, "100000": {"cpu_ms_per_step": 2500.0}}
    index = [part for _, part in bench.TARGETS].index("growth")
    assert _verdicts(bench, _figures(growth_every_rung=linear))[index] is True
    assert _verdicts(bench, _figures(growth_every_rung=quadratic))[index] is False
    assert _verdicts(bench, _figures(growth=quadratic, growth_every_rung=linear))[index] is False
    text = dict((n, t) for n, t, _ in bench.assess(_figures(growth_every_rung=quadratic)))[bench.TARGETS[index][0]]
    assert "top rung 0.95" in text and "every rung 10.00" in text


def test_growth_reads_the_ratio_paired_within_rounds_where_measured(bench):
    # the medians alone would read 190 / 20 / 10 = 0.95; the rounds' own ratios say 1.04
    paired = {"10000": {"cpu_ms_per_step": 20.0},
              "100000": {"cpu_ms_per_step": 190.0, "cpu_ratio_paired": 1.04, "cpu_ratio_paired_each": [1.1, 1.04, 0.9]}}
    index = [part for _, part in bench.TARGETS].index("growth")
    assert _verdicts(bench, _figures(growth=paired))[index] is False
    paired["100000"]["cpu_ratio_paired"] = 0.97
    assert _verdicts(bench, _figures(growth=paired))[index] is True


def test_unmeasured_or_too_short_is_not_a_verdict(bench):
    figs = _figures(long={"steps": 400, "cpu_ratio_last_to_181_200": 1.0},
                    million={"steps": 10, "build_s": 2.0, "peak_mib": 900.0, "total_s": 30.0, "cpu_steps_s": 28.0},
                    sweep={"error": "timed out"})
    del figs["startup"]
    verdicts = _verdicts(bench, figs)
    assert verdicts[0] is None and verdicts[2] is None and verdicts[5] is None and verdicts[6] is None
    assert verdicts[4] is True  # a 10-step 1M run still measures build and memory


def test_budget_splits_a_step_into_the_floor_and_a_cost_per_problem(bench):
    # 10 ms a step, 2 ms of it with no problems, 20 arrivals: 0.4 ms a problem; a reference at
    # 30 ms a step leaves (3 - 2) / 20 = 0.05 ms a problem for the 10x target
    b = bench.budget(10.0, 2.0, 20.0, 30.0)
    assert b["ms_per_problem"] == pytest.approx(0.4)
    assert b["budget_ms_per_problem"] == pytest.approx(0.05)
    assert bench.budget(10.0, 4.0, 20.0, 30.0)["budget_ms_per_problem"] < 0  # the floor alone is over


@pytest.mark.parametrize("jit", [False, True])
def test_the_phases_part_times_every_phase_and_the_kernels_inside(bench, jit):
    from govsim import kernels
    from govsim.kernels import compiled as K
    from govsim.phases import PHASES

    spec = {"paradigm": "npg", "metagovernance": "hands_on", "citizens": 1500, "steps": 4, "warmup": 2}
    with (kernels.enabled() if jit else kernels.disabled()):
        before = K.arena_recruit
        res = bench.job_phases(spec)
        assert K.arena_recruit is before  # the kernels are given back untimed
    assert list(res["phases"]) == [p.name for p in PHASES] == list(res["kernels"])
    assert all(v >= 0.0 for v in res["phases"].values())
    assert sum(res["phases"].values()) <= res["ms_per_step"]
    assert all(res["kernels"][k] <= res["phases"][k] for k in res["phases"])
    in_kernels = sum(res["kernels"].values())
    assert (in_kernels > 0.0) == jit  # NPG recruits and designs through kernels once they are loaded
    assert res["kernels"]["notice_and_define"] > 0.0 or not jit


def test_the_report_prints_the_phases(bench, capsys):
    figs = {"phases": {"opa/none": {"citizens": 10000, "steps": 200, "repetitions": 1, "ms_per_step": 4.0,
                                    "phases": {"arrive_problems": 0.5, "respond": 0.4},
                                    "kernels": {"arrive_problems": 0.1, "respond": 0.0}},
                       "npm/none": {"error": "timed out after 900 s"}}}
    bench.print_report(figs)
    out = capsys.readouterr().out
    assert "arrive_problems" in out and "0.50 (0.10)" in out and "4.00 (0.10)" in out
    assert "phases of npm/none: error: timed out after 900 s" in out
