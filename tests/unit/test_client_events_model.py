"""The client's town-hall event model: every server event message, commands with request ids,
errors matched by their ref, the bounded transcript, subtitles and the vote-once state."""

from __future__ import annotations

import pytest

from makaverse.client.state.events import SUBTITLE_FADE_MS, SUBTITLE_MS, EventModel
from makaverse.client.state.router import Router
from makaverse.client.state.session import ClientSession
from makaverse.protocol import (
    Error,
    EventBoard,
    EventControl,
    EventDone,
    EventHall,
    EventInfo,
    EventJoin,
    EventJoined,
    EventLeave,
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
    QuestionMark,
    Questions,
    QuestionVote,
    Seated,
    Sit,
    Slide,
    SlideAdd,
    SlideShow,
    SpeakerSet,
    StageLine,
    StageSay,
    Welcome,
)
from makaverse.world import load_default_world

ME = 7


def welcome(role: str = "citizen", resumed: bool = False) -> Welcome:
    return Welcome(avatar_id=ME, name="Andi", role=role, world_id="balai_kota", tick_hz=20, snapshot_hz=20,
                   input_hz=20, interest_radius_cm=3000, server_time_ms=1000, x_cm=0, y_cm=-400, yaw=0,
                   resumed=resumed)


def event_map(eid: int, title: str, status: str = "scheduled", start_ms: int = 1000, **kw) -> dict:
    m = {"id": eid, "title": title, "description": "", "opd": "DISKOMINFO", "start_ms": start_ms,
         "end_ms": start_ms + 3_600_000, "capacity": 300, "lang": "id", "status": status,
         "doors": "open" if status == "live" else "closed", "host": "Walikota", "registered": 3}
    m.update(kw)
    return m


def hall(eid: int = 1, hands=(), floor: int = 0, speakers=(), copies=(("auditorium", 5),)) -> EventHall:
    return EventHall(event_id=eid, status="live", doors="open", host_account=2, speakers=tuple(speakers),
                     hands=tuple({"account_id": a, "name": n, "avatar_id": av} for a, n, av in hands), floor=floor,
                     copies=tuple({"instance": i, "attendees": n} for i, n in copies))


def poll(pid: int = 1, is_open: bool = True, counts=(), total: int = 0, eid: int = 1) -> Poll:
    return Poll(event_id=eid, poll_id=pid, question="Prioritas?", options=("Jalan", "Taman", "Pasar"), open=is_open,
                live=True, counts=tuple(counts), total=total)


def joined_model(role: str = "citizen") -> EventModel:
    m = EventModel()
    m.handle(welcome(role), 0.0)
    rid = m.join(1)
    m.handle(EventJoined(request_id=rid, event_id=1, instance="auditorium", seat=4, part="attendee"), 0.0)
    m.drain()
    return m


def test_the_board_lists_live_events_first_then_the_soonest():
    m = EventModel()
    rid = m.list_events()
    [sent] = m.drain()
    assert isinstance(sent, EventList) and sent.request_id == rid
    m.handle(EventBoard(request_id=rid, events=(event_map(2, "Musrenbang", start_ms=5000),
                                                  event_map(3, "Rembuk", start_ms=2000),
                                                  event_map(1, "Town hall", "live", start_ms=9000))), 0.0)
    assert [e.id for e in m.board] == [1, 3, 2]
    assert m.board[0].live and m.board[0].opd == "DISKOMINFO" and m.board[0].registered == 3
    assert m.pending(rid) is None  # answered
    before = m.rev["board"]
    m.handle(EventInfo(request_id=0, event=event_map(2, "Musrenbang", "live", start_ms=5000)), 0.0)  # pushed
    assert [e.id for e in m.board] == [2, 1, 3] and m.rev["board"] == before + 1


def test_register_marks_the_event_as_yours_when_the_server_answers():
    m = EventModel()
    rid = m.register(3)
    [sent] = m.drain()
    assert isinstance(sent, EventRegister) and (sent.request_id, sent.event_id) == (rid, 3)
    assert 3 not in m.registered
    m.handle(EventInfo(request_id=rid, event=event_map(3, "Rembuk", registered=4)), 10.0)
    assert 3 in m.registered and m.entry(3).registered == 4
    assert m.toasts[-1].key == "event.registered" and m.toasts[-1].value("title") == "Rembuk"


