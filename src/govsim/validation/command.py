"""The ``govsim validate-model`` command (standard library only at import: ``govsim --help`` stays fast)."""

from __future__ import annotations

import argparse


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def add_command(sub) -> None:
    p = sub.add_parser("validate-model", help="pattern-oriented validation: stylized facts, boundaries, where each "
                       "paradigm leads, Sobol sensitivity, scenario discovery -> docs/validation.md",
                       description="Run (or resume) the validation experiments in experiments/validation/ and "
                       "regenerate docs/validation.md and docs/img/validation/. Run from the repository's root.")
    p.add_argument("--quick", action="store_true", help="reduced mode: 300 citizens, at most 120 steps, fewer "
                   "replications, levels and samples (for CI and a first look)")
    p.add_argument("--replications", type=_positive, metavar="R", help="replications of every fact's main effect "
                   "and boundary sweep (default: 20 each in full mode; 20 and 6 in quick mode)")
    p.add_argument("--workers", type=_positive, metavar="N", help="local worker processes (default: all cores)")
    p.add_argument("--out", help="results folder (default: results/validation, or results/validation-quick)")
    p.add_argument("--report", help="report file (default: docs/validation.md); figures go to img/validation/ "
                   "next to it")
    p.add_argument("--root", help=argparse.SUPPRESS)
    p.add_argument("--quiet", action="store_true", help="no progress output")
    p.set_defaults(func=_run)


def _run(args) -> int:
    from govsim.validation.report import main

    return main(args)
