"""The desktop app's entry point (the program `make dist` builds): the client alone, no server.

The server it connects to is, in order: `--url`, the MAKAVERSE_URL environment variable, or
the URL fixed when the app was built (`make dist DIST_URL=wss://...`).

A `wss://` server's certificate is checked against the system's certificate authorities, and
against `--ca-file` / MAKAVERSE_CA_FILE when given (net/tls.py). The Linux build carries its own
OpenSSL beside the program (bench/desktop.py). Should TLS still fail to load, the app runs without
it: plain `ws://` needs none, and only a `wss://` server is refused, with a clear message.
"""

from __future__ import annotations

import argparse
import os
import sys
import types

__all__ = ["main", "URL_ENV", "parse_args", "tls_available"]

URL_ENV = "MAKAVERSE_URL"


def parse_args(argv: list[str], *, built_url: str, environ: dict[str, str] | None = None) -> argparse.Namespace:
    from .cli import add_client_options

    env = os.environ if environ is None else environ
    parser = argparse.ArgumentParser(prog="makaverse-client", description="Makaverse: Balai Kota Makassar in 3D")
    add_client_options(parser, default_url=env.get(URL_ENV) or built_url)
    return parser.parse_args(argv)


def tls_available() -> bool:
    """Import `ssl`; when no OpenSSL can back it, stand in a module that refuses TLS."""
    import asyncio  # noqa: F401  (first: asyncio notes for itself that ssl is missing)

    try:
        import ssl  # noqa: F401
    except ImportError as exc:
        reason = str(exc)

        def unavailable(*args: object, **kwargs: object) -> None:
            raise RuntimeError(f"TLS (wss://) is not available on this system: {reason}")

        stand_in = types.ModuleType("ssl")
        stand_in.create_default_context = unavailable  # type: ignore[attr-defined]
        sys.modules["ssl"] = stand_in
        return False
    return True


def main(argv: list[str] | None = None, *, built_url: str) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv, built_url=built_url)
    if not tls_available() and args.url.startswith("wss://"):
        print(f"{args.url}: secure connections (wss://) are not available here: OpenSSL did not load",
              file=sys.stderr)
        return 2
    from .app import run_client

    return run_client(args)