def test_join_seated_and_joined_set_the_event_you_are_in():
    m = EventModel()
    m.handle(welcome(), 0.0)
    rid = m.join(1)
    [sent] = m.drain()
    assert isinstance(sent, EventJoin) and sent.event_id == 1
    m.handle(Seated(request_id=0, seat=4, x_cm=250, y_cm=-100, yaw=16384), 0.0)
    assert m.seated is not None and m.seated.seat == 4 and m.seated.x == pytest.approx(2.5)
    assert m.seated.yaw == pytest.approx(1.5708, abs=1e-3)
    m.handle(EventJoined(request_id=rid, event_id=1, instance="auditorium-2", seat=4, part="attendee"), 0.0)
    assert m.in_event and m.event_id == 1 and m.joined.instance == "auditorium-2" and m.part == "attendee"
    assert m.seated is not None and m.seated.seat == 4  # `seated` came first: joining keeps it
    # E on another seat
    rid = m.sit(9)
    [sent] = m.drain()
    assert isinstance(sent, Sit) and sent.seat == 9
    m.handle(Seated(request_id=rid, seat=9, x_cm=300, y_cm=-200, yaw=16384), 0.0)
    assert m.seated.seat == 9 and m.joined.seat == 9
    m.stood_up()
    assert m.seated is None


def test_the_host_going_to_its_event_is_placed_standing_on_the_stage():
    """`placed` (the host or a speaker): where you stand and face, taken once (`rev["placed"]`);
    it stands you up if you sat, and `event_joined` keeps it."""
    m = EventModel()
    m.handle(welcome(), 0.0)
    m.handle(Seated(request_id=0, seat=4, x_cm=250, y_cm=5000, yaw=0), 0.0)
    rid = m.join(1)
    m.drain()
    m.handle(Placed(request_id=0, x_cm=0, y_cm=6540, yaw=32768), 0.0)
    assert m.seated is None and m.rev["placed"] == 1
    assert (m.placed.x, m.placed.y) == pytest.approx((0.0, 65.4)) and m.placed.yaw == pytest.approx(3.14159, abs=1e-3)
    m.handle(EventJoined(request_id=rid, event_id=1, instance="auditorium", seat=-1, part="host"), 0.0)
    assert m.part == "host" and m.joined.seat == -1 and m.seated is None and m.placed is not None


def test_the_hall_hands_floor_and_copies():
    m = joined_model()
    m.handle(hall(hands=((11, "Sari", 3), (12, "Andi", ME)), floor=0, copies=(("auditorium", 20),
                                                                              ("auditorium-2", 10))), 0.0)
    h = m.hall
    assert h.attendees == 30 and [x.name for x in h.hands] == ["Sari", "Andi"]
    assert m.hand_position() == 2 and m.hand_up and m.account_id == 12 and not m.has_floor
    m.handle(hall(hands=((11, "Sari", 3),), floor=12), 0.0)
    assert m.has_floor and m.hand_position() == 0 and not m.hand_up


def test_hand_raise_and_lower_send_the_joined_event():
    m = joined_model()
    rid = m.toggle_hand()
    [sent] = m.drain()
    assert isinstance(sent, HandRaise) and (sent.event_id, sent.up, sent.request_id) == (1, True, rid)
    m.handle(EventDone(request_id=rid, event_id=1), 0.0)
    assert m.hand_up
    m.toggle_hand()
    [sent] = m.drain()
    assert sent.up is False


def test_commands_needing_an_event_are_refused_here_when_you_are_in_none():
    m = EventModel()
    assert m.hand(True) == 0 and m.ask("Kapan?") == 0 and m.drain() == []
    assert m.errors[-1].code == "not_in_event" and m.toasts[-1].key == "error.not_in_event"


def test_errors_are_matched_by_their_ref_and_others_are_not_claimed():
    m = joined_model()
    rid = m.sit(2)
    m.drain()
    assert m.handle(Error(code="seat_taken", ref=rid + 1000), 0.0) is False  # not ours
    assert m.handle(Error(code="seat_taken", ref=0), 0.0) is False
    assert m.handle(Error(code="seat_taken", ref=rid), 5.0) is True
    err = m.errors[-1]
    assert (err.kind, err.code, err.ref, err.context) == ("sit", "seat_taken", rid, 2)
    assert m.toasts[-1].key == "error.seat_taken" and m.toasts[-1].tone == "bad"
    assert m.handle(Error(code="seat_taken", ref=rid), 5.0) is False  # answered once only


def test_through_the_router_an_error_reaches_the_event_model_first_claimed():
    session = ClientSession(load_default_world())
    m = EventModel(ids=session.next_request_id)
    session.router.add(m.handle, owns=m.OWNS, watches=m.WATCHES)
    session.handle(welcome(), 0.0)
    rid = m.register(5)
    session.handle(Error(code="login_required", ref=rid), 1.0)
    assert session.notice is None and m.errors[-1].code == "login_required"
    session.handle(Error(code="rate_limited", ref=999), 1.0)  # nobody's: the session shows it
    assert session.notice is not None


