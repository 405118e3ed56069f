"""Running a sweep: tasks in chunks on a process pool or a Dask cluster, results streamed to disk.

Each run is one design point in one replication: run id ``replication x points + point``,
seed = the replication's seed (common random numbers). Runs go to the workers in chunks;
each finished chunk is written at once as a Parquet part (see :mod:`store`), so memory
holds only the chunks in flight. A run that raises is recorded with its design point,
seed and traceback and the sweep goes on. Ctrl-C cancels what has not started, keeps
what finished, and a later run of the same command resumes.

Backends: one worker runs in this process; N > 1 workers are a process pool that lives
for the whole sweep; ``dask=N`` starts a ``distributed.LocalCluster`` of N single-threaded
worker processes and ``scheduler`` connects to a running Dask scheduler. All give identical
results.

The local pool forks its workers from a fork server that imports the model once. The
server is started first thing in :func:`run_sweep`, so that import (a couple of seconds:
Mesa, numpy, pandas, pydantic) runs while this process builds the design and opens the
results folder, and each worker starts with the model already imported. Runs are sent in
chunks that shrink as the sweep goes on (:func:`plan_chunks`): large chunks at first, single
runs at the end, so every worker stays busy until the last run.
"""

from __future__ import annotations

import datetime as _dt
import math
import os
import signal
import sys
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from govsim.experiments.designs import Design, build_design
from govsim.experiments.schema import Experiment, load_experiment
from govsim.experiments.seeds import replication_seeds
from govsim.experiments.store import FORMAT, Store
from govsim.experiments.summaries import summarise, summary_names


@dataclass(frozen=True)
class Task:
    run_id: int
    point_id: int
    replication: int
    seed: int
    overrides: dict[str, Any]


@dataclass
class Outcome:
    run_id: int
    status: str                      # "ok" or "failed"
    error: str | None
    summaries: dict[str, float]
    series: Any = None               # DataFrame or None


@dataclass
class SweepSummary:
    folder: Path
    total: int
    skipped: int
    ran: int = 0
    failed: int = 0                  # failed runs in the whole folder
    interrupted: bool = False
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)

    def line(self) -> str:
        done = self.skipped + self.ran
        parts = [f"{done} of {self.total} runs in {self.folder}"]
        if self.skipped:
            parts.append(f"{self.skipped} from before")
        parts.append(f"{self.ran} now in {self.seconds:.1f} s")
        parts.append(f"{self.failed} failed" if self.failed else "none failed")
        return ", ".join(parts)


# --------------------------------------------------------------------------- worker side

def simulate_run(scenario):
    """The run function: one simulation, one row per step."""
    from govsim.runner import simulate

    return simulate(scenario, provenance=False)


_BASE_CACHE: dict[str, Any] = {}


def _base(ctx: dict):
    """The validated base scenario, validated once per worker process (thread-safe)."""
    key = ctx["base_hash"]
    base = _BASE_CACHE.get(key)
    if base is None:
        from govsim.config import validate

        base = validate(ctx["base"], "base scenario")
        if len(_BASE_CACHE) > 8:
            _BASE_CACHE.clear()
        _BASE_CACHE[key] = base
    return base


#: Process facts of a pool worker, set by :func:`init_worker`: its process id and whether the
#: model was already imported when it started (inherited from the fork server), for checks.
WORKER_START: dict[str, Any] = {}


def init_worker() -> None:
    """Process-pool initializer: leave Ctrl-C to the parent; import the model unless the fork
    server has already done so (then this costs nothing)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    WORKER_START.update(pid=os.getpid(), model_preloaded="govsim.model" in sys.modules,
                        kernels_preloaded="govsim.kernels.preload" in sys.modules)
    import govsim.model  # noqa: F401
    import govsim.runner  # noqa: F401


def run_chunk(tasks: list[Task], ctx: dict) -> list[Outcome]:
    """Run a chunk of tasks in order; a run that raises becomes a failed outcome with its traceback."""
    from govsim.config import with_overrides

    base = _base(ctx)
    fn: Callable = ctx.get("run") or simulate_run
    out = []
    for t in tasks:
        try:
            scenario = with_overrides(base, {**t.overrides, "seed": t.seed}, f"design point {t.point_id}")
            df = fn(scenario)
            summ = summarise(df, ctx["columns"], ctx["statistics"], ctx["window"])
            series = None
            if ctx["keep_series"]:
                series = df.copy()
                series.insert(0, "replication", t.replication)
                series.insert(0, "point_id", t.point_id)
                series.insert(0, "run_id", t.run_id)
            out.append(Outcome(t.run_id, "ok", None, summ, series))
        except Exception:  # noqa: BLE001 - any error of one run is recorded, the sweep goes on
            out.append(Outcome(t.run_id, "failed", traceback.format_exc(), {}, None))
    return out


# --------------------------------------------------------------------------- plan

def check_labels(exp: Experiment, design: Design) -> None:
    """The analysis' reference and contrasts must name design points."""
    from govsim.experiments.schema import ExperimentError

    labels = [p.label for p in design.points]
    a = exp.spec.analysis
    named = [("analysis.reference", a.reference)] if a.reference else []
    named += [(f"analysis.contrasts.{i}", lab) for i, pair in enumerate(a.contrasts) for lab in pair]
    for fld, lab in named:
        if lab not in labels:
            from govsim.config import did_you_mean

            shown = ", ".join(labels[:12]) + (", ..." if len(labels) > 12 else "")
            raise ExperimentError(exp.path, fld, f"{lab!r} is not the label of a design point."
                                  f"{did_you_mean(lab, labels)} Labels: {shown}.")


