"""Chat over real sockets and a real SQLite file: nearby and zone reach, direct messages kept for
the offline, a flood cut to its budget while everyone else carries on, mutes, blocks, reports,
kicks, bans and announcements."""

from __future__ import annotations

import asyncio
import math
import os
import uuid
from datetime import timedelta

import pytest
from harness import PASSWORD, People, seed_database, snapshot_positions

from makaverse.protocol import (
    Announce,
    Announcement,
    AvatarEnter,
    AvatarLeave,
    Block,
    Chat,
    ChatLists,
    ChatSend,
    CloseCode,
    Direct,
    DirectSend,
    DirectSent,
    Emote,
    Emoted,
    Error,
    ErrorCode,
    Input,
    Moderate,
    Moderated,
    ModerateDone,
    Mute,
    Report,
    ReportFiled,
    Snapshot,
    Welcome,
)
from makaverse.server.accounts import Accounts
from makaverse.server.services.accounts import make_hasher
from makaverse.server.services.chat import ChatConfig
from makaverse.server.store import Store
from makaverse.server.store.chat_repo import ChatLine
from makaverse.server.wiring import GameServer

positions = snapshot_positions

INPUT_PERIOD_S = 1 / 20
rids = iter(range(1, 1_000_000))


def rid() -> int:
    return next(rids)


def is_chat(text: str):
    return lambda m: isinstance(m, Chat) and m.text == text


def is_error(code: ErrorCode, ref: int | None = None):
    return lambda m: isinstance(m, Error) and m.code == code.value and (ref is None or m.ref == ref)


def chats(client, since: int = 0) -> list[Chat]:
    return [m for m in client.received[since:] if isinstance(m, Chat)]


# ── fixtures ─────────────────────────────────────────────────────────────────


@pytest.fixture
def db_url(tmp_path, monkeypatch) -> str:
    """A migrated, seeded SQLite file with an admin and a host; cheap password hashing here."""
    url = seed_database(tmp_path / "makaverse.db", monkeypatch)  # creates "admin"
    store = Store(url)
    Accounts(store, hasher=make_hasher(fast=True)).create_user(username="pak_host", password=PASSWORD, role="host")
    store.dispose()
    return url


@pytest.fixture
async def start(servers, db_url):
    """Start a server on the test's database with chat settings; stopped after the test."""

    async def start(chat: ChatConfig | None = None, *, prepare=None, **overrides) -> GameServer:
        return await servers.start(db_url, prepare=prepare, chat=chat or ChatConfig(flush_interval_s=0.05), **overrides)

    return start


@pytest.fixture
async def peers():
    """Clients closed after the test: `guest`, `citizen` (registers), `member` (logs in), all in the world."""
    made = People(display_name=lambda username: username.replace("_", " ").title())
    yield made
    await made.dispose()


# ── walking (avatars only move by inputs) ────────────────────────────────────


class Walker:
    """Sends one input per period and reads where the server put the avatar from its own snapshots."""

    def __init__(self, client) -> None:
        self.client = client
        self.seq = 0

    async def step(self, move_x: float, move_y: float = 0.0, *, run: bool = False, yaw: int = 0) -> tuple[float, float]:
        self.seq += 1
        last = self.seq
        since = self.client.mark()
        await self.client.send(Input(seq=last, move_x=move_x, move_y=move_y, yaw=yaw, run=run))
        snap = await self.client.expect(lambda m: isinstance(m, Snapshot) and m.ack_seq >= last, since=since)
        x_cm, y_cm = positions(snap)[self.client.welcome.avatar_id]
        return x_cm / 100, y_cm / 100

    async def where(self) -> tuple[float, float]:
        # Standing still brings no snapshot of its own: turning (a new yaw each time) does.
        return await self.step(0.0, yaw=8192 * (1 + self.seq % 2))

    async def to_x(self, x_goal: float, *, tolerance_m: float = 0.2) -> tuple[float, float]:
        """Walk (running while far) along x until within `tolerance_m` of `x_goal`."""
        x, y = await self.where()
        for _ in range(400):
            err = x_goal - x
            if abs(err) <= tolerance_m:
                return x, y
            if abs(err) > 1.0:
                x, y = await self.step(math.copysign(1.0, err), run=True)
            else:
                x, y = await self.step(max(-1.0, min(1.0, err / (2.5 * INPUT_PERIOD_S))))
        raise AssertionError(f"never reached x={x_goal} (at {x}, {y})")


