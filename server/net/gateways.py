"""The transport of a server whose WebSocket connections live in gateway processes
(`makaverse serve --gateways N`): it starts the gateways on the server's port, reads their batches
and hands the game the same `Session`s and the same `Dispatcher` calls a single-process
`NetServer` would, so the wiring and the rooms can't tell the difference.

Each gateway binds the port with SO_REUSEPORT and the kernel spreads new connections over them;
with `--port 0` this process first binds the port (without listening) to choose the number. A
gateway that dies is noticed when its channel closes: its clients' avatars are parked (as for any
dropped connection, they may resume within the grace) and a new gateway takes its place.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import multiprocessing as mp
import socket
from collections import Counter
from dataclasses import replace
from typing import Any

from makaverse.protocol import Input, decode, encode
from makaverse.protocol.messages import Message, unchecked_input
from makaverse.protocol.ratelimit import TokenBucket

from ..log import log_event
from .channel import Channel
from .gateway import RECEIVE_BACKLOG, STATE_NUMBERS, TRANSPORT_COUNTERS, gateway_main
from .gateway_wire import InputFields, Kind, iter_records
from .metrics import ServerMetrics, watch_loop_lag
from .server import Dispatcher, NetSettings
from .session import Session
from .session_state import SessionEvent, SessionState

__all__ = ["GatewayHub", "RemoteConnection", "RemoteSession", "trusted_input"]

log = logging.getLogger("makaverse.gateways")

READY_TIMEOUT_S = 30.0
MAX_CHANNEL_BACKLOG_BYTES = 64 * 1024 * 1024  # a gateway this far behind is stuck: it is replaced
# Unread by a gateway one tick after it was written (a tick's frames for a thousand clients are
# about 1 MB; the kernel holds ~200 KiB of it): the gateway is behind, and a standing queue of
# snapshots would only add latency. Its clients skip snapshot ticks until it catches up.
CONGESTED_BYTES = 256 * 1024


def trusted_input(f: InputFields) -> Input:
    """An `Input` a gateway already validated, built without checking it again (8x cheaper)."""
    return unchecked_input(*f)


class RemoteConnection:
    """A connection held by a gateway, as the game sees it: the `Outbox` and the drop of a `Connection`."""

    def __init__(self, link: GatewayLink, conn_id: int, address: str) -> None:
        self.link = link
        self.conn_id = conn_id
        self.address = address
        self.close_code: int | None = None
        self.close_reason = ""
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    @property
    def closing(self) -> bool:
        return self.close_code is not None or self.closed.done()

    @property
    def remote(self) -> str:
        return self.address

    @property
    def congested(self) -> bool:
        """The gateway has not yet taken what was sent a tick ago: its clients skip this snapshot."""
        return self.link.channel.buffered_bytes > CONGESTED_BYTES

    def send(self, msg: Message) -> bool:
        return self.send_bytes(encode(msg))

    def send_bytes(self, data: bytes) -> bool:
        if self.close_code is not None or self.closed.done():  # `closing`, inlined: every frame
            return False
        channel = self.link.channel
        channel.out.frame(self.conn_id, data)
        channel.soon()
        return True

    def drop(self, code: int, reason: str, *, flush: bool = True) -> asyncio.Future[None]:
        """Ask the gateway to close (once); the future completes when it says the connection ended."""
        if not self.closing:
            self.close_code = int(code)
            self.close_reason = reason
            channel = self.link.channel
            channel.out.drop(self.conn_id, int(code), reason, flush=flush)
            channel.soon()
        return self.closed

    async def close(self, code: int, reason: str, *, flush: bool = True) -> None:
        await self.drop(code, reason, flush=flush)


class RemoteSession(Session):
    """A session whose state changes are told to the gateway, which checks messages against them."""

    conn: RemoteConnection  # type: ignore[assignment]

    def advance(self, event: SessionEvent) -> None:
        super().advance(event)
        conn = self.conn
        if not conn.closed.done():
            conn.link.channel.out.state(conn.conn_id, STATE_NUMBERS[self.state])
            conn.link.channel.soon()


class GatewayLink:
    """One gateway process and its channel."""

    def __init__(self, index: int, process: Any, channel: Channel) -> None:
        self.index = index
        self.process = process
        self.channel = channel
        self.sessions: dict[int, RemoteSession] = {}
        self.by_address: Counter[str] = Counter()
        self.dirty: set[str] = set()  # addresses whose count elsewhere changed, to tell this gateway
        self.telling = False  # a message about `dirty` is due at the end of this loop turn
        self.ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.lost = False
        self.unread: int | None = None  # bytes unread in its client sockets, as it last reported


class GatewayHub:
    """Has the `NetServer` surface the wiring uses: `start`, `stop`, `port`, `sessions`."""

    def __init__(self, settings: NetSettings, dispatcher: Dispatcher, metrics: ServerMetrics, *, count: int) -> None:
        if count < 1:
            raise ValueError("a gateway hub needs at least one gateway")
        self.settings = settings
        self.dispatcher = dispatcher
        self.metrics = metrics
        self.count = count
        self.sessions: dict[int, RemoteSession] = {}
        self.links: list[GatewayLink | None] = [None] * count
        self.port: int | None = None
        self.stopping = False
        self._reserve: socket.socket | None = None
        self._ctx = mp.get_context("spawn")
        self._tasks: set[asyncio.Task[Any]] = set()
        self._lag_task: asyncio.Task[None] | None = None
        self._respawns = 0

    def receive_backlog_bytes(self) -> int | None:
        """Bytes unread in the gateways' client sockets, as each last reported (once a second)."""
        readings = [link.unread for link in self.links if link is not None and link.unread is not None]
        return sum(readings) if readings else None

    # ── lifecycle ────────────────────────────────────────────────────────────
    async def start(self) -> None:
        s = self.settings
        port = s.port
        if port == 0:
            # Choose the number once: every gateway binds this port (SO_REUSEPORT), this socket
            # holds it without listening, so it never takes a connection itself.
            family = socket.getaddrinfo(s.host, 0, type=socket.SOCK_STREAM)[0][0]
            reserve = socket.socket(family, socket.SOCK_STREAM)
            reserve.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            reserve.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            reserve.bind((s.host, 0))
            port = reserve.getsockname()[1]
            self._reserve = reserve
        self.port = port
        for index in range(self.count):
            self._spawn(index)
        links = [link for link in self.links if link is not None]
        try:
            await asyncio.wait_for(asyncio.gather(*(link.ready for link in links)), READY_TIMEOUT_S)
        except (TimeoutError, ConnectionError) as exc:
            await self.stop()
            raise RuntimeError(f"gateways did not start: {exc or 'timeout'}") from None
        self._lag_task = asyncio.create_task(watch_loop_lag(self.metrics), name="loop-lag")

    def _spawn(self, index: int) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        gateway_settings = replace(self.settings, port=self.port)  # type: ignore[type-var]
        process = self._ctx.Process(
            target=gateway_main, args=(gateway_settings, index, self.count, theirs), name=f"makaverse-gateway-{index}",
            daemon=True,
        )
        process.start()
        theirs.close()
        link: GatewayLink
        channel = Channel(lambda body: self._on_body(link, body), lambda: self._lost(link))
        link = GatewayLink(index, process, channel)
        self.links[index] = link
        loop = asyncio.get_running_loop()
        self._spawn_task(loop.connect_accepted_socket(lambda: channel, ours), "gateway-channel")
        log_event(log, "gateway_spawned", gateway=index, pid=process.pid)

    def _spawn_task(self, coro: Any, name: str) -> None:
        task = asyncio.ensure_future(coro)
        task.set_name(name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def stop(self) -> None:
        """Every gateway closes its clients with 1001 and exits; one that doesn't is killed."""
        if self.stopping:
            return
        self.stopping = True
        links = [link for link in self.links if link is not None]
        for link in links:
            if not link.channel.closed:
                link.channel.out.plain(Kind.STOP, 0)
                link.channel.flush()
        loop = asyncio.get_running_loop()
        deadline = self.settings.close_timeout_s + 3.0
        for link in links:
            await loop.run_in_executor(None, link.process.join, deadline)
            if link.process.is_alive():
                log.warning("gateway_killed", extra={"fields": {"gateway": link.index}})
                link.process.kill()
                await loop.run_in_executor(None, link.process.join, 1.0)
            link.channel.close()
            self._lost(link)
        if self._lag_task is not None:
            self._lag_task.cancel()
        if self._reserve is not None:
            self._reserve.close()

    # ── from the gateways ────────────────────────────────────────────────────
    def _on_body(self, link: GatewayLink, body: bytes) -> None:
        dispatcher = self.dispatcher
        sessions = self.sessions
        for rec in iter_records(body):
            kind = rec.kind
            if kind is Kind.INPUT:
                session = sessions.get(rec.conn_id)
                if session is not None and session.state is SessionState.IN_WORLD:
                    dispatcher.dispatch_input(session, trusted_input(rec.data))
            elif kind is Kind.COMMAND:
                session = sessions.get(rec.conn_id)
                if session is not None:
                    self._spawn_task(self._command(link, session, rec.data), "gateway-command")
            elif kind is Kind.OPEN:
                self._opened(link, rec.conn_id, rec.data.decode("utf-8", "replace"))
            elif kind is Kind.CLOSED:
                self._closed(link, rec.conn_id)
            elif kind is Kind.STATS:
                self._count(link, json.loads(rec.data))
            elif kind is Kind.HTTP_ASK:
                self._spawn_task(self._answer(link, rec.conn_id, rec.data.decode("ascii")), "gateway-http")
            elif kind is Kind.READY:
                if not link.ready.done():
                    link.ready.set_result(None)
        if link.channel.buffered_bytes > MAX_CHANNEL_BACKLOG_BYTES:
            log.error("gateway_stuck", extra={"fields": {"gateway": link.index}})
            link.process.kill()

    async def _command(self, link: GatewayLink, session: RemoteSession, data: bytes) -> None:
        try:
            rest = self.dispatcher.dispatch(session, decode(data))
            if rest is not None:
                await rest
        except Exception:
            log.exception("gateway_command_failed")
        finally:
            if not link.channel.closed:
                link.channel.out.plain(Kind.DONE, session.conn.conn_id)
                link.channel.soon()

    async def _answer(self, link: GatewayLink, ask_id: int, path: str) -> None:
        if path == "/healthz":
            health = self.dispatcher.health()
            if not isinstance(health, dict):
                health = await health
            health["gateways"] = sum(1 for x in self.links if x is not None and not x.lost)
            status, body = 200, json.dumps(health).encode("utf-8")
        elif path == "/stats/ticks":
            status, body = 200, json.dumps(self.metrics.tick_stats()).encode("utf-8")
        else:
            self.metrics.clients.set(len(self.sessions))
            status, body = 200, self.metrics.render()
        if not link.channel.closed:
            link.channel.out.http_answer(ask_id, status, body)
            link.channel.soon()

    def _opened(self, link: GatewayLink, conn_id: int, address: str) -> None:
        loop = asyncio.get_running_loop()
        conn = RemoteConnection(link, conn_id, address)
        session = RemoteSession(
            conn,  # type: ignore[arg-type]
            TokenBucket(rate_per_s=self.settings.msg_rate_per_s, burst=self.settings.msg_burst, now_s=loop.time()),
            address=address,
        )
        link.sessions[conn_id] = session
        self.sessions[conn_id] = session
        self.metrics.clients.set(len(self.sessions))
        self._held(link, address, +1)
        self.dispatcher.connected(session)

    def _closed(self, link: GatewayLink, conn_id: int) -> None:
        session = link.sessions.pop(conn_id, None)
        self.sessions.pop(conn_id, None)
        if session is None:
            return
        self.metrics.clients.set(len(self.sessions))
        self._held(link, session.address, -1)
        loop = asyncio.get_running_loop()
        if not session.conn.closed.done():
            session.conn.closed.set_result(None)
        self.dispatcher.disconnected(session, loop.time())
        if session.state is not SessionState.CLOSING:
            Session.advance(session, SessionEvent.CLOSE)  # the gateway knows: nothing to tell it

    def _lost(self, link: GatewayLink) -> None:
        """The gateway's channel closed: its clients are gone with it."""
        if link.lost:
            return
        link.lost = True
        dropped = len(link.sessions)
        for conn_id in list(link.sessions):
            self._closed(link, conn_id)
        if not link.ready.done():
            link.ready.set_exception(ConnectionError(f"gateway {link.index} exited before it was ready"))
            link.ready.exception()  # retrieved here: start() reports it
        if self.stopping:
            return
        log.error("gateway_lost", extra={"fields": {"gateway": link.index, "clients_dropped": dropped}})
        self.metrics.disconnects.labels(reason="gateway_lost").inc(dropped)
        self._respawns += 1
        self._spawn(link.index)

    # ── admission across gateways ────────────────────────────────────────────
    def _held(self, link: GatewayLink, address: str, delta: int) -> None:
        link.by_address[address] += delta
        if link.by_address[address] <= 0:
            del link.by_address[address]
        for other in self.links:
            if other is not None and other is not link and not other.lost:
                other.dirty.add(address)
                if not other.telling:  # told once per loop turn, with every address that changed
                    other.telling = True
                    asyncio.get_running_loop().call_soon(self._tell_elsewhere, other)

    def _tell_elsewhere(self, link: GatewayLink) -> None:
        link.telling = False
        if link.lost or link.channel.closed:
            return
        others = [x for x in self.links if x is not None and x is not link and not x.lost]
        total = sum(len(x.sessions) for x in others)
        changed = {a: sum(x.by_address.get(a, 0) for x in others) for a in link.dirty}
        link.dirty.clear()
        link.channel.out.json(Kind.ELSEWHERE, 0, {"total": total, "changed": changed})
        link.channel.soon()

    # ── figures ──────────────────────────────────────────────────────────────
    def _count(self, link: GatewayLink, grown: list) -> None:
        """A gateway's transport counters, added to this process's (one /metrics for the server),
        and its reading of bytes unread in its sockets."""
        for attr, labels, delta in grown:
            if attr == RECEIVE_BACKLOG:
                link.unread = int(delta)
                continue
            if attr not in TRANSPORT_COUNTERS:
                continue
            metric = getattr(self.metrics, attr)
            with contextlib.suppress(ValueError):
                (metric.labels(**labels) if labels else metric).inc(delta)
