"""The server over real sockets: clients see each other, bad input is refused or closed, slow and flooding clients are dropped."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import urllib.error
import urllib.request

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus

from makaverse.protocol import (
    PROTOCOL_VERSION,
    AvatarEnter,
    AvatarLeave,
    ChatSend,
    Error,
    Hello,
    Input,
    Ping,
    Pong,
    Snapshot,
    Welcome,
    ZoneChanged,
    encode,
)


def is_enter(avatar_id: int):
    return lambda m: isinstance(m, AvatarEnter) and m.id == avatar_id


def is_leave(avatar_id: int):
    return lambda m: isinstance(m, AvatarLeave) and m.id == avatar_id


def is_error(code: str):
    return lambda m: isinstance(m, Error) and m.code == code


def position_in(snapshot: Snapshot, avatar_id: int) -> tuple[int, int] | None:
    ids, pos, _, _ = snapshot.arrays()
    where = ids.tolist()
    return tuple(pos[where.index(avatar_id)].tolist()) if avatar_id in where else None


def disconnects(server, reason: int) -> float:
    """How many connections the server has closed for `reason`, from its own metrics."""
    text = server.metrics.render().decode()
    m = re.search(rf'^makaverse_disconnects_total\{{reason="{reason}"\}} (\S+)$', text, re.MULTILINE)
    return float(m.group(1)) if m else 0.0


async def pace(crowd: list, stop: asyncio.Event) -> None:
    """Keep `crowd` walking to and fro (an idle crowd makes no snapshots), until `stop` is set."""
    seq = 0
    while not stop.is_set():
        seq += 1
        for c in crowd:
            await c.send(Input(seq=seq, move_x=1.0 if seq % 20 < 10 else -1.0, move_y=0.0, yaw=0))
        await asyncio.sleep(0.05)


async def keeps_receiving_snapshots(client, n: int = 3) -> None:
    """The client gets `n` more snapshots, with ticks going up."""
    ticks = [(await client.fresh_snapshot()).tick for _ in range(n)]
    assert ticks == sorted(ticks) and len(set(ticks)) == n


# ── joining, moving, leaving ─────────────────────────────────────────────────


async def test_welcome_describes_the_session(server, clients):
    """Hello is answered by Welcome with the avatar, the world, the clocks and a free spawn position."""
    a = await clients.join(server, "Andi")
    w = a.welcome
    assert isinstance(w, Welcome)
    assert w.name == "Andi" and w.role == "guest"
    assert w.world_id == server.world.id
    assert (w.tick_hz, w.snapshot_hz, w.input_hz) == (40, 40, 20)
    assert w.interest_radius_cm == 4000
    x, y = w.x_cm / 100, w.y_cm / 100
    assert server.world.placement_ok([[x, y]]).all()
    assert server.world.zone_of(x, y).id == "forecourt"


async def test_a_blank_name_gets_a_guest_name(server, clients):
    """A Hello with an empty or blank name enters with a generated guest name."""
    a = await clients.join(server, "   ")
    assert a.welcome.name.startswith("Tamu-")


async def test_two_clients_see_each_other_enter(server, clients):
    """Two clients each receive an AvatarEnter for the other."""
    a = await clients.join(server, "Andi")
    b = await clients.join(server, "Besse")
    enter_b = await a.expect(is_enter(b.avatar_id))
    enter_a = await b.expect(is_enter(a.avatar_id))
    assert enter_b.name == "Besse" and enter_a.name == "Andi"
    snap = await a.next_snapshot()
    assert position_in(snap, a.avatar_id) is not None and position_in(snap, b.avatar_id) is not None


async def test_inputs_move_the_avatar_in_the_others_snapshots(server, clients):
    """When one client sends inputs, its avatar's position changes in the other client's snapshots, and its own snapshots ack them."""
    a = await clients.join(server, "Andi")
    b = await clients.join(server, "Besse")
    await b.expect(is_enter(a.avatar_id))
    start = position_in(await b.next_snapshot(), a.avatar_id)
    for seq in range(1, 11):
        await a.send(Input(seq=seq, move_x=0.0, move_y=1.0, yaw=0))
        await asyncio.sleep(0.05)
    moved = await b.expect(
        lambda m: isinstance(m, Snapshot) and (position_in(m, a.avatar_id) or start)[1] > start[1] + 50
    )
    assert position_in(moved, a.avatar_id)[0] == start[0]
    await a.expect(lambda m: isinstance(m, Snapshot) and m.ack_seq == 10)


async def test_leave_follows_a_close(server, clients):
    """When a client closes, the others get AvatarLeave for it at once (no reconnect grace; the
    wait allows for a busy machine, it is not a measure of speed)."""
    a = await clients.join(server, "Andi")
    b = await clients.join(server, "Besse")
    await b.expect(is_enter(a.avatar_id))
    mark = b.mark()
    await a.close()
    await b.expect(is_leave(a.avatar_id), since=mark, timeout=5.0)
    later = await b.next_snapshot()
    assert position_in(later, a.avatar_id) is None


async def test_leave_follows_a_dropped_connection(server, clients):
    """When a client's TCP connection just drops (no close handshake), the others get AvatarLeave at once."""
    a = await clients.join(server, "Andi")
    b = await clients.join(server, "Besse")
    await b.expect(is_enter(a.avatar_id))
    mark = b.mark()
    a.ws.transport.abort()
    await b.expect(is_leave(a.avatar_id), since=mark, timeout=5.0)
    assert len(server.sessions) == 1