async def place_apart(a, b, dx_m: float) -> float:
    """Walk `b` to `dx_m` east of `a`; returns the distance between them, from the server's snapshots."""
    ax, ay = await Walker(a).where()
    bx, by = await Walker(b).to_x(ax + dx_m)
    return math.hypot(bx - ax, by - ay)


# ── reach ────────────────────────────────────────────────────────────────────


async def test_nearby_reaches_ten_metres_not_thirty_and_zone_reaches_across(start, peers):
    """Two clients 10 m apart hear each other on nearby; at 30 m they don't, but zone still reaches across the forecourt."""
    server = await start()
    a = await peers.guest(server, "Andi")
    b = await peers.guest(server, "Besse")

    distance = await place_apart(a, b, 10.0)
    assert 9.0 <= distance <= 12.0
    await a.send(ChatSend(request_id=rid(), text="Halo Besse!"))
    heard = await b.expect(is_chat("Halo Besse!"))
    assert (heard.avatar_id, heard.name, heard.role, heard.channel) == (a.welcome.avatar_id, "Andi", "guest", "nearby")
    await a.expect(is_chat("Halo Besse!"))  # the speaker hears themself
    await b.send(ChatSend(request_id=rid(), text="Halo Andi!"))
    await a.expect(is_chat("Halo Andi!"))

    distance = await place_apart(a, b, 30.0)
    assert 29.0 <= distance <= 32.0
    since_b = b.mark()
    await a.send(ChatSend(request_id=rid(), text="Masih dengar?"))
    await a.send(ChatSend(request_id=rid(), text="Semua di halaman depan", channel="zone"))
    zone_line = await b.expect(is_chat("Semua di halaman depan"), since=since_b)
    assert zone_line.channel == "zone" and zone_line.zone_id == "forecourt"
    assert [c.text for c in chats(b, since_b)] == ["Semua di halaman depan"]  # the nearby line never came
    await a.expect(is_chat("Masih dengar?"))
    await b.send(ChatSend(request_id=rid(), text="Ya, lewat zona!", channel="zone"))
    await a.expect(is_chat("Ya, lewat zona!"))


async def test_emotes_and_text_cleaning(start, peers):
    """An emote reaches the people nearby; control characters are stripped and listed words masked before anyone sees a line."""
    server = await start()
    a = await peers.guest(server, "Andi")
    b = await peers.guest(server, "Besse")
    await a.send(Emote(emote="wave"))
    waved = await b.expect(lambda m: isinstance(m, Emoted))
    assert (waved.avatar_id, waved.emote) == (a.welcome.avatar_id, "wave")
    await a.send(ChatSend(request_id=rid(), text="halo\x00\x07  dasar\ngoblok\u200b!", channel="shout"))
    line = await b.expect(lambda m: isinstance(m, Chat))
    assert line.text == "halo dasar ******!"
    ref = rid()
    await a.send(ChatSend(request_id=ref, text="x" * 201))
    await a.expect(is_error(ErrorCode.TOO_LARGE, ref))


# ── direct messages ──────────────────────────────────────────────────────────


