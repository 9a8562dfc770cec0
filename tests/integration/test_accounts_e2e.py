"""Accounts over real sockets: register and log in, enter with a token, resume after a drop,
take over from another connection, log out, every refusal with its code, roles from the store,
and a tick that never waits on the database."""

from __future__ import annotations

import asyncio
import sys
import threading
import time
from datetime import timedelta

import pytest
from harness import People, seed_database, snapshot_positions, subprocess_env
from sqlalchemy import update

from makaverse.protocol import (
    AuthOk,
    AvatarEnter,
    AvatarLeave,
    CloseCode,
    Error,
    ErrorCode,
    Input,
    Login,
    Logout,
    Register,
    Snapshot,
    Welcome,
)
from makaverse.server.services.accounts import DEFAULT_SESSION_TTL_S
from makaverse.server.store import Audit, make_engine, utc_now
from makaverse.server.store.models import AccountRow
from makaverse.server.wiring import GameServer

positions = snapshot_positions

PASSWORD = "pisang-epe-2024"
ADMIN_PASSWORD = "balai-kota-admin-1"


class ShiftedClock:
    """Wall-clock UTC plus an offset the test moves forward, to expire sessions without waiting."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self):
        return utc_now() + self.offset


def is_enter(avatar_id: int):
    return lambda m: isinstance(m, AvatarEnter) and m.id == avatar_id


def is_leave(avatar_id: int):
    return lambda m: isinstance(m, AvatarLeave) and m.id == avatar_id


def has_avatars(*avatar_ids: int):
    """A snapshot whose avatars are exactly these."""
    return lambda m: isinstance(m, Snapshot) and set(positions(m)) == set(avatar_ids)


async def until(predicate, timeout_s: float = 30.0) -> None:
    """Wait until `predicate()` holds (polling server state; no assertion on how long it took)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not predicate():
        assert loop.time() < deadline, "condition never held"
        await asyncio.sleep(0.02)


# ── fixtures ─────────────────────────────────────────────────────────────────


@pytest.fixture
def db_url(tmp_path, monkeypatch) -> str:
    """A migrated, seeded SQLite file with its admin; cheap password hashing in this process."""
    return seed_database(tmp_path / "makaverse.db", monkeypatch, admin_password=ADMIN_PASSWORD)


@pytest.fixture
async def start(servers, db_url):
    """Start servers over the test's database (optionally with a store clock); all are stopped after the test."""

    async def start(*, clock=None, **overrides) -> GameServer:
        return await servers.start(db_url, clock=clock, **overrides)

    return start


@pytest.fixture
async def peers():
    """Clients closed after the test: `connect`, `guest` (in the world), `citizen` (registered, in the world)."""
    made = People()
    yield made
    await made.dispose()


async def walk(client, steps: int, move_x: float, move_y: float) -> tuple[int, int]:
    """Walk for `steps` input periods, stop, and return where the server says the avatar stands."""
    seq = 0
    for _ in range(steps):
        seq += 1
        await client.send(Input(seq=seq, move_x=move_x, move_y=move_y, yaw=0))
        await asyncio.sleep(1 / 20)
    moved = seq
    await client.send(Input(seq=seq + 1, move_x=0.0, move_y=0.0, yaw=0))
    # Where the last step left it: the stop moves nothing (and, as it asks for no movement, brings
    # no snapshot of its own).
    snap = await client.expect(lambda m: isinstance(m, Snapshot) and m.ack_seq >= moved)
    return positions(snap)[client.welcome.avatar_id]


# ── register, log in, enter ──────────────────────────────────────────────────


async def test_register_then_hello_enters_logged_in(start, peers):
    """A registered citizen enters with the auth_ok token: welcome carries the account's name, role and token."""
    server = await start()
    client = await peers.connect(server)
    ok = await client.register("Andi_M", PASSWORD, display_name="Andi Makassar", lang="en")
    assert isinstance(ok, AuthOk)
    assert (ok.username, ok.display_name, ok.role, ok.opd, ok.lang) == ("andi_m", "Andi Makassar", "citizen", "", "en")
    welcome = await client.hello(token=ok.token)
    assert isinstance(welcome, Welcome)
    assert (welcome.name, welcome.role, welcome.token, welcome.resumed) == ("Andi Makassar", "citizen", ok.token, False)

    other = await peers.connect(server)
    again = await other.login("ANDI_M", PASSWORD)
    assert isinstance(again, AuthOk) and again.username == "andi_m" and again.token != ok.token


# ── reconnecting ─────────────────────────────────────────────────────────────


