"""The chat store over SQLite and PostgreSQL: the moderation log and its retention, direct
messages and their delivery, mutes and blocks, reports with evidence, moderation actions."""

from __future__ import annotations

from datetime import timedelta

import pytest

from makaverse.server.store import Account, InvalidValue, NotFound, Store, chat_repo
from makaverse.server.store.chat_repo import Blocked, ChatLine


@pytest.fixture
def people(store: Store) -> dict[str, Account]:
    def make(username: str, role: str = "citizen") -> Account:
        return store.create_account(username=username, display_name=username.title(), password_hash="x", role=role)

    return {
        "ani": make("ani"),
        "budi": make("budi"),
        "troll": make("troll"),
        "admin": make("admin", "admin"),
        "host": make("host", "host"),
    }


def line(store: Store, text: str, *, speaker: Account | None = None, channel: str = "nearby", **kw) -> ChatLine:
    return ChatLine(
        at=store.now(),
        channel=channel,
        speaker_id=speaker.id if speaker else None,
        speaker_avatar=kw.pop("avatar", 1),
        speaker_name=speaker.display_name if speaker else "Tamu-1234",
        speaker_role=speaker.role if speaker else "guest",
        text=text,
        **kw,
    )


def audit_actions(store: Store) -> list[str]:
    return [entry.action for entry in store.list_audit(limit=100)]


# ── the moderation log ───────────────────────────────────────────────────────


def test_public_lines_are_logged_in_batches(store, people):
    """A batch of lines (an account's and a guest's) lands in one call and reads back newest first."""
    ani = people["ani"]
    n = store.add_chat_lines(
        [
            line(store, "halo", speaker=ani, zone_id="lobby", x_m=1.5, y_m=-2.0),
            line(store, "selamat pagi", channel="zone", zone_id="auditorium", avatar=9),
            line(store, "acara dimulai", speaker=people["admin"], channel="announce"),
        ]
    )
    assert n == 3 and store.add_chat_lines([]) == 0
    lines = store.chat_lines()
    assert [x.text for x in lines] == ["acara dimulai", "selamat pagi", "halo"]
    assert lines[1].speaker_id is None and lines[1].speaker_avatar == 9 and lines[1].zone_id == "auditorium"
    assert (lines[2].x_m, lines[2].y_m) == (1.5, -2.0)
    assert [x.text for x in store.chat_lines(speaker_id=ani.id)] == ["halo"]
    with pytest.raises(InvalidValue):
        store.add_chat_lines([line(store, "x", channel="telepathy")])


def test_retention_purges_old_chat_but_keeps_open_reports(store, people, clock):
    """Purging deletes lines and direct messages older than the cutoff and closed old reports; open reports stay; the purge is audited."""
    ani, budi, admin = people["ani"], people["budi"], people["admin"]
    store.add_chat_lines([line(store, "lama", speaker=ani)])
    store.send_direct(ani.id, budi.id, "lama juga")
    open_report = store.file_report(budi.id, reported_id=ani.id, reported_name="Ani", reason="spam")
    closed_report = store.file_report(ani.id, reported_id=budi.id, reported_name="Budi", reason="other")
    store.close_report(closed_report.id, handled_by=admin.id)
    clock.advance(31 * 24 * 3600)
    store.add_chat_lines([line(store, "baru", speaker=ani)])
    store.send_direct(budi.id, ani.id, "baru juga")

    report = store.purge_chat(store.now() - timedelta(days=30))
    assert (report.lines, report.directs, report.reports) == (1, 1, 1)
    assert [x.text for x in store.chat_lines()] == ["baru"]
    assert [dm.text for dm in store.direct_conversation(ani.id, budi.id)] == ["baru juga"]
    assert [r.id for r in store.list_reports(status=None)] == [open_report.id]
    assert "chat.purge" in audit_actions(store)
    assert store.purge_chat(store.now() - timedelta(days=30)).total == 0


# ── direct messages ──────────────────────────────────────────────────────────


def test_a_direct_message_waits_until_delivered(store, people):
    """A stored message is undelivered until marked for its recipient; only the recipient's mark counts."""
    ani, budi = people["ani"], people["budi"]
    first = store.send_direct(ani.id, budi.id, "halo Budi")
    second = store.send_direct(ani.id, budi.id, "kamu di mana?")
    assert not first.delivered and first.sender.username == "ani" and first.recipient.display_name == "Budi"
    assert first.sender_role == "citizen"
    assert [dm.id for dm in store.undelivered_directs(budi.id)] == [first.id, second.id]
    assert store.mark_directs_delivered(ani.id, [first.id]) == 0  # not ani's to mark
    assert store.mark_directs_delivered(budi.id, [first.id]) == 1
    assert store.mark_directs_delivered(budi.id, [first.id]) == 0
    assert [dm.id for dm in store.undelivered_directs(budi.id)] == [second.id]
    assert store.undelivered_directs(ani.id) == ()


