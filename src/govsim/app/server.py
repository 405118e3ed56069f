"""Serve the browser view with Solara, bound to one host and port, with no request leaving the machine.

Solara's assets (JavaScript, fonts) come from the ``solara-assets`` package through
Solara's local proxy; telemetry and the start-up check against solara.dev are off.
"""

from __future__ import annotations

import os
import socket
import sys
import warnings

PAGE_MODULE = "govsim.app.page"


def offline_environment(scenario: str | None) -> dict[str, str]:
    """Environment settings that make Solara serve the page offline, from local assets."""
    env = {
        "SOLARA_APP": PAGE_MODULE,
        "SOLARA_MODE": "production",  # no start-up check request to solara.dev, no hot reload
        "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
        "SOLARA_ASSETS_PROXY": "True",  # assets from solara-assets through the local server
    }
    if scenario:
        env["GOVSIM_APP_SCENARIO"] = os.path.abspath(scenario)
    return env


def port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def url_of(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def _no_downloads(url: str) -> bytes:
    raise FileNotFoundError(f"not shipped with solara-assets, and the view does not download: {url}")


def keep_offline() -> None:
    """Make Solara's asset proxy serve only what is installed: a missing asset is a 404, never a
    download from a CDN."""
    import solara.server.cdn_helper as cdn

    cdn.fetch_from_cdn = _no_downloads


def serve(scenario: str | None, host: str = "127.0.0.1", port: int = 8765) -> None:
    """Start the server (blocks until interrupted). ``scenario`` must already be validated."""
    os.environ.update(offline_environment(scenario))
    # Solara warns on every page load over plain http to 127.0.0.1 about a cookie setting that
    # only matters when the page is embedded in another site; not useful in a classroom.
    warnings.filterwarnings("ignore", message="Cookies with samesite=none")
    import uvicorn

    keep_offline()

    print(f"govsim app: open {url_of(host, port)} in a browser (Ctrl+C to stop)", flush=True)
    sys.stdout.flush()
    uvicorn.run("solara.server.starlette:app", host=host, port=port, log_level="warning",
                ws_ping_interval=None, timeout_graceful_shutdown=2)
