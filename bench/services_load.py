"""The `services` load: bots that log in and submit service requests as fast as they are
acknowledged, one at a time each, over real sockets; figures are acknowledged submissions per
second, the time from sending a submission to its `request_submitted`, and every reply that was
not one.

`run_services(url, count=..., duration_s=...)` drives a running server and returns a dict
(`acked_per_s`, `errors`, `latency_ms` {p50, p99}, ...). On its own, `python -m
makaverse.bench.services_load --count 50 --duration 20 [--db URL] [--processes 2]` starts a server
process on a fresh SQLite file (or a fresh schema of the PostgreSQL database at `--db`, dropped
afterwards) and prints one JSON object, with the server's and the load processes' CPU.

Each bot registers its own account (the server runs with cheap password hashing,
`MAKAVERSE_TEST_MODE=1`), enters with `snapshot_hz` 1 so snapshots cost both sides little, reads
the KTP-el service's fields from `booth_info`, then loops: submit with a new client request id,
wait for the reply, repeat. A share of submissions (`--retry-share`) is sent a second time with the
same id right after its first answer, as after a lost reply: it must come back `duplicate` with
the same tracking number (`mismatched_retries` counts any that did not).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import subprocess
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from makaverse.protocol import (
    PROTOCOL_VERSION,
    AuthOk,
    BoothInfo,
    BoothInfoGet,
    Error,
    Hello,
    Register,
    RequestInvalid,
    RequestSubmitted,
    SubmitRequest,
    decode,
    encode,
)
from makaverse.protocol.messages import Message
from makaverse.protocol.ratelimit import MSG_RATE_PER_S, TokenBucket

from . import scenarios  # noqa: F401  (first: the scenario registry loads `queue` in the order its imports need)
from .cluster_server import db_command
from .local_server import LocalServer, ServerWatch
from .queue import _fill
from .report import quantiles

__all__ = ["run_services", "drive_services", "services_cli", "SERVICE", "SERVER_ENV"]

SERVICE = ("DUKCAPIL", "KTP_EL")  # a seeded service with fields of every kind
PASSWORD = "layanan-bench-2026"
TEST_MODE_ENV = "MAKAVERSE_TEST_MODE"
# What the server needs for this load: cheap password hashing (every bot registers), and time for a
# few hundred bots registering at once on a busy machine to reach the world (default 5 s).
SERVER_ENV = {TEST_MODE_ENV: "1", "MAKAVERSE_HELLO_TIMEOUT_S": "60"}
REPLY_TIMEOUT_S = 30.0
SETUP_TIMEOUT_S = 60.0
# Each bot keeps under the server's per-connection message limit, as a well-behaved client does: a
# few bots on a quick store would outrun it, and the figure is the store's, not the limiter's.
PACE_PER_S = 0.9 * MSG_RATE_PER_S
_SPY_FORMATS = {".json": "speedscope", ".txt": "raw"}  # py-spy output by file name; else an SVG flame graph


@dataclass
class _Figures:
    acked: int = 0  # first answers `request_submitted`, not duplicate
    retries: int = 0  # second sends of the same client request id, answered
    mismatched_retries: int = 0  # a retry answered with another tracking number, or not `duplicate`
    latency_s: list[float] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)
    tracking: set = field(default_factory=set)
    duplicate_tracking: int = 0  # one tracking number for two different submissions (must never happen)
    bots_ready: int = 0


class _Bot:
    """One connection: a reader task that hands each reply to whoever waits for its request id."""

    def __init__(self, ws) -> None:
        self.ws = ws
        self.waiting: dict[int, asyncio.Future] = {}
        self.next_id = 0
        self.reader = asyncio.create_task(self._read())
        self.sent_s = 0.0
        self.pace = TokenBucket(rate_per_s=PACE_PER_S, burst=1, now_s=asyncio.get_running_loop().time())

    async def _read(self) -> None:
        try:
            async for data in self.ws:
                msg = decode(data)
                ref = getattr(msg, "request_id", None)
                if isinstance(msg, Error):
                    ref = msg.ref
                future = self.waiting.pop(ref, None) if ref else None
                if future is not None and not future.done():
                    future.set_result(msg)
        except ConnectionClosed:
            pass
        finally:
            for future in self.waiting.values():
                if not future.done():
                    future.set_exception(ConnectionError(f"closed {self.ws.close_code}"))

    def rid(self) -> int:
        self.next_id += 1
        return self.next_id

    async def ask(self, make, timeout_s: float = REPLY_TIMEOUT_S) -> Message:
        """Send `make(request_id)` and wait for the answer naming that id."""
        rid = self.rid()
        future = asyncio.get_running_loop().create_future()
        self.waiting[rid] = future
        loop = asyncio.get_running_loop()
        while not self.pace.take(loop.time()):
            await asyncio.sleep(self.pace.retry_after_s())
        self.sent_s = loop.time()  # latency runs from here, not from the wait for a turn
        await self.ws.send(encode(make(rid)))
        return await asyncio.wait_for(future, timeout_s)


async def _enter(url: str, index: int, tag: str) -> tuple[_Bot, list[dict]]:
    ws = await connect(url, max_queue=None, open_timeout=SETUP_TIMEOUT_S, ping_interval=None)
    bot = _Bot(ws)
    username = f"svc_{tag}_{index:05d}"
    auth = await bot.ask(
        lambda rid: Register(request_id=rid, username=username, password=PASSWORD, display_name=f"svc-{index:05d}"),
        SETUP_TIMEOUT_S,
    )
    if not isinstance(auth, AuthOk):
        raise RuntimeError(f"register: {getattr(auth, 'code', auth)}")
    # The server answers in order: the welcome comes before the booth's panel.
    await ws.send(encode(Hello(version=PROTOCOL_VERSION, name="", kind="bot", token=auth.token, snapshot_hz=1)))
    info = await bot.ask(lambda rid: BoothInfoGet(request_id=rid, opd=SERVICE[0]), SETUP_TIMEOUT_S)
    if not isinstance(info, BoothInfo):
        raise RuntimeError(f"booth_info: {getattr(info, 'code', info)}")
    service = next(s for s in info.services if s["code"] == SERVICE[1])
    return bot, service["fields"]


async def _submit_loop(
    bot: _Bot, fields: list[dict], figures: _Figures, *, tag: str, index: int, end_at: float, retry_share: float,
    rng: random.Random,
) -> None:
    loop = asyncio.get_running_loop()
    n = 0
    while loop.time() < end_at:
        n += 1
        crid = f"{tag}-{index}-{n}"
        values = _fill(fields, rng)

        def make(rid: int, crid: str = crid, values: dict = values) -> SubmitRequest:
            return SubmitRequest(
                request_id=rid, client_request_id=crid, opd=SERVICE[0], service=SERVICE[1], fields=values, note=""
            )

        try:
            reply = await bot.ask(make)
        except (TimeoutError, ConnectionError, ConnectionClosed) as exc:
            figures.errors[type(exc).__name__] += 1
            return
        if not isinstance(reply, RequestSubmitted):
            figures.errors[getattr(reply, "code", None) or type(reply).__name__] += 1
            if isinstance(reply, RequestInvalid):
                figures.errors["invalid:" + ",".join(sorted(reply.problems))] += 1
            continue
        if loop.time() <= end_at:
            figures.acked += 1
            figures.latency_s.append(loop.time() - bot.sent_s)
        if reply.tracking in figures.tracking:
            figures.duplicate_tracking += 1
        figures.tracking.add(reply.tracking)
        if rng.random() < retry_share:
            try:
                again = await bot.ask(make)
            except (TimeoutError, ConnectionError, ConnectionClosed) as exc:
                figures.errors[type(exc).__name__] += 1
                return
            figures.retries += 1
            if not (isinstance(again, RequestSubmitted) and again.duplicate and again.tracking == reply.tracking):
                figures.mismatched_retries += 1


async def drive_services(
    url: str, *, count: int, duration_s: float, first_index: int = 0, tag: str = "", retry_share: float = 0.0,
    seed: int = 1,
) -> dict:
    """`count` bots on this loop: all enter first, then all submit for `duration_s`. Raw figures."""
    tag = tag or uuid.uuid4().hex[:6]
    figures = _Figures()
    entered = await asyncio.gather(
        *(_enter(url, first_index + i, tag) for i in range(count)), return_exceptions=True
    )
    bots = [e for e in entered if not isinstance(e, BaseException)]
    for e in entered:
        if isinstance(e, BaseException):
            said = str(e)[:40] if isinstance(e, (RuntimeError, ConnectionError)) else type(e).__name__
            figures.errors["enter:" + said] += 1
    figures.bots_ready = len(bots)
    loop = asyncio.get_running_loop()
    cpu0, started, started_unix = time.process_time(), loop.time(), time.time()
    end_at = started + duration_s
    await asyncio.gather(
        *(
            _submit_loop(
                bot, fields, figures, tag=tag, index=first_index + i, end_at=end_at, retry_share=retry_share,
                rng=random.Random(seed * 100_003 + first_index + i),
            )
            for i, (bot, fields) in enumerate(bots)
        )
    )
    elapsed = loop.time() - started
    cpu_s = time.process_time() - cpu0
    for bot, _ in bots:
        await bot.ws.close()
        bot.reader.cancel()
    return {
        "acked": figures.acked,
        "window_s": min(elapsed, duration_s),
        "latency_s": figures.latency_s,
        "errors": dict(figures.errors),
        "retries": figures.retries,
        "mismatched_retries": figures.mismatched_retries,
        "duplicate_tracking": figures.duplicate_tracking,
        "bots_ready": figures.bots_ready,
        "loadgen_cpu_s": cpu_s,
        "elapsed_s": elapsed,
        "started_unix": started_unix,
    }


def _drive_in_process(args: tuple) -> dict:
    url, count, duration_s, first_index, tag, retry_share, seed = args
    return asyncio.run(
        drive_services(
            url, count=count, duration_s=duration_s, first_index=first_index, tag=tag, retry_share=retry_share,
            seed=seed,
        )
    )


def run_services(
    url: str, *, count: int, duration_s: float, processes: int = 1, retry_share: float = 0.05, seed: int = 1
) -> dict:
    """Drive the server at `url` with `count` bots spread over `processes` load processes; the merged figures.

    Start the server with `SERVER_ENV` in its environment."""
    tag = uuid.uuid4().hex[:6]
    processes = max(1, min(processes, count))
    shares = [count // processes + (1 if p < count % processes else 0) for p in range(processes)]
    jobs = [(url, n, duration_s, sum(shares[:p]), tag, retry_share, seed) for p, n in enumerate(shares)]
    if processes == 1:
        parts = [_drive_in_process(jobs[0])]
    else:
        with multiprocessing.get_context("spawn").Pool(processes) as pool:
            parts = pool.map(_drive_in_process, jobs)
    acked = sum(p["acked"] for p in parts)
    window_s = max(p["window_s"] for p in parts)
    errors: Counter = Counter()
    for p in parts:
        errors.update(p["errors"])
    latencies = [x for p in parts for x in p["latency_s"]]
    loadgen_cpu_s = sum(p["loadgen_cpu_s"] for p in parts)
    started = min(p["started_unix"] for p in parts)
    return {
        "window_unix": [started, started + window_s],
        "scenario": "services",
        "count": count,
        "bots_ready": sum(p["bots_ready"] for p in parts),
        "load_processes": processes,
        "acked": acked,
        "acked_per_s": round(acked / window_s, 1) if window_s > 0 else 0.0,
        "latency_ms": quantiles(latencies, (0.5, 0.99), scale=1000.0),
        "errors": sum(errors.values()),
        "error_codes": dict(errors),
        "retries": sum(p["retries"] for p in parts),
        "mismatched_retries": sum(p["mismatched_retries"] for p in parts),
        "duplicate_tracking": sum(p["duplicate_tracking"] for p in parts),
        "loadgen_cpu_pct": round(100.0 * loadgen_cpu_s / window_s, 1) if window_s > 0 else None,
    }


# ── on its own: a server of its own, then the load ─────────────────────────────────────────────────────────
def services_cli(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m makaverse.bench.services_load", description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=50, help="bots (default 50)")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of submitting (default 20)")
    parser.add_argument("--processes", type=int, default=1, help="load processes (default 1)")
    parser.add_argument("--db", default="", help="a PostgreSQL URL (a fresh schema is made there); default SQLite")
    parser.add_argument("--retry-share", type=float, default=0.05, help="submissions sent twice (default 0.05)")
    parser.add_argument("--url", default="", help="drive a running server instead of starting one")
    parser.add_argument("--profile", default="", help="record the server with py-spy into this SVG file")
    args = parser.parse_args(argv)

    if args.url:
        print(json.dumps(run_services(args.url, count=args.count, duration_s=args.duration,
                                      processes=args.processes, retry_share=args.retry_share), indent=1))
        return 0
    db_url, schema = "", ""
    if args.db:  # a schema of its own, dropped afterwards
        schema = f"mkv_bench_{uuid.uuid4().hex[:12]}"
        db_url = db_command("create-schema", schema, "--db", args.db)
    server = LocalServer(db_url=db_url or "", extra_env=SERVER_ENV)
    spy = None
    try:
        server.start()
        if args.profile:
            spy_bin = os.path.join(os.path.dirname(sys.executable), "py-spy")
            spy = subprocess.Popen(
                [spy_bin, "record", "--pid", str(server.pid), "--output", args.profile, "--format",
                 _SPY_FORMATS.get(os.path.splitext(args.profile)[1], "flamegraph"), "--threads", "--nonblocking"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
        watch = ServerWatch(server, every_s=0.5)
        watch.start()
        result = run_services(server.url, count=args.count, duration_s=args.duration, processes=args.processes,
                              retry_share=args.retry_share)
        watch.stop()
        # The server's CPU over the submitting window only (the bots' registering comes before it).
        start, end = result.pop("window_unix")
        inside = [s for s in watch.samples if start <= s.t <= end]
        result["server_cpu_pct"] = result["server_cpu_ms_per_ack"] = None  # a window too short to sample
        if len(inside) >= 2:
            cpu_s, span = inside[-1].cpu_s - inside[0].cpu_s, inside[-1].t - inside[0].t
            result["server_cpu_pct"] = round(100.0 * cpu_s / span, 1)
            per_s = result["acked_per_s"]
            result["server_cpu_ms_per_ack"] = round(1000.0 * cpu_s / span / per_s, 3) if per_s else None
        result["db"] = "postgresql" if args.db else "sqlite"
        result["load_avg"] = [round(x, 2) for x in os.getloadavg()]
    finally:
        if spy is not None:
            spy.send_signal(2)
            try:
                spy.wait(30)
            except Exception:
                spy.kill()
        server.stop()
        server.cleanup()
        if schema:
            db_command("drop-schema", schema, "--db", args.db)
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(services_cli())
