"""The browser view's logic without a browser: sessions, live reforms, events, layout, CLI."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import threading
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from govsim.app import adapter as A
from govsim.app import charts as C
from govsim.app import network_view as NV
from govsim.app.session import Session, list_scenarios, parse_seed, parse_value

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "src" / "govsim" / "app"
SMALL = {"population": {"citizens": 300, "employees": 20}}


def small(seed: int = 3, **fields) -> object:
    return A.validate({**SMALL, "seed": seed, **fields}, "test")


# --------------------------------------------------------------------------- sessions

@pytest.mark.parametrize("seed", [1, 7, 23])
def test_side_by_side_is_one_town_under_three_rule_sets(seed):
    s = Session(small(seed, paradigm="npg", metagovernance="hands_off"), "test", mode="compare")
    assert [r.label for r in s.runs] == ["OPA", "NPM", "NPG"]
    assert [A.paradigm_of(r.model) for r in s.runs] == ["opa", "npm", "npg"]
    assert len({A.population_signature(r.model) for r in s.runs}) == 1 and s.same_town
    s.advance(24)
    assert len({A.problem_signature(r.model) for r in s.runs}) == 1  # the same problems arrived
    assert s.same_problems()
    other = Session(small(seed + 1), "test", mode="compare")
    other.advance(24)
    s.runs[0].problems, keep = other.runs[0].problems, s.runs[0].problems
    assert not s.same_problems()
    s.runs[0].problems = keep
    assert {A.step_of(r.model) for r in s.runs} == {24}
    # The runs diverge: the populations' state and the indices differ by rule set.
    assert len({A.population_signature(r.model) for r in s.runs}) == 3
    for fam in A.FAMILIES:
        k = A.FAMILIES.index(fam)
        assert len({round(r.rows[-1][k], 9) for r in s.runs}) == 3, fam


def test_side_by_side_differs_from_another_seed():
    a = Session(small(1), "test", mode="compare")
    b = Session(small(2), "test", mode="compare")
    assert A.population_signature(a.runs[0].model) != A.population_signature(b.runs[0].model)


def test_sessions_do_not_share_models():
    a, b = Session(small(), "a"), Session(small(), "b")
    assert a.runs[0].model is not b.runs[0].model
    a.advance(3)
    a.set_paradigm("npm")
    assert b.step == 0 and A.paradigm_of(b.runs[0].model) == "opa"
    assert len(b.runs[0].rows) == 0 and len(a.runs[0].rows) == 3


def test_live_reform_is_marked_and_changes_the_run():
    s = Session(small(paradigm="opa"), "t")
    twin = Session(small(paradigm="opa"), "t")
    s.advance(4)
    twin.advance(4)
    s.set_paradigm("npg")
    s.advance(1)
    assert s.runs[0].events[0] == "A reform took effect: OPA gave way to NPG."
    s.advance(5)
    twin.advance(6)
    run = s.runs[0]
    assert run.marks == [(5, "NPG")]
    assert len(run.rows) == 10
    # Same before the reform, different after it.
    assert run.rows[:4] == twin.runs[0].rows[:4]
    assert run.rows[-1] != twin.runs[0].rows[-1]


def test_metagovernance_and_tool_strengths_are_live_and_marked():
    s = Session(small(paradigm="npg", metagovernance="none"), "t")
    s.advance(2)
    assert s.set_field("metagovernance", "hands_off") == "live"
    s.advance(1)
    assert s.runs[0].marks == [(3, "hands-off")]
    assert s.set_field("metagovernance_tools.design", 0.1) == "live"
    assert s.runs[0].model.meta.design == pytest.approx(0.1)
    s.advance(1)
    assert s.runs[0].marks[-1] == (4, "tools")
    assert s.current("metagovernance_tools.design") == pytest.approx(0.1)


def test_other_fields_wait_for_reset():
    s = Session(small(), "t")
    s.advance(2)
    assert s.set_field("population.citizens", 400) == "reset"
    assert s.pending == {"population.citizens": 400}
    assert A.public_counts(s.runs[0].model)["citizen"] == 300 and s.step == 2
    s.reset()
    assert s.pending == {} and s.step == 0
    assert A.public_counts(s.runs[0].model)["citizen"] == 400
    # Setting a field back to its value drops it from the pending changes.
    s.set_field("problems.rate", 3.0)
    s.set_field("problems.rate", s.scenario.problems.rate)
    assert s.pending == {}


def test_bad_values_get_one_line_messages():
    s = Session(small(), "t")
    with pytest.raises(A.ScenarioError, match=r"field 'problems.rate'.*allowed: a number from 0 to 100"):
        s.set_field("problems.rate", -1.0)
    with pytest.raises(A.ScenarioError, match="unknown field"):
        s.set_field("problems.speed", 1.0)
    with pytest.raises(ValueError, match="allowed: opa, npm, npg"):
        s.set_paradigm("xyz")
    spec = A.field_specs(["population.citizens"])[0]
    with pytest.raises(ValueError, match=r"'12.5' is not a whole number"):
        parse_value(spec, "12.5")
    with pytest.raises(ValueError, match="out of range"):
        parse_value(spec, "5")
    assert parse_value(spec, " 2000 ") == 2000


@pytest.mark.parametrize("text, value", [("7", 7), (" 42 ", 42), ("1_000", 1000), (5, 5)])
def test_seed_stays_an_integer(text, value):
    got = parse_seed(text)
    assert got == value and type(got) is int


@pytest.mark.parametrize("text", ["abc", "1.5", "-3", "", True, str(2**63)])
def test_bad_seed_is_refused_with_a_message(text):
    with pytest.raises(ValueError, match="seed"):
        parse_seed(text)


def test_seed_applies_on_reset_and_reproduces():
    s = Session(small(), "t")
    s.set_seed("11")
    assert s.built_seed == 3
    s.reset()
    s.advance(5)
    again = Session(small(11), "t")
    again.advance(5)
    assert s.runs[0].rows == again.runs[0].rows


def test_scenario_files_are_found_and_loaded():
    found = list_scenarios()
    assert {"opa", "npm", "npg", "reform"} <= set(found)
    s = Session()
    s.load_path(found["reform"])
    s.advance(41)
    assert s.runs[0].marks == [(40, "NPM")]


def test_bad_scenario_file_gives_the_cli_message(tmp_path):
    bad = tmp_path / "student.toml"
    bad.write_text('[problems]\nrate = "lots"\n', encoding="utf-8")
    s = Session(small(), "t")
    with pytest.raises(A.ScenarioError) as err:
        s.load_path(bad)
    cli = subprocess.run([sys.executable, "-m", "govsim", "validate", str(bad)], capture_output=True, text=True)
    assert cli.returncode == 2
    assert cli.stderr.strip() == f"error: {err.value}"
    assert s.step == 0 and s.source == "t"  # nothing changed


def test_uploaded_scenario_can_extend_a_ready_made_one():
    s = Session(small(), "t")
    s.load_text('extends = "npm.toml"\n[population]\ncitizens = 250\n', "mine.toml")
    assert s.scenario.name == "npm" and A.paradigm_of(s.runs[0].model) == "npm"
    assert A.public_counts(s.runs[0].model)["citizen"] == 250
    with pytest.raises(A.ScenarioError) as err:
        s.load_text("paradigm = 3\n", "broken.toml")
    assert str(err.value).startswith("broken.toml: field 'paradigm'")


# --------------------------------------------------------------------------- events

def _snap(**kw) -> A.Snapshot:
    base = dict(step=1, paradigm="npg", setting="none", providers=np.array([10, 10, 10]), n_closed=0)
    base.update(kw)
    return A.Snapshot(**base)


def test_events_name_what_happened():
    prev = _snap()
    cur = _snap(step=2, paradigm="npm", providers=np.array([7, 13, 10]), n_closed=3,
                closed_now=Counter({"deadlock": 2, "solved": 1}), trust=-0.01)
    text = " ".join(A.events(prev, cur))
    assert "A reform took effect: NPG gave way to NPM" in text
    assert "2 arenas deadlocked and closed without a decision" in text
    assert "3 customers left their provider (provider 1 lost 3)" in text
    assert "1 problem solved" in text
    assert "Trust falling" in text
    assert A.events(prev, _snap(step=2, n_open=4)) == ["A quiet step: 4 problems open."]


def test_events_from_a_running_model_report_exits_and_deadlocks():
    s = Session(small(5, paradigm="npm"), "t")
    s.advance(30)
    npm_events = " ".join(e for e in _all_events(s, 30))
    assert "left their provider" in npm_events
    u = Session(small(5, paradigm="npg", metagovernance="none",
                      npg={"deadlock_threshold": 0.05, "max_rounds": 1}), "t")
    assert "deadlocked" in " ".join(_all_events(u, 30))


def _all_events(s: Session, n: int) -> list[str]:
    out = []
    for _ in range(n):
        s.advance(1)
        out += s.runs[0].events
    return out


# --------------------------------------------------------------------------- views

def test_network_sample_layout_and_frame():
    s = Session(A.validate({"paradigm": "npg", "metagovernance": "hands_off", "seed": 2,
                            "population": {"citizens": 1000}}), "t")
    lay = NV.compute_layout(s.runs[0].model)
    assert lay.rows.size == NV.MAX_NODES - NV.MAX_NODES % 6
    assert np.all(np.abs(lay.xy) <= 1.0)
    assert lay.edges.count("M") > lay.rows.size  # the sample keeps its ties
    assert len(lay.adm_xy) == 10 and len(lay.pol_xy) == 9 and len(lay.emp_xy) == NV.MAX_EMPLOYEES
    s.advance(6)
    f = NV.frame(s.runs[0].model, lay, "trust")
    fills = f["colors"].split(",")
    assert len(fills) == lay.rows.size and set(fills) <= set(NV.SEQ)
    assert f["arenas"], "NPG forms arenas in the first steps"
    p = NV.frame(s.runs[0].model, lay, "participation")["colors"].split(",")
    assert set(p) <= set(NV.LADDER) and len(set(p)) > 1
    static = json.loads(lay.json)
    assert len(static["nodes"]) == lay.rows.size and len(static["politicians"]) == 9


def test_small_towns_are_drawn_whole():
    s = Session(A.validate({"population": {"citizens": 200, "employees": 20}}), "t")
    lay = NV.compute_layout(s.runs[0].model)
    assert lay.rows.size == 200 < NV.MAX_NODES


def test_chart_chunks_send_only_the_tail():
    rows = [[i / 100, 1 - i / 100] for i in range(100)]
    ch = C.chunk(3, rows)
    assert ch["epoch"] == 3 and ch["start"] == 100 - C.TAIL + 1 and len(ch["rows"]) == C.TAIL
    assert ch["rows"][-1] == [0.99, 0.01]
    full = C.chunk(3, rows, None)
    assert full["start"] == 1 and len(full["rows"]) == 100


def test_field_specs_come_from_the_schema():
    spec = A.field_specs(["problems.wickedness"])[0]
    field = A.Scenario.model_fields["problems"].annotation.model_fields["wickedness"]
    assert (spec.lo, spec.hi, spec.default, spec.description) == (0, 1, field.default, field.description)
    assert not spec.live
    assert all(s.live for s in A.field_specs([f"metagovernance_tools.{t}" for t in A.TOOLS]))


# --------------------------------------------------------------------------- architecture and CLI

def test_only_the_adapter_reads_model_internals():
    internal = re.compile(r"\.(citizens|employees|administrators|politicians|closed|network|meta|config|"
                          r"outcomes|paradigm\.)\b|\.open\b(?!\()")
    core = ("govsim.model", "govsim.state", "govsim.problems", "govsim.paradigms", "govsim.metagovernance",
            "govsim.network", "govsim.mechanisms", "govsim.metrics")
    for path in APP.glob("*.py"):
        if path.name == "adapter.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert not node.module.startswith(core), f"{path.name} imports {node.module}"
        code = "\n".join(line for line in path.read_text(encoding="utf-8").splitlines()
                         if not line.lstrip().startswith(("#", '"')))
        hits = [m.group(0) for m in re.finditer(r"model" + internal.pattern, code)]
        assert not hits, f"{path.name} reads {hits}"


def test_the_model_never_imports_the_app():
    for path in (ROOT / "src" / "govsim").rglob("*.py"):
        if APP in path.parents or path.name == "cli.py":
            continue
        assert "govsim.app" not in path.read_text(encoding="utf-8"), path


def test_page_module_builds_no_model_at_import(monkeypatch):
    import importlib

    calls = []
    monkeypatch.setattr(A, "build_model", lambda *a, **k: calls.append(a))
    import govsim.app.page as page

    importlib.reload(page)
    assert calls == []


def test_cli_app_help_is_fast_and_stdlib_only():
    code = ("import sys, govsim.cli; govsim.cli.build_parser(); "
            "print(sorted(m for m in ('solara', 'numpy', 'pandas', 'mesa', 'uvicorn') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    helptext = subprocess.run([sys.executable, "-m", "govsim", "app", "--help"], capture_output=True, text=True)
    assert helptext.returncode == 0 and "--port" in helptext.stdout and "127.0.0.1" in helptext.stdout


def test_cli_app_refuses_a_bad_scenario_and_a_taken_port(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('paradigm = "xyz"\n', encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "govsim", "app", str(bad)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    assert r.stderr.strip().splitlines() == [f"error: {bad}: field 'paradigm': unknown paradigm 'xyz'; "
                                             "allowed: opa, npm, npg"]
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        r = subprocess.run([sys.executable, "-m", "govsim", "app", "--port", str(port)], capture_output=True,
                           text=True, timeout=60)
    assert r.returncode == 2 and "choose another with --port" in r.stderr and "Traceback" not in r.stderr


def test_server_settings_keep_the_view_offline():
    from govsim.app import server

    env = server.offline_environment("scenarios/npg.toml")
    assert env["SOLARA_APP"] == "govsim.app.page" and env["SOLARA_ASSETS_PROXY"] == "True"
    assert env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "False" and env["SOLARA_MODE"] == "production"
    assert Path(env["GOVSIM_APP_SCENARIO"]).is_absolute()
    import solara.server.cdn_helper as cdn

    original = cdn.fetch_from_cdn
    try:
        server.keep_offline()
        with pytest.raises(FileNotFoundError, match="does not download"):
            cdn.get_data(Path("/nonexistent-cache"), "left-pad@1.0.0/index.js")
    finally:
        cdn.fetch_from_cdn = original
    assert server.url_of("127.0.0.1", 8765) == "http://127.0.0.1:8765/"


@pytest.mark.parametrize("mode", ["single", "compare"])
def test_page_renders_and_sends_charts_only_a_tail(mode):
    import solara

    from govsim.app import page

    sess = Session(small(4, paradigm="npg", metagovernance="hands_off"), "t", mode=mode)
    version = solara.reactive(0)
    errors = []

    @solara.component
    def Harness():
        page.Live(sess, version.value, False, lambda v: None, solara.use_ref(5), "", "", errors.append,
                  threading.Event())

    box, rc = solara.render(Harness(), handle_error=False)
    sess.advance(C.TAIL + 20)
    version.value += 1
    charts = rc.find(C.SeriesChart).widgets
    assert len(charts) == (2 if mode == "single" else 3)
    for w in charts:
        ch = json.loads(w.chunk)
        assert len(ch["rows"]) == C.TAIL and ch["start"] == 21  # only the newest rows travel
        w.vue_resync()
        assert len(json.loads(w.chunk)["rows"]) == C.TAIL + 20  # the whole history on request
    net = rc.find(NV.NetworkWidget).widgets
    assert len(net) == (1 if mode == "single" else 3)
    assert len(net[0].colors.split(",")) == NV.MAX_NODES  # a sample of the 300 citizens
    status = [w for w in rc.find(solara.widgets.HTML).widgets if "govsim-status" in w.attributes.get("class", "")]
    assert status and status[0].attributes["data-step"] == str(C.TAIL + 20)
    assert errors == []
    rc.close()


def test_tool_controls_show_the_intensity_in_force():
    # Unset in the file, a tool's intensity comes from the preset; the control shows that value.
    on = Session(small(paradigm="npg", metagovernance="hands_on"), "t")
    off = Session(small(paradigm="npg", metagovernance="none"), "t")
    assert on.current("metagovernance_tools.process") == pytest.approx(on.runs[0].model.meta.process)
    assert on.current("metagovernance_tools.process") > 0.0
    assert off.current("metagovernance_tools.process") == pytest.approx(0.0)
