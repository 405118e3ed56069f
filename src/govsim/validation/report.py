"""``govsim validate-model``: run every validation study and write docs/validation.md with its figures."""

from __future__ import annotations

import datetime as _dt
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from govsim.validation.evaluate import HOLDS, REVERSED, FactResult, Mode, evaluate_fact
from govsim.validation.facts import CONDITIONS, FACTS, LEADS, LITERATURE, TARGETS

TEST_FILE = "tests/test_validation_slow.py"


@dataclass
class Validation:
    mode: Mode
    facts: list[FactResult]
    leads: object
    sobol: object
    discovery: list
    seconds: float
    replications: int | None
    runs: int = 0                  # runs behind the report
    ran: int = 0                   # of which run by this invocation (the rest resumed from the results folder)


def run_all(root: Path, out: Path, mode: Mode, *, workers=None, replications=None, progress=True) -> Validation:
    import time

    from govsim.validation.studies import run_discovery, run_leads, run_sobol

    from govsim.validation import evaluate

    evaluate.SWEEPS.clear()
    t0 = time.perf_counter()
    cache: dict = {}
    facts = [evaluate_fact(f, root, out, mode, workers=workers, replications=replications, progress=progress,
                           cache=cache) for f in FACTS]
    leads = run_leads(root, out, mode, workers=workers, replications=replications, progress=progress)
    sobol = run_sobol(root, out, mode, workers=workers, progress=progress)
    disc = run_discovery(root, out, mode, workers=workers, progress=progress)
    total = sum(t for _, t, _ in evaluate.SWEEPS)
    ran = sum(r for _, _, r in evaluate.SWEEPS)
    return Validation(mode, facts, leads, sobol, disc, time.perf_counter() - t0, replications, total, ran)


# --------------------------------------------------------------------------- figures

def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def fig_facts(facts: list[FactResult], path: Path) -> Path:
    plt = _plt()
    fig, ax = plt.subplots(figsize=(8, 0.42 * len(facts) + 1.2), constrained_layout=True)
    colours = {HOLDS: "tab:green", REVERSED: "tab:red"}
    for i, r in enumerate(reversed(facts)):
        s = r.fact.direction
        d, lo, hi = s * r.effect["diff"], s * r.effect["lo"], s * r.effect["hi"]
        lo, hi = min(lo, hi), max(lo, hi)
        ax.errorbar(d, i, xerr=[[d - lo], [hi - d]], fmt="o", capsize=3, color=colours.get(r.status, "tab:gray"))
    ax.set_yticks(range(len(facts)), [f"{r.fact.id} {r.fact.metric}" for r in reversed(facts)])
    ax.axvline(0, color="black", lw=0.8)
    ax.set_xlabel("effect in the expected direction (A - B, sign-adjusted), 95% paired CI")
    ax.set_title("Stylized facts: green holds, red reversed, grey not shown")
    ax.grid(axis="x", alpha=0.3)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def fig_boundaries(facts: list[FactResult], path: Path) -> Path:
    plt = _plt()
    items = [(r, b) for r in facts for b in r.boundaries]
    cols = 4
    rows = max(1, -(-len(items) // cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 2.8 * rows), constrained_layout=True, squeeze=False)
    for ax in axes.flat[len(items):]:
        ax.axis("off")
    for ax, (r, b) in zip(axes.flat, items):
        t, s = b.table, r.fact.direction
        ax.plot(t["level"], s * t["diff"], "o-")
        ax.fill_between(t["level"], s * t["lo"], s * t["hi"], alpha=0.25)
        ax.axhline(0, color="black", lw=0.8)
        ax.set_title(f"{r.fact.id} {r.fact.metric}", fontsize=9)
        ax.set_xlabel(b.condition, fontsize=8)
    fig.suptitle("Boundaries: sign-adjusted effect along each swept condition (band: 95% paired CI; "
                 "above 0 = the fact holds)")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def fig_leads(leads, path: Path) -> Path:
    plt = _plt()
    t = leads.table
    conds = list(dict.fromkeys(t["condition"]))
    fig, axes = plt.subplots(len(LEADS.metrics), len(conds), figsize=(3.4 * len(conds), 2.7 * len(LEADS.metrics)),
                             constrained_layout=True, squeeze=False, sharey="row")
    for i, m in enumerate(LEADS.metrics):
        for j, c in enumerate(conds):
            ax = axes[i][j]
            d = t[(t["metric"] == m) & (t["condition"] == c)].sort_values("level")
            for lab in leads.points:
                ax.plot(d["level"], d[lab], "o-", label=lab, ms=3)
            if i == len(LEADS.metrics) - 1:
                ax.set_xlabel(CONDITIONS[c].path, fontsize=8)
            if j == 0:
                ax.set_ylabel(m)
            ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=7, frameon=False)
    fig.suptitle("Where each paradigm leads: mean index over replications along each condition")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def fig_discovery(results, path: Path) -> Path:
    plt = _plt()
    fig, axes = plt.subplots(1, len(results), figsize=(5.2 * len(results), 4.2), constrained_layout=True,
                             squeeze=False)
    for ax, r in zip(axes[0], results):
        f = r.frame
        used = [p for b in r.boxes[:1] for p, _, _ in b.limits]
        factors = [c for c in f.columns if c not in ("diff", "holds")]
        pair = (used + [c for c in factors if c not in used])[:2]
        ax.scatter(f[pair[0]], f[pair[1]], c=f["holds"].map({True: "tab:green", False: "tab:red"}), s=14)
        ax.set_xlabel(pair[0])
        ax.set_ylabel(pair[1])
        ax.set_title(f"{r.target.statement}\n(green: holds, {r.share:.0%} of {r.n} samples)", fontsize=9)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


# --------------------------------------------------------------------------- text

def _git(root: Path) -> str:
    try:
        return subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, timeout=10).stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _src(sources) -> str:
    out = []
    for s in sources:
        out.append(f"[{s}](theory.md#{s.lower()})" if s[:1] == "T" and s[1:].isdigit() else s)
    return ", ".join(out)