async def test_a_direct_message_to_an_offline_user_arrives_on_login(start, peers):
    """A direct message to someone offline is stored and arrives, marked stored, right after their next welcome; only once."""
    server = await start()
    budi = await peers.citizen(server, "budi", enter=False)
    await budi.dispose()
    ani = await peers.citizen(server, "ani")

    ref = rid()
    await ani.send(DirectSend(request_id=ref, text="Budi, ketemu di lobi jam 10 ya", to_username="BUDI"))
    sent = await ani.expect(lambda m: isinstance(m, DirectSent) and m.request_id == ref)
    assert (sent.to_username, sent.to_name, sent.online) == ("budi", "Budi", False)

    budi = await peers.member(server, "budi")
    got = await budi.expect(lambda m: isinstance(m, Direct))
    assert (got.from_username, got.from_name, got.from_role, got.text, got.stored) == (
        "ani", "Ani", "citizen", "Budi, ketemu di lobi jam 10 ya", True,
    )
    assert got.id == sent.id
    await budi.expect(lambda m: isinstance(m, ChatLists))

    # Online now: the next one is delivered live; a later login brings nothing again.
    ref = rid()
    await budi.send(DirectSend(request_id=ref, text="Siap!", to_avatar=ani.welcome.avatar_id))
    assert (await budi.expect(lambda m: isinstance(m, DirectSent) and m.request_id == ref)).online
    live = await ani.expect(lambda m: isinstance(m, Direct))
    assert (live.text, live.stored) == ("Siap!", False)
    await budi.dispose()
    again = await peers.member(server, "budi")
    await again.expect(lambda m: isinstance(m, ChatLists))
    await again.send(ChatSend(request_id=rid(), text="sudah masuk"))
    await again.expect(is_chat("sudah masuk"))
    assert not [m for m in again.received if isinstance(m, Direct)]


async def test_guests_cannot_send_direct_messages(start, peers):
    """A guest's direct message is refused with login_required, and a guest can't be written to."""
    server = await start()
    guest = await peers.guest(server)
    ani = await peers.citizen(server, "ani")
    ref = rid()
    await guest.send(DirectSend(request_id=ref, text="halo", to_avatar=ani.welcome.avatar_id))
    await guest.expect(is_error(ErrorCode.LOGIN_REQUIRED, ref))
    ref = rid()
    await ani.send(DirectSend(request_id=ref, text="halo", to_avatar=guest.welcome.avatar_id))
    await ani.expect(is_error(ErrorCode.NOT_ALLOWED, ref))


async def test_a_block_stops_direct_messages(start, peers):
    """After blocking someone, their direct messages are refused with blocked; unblocking lets them through."""
    server = await start()
    budi = await peers.citizen(server, "budi")
    troll = await peers.citizen(server, "troll")
    ref = rid()
    await budi.send(Block(request_id=ref, username="troll"))
    lists = await budi.expect(lambda m: isinstance(m, ChatLists) and m.request_id == ref)
    assert (lists.blocked, lists.blocked_names) == (("troll",), ("Troll",))
    ref = rid()
    await troll.send(DirectSend(request_id=ref, text="hei", to_username="budi"))
    await troll.expect(is_error(ErrorCode.BLOCKED, ref))
    ref = rid()
    await budi.send(Block(request_id=ref, on=False, avatar_id=troll.welcome.avatar_id))
    assert (await budi.expect(lambda m: isinstance(m, ChatLists) and m.request_id == ref)).blocked == ()
    ref = rid()
    await troll.send(DirectSend(request_id=ref, text="maaf", to_username="budi"))
    await troll.expect(lambda m: isinstance(m, DirectSent) and m.request_id == ref)
    assert (await budi.expect(lambda m: isinstance(m, Direct))).text == "maaf"


# ── floods ───────────────────────────────────────────────────────────────────