async def test_zone_changed_on_arrival(server, clients):
    """A new avatar is told which zone it is in."""
    a = await clients.join(server, "Andi")
    assert (await a.expect(lambda m: isinstance(m, ZoneChanged))).zone_id == "forecourt"


async def test_ping_is_answered_with_pong(server, clients):
    """Ping is answered by a Pong echoing the client's time, before and after Hello."""
    c = await clients.connect(server)
    await c.send(Ping(client_time_ms=12345))
    pong = await c.expect(lambda m: isinstance(m, Pong))
    assert pong.client_time_ms == 12345 and pong.server_time_ms > 0


# ── bad input ────────────────────────────────────────────────────────────────


async def test_malformed_frame_gets_an_error_and_the_session_goes_on(server, clients):
    """A frame that is not msgpack is answered with Error `malformed`; the client stays connected."""
    a = await clients.join(server, "Andi")
    await a.send_raw(b"\xc1\xc1\xc1")
    await a.expect(is_error("malformed"))
    mark = a.mark()
    await a.send_raw("a text frame")
    await a.expect(is_error("malformed"), since=mark)
    await keeps_receiving_snapshots(a)


async def test_typed_errors_reach_the_client(server, clients):
    """Unknown types, invalid fields and messages sent at the wrong time are answered with their codes."""
    c = await clients.connect(server)
    await c.send(Input(seq=7, move_x=0.0, move_y=0.0, yaw=0))  # before hello
    err = await c.expect(is_error("unexpected"))
    assert err.ref == 7 and err.text == ""
    await c.send_raw(b"\x81\xa1t\x63")  # {"t": 99}
    await c.expect(is_error("unknown_type"))
    await c.send_raw(b"\x82\xa1t\x09\xaeclient_time_ms\xc3")  # a bool where an int belongs
    await c.expect(is_error("invalid_field"))
    await c.send(Welcome(avatar_id=1, name="x", role="admin", world_id="w", tick_hz=1, snapshot_hz=1, input_hz=1,
                         interest_radius_cm=1, server_time_ms=0, x_cm=0, y_cm=0, yaw=0))  # a server message
    await c.expect(is_error("unexpected"))
    await c.send(Hello(version=PROTOCOL_VERSION, name="Andi"))
    await c.expect(lambda m: isinstance(m, Welcome))
    mark = c.mark()
    await c.send(Hello(version=PROTOCOL_VERSION, name="Andi"))  # a second hello
    await c.expect(is_error("unexpected"), since=mark)


async def test_oversize_frame_closes_only_that_client(server, clients):
    """A frame over 64 KiB closes that client with 1009, while another client keeps receiving snapshots."""
    a = await clients.join(server, "Andi")
    b = await clients.join(server, "Besse")
    await b.expect(is_enter(a.avatar_id))
    await a.send_raw(b"\x00" * (64 * 1024 + 1))
    assert await a.wait_closed() == 1009
    await b.expect(is_leave(a.avatar_id))
    await keeps_receiving_snapshots(b)


async def test_a_frame_of_exactly_64_kib_is_not_closed(server, clients):
    """A 64 KiB frame is within the limit: it is refused as a message, not by closing."""
    a = await clients.join(server, "Andi")
    await a.send_raw(b"\xc1" * (64 * 1024))
    await a.expect(is_error("malformed"))
    assert not a.closed.is_set()


