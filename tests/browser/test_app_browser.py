"""The browser view in a real browser (system Chromium via Playwright)."""

from __future__ import annotations

import subprocess
import sys
from urllib.parse import urlparse

ERROR_WORDS = ("Traceback", "Exception", "Error:")


def step_of(page) -> int:
    return int(page.get_attribute(".govsim-status", "data-step"))


def click_step(page, times: int = 1) -> None:
    for _ in range(times):
        before = step_of(page)
        page.click(".govsim-step-btn")
        page.wait_for_selector(f".govsim-status[data-step='{before + 1}']")
        page.wait_for_selector(f".govsim-events[data-step='{before + 1}']")


def test_page_loads_offline_without_error(open_page, app_url, artifacts):
    requests: list[str] = []
    page = open_page(record=requests)
    click_step(page)
    body = page.inner_text("body")
    assert not any(w in body for w in ERROR_WORDS), body[:2000]
    assert page.query_selector(".govsim-error") is None
    assert int(page.get_attribute(".govsim-network", "data-nodes")) > 50
    for cls in ("citizen", "employee", "administrator", "politician"):
        assert page.query_selector(f".govsim-network .govsim-{cls}") is not None, cls
    assert page.inner_text(".govsim-paradigm-panel").startswith("New Public Governance")
    page.screenshot(path=str(artifacts / "app-loaded.png"))
    server = urlparse(app_url).netloc
    outside = [u for u in requests if urlparse(u).scheme in ("http", "https", "ws", "wss")
               and urlparse(u).netloc != server]
    assert requests and not outside, outside
    assert any(u.startswith("ws://") for u in requests)  # the live connection, also local
    assert not page.errors, page.errors


def test_step_and_play_advance_the_model(open_page, artifacts):
    page = open_page()
    assert step_of(page) == 0
    click_step(page, 2)
    page.wait_for_selector(".govsim-series[data-name='indices'][data-steps='2']")
    page.click(".govsim-play")
    page.wait_for_function("Number(document.querySelector('.govsim-status').dataset.step) >= 8")
    page.click(".govsim-play")  # pause
    page.wait_for_selector(".govsim-status[data-playing='no']")
    page.wait_for_selector(".govsim-step-btn:not([disabled])")
    paused = step_of(page)
    assert paused >= 8
    click_step(page)
    assert step_of(page) == paused + 1
    page.wait_for_selector(f".govsim-series[data-name='indices'][data-steps='{paused + 1}']")
    page.screenshot(path=str(artifacts / "app-played.png"))


def test_paradigm_switch_is_a_marked_reform(open_page, artifacts):
    page = open_page()
    click_step(page, 2)
    assert page.get_attribute(".govsim-paradigm-panel", "data-paradigm") == "npg"
    page.click(".govsim-paradigm-npm")
    page.wait_for_selector(".govsim-paradigm-panel[data-paradigm='npm']")
    assert "customers" in page.inner_text(".govsim-paradigm-panel")
    click_step(page)
    page.wait_for_selector(".govsim-events:has-text('A reform took effect: NPG gave way to NPM')")
    page.wait_for_selector(".govsim-series[data-name='indices'][data-marks='1'][data-steps='3']")
    page.wait_for_selector(".govsim-series[data-name='indicators-democracy'][data-marks='1'][data-steps='3']")
    charts = page.query_selector_all(".govsim-series")
    assert len(charts) == 2
    for chart in charts:
        assert chart.query_selector(".govsim-mark") is not None
    page.click(".govsim-paradigm-opa")
    page.wait_for_selector(".govsim-paradigm-panel[data-paradigm='opa']")
    click_step(page)
    page.wait_for_selector(".govsim-series[data-name='indices'][data-marks='2']")
    page.screenshot(path=str(artifacts / "app-reform.png"))


