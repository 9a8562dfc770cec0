"""Admission at the handshake over real sockets: Origin allowlist (403), connection caps (503), and
authentication within the time limit (4003)."""

from __future__ import annotations

import asyncio

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from makaverse.protocol import Ping, Snapshot, Welcome
from makaverse.server.wiring import GameServer


async def handshake_status(server: GameServer, **kw) -> int:
    """The HTTP status of the upgrade: 101 when it opened (the socket is closed again at once)."""
    try:
        ws = await connect(f"ws://127.0.0.1:{server.port}/", open_timeout=5, **kw)
    except InvalidStatus as exc:
        return exc.response.status_code
    await ws.close()
    return 101


async def eventually_admitted(server: GameServer, timeout_s: float = 30.0) -> bool:
    """Whether a handshake gets through within the time (a closed socket frees its slot once TCP is gone)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while loop.time() < deadline:
        if await handshake_status(server) == 101:
            return True
        await asyncio.sleep(0.05)
    return False


async def test_default_admits_native_clients_and_refuses_browser_origins(server):
    """With the defaults a client without Origin connects and a web page's Origin gets HTTP 403."""
    assert await handshake_status(server) == 101
    assert await handshake_status(server, origin="https://evil.example") == 403
    assert await handshake_status(server, origin="http://127.0.0.1:8000") == 403


async def test_listed_origin_is_admitted(start_server):
    """An origin on MAKAVERSE_ALLOWED_ORIGINS connects; one off the list gets 403, no Origin still connects."""
    server = await start_server(allowed_origins="https://balai.example,http://localhost:8080")
    assert await handshake_status(server, origin="https://balai.example") == 101
    assert await handshake_status(server, origin="https://other.example") == 403
    assert await handshake_status(server) == 101
    assert "makaverse_handshakes_refused_total" in server.metrics.render().decode()


async def test_per_address_cap_answers_503_and_frees_the_slot_on_close(start_server, clients):
    """The connection beyond max_clients_per_address gets HTTP 503; after one closes, a new one gets in."""
    server = await start_server(max_clients_per_address=2)
    a = await clients.join(server, "Andi")
    b = await clients.connect(server)
    assert await handshake_status(server) == 503
    await b.close()
    assert await eventually_admitted(server)
    c = await clients.connect(server)
    assert not c.closed.is_set()
    await a.next_snapshot()


async def test_global_cap_answers_503(start_server, clients):
    """When max_clients connections are open the next handshake gets HTTP 503 and the others carry on."""
    server = await start_server(max_clients=2)
    a = await clients.join(server, "Andi")
    await clients.join(server, "Besse")
    assert await handshake_status(server) == 503
    assert isinstance(await a.next_snapshot(), Snapshot)


async def test_only_pinging_does_not_extend_the_time_to_authenticate(start_server, clients):
    """A client that pings but never enters the world is closed with 4003 once the limit has passed."""
    timeout_s = 0.5
    server = await start_server(hello_timeout_s=timeout_s)
    c = await clients.connect(server)
    for i in range(10):
        if c.closed.is_set():
            break
        try:
            await c.send(Ping(client_time_ms=i))
        except ConnectionClosed:
            break  # closed between the check and the send
        await asyncio.sleep(timeout_s / 4)
    assert await c.wait_closed() == 4003
    assert not [m for m in c.received if isinstance(m, Welcome)]


async def test_a_join_beyond_capacity_is_told_full_and_where_to_go(start_server):
    """With capacity for two players the third hello gets `full` (naming the other server) and the
    error `full`, and is closed with 4008; once one of the two has left (no reconnect grace here)
    a newcomer gets in again."""
    from harness import Client, eventually

    from makaverse.protocol import CloseCode, Error, ErrorCode, Full

    server = await start_server(capacity_players=2, full_url="ws://overflow.example:8765/", reconnect_grace_s=0)
    first = await Client.join(server, "Satu")
    second = await Client.join(server, "Dua")
    third = await Client.connect(server)
    reply = await third.hello(name="Tiga")
    assert isinstance(reply, Error) and reply.code == ErrorCode.FULL.value
    full = await third.expect(lambda m: isinstance(m, Full))
    assert full.url == "ws://overflow.example:8765/" and full.retry_after_ms > 0
    assert await third.wait_closed() == CloseCode.SERVER_FULL
    await second.close()
    await eventually(lambda: sum(len(i) for i in server.instances.values()) == 1)
    fourth = await Client.connect(server)
    assert isinstance(await fourth.hello(name="Empat"), Welcome)
    for c in (first, third, fourth):
        await c.dispose()


async def test_a_server_at_its_cap_refuses_newcomers_while_the_admitted_keep_moving(start_server):
    """At its cap the server answers every newcomer `full` with the configured URL, `error full`
    and close 4008, while the players already in keep getting snapshots that acknowledge their
    inputs; /healthz says how full it is and /metrics counts the input it keeps bounded."""
    import json
    import urllib.request

    from harness import Client

    from makaverse.protocol import CloseCode, Error, ErrorCode, Full, Input

    url = "ws://overflow.example:8765/"
    server = await start_server(capacity_players=2, full_url=url)
    admitted = [await Client.join(server, "Satu"), await Client.join(server, "Dua")]
    seq = 0

    async def walk_and_see() -> None:
        """Each admitted player sends inputs and gets a snapshot acknowledging one of them."""
        nonlocal seq
        seq += 1
        for c in admitted:
            await c.send(Input(seq=seq, move_x=1.0, move_y=0.0, yaw=0))
        sent = seq
        for c in admitted:
            await c.expect(lambda m: isinstance(m, Snapshot) and m.ack_seq >= sent, since=0, timeout=10)

    await walk_and_see()
    refused = [await Client.connect(server) for _ in range(4)]
    replies = await asyncio.gather(*(c.hello(name=f"Baru{i}") for i, c in enumerate(refused)))
    for c, reply in zip(refused, replies, strict=True):
        assert isinstance(reply, Error) and reply.code == ErrorCode.FULL.value
        full = await c.expect(lambda m: isinstance(m, Full))
        assert full.url == url and full.retry_after_ms > 0
        assert await c.wait_closed() == CloseCode.SERVER_FULL
        await walk_and_see()
    for _ in range(3):
        await walk_and_see()

    def get(path: str) -> bytes:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.port}{path}", timeout=10) as r:
            return r.read()

    health = json.loads(await asyncio.to_thread(get, "/healthz"))
    assert health["capacity"]["capacity"] == 2 and health["capacity"]["players"] == 2
    assert health["capacity"]["input_backlog"] <= 2
    metrics = (await asyncio.to_thread(get, "/metrics")).decode()
    for name in ("makaverse_inputs_coalesced_total", "makaverse_input_backlog", "makaverse_receive_backlog_bytes",
                 "makaverse_capacity_players"):
        assert name in metrics
    for c in admitted + refused:
        await c.dispose()