async def test_a_flood_is_rate_limited_while_others_chat_and_the_tick_goes_on(start, peers):
    """1,000 lines from one client: 5 get through, the rest are refused with slow_down, another client's line still arrives and the tick keeps advancing."""
    # The connection's own limit is lifted so every line reaches the chat limit under test.
    server = await start(ChatConfig(rate_per_s=0.01, burst=5), msg_rate_per_s=100_000.0, msg_burst=100_000)
    flooder = await peers.guest(server, "Banjir")
    talker = await peers.guest(server, "Tenang")
    listener = await peers.guest(server, "Pendengar")
    tick_before = server.instance.sim.tick
    since = listener.mark()

    for i in range(1000):
        await flooder.send(ChatSend(request_id=i + 1, text=f"spam {i}", channel="zone"))
        if i == 500:
            await talker.send(ChatSend(request_id=rid(), text="Saya masih bisa bicara", channel="zone"))
    await listener.expect(is_chat("Saya masih bisa bicara"), since=since, timeout=10.0)
    await flooder.expect(is_error(ErrorCode.SLOW_DOWN, 1000), timeout=20.0)
    await talker.send(ChatSend(request_id=rid(), text="Dan sesudahnya juga", channel="zone"))
    await listener.expect(is_chat("Dan sesudahnya juga"), since=since)

    from_flooder = [c for c in chats(listener, since) if c.avatar_id == flooder.welcome.avatar_id]
    assert [c.text for c in from_flooder] == [f"spam {i}" for i in range(5)]
    refusals = [m for m in flooder.received if isinstance(m, Error)]
    assert len(refusals) == 995 and {m.code for m in refusals} == {"slow_down"}
    ticks = [(await listener.fresh_snapshot()).tick for _ in range(3)]
    assert ticks == sorted(ticks) and len(set(ticks)) == 3
    assert server.instance.sim.tick > tick_before
    assert flooder.close_code is None


# ── mutes ────────────────────────────────────────────────────────────────────


async def test_a_moderator_mute_silences_someone_for_everyone(start, peers):
    """A muted user is shown the mute with its reason and duration, and their lines, emotes and direct messages reach nobody."""
    server = await start()
    admin = await peers.member(server, "admin")
    troll = await peers.citizen(server, "troll")
    ani = await peers.citizen(server, "ani")
    ref = rid()
    troll_id = troll.welcome.avatar_id
    await admin.send(Moderate(request_id=ref, action="mute", reason="spam berulang", minutes=5, avatar_id=troll_id))
    done = await admin.expect(lambda m: isinstance(m, ModerateDone) and m.request_id == ref)
    assert (done.action, done.username, done.name) == ("mute", "troll", "Troll") and done.until_ms > 0
    shown = await troll.expect(lambda m: isinstance(m, Moderated))
    assert (shown.action, shown.reason, shown.minutes, shown.until_ms, shown.by_role) == (
        "mute", "spam berulang", 5, done.until_ms, "admin",
    )

    since_ani, since_admin = ani.mark(), admin.mark()
    for text, channel in (("beli pulsa murah", "nearby"), ("BELI SEKARANG", "shout"), ("zona spam", "zone")):
        ref = rid()
        await troll.send(ChatSend(request_id=ref, text=text, channel=channel))
        await troll.expect(is_error(ErrorCode.MUTED, ref))
    await troll.send(Emote(emote="applaud"))
    ref = rid()
    await troll.send(DirectSend(request_id=ref, text="psst", to_username="ani"))
    await troll.expect(is_error(ErrorCode.MUTED, ref))
    await admin.send(ChatSend(request_id=rid(), text="tertib ya", channel="shout"))
    await ani.expect(is_chat("tertib ya"), since=since_ani)
    for client, since in ((ani, since_ani), (admin, since_admin)):
        assert [c.text for c in chats(client, since)] == ["tertib ya"]
        assert not [m for m in client.received[since:] if isinstance(m, (Emoted, Direct))]
    assert not [c for c in chats(troll) if c.avatar_id == troll.welcome.avatar_id]

    # The mute holds across a new login, and an unmute ends it.
    await troll.dispose()
    troll = await peers.member(server, "troll")
    assert (await troll.expect(lambda m: isinstance(m, Moderated))).action == "mute"
    ref = rid()
    await troll.send(ChatSend(request_id=ref, text="masih?"))
    await troll.expect(is_error(ErrorCode.MUTED, ref))
    await admin.send(Moderate(request_id=rid(), action="unmute", reason="sudah diperingatkan", username="troll"))
    unmuted = await troll.expect(lambda m: isinstance(m, Moderated) and m.action == "unmute")
    assert unmuted.reason == "sudah diperingatkan"
    await troll.send(ChatSend(request_id=rid(), text="maaf semuanya", channel="shout"))
    await ani.expect(is_chat("maaf semuanya"))


