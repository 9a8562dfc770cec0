"""Server subcommands: `serve` (and the operator's `db` and `admin`)."""

from __future__ import annotations

import argparse
import importlib.util
import sys

__all__ = ["add_commands", "add_server_options", "missing_server_modules", "require_server_extra", "SERVER_EXTRA_HINT"]

# Import names of the `server` extra's distributions (pyproject.toml): a client-only install
# (the desktop app, `pip install makaverse[client]`) has none of them.
_SERVER_MODULES = ("sqlalchemy", "alembic", "argon2", "prometheus_client")
SERVER_EXTRA_HINT = "pip install 'makaverse[server]'"


def add_server_options(p: argparse.ArgumentParser) -> None:
    """Flags shared by `serve` and `run`; unset flags fall back to MAKAVERSE_* variables, then defaults."""
    p.add_argument("--host", default=None, help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=None, help="port for WebSocket, /healthz and /metrics (default 8765)")
    p.add_argument("--db", dest="db_url", default=None, help="database URL (default sqlite:///var/makaverse.db)")
    p.add_argument("--redis", dest="redis_url", default=None, help="Redis URL for the bus (default: in-process)")
    p.add_argument(
        "--public-url",
        dest="public_url",
        default=None,
        help="ws:// or wss:// address clients reach this process at; with --redis, processes share an "
        "instance directory and redirect clients to each other",
    )
    p.add_argument("--process-id", dest="process_id", default=None, help="this process's name in the directory")
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
        help="people per copy of the auditorium; when full, an overflow copy opens (150, its seats)",
    )
    p.add_argument("--tick-hz", dest="tick_hz", type=int, default=None, help="simulation ticks per second (20)")
    p.add_argument("--snapshot-hz", dest="snapshot_hz", type=int, default=None, help="snapshots per second (20)")
    p.add_argument("--capacity-players", dest="capacity_players", type=int, default=None,
                   help="players admitted at most; beyond, hello gets `full` (default 0: no cap)")
    p.add_argument("--capacity-auto", dest="capacity_auto", action="store_true", default=None,
                   help="also refuse newcomers beyond what this process's measured load allows "
                        "(default: when --full-url or other processes on Redis give them somewhere to go)")
    p.add_argument("--no-capacity-auto", dest="capacity_auto", action="store_false",
                   help="refuse newcomers only at --capacity-players, whatever the load")
    p.add_argument("--full-url", dest="full_url", default=None,
                   help="another server's ws:// URL that a `full` refusal names (default: none)")
    p.add_argument(
        "--gateways",
        type=int,
        default=None,
        help="processes that hold the WebSocket connections beside the world's own (default 0: one process)",
    )
    p.add_argument(
        "--loop",
        choices=("auto", "uvloop", "asyncio"),
        default=None,
        help="event loop: uvloop when installed (auto, the default) or the standard asyncio loop",
    )
    p.add_argument("--log-format", dest="log_format", choices=("json", "text"), default=None)


def add_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="run the authoritative world server")
    add_server_options(p)
    p.set_defaults(func=_serve)
    if missing_server_modules():
        for name, text in (("db", "database commands"), ("admin", "administration commands")):
            sub.add_parser(name, help=f"{text} (needs the server extra)").set_defaults(func=_needs_server)
        return
    from makaverse.server.admin import cli as admin_cli

    admin_cli.add_commands(sub)


def missing_server_modules() -> list[str]:
    """The server's dependencies that are not installed (empty on a full install)."""
    return [m for m in _SERVER_MODULES if importlib.util.find_spec(m) is None]


def require_server_extra(command: str) -> bool:
    """True when the server can run; otherwise says on stderr which extra to install."""
    missing = missing_server_modules()
    if not missing:
        return True
    print(f"makaverse {command}: the server needs the `server` extra (missing: {', '.join(missing)}); "
          f"install it with: {SERVER_EXTRA_HINT}", file=sys.stderr)
    return False


def _needs_server(args: argparse.Namespace) -> int:
    require_server_extra(args.command)
    return 2


def _serve(args: argparse.Namespace) -> int:
    if not require_server_extra("serve"):
        return 2
    from .app import serve_forever
    from .settings import Settings

    return serve_forever(Settings.from_env(args))
