"""The town-hall rules (services/events.py) and slide checks (services/slides.py): pure, no store,
no clock, no sockets."""

from __future__ import annotations

import struct
import zlib

import pytest

from makaverse.protocol import ErrorCode
from makaverse.protocol.events import MAX_SLIDE_BYTES
from makaverse.server.services.events import DOOR_TRANSITIONS, EventFacts, EventRefusal, Hall, clean_text
from makaverse.server.services.slides import MAX_HEIGHT, MAX_WIDTH, SlideRefusal, check_slide, kind_of_file

HOST = 1


def facts(**kw) -> EventFacts:
    base = dict(
        id=7, title="Rembuk Warga", description="", opd="", start_ms=1000, end_ms=2000, capacity=50, lang="id",
        host_account=HOST, host_name="Walikota",
    )
    base.update(kw)
    return EventFacts(**base)


def live_hall(attendees: int = 3, **kw) -> Hall:
    hall = Hall(facts(**kw))
    hall.control("open")
    for account in range(10, 10 + attendees):
        hall.admit(account, "citizen")
        hall.joined(account, f"Warga {account}", account + 100, "auditorium")
    return hall


def refused(code: ErrorCode, fn, *args) -> None:
    with pytest.raises(EventRefusal) as info:
        fn(*args)
    assert info.value.code is code


# ── life ─────────────────────────────────────────────────────────────────────
def test_open_close_lock_end_follow_the_table():
    """open makes it live with open doors; close and lock only shut the doors; end is final."""
    hall = Hall(facts())
    refused(ErrorCode.ILLEGAL_TRANSITION, hall.control, "lock")
    hall.control("open")
    assert (hall.facts.status, hall.facts.doors) == ("live", "open")
    hall.control("close")
    assert (hall.facts.status, hall.facts.doors) == ("live", "closed")
    hall.control("lock")
    assert (hall.facts.status, hall.facts.doors) == ("live", "locked")
    hall.control("end")
    assert (hall.facts.status, hall.facts.doors) == ("ended", "closed")
    refused(ErrorCode.EVENT_ENDED, hall.control, "open")
    assert DOOR_TRANSITIONS["ended"] == {}


def test_doors_decide_who_comes_in():
    """Open: anyone; closed: the registered only; locked: nobody new; the host always; removed never."""
    hall = Hall(facts())
    refused(ErrorCode.DOORS_CLOSED, hall.admit, 20, "citizen")  # not started
    hall.admit(HOST, "host")
    hall.control("open")
    hall.admit(20, "citizen")
    hall.register(21)
    hall.control("close")
    refused(ErrorCode.DOORS_CLOSED, hall.admit, 20, "citizen")
    hall.admit(21, "citizen")
    hall.control("lock")
    refused(ErrorCode.DOORS_CLOSED, hall.admit, 21, "citizen")
    hall.admit(99, "admin")
    hall.removed.add(30)
    refused(ErrorCode.NOT_ALLOWED, hall.admit, 30, "citizen")


def test_capacity_counts_attendees_in_every_copy():
    """An event of capacity 2 takes two attendees, whichever copies they are in."""
    hall = Hall(facts(capacity=2))
    hall.control("open")
    hall.joined(10, "a", 1, "auditorium")
    hall.joined(11, "b", 2, "auditorium-2")
    refused(ErrorCode.LIMIT_REACHED, hall.admit, 12, "citizen")
    assert hall.copies() == {"auditorium": 1, "auditorium-2": 1}


# ── the stage ────────────────────────────────────────────────────────────────
def test_only_host_speakers_and_the_floor_speak():
    """A line from a non-speaker is refused and numbers nothing; the floor makes an attendee a speaker."""
    hall = live_hall()
    refused(ErrorCode.NOT_SPEAKER, hall.say, 10, "citizen", "halo")
    assert hall.lines == 0
    assert hall.say(HOST, "host", "  Selamat\npagi  ") == (1, "Selamat pagi")
    hall.set_speaker(11, True)
    assert hall.say(11, "citizen", "Terima kasih")[0] == 2
    hall.raise_hand(10, True)
    hall.give_floor(10)
    assert 10 not in hall.hands
    assert hall.say(10, "citizen", "Pertanyaan saya")[0] == 3
    hall.give_floor(0)
    refused(ErrorCode.NOT_SPEAKER, hall.say, 10, "citizen", "lagi")


