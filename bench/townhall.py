"""`makaverse bots --scenario townhall`: a whole town hall against a running server.

A host (an existing account with role host or admin: `--host-user`, password from `--host-password`
or $MAKAVERSE_BOTS_HOST_PASSWORD) schedules an event, opens it and goes to it; `--count` citizens
register (fresh accounts named after the run), go to the event and are seated, in the hall or in
overflow copies when it is full. For the first half of `--duration` the host says a stage line
every second; each attendee notes when each line arrives. Then the host opens a poll, every
attendee votes once, the host closes it and the event ends. One report: connections, errors,
disconnects, seated attendees, the copies used, stage-line latency (the line's server time to its
arrival; bots and server should share a clock, i.e. a machine) and poll votes sent and counted.

The bots run on one event loop: they send no movement, only read what arrives.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from makaverse.protocol import (
    MAX_FRAME_BYTES,
    PROTOCOL_VERSION,
    AuthOk,
    Error,
    EventControl,
    EventJoin,
    EventJoined,
    EventSchedule,
    Hello,
    Login,
    Poll,
    PollClose,
    PollOpen,
    PollVote,
    Register,
    StageLine,
    StageSay,
    Welcome,
    decode,
    encode,
)
from makaverse.protocol.messages import Message

__all__ = ["TownhallConfig", "run_townhall", "run_townhall_cli", "HOST_PASSWORD_ENV"]

HOST_PASSWORD_ENV = "MAKAVERSE_BOTS_HOST_PASSWORD"
REPLY_TIMEOUT_S = 60.0
AUTH_AT_ONCE = 4
OPTIONS = ("Jalan", "Drainase", "Taman", "Pasar")


@dataclass(frozen=True, slots=True)
class TownhallConfig:
    url: str
    count: int
    duration_s: float
    host_user: str
    host_password: str
    ramp_s: float = 5.0
    capacity: int = 100_000


@dataclass
class Person:
    """One connection and everything that arrived on it."""

    ws: ClientConnection
    rids: int = 0
    waiting: dict[int, asyncio.Future] = field(default_factory=dict)
    errors: Counter = field(default_factory=Counter)
    lines_ms: list[float] = field(default_factory=list)
    polls: list[Poll] = field(default_factory=list)
    closed: int | None = None
    reader: asyncio.Task | None = None

    def rid(self) -> int:
        self.rids += 1
        return self.rids

    async def read(self) -> None:
        try:
            async for data in self.ws:
                msg = decode(data)  # type: ignore[arg-type]
                if isinstance(msg, StageLine):
                    self.lines_ms.append(time.time() * 1000.0 - msg.server_time_ms)
                elif isinstance(msg, Poll):
                    self.polls.append(msg)
                ref = msg.ref if isinstance(msg, Error) else getattr(msg, "request_id", 0)
                future = self.waiting.pop(ref, None) if ref else None
                if future is not None and not future.done():
                    future.set_result(msg)
                elif isinstance(msg, Error):
                    self.errors[msg.code] += 1
        except ConnectionClosed as exc:
            self.closed = exc.rcvd.code if exc.rcvd is not None else 1006

    async def ask(self, msg: Message) -> Message:
        future = asyncio.get_running_loop().create_future()
        self.waiting[msg.request_id] = future  # type: ignore[attr-defined]
        await self.ws.send(encode(msg))
        reply = await asyncio.wait_for(future, REPLY_TIMEOUT_S)
        if isinstance(reply, Error):
            self.errors[reply.code] += 1
        return reply

    async def hello(self, token: str, name: str) -> Welcome:
        await self.ws.send(encode(Hello(version=PROTOCOL_VERSION, name=name, kind="bot", token=token)))
        while True:  # the reader is not running yet: the welcome comes first
            msg = decode(await self.ws.recv())  # type: ignore[arg-type]
            if isinstance(msg, (Welcome, Error)):
                if isinstance(msg, Error):
                    raise RuntimeError(f"hello refused: {msg.code}")
                return msg


async def _open(url: str) -> Person:
    ws = await connect(url, max_size=MAX_FRAME_BYTES, compression=None, proxy=None, ping_interval=None,
                       open_timeout=30.0, close_timeout=2.0, user_agent_header="makaverse-bench")
    return Person(ws)


async def _auth(person: Person, msg: Register | Login) -> str:
    await person.ws.send(encode(msg))
    reply = decode(await person.ws.recv())  # type: ignore[arg-type]
    if not isinstance(reply, AuthOk):
        raise RuntimeError(f"{type(msg).__name__.lower()} refused: {getattr(reply, 'code', reply)}")
    return reply.token


async def _attendee(config: TownhallConfig, run: str, i: int, delay_s: float, event: asyncio.Future,
                    out: dict[str, Any], gate: asyncio.Semaphore) -> Person | None:
    await asyncio.sleep(delay_s)
    try:
        # Password hashing is slow on purpose: a few registrations at a time, each connection
        # opened only when its turn comes, so none waits past the server's hello timeout.
        async with gate:
            person = await _open(config.url)
            name = f"th{run}{i:04d}"
            token = await _auth(person, Register(request_id=1, username=name, password=f"pw-{run}-{i}-makassar",
                                                 display_name=f"Warga {i:04d}"))
            await person.hello(token, name)
    except Exception as exc:
        out["connect_failures"][str(exc)[:60] or type(exc).__name__] += 1
        return None
    person.reader = asyncio.create_task(person.read())
    event_id = await event
    try:
        joined = await person.ask(EventJoin(request_id=person.rid() + 100, event_id=event_id))
    except TimeoutError:
        out["join_timeouts"] += 1
        return person
    if isinstance(joined, EventJoined):
        out["instances"][joined.instance] += 1
        if joined.seat >= 0:
            out["seated"] += 1
    return person


async def run_townhall(config: TownhallConfig, *, log=None) -> dict[str, Any]:
    log = log or (lambda text: print(text, file=sys.stderr, flush=True))
    run = secrets.token_hex(3)
    out: dict[str, Any] = {"connect_failures": Counter(), "instances": Counter(), "seated": 0, "join_timeouts": 0}
    host = await _open(config.url)
    token = await _auth(host, Login(request_id=1, username=config.host_user, password=config.host_password))
    await host.hello(token, config.host_user)
    host.reader = asyncio.create_task(host.read())
    now_ms = int(time.time() * 1000)
    event_future: asyncio.Future = asyncio.get_running_loop().create_future()
    log(f"[townhall] {config.count} attendees over {config.ramp_s:g} s against {config.url}")
    gate = asyncio.Semaphore(AUTH_AT_ONCE)
    people_tasks = [
        asyncio.create_task(
            _attendee(config, run, i, config.ramp_s * i / max(1, config.count), event_future, out, gate)
        )
        for i in range(config.count)
    ]
    info = await host.ask(EventSchedule(
        request_id=host.rid(), title=f"Rembuk Warga {run}", start_ms=now_ms, end_ms=now_ms + 3_600_000,
        capacity=min(100_000, config.count + 10), description="bench",
    ))
    event_id = info.event["id"]  # type: ignore[attr-defined]
    await host.ask(EventControl(request_id=host.rid(), event_id=event_id, action="open"))
    await host.ask(EventJoin(request_id=host.rid(), event_id=event_id))
    event_future.set_result(event_id)
    people = [p for p in await asyncio.gather(*people_tasks) if p is not None]
    log(f"[townhall] {len(people)} in the event, copies {dict(out['instances'])}")

    talk_s = config.duration_s / 2
    said = 0
    end_talk = time.monotonic() + talk_s
    while time.monotonic() < end_talk:
        said += 1
        await host.ask(StageSay(request_id=host.rid(), event_id=event_id, text=f"Kalimat nomor {said} dari panggung"))
        await asyncio.sleep(1.0)
    await asyncio.sleep(1.0)  # the last line's way to everyone

    poll = await host.ask(PollOpen(request_id=host.rid(), event_id=event_id, question="Prioritas 2027?",
                                   options=OPTIONS, live=False))
    poll_id = poll.id  # type: ignore[attr-defined]
    votes = await asyncio.gather(
        *(p.ask(PollVote(request_id=p.rid() + 1000, event_id=event_id, poll_id=poll_id, option=i % len(OPTIONS)))
          for i, p in enumerate(people)),
        return_exceptions=True,
    )
    sent = len(votes)
    await host.ask(PollClose(request_id=host.rid(), event_id=event_id, poll_id=poll_id))
    await asyncio.sleep(max(1.0, config.duration_s / 2 - 2.0))
    finals = [m for m in host.polls if m.poll_id == poll_id and not m.open]
    counted = finals[-1].total if finals else 0
    await host.ask(EventControl(request_id=host.rid(), event_id=event_id, action="end"))

    everyone = [host, *people]
    for p in everyone:
        await p.ws.close()
    for p in everyone:
        if p.reader is not None:
            await asyncio.gather(p.reader, return_exceptions=True)
    latencies = np.array([ms for p in people for ms in p.lines_ms], dtype=np.float64)
    errors: Counter[str] = Counter()
    for p in everyone:
        errors.update(p.errors)
    expected_lines = said * len(people)
    return {
        "scenario": "townhall",
        "url": config.url,
        "count": config.count,
        "connected": len(people),
        "connect_failures": sum(out["connect_failures"].values()),
        "connect_failure_kinds": dict(out["connect_failures"]),
        "errors": sum(errors.values()),
        "error_codes": dict(errors),
        "disconnects": sum(1 for p in everyone if p.closed not in (None, 1000)),
        "seated": out["seated"],
        "join_timeouts": out["join_timeouts"],
        "instances": len(out["instances"]),
        "attendees_per_instance": dict(sorted(out["instances"].items())),
        "stage_lines_said": said,
        "stage_lines_received": int(latencies.size),
        "stage_lines_expected": expected_lines,
        "stage_latency_ms": {
            "p50": round(float(np.percentile(latencies, 50)), 1) if latencies.size else None,
            "p99": round(float(np.percentile(latencies, 99)), 1) if latencies.size else None,
            "max": round(float(latencies.max()), 1) if latencies.size else None,
        },
        "poll_votes_sent": sent,
        "poll_votes_counted": counted,
        "event_id": event_id,
    }


def run_townhall_cli(args: Any) -> int:
    password = args.host_password or os.environ.get(HOST_PASSWORD_ENV, "")
    if not args.host_user or not password:
        print(f"makaverse bots: --scenario townhall needs --host-user and --host-password (or ${HOST_PASSWORD_ENV})",
              file=sys.stderr)
        return 2
    config = TownhallConfig(
        url=args.url, count=args.count, duration_s=args.duration, host_user=args.host_user, host_password=password,
        ramp_s=args.ramp if args.ramp is not None else max(1.0, args.count / 50),
    )
    report = asyncio.run(run_townhall(config))
    if args.json:
        print(json.dumps(report), flush=True)
    else:
        for key, value in report.items():
            print(f"{key}: {value}")
    ok = report["connected"] == args.count and report["errors"] == 0
    return 0 if ok else 1