def _ci(e: dict) -> str:
    return f"{e['diff']:+.3f} [{e['lo']:+.3f}, {e['hi']:+.3f}]"


def _first(cell: str) -> str:
    return cell.split(" ≈ ")[0]


def leads_line(t, metric: str) -> str:
    """How often each point has the highest mean on ``metric``, and how often it leads alone (clear of every other)."""
    firsts = t["leader"].map(_first)
    counts = firsts.value_counts()
    alone = t.loc[~t["leader"].str.contains(" ≈ "), "leader"].value_counts()
    parts = [f"{lab} in {n} (alone in {int(alone.get(lab, 0))})" for lab, n in counts.items()]
    text = f"**{metric}**: highest mean in {len(t)} cells: " + "; ".join(parts)
    if len(counts) == 1:
        text += (f". {counts.index[0]} is first at every level of every condition tried: on this index the ranking "
                 "does not depend on these conditions")
    return text + "."


def is_flat(b) -> bool:
    """True when a fact holds at every level with an effect that changes by less than a quarter of its mean size."""
    d = b.table["diff"].abs()
    return (len(d) > 1 and all(st == HOLDS for st in b.statuses)
            and float(d.max() - d.min()) < 0.25 * float(d.mean()))


def others_sentence(t) -> str:
    """The cells where a paradigm other than the most frequent leader's comes first."""
    firsts = t["leader"].map(_first)
    family = firsts.str.split(" ").str[0]
    if family.empty:
        return ""
    main = family.value_counts().index[0]
    rest = t[family != main]
    if rest.empty:
        return (f"{main} (under some metagovernance setting) is first in every cell: under the current model no "
                "condition tried changes which paradigm leads on any index.")
    cells = "; ".join(f"{row['leader']} at {CONDITIONS[row['condition']].path} = {row['level']:g} on {row['metric']}"
                      for _, row in rest.iterrows())
    return (f"{main} (under some metagovernance setting) is first in {len(t) - len(rest)} of {len(t)} cells; "
            f"another paradigm comes first only in: {cells}.")


def ids_sentence(facts) -> str:
    """The facts of each verdict, by id."""
    parts = []
    for status, word in ((HOLDS, "Hold"), (REVERSED, "reversed"), (None, "not shown")):
        ids = [r.fact.id for r in facts if (r.status == status if status else r.status not in (HOLDS, REVERSED))]
        if ids:
            parts.append(f"{word}: {', '.join(ids)}")
    return "; ".join(parts) + "." if parts else ""


