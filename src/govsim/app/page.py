"""The browser view: one town governed under OPA, NPM or NPG, or all three side by side.

Served by ``govsim app`` (see :mod:`govsim.app.server`). Every browser session
builds its own :class:`~govsim.app.session.Session` when its page first renders;
nothing about a model lives at module level. Handlers catch bad input and show
a one-line message on the page instead of a traceback.

Stable hooks for browser tests are CSS classes prefixed ``govsim-`` and data
attributes (``data-step``, ``data-paradigm``, ...), listed in docs/teaching.md.
"""

from __future__ import annotations

import html
import json
import os
import threading
import time
import tomllib
from pathlib import Path

import solara

from govsim.app import adapter as A
from govsim.app import charts as C
from govsim.app import network_view as NV
from govsim.app import texts as T
from govsim.app import upload as U
from govsim.app.session import Session, list_scenarios, parse_value

KEY_FIELDS = (
    "population.citizens",
    "problems.rate",
    "problems.wickedness",
    "citizens.initial_trust",
    "citizens.participation_bias",
    "employees.crowding_out",
    "network.diffusion",
    "npm.target_pressure",
    "npm.exit_rate",
    "npg.deadlock_threshold",
    "opa.chain_fidelity",
)
"""The key parameters shown as controls; range, default and meaning come from the schema."""

SCENARIO_ENV = "GOVSIM_APP_SCENARIO"


def initial_session() -> Session:
    """The session a new page starts with: the scenario given to ``govsim app``, else npg.toml."""
    path = os.environ.get(SCENARIO_ENV)
    if not path:
        found = list_scenarios()
        path = str(found["npg"]) if "npg" in found else None
    if path:
        try:
            return Session(A.load_scenario(path), path)
        except A.ScenarioError:
            pass  # the command validated it already; a file changed since falls back to defaults
    return Session()


def _text(tag: str, body: str, cls: str, style: str = "", **data) -> solara.Element:
    attrs = {f"data-{k.replace('_', '-')}": str(v) for k, v in data.items()}
    return solara.HTML(tag=tag, unsafe_innerHTML=body, classes=[cls], style=style, attributes=attrs)


def _heading(text: str) -> solara.Element:
    return solara.HTML(tag="h3", unsafe_innerHTML=html.escape(text), style="margin: 10px 0 2px 0; font-weight: 500")


def _stopped(session: Session, exc: Exception) -> str:
    return f"the model stopped at step {session.step}: {exc.__class__.__name__}: {exc}"


def _fmt(v) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


# --------------------------------------------------------------------------- controls

@solara.component
def FieldControl(session: Session, spec: A.FieldSpec, version: int, bump, say):
    error, set_error = solara.use_state("")
    text, set_text = solara.use_state(_fmt(session.current(spec.path)))
    tag = "live" if spec.live else "on reset"
    hint = (f"{spec.description} [{spec.theory}] Range {_fmt(spec.lo)} to {_fmt(spec.hi)}, "
            f"default {'set by the preset' if spec.default is None else _fmt(spec.default)}; applies {tag}.")

    def apply(value):
        try:
            value = parse_value(spec, value)
            how = session.set_field(spec.path, value)
        except (ValueError, A.ScenarioError) as exc:
            set_error(str(exc))
            return
        set_error("")
        set_text(_fmt(value))
        say(f"{spec.path} = {_fmt(value)}: " + ("in force from the next step." if how == "live"
                                                  else "applies when you press Reset."))
        bump()

    with solara.Column(gap="0px", classes=["govsim-field"], style="margin-bottom: 4px"):
        if spec.kind == "float" and spec.lo is not None and spec.hi is not None and spec.hi <= 1:
            solara.SliderFloat(f"{spec.path} ({tag})", value=float(session.current(spec.path)),
                               min=spec.lo, max=spec.hi, step=0.01, on_value=apply, thumb_label=True)
        else:
            solara.InputText(f"{spec.path} ({tag})", value=text, on_value=apply, error=error or False,
                             message=error or None, classes=[f"govsim-input-{spec.path.replace('.', '-')}"],
                             continuous_update=False)
        solara.Text(hint, style="font-size: 11px; color: #666; line-height: 1.2")