async def test_a_personal_mute_hides_someone_from_me_only(start, peers):
    """After Ani mutes the troll she no longer gets his lines or emotes; Budi still does; the mute outlives her session."""
    server = await start()
    ani = await peers.citizen(server, "ani")
    budi = await peers.citizen(server, "budi")
    troll = await peers.citizen(server, "troll")
    ref = rid()
    await ani.send(Mute(request_id=ref, avatar_id=troll.welcome.avatar_id))
    lists = await ani.expect(lambda m: isinstance(m, ChatLists) and m.request_id == ref)
    assert (lists.muted, lists.muted_names) == (("troll",), ("Troll",))
    since = ani.mark()
    await troll.send(ChatSend(request_id=rid(), text="halo semua", channel="shout"))
    await troll.send(Emote(emote="wave"))
    await budi.expect(is_chat("halo semua"))
    await budi.expect(lambda m: isinstance(m, Emoted) and m.avatar_id == troll.welcome.avatar_id)
    await budi.send(ChatSend(request_id=rid(), text="halo juga", channel="shout"))
    await ani.expect(is_chat("halo juga"), since=since)
    assert [c.text for c in chats(ani, since)] == ["halo juga"]
    assert not [m for m in ani.received[since:] if isinstance(m, Emoted)]

    await ani.dispose()
    ani = await peers.member(server, "ani")
    assert (await ani.expect(lambda m: isinstance(m, ChatLists))).muted == ("troll",)
    since = ani.mark()
    await troll.send(ChatSend(request_id=rid(), text="masih di sini", channel="shout"))
    await budi.expect(is_chat("masih di sini"))
    await budi.send(ChatSend(request_id=rid(), text="penanda", channel="shout"))
    await ani.expect(is_chat("penanda"), since=since)
    assert [c.text for c in chats(ani, since)] == ["penanda"]


# ── reports ──────────────────────────────────────────────────────────────────


async def test_a_report_is_stored_with_what_the_reporter_saw(start, peers):
    """A report keeps the reported user's lines the reporter heard and their direct messages, and is answered with the evidence count."""
    server = await start()
    ani = await peers.citizen(server, "ani")
    troll = await peers.citizen(server, "troll")
    await troll.send(ChatSend(request_id=rid(), text="kamu jelek", channel="shout"))
    await ani.expect(is_chat("kamu jelek"))
    await troll.send(DirectSend(request_id=rid(), text="awas kamu", to_username="ani"))
    await ani.expect(lambda m: isinstance(m, Direct))
    ref = rid()
    await ani.send(Report(request_id=ref, reason="harassment", note="mengancam", avatar_id=troll.welcome.avatar_id))
    filed = await ani.expect(lambda m: isinstance(m, ReportFiled) and m.request_id == ref)
    assert filed.evidence == 2

    report = (await asyncio.to_thread(server.store.list_reports))[0]
    assert report.id == filed.report_id and report.reason == "harassment" and report.note == "mengancam"
    assert report.reported_name == "Troll"
    assert [(e["kind"], e["text"]) for e in report.evidence] == [("chat", "kamu jelek"), ("direct", "awas kamu")]
    guest = await peers.guest(server)
    ref = rid()
    await guest.send(Report(request_id=ref, reason="spam", avatar_id=troll.welcome.avatar_id))
    await guest.expect(is_error(ErrorCode.LOGIN_REQUIRED, ref))


