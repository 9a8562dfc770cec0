"""Regenerate the README picture: a server, a few players walking into the service hall, and
one more that takes the screenshot. Everything runs as real processes over real sockets.

    python -m makaverse.client.shots docs/screenshot.png

Each player is `makaverse client --offscreen --walk ...`; the walkers say `ready` on stdout
when they have arrived, then the photographer walks in and writes the PNG.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

__all__ = ["main", "start_server", "CAST", "PHOTOGRAPHER"]

# (name, route): the walkers stand at booths and in the hall; routes are `--walk` specs.
CAST = (
    ("Andi", "0,-4;0,18;-8,23.5;-17.5,23.5@90"),
    ("Rahmat", "0,-4;0,18;-6,29.2;-17.5,29.2@90"),
    ("Sari", "0,-4;0,17;-17.5,17.6@90"),
    ("Nurul", "0,-4;0,18;-9,22;-9.2,27.5@100"),
)
PHOTOGRAPHER = ("Daeng", "0,-4;0,16;-3,21@58")


def _python() -> list[str]:
    return [sys.executable, "-m", "makaverse"]


def start_server(db: Path) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([*_python(), "serve", "--port", "0", "--db", f"sqlite:///{db}", "--log-format", "text"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    url: list[str] = []
    ready = threading.Event()

    def read() -> None:
        for line in proc.stdout:
            m = re.search(r"listening on (ws://[\w.\-]+:\d+)", line)
            if m and not url:
                url.append(m.group(1))
                ready.set()

    threading.Thread(target=read, daemon=True).start()
    if not ready.wait(30):
        proc.kill()
        raise RuntimeError("the server did not start")
    return proc, url[0]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out", nargs="?", default="docs/screenshot.png")
    p.add_argument("--lang", choices=("id", "en"), default="id")
    p.add_argument("--camera", default="follow")
    p.add_argument("--route", default=PHOTOGRAPHER[1], help="the photographer's --walk")
    args = p.parse_args(argv)
    out = Path(args.out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        server, url = start_server(Path(tmp) / "shots.db")
        walkers: list[subprocess.Popen] = []
        try:
            for name, route in CAST:
                walkers.append(subprocess.Popen(
                    [*_python(), "client", "--url", url, "--offscreen", "--name", name, "--lang", args.lang,
                     "--frames", "1000000", "--walk", route],
                    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True))
            for w in walkers:
                json.loads(w.stdout.readline())  # {"event": "ready", ...} once arrived
            name, route = PHOTOGRAPHER[0], args.route
            shot = subprocess.run(
                [*_python(), "client", "--url", url, "--offscreen", "--name", name, "--lang", args.lang,
                 "--frames", "20", "--walk", route, "--camera", args.camera, "--screenshot", str(out)],
                capture_output=True, text=True, timeout=300)
            print(shot.stdout.strip().splitlines()[-1] if shot.stdout.strip() else shot.stderr[-2000:])
            return shot.returncode
        finally:
            for w in walkers:
                w.terminate()
            for w in walkers:
                try:
                    w.wait(15)
                except subprocess.TimeoutExpired:
                    w.kill()
            server.terminate()
            server.wait(15)


if __name__ == "__main__":
    sys.exit(main())
