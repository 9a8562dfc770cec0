"""Bench subcommands: `bots` (against a running server) and `bench` (starts its own server)."""

from __future__ import annotations

import argparse
import sys

__all__ = ["add_commands"]


def add_commands(sub: argparse._SubParsersAction) -> None:
    # Heavy imports wait for the command itself, so `makaverse --help` stays fast.
    from .options import add_bots_options

    p = sub.add_parser("bots", help="headless bot clients over real sockets, with a report")
    p.add_argument("--url", default="ws://127.0.0.1:8765")
    add_bots_options(p)
    p.set_defaults(func=_bots)

    p = sub.add_parser("bench", help="start a server, run bots against it, print server and bot figures")
    add_bots_options(p)
    p.add_argument("--tick-hz", dest="tick_hz", type=int, default=None, help="server ticks per second (default 20)")
    p.add_argument(
        "--snapshot-hz", dest="snapshot_hz", type=int, default=None, help="server snapshots per second (default 20)"
    )
    p.add_argument("--minutes", type=float, default=10.0, help="soak scenario: minutes to run (default 10)")
    p.add_argument(
        "--report-every", dest="report_every", type=float, default=60.0,
        help="soak scenario: seconds between lines of server figures (default 60)",
    )
    p.set_defaults(func=_bench)


def _bots(args: argparse.Namespace) -> int:
    from .bots import run_bots_cli

    return run_bots_cli(args)


def _bench(args: argparse.Namespace) -> int:
    try:
        import psutil  # noqa: F401  (the server's CPU and memory are read with it)
    except ImportError:
        print("makaverse bench needs psutil: pip install psutil (or the dev extra)", file=sys.stderr)
        return 2
    from .bench import run_bench_cli

    return run_bench_cli(args)
