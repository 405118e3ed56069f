"""How fast the browser view plays, with 1,000 citizens (docs/teaching.md reports the figures).

Two measurements:

1. *Server side, no browser*: model stepping plus the work the page does per frame
   (reading outcomes and events, the network frame, the chart tails), for the single
   view and the side-by-side view (three models in lockstep).
2. *In a real browser* (``--browser``; needs Chromium and Playwright): start ``govsim
   app``, open the page, set the speed slider to its maximum, press Play for a fixed
   time and count the steps the page shows, in both views. This includes Solara's
   rendering and the browser's drawing.

Usage::

    python benchmarks/app_speed.py                 # server side only
    python benchmarks/app_speed.py --browser       # both
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from govsim.app import adapter as A  # noqa: E402
from govsim.app import charts as C  # noqa: E402
from govsim.app import network_view as NV  # noqa: E402
from govsim.app.session import Session  # noqa: E402

SCENARIO = ROOT / "scenarios" / "npg.toml"
COUNT_FRAMES = """() => {
  window.govsimFrames = 0;
  if (window.govsimObserver) window.govsimObserver.disconnect();
  window.govsimObserver = new MutationObserver(() => { window.govsimFrames += 1; });
  window.govsimObserver.observe(document.querySelector('.govsim-status'),
                                {attributes: true, attributeFilter: ['data-step']});
}"""


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} / {five:.2f} / {fifteen:.2f} on {os.cpu_count()} cores"


def frame_work(session: Session, layout, colour_by: str = "trust") -> None:
    """What the page computes per frame besides stepping (mirrors govsim.app.page)."""
    for run in session.runs:
        NV.frame(run.model, layout, colour_by)
        A.outcomes(run.model)
        " ".join(run.events)
    rows = session.runs[0].rows
    for idx in ([0, 1, 2], [6, 7, 8, 9, 10, 11, 12]):
        C.chunk(session.epoch, C.columns(rows[-C.TAIL:], idx))
    if session.mode == "compare":
        session.same_problems()


def server_side(mode: str, steps: int) -> float:
    scenario = A.load_scenario(SCENARIO)
    s = Session(scenario, str(SCENARIO), mode=mode)
    layout = NV.compute_layout(s.runs[0].model)
    t0 = time.perf_counter()
    for _ in range(steps):
        s.advance(1)
        frame_work(s, layout)
    return steps / (time.perf_counter() - t0)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def in_browser(seconds: float) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen([sys.executable, "-m", "govsim", "app", str(SCENARIO), "--port", str(port)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    out = {}
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(url, timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("the app did not start") from None
                time.sleep(0.2)
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=shutil.which("chromium"))
            page = b.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(60_000)
            page.goto(url)
            page.wait_for_selector(".govsim-network circle")
            for label, mode_class in (("single", None), ("compare", ".govsim-mode-compare")):
                if mode_class:
                    page.click(mode_class)
                    page.wait_for_selector(".govsim-same-town")
                for speed, key in (("default (5 steps/s)", None), ("max (30 steps/s)", "End")):
                    if key:
                        page.focus("[role=slider] >> nth=0")
                        page.keyboard.press(key)
                    start = int(page.get_attribute(".govsim-status", "data-step"))
                    page.evaluate(COUNT_FRAMES)
                    page.click(".govsim-play")
                    t0 = time.perf_counter()
                    page.wait_for_timeout(seconds * 1000)
                    page.click(".govsim-play")
                    elapsed = time.perf_counter() - t0
                    page.wait_for_selector(".govsim-status[data-playing='no']")
                    end = int(page.get_attribute(".govsim-status", "data-step"))
                    frames = page.evaluate("window.govsimFrames")
                    out[f"{label}, speed {speed}"] = ((end - start) / elapsed, frames / elapsed)
                if mode_class is None:
                    page.focus("[role=slider] >> nth=0")
                    page.keyboard.press("Home")
                    for _ in range(4):
                        page.keyboard.press("ArrowRight")
            b.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=120, help="steps per server-side measurement")
    ap.add_argument("--browser", action="store_true", help="also measure in Chromium")
    ap.add_argument("--seconds", type=float, default=8.0, help="seconds of play per browser measurement")
    args = ap.parse_args()
    print(f"before: {load()}")
    for mode in ("single", "compare"):
        rate = server_side(mode, args.steps)
        print(f"server side, {mode:<7}: {rate:7.1f} steps/s (model stepping + per-frame page work, 1,000 citizens)")
    if args.browser:
        for name, (rate, fps) in in_browser(args.seconds).items():
            print(f"in Chromium, {name:<32}: {rate:6.1f} steps/s shown, {fps:5.1f} frames/s")
    print(f"after:  {load()}")


if __name__ == "__main__":
    main()