async def test_reconnect_within_grace_gives_back_the_same_avatar_in_the_same_place(start, peers):
    """Hello with the token within the grace after a drop gives back the same avatar where it stood, seen once."""
    server = await start(reconnect_grace_s=30.0)
    observer = await peers.guest(server)
    andi = await peers.citizen(server, "andi", "Andi")
    aid = andi.welcome.avatar_id
    await observer.expect(is_enter(aid))
    spawn = (andi.welcome.x_cm, andi.welcome.y_cm)
    stood = await walk(andi, 12, 0.7, -0.7)
    assert stood != spawn  # it really walked

    mark = observer.mark()
    andi.abort()
    await observer.expect(is_leave(aid), since=mark)
    assert server.instance.is_parked(aid)

    back = await peers.connect(server)
    welcome = await back.hello(token=andi.auth.token)
    assert isinstance(welcome, Welcome), welcome
    assert (welcome.avatar_id, welcome.resumed, welcome.name, welcome.role) == (aid, True, "Andi", "citizen")
    assert abs(welcome.x_cm - stood[0]) <= 1 and abs(welcome.y_cm - stood[1]) <= 1
    snap = await back.next_snapshot()
    x, y = positions(snap)[aid]
    assert abs(x - stood[0]) <= 1 and abs(y - stood[1]) <= 1

    # Others see it come back, and see it once: no second avatar for the account.
    await observer.expect(is_enter(aid), since=mark)
    assert has_avatars(observer.welcome.avatar_id, aid)(await observer.fresh_snapshot())
    assert len(server.instance.members) == 2


async def test_after_the_grace_the_token_enters_with_a_new_avatar(start, peers):
    """Once the grace has run out the parked avatar is gone, and the still-valid token enters with a new avatar."""
    server = await start(reconnect_grace_s=0.5)
    observer = await peers.guest(server)
    andi = await peers.citizen(server, "andi", "Andi")
    aid = andi.welcome.avatar_id
    await observer.expect(is_enter(aid))
    mark = observer.mark()
    andi.abort()
    await observer.expect(is_leave(aid), since=mark)
    await until(lambda: aid not in server.instance.members and server.presence.by_avatar(aid) is None)

    back = await peers.connect(server)
    welcome = await back.hello(token=andi.auth.token)
    assert isinstance(welcome, Welcome), welcome
    assert welcome.resumed is False and welcome.avatar_id != aid
    assert (welcome.name, welcome.role) == ("Andi", "citizen")
    assert has_avatars(observer.welcome.avatar_id, welcome.avatar_id)(await observer.fresh_snapshot())
    assert len(server.instance.members) == 2


async def test_a_guest_resumes_with_the_token_from_welcome(start, peers):
    """A guest gets a resume token in welcome, and hello with it after a drop gives back the same guest avatar."""
    server = await start(reconnect_grace_s=30.0)
    guest = await peers.guest(server, "Tamu Sementara")
    token = guest.welcome.token
    assert token and guest.welcome.role == "guest"
    aid = guest.welcome.avatar_id
    guest.abort()
    await until(lambda: server.instance.is_parked(aid))
    back = await peers.connect(server)
    welcome = await back.hello(token=token)
    assert isinstance(welcome, Welcome), welcome
    assert (welcome.avatar_id, welcome.resumed, welcome.name, welcome.role) == (aid, True, "Tamu Sementara", "guest")


# ── one account, one avatar ──────────────────────────────────────────────────


@pytest.mark.parametrize("how", ["fresh_login", "same_token"])
async def test_a_second_connection_takes_the_avatar_over(start, peers, how):
    """The same account entering again takes its avatar over: the old connection gets 4005, one avatar stays."""
    server = await start()
    observer = await peers.guest(server)
    first = await peers.citizen(server, "budi", "Budi")
    aid = first.welcome.avatar_id
    await observer.expect(is_enter(aid))

    second = await peers.connect(server)
    if how == "fresh_login":
        ok = await second.login("budi", PASSWORD)
        assert isinstance(ok, AuthOk)
        token = ok.token
    else:
        token = first.auth.token
    welcome = await second.hello(token=token)
    assert isinstance(welcome, Welcome), welcome
    assert (welcome.avatar_id, welcome.resumed, welcome.name) == (aid, True, "Budi")

    assert await first.wait_closed() == CloseCode.REPLACED
    assert any(isinstance(m, Error) and m.code == ErrorCode.CONFLICT for m in first.received)
    # The old connection's end takes nothing along: the avatar stays, once, with its new owner.
    assert has_avatars(observer.welcome.avatar_id, aid)(await second.fresh_snapshot())
    assert has_avatars(observer.welcome.avatar_id, aid)(await observer.fresh_snapshot())
    assert len(server.instance.members) == 2
    assert not server.instance.is_parked(aid)
    await until(lambda: len(server.sessions) == 2)  # the observer and the new owner
    assert server.presence.by_avatar(aid).detached is False