def test_side_by_side_starts_equal_and_diverges(open_page, artifacts):
    page = open_page()
    page.click(".govsim-mode-compare")
    page.wait_for_selector(".govsim-same-town[data-same-town='yes']")
    runs = page.query_selector_all(".govsim-run")
    assert [r.get_attribute("data-run") for r in runs] == ["OPA", "NPM", "NPG"]
    signatures = {r.get_attribute("data-signature") for r in runs}
    assert len(signatures) == 1 and signatures != {""}
    for fam in ("efficiency", "democracy", "innovation"):
        assert len({r.get_attribute(f"data-{fam}") for r in runs}) == 1, fam
    click_step(page, 6)
    page.wait_for_selector(".govsim-same-town[data-same-problems='yes'][data-same-town='yes']")
    for fam in ("efficiency", "democracy", "innovation"):
        chart = page.wait_for_selector(f".govsim-series[data-name='compare-{fam}'][data-steps='6']")
        last = [float(v) for v in chart.get_attribute("data-last").split(",")]
        assert len(last) == 3 and len(set(last)) == 3, (fam, last)
    page.screenshot(path=str(artifacts / "app-side-by-side.png"))


def test_two_sessions_are_isolated(open_page):
    a = open_page(own_context=True)
    b = open_page(own_context=True)
    click_step(a, 3)
    assert step_of(b) == 0
    click_step(b)
    assert step_of(a) == 3 and step_of(b) == 1
    b.click(".govsim-paradigm-opa")
    b.wait_for_selector(".govsim-paradigm-panel[data-paradigm='opa']")
    assert a.get_attribute(".govsim-paradigm-panel", "data-paradigm") == "npg"


def test_bad_scenario_file_and_bad_seed_give_messages(open_page, tmp_path, artifacts):
    bad = tmp_path / "student.toml"
    bad.write_text('paradigm = "npg"\n[problems]\nrate = -3\n', encoding="utf-8")
    cli = subprocess.run([sys.executable, "-m", "govsim", "validate", str(bad)], capture_output=True, text=True)
    assert cli.returncode == 2
    expected = cli.stderr.strip().removeprefix("error: ")
    page = open_page()
    page.fill(".govsim-path input", str(bad))
    page.click(".govsim-load")
    shown = page.wait_for_selector(".govsim-error").inner_text().strip()
    assert shown == expected
    assert "problems.rate" in shown
    # The same message for an uploaded file, named as the student named it.
    page.set_input_files("input.govsim-upload", files=[{"name": "upload.toml", "mimeType": "text/plain",
                                                        "buffer": bad.read_bytes()}])
    page.wait_for_selector(".govsim-error:has-text('upload.toml: field')")
    assert page.inner_text(".govsim-error").strip() == expected.replace(str(bad), "upload.toml")
    good = b'extends = "npm.toml"\nname = "my town"\n[population]\ncitizens = 400\n'
    page.set_input_files("input.govsim-upload", files=[{"name": "mine.toml", "mimeType": "text/plain",
                                                        "buffer": good}])
    page.wait_for_selector(".govsim-status:has-text('scenario my town')")
    # the error goes with the good file (the page may render the status a moment before it drops the error)
    page.wait_for_selector(".govsim-error", state="detached", timeout=10_000)
    assert page.get_attribute(".govsim-status", "data-paradigm") == "npm"
    page.fill(".govsim-seed input", "12x")
    page.keyboard.press("Enter")
    assert "not a whole number" in page.wait_for_selector(".govsim-input-error").inner_text()
    assert "Traceback" not in page.inner_text("body")
    page.screenshot(path=str(artifacts / "app-bad-input.png"))
    page.fill(".govsim-seed input", "42")
    page.keyboard.press("Enter")
    page.wait_for_selector(".govsim-pending:has-text('seed = 42')")
    page.click(".govsim-reset")
    page.wait_for_selector(".govsim-status:has-text('seed 42')")
    assert not page.errors, page.errors
