"""govsim's benchmark suite: speed and memory, measured the same way every time.

    python benchmarks/run.py                 # the full suite (tens of minutes on two cores)
    python benchmarks/run.py --quick         # 1k and 10k citizens, fewer repetitions, no 1M run
    python benchmarks/run.py --only scale    # one part: scale, growth, million, long, phases, startup, sweep
    python benchmarks/run.py --only million --million-steps 100   # 1M citizens x 100 steps

Every measurement runs in a fresh Python process, so its peak memory (peak resident set
size) is its own and no run warms another's caches. Repetitions are interleaved (A B C, A B C,
...) and the table shows medians, so a passing load on the machine shifts all columns alike
rather than one. The last line of the output is one JSON object with every figure (and the
load average at the start and the end), for scripts that track performance over time.

Parts:

- **scale**: set-up time, milliseconds per step, agent-steps per second and peak memory at
  1k, 10k and 100k citizens for each paradigm (NPG under hands-off and hands-on). The public
  sector is the scenario default, which grows with the population (see ``public_sector``).
  It includes the **reference**: the same figures for Mesa's own VirusOnNetwork example at
  the same number of agents, with its graph built by a sparse G(n, p) generator
  (``networkx.fast_gnp_random_graph``) so the reference is not slowed by the dense one.
  The ratio of agent-steps per second, govsim over the reference, is reported. At 10k
  citizens each rule set also runs with no problems arriving (``problems.rate = 0``): the
  step's cost is split into that floor and a cost per arriving problem, next to what the
  10x target leaves for each problem, ``(reference ms per step / 10 - floor) / arrivals``.
- **growth**: how the cost of a step grows with the population (NPG hands-on; 10k, 100k and
  300k citizens, 10k and 100k with ``--quick``; ``--growth-steps`` each, default 60): CPU
  and wall ms per step, CPU ms per arriving problem (problems arrive in proportion to the
  population, so a flat figure means linear scaling) and the work done per 1,000 arrivals.
  The same runs are repeated with arenas on every rung of the co-creation ladder (the
  default puts them all on the top rung; volunteers and crowdsourcing recruit beyond the
  affected): the linear-growth verdict takes the worse of the two.
- **million**: one run of 1M citizens (``--million-steps``, default 10): build time, ms per
  step (wall clock and CPU time), CPU ms per arriving problem, total time and peak memory.
- **long**: per-step cost over a long run at 10k citizens: steps 181-200 against the last
  20 (981-1000 of 1000), in wall-clock and CPU time, the median over ``--long-seeds`` seeds
  (default 5: what a 20-step window asks of the model depends on the run's state), with the
  mean CPU time of each block of 100 steps and the ratio per problem in flight.
- **phases**: where a step's time goes at 10k citizens, for each paradigm (NPG under hands-off
  and hands-on): wall ms per step in each phase of ``model.phases``, and the part of it spent
  inside the compiled kernels (each kernel's calls timed, dispatch included), medians over the
  repetitions of 200 steps after 20. The timers add about a microsecond to each kernel call.
- **startup**: wall time of ``govsim --help`` and of ``python -c "import govsim"``, and what
  loading the compiled kernels adds to a process (importing numba, reading numba's cache).

Every govsim run measured here uses the compiled kernels from its first step (``GOVSIM_JIT=1``,
unless the environment sets it): the per-step figures are those of a long run or of a sweep's
worker, which load the kernels once (by default after 5,000 arrivals, see ``govsim.kernels``).
- **sweep**: runs per second of ``govsim sweep`` on 1 and 2 workers (interleaved pairs) and
  the parallel efficiency (throughput on 2 workers / (2 x throughput on 1)); on Linux also
  the CPU time of the sweep's whole process tree and the efficiency by CPU time. The sweeps run
  the Python forms (``GOVSIM_JIT=0``) unless the environment sets ``GOVSIM_JIT``: they are
  short, and the kernels' load would weigh on them as a fixed cost the runner does not cause.
  Each sweep has ``--sweep-runs`` runs (default 200, of 1k citizens x 60 steps): either
  command spends a second or two starting (importing Mesa, the fork server's import of the
  model), which in a sweep of 60 runs (5-10 s) decided more of the figure than the pool did.

The output ends with a verdict on each performance target (met, not met, or not measured by
this invocation), which the JSON line repeats under ``targets``.

An agent-step is one agent (citizen, employee, administrator or politician) taking part in
one step; for the reference, one VirusOnNetwork agent in one step.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Measure this tree's govsim, in this process and in every child process.
sys.path.insert(0, str(ROOT / "src"))
os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT / "src"), os.environ.get("PYTHONPATH")) if p)
# The compiled kernels (govsim.kernels) from the first step of every run measured: the steady state
# of a long run or a sweep's worker. What loading them costs a process is timed in the start-up part.
# The sweep part measures the runner: both of its sweeps (1 and 2 workers) do the same work, with the
# Python forms unless the environment sets GOVSIM_JIT. Its sweeps are short (about 30 s): the kernels'
# one-off load (a second or more in each process, at a different point of each sweep by default) would
# weigh on them as a fixed cost the runner does not cause.
SWEEP_JIT = os.environ.get("GOVSIM_JIT", "0")
os.environ.setdefault("GOVSIM_JIT", "1")
JOB_TIMEOUT_S = 900
PARTS = ("scale", "growth", "million", "long", "phases", "startup", "sweep")
CONFIGS = (("opa", "none"), ("npm", "none"), ("npg", "hands_off"), ("npg", "hands_on"))
"""The rule sets measured at each size (NPG under both metagovernance presets)."""


def public_sector(citizens: int) -> dict:
    """The scenario's default public sector at ``citizens``: it grows with the population
    (60 employees, 10 administrators, 9 politicians and 6 providers per 1,000 citizens,
    never fewer; see ``[population]`` in docs/scenarios.md)."""
    from govsim.config import validate

    pop = validate({"population": {"citizens": citizens}}).population
    return pop.model_dump()


def _peak_rss_mib() -> float:
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10


# --------------------------------------------------------------------------- jobs (child side)

def _warm_kernels() -> None:
    """Load the compiled kernels before anything is timed, where they are used from the first step
    (their load is timed on its own in the start-up part)."""
    if os.environ.get("GOVSIM_JIT", "").strip() == "1":
        from govsim import kernels

        k = kernels.get()
        if k is not None:
            k.warm()


def _scenario(spec: dict, steps: int):
    """The validated scenario of a govsim job: rule set, metagovernance, seed, citizens, and the
    ladder's mix and the problem rate where the job sets them."""
    from govsim.config import validate

    return validate({
        "paradigm": spec["paradigm"],
        "metagovernance": spec.get("metagovernance", "none"),
        "seed": spec.get("seed", 1),
        "steps": steps,
        "population": {"citizens": spec["citizens"]},
        **({"ladder": spec["ladder"]} if "ladder" in spec else {}),
        **({"problems": {"rate": spec["rate"]}} if "rate" in spec else {}),
    })


