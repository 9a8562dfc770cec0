"""The game server: WebSocket handshake, one reader per connection, the fixed-rate tick loop,
HTTP health and metrics on the same port, and a shutdown that closes clients with 1001."""

from __future__ import annotations

import asyncio
import itertools
import logging
import random
import time

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from makaverse.protocol import (
    PROTOCOL_VERSION,
    CloseCode,
    Error,
    ErrorCode,
    Hello,
    Input,
    MessageType,
    Ping,
    Pong,
    RemoteProtocolError,
    Welcome,
    decode,
    quant,
)
from makaverse.protocol.messages import SENDERS, Message, Sender
from makaverse.world import World

from ..instance import WorldInstance
from ..log import log_event
from ..services.ratelimit import TokenBucket
from ..settings import Settings
from ..sim import AvatarInfo
from .connection import Connection
from .http import HttpRoutes
from .metrics import ServerMetrics
from .session_state import ALLOWED, SessionEvent, SessionState, next_state

__all__ = ["GameServer"]

log = logging.getLogger("makaverse.server")

_MAX_STRIKES = 20  # refused messages before the connection is closed for policy
_FLOOD_CLOSE_AFTER = 200  # messages over the rate limit before the connection is closed
_LOOKS = (0xB22222, 0x1E5AA8, 0x2E8B57, 0xC8961E, 0x6A3D9A, 0xD2691E, 0x0F7C8C, 0xC2185B, 0x558B2F, 0x37474F)


def _now_ms() -> int:
    return int(time.time() * 1000)


class _Session:
    """What the server knows about one connection; its state moves only through `next_state`."""

    __slots__ = ("conn", "state", "avatar_id", "bucket", "strikes", "flooded", "last_limit_notice")

    def __init__(self, conn: Connection, bucket: TokenBucket) -> None:
        self.conn = conn
        self.state = SessionState.CONNECTING
        self.avatar_id: int | None = None
        self.bucket = bucket
        self.strikes = 0
        self.flooded = 0
        self.last_limit_notice = 0.0

    def advance(self, event: SessionEvent) -> None:
        self.state = next_state(self.state, event)