async def test_public_lines_are_logged_for_moderation(start, peers):
    """Public lines and announcements reach the store's chat log with the speaker's name and role."""
    server = await start()
    admin = await peers.member(server, "admin")
    guest = await peers.guest(server, "Tamu Baik")
    await guest.send(ChatSend(request_id=rid(), text="catat ini", channel="whisper"))
    await guest.expect(is_chat("catat ini"))
    await admin.send(Announce(request_id=rid(), text="Rapat dimulai"))
    await guest.expect(lambda m: isinstance(m, Announcement))
    store = server.store
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30.0  # a hang guard, not a speed requirement
    while len(lines := await asyncio.to_thread(store.chat_lines)) < 2:
        assert loop.time() < deadline, "the chat log was never written"
        await asyncio.sleep(0.05)
    by_text = {line.text: line for line in lines}
    assert (by_text["catat ini"].speaker_name, by_text["catat ini"].speaker_role) == ("Tamu Baik", "guest")
    assert by_text["catat ini"].speaker_id is None and by_text["catat ini"].channel == "whisper"
    assert by_text["Rapat dimulai"].channel == "announce" and by_text["Rapat dimulai"].speaker_role == "admin"


async def test_chat_older_than_the_retention_is_purged_by_the_server(start, peers, db_url):
    """The running server deletes logged lines and direct messages older than the retention on its own, off the loop."""
    seeded = Store(db_url)
    old = seeded.now() - timedelta(days=31)
    await asyncio.to_thread(
        seeded.add_chat_lines,
        [ChatLine(at=old, channel="nearby", speaker_avatar=1, speaker_name="Lama", speaker_role="guest", text="lama")],
    )
    seeded.dispose()
    server = await start(ChatConfig(retention_days=30, first_purge_s=0.1, flush_interval_s=0.05))
    guest = await peers.guest(server)
    await guest.send(ChatSend(request_id=rid(), text="baru"))
    await guest.expect(is_chat("baru"))
    store = server.store
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30.0  # a hang guard, not a speed requirement
    while [line.text for line in await asyncio.to_thread(store.chat_lines)] != ["baru"]:
        assert loop.time() < deadline, "old chat was never purged"
        await asyncio.sleep(0.05)
    purges = await asyncio.to_thread(store.list_audit, action="chat.purge")
    assert purges and purges[0].detail["lines"] == 1


# ── kick, ban, announcements ─────────────────────────────────────────────────


async def test_a_kick_shows_the_reason_then_closes_4006(start, peers):
    """A kicked user gets the reason first, then the connection closes with 4006 and the avatar leaves at once."""
    server = await start()
    admin = await peers.member(server, "admin")
    troll = await peers.citizen(server, "troll")
    host = await peers.member(server, "pak_host")
    watcher = await peers.guest(server)
    await watcher.expect(lambda m: isinstance(m, AvatarEnter) and m.id == troll.welcome.avatar_id)
    ref = rid()
    await host.send(Moderate(request_id=ref, action="kick", reason="ribut", avatar_id=troll.welcome.avatar_id))
    await host.expect(is_error(ErrorCode.NOT_ALLOWED, ref))  # not at the host's event
    ref = rid()
    await troll.send(Moderate(request_id=ref, action="kick", reason="balas", avatar_id=admin.welcome.avatar_id))
    await troll.expect(is_error(ErrorCode.NOT_ALLOWED, ref))

    troll_id = troll.welcome.avatar_id
    await admin.send(Moderate(request_id=rid(), action="kick", reason="mengganggu acara", avatar_id=troll_id))
    shown = await troll.expect(lambda m: isinstance(m, Moderated))
    assert (shown.action, shown.reason) == ("kick", "mengganggu acara")
    assert await troll.wait_closed() == CloseCode.KICKED
    await watcher.expect(lambda m: isinstance(m, AvatarLeave) and m.id == troll.welcome.avatar_id)
    await admin.expect(lambda m: isinstance(m, ModerateDone) and m.action == "kick")
    kicks = await asyncio.to_thread(server.store.list_audit, action="chat.kick")
    assert kicks and kicks[0].detail["reason"] == "mengganggu acara"
    back = await peers.member(server, "troll")  # a kick is not a ban
    assert isinstance(back.welcome, Welcome)


