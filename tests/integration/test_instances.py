"""Two world instances in one process, over real sockets: the building and the auditorium see and
hear only their own avatars, and walking through the auditorium doors moves you between them with
your session, ticket and chat intact.

Avatars are put just south of the auditorium doors by moving them in the server's own simulation
(the protocol has no teleport: a test shortcut); the last metres through the doors are walked with
inputs, as a client would.
"""

from __future__ import annotations

import asyncio
import json
import urllib.request

import pytest
from harness import People, ask, seed_database, snapshot_positions, ticks_pass

from makaverse.protocol import (
    AvatarEnter,
    AvatarLeave,
    CallNext,
    Chat,
    ChatSend,
    CounterMan,
    Direct,
    DirectSend,
    Input,
    InstanceChanged,
    LeaveQueue,
    TakeNumber,
    Ticket,
    Welcome,
)

DOOR_Y = 44.0  # the auditorium doors; the auditorium lies north of them
rids = iter(range(5000, 10**6))


@pytest.fixture
def db_url(tmp_path, monkeypatch) -> str:
    return seed_database(tmp_path / "makaverse.db", monkeypatch)


@pytest.fixture
async def people():
    made = People(display_name=str.title)
    yield made
    await made.dispose()


async def place(server, client, x: float, y: float) -> None:
    """Put the client's avatar at (x, y) in its instance's simulation (test setup)."""
    instance = server.instances[server.players.instance_of[client.avatar_id]]
    sim = instance.sim
    sim.avatars.pos[sim.avatars.slot_of[client.avatar_id]] = (x, y)
    await ticks_pass(sim, 3)


async def walk_until(client, move_y: float, done, *, limit_s: float = 60.0) -> None:
    """Send one input per period, walking along y, until `done()` is true."""
    seq = getattr(client, "seq", 0)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit_s
    while not done():
        assert loop.time() < deadline, "never got there"
        seq += 1
        await client.send(Input(seq=seq, move_x=0.0, move_y=move_y, yaw=0))
        await asyncio.sleep(1 / 20)
    client.seq = seq
    for _ in range(3):  # stand still so the next step starts from rest
        seq += 1
        await client.send(Input(seq=seq, move_x=0.0, move_y=0.0, yaw=0))
    client.seq = seq


def moved_to(client, instance: str, since: int):
    return lambda: any(isinstance(m, InstanceChanged) and m.instance == instance for m in client.received[since:])


async def into_auditorium(server, client, *, then_x: float | None = None) -> None:
    """Stand just south of the doors, then walk north through them; with `then_x`, step out of the
    doorway afterwards (avatars push each other apart, so one left standing in the doors can be
    pushed back out by the next one through)."""
    await place(server, client, 0.0, DOOR_Y - 1.5)
    since = client.mark()
    await walk_until(client, 1.0, moved_to(client, "auditorium", since))
    if then_x is not None:
        await place(server, client, then_x, DOOR_Y + 4.0)


async def sees(client, avatar_id: int) -> bool:
    """Whether the client's view as of now (a snapshot of a tick after this call) contains `avatar_id`."""
    snap = await client.fresh_snapshot()
    return avatar_id in snapshot_positions(snap)


async def test_avatars_see_only_their_own_instance(servers, people):
    """Close by, across the doors: an avatar in the auditorium and one in the service hall never see each other."""
    server = await servers.start()
    assert set(server.instances) == {"building", "auditorium"}
    hall = await people.guest(server, "Andi")
    aud = await people.guest(server, "Budi")
    await place(server, hall, 3.0, DOOR_Y - 3.0)
    since = hall.mark()
    await place(server, aud, 0.0, DOOR_Y - 2.0)
    assert await sees(hall, aud.avatar_id)  # same instance, 3 m apart
    await into_auditorium(server, aud)
    await hall.expect(lambda m: isinstance(m, AvatarLeave) and m.id == aud.avatar_id, since=since)
    assert server.players.instance_of[aud.avatar_id] == "auditorium"
    assert not await sees(hall, aud.avatar_id)
    assert not await sees(aud, hall.avatar_id)
    assert await sees(aud, aud.avatar_id)


async def test_others_see_you_leave_one_instance_and_enter_the_other(servers, people):
    """Walking in, you leave the view of those in the hall and enter the view of those in the auditorium; walking out, the reverse."""
    server = await servers.start()
    inside = await people.guest(server, "Cici")
    await into_auditorium(server, inside, then_x=3.0)
    walker = await people.guest(server, "Dewi")
    outside = await people.guest(server, "Eka")
    await place(server, outside, -2.0, DOOR_Y - 4.0)
    since_in, since_out = inside.mark(), outside.mark()
    await into_auditorium(server, walker)
    await inside.expect(lambda m: isinstance(m, AvatarEnter) and m.id == walker.avatar_id, since=since_in)
    await outside.expect(lambda m: isinstance(m, AvatarLeave) and m.id == walker.avatar_id, since=since_out)
    since_in, since_out, since_w = inside.mark(), outside.mark(), walker.mark()
    await walk_until(walker, -1.0, moved_to(walker, "building", since_w))
    await inside.expect(lambda m: isinstance(m, AvatarLeave) and m.id == walker.avatar_id, since=since_in)
    await outside.expect(lambda m: isinstance(m, AvatarEnter) and m.id == walker.avatar_id, since=since_out)