def test_every_owned_message_type_has_a_handler():
    m = EventModel()
    router = Router()
    router.add(m.handle, owns=m.OWNS, watches=m.WATCHES)
    for kind in m.OWNS + m.WATCHES:
        assert kind is Error or kind in EventModel._HANDLERS


def test_stage_lines_make_a_bounded_transcript_and_fading_subtitles():
    m = EventModel(transcript_max=5)
    m.handle(welcome(), 0.0)
    rid = m.join(1)
    m.handle(EventJoined(request_id=rid, event_id=1, instance="auditorium", seat=0, part="attendee"), 0.0)
    for i in range(1, 9):
        m.handle(StageLine(event_id=1, id=i, account_id=2, name="Walikota", text=f"baris {i}",
                           server_time_ms=1000 + i), 1000.0 * i)
    assert len(m.transcript) == 5 and [x.id for x in m.transcript] == [4, 5, 6, 7, 8]
    now = 8000.0
    subs = m.subtitles(now)
    assert [(line.text, alpha) for line, alpha in subs] == [("baris 7", 1.0), ("baris 8", 1.0)]
    fading = m.subtitles(8000.0 + SUBTITLE_MS - SUBTITLE_FADE_MS / 2)
    assert [line.id for line, _ in fading] == [8] and fading[0][1] == pytest.approx(0.5)
    assert m.subtitles(8000.0 + SUBTITLE_MS) == []


def test_questions_sorted_as_sent_and_upvoted_once():
    m = joined_model()
    m.handle(Questions(event_id=1, questions=(
        {"id": 3, "text": "Kapan jalan diperbaiki?", "name": "Sari", "account_id": 0, "votes": 5, "answered": False, "hidden": False},
        {"id": 1, "text": "Taman?", "name": "Budi", "account_id": 0, "votes": 1, "answered": True, "hidden": False},
    )), 0.0)
    assert [q.id for q in m.questions] == [3, 1]
    rid = m.vote_question(3)
    [sent] = m.drain()
    assert isinstance(sent, QuestionVote) and (sent.question_id, sent.request_id) == (3, rid)
    assert 3 in m.voted_questions
    assert m.vote_question(3) == 0 and m.drain() == []  # once
    assert m.errors[-1].code == "already_voted"
    # a refusal for another reason lets you vote again
    rid = m.vote_question(1)
    m.handle(Error(code="event_ended", ref=rid), 0.0)
    assert 1 not in m.voted_questions
    m.drain()
    # asking
    rid = m.ask("Bagaimana dengan banjir?")
    [sent] = m.drain()
    assert isinstance(sent, QuestionAsk) and sent.event_id == 1
    m.handle(EventDone(request_id=rid, event_id=1, id=4), 0.0)
    assert m.asked == [4] and m.last_done["ask"] == 4


def test_poll_vote_once_and_the_results():
    m = joined_model()
    assert m.vote_poll(0) == 0 and m.errors[-1].code == "poll_closed"  # no poll yet
    m.handle(poll(1, counts=(0, 0, 0)), 0.0)
    assert m.poll.poll_id == 1 and not m.voted()
    rid = m.vote_poll(1)
    [sent] = m.drain()
    assert isinstance(sent, PollVote) and (sent.poll_id, sent.option, sent.event_id) == (1, 1, 1)
    assert m.voted() and m.poll_votes == {1: 1}
    assert m.vote_poll(2) == 0 and m.drain() == [] and m.errors[-1].code == "already_voted"
    m.handle(EventDone(request_id=rid, event_id=1), 0.0)
    assert m.toasts[-1].key == "event.voted"
    m.handle(poll(1, counts=(0, 1, 0), total=1), 0.0)
    assert m.poll.counts == (0, 1, 0) and m.poll.total == 1
    # a second poll opens: it is the one shown, and you may vote in it
    m.handle(poll(2, counts=()), 0.0)
    assert m.poll.poll_id == 2 and not m.voted()
    rid = m.vote_poll(0)
    m.handle(Error(code="poll_closed", ref=rid), 0.0)
    assert not m.voted(2)  # refused: not counted as voted
    m.handle(poll(2, is_open=False, counts=(4, 2, 1), total=7), 0.0)
    m.handle(poll(1, is_open=False, counts=(0, 1, 0), total=1), 0.0)
    assert m.poll.poll_id == 1 and not m.poll.open  # the last heard of, once none is open
    assert [p.poll_id for p in m.polls()] == [1, 2]
    # the server saying you voted already (say, before a reconnect) keeps it marked
    m.handle(poll(3), 0.0)
    rid = m.vote_poll(0)
    m.handle(Error(code="already_voted", ref=rid), 0.0)
    assert m.voted(3)


