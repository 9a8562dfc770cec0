"""The client's only websockets code: one background thread running its own asyncio loop.

The Panda3D main thread never waits on the network. It calls `send()` (queues and returns)
and, once per frame, `poll()`: whatever arrived, in order (decoded server messages,
`StateChanged` events, and `RttSample`s in place of Pongs). The thread connects, says
Hello (with the last Welcome's resume token, if any), pings every few seconds, and when
the connection drops it reports DISCONNECTED and retries with capped, jittered backoff.

With `enter_on_connect=False` (the login screen) the thread connects but says nothing until
the main thread has logged in (`send(Login(...))`, then `enter(Hello(token=...))`) or chosen
to enter as a guest (`enter(Hello(name=...))`); `forget()` (logout) goes back to that.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import queue
import random
import threading
import time
from typing import TYPE_CHECKING, Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from makaverse.protocol import (
    MAX_FRAME_BYTES,
    CloseCode,
    Error,
    ErrorCode,
    Hello,
    LocalProtocolError,
    Message,
    Ping,
    Pong,
    Redirect,
    RemoteProtocolError,
    Welcome,
    decode,
    encode,
)

from .backoff import Backoff
from .events import FINAL_CLOSE_CODES, ConnState, RttSample, StateChanged, monotonic_ms
from .tls import client_tls_context

if TYPE_CHECKING:
    import ssl

__all__ = ["NetClient"]

log = logging.getLogger("makaverse.client.net")


class NetClient:
    def __init__(
        self,
        url: str,
        hello: Hello,
        *,
        ping_interval_s: float = 2.0,
        stale_after_s: float = 6.0,
        open_timeout_s: float = 5.0,
        backoff: Backoff | None = None,
        inbound_limit: int = 4096,
        outbound_limit: int = 256,
        seed: int | None = None,
        enter_on_connect: bool = True,
        ca_file: str | None = None,
    ) -> None:
        self.url = url
        self.home_url = url  # where we go back to when a process we were sent to is gone
        self.hello = hello
        # False until the player has chosen how to enter (login screen): connect, but say nothing.
        self.enter_on_connect = enter_on_connect
        self.ca_file = ca_file  # for wss://, trusted besides the system's CAs (net/tls.py)
        self._tls: ssl.SSLContext | None = None  # made at the first wss:// connection, then kept
        self._said_hello = False  # on the current connection (read and written on the net thread)
        self.ping_interval_s = ping_interval_s
        self.stale_after_s = stale_after_s
        self.open_timeout_s = open_timeout_s
        self.backoff = backoff or Backoff()
        self.inbound_limit = inbound_limit
        self._rng = random.Random(seed)
        self._inbound: queue.SimpleQueue[Message | StateChanged | RttSample] = queue.SimpleQueue()
        self._outbound: queue.Queue[Message] = queue.Queue(maxsize=outbound_limit)
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop_event: asyncio.Event | None = None
        self._wake: asyncio.Event | None = None
        self._ws: ClientConnection | None = None
        self._stopping = False
        self._open = False  # written by the net thread, read by send()
        self._resume_token = ""  # from the last Welcome: sent in the next Hello to get the avatar back
        self.decode_errors = 0

    # ── main-thread API ──────────────────────────────────────────────────────
    def start(self) -> None:
        """Start the thread; again after the server refused us for good (a kick: log in again)."""
        if self._thread is not None and (self._thread.is_alive() or self._stopping):
            raise RuntimeError("already started")
        self._loop = self._stop_event = self._wake = None
        self._thread = threading.Thread(target=self._thread_main, name="makaverse-net", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 3.0) -> None:
        """Close the connection (1000) and end the thread; safe to call more than once."""
        self._stopping = True
        loop = self._loop
        if loop is not None and self._stop_event is not None:
            try:
                loop.call_soon_threadsafe(self._stop_event.set)
            except RuntimeError:
                pass  # the loop has already finished
        if self._thread is not None:
            self._thread.join(timeout_s)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def send(self, msg: Message) -> bool:
        """Queue a message for the server; never blocks. False when it was dropped (not connected)."""
        if not self._open or self._stopping:
            return False
        try:
            self._outbound.put_nowait(msg)
        except queue.Full:
            # Movement is newest-wins: make room by dropping the oldest waiting message.
            try:
                self._outbound.get_nowait()
            except queue.Empty:
                pass
            try:
                self._outbound.put_nowait(msg)
            except queue.Full:
                return False
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None:
            try:
                loop.call_soon_threadsafe(wake.set)
            except RuntimeError:
                return False
        return True

    def enter(self, hello: Hello) -> None:
        """Enter the world with `hello` (a guest's name, or an `auth_ok` token): now if connected
        and not yet in, else on the next connect; and again on every reconnect."""
        if not hello.snapshot_hz and self.hello.snapshot_hz:
            # The graphics preset's snapshot rate was set when the client started; keep asking it.
            hello = dataclasses.replace(hello, snapshot_hz=self.hello.snapshot_hz)
        self.hello = hello
        self.enter_on_connect = True
        self._on_loop(self._enter_now)

    def forget(self) -> None:
        """Drop the resume token and stop entering on connect (after a logout: the login screen)."""
        self.enter_on_connect = False
        self.hello = dataclasses.replace(self.hello, token="")
        self._resume_token = ""

    def _on_loop(self, fn) -> None:
        loop = self._loop
        if loop is not None:
            try:
                loop.call_soon_threadsafe(fn)
            except RuntimeError:
                pass  # the loop has finished: the next start connects afresh

    def _enter_now(self) -> None:
        # On the net thread, so it can't race the connect loop's own hello.
        if self._open and not self._said_hello and self.enter_on_connect:
            self._said_hello = True
            self._queue(self.hello)

    def _queue(self, msg: Message) -> None:
        try:
            self._outbound.put_nowait(msg)
        except queue.Full:
            return
        if self._wake is not None:
            self._wake.set()

    def poll(self, limit: int | None = None) -> list[Message | StateChanged | RttSample]:
        """Everything received since the last poll (up to `limit`), oldest first."""
        out: list[Message | StateChanged | RttSample] = []
        while limit is None or len(out) < limit:
            try:
                out.append(self._inbound.get_nowait())
            except queue.Empty:
                break
        return out

    # ── the network thread ───────────────────────────────────────────────────
    def _publish(self, event: Message | StateChanged | RttSample) -> None:
        self._inbound.put(event)

    def _thread_main(self) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._main())
        except Exception:
            log.exception("network thread failed")
            self._publish(StateChanged(ConnState.CLOSED))
        finally:
            self._open = False
            try:
                loop.run_until_complete(loop.shutdown_asyncgens())
            finally:
                loop.close()

    async def _main(self) -> None:
        self._stop_event = asyncio.Event()
        self._wake = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        if self._stopping:
            self._publish(StateChanged(ConnState.CLOSED))
            return
        connecting = asyncio.create_task(self._connect_loop(), name="connect-loop")
        stopper = asyncio.create_task(self._stop_event.wait(), name="stop")
        await asyncio.wait({connecting, stopper}, return_when=asyncio.FIRST_COMPLETED)
        final_code = None
        if connecting.done():
            exc = connecting.exception()
            if exc is not None:
                log.error("connect loop failed: %r", exc)
            else:
                final_code = connecting.result()
        else:
            self._open = False
            ws = self._ws
            if ws is not None:
                try:
                    await asyncio.wait_for(ws.close(1000, "bye"), 1.5)
                except (TimeoutError, ConnectionClosed, OSError):
                    pass
            connecting.cancel()
            await asyncio.gather(connecting, return_exceptions=True)
        stopper.cancel()
        await asyncio.gather(stopper, return_exceptions=True)
        self._publish(StateChanged(ConnState.CLOSED, close_code=final_code))

    def _tls_context(self) -> ssl.SSLContext:
        if self._tls is None:
            self._tls = client_tls_context(self.ca_file)
        return self._tls

    async def _connect_loop(self) -> int | None:
        """Connect, run a session, back off, repeat; returns a close code that ends retrying."""
        attempt = 0
        while not self._stopping:
            self._publish(StateChanged(ConnState.CONNECTING, attempt=attempt))
            close_code: int | None = None
            welcomed = False
            sent_token = ""
            try:
                async with connect(
                    self.url,
                    ssl=self._tls_context() if self.url.startswith("wss://") else None,
                    max_size=MAX_FRAME_BYTES,
                    open_timeout=self.open_timeout_s,
                    ping_interval=10.0,
                    ping_timeout=10.0,
                    close_timeout=1.0,
                    compression=None,
                ) as ws:
                    self._ws = ws
                    self._discard_outbound()  # inputs queued while offline mean nothing now
                    sent_token = self._resume_token
                    self._said_hello = bool(sent_token) or self.enter_on_connect
                    if self._said_hello:
                        hello = dataclasses.replace(self.hello, token=sent_token) if sent_token else self.hello
                        await ws.send(encode(hello))
                    self._open = True
                    self._publish(StateChanged(ConnState.OPEN, attempt=attempt))
                    welcomed = await self._session(ws, sent_token)
                close_code = ws.close_code
            except (OSError, TimeoutError, InvalidHandshake, InvalidURI, ConnectionClosed) as exc:
                log.debug("connection attempt failed: %s", type(exc).__name__)
                rcvd = getattr(exc, "rcvd", None)
                close_code = rcvd.code if rcvd is not None else None
            finally:
                self._open = False
                self._ws = None
            if self._stopping:
                return None
            lost_there = self.url != self.home_url and not welcomed and close_code != CloseCode.REDIRECTED
            if lost_there or close_code == CloseCode.GOING_AWAY:
                # The process we were sent to is gone or going: back to the entry address, which
                # sends us on wherever our avatar is.
                self.url = self.home_url
            if close_code == CloseCode.REDIRECTED:
                attempt = 0
                self._publish(StateChanged(ConnState.DISCONNECTED, attempt=0, retry_in_s=0.0, close_code=close_code))
                continue  # to the new address now, no backoff
            if close_code == CloseCode.AUTH_FAILED and sent_token and sent_token == self._resume_token:
                # Our resume token has expired: come back as a new guest rather than give up.
                self._resume_token = ""
            elif close_code in FINAL_CLOSE_CODES:
                return close_code
            if welcomed or (close_code == CloseCode.HANDSHAKE_TIMEOUT and not self._said_hello):
                attempt = 0  # the server only tired of waiting for the login screen: not a failure
            delay = self.backoff.delay(attempt, self._rng)
            attempt += 1
            self._publish(
                StateChanged(ConnState.DISCONNECTED, attempt=attempt, retry_in_s=delay, close_code=close_code)
            )
            await asyncio.sleep(delay)
        return None

    async def _session(self, ws: ClientConnection, sent_token: str = "") -> bool:
        """Run reader, writer and pinger until the socket closes; True if the server welcomed us."""
        state: dict[str, Any] = {"welcomed": False, "last_rx": time.monotonic(), "sent_token": sent_token}
        tasks = [
            asyncio.create_task(self._reader(ws, state), name="reader"),
            asyncio.create_task(self._writer(ws), name="writer"),
            asyncio.create_task(self._pinger(ws, state), name="pinger"),
        ]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        return state["welcomed"]

    async def _reader(self, ws: ClientConnection, state: dict) -> None:
        try:
            async for data in ws:
                state["last_rx"] = time.monotonic()
                if isinstance(data, str):  # the protocol is binary frames only
                    self.decode_errors += 1
                    log.warning("text frame from server ignored")
                    continue
                try:
                    msg = decode(data)
                except RemoteProtocolError as exc:
                    self.decode_errors += 1
                    log.warning("undecodable frame from server: %s", exc.code.value)
                    continue
                if isinstance(msg, Pong):
                    # Timed here, not when the main thread gets round to it, so a slow frame isn't "lag".
                    rtt = max(0, monotonic_ms() - msg.client_time_ms)
                    self._publish(RttSample(rtt_ms=float(rtt), server_time_ms=msg.server_time_ms))
                    continue
                if isinstance(msg, Welcome):
                    state["welcomed"] = True
                    self._resume_token = msg.token
                elif isinstance(msg, Redirect):
                    # Another server process hosts where we are going: reconnect there at once
                    # (the server closes with 4009) and say hello with the token it gave.
                    self.url = msg.url
                    self._resume_token = msg.token
                    state["redirected"] = True
                elif (isinstance(msg, Error) and not state["welcomed"] and state["sent_token"]
                      and msg.code == ErrorCode.TOKEN_EXPIRED):
                    self._resume_token = state["sent_token"] = ""
                    if self.hello.token:
                        # An account's token has ended: tell the main thread (log in again);
                        # don't repeat the dead token on later reconnects.
                        self.enter_on_connect = self._said_hello = False
                        self.hello = dataclasses.replace(self.hello, token="")
                    else:
                        # The server no longer knows our guest avatar (it restarted, or the grace
                        # ran out): enter again as who we said we were, on this same connection.
                        await ws.send(encode(self.hello))
                        continue
                self._publish(msg)
                if self._inbound.qsize() > self.inbound_limit:
                    # The main thread has stopped draining; start over rather than grow without bound.
                    log.warning("inbound queue overflow; reconnecting")
                    await ws.close(1000, "client overloaded")
                    return
        except ConnectionClosed:
            pass

    async def _writer(self, ws: ClientConnection) -> None:
        wake = self._wake
        assert wake is not None  # _main makes it before any connection
        while True:
            await wake.wait()
            wake.clear()
            while True:
                try:
                    msg = self._outbound.get_nowait()
                except queue.Empty:
                    break
                try:
                    data = encode(msg)
                except LocalProtocolError:
                    log.exception("refusing to send an invalid message")
                    continue
                await ws.send(data)

    async def _pinger(self, ws: ClientConnection, state: dict) -> None:
        while True:
            await ws.send(encode(Ping(client_time_ms=monotonic_ms())))
            await asyncio.sleep(self.ping_interval_s)
            if time.monotonic() - state["last_rx"] > self.stale_after_s:
                log.warning("no data from the server for %.0f s; reconnecting", self.stale_after_s)
                await ws.close(1000, "stale")
                return

    def _discard_outbound(self) -> None:
        while True:
            try:
                self._outbound.get_nowait()
            except queue.Empty:
                return
