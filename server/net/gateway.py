"""One gateway process: the WebSocket side of the server for the connections the kernel gives it.

It runs the same transport as a single-process server (`NetServer`: handshake, admission, the hello
timeout, decoding and validation, rate limits, the bounded send queue, 1009 and the slow-reader
drop), on the server's port shared with the other gateways (SO_REUSEPORT). What a single process
would hand its game, this one forwards to the simulation process over the channel: inputs packed
as fixed fields, other messages re-encoded, one batch per loop turn; a command is in flight until
the simulation says DONE, so a connection's messages are still handled strictly in order. Frames,
drops and session states come back the same way.

SIGINT is left to the simulation process (a Ctrl-C reaches the whole process group: it stops the
gateways itself, so clients get 1001); SIGTERM or the channel closing stops this one.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import os
import signal
import socket
from typing import Any

from makaverse.protocol import Input, encode
from makaverse.protocol.messages import Message

from ..log import configure_logging, log_event
from .admission import Elsewhere
from .channel import Channel
from .connection import corked
from .gateway_wire import Kind, iter_records
from .heap import OldObjects
from .loops import run
from .metrics import ServerMetrics
from .server import NetServer, NetSettings
from .session import Session
from .session_state import SessionState

__all__ = ["gateway_main", "Forwarder", "STATE_NUMBERS", "TRANSPORT_COUNTERS", "RECEIVE_BACKLOG", "INPUT_FLUSH_S",
           "STATS_EVERY_S"]


log = logging.getLogger("makaverse.gateway")

INPUT_FLUSH_S = 0.005  # inputs wait at most this long to share a batch (the tick reads them every 50 ms)
STATS_EVERY_S = 1.0
STATE_NUMBERS = {state: n for n, state in enumerate(SessionState)}
_STATES = list(SessionState)
# The transport's counters a gateway counts and the simulation process shows in /metrics.
TRANSPORT_COUNTERS = (
    "bytes_sent", "bytes_received", "messages_received", "protocol_errors", "handshakes_refused", "disconnects",
)
RECEIVE_BACKLOG = "receive_backlog_bytes"  # a gauge in the same report: the gateway's reading


class Forwarder:
    """The gateway's `Dispatcher`: everything goes to the simulation process over the channel."""

    def __init__(self, index: int, elsewhere: Elsewhere, metrics: ServerMetrics, stop: asyncio.Event) -> None:
        self.index = index
        self.elsewhere = elsewhere
        self.metrics = metrics
        self.stop = stop
        self.channel = Channel(self.on_body, stop.set)
        self.net: NetServer | None = None
        self._in_flight: dict[int, asyncio.Future[None]] = {}
        self._asks: dict[int, asyncio.Future[tuple[int, bytes]]] = {}
        self._ask_ids = itertools.count(1)
        self._reported: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
        self._unread: int | None = None  # the last bytes-unread reading sent

    # ── the Dispatcher ───────────────────────────────────────────────────────
    def connected(self, session: Session) -> None:
        self.channel.out.blob(Kind.OPEN, session.conn.conn_id, session.address.encode("utf-8"))
        self.channel.soon()

    def dispatch_input(self, session: Session, msg: Message) -> None:
        assert isinstance(msg, Input)
        self.channel.out.input(session.conn.conn_id, msg.seq, msg.move_x, msg.move_y, msg.yaw, msg.run, msg.ack_tick)
        self.channel.soon(INPUT_FLUSH_S)

    async def dispatch(self, session: Session, msg: Message) -> None:
        conn_id = session.conn.conn_id
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._in_flight[conn_id] = done
        self.channel.out.blob(Kind.COMMAND, conn_id, encode(msg))
        self.channel.soon()
        try:
            await done
        finally:
            self._in_flight.pop(conn_id, None)

    def disconnected(self, session: Session, now_s: float) -> None:
        conn_id = session.conn.conn_id
        self.channel.out.plain(Kind.CLOSED, conn_id)
        self.channel.soon()
        waiting = self._in_flight.pop(conn_id, None)
        if waiting is not None and not waiting.done():
            waiting.cancel()

    async def health(self) -> dict:
        status, body = await self._ask("/healthz")
        return json.loads(body) if status == 200 else {"status": "unavailable"}

    async def metrics_text(self) -> bytes:
        self.report_stats()  # counted so far, in the same batch: the answer includes them
        return (await self._ask("/metrics"))[1]

    async def tick_stats(self) -> dict:
        status, body = await self._ask("/stats/ticks")
        return json.loads(body) if status == 200 else {"ticks": 0, "recent_s": []}

    async def _ask(self, path: str) -> tuple[int, bytes]:
        ask_id = next(self._ask_ids)
        answer: asyncio.Future[tuple[int, bytes]] = asyncio.get_running_loop().create_future()
        self._asks[ask_id] = answer
        self.channel.out.blob(Kind.HTTP_ASK, ask_id, path.encode("ascii"))
        self.channel.soon()
        try:
            return await asyncio.wait_for(answer, 5.0)
        except TimeoutError:
            return 503, b""
        finally:
            self._asks.pop(ask_id, None)

    # ── from the simulation process ──────────────────────────────────────────
    def on_body(self, body: bytes) -> None:
        with corked():  # a client's frames in this batch (one tick's, mostly) leave in one write
            self._on_records(body)

    def _on_records(self, body: bytes) -> None:
        net = self.net
        assert net is not None
        sessions = net.sessions
        for rec in iter_records(body):
            kind = rec.kind
            if kind is Kind.FRAME:
                session = sessions.get(rec.conn_id)
                if session is not None:
                    session.conn.send_bytes(rec.data)
            elif kind is Kind.DONE:
                waiting = self._in_flight.get(rec.conn_id)
                if waiting is not None and not waiting.done():
                    waiting.set_result(None)
            elif kind is Kind.STATE:
                session = sessions.get(rec.conn_id)
                if session is not None:
                    session.state = _STATES[rec.data]
            elif kind is Kind.DROP:
                session = sessions.get(rec.conn_id)
                if session is not None:
                    code, flush, reason = rec.data
                    session.conn.drop(code, reason, flush=flush)
            elif kind is Kind.ELSEWHERE:
                told = json.loads(rec.data)
                self.elsewhere.update(told["total"], told["changed"])
            elif kind is Kind.HTTP_ANSWER:
                answer = self._asks.get(rec.conn_id)
                if answer is not None and not answer.done():
                    answer.set_result(rec.data)
            elif kind is Kind.STOP:
                self.stop.set()

    # ── figures ──────────────────────────────────────────────────────────────
    def report_stats(self) -> None:
        """The transport counters' growth since the last report, for the simulation's /metrics."""
        grown: list[list[Any]] = []
        self.metrics.flush()
        for attr in TRANSPORT_COUNTERS:
            for family in getattr(self.metrics, attr).collect():
                for sample in family.samples:
                    if not sample.name.endswith("_total"):
                        continue
                    key = (attr, tuple(sorted(sample.labels.items())))
                    delta = sample.value - self._reported.get(key, 0.0)
                    if delta:
                        self._reported[key] = sample.value
                        grown.append([attr, sample.labels, delta])
        # Bytes unread in this gateway's client sockets: a reading, not a count (sent as it changes).
        unread = self.net.receive_backlog_bytes() if self.net is not None else None
        if unread is not None and unread != self._unread:
            self._unread = unread
            grown.append([RECEIVE_BACKLOG, {}, unread])
        if grown:
            self.channel.out.json(Kind.STATS, self.index, grown)
            self.channel.soon()

    async def report_forever(self, heap: OldObjects | None = None) -> None:
        """The stats every `STATS_EVERY_S`; with them, after a full collection, what survived it
        is frozen (`OldObjects`, as in the simulation process: a gateway holds its connections)."""
        while True:
            await asyncio.sleep(STATS_EVERY_S)
            self.report_stats()
            if heap is not None:
                heap.check(asyncio.get_running_loop().time())


