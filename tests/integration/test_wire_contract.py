"""What protocol/README.md promises about refusals and closes, checked over real sockets: every
`error` names the message that caused it, field limits answer `too_large`, request field
problems come back as `request_invalid`, reserved guest names are refused, a silent peer is
closed with the code the server logs, an idle client gets no snapshots and fewer pings, and
`logout` closes with 1000."""

from __future__ import annotations

import asyncio
import logging

import msgpack
from harness import eventually, seed_database

from makaverse.protocol import (
    PROTOCOL_VERSION,
    AvatarEnter,
    ChatSend,
    Error,
    Hello,
    Input,
    Logout,
    MessageType,
    Ping,
    Pong,
    RequestInvalid,
    Snapshot,
    Welcome,
)


def _frame(mtype: MessageType, **fields) -> bytes:
    return msgpack.packb({"t": int(mtype), **fields}, use_bin_type=True)


def _error(code: str, ref: int):
    return lambda m: isinstance(m, Error) and m.code == code and m.ref == ref


async def test_refused_fields_are_answered_with_the_request_id(server, clients):
    """A too-long chat line, an oversized string and an unknown field are refused naming their request_id."""
    a = await clients.join(server, "Andi")
    await a.send_raw(_frame(MessageType.CHAT_SEND, request_id=501, text="x" * 1001, channel="nearby"))
    await a.expect(_error("too_large", 501))
    await a.send_raw(_frame(MessageType.BOOTH_INFO_GET, request_id=502, opd="D" * 5000))
    await a.expect(_error("too_large", 502))
    await a.send_raw(_frame(MessageType.BOOTH_INFO_GET, request_id=503, opd="DUKCAPIL", extra=True))
    await a.expect(_error("invalid_field", 503))
    await a.send_raw(_frame(MessageType.SET_REQUEST_STATUS, request_id=504, tracking="DUK-1", status="in_review",
                            note="   "))
    await a.expect(_error("invalid_field", 504))
    # The server's own (shorter) chat limit answers with the same ref.
    await a.send(ChatSend(request_id=505, text="y" * 300))
    await a.expect(_error("too_large", 505))


async def test_request_field_problems_come_back_field_by_field(server, clients):
    """A submission with control characters or a line break in a field gets request_invalid with the field map."""
    a = await clients.join(server, "Andi")
    await a.send_raw(
        _frame(
            MessageType.SUBMIT_REQUEST,
            request_id=77,
            client_request_id="c-77",
            opd="DUKCAPIL",
            service="KTP_EL",
            fields={"nama_lengkap": "Andi\u202eBaso", "kecamatan": "Tama\nlate", "nik": "7371012345678901"},
            note="ok",
        )
    )
    reply = await a.expect(lambda m: isinstance(m, RequestInvalid))
    assert reply.request_id == 77
    assert reply.problems == {"nama_lengkap": "invalid_text", "kecamatan": "invalid_text"}


async def test_a_guest_cannot_take_a_reserved_name(server, clients):
    """hello with a name that passes for a role is refused with name_reserved; another name then enters."""
    c = await clients.connect(server)
    await c.send_raw(_frame(MessageType.HELLO, version=PROTOCOL_VERSION, name="Adm1n", kind="bot", lang="id", token=""))
    await c.expect(_error("name_reserved", 0))
    mark = c.mark()
    await c.send_raw(_frame(MessageType.HELLO, version=PROTOCOL_VERSION, name="Tamu-0001", kind="bot", lang="id",
                            token=""))
    await c.expect(_error("name_reserved", 0), since=mark)
    await c.send(Hello(version=PROTOCOL_VERSION, name="  Daeng   Baso ", kind="bot"))
    welcome = await c.expect(lambda m: isinstance(m, Welcome))
    assert welcome.name == "Daeng Baso"