def job_govsim(spec: dict) -> dict:
    """Build a GovModel and step it; per-step wall times are kept for the long-run part."""
    from govsim.model import GovModel
    from govsim.runner import gc_for_run

    scenario = _scenario(spec, spec["steps"])
    _warm_kernels()
    t0 = time.perf_counter()
    model = GovModel(scenario, history=False)  # as simulate() runs it
    build = time.perf_counter() - t0
    times, cpu_times, in_flight = [], [], []
    with gc_for_run() as after_step:  # as simulate() steps a model
        for _ in range(spec["steps"]):
            t, c = time.perf_counter(), time.process_time()
            model.step()
            after_step()
            times.append(time.perf_counter() - t)
            cpu_times.append(time.process_time() - c)
            in_flight.append(len(model.world.open))  # the work a step does grows with the problems in flight
    pop = scenario.population
    agents = pop.citizens + pop.employees + pop.administrators + pop.politicians
    w = model.world
    work = {"arrived": model.problem_stream.next_id, "designs": len(w.designs), "decisions": len(w.decisions),
            "closed": len(w.closed), "open_at_end": len(w.open)}
    return {"build_s": build, "step_times": times, "cpu_step_times": cpu_times, "agents": agents,
            "peak_mib": _peak_rss_mib(), "problems": work, "open_per_step": in_flight}


def job_phases(spec: dict) -> dict:
    """Wall time of each phase of a step, and of the compiled kernels' calls inside it, over
    ``steps`` steps after ``warmup``."""
    from govsim.model import GovModel
    from govsim.phases import Phase
    from govsim.runner import gc_for_run

    scenario = _scenario(spec, spec["warmup"] + spec["steps"])
    _warm_kernels()
    model = GovModel(scenario, history=False)
    in_phase = {"name": ""}
    spent: dict[str, float] = {}
    inside: dict[str, float] = {}

    def timed(kernel):
        def call(*args):
            t = time.perf_counter()
            out = kernel(*args)
            name = in_phase["name"]
            inside[name] = inside.get(name, 0.0) + time.perf_counter() - t
            return out
        return call

    def timer(phase):
        def run(m):
            in_phase["name"] = phase.name
            t = time.perf_counter()
            phase.run(m)
            spent[phase.name] = spent.get(phase.name, 0.0) + time.perf_counter() - t
        return Phase(phase.name, run, phase.theory, phase.doc)

    from govsim import kernels

    compiled = kernels.get()  # the kernels in use from the first step (GOVSIM_JIT=1), if any
    originals = {}
    if compiled is not None:  # each kernel's calls timed and counted to the phase that makes them
        from numba.core.registry import CPUDispatcher

        originals = {name: getattr(compiled, name) for name in dir(compiled)
                     if isinstance(getattr(compiled, name), CPUDispatcher)}
    with gc_for_run() as after_step:  # as simulate() steps a model
        for _ in range(spec["warmup"]):
            model.step()
            after_step()
        model.phases[:] = [timer(ph) for ph in model.phases]
        for name, kernel in originals.items():
            setattr(compiled, name, timed(kernel))
        try:
            t = time.perf_counter()
            for _ in range(spec["steps"]):
                model.step()
                after_step()
            total = time.perf_counter() - t
        finally:
            for name, kernel in originals.items():
                setattr(compiled, name, kernel)
    per = 1000.0 / spec["steps"]
    return {"ms_per_step": total * per, "phases": {k: v * per for k, v in spent.items()},
            "kernels": {k: inside.get(k, 0.0) * per for k in spent}, "open_at_end": len(model.world.open)}


