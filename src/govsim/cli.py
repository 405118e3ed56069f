"""The ``govsim`` command: run, validate and list scenarios.

Only the standard library is imported at module level, so ``govsim --help``
stays fast; the model and pandas are imported when a command needs them.

Exit codes: 0 done; 2 bad input (scenario file, flag or output path; nothing was
run); 3 the run finished but its results could not be written to ``--out`` (they
are kept in a fallback file named in the message, see :mod:`govsim.io`); 130
interrupted.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from govsim import __version__
from govsim.io import EXIT_NOT_SAVED, SUFFIXES as OUT_SUFFIXES, OutputError, check_writable, save_or_keep, sidecar_path

BUILD_NOTICE_CITIZENS = 100_000
"""From this many citizens on, ``run`` says on stderr that the population is being built, and how long it took."""


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


def _summary(df, scenario, overrides: dict | None = None) -> str:
    from govsim.metrics import FAMILIES, INDICATORS, defined_away

    paradigms = " -> ".join(dict.fromkeys(df["paradigm"]))
    settings = " -> ".join(dict.fromkeys(df["metagovernance"]))
    p = scenario.population
    reforms = ", ".join(f"step {r.step} -> {r.paradigm}" + (f" ({r.metagovernance})" if r.metagovernance else "")
                        for r in scenario.reforms) or "none"
    changed = ", ".join(f"{k}={v!r}" if isinstance(v, str) else f"{k}={v}" for k, v in (overrides or {}).items())
    tail = df.tail(min(24, len(df)))
    lines = [
        f"scenario        {scenario.name or '(unnamed)'}",
        f"paradigm        {paradigms}",
        f"metagovernance  {settings}",
        f"population      {p.citizens:,} citizens, {p.employees:,} employees, {p.administrators:,} administrators, "
        f"{p.politicians:,} politicians, {p.providers:,} providers",
        f"reforms         {reforms}",
        f"overrides       {changed or 'none'}",
        f"steps, seed     {len(df)}, {scenario.seed}",
        "",
        f"{'index':<12}{'final':>8}{f'mean of last {len(tail)}':>20}",
    ]
    for fam in FAMILIES:
        lines.append(f"{fam:<12}{df[fam].iloc[-1]:>8.3f}{tail[fam].mean():>20.3f}")
    away = defined_away()
    for fam in FAMILIES:
        gone = [i.name for i in INDICATORS if i.family == fam and i.name in away]
        if gone:
            col = f"{fam}_common"
            lines.append(f"{'  common':<12}{df[col].iloc[-1]:>8.3f}{tail[col].mean():>20.3f}"
                         f"   ({fam} without {', '.join(gone)}, which a rule set defines away)")
    return "\n".join(lines)


def _announce_build(scenario, quiet: bool):
    """A line on stderr while a large population is built; returns the callback that reports the time."""
    n = scenario.population.citizens
    if quiet or n < BUILD_NOTICE_CITIZENS:
        return lambda: None
    print(f"building {n:,} citizens and their network ...", file=sys.stderr, flush=True)
    start = time.perf_counter()
    return lambda: print(f"built {n:,} citizens in {time.perf_counter() - start:.1f} s", file=sys.stderr, flush=True)


def cmd_run(args) -> int:
    from govsim.runner import prepare, simulate

    overrides = _parse_set(args.set or [])
    extra = {**overrides, **({"steps": args.steps} if args.steps is not None else {}),
             **({"seed": args.seed} if args.seed is not None else {})}
    scenario = prepare(args.scenario, overrides=extra, source=f"{args.scenario} with the command-line options")
    out = None
    if args.out:
        try:
            out = check_writable(args.out)  # before the run, so a bad path costs nothing
        except OutputError as exc:
            raise UsageError(f"--out {exc}") from None
    built = _announce_build(scenario, args.quiet)
    df = simulate(scenario, progress=not args.quiet, on_built=built)
    print(_summary(df, scenario, extra))
    if out is None:
        return 0
    prov = {**df.attrs.get("provenance", {}), "scenario_file": args.scenario, "overrides": extra,
            "config": scenario.model_dump(mode="json")}
    saved = save_or_keep(df, out, prov)
    if saved.ok:
        print(f"\nwrote {len(df)} rows to {out} (provenance in {sidecar_path(out)})")
        return 0
    if saved.written is not None:
        print(f"error: could not write {out} ({saved.error}); the results are kept in {saved.written}",
              file=sys.stderr)
    else:
        print(f"error: could not write {out} ({saved.error}), nor a fallback file; only the summary above is left",
              file=sys.stderr)
    return EXIT_NOT_SAVED


def cmd_validate(args) -> int:
    """Check every file and report each; exit 2 if any failed."""
    from govsim.config import ScenarioError, load_scenario

    failed = 0
    for path in args.files:
        try:
            s = load_scenario(path)
        except ScenarioError as exc:
            failed += 1
            print(f"error: {exc}", file=sys.stderr)
            continue
        print(f"ok: {path} ({s.paradigm}, {s.steps} steps, hash {s.content_hash()})")
    if failed and len(args.files) > 1:
        print(f"{failed} of {len(args.files)} files failed", file=sys.stderr)
    return 2 if failed else 0


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
    parser.add_argument("--version", action="version", version=f"govsim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run a scenario and summarise efficiency, democracy and innovation")
    run.add_argument("scenario", help="scenario TOML file")
    run.add_argument("--steps", type=int, help="number of steps (overrides the scenario)")
    run.add_argument("--seed", type=int, help="root seed (overrides the scenario)")
    run.add_argument("--set", action="append", metavar="FIELD=VALUE",
                     help="override a field, e.g. --set population.citizens=5000 (repeatable)")
    run.add_argument("--out", help="write the time series to FILE.csv or FILE.parquet, with its provenance in "
                                   "FILE.csv.provenance.json (exit code 3 if it cannot be written: the results "
                                   "are then kept in a fallback file named in the message)")
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    run.set_defaults(func=cmd_run)
    val = sub.add_parser("validate", help="check scenario files")
    val.add_argument("files", nargs="+")
    val.set_defaults(func=cmd_validate)
    lst = sub.add_parser("list", help="list paradigms and metagovernance settings")
    lst.set_defaults(func=cmd_list)
    from govsim.experiments.commands import add_commands

    add_commands(sub)
    from govsim.app.commands import register as register_app  # standard library only

    register_app(sub)
    from govsim.validation.command import add_command

    add_command(sub)
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
