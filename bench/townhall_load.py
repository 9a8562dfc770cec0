"""`makaverse bench --scenario townhall --count N`: a town hall, measured.

Before any attendee connects, the bench makes a host account in the server's database
(`makaverse admin create-user --role host`), and a host (on a thread of the bench, reusing
`bench/townhall.py`'s connection helpers) logs in, schedules an event for everyone, opens it and
goes to it. Then N attendees (load processes, `bench/loadgen.py`) register, enter, `event_join`
(the server seats each one, in the hall or an overflow copy) and sit still: they send no
movement at all. The host says a stage line every 2 s, carrying its own send time, so each
attendee measures host → attendee latency (`latency_ms` for this scenario); every 30 s the host
opens a poll that every attendee answers and closes it 10 s later; 1 % of attendees raise a hand.

The server runs with cheap password hashing (`MAKAVERSE_TEST_MODE=1`): a thousand registrations
would otherwise take minutes of the warm-up, and hashing is not what is measured.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from makaverse.protocol import (
    EventControl,
    EventJoin,
    EventSchedule,
    Poll,
    PollClose,
    PollOpen,
    StageSay,
)
from makaverse.protocol.messages import MessageType

from .cluster_server import BenchCluster
from .loadgen import Bot, LoadRun, register_bot
from .local_server import LocalServer, ServerError
from .townhall import OPTIONS, Person, _auth, _open

__all__ = ["townhall_plan", "TownhallBot", "HOST_USER"]

HOST_USER = "pembawa_acara"
HOST_PASSWORD = "bench-host-makassar-2026"
LINE_EVERY_S = 2.0
POLL_EVERY_S = 30.0
POLL_OPEN_S = 10.0
POLL_NEAR_S = 2.0  # stage lines said this close to a poll's opening are counted apart too
HAND_SHARE = 100  # one attendee in this many raises a hand
LINE_GRACE_S = 1.0  # lines said this close to the window's end are not counted (they may arrive after it)
_T = MessageType


@register_bot("townhall")
class TownhallBot(Bot):
    """Registers, enters, goes to the event and sits; reads stage lines and votes in polls."""

    def __init__(self, run: LoadRun, index: int) -> None:
        super().__init__(run, index)
        self.event_id = int(run.spec.options["event_id"])
        self.tag = str(run.spec.options["tag"])
        self.joined = 0
        self.seated = 0
        self.instance = ""
        self.lines = 0
        self.votes = 0
        self.hands = 0
        self.voted: set[int] = set()
        self.poll_seen_at = -1e9  # when this bot saw the last poll open (Unix s)
        self.rid = 10

    def on_open(self) -> None:
        if self.token:  # redirected (to the hall or a copy on another process): the same session there
            super().on_open()
            return
        self.send({"t": int(_T.REGISTER), "request_id": 1, "username": f"w{self.tag}{self.index:05d}",
                   "password": f"pw-{self.tag}-{self.index}-makassar", "display_name": f"Warga {self.index:05d}"})

    def on_message(self, msg: dict) -> None:
        t = msg.get("t")
        if t == _T.AUTH_OK:
            self.send({"t": int(_T.HELLO), "version": 1, "kind": "bot", "name": f"Warga {self.index:05d}",
                       "token": msg["token"]})
        elif t == _T.WELCOME and not self.redirects:
            # (After a redirect the join that sent it there completes on arrival: nothing to send.)
            self.send({"t": int(_T.EVENT_JOIN), "request_id": 2, "event_id": self.event_id})
        elif t == _T.EVENT_JOINED:
            self.joined = 1
            self.seated = int(msg.get("seat", -1) >= 0)
            self.instance = msg.get("instance", "")
            if self.index % HAND_SHARE == 0:
                self.hands += 1
                self.send({"t": int(_T.HAND_RAISE), "request_id": 3, "event_id": self.event_id, "up": True})
        elif t == _T.STAGE_LINE:
            self.lines += 1
            # The host puts its own send time (Unix ms) after the '@'. A line said in the window
            # counts whenever it arrives (a late one too); the bench counts the ones that never do.
            text = msg.get("text", "")
            at = text.rfind("@")
            try:
                said = int(text[at + 1 :]) / 1000.0 if at >= 0 else 0.0
            except ValueError:
                said = 0.0
            c = self.run.control
            if c.steady_from.value <= said <= c.steady_to.value - LINE_GRACE_S:
                # Lines said within POLL_NEAR_S of the last poll's opening, as this bot saw it,
                # are also counted apart: what the votes' burst costs the stage.
                near = abs(said - self.poll_seen_at) <= POLL_NEAR_S
                self.run.add_extra_latency(self, time.time() - said, "near_poll" if near else "away_from_polls")
        elif t == _T.POLL and msg.get("open") and msg.get("poll_id") not in self.voted:
            self.poll_seen_at = time.time()
            self.voted.add(msg["poll_id"])
            self.rid += 1
            self.votes += 1
            self.send({"t": int(_T.POLL_VOTE), "request_id": self.rid, "event_id": self.event_id,
                       "poll_id": msg["poll_id"], "option": self.index % len(OPTIONS)})

    def figures(self) -> dict:
        out = {"joined": self.joined, "seated": self.seated, "stage_lines_received": self.lines,
               "poll_votes_sent": self.votes, "hands_raised": self.hands}
        if self.instance:
            out[f"in:{self.instance}"] = 1
        return out


class Host:
    """The event's host on a thread of its own: sets the event up, then speaks and polls."""

    def __init__(self, url: str, count: int) -> None:
        self.url = url
        self.count = count
        self.event_id: int | None = None
        self.error = ""
        self.said = 0
        self.said_at: list[float] = []
        self.polls_opened = 0
        self.votes_counted = 0
        self.ready = threading.Event()
        self.person: Person | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), name="townhall-host", daemon=True)

    def start(self, timeout_s: float = 60.0) -> int:
        self._thread.start()
        if not self.ready.wait(timeout_s) or self.event_id is None:
            raise ServerError(f"the host could not open the event: {self.error or 'timed out'}")
        return self.event_id

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30.0)

    async def _main(self) -> None:
        try:
            host = self.person = await _open(self.url)
            token = await _auth(host, _login(HOST_USER, HOST_PASSWORD))
            await host.hello(token, HOST_USER)
            host.reader = asyncio.create_task(host.read())
            now_ms = int(time.time() * 1000)
            info = await host.ask(EventSchedule(
                request_id=host.rid(), title="Rembuk Warga Makassar", start_ms=now_ms, end_ms=now_ms + 3_600_000,
                capacity=min(100_000, self.count + 10), description="bench",
            ))
            event_id = info.event["id"]  # type: ignore[attr-defined]
            await host.ask(EventControl(request_id=host.rid(), event_id=event_id, action="open"))
            await host.ask(EventJoin(request_id=host.rid(), event_id=event_id))
            self.event_id = event_id
        except Exception as exc:  # told to the bench, which stops
            self.error = f"{type(exc).__name__}: {exc}"
            self.ready.set()
            return
        self.ready.set()
        try:
            await self._talk(host, event_id)
        except Exception as exc:
            self.error = f"{type(exc).__name__}: {exc}"
        finally:
            await host.ws.close()

    async def _talk(self, host: Person, event_id: int) -> None:
        """Stage lines on their own clock, polls in a task beside them: a slow answer to a poll
        never holds the lines back."""
        polls: list[int] = []
        poller = asyncio.create_task(self._polls(host, event_id, polls))
        next_line = time.monotonic()
        try:
            while not self._stop.is_set():
                if time.monotonic() >= next_line:
                    self.said += 1
                    self.said_at.append(time.time())
                    text = f"Kalimat nomor {self.said} dari panggung @{int(time.time() * 1000)}"
                    await host.ws.send(_encode(StageSay(request_id=host.rid(), event_id=event_id, text=text)))
                    next_line += LINE_EVERY_S
                await asyncio.sleep(0.05)
        finally:
            poller.cancel()
            await asyncio.gather(poller, return_exceptions=True)
        await asyncio.sleep(0.5)
        finals: dict[int, Poll] = {m.poll_id: m for m in host.polls if not m.open}
        self.votes_counted = sum(finals[p].total for p in polls if p in finals)

    async def _polls(self, host: Person, event_id: int, polls: list[int]) -> None:
        await asyncio.sleep(5.0)
        while True:
            opened = time.monotonic()
            poll = await host.ask(PollOpen(request_id=host.rid(), event_id=event_id, question="Prioritas 2027?",
                                           options=OPTIONS, live=False))
            poll_id = poll.id  # type: ignore[attr-defined]
            polls.append(poll_id)
            self.polls_opened += 1
            try:
                await asyncio.sleep(max(0.0, opened + POLL_OPEN_S - time.monotonic()))
            finally:
                # Closed even when the run ends while it is open, so its final count arrives.
                await asyncio.shield(host.ask(PollClose(request_id=host.rid(), event_id=event_id, poll_id=poll_id)))
            await asyncio.sleep(max(0.0, opened + POLL_EVERY_S - time.monotonic()))


