"""Build the desktop client with Panda3D's `build_apps`: a standalone program (Python inside)
for Linux (manylinux2014) and Windows, carrying only the client's code and dependencies.

    python -m makaverse.bench.desktop [--platform manylinux2014_x86_64 --platform win_amd64] [--url wss://...]
    python -m makaverse.bench.desktop --check      # Linux only, then start it headless (CI)

The check starts a server from this checkout (`python -m makaverse serve`, port 0, a throwaway
SQLite file) and the built program offscreen with the software renderer; it passes when the
program entered the world as a guest and its screenshot is not blank.

Stages the client's packages (client, protocol, world, assets; never server or bench) under
build/dist-stage/, writes the app's entry script with the server URL fixed at build time,
and runs build_apps there. The programs land in dist/desktop/<platform>/makaverse-client
(.exe on Windows). Wheels come from PyPI (panda3d, numpy, msgpack, websockets).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STAGE = ROOT / "build" / "dist-stage"
OUT = ROOT / "dist" / "desktop"
PACKAGES = ("protocol", "world", "client", "assets")
LINUX = "manylinux2014_x86_64"
WINDOWS = "win_amd64"
APP = "makaverse-client"

SETUP = '''\
from setuptools import setup

setup(
    name="makaverse-client",
    version={version!r},
    options={{
        "build_apps": {{
            "gui_apps": {{"makaverse-client": "makaverse_client.py"}},
            "platforms": {platforms!r},
            "build_base": {out!r},
            "plugins": ["pandagl", "p3tinydisplay", "p3openal_audio"],
            # Data files lie beside the program: there a frozen module's __file__ is the program.
            "include_patterns": ["data/*.toml", "data/sounds/*.wav"],
            "rename_paths": {{"data/": ""}},
            "include_modules": {{"*": ["makaverse.client.app", "makaverse.client.desktop"]}},
            "exclude_modules": {{"*": ["makaverse.server", "makaverse.server.*", "makaverse.bench",
                                       "makaverse.bench.*", "sqlalchemy", "alembic", "argon2",
                                       "prometheus_client", "tkinter", "pytest", "_pytest",
                                       "hypothesis", "psutil", "setuptools", "pkg_resources", "pip"]}},
            # Only PyPI: no optimised wheels from another index.
            "use_optimized_wheels": False,
            "pypi_extra_indexes": [],
        }},
    }},
)
'''

ENTRY = '''\
"""Makaverse desktop client (built by bench/desktop.py)."""
import sys

from makaverse.client.desktop import main

BUILT_URL = {url!r}

if __name__ == "__main__":
    sys.exit(main(built_url=BUILT_URL))
'''


def _version(dist: str) -> str:
    from importlib.metadata import version

    return version(dist)


def requirements() -> str:
    """The app's wheels, pinned to what the client is developed with (numpy: the newest line that
    still ships manylinux2014 wheels, which build_apps asks for)."""
    import numpy

    numpy_pin = f"numpy=={numpy.__version__}" if tuple(map(int, numpy.__version__.split(".")[:2])) < (2, 3) \
        else "numpy>=1.26,<2.3"
    return "\n".join([f"panda3d=={_version('panda3d')}", numpy_pin, f"msgpack=={_version('msgpack')}",
                      f"websockets=={_version('websockets')}", ""])


def stage(*, url: str, platforms: list[str]) -> Path:
    if STAGE.exists():
        shutil.rmtree(STAGE)
    pkg = STAGE / "makaverse"
    pkg.mkdir(parents=True)
    shutil.copy2(ROOT / "__init__.py", pkg / "__init__.py")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in PACKAGES:
        shutil.copytree(ROOT / name, pkg / name, ignore=ignore)
    # What the client reads from beside its modules: the world, the directory, the sounds.
    data = STAGE / "data"
    (data / "sounds").mkdir(parents=True)
    shutil.copy2(ROOT / "world" / "balai_kota.toml", data)
    shutil.copy2(ROOT / "client" / "state" / "directory.toml", data)
    for wav in sorted((ROOT / "assets" / "sounds").glob("*.wav")):
        shutil.copy2(wav, data / "sounds")
    (STAGE / "setup.py").write_text(SETUP.format(version=_version("makaverse"), platforms=platforms, out=str(OUT)))
    (STAGE / "makaverse_client.py").write_text(ENTRY.format(url=url))
    (STAGE / "requirements.txt").write_text(requirements())
    return STAGE


def build(*, url: str, platforms: list[str]) -> int:
    where = stage(url=url, platforms=platforms)
    print(f"building {APP} for {', '.join(platforms)} (server {url}) -> {OUT}", flush=True)
    return subprocess.call([sys.executable, "setup.py", "build_apps"], cwd=where)


def program(platform: str) -> Path:
    return OUT / platform / (APP + (".exe" if platform.startswith("win") else ""))


def check_linux_app(app: Path, *, timeout_s: float = 180.0) -> int:
    from panda3d.core import Filename, PNMImage

    from makaverse.bench.shots import start_server

    if not app.exists():
        print(f"dist-check: {app} was not built", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        server, url = start_server(Path(tmp) / "check.db")
        try:
            png = Path(tmp) / "app.png"
            run = subprocess.run([str(app), "--url", url, "--offscreen", "--name", "Uji", "--frames", "5",
                                  "--screenshot", str(png), "--wait", "60"],
                                 capture_output=True, text=True, timeout=timeout_s)
        finally:
            server.terminate()
            server.wait(15)
        lines = [ln for ln in run.stdout.splitlines() if ln.startswith("{")]
        summary = json.loads(lines[-1]) if lines else {}
        if run.returncode != 0 or not summary.get("connected"):
            print(f"dist-check: the app exited {run.returncode}; summary {summary}\n{run.stderr[-3000:]}",
                  file=sys.stderr)
            return 1
        image = PNMImage()
        if not png.exists() or not image.read(Filename.from_os_specific(str(png))):
            print("dist-check: no screenshot", file=sys.stderr)
            return 1
        # Not blank: many distinct colours across the picture.
        colours = {tuple(round(c, 1) for c in image.get_xel(x, y))
                   for x in range(0, image.get_x_size(), 40) for y in range(0, image.get_y_size(), 40)}
        if len(colours) < 20:
            print(f"dist-check: the picture is nearly blank ({len(colours)} colours)", file=sys.stderr)
            return 1
        print(f"dist-check: {app.name} ran headless, entered the world as {summary.get('name')!r} "
              f"({summary.get('frames')} frames, {len(colours)} colours sampled)")
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--platform", action="append", default=None, help=f"build for this platform ({LINUX}, {WINDOWS})")
    p.add_argument("--url", default="ws://127.0.0.1:8765", help="the server the app connects to by default")
    p.add_argument("--check", action="store_true", help="build for Linux only, then run it headless against a server")
    args = p.parse_args(argv)
    platforms = [LINUX] if args.check else (args.platform or [LINUX, WINDOWS])
    rc = build(url=args.url, platforms=platforms)
    if rc != 0:
        return rc
    for platform in platforms:
        print(f"built {program(platform)}", flush=True)
    if args.check:
        return check_linux_app(program(LINUX))
    return 0


if __name__ == "__main__":
    sys.exit(main())