# ── logout ───────────────────────────────────────────────────────────────────


async def test_logout_ends_the_token_and_the_avatar_leaves_at_once(start, peers):
    """After logout the token is refused as token_expired and the avatar leaves at once, with no grace."""
    server = await start(reconnect_grace_s=60.0)
    observer = await peers.guest(server)
    cici = await peers.citizen(server, "cici", "Cici")
    aid = cici.welcome.avatar_id
    await observer.expect(is_enter(aid))
    mark = observer.mark()
    await cici.send(Logout(request_id=7))
    assert await cici.wait_closed() == CloseCode.NORMAL
    await observer.expect(is_leave(aid), since=mark)
    await until(lambda: aid not in server.instance.members)
    assert server.presence.by_avatar(aid) is None

    again = await peers.connect(server)
    refused = await again.hello(token=cici.auth.token)
    assert isinstance(refused, Error) and refused.code == ErrorCode.TOKEN_EXPIRED
    # Still connecting: the same connection may log in again and enter with a new avatar.
    ok = await again.login("cici", PASSWORD)
    assert isinstance(ok, AuthOk)
    welcome = await again.hello(token=ok.token)
    assert isinstance(welcome, Welcome) and welcome.resumed is False and welcome.avatar_id != aid


# ── refusals over the wire ───────────────────────────────────────────────────


async def test_wrong_password_and_unknown_user_are_the_same_refusal(start, peers):
    """A wrong password and an unknown username are both bad_credentials, naming the request, with no hint."""
    server = await start()
    client = await peers.connect(server)
    assert isinstance(await client.register("dewi", PASSWORD), AuthOk)
    for username, password in [("dewi", "salah-sandi-1"), ("tidak_ada", PASSWORD), ("x", PASSWORD)]:
        msg = Login(request_id=4000 + len(username), username=username, password=password)
        reply = await client.request(msg)
        assert isinstance(reply, Error), reply
        assert (reply.code, reply.ref, reply.text) == (ErrorCode.BAD_CREDENTIALS, msg.request_id, "")


@pytest.mark.parametrize(
    ("username", "password", "code"),
    [
        ("ab", PASSWORD, ErrorCode.INVALID_USERNAME),
        ("nama spasi", PASSWORD, ErrorCode.INVALID_USERNAME),
        ("x" * 25, PASSWORD, ErrorCode.INVALID_USERNAME),
        ("huruf-minus", PASSWORD, ErrorCode.INVALID_USERNAME),
        ("eko", "pendek", ErrorCode.WEAK_PASSWORD),
        ("eko", "1234567890", ErrorCode.WEAK_PASSWORD),
        ("eko_pratama", "EKO_PRATAMA", ErrorCode.WEAK_PASSWORD),
    ],
)
async def test_bad_registrations_are_refused_with_their_code(start, peers, username, password, code):
    """A bad username or a weak password is refused with its code, naming the request, and stores nothing."""
    server = await start()
    client = await peers.connect(server)
    msg = Register(request_id=77, username=username, password=password)
    reply = await client.request(msg)
    assert isinstance(reply, Error), reply
    assert (reply.code, reply.ref) == (code, 77)
    assert server.store.count_accounts(role="citizen") == 0


async def test_a_username_is_taken_in_any_letter_case(start, peers):
    """Registering a username that exists in another letter case is refused as username_taken."""
    server = await start()
    client = await peers.connect(server)
    assert isinstance(await client.register("Andi_M", PASSWORD), AuthOk)
    other = await peers.connect(server)
    msg = Register(request_id=9, username="ANDI_m", password="lain-sandi-22")
    reply = await other.request(msg)
    assert isinstance(reply, Error) and (reply.code, reply.ref) == (ErrorCode.USERNAME_TAKEN, 9)
    assert server.store.count_accounts(role="citizen") == 1


