"""Regenerate the README pictures of the booths: a clerk mans Disdukcapil and serves the first
citizen; another opens the booth panel and takes a number (`booth-panel.png`); a second clerk
calls them, and they answer across the counter, seen in the staff console (`staff-console.png`).

    python -m makaverse.bench.booth_shots docs/

Everything runs as real processes over real sockets against a fresh seeded database, with the
scripted flags of `makaverse shot` (`--man-counter`, `--take-number`, `--open-booth`, …).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .shots import _python, start_server

__all__ = ["main"]

PASSWORD = "contoh-sandi-2026"
TO_BOOTH = "0,-4;0,17;-17.5,18@90"
TO_POST = "0,-4;0,16;-18.1,16;-21.4,16;-21.4,18@270"
REQUEST = ["--request", "KTP_EL", "--field", "nik=7371010101010001", "--field", "nama_lengkap=Andi Baso",
           "--field", "jenis_permohonan=Perekaman baru", "--field", "kecamatan=Panakkukang",
           "--field", "no_hp=081234567890", "--note", "Mohon bantuannya"]


def _env() -> dict:
    return {**os.environ, "MAKAVERSE_PASSWORD": PASSWORD}


def _prepare(db: Path) -> None:
    url = f"sqlite:///{db}"
    subprocess.run([*_python(), "db", "seed", "--db", url], check=True, capture_output=True)
    for user, role, opd in (("bu_ani", "staff", "DUKCAPIL"), ("pak_rudi", "staff", "DUKCAPIL"),
                            ("andi", "citizen", ""), ("sari", "citizen", "")):
        extra = ["--opd", opd] if opd else []
        subprocess.run([*_python(), "admin", "create-user", "--db", url, "--username", user, "--role", role,
                        "--display-name", user.replace("_", " ").title(), "--password", PASSWORD, *extra],
                       check=True, capture_output=True)


def _client(url: str, lang: str, *args: str) -> list[str]:
    return [*_python(), "shot", "--url", url, "--offscreen", "--lang", lang, *args]


def _background(url: str, lang: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen(_client(url, lang, "--frames", "1000000", *args), stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, env=_env())


def _ready(proc: subprocess.Popen) -> None:
    assert proc.stdout is not None  # stdout=PIPE
    line = proc.stdout.readline()
    if not line.startswith("{"):
        raise RuntimeError("a client did not start")
    json.loads(line)


def _shot(url: str, lang: str, out: Path, *args: str) -> int:
    run = subprocess.run(_client(url, lang, "--screenshot", str(out), *args), capture_output=True, text=True,
                         timeout=300, env=_env())
    print(run.stdout.strip().splitlines()[-1][:300] if run.stdout.strip() else run.stderr[-2000:])
    return run.returncode


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("folder", nargs="?", default="docs")
    p.add_argument("--lang", choices=("id", "en"), default="id")
    args = p.parse_args(argv)
    folder = Path(args.folder).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    lang = args.lang
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "booths.db"
        _prepare(db)
        server, url = start_server(db)
        crowd: list[subprocess.Popen] = []
        try:
            # The counter opens and Bu Ani serves Sari; Rahmat looks on.
            crowd.append(_background(url, lang, "--user", "bu_ani", "--walk", TO_POST, "--man-counter", "--call-next"))
            crowd.append(_background(url, lang, "--user", "sari", "--walk", "0,-4;0,17;-17.8,19.3@80",
                                     "--take-number"))
            crowd.append(_background(url, lang, "--name", "Rahmat", "--walk", "0,-4;0,15;-14.5,15.5@95"))
            for proc in crowd:
                _ready(proc)
            code = _shot(url, lang, folder / "booth-panel.png", "--user", "andi", "--frames", "12", "--walk",
                         "0,-4;0,17;-17.2,16.9@80", "--open-booth", "programs", "--take-number")
            # Two more queue behind him.
            for name, spot in (("Nurul", "-16.8,18.6@85"), ("Daeng", "-16.9,17.6@95")):
                crowd.append(_background(url, lang, "--name", name, "--walk", f"0,-4;0,17;{spot}", "--take-number"))
                _ready(crowd[-1])
            # Andi comes back with a request, is called by a second clerk and answers.
            crowd.append(_background(url, lang, "--user", "andi", "--walk", "0,-4;0,17;-17.2,16.9@80",
                                     "--open-booth", "services", *REQUEST, "--wait-called",
                                     "--counter-say", "Siang, Pak. Saya mau rekam KTP-el."))
            # Andi says "ready" only once called; give him time to walk in and submit first.
            time.sleep(20)
            code |= _shot(url, lang, folder / "staff-console.png", "--user", "pak_rudi", "--frames", "60",
                          "--walk", "0,-4;0,16;-18.1,16;-21.4,16;-21.4,17@270", "--man-counter", "--call-next",
                          "--counter-say", "Selamat siang, silakan. Ada yang bisa dibantu?", "--staff-console")
            return code
        finally:
            for proc in crowd:
                proc.terminate()
            for proc in crowd:
                try:
                    proc.wait(15)
                except subprocess.TimeoutExpired:
                    proc.kill()
            server.terminate()
            server.wait(15)


if __name__ == "__main__":
    sys.exit(main())
