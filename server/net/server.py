"""The game server: WebSocket handshake, one reader per connection, the fixed-rate tick loop,
HTTP health and metrics on the same port, and a shutdown that closes clients with 1001.

Messages are dispatched to the features in `server/handlers`; this module is plumbing only.
"""

from __future__ import annotations

import asyncio
import inspect
import itertools
import logging
import time

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from makaverse.protocol import PROTOCOL_VERSION, CloseCode, Error, ErrorCode, RemoteProtocolError, decode
from makaverse.protocol.messages import SENDERS, Sender
from makaverse.world import World

from ..handlers import Feature, all_features, merged_handlers
from ..hub import Hub
from ..instance import WorldInstance
from ..log import log_event
from ..services.ratelimit import TokenBucket
from ..settings import Settings
from .admission import gate_for
from .connection import Connection
from .http import HttpRoutes
from .metrics import ServerMetrics, watch_loop_lag
from .session import Session
from .session_state import ALLOWED, SessionEvent, SessionState

__all__ = ["GameServer"]

log = logging.getLogger("makaverse.server")

_MAX_STRIKES = 20  # refused messages before the connection is closed for policy
_FLOOD_CLOSE_AFTER = 200  # messages over the rate limit before the connection is closed


def _now_ms() -> int:
    return int(time.time() * 1000)