def design_columns(exp: Experiment, design: Design) -> list[str]:
    cols = ["paradigm", "metagovernance"]
    for p in design.points:
        for k in p.overrides:
            if k not in cols:
                cols.append(k)
    return cols


def _value_at(data: dict, path: str):
    node: Any = data
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def point_values(exp: Experiment, design: Design, cols: list[str]) -> dict[int, dict[str, Any]]:
    """The value each design column takes at each point (the base scenario's where a point does not set it)."""
    base = exp.base.model_dump(mode="json")
    return {p.point_id: {c: p.overrides[c] if c in p.overrides else _value_at(base, c) for c in cols}
            for p in design.points}


def _arrow_type(values: Iterable):
    import pyarrow as pa

    vals = [v for v in values if v is not None]
    if vals and all(isinstance(v, bool) for v in vals):
        return pa.bool_()
    if vals and all(isinstance(v, int) and not isinstance(v, bool) for v in vals):
        return pa.int64()
    if vals and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in vals):
        return pa.float64()
    return pa.string()


def schemas(exp: Experiment, cols: list[str], values: dict[int, dict[str, Any]]):
    import pyarrow as pa

    from govsim.metrics import SERIES

    fields = [pa.field("run_id", pa.int64()), pa.field("point_id", pa.int64()), pa.field("label", pa.string()),
              pa.field("replication", pa.int64()), pa.field("seed", pa.int64()),
              pa.field("status", pa.string()), pa.field("error", pa.string())]
    types = {c: _arrow_type(v[c] for v in values.values()) for c in cols}
    fields += [pa.field(c, types[c]) for c in cols]
    spec = exp.spec.collect
    fields += [pa.field(n, pa.float64()) for n in summary_names(spec.columns, spec.statistics)]
    runs = pa.schema(fields)
    series = pa.schema([pa.field("run_id", pa.int64()), pa.field("point_id", pa.int64()),
                        pa.field("replication", pa.int64()), pa.field("step", pa.int64()),
                        pa.field("paradigm", pa.string()), pa.field("metagovernance", pa.string()),
                        *[pa.field(c, pa.float64()) for c in SERIES]])
    return runs, series, types


def _coerce(value, typ):
    import pyarrow as pa

    if value is None:
        return None
    if typ == pa.string() and not isinstance(value, str):
        return str(value)
    if typ == pa.float64():
        return float(value)
    return value


def build_manifest(exp: Experiment, design: Design, seeds: list[int], runs_schema, series_schema) -> dict:
    import importlib.metadata as md

    from govsim.runner import provenance

    prov = provenance(exp.base)

    def version(pkg):
        try:
            return md.version(pkg)
        except md.PackageNotFoundError:
            return None

    import govsim

    now = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    return {
        "format": FORMAT,
        "created": now,
        "updated": now,
        "status": "running",
        "versions": {"govsim": prov["govsim"] if prov["govsim"] != "unknown" else govsim.__version__,
                     "mesa": prov["mesa"], "numpy": prov["numpy"], "pandas": prov["pandas"],
                     "scipy": prov["scipy"], "pyarrow": version("pyarrow"), "SALib": version("SALib"),
                     "python": prov["python"]},
        "git": prov["git"] if prov["git"] != "unknown" else None,
        "experiment": {"path": exp.path, "name": exp.name, "sha256": exp.sha256, "content": exp.text},
        "settings": {"replications": exp.replications, "steps": exp.steps, "seed": exp.seed,
                     "window": exp.window, "statistics": list(exp.spec.collect.statistics),
                     "columns": list(exp.spec.collect.columns), "series": exp.spec.collect.series,
                     "analysis": exp.spec.analysis.model_dump()},
        "root_seed": exp.seed,
        "replication_seeds": seeds,
        "base_scenario": exp.base.model_dump(mode="json"),
        "base_scenario_hash": exp.base.content_hash(),
        "factors": [f.describe() for f in exp.factors],
        "design": design.describe(),
        "runs_columns": runs_schema.names,
        "series_columns": series_schema.names,
        "counts": {},
    }


