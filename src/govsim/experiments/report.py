"""``govsim analyze``: summary tables, figures and a one-file HTML report for a results folder."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from govsim.experiments import analysis, plots
from govsim.experiments.schema import ExperimentError
from govsim.experiments.store import load_results, write_atomic

SAMPLED = ("lhs", "sobol", "morris")


@dataclass
class Report:
    text: str
    html: Path
    figures: list[Path] = field(default_factory=list)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)


def _fmt_ci(mean, lo, hi, signed=False) -> str:
    f = "{:+.3f}" if signed else "{:.3f}"
    if pd.isna(lo):
        return f.format(mean) + " [n/a]".ljust(16)
    return f"{f.format(mean)} [{f.format(lo)}, {f.format(hi)}]"


def points_text(table: pd.DataFrame, metrics: list[str], conf: float, window: int, stat: str) -> str:
    width = max([len("point"), *(len(str(x)) for x in table["label"])]) + 2
    head = f"{'point':<{width}}{'n':>4}  " + "".join(f"{analysis_name(m):<25}" for m in metrics)
    lines = [f"Indices, {stat} of the last {window} steps: mean over replications [{conf:.0%} CI]", head]
    for _, row in table.iterrows():
        cells = "".join(f"{_fmt_ci(row[m], row[f'{m}_lo'], row[f'{m}_hi']):<25}" for m in metrics)
        lines.append(f"{row['label']:<{width}}{row['n']:>4}  {cells}")
    return "\n".join(lines)


def analysis_name(metric: str) -> str:
    return metric.rsplit("_", 1)[0]


def differences_text(diff: pd.DataFrame, conf: float) -> str:
    if diff.empty:
        return ""
    names = [f"{a} - {b}" for a, b in zip(diff["label"], diff["reference"])]
    width = max([len("difference"), *(len(x) for x in names)]) + 2
    lines = [f"Paired differences (within each replication: common random numbers), {conf:.0%} CI;",
             "the last two columns compare the paired interval's half-width with the unpaired (Welch) one:",
             f"{'difference':<{width}}{'index':<18}{'mean [paired CI]':<28}{'±paired':>9}{'±unpaired':>11}"]
    for name, (_, r) in zip(names, diff.iterrows()):
        lines.append(f"{name:<{width}}{analysis_name(r['metric']):<18}"
                     f"{_fmt_ci(r['diff'], r['paired_lo'], r['paired_hi'], True):<28}"
                     f"{r['paired_half']:>9.3f}{r['unpaired_half']:>11.3f}")
    ratio = (diff["unpaired_half"] / diff["paired_half"]).replace([float("inf")], float("nan")).dropna()
    if len(ratio):
        lines.append(f"Pairing by replication: the paired interval is {ratio.median():.2f} times narrower than the "
                     f"unpaired one (median over these rows; from {ratio.min():.2f} to {ratio.max():.2f}).")
    return "\n".join(lines)


def sobol_text(ind: pd.DataFrame) -> str:
    lines = ["Sobol indices (first order S1, total ST, ± confidence half-width):",
             f"{'index':<18}{'factor':<36}{'S1':>8}{'±':>7}{'ST':>8}{'±':>7}"]
    for _, r in ind.iterrows():
        lines.append(f"{analysis_name(r['metric']):<18}{r['factor']:<36}{r['S1']:>8.3f}{r['S1_conf']:>7.3f}"
                     f"{r['ST']:>8.3f}{r['ST_conf']:>7.3f}")
    return "\n".join(lines)


def morris_text(ind: pd.DataFrame) -> str:
    lines = ["Morris screening (mu*: mean absolute elementary effect, ± its confidence half-width; sigma: spread):",
             f"{'index':<18}{'factor':<36}{'mu*':>8}{'±':>7}{'sigma':>8}{'mu':>8}"]
    for _, r in ind.iterrows():
        lines.append(f"{analysis_name(r['metric']):<18}{r['factor']:<36}{r['mu_star']:>8.3f}{r['mu_star_conf']:>7.3f}"
                     f"{r['sigma']:>8.3f}{r['mu']:>8.3f}")
    return "\n".join(lines)


def analyze(folder: str | Path, *, reference: str | None = None, figures: bool = True) -> Report:
    """Tables (printed text, CSV files) and figures (PNG) for a results folder, linked from report.html."""
    folder = Path(folder)
    res = load_results(folder, series=False)
    m = res.manifest
    runs = res.runs
    metrics = analysis.metrics_of(m)
    conf = analysis.confidence(m)
    s = m["settings"]
    kind = m["design"]["kind"]
    title = m["experiment"]["name"]
    ref = reference or s.get("analysis", {}).get("reference") or None
    out_fig, out_tab = folder / "figures", folder / "tables"
    out_tab.mkdir(exist_ok=True)
    n_ok, n_failed = int((runs["status"] == "ok").sum()), int((runs["status"] != "ok").sum())
    total = m["counts"].get("runs", len(runs))
    parts = [f"{title}: {len(runs)} of {total} runs ({n_failed} failed), {len(m['design']['points'])} design points "
             f"x {s['replications']} replications, {s['steps']} steps, root seed {s['seed']}"]
    tables: dict[str, pd.DataFrame] = {}
    figs: list[Path] = []

    if n_ok == 0:
        parts.append("no run finished without error: nothing to summarise")
    else:
        table = analysis.point_table(runs, metrics, conf)
        tables["points"] = table
        if kind not in SAMPLED:
            parts.append(points_text(table, metrics, conf, s["window"], s.get("analysis", {}).get("statistic", "mean")))
            contrasts = s.get("analysis", {}).get("contrasts") or None
            try:
                diff = analysis.paired_differences(runs, metrics, ref, conf, None if reference else contrasts) \
                    if len(table) > 1 else pd.DataFrame()
            except ValueError as exc:
                raise ExperimentError(str(folder), "analysis", str(exc)) from None
            if not diff.empty:
                tables["differences"] = diff
                parts.append(differences_text(diff, conf))
        else:
            desc = runs[runs["status"] == "ok"][metrics].describe().T[["mean", "std", "min", "max"]]
            parts.append("Indices over all runs:\n" + desc.to_string(float_format=lambda v: f"{v:.3f}"))
        try:
            if kind == "sobol":
                ind = analysis.sobol_indices(runs, m, metrics, conf)
                tables["sobol"] = ind
                parts.append(sobol_text(ind))
            elif kind == "morris":
                ind = analysis.morris_indices(runs, m, metrics, conf)
                tables["morris"] = ind
                parts.append(morris_text(ind))
        except ValueError as exc:
            raise ExperimentError(str(folder), None, f"cannot compute {kind} indices: {exc}") from None

        if figures:
            cols = [analysis_name(x) for x in metrics]
            if kind not in SAMPLED:
                figs.append(plots.final_indices(table, metrics, out_fig / "final_indices.png", title, conf))
                figs.append(plots.tradeoff(table, metrics, out_fig / "tradeoff.png", title))
            else:
                factors = [f["path"] for f in m["factors"]]
                figs.append(plots.factor_scatter(runs, factors, metrics, out_fig / "factors.png", title))
            if s.get("series", True) and len(table) <= plots.MAX_LINES:
                series = load_results(folder, series_columns=cols).series
                if len(series):
                    bands = analysis.time_bands(series, runs, cols, conf)
                    figs.append(plots.indices_over_time(bands, cols, out_fig / "indices_over_time.png", title, conf))
            if "sobol" in tables:
                figs.append(plots.sobol_figure(tables["sobol"], out_fig / "sobol.png", title))
            if "morris" in tables:
                figs.append(plots.morris_figure(tables["morris"], out_fig / "morris.png", title))

    failed = runs[runs["status"] != "ok"]
    if len(failed):
        lines = [f"{len(failed)} failed run(s) (tracebacks in the runs table, column 'error'):"]
        for _, r in failed.head(10).iterrows():
            last = (r["error"] or "").strip().splitlines()[-1:] or [""]
            lines.append(f"  run {r['run_id']} (point '{r['label']}', replication {r['replication']}, "
                         f"seed {r['seed']}): {last[0]}")
        parts.append("\n".join(lines))
    for name, t in tables.items():
        t.to_csv(out_tab / f"{name}.csv", index=False)
    text = "\n\n".join(parts)
    page = _html(m, text, tables, figs, folder)
    write_atomic(folder / "report.html", lambda p: Path(p).write_text(page, encoding="utf-8"))
    return Report(text, folder / "report.html", figs, tables)


def _html(manifest: dict, text: str, tables: dict, figs: list[Path], folder: Path) -> str:
    e = manifest["experiment"]
    v = manifest["versions"]
    prov = (f"govsim {v['govsim']}, mesa {v['mesa']}, numpy {v['numpy']}, python {v['python']}"
            + (f", git {manifest['git']}" if manifest.get("git") else "")
            + f"; experiment {html.escape(e['path'])} (sha256 {e['sha256'][:12]}), root seed {manifest['root_seed']}")
    body = [f"<h1>{html.escape(e['name'])}</h1>", f"<p>{prov}</p>", "<h2>Summary</h2>",
            f"<pre>{html.escape(text)}</pre>", "<h2>Figures</h2>"]
    for f in figs:
        rel = f.relative_to(folder).as_posix()
        body.append(f'<p><a href="{rel}"><img src="{rel}" alt="{f.stem}" style="max-width:100%"></a></p>')
    body.append("<h2>Tables</h2>")
    for name, t in tables.items():
        body.append(f'<h3>{name} (<a href="tables/{name}.csv">CSV</a>)</h3>')
        more = f"<p>First 100 of {len(t)} rows; all in the CSV file.</p>" if len(t) > 100 else ""
        body.append(t.head(100).to_html(index=False, float_format=lambda x: f"{x:.4f}", border=0) + more)
    body.append('<h2>Data</h2><p>Runs and series: <code>govsim.load_results("{}")</code>; '
                'the experiment, versions and design: <a href="manifest.json">manifest.json</a>.</p>'
                .format(html.escape(str(folder))))
    style = ("body{font-family:sans-serif;max-width:1200px;margin:2em auto;padding:0 1em}"
             "table{border-collapse:collapse;font-size:90%}td,th{padding:2px 8px;text-align:right}"
             "pre{background:#f6f6f6;padding:1em;overflow-x:auto}")
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(e['name'])}</title>"
            f"<style>{style}</style></head><body>{''.join(body)}</body></html>\n")
