"""The transport over a real socket with a stand-in game: frames are read while a command is
still being handled (so keepalive pongs are never stuck behind it), handled after it in order, and
the hello timeout waits for the server's own answer."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from makaverse.protocol import PROTOCOL_VERSION, CloseCode, Hello, Input, Ping, encode
from makaverse.protocol.messages import Message
from makaverse.server.net.metrics import ServerMetrics
from makaverse.server.net.server import NetServer
from makaverse.server.net.session import Session
from makaverse.server.net.session_state import SessionEvent
from makaverse.server.settings import Settings


class SlowGame:
    """A dispatcher whose first command waits until the test lets it go."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.handled: list[str] = []
        self.disconnected_after: list[str] = []

    def connected(self, session: Session) -> None:
        pass

    async def dispatch(self, session: Session, msg: Message) -> None:
        if not self.handled:
            self.handled.append("started:" + msg.name)  # type: ignore[attr-defined]
            await self.release.wait()
        self.handled.append(msg.name)  # type: ignore[attr-defined]

    def dispatch_input(self, session: Session, msg: Message) -> None:
        self.handled.append("input")

    def disconnected(self, session: Session, now_s: float) -> None:
        self.disconnected_after = list(self.handled)

    def health(self) -> dict:
        return {"status": "ok"}


async def start(game: SlowGame, **settings) -> NetServer:
    base = replace(Settings(), port=0, ping_interval_s=60.0, **settings)
    server = NetServer(base, game, ServerMetrics())
    await server.start()
    return server


def hello(name: str) -> bytes:
    return encode(Hello(version=PROTOCOL_VERSION, name=name, kind="bot"))


async def test_pongs_are_read_while_a_command_waits_and_frames_follow_it_in_order():
    """40 frames behind a command that waits: the client's ping is still answered, and once the
    command is done the others are handled in the order they were sent."""
    game = SlowGame()
    server = await start(game)
    try:
        async with connect(f"ws://127.0.0.1:{server.port}/", ping_interval=None) as ws:
            for i in range(40):
                await ws.send(hello(f"w{i}"))
            await asyncio.sleep(0.3)  # read by now: the ping comes on its own, after them
            pong = await ws.ping()
            await asyncio.wait_for(pong, 5.0)  # websockets stops reading after 16 unread messages
            assert game.handled == ["started:w0"]
            game.release.set()
            for _ in range(100):
                if len(game.handled) == 41:
                    break
                await asyncio.sleep(0.02)
            assert game.handled == ["started:w0", *[f"w{i}" for i in range(40)]]
    finally:
        await server.stop()


async def test_the_hello_timeout_waits_for_a_command_the_server_is_still_handling():
    """A hello the server takes longer than the timeout to answer does not close the connection;
    once it is answered (and the client still not in the world), the timeout runs again."""
    game = SlowGame()
    server = await start(game, hello_timeout_s=0.3)
    try:
        async with connect(f"ws://127.0.0.1:{server.port}/", ping_interval=None) as ws:
            await ws.send(hello("lambat"))
            await asyncio.sleep(0.9)  # three timeouts' worth while the server works on it
            pong = await ws.ping()
            await asyncio.wait_for(pong, 5.0)  # still open
            game.release.set()
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), 5.0)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == CloseCode.HANDSHAKE_TIMEOUT
        for _ in range(100):
            if game.disconnected_after:
                break
            await asyncio.sleep(0.02)
        assert game.disconnected_after == ["started:lambat", "lambat"]  # the command finished first
    finally:
        await server.stop()


class BrokenInputGame(SlowGame):
    """Enters the world on the first command (which waits), then records what it is given; its
    movement handler fails (a bug in the game must not wedge the connection)."""

    async def dispatch(self, session: Session, msg: Message) -> None:
        if not self.handled:
            session.advance(SessionEvent.ENTERED)
            self.handled.append("started")
            await self.release.wait()
        self.handled.append(msg.TYPE.name.lower())

    def dispatch_input(self, session: Session, msg: Message) -> None:
        self.handled.append("input")
        raise RuntimeError("broken")


async def test_a_frame_that_fails_behind_a_command_does_not_hold_up_the_frames_after_it():
    game = BrokenInputGame()
    server = await start(game)
    try:
        async with connect(f"ws://127.0.0.1:{server.port}/", ping_interval=None) as ws:
            await ws.send(hello("pertama"))
            await ws.send(encode(Input(seq=1, move_x=0.0, move_y=0.0, yaw=0)))
            await ws.send(encode(Ping(client_time_ms=1)))
            await asyncio.sleep(0.3)  # all three read, the last two waiting behind the first
            game.release.set()
            for _ in range(100):
                if "ping" in game.handled:
                    break
                await asyncio.sleep(0.02)
            assert game.handled == ["started", "hello", "input", "ping"]
    finally:
        await server.stop()
