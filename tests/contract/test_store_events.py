"""Town-hall records in the store (SQLite and PostgreSQL), and the admin commands that load a
deck and export an event, run as the `makaverse` command runs them."""

from __future__ import annotations

import json
import struct
import zlib

import pytest

from makaverse.__main__ import main
from makaverse.server.store import Conflict, NotFound, Store
from makaverse.server.store.migrate import upgrade

T0_MS = 1_767_225_600_000


def _event(store: Store) -> tuple[int, list[int]]:
    host = store.create_account(username="walikota", display_name="Walikota", password_hash="x", role="host").id
    people = [store.create_account(username=f"w{i}", display_name=f"W{i}", password_hash="x").id for i in range(3)]
    rec = store.create_event(host, title="Rembuk", start_ms=T0_MS, end_ms=T0_MS + 3_600_000, capacity=50)
    return rec.id, [host, *people]


def test_an_event_keeps_what_happened(store, clock):
    """Registrations, attendance per copy, lines, votes once each, polls, moderation: all in the export."""
    event_id, (host, a, b, c) = _event(store)
    assert store.register_event(event_id, a) and not store.register_event(event_id, a)
    store.set_event_state(event_id, "live", "open", actor_id=host)
    notices = store.notify_event_started(event_id)
    assert [(n.account_id, n.kind, n.payload["event_id"]) for n in notices] == [(a, "event_started", event_id)]
    assert [n.id for n in store.pending_notifications(a)] == [notices[0].id]
    store.attendance_join(event_id, a, "auditorium")
    store.attendance_join(event_id, b, "auditorium-2")
    clock.advance(300)
    store.add_stage_line(event_id, 1, host, "Walikota", "Selamat pagi")
    store.add_question(event_id, 1, a, "W0", "Banjir?")
    assert store.vote_question(event_id, 1, b) == 1
    with pytest.raises(Conflict):
        store.vote_question(event_id, 1, b)
    store.open_poll(event_id, 1, "Prioritas?", ["Jalan", "Taman"], False)
    store.vote_poll(event_id, 1, a, 0)
    store.vote_poll(event_id, 1, b, 1)
    with pytest.raises(Conflict):
        store.vote_poll(event_id, 1, b, 0)
    store.mark_question(event_id, 1, "hidden", actor_id=host)
    store.moderate_event(event_id, c, "remove", actor_id=host, reason="spam")
    store.attendance_leave(event_id, a)
    store.set_event_state(event_id, "ended", "closed", actor_id=host)
    with pytest.raises(Conflict):
        store.set_event_state(event_id, "live", "open", actor_id=host)
    with pytest.raises(Conflict):
        store.vote_poll(event_id, 1, c, 0)  # closed with the event
    export = store.export_event(event_id)
    assert export["registrations"] == 1
    assert [(x["account_id"], x["instance"], bool(x["left_at"])) for x in export["attendance"]] == [
        (a, "auditorium", True), (b, "auditorium-2", True),
    ]
    assert export["polls"][0]["counts"] == [1, 1]
    assert export["questions"][0]["votes"] == 1 and export["questions"][0]["hidden"]
    assert [m["action"] for m in export["moderation"]] == ["hide_question", "remove"]
    actions = {e.action for e in store.list_audit(limit=50)}
    assert {"event_schedule", "event_state", "event_hide_question", "event_remove"} <= actions
    with pytest.raises(NotFound):
        store.export_event(event_id + 100)


def test_records_in_one_batch_refuse_only_the_second_vote(store):
    """A batch of attendance, lines and votes lands in one go; a repeated vote is handed back, not stored."""
    event_id, (host, a, b, c) = _event(store)
    store.set_event_state(event_id, "live", "open", actor_id=host)
    store.open_poll(event_id, 1, "Q?", ["x", "y"], True)
    store.add_question(event_id, 1, a, "W0", "Banjir?")
    first = {"kind": "poll_vote", "event_id": event_id, "number": 1, "account_id": a, "option": 1}
    again = {"kind": "poll_vote", "event_id": event_id, "number": 1, "account_id": a, "option": 0}
    batch = [
        {"kind": "attendance", "event_id": event_id, "account_id": a, "instance": "auditorium"},
        {"kind": "attendance", "event_id": event_id, "account_id": b, "instance": "auditorium-2"},
        {"kind": "line", "event_id": event_id, "number": 1, "account_id": host, "name": "Walikota", "text": "Halo"},
        first,
        {"kind": "poll_vote", "event_id": event_id, "number": 1, "account_id": b, "option": 1},
        again,
        {"kind": "question_vote", "event_id": event_id, "number": 1, "account_id": b},
        {"kind": "question_vote", "event_id": event_id, "number": 2, "account_id": b},
        {"kind": "attendance", "event_id": event_id, "account_id": a, "instance": ""},
    ]
    refused = store.save_event_records(batch)
    assert [id(r) for r in refused] == [id(again), id(batch[7])]
    export = store.export_event(event_id)
    assert export["polls"][0]["counts"] == [0, 2]
    assert export["questions"][0]["votes"] == 1
    assert [(x["account_id"], bool(x["left_at"])) for x in export["attendance"]] == [(a, True), (b, False)]
    assert [ln["text"] for ln in export["transcript"]] == ["Halo"]


def _png(width: int, height: int) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + ihdr + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))