def leads_sentence(t) -> str:
    firsts = t["leader"].map(_first).value_counts()
    if firsts.empty:
        return ""
    return (f"In the where-each-paradigm-leads table, {firsts.index[0]} has the highest mean in {int(firsts.iloc[0])} "
            f"of {len(t)} cells (condition level x index).")


def markdown(v: Validation, root: Path, img: str, command: str) -> str:
    from govsim import __version__

    m = v.mode
    now = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    n_hold = sum(r.status == HOLDS for r in v.facts)
    n_rev = sum(r.status == REVERSED for r in v.facts)
    reps = v.facts[0].replications if v.facts else 0
    L = []
    a = L.append
    a("# Validation report\n")
    a("<!-- Generated by `govsim validate-model`; do not edit by hand. -->\n")
    a(f"**Mode: {m.name}.** Generated {now} with govsim {__version__} (git {_git(root)}) by `{command}` from "
      f"{v.runs:,} runs ({v.ran:,} run by this invocation in {v.seconds / 60:.1f} minutes, the rest read back from "
      f"its results folder). Main effects over {reps} paired replications; boundary sweeps over "
      f"{v.replications or m.boundary_replications} replications at {m.n_levels} levels of "
      f"{m.conditions_per_fact} condition(s) per fact"
      + (f"; populations of {m.citizens} citizens" if m.citizens else "; the experiment files' populations")
      + (f", at most {m.max_steps} steps" if m.max_steps else ", the files' steps")
      + f". Where-each-paradigm-leads table: {v.leads.replications} replications per cell; Sobol: "
      f"{v.sobol.samples} base samples ({v.sobol.runs} runs); scenario discovery: "
      f"{v.discovery[0].n if v.discovery else 0} samples x {v.discovery[0].replications if v.discovery else 0} "
      f"replication(s) per arm.")
    if m.name != "full":
        L[-1] += (" This is the reduced mode: smaller populations, fewer replications in the boundary sweeps, "
                  "the table and the discovery sample, so those intervals are wide and boundaries coarse"
                  + (", and runs shorter than the files' (long-run facts are read early)"
                     if m.max_steps is not None and m.max_steps < 120 else "")
                  + ". The full report is `govsim validate-model` without `--quick`.")
    a("\n")
    a("This report checks govsim the way pattern-oriented modelling asks (Grimm et al. 2005): against several "
      "stylized facts at once, each from the theory ([docs/theory.md](theory.md)) or the literature, each with "
      "the experiment that tests it, its paired effect with a 95% confidence interval, whether it holds, and the "
      "condition where it stops holding. It also shows where each paradigm leads across conditions, a global "
      "sensitivity analysis and scenario discovery. Every number below is read off the model as it is; nothing "
      "in this report is typed in by hand.\n")
    a("## Summary\n")
    n_not = len(v.facts) - n_hold - n_rev

    def are(n: int) -> str:
        return "is" if n == 1 else "are"

    a(f"Of {len(v.facts)} stylized facts, **{n_hold} hold** (interval on the expected side of 0), **{n_rev} "
      f"{are(n_rev)} reversed** (interval on the other side) and {n_not} {are(n_not)} not shown (interval "
      "includes 0). " + ids_sentence(v.facts))
    a(leads_sentence(v.leads.table) + " ")
    a(others_sentence(v.leads.table) + "\n")
    flat = [r.fact.id for r in v.facts if r.status == HOLDS and any(is_flat(b) for b in r.boundaries)]
    if flat:
        a(f"Of the facts that hold, {', '.join(flat)} hold with about the same size at every level of the condition "
          "swept (the effect changes by less than a quarter of its size): a fact that is supposed to depend on a "
          "condition but does not respond to it may be carried by how an indicator is defined for each rule set "
          "rather than by a mechanism. ")
    a("Where a fact does not hold, or one point leads whatever the condition, the model does not produce "
      "that pattern from its mechanisms: these are the places where the model must change, not findings "
      "about the world. A fact that holds is consistent with the model; it does not by itself show that the "
      "mechanism the theory names is the one that produces it.\n")
    a(f"Every fact also has a test in `{TEST_FILE}` that checks its direction at its documented condition in "
      "reduced mode. A fact that does not hold on the current model is marked there as an expected failure "
      "(`xfail(strict=True)`) with the reason, so the test starts failing, and must be updated, the moment a "
      "change to the model makes the fact hold.\n")
    a(f"![Stylized facts]({img}/facts.png)\n")
    a("## Stylized facts\n")
    a("Effect: mean over replications of (A - B) within each replication (common random numbers), with its "
      "95% Student-t interval. *holds*: the interval lies on the expected side of 0; *reversed*: on the other "
      "side; *not shown*: it includes 0.\n")
    a("| fact | statement | source | experiment | contrast (A - B) on | expected | effect [95% CI] | n | result |")
    a("|---|---|---|---|---|---|---|---|---|")
    for r in v.facts:
        f = r.fact
        a(f"| {f.id} | {f.statement} | {_src(f.sources)} | [{Path(f.experiment).name}](../{f.experiment}) | "
          f"{f.contrast()} on `{f.metric}` | {'> 0' if f.direction > 0 else '< 0'} | {_ci(r.effect)} | "
          f"{r.effect['n']} | **{r.status}** |")
    a("")
    a("## Boundary conditions\n")
    a("Each fact's two design points are run again across the levels of the condition(s) it depends on; the "
      "boundary is where the effect's interval stops lying on the expected side of 0, or its sign changes "
      "(located by linear interpolation between levels).\n")
    for r in v.facts:
        for b in r.boundaries:
            cells = ", ".join(f"{lv:g}: {d:+.3f} [{lo:+.3f}, {hi:+.3f}]" for lv, d, lo, hi in
                              zip(b.table["level"], b.table["diff"], b.table["lo"], b.table["hi"]))
            note = " The effect barely responds to this condition." if is_flat(b) else ""
            a(f"- **{r.fact.id}** ({r.fact.expectation()}), along `{b.condition}`: {b.summary}. Effects: {cells}.{note}")
    a("")
    a(f"![Boundaries]({img}/boundaries.png)\n")
    a("## Where each paradigm leads\n")
    a(f"The points of [leads.toml](../{LEADS.experiment}) crossed with each condition's levels. A cell names the "
      "point with the highest mean; `A ≈ B` when the paired interval of the leader minus another point includes "
      "0. Conflict is varied through the arenas' deadlock threshold (lower: conflict paralyses sooner); "
      "citizens' resources through their inequality.\n")
    t = v.leads.table
    a("| condition | level | " + " | ".join(LEADS.metrics) + " |")
    a("|---|---|" + "---|" * len(LEADS.metrics))
    for (c, lv), g in t.groupby(["condition", "level"], sort=False):
        lead = {row["metric"]: row["leader"] for _, row in g.iterrows()}
        a(f"| {CONDITIONS[c].label} | {lv:g} | " + " | ".join(lead.get(mm, "") for mm in LEADS.metrics) + " |")
    a("")
    for mm in LEADS.metrics:
        a(f"- {leads_line(t[t['metric'] == mm], mm)}")
    a("")
    a(f"![Where each paradigm leads]({img}/leads.png)\n")
    s = v.sobol
    a("## Global sensitivity\n")
    a(f"Sobol indices (SALib; Saltelli sampling, {s.samples} base samples, {s.runs} runs) of the three indices "
      f"over the rule set and the scenario parameters of [sobol.toml](../experiments/validation/sobol.toml). "
      "S1 is a parameter's first-order share of the variance, ST its total share including interactions; "
      "± is the bootstrap 95% interval. With few samples the intervals are wide and indices can fall outside "
      "[0, 1].\n")
    for line in s.lines:
        a(f"- {line}")
    a("")
    a("| index | parameter | S1 | ± | ST | ± |")
    a("|---|---|---|---|---|---|")
    for _, row in s.indices.sort_values(["metric", "ST"], ascending=[True, False]).iterrows():
        a(f"| {row['metric'].rsplit('_', 1)[0]} | `{row['factor']}` | {row['S1']:.3f} | {row['S1_conf']:.3f} | "
          f"{row['ST']:.3f} | {row['ST_conf']:.3f} |")
    a("")
    a(f"![Sobol indices]({img}/sobol.png)\n")
    a("## Scenario discovery\n")
    from govsim.validation.studies import NAMES

    a("Over a Latin hypercube of [discovery.toml](../experiments/validation/discovery.toml), run once per arm "
      "with the same samples and seeds, each sample's paired difference decides whether the statement holds "
      "there. A shallow classification tree (scikit-learn, depth 2, leaves of at least 10% of the samples) "
      "splits the space into boxes; coverage is the share of all samples where the statement holds that fall in "
      "the box, density the share of the box's samples where it holds.\n")
    for r in v.discovery:
        a(f"- **{r.target.statement}** ({r.target.a} - {r.target.b} on {r.target.metric} > 0) holds in "
          f"{r.share:.0%} of {r.n} samples.")
        if not r.boxes:
            a("  No region was found where it holds in most samples.")
        for b in r.boxes[:3]:
            a(f"  - {r.target.statement} when {b.describe(NAMES)}: coverage {b.coverage:.2f}, density "
              f"{b.density:.2f} ({b.hits} of {b.n} samples in the box).")
    a("")
    a(f"![Scenario discovery]({img}/discovery.png)\n")
    a("## Sources\n")
    for k, ref in LITERATURE.items():
        a(f"- {k}: {ref}")
    a("- Theory claims T1–T28: [docs/theory.md](theory.md).\n")
    a("## Regenerating this report\n")
    a("```bash\ngovsim validate-model            # the full report (about 18,000 runs; several hours on two cores)\n"
      "govsim validate-model --quick    # reduced mode: fewer replications, levels and samples\n```\n")
    a("Results go to `results/validation` (`results/validation-quick` in quick mode); a second run resumes "
      "the sweeps that are there. The facts, their experiments and conditions are registered in "
      "`src/govsim/validation/facts.py`.")
    return "\n".join(L) + "\n"


