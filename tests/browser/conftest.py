"""Browser tests: the app in a subprocess, driven by Playwright with the system's Chromium.

Without Chromium (or Playwright) these tests skip, unless GOVSIM_REQUIRE_BROWSER is set
(as in CI), in which case they fail. Screenshots go to $GOVSIM_ARTIFACTS (set by .ci/run)
or to a temporary folder; never into the repository.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT = 90.0
SELECTOR_TIMEOUT = 30_000  # ms


def _missing(reason: str):
    if os.environ.get("GOVSIM_REQUIRE_BROWSER"):
        pytest.fail(f"{reason}, and GOVSIM_REQUIRE_BROWSER is set")
    pytest.skip(reason)


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def artifacts() -> Path:
    folder = os.environ.get("GOVSIM_ARTIFACTS")
    path = Path(folder) if folder else Path(tempfile.mkdtemp(prefix="govsim-screenshots-"))
    path.mkdir(parents=True, exist_ok=True)
    if ROOT in path.resolve().parents:
        pytest.fail(f"screenshots must not go into the repository ({path})")
    return path


@pytest.fixture(scope="module")
def chromium_exe() -> str:
    exe = chromium_path()
    if exe is None:
        _missing("no chromium on PATH")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _missing("playwright is not installed")
    return exe


@pytest.fixture(scope="module")
def app_url(chromium_exe):
    """Start ``govsim app`` on a free port once per test module; wait until it answers."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen([sys.executable, "-m", "govsim", "app", str(ROOT / "scenarios" / "npg.toml"),
                             "--port", str(port)], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + STARTUP_TIMEOUT
    try:
        while True:
            if proc.poll() is not None:
                log.seek(0)
                pytest.fail(f"govsim app exited with {proc.returncode}: {log.read().decode()[-2000:]}")
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"govsim app did not answer on {url} within {STARTUP_TIMEOUT:.0f} s")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=3)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="module")
def browser(chromium_exe, app_url):
    """Chromium, closed before the server stops (so the server need not wait for open sockets)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_exe, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture(scope="module")
def shared_context(browser):
    """One browser context (one cache) for the module; each page in it is its own app session."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    yield ctx
    ctx.close()


@pytest.fixture
def open_page(browser, shared_context, app_url):
    """``open_page()`` -> a new, loaded page (a new app session); ``open_page(own_context=True)``
    opens it in a fresh browser context, as a second user would."""
    contexts, pages = [], []

    def make(record: list | None = None, own_context: bool = False):
        ctx = shared_context
        if own_context:
            ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
            contexts.append(ctx)
        page = ctx.new_page()
        pages.append(page)
        page.errors = []  # uncaught errors in the page's JavaScript
        page.on("pageerror", lambda e: page.errors.append(str(e)))
        page.set_default_timeout(SELECTOR_TIMEOUT)
        if record is not None:
            page.on("request", lambda r: record.append(r.url))
            page.on("websocket", lambda ws: record.append(ws.url))
        page.goto(app_url)
        page.wait_for_selector(".govsim-network circle.govsim-citizen")
        page.wait_for_selector(".govsim-series")
        return page

    yield make
    for page in pages:
        page.close()
    for ctx in contexts:
        ctx.close()
