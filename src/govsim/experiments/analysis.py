"""Reading a sweep: means with confidence intervals, paired differences, Sobol and Morris indices.

Intervals are Student-t intervals over replications. A paired difference between two
design points is the mean over replications of (point - reference) within each
replication; because every point of a replication shares its seed (common random
numbers), the world's luck cancels and the interval is usually far tighter than the
unpaired (Welch) interval of the same difference, which is shown next to it.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd


def metrics_of(manifest: dict) -> list[str]:
    """The summary columns the tables use: ``<index>_<statistic>`` for each collected index."""
    from govsim.metrics import COMMON, FAMILIES

    s = manifest["settings"]
    stat = s.get("analysis", {}).get("statistic", "mean")
    cols = [c for c in s["columns"] if c in FAMILIES or c in COMMON] or list(s["columns"])
    return [f"{c}_{stat}" for c in cols]


def confidence(manifest: dict) -> float:
    return float(manifest["settings"].get("analysis", {}).get("confidence", 0.95))


def _t(conf: float, n: int) -> float:
    from scipy import stats

    return float(stats.t.ppf(0.5 + conf / 2, n - 1)) if n > 1 else math.nan


def mean_ci(values, conf: float = 0.95) -> tuple[float, float, int]:
    """(mean, half-width of the t interval, n) of finite values."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    n = len(v)
    if n == 0:
        return math.nan, math.nan, 0
    half = _t(conf, n) * v.std(ddof=1) / math.sqrt(n) if n > 1 else math.nan
    return float(v.mean()), float(half), n


def point_table(runs: pd.DataFrame, metrics: list[str], conf: float = 0.95) -> pd.DataFrame:
    """One row per design point: n and, per metric, mean, lower and upper bound of the interval."""
    ok = runs[runs["status"] == "ok"]
    rows = []
    for (pid, label), g in ok.groupby(["point_id", "label"], sort=True):
        row = {"point_id": pid, "label": label, "n": len(g)}
        for m in metrics:
            mean, half, _ = mean_ci(g[m], conf)
            row[m] = mean
            row[f"{m}_lo"], row[f"{m}_hi"] = mean - half, mean + half
        rows.append(row)
    return pd.DataFrame(rows)


def paired_differences(runs: pd.DataFrame, metrics: list[str], reference: str | None = None,
                       conf: float = 0.95, contrasts=None) -> pd.DataFrame:
    """Paired differences (point minus reference, within each replication) with the unpaired interval beside it.

    ``contrasts`` lists (point, reference) label pairs; by default every point minus ``reference``
    (the first point if None). Columns: label, reference, metric, diff, paired_lo, paired_hi,
    paired_half, unpaired_half, pairs.
    """
    from scipy import stats

    ok = runs[runs["status"] == "ok"]
    labels = list(dict.fromkeys(runs.sort_values("point_id")["label"]))
    if not labels:
        return pd.DataFrame()
    ref = reference or labels[0]
    pairs = [tuple(c) for c in contrasts] if contrasts else [(lab, ref) for lab in labels if lab != ref]
    for pair in pairs:
        for lab in pair:
            if lab not in labels:
                raise ValueError(f"{lab!r} is not a design point; points: {', '.join(labels)}")
    rows = []
    for label, ref in pairs:
        r = ok[ok["label"] == ref].set_index("replication")
        p = ok[ok["label"] == label].set_index("replication")
        common = p.index.intersection(r.index)
        for m in metrics:
            d = (p.loc[common, m] - r.loc[common, m]).to_numpy(dtype=float)
            diff, half, n = mean_ci(d, conf)
            a, b = p[m].to_numpy(dtype=float), r[m].to_numpy(dtype=float)
            va, vb = (a.var(ddof=1) / len(a) if len(a) > 1 else math.nan), (b.var(ddof=1) / len(b) if len(b) > 1 else math.nan)
            se = math.sqrt(va + vb)
            dof = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1)) if va + vb > 0 else max(len(a) + len(b) - 2, 1)
            unpaired = float(stats.t.ppf(0.5 + conf / 2, dof)) * se if math.isfinite(se) else math.nan
            rows.append({"label": label, "reference": ref, "metric": m, "diff": diff, "paired_lo": diff - half,
                         "paired_hi": diff + half, "paired_half": half, "unpaired_half": unpaired, "pairs": n})
    return pd.DataFrame(rows)


