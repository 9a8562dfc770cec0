"""A whole town hall over real sockets: the host schedules and opens; 30 attendees join a hall of
capacity 20 so an overflow copy opens; a speaker's line reaches both copies; a hand raised in the
overflow reaches the host and the floor is given; a poll answered from both copies gives exact
totals; a question is upvoted from both, the host's list names its asker's account (attendees'
don't) and the host mutes the asker by it; bad input gets typed errors; the event ends and the
export matches what happened."""

from __future__ import annotations

import asyncio
import math
from collections import Counter

import pytest
from harness import PASSWORD, ask, request_ids, seed_database

from makaverse.protocol import (
    Error,
    ErrorCode,
    EventBoard,
    EventControl,
    EventDone,
    EventHall,
    EventInfo,
    EventJoin,
    EventJoined,
    EventList,
    EventModerate,
    EventNotice,
    EventRegister,
    EventSchedule,
    FloorGive,
    HandRaise,
    InstanceChanged,
    Placed,
    Poll,
    PollClose,
    PollOpen,
    PollVote,
    QuestionAsk,
    Questions,
    QuestionVote,
    Seated,
    Snapshot,
    StageLine,
    StageSay,
    quant,
)
from makaverse.protocol.messages import ANIM_SIT
from makaverse.server.admin.events import export_csv
from makaverse.server.services.event_summary import summarize
from makaverse.world import load_default_world

WORLD = load_default_world()
CAPACITY = 20
ATTENDEES = 30
T0_MS = 1_767_225_600_000


def rid() -> int:
    return next(request_ids)


async def make_host(server, people):
    from makaverse.server.accounts import Accounts

    await asyncio.get_running_loop().run_in_executor(
        None,
        lambda: Accounts(server.store).create_user(
            username="walikota", password=PASSWORD, role="host", display_name="Walikota"
        ),
    )
    return await people.member(server, "walikota")


def refused(reply, code: ErrorCode) -> None:
    assert isinstance(reply, Error) and reply.code == code.value, reply


@pytest.fixture
async def people():
    from harness import People

    made = People()
    yield made
    await made.dispose()


