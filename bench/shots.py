"""Regenerate the README picture: a server, a few players walking into the service hall, and
one more that takes the screenshot. Everything runs as real processes over real sockets.

    python -m makaverse.bench.shots docs/service-hall.png
    python -m makaverse.bench.shots docs/plaza.png --scene plaza --camera forecourt
    python -m makaverse.bench.shots docs/settings.png --photographer=--settings-panel

`make shots` takes every README picture this way with OpenGL (under xvfb-run).

Each player is `makaverse shot --offscreen --walk ...`; the walkers say `ready` on stdout
when they have arrived, then the photographer walks in and writes the PNG.
"""

from __future__ import annotations

import argparse
import json
import re
import shlex
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

__all__ = ["main", "start_server", "CAST", "PHOTOGRAPHER"]

# (name, route, look): the walkers stand at booths and in the hall; routes are `--walk` specs,
# looks `--look` specs (empty: the server's default for the name).
CAST = (
    ("Andi", "0,-4;0,18;-8,23.5;-17.5,23.5@90", "skin=3,headwear=peci,pattern=batik,top=#7a1020,accent=#e8b04a"),
    ("Rahmat", "0,-4;0,18;-6,29.2;-17.5,29.2@90", "skin=4,headwear=songkok,pattern=balo_lobang,top=#f5f5f0,"
                                                    "accent=#e8b04a,bottom=#8a1420"),
    ("Sari", "0,-4;0,17;-17.5,17.6@90", "skin=1,headwear=hijab,pattern=plain,top=#1e5aa8,head=#b28db8"),
    ("Nurul", "0,-4;0,18;-9,22;-9.2,27.5@100", "skin=2,headwear=hijab,pattern=batik,top=#2e8b57,accent=#f3e5c0,"
                                                "head=#e7d8c9"),
)
PHOTOGRAPHER = ("Daeng", "0,-4;0,16;-3,21@58")
# The forecourt: people about the plaza, the photographer on the walk from the gate.
PLAZA_CAST = (
    ("Andi", "9,-12@200", "skin=3,headwear=peci,pattern=batik,top=#7a1020,accent=#e8b04a"),
    ("Besse", "8.2,-13.2@20", "skin=1,headwear=hijab,pattern=balo_renni,top=#f5f5f0,accent=#e8a0b0,"
                             "bottom=#3a7a4a,head=#c2185b"),
    ("Rahmat", "4.5,-8@150", "skin=4,headwear=songkok,pattern=balo_lobang,top=#f5f5f0,accent=#e8b04a,bottom=#8a1420"),
    ("Tata", "2,-3;1.5,-2@0", "skin=2,headwear=passapu,pattern=plain,top=#2e8b57,head=#7a1020"),
    ("Sari", "12,-6@100", "skin=0,headwear=hijab,pattern=batik,top=#1e5aa8,accent=#c8961e,head=#b28db8"),
)
PLAZA_PHOTOGRAPHER = ("Daeng", "0,-6;6,-14@60")


def _python() -> list[str]:
    return [sys.executable, "-m", "makaverse"]


def start_server(db: Path) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([*_python(), "serve", "--port", "0", "--db", f"sqlite:///{db}", "--log-format", "text"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    url: list[str] = []
    ready = threading.Event()

    assert proc.stdout is not None  # stdout=PIPE

    def read() -> None:
        assert proc.stdout is not None
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
    p.add_argument("out", nargs="?", default="docs/service-hall.png")
    p.add_argument("--lang", choices=("id", "en"), default="id")
    p.add_argument("--camera", default="follow")
    p.add_argument("--scene", choices=("hall", "plaza"), default="hall", help="who stands where")
    p.add_argument("--route", default=None, help="the photographer's --walk")
    p.add_argument("--preset", choices=("low", "medium", "high"), default="medium")
    p.add_argument("--gl", action="store_true", help="the photographer renders with OpenGL (run under xvfb-run)")
    p.add_argument("--photographer", default="", metavar="OPTIONS",
                   help="more `makaverse shot` options for the photographer, e.g. \"--directory 'akta lahir' "
                        "--take-me-there --guide-seconds 3\", \"--settings-panel\" or \"--look-chooser\"")
    args = p.parse_args(argv)
    cast, photographer = (PLAZA_CAST, PLAZA_PHOTOGRAPHER) if args.scene == "plaza" else (CAST, PHOTOGRAPHER)
    out = Path(args.out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        server, url = start_server(Path(tmp) / "shots.db")
        walkers: list[subprocess.Popen] = []
        try:
            for name, route, look in cast:
                walkers.append(subprocess.Popen(
                    [*_python(), "shot", "--url", url, "--offscreen", "--name", name, "--lang", args.lang,
                     "--frames", "1000000", f"--walk={route}", *([f"--look={look}"] if look else [])],
                    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True))
            for w in walkers:
                assert w.stdout is not None  # stdout=PIPE
                json.loads(w.stdout.readline())  # {"event": "ready", ...} once arrived
            name, route = photographer[0], args.route or photographer[1]
            # With --gl the photographer opens a real OpenGL window (the display is Xvfb's).
            window = [] if args.gl else ["--offscreen"]
            shot = subprocess.run(
                [*_python(), "shot", "--url", url, *window, "--name", name, "--lang", args.lang,
                 "--frames", "20", f"--walk={route}", "--camera", args.camera, "--screenshot", str(out),
                 "--preset", args.preset, "--settings-file", str(Path(tmp) / "settings.json"),
                 *shlex.split(args.photographer)],
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