def job_reference(spec: dict) -> dict:
    """Mesa's VirusOnNetwork with a sparse G(n, p) graph, at ``n`` agents."""
    import networkx as nx
    from mesa.examples import VirusOnNetwork
    from mesa.examples.basic.virus_on_network import model as virus_module

    n = spec["agents"]
    dense = virus_module.nx.erdos_renyi_graph
    virus_module.nx.erdos_renyi_graph = lambda n, p, seed=None, directed=False: nx.fast_gnp_random_graph(
        n, p, seed=seed, directed=directed)
    try:
        t0 = time.perf_counter()
        model = VirusOnNetwork(num_nodes=n, avg_node_degree=3, initial_outbreak_size=max(1, n // 100),
                               seed=spec.get("seed", 1))
        build = time.perf_counter() - t0
    finally:
        virus_module.nx.erdos_renyi_graph = dense
    times = []
    for _ in range(spec["steps"]):
        t = time.perf_counter()
        model.step()
        times.append(time.perf_counter() - t)
    return {"build_s": build, "step_times": times, "agents": n, "peak_mib": _peak_rss_mib()}


def job_runs(spec: dict) -> dict:
    """``runs`` simulations of the benchmark sweep's kind (1k citizens x 60 steps, NPG), one after
    another in this process: the CPU time they take, for the co-running control of the sweep part."""
    import govsim.model  # noqa: F401 - imported before the clock starts
    from govsim.config import validate, with_overrides
    from govsim.runner import simulate

    _warm_kernels()
    base = validate({"paradigm": "npg", "steps": 60, "population": {"citizens": 1000}})
    c = time.process_time()
    for seed in range(1, spec["runs"] + 1):
        simulate(with_overrides(base, {"seed": seed}, "benchmark"), provenance=False)
    return {"cpu_s": time.process_time() - c}


JOBS = {"govsim": job_govsim, "phases": job_phases, "reference": job_reference, "runs": job_runs}


def run_job(kind: str, spec: dict, timeout: float = JOB_TIMEOUT_S) -> dict:
    """Run one job in a fresh interpreter and return its result (or an error)."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--job", json.dumps({"kind": kind, **spec})]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    if out.returncode != 0:
        tail = (out.stderr.strip().splitlines() or ["(no output)"])[-1]
        return {"error": tail}
    return json.loads(out.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------- parts (parent side)

def _median(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


def _summarise(results: list[dict], warmup: int) -> dict:
    ok = [r for r in results if "error" not in r]
    if not ok:
        return {"error": results[0]["error"] if results else "no result"}
    per_step = [_median(r["step_times"][warmup:] or r["step_times"]) for r in ok]
    ms = _median(per_step) * 1000.0
    agents = ok[0]["agents"]
    return {
        "agents": agents,
        "build_s": _median([r["build_s"] for r in ok]),
        "ms_per_step": ms,
        "agent_steps_per_s": agents / (ms / 1000.0) if ms > 0 else float("nan"),
        "peak_mib": _median([r["peak_mib"] for r in ok]),
        "repetitions": len(ok),
    }


BUDGET_AT = 10_000  # the population at which the scale part also breaks a step's cost down (see budget())


def budget(ms_per_step: float, floor_ms: float, arrivals_per_step: float, reference_ms: float) -> dict:
    """A step's cost split into what the population costs with no problems at all (``floor_ms``,
    the same run with ``problems.rate = 0``) and the rest, per arriving problem; and what the
    10x target leaves for each problem: (reference ms per step / 10 - floor) / arrivals. A
    negative budget means the floor alone is over the target."""
    per = arrivals_per_step if arrivals_per_step > 0 else float("nan")
    return {"floor_ms_per_step": floor_ms, "arrivals_per_step": arrivals_per_step,
            "ms_per_problem": (ms_per_step - floor_ms) / per,
            "budget_ms_per_problem": (reference_ms / 10.0 - floor_ms) / per}


def part_scale(sizes: list[int], reps: int, steps_for) -> dict:
    """Each rule set against the reference at each size, interleaved; at ``BUDGET_AT`` each rule
    set also runs without problems, for the breakdown of :func:`budget`."""
    configs = CONFIGS
    out: dict = {}
    for n in sizes:
        raw = {c: [] for c in configs}
        bare = {c: [] for c in configs}
        raw_ref: list[dict] = []
        steps = steps_for(n)
        for _ in range(reps):  # interleaved
            for par, meta in configs:
                job = {"paradigm": par, "metagovernance": meta, "citizens": n, "steps": steps}
                raw[(par, meta)].append(run_job("govsim", job))
                if n == BUDGET_AT:
                    bare[(par, meta)].append(run_job("govsim", {**job, "rate": 0.0}))
            agents = sum(v for k, v in public_sector(n).items() if k != "providers")
            raw_ref.append(run_job("reference", {"agents": agents, "steps": steps}))
        ref = _summarise(raw_ref, warmup=min(5, steps // 4))
        out[f"reference@{n}"] = ref
        for (par, meta), res in raw.items():
            s = _summarise(res, warmup=min(5, steps // 4))
            if "error" not in s and "error" not in ref:
                s["ratio_vs_reference"] = s["agent_steps_per_s"] / ref["agent_steps_per_s"]
                floor = _summarise(bare[(par, meta)], warmup=min(5, steps // 4))
                if "error" not in floor:
                    ok = [r for r in res if "error" not in r]
                    arrivals = _median([r["problems"]["arrived"] / steps for r in ok])
                    s["budget"] = budget(s["ms_per_step"], floor["ms_per_step"], arrivals, ref["ms_per_step"])
            out[f"{par}/{meta}@{n}"] = s
    return out


def part_phases(citizens: int, steps: int, reps: int) -> dict:
    """:func:`job_phases` for each rule set, interleaved: the median of each phase's ms per step."""
    configs = CONFIGS
    raw: dict = {c: [] for c in configs}
    for _ in range(reps):
        for par, meta in configs:
            raw[(par, meta)].append(run_job("phases", {"paradigm": par, "metagovernance": meta,
                                                       "citizens": citizens, "steps": steps, "warmup": 20}))
    out: dict = {}
    for (par, meta), res in raw.items():
        ok = [r for r in res if "error" not in r]
        if not ok:
            out[f"{par}/{meta}"] = {"error": res[0]["error"]}
            continue
        names = list(ok[0]["phases"])
        out[f"{par}/{meta}"] = {
            "citizens": citizens, "steps": steps, "repetitions": len(ok),
            "ms_per_step": _median([r["ms_per_step"] for r in ok]),
            "phases": {n: _median([r["phases"].get(n, 0.0) for r in ok]) for n in names},
            "kernels": {n: _median([r["kernels"].get(n, 0.0) for r in ok]) for n in names},
        }
    return out


