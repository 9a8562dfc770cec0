"""The `makaverse` console script: one command with subcommands.

Each part registers its own subcommands (server: serve, db, admin; client: client;
bench: bots, bench); `run` starts a server and, where a display exists, a client.
Heavy imports happen inside the chosen command, so `makaverse --help` stays fast.
"""

from __future__ import annotations

import argparse
import sys

__all__ = ["main", "build_parser"]


def build_parser() -> argparse.ArgumentParser:
    from makaverse.bench import cli as bench_cli
    from makaverse.client import cli as client_cli
    from makaverse.server import cli as server_cli

    parser = argparse.ArgumentParser(prog="makaverse", description="Makaverse: Balai Kota Makassar in 3D")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    server_cli.add_commands(sub)
    client_cli.add_commands(sub)
    bench_cli.add_commands(sub)
    _add_run(sub, server_cli)
    return parser


def _add_run(sub: argparse._SubParsersAction, server_cli) -> None:
    p = sub.add_parser("run", help="start the server and, when a display exists, a client window")
    server_cli.add_server_options(p)
    p.add_argument("--name", default=None, help="the client's display name (default: a guest name)")
    p.add_argument("--lang", choices=("id", "en"), default="id")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from makaverse import launcher

    if not server_cli_require("run"):
        return 2

    return launcher.run(args)


def server_cli_require(command: str) -> bool:
    from makaverse.server.cli import require_server_extra

    return require_server_extra(command)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        from makaverse.server.startup_errors import describe

        line = describe(exc)
        if line is None:
            raise  # not a start-up problem a person can fix: a bug, with its traceback
        print(f"makaverse {args.command}: error: {line}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
