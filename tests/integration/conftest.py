"""A real server on port 0 in the test's event loop, and real WebSocket clients that record what they get."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from makaverse.protocol import PROTOCOL_VERSION, Hello, Snapshot, Welcome, decode, encode
from makaverse.protocol.messages import Message
from makaverse.server.wiring import GameServer
from makaverse.server.settings import Settings
from makaverse.world import World, load_default_world

# Fast clocks keep the suite quick; everything else is the server's default.
TEST_SETTINGS = dict(host="127.0.0.1", port=0, tick_hz=40, snapshot_hz=40, log_format="text")


@pytest.fixture(scope="session")
def world() -> World:
    return load_default_world()


@pytest.fixture
async def start_server(world):
    """Start servers with settings overrides; all of them are stopped after the test."""
    servers: list[GameServer] = []

    async def start(**overrides) -> GameServer:
        server = GameServer(Settings(**{**TEST_SETTINGS, **overrides}), world, seed=len(servers) + 1)
        await server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        await server.stop()


@pytest.fixture
async def server(start_server) -> GameServer:
    return await start_server()


class Client:
    """A WebSocket client whose background reader records every decoded message and the close code."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.received: list[Message] = []
        self.welcome: Welcome | None = None
        self._new = asyncio.Event()
        self.closed = asyncio.Event()
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def connect(cls, server: GameServer, **kw) -> Client:
        # max_queue=None: the reader drains everything, so a slow test never looks like a slow client.
        ws = await connect(f"ws://127.0.0.1:{server.port}/", max_queue=None, open_timeout=5, **kw)
        return cls(ws)

    @classmethod
    async def join(cls, server: GameServer, name: str = "Tester") -> Client:
        client = await cls.connect(server)
        await client.send(Hello(version=PROTOCOL_VERSION, name=name, kind="bot"))
        client.welcome = await client.expect(lambda m: isinstance(m, Welcome))
        return client

    @property
    def avatar_id(self) -> int:
        assert self.welcome is not None
        return self.welcome.avatar_id

    @property
    def close_code(self) -> int | None:
        return self.ws.close_code

    async def _read(self) -> None:
        try:
            async for data in self.ws:
                self.received.append(decode(data))
                self._new.set()
        except ConnectionClosed:
            pass
        finally:
            self.closed.set()
            self._new.set()

    async def send(self, msg: Message) -> None:
        await self.ws.send(encode(msg))

    async def send_raw(self, data: bytes | str) -> None:
        await self.ws.send(data)

    def mark(self) -> int:
        """A position in the record: `expect(..., since=mark)` looks only at later messages."""
        return len(self.received)

    async def expect(self, pred: Callable[[Message], bool], *, since: int = 0, timeout: float = 5.0) -> Message:
        """The first recorded message from `since` on that satisfies `pred`, waiting for it if need be."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        i = since
        while True:
            self._new.clear()
            while i < len(self.received):
                msg = self.received[i]
                i += 1
                if pred(msg):
                    return msg
            if self.closed.is_set():
                raise AssertionError(f"connection closed ({self.close_code}) before the expected message")
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError("timed out waiting for a message")
            try:
                await asyncio.wait_for(self._new.wait(), remaining)
            except TimeoutError:
                pass

    async def next_snapshot(self, *, timeout: float = 5.0) -> Snapshot:
        return await self.expect(lambda m: isinstance(m, Snapshot), since=self.mark(), timeout=timeout)

    async def wait_closed(self, timeout: float = 5.0) -> int | None:
        await asyncio.wait_for(self.closed.wait(), timeout)
        return self.close_code

    async def close(self) -> None:
        await self.ws.close()
        await self.wait_closed()


@pytest.fixture
async def clients():
    """Make clients with `await clients.join(server, name)`; all are closed after the test."""
    made: list[Client] = []

    class Factory:
        async def join(self, server: GameServer, name: str = "Tester") -> Client:
            client = await Client.join(server, name)
            made.append(client)
            return client

        async def connect(self, server: GameServer, **kw) -> Client:
            client = await Client.connect(server, **kw)
            made.append(client)
            return client

    yield Factory()
    for client in made:
        client.ws.transport.resume_reading()  # in case a test paused it
        try:
            await asyncio.wait_for(client.ws.close(), 2.0)
        except (TimeoutError, ConnectionClosed, OSError):
            client.ws.transport.abort()
        client._reader.cancel()