def part_million(steps: int) -> dict:
    """One run of 1M citizens (NPG hands-on, the scaled public sector): build time, ms per
    step (median and mean over all steps, and the mean of the first and of the last ten, since
    the cost per step grows while open problems pile up), total time and peak memory."""
    res = run_job("govsim", {"paradigm": "npg", "metagovernance": "hands_on", "citizens": 1_000_000,
                             "steps": steps}, timeout=JOB_TIMEOUT_S + 60 * steps)
    s = _summarise([res], warmup=0)
    if "error" in s:
        return s
    t, c = res["step_times"], res["cpu_step_times"]
    k = min(10, len(t))
    s.update(steps=steps, ms_per_step_mean=sum(t) / len(t) * 1000.0,
             ms_first_10=sum(t[:k]) / k * 1000.0, ms_last_10=sum(t[-k:]) / k * 1000.0,
             total_s=res["build_s"] + sum(t),
             cpu_ms_per_step_median=_median(c) * 1000.0, cpu_ms_per_step_mean=sum(c) / len(c) * 1000.0,
             cpu_ms_last_10=sum(c[-k:]) / k * 1000.0, cpu_steps_s=sum(c),
             problems_arrived=res["problems"]["arrived"], designs=res["problems"]["designs"],
             decisions=res["problems"]["decisions"], closed=res["problems"]["closed"],
             cpu_ms_per_arrived_problem=sum(c) * 1000.0 / max(1, res["problems"]["arrived"]))
    return s


EVERY_RUNG = {"mix": [1, 1, 1, 1, 1, 1]}  # the growth part's second run: arenas on every rung of the ladder


def part_growth(sizes: list[int], steps: int, reps: int, ladder: dict | None = None) -> dict:
    """How the cost of a step grows with the population (NPG hands-on, the scaled public
    sector, so the problems per step grow with it too): CPU ms per step (the median of the
    steps after the first five) and CPU ms per arriving problem (all steps), with the work
    done (designs, decisions, closures per 1,000 arrivals). Interleaved repetitions.
    ``ladder`` replaces the scenario's ``[ladder]`` table (the default mix puts every arena
    on the top rung; the other rungs recruit differently, see ``EVERY_RUNG``).

    Each repetition is a round that runs the smallest size first and again last, with the
    larger sizes in between. Each larger size also gets ``cpu_ratio_paired``: the median over
    the rounds of its per-step cost relative to the population, against the mean of the same
    round's two small runs. This machine's speed drifts over minutes, and a ratio taken within
    one round is not moved by a drift between rounds, as a ratio of medians would be."""
    raw: dict[int, list[dict]] = {n: [] for n in sizes}
    extra = {"ladder": ladder} if ladder else {}
    job = {"paradigm": "npg", "metagovernance": "hands_on", "steps": steps, **extra}
    paired: dict[int, list[float]] = {n: [] for n in sizes[1:]}
    for _ in range(reps):
        first = run_job("govsim", {**job, "citizens": sizes[0]})
        larger = {n: run_job("govsim", {**job, "citizens": n}) for n in sizes[1:]}
        last = run_job("govsim", {**job, "citizens": sizes[0]})
        raw[sizes[0]] += [first, last]
        for n, r in larger.items():
            raw[n].append(r)
        small = [_median(x["cpu_step_times"][5:]) for x in (first, last) if "error" not in x]
        for n, r in larger.items():
            if small and "error" not in r:
                paired[n].append((_median(r["cpu_step_times"][5:]) / statistics.mean(small)) / (n / sizes[0]))
    out: dict = {}
    for n, res in raw.items():
        ok = [r for r in res if "error" not in r]
        if not ok:
            out[str(n)] = {"error": res[0]["error"]}
            continue
        work = ok[0]["problems"]
        out[str(n)] = {
            "cpu_ms_per_step": _median([_median(r["cpu_step_times"][5:]) for r in ok]) * 1000.0,
            "wall_ms_per_step": _median([_median(r["step_times"][5:]) for r in ok]) * 1000.0,
            "cpu_ms_per_arrived_problem": _median([sum(r["cpu_step_times"]) * 1000.0 / max(1, r["problems"]["arrived"])
                                                   for r in ok]),
            "arrived": work["arrived"],
            "designs_per_1000": 1000.0 * work["designs"] / max(1, work["arrived"]),
            "decisions_per_1000": 1000.0 * work["decisions"] / max(1, work["arrived"]),
            "closed_per_1000": 1000.0 * work["closed"] / max(1, work["arrived"]),
            "repetitions": len(ok),
        }
        if paired.get(n):
            out[str(n)].update(cpu_ratio_paired=_median(paired[n]), cpu_ratio_paired_each=paired[n])
    return out


