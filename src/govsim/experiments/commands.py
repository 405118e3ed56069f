"""The ``govsim compare``, ``govsim sweep`` and ``govsim analyze`` commands.

Only the standard library is imported at module level (``govsim --help`` stays fast);
the model, pandas, SALib and Dask are imported when a command runs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

DEFAULT_EXPERIMENT = "paradigm_comparison.toml"


def default_experiment() -> Path:
    """experiments/paradigm_comparison.toml in a source checkout, else the copy shipped inside the package."""
    here = Path(__file__).resolve()
    checkout = here.parents[3]
    repo = checkout / "experiments" / DEFAULT_EXPERIMENT
    if repo.is_file() and (checkout / "pyproject.toml").is_file():
        return repo
    return here.with_name(DEFAULT_EXPERIMENT)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 0 <= value <= 2**63 - 1:
        raise argparse.ArgumentTypeError(f"must be from 0 to 2**63 - 1, got {value}")
    return value


def _run_options(p: argparse.ArgumentParser, *, backends: bool = True) -> None:
    p.add_argument("--replications", type=_positive, metavar="R", help="replications per design point "
                   "(overrides the experiment; raising it on an existing folder adds replications)")
    p.add_argument("--steps", type=_positive, metavar="T", help="steps per run (overrides the experiment)")
    p.add_argument("--seed", type=_seed, metavar="S", help="root seed (overrides the experiment)")
    p.add_argument("--workers", type=_positive, metavar="N", help="local worker processes (default: all cores)")
    if backends:
        g = p.add_mutually_exclusive_group()
        g.add_argument("--dask", type=_positive, metavar="N", help="run on a local Dask cluster of N workers")
        g.add_argument("--scheduler", metavar="ADDR", help="run on a running Dask cluster, e.g. tcp://host:8786")
    p.add_argument("--chunk-size", type=_positive, metavar="K", help="runs per task sent to a worker (default: auto)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def add_commands(sub) -> None:
    """Register compare, sweep and analyze on the ``govsim`` subparsers."""
    cmp = sub.add_parser("compare", help="the main job: OPA, NPM and NPG under each metagovernance setting, "
                         "with confidence intervals, paired differences, figures and a report",
                         description="Run the default experiment (experiments/paradigm_comparison.toml) and "
                         "report efficiency, democracy and innovation by paradigm and metagovernance setting. "
                         "Started again on the same --out it resumes and only reports.")
    cmp.add_argument("--out", default="results/compare", help="results folder (default: results/compare)")
    cmp.add_argument("--experiment", help=argparse.SUPPRESS)
    _run_options(cmp)
    cmp.set_defaults(func=cmd_compare)

    sw = sub.add_parser("sweep", help="run an experiment file into a results folder (resumable)",
                        description="Run every design point and replication of EXPERIMENT, streaming results to "
                        "Parquet in --out. Started again on the same folder, finished runs are skipped.")
    sw.add_argument("experiment", help="experiment TOML file (see docs/experiments.md)")
    sw.add_argument("--out", help="results folder (default: results/<experiment name>)")
    _run_options(sw)
    sw.set_defaults(func=cmd_sweep)

    an = sub.add_parser("analyze", help="tables, figures and report.html for a finished sweep",
                        description="Summary tables with confidence intervals, paired differences, Sobol or "
                        "Morris indices and figures for a results folder; writes figures/, tables/ and report.html.")
    an.add_argument("folder", help="results folder written by govsim sweep or govsim compare")
    an.add_argument("--reference", help="label of the design point differences are taken against")
    an.add_argument("--no-figures", action="store_true", help="print and save the tables only")
    an.set_defaults(func=cmd_analyze)


def _sweep(experiment: Path, out: str, args) -> int:
    from govsim.experiments.execute import run_sweep
    from govsim.experiments.schema import load_experiment

    exp = load_experiment(experiment, replications=args.replications, steps=args.steps, seed=args.seed)
    summary = run_sweep(exp, out, workers=args.workers, dask=getattr(args, "dask", None),
                        scheduler=getattr(args, "scheduler", None), chunk_size=args.chunk_size,
                        progress=not args.quiet)
    print(summary.line())
    for line in summary.failures[:10]:
        print(f"  failed: {line}")
    if summary.interrupted:
        print(f"interrupted: the finished runs are kept in {out}; run the same command again to resume",
              file=sys.stderr)
        return 130
    return 1 if summary.failed else 0


def cmd_sweep(args) -> int:
    path = Path(args.experiment)
    out = args.out or str(Path("results") / path.stem)
    code = _sweep(path, out, args)
    if code != 130:
        print(f"tables and figures: govsim analyze {out}")
    return code


def cmd_compare(args) -> int:
    path = Path(args.experiment) if args.experiment else default_experiment()
    code = _sweep(path, args.out, args)
    if code == 130:
        return code
    return max(code, _analyze(Path(args.out), None, figures=True))


def _analyze(folder: Path, reference: str | None, figures: bool) -> int:
    from govsim.experiments.report import analyze

    rep = analyze(folder, reference=reference, figures=figures)
    print()
    print(rep.text)
    print()
    for f in rep.figures:
        print(f"figure: {f}")
    print(f"report: {rep.html}")
    return 0


def cmd_analyze(args) -> int:
    return _analyze(Path(args.folder), args.reference, not args.no_figures)