def test_a_conversation_is_only_between_its_two_parties(store, people):
    """Reading a conversation gives only the messages between the reader and the other, oldest first."""
    ani, budi, troll = people["ani"], people["budi"], people["troll"]
    store.send_direct(ani.id, budi.id, "1")
    store.send_direct(troll.id, budi.id, "x")
    store.send_direct(budi.id, ani.id, "2")
    assert [dm.text for dm in store.direct_conversation(ani.id, budi.id)] == ["1", "2"]
    assert [dm.text for dm in store.direct_conversation(troll.id, ani.id)] == []
    assert [dm.text for dm in store.direct_conversation(ani.id, budi.id, limit=1)] == ["2"]


def test_refused_direct_messages(store, people):
    """Messages to yourself, to nobody, or empty are refused."""
    ani = people["ani"]
    with pytest.raises(InvalidValue):
        store.send_direct(ani.id, ani.id, "me")
    with pytest.raises(NotFound):
        store.send_direct(ani.id, 99_999, "nobody")
    with pytest.raises(InvalidValue):
        store.send_direct(ani.id, people["budi"].id, "")


# ── mutes and blocks ─────────────────────────────────────────────────────────


def test_a_block_stops_direct_messages_until_lifted(store, people):
    """After Budi blocks the troll, the troll's messages to Budi are refused; Budi can still write; unblocking lets them through."""
    budi, troll = people["budi"], people["troll"]
    lists = store.set_block(budi.id, troll.id, True)
    assert [r.username for r in lists.blocked] == ["troll"] and lists.muted == ()
    with pytest.raises(Blocked):
        store.send_direct(troll.id, budi.id, "hai")
    store.send_direct(budi.id, troll.id, "jangan ganggu")
    assert store.undelivered_directs(budi.id) == ()
    store.set_block(budi.id, troll.id, False)
    store.send_direct(troll.id, budi.id, "maaf")
    assert [dm.text for dm in store.undelivered_directs(budi.id)] == ["maaf"]


def test_mutes_persist_per_account(store, people):
    """Personal mutes are kept per account, listed by username, idempotent, and can be undone."""
    ani = people["ani"]
    store.set_mute(ani.id, people["troll"].id, True)
    store.set_mute(ani.id, people["budi"].id, True)
    lists = store.set_mute(ani.id, people["troll"].id, True)
    assert [(r.username, r.display_name) for r in lists.muted] == [("budi", "Budi"), ("troll", "Troll")]
    assert store.chat_lists(ani.id).muted == lists.muted
    assert store.set_mute(ani.id, people["budi"].id, False).muted == (lists.muted[1],)
    assert store.chat_lists(people["budi"].id).muted == ()
    with pytest.raises(InvalidValue):
        store.set_mute(ani.id, ani.id, True)


def test_lists_have_a_limit(store, people, monkeypatch):
    """An account's mute list holds at most MAX_LIST_ENTRIES accounts."""
    monkeypatch.setattr(chat_repo, "MAX_LIST_ENTRIES", 2)
    ani = people["ani"]
    store.set_mute(ani.id, people["budi"].id, True)
    store.set_mute(ani.id, people["troll"].id, True)
    with pytest.raises(InvalidValue):
        store.set_mute(ani.id, people["host"].id, True)
    store.set_mute(ani.id, people["troll"].id, True)  # already there: not a new entry


def test_arrival_brings_lists_mute_and_waiting_messages(store, people, clock):
    """On entering the world an account gets its lists, a moderator mute in force, and its undelivered messages, in one read."""
    ani, budi, admin = people["ani"], people["budi"], people["admin"]
    store.set_block(ani.id, people["troll"].id, True)
    store.send_direct(budi.id, ani.id, "selamat datang")
    store.record_moderation(
        "mute", actor_id=admin.id, target_id=ani.id, target_name="Ani", reason="spam", minutes=10,
        until=store.now() + timedelta(minutes=10),
    )
    arrival = store.chat_arrival(ani.id)
    assert [r.username for r in arrival.lists.blocked] == ["troll"]
    assert arrival.mute is not None and arrival.mute.reason == "spam" and arrival.mute.minutes == 10
    assert [dm.text for dm in arrival.directs] == ["selamat datang"]
    clock.advance(601)
    assert store.chat_arrival(ani.id).mute is None