def part_long(citizens: int, steps: int, reps: int) -> dict:
    """Per-step cost of steps 181-200 against the last 20 (981-1000 of a 1000-step run), in
    wall-clock time and in CPU time of the process (which other jobs on the machine disturb
    less: a 20-step window lasts about a second, so a passing load can move its wall time),
    medians over repetitions with seeds 1, 2, ...; and the mean CPU ms per step of each block
    of 100 steps (median over the repetitions), which shows a trend if there is one.

    The model's state changes over a long run (how many problems are in flight, who takes
    part), and with it the work a step has to do. So the same windows are also given per
    problem in flight (CPU ms of the window / open problems summed over its steps): if the
    code's cost per unit of work grew with the run's length, this ratio would show it even
    where the model happens to do less work late in the run."""
    firsts, lasts, cfirsts, clasts, hundreds = [], [], [], [], []
    per_open_ratio, open_first, open_last = [], [], []
    for rep in range(reps):  # one seed per repetition: the work in a 20-step window depends on the run's state
        r = run_job("govsim", {"paradigm": "npg", "metagovernance": "hands_on", "citizens": citizens, "steps": steps,
                               "seed": rep + 1}, timeout=JOB_TIMEOUT_S + steps)
        if "error" in r:
            return {"error": r["error"]}
        for t, a, b in ((r["step_times"], firsts, lasts), (r["cpu_step_times"], cfirsts, clasts)):
            a.append(sum(t[180:200]) / 20 * 1000.0)
            b.append(sum(t[-20:]) / 20 * 1000.0)
        c, o = r["cpu_step_times"], r["open_per_step"]
        open_first.append(sum(o[180:200]) / 20)
        open_last.append(sum(o[-20:]) / 20)
        per_open_ratio.append((sum(c[-20:]) / max(1, sum(o[-20:]))) / (sum(c[180:200]) / max(1, sum(o[180:200]))))
        hundreds.append([sum(c[i:i + 100]) / len(c[i:i + 100]) * 1000.0 for i in range(0, len(c), 100)])
    a, b = _median(firsts), _median(lasts)
    last = f"{steps - 19}_{steps}"
    return {"citizens": citizens, "steps": steps, "repetitions": len(firsts), "ms_steps_181_200": a,
            f"ms_steps_{last}": b, "ratio_last_to_181_200": b / a,
            "cpu_ms_steps_181_200": _median(cfirsts), f"cpu_ms_steps_{last}": _median(clasts),
            "cpu_ratio_last_to_181_200": _median([y / x for x, y in zip(cfirsts, clasts)]),
            "ratio_each": [y / x for x, y in zip(firsts, lasts)],
            "cpu_ratio_each": [y / x for x, y in zip(cfirsts, clasts)],
            "cpu_ms_per_100_steps": [_median(list(col)) for col in zip(*hundreds)],
            "open_steps_181_200": _median(open_first), f"open_steps_{last}": _median(open_last),
            "cpu_ratio_per_open_problem": _median(per_open_ratio), "cpu_ratio_per_open_problem_each": per_open_ratio}


def _wall(cmd: list[str], reps: int) -> float:
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        subprocess.run(cmd, capture_output=True, cwd=ROOT, check=False)
        times.append(time.perf_counter() - t)
    return _median(times)


def part_startup(reps: int) -> dict:
    govsim = [sys.executable, "-m", "govsim", "--help"]
    return {"govsim_help_s": _wall(govsim, reps),
            "import_govsim_s": _wall([sys.executable, "-c", "import govsim"], reps),
            "import_govsim_model_s": _wall([sys.executable, "-c", "import govsim.model"], reps),
            "load_kernels_s": _wall([sys.executable, "-c", _LOAD_KERNELS], reps) - _wall([sys.executable, "-c",
                                                                                        "import numpy"], reps)}


_LOAD_KERNELS = "from govsim.kernels import compiled; compiled.warm()"


SWEEP_EXPERIMENT = """\
# Benchmark sweep: many short runs of one design point.
name = "benchmark"
scenario = "{scenario}"
replications = {runs}
steps = 60
seed = 1

[base.population]
citizens = 1000

[factors]
paradigm = ["npg"]

[design]
kind = "factorial"
"""


