"""Bench subcommands: `bots` (against a running server), `bench` (starts its own server) and
`shot` (the client driven by a script, for screenshots, demos and tests)."""

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
    p.add_argument(
        "--gateways", type=int, default=0,
        help="server processes that hold the WebSocket connections beside the world's (default 0: one process)",
    )
    p.add_argument("--minutes", type=float, default=10.0, help="soak scenario: minutes to run (default 10)")
    p.add_argument(
        "--report-every", dest="report_every", type=float, default=60.0,
        help="soak scenario: seconds between lines of server figures (default 60)",
    )
    # --scenario client: how fast the 3D client draws a crowd (no server; see client/bench_frames.py).
    p.add_argument("--avatars", type=int, default=100, help="client scenario: avatars in view (default 100)")
    p.add_argument("--preset", choices=("low", "medium", "high"), default="low",
                   help="client scenario: graphics preset (default low)")
    p.add_argument("--renderer", choices=("software", "gl"), default="software",
                   help="client scenario: software (tinydisplay, default) or gl (needs a display, e.g. xvfb-run)")
    p.add_argument("--frames", type=int, default=300, help="client scenario: frames measured (default 300)")
    # --scenario crowd|townhall|services|ceiling: measured runs (see bench/measure.py, docs/performance.md).
    p.add_argument("--in-hz", dest="in_hz", type=float, default=20.0,
                   help="crowd/ceiling: inputs a second per bot (default 20)")
    p.add_argument("--processes", type=int, default=1,
                   help="crowd/townhall/services: server processes sharing PostgreSQL (a fresh schema at --db) "
                        "and Redis (--redis); default 1")
    p.add_argument("--warmup", type=float, default=3.0, help="seconds after every bot is in before measuring")
    p.add_argument("--no-ceiling", dest="no_ceiling", action="store_true",
                   help="don't run the ceiling scenario for ceiling_ratio")
    p.add_argument("--ceiling-file", dest="ceiling_file", default="",
                   help="read the ceiling from this file (a `--scenario ceiling --json` result) instead of running it")
    p.add_argument("--serve-args", dest="serve_args", default="",
                   help='crowd/townhall/services: more `makaverse serve` options, one string (e.g. "--gateways 2")')
    p.add_argument("--db", default="",
                   help="crowd/townhall/services: the server's database URL (default: a fresh SQLite file); with "
                        "--processes N > 1 the PostgreSQL in which each run makes a fresh schema (default "
                        "postgresql+psycopg://postgres@127.0.0.1:5432/test)")
    p.add_argument("--redis", default="",
                   help="with --processes N > 1: the Redis the processes share (default redis://127.0.0.1:6379/0)")
    p.add_argument("--frame-bytes", dest="frame_bytes", type=int, default=900,
                   help="ceiling: bytes of the frame sent to each client every tick (default 900)")
    # --scenario overload: --count walkers calibrate, then factor x the capacity the server measured.
    p.add_argument("--factor", type=float, default=2.0,
                   help="overload: bots driven, as a multiple of the capacity the server measured (default 2)")
    p.add_argument("--full-url", dest="full_url", default="",
                   help="overload: the server's --full-url, which its refusals name (default a placeholder)")
    p.set_defaults(func=_bench)

    from .scripted.run import add_shot_options

    p = sub.add_parser("shot", help="the client driven by a script (walk, chat, booth actions), for screenshots")
    add_shot_options(p)
    p.set_defaults(func=_shot)


def _bots(args: argparse.Namespace) -> int:
    from .bots import run_bots_cli

    return run_bots_cli(args)


def _bench(args: argparse.Namespace) -> int:
    if args.scenario == "client":
        from .client_frames import run_client_bench_cli

        return run_client_bench_cli(args)
    try:
        import psutil  # noqa: F401  (the server's CPU and memory are read with it)
    except ImportError:
        print("makaverse bench needs psutil: pip install psutil (or the dev extra)", file=sys.stderr)
        return 2
    from .measure import MEASURED_SCENARIOS

    if args.scenario == "overload":
        from .overload import run_overload_cli

        return run_overload_cli(args)
    if args.scenario in MEASURED_SCENARIOS:
        from .measure import run_measured_cli

        return run_measured_cli(args)
    from .bench import run_bench_cli

    return run_bench_cli(args)


def _shot(args: argparse.Namespace) -> int:
    from .scripted.run import run_scripted

    return run_scripted(args)
