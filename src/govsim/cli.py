"""The ``govsim`` command: run, validate and list scenarios.

Only the standard library is imported at module level, so ``govsim --help``
stays fast; the model and pandas are imported when a command needs them.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

OUT_SUFFIXES = (".csv", ".parquet")


class UsageError(Exception):
    """A bad command-line value: reported in one line with exit code 2."""


def _parse_set(items: list[str]) -> dict:
    """``["population.citizens=5000", 'paradigm="npm"']`` -> overrides (values read as TOML)."""
    import tomllib

    out = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--set {item!r}: expected dotted.field=VALUE, e.g. population.citizens=5000")
        try:
            value = tomllib.loads(f"v = {raw}")["v"]
        except tomllib.TOMLDecodeError:
            value = raw
        out[key.strip()] = value
    return out


def _write_atomic(df, out: Path) -> None:
    """Write the frame to ``out`` through a temporary file, so nothing half-written is left."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    os.close(fd)
    try:
        if out.suffix == ".csv":
            df.to_csv(tmp, index=False)
        else:
            df.to_parquet(tmp, index=False)
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _summary(df, scenario) -> str:
    from govsim.metrics import FAMILIES

    paradigms = " -> ".join(dict.fromkeys(df["paradigm"]))
    settings = " -> ".join(dict.fromkeys(df["metagovernance"]))
    tail = df.tail(min(24, len(df)))
    lines = [
        f"scenario        {scenario.name or '(unnamed)'}",
        f"paradigm        {paradigms}",
        f"metagovernance  {settings}",
        f"steps, seed     {len(df)}, {scenario.seed}",
        "",
        f"{'index':<12}{'final':>8}{f'mean of last {len(tail)}':>20}",
    ]
    for fam in FAMILIES:
        lines.append(f"{fam:<12}{df[fam].iloc[-1]:>8.3f}{tail[fam].mean():>20.3f}")
    return "\n".join(lines)


def cmd_run(args) -> int:
    out = Path(args.out) if args.out else None
    if out is not None and out.suffix not in OUT_SUFFIXES:
        raise UsageError(f"--out {args.out}: unknown file type {out.suffix or '(none)'!r}; allowed: .csv, .parquet")
    if out is not None and out.suffix == ".parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise UsageError('writing Parquet needs pyarrow: pip install "govsim[parquet]"') from None
    from govsim.runner import prepare, simulate

    overrides = _parse_set(args.set or [])
    scenario = prepare(args.scenario, steps=args.steps, seed=args.seed, overrides=overrides)
    df = simulate(scenario, progress=not args.quiet)
    print(_summary(df, scenario))
    if out is not None:
        _write_atomic(df, out)
        print(f"\nwrote {len(df)} rows to {out}")
    return 0


def cmd_validate(args) -> int:
    from govsim.config import load_scenario

    for path in args.files:
        s = load_scenario(path)
        print(f"ok: {path} ({s.paradigm}, {s.steps} steps, hash {s.content_hash()})")
    return 0


def cmd_list(args) -> int:
    from govsim.metagovernance import SETTINGS
    from govsim.paradigms import REGISTRY

    print("paradigms:")
    for name, cls in REGISTRY.items():
        print(f"  {name:<5} {cls.label:<28} public sector as {cls.public_sector_as}; citizens as {cls.citizen_role}s")
    print("metagovernance settings: " + ", ".join(SETTINGS))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="govsim",
        description="Agent-based simulation of public governance: OPA, NPM and NPG rule sets, metagovernance, "
                    "and their efficiency, democracy and innovation.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run a scenario and summarise efficiency, democracy and innovation")
    run.add_argument("scenario", help="scenario TOML file")
    run.add_argument("--steps", type=int, help="number of steps (overrides the scenario)")
    run.add_argument("--seed", type=int, help="root seed (overrides the scenario)")
    run.add_argument("--set", action="append", metavar="FIELD=VALUE",
                     help="override a field, e.g. --set population.citizens=5000 (repeatable)")
    run.add_argument("--out", help="write the time series to FILE.csv or FILE.parquet")
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    run.set_defaults(func=cmd_run)
    val = sub.add_parser("validate", help="check scenario files")
    val.add_argument("files", nargs="+")
    val.set_defaults(func=cmd_validate)
    lst = sub.add_parser("list", help="list paradigms and metagovernance settings")
    lst.set_defaults(func=cmd_list)
    from govsim.app.commands import register as register_app  # standard library only

    register_app(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from govsim.config import ScenarioError

    try:
        return args.func(args)
    except (ScenarioError, UsageError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