def test_hands_keep_their_order():
    """Hands are listed in the order raised; lowering one keeps the others' order."""
    hall = live_hall(4)
    for account in (12, 10, 13):
        hall.raise_hand(account, True)
    hall.raise_hand(12, True)  # raising again does not move it
    hall.raise_hand(10, False)
    assert hall.hands_in_order() == [12, 13]
    refused(ErrorCode.NOT_IN_EVENT, hall.raise_hand, 99, True)


# ── questions and polls ──────────────────────────────────────────────────────
def test_questions_vote_once_and_sort():
    """Upvotes count once per attendee; most votes first, answered last, hidden only for the host."""
    hall = live_hall(4)
    hall.ask(10, 1, "Jalan rusak?")
    hall.ask(11, 2, "Banjir?")
    hall.ask(12, 3, "Taman?")
    for voter in (10, 11, 13):
        hall.upvote(voter, 2)
    hall.upvote(10, 3)
    refused(ErrorCode.ALREADY_VOTED, hall.upvote, 10, 2)
    assert len(hall.questions[2].voters) == 3
    assert [q.id for q in hall.sorted_questions(with_hidden=False)] == [2, 3, 1]
    hall.mark(2, "answered")
    hall.mark(1, "hidden")
    assert [q.id for q in hall.sorted_questions(with_hidden=False)] == [3, 2]
    assert [q.id for q in hall.sorted_questions(with_hidden=True)] == [3, 1, 2]
    refused(ErrorCode.NOT_FOUND, hall.upvote, 13, 1)


def test_questions_need_an_attendee():
    """Someone not in the event cannot ask; nothing is added."""
    hall = live_hall()
    refused(ErrorCode.NOT_IN_EVENT, hall.ask, 99, 1, "Halo?")
    refused(ErrorCode.LOGIN_REQUIRED, hall.ask, None, 1, "Halo?")
    assert hall.questions == {}


def test_poll_one_vote_each_and_exact_counts():
    """Each attendee votes once; counts per option are exact; a closed poll takes no votes."""
    hall = live_hall(5)
    poll = hall.open_poll(1, "Prioritas?", ("Jalan", "Drainase", "Taman"), live=False)
    for account, option in zip(range(10, 15), (0, 1, 1, 2, 1), strict=True):
        hall.vote(account, 1, option)
    refused(ErrorCode.ALREADY_VOTED, hall.vote, 10, 1, 2)
    assert poll.counts() == [1, 3, 1]
    hall.close_poll(1)
    refused(ErrorCode.POLL_CLOSED, hall.vote, 10, 1, 0)
    refused(ErrorCode.POLL_CLOSED, hall.close_poll, 1)
    refused(ErrorCode.INVALID_FIELD, hall.open_poll, 2, "x", ("a",), True)


def test_ended_event_changes_nothing():
    """After the end every action is refused with event_ended and the state stays as it was."""
    hall = live_hall()
    hall.ask(10, 1, "Apa?")
    poll = hall.open_poll(1, "Ya?", ("ya", "tidak"), live=True)
    hall.control("end")
    assert not poll.open
    for fn, args in (
        (hall.say, (HOST, "host", "x")),
        (hall.ask, (10, 2, "lagi")),
        (hall.upvote, (11, 1)),
        (hall.vote, (10, 1, 0)),
        (hall.raise_hand, (10, True)),
        (hall.mark, (1, "answered")),
        (hall.register, (50,)),
        (hall.moderate, (10, "mute")),
        (hall.need_host, (HOST, "host")),
    ):
        refused(ErrorCode.EVENT_ENDED, fn, *args)
    assert list(hall.questions) == [1] and not hall.questions[1].voters and not hall.questions[1].answered