def _login(user: str, password: str):
    from makaverse.protocol import Login

    return Login(request_id=1, username=user, password=password)


def _encode(msg) -> bytes:
    from makaverse.protocol import encode

    return encode(msg)


def create_host(db_url: str) -> None:
    cmd = [sys.executable, "-m", "makaverse", "admin", "create-user", "--db", db_url, "--username", HOST_USER,
           "--role", "host", "--display-name", "Pembawa Acara", "--password", HOST_PASSWORD]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "MAKAVERSE_TEST_MODE": "1"})
    if done.returncode != 0 and "username_taken" not in done.stderr:  # a database kept between runs has it
        raise ServerError(f"could not create the host account: {done.stderr.strip()[-300:]}")


def townhall_plan(args: argparse.Namespace, tmp: Path):
    from .measure import Plan, latency_figures

    def after_start(server: LocalServer | BenchCluster, plan: Plan, log) -> None:
        create_host(server.db_url)  # its own SQLite file, --db, or the processes' fresh schema
        host = Host(server.url, args.count)
        plan.options["event_id"] = host.start()
        plan.state["host"] = host
        log(f"[bench] townhall: event {plan.options['event_id']} open, the host is on stage")

    def finish(plan: Plan, results: list[dict], window_s: float) -> dict:
        host: Host = plan.state["host"]
        host.stop()
        stage = np.concatenate([np.frombuffer(r["extra_latency_s"], dtype=np.float32) for r in results]) * 1000.0
        start, end = plan.state["window"]
        said = sum(1 for t in host.said_at if start <= t <= end - LINE_GRACE_S)
        listeners = sum(len(r["window"]["snaps_per_s"]) for r in results if r.get("window"))
        expected = said * listeners
        # A line that never arrived is slower than any that did: with more missing than 1 %, p99 is unknown.
        missing = max(0, expected - int(stage.size))
        counters: dict[str, Any] = {}
        for r in results:
            for k, v in r["figures"].items():
                counters[k] = counters.get(k, 0) + v
        copies = {k[3:]: v for k, v in counters.items() if k.startswith("in:")}
        tagged: dict[str, np.ndarray] = {}
        for r in results:
            for tag, raw in r.get("extra_latency_tagged", {}).items():
                tagged[tag] = np.concatenate([tagged.get(tag, np.zeros(0, np.float32)),
                                              np.frombuffer(raw, dtype=np.float32)])
        return {
            "latency_kind": "stage line: host send → attendee",
            "latency_ms": {**latency_figures(np.sort(stage), missing), "expected": expected},
            # The same, for lines said within POLL_NEAR_S of a poll's opening and for the others
            # (the missing ones are in neither).
            "stage_latency_ms_by_poll": {
                tag: latency_figures(np.sort(tagged.get(tag, np.zeros(0, np.float32)) * 1000.0), 0)
                for tag in ("near_poll", "away_from_polls")
            },
            "townhall": {
                "joined": counters.get("joined", 0),
                "seated": counters.get("seated", 0),
                "copies": len(copies),
                "attendees_per_copy": dict(sorted(copies.items())),
                "stage_lines_said": host.said,
                "stage_lines_said_in_window": said,
                "polls_opened": host.polls_opened,
                "poll_votes_sent": counters.get("poll_votes_sent", 0),
                "poll_votes_counted": host.votes_counted,
                "hands_raised": counters.get("hands_raised", 0),
                "host_error": host.error or None,
                "host_error_codes": dict(host.person.errors) if host.person is not None else {},
            },
        }

    return Plan(
        "townhall", "townhall", 0.0,
        server_env={"MAKAVERSE_TEST_MODE": "1", "MAKAVERSE_HELLO_TIMEOUT_S": "60"},
        options={"tag": secrets.token_hex(3)},
        modules=("makaverse.bench.townhall_load",),
        after_start=after_start, finish=finish,
    )