@solara.component
def ScenarioControls(session: Session, version: int, bump, say, set_error):
    path_text, set_path_text = solara.use_state("")
    found = list_scenarios()

    def pick(name):
        try:
            session.load_path(found[name])
        except A.ScenarioError as exc:
            set_error(str(exc))
            return
        set_error("")
        say(f"Loaded {found[name].name}.")
        bump()

    def load_path():
        p = path_text.strip()
        if not p:
            set_error("scenario file: type the path of a .toml file first")
            return
        try:
            session.load_path(Path(p).expanduser())
        except A.ScenarioError as exc:
            set_error(str(exc))
            return
        set_error("")
        say(f"Loaded {p}.")
        bump()

    def upload(name: str, text: str | None):
        if text is None:
            set_error(f"{name}: too large for a scenario file (more than {U.MAX_BYTES:,} bytes)")
            return
        try:
            session.load_text(text, name)
        except A.ScenarioError as exc:
            set_error(str(exc))
            return
        set_error("")
        say(f"Loaded {name}.")
        bump()

    current = session.scenario.name if session.scenario.name in found else None
    if found:
        solara.Select("Scenario (scenarios/)", values=list(found), value=current, on_value=pick,
                      classes=["govsim-scenario-select"])
    else:
        solara.Text("No scenarios/ folder found next to this installation; load a file below.",
                    style="font-size: 12px")
    with solara.Row(style="align-items: center"):
        solara.InputText("Your scenario file (path)", value=path_text, on_value=set_path_text,
                         continuous_update=True, classes=["govsim-path"])
        solara.Button("Load", on_click=load_path, classes=["govsim-load"], outlined=True)
    U.UploadWidget.element(label="...or upload one: ", on_file=upload)


@solara.component
def Controls(session: Session, version: int, bump, say, playing: bool, set_playing, speed: int, set_speed, set_error):
    seed_text, set_seed_text = solara.use_state(str(session.seed))
    seed_error, set_seed_error = solara.use_state("")

    def on_seed(text):
        set_seed_text(text)
        try:
            v = session.set_seed(text)
        except ValueError as exc:
            set_seed_error(str(exc))
            return
        set_seed_error("")
        say(f"Seed {v}: applies when you press Reset.")
        bump()

    def do_step():
        if not playing:
            try:
                session.advance(1)
            except Exception as exc:  # one line on the page, not a traceback
                set_error(_stopped(session, exc))
                return
            say("")
            bump()

    def do_reset():
        set_playing(False)
        try:
            session.reset()
        except A.ScenarioError as exc:
            set_error(str(exc))
            return
        set_seed_text(str(session.seed))
        set_error("")
        say("Reset: a fresh town from the scenario, the seed and your changes.")
        bump()

    def mode(m):
        set_playing(False)
        session.set_mode(m)
        bump()

    def paradigm(p):
        try:
            session.set_paradigm(p)
        except ValueError as exc:
            set_error(str(exc))
            return
        say(f"Reform: {p.upper()} rules from the next step.")
        bump()

    def setting(s):
        session.set_metagovernance(s)
        say(f"Metagovernance {s} from the next step.")
        bump()

    _heading("Scenario")
    ScenarioControls(session, version, bump, say, set_error)
    with solara.Row(style="align-items: center"):
        solara.InputText("Seed (whole number)", value=seed_text, on_value=on_seed, error=bool(seed_error),
                         classes=["govsim-seed"], continuous_update=False)
    if seed_error:
        _text("div", html.escape(seed_error), "govsim-input-error", "color: #b00020; font-size: 12px")

    _heading("Run")
    with solara.Row(gap="6px"):
        solara.Button("Step", on_click=do_step, disabled=playing, classes=["govsim-step-btn"], color="primary",
                      outlined=True)
        solara.Button("Pause" if playing else "Play", on_click=lambda: (say(""), set_playing(not playing)),
                      classes=["govsim-play"], color="primary")
        solara.Button("Reset", on_click=do_reset, classes=["govsim-reset"], outlined=True)
    solara.SliderInt("Speed (steps per second)", value=speed, min=1, max=30, on_value=set_speed,
                     thumb_label=True)
    with solara.Row(gap="6px"):
        for m, label in T.MODES.items():
            solara.Button(label, on_click=lambda m=m: mode(m), color="primary" if session.mode == m else None,
                          outlined=session.mode != m, classes=[f"govsim-mode-{m}"], small=True)

    _heading("Rules in force (live)")
    solara.Text(T.LIVE_NOTE, style="font-size: 12px; color: #555")
    if session.mode == "single":
        now = A.paradigm_of(session.runs[0].model)
        with solara.Row(gap="6px"):
            for p in A.PARADIGMS:
                solara.Button(p.upper(), on_click=lambda p=p: paradigm(p), color="primary" if p == now else None,
                              outlined=p != now, classes=[f"govsim-paradigm-{p}"])
    meta_now = A.setting_of(session.runs[0].model)
    with solara.Row(gap="6px"):
        for s in A.SETTINGS:
            solara.Button(s.replace("_", "-"), on_click=lambda s=s: setting(s), small=True,
                          color="secondary" if s == meta_now else None, outlined=s != meta_now,
                          classes=[f"govsim-meta-{s}"])
    solara.Text("Tool strengths (design and framing act hands-off, process and participation hands-on):",
                style="font-size: 12px")
    for spec in A.field_specs([f"metagovernance_tools.{t}" for t in A.TOOLS]):
        FieldControl(session, spec, version, bump, say).key(f"{session.epoch}-{spec.path}")

    _heading("Parameters (on reset)")
    for spec in A.field_specs(KEY_FIELDS):
        FieldControl(session, spec, version, bump, say).key(f"{session.epoch}-{spec.path}")
    AnyField(session, bump, say)


