"""One entry point: `python main.py` starts the tablet app; sub-commands map to modules.

    python main.py                          the tablet app (Flet web, ./data)
    python main.py standard import|check    inspect_app.standard.commands
    python main.py report build|verify|export  inspect_app.report.commands
    python main.py hub [user add …]         inspect_app.hub.commands
    python main.py round start|show|compare inspect_app.review_commands
"""

from __future__ import annotations

import argparse
import sys

from inspect_app import paths
from inspect_app import review_commands
from inspect_app.hub import commands as hub_commands
from inspect_app.report import commands as report_commands
from inspect_app.standard import commands as standard_commands
from inspect_app.ui import commands as ui_commands


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="main.py", description="基层行现场评审 Jiceng Inspect")
    parser.add_argument("--data", default=None, help=f"data folder (default: {paths.default_data_dir()})")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    ui_commands.register(sub)
    standard_commands.register(sub)
    report_commands.register(sub)
    hub_commands.register(sub)
    review_commands.register(sub)  # round start|show|compare (docs/review-chain.md)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args(["app", *(argv or sys.argv[1:])])
    return int(args.func(args) or 0)