MAX_CHUNK = 16  # runs per chunk at most: a finished chunk is saved at once, so this bounds what Ctrl-C loses


def plan_chunks(tasks: list[Task], n_workers: int, chunk_size: int | None = None) -> list[list[Task]]:
    """The chunks of runs sent to the workers, in run order: their concatenation is ``tasks``.

    With ``chunk_size``, every chunk has that many runs (the last one fewer). Otherwise the
    chunks shrink as the sweep goes on (guided self-scheduling): each takes 1 / (2 x workers)
    of the runs still left, at most ``MAX_CHUNK`` and at least one. Early chunks are large
    (few round trips), the last ones are single runs, so no worker sits idle at the end while
    another finishes a long chunk. Chunks are handed out in this order, so the largest go first.
    """
    if chunk_size is not None:
        return [tasks[i:i + chunk_size] for i in range(0, len(tasks), chunk_size)]
    chunks, i, n = [], 0, len(tasks)
    while i < n:
        size = max(1, min(MAX_CHUNK, math.ceil((n - i) / (2 * max(1, n_workers)))))
        chunks.append(tasks[i:i + size])
        i += size
    return chunks


# --------------------------------------------------------------------------- driver

def run_sweep(experiment: Experiment | str | Path, out: str | Path, *, workers: int | None = None,
              dask: int | None = None, scheduler: str | None = None, chunk_size: int | None = None,
              progress: bool = True, run_function: Callable | None = None,
              replications: int | None = None, steps: int | None = None, seed: int | None = None) -> SweepSummary:
    """Run (or resume) an experiment into the results folder ``out``.

    Args:
        experiment: an :class:`Experiment` or the path of an experiment file.
        out: results folder; started again on the same folder, finished runs are skipped.
        workers: local worker processes (default: all cores); 1 runs in this process.
        dask: start a Dask LocalCluster of this many workers instead.
        scheduler: connect to a running Dask scheduler (``tcp://host:port``) instead.
        chunk_size: runs per task sent to a worker (default: chunks that shrink to single runs
            towards the end, see :func:`plan_chunks`).
        progress: show a progress bar on stderr.
        run_function: replaces the simulation of one run (``scenario -> DataFrame``); for testing.
        replications, steps, seed: override the file's values (with a path only).

    Returns:
        A :class:`SweepSummary`; ``interrupted`` is True after Ctrl-C (what finished is kept).
    """
    n_local = workers or os.cpu_count() or 1
    # Start the local pool's fork server now: it imports the model while the design is built.
    mp_context = _mp_context() if dask is None and scheduler is None and n_local > 1 else None
    if not isinstance(experiment, Experiment):
        experiment = load_experiment(experiment, replications=replications, steps=steps, seed=seed)
    exp = experiment
    design = build_design(exp)
    check_labels(exp, design)
    seeds = replication_seeds(exp.seed, exp.replications)
    cols = design_columns(exp, design)
    values = point_values(exp, design, cols)
    runs_schema, series_schema, types = schemas(exp, cols, values)
    manifest = build_manifest(exp, design, seeds, runs_schema, series_schema)
    store = Store(Path(out), runs_schema, series_schema)
    try:
        manifest, done, failed_before = store.open(manifest, exp.path)
        seeds = manifest["replication_seeds"]
        n_points = len(design.points)
        tasks = [Task(r * n_points + p.point_id, p.point_id, r, seeds[r], p.overrides)
                 for r in range(len(seeds)) for p in design.points]
        total = len(tasks)
        todo = [t for t in tasks if t.run_id not in done]
        summary = SweepSummary(Path(out), total, total - len(todo), failed=failed_before)
        ctx = {"base": exp.base.model_dump(mode="python"), "base_hash": exp.base.content_hash(),
               "columns": list(exp.spec.collect.columns), "statistics": list(exp.spec.collect.statistics),
               "window": exp.window, "keep_series": exp.spec.collect.series, "run": run_function}
        by_id = {t.run_id: t for t in todo}
        labels = {p.point_id: p.label for p in design.points}

        def record(outcomes: list[Outcome]) -> None:
            rows, frames = [], []
            for o in outcomes:
                t = by_id[o.run_id]
                row = {"run_id": o.run_id, "point_id": t.point_id, "label": labels[t.point_id],
                       "replication": t.replication, "seed": t.seed, "status": o.status, "error": o.error}
                row.update({c: _coerce(values[t.point_id][c], types[c]) for c in cols})
                row.update(o.summaries)
                rows.append(row)
                frames.append(o.series)
                if o.status != "ok":
                    summary.failed += 1
                    summary.failures.append(f"run {o.run_id} (point {t.point_id} '{labels[t.point_id]}', "
                                            f"replication {t.replication}, seed {t.seed}): "
                                            f"{''.join((o.error or '').strip().splitlines()[-1:])}")
            store.write_chunk(rows, frames)
            summary.ran += len(outcomes)
            if bar is not None:
                bar.update(len(outcomes))
                bar.set_postfix(failed=summary.failed, refresh=False)

        bar = None
        if progress and todo:
            from tqdm import tqdm

            bar = tqdm(total=total, initial=summary.skipped, unit="run", desc=exp.name, file=sys.stderr,
                       dynamic_ncols=True)
            bar.set_postfix(failed=summary.failed)
        t0 = time.perf_counter()
        try:
            if todo:
                if dask is not None or scheduler is not None:
                    _run_dask(plan_chunks(todo, dask or 4, chunk_size), ctx, record, dask, scheduler)
                elif mp_context is None:
                    for chunk in plan_chunks(todo, 1, chunk_size):
                        record(run_chunk(chunk, ctx))
                else:
                    _run_pool(plan_chunks(todo, n_local, chunk_size), ctx, record, n_local, mp_context)
        except KeyboardInterrupt:
            summary.interrupted = True
        finally:
            summary.seconds = time.perf_counter() - t0
            if bar is not None:
                bar.close()
            finished_ids, summary.failed = store.finished()  # what is on disk, even after a Ctrl-C mid-write
            summary.ran = len(finished_ids) - summary.skipped
            complete = len(finished_ids) == total
            manifest["status"] = "complete" if complete else "interrupted" if summary.interrupted else "incomplete"
            manifest["updated"] = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
            manifest["counts"] = {"runs": total, "finished": summary.skipped + summary.ran,
                                  "failed": summary.failed}
            store.write_manifest(manifest)
        return summary
    finally:
        store.close()