def time_bands(series: pd.DataFrame, runs: pd.DataFrame, columns: list[str], conf: float = 0.95) -> pd.DataFrame:
    """Per design point and step: mean and interval bounds of each column over replications."""
    ok = runs.loc[runs["status"] == "ok", ["run_id", "label", "point_id"]]
    df = series.merge(ok, on="run_id", how="inner", suffixes=("", "_r"))
    g = df.groupby(["point_id", "label", "step"])[columns]
    mean, sd, n = g.mean(), g.std(ddof=1), g.count()
    from scipy import stats

    t = pd.DataFrame(stats.t.ppf(0.5 + conf / 2, (n - 1).clip(lower=1)), index=n.index, columns=n.columns)
    half = (t * sd / np.sqrt(n)).where(n > 1)
    out = mean.copy()
    for c in columns:
        out[f"{c}_lo"] = mean[c] - half[c]
        out[f"{c}_hi"] = mean[c] + half[c]
    return out.reset_index()


def _design_y(runs: pd.DataFrame, manifest: dict, metric: str) -> np.ndarray:
    """One value per design point (mean over the replications that finished), in design order."""
    n_points = len(manifest["design"]["points"])
    ok = runs[runs["status"] == "ok"]
    y = ok.groupby("point_id")[metric].mean().reindex(range(n_points)).to_numpy(dtype=float)
    missing = np.flatnonzero(~np.isfinite(y))
    if len(missing):
        raise ValueError(f"design point(s) {', '.join(map(str, missing[:5]))} have no finished run; "
                         "sensitivity indices need every point (resume or rerun the sweep)")
    return y


def sobol_indices(runs: pd.DataFrame, manifest: dict, metrics: list[str], conf: float = 0.95) -> pd.DataFrame:
    """First-order (S1) and total (ST) Sobol indices with their confidence half-widths, per metric and factor."""
    from SALib.analyze import sobol

    from govsim.experiments.seeds import stream_seed

    problem = _problem(manifest)
    rows = []
    for m in metrics:
        y = _design_y(runs, manifest, m)
        with np.errstate(all="ignore"):
            res = sobol.analyze(problem, y, calc_second_order=False, conf_level=conf,
                                seed=stream_seed(manifest["root_seed"], "sobol"))
        for i, name in enumerate(problem["names"]):
            rows.append({"metric": m, "factor": name, "S1": float(res["S1"][i]), "S1_conf": float(res["S1_conf"][i]),
                         "ST": float(res["ST"][i]), "ST_conf": float(res["ST_conf"][i])})
    return pd.DataFrame(rows)


def morris_indices(runs: pd.DataFrame, manifest: dict, metrics: list[str], conf: float = 0.95) -> pd.DataFrame:
    """Morris elementary effects: mu, mu* (with its confidence half-width) and sigma, per metric and factor."""
    from SALib.analyze import morris

    from govsim.experiments.seeds import stream_seed

    problem = _problem(manifest)
    x = np.asarray(manifest["design"]["sample"], dtype=float)
    levels = _levels(manifest)
    rows = []
    for m in metrics:
        y = _design_y(runs, manifest, m)
        with np.errstate(all="ignore"):
            res = morris.analyze(problem, x, y, conf_level=conf, num_levels=levels,
                                 seed=stream_seed(manifest["root_seed"], "morris"))
        for i, name in enumerate(problem["names"]):
            rows.append({"metric": m, "factor": name, "mu": float(res["mu"][i]), "mu_star": float(res["mu_star"][i]),
                         "mu_star_conf": float(res["mu_star_conf"][i]), "sigma": float(res["sigma"][i])})
    return pd.DataFrame(rows)


def _problem(manifest: dict) -> dict:
    p = manifest["design"]["problem"]
    return {"num_vars": p["num_vars"], "names": list(p["names"]), "bounds": [list(b) for b in p["bounds"]]}


def _levels(manifest: dict) -> int:
    import tomllib

    data = tomllib.loads(manifest["experiment"]["content"])
    return int(data.get("design", {}).get("levels", 4))