async def _serve(settings: NetSettings, index: int, count: int, sock: socket.socket) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    metrics = ServerMetrics()
    elsewhere = Elsewhere()
    forwarder = Forwarder(index, elsewhere, metrics, stop)
    await loop.connect_accepted_socket(lambda: forwarder.channel, sock)
    net = NetServer(
        settings, forwarder, metrics, reuse_port=True, elsewhere=elsewhere, render_metrics=forwarder.metrics_text,
        render_tick_stats=forwarder.tick_stats,
        first_conn_id=index + 1, conn_id_step=count,
    )
    forwarder.net = net
    await net.start()
    forwarder.channel.out.plain(Kind.READY, index)
    forwarder.channel.flush()
    log_event(log, "gateway_started", gateway=index, pid=os.getpid(), port=net.port)
    reporter = asyncio.create_task(forwarder.report_forever(OldObjects()), name="gateway-stats")
    await stop.wait()
    await net.stop()
    reporter.cancel()
    forwarder.report_stats()
    forwarder.channel.close()
    log_event(log, "gateway_stopped", gateway=index)


def gateway_main(settings: Any, index: int, count: int, sock: socket.socket) -> None:
    """The gateway process's entry point (multiprocessing, spawn)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    configure_logging(settings.log_format, settings.log_level)
    run(_serve(settings, index, count, sock), settings.loop)