async def test_repeated_bad_input_closes_with_policy(server, clients):
    """A client that keeps sending refused messages is closed with 1008; others are unaffected."""
    a = await clients.join(server, "Andi")
    b = await clients.join(server, "Besse")
    for _ in range(25):
        try:
            await a.send_raw(b"\xc1")
        except ConnectionClosed:
            break
    assert await a.wait_closed() == 1008
    await keeps_receiving_snapshots(b)


async def test_flood_is_rate_limited_then_closed(start_server, clients):
    """A flood of messages gets `rate_limited` and then close 4002, while other clients are unaffected."""
    rate_per_s, burst = 5.0, 10
    server = await start_server(msg_rate_per_s=rate_per_s, msg_burst=burst)
    a = await clients.join(server, "Andi")
    b = await clients.join(server, "Besse")
    frame = encode(Ping(client_time_ms=1))
    loop = asyncio.get_running_loop()
    started_s = loop.time()
    try:
        for _ in range(2000):
            await a.send_raw(frame)
    except ConnectionClosed:
        pass
    assert await a.wait_closed(timeout=60.0) == 4002
    took_s = loop.time() - started_s
    assert any(is_error("rate_limited")(m) for m in a.received)
    # The bucket's contract, however slow the machine: the burst plus what the rate refilled meanwhile.
    assert sum(isinstance(m, Pong) for m in a.received) <= burst + rate_per_s * took_s + 1
    await keeps_receiving_snapshots(b)
    await b.send(Ping(client_time_ms=2))
    await b.expect(lambda m: isinstance(m, Pong) and m.client_time_ms == 2)


async def test_each_command_dropped_over_the_rate_limit_is_answered_by_its_id(start_server, clients):
    """Commands sent faster than the limit: each one dropped gets `rate_limited` naming its
    `request_id`, so a client waiting on a reply hears at once instead of waiting forever."""
    rate_per_s, burst, sent = 5.0, 10, 40
    server = await start_server(msg_rate_per_s=rate_per_s, msg_burst=burst)
    a = await clients.join(server, "Andi")
    loop = asyncio.get_running_loop()
    started_s = loop.time()
    for rid in range(1, sent + 1):
        await a.send(ChatSend(request_id=rid, text=f"halo {rid}"))
    took_s = loop.time() - started_s
    accepted_at_most = int(burst + rate_per_s * took_s + 1)
    limited = lambda m: is_error("rate_limited")(m) and m.ref != 0  # noqa: E731
    await asyncio.sleep(1.0 / rate_per_s)  # a token again: the ping is accepted, its pong comes after every answer
    await a.send(Ping(client_time_ms=9))
    await a.expect(lambda m: isinstance(m, Pong) and m.client_time_ms == 9)
    refs = [m.ref for m in a.received if limited(m)]
    assert len(refs) == len(set(refs)) and set(refs) <= set(range(1, sent + 1))
    assert len(refs) >= sent - accepted_at_most
    assert not a.closed.is_set()


async def test_sustained_flood_is_closed(start_server, clients):
    """A flood kept up in bursts with pauses (so some messages are accepted in between) still ends in
    `rate_limited` and close 4002, and another client keeps being served."""
    burst = 20
    server = await start_server(msg_rate_per_s=20.0, msg_burst=burst)
    a = await clients.join(server, "Andi")
    b = await clients.join(server, "Besse")
    frame = encode(Ping(client_time_ms=1))
    # Each accepted message pays one off the flood count and each refused one adds one; the bucket holds
    # at most `burst`, so a batch of more than 2 * burst adds to the count however long the pauses last.
    batch = 3 * burst
    try:
        for _ in range(1000):  # far more than needed: the count passes 200 within ~10 batches
            for _ in range(batch):
                await a.send_raw(frame)
            await asyncio.sleep(0.05)  # the bucket refills a little: accepted messages are mixed in
            if a.closed.is_set():
                break
    except ConnectionClosed:
        pass
    assert await a.wait_closed(timeout=60.0) == 4002
    assert any(is_error("rate_limited")(m) for m in a.received)
    await keeps_receiving_snapshots(b)
    await b.send(Ping(client_time_ms=2))
    await b.expect(lambda m: isinstance(m, Pong) and m.client_time_ms == 2)


async def test_no_hello_closes_with_4003(start_server, clients):
    """A client that never sends Hello is closed with 4003."""
    server = await start_server(hello_timeout_s=0.3)
    c = await clients.connect(server)
    assert await c.wait_closed() == 4003
    assert not [m for m in c.received if isinstance(m, (Welcome, Snapshot))]