@solara.component
def AnyField(session: Session, bump, say):
    text, set_text = solara.use_state("")
    error, set_error = solara.use_state("")

    def apply(value):
        set_text(value)
        key, sep, raw = value.partition("=")
        if not sep or not key.strip():
            set_error("expected dotted.field=VALUE, e.g. citizens.adaptation=0.2")
            return
        try:
            val = tomllib.loads(f"v = {raw.strip()}")["v"]
        except tomllib.TOMLDecodeError:
            val = raw.strip()
        try:
            how = session.set_field(key.strip(), val)
        except (ValueError, A.ScenarioError) as exc:
            set_error(str(exc))
            return
        set_error("")
        say(f"{key.strip()} = {raw.strip()}: " + ("live." if how == "live" else "applies when you press Reset."))
        bump()

    solara.InputText("Any field (field=value, as in govsim run --set)", value=text, on_value=apply,
                     error=error or False, message=error or None, continuous_update=False,
                     classes=["govsim-any-field"])


# --------------------------------------------------------------------------- views

def _chart(name: str, title: str, series: list[dict], epoch: int, rows_fn, marks, min_steps: int = 48):
    rows = rows_fn(C.TAIL)
    return C.SeriesChart.element(
        name=name, title=title, series=series, chunk=json.dumps({"epoch": epoch, **rows}), marks=C.marks_of(marks),
        min_steps=min_steps, full=lambda: json.dumps({"epoch": epoch, **rows_fn(None)}),
    )


def _tail(get_rows, idx):
    """rows_fn(tail) for one run's rows and column indices: only the tail is copied."""
    def fn(tail):
        rows = get_rows()
        start = 0 if tail is None else max(0, len(rows) - tail)
        return {"start": start + 1, "rows": [[round(r[i], 4) for i in idx] for r in rows[start:]]}
    return fn


def _zip_tail(runs, i):
    def fn(tail):
        n = min(len(r.rows) for r in runs)
        start = 0 if tail is None else max(0, n - tail)
        return {"start": start + 1, "rows": [[round(r.rows[k][i], 4) for r in runs] for k in range(start, n)]}
    return fn


ROW_INDEX = {name: k for k, name in enumerate((*A.FAMILIES, *(i.name for i in A.INDICATORS)))}


@solara.component
def ParadigmPanel(paradigm: str, setting: str):
    t = T.PARADIGM_TEXT[paradigm]
    roles = "".join(f"<li><b>{r.capitalize()}</b> {html.escape(t[r])}</li>" for r in T.ROLES)
    body = (f"<div style='font-weight:600;font-size:15px'>{html.escape(t['title'])}</div>"
            f"<ul style='margin:4px 0 4px 0;padding-left:18px'>{roles}</ul>"
            f"<div><b>Steering.</b> {html.escape(t['steering'])}</div>"
            f"<div style='margin-top:4px'><b>Watch for.</b> {html.escape(t['watch'])}</div>")
    if paradigm == "npg":
        body += f"<div style='margin-top:4px'><b>Metagovernance.</b> {html.escape(T.SETTING_TEXT[setting])}</div>"
    _text("div", body, "govsim-paradigm-panel", "font-size: 13px; line-height: 1.35", paradigm=paradigm,
          setting=setting)