def write_report(v: Validation, root: Path, report: Path, command: str) -> Path:
    from govsim.experiments.plots import sobol_figure
    from govsim.experiments.store import write_atomic

    img_dir = report.parent / "img" / "validation"
    fig_facts(v.facts, img_dir / "facts.png")
    fig_boundaries(v.facts, img_dir / "boundaries.png")
    fig_leads(v.leads, img_dir / "leads.png")
    sobol_figure(v.sobol.indices, img_dir / "sobol.png", "Global sensitivity")
    fig_discovery(v.discovery, img_dir / "discovery.png")
    text = markdown(v, root, "img/validation", command)
    report.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(report, lambda p: Path(p).write_text(text, encoding="utf-8"))
    return report


def main(args) -> int:
    from govsim.validation.evaluate import FULL, QUICK

    root = Path(args.root).resolve() if args.root else _find_root()
    if not (root / "experiments" / "validation").is_dir():
        from govsim.experiments.schema import ExperimentError

        raise ExperimentError(str(root), None, "no experiments/validation folder here: run govsim validate-model "
                              "from the repository's root")
    mode = QUICK if args.quick else FULL
    out = Path(args.out or ("results/validation-quick" if args.quick else "results/validation"))
    report = Path(args.report) if args.report else root / "docs" / "validation.md"
    command = "govsim validate-model" + (" --quick" if args.quick else "") + \
        (f" --replications {args.replications}" if args.replications else "")
    try:
        v = run_all(root, out, mode, workers=args.workers, replications=args.replications,
                    progress=not args.quiet)
    except KeyboardInterrupt:
        print(f"interrupted: finished runs are kept in {out}; run the same command again to resume", file=sys.stderr)
        return 130
    path = write_report(v, root, report, command)
    print(f"report: {path}")
    print(f"figures: {path.parent / 'img' / 'validation'}")
    print(f"facts: {sum(r.status == HOLDS for r in v.facts)} of {len(v.facts)} hold")
    return 0


def _find_root() -> Path:
    for p in [Path.cwd(), *Path.cwd().parents]:
        if (p / "experiments" / "validation").is_dir() and (p / "pyproject.toml").is_file():
            return p
    here = Path(__file__).resolve().parents[3]
    if (here / "experiments" / "validation").is_dir():
        return here
    from govsim.experiments.schema import ExperimentError

    raise ExperimentError("experiments/validation", None, "not found: run govsim validate-model from the "
                          "repository's root (or give --root)")
