"""Figures of a sweep, drawn with matplotlib's Agg backend (no display needed)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

MAX_LINES = 12


def _colours(n: int):
    cmap = plt.get_cmap("tab10" if n <= 10 else "tab20")
    return [cmap(i % cmap.N) for i in range(n)]


def _save(fig, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _short(metric: str) -> str:
    return metric.rsplit("_", 1)[0].capitalize()


def indices_over_time(bands: pd.DataFrame, columns: list[str], path: Path, title: str, conf: float) -> Path:
    """One panel per index; one line per design point, band = the confidence interval over replications."""
    labels = list(dict.fromkeys(bands.sort_values("point_id")["label"]))[:MAX_LINES]
    colours = _colours(len(labels))
    fig, axes = plt.subplots(1, len(columns), figsize=(5 * len(columns), 4.4), sharex=True, constrained_layout=True,
                             squeeze=False)
    for ax, col in zip(axes[0], columns):
        for label, colour in zip(labels, colours):
            b = bands[bands["label"] == label]
            ax.plot(b["step"], b[col], color=colour, lw=1.6, label=label)
            ax.fill_between(b["step"], b[f"{col}_lo"], b[f"{col}_hi"], color=colour, alpha=0.15, lw=0)
        ax.set_title(col.capitalize())
        ax.set_xlabel("step (month)")
        ax.set_ylim(0, 1)
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel("index")
    handles, names = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, names, loc="outside lower center", ncol=min(len(names), 5), frameon=False)
    fig.suptitle(f"{title}: mean over replications, band {conf:.0%} CI")
    return _save(fig, path)


def final_indices(table: pd.DataFrame, metrics: list[str], path: Path, title: str, conf: float) -> Path:
    """One panel per index: each design point's mean over the window with its interval."""
    table = table.head(40)
    fig, axes = plt.subplots(1, len(metrics), figsize=(4.6 * len(metrics), 0.5 * len(table) + 2.2),
                             sharey=True, constrained_layout=True, squeeze=False)
    y = np.arange(len(table))[::-1]
    colours = _colours(len(table))
    for ax, m in zip(axes[0], metrics):
        err = np.vstack([table[m] - table[f"{m}_lo"], table[f"{m}_hi"] - table[m]])
        ax.barh(y, table[m], color=colours, alpha=0.75)
        ax.errorbar(table[m], y, xerr=np.nan_to_num(err), fmt="none", ecolor="black", capsize=3, lw=1)
        ax.set_title(_short(m))
        ax.set_xlim(0, 1)
        ax.grid(axis="x", alpha=0.3)
    axes[0][0].set_yticks(y, table["label"])
    fig.suptitle(f"{title}: {metrics[0].rsplit('_', 1)[1]} over the collection window, {conf:.0%} CI")
    return _save(fig, path)


def tradeoff(table: pd.DataFrame, metrics: list[str], path: Path, title: str) -> Path:
    """The efficiency-democracy-innovation trade-off: every pair of indices, points with interval crosses."""
    pairs = [(metrics[i], metrics[j]) for i in range(len(metrics)) for j in range(i + 1, len(metrics))] or \
        [(metrics[0], metrics[0])]
    table = table.head(40)
    colours = _colours(len(table))
    fig, axes = plt.subplots(1, len(pairs), figsize=(4.8 * len(pairs), 4.6), constrained_layout=True, squeeze=False)
    for ax, (mx, my) in zip(axes[0], pairs):
        for (_, row), colour in zip(table.iterrows(), colours):
            ax.errorbar(row[mx], row[my], xerr=[[row[mx] - row[f"{mx}_lo"]], [row[f"{mx}_hi"] - row[mx]]],
                        yerr=[[row[my] - row[f"{my}_lo"]], [row[f"{my}_hi"] - row[my]]], fmt="o", color=colour,
                        capsize=2, label=row["label"])
        ax.set_xlabel(_short(mx))
        ax.set_ylabel(_short(my))
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.grid(alpha=0.3)
    handles, names = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, names, loc="outside lower center", ncol=min(len(names), 5), frameon=False)
    fig.suptitle(f"{title}: trade-offs between the indices")
    return _save(fig, path)


def factor_scatter(runs: pd.DataFrame, factors: list[str], metrics: list[str], path: Path, title: str) -> Path:
    """Sampled designs: each metric against each factor, one dot per run."""
    factors = factors[:8]
    ok = runs[runs["status"] == "ok"]
    fig, axes = plt.subplots(len(metrics), len(factors), figsize=(3.2 * len(factors), 2.8 * len(metrics)),
                             constrained_layout=True, squeeze=False)
    for i, m in enumerate(metrics):
        for j, f in enumerate(factors):
            ax = axes[i][j]
            x = ok[f]
            if not pd.api.types.is_numeric_dtype(x):
                codes = {v: k for k, v in enumerate(dict.fromkeys(x))}
                ax.set_xticks(list(codes.values()), list(codes))
                x = x.map(codes)
            ax.scatter(x, ok[m], s=6, alpha=0.5)
            ax.grid(alpha=0.3)
            if i == len(metrics) - 1:
                ax.set_xlabel(f)
            if j == 0:
                ax.set_ylabel(_short(m))
    fig.suptitle(f"{title}: indices against the factors")
    return _save(fig, path)


def sobol_figure(indices: pd.DataFrame, path: Path, title: str) -> Path:
    metrics = list(dict.fromkeys(indices["metric"]))
    fig, axes = plt.subplots(1, len(metrics), figsize=(4.8 * len(metrics), 4.2), constrained_layout=True,
                             squeeze=False, sharey=True)
    for ax, m in zip(axes[0], metrics):
        d = indices[indices["metric"] == m]
        x = np.arange(len(d))
        ax.bar(x - 0.2, d["S1"], 0.4, yerr=d["S1_conf"], capsize=3, label="first order S1")
        ax.bar(x + 0.2, d["ST"], 0.4, yerr=d["ST_conf"], capsize=3, label="total ST")
        ax.set_xticks(x, [f.rsplit(".", 1)[-1] for f in d["factor"]], rotation=30, ha="right")
        ax.set_title(_short(m))
        ax.axhline(0, color="black", lw=0.8)
        ax.grid(axis="y", alpha=0.3)
    axes[0][0].set_ylabel("Sobol index")
    axes[0][0].legend(frameon=False)
    fig.suptitle(f"{title}: Sobol indices with confidence intervals")
    return _save(fig, path)


def morris_figure(indices: pd.DataFrame, path: Path, title: str) -> Path:
    metrics = list(dict.fromkeys(indices["metric"]))
    fig, axes = plt.subplots(1, len(metrics), figsize=(4.8 * len(metrics), 4.2), constrained_layout=True,
                             squeeze=False)
    for ax, m in zip(axes[0], metrics):
        d = indices[indices["metric"] == m]
        ax.errorbar(d["mu_star"], d["sigma"], xerr=d["mu_star_conf"], fmt="o", capsize=3)
        for _, row in d.iterrows():
            ax.annotate(row["factor"].rsplit(".", 1)[-1], (row["mu_star"], row["sigma"]), fontsize=8,
                        xytext=(3, 3), textcoords="offset points")
        ax.set_xlabel("mu* (mean absolute elementary effect)")
        ax.set_ylabel("sigma (spread of effects)")
        ax.set_title(_short(m))
        ax.grid(alpha=0.3)
    fig.suptitle(f"{title}: Morris screening")
    return _save(fig, path)
