"""``govsim app``: registered in the CLI; only the standard library is imported here."""

from __future__ import annotations

import argparse


def register(sub) -> None:
    """Add the ``app`` command to the CLI's subparsers."""
    p = sub.add_parser("app", help="open the browser view for teaching (Solara, offline)",
                       description="Serve the browser view on HOST:PORT and print its URL.")
    p.add_argument("scenario", nargs="?", help="scenario TOML file to start with (default: scenarios/npg.toml)")
    p.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    p.add_argument("--host", default="127.0.0.1", help="host to bind (default 127.0.0.1: this machine only)")
    p.set_defaults(func=cmd_app)


def cmd_app(args: argparse.Namespace) -> int:
    from govsim.cli import UsageError
    from govsim.config import load_scenario

    if not 0 < args.port < 65536:
        raise UsageError(f"--port {args.port}: allowed: 1 to 65535")
    if args.scenario:
        load_scenario(args.scenario)  # a bad file: one line, exit code 2, before anything starts
    from govsim.app.server import port_free, serve

    if not port_free(args.host, args.port):
        raise UsageError(f"--port {args.port}: cannot listen on {args.host}:{args.port} (in use or not allowed); "
                         "choose another with --port")
    serve(args.scenario, args.host, args.port)
    return 0
