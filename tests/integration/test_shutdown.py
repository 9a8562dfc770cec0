"""Shutting down: SIGTERM closes every client with 1001 and the process exits; stop() never hangs on a client."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from makaverse.protocol import PROTOCOL_VERSION, Hello, Welcome, decode, encode

LISTENING = re.compile(r"Makaverse server listening on ws://([^:\s]+):(\d+)")


async def _first_message_of(ws, cls, timeout: float = 5.0):
    async def read():
        while True:
            msg = decode(await ws.recv())
            if isinstance(msg, cls):
                return msg

    return await asyncio.wait_for(read(), timeout)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM is a POSIX signal")
async def test_sigterm_closes_clients_with_1001_and_exits(tmp_path):
    """On SIGTERM the server closes its clients with 1001 (going away) and the process exits cleanly."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKAVERSE_")}
    env["PYTHONUNBUFFERED"] = "1"
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "makaverse", "serve", "--port", "0", "--db", f"sqlite:///{tmp_path}/x.db",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
        env=env,
        cwd=tmp_path,
    )
    try:
        # The listening line comes once the server is up (a fresh database prints its admin account first).
        seen = []
        m = None
        while m is None and len(seen) < 20:
            line = (await asyncio.wait_for(proc.stdout.readline(), 30.0)).decode()
            assert line, f"the server exited before listening: {seen!r}"
            seen.append(line)
            m = LISTENING.search(line)
        assert m, f"no listening line in {seen!r}"
        host, port = m.group(1), int(m.group(2))
        assert port > 0

        async with connect(f"ws://{host}:{port}/", open_timeout=10) as ws:
            await ws.send(encode(Hello(version=PROTOCOL_VERSION, name="Andi")))
            await _first_message_of(ws, Welcome)
            proc.send_signal(signal.SIGTERM)
            with pytest.raises(ConnectionClosed):
                while True:
                    await asyncio.wait_for(ws.recv(), 10.0)
            assert ws.close_code == 1001

        assert await asyncio.wait_for(proc.wait(), 10.0) == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


async def test_stop_closes_every_client_with_1001(start_server, clients):
    """stop() closes every connected client with 1001 and refuses new connections afterwards."""
    server = await start_server()
    a = await clients.join(server, "Andi")
    b = await clients.connect(server)  # not yet in the world
    await server.stop()
    assert await a.wait_closed() == 1001
    assert await b.wait_closed() == 1001
    with pytest.raises(OSError):
        async with connect(f"ws://127.0.0.1:{server.port}/", open_timeout=2):
            pass


async def test_stop_does_not_hang_on_a_client_that_stopped_reading(start_server, clients):
    """stop() finishes even when a client has stopped reading: each close is bounded by the close timeout."""
    server = await start_server(close_timeout_s=0.3)
    a = await clients.join(server, "Andi")
    b = await clients.join(server, "Besse")
    a.ws.transport.pause_reading()
    await asyncio.wait_for(server.stop(), 10.0)
    assert await b.wait_closed() == 1001
    a.ws.transport.resume_reading()
    await a.wait_closed(timeout=10.0)
    assert len(server.sessions) == 0