async def test_repeated_failures_throttle_the_account(start, peers):
    """After five failed logins an account is throttled even with the right password; others at that address are not."""
    server = await start()
    client = await peers.connect(server)
    assert isinstance(await client.register("fajar", PASSWORD), AuthOk)
    assert isinstance(await client.register("gita", PASSWORD), AuthOk)
    for _ in range(5):
        reply = await client.login("fajar", "bukan-sandinya")
        assert isinstance(reply, Error) and reply.code == ErrorCode.BAD_CREDENTIALS
    msg = Login(request_id=555, username="FAJAR", password=PASSWORD)
    reply = await client.request(msg)
    assert isinstance(reply, Error) and (reply.code, reply.ref) == (ErrorCode.THROTTLED, 555)
    assert reply.text.startswith("retry in ")
    assert isinstance(await client.login("gita", PASSWORD), AuthOk)


async def test_a_banned_account_cannot_log_in(start, peers):
    """A banned account's login is refused as banned, naming the request, and its old token no longer enters."""
    server = await start()
    client = await peers.connect(server)
    ok = await client.register("nakal", PASSWORD)
    assert isinstance(ok, AuthOk)
    store = server.store
    store.ban_account(store.get_account_by_username("nakal").id, reason="kata kasar", audit=Audit(actor_id=None))
    msg = Login(request_id=31, username="nakal", password=PASSWORD)
    reply = await client.request(msg)
    assert isinstance(reply, Error) and (reply.code, reply.ref) == (ErrorCode.BANNED, 31)

    other = await peers.connect(server)
    refused = await other.hello(token=ok.token)
    assert isinstance(refused, Error) and refused.code in (ErrorCode.BANNED, ErrorCode.TOKEN_EXPIRED)


async def test_hello_with_the_token_of_a_banned_account_is_refused_as_banned(start, peers):
    """Hello with a token issued before the ban is answered with banned and the connection is closed with 4007."""
    server = await start()
    client = await peers.connect(server)
    ok = await client.register("nakal", PASSWORD)
    store = server.store
    store.ban_account(store.get_account_by_username("nakal").id, reason="kata kasar", audit=Audit(actor_id=None))
    other = await peers.connect(server)
    refused = await other.hello(token=ok.token)
    assert isinstance(refused, Error) and refused.code == ErrorCode.BANNED
    assert await other.wait_closed() == CloseCode.BANNED


async def test_hello_with_a_live_session_of_a_banned_account_is_closed_4007(start, peers, db_url):
    """When an account is banned while its session is still live, hello with that token gets banned and a 4007 close."""
    server = await start()
    client = await peers.connect(server)
    ok = await client.register("nakal", PASSWORD)
    # A ban written without ending the sessions (as another tool or an older server might).
    engine = make_engine(db_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                update(AccountRow).where(AccountRow.username == "nakal").values(banned=True, banned_reason="spam")
            )
    finally:
        engine.dispose()
    other = await peers.connect(server)
    refused = await other.hello(token=ok.token)
    assert isinstance(refused, Error) and refused.code == ErrorCode.BANNED
    assert "spam" in refused.text  # the reason (and the end of the ban) are shown
    assert await other.wait_closed() == CloseCode.BANNED
    assert len(server.instance.members) == 0


async def test_a_ban_stops_a_parked_avatar_from_being_resumed(start, peers):
    """An account banned while its avatar is parked cannot get it back with its old token."""
    server = await start(reconnect_grace_s=30.0)
    nakal = await peers.citizen(server, "nakal", "Nakal")
    aid = nakal.welcome.avatar_id
    nakal.abort()
    await until(lambda: server.instance.is_parked(aid))
    store = server.store
    store.ban_account(store.get_account_by_username("nakal").id, reason="kata kasar", audit=Audit(actor_id=None))
    back = await peers.connect(server)
    reply = await back.hello(token=nakal.auth.token)
    assert isinstance(reply, Error) and reply.code in (ErrorCode.BANNED, ErrorCode.TOKEN_EXPIRED), reply
    assert server.players.by_avatar.get(aid) is None


async def test_an_expired_token_is_refused_and_the_connection_may_log_in_again(start, peers):
    """A token past its session lifetime is refused as token_expired; the same connection may log in and enter."""
    clock = ShiftedClock()
    server = await start(clock=clock)
    client = await peers.connect(server)
    ok = await client.register("lama", PASSWORD)
    assert isinstance(ok, AuthOk)
    clock.offset = timedelta(seconds=DEFAULT_SESSION_TTL_S + 1)
    refused = await client.hello(token=ok.token)
    assert isinstance(refused, Error) and refused.code == ErrorCode.TOKEN_EXPIRED
    again = await client.login("lama", PASSWORD)
    assert isinstance(again, AuthOk)
    welcome = await client.hello(token=again.token)
    assert isinstance(welcome, Welcome) and welcome.name == "lama"


