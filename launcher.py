"""`makaverse run`: the server on the embedded defaults, plus a client window when a display exists.

The server runs as a child process so the client (Panda3D owns its process) and the server
never share an interpreter; closing the window or Ctrl-C stops both.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

__all__ = ["run", "has_display"]


def has_display() -> bool:
    if sys.platform in ("win32", "darwin"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def _server_command(args: argparse.Namespace) -> list[str]:
    cmd = [sys.executable, "-m", "makaverse", "serve", "--log-format", args.log_format or "text"]
    for flag, value in (
        ("--host", args.host),
        ("--port", args.port),
        ("--db", args.db_url),
        ("--redis", args.redis_url),
        ("--world", args.world_file),
        ("--tick-hz", args.tick_hz),
        ("--snapshot-hz", args.snapshot_hz),
    ):
        if value is not None:
            cmd += [flag, str(value)]
    return cmd


def _wait_healthy(url: str, server: subprocess.Popen, timeout_s: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                if json.load(r).get("status") == "ok":
                    return True
        except OSError:
            pass
        time.sleep(0.2)
    return False


def run(args: argparse.Namespace) -> int:
    host = args.host or os.environ.get("MAKAVERSE_HOST") or "127.0.0.1"
    port = args.port or int(os.environ.get("MAKAVERSE_PORT") or 8765)
    args.host, args.port = host, port
    # SIGTERM ends us like Ctrl-C does, so the server below is always stopped too.
    signal.signal(signal.SIGTERM, _interrupt)
    server = subprocess.Popen(_server_command(args))
    try:
        if not _wait_healthy(f"http://{host}:{port}/healthz", server):
            if server.poll() is not None:
                return server.returncode or 1  # it said why, in one line on stderr
            print("makaverse run: error: the server did not become healthy in time", file=sys.stderr)
            return 1
        url = f"ws://{host}:{port}"
        if not has_display():
            print(
                f"\nNo display here: the server runs alone at {url}.\n"
                f"  From a desktop:        makaverse client --url {url}\n"
                f"  A picture, headless:   makaverse client --url {url} --offscreen --screenshot shot.png\n"
                f"  Health and metrics:    http://{host}:{port}/healthz  http://{host}:{port}/metrics\n"
                "Press Ctrl-C to stop.\n",
                flush=True,
            )
            return server.wait()
        client_cmd = [sys.executable, "-m", "makaverse", "client", "--url", url, "--lang", args.lang]
        if args.name:
            client_cmd += ["--name", args.name]
        return subprocess.call(client_cmd)
    except KeyboardInterrupt:
        return 0
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=5)
            except subprocess.TimeoutExpired:
                server.kill()
