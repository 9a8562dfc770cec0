"""Two real server processes on one PostgreSQL and one Redis: a direct message crosses processes,
an announcement reaches both, a poll answered from overflow copies in both processes has exact
totals, a client sent to the other process keeps its login, and after one process is killed
with SIGKILL the other goes on serving and the instance directory forgets the dead one.

Process `p1` hosts the building and the auditorium (the events authority); `p2` hosts a
building only, so the auditorium, and overflow copies when p1 is full, are reached by redirect
or opened on p2. Each test has its own PostgreSQL schema and Redis key prefix. Skipped when
PostgreSQL or Redis does not answer (a failure with MAKAVERSE_REQUIRE_SERVICES=1).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import sys
import urllib.request
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
from harness import PASSWORD, Client, ServerProcess, ask, eventually, subprocess_env

from makaverse.protocol import (
    PROTOCOL_VERSION,
    Announce,
    Announcement,
    ChatLists,
    Direct,
    DirectSend,
    DirectSent,
    EventControl,
    EventDone,
    EventInfo,
    EventJoin,
    EventJoined,
    EventRegister,
    EventSchedule,
    Hello,
    Placed,
    Poll,
    PollClose,
    PollOpen,
    PollVote,
    Redirect,
    Welcome,
    quant,
)
from makaverse.server.admin.seed import ADMIN_PASSWORD_ENV
from makaverse.world import load_default_world

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is a POSIX signal")

PG_URL = os.environ.get("MAKAVERSE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("MAKAVERSE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
REQUIRE = os.environ.get("MAKAVERSE_REQUIRE_SERVICES") == "1"
BURST = 300  # votes sent at once from a copy on p2: more than a Redis client's pool has connections
rids = iter(range(1, 1_000_000))


def rid() -> int:
    return next(rids)


def _unavailable(reason: str) -> None:
    if REQUIRE:
        pytest.fail(f"{reason} (MAKAVERSE_REQUIRE_SERVICES=1)")
    pytest.skip(reason)


@pytest.fixture
def pg_schema_url() -> Iterator[str]:
    """A fresh PostgreSQL schema for this test (dropped afterwards), as a database URL."""
    from sqlalchemy import create_engine

    admin = create_engine(PG_URL, connect_args={"connect_timeout": 3}, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect():
            pass
    except Exception as exc:
        admin.dispose()
        _unavailable(f"PostgreSQL at {PG_URL} does not answer ({type(exc).__name__}); set MAKAVERSE_TEST_PG_URL")
    schema = f"mkv_cluster_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = admin.url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql("SET lock_timeout = '10s'")
            connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


@pytest.fixture
async def redis_prefix() -> AsyncIterator[str]:
    """A key prefix of this test's own on the test Redis (its keys are deleted afterwards)."""
    import redis.asyncio as redis_asyncio

    client = redis_asyncio.from_url(REDIS_URL, socket_connect_timeout=3, socket_timeout=3)
    try:
        await client.ping()
    except Exception as exc:
        await client.aclose()
        _unavailable(f"Redis at {REDIS_URL} does not answer ({type(exc).__name__}); set MAKAVERSE_TEST_REDIS_URL")
    prefix = f"mkvtest-{uuid.uuid4().hex[:12]}:"
    try:
        yield prefix
    finally:
        keys = [k async for k in client.scan_iter(match=f"{prefix}*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()


class Cluster:
    def __init__(self, db_url: str, prefix: str, workdir) -> None:
        self.db_url, self.prefix, self.workdir = db_url, prefix, workdir
        self.procs: dict[str, ServerProcess] = {}
        self.clients: list[Client] = []

    async def start(self, name: str, instances: str) -> ServerProcess:
        env = subprocess_env(
            MAKAVERSE_REDIS_URL=REDIS_URL,
            MAKAVERSE_REDIS_PREFIX=self.prefix,
            MAKAVERSE_PUBLIC_URL="ws://127.0.0.1:{port}/",
            MAKAVERSE_PROCESS_ID=name,
            MAKAVERSE_INSTANCES=instances,
            MAKAVERSE_AUDITORIUM_CAPACITY="1",
            # Room for a burst of hundreds of commands from one client (see the burst test).
            MAKAVERSE_MSG_BURST=str(BURST + 50),
            MAKAVERSE_MSG_RATE_PER_S=str(BURST),
            **{ADMIN_PASSWORD_ENV: PASSWORD},
        )
        proc = await ServerProcess.start(self.db_url, self.workdir, env=env)
        self.procs[name] = proc
        return proc

    def health(self, name: str) -> dict:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.procs[name].port}/healthz", timeout=5) as reply:
            return json.loads(reply.read())

    async def connect(self, target) -> Client:
        client = await Client.connect(target)
        self.clients.append(client)
        return client

    async def member(self, name: str, username: str, *, register: bool = True) -> tuple[Client, str]:
        client = await self.connect(self.procs[name])
        auth = await (client.register(username, PASSWORD) if register else client.login(username, PASSWORD))
        assert getattr(auth, "token", ""), auth
        since = client.mark()
        welcome = await client.hello(token=auth.token)
        assert isinstance(welcome, Welcome), welcome
        # Arrived: its chat lists come once what waited for the account was read.
        await client.expect(lambda m: isinstance(m, ChatLists), since=since, timeout=15)
        return client, auth.token

    async def follow(self, client: Client, since: int) -> Client:
        """The client got a `redirect`: connect where it says and say hello with its token."""
        redirect = await client.expect(lambda m: isinstance(m, Redirect), since=since, timeout=15)
        assert await client.wait_closed(10) == 4009
        port = int(redirect.url.rsplit(":", 1)[1].strip("/"))
        moved = await self.connect(port)
        welcome = await moved.hello(token=redirect.token)
        assert isinstance(welcome, Welcome), welcome
        # Where it was going, or (a hall that filled up meanwhile) the next copy there.
        assert welcome.resumed and (welcome.instance == redirect.instance or welcome.instance.startswith("auditorium"))
        return moved

    def seen_everywhere(self, instances: set[str]) -> bool:
        """Every process's directory lists each of these instances with somebody in it."""
        for name in self.procs:
            listed = {i["id"] for p in self.health(name)["directory"] for i in p["instances"] if i["count"] > 0}
            if not instances <= listed:
                return False
        return True

    async def stop(self) -> None:
        for client in self.clients:
            await client.dispose()
        for proc in self.procs.values():
            if proc.proc.returncode is None:
                try:
                    await proc.terminate()
                except Exception:
                    await proc.ensure_stopped()


@pytest.fixture
async def cluster(pg_schema_url, redis_prefix, tmp_path) -> AsyncIterator[Cluster]:
    c = Cluster(pg_schema_url, redis_prefix, tmp_path)
    # One at a time: the first migrates and seeds the schema.
    await c.start("p1", "building,auditorium")
    await c.start("p2", "building")
    await eventually(lambda: {p["process"] for p in c.health("p2")["directory"]} == {"p1", "p2"}, timeout_s=30)
    try:
        yield c
    finally:
        await c.stop()


async def test_a_direct_message_and_an_announcement_cross_processes(cluster):
    """A direct message to someone on the other process arrives live; an announcement reaches both processes."""
    ani, _ = await cluster.member("p1", "ani_p1")
    budi, _ = await cluster.member("p2", "budi_p2")
    sent = None
    for n in range(100):  # until p2's account set in Redis has budi (written at once, renewed each second)
        sent = await ask(ani, DirectSend(request_id=rid(), text=f"Halo dari p1 ({n})", to_username="budi_p2"))
        if isinstance(sent, DirectSent) and sent.online:
            break
        await asyncio.sleep(0.1)
    assert isinstance(sent, DirectSent) and sent.online, sent
    got = await budi.expect(lambda m: isinstance(m, Direct) and m.text == sent.text, timeout=15)
    assert got.from_username == "ani_p1" and not got.stored

    admin = await cluster.connect(cluster.procs["p2"])
    auth = await admin.login("admin", PASSWORD)
    await admin.hello(token=auth.token)
    since_ani, since_budi = ani.mark(), budi.mark()
    await admin.send(Announce(request_id=rid(), text="Balai Kota tutup pukul 16.00"))
    for person, since in ((ani, since_ani), (budi, since_budi)):
        shown = await person.expect(lambda m: isinstance(m, Announcement), since=since, timeout=15)
        assert shown.text == "Balai Kota tutup pukul 16.00"


async def _host_event(cluster: Cluster, title: str) -> tuple[Client, int]:
    """The admin on p1 opens an event and takes the hall (room for one: everyone else sits in a copy)."""
    host = await cluster.connect(cluster.procs["p1"])
    auth = await host.login("admin", PASSWORD)
    await host.hello(token=auth.token)
    info = await ask(host, EventSchedule(request_id=rid(), title=title, start_ms=1, end_ms=2**40))
    event_id = info.event["id"]
    await ask(host, EventControl(request_id=rid(), event_id=event_id, action="open"))
    joined = await ask(host, EventJoin(request_id=rid(), event_id=event_id))
    assert isinstance(joined, EventJoined) and joined.instance == "auditorium"
    # Each join is chosen from the directory: let everyone see who sits where before the next.
    await eventually(lambda: cluster.seen_everywhere({"auditorium"}), timeout_s=30)
    return host, event_id


async def _attend(cluster: Cluster, where: str, username: str, event_id: int) -> tuple[Client, str]:
    """A new member on `where` registers for the event and joins it (following a redirect if
    sent one); the client in the end and the copy of the hall it sits in."""
    person, _ = await cluster.member(where, username)
    await ask(person, EventRegister(request_id=rid(), event_id=event_id))
    since = person.mark()
    join = EventJoin(request_id=rid(), event_id=event_id)
    await person.send(join)
    first = await person.expect(lambda m: isinstance(m, (Redirect, EventJoined))
                                or getattr(m, "ref", None) == join.request_id, since=since, timeout=15)
    if isinstance(first, Redirect):
        person = await cluster.follow(person, since)
        first = await person.expect(lambda m: isinstance(m, EventJoined) and m.request_id == join.request_id,
                                    timeout=15)
    assert isinstance(first, EventJoined), first
    return person, first.instance


async def test_a_poll_answered_from_copies_in_both_processes_has_exact_totals(cluster):
    """With room for one per hall copy, attendees sit in copies on both processes; every vote is counted once."""
    host, event_id = await _host_event(cluster, "Musrenbang Tallo")

    attendees: list[Client] = []
    copies: dict[str, str] = {}  # username -> copy
    for name, where in (("citra", "p1"), ("dewi", "p2"), ("eko", "p2"), ("fajar", "p1")):
        person, copies[name] = await _attend(cluster, where, f"{name}_{where}", event_id)
        attendees.append(person)
        await eventually(lambda: cluster.seen_everywhere(set(copies.values())), timeout_s=30)
    # The hall holds the host; everyone else sits in a copy of their own, on both processes.
    assert len(set(copies.values())) == 4 and "auditorium" not in copies.values(), copies
    await eventually(lambda: {
        p["process"] for p in cluster.health("p1")["directory"] for i in p["instances"] if i["id"] in copies.values()
    } == {"p1", "p2"}, timeout_s=30)

    opened = await ask(host, PollOpen(request_id=rid(), event_id=event_id, question="Prioritas?",
                                      options=("Drainase", "Jalan", "Taman"), live=True))
    poll_id = opened.id
    for person in attendees:
        await person.expect(lambda m: isinstance(m, Poll) and m.poll_id == poll_id, timeout=15)
    for i, person in enumerate(attendees):
        done = await ask(person, PollVote(request_id=rid(), event_id=event_id, poll_id=poll_id, option=i % 2))
        assert getattr(done, "id", None) == poll_id, done
    since = [p.mark() for p in attendees]
    await ask(host, PollClose(request_id=rid(), event_id=event_id, poll_id=poll_id))
    for person, mark in zip(attendees, since, strict=True):
        final = await person.expect(lambda m: isinstance(m, Poll) and m.poll_id == poll_id and not m.open,
                                    since=mark, timeout=15)
        assert list(final.counts) == [2, 2, 0] and final.total == 4


async def test_a_host_on_the_other_process_goes_to_the_stage_of_the_full_hall(cluster):
    """The host of an event, on p2, goes to it when someone already fills the hall (room for one)
    on p1: redirected to the hall itself, not a copy, and stood at the lectern facing the audience."""
    host = await cluster.connect(cluster.procs["p2"])
    auth = await host.login("admin", PASSWORD)
    await host.hello(token=auth.token)
    info = await ask(host, EventSchedule(request_id=rid(), title="Rembuk Warga Tallo", start_ms=1, end_ms=2**40))
    assert isinstance(info, EventInfo), info
    event_id = info.event["id"]
    await ask(host, EventControl(request_id=rid(), event_id=event_id, action="open"))
    _, first = await _attend(cluster, "p1", "hana_p1", event_id)
    assert first == "auditorium"
    await eventually(lambda: cluster.seen_everywhere({"auditorium"}), timeout_s=30)
    since = host.mark()
    join = EventJoin(request_id=rid(), event_id=event_id)
    await host.send(join)
    host = await cluster.follow(host, since)
    assert host.welcome.instance == "auditorium"
    placed = await host.expect(lambda m: isinstance(m, Placed), timeout=15)
    joined = await host.expect(lambda m: isinstance(m, EventJoined) and m.request_id == join.request_id, timeout=15)
    assert (joined.instance, joined.seat, joined.part) == ("auditorium", -1, "host")
    stage = load_default_world().stage
    assert (placed.x_cm / 100, placed.y_cm / 100) == stage.speaker_spot
    assert placed.yaw == quant.yaw_to_u16(math.radians(stage.facing_deg))


async def test_a_burst_of_votes_from_a_copy_on_the_other_process_is_counted_in_full(cluster):
    """Hundreds of votes forwarded at once from a copy on p2 (as when a poll opens before a full
    hall) each reach the authority on p1, are counted, and are answered: none is lost on the bus."""
    host, event_id = await _host_event(cluster, "Rembuk Warga Mariso")
    voter, copy = await _attend(cluster, "p2", "gita_p2", event_id)
    assert copy != "auditorium"
    await eventually(lambda: any(i["id"] == copy for i in cluster.health("p2")["instances"]), timeout_s=30)
    polls = []
    for n in range(BURST):  # one vote each: an attendee answers every poll once
        opened = await ask(host, PollOpen(request_id=rid(), event_id=event_id, question=f"Usulan {n + 1}?",
                                          options=("Setuju", "Tidak"), live=False))
        polls.append(opened.id)
    votes = [PollVote(request_id=rid(), event_id=event_id, poll_id=p, option=p % 2) for p in polls]
    since = voter.mark()
    await asyncio.gather(*(voter.send(v) for v in votes))
    asked = {v.request_id for v in votes}

    def answered() -> set[int]:
        return {m.request_id for m in voter.received[since:] if isinstance(m, EventDone)} & asked

    with contextlib.suppress(AssertionError):  # (what never came is named below)
        await eventually(lambda: answered() == asked or voter.closed.is_set(), timeout_s=60)
    refused = [m for m in voter.received[since:] if getattr(m, "ref", None) in asked]
    assert answered() == asked, f"{len(asked - answered())} of {BURST} votes unanswered; refused: {refused[:3]}"

    since = host.mark()
    for p in polls:
        await ask(host, PollClose(request_id=rid(), event_id=event_id, poll_id=p))
    finals = {m.poll_id: m for m in host.received[since:] if isinstance(m, Poll) and not m.open}
    assert sorted(finals) == sorted(polls)
    assert all(f.total == 1 and list(f.counts) == [1 - p % 2, p % 2] for p, f in finals.items())


async def test_a_redirected_client_keeps_its_login(cluster):
    """Logging in on p2 while the account's avatar is on p1 redirects there, still logged in, to the same avatar."""
    gita, token = await cluster.member("p1", "gita")
    first_avatar = gita.welcome.avatar_id
    await gita.close()  # dropped: the avatar waits on p1 for the reconnect grace
    other = await cluster.connect(cluster.procs["p2"])
    auth = await other.login("gita", PASSWORD)
    since = other.mark()
    await other.send(Hello(version=PROTOCOL_VERSION, name="", kind="bot", token=auth.token))
    redirect = await other.expect(lambda m: isinstance(m, Redirect), since=since, timeout=15)
    assert redirect.token == auth.token
    assert await other.wait_closed(10) == 4009
    back = await cluster.connect(int(redirect.url.rsplit(":", 1)[1].strip("/")))
    welcome = await back.hello(token=redirect.token)
    assert isinstance(welcome, Welcome) and welcome.resumed and welcome.avatar_id == first_avatar
    assert welcome.role == "citizen" and welcome.name == "gita"


async def test_killing_one_process_leaves_the_other_serving_and_the_directory_forgets_it(cluster):
    """After SIGKILL of p2, p1 still serves and the directory (healthz and the admin command) no longer lists p2."""
    cluster.procs["p2"].kill9()
    await cluster.procs["p2"].proc.wait()
    await eventually(lambda: [p["process"] for p in cluster.health("p1")["directory"]] == ["p1"], timeout_s=60)
    person = await cluster.connect(cluster.procs["p1"])
    assert isinstance(await person.hello(name="Pengunjung"), Welcome)
    await person.next_snapshot(timeout=15)
    env = subprocess_env(MAKAVERSE_REDIS_URL=REDIS_URL, MAKAVERSE_REDIS_PREFIX=cluster.prefix)

    async def admin_instances() -> list[dict]:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "makaverse", "admin", "instances", "--json", env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(proc.communicate(), 60)
        assert proc.returncode == 0, err
        return json.loads(out)

    # Polled, not timed: a heavily loaded machine may delay the last heartbeats.
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 90
    entries = await admin_instances()
    while [e["id"] for e in entries] != ["p1"]:
        assert loop.time() < deadline, entries
        await asyncio.sleep(0.5)
        entries = await admin_instances()
    assert {i["id"] for i in entries[0]["instances"]} == {"building", "auditorium"}
    await eventually(lambda: [p["process"] for p in cluster.health("p1")["directory"]] == ["p1"], timeout_s=60)


DOOR_Y = 44.0  # the auditorium doors; the auditorium lies north of them


async def _walk_until(client: Client, move_y: float, done, *, limit_s: float = 60.0) -> None:
    """One input per period along y until `done()` holds (or the connection ends)."""
    from makaverse.protocol import Input

    seq = getattr(client, "seq", 0)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit_s
    while not done() and not client.closed.is_set():
        assert loop.time() < deadline, "never got there"
        seq += 1
        await client.send(Input(seq=seq, move_x=0.0, move_y=move_y, yaw=0))
        await asyncio.sleep(1 / 20)
    client.seq = seq  # type: ignore[attr-defined]


async def test_walking_through_the_doors_to_another_process_redirects_a_guest_there_and_back(
    servers, tmp_path, monkeypatch, redis_prefix
):
    """p1 hosts the building, p2 the auditorium: a guest walking through the doors is redirected to
    p2 and enters the auditorium behind the doors with its name; walking out sends it back to p1;
    a newcomer at p2 is sent to p1, where the world's entrance is."""
    from harness import seed_database, ticks_pass

    db_url = seed_database(tmp_path / "makaverse.db", monkeypatch)
    common = dict(redis_url=REDIS_URL, redis_prefix=redis_prefix, public_url="ws://127.0.0.1:{port}/")
    p1 = await servers.start(db_url, instances="building", process_id="p1", **common)
    p2 = await servers.start(db_url, instances="auditorium", process_id="p2", **common)
    await eventually(lambda: p1.cluster.host_of("auditorium") is not None and p2.cluster.host_of("building"))
    clients: list[Client] = []
    try:
        guest = await Client.connect(p1)
        clients.append(guest)
        welcome = await guest.hello(name="Daeng Sikki")
        assert isinstance(welcome, Welcome) and welcome.instance == "building"
        sim = p1.instance.sim
        sim.avatars.pos[sim.avatars.slot_of[guest.avatar_id]] = (0.0, DOOR_Y - 1.5)
        await ticks_pass(sim, 3)
        since = guest.mark()
        await _walk_until(guest, 1.0, lambda: any(isinstance(m, Redirect) for m in guest.received[since:]))
        redirect = await guest.expect(lambda m: isinstance(m, Redirect), since=since)
        assert redirect.instance == "auditorium" and redirect.url == f"ws://127.0.0.1:{p2.port}/"
        assert await guest.wait_closed(10) == 4009
        assert guest.avatar_id not in p1.players.instance_of  # gone from p1

        inside = await Client.connect(p2)
        clients.append(inside)
        welcome = await inside.hello(token=redirect.token)
        assert isinstance(welcome, Welcome) and welcome.resumed and welcome.instance == "auditorium"
        assert welcome.name == "Daeng Sikki" and welcome.role == "guest"
        assert welcome.y_cm >= DOOR_Y * 100  # at the doors, where it walked to
        # Walking back out through the doors: to p1 again, with the same guest token.
        since = inside.mark()
        await _walk_until(inside, -1.0, lambda: any(isinstance(m, Redirect) for m in inside.received[since:]))
        back = await inside.expect(lambda m: isinstance(m, Redirect), since=since)
        assert back.instance == "building" and back.url == f"ws://127.0.0.1:{p1.port}/"
        outside = await Client.connect(p1)
        clients.append(outside)
        welcome = await outside.hello(token=back.token)
        assert isinstance(welcome, Welcome) and welcome.instance == "building" and welcome.name == "Daeng Sikki"
        assert welcome.y_cm <= DOOR_Y * 100
        # A newcomer at p2, which has no entrance (the building), is sent to p1's.
        newcomer = await Client.connect(p2)
        clients.append(newcomer)
        since = newcomer.mark()
        await newcomer.send(Hello(version=PROTOCOL_VERSION, name="Baru Datang", kind="bot"))
        sent = await newcomer.expect(lambda m: isinstance(m, Redirect), since=since, timeout=15)
        assert sent.instance == "building" and sent.url == f"ws://127.0.0.1:{p1.port}/"
        arrived = await Client.connect(p1)
        clients.append(arrived)
        welcome = await arrived.hello(token=sent.token)
        assert isinstance(welcome, Welcome) and welcome.instance == "building" and welcome.name == "Baru Datang"
        assert not welcome.resumed
    finally:
        for client in clients:
            await client.dispose()


async def test_a_second_process_may_not_host_the_hall_again(servers, tmp_path, monkeypatch, redis_prefix):
    """Buildings may be hosted many times, the auditorium (the events authority) once: a second
    process naming it stops at start with one line saying who has it."""
    from harness import seed_database

    from makaverse.server.startup_errors import StartupError

    db_url = seed_database(tmp_path / "makaverse.db", monkeypatch)
    common = dict(redis_url=REDIS_URL, redis_prefix=redis_prefix, public_url="ws://127.0.0.1:{port}/")
    await servers.start(db_url, instances="building,auditorium", process_id="p1", **common)
    await servers.start(db_url, instances="building", process_id="p2", **common)  # a second building is fine
    with pytest.raises(StartupError, match="'auditorium' is already hosted by process 'p1'"):
        await servers.start(db_url, instances="auditorium", process_id="p3", **common)


async def _two_building_processes(servers, pg_schema_url: str, redis_prefix: str, monkeypatch):
    """p1 (the building and the hall) and p2 (a building) in this process, on one schema and one Redis."""
    from harness import TEST_MODE_ENV

    from makaverse.server.app import open_store

    monkeypatch.setenv(TEST_MODE_ENV, "1")
    monkeypatch.setenv(ADMIN_PASSWORD_ENV, PASSWORD)
    open_store(pg_schema_url).dispose()  # migrated and seeded once, as the first process would
    common = dict(redis_url=REDIS_URL, redis_prefix=redis_prefix, public_url="ws://127.0.0.1:{port}/")
    p1 = await servers.start(pg_schema_url, instances="building,auditorium", process_id="p1", **common)
    p2 = await servers.start(pg_schema_url, instances="building", process_id="p2", **common)
    return p1, p2


async def test_one_booth_desk_a_citizen_on_p2_and_a_clerk_on_p1_work_the_same_queue(
    servers, pg_schema_url, redis_prefix, monkeypatch
):
    """Both processes host the building, with its booths; p1 (started first) runs the desk: the
    ticket queues and counters. A clerk mans DUKCAPIL on p1; a citizen on p2 taking a number at
    the booth is sent to p1 with the command (a redirect; it arrives where it stood and the number
    is taken there), a citizen on p1 queues behind it, and the clerk calls the p2 citizen first.
    p2 holds no ticket of its own."""
    from harness import People, ticks_pass

    from makaverse.protocol import CallNext, CounterMan, StaffQueue, TakeNumber, Ticket

    p1, p2 = await _two_building_processes(servers, pg_schema_url, redis_prefix, monkeypatch)
    assert p1.places.booths.desk and not p2.places.booths.desk
    await eventually(lambda: (p2.cluster.desk_host() or {}).get("id") == "p1", timeout_s=30)

    async def place(server, client, x: float, y: float) -> None:
        sim = server.instance.sim
        sim.avatars.pos[sim.avatars.slot_of[client.welcome.avatar_id]] = (x, y)
        await ticks_pass(sim, 3)

    booth = next(b for b in p1.world.booths if b.opd == "DUKCAPIL")
    people = People(display_name=str.title)
    try:
        clerk = await people.staff(p1, "bu_ani", "DUKCAPIL")
        await place(p1, clerk, *booth.staff_spot)
        manned = await ask(clerk, CounterMan(request_id=rid(), on=True))
        assert isinstance(manned, StaffQueue) and manned.manning, manned

        andi = await people.citizen(p2, "andi_p2")
        await place(p2, andi, *booth.zone.centre)
        since = andi.mark()
        take = TakeNumber(request_id=rid(), opd="DUKCAPIL")
        await andi.send(take)
        redirect = await andi.expect(lambda m: isinstance(m, Redirect), since=since, timeout=15)
        assert redirect.instance == "building" and redirect.url == f"ws://127.0.0.1:{p1.port}/"
        assert await andi.wait_closed(10) == 4009
        andi = await people.connect(p1)
        welcome = await andi.hello(token=redirect.token)
        assert isinstance(welcome, Welcome) and welcome.resumed and welcome.name == "Andi_P2"
        ticket = await andi.expect(lambda m: isinstance(m, Ticket) and m.request_id == take.request_id, timeout=15)
        assert ticket.status == "waiting" and ticket.place == 1 and ticket.code.startswith("DUK-")

        citra = await people.citizen(p1, "citra_p1")
        await place(p1, citra, *booth.zone.centre)
        second = await ask(citra, TakeNumber(request_id=rid(), opd="DUKCAPIL"))
        assert isinstance(second, Ticket) and second.place == 2 and second.code != ticket.code, second

        since = andi.mark()
        called = await ask(clerk, CallNext(request_id=rid()))
        assert isinstance(called, StaffQueue) and called.current == ticket.code, called
        note = await andi.expect(lambda m: isinstance(m, Ticket) and m.status == "called", since=since, timeout=15)
        assert note.code == ticket.code and note.clerk == "Bu_Ani"
        queues = p2.places.booths.board.queues
        assert queues is not None and queues.waiting_count("DUKCAPIL") == 0 and not queues.called("DUKCAPIL")
    finally:
        await people.dispose()


async def test_a_new_request_reaches_its_opds_staff_on_both_processes_and_nobody_else(
    servers, pg_schema_url, redis_prefix, monkeypatch
):
    """A citizen on p1 submits a KTP-el request: DUKCAPIL clerks on p1 and on p2 get
    `staff_request_new` (over the bus); DINKES staff and a citizen on p2, and the citizen, do not."""
    from harness import KTP, People

    from makaverse.protocol import MyRequests, RequestSubmitted, StaffRequestNew, StaffRequests, SubmitRequest

    p1, p2 = await _two_building_processes(servers, pg_schema_url, redis_prefix, monkeypatch)
    people = People(display_name=str.title)
    try:
        here = await people.staff(p1, "duk_p1", "DUKCAPIL")
        there = await people.staff(p2, "duk_p2", "DUKCAPIL")
        dinkes = await people.staff(p2, "kes_p2", "DINKES")
        neighbour = await people.citizen(p2, "tetangga_p2")
        citizen = await people.citizen(p1, "pemohon_p1")
        submitted = await ask(citizen, SubmitRequest(
            request_id=rid(), client_request_id="lintas-proses", opd="DUKCAPIL", service="KTP_EL", fields=dict(KTP),
        ))
        assert isinstance(submitted, RequestSubmitted), submitted
        for clerk in (here, there):
            notice = await clerk.expect(lambda m: isinstance(m, StaffRequestNew), timeout=15)
            assert (notice.tracking, notice.opd, notice.service) == (submitted.tracking, "DUKCAPIL", "KTP_EL")
        # p2 handed the notice to all its people at once: a later round trip shows none came to these.
        assert (await ask(dinkes, StaffRequests(request_id=rid()))).requests == ()
        assert (await ask(neighbour, MyRequests(request_id=rid()))).requests == ()
        assert len((await ask(citizen, MyRequests(request_id=rid()))).requests) == 1  # p1, after `here` got it
        for bystander in (dinkes, neighbour, citizen):
            assert not any(isinstance(m, StaffRequestNew) for m in bystander.received)
    finally:
        await people.dispose()


async def test_a_desk_that_lost_its_claim_sends_queue_commands_on(servers, pg_schema_url, redis_prefix, monkeypatch):
    """p1's claim on the desk lapsed and p2 took it: p1's next heartbeat leaves it to p2, and p1's
    booths stop running the queues (its queue commands now go to p2)."""
    p1, p2 = await _two_building_processes(servers, pg_schema_url, redis_prefix, monkeypatch)
    assert p1.places.booths.desk
    await p1.cluster._redis.delete(p1.cluster._key("desk"))
    assert await p2.cluster.claim_desk()
    await p1.cluster.beat()
    assert not p1.places.booths.desk and not p1.cluster.desk


async def _place(server, client: Client, x: float, y: float) -> None:
    """Put the client's avatar at (x, y) in the server's building (a server in this process)."""
    from harness import ticks_pass

    sim = server.instance.sim
    sim.avatars.pos[sim.avatars.slot_of[client.welcome.avatar_id]] = (x, y)
    await ticks_pass(sim, 3)


async def test_a_citizen_on_the_other_process_sees_the_desks_booth_states(
    servers, pg_schema_url, redis_prefix, monkeypatch
):
    """p1 runs the desk; a citizen entering p2's building gets the booths' states as the desk has
    them, and sees DUKCAPIL open when a clerk mans its counter on p1 (and close when they leave)."""
    from harness import People

    from makaverse.protocol import BoothState, CounterMan, StaffQueue

    p1, p2 = await _two_building_processes(servers, pg_schema_url, redis_prefix, monkeypatch)
    assert p1.places.booths.desk and not p2.places.booths.desk
    # The desk sends every state over the bus now and then: p2 has them without anyone doing anything.
    await eventually(lambda: "DUKCAPIL" in p2.places.booths.board.mirrored, timeout_s=30)
    booth = next(b for b in p1.world.booths if b.opd == "DUKCAPIL")
    people = People(display_name=str.title)
    try:
        dewi = await people.citizen(p2, "dewi_p2")
        first = await dewi.expect(lambda m: isinstance(m, BoothState) and m.opd == "DUKCAPIL", timeout=15)
        assert not first.open and first.staff == 0 and first.waiting == 0

        clerk = await people.staff(p1, "pak_budi", "DUKCAPIL")
        await _place(p1, clerk, *booth.staff_spot)
        since = dewi.mark()
        manned = await ask(clerk, CounterMan(request_id=rid(), on=True))
        assert isinstance(manned, StaffQueue) and manned.manning, manned
        opened = await dewi.expect(lambda m: isinstance(m, BoothState) and m.opd == "DUKCAPIL", since=since, timeout=15)
        assert opened.open and opened.staff == 1

        since = dewi.mark()
        await ask(clerk, CounterMan(request_id=rid(), on=False))
        closed = await dewi.expect(lambda m: isinstance(m, BoothState) and m.opd == "DUKCAPIL", since=since, timeout=15)
        assert not closed.open and closed.staff == 0
        assert p2.places.booths.board.queues.waiting_count("DUKCAPIL") == 0  # still no queue of its own
    finally:
        await people.dispose()


async def test_booth_content_edited_on_one_process_is_shown_on_the_other(
    servers, pg_schema_url, redis_prefix, monkeypatch
):
    """A DUKCAPIL clerk on p2 (not the desk) edits the booth's description: a citizen standing at
    the booth on p1 gets the new panel, and anyone asking p1 for it afterwards reads the new text."""
    from harness import People

    from makaverse.protocol import BoothInfo, BoothInfoGet, EditOpd

    p1, p2 = await _two_building_processes(servers, pg_schema_url, redis_prefix, monkeypatch)
    assert p1.places.booths.desk and not p2.places.booths.desk
    booth = next(b for b in p1.world.booths if b.opd == "DUKCAPIL")
    people = People(display_name=str.title)
    text = "Perekaman KTP-el kini juga melayani Sabtu pagi."
    try:
        siti = await people.citizen(p1, "siti_p1")
        await _place(p1, siti, *booth.zone.centre)
        clerk = await people.staff(p2, "bu_rina", "DUKCAPIL")
        since = siti.mark()
        edited = await ask(clerk, EditOpd(request_id=rid(), description_id=text, description_en="KTP-el on Saturdays."))
        assert isinstance(edited, BoothInfo) and edited.description_id == text, edited
        pushed = await siti.expect(
            lambda m: isinstance(m, BoothInfo) and m.opd == "DUKCAPIL" and m.description_id == text,
            since=since, timeout=15,
        )
        assert pushed.description_en == "KTP-el on Saturdays."
        later = await ask(siti, BoothInfoGet(request_id=rid(), opd="DUKCAPIL"))
        assert isinstance(later, BoothInfo) and later.description_id == text
    finally:
        await people.dispose()


async def test_killing_the_desk_process_hands_the_desk_to_the_other_and_the_numbering_goes_on(
    servers, pg_schema_url, redis_prefix, tmp_path, monkeypatch
):
    """p1 (a child process) runs the desk, p2 (in this process) a building. A citizen on p2 takes
    a DUKCAPIL number (carried out on p1); p1 is killed with SIGKILL. Once p1's claim lapses p2
    takes the desk (healthz says so), reads the open ticket back from PostgreSQL, and a number
    taken on p2 follows the first one, behind it in line."""
    from harness import People

    from makaverse.protocol import TakeNumber, Ticket
    from makaverse.server.app import open_store

    monkeypatch.setenv(ADMIN_PASSWORD_ENV, PASSWORD)
    open_store(pg_schema_url).dispose()
    children = Cluster(pg_schema_url, redis_prefix, tmp_path)
    people = People(display_name=str.title)
    try:
        p1 = await children.start("p1", "building,auditorium")
        from harness import TEST_MODE_ENV

        monkeypatch.setenv(TEST_MODE_ENV, "1")
        p2 = await servers.start(pg_schema_url, instances="building", process_id="p2", redis_url=REDIS_URL,
                                 redis_prefix=redis_prefix, public_url="ws://127.0.0.1:{port}/")
        await eventually(lambda: (p2.cluster.desk_host() or {}).get("id") == "p1", timeout_s=30)
        assert not p2.places.booths.desk and p2._health()["booth_desk"] == "p1"
        booth = next(b for b in p2.world.booths if b.opd == "DUKCAPIL")

        andi = await people.citizen(p2, "andi_p2")
        await _place(p2, andi, *booth.zone.centre)
        since = andi.mark()
        take = TakeNumber(request_id=rid(), opd="DUKCAPIL")
        await andi.send(take)
        redirect = await andi.expect(lambda m: isinstance(m, Redirect), since=since, timeout=15)
        assert redirect.url == f"ws://127.0.0.1:{p1.port}/"
        andi = await people.connect(p1)
        assert isinstance(await andi.hello(token=redirect.token), Welcome)
        first = await andi.expect(lambda m: isinstance(m, Ticket) and m.request_id == take.request_id, timeout=15)
        assert first.status == "waiting" and first.code.startswith("DUK-")

        p1.kill9()
        await p1.proc.wait()
        await eventually(lambda: p2.places.booths.desk and p2.places.booths.board.ready, timeout_s=60)
        assert p2.cluster.desk and p2._health()["booth_desk"] == "p2"
        assert p2.places.booths.board.queues.waiting_count("DUKCAPIL") == 1  # andi's, from the store

        budi = await people.citizen(p2, "budi_p2")
        await _place(p2, budi, *booth.zone.centre)
        second = await ask(budi, TakeNumber(request_id=rid(), opd="DUKCAPIL"))
        assert isinstance(second, Ticket), second
        number = int(first.code.rsplit("-", 1)[1])
        assert second.code == f"DUK-{number + 1:03d}" and second.place == 2, second
    finally:
        await people.dispose()
        await children.stop()
