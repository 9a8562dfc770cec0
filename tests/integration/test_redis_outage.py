"""Redis gone for a while: two servers on one Redis bus keep serving their own people (walking,
local chat, service requests, announcements shown locally), lose nothing committed, and the bus
reconnects by itself once Redis is back on the same port, so announcements cross servers again.

Runs its own `redis-server` on a free port (killed and restarted by the test); skipped where
`redis-server` is not installed, a failure when MAKAVERSE_REQUIRE_SERVICES=1.
"""

from __future__ import annotations

import asyncio
import math
import os
import shutil
import socket
import sqlite3
import subprocess
from pathlib import Path

import pytest
from harness import KTP, PASSWORD, Client, seed_database, snapshot_positions

from makaverse.protocol import (
    Announce,
    Announcement,
    AuthOk,
    Chat,
    ChatSend,
    Input,
    RequestSubmitted,
    Snapshot,
    SubmitRequest,
)
from makaverse.server.services.chat import ChatConfig
from makaverse.server.wiring import GameServer

positions = snapshot_positions
OUTAGE_S = float(os.environ.get("MAKAVERSE_TEST_REDIS_OUTAGE_S", "10"))
rids = iter(range(1, 1_000_000))


class RedisProcess:
    """A throwaway `redis-server` without persistence on a fixed port, to kill and start again."""

    def __init__(self, binary: str, port: int, workdir: Path) -> None:
        self.binary, self.port, self.workdir = binary, port, workdir
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=self.workdir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    async def wait_ready(self, timeout_s: float = 10.0) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while True:
            try:
                _reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
                writer.write(b"PING\r\n")
                await writer.drain()
                line = await asyncio.wait_for(_reader.readline(), 1.0)
                writer.close()
                if line.startswith(b"+PONG"):
                    return
            except (OSError, TimeoutError):
                pass
            assert loop.time() < deadline, "redis-server did not come up"
            await asyncio.sleep(0.05)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
async def redis_server(tmp_path):
    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("MAKAVERSE_REQUIRE_SERVICES") == "1":
            pytest.fail("redis-server is not installed")
        pytest.skip("redis-server is not installed")
    redis = RedisProcess(binary, free_port(), tmp_path)
    redis.start()
    try:
        await redis.wait_ready()
        yield redis
    finally:
        redis.kill()


@pytest.fixture
def db_url(tmp_path, monkeypatch) -> str:
    return seed_database(tmp_path / "makaverse.db", monkeypatch)  # migrated, seeded, with "admin"


@pytest.fixture
async def two_servers(servers, db_url, redis_server):
    """Two servers (as two processes would be) on one database and one Redis."""
    chat = ChatConfig(flush_interval_s=0.05)
    return [await servers.start(db_url, redis_url=redis_server.url, chat=chat) for _ in range(2)]


@pytest.fixture
async def peers():
    made: list[Client] = []

    async def enter(server: GameServer, username: str = "", *, register: bool = True) -> Client:
        client = await Client.connect(server)
        made.append(client)
        token = ""
        if username:
            call = client.register if register else client.login
            auth = await call(username, PASSWORD)
            assert isinstance(auth, AuthOk), auth
            token = auth.token
        welcome = await client.hello(token=token, name="" if username else "Di Sana")
        assert welcome.avatar_id, welcome
        return client

    yield enter
    for client in made:
        await client.dispose()


async def announce_reaches(admin, listener, text: str, *, timeout_s: float) -> bool:
    """Announce `text` until `listener` (on another server) hears it, or the time is up."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    n = 0
    while loop.time() < deadline:
        n += 1
        since = listener.mark()
        await admin.send(Announce(request_id=next(rids), text=f"{text} {n}"))
        try:
            await listener.expect(lambda m, want=f"{text} {n}": isinstance(m, Announcement) and m.text == want, since=since,
                                  timeout=1.0)
            return True
        except AssertionError:
            continue
    return False


async def walk(client) -> float:
    """Walk a few input periods in each direction until the server moves the avatar; how far it went (m)."""
    me, seq = client.welcome.avatar_id, 0

    async def step(move_x: float, move_y: float) -> tuple[int, int]:
        nonlocal seq
        seq += 1
        since = client.mark()
        await client.send(Input(seq=seq, move_x=move_x, move_y=move_y, yaw=0))
        snap = await client.expect(lambda m: isinstance(m, Snapshot) and m.ack_seq >= seq, since=since)
        return positions(snap)[me]

    start = positions(await client.fresh_snapshot())[me]
    for direction in ((1.0, 0.0), (-1.0, 0.0), (0.0, 1.0), (0.0, -1.0)):
        for _ in range(6):
            x_cm, y_cm = await step(*direction)
        if (x_cm, y_cm) != start:
            return math.hypot(x_cm - start[0], y_cm - start[1]) / 100
    return 0.0


async def test_redis_outage_keeps_local_service_and_the_bus_comes_back(two_servers, redis_server, peers, db_url):
    """With Redis killed for the outage, each server keeps serving its own people and commits; after Redis returns, announcements cross servers again."""
    first, second = two_servers
    admin = await peers(first, "admin", register=False)
    andi = await peers(first, "andi_baso")
    besse = await peers(first, "besse")
    there = await peers(second)
    assert await announce_reaches(admin, there, "Sebelum", timeout_s=5)

    redis_server.kill()
    loop = asyncio.get_running_loop()
    back_at = loop.time() + OUTAGE_S
    await asyncio.sleep(0.5)  # let both readers see the connection go

    # Walking, local chat, a service request and an announcement shown on its own server.
    assert await walk(andi) > 0.1
    since = besse.mark()
    await andi.send(ChatSend(request_id=next(rids), text="Redis lagi mati, kita tetap ngobrol"))
    heard = await besse.expect(lambda m: isinstance(m, Chat), since=since)
    assert heard.text == "Redis lagi mati, kita tetap ngobrol"
    ref = next(rids)
    await andi.send(
        SubmitRequest(request_id=ref, client_request_id="saat-redis-mati", opd="DUKCAPIL", service="KTP_EL", fields=KTP)
    )
    submitted = await andi.expect(lambda m: getattr(m, "request_id", None) == ref)
    assert isinstance(submitted, RequestSubmitted), submitted
    since = andi.mark()
    await admin.send(Announce(request_id=next(rids), text="Pengumuman lokal"))
    local = await andi.expect(lambda m: isinstance(m, Announcement), since=since)
    assert local.text == "Pengumuman lokal"
    await there.fresh_snapshot()  # the other server ticks on too
    assert first.bus.connected is False

    await asyncio.sleep(max(0.0, back_at - loop.time()))
    redis_server.start()
    await redis_server.wait_ready()
    # Nobody restarts anything: each bus reconnects and resubscribes on its own.
    assert await announce_reaches(admin, there, "Sesudah", timeout_s=15)
    assert first.bus.reconnects >= 1 and second.bus.reconnects >= 1
    assert first.bus.connected and second.bus.connected
    await andi.fresh_snapshot()

    await asyncio.sleep(0.2)  # the chat log is flushed every 0.05 s
    db_file = db_url.removeprefix("sqlite:///")
    with sqlite3.connect(db_file) as db:
        rows = db.execute(
            "SELECT tracking_number FROM service_requests WHERE client_request_id = 'saat-redis-mati'"
        ).fetchall()
        assert rows == [(submitted.tracking,)]
        lines = db.execute("SELECT text FROM chat_log WHERE text = 'Redis lagi mati, kita tetap ngobrol'").fetchall()
        assert len(lines) == 1