def test_admin_loads_a_deck_and_exports_the_event(tmp_path, capsys):
    """load-slides stores checked files in order and refuses a non-image; export-event writes json and csv."""
    url = f"sqlite:///{tmp_path / 'e.db'}"
    upgrade(url)
    with Store(url) as store:
        event_id, _ = _event(store)
    (tmp_path / "1.png").write_bytes(_png(1280, 720))
    (tmp_path / "2.md").write_text("# Agenda\n- Pembukaan\n", encoding="utf-8")
    (tmp_path / "bad.png").write_bytes(b"GIF89a" + b"\x00" * 20)
    deck = [str(tmp_path / "1.png"), str(tmp_path / "2.md")]
    assert main(["admin", "load-slides", str(event_id), *deck, "--db", url]) == 0
    assert "slide 1: 2.md (markdown" in capsys.readouterr().out
    assert main(["admin", "load-slides", str(event_id), str(tmp_path / "bad.png"), "--db", url]) == 1
    assert "not_an_image" in capsys.readouterr().err
    with Store(url) as store:
        assert [(s.kind, s.width) for s in store.slides(event_id)] == [("png", 1280), ("markdown", 0)]
    assert main(["admin", "export-event", str(event_id), "--format", "json", "--db", url]) == 0
    assert json.loads(capsys.readouterr().out)["event"]["title"] == "Rembuk"
    assert main(["admin", "export-event", str(event_id), "--format", "csv", "--db", url]) == 0
    assert capsys.readouterr().out.splitlines()[1].startswith("event,")
    assert main(["admin", "event-summary", str(event_id), "--db", url]) == 0
    assert capsys.readouterr().out.startswith("# Rembuk")


def test_a_live_events_state_reads_back_for_a_restart(store):
    """Stage line count, questions with voters and marks, polls with votes and open state, and who is
    muted (the last word counts) or removed: what a restarted server rebuilds its hall from."""
    event_id, (host, a, b, c) = _event(store)
    store.set_event_state(event_id, "live", "open", actor_id=host)
    empty = store.live_state(event_id)
    assert (empty.lines, empty.questions, empty.polls) == (0, (), ())
    assert not empty.muted and not empty.removed
    store.add_stage_line(event_id, 1, host, "Walikota", "Selamat pagi")
    store.add_stage_line(event_id, 2, host, "Walikota", "Mari mulai")
    store.add_question(event_id, 1, a, "W0", "Banjir?")
    store.add_question(event_id, 2, b, "W1", "Sampah?")
    store.vote_question(event_id, 1, b)
    store.vote_question(event_id, 1, c)
    store.mark_question(event_id, 2, "answered", actor_id=host)
    store.open_poll(event_id, 1, "Prioritas?", ["Jalan", "Taman"], True)
    store.vote_poll(event_id, 1, a, 1)
    store.close_poll(event_id, 1)
    store.open_poll(event_id, 2, "Lagi?", ["Ya", "Tidak"], False)
    store.vote_poll(event_id, 2, b, 0)
    store.moderate_event(event_id, a, "mute", actor_id=host)
    store.moderate_event(event_id, b, "mute", actor_id=host)
    store.moderate_event(event_id, a, "unmute", actor_id=host)
    store.moderate_event(event_id, c, "remove", actor_id=host)
    state = store.live_state(event_id)
    assert state.lines == 2
    assert [
        (q["number"], q["account_id"], q["text"], set(q["voters"]), q["answered"], q["hidden"]) for q in state.questions
    ] == [(1, a, "Banjir?", {b, c}, False, False), (2, b, "Sampah?", set(), True, False)]
    assert [(p["number"], p["options"], p["live"], p["open"], p["votes"]) for p in state.polls] == [
        (1, ("Jalan", "Taman"), True, False, {a: 1}), (2, ("Ya", "Tidak"), False, True, {b: 0}),
    ]
    assert (state.muted, state.removed) == (frozenset({b}), frozenset({c}))


def test_a_poll_s_votes_in_one_batch_are_read_and_stored_together(store):
    """Hundreds of votes in one batch: each counted once; a vote stored by an earlier batch, a
    second vote in the same batch and an option out of range are handed back."""
    event_id, (host, a, b, c) = _event(store)
    store.set_event_state(event_id, "live", "open", actor_id=host)
    store.open_poll(event_id, 1, "Q?", ["x", "y", "z"], True)
    assert store.save_event_records(
        [{"kind": "poll_vote", "event_id": event_id, "number": 1, "account_id": a, "option": 2}]) == []
    voters = [store.create_account(username=f"pemilih{i}", display_name=f"P{i}", password_hash="x").id
              for i in range(600)]
    batch = [{"kind": "poll_vote", "event_id": event_id, "number": 1, "account_id": v, "option": i % 2}
             for i, v in enumerate(voters)]
    again = {"kind": "poll_vote", "event_id": event_id, "number": 1, "account_id": a, "option": 0}
    twice = {"kind": "poll_vote", "event_id": event_id, "number": 1, "account_id": voters[7], "option": 0}
    wrong = {"kind": "poll_vote", "event_id": event_id, "number": 1, "account_id": b, "option": 3}
    refused = store.save_event_records([*batch[:300], again, twice, wrong, *batch[300:]])
    assert [id(r) for r in refused] == [id(again), id(twice), id(wrong)]
    assert store.export_event(event_id)["polls"][0]["counts"] == [300, 300, 1]