class GameServer:
    def __init__(
        self,
        settings: Settings,
        world: World,
        *,
        store=None,
        accounts=None,
        features: list[Feature] | None = None,
        seed: int | None = None,
    ) -> None:
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
        self.hub = Hub(settings, self.instance, self.metrics, store=store, accounts=accounts)
        self.features = all_features() if features is None else features
        self._handlers = merged_handlers(self.features)
        self.sessions: dict[int, Session] = {}
        self._conn_ids = itertools.count(1)
        self._ws_server: Server | None = None
        self._tick_task: asyncio.Task | None = None
        self._lag_task: asyncio.Task | None = None
        self._stopping = False
        self._started_s = time.monotonic()
        self.port: int | None = None

    # ── lifecycle ────────────────────────────────────────────────────────────
    async def start(self) -> None:
        s = self.settings
        await self.hub.bus.start()
        routes = HttpRoutes(health=self._health, metrics=self.metrics.render, admit=gate_for(s, self.metrics))
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
        self._lag_task = asyncio.create_task(watch_loop_lag(self.metrics), name="loop-lag")
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
        if self._lag_task is not None:
            self._lag_task.cancel()
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
        await self.hub.bus.close()
        await asyncio.get_running_loop().run_in_executor(None, self.hub.close)
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
            "store": self.hub.store is not None,
        }

    # ── tick loop ────────────────────────────────────────────────────────────
    async def _tick_loop(self) -> None:
        loop = asyncio.get_running_loop()
        dt = 1.0 / self.settings.tick_hz
        next_at = loop.time()
        while True:
            started = time.perf_counter()
            try:
                self._tick(dt, loop.time())
            except Exception:
                log.exception("tick_failed")
            self.metrics.observe_tick(time.perf_counter() - started)
            next_at += dt
            delay = next_at - loop.time()
            if delay < -dt:
                # Far behind (the machine stalled): skip missed ticks instead of bursting.
                self.metrics.tick_overruns.inc()
                next_at = loop.time()
                delay = 0
            await asyncio.sleep(max(0.0, delay))

    def _tick(self, dt: float, now_s: float) -> None:
        for binding in self.hub.presence.expired(now_s):
            self._leave_for_good(binding.avatar_id, binding.account_id)
        self.instance.tick(dt, _now_ms())
        for feature in self.features:
            if feature.on_tick is not None:
                feature.on_tick(self.hub, now_s)
        self.metrics.avatars.set(len(self.instance.sim.avatars))
        self.metrics.snapshot_bodies.set(self.instance.visibility.bodies_built)

    def _leave_for_good(self, avatar_id: int, account_id: int | None) -> None:
        self.instance.leave(avatar_id)
        self.hub.sessions_by_avatar.pop(avatar_id, None)
        if account_id is not None and self.hub.presence.by_account(account_id) is None:
            self.hub.accounts_by_id.pop(account_id, None)
        for feature in self.features:
            if feature.on_leave is not None:
                try:
                    feature.on_leave(self.hub, avatar_id, account_id)
                except Exception:
                    log.exception("on_leave_failed", extra={"fields": {"feature": feature.name}})
        log_event(log, "avatar_left", avatar=avatar_id)

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
        bucket = TokenBucket(rate_per_s=s.msg_rate_per_s, burst=s.msg_burst, now_s=loop.time())
        session = Session(conn, bucket, address=(ws.remote_address or ("?",))[0])
        self.sessions[conn.conn_id] = session
        self.metrics.clients.inc()
        log_event(log, "client_connected", conn=conn.conn_id, remote=conn.remote)
        watchdog = loop.call_later(s.hello_timeout_s, self._hello_timeout, session)
        try:
            async for data in ws:
                if conn.closing:
                    break
                self.metrics.bytes_received.inc(len(data))
                await self._receive(session, data, loop.time())
                if not conn.queue.empty():
                    # Let the writer run between messages: a burst of replies must not fill the queue.
                    await asyncio.sleep(0)
        except ConnectionClosed:
            pass
        finally:
            watchdog.cancel()
            self._disconnect(session, loop.time())
            await conn.drop(CloseCode.NORMAL, "", flush=False)  # no-op when already closing
            code = conn.close_code or (ws.close_code if ws.close_code is not None else "lost")
            self.metrics.disconnects.labels(reason=str(code)).inc()
            log_event(log, "client_disconnected", conn=conn.conn_id, code=code, reason=conn.close_reason)

    def _hello_timeout(self, session: Session) -> None:
        if session.state is SessionState.CONNECTING:
            session.conn.drop(CloseCode.HANDSHAKE_TIMEOUT, "no hello")

    def _disconnect(self, session: Session, now_s: float) -> None:
        """A connection ended: its avatar is parked for the reconnect grace, or leaves at once after a logout."""
        self.sessions.pop(session.conn.conn_id, None)
        self.metrics.clients.dec()
        avatar_id = session.avatar_id
        if avatar_id is not None:
            session.avatar_id = None
            self.hub.sessions_by_avatar.pop(avatar_id, None)
            if session.logged_out or self.hub.presence.by_avatar(avatar_id) is None:
                binding = self.hub.presence.unbind(avatar_id)
                self._leave_for_good(avatar_id, binding.account_id if binding else session.account_id)
            else:
                self.instance.detach(avatar_id)
                self.hub.presence.detach(avatar_id, now_s)
        if session.state is not SessionState.CLOSING:
            session.advance(SessionEvent.CLOSE)

    def _refuse(self, session: Session, code: ErrorCode, ref: int = 0) -> None:
        self.metrics.protocol_errors.labels(code=code.value).inc()
        session.send(Error(code=code.value, ref=ref))
        session.strikes += 1
        if session.strikes > _MAX_STRIKES:
            session.conn.drop(CloseCode.POLICY, "too many invalid messages")

    async def _receive(self, session: Session, data: bytes | str, now_s: float) -> None:
        if not session.bucket.take(now_s):
            session.flooded += 1
            if session.flooded > _FLOOD_CLOSE_AFTER:
                session.conn.drop(CloseCode.FLOODING, "too many messages")
            elif now_s - session.last_limit_notice_s >= 1.0:
                session.last_limit_notice_s = now_s
                self.metrics.protocol_errors.labels(code=ErrorCode.RATE_LIMITED.value).inc()
                session.send(Error(code=ErrorCode.RATE_LIMITED.value))
            return
        # Accepted messages pay the flood count down slowly, so a steady flood far over the
        # limit still adds up to a close while an occasional burst never does.
        session.flooded = max(0, session.flooded - 1)
        try:
            msg = decode(data)
        except RemoteProtocolError as exc:
            self._refuse(session, exc.code)
            return
        self.metrics.messages_received.labels(type=msg.TYPE.name.lower()).inc()
        handler = self._handlers.get(msg.TYPE)
        if SENDERS[msg.TYPE] is not Sender.CLIENT or msg.TYPE not in ALLOWED[session.state] or handler is None:
            self._refuse(session, ErrorCode.UNEXPECTED, getattr(msg, "seq", 0) or getattr(msg, "request_id", 0))
            return
        entering = session.state is SessionState.CONNECTING
        try:
            result = handler(self.hub, session, msg)
            if inspect.isawaitable(result):
                await result
        except Exception:
            # Our fault: logged here, a bare code to the peer, and everyone else carries on.
            log.exception("handler_failed", extra={"fields": {"type": msg.TYPE.name}})
            session.send(Error(code=ErrorCode.INTERNAL.value, ref=getattr(msg, "request_id", 0)))
        if entering and session.state is SessionState.IN_WORLD:
            await self._entered(session)

    async def _entered(self, session: Session) -> None:
        """The session's avatar just entered the world (joined or resumed): each feature's `on_enter`."""
        for feature in self.features:
            if feature.on_enter is None or session.conn.closing:
                continue
            try:
                result = feature.on_enter(self.hub, session)
                if inspect.isawaitable(result):
                    await result
            except Exception:
                log.exception("on_enter_failed", extra={"fields": {"feature": feature.name}})
