"""The transport: WebSocket accept, one reader per connection, decode, size and rate limits, HTTP
health and metrics on the same port, and a shutdown that closes clients with 1001.

What a decoded message means is not decided here: each one the session may send in its state goes
to the `Dispatcher` (the wiring), which routes it to the session's world instance. A check that
must pass before a connection is served (an origin list, a per-address cap) hooks in at
`_admit`; one that must pass before a message is dispatched, at `_receive`.
"""

from __future__ import annotations

import asyncio
import fcntl
import itertools
import logging
import socket
import struct
import termios
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from makaverse.protocol import (
    CloseCode,
    Error,
    ErrorCode,
    InvalidRequestFields,
    MessageType,
    RemoteProtocolError,
    decode,
    peek_request_id,
    refusal,
)
from makaverse.protocol.messages import SENDERS, Message, Sender
from makaverse.protocol.ratelimit import TokenBucket

from ..log import log_event
from .admission import Elsewhere, gate_for
from .connection import Connection
from .http import HttpRoutes
from .keepalive import PacedPings, paced_pings
from .metrics import ServerMetrics, watch_loop_lag
from .session import Session
from .session_state import ALLOWED, SessionEvent, SessionState

__all__ = ["Dispatcher", "NetServer", "NetSettings"]

log = logging.getLogger("makaverse.server")

_MAX_STRIKES = 20  # refused messages before the connection is closed for policy
_FLOOD_CLOSE_AFTER = 200  # messages over the rate limit before the connection is closed
# Frames read while a command is being handled wait in the session's backlog, up to these; past
# them reading stops until the backlog is handled (only a flood gets there).
_BACKLOG_FRAMES = 256
_BACKLOG_BYTES = 256 * 1024
_LISTEN_BACKLOG = 4096  # connections the kernel holds for us to accept (see `start`)


def _close_code(conn: Connection, ws: ServerConnection) -> int | str:
    """The close code the peer was sent (ours, or the echo of theirs): a silent peer that missed
    the keepalive gets 1011, which is what we log, not the 1006 `ws.close_code` reports."""
    if conn.close_code:
        return conn.close_code
    sent = ws.protocol.close_sent
    if sent is not None:
        return int(sent.code)
    return ws.close_code if ws.close_code is not None else "lost"


class NetSettings(Protocol):
    """The settings the transport reads (the wiring's `Settings` has them); read-only."""

    @property
    def host(self) -> str: ...
    @property
    def port(self) -> int: ...
    @property
    def max_clients(self) -> int: ...
    @property
    def max_clients_per_address(self) -> int: ...
    @property
    def allowed_origins(self) -> str: ...
    @property
    def max_frame_bytes(self) -> int: ...
    @property
    def send_queue_frames(self) -> int: ...
    @property
    def send_buffer_bytes(self) -> int: ...
    @property
    def ping_interval_s(self) -> float: ...
    @property
    def ping_timeout_s(self) -> float: ...
    @property
    def ping_idle_interval_s(self) -> float: ...
    @property
    def close_timeout_s(self) -> float: ...
    @property
    def hello_timeout_s(self) -> float: ...
    @property
    def msg_rate_per_s(self) -> float: ...
    @property
    def msg_burst(self) -> int: ...


class Dispatcher(Protocol):
    """What the transport hands decoded messages to (the wiring implements it)."""

    def connected(self, session: Session) -> None: ...

    def dispatch(self, session: Session, msg: Message) -> Awaitable[None] | None:
        """Handle one message; messages of one session are dispatched strictly in order. What
        it does at once may be done before this returns; what waits is the awaitable returned
        (None: nothing left)."""

    def dispatch_input(self, session: Session, msg: Message) -> None:
        """Handle one movement input at once (the stream: nothing to wait for, nothing to reply)."""

    def disconnected(self, session: Session, now_s: float) -> None: ...

    def health(self) -> dict | Awaitable[dict]: ...


