"""The sweep's local pool: workers fork from a server that has imported the model, the server
starts before the design is built, and the shrinking chunks cover every run once, in order."""

from __future__ import annotations

import functools
import json
import multiprocessing as mp
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govsim.experiments import execute
from govsim.experiments.execute import MAX_CHUNK, Task, plan_chunks, run_sweep, simulate_run
from govsim.experiments.store import load_results

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "experiments" / "tiny.toml"
ENV = {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
HAS_FORKSERVER = "forkserver" in mp.get_all_start_methods()


def tasks(n: int) -> list[Task]:
    return [Task(run_id=i, point_id=i % 4, replication=i // 4, seed=1000 + i // 4, overrides={}) for i in range(n)]


# --------------------------------------------------------------------------- the chunk plan

@settings(max_examples=200, deadline=None)
@given(n=st.integers(0, 600), workers=st.integers(1, 12))
def test_shrinking_chunks_cover_every_run_once_in_order(n, workers):
    ts = tasks(n)
    chunks = plan_chunks(ts, workers)
    assert [t for c in chunks for t in c] == ts                 # every run once, in run (seed) order
    sizes = [len(c) for c in chunks]
    assert all(1 <= s <= MAX_CHUNK for s in sizes)
    assert sizes == sorted(sizes, reverse=True)                  # largest first, smallest last
    tail = min(n, 2 * workers - 1)
    assert sizes[len(sizes) - tail:] == [1] * tail               # the tail is single runs
    if n >= 2 * workers * MAX_CHUNK:
        assert sizes[0] == MAX_CHUNK                             # few round trips while much is left


@settings(max_examples=100, deadline=None)
@given(n=st.integers(0, 200), workers=st.integers(1, 8), size=st.integers(1, 40))
def test_a_fixed_chunk_size_is_kept(n, workers, size):
    ts = tasks(n)
    chunks = plan_chunks(ts, workers, size)
    assert [t for c in chunks for t in c] == ts
    assert all(len(c) == size for c in chunks[:-1]) and (not chunks or 1 <= len(chunks[-1]) <= size)


def test_two_workers_balance_the_tail():
    """On two workers, the last 4 chunks are single runs, so when one worker takes the last
    run the other is at most one run behind (with fixed chunks of 8 it could be 8)."""
    sizes = [len(c) for c in plan_chunks(tasks(60), 2)]
    assert sum(sizes) == 60 and sizes[:2] == [15, 12] and sizes[-4:] == [1, 1, 1, 1]


# --------------------------------------------------------------------------- the pool

def logging_run(log: str, scenario):
    """The real run, noting which process ran it, for which seed, and how that process started."""
    with open(log, "a") as fh:
        fh.write(json.dumps({"run_pid": os.getpid(), "seed": scenario.seed, **execute.WORKER_START}) + "\n")
    return simulate_run(scenario)


@pytest.mark.skipif(not HAS_FORKSERVER, reason="this platform has no fork server; the pool uses spawn there")
def test_workers_start_with_the_model_imported_and_run_each_run_once(tmp_path):
    log = tmp_path / "runs.jsonl"
    run_sweep(TINY, tmp_path / "w2", workers=2, progress=False,
              run_function=functools.partial(logging_run, str(log)))
    seen = [json.loads(line) for line in log.read_text().splitlines()]
    assert len(seen) == 12
    assert all(s["run_pid"] != os.getpid() for s in seen)        # the runs ran in the pool ...
    assert all(s["pid"] == s["run_pid"] for s in seen)           # ... whose workers were initialised
    assert all(s["model_preloaded"] for s in seen)               # ... with the model already imported
    assert len({s["run_pid"] for s in seen}) <= 2
    res = load_results(tmp_path / "w2")
    assert sorted(res.runs["run_id"]) == list(range(12))         # each run once
    parts = len(list((tmp_path / "w2" / "runs").glob("part-*.parquet")))
    assert parts == len(plan_chunks(tasks(12), 2))               # the default plan was used

    run_sweep(TINY, tmp_path / "w1", workers=1, progress=False)  # same results in this process
    ref = load_results(tmp_path / "w1")
    pd.testing.assert_frame_equal(res.runs, ref.runs)
    pd.testing.assert_frame_equal(res.series, ref.series)


PROBE = """
import json, sys
import psutil
from govsim.experiments import execute

seen = {}
original = execute.build_design

def build_design(exp):
    kids = psutil.Process().children()
    seen["forkserver"] = any("multiprocessing.forkserver" in " ".join(k.cmdline()) for k in kids)
    return original(exp)

execute.build_design = build_design
if __name__ == "__main__":
    execute.run_sweep(sys.argv[1], sys.argv[2], workers=int(sys.argv[3]), replications=1, steps=2, progress=False)
    print(json.dumps(seen))
"""


@pytest.mark.skipif(not HAS_FORKSERVER, reason="this platform has no fork server; the pool uses spawn there")
@pytest.mark.parametrize("workers,expected", [(2, True), (1, False)])
def test_the_fork_server_is_started_before_the_design_is_built(tmp_path, workers, expected):
    """Its import of the model overlaps this process's own work; one worker needs no server."""
    script = tmp_path / "probe.py"
    script.write_text(PROBE)
    out = subprocess.run([sys.executable, str(script), str(TINY), str(tmp_path / "out"), str(workers)],
                         capture_output=True, text=True, env=ENV, cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1]) == {"forkserver": expected}


KERNEL_PROBE = """
import json, sys
from govsim.experiments import execute
from govsim.experiments.execute import simulate_run

LOG = sys.argv[3]

def noting_run(scenario):
    from govsim.kernels import compiled
    line = json.dumps({"preloaded": execute.WORKER_START.get("kernels_preloaded"),
                       "ready": bool(compiled.keys_top.signatures)}) + "\\n"
    with open(LOG, "a") as fh:  # one write of one short line: appends from two workers do not mix
        fh.write(line)
    return simulate_run(scenario)

if __name__ == "__main__":
    execute.run_sweep(sys.argv[1], sys.argv[2], workers=2, replications=1, steps=2, progress=False,
                      run_function=noting_run)
"""


@pytest.mark.skipif(not HAS_FORKSERVER, reason="this platform has no fork server; the pool uses spawn there")
@pytest.mark.parametrize("mode", ["1", "auto"])
def test_the_fork_server_loads_the_kernels_once_when_they_are_used_from_the_start(tmp_path, mode):
    """With GOVSIM_JIT=1 the workers start with every kernel loaded (by the fork server, once);
    by default they load them only once enough problems have arrived in them."""
    script = tmp_path / "probe.py"
    script.write_text(KERNEL_PROBE)
    log = tmp_path / "runs.jsonl"
    out = subprocess.run([sys.executable, str(script), str(TINY), str(tmp_path / "out"), str(log)],
                         capture_output=True, text=True, env={**ENV, "GOVSIM_JIT": mode}, cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stderr
    seen = [json.loads(line) for line in log.read_text().splitlines()]
    assert seen
    want = mode == "1"
    assert all(s["preloaded"] is want and s["ready"] is want for s in seen), seen
