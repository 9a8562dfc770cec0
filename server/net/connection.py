"""One client connection: a bounded send queue drained by one writer task, and a close that
never hangs on a peer that stopped reading.

A frame sent while nothing waits before it (the queue empty, the writer idle, the socket taking
data) goes straight to the socket, as websockets' own `send` would without its lock and drain:
most frames of a tick, at the cost of one call instead of a task switch each. Its WebSocket
framing (`ws_frame`, a server's frames are never masked nor compressed here) is built here, and
built once for a message many receive (a stage line to a hall: one header and one copy for all).
Anything else waits its turn in the queue, so the order never changes and a reader that can't
keep up still fills the queue and is dropped.

While a tick runs (`corked()`), the frames it sends a connection are held and written in one call
when it ends: a walker's `avatar_enter`, `avatar_leave` and snapshot of one tick cost one write
(one system call, one TCP segment) instead of one each."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import struct
from collections.abc import Iterator

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed
from websockets.protocol import OPEN

from makaverse.protocol import CloseCode, encode
from makaverse.protocol.messages import Message

from .metrics import ServerMetrics

__all__ = ["Connection", "ws_frame"]

log = logging.getLogger("makaverse.net")

_BINARY_FIN = 0x82


def ws_frame(payload: bytes) -> bytes:
    """A complete, unmasked binary WebSocket frame (RFC 6455 5.2) carrying `payload`."""
    n = len(payload)
    if n < 126:
        head = bytes((_BINARY_FIN, n))
    elif n < 1 << 16:
        head = struct.pack("!BBH", _BINARY_FIN, 126, n)
    else:
        head = struct.pack("!BBQ", _BINARY_FIN, 127, n)
    return head + payload


# The frame built last and its payload: a broadcast hands every receiver the same bytes object.
_last: tuple[bytes, bytes] = (b"", ws_frame(b""))


def _framed(payload: bytes) -> bytes:
    global _last
    if _last[0] is payload:
        return _last[1]
    frame = ws_frame(payload)
    _last = (payload, frame)
    return frame


# The connections holding frames until the tick that sent them ends; None outside a tick.
_corked: list[Connection] | None = None


@contextlib.contextmanager
def corked() -> Iterator[None]:
    """Hold the frames sent inside (on the direct path) and write each connection's in one call
    at the end. Nothing inside may await: the frames wait for the block to end."""
    global _corked
    if _corked is not None:  # nested: the outer block writes
        yield
        return
    _corked = []
    try:
        yield
    finally:
        held, _corked = _corked, None
        for conn in held:
            conn.uncork()


class Connection:
    """Implements the instance's `Outbox`: `send` never blocks; a full queue drops the client."""

    def __init__(
        self,
        ws: ServerConnection,
        *,
        conn_id: int,
        metrics: ServerMetrics,
        queue_frames: int = 128,
        close_timeout_s: float = 1.0,
    ) -> None:
        self.ws = ws
        self.conn_id = conn_id
        self.metrics = metrics
        self.close_timeout_s = close_timeout_s
        self.queue: asyncio.Queue[bytes] = asyncio.Queue(maxsize=queue_frames)
        self.close_code: int | None = None
        self.close_reason = ""
        self._closing: asyncio.Task | None = None
        self._idle = True  # the writer waits for the queue (it is not inside a send)
        self._held: list[bytes] = []  # frames of this tick, written when it ends (`corked`)
        self._writer = asyncio.create_task(self._write_loop(), name=f"writer-{conn_id}")

    # The bounded queue is this connection's whole backlog: a reader that can't keep up is
    # dropped when it fills, never skipped (see `send_bytes`).
    congested = False
    _flush_on_close = True

    @property
    def closing(self) -> bool:
        return self._closing is not None

    @property
    def remote(self) -> str:
        addr = self.ws.remote_address
        return f"{addr[0]}:{addr[1]}" if addr else "?"

    def send(self, msg: Message) -> bool:
        return self.send_bytes(encode(msg))

    def send_bytes(self, data: bytes) -> bool:
        if self._closing is not None:
            return False
        ws = self.ws
        if self._idle and self.queue.empty() and not ws.paused and ws.protocol.state is OPEN:
            protocol = ws.protocol
            if protocol.extensions:  # none are negotiated; with one, the protocol frames it
                self.uncork()
                protocol.send_binary(data)
                ws.send_data()
            else:
                if protocol.writes:
                    ws.send_data()  # the protocol's own frames (a pong) go first
                if _corked is None:
                    ws.transport.write(_framed(data))
                else:
                    if not self._held:
                        _corked.append(self)
                    self._held.append(_framed(data))
            self.metrics.sent_bytes += len(data)
            return True
        try:
            self.queue.put_nowait(data)
        except asyncio.QueueFull:
            # The tick never waits for a slow client: it is dropped instead.
            self.drop(CloseCode.SLOW_CONSUMER, "send queue full", flush=False)
            return False
        return True

    def uncork(self) -> None:
        """Write the frames held for this tick, in one call."""
        if not self._held:
            return
        held, self._held = self._held, []
        # A connection dropped without flushing (a slow consumer) loses them, as its queue.
        if (self._closing is None or self._flush_on_close) and self.ws.protocol.state is OPEN:
            self.ws.transport.write(held[0] if len(held) == 1 else b"".join(held))

    async def _write_loop(self) -> None:
        try:
            while True:
                data = await self.queue.get()
                self._idle = False
                await self.ws.send(data)
                self._idle = True
                self.metrics.sent_bytes += len(data)
        except ConnectionClosed:
            pass

    def drop(self, code: int, reason: str, *, flush: bool = True) -> asyncio.Task:
        """Start closing (once); returns the task that finishes it."""
        if self._closing is None:
            self.close_code = int(code)
            self.close_reason = reason
            self._flush_on_close = flush
            self._closing = asyncio.create_task(self._close(int(code), reason, flush), name=f"close-{self.conn_id}")
        return self._closing

    async def close(self, code: int, reason: str, *, flush: bool = True) -> None:
        await self.drop(code, reason, flush=flush)

    async def _close(self, code: int, reason: str, flush: bool) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.close_timeout_s
        if flush:
            # Let queued frames (an error explaining the close) go out first, within the budget.
            while not self.queue.empty() and not self._writer.done() and loop.time() < deadline:
                await asyncio.sleep(0.01)
        self._writer.cancel()
        with contextlib.suppress(asyncio.CancelledError, ConnectionClosed):
            await self._writer
        remaining = max(0.05, deadline - loop.time())
        try:
            await asyncio.wait_for(self.ws.close(code, reason), remaining)
        except TimeoutError:
            # The peer isn't reading: close() would wait in drain() forever.
            log.warning("close_timeout", extra={"fields": {"conn": self.conn_id, "code": code}})
            self.ws.transport.abort()
        except ConnectionClosed:
            pass