class NetServer:
    """`reuse_port` and `elsewhere` are for a gateway process: it shares the port with the other
    gateways (the kernel spreads new connections over them) and counts their connections against
    the caps."""

    def __init__(
        self,
        settings: NetSettings,
        dispatcher: Dispatcher,
        metrics: ServerMetrics,
        *,
        reuse_port: bool = False,
        elsewhere: Elsewhere | None = None,
        render_metrics: Callable[[], Awaitable[bytes]] | None = None,
        render_tick_stats: Callable[[], Awaitable[dict]] | None = None,
        first_conn_id: int = 1,
        conn_id_step: int = 1,
    ) -> None:
        self.settings = settings
        self.dispatcher = dispatcher
        self.metrics = metrics
        self.reuse_port = reuse_port
        self.elsewhere = elsewhere or Elsewhere()
        self.render_metrics = render_metrics  # a gateway's: the answers come from the simulation process
        self.render_tick_stats = render_tick_stats
        self.sessions: dict[int, Session] = {}
        self._conn_ids = itertools.count(first_conn_id, conn_id_step)
        self._ws_server: Server | None = None
        self.stopping = False
        self.port: int | None = None
        self._lag_task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        s = self.settings
        routes = HttpRoutes(
            health=self.dispatcher.health,
            metrics=self.render_metrics or self.metrics.render,
            admit=gate_for(s, self.metrics, self.elsewhere),
            tick_stats=self.render_tick_stats or self.metrics.tick_stats,
        )
        extra: dict[str, Any] = {"reuse_port": True} if self.reuse_port else {}
        self._ws_server = await serve(
            self._handle,
            s.host,
            s.port,
            process_request=routes,
            max_size=s.max_frame_bytes,
            max_queue=16,
            ping_interval=s.ping_interval_s,
            ping_timeout=s.ping_timeout_s,
            create_connection=paced_pings(s.ping_idle_interval_s),
            close_timeout=s.close_timeout_s,
            compression=None,  # snapshots are packed numbers; deflate costs CPU for little
            # A join burst (a town hall opening) connects thousands at once; the default of 100
            # pending connections drops SYNs while the loop is busy, and a dropped SYN costs the
            # client seconds of retransmits. The kernel caps this at net.core.somaxconn.
            backlog=_LISTEN_BACKLOG,
            **extra,
        )
        self.port = self._ws_server.sockets[0].getsockname()[1]
        self._lag_task = asyncio.create_task(watch_loop_lag(self.metrics), name="loop-lag")

    async def stop(self) -> None:
        """Close every client with 1001 (each bounded by the close timeout)."""
        if self.stopping:
            return
        self.stopping = True
        if self._ws_server is not None:
            self._ws_server.close(close_connections=False)
        closes = [s.conn.drop(CloseCode.GOING_AWAY, "server shutting down") for s in list(self.sessions.values())]
        if closes:
            await asyncio.wait(closes, timeout=self.settings.close_timeout_s + 0.5)
        if self._lag_task is not None:
            self._lag_task.cancel()
        if self._ws_server is not None:
            try:
                await asyncio.wait_for(self._ws_server.wait_closed(), 1.0)
            except TimeoutError:
                pass

    def receive_backlog_bytes(self) -> int | None:
        """Bytes clients sent that wait unread in the kernel's socket buffers, over every
        connection: how far reading has fallen behind (a standing queue of input shows here)."""
        total = 0
        count = bytearray(4)
        for session in list(self.sessions.values()):
            sock = session.conn.ws.transport.get_extra_info("socket")
            if sock is None:
                continue
            try:
                fcntl.ioctl(sock.fileno(), termios.FIONREAD, count)
            except (OSError, ValueError):
                continue  # closed meanwhile
            total += struct.unpack("i", count)[0]
        return total

    # ── connections ──────────────────────────────────────────────────────────
    def _admit(self, conn: Connection) -> tuple[int, str] | None:
        """Why a new connection is turned away (close code and reason), or None to serve it."""
        if self.stopping:
            return CloseCode.GOING_AWAY, "server shutting down"
        if len(self.sessions) + self.elsewhere.total >= self.settings.max_clients:
            return CloseCode.SERVER_FULL, "server full"
        return None

    async def _handle(self, ws: ServerConnection) -> None:
        s = self.settings
        if s.send_buffer_bytes:
            sock = ws.transport.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, s.send_buffer_bytes)
        conn = Connection(
            ws,
            conn_id=next(self._conn_ids),
            metrics=self.metrics,
            queue_frames=s.send_queue_frames,
            close_timeout_s=s.close_timeout_s,
        )
        refusal = self._admit(conn)
        if refusal is not None:
            await conn.close(*refusal)
            return
        loop = asyncio.get_running_loop()
        bucket = TokenBucket(rate_per_s=s.msg_rate_per_s, burst=s.msg_burst, now_s=loop.time())
        session = Session(conn, bucket, address=(ws.remote_address or ("?",))[0])
        self.sessions[conn.conn_id] = session
        self.dispatcher.connected(session)
        self.metrics.clients.inc()
        log_event(log, "client_connected", conn=conn.conn_id, remote=conn.remote)
        session.watchdog = loop.call_later(s.hello_timeout_s, self._hello_timeout, session)
        try:
            paced = isinstance(ws, PacedPings)
            async for data in ws:
                if conn.closing:
                    break
                if paced:
                    ws.heard_at = loop.time()  # type: ignore[attr-defined]
                self.metrics.received_bytes += len(data)
                work = session.working
                if work is not None:
                    # A command is still being handled: this frame waits its turn, but reading
                    # goes on, so the keepalive's pongs are read however long the server takes.
                    session.backlog.append((data, loop.time()))
                    session.backlog_bytes += len(data)
                    if len(session.backlog) >= _BACKLOG_FRAMES or session.backlog_bytes >= _BACKLOG_BYTES:
                        await asyncio.wait((work,))  # a flood: stop reading until its turn comes
                    continue
                pending = self._receive(session, data, loop.time())
                if pending is not None:
                    session.working = asyncio.create_task(self._in_order(session, pending))
                elif not conn.queue.empty():
                    # Let the writer run between messages: a burst of replies must not fill the queue.
                    await asyncio.sleep(0)
        except ConnectionClosed:
            pass
        finally:
            session.backlog.clear()
            session.backlog_bytes = 0
            if session.working is not None:
                # The command in hand finishes before the game hears of the disconnect, as it did
                # when reading waited for it.
                await asyncio.wait((session.working,))
            if session.watchdog is not None:
                session.watchdog.cancel()
            self.sessions.pop(conn.conn_id, None)
            self.metrics.clients.dec()
            self.dispatcher.disconnected(session, loop.time())
            if session.state is not SessionState.CLOSING:
                session.advance(SessionEvent.CLOSE)
            # Read before our own drop below, which would record 1000 over a keepalive failure.
            known = _close_code(conn, ws)
            await conn.drop(CloseCode.NORMAL, "", flush=False)  # no-op when already closing
            code = known if known != "lost" else _close_code(conn, ws)
            self.metrics.disconnects.labels(reason=str(code)).inc()
            log_event(log, "client_disconnected", conn=conn.conn_id, code=code, reason=conn.close_reason)

    def _hello_timeout(self, session: Session) -> None:
        if session.state is not SessionState.CONNECTING:
            return
        if session.working is not None:
            # The client asked and the server has not answered yet (a join burst queues its
            # registrations): the wait is ours, not the client's. The time starts again once
            # the answer is out (`_in_order`).
            session.watchdog = None
            return
        session.conn.drop(CloseCode.HANDSHAKE_TIMEOUT, "no hello")

    async def _in_order(self, session: Session, pending: Awaitable[None]) -> None:
        """Handle a command that waits (a store call, another process), then the frames that
        arrived meanwhile, strictly in order; frames handled at once need no task."""
        try:
            while True:
                try:
                    await pending
                except Exception:
                    log.exception("dispatch_failed")
                next_pending = None
                while next_pending is None:
                    if not session.backlog or session.conn.closing:
                        session.backlog.clear()
                        session.backlog_bytes = 0
                        return
                    data, now_s = session.backlog.popleft()
                    session.backlog_bytes -= len(data)
                    try:
                        next_pending = self._receive(session, data, now_s)
                    except Exception:  # as a command that fails: logged, and the frames after it go on
                        log.exception("dispatch_failed")
                pending = next_pending
        finally:
            session.working = None
            if session.watchdog is None and session.state is SessionState.CONNECTING and not session.conn.closing:
                session.watchdog = asyncio.get_running_loop().call_later(
                    self.settings.hello_timeout_s, self._hello_timeout, session
                )

    def _refuse(self, session: Session, code: ErrorCode, ref: int = 0) -> None:
        self.metrics.protocol_errors.labels(code=code.value).inc()
        session.conn.send(Error(code=code.value, ref=ref))
        session.strikes += 1
        if session.strikes > _MAX_STRIKES:
            session.conn.drop(CloseCode.POLICY, "too many invalid messages")

    def _receive(self, session: Session, data: bytes | str, now_s: float) -> Awaitable[None] | None:
        """Check and decode one frame and hand it on: a movement input or a refusal at once (None),
        a command as the awaitable that handles it."""
        if not session.bucket.take(now_s):
            session.flooded += 1
            if session.flooded > _FLOOD_CLOSE_AFTER:
                session.conn.drop(CloseCode.FLOODING, "too many messages")
                return None
            # A dropped command is answered by its id, so whoever waits for it hears at once
            # (the flood count bounds these answers); anything else gets one notice a second.
            ref = peek_request_id(data) if isinstance(data, bytes) else 0
            if ref or now_s - session.last_limit_notice_s >= 1.0:
                if not ref:
                    session.last_limit_notice_s = now_s
                self.metrics.protocol_errors.labels(code=ErrorCode.RATE_LIMITED.value).inc()
                session.conn.send(Error(code=ErrorCode.RATE_LIMITED.value, ref=ref))
            return None
        # Accepted messages pay the flood count down slowly, so a steady flood far over the
        # limit still adds up to a close while an occasional burst never does.
        session.flooded = max(0, session.flooded - 1)
        if isinstance(data, str):
            self._refuse(session, ErrorCode.MALFORMED)  # frames are binary msgpack
            return None
        try:
            msg = decode(data)
        except InvalidRequestFields as exc:
            # What a person typed, answered field by field: not a strike against the connection.
            session.conn.send(refusal(exc))
            return None
        except RemoteProtocolError as exc:
            self._refuse(session, exc.code, exc.ref)
            return None
        tallies = self.metrics.received_messages
        tallies[msg.TYPE] = tallies.get(msg.TYPE, 0) + 1
        if SENDERS[msg.TYPE] is not Sender.CLIENT or msg.TYPE not in ALLOWED[session.state]:
            self._refuse(session, ErrorCode.UNEXPECTED, getattr(msg, "seq", 0) or getattr(msg, "request_id", 0))
            return None
        if msg.TYPE is MessageType.INPUT:
            self.dispatcher.dispatch_input(session, msg)
            return None
        return self.dispatcher.dispatch(session, msg)