def test_slides_and_notices():
    m = joined_model()
    m.handle(Slide(event_id=1, index=2, count=5, kind="markdown", text="# Anggaran"), 0.0)
    assert (m.slide.index, m.slide.count, m.slide.text) == (2, 5, "# Anggaran")
    m.handle(EventBoard(request_id=0, events=(event_map(1, "Rembuk"),)), 0.0)
    m.handle(EventNotice(event_id=1, kind="started", title="Rembuk", stored=True), 50.0)
    [n] = m.take_notices()
    assert (n.kind, n.stored, n.key) == ("started", True, "event.notice.started") and m.take_notices() == []
    assert m.entry(1).live
    assert m.toasts[-1].key == "event.notice.started" and m.toasts[-1].value("title") == "Rembuk"
    m.handle(EventNotice(event_id=1, kind="muted", title="Rembuk"), 60.0)
    assert m.muted
    m.handle(EventNotice(event_id=1, kind="unmuted", title="Rembuk"), 60.0)
    assert not m.muted
    m.handle(EventNotice(event_id=1, kind="ended", title="Rembuk"), 70.0)
    assert m.entry(1).status == "ended"
    m.handle(EventNotice(event_id=1, kind="removed", title="Rembuk"), 80.0)
    assert not m.in_event and m.slide is None
    assert [t.key for t in m.recent_toasts(80.0, limit=2)] == ["event.notice.ended", "event.notice.removed"]


def test_leaving_and_walking_out_of_the_hall():
    m = joined_model()
    m.handle(InstanceChanged(instance="auditorium-2", kind="auditorium"), 0.0)
    assert m.joined.instance == "auditorium-2"
    rid = m.leave()
    [sent] = m.drain()
    assert isinstance(sent, EventLeave) and sent.event_id == 1
    m.handle(EventDone(request_id=rid, event_id=1), 0.0)
    assert not m.in_event
    m = joined_model()
    m.handle(InstanceChanged(instance="building", kind="building"), 0.0)
    assert not m.in_event


def test_a_fresh_welcome_forgets_what_was_pending_and_the_hall_and_goes_back_in():
    m = joined_model()
    rid = m.sit(3)
    m.handle(welcome(), 0.0)
    assert m.pending(rid) is None and not m.in_event
    [again] = m.drain()  # not the sit: only "go to event" again (a restart forgets who was in the hall)
    assert isinstance(again, EventJoin) and again.event_id == 1
    m = EventModel()
    m.handle(welcome(), 0.0)
    assert m.drain() == []  # in no event: nothing to go back to
    m = joined_model()
    m.handle(welcome(resumed=True), 0.0)
    assert m.in_event  # the same avatar back: still in the event


def test_host_commands_build_their_messages():
    m = joined_model("host")
    assert m.is_host_role
    built = [
        (m.schedule("Rembuk warga", 1000, 2000, opd="BAPPEDA", capacity=50), EventSchedule),
        (m.control("open", 3), EventControl),
        (m.speaker_set(12, True), SpeakerSet),
        (m.floor_give(12), FloorGive),
        (m.mark_question(3, "answered"), QuestionMark),
        (m.poll_open("Prioritas?", ["Jalan", "Taman"], live=False), PollOpen),
        (m.moderate(12, "mute", "spam"), EventModerate),
        (m.slide_add("markdown", text="# Halo"), SlideAdd),
        (m.slide_show(0), SlideShow),
        (m.stage_say("Selamat pagi"), StageSay),
    ]
    sent = m.drain()
    assert [type(s) for s in sent] == [kind for _, kind in built]
    assert [s.request_id for s in sent] == [rid for rid, _ in built] and len({rid for rid, _ in built}) == len(built)
    assert sent[1].event_id == 3 and all(s.event_id == 1 for s in sent[2:])
    m.handle(poll(5), 0.0)
    m.poll_close()
    [sent_close] = m.drain()
    assert isinstance(sent_close, PollClose) and sent_close.poll_id == 5
    m.handle(EventDone(request_id=built[5][0], event_id=1, id=5), 0.0)
    assert m.last_done["poll_open"] == 5


def test_text_the_server_would_refuse_is_refused_here_and_not_sent():
    m = joined_model()
    assert m.stage_say("   ") == 0 and m.drain() == []
    assert m.errors[-1].kind == "stage_say"