def _become_subreaper() -> bool:
    """On Linux, adopt orphaned descendants (PR_SET_CHILD_SUBREAPER). The sweep's fork server
    outlives the ``govsim sweep`` process that started it and is never waited for by it; as an
    adopted orphan it is reaped here, and with it the CPU time of the workers it reaped, so
    ``RUSAGE_CHILDREN`` covers the whole process tree of the sweep."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _reap_orphans(timeout: float = 60.0) -> bool:
    """Wait for every remaining child (adopted orphans); False if some are still running."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return True
        if pid == 0:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)


def _tree_cpu_s() -> float:
    import resource

    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def part_sweep(runs: int, reps: int) -> dict:
    """``govsim sweep`` of ``runs`` short runs on 1 and then 2 workers, ``reps`` interleaved pairs.

    Wall-clock throughput is the whole command (start-up included). The parallel efficiency
    is throughput(2) / (2 x throughput(1)), the median over the pairs. On a shared machine the
    wall-clock figure also measures the other jobs, so the CPU time of the whole process tree
    (parent, fork server and workers, on Linux) is reported too: its efficiency,
    CPU(1 worker) / CPU(2 workers), is the share of the 2-worker sweep's work that a 1-worker
    sweep also does (1.0 = running in parallel costs no extra work); it does not see idle time.
    A control then runs 20 such simulations alone and twice side by side, in plain processes:
    ``control_cpu_penalty`` is the CPU time of a copy side by side over that alone (1.0 = the
    machine runs two simulations at once without slowing either).
    """
    probe = subprocess.run([sys.executable, "-m", "govsim", "sweep", "--help"], capture_output=True, cwd=ROOT)
    if probe.returncode != 0:
        return {"error": "govsim sweep is not available in this version"}
    tree = _become_subreaper()
    _reap_orphans(5)
    walls: dict[int, list[float]] = {1: [], 2: []}
    cpus: dict[int, list[float]] = {1: [], 2: []}
    load_start = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        exp = Path(tmp) / "bench.toml"
        exp.write_text(SWEEP_EXPERIMENT.format(scenario=(ROOT / "scenarios" / "npg.toml").as_posix(), runs=runs))
        for rep in range(reps):  # interleaved pairs
            for workers in (1, 2):
                c0 = _tree_cpu_s()
                t = time.perf_counter()
                out = subprocess.run([sys.executable, "-m", "govsim", "sweep", str(exp), "--quiet",
                                      "--out", str(Path(tmp) / f"w{workers}-{rep}"), "--workers", str(workers)],
                                     capture_output=True, text=True, cwd=ROOT,
                                     env={**os.environ, "GOVSIM_JIT": SWEEP_JIT})
                walls[workers].append(time.perf_counter() - t)
                if out.returncode != 0:
                    tail = (out.stderr.strip().splitlines() or ["(no output)"])[-1]
                    return {"error": f"govsim sweep failed: {tail}"}
                complete = _reap_orphans() if tree else False
                cpus[workers].append(_tree_cpu_s() - c0 if complete else float("nan"))
    # Control: the same simulations alone and two copies side by side. If each copy then takes
    # more CPU time, the machine (shared caches, memory bandwidth, the host) slows two
    # simultaneous runs whatever the pool does, and caps the efficiency at about 1 / penalty.
    alone = run_job("runs", {"runs": 20}).get("cpu_s", float("nan"))
    cmd = [sys.executable, str(Path(__file__).resolve()), "--job", json.dumps({"kind": "runs", "runs": 20})]
    pair = [subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, cwd=ROOT) for _ in range(2)]
    side = [json.loads(p.communicate()[0].strip().splitlines()[-1])["cpu_s"] for p in pair]
    effs = [w1 / (2 * w2) for w1, w2 in zip(walls[1], walls[2])]
    res = {"runs": runs, "pairs": reps, "load_avg_1min_start": load_start, "load_avg_1min_end": os.getloadavg()[0],
           "runs_per_s_1_worker": runs / _median(walls[1]), "runs_per_s_2_workers": runs / _median(walls[2]),
           "parallel_efficiency": _median(effs), "parallel_efficiency_each": effs}
    if tree:
        res.update(cpu_s_1_worker=_median(cpus[1]), cpu_s_2_workers=_median(cpus[2]),
                   cpu_efficiency=_median([c1 / c2 for c1, c2 in zip(cpus[1], cpus[2])]))
    res.update(control_cpu_s_alone=alone, control_cpu_s_side_by_side=side,
               control_cpu_penalty=statistics.mean(side) / alone)
    return res


# --------------------------------------------------------------------------- targets

TARGETS = (
    ("govsim --help under 0.3 s", "startup"),
    ("10x the reference's agent-steps/s at 10k citizens, every rule set", "scale"),
    ("cost per step flat: steps 981-1000 within 10% of 181-200 (CPU)", "long"),
    ("time per step no worse than linear from 10k citizens up", "growth"),
    ("1M build under 3 s, peak under 2 GB", "million"),
    ("1M x 100 steps under 5 minutes (build and steps, wall clock)", "million"),
    ("parallel efficiency of at least 0.80 on 2 workers", "sweep"),
)