@solara.component
def Network(model, layout, colour_by: str, tick: int):
    f = NV.frame(model, layout, colour_by)
    NV.NetworkWidget.element(layout_json=layout.json, colors=f["colors"], employee_colors=f["employee_colors"],
                             arenas=f["arenas"], colour_by=colour_by, legend=f["legend"])


@solara.component
def SingleView(session: Session, layout, colour_by: str, family: str, set_family, tick: int):
    run = session.runs[0]
    m = run.model
    fam_series = [{"name": f, "color": C.FAMILY_COLOURS[f], "width": 2} for f in A.FAMILIES]
    ind = A.INDICATOR_NAMES[family]
    ind_series = [{"name": n, "color": C.PALETTE[k % len(C.PALETTE)], "doc": A.indicator_doc(n)}
                  for k, n in enumerate(ind)]
    with solara.Columns([6, 5]):
        with solara.Column():
            Network(m, layout, colour_by, tick)
        with solara.Column():
            ParadigmPanel(A.paradigm_of(m), A.setting_of(m))
    _chart("indices", "Efficiency, democracy and innovation (indices in [0, 1])", fam_series, session.epoch,
           _tail(lambda: run.rows, [ROW_INDEX[f] for f in A.FAMILIES]), run.marks)
    with solara.Row(gap="6px", style="align-items: center"):
        solara.Text("Indicators of:", style="font-size: 13px")
        for f in A.FAMILIES:
            solara.Button(f, on_click=lambda f=f: set_family(f), small=True, outlined=f != family,
                          color="primary" if f == family else None, classes=[f"govsim-family-{f}"])
    _chart(f"indicators-{family}", f"The {family} indicators", ind_series, session.epoch,
           _tail(lambda: run.rows, [ROW_INDEX[n] for n in ind]), run.marks)


@solara.component
def CompareView(session: Session, layout, colour_by: str, tick: int):
    runs = session.runs
    same_problems = session.same_problems()
    with solara.Columns([1, 1, 1]):
        for r in runs:
            m = r.model
            p = A.paradigm_of(m)
            with solara.Column(classes=["govsim-run-column"]):
                out = A.outcomes(m)
                head = (f"<div style='font-weight:600;color:{C.PARADIGM_COLOURS.get(p, '#000')}'>"
                        f"{html.escape(T.PARADIGM_TEXT[p]['title'])}</div>"
                        + " &middot; ".join(f"{f} <b>{out[f]:.2f}</b>" for f in A.FAMILIES))
                _text("div", head, "govsim-run", "font-size: 12px", run=r.label, step=A.step_of(m),
                      signature=A.population_signature(m) if session.step == 0 else "",
                      **{f: f"{out[f]:.6f}" for f in A.FAMILIES})
                Network(m, layout, colour_by, tick)
                _text("div", html.escape(" ".join(r.events)), "govsim-events", "font-size: 12px; min-height: 3em",
                      step=A.step_of(m))
    same = "yes: identical populations and network at step 0" if session.same_town else "NO: the populations differ"
    _text("div", f"Same town under three rule sets: <b>{same}</b>; same problems so far: "
                 f"<b>{'yes' if same_problems else 'no'}</b> (common random numbers).",
          "govsim-same-town", "font-size: 12px; margin: 4px 0",
          same_town="yes" if session.same_town else "no", same_problems="yes" if same_problems else "no")
    series = [{"name": r.label, "color": C.PARADIGM_COLOURS.get(r.label.lower(), "#000"), "width": 2}
              for r in runs]
    marks = sorted({mk for r in runs for mk in r.marks})
    for f in A.FAMILIES:
        _chart(f"compare-{f}", f"{f.capitalize()}: OPA, NPM and NPG on the same town", series, session.epoch,
               _zip_tail(runs, ROW_INDEX[f]), marks)