# ── reports ──────────────────────────────────────────────────────────────────


def test_a_report_keeps_evidence_and_is_audited(store, people):
    """A report stores the public lines given and the direct messages between the two, in time order, and is audited."""
    ani, troll = people["ani"], people["troll"]
    store.send_direct(troll.id, ani.id, "kamu jelek")
    public = [{"kind": "chat", "at_ms": 1, "channel": "nearby", "speaker": f"account:{troll.id}", "text": "****"}]
    report = store.file_report(
        ani.id, reported_id=troll.id, reported_name="Troll", reason="harassment", note="terus mengganggu",
        public_evidence=public,
    )
    assert report.status == "open" and report.reason == "harassment" and report.note == "terus mengganggu"
    assert [e["kind"] for e in report.evidence] == ["chat", "direct"]
    assert report.evidence[1]["text"] == "kamu jelek" and report.evidence[1]["from"] == "troll"
    assert store.get_report(report.id) == report
    assert [r.id for r in store.list_reports()] == [report.id]
    entry = store.list_audit(action="chat.report")[0]
    assert entry.actor_id == ani.id and entry.target == f"account:{troll.id}" and entry.detail["evidence"] == 2


def test_a_guest_can_be_reported(store, people):
    """A report about a guest keeps its name and public lines, without an account."""
    report = store.file_report(
        people["ani"].id, reported_id=None, reported_name="Tamu-4821", reason="spam",
        public_evidence=[{"kind": "chat", "at_ms": 5, "text": "beli sekarang"}],
    )
    assert report.reported_id is None and report.reported_name == "Tamu-4821" and len(report.evidence) == 1
    with pytest.raises(InvalidValue):
        store.file_report(people["ani"].id, reported_id=None, reported_name="x", reason="boredom")


def test_only_an_admin_handling_a_report_reads_its_direct_messages(store, people):
    """The conversation behind a report is open to an admin (and audited), not to a host or a third citizen."""
    ani, troll, admin = people["ani"], people["troll"], people["admin"]
    store.send_direct(troll.id, ani.id, "rahasia")
    report = store.file_report(ani.id, reported_id=troll.id, reported_name="Troll", reason="harassment")
    assert [dm.text for dm in store.report_directs(report.id, viewer_id=admin.id)] == ["rahasia"]
    assert "report.read_directs" in audit_actions(store)
    for viewer in (people["host"], people["budi"]):
        with pytest.raises(InvalidValue):
            store.report_directs(report.id, viewer_id=viewer.id)
    closed = store.close_report(report.id, handled_by=admin.id, note="diperingatkan")
    assert closed.status == "closed" and closed.handled_by == admin.id
    assert store.list_reports() == ()


# ── moderation actions ───────────────────────────────────────────────────────


def test_moderation_is_recorded_and_audited(store, people, clock):
    """A mute is in force until it ends or an unmute lifts it; every act has its audit row."""
    troll, admin = people["troll"], people["admin"]
    mute = store.record_moderation(
        "mute", actor_id=admin.id, target_id=troll.id, target_name="Troll", reason="spam", minutes=30,
        until=store.now() + timedelta(minutes=30),
    )
    assert mute.in_force(store.now()) and store.active_mute(troll.id) == mute
    store.record_moderation("unmute", actor_id=admin.id, target_id=troll.id, target_name="Troll", reason="sudah baik")
    assert store.active_mute(troll.id) is None
    store.record_moderation("kick", actor_id=admin.id, target_id=None, target_name="Tamu-1", reason="spam")
    history = store.moderation_history(troll.id)
    assert [h.action for h in history] == ["unmute", "mute"] and history[1].lifted_at is not None
    actions = audit_actions(store)
    assert {"chat.mute", "chat.unmute", "chat.kick"} <= set(actions)
    kick = store.list_audit(action="chat.kick")[0]
    assert kick.target == "guest:Tamu-1" and kick.detail["reason"] == "spam"
    with pytest.raises(InvalidValue):
        store.record_moderation("exile", actor_id=admin.id, target_id=troll.id, target_name="T", reason="x")
    with pytest.raises(InvalidValue):
        store.record_moderation("mute", actor_id=admin.id, target_id=troll.id, target_name="T", reason="")