def assess(figures: dict) -> list[tuple[str, str, bool | None]]:
    """Each target of the benchmark, the figure that decides it and whether it is met (None:
    not measured in this invocation, or the measurement failed)."""
    out: list[tuple[str, str, bool | None]] = []
    for name, part in TARGETS:
        fig = figures.get(part)
        if not isinstance(fig, dict) or "error" in fig:
            out.append((name, "not measured" if fig is None else f"error: {fig['error']}", None))
            continue
        if part == "startup":
            v = fig["govsim_help_s"]
            out.append((name, f"{v:.2f} s", v < 0.3))
        elif part == "scale":
            ratios = {k: v.get("ratio_vs_reference") for k, v in fig.items() if k.endswith("@10000")
                      and not k.startswith("reference")}
            ratios = {k: v for k, v in ratios.items() if v is not None}
            if not ratios:
                out.append((name, "10k not measured", None))
                continue
            text = ", ".join(f"{k.split('@')[0]} {v:.2f}x" for k, v in ratios.items())
            out.append((name, text, min(ratios.values()) >= 10.0))
        elif part == "long":
            if fig["steps"] < 1000:
                out.append((name, f"only {fig['steps']} steps run", None))
                continue
            v = fig["cpu_ratio_last_to_181_200"]
            out.append((name, f"ratio {v:.2f}", abs(v - 1.0) <= 0.10))
        elif part == "growth":
            # the default ladder and, when measured, arenas on every rung: the worse of the two decides
            worst, texts = None, []
            for label, runs in (("top rung", fig), ("every rung", figures.get("growth_every_rung"))):
                rows = {int(n): g for n, g in (runs or {}).items() if "error" not in g}
                if 10_000 not in rows or len(rows) < 2:
                    continue
                base = rows[10_000]["cpu_ms_per_step"]  # paired within rounds where measured (see part_growth)
                ratio = max(g.get("cpu_ratio_paired", (g["cpu_ms_per_step"] / base) / (n / 10_000))
                            for n, g in rows.items() if n > 10_000)
                texts.append(f"{label} {ratio:.2f}")
                worst = ratio if worst is None else max(worst, ratio)
            if worst is None:
                out.append((name, "needs 10k and a larger size", None))
                continue
            out.append((name, "per-step cost / population, largest vs 10k: " + ", ".join(texts), worst <= 1.0))
        elif name.startswith("1M build"):
            out.append((name, f"build {fig['build_s']:.2f} s, peak {fig['peak_mib']:.0f} MiB",
                        fig["build_s"] < 3.0 and fig["peak_mib"] < 2048))
        elif part == "million":
            if fig["steps"] < 100:
                out.append((name, f"only {fig['steps']} steps run", None))
                continue
            out.append((name, f"{fig['total_s']:.1f} s in all ({fig['cpu_steps_s']:.1f} s CPU for the steps)",
                        fig["total_s"] < 300.0))
        elif part == "sweep":
            v = fig["parallel_efficiency"]
            out.append((name, f"{v:.2f}", v >= 0.80))
    return out


# --------------------------------------------------------------------------- report

def _fmt(x, spec: str) -> str:
    return format(x, spec) if isinstance(x, (int, float)) else str(x)


