"""A tick's frames to one client leave in one write (`corked`), in order, over a real WebSocket;
outside a tick each frame is written at once, and a connection dropped without flushing loses
what it held, as it loses its queue."""

from __future__ import annotations

import asyncio
import contextlib

from websockets.asyncio.client import connect
from websockets.asyncio.server import serve
from websockets.exceptions import ConnectionClosed

from makaverse.protocol import CloseCode
from makaverse.server.net.connection import Connection, corked
from makaverse.server.net.metrics import ServerMetrics


class _Counted:
    """The server side of one connection, with its transport's writes counted."""

    def __init__(self) -> None:
        self.conn: Connection | None = None
        self.writes = 0
        self.ready = asyncio.Event()
        self.done = asyncio.Event()

    async def handle(self, ws) -> None:
        write = ws.transport.write

        def counting(data: bytes) -> None:
            self.writes += 1
            write(data)

        ws.transport.write = counting
        self.conn = Connection(ws, conn_id=1, metrics=ServerMetrics())
        self.ready.set()
        await self.done.wait()


async def _pair():
    side = _Counted()
    server = await serve(side.handle, "127.0.0.1", 0, compression=None)
    port = server.sockets[0].getsockname()[1]
    client = await connect(f"ws://127.0.0.1:{port}", compression=None)
    await asyncio.wait_for(side.ready.wait(), 10)
    return side, server, client


async def _close(side, server, client) -> None:
    side.done.set()
    await client.close()
    server.close()
    await server.wait_closed()


async def test_frames_sent_in_a_tick_leave_in_one_write_and_in_order():
    side, server, client = await _pair()
    try:
        conn = side.conn
        before = side.writes
        with corked():
            for i in range(3):
                assert conn.send_bytes(b"tick-%d" % i)
            assert side.writes == before  # held until the tick ends
        assert side.writes == before + 1
        assert [await asyncio.wait_for(client.recv(), 10) for _ in range(3)] == [b"tick-0", b"tick-1", b"tick-2"]
        conn.send_bytes(b"a")
        conn.send_bytes(b"b")
        assert side.writes == before + 3  # outside a tick: one write each
        assert [await asyncio.wait_for(client.recv(), 10) for _ in range(2)] == [b"a", b"b"]
    finally:
        await _close(side, server, client)


async def test_a_connection_dropped_without_flushing_loses_what_it_held():
    side, server, client = await _pair()
    try:
        conn = side.conn
        before = side.writes
        with corked():
            conn.send_bytes(b"never")
            conn.drop(CloseCode.SLOW_CONSUMER, "send queue full", flush=False)
        assert side.writes == before
        await asyncio.wait_for(conn.drop(CloseCode.SLOW_CONSUMER, ""), 10)
        with contextlib.suppress(ConnectionClosed):
            async for data in client:
                assert data != b"never"
        assert client.close_code == CloseCode.SLOW_CONSUMER
    finally:
        await _close(side, server, client)
