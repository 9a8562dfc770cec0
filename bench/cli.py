"""Bench subcommands: `bots` (against a running server) and `bench` (starts its own server)."""

from __future__ import annotations

import argparse

__all__ = ["add_commands"]


def add_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bots", help="headless bot clients over real sockets, with a report")
    p.add_argument("--url", default="ws://127.0.0.1:8765")
    p.add_argument("--count", type=int, default=50)
    p.add_argument("--duration", type=float, default=20.0, help="seconds")
    p.add_argument("--scenario", default="wander")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.set_defaults(func=_bots)


def _bots(args: argparse.Namespace) -> int:
    from .bots import run_bots_cli

    return run_bots_cli(args)
