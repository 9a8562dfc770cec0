"""Regenerate the README pictures of the login screen and of chat: a server with a few accounts,
several players as real processes over real sockets, and one that takes the picture.

    python -m makaverse.bench.chat_shots docs/

writes `login.png` (the login screen over the forecourt) and `chat.png` (the service hall:
speech bubbles over a guest, a clerk and yourself, an announcement banner, names coloured by
role in the log, and an unread direct message).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

__all__ = ["main"]

PASSWORD = "balai-kota-makassar"
_ENV = "MAKAVERSE_SHOTS_PASSWORD"
ACCOUNTS = (  # username, role, OPD, display name
    ("daeng", "citizen", None, "Daeng Rate"),
    ("sari", "staff", "DUKCAPIL", "Sari"),
    ("budi", "citizen", None, "Budi"),
    ("nurul", "host", None, "Nurul"),
)


def _makaverse(*args: str) -> list[str]:
    return [sys.executable, "-m", "makaverse", *args]


def _prepare(db: str, env: dict) -> None:
    subprocess.run(_makaverse("db", "seed", "--db", db), check=True, capture_output=True, env=env)
    for username, role, opd, name in ACCOUNTS:
        cmd = _makaverse("admin", "create-user", "--db", db, "--username", username, "--role", role,
                         "--display-name", name, "--password", PASSWORD)
        if opd:
            cmd += ["--opd", opd]
        subprocess.run(cmd, check=True, capture_output=True, env=env)


def _serve(db: str, env: dict) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(_makaverse("serve", "--port", "0", "--db", db, "--log-format", "text"),
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    found: list[str] = []
    ready = threading.Event()

    def read() -> None:
        assert proc.stdout is not None  # stdout=PIPE
        for line in proc.stdout:
            m = re.search(r"listening on (ws://[\w.\-]+:\d+)", line)
            if m and not found:
                found.append(m.group(1))
                ready.set()

    threading.Thread(target=read, daemon=True).start()
    if not ready.wait(60):
        proc.kill()
        raise RuntimeError("the server did not start")
    return proc, found[0]


def _client(url: str, *args: str) -> list[str]:
    return _makaverse("shot", "--url", url, "--offscreen", *args)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out", nargs="?", default="docs")
    p.add_argument("--lang", choices=("id", "en"), default="id")
    args = p.parse_args(argv)
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "MAKAVERSE_TEST_MODE": "1", _ENV: PASSWORD}
    lang = ("--lang", args.lang)
    with tempfile.TemporaryDirectory() as tmp:
        db = f"sqlite:///{Path(tmp) / 'shots.db'}"
        _prepare(db, env)
        server, url = _serve(db, env)
        players: list[subprocess.Popen] = []
        try:
            shot = subprocess.run(_client(url, "--show-login", "--frames", "3", *lang, "--screenshot",
                                          str(out / "login.png")), capture_output=True, text=True, env=env,
                                  timeout=300)
            print(shot.stdout.strip().splitlines()[-1][:200] if shot.stdout.strip() else shot.stderr[-2000:])
            login = ("--password-env", _ENV)
            near = ("--near-name", "Daeng Rate")  # each speaks once the photographer is close
            cast = [
                _client(url, "--name", "Andi", "--frames", "1000000", "--walk", "0,-4;0,20;1.5,29@200",
                        "--say", "Selamat pagi semuanya! Antrean KTP sudah panjang ya.", "--say-near", "8", *near,
                        *lang),
                _client(url, "--user", "sari", *login, "--frames", "1000000", "--walk", "0,-4;0,20;-3.2,30.5@160",
                        "--say", "Loket Disdukcapil buka sampai pukul 15.00, silakan ambil nomor.",
                        "--say-near", "8", *near, "--emote", "wave", *lang),
                _client(url, "--user", "budi", *login, "--frames", "1000000", "--say-near", "60", *near,
                        "--say", "/w daeng Sampai ketemu di loket Dinkes ya!", *lang),
                _client(url, "--user", "nurul", *login, "--frames", "1000000", "--say-near", "60", *near,
                        "--say", "/announce Sosialisasi KTP elektronik di auditorium pukul 10.00", *lang),
            ]
            for cmd in cast:
                players.append(subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                                env=env))
            for player in players:
                assert player.stdout is not None  # stdout=PIPE
                json.loads(player.stdout.readline())  # {"event": "ready", ...}: in place
            shot = subprocess.run(
                _client(url, "--user", "daeng", *login, "--frames", "6", "--walk", "0,-4;-1,24.5@0", "--say",
                        "Halo! Saya mau urus KTP.", "--wait-chat", "5", *lang, "--screenshot", str(out / "chat.png")),
                capture_output=True, text=True, env=env, timeout=300)
            print(shot.stdout.strip().splitlines()[-1][:200] if shot.stdout.strip() else shot.stderr[-2000:])
            return shot.returncode
        finally:
            for player in players:
                player.terminate()
            for player in players:
                try:
                    player.wait(15)
                except subprocess.TimeoutExpired:
                    player.kill()
            server.terminate()
            server.wait(15)


if __name__ == "__main__":
    sys.exit(main())