@solara.component
def Live(session: Session, version: int, playing: bool, set_playing, speed_ref, message: str, error: str,
         set_error, stop: threading.Event):
    tick, set_tick = solara.use_state(0)
    colour_by, set_colour_by = solara.use_state("trust")
    family, set_family = solara.use_state("democracy")
    layout = solara.use_memo(lambda: NV.compute_layout(session.runs[0].model), [session.epoch])

    def loop(cancel: threading.Event):
        """Play: keep to ``speed`` steps per second; when drawing a frame takes longer than a
        step, several steps go into one frame (at most a second's worth, the rest is dropped)."""
        if not playing:
            return
        speed = max(1, int(speed_ref.current))
        t0, done = time.perf_counter(), 0
        while not cancel.is_set():
            if int(speed_ref.current) != speed:  # a new speed: count from now
                speed = max(1, int(speed_ref.current))
                t0, done = time.perf_counter(), 0
            elapsed = time.perf_counter() - t0
            due = int(elapsed * speed) + 1 - done
            if due <= 0:
                cancel.wait(max(0.0, done / speed - elapsed))
                continue
            if due > speed:  # more than a second behind (a busy machine): drop the backlog
                t0, due = time.perf_counter() - done / speed, 1
            k = min(due, max(3, speed // 2))
            try:
                with session.lock:
                    if stop.is_set() or cancel.is_set():
                        return
                    session.advance(k)
            except Exception as exc:  # a model error stops play with one line, not a traceback
                set_error(_stopped(session, exc))
                set_playing(False)
                return
            done += k
            set_tick(lambda t: t + 1)

    solara.use_thread(loop, dependencies=[playing, session.epoch], intrusive_cancel=False)

    m = session.runs[0].model
    pending = ", ".join(f"{k} = {v}" for k, v in session.pending.items())
    if session.seed != session.built_seed:
        pending = ", ".join(x for x in (pending, f"seed = {session.seed}") if x)
    status = (f"Step <b>{session.step}</b> &middot; scenario <b>{html.escape(session.scenario.name or '(unnamed)')}</b>"
              f" &middot; seed {session.built_seed}")
    if session.mode == "single":
        status += f" &middot; rules in force <b>{A.paradigm_of(m).upper()}</b>"
    status += f" &middot; metagovernance <b>{A.setting_of(m)}</b>"
    with solara.Column(gap="6px"):
        _text("div", status, "govsim-status", "font-size: 14px", step=session.step, mode=session.mode,
              paradigm=A.paradigm_of(m), setting=A.setting_of(m), playing="yes" if playing else "no")
        if error:
            _text("div", html.escape(error), "govsim-error",
                  "color: #b00020; border: 1px solid #b00020; padding: 4px 8px; border-radius: 4px; font-size: 13px")
        if pending:
            _text("div", f"Waiting for Reset: {html.escape(pending)}", "govsim-pending",
                  "color: #8a5a00; font-size: 13px")
        if message:
            _text("div", html.escape(message), "govsim-message", "color: #1b5e20; font-size: 13px")
        if session.mode == "single":
            _text("div", "<b>What just happened:</b> " + html.escape(" ".join(session.runs[0].events)),
                  "govsim-events", "font-size: 13px", step=session.step)
        with solara.Row(gap="6px", style="align-items: center"):
            solara.Text("Colour citizens by:", style="font-size: 13px")
            for c in ("trust", "participation"):
                solara.Button(c, on_click=lambda c=c: set_colour_by(c), small=True, outlined=c != colour_by,
                              color="primary" if c == colour_by else None, classes=[f"govsim-colour-{c}"])
        if session.mode == "single":
            SingleView(session, layout, colour_by, family, set_family, tick + version)
        else:
            CompareView(session, layout, colour_by, tick + version)


@solara.component
def Page():
    session = solara.use_memo(initial_session, [])
    version, set_version = solara.use_state(0)
    playing, set_playing_state = solara.use_state(False)
    stop = solara.use_memo(threading.Event, [])

    def set_playing(value: bool) -> None:
        """Play or pause. Pausing waits for a step in progress, so no step follows the pause."""
        if value:
            stop.clear()
        else:
            stop.set()
            with session.lock:
                pass
        set_playing_state(bool(value))
    speed, set_speed_state = solara.use_state(5)
    speed_ref = solara.use_ref(5)
    message, set_message = solara.use_state("")
    error, set_error = solara.use_state("")

    def bump():
        set_version(lambda v: v + 1)

    def set_speed(v):
        speed_ref.current = int(v)
        set_speed_state(int(v))

    solara.Title("govsim: one town, three ways to govern it")
    with solara.Sidebar():
        with solara.Column(gap="4px", style="padding: 0 8px"):
            Controls(session, version, bump, set_message, playing, set_playing, speed, set_speed, set_error)
    Live(session, version, playing, set_playing, speed_ref, message, error, set_error, stop)