async def test_a_ban_closes_4007_and_refuses_the_next_login(start, peers):
    """A banned user is shown the reason and duration, closed with 4007, and their next login is refused as banned."""
    server = await start()
    admin = await peers.member(server, "admin")
    troll = await peers.citizen(server, "troll")
    ref = rid()
    await admin.send(Moderate(request_id=ref, action="ban", reason="ujaran kebencian", minutes=60, username="troll"))
    shown = await troll.expect(lambda m: isinstance(m, Moderated))
    assert (shown.action, shown.reason, shown.minutes) == ("ban", "ujaran kebencian", 60) and shown.until_ms > 0
    assert await troll.wait_closed() == CloseCode.BANNED
    await admin.expect(lambda m: isinstance(m, ModerateDone) and m.request_id == ref)
    again = await peers.connect(server)
    refused = await again.login("troll", PASSWORD)
    assert isinstance(refused, Error) and refused.code == ErrorCode.BANNED.value


async def test_announcements_reach_the_whole_building(start, peers):
    """An admin's announcement reaches everyone however far; a citizen may not announce."""
    server = await start()
    admin = await peers.member(server, "admin")
    near = await peers.guest(server, "Dekat")
    far = await peers.guest(server, "Jauh")
    await Walker(far).to_x(30.0)
    await admin.send(Announce(request_id=rid(), text="Acara dimulai pukul 10.00 di auditorium"))
    for client in (near, far, admin):
        banner = await client.expect(lambda m: isinstance(m, Announcement))
        assert (banner.text, banner.role, banner.name) == ("Acara dimulai pukul 10.00 di auditorium", "admin", "Admin")
    citizen = await peers.citizen(server, "ani")
    ref = rid()
    await citizen.send(Announce(request_id=ref, text="saya juga"))
    await citizen.expect(is_error(ErrorCode.NOT_ALLOWED, ref))


async def test_announcements_reach_every_server_process_on_the_bus(start, peers):
    """With a Redis bus, an admin's announcement on one server reaches people on another server too."""
    url = os.environ.get("MAKAVERSE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        import redis.asyncio as redis_asyncio

        probe = redis_asyncio.from_url(url, socket_connect_timeout=1)
        try:
            await probe.ping()
        finally:
            await probe.aclose()
    except Exception:
        if os.environ.get("MAKAVERSE_REQUIRE_SERVICES") == "1":
            pytest.fail(f"Redis does not answer at {url}")
        pytest.skip(f"Redis does not answer at {url}")
    prefix = f"test-{uuid.uuid4().hex[:8]}:"  # a namespace of our own: parallel runs never hear each other

    def namespaced(server: GameServer) -> None:
        server.bus._prefix = prefix

    first = await start(redis_url=url, prepare=namespaced)
    second = await start(redis_url=url, prepare=namespaced)
    await asyncio.gather(first.bus.wait_subscribed(), second.bus.wait_subscribed())
    admin = await peers.member(first, "admin")
    here = await peers.guest(first, "Di Sini")
    there = await peers.guest(second, "Di Sana")
    await admin.send(Announce(request_id=rid(), text="Semua gedung: rapat dimulai"))
    for client in (here, there, admin):
        banner = await client.expect(lambda m: isinstance(m, Announcement))
        assert (banner.text, banner.name) == ("Semua gedung: rapat dimulai", "Admin")
    assert len([m for m in there.received if isinstance(m, Announcement)]) == 1
