"""Time and memory of a large run under each paradigm.

For each paradigm, a fresh process builds a GovModel with 10,000 citizens (600
employees, 60 administrators, 25 politicians, 20 providers by default) and runs
200 steps. It reports the seconds spent building and stepping, the milliseconds
per step in wall-clock and in CPU time (the CPU figure is the fairer one on a
shared machine), and the peak
memory: the process's peak resident set size, and how much of it the run added
over the interpreter with govsim imported. With ``--tracemalloc`` it also reports
the peak of memory allocated through Python and numpy during the run (slower).

Exits with status 1 if any run (build + steps) takes longer than ``--max-seconds``.

    python experiments/benchmark.py
    python experiments/benchmark.py --citizens 2000 --steps 50 --max-seconds 10
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import sys
import time


def _peak_rss_mib() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10  # bytes on macOS, KiB on Linux


def _run(job: dict) -> dict:
    """One benchmark run, in its own process so its memory peak is its own."""
    import tracemalloc

    from govsim.config import validate
    from govsim.model import GovModel

    scenario = validate({
        "paradigm": job["paradigm"],
        "metagovernance": job["metagovernance"],
        "seed": job["seed"],
        "steps": job["steps"],
        "population": job["population"],
    })
    base_rss = _peak_rss_mib()
    if job["tracemalloc"]:
        tracemalloc.start()
    t0 = time.perf_counter()
    model = GovModel(scenario)
    t1 = time.perf_counter()
    c1 = time.process_time()
    for _ in range(job["steps"]):
        model.step()
    t2 = time.perf_counter()
    c2 = time.process_time()
    traced = None
    if job["tracemalloc"]:
        traced = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return {
        "paradigm": job["paradigm"],
        "build_s": t1 - t0,
        "steps_s": t2 - t1,
        "total_s": t2 - t0,
        "per_step_ms": 1000.0 * (t2 - t1) / max(job["steps"], 1),
        "cpu_per_step_ms": 1000.0 * (c2 - c1) / max(job["steps"], 1),
        "peak_rss_mib": _peak_rss_mib(),
        "added_rss_mib": _peak_rss_mib() - base_rss,
        "traced_peak_mib": traced,
        "closed": len(model.closed),
        "efficiency": model.outcomes["efficiency"],
    }


def main(argv: list[str] | None = None) -> int:
    from govsim.metagovernance import SETTINGS
    from govsim.paradigms import REGISTRY

    ap = argparse.ArgumentParser(description="Time GovModel construction and stepping for each paradigm.")
    ap.add_argument("--citizens", type=int, default=10_000)
    ap.add_argument("--employees", type=int, default=600)
    ap.add_argument("--administrators", type=int, default=60)
    ap.add_argument("--politicians", type=int, default=25)
    ap.add_argument("--providers", type=int, default=20)
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--paradigms", nargs="+", default=list(REGISTRY), choices=list(REGISTRY))
    ap.add_argument("--metagovernance", default="none", choices=SETTINGS,
                    help="preset for all runs (acts only under NPG)")
    ap.add_argument("--max-seconds", type=float, default=60.0,
                    help="target for one run (build + steps); exit 1 if any run exceeds it")
    ap.add_argument("--tracemalloc", action="store_true", help="also trace allocation peaks (slower)")
    args = ap.parse_args(argv)

    population = {"citizens": args.citizens, "employees": args.employees, "administrators": args.administrators,
                  "politicians": args.politicians, "providers": args.providers}
    print(f"govsim benchmark: {args.steps} steps, population {population}, metagovernance {args.metagovernance}")
    header = (f"{'paradigm':<9}{'build s':>9}{'steps s':>9}{'total s':>9}{'ms/step':>9}{'cpu ms':>9}"
              f"{'peak MiB':>10}{'added MiB':>11}")
    if args.tracemalloc:
        header += f"{'traced MiB':>12}"
    header += f"{'closed':>8}"
    print(header)
    print("-" * len(header))

    ctx = mp.get_context("spawn")
    slow = []
    for name in args.paradigms:
        job = {"paradigm": name, "metagovernance": args.metagovernance, "seed": args.seed, "steps": args.steps,
               "population": population, "tracemalloc": args.tracemalloc}
        with ctx.Pool(1) as pool:
            r = pool.apply(_run, (job,))
        line = (f"{name:<9}{r['build_s']:>9.2f}{r['steps_s']:>9.2f}{r['total_s']:>9.2f}{r['per_step_ms']:>9.1f}"
                f"{r['cpu_per_step_ms']:>9.1f}{r['peak_rss_mib']:>10.0f}{r['added_rss_mib']:>11.0f}")
        if args.tracemalloc:
            line += f"{r['traced_peak_mib']:>12.1f}"
        line += f"{r['closed']:>8d}"
        print(line, flush=True)
        if r["total_s"] > args.max_seconds:
            slow.append(f"{name} ({r['total_s']:.1f} s)")

    if slow:
        print(f"FAIL: over the target of {args.max_seconds:g} s: {', '.join(slow)}", file=sys.stderr)
        return 1
    print(f"all runs within {args.max_seconds:g} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
