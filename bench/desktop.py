"""Build the desktop client with Panda3D's `build_apps`: a standalone program (Python inside)
for Linux (manylinux2014) and Windows, carrying only the client's code and dependencies.

    python -m makaverse.bench.desktop [--platform manylinux2014_x86_64 --platform win_amd64] [--url wss://...]
    python -m makaverse.bench.desktop --check      # Linux (and Windows under Wine), then run them headless

The check starts a server from this checkout (`python -m makaverse serve`, port 0, a throwaway
SQLite file) behind a TLS front door with a throwaway CA (bench/tls_proxy.py, as the reverse proxy
in docs/deploy.md), then each built program offscreen with the software renderer over `wss://`,
trusting that CA through MAKAVERSE_CA_FILE. It passes when each program entered the world as a
guest through TLS and its screenshot is not blank. The Windows program is built and run under
Wine when Wine is installed (`wine64`, or Debian's /usr/lib/wine/wine64); without Wine that part
is skipped, and the check says so.

Stages the client's packages (client, protocol, world, assets; never server or bench) under
build/dist-stage/, writes the app's entry script with the server URL fixed at build time,
and runs build_apps there. The programs land in dist/desktop/<platform>/makaverse-client
(.exe on Windows). Wheels come from PyPI (panda3d, numpy, msgpack, websockets).

TLS: the `_ssl` and `_hashlib` modules of Panda3D's Linux Python need OpenSSL 3.4 or newer
(libssl.so.3, libcrypto.so.3), which build_apps does not carry and older distributions lack
(Debian 12 has 3.0). So the Linux build carries the OpenSSL of the psycopg-binary wheel (a
manylinux2014 build of OpenSSL 3.5, glibc 2.17) beside the program. The Windows build carries
Panda3D's own libssl-3.dll.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STAGE = ROOT / "build" / "dist-stage"
OUT = ROOT / "dist" / "desktop"
PACKAGES = ("protocol", "world", "client", "assets")
LINUX = "manylinux2014_x86_64"
WINDOWS = "win_amd64"
APP = "makaverse-client"
# numpy 2.1 and newer call `crealf` from the Windows C runtime while importing, which Wine's runtime
# lacks (a stub that aborts), so the Windows build could not be run anywhere here; 2.0 doesn't,
# and still ships manylinux2014 wheels. One pin for both platforms.
NUMPY = "numpy==2.0.2"
# Where the Linux build's OpenSSL comes from (psycopg_binary.libs/: libssl and libcrypto 3.5).
OPENSSL_WHEEL = "psycopg-binary==3.3.9"
OPENSSL_NEEDED = (3, 4)  # _hashlib asks for OPENSSL_3.4.0 symbols, _ssl for OPENSSL_3.3.0
# The Visual C++ runtime's vcruntime140_1.dll, which the Windows build needs and no other wheel has.
VCRUNTIME_WHEEL = "msvc-runtime==14.44.35112"

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
            # numpy 2.0 imports its test helpers while documenting itself.
            "include_modules": {{"*": ["makaverse.client.app", "makaverse.client.desktop",
                                       "numpy._core._multiarray_tests"]}},
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
    """The app's wheels: pinned to what the client is developed with, numpy to NUMPY."""
    return "\n".join([f"panda3d=={_version('panda3d')}", NUMPY, f"msgpack=={_version('msgpack')}",
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
    rc = subprocess.call([sys.executable, "setup.py", "build_apps"], cwd=where)
    if rc == 0 and LINUX in platforms:
        rc = bundle_openssl(OUT / LINUX)
    if rc == 0 and WINDOWS in platforms:
        rc = bundle_vcruntime(OUT / WINDOWS)
    return rc


def program(platform: str) -> Path:
    return OUT / platform / (APP + (".exe" if platform.startswith("win") else ""))


# ── OpenSSL for the Linux build ──────────────────────────────────────────────
def _versions(data: bytes, pattern: bytes) -> list[tuple[int, ...]]:
    return [tuple(int(part) for part in m) for m in re.findall(pattern, data)]


def needed_openssl(app_dir: Path) -> tuple[int, ...]:
    """The newest OpenSSL symbol version the app's `_ssl` and `_hashlib` ask for, e.g. (3, 4, 0)."""
    found = [v for name in ("_ssl.so", "_hashlib.so") if (app_dir / name).exists()
             for v in _versions((app_dir / name).read_bytes(), rb"OPENSSL_(\d+)\.(\d+)\.(\d+)")]
    return max(found, default=(0, 0, 0))


def _wheel(requirement: str, platform: str) -> Path | None:
    """A wheel of `requirement` for `platform`, downloaded once into the wheel cache."""
    cache = OUT / "__whl_cache__" / f"{platform}_extra"
    name, version = requirement.split("==")
    pattern = f"{name.replace('-', '_')}-{version}-*.whl"
    if not any(cache.glob(pattern)):
        subprocess.call([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
                         "--platform", platform, "--python-version", "3.11", "--implementation", "cp",
                         "--abi", "cp311", "--dest", str(cache), requirement])
    return next(iter(sorted(cache.glob(pattern))), None)


def bundle_openssl(app_dir: Path) -> int:
    """Put libssl.so.3 and libcrypto.so.3 (OpenSSL 3.5 from the psycopg-binary wheel) beside the
    program, where `_ssl.so` (RPATH $ORIGIN) finds them before the system's. They keep their names
    from the wheel (libssl's own dependency names libcrypto-<hash>.so.3); the plain names link there."""
    wheel = _wheel(OPENSSL_WHEEL, LINUX)
    if wheel is None:
        print(f"dist: could not download {OPENSSL_WHEEL} for the Linux build's OpenSSL", file=sys.stderr)
        return 1
    with zipfile.ZipFile(wheel) as whl:
        libs = {plain: member for member in whl.namelist() for plain in ("libssl", "libcrypto")
                if re.fullmatch(rf"psycopg_binary\.libs/{plain}-[0-9a-f]+\.so\.3", member)}
        if len(libs) != 2:
            print(f"dist: {wheel.name} holds no libssl and libcrypto .so.3", file=sys.stderr)
            return 1
        for plain, member in libs.items():
            target = app_dir / Path(member).name
            target.write_bytes(whl.read(member))
            target.chmod(0o755)
            link = app_dir / f"{plain}.so.3"
            link.unlink(missing_ok=True)
            link.symlink_to(target.name)
    have = max(_versions((app_dir / "libcrypto.so.3").read_bytes(), rb"OpenSSL (\d+)\.(\d+)\.(\d+) "),
               default=(0, 0, 0))
    needed = max(needed_openssl(app_dir), OPENSSL_NEEDED)
    if have[:2] < needed[:2]:
        print(f"dist: the bundled OpenSSL {'.'.join(map(str, have))} is older than the "
              f"{'.'.join(map(str, needed))} the app's _ssl needs", file=sys.stderr)
        return 1
    print(f"bundled OpenSSL {'.'.join(map(str, have))} (from {OPENSSL_WHEEL}) in {app_dir}", flush=True)
    return 0


# ── the C++ runtime for the Windows build ───────────────────────────────────
def bundle_vcruntime(app_dir: Path) -> int:
    """Put vcruntime140_1.dll beside the program: numpy's C++ parts need it, build_apps finds it in
    no wheel it has, and only PCs with Microsoft's Visual C++ redistributable installed have it
    (Wine has its own, so a run under Wine would not show it missing). Microsoft's licence lets an
    app carry it beside itself."""
    wheel = _wheel(VCRUNTIME_WHEEL, WINDOWS)
    if wheel is None:
        print(f"dist: could not download {VCRUNTIME_WHEEL} for the Windows build's vcruntime140_1.dll", file=sys.stderr)
        return 1
    with zipfile.ZipFile(wheel) as whl:
        member = next((m for m in whl.namelist() if m.lower().endswith("/vcruntime140_1.dll")), None)
        if member is None:
            print(f"dist: {wheel.name} holds no vcruntime140_1.dll", file=sys.stderr)
            return 1
        (app_dir / "VCRUNTIME140_1.dll").write_bytes(whl.read(member))
    print(f"bundled VCRUNTIME140_1.dll (from {VCRUNTIME_WHEEL}) in {app_dir}", flush=True)
    return 0


# ── the headless check ───────────────────────────────────────────────────────
def find_wine() -> tuple[str, str] | None:
    """(wine, wineserver) when Wine is installed (Debian's wine64 package puts them in /usr/lib/wine)."""
    wine = shutil.which("wine64") or shutil.which("wine") or (
        "/usr/lib/wine/wine64" if os.access("/usr/lib/wine/wine64", os.X_OK) else None)
    if wine is None:
        return None
    return wine, shutil.which("wineserver") or str(Path(wine).with_name("wineserver"))


def check_platforms() -> list[str]:
    """What `--check` builds and runs: Linux, and Windows where Wine can run it."""
    if find_wine() is None:
        print("dist-check: Wine is not installed (wine64), so the Windows build is not built or run here",
              flush=True)
        return [LINUX]
    return [LINUX, WINDOWS]


def _run_app(platform: str, url: str, ca_file: Path, tmp: Path, timeout_s: float,
             ) -> tuple[subprocess.CompletedProcess, Path]:
    png = tmp / f"{platform}.png"
    # A clean desktop: no OpenSSL paths from this machine's environment.
    env = {k: v for k, v in os.environ.items() if k not in ("SSL_CERT_FILE", "SSL_CERT_DIR")}
    args = ["--url", url, "--offscreen", "--name", "Uji", "--frames", "5", "--wait", "60"]
    wine = find_wine() if platform == WINDOWS else None
    if wine is not None:
        # Z: is the Unix root in Wine. A fresh prefix, with no Mono or Gecko offered.
        env.update(WINEPREFIX=str(tmp / "wine"), WINEDEBUG="-all", WINEDLLOVERRIDES="mscoree,mshtml=",
                   MAKAVERSE_CA_FILE="Z:" + str(ca_file))
        cmd = [wine[0], str(program(platform)), *args, "--screenshot", "Z:" + str(png)]
    else:
        env.update(MAKAVERSE_CA_FILE=str(ca_file))
        cmd = [str(program(platform)), *args, "--screenshot", str(png)]
    try:
        # Output through pipes: Wine gives a GUI program no output when it is a file.
        run = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s, env=env, stdin=subprocess.DEVNULL)
    finally:
        if wine is not None:
            subprocess.run([wine[1], "-k"], env=env, capture_output=True, timeout=60)  # its wineserver too
    return run, png


def _judge(platform: str, run: subprocess.CompletedProcess, png: Path, handshakes: int) -> int:
    from panda3d.core import Filename, PNMImage

    lines = [ln for ln in run.stdout.splitlines() if ln.startswith("{")]
    summary = json.loads(lines[-1]) if lines else {}
    if run.returncode != 0 or not summary.get("connected"):
        print(f"dist-check {platform}: the app exited {run.returncode}; summary {summary}\n{run.stderr[-3000:]}",
              file=sys.stderr)
        return 1
    if handshakes < 1:
        print(f"dist-check {platform}: it connected, but not through the TLS front door", file=sys.stderr)
        return 1
    image = PNMImage()
    if not png.exists() or not image.read(Filename.from_os_specific(str(png))):
        print(f"dist-check {platform}: no screenshot", file=sys.stderr)
        return 1
    # Not blank: many distinct colours across the picture.
    colours = {tuple(round(c, 1) for c in image.get_xel(x, y))
               for x in range(0, image.get_x_size(), 40) for y in range(0, image.get_y_size(), 40)}
    if len(colours) < 20:
        print(f"dist-check {platform}: the picture is nearly blank ({len(colours)} colours)", file=sys.stderr)
        return 1
    print(f"dist-check {platform}: {program(platform).name} ran headless and entered the world over wss:// "
          f"as {summary.get('name')!r} ({summary.get('frames')} frames, {len(colours)} colours sampled)", flush=True)
    return 0


def check_apps(platforms: list[str], *, timeout_s: float = 240.0) -> int:
    """Each built program, offscreen, over wss:// to a local server behind a TLS front door."""
    from makaverse.bench.shots import start_server
    from makaverse.bench.tls_proxy import TlsProxy, make_certificates

    for platform in platforms:
        if not program(platform).exists():
            print(f"dist-check: {program(platform)} was not built", file=sys.stderr)
            return 1
    failures = 0
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        certs = make_certificates(tmp / "tls")
        server, ws_url = start_server(tmp / "check.db")
        try:
            host, port = ws_url.removeprefix("ws://").rsplit(":", 1)
            proxy = TlsProxy(host, int(port), certs)
            url = proxy.start()
            try:
                for platform in platforms:
                    before = proxy.handshakes
                    run, png = _run_app(platform, url, certs.ca_file, tmp, timeout_s)
                    failures += _judge(platform, run, png, proxy.handshakes - before)
            finally:
                proxy.stop()
        finally:
            server.terminate()
            server.wait(15)
    return 1 if failures else 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--platform", action="append", default=None, help=f"build for this platform ({LINUX}, {WINDOWS})")
    p.add_argument("--url", default="ws://127.0.0.1:8765", help="the server the app connects to by default")
    p.add_argument("--check", action="store_true",
                   help="build for Linux (and Windows where Wine is), then run each headless over wss://")
    args = p.parse_args(argv)
    platforms = check_platforms() if args.check else (args.platform or [LINUX, WINDOWS])
    rc = build(url=args.url, platforms=platforms)
    if rc != 0:
        return rc
    for platform in platforms:
        print(f"built {program(platform)}", flush=True)
    if args.check:
        return check_apps(platforms)
    return 0


if __name__ == "__main__":
    sys.exit(main())
