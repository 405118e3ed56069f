"""Compare the rule sets over several seeds: OPA, NPM and NPG under each metagovernance setting.

Every setting runs with the same seeds, so under each seed all settings share the
population and the problem stream (common random numbers). Writes a tidy CSV
(one row per setting, seed and step; one column per index and indicator), a
figure of the three indices over time (mean over seeds, band of +-1 s.d.), and
prints the mean of the last ``--window`` steps per setting.

    python experiments/compare_paradigms.py --seeds 5 --steps 120 --out results/compare.csv
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from govsim.metrics import FAMILIES  # noqa: E402
from govsim.runner import simulate  # noqa: E402

SETTINGS: dict[str, dict[str, str]] = {
    "opa": {"paradigm": "opa", "metagovernance": "none"},
    "npm": {"paradigm": "npm", "metagovernance": "none"},
    "npg_hands_off": {"paradigm": "npg", "metagovernance": "hands_off"},
    "npg_hands_on": {"paradigm": "npg", "metagovernance": "hands_on"},
    "npg_none": {"paradigm": "npg", "metagovernance": "none"},
}
COLOURS = {"opa": "#4d4d4d", "npm": "#d62728", "npg_hands_off": "#1f77b4", "npg_hands_on": "#2ca02c",
           "npg_none": "#ff7f0e"}


def run_all(scenario, seeds: list[int], steps: int, extra: dict) -> tuple[pd.DataFrame, dict]:
    frames, provenance = [], {}
    for name, setting in SETTINGS.items():
        for seed in seeds:
            df = simulate(scenario, steps=steps, seed=seed, overrides={**extra, **setting})
            provenance.setdefault(name, df.attrs["provenance"])
            frames.append(df.assign(setting=name, seed=seed))
    tidy = pd.concat(frames, ignore_index=True)
    first = ["setting", "seed", "step", "paradigm", "metagovernance"]
    tidy = tidy[first + [c for c in tidy.columns if c not in first]]
    return tidy, provenance


def summary(tidy: pd.DataFrame, window: int) -> pd.DataFrame:
    """Per setting: mean over seeds of each run's mean over its last ``window`` steps (and the s.d. over seeds)."""
    last = tidy[tidy["step"] > tidy["step"].max() - window]
    per_run = last.groupby(["setting", "seed"])[list(FAMILIES)].mean()
    agg = per_run.groupby("setting").agg(["mean", "std"]).reindex(list(SETTINGS))
    return agg


def plot(tidy: pd.DataFrame, path: Path, title: str) -> None:
    stats = tidy.groupby(["setting", "step"])[list(FAMILIES)].agg(["mean", "std"])
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.6), sharex=True, constrained_layout=True)
    for ax, fam in zip(axes, FAMILIES):
        for name in SETTINGS:
            if name not in stats.index.get_level_values(0):
                continue
            s = stats.loc[name]
            mean, sd = s[(fam, "mean")], s[(fam, "std")].fillna(0.0)
            ax.plot(s.index, mean, color=COLOURS[name], lw=1.8, label=name.replace("_", " "))
            ax.fill_between(s.index, (mean - sd).clip(0, 1), (mean + sd).clip(0, 1), color=COLOURS[name],
                            alpha=0.12, lw=0)
        ax.set_title(fam.capitalize())
        ax.set_xlabel("step (month)")
        ax.set_ylim(0, 1)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("index")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=len(labels), frameon=False)
    fig.suptitle(title)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Compare OPA, NPM and NPG (three metagovernance settings) over seeds.")
    ap.add_argument("--scenario", default=None, help="base scenario TOML (default: the built-in defaults)")
    ap.add_argument("--seeds", type=int, default=5, help="number of seeds")
    ap.add_argument("--first-seed", type=int, default=0)
    ap.add_argument("--steps", type=int, default=120)
    ap.add_argument("--citizens", type=int, default=None, help="override the population of citizens")
    ap.add_argument("--window", type=int, default=24, help="last steps averaged in the summary table")
    ap.add_argument("--out", type=Path, default=Path("results/compare.csv"))
    ap.add_argument("--figure", type=Path, default=None, help="figure path (default: --out with .png)")
    args = ap.parse_args(argv)

    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    extra = {"population.citizens": args.citizens} if args.citizens else {}
    t0 = time.perf_counter()
    tidy, provenance = run_all(args.scenario, seeds, args.steps, extra)
    elapsed = time.perf_counter() - t0

    args.out.parent.mkdir(parents=True, exist_ok=True)
    tidy.to_csv(args.out, index=False)
    meta = {"seeds": seeds, "steps": args.steps, "settings": SETTINGS, "overrides": extra,
            "provenance": provenance}
    args.out.with_suffix(".provenance.json").write_text(json.dumps(meta, indent=2, default=str) + "\n")
    figure = args.figure or args.out.with_suffix(".png")
    base = Path(args.scenario).stem if args.scenario else "default scenario"
    plot(tidy, figure, f"govsim: {base}, {len(seeds)} seed{'s' * (len(seeds) > 1)}, {args.steps} steps "
         "(lines: mean over seeds; bands: ±1 s.d.)")

    table = summary(tidy, args.window)
    print(f"{len(SETTINGS)} settings x {len(seeds)} seeds x {args.steps} steps in {elapsed:.1f} s")
    print(f"\nMean of the last {args.window} steps (mean over seeds ± s.d. over seeds):")
    print(f"{'setting':<15}" + "".join(f"{fam:>20}" for fam in FAMILIES))
    for name, row in table.iterrows():
        cells = "".join(f"{row[(fam, 'mean')]:>12.3f} ± {row[(fam, 'std')]:<5.3f}" for fam in FAMILIES)
        print(f"{name:<15}{cells}")
    print(f"\nwrote {args.out}, {figure}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
