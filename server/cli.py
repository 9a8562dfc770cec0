"""Server subcommands: `serve` (and the operator's `db` and `admin`)."""

from __future__ import annotations

import argparse

__all__ = ["add_commands", "add_server_options"]


def add_server_options(p: argparse.ArgumentParser) -> None:
    """Flags shared by `serve` and `run`; unset flags fall back to MAKAVERSE_* variables, then defaults."""
    p.add_argument("--host", default=None, help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=None, help="port for WebSocket, /healthz and /metrics (default 8765)")
    p.add_argument("--db", dest="db_url", default=None, help="database URL (default sqlite:///var/makaverse.db)")
    p.add_argument("--redis", dest="redis_url", default=None, help="Redis URL for the bus (default: in-process)")
    p.add_argument("--world", dest="world_file", default=None, help="world file (default: the Balai Kota)")
    p.add_argument(
        "--instances",
        default=None,
        help="world instances to host, comma-separated (default building,auditorium)",
    )
    p.add_argument(
        "--auditorium-capacity",
        dest="auditorium_capacity",
        type=int,
        default=None,
        help="people per copy of the auditorium; when full, an overflow copy opens (200)",
    )
    p.add_argument("--tick-hz", dest="tick_hz", type=int, default=None, help="simulation ticks per second (20)")
    p.add_argument("--snapshot-hz", dest="snapshot_hz", type=int, default=None, help="snapshots per second (20)")
    p.add_argument("--log-format", dest="log_format", choices=("json", "text"), default=None)


def add_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="run the authoritative world server")
    add_server_options(p)
    p.set_defaults(func=_serve)
    try:
        from makaverse.server.admin import cli as admin_cli
    except ImportError:
        return
    admin_cli.add_commands(sub)


def _serve(args: argparse.Namespace) -> int:
    from .app import serve_forever
    from .settings import Settings

    return serve_forever(Settings.from_env(args))