class GameServer:
    def __init__(self, settings: Settings, world: World, *, seed: int | None = None) -> None:
        self.settings = settings
        self.world = world
        self.metrics = ServerMetrics()
        self.instance = WorldInstance(
            world,
            tick_hz=settings.tick_hz,
            snapshot_hz=settings.snapshot_hz,
            input_hz=settings.input_hz,
            interest_radius_m=settings.interest_radius_m,
            interest_k=settings.interest_k,
            seed=seed,
        )
        self.sessions: dict[int, _Session] = {}
        self._conn_ids = itertools.count(1)
        self._ws_server: Server | None = None
        self._tick_task: asyncio.Task | None = None
        self._stopping = False
        self._started_s = time.monotonic()
        self._rng = random.Random(seed)
        self.port: int | None = None

    # ── lifecycle ────────────────────────────────────────────────────────────
    async def start(self) -> None:
        s = self.settings
        routes = HttpRoutes(health=self._health, metrics=self.metrics.render)
        self._ws_server = await serve(
            self._handle,
            s.host,
            s.port,
            process_request=routes,
            max_size=s.max_frame_bytes,
            max_queue=16,
            ping_interval=s.ping_interval_s,
            ping_timeout=s.ping_timeout_s,
            close_timeout=s.close_timeout_s,
            compression=None,  # snapshots are packed numbers; deflate costs CPU for little
        )
        self.port = self._ws_server.sockets[0].getsockname()[1]
        self._tick_task = asyncio.create_task(self._tick_loop(), name="tick")
        log_event(log, "server_started", host=s.host, port=self.port, world=self.world.id, tick_hz=s.tick_hz)

    async def stop(self) -> None:
        """Close every client with 1001 (each bounded by the close timeout), then stop."""
        if self._stopping:
            return
        self._stopping = True
        if self._ws_server is not None:
            self._ws_server.close(close_connections=False)
        closes = [s.conn.drop(CloseCode.GOING_AWAY, "server shutting down") for s in list(self.sessions.values())]
        if closes:
            await asyncio.wait(closes, timeout=self.settings.close_timeout_s + 0.5)
        if self._tick_task is not None:
            self._tick_task.cancel()
            try:
                await self._tick_task
            except asyncio.CancelledError:
                pass
        if self._ws_server is not None:
            try:
                await asyncio.wait_for(self._ws_server.wait_closed(), 1.0)
            except (TimeoutError, asyncio.TimeoutError):
                pass
        log_event(log, "server_stopped")

    def _health(self) -> dict:
        ticking = self._tick_task is not None and not self._tick_task.done()
        return {
            "status": "ok" if ticking and not self._stopping else "unavailable",
            "world": self.world.id,
            "clients": len(self.sessions),
            "avatars": len(self.instance.sim.avatars),
            "tick": self.instance.sim.tick,
            "uptime_s": round(time.monotonic() - self._started_s, 1),
            "protocol": PROTOCOL_VERSION,
        }

    # ── tick loop ────────────────────────────────────────────────────────────
    async def _tick_loop(self) -> None:
        loop = asyncio.get_running_loop()
        dt = 1.0 / self.settings.tick_hz
        next_at = loop.time()
        while True:
            started = time.perf_counter()
            try:
                self.instance.tick(dt, _now_ms())
            except Exception:
                log.exception("tick_failed")
            elapsed = time.perf_counter() - started
            self.metrics.observe_tick(elapsed)
            self.metrics.avatars.set(len(self.instance.sim.avatars))
            self.metrics.snapshot_bodies.set(self.instance.visibility.bodies_built)
            next_at += dt
            delay = next_at - loop.time()
            if delay < -dt:
                # Far behind (the machine stalled): skip missed ticks instead of bursting.
                self.metrics.tick_overruns.inc()
                next_at = loop.time()
                delay = 0
            await asyncio.sleep(max(0.0, delay))

    # ── connections ──────────────────────────────────────────────────────────
    async def _handle(self, ws: ServerConnection) -> None:
        s = self.settings
        conn = Connection(
            ws,
            conn_id=next(self._conn_ids),
            metrics=self.metrics,
            queue_frames=s.send_queue_frames,
            close_timeout_s=s.close_timeout_s,
        )
        if self._stopping:
            await conn.close(CloseCode.GOING_AWAY, "server shutting down")
            return
        if len(self.sessions) >= s.max_clients:
            await conn.close(CloseCode.SERVER_FULL, "server full")
            return
        loop = asyncio.get_running_loop()
        session = _Session(conn, TokenBucket(rate_per_s=s.msg_rate_per_s, burst=s.msg_burst, now_s=loop.time()))
        self.sessions[conn.conn_id] = session
        self.metrics.clients.inc()
        log_event(log, "client_connected", conn=conn.conn_id, remote=conn.remote)
        watchdog = loop.call_later(s.hello_timeout_s, self._hello_timeout, session)
        try:
            async for data in ws:
                if conn.closing:
                    break
                self.metrics.bytes_received.inc(len(data))
                self._receive(session, data, loop.time())
        except ConnectionClosed:
            pass
        finally:
            watchdog.cancel()
            self._disconnect(session)
            await conn.drop(CloseCode.NORMAL, "", flush=False)  # no-op when already closing
            reason = conn.close_code or (ws.close_code if ws.close_code is not None else "lost")
            self.metrics.disconnects.labels(reason=str(reason)).inc()
            log_event(log, "client_disconnected", conn=conn.conn_id, code=reason, reason=conn.close_reason)

    def _hello_timeout(self, session: _Session) -> None:
        if session.state is SessionState.CONNECTING:
            session.conn.drop(CloseCode.HANDSHAKE_TIMEOUT, "no hello")

    def _disconnect(self, session: _Session) -> None:
        self.sessions.pop(session.conn.conn_id, None)
        self.metrics.clients.dec()
        if session.avatar_id is not None:
            self.instance.leave(session.avatar_id)
            session.avatar_id = None
        if session.state is not SessionState.CLOSING:
            session.advance(SessionEvent.CLOSE)

    def _refuse(self, session: _Session, code: ErrorCode, ref: int = 0) -> None:
        self.metrics.protocol_errors.labels(code=code.value).inc()
        session.conn.send(Error(code=code.value, ref=ref))
        session.strikes += 1
        if session.strikes > _MAX_STRIKES:
            session.conn.drop(CloseCode.POLICY, "too many invalid messages")

    def _receive(self, session: _Session, data: bytes | str, now_s: float) -> None:
        if not session.bucket.take(now_s):
            session.flooded += 1
            if session.flooded > _FLOOD_CLOSE_AFTER:
                session.conn.drop(CloseCode.FLOODING, "too many messages")
            elif now_s - session.last_limit_notice >= 1.0:
                session.last_limit_notice = now_s
                self.metrics.protocol_errors.labels(code=ErrorCode.RATE_LIMITED.value).inc()
                session.conn.send(Error(code=ErrorCode.RATE_LIMITED.value))
            return
        session.flooded = 0
        try:
            msg = decode(data)
        except RemoteProtocolError as exc:
            self._refuse(session, exc.code)
            return
        self.metrics.messages_received.labels(type=msg.TYPE.name.lower()).inc()
        if SENDERS[msg.TYPE] is not Sender.CLIENT or msg.TYPE not in ALLOWED[session.state]:
            self._refuse(session, ErrorCode.UNEXPECTED, getattr(msg, "seq", 0))
            return
        handler = self._handlers[msg.TYPE]
        handler(self, session, msg)

    # ── message handlers: one per client message type ────────────────────────
    def _on_hello(self, session: _Session, msg: Hello) -> None:
        if msg.version != PROTOCOL_VERSION:
            session.conn.send(Error(code=ErrorCode.VERSION.value, text=f"server speaks {PROTOCOL_VERSION}"))
            session.conn.drop(CloseCode.VERSION_MISMATCH, "protocol version mismatch")
            return
        name = " ".join(msg.name.split()) or f"Tamu-{self._rng.randrange(1000, 10000)}"
        info = AvatarInfo(name=name, role="guest", look=self._rng.choice(_LOOKS))
        avatar_id = self.instance.join(info, session.conn)
        session.avatar_id = avatar_id
        session.advance(SessionEvent.ENTERED)
        x, y = self.instance.sim.position(avatar_id)
        s = self.settings
        session.conn.send(
            Welcome(
                avatar_id=avatar_id,
                name=name,
                role=info.role,
                world_id=self.world.id,
                tick_hz=s.tick_hz,
                snapshot_hz=s.snapshot_hz,
                input_hz=s.input_hz,
                interest_radius_cm=quant.m_to_cm(s.interest_radius_m),
                server_time_ms=_now_ms(),
                x_cm=quant.m_to_cm(x),
                y_cm=quant.m_to_cm(y),
                yaw=quant.yaw_to_u16(self.instance.sim.yaw(avatar_id)),
            )
        )
        log_event(log, "avatar_joined", conn=session.conn.conn_id, avatar=avatar_id, name=name, kind=msg.kind)

    def _on_input(self, session: _Session, msg: Input) -> None:
        self.instance.on_input(session.avatar_id, msg)

    def _on_ping(self, session: _Session, msg: Ping) -> None:
        session.conn.send(Pong(client_time_ms=msg.client_time_ms, server_time_ms=_now_ms()))

    _handlers = {
        MessageType.HELLO: _on_hello,
        MessageType.INPUT: _on_input,
        MessageType.PING: _on_ping,
    }