def test_moderation_mute_and_remove():
    """A muted attendee may not raise a hand or ask; a removed one leaves for good; the host is untouchable."""
    hall = live_hall()
    hall.raise_hand(10, True)
    hall.moderate(10, "mute")
    assert 10 not in hall.hands
    refused(ErrorCode.MUTED, hall.raise_hand, 10, True)
    refused(ErrorCode.MUTED, hall.ask, 10, 1, "x")
    hall.moderate(10, "unmute")
    hall.raise_hand(10, True)
    assert hall.moderate(11, "remove") == "auditorium"
    assert 11 not in hall.attendees
    refused(ErrorCode.NOT_ALLOWED, hall.admit, 11, "citizen")
    refused(ErrorCode.NOT_ALLOWED, hall.moderate, HOST, "mute")


def test_clean_text_is_one_bounded_line():
    """Conversation text: control characters go, runs of whitespace become one space, cut at the limit."""
    assert clean_text("a\x00b\n\n c\t", 10) == "ab c"
    assert clean_text("Pak\u202e Wali\u200b", 20) == "Pak Wali"
    assert clean_text("x" * 50, 10) == "x" * 10


# ── slides ───────────────────────────────────────────────────────────────────
def png(width: int, height: int, pad: int = 0) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = struct.pack(">I", len(ihdr)) + b"IHDR" + ihdr + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    return b"\x89PNG\r\n\x1a\n" + chunk + b"\x00" * pad


def jpeg(width: int, height: int) -> bytes:
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof0 = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + app0 + sof0 + b"\xff\xd9"


def test_png_and_jpeg_are_recognised_with_their_size():
    """A PNG and a JPEG are known by their magic bytes and their headers give the picture's size."""
    s = check_slide("png", data=png(1280, 720))
    assert (s.kind, s.width, s.height) == ("png", 1280, 720)
    s = check_slide("jpeg", data=jpeg(800, 600))
    assert (s.kind, s.width, s.height) == ("jpeg", 800, 600)
    assert kind_of_file(b"GIF89a") == ""


@pytest.mark.parametrize(
    "kind,data,code",
    [
        ("png", b"GIF89a" + b"\x00" * 40, ErrorCode.NOT_AN_IMAGE),
        ("png", jpeg(10, 10), ErrorCode.NOT_AN_IMAGE),  # says PNG, is a JPEG
        ("png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 30, ErrorCode.NOT_AN_IMAGE),  # no IHDR
        ("jpeg", b"\xff\xd8\xff\xda\x00\x02", ErrorCode.NOT_AN_IMAGE),  # scan before any frame
        ("png", png(MAX_WIDTH + 1, 10), ErrorCode.SLIDE_TOO_LARGE),
        ("jpeg", jpeg(10, MAX_HEIGHT + 1), ErrorCode.SLIDE_TOO_LARGE),
        ("png", png(10, 10, pad=MAX_SLIDE_BYTES), ErrorCode.SLIDE_TOO_LARGE),
        ("png", png(0, 10), ErrorCode.NOT_AN_IMAGE),
    ],
)
def test_bad_slides_are_refused(kind, data, code):
    """Files that are not PNG/JPEG, lie about their kind, lack a header or are too big are refused with a code."""
    with pytest.raises(SlideRefusal) as info:
        check_slide(kind, data=data)
    assert info.value.code is code


def test_markdown_cards():
    """A Markdown card keeps its lines; an empty or oversized one is refused."""
    assert check_slide("markdown", text="# Agenda\r\n- Pembukaan\n").text == "# Agenda\n- Pembukaan"
    with pytest.raises(SlideRefusal):
        check_slide("markdown", text="   ")
    with pytest.raises(SlideRefusal) as info:
        check_slide("markdown", text="x" * 5000)
    assert info.value.code is ErrorCode.SLIDE_TOO_LARGE


def test_an_event_within_one_second_still_shows_its_attendees():
    """Times kept to the second: joins and leaves in the second the event opened still count as present."""
    from makaverse.server.services.event_summary import summarize

    at = "2026-12-03T11:57:34+00:00"
    export = {
        "event": {"opened_at": at, "ended_at": at},
        "registrations": 0,
        "attendance": [
            {"account_id": n, "instance": "auditorium", "joined_at": at, "left_at": at} for n in (1, 2, 3)
        ],
        "questions": [],
        "polls": [],
        "transcript": [],
    }
    summary = summarize(export)
    assert summary["attendees"] == 3
    assert summary["peak_attendees"] == 3
