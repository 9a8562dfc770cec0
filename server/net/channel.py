"""The local channel between a gateway process and the simulation process: an asyncio protocol
over one Unix stream socket that takes batches in (`gateway_wire`) and writes whatever records
were added during one turn of the loop (or within `flush_s`) as one batch."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from .gateway_wire import BatchReader, BatchWriter, WireError

__all__ = ["Channel"]

log = logging.getLogger("makaverse.net")


class Channel(asyncio.Protocol):
    def __init__(self, on_body: Callable[[bytes], None], on_lost: Callable[[], None]) -> None:
        self.on_body = on_body
        self.on_lost = on_lost
        self.out = BatchWriter()
        self.transport: Any = None  # asyncio's or uvloop's stream transport
        self.closed = False
        self.batches_sent = 0
        self._reader = BatchReader()
        self._flush_at: asyncio.Handle | asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        try:
            bodies = self._reader.feed(data)
            for body in bodies:
                self.on_body(body)
        except WireError:
            log.exception("channel_broken")
            self.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self._flush_at is not None:
            self._flush_at.cancel()
        self.on_lost()

    def soon(self, delay_s: float = 0.0) -> None:
        """Send what was added by the end of this loop turn (or within `delay_s`), as one batch."""
        if self._flush_at is None and not self.closed:
            loop = asyncio.get_running_loop()
            self._flush_at = loop.call_later(delay_s, self.flush) if delay_s > 0 else loop.call_soon(self.flush)

    def flush(self) -> None:
        self._flush_at = None
        if len(self.out) and self.transport is not None and not self.closed:
            self.transport.write(self.out.take())
            self.batches_sent += 1

    @property
    def buffered_bytes(self) -> int:
        """Written but not yet taken by the other side (a stuck peer shows here)."""
        return self.transport.get_write_buffer_size() if self.transport is not None else 0

    def close(self) -> None:
        if self.transport is not None and not self.closed:
            self.flush()
            self.transport.close()
