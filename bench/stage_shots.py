"""Regenerate the README's town-hall pictures: the host console and the auditorium with its
screen. Everything runs as real processes over real sockets, under one X display for OpenGL:

    xvfb-run -a -s "-screen 0 1280x720x24" python -m makaverse.bench.stage_shots docs

1. A server on a fresh database with a host account; a crowd of citizens (bots) waits for the
   event, goes to it (seated), raises hands, asks and upvotes questions and votes in the poll.
2. The host's client schedules and opens the event from the host console, loads a deck, shows
   its first slide and opens a poll; once the crowd has voted: `host-console.png`.
3. The host (now a plain connection) speaks on the stage; a citizen's client goes to the event
   and, once a line shows as a subtitle, takes `auditorium.png` from the back of the hall.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from makaverse.protocol import (
    EventJoin,
    EventList,
    HandRaise,
    Login,
    PollVote,
    QuestionAsk,
    QuestionVote,
    Register,
    StageSay,
)

from .townhall import Person, _auth, _open

__all__ = ["main"]

HOST, PASSWORD = "walikota", "rembuk-makassar-2027"
TITLE = "Musrenbang Kecamatan Tamalate 2027"
CARD = """# Musrenbang Tamalate 2027
Usulan warga untuk anggaran kelurahan:
- Drainase Jl. Daeng Tata
- Taman bermain di Mangasa
- Lampu jalan Tanjung Bunga