async def test_hello_in_time_is_not_closed(start_server, clients):
    """A client that sends Hello before the timeout stays connected past it."""
    server = await start_server(hello_timeout_s=0.3)
    a = await clients.join(server, "Andi")
    await asyncio.sleep(0.5)
    assert not a.closed.is_set()
    await keeps_receiving_snapshots(a)


async def test_wrong_version_gets_error_then_4000(server, clients):
    """A Hello with another protocol version gets Error `version` and close 4000."""
    c = await clients.connect(server)
    await c.send(Hello(version=PROTOCOL_VERSION + 1, name="Future"))
    await c.expect(is_error("version"))
    assert await c.wait_closed() == 4000


async def test_server_full_refuses_the_handshake_with_503(start_server, clients):
    """When max_clients are connected, the next handshake is answered with HTTP 503 and the first client carries on."""
    server = await start_server(max_clients=1)
    a = await clients.join(server, "Andi")
    with pytest.raises(InvalidStatus) as refused:
        await clients.connect(server)
    assert refused.value.response.status_code == 503
    await keeps_receiving_snapshots(a)


# ── a client that stops reading ──────────────────────────────────────────────


async def test_client_that_stops_reading_is_dropped_and_the_tick_goes_on(start_server, clients):
    """A client that stops reading is dropped with 4001 without slowing the tick: others keep getting snapshots."""
    server = await start_server(
        tick_hz=100, snapshot_hz=100, send_queue_frames=32, interest_k=10, close_timeout_s=5.0, ping_interval_s=60.0,
        send_buffer_bytes=4096,
    )
    b = await clients.join(server, "Besse")
    crowd = [await clients.join(server, f"Bot {i}") for i in range(20)]  # fatter snapshots fill buffers sooner
    stop = asyncio.Event()
    walking = asyncio.create_task(pace(crowd, stop))  # a crowd standing still sends nothing
    # The slow client, with small socket buffers on both ends (a slow link), so the queue fills in moments:
    # its own receive buffer here, the server's send buffer by the setting.
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", server.port))
    slow = await clients.connect(server, sock=sock)
    await slow.send(Hello(version=PROTOCOL_VERSION, name="Lambat"))
    await slow.expect(lambda m: isinstance(m, Snapshot))
    local_port = sock.getsockname()[1]
    conn = next(s.conn for s in server.sessions.values() if s.conn.ws.remote_address[1] == local_port)
    # send_buffer_bytes reached the server's end of the socket (Linux reports twice what was set).
    assert conn.ws.transport.get_extra_info("socket").getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF) <= 2 * 4096

    slow.ws.transport.pause_reading()
    tick_at_pause = server.instance.sim.tick
    mark = b.mark()
    loop = asyncio.get_running_loop()
    give_up = loop.time() + 30.0  # only so a broken server can't hang the suite
    while conn.close_code is None and loop.time() < give_up:
        await asyncio.sleep(0.005)
    slow.ws.transport.resume_reading()  # within the close timeout, so the close frame gets through
    tick_at_drop = server.instance.sim.tick

    assert conn.close_code == 4001
    assert await slow.wait_closed(timeout=10.0) == 4001
    # The tick never waited: it kept running, and B kept getting snapshots (of the ticks in which
    # someone moved), before and after the drop.
    await b.expect(lambda m: isinstance(m, Snapshot) and m.tick > tick_at_drop + 5, since=mark)
    ticks = [m.tick for m in b.received[mark:] if isinstance(m, Snapshot)]
    assert ticks[0] <= tick_at_pause + 5 and ticks[-1] > tick_at_drop + 5
    assert ticks == sorted(set(ticks))
    assert tick_at_drop > tick_at_pause
    assert not b.closed.is_set() and not any(c.closed.is_set() for c in crowd)
    stop.set()
    await walking
    # The server counts the disconnect once its side of the close has finished.
    while disconnects(server, 4001) == 0 and loop.time() < give_up:
        await asyncio.sleep(0.01)
    assert disconnects(server, 4001) == 1


async def test_a_burst_within_the_rate_limit_does_not_drop_a_reading_client(start_server, clients):
    """A client that sends a burst of pings within its rate limit, and reads, gets every pong and stays connected."""
    server = await start_server(send_queue_frames=16, interest_k=4)  # default burst: 120 messages
    a = await clients.join(server, "Andi")
    for i in range(1, 41):
        await a.send(Ping(client_time_ms=i))
    await a.expect(lambda m: isinstance(m, Pong) and m.client_time_ms == 40)
    assert not a.closed.is_set()


# ── HTTP on the same port ────────────────────────────────────────────────────