async def test_a_whole_town_hall_with_an_overflow_copy(tmp_path, monkeypatch, servers, people):
    """Everything the issue's "done means" lists, end to end over real sockets."""
    db_url = seed_database(tmp_path / "townhall.db", monkeypatch)
    server = await servers.start(db_url, auditorium_capacity=CAPACITY)
    host = await make_host(server, people)
    crowd = [await people.citizen(server, f"warga{i:02d}", f"Warga {i:02d}") for i in range(ATTENDEES)]

    # ── schedule, register, open ────────────────────────────────────────────
    info = await ask(host, EventSchedule(
        request_id=rid(), title="Rembuk Warga Tallo", start_ms=T0_MS, end_ms=T0_MS + 7_200_000,
        description="Musrenbang kecamatan", opd="BAPPEDA", capacity=100, lang="id",
    ))
    assert isinstance(info, EventInfo) and info.event["status"] == "scheduled"
    event_id = info.event["id"]
    refused(await ask(crowd[0], EventSchedule(request_id=rid(), title="x", start_ms=1, end_ms=2)), ErrorCode.NOT_HOST)
    board = await ask(crowd[0], EventList(request_id=rid()))
    assert isinstance(board, EventBoard) and [e["id"] for e in board.events] == [event_id]
    registered = await ask(crowd[0], EventRegister(request_id=rid(), event_id=event_id))
    assert isinstance(registered, EventInfo) and registered.event["registered"] == 1
    refused(await ask(crowd[1], EventJoin(request_id=rid(), event_id=event_id)), ErrorCode.DOORS_CLOSED)

    mark = crowd[0].mark()
    opened = await ask(host, EventControl(request_id=rid(), event_id=event_id, action="open"))
    assert isinstance(opened, EventInfo) and (opened.event["status"], opened.event["doors"]) == ("live", "open")
    notice = await crowd[0].expect(lambda m: isinstance(m, EventNotice), since=mark)
    assert (notice.kind, notice.event_id, notice.stored) == ("started", event_id, False)

    # ── everyone goes to the event: 20 fit in the hall, the rest open a copy ─
    mark = host.mark()
    joined = await ask(host, EventJoin(request_id=rid(), event_id=event_id))
    assert isinstance(joined, EventJoined) and (joined.instance, joined.part, joined.seat) == ("auditorium", "host", -1)
    # The host stands at the lectern facing the audience, not in a seat.
    stage = WORLD.stage
    placed = await host.expect(lambda m: isinstance(m, Placed), since=mark)
    assert (placed.x_cm / 100, placed.y_cm / 100) == stage.speaker_spot
    assert placed.yaw == quant.yaw_to_u16(math.radians(stage.facing_deg))
    where: dict[int, str] = {}
    for i, person in enumerate(crowd):
        mark = person.mark()
        reply = await ask(person, EventJoin(request_id=rid(), event_id=event_id))
        assert isinstance(reply, EventJoined), reply
        where[i] = reply.instance
        changed = await person.expect(lambda m: isinstance(m, InstanceChanged), since=mark)
        assert changed.instance == reply.instance
        seated = await person.expect(lambda m: isinstance(m, Seated), since=mark)
        assert seated.seat == reply.seat >= 0
    counts = Counter(where.values())
    assert counts == {"auditorium": CAPACITY - 1, "auditorium-2": ATTENDEES - CAPACITY + 1}
    hall_people = [crowd[i] for i in range(ATTENDEES) if where[i] == "auditorium"]
    overflow = [crowd[i] for i in range(ATTENDEES) if where[i] == "auditorium-2"]
    assert [i["id"] for i in server._health()["instances"]] == ["building", "auditorium", "auditorium-2"]

    # Seated people are seen seated by others in their copy.
    def sees_seated(snapshot: Snapshot) -> bool:
        ids, _, _, anim = snapshot.arrays()
        return any(int(a) == ANIM_SIT for i, a in zip(ids, anim, strict=True) if int(i) != overflow[0].avatar_id)

    await overflow[0].expect(lambda m: isinstance(m, Snapshot) and sees_seated(m), since=0)

    # In the hall, the audience sees the host standing on the stage, and each other seated.
    def host_on_stage(snapshot: Snapshot) -> bool:
        ids, pos, _, anim = snapshot.arrays()
        shown = {int(i): (p / 100.0, int(a)) for i, p, a in zip(ids, pos, anim, strict=True)}
        if host.avatar_id not in shown or len(shown) < CAPACITY:
            return False
        (x, y), anim_host = shown.pop(host.avatar_id)
        return (stage.box.contains_point(x, y) and anim_host != ANIM_SIT
                and all(a == ANIM_SIT and not stage.box.contains_point(*p) for p, a in shown.values()))

    await hall_people[0].expect(lambda m: isinstance(m, Snapshot) and host_on_stage(m), since=0)

    # ── a speaker's line reaches both copies ────────────────────────────────
    marks = {id(p): p.mark() for p in (hall_people[0], overflow[0], overflow[-1])}
    done = await ask(host, StageSay(request_id=rid(), event_id=event_id, text="Selamat pagi, warga Tallo"))
    assert isinstance(done, EventDone) and done.id == 1
    for p in (hall_people[0], overflow[0], overflow[-1]):
        line = await p.expect(lambda m: isinstance(m, StageLine), since=marks[id(p)])
        assert (line.id, line.text, line.name) == (1, "Selamat pagi, warga Tallo", "Walikota")
    refused(await ask(overflow[0], StageSay(request_id=rid(), event_id=event_id, text="saya mau bicara")),
            ErrorCode.NOT_SPEAKER)

    # ── a hand raised in the overflow reaches the host; the floor is given ──
    mark = host.mark()
    assert isinstance(await ask(overflow[1], HandRaise(request_id=rid(), event_id=event_id, up=True)), EventDone)
    hall = await host.expect(lambda m: isinstance(m, EventHall) and len(m.hands) == 1, since=mark)
    assert hall.hands[0]["name"] == "Warga " + overflow_name(crowd, overflow[1])
    assert {c["instance"]: c["attendees"] for c in hall.copies} == {"auditorium": CAPACITY, "auditorium-2": 11}
    floor_to = hall.hands[0]["account_id"]
    mark = overflow[1].mark()
    assert isinstance(await ask(host, FloorGive(request_id=rid(), event_id=event_id, account_id=floor_to)), EventDone)
    await overflow[1].expect(lambda m: isinstance(m, EventNotice) and m.kind == "floor", since=mark)
    mark = hall_people[3].mark()
    said = await ask(overflow[1], StageSay(request_id=rid(), event_id=event_id, text="Drainase di Jalan Sabutung"))
    assert isinstance(said, EventDone) and said.id == 2
    heard = await hall_people[3].expect(lambda m: isinstance(m, StageLine) and m.id == 2, since=mark)
    assert heard.account_id == floor_to

    # ── a poll answered from both copies gives exact totals ─────────────────
    mark = overflow[2].mark()
    opened_poll = await ask(host, PollOpen(
        request_id=rid(), event_id=event_id, question="Prioritas 2027?", options=("Jalan", "Drainase", "Taman"),
        live=False,
    ))
    poll_id = opened_poll.id
    first = await overflow[2].expect(lambda m: isinstance(m, Poll), since=mark)
    assert first.open and first.counts == ()
    votes = await asyncio.gather(*(
        ask(p, PollVote(request_id=rid(), event_id=event_id, poll_id=poll_id, option=i % 3))
        for i, p in enumerate(crowd)
    ))
    assert all(isinstance(v, EventDone) for v in votes), [v for v in votes if not isinstance(v, EventDone)]
    refused(await ask(overflow[0], PollVote(request_id=rid(), event_id=event_id, poll_id=poll_id, option=1)),
            ErrorCode.ALREADY_VOTED)
    marks = {id(p): p.mark() for p in (hall_people[0], overflow[0])}
    await ask(host, PollClose(request_id=rid(), event_id=event_id, poll_id=poll_id))
    for p in (hall_people[0], overflow[0]):
        final = await p.expect(lambda m: isinstance(m, Poll) and not m.open, since=marks[id(p)])
        assert final.counts == (10, 10, 10) and final.total == ATTENDEES

    # ── a question upvoted from both copies ─────────────────────────────────
    asked = await ask(hall_people[1], QuestionAsk(request_id=rid(), event_id=event_id, text="Kapan banjir diatasi?"))
    assert isinstance(asked, EventDone) and asked.id == 1
    mark = host.mark()
    seen = {id(p): p.mark() for p in (hall_people[4], overflow[5])}
    for voter in (hall_people[2], overflow[3]):
        assert isinstance(await ask(voter, QuestionVote(request_id=rid(), event_id=event_id, question_id=1)), EventDone)
    refused(await ask(overflow[3], QuestionVote(request_id=rid(), event_id=event_id, question_id=1)),
            ErrorCode.ALREADY_VOTED)
    # The host gets the hall's list and then its own (hidden questions, askers' accounts).
    asker = await asyncio.get_running_loop().run_in_executor(
        None, server.store.get_account_by_username, f"warga{crowd.index(hall_people[1]):02d}"
    )
    listed = await host.expect(
        lambda m: isinstance(m, Questions) and m.questions and m.questions[0]["votes"] == 2
        and m.questions[0]["account_id"] == asker.id, since=mark
    )
    assert listed.questions[0]["text"] == "Kapan banjir diatasi?"

    # ── the host moderates whoever asked, by the account its list names ─────
    for p in (hall_people[4], overflow[5]):  # attendees, in the hall and in the copy, don't learn it
        theirs = await p.expect(lambda m: isinstance(m, Questions) and m.questions and m.questions[0]["votes"] == 2,
                                since=seen[id(p)])
        assert theirs.questions[0]["account_id"] == 0
    mark = hall_people[1].mark()
    muted = await ask(host, EventModerate(request_id=rid(), event_id=event_id, account_id=asker.id, action="mute"))
    assert isinstance(muted, EventDone), muted
    await hall_people[1].expect(lambda m: isinstance(m, EventNotice) and m.kind == "muted", since=mark)
    refused(await ask(hall_people[1], QuestionAsk(request_id=rid(), event_id=event_id, text="Halo lagi?")),
            ErrorCode.MUTED)

    # ── someone not in the event ────────────────────────────────────────────
    outsider = await people.citizen(server, "pendatang01", "Pendatang")
    refused(await ask(outsider, QuestionAsk(request_id=rid(), event_id=event_id, text="Halo?")), ErrorCode.NOT_IN_EVENT)

    # ── the end, and the record ─────────────────────────────────────────────
    ended = await ask(host, EventControl(request_id=rid(), event_id=event_id, action="end"))
    assert isinstance(ended, EventInfo) and ended.event["status"] == "ended"
    refused(await ask(overflow[4], HandRaise(request_id=rid(), event_id=event_id)), ErrorCode.EVENT_ENDED)
    refused(await ask(host, StageSay(request_id=rid(), event_id=event_id, text="lagi")), ErrorCode.EVENT_ENDED)

    await server.runner.drain()
    export = await asyncio.get_running_loop().run_in_executor(None, server.store.export_event, event_id)
    assert export["event"]["status"] == "ended" and export["registrations"] == 1
    assert [ln["text"] for ln in export["transcript"]] == ["Selamat pagi, warga Tallo", "Drainase di Jalan Sabutung"]
    assert export["polls"][0]["counts"] == [10, 10, 10] and export["polls"][0]["closed_at"]
    assert [(q["text"], q["votes"]) for q in export["questions"]] == [("Kapan banjir diatasi?", 2)]
    stays = export["attendance"]
    assert Counter(a["instance"] for a in stays) == {"auditorium": CAPACITY, "auditorium-2": 11}
    assert all(a["left_at"] for a in stays)
    summary = summarize(export)
    assert summary["attendees"] == ATTENDEES + 1 and summary["peak_attendees"] == ATTENDEES + 1
    assert summary["polls"][0]["results"] == {"Jalan": 10, "Drainase": 10, "Taman": 10}
    table = export_csv(export)
    assert table.count("\nattendance,") == ATTENDEES + 1 and table.count("\nline,") == 2


def overflow_name(crowd, person) -> str:
    return f"{crowd.index(person):02d}"