async def test_chat_stays_in_its_instance(servers, people):
    """Zone and nearby chat in the auditorium reach the auditorium only, and the hall's stay in the hall."""
    server = await servers.start()
    speaker = await people.guest(server, "Fajar")
    listener = await people.guest(server, "Gita")
    hall = await people.guest(server, "Hasan")
    await into_auditorium(server, speaker, then_x=3.0)
    await into_auditorium(server, listener, then_x=1.5)
    await place(server, hall, 0.0, DOOR_Y - 2.0)
    for channel in ("zone", "nearby"):
        rid = next(rids)
        since = hall.mark()
        await speaker.send(ChatSend(request_id=rid, text=f"di auditorium {channel}", channel=channel))
        await listener.expect(lambda m, text=f"di auditorium {channel}": isinstance(m, Chat) and m.text == text)
        rid = next(rids)
        await hall.send(ChatSend(request_id=rid, text=f"di aula {channel}", channel=channel))
        await hall.expect(lambda m, text=f"di aula {channel}": isinstance(m, Chat) and m.text == text, since=since)
        await asyncio.sleep(0.2)
        assert not any(isinstance(m, Chat) and m.text.startswith("di aula") for m in listener.received)
        assert not any(isinstance(m, Chat) and m.text.startswith("di auditorium") for m in hall.received[since:])


async def test_walking_through_the_doors_keeps_session_ticket_and_direct_messages(servers, people, db_url):
    """A citizen with a ticket walks into the auditorium on the same connection and avatar, is called there, and gets direct messages there."""
    server = await servers.start(db_url)
    citizen = await people.citizen(server, "wati")
    clerk = await people.staff(server, "loket", "DUKCAPIL")
    friend = await people.citizen(server, "yusuf")
    booth = server.world.booth("DUKCAPIL")
    await place(server, citizen, *booth.zone.centre)
    taken = await ask(citizen, TakeNumber(request_id=next(rids), opd="DUKCAPIL"))
    assert isinstance(taken, Ticket) and taken.status == "waiting", taken

    await into_auditorium(server, citizen)
    moved = next(m for m in citizen.received if isinstance(m, InstanceChanged))
    assert (moved.instance, moved.kind) == ("auditorium", "auditorium")
    assert citizen.close_code is None and citizen.welcome.avatar_id == citizen.avatar_id
    assert server.players.by_avatar[citizen.avatar_id].instance == "auditorium"

    # The ticket is still theirs: the clerk calls it and the citizen, in the auditorium, is told.
    await place(server, clerk, *booth.staff_spot)
    assert (await ask(clerk, CounterMan(request_id=next(rids), on=True))).manning
    since = citizen.mark()
    await ask(clerk, CallNext(request_id=next(rids)))
    called = await citizen.expect(lambda m: isinstance(m, Ticket) and m.status == "called", since=since)
    assert called.code == taken.code

    # Direct messages find them wherever they are.
    since = citizen.mark()
    await ask(friend, DirectSend(request_id=next(rids), to_username="wati", text="di mana?"))
    await citizen.expect(lambda m: isinstance(m, Direct) and m.text == "di mana?", since=since)

    left = await ask(citizen, LeaveQueue(request_id=next(rids), opd="DUKCAPIL"))
    assert isinstance(left, Ticket) and left.status == "left", left


async def test_one_walker_alone_goes_in_and_comes_back_out(servers, people):
    """With nobody else anywhere, walking in and back out moves you each time (an empty instance is still a place)."""
    server = await servers.start()
    guest = await people.guest(server, "Sendiri")
    await into_auditorium(server, guest)
    since = guest.mark()
    await walk_until(guest, -1.0, moved_to(guest, "building", since))
    assert server.players.instance_of[guest.avatar_id] == "building"


async def test_a_dropped_connection_resumes_in_the_auditorium(servers, people):
    """Reconnecting within the grace puts you back in the instance you were in, and welcome says which."""
    server = await servers.start()
    guest = await people.guest(server, "Iwan")
    await into_auditorium(server, guest)
    token, avatar_id = guest.welcome.token, guest.avatar_id
    guest.abort()
    await asyncio.sleep(0.2)
    again = await people.connect(server)
    welcome = await again.hello(token=token)
    assert isinstance(welcome, Welcome) and welcome.resumed and welcome.avatar_id == avatar_id
    assert welcome.instance == "auditorium"


def _health(server) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/healthz", timeout=5) as r:
        return json.loads(r.read())


async def test_healthz_lists_instances_with_their_population(servers, people):
    """/healthz names each hosted instance with how many avatars are in it."""
    server = await servers.start()
    await people.guest(server, "Joko")
    walker = await people.guest(server, "Kiki")
    await into_auditorium(server, walker)
    health = await asyncio.to_thread(_health, server)
    assert {i["id"]: i["population"] for i in health["instances"]} == {"building": 1, "auditorium": 1}
    assert {i["id"]: i["kind"] for i in health["instances"]} == {"building": "building", "auditorium": "auditorium"}


async def test_one_instance_holds_the_whole_world(servers, people):
    """Hosting only the building, the auditorium is part of it: walking in moves nobody anywhere."""
    server = await servers.start(instances="building")
    guest = await people.guest(server, "Lina")
    await place(server, guest, 0.0, DOOR_Y - 1.5)
    since = guest.mark()
    await walk_until(guest, 1.0, lambda: server.instance.sim.zone_id(guest.avatar_id) == "auditorium")
    await asyncio.sleep(0.2)
    assert not any(isinstance(m, InstanceChanged) for m in guest.received[since:])
    assert [i["id"] for i in (await asyncio.to_thread(_health, server))["instances"]] == ["building"]
