"""Gateway mode (`serve --gateways 2`) over real sockets: a representative part of the server's
own integration tests run again against two gateway processes (the same test functions, with this
module's `servers` fixture), and what only gateway mode has: a slow reader dropped by its gateway,
a gateway that dies, and a stop that takes the gateways along.

The whole integration suite can run in gateway mode too: MAKAVERSE_TEST_GATEWAYS=2 pytest tests/integration.
"""

from __future__ import annotations

import asyncio
import socket
import sys

import pytest
from harness import Servers, eventually
from test_booths import (  # noqa: F401  (fixtures of the booth test)
    db_file,
    people,
    start,
    test_citizen_takes_a_number_staff_calls_and_completes_the_request,  # noqa: F401
)
from test_server import (  # noqa: F401  (collected again here, against gateways)
    disconnects,
    is_enter,
    is_leave,
    keeps_receiving_snapshots,
    pace,
    test_healthz_reports_ok,
    test_http_responses_are_well_formed,
    test_inputs_move_the_avatar_in_the_others_snapshots,
    test_leave_follows_a_dropped_connection,
    test_malformed_frame_gets_an_error_and_the_session_goes_on,
    test_metrics_are_exposed,
    test_no_hello_closes_with_4003,
    test_oversize_frame_closes_only_that_client,
    test_ping_is_answered_with_pong,
    test_repeated_bad_input_closes_with_policy,
    test_server_full_refuses_the_handshake_with_503,
    test_two_clients_see_each_other_enter,
    test_typed_errors_reach_the_client,
    test_welcome_describes_the_session,
)

from makaverse.protocol import PROTOCOL_VERSION, Hello, Snapshot

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="gateways share the port with SO_REUSEPORT")

GATEWAYS = 2


@pytest.fixture
async def servers(world):
    """Every server of these tests runs two gateway processes."""
    running = Servers(world, gateways=GATEWAYS)
    yield running
    await running.stop_all()


def gateway_of(server, client) -> int:
    """Which gateway holds the client's connection."""
    return server.players.by_avatar[client.avatar_id].session.conn.link.index


async def test_clients_are_spread_over_the_gateways(server, clients):
    """Connections land on both gateways, and the world sees every one of them."""
    # The kernel spreads them by a hash of each connection: 24 all on one gateway is 1 in 8 million.
    crowd = [await clients.join(server, f"Warga {i}") for i in range(24)]
    assert {gateway_of(server, c) for c in crowd} == set(range(GATEWAYS))
    assert len(server.sessions) == 24
    for c in crowd[:2]:
        await keeps_receiving_snapshots(c)


async def test_a_client_that_stops_reading_is_dropped_by_its_gateway(start_server, clients):
    """A client that stops reading is closed with 4001 by its gateway's bounded queue; others keep their snapshots."""
    # Small socket buffers on both ends (a slow link): the gateway's queue fills in moments, not
    # after the megabytes a loopback send buffer grows to.
    server = await start_server(tick_hz=100, snapshot_hz=100, send_queue_frames=104, ping_interval_s=60.0,
                                send_buffer_bytes=4096)
    b = await clients.join(server, "Besse")
    crowd = [await clients.join(server, f"Bot {i}") for i in range(40)]  # fatter snapshots fill buffers sooner
    stop = asyncio.Event()
    walking = asyncio.create_task(pace(crowd, stop))  # a crowd standing still sends nothing
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", server.port))
    slow = await clients.connect(server, sock=sock)
    await slow.send(Hello(version=PROTOCOL_VERSION, name="Lambat"))
    await slow.expect(lambda m: isinstance(m, Snapshot))
    slow.ws.transport.pause_reading()
    # The world's process hears of it when the gateway has finished closing: by then the close
    # frame may have waited out the close timeout behind the unread data (then the peer sees 1006).
    await eventually(lambda: disconnects(server, 4001) == 1, timeout_s=120.0)
    slow.ws.transport.resume_reading()
    assert await slow.wait_closed(timeout=10.0) in (4001, 1006)
    await keeps_receiving_snapshots(b)
    stop.set()
    await walking


async def test_a_gateway_that_dies_drops_its_clients_and_another_takes_its_place(server, clients):
    """Killing one gateway closes its clients' connections and parks their avatars; the other
    gateway's clients carry on, a new gateway starts, and newcomers get in."""
    crowd = [await clients.join(server, f"Warga {i}") for i in range(12)]
    while len({gateway_of(server, c) for c in crowd}) < 2 and len(crowd) < 64:  # see below: the kernel's hash
        crowd.append(await clients.join(server, f"Warga {len(crowd)}"))
    doomed = [c for c in crowd if gateway_of(server, c) == 0]
    spared = [c for c in crowd if gateway_of(server, c) == 1]
    assert doomed and spared
    old = server.net.links[0]
    old.process.kill()
    for c in doomed:
        assert await c.wait_closed(timeout=10.0) == 1006
    await eventually(lambda: len(server.sessions) == len(spared), timeout_s=10.0)
    watcher = spared[0]
    for c in doomed:
        assert not server.players.online(c.avatar_id)
    await keeps_receiving_snapshots(watcher)
    await eventually(lambda: server.net.links[0] is not old and server.net.links[0].ready.done(), timeout_s=60.0)
    newcomers = [await clients.join(server, f"Baru {i}") for i in range(6)]
    assert len(server.sessions) == len(spared) + 6
    await keeps_receiving_snapshots(newcomers[-1])


async def test_stopping_closes_every_client_with_1001_and_the_gateways_exit(servers, clients):
    """A server stopping (SIGTERM, Ctrl-C) has its gateways close every client with 1001, then exit."""
    server = await servers.start()
    crowd = [await clients.join(server, f"Warga {i}") for i in range(6)]
    processes = [link.process for link in server.net.links]
    await servers.stop(server)
    for c in crowd:
        assert await c.wait_closed(timeout=10.0) == 1001
    assert not any(p.is_alive() for p in processes)


async def test_two_gateways_see_each_other(server, clients):
    """Clients on different gateways see each other enter and leave."""
    # The kernel picks the gateway by a hash of each connection (SO_REUSEPORT): join until both
    # hold someone (eight alone all land on one gateway about once in 128 runs).
    crowd = [await clients.join(server, f"Warga {i}") for i in range(2)]
    while len({gateway_of(server, c) for c in crowd}) < 2 and len(crowd) < 64:
        crowd.append(await clients.join(server, f"Warga {len(crowd)}"))
    a = next(c for c in crowd if gateway_of(server, c) == 0)
    b = next(c for c in crowd if gateway_of(server, c) == 1)
    await b.expect(is_enter(a.avatar_id))
    mark = b.mark()
    await a.close()
    await b.expect(is_leave(a.avatar_id), since=mark, timeout=5.0)