Pilih prioritas Anda: tekan 1-4."""
POLL = "Prioritas anggaran kelurahan 2027?|Drainase dan banjir|Taman dan ruang hijau|Jalan lingkungan|Pasar"
VOTES = (0, 0, 1, 0, 2, 1, 0, 3, 0, 2, 1, 0, 0, 1, 2, 0, 1, 0, 0, 2, 1, 0, 3, 0)  # option of each citizen
QUESTIONS = ("Kapan drainase di Jl. Daeng Tata mulai dikerjakan?", "Apakah taman Mangasa ramah anak?")
LINES = ("Selamat pagi warga Tamalate, terima kasih sudah hadir.",
         "Hari ini kita bahas usulan anggaran kelurahan untuk 2027.")


def _python() -> list[str]:
    return [sys.executable, "-m", "makaverse"]


def _server(folder: Path) -> tuple[subprocess.Popen, str]:
    db = f"sqlite:///{folder}/stage.db"
    env = {**os.environ, "MAKAVERSE_TEST_MODE": "1"}  # cheap password hashing for the crowd
    for args in (["db", "seed", "--db", db],
                 ["admin", "create-user", "--db", db, "--username", HOST, "--role", "host", "--password", PASSWORD]):
        subprocess.run([*_python(), *args], check=True, capture_output=True, env=env, timeout=120)
    proc = subprocess.Popen([*_python(), "serve", "--port", "0", "--db", db, "--log-format", "text"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    out = proc.stdout
    assert out is not None  # stdout=PIPE
    for line in out:
        m = re.search(r"listening on (ws://[\w.\-]+:\d+)", line)
        if m:
            threading.Thread(target=lambda: [None for _ in out], daemon=True).start()
            return proc, m.group(1)
    raise RuntimeError("the server did not start")


async def _crowd(url: str, count: int, stop: threading.Event, said: threading.Event) -> None:
    """Citizens who go to the live event and take part; the host speaks once `said` is set."""
    gate = asyncio.Semaphore(4)

    async def person(i: int) -> Person:
        async with gate:
            p = await _open(url)
            token = await _auth(p, Register(request_id=1, username=f"warga{i:02d}", password=f"pw-warga-{i}-2027",
                                            display_name=NAMES[i % len(NAMES)]))
            await p.hello(token, f"warga{i:02d}")
        p.reader = asyncio.create_task(p.read())
        return p

    people = await asyncio.gather(*(person(i) for i in range(count)))
    event_id = 0
    while not event_id and not stop.is_set():
        board = await people[0].ask(EventList(request_id=people[0].rid()))
        event_id = next((e["id"] for e in board.events if e["status"] == "live"), 0)  # type: ignore[attr-defined]
        await asyncio.sleep(1.0)
    for p in people:
        await p.ask(EventJoin(request_id=p.rid(), event_id=event_id))
    for p in people[:3]:
        await p.ask(HandRaise(request_id=p.rid(), event_id=event_id, up=True))
    asked = [await people[3 + k].ask(QuestionAsk(request_id=people[3 + k].rid(), event_id=event_id, text=q))
             for k, q in enumerate(QUESTIONS)]
    for k, p in enumerate(people[5:14]):
        await p.ask(QuestionVote(request_id=p.rid(), event_id=event_id, question_id=asked[k % 2].id))  # type: ignore
    voted: set[int] = set()
    host: Person | None = None
    lines = 0
    while not stop.is_set():
        for i, p in enumerate(people):
            open_polls = [m for m in p.polls if m.open]
            if open_polls and i not in voted:
                voted.add(i)
                await p.ask(PollVote(request_id=p.rid(), event_id=event_id, poll_id=open_polls[-1].poll_id,
                                     option=VOTES[i % len(VOTES)] % len(open_polls[-1].options)))
        if said.is_set():
            if host is None:
                host = await _open(url)
                token = await _auth(host, Login(request_id=1, username=HOST, password=PASSWORD))
                await host.hello(token, HOST)
                host.reader = asyncio.create_task(host.read())
                await host.ask(EventJoin(request_id=host.rid(), event_id=event_id))
            await host.ask(StageSay(request_id=host.rid(), event_id=event_id, text=LINES[lines % len(LINES)]))
            lines += 1
            await asyncio.sleep(2.0)
        await asyncio.sleep(0.3)
    for p in [*people, *([host] if host else [])]:
        await p.ws.close()


NAMES = ("Andi", "Besse", "Rahmat", "Nurul", "Sari", "Daeng Tata", "Ilham", "Fitri", "Syamsul", "Wahyuni",
         "Arief", "Kartini", "Basri", "Hasna", "Ridwan", "Sitti", "Yusuf", "Marlina", "Fajar", "Ayu", "Hendra",
         "Rini", "Amir", "Dewi")


def _client(url: str, png: Path, *extra: str, env: dict, cwd: Path | None = None) -> dict:
    proc = subprocess.run([*_python(), "shot", "--url", url, "--renderer", "gl", "--frames", "12", "--wait", "90",
                           "--screenshot", str(png), *extra], capture_output=True, text=True, timeout=400, env=env,
                          cwd=cwd)
    summary: dict = next((json.loads(ln) for ln in reversed(proc.stdout.splitlines())
                    if ln.startswith("{") and '"ready"' not in ln), {})
    if proc.returncode != 0:
        print(proc.stderr[-2000:], file=sys.stderr)
    return summary


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out", nargs="?", default="docs")
    p.add_argument("--count", type=int, default=24, help="citizens in the hall")
    p.add_argument("--camera", default="auditorium", help="the photographer's view (from the back of the hall)")
    args = p.parse_args(argv)
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        deck = folder / "slide-musrenbang"  # the host types it relative to where the client runs
        deck.mkdir()
        (deck / "1-usulan.md").write_text(CARD, encoding="utf-8")
        server, url = _server(folder)
        stop, said = threading.Event(), threading.Event()
        crowd = threading.Thread(target=lambda: asyncio.run(_crowd(url, args.count, stop, said)), daemon=True)
        crowd.start()
        env = {**os.environ, "MAKAVERSE_TEST_MODE": "1", "MAKAVERSE_PASSWORD": PASSWORD}
        try:
            host = _client(url, out / "host-console.png", "--user", HOST, "--host-schedule", TITLE, "--host-open",
                           "--host-deck", deck.name, "--host-next", "1", "--host-poll", POLL,
                           "--host-wait-votes", str(args.count), "--host-wait-hands", "3", "--host-console", env=env,
                           cwd=folder)
            print(json.dumps({"host_console": host.get("stage", {}).get("script")}))
            said.set()
            citizen = {**env, "MAKAVERSE_PASSWORD": "pw-fotografer-2027"}
            shot = _client(url, out / "auditorium.png", "--user", "fotografer", "--register", "--display-name",
                           "Fotografer", "--event-go", "--event-wait-line", "warga Tamalate", "--camera", args.camera,
                           env=citizen)
            print(json.dumps({"auditorium": shot.get("event_script") or shot.get("stage", {}).get("script")}))
        finally:
            stop.set()
            crowd.join(30)
            server.terminate()
            server.wait(15)
    return 0


if __name__ == "__main__":
    sys.exit(main())
