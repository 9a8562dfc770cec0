"""Client subcommand: `client`."""

from __future__ import annotations

import argparse

__all__ = ["add_commands"]


def add_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("client", help="open the 3D client and connect to a server")
    p.add_argument("--url", default="ws://127.0.0.1:8765")
    p.add_argument("--name", default="")
    p.add_argument("--lang", choices=("id", "en"), default="id")
    p.add_argument("--offscreen", action="store_true", help="render without a window (software renderer)")
    p.add_argument("--screenshot", default=None, help="write a PNG after --frames frames, then exit")
    p.add_argument("--frames", type=int, default=60)
    # For screenshots, demos and tests: a scripted walk (sent as ordinary inputs) and fixed views.
    p.add_argument("--walk", default=None, metavar="X,Y;X,Y[@DEG]",
                   help="walk through these points (metres), then face DEG degrees (0 = north)")
    p.add_argument("--camera", default="follow", metavar="VIEW",
                   help="follow (default), hall, forecourt, auditorium or booth:<OPD>")
    p.add_argument("--wait", type=float, default=None, metavar="SECONDS",
                   help="with --screenshot: how long to wait for the server before rendering anyway (20)")
    p.set_defaults(func=_client)


def _client(args: argparse.Namespace) -> int:
    from .app import run_client

    return run_client(args)