async def raw_http_get(port: int, path: str) -> tuple[int, list[tuple[str, str]], bytes]:
    """A plain HTTP/1.1 GET read to the end of the connection: status, every header line, body."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    await writer.drain()
    data = await asyncio.wait_for(reader.read(), 5.0)
    writer.close()
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = [(k.strip().lower(), v.strip()) for k, v in (line.split(":", 1) for line in lines[1:])]
    return status, headers, body


def header_values(headers, name: str) -> list[str]:
    return [v for k, v in headers if k == name]


def urllib_get(port: int, path: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read()


async def test_healthz_reports_ok(server, clients):
    """GET /healthz answers 200 with JSON: status ok, the world, the number of clients and avatars."""
    await clients.join(server, "Andi")
    status, _, body = await raw_http_get(server.port, "/healthz")
    assert status == 200
    health = json.loads(body)
    assert health["status"] == "ok"
    assert health["world"] == server.world.id
    assert health["clients"] == 1 and health["avatars"] == 1
    assert health["protocol"] == PROTOCOL_VERSION
    assert health["tick"] > 0


async def test_metrics_are_exposed(server, clients):
    """GET /metrics answers Prometheus text with the connected clients and the tick duration."""
    await clients.join(server, "Andi")
    while server.instance.sim.tick < 3:
        await asyncio.sleep(0.01)
    status, _, body = await raw_http_get(server.port, "/metrics")
    text = body.decode()
    assert status == 200
    assert re.search(r"^makaverse_connected_clients 1\.0$", text, re.MULTILINE)
    assert "makaverse_tick_duration_seconds_bucket" in text
    count = re.search(r"^makaverse_tick_duration_seconds_count (\S+)$", text, re.MULTILINE)
    assert count and float(count.group(1)) > 0


async def test_tick_stats_give_recent_tick_durations(server):
    """GET /stats/ticks: how many ticks ran and the most recent durations, for a benchmark's window."""
    while server.instance.sim.tick < 3:
        await asyncio.sleep(0.01)
    status, _, body = await raw_http_get(server.port, "/stats/ticks")
    stats = json.loads(body)
    assert status == 200
    assert stats["ticks"] >= 3 and len(stats["recent_s"]) == min(stats["ticks"], 2400)
    assert all(0 <= s < 10 for s in stats["recent_s"])


async def test_http_responses_are_well_formed(server):
    """/healthz, /metrics and /stats/ticks each carry one Content-Type and one Content-Length that matches the body, so any HTTP client reads them."""
    paths = (("/healthz", "application/json"), ("/metrics", "text/plain"), ("/stats/ticks", "application/json"))
    for path, ctype in paths:
        _, headers, body = await raw_http_get(server.port, path)
        types, lengths = header_values(headers, "content-type"), header_values(headers, "content-length")
        assert len(types) == 1 and types[0].startswith(ctype), (path, types)
        assert lengths == [str(len(body))], (path, lengths)
    status, ctype, body = await asyncio.to_thread(urllib_get, server.port, "/metrics")
    assert status == 200 and b"makaverse_connected_clients" in body


async def test_other_paths_are_not_found(server):
    """Plain HTTP to any other path is a 404 pointing at the WebSocket."""
    status, _, body = await asyncio.to_thread(urllib_get, server.port, "/index.html")
    assert status == 404 and b"WebSocket" in body


async def test_a_failing_handler_affects_only_its_client(start_server, clients, caplog):
    """A bug in a component gives that client `internal` naming its message, with no exception text; it logs the connection, and everyone carries on."""
    server = await start_server()
    a = await clients.join(server, "Andi")
    b = await clients.join(server, "Budi")
    chat = next(c for c in server.instance.components if c.name == "chat")

    def broken(ctx, msg):
        raise RuntimeError("rahasia di dalam server")

    chat.chat_send = broken  # the instance attribute wins over the method for this server only
    with caplog.at_level("ERROR", logger="makaverse.errors"):
        await a.send(ChatSend(request_id=77, text="halo"))
        reply = await a.expect(lambda m: isinstance(m, Error) and m.ref == 77)
    assert (reply.code, reply.text) == ("internal", "")
    failed = [r for r in caplog.records if r.getMessage() == "handler_failed"]
    assert failed and failed[0].fields["conn"] == next(iter(server.sessions))
    await a.send(Ping(client_time_ms=5))
    await a.expect(lambda m: isinstance(m, Pong) and m.client_time_ms == 5)
    await keeps_receiving_snapshots(b)
