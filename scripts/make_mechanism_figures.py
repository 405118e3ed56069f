"""Make the figures of docs/mechanisms.md from real sweeps of the model.

Three sweeps, each over several seeds under common random numbers (every setting of a
sweep uses the same seeds), run with ``govsim.simulate`` in a small process pool:

1. ``tools``: each metagovernance tool's intensity from 0 to 1, the other tools at 0,
   under default conditions and under high conflict;
2. ``presets``: none, hands-off and hands-on, under low and high conflict;
3. ``together``: all four tools at one common intensity from 0 to 1, under low and
   high conflict, with trust low or high and with wicked problems (where an interior
   optimum appears and where not).

Each run is summarised by the mean of its last ``--window`` steps. Writes one CSV
(``sweeps.csv``) and the PNG figures to ``docs/img/mechanisms/``.

    python scripts/make_mechanism_figures.py                 # 4 seeds, 96 steps, 600 citizens
    python scripts/make_mechanism_figures.py --seeds 2 --steps 48 --workers 1   # quick look
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from govsim.metagovernance import TOOLS  # noqa: E402
from govsim.runner import simulate  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "docs" / "img" / "mechanisms"
INDICES = ("efficiency", "democracy", "innovation")
EXTRA = ("share_solved", "influence", "trust", "inclusion", "novelty_fit", "goal_alignment", "value_per_cost",
         "participation_rate", "participation_depth", "decoupling", "policy_time")
LEVELS = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
CONDITIONS: dict[str, dict] = {
    "low conflict": {},
    "high conflict": {"core.polarisation": 1.0, "citizens.initial_trust": 0.3},
    "low trust": {"citizens.initial_trust": 0.25},
    "wicked problems": {"problems.wickedness": 0.85},
}


def _one(job: dict) -> dict:
    overrides = {"paradigm": "npg", "population.citizens": job["citizens"],
                 "population.employees": max(20, job["citizens"] // 15), **job["overrides"]}
    df = simulate(steps=job["steps"], seed=job["seed"], overrides=overrides)
    tail = df.iloc[-job["window"]:]
    return {**job["label"], "seed": job["seed"], **{c: float(tail[c].mean()) for c in (*INDICES, *EXTRA)}}


def jobs(args) -> list[dict]:
    out = []

    def add(label, overrides):
        for s in range(args.seeds):
            out.append({"label": label, "overrides": overrides, "seed": s, "steps": args.steps,
                        "window": args.window, "citizens": args.citizens})

    for cond in ("low conflict", "high conflict"):
        for tool in TOOLS:
            for k in LEVELS:
                add({"sweep": "tools", "condition": cond, "tool": tool, "intensity": k},
                    {**CONDITIONS[cond], "metagovernance": "none", f"metagovernance_tools.{tool}": k})
    for cond in ("low conflict", "high conflict"):
        for preset in ("none", "hands_off", "hands_on"):
            add({"sweep": "presets", "condition": cond, "preset": preset},
                {**CONDITIONS[cond], "metagovernance": preset})
    for cond in CONDITIONS:
        for k in LEVELS:
            add({"sweep": "together", "condition": cond, "intensity": k},
                {**CONDITIONS[cond], "metagovernance": "none", **{f"metagovernance_tools.{t}": k for t in TOOLS}})
    return out


def fig_tools(df: pd.DataFrame) -> None:
    d = df[df.sweep == "tools"]
    fig, axes = plt.subplots(2, len(TOOLS), figsize=(4 * len(TOOLS), 6.5), sharey=True)
    for row, cond in enumerate(("low conflict", "high conflict")):
        for col, tool in enumerate(TOOLS):
            ax = axes[row, col]
            g = d[(d.condition == cond) & (d.tool == tool)].groupby("intensity")
            for idx in INDICES:
                m, sd = g[idx].mean(), g[idx].std().fillna(0)
                ax.plot(m.index, m.values, marker="o", label=idx)
                ax.fill_between(m.index, m - sd, m + sd, alpha=0.15)
            ax.set_title(f"{tool} ({cond})")
            ax.set_xlabel("intensity")
            ax.grid(alpha=0.3)
    axes[0, 0].set_ylabel("index (mean of last steps)")
    axes[1, 0].set_ylabel("index (mean of last steps)")
    axes[0, 0].legend(loc="lower left")
    fig.tight_layout()
    fig.savefig(OUT / "tools.png", dpi=110)
    plt.close(fig)


def fig_presets(df: pd.DataFrame) -> None:
    d = df[df.sweep == "presets"]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    presets = ("none", "hands_off", "hands_on")
    x = np.arange(len(INDICES))
    for ax, cond in zip(axes, ("low conflict", "high conflict")):
        for i, preset in enumerate(presets):
            g = d[(d.condition == cond) & (d.preset == preset)]
            ax.bar(x + (i - 1) * 0.27, [g[c].mean() for c in INDICES], 0.27,
                   yerr=[g[c].std() for c in INDICES], label=preset, capsize=3)
        ax.set_xticks(x, INDICES)
        ax.set_title(cond)
        ax.grid(axis="y", alpha=0.3)
    axes[0].set_ylabel("index (mean of last steps)")
    axes[0].legend()
    fig.tight_layout()
    fig.savefig(OUT / "presets.png", dpi=110)
    plt.close(fig)


def fig_together(df: pd.DataFrame) -> None:
    d = df[df.sweep == "together"]
    fig, axes = plt.subplots(1, len(INDICES), figsize=(13, 4), sharey=False)
    for ax, idx in zip(axes, INDICES):
        for cond in CONDITIONS:
            g = d[d.condition == cond].groupby("intensity")[idx].mean()
            ax.plot(g.index, g.values, marker="o", label=cond)
        ax.set_title(f"{idx}: all four tools at one intensity")
        ax.set_xlabel("intensity of every tool")
        ax.grid(alpha=0.3)
    axes[0].legend()
    fig.tight_layout()
    fig.savefig(OUT / "together.png", dpi=110)
    plt.close(fig)


def optima(df: pd.DataFrame) -> pd.DataFrame:
    """Where each index peaks along each sweep, and whether the peak is interior (0 < k < 1)."""
    rows = []
    for keys, g in df[df.sweep.isin(["tools", "together"])].groupby(["sweep", "condition", "tool"], dropna=False):
        for idx in INDICES:
            m = g.groupby("intensity")[idx].mean()
            best = float(m.idxmax())
            rows.append({"sweep": keys[0], "condition": keys[1], "tool": keys[2] if isinstance(keys[2], str) else "all",
                         "index": idx, "best_intensity": best, "interior": 0.0 < best < 1.0,
                         "at_0": round(float(m.iloc[0]), 3), "at_best": round(float(m.max()), 3),
                         "at_1": round(float(m.iloc[-1]), 3)})
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=4)
    ap.add_argument("--steps", type=int, default=96)
    ap.add_argument("--window", type=int, default=36)
    ap.add_argument("--citizens", type=int, default=600)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    todo = jobs(args)
    t0 = time.perf_counter()
    with mp.get_context("spawn").Pool(args.workers) as pool:
        rows = pool.map(_one, todo, chunksize=4)
    df = pd.DataFrame(rows)
    if "tool" not in df:
        df["tool"] = np.nan
    df.to_csv(OUT / "sweeps.csv", index=False)
    fig_tools(df)
    fig_presets(df)
    fig_together(df)
    opt = optima(df)
    opt.to_csv(OUT / "optima.csv", index=False)
    print(f"{len(todo)} runs in {time.perf_counter() - t0:.0f} s; figures and CSVs in {OUT}")
    print(opt.to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
