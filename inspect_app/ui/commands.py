"""`python main.py app` (also the default): the tablet app as a local Flet web app."""

from __future__ import annotations

from pathlib import Path

from inspect_app import paths
from inspect_app.ui.server import DEFAULT_HOST, DEFAULT_PORT


def register(sub) -> None:
    """Add this area's sub-commands to the main parser."""
    app = sub.add_parser("app", help="start the tablet app (Flet web, no CDN) — the default")
    app.add_argument("--host", default=DEFAULT_HOST,
                     help=f"address to listen on (default {DEFAULT_HOST}; 0.0.0.0 lets tablets on the site Wi-Fi connect)")
    app.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    # Own dest: a sub-parser default would otherwise overwrite the top-level --data.
    app.add_argument("--data", dest="app_data", default=None, help="data folder (default ./data)")
    app.add_argument("--standards", default=None,
                     help="folder of standard files to offer (default: the shipped standards/)")
    app.set_defaults(func=run_app)


def run_app(args) -> int:
    from inspect_app.ui.server import serve

    data_dir = paths.data_dir(getattr(args, "app_data", None) or getattr(args, "data", None))
    standards = Path(args.standards) if args.standards else None
    serve(data_dir, host=args.host, port=args.port, standards_dir=standards)
    return 0