#: What the fork server imports before it forks any worker (the model first).
PRELOAD = ["govsim.model", "govsim.runner", "govsim.experiments.execute"]


def _mp_context():
    """The local pool's start method: a fork server that imports the model once, started at
    once (its import runs in the background, beside this process's own work), from which every
    worker forks with the model already imported; spawn where there is no fork server.
    (Mesa's batch runner sets the global method to spawn, hence a context of our own.)"""
    import multiprocessing as mp

    if "forkserver" not in mp.get_all_start_methods():
        return mp.get_context("spawn")
    from multiprocessing import forkserver

    from govsim import kernels

    ctx = mp.get_context("forkserver")
    # With GOVSIM_JIT=1 the server also loads the compiled kernels once, for all its workers.
    ctx.set_forkserver_preload(PRELOAD + (["govsim.kernels.preload"] if kernels.mode() == "1" else []))
    forkserver.ensure_running()  # returns at once; the server imports PRELOAD, then serves forks
    return ctx


def _run_pool(chunks: list[list[Task]], ctx: dict, record, n_workers: int, mp_context=None) -> None:
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    pending = list(reversed(chunks))
    with ProcessPoolExecutor(max_workers=n_workers, initializer=init_worker,
                             mp_context=mp_context or _mp_context()) as pool:
        running = set()
        try:
            while pending or running:
                while pending and len(running) < 2 * n_workers:
                    running.add(pool.submit(run_chunk, pending.pop(), ctx))
                finished, running = wait(running, return_when=FIRST_COMPLETED)
                for fut in finished:
                    record(fut.result())
        except KeyboardInterrupt:
            # Keep what is running: wait for it and save it; drop what has not started.
            for fut in running:
                fut.cancel()
            for fut in running:
                if not fut.cancelled():
                    try:
                        record(fut.result())
                    except Exception:  # noqa: BLE001 - a broken pool on the way out loses only those runs
                        pass
            raise


def _run_dask(chunks: list[list[Task]], ctx: dict, record, n_local: int | None, scheduler: str | None) -> None:
    import logging

    from distributed import Client, LocalCluster, wait

    logging.getLogger("distributed").setLevel(logging.ERROR)
    cluster = None
    if scheduler is None:
        cluster = LocalCluster(n_workers=n_local, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
        n_workers = n_local
    else:
        try:
            client = Client(scheduler, timeout="20s")
        except (OSError, TimeoutError) as exc:
            from govsim.experiments.schema import ExperimentError

            raise ExperimentError("--scheduler", None, f"cannot connect to {scheduler}: {exc}") from None
        n_workers = max(1, len(client.scheduler_info().get("workers", {})))
    try:
        pending = list(reversed(chunks))
        running = set()
        try:
            while pending or running:
                while pending and len(running) < 2 * n_workers:
                    running.add(client.submit(run_chunk, pending.pop(), ctx, pure=False))
                res = wait(list(running), return_when="FIRST_COMPLETED")
                for fut in res.done:
                    running.discard(fut)
                    record(fut.result())
        except KeyboardInterrupt:
            client.cancel(list(running))
            raise
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