def print_report(figures: dict) -> None:
    scale = figures.get("scale", {})
    if scale:
        print(f"{'run':<28}{'agents':>9}{'build s':>9}{'ms/step':>10}{'agent-steps/s':>15}{'peak MiB':>10}{'x ref':>8}")
        for key, s in scale.items():
            if "error" in s:
                print(f"{key:<28}  error: {s['error']}")
                continue
            print(f"{key:<28}{s['agents']:>9,}{s['build_s']:>9.2f}{s['ms_per_step']:>10.2f}"
                  f"{s['agent_steps_per_s']:>15,.0f}{s['peak_mib']:>10.0f}{_fmt(s.get('ratio_vs_reference', ''), '>8.2f'):>8}")
    budgets = {k.split("@")[0]: v["budget"] for k, v in scale.items() if "budget" in v}
    if budgets:
        print(f"\n{f'cost of a step at {BUDGET_AT:,}':<28}{'ms/step':>9}{'no problems':>13}{'arrivals':>10}"
              f"{'ms/problem':>12}{'10x leaves':>12}")
        for key, b in budgets.items():
            ms = scale[f"{key}@{BUDGET_AT}"]["ms_per_step"]
            print(f"{key:<28}{ms:>9.2f}{b['floor_ms_per_step']:>13.2f}{b['arrivals_per_step']:>10.1f}"
                  f"{b['ms_per_problem']:>12.3f}{b['budget_ms_per_problem']:>12.3f}")
    for key, title in (("growth", "growth (NPG hands-on)"), ("growth_every_rung", "every rung of the ladder")):
        growth = figures.get(key, {})
        if not growth:
            continue
        print(f"\n{title:<24}{'CPU ms/step':>12}{'wall ms/step':>13}{'CPU ms/problem':>15}"
              f"{'arrived':>9}{'designs/1k':>11}{'closed/1k':>10}{'vs 10k':>12}")
        for n, g in growth.items():
            if "error" in g:
                print(f"{int(n):<24,}  error: {g['error']}")
                continue
            print(f"{int(n):<24,}{g['cpu_ms_per_step']:>12.1f}{g['wall_ms_per_step']:>13.1f}"
                  f"{g['cpu_ms_per_arrived_problem']:>15.3f}{g['arrived']:>9}{g['designs_per_1000']:>11.0f}"
                  f"{g['closed_per_1000']:>10.0f}{_fmt(g.get('cpu_ratio_paired', ''), '>12.2f'):>12}")
    phases = {k: v for k, v in figures.get("phases", {}).items() if "error" not in v}
    for key, v in figures.get("phases", {}).items():
        if "error" in v:
            print(f"\nphases of {key}: error: {v['error']}")
    if phases:
        first = next(iter(phases.values()))
        print(f"\n{'phase at ' + format(first['citizens'], ',') + ', ms (in kernels)':<28}"
              + "".join(f"{k:>22}" for k in phases))
        def cell(ms, inside) -> str:
            return f"{f'{ms:.2f} ({inside:.2f})':>22}"

        nan = float("nan")
        for name in first["phases"]:
            print(f"{name:<28}" + "".join(cell(v["phases"].get(name, nan), v["kernels"].get(name, nan))
                                         for v in phases.values()))
        print(f"{'a step':<28}" + "".join(cell(v["ms_per_step"], sum(v["kernels"].values())) for v in phases.values()))
    for part in ("million", "long", "startup", "sweep"):
        if part in figures:
            print(f"\n{part}:")
            for k, v in figures[part].items():
                print(f"  {k:<28}{_fmt(v, '.3f')}")
    print("\ntargets:")
    for name, value, met in assess(figures):
        mark = {True: "met", False: "NOT met", None: "-"}[met]
        print(f"  {mark:<8}{name}: {value}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="govsim benchmark suite (see the module docstring)")
    ap.add_argument("--quick", action="store_true",
                    help="1k and 10k citizens only, 2 repetitions, a 400-step long run, no 1M run")
    ap.add_argument("--reps", type=int, help="interleaved repetitions per measurement (default 3; 2 with --quick)")
    ap.add_argument("--only", choices=PARTS, action="append",
                    help="run only this part (repeatable); 'scale' includes the Mesa reference")
    ap.add_argument("--million-steps", type=int, default=10,
                    help="steps of the 1M-citizen run (default 10; 100 for the 1M x 100 target; 0 to skip)")
    ap.add_argument("--growth-steps", type=int, default=60,
                    help="steps of each run of the growth part (10k, 100k and 300k citizens; default 60: "
                         "a step's median over more steps moves less with the arrivals and the machine)")
    ap.add_argument("--long-steps", type=int, help="steps of the long run (default 1000; 400 with --quick)")
    ap.add_argument("--long-seeds", type=int,
                    help="seeds of the long run (default 5; 2 with --quick): the work in a 20-step window "
                         "depends on the run's state, so the ratio is a median over seeds")
    ap.add_argument("--sweep-runs", type=int, default=200,
                    help="runs of the benchmark sweep (default 200, about 30 s on one worker: a sweep long "
                         "enough that start-up weighs on it as on a real one)")
    ap.add_argument("--job", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.job:  # child process: one measurement
        spec = json.loads(args.job)
        print(json.dumps(JOBS[spec.pop("kind")](spec)))
        return 0

    reps = args.reps or (2 if args.quick else 3)
    default_parts = [p for p in PARTS if p != "million" or not args.quick]
    parts = set(args.only or default_parts)
    sizes = [1_000, 10_000] if args.quick else [1_000, 10_000, 100_000]
    steps_for = {1_000: 200, 10_000: 100, 100_000: 30}.get
    figures: dict = {"machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                                 "platform": platform.platform(), "load_avg_1min": os.getloadavg()[0]},
                     "repetitions": reps}
    t0 = time.perf_counter()
    if "scale" in parts:
        figures["scale"] = part_scale(sizes, reps, lambda n: steps_for(n, 50))
    if "growth" in parts:
        growth_sizes = [10_000, 100_000] if args.quick else [10_000, 100_000, 300_000]
        figures["growth"] = part_growth(growth_sizes, args.growth_steps, reps)
        figures["growth_every_rung"] = part_growth(growth_sizes, args.growth_steps, reps, EVERY_RUNG)
    if "million" in parts and args.million_steps > 0:
        figures["million"] = part_million(args.million_steps)
    if "long" in parts:
        figures["long"] = part_long(10_000, args.long_steps or (400 if args.quick else 1000),
                                    args.long_seeds or (2 if args.quick else 5))
    if "phases" in parts:
        figures["phases"] = part_phases(10_000, 200, reps)
    if "startup" in parts:
        figures["startup"] = part_startup(max(5, reps))
    if "sweep" in parts:
        figures["sweep"] = part_sweep(args.sweep_runs, max(1, reps - 1))
    figures["elapsed_s"] = time.perf_counter() - t0
    figures["machine"]["load_avg_1min_end"] = os.getloadavg()[0]
    figures["targets"] = {name: met for name, _, met in assess(figures)}
    print_report(figures)
    print(json.dumps(figures, default=float))
    return 0


if __name__ == "__main__":
    sys.exit(main())
