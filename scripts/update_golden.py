"""Regenerate the golden baseline ``tests/golden/baseline.json`` from one reference run.

The reference run is ``scenarios/npg.toml`` with the overrides, seed and step count
below. ``tests/test_golden.py`` recomputes the same summary with :func:`summarise`
and compares it exactly with the stored file, so any change to the model's numbers
shows up there. Run this script only when such a change is intended, and commit
the new baseline together with the change that caused it:

    python scripts/update_golden.py          # rewrite the baseline
    python scripts/update_golden.py --check  # compare only; exit 1 on a difference
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from govsim.metrics import FAMILIES, INDICATORS
from govsim.model import GovModel
from govsim.runner import prepare

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "npg.toml"
BASELINE = ROOT / "tests" / "golden" / "baseline.json"

# The reference run: exactly these settings on top of scenarios/npg.toml.
SEED = 11
STEPS = 60
OVERRIDES: dict[str, Any] = {"population.citizens": 400, "population.employees": 40}
DECIMALS = 10


def reference_scenario():
    """The validated scenario of the reference run."""
    return prepare(SCENARIO, steps=STEPS, seed=SEED, overrides=OVERRIDES)


def run_reference() -> GovModel:
    """Build and run the reference model."""
    scenario = reference_scenario()
    model = GovModel(scenario)
    for _ in range(scenario.steps):
        model.step()
    return model


def _r(x: float) -> float:
    return round(float(x), DECIMALS)


def summarise(model: GovModel) -> dict[str, Any]:
    """What the baseline records of a finished run: per index and indicator the final
    value and the mean over the run, and the problems closed by outcome (rounded)."""
    df = model.datacollector.get_model_vars_dataframe()
    scores = lambda names: {n: {"final": _r(df[n].iloc[-1]), "mean": _r(df[n].mean())} for n in names}  # noqa: E731
    closed = Counter(p.outcome for p in model.closed)
    return {
        "scenario": SCENARIO.relative_to(ROOT).as_posix(),
        "scenario_hash": model.config.content_hash(),
        "seed": model.seed,
        "steps": int(model.steps),
        "overrides": dict(OVERRIDES),
        "indices": scores(FAMILIES),
        "indicators": scores([i.name for i in INDICATORS]),
        "problems": {
            "arrived": int(model.problem_stream.next_id),
            "closed": len(model.closed),
            "closed_by_outcome": dict(sorted(closed.items())),
        },
    }


def compute() -> dict[str, Any]:
    return summarise(run_reference())


def dumps(summary: dict[str, Any]) -> str:
    return json.dumps(summary, indent=2, sort_keys=True) + "\n"


def _changed(old: Any, new: Any, prefix: str = "") -> list[str]:
    if isinstance(old, dict) and isinstance(new, dict):
        out = []
        for k in sorted(set(old) | set(new)):
            out += _changed(old.get(k), new.get(k), f"{prefix}.{k}" if prefix else str(k))
        return out
    return [] if old == new else [f"{prefix}: {old!r} -> {new!r}"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="only compare with the stored baseline")
    args = ap.parse_args(argv)

    summary = compute()
    old = json.loads(BASELINE.read_text(encoding="utf-8")) if BASELINE.exists() else {}
    diff = _changed(old, summary)
    if args.check:
        print("baseline matches" if not diff else "baseline differs:\n  " + "\n  ".join(diff))
        return 0 if not diff else 1
    BASELINE.parent.mkdir(parents=True, exist_ok=True)
    BASELINE.write_text(dumps(summary), encoding="utf-8")
    print(f"wrote {BASELINE.relative_to(ROOT)}" + (f" ({len(diff)} values changed)" if old else ""))
    for line in diff[:40] if old else []:
        print("  " + line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
