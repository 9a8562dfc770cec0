"""Command-line options shared by `makaverse bots` and `makaverse bench` (no heavy imports here)."""

from __future__ import annotations

import argparse

__all__ = ["add_bots_options"]


def add_bots_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--count", type=int, default=50, help="number of bots (default 50)")
    p.add_argument("--duration", type=float, default=20.0, help="seconds with every bot in the world (default 20)")
    p.add_argument(
        "--scenario", default="wander",
        help="what the bots do: wander (default), idle, chatty, queue, townhall; "
             "bench also: crowd, services, ceiling, overload",
    )
    p.add_argument(
        "--procs", type=int, default=None, help="processes for the bots (default: one per 100 bots, up to the CPUs)"
    )
    p.add_argument(
        "--ramp", type=float, default=None, help="seconds over which connects are spread (default count/100, 0.5 to 2)"
    )
    p.add_argument("--seed", type=int, default=1, help="seed for the bots' choices (default 1)")
    p.add_argument(
        "--staff", type=int, default=4, help="queue scenario: clerk bots manning the first booths (default 4)"
    )
    p.add_argument("--host-user", default="", help="townhall scenario: an account with role host or admin")
    p.add_argument(
        "--host-password", default="", help="townhall scenario: its password (or $MAKAVERSE_BOTS_HOST_PASSWORD)"
    )
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout (progress stays on stderr)")