async def test_an_unknown_token_is_refused(start, peers):
    """A token the server never issued is refused as token_expired and no avatar is made."""
    server = await start()
    client = await peers.connect(server)
    refused = await client.hello(token="bukan-token-yang-asli")
    assert isinstance(refused, Error) and refused.code == ErrorCode.TOKEN_EXPIRED
    assert len(server.instance.members) == 0


async def test_register_or_login_in_the_world_is_unexpected(start, peers):
    """Once in the world, register and login are refused as unexpected, naming the request."""
    server = await start()
    client = await peers.guest(server)
    for msg in (
        Register(request_id=41, username="telat", password=PASSWORD),
        Login(request_id=42, username="telat", password=PASSWORD),
    ):
        reply = await client.request(msg)
        assert isinstance(reply, Error) and (reply.code, reply.ref) == (ErrorCode.UNEXPECTED, msg.request_id)
    assert server.store.count_accounts(role="citizen") == 0


# ── roles from the store ─────────────────────────────────────────────────────


async def test_staff_created_at_the_command_line_enters_as_staff_of_its_opd(start, peers, db_url, tmp_path):
    """A staff account made by `makaverse admin create-user` enters as staff of its OPD, and others see both."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "makaverse", "admin", "create-user", "--db", db_url,
        "--username", "clerk", "--role", "staff", "--opd", "DUKCAPIL",
        "--password", "loket-dukcapil-1", "--display-name", "Petugas Dukcapil",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=subprocess_env(),
        cwd=tmp_path,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60.0)
    assert proc.returncode == 0, err.decode()
    assert b"clerk" in out

    server = await start()
    observer = await peers.guest(server)
    clerk = await peers.connect(server)
    ok = await clerk.login("clerk", "loket-dukcapil-1")
    assert isinstance(ok, AuthOk), ok
    assert (ok.role, ok.opd, ok.display_name) == ("staff", "DUKCAPIL", "Petugas Dukcapil")
    welcome = await clerk.hello(token=ok.token)
    assert isinstance(welcome, Welcome)
    assert (welcome.role, welcome.opd, welcome.name) == ("staff", "DUKCAPIL", "Petugas Dukcapil")
    enter = await observer.expect(is_enter(welcome.avatar_id))
    assert (enter.role, enter.opd, enter.name) == ("staff", "DUKCAPIL", "Petugas Dukcapil")


# ── the tick never waits on the database ────────────────────────────────────


async def test_a_slow_database_call_does_not_stop_the_tick(start, peers, monkeypatch):
    """While a login is stuck in a slow database call, another client keeps getting snapshots, ticks going up."""
    server = await start()
    watcher = await peers.guest(server)
    client = await peers.connect(server)
    assert isinstance(await client.register("sabar", PASSWORD), AuthOk)

    threads: list[str] = []
    real_login = server.accounts.login

    def slow_login(*args, **kwargs):
        threads.append(threading.current_thread().name)
        time.sleep(1.0)
        return real_login(*args, **kwargs)

    monkeypatch.setattr(server.accounts, "login", slow_login)

    async def pace() -> None:
        # The watcher walks back and forth: a hall where nothing moves sends no snapshots at all.
        seq = 0
        while True:
            seq += 1
            await watcher.send(Input(seq=seq, move_x=1.0 if seq // 10 % 2 else -1.0, move_y=0.0, yaw=0))
            await asyncio.sleep(0.05)

    walking = asyncio.create_task(pace())
    await asyncio.sleep(0.3)
    since = watcher.mark()
    try:
        reply = await client.login("sabar", PASSWORD)
    finally:
        walking.cancel()
    assert isinstance(reply, AuthOk)
    during = [m.tick for m in watcher.received[since:] if isinstance(m, Snapshot)]
    assert len(during) >= 10  # about 40 at 40 Hz; a blocked loop would give none
    assert during == sorted(during) and len(set(during)) == len(during)
    assert threads and threads[0] != threading.main_thread().name


async def test_logging_in_without_entering_is_closed_when_the_time_to_authenticate_ends(start, peers):
    """A login answered with a token but never followed by hello is closed with 4003 at the limit; the limit counts from connecting."""
    server = await start(hello_timeout_s=1.0)
    client = await peers.connect(server)
    assert isinstance(await client.register("terlambat", PASSWORD), AuthOk)
    assert await client.wait_closed() == CloseCode.HANDSHAKE_TIMEOUT
    assert not [m for m in client.received if isinstance(m, Welcome)]