async def test_a_silent_peer_is_closed_1011_and_the_server_logs_1011(start_server, clients, caplog):
    """A client that stops answering keepalive pings is closed with 1011, the code the server logs."""
    server = await start_server(ping_interval_s=0.2, ping_timeout_s=0.3)
    a = await clients.join(server, "Andi")
    caplog.set_level(logging.INFO, logger="makaverse.server")
    a.ws.transport.pause_reading()  # no pong ever goes back
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 5.0
    while server.sessions and loop.time() < deadline:
        await asyncio.sleep(0.05)
    assert not server.sessions
    records = [r for r in caplog.records if r.getMessage() == "client_disconnected"]
    assert [r.fields["code"] for r in records] == [1011]
    assert 'reason="1011"' in server.metrics.render().decode()


async def test_an_idle_client_gets_no_snapshots_and_is_pinged_less_often(start_server, clients):
    """Two standing clients that send nothing: no snapshot reaches either while the tick runs on,
    the server pings them at the idle interval (and they stay, answering), and the first move or
    message brings back the snapshots and the short interval."""
    server = await start_server(ping_interval_s=0.2, ping_idle_interval_s=2.0, ping_timeout_s=1.0)
    a = await clients.join(server, "Andi")
    b = await clients.join(server, "Besse")
    await a.expect(lambda m: isinstance(m, AvatarEnter) and m.id == b.avatar_id)
    await a.next_snapshot()
    await b.next_snapshot()
    ws = {s.conn.ws for s in server.sessions.values()}
    await eventually(lambda: all(w.ping_interval == 2.0 for w in ws))
    marks = (a.mark(), b.mark())
    tick = server.instance.sim.tick
    await eventually(lambda: server.instance.sim.tick > tick + 100)  # five seconds of ticks
    assert not [m for m in a.received[marks[0]:] if isinstance(m, Snapshot)]
    assert not [m for m in b.received[marks[1]:] if isinstance(m, Snapshot)]
    assert len(server.sessions) == 2 and a.close_code is None and b.close_code is None
    await b.send(Ping(client_time_ms=1))
    await b.expect(lambda m: isinstance(m, Pong), since=marks[1])
    b_ws = server.players.by_avatar[b.avatar_id].session.conn.ws
    assert b_ws.ping_interval == 0.2 or b_ws.loop.time() - b_ws.heard_at >= 2.0
    await b.send(Input(seq=1, move_x=1.0, move_y=0.0, yaw=0))
    await a.expect(lambda m: isinstance(m, Snapshot), since=marks[0])


async def test_logout_closes_with_1000(server, clients):
    """logout ends the session with close code 1000 (no reconnect needed)."""
    a = await clients.join(server, "Andi")
    await a.send(Logout(request_id=0))
    assert await a.wait_closed() == 1000


async def test_a_new_login_within_the_grace_resumes_the_avatar(servers, clients, tmp_path, monkeypatch):
    """After a dropped connection, logging in again (a new token) within the grace gets the same avatar back."""
    server = await servers.start(seed_database(tmp_path / "m.db", monkeypatch))
    first = await clients.citizen(server, "daeng_baso", "Daeng Baso")
    aid = first.welcome.avatar_id
    await first.close()
    again = await clients.member(server, "daeng_baso")
    assert again.auth.token != first.auth.token
    assert (again.welcome.avatar_id, again.welcome.resumed) == (aid, True)


async def test_the_21st_strike_closes_1008_and_field_answers_are_not_strikes(server, clients):
    """Twenty refused frames leave the connection open, request_invalid answers don't count, the 21st closes with 1008."""
    a = await clients.join(server, "Andi")
    bad_submit = _frame(MessageType.SUBMIT_REQUEST, request_id=9, client_request_id="c", opd="DUKCAPIL",
                        service="KTP_EL", fields={"nama": "a\tb"}, note="")
    for _ in range(20):
        await a.send_raw(b"\xc1")
        await a.send_raw(bad_submit)
    await a.send(Ping(client_time_ms=1))
    await a.expect(lambda m: isinstance(m, Pong))
    assert sum(isinstance(m, RequestInvalid) for m in a.received) == 20
    await a.send_raw(b"\xc1")
    assert await a.wait_closed() == 1008
