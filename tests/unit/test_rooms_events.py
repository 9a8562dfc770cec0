"""The events component and an overflow copy's door, with numbers for "now", store answers fed by
hand and the bus played by the test; seats and the stage in the simulation."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from makaverse.protocol import (
    ErrorCode,
    EventControl,
    EventDone,
    EventHall,
    EventInfo,
    EventJoin,
    EventJoined,
    EventNotice,
    EventSchedule,
    Input,
    Poll,
    PollOpen,
    PollVote,
    QuestionAsk,
    Questions,
    Sit,
    SpeakerSet,
    StageLine,
    StageSay,
    decode,
    quant,
)
from makaverse.protocol.messages import ANIM_IDLE, ANIM_SIT
from makaverse.server.rooms.actor import Actor
from makaverse.server.rooms.effects import (
    Call,
    Deliver,
    Effects,
    Move,
    Refused,
    ToAccount,
    ToConn,
    ToInstance,
)
from makaverse.server.rooms.events import (
    DOWN,
    UP,
    EventCopy,
    Events,
    down_to,
    is_copy_of,
    push_every_ms,
    unpack,
)
from makaverse.server.rooms.seats import Seats
from makaverse.server.services.events import EventRefusal
from makaverse.server.sim import AvatarInfo, Simulation
from makaverse.server.store.events_repo import EventRecord
from makaverse.world import load_default_world

WORLD = load_default_world()
T0 = 1_767_225_600_000


class Roster:
    def __init__(self) -> None:
        self.actors: dict[int, Actor] = {}

    def actor(self, avatar_id: int) -> Actor | None:
        return self.actors.get(avatar_id)

    def online(self, avatar_id: int) -> bool:
        return avatar_id in self.actors

    def avatar_of_account(self, account_id: int) -> int | None:
        return next((a.avatar_id for a in self.actors.values() if a.account_id == account_id), None)

    def zone_of(self, avatar_id: int) -> str:
        return ""


def record(**kw) -> EventRecord:
    base = dict(
        id=1, title="Rembuk Warga", description="", opd="", start_ms=T0, end_ms=T0 + 3_600_000, capacity=100,
        lang="id", host_id=1, host_name="Walikota", status="scheduled", doors="closed", registered=(),
    )
    base.update(kw)
    return EventRecord(**base)


def settle(fx: Effects, answers: dict[str, object] | None = None) -> Effects:
    """Run a handler to its end, answering store calls from `answers` (default None) and pushes with True;
    all effects in one, with a failure if it failed."""
    answers = answers or {}
    total = Effects(fx.ref)
    while True:
        total.out.extend(fx.out)
        if fx.failure is not None:
            total.failure = fx.failure
            return total
        if fx.pending is None:
            return total
        req = fx.pending.request
        answer = answers.get(req.method) if isinstance(req, Call) else True
        fx = fx.pending.resume(answer, None, T0)


def world_of(hall: str = "auditorium"):
    sim = Simulation(WORLD, issue_ids=False)
    roster = Roster()
    events = Events(hall, sim, roster, outside="building")
    return sim, roster, events


def person(roster: Roster, sim: Simulation, avatar_id: int, account_id: int, role: str = "citizen",
           instance: str = "auditorium", pos=(0.0, 47.0)) -> Actor:
    actor = Actor(conn_id=avatar_id, avatar_id=avatar_id, instance=instance, name=f"P{avatar_id}", role=role,
                  account_id=account_id)
    if sim is not None:
        sim.add_avatar(AvatarInfo(actor.name, role, 0), position=pos, avatar_id=avatar_id)
    roster.actors[avatar_id] = actor
    return actor


def live_event(events: Events, host: Actor) -> None:
    fx = settle(events.handle(EventSchedule(request_id=1, title="Rembuk Warga", start_ms=T0, end_ms=T0 + 1),
                              host, T0), {"create_event": record()})
    assert isinstance(fx.replies[0].msg, EventInfo)
    fx = settle(events.handle(EventControl(request_id=2, event_id=1, action="open"), host, T0),
                {"notify_event_started": [], "set_event_state": None})
    assert fx.failure is None, fx.failure
    assert events.halls[1].live


def attend(events: Events, actor: Actor, seat: int = 0) -> Effects:
    fx = settle(events.handle(EventJoin(request_id=50, event_id=1), actor, T0))
    assert fx.failure is None, fx.failure
    assert isinstance(fx.out[-1], Move) and fx.out[-1].seat
    return events.moved(actor, seat, T0)


def test_only_hosts_schedule():
    """A citizen's schedule is refused with not_host and no store call is made."""
    sim, roster, events = world_of()
    citizen = person(roster, sim, 5, 50)
    fx = events.handle(EventSchedule(request_id=1, title="x", start_ms=1, end_ms=2), citizen, T0)
    assert fx.pending is None and isinstance(fx.failure, Refused) and fx.failure.code == ErrorCode.NOT_HOST


def test_opening_tells_the_registered_and_the_join_completes_on_arrival():
    """Opening delivers the 'started' notices; 'go to event' moves you to a seat and event_joined follows."""
    sim, roster, events = world_of()
    host = person(roster, sim, 1, 1, role="host")
    fx = settle(events.handle(EventSchedule(request_id=1, title="Rembuk", start_ms=T0, end_ms=T0 + 1), host, T0),
                {"create_event": record()})
    notices = [SimpleNamespace(id=9, account_id=50)]
    run = events.handle(EventControl(request_id=2, event_id=1, action="open"), host, T0)
    fx = settle(run, {"notify_event_started": notices, "set_event_state": None, "mark_delivered": 1})
    assert fx.failure is None
    citizen = person(roster, sim, 5, 50, instance="building", pos=(0.0, 10.0))
    fx = settle(events.handle(EventJoin(request_id=7, event_id=1), citizen, T0))
    assert fx.out == [Move(5, "auditorium", seat=True)]
    arrived = Actor(conn_id=5, avatar_id=5, instance="auditorium", name="P5", role="citizen", account_id=50)
    fx = events.moved(arrived, 12, T0)
    joined = [r.msg for r in fx.replies if isinstance(r.msg, EventJoined)]
    assert joined == [EventJoined(request_id=7, event_id=1, instance="auditorium", seat=12, part="attendee")]
    assert any(isinstance(r.msg, EventHall) for r in fx.replies)
    assert [w.call.method for w in fx.writes] == ["save_event_records"]
    assert fx.writes[0].call.args[0][0]["instance"] == "auditorium"
    assert events.halls[1].attendees == {50: "auditorium"}


def test_a_speaker_line_reaches_the_hall_and_every_copy():
    """A host's stage line is pushed to the hall's instance and published down the bus; a citizen's is refused."""
    sim, roster, events = world_of()
    host = person(roster, sim, 1, 1, role="host")
    live_event(events, host)
    citizen = person(roster, sim, 5, 50)
    attend(events, citizen)
    fx = settle(events.handle(StageSay(request_id=3, event_id=1, text="Selamat pagi"), host, T0))
    pushes = [p for p in fx.pushes if p.target == ToInstance("auditorium")]
    line = decode(pushes[0].msg)
    assert isinstance(line, StageLine) and line.text == "Selamat pagi" and line.server_time_ms == T0
    down = [unpack(p.payload) for p in fx.bus if p.channel == DOWN]
    assert down[0]["to"] == "all" and decode(down[0]["msg"]) == line
    # The copies in this process hear it at once, ahead of what the bus has queued (a poll's replies).
    assert [p.at_once for p in fx.bus if p.channel == DOWN] == [True]
    assert [r.msg for r in fx.replies] == [EventDone(request_id=3, event_id=1, id=1)]
    fx = settle(events.handle(StageSay(request_id=4, event_id=1, text="saya juga"), citizen, T0))
    assert isinstance(fx.failure, EventRefusal) and fx.failure.code is ErrorCode.NOT_SPEAKER
    assert not fx.pushes and not fx.bus and events.halls[1].lines == 1


def test_a_copy_forwards_up_and_hands_replies_down():
    """A command in an overflow copy goes up the bus; the authority's reply comes down to that one connection."""
    sim, roster, events = world_of()
    host = person(roster, sim, 1, 1, role="host")
    live_event(events, host)
    copy_sim = Simulation(WORLD, issue_ids=False)
    copy = EventCopy("auditorium-2", copy_sim, roster, process="p2")
    far = person(roster, None, 8, 80, instance="auditorium-2")  # type: ignore[arg-type]
    attend(events, far)
    up = copy.handle(QuestionAsk(request_id=11, event_id=1, text="Kapan banjir diatasi?"), far, T0)
    assert [p.channel for p in up.bus] == [UP]
    forwarded = events.from_copy(up.bus[0].payload)
    assert forwarded is not None
    actor, cmd = forwarded.actor, forwarded.msg
    assert forwarded.kind == "cmd" and actor == far and isinstance(cmd, QuestionAsk)
    # A copy in this process: the reply goes straight to the connection, no pass down the bus.
    here = events.relay(settle(events.handle(QuestionAsk(request_id=10, event_id=1, text="Di sini?"), actor, T0)),
                        actor)
    assert [r.msg for r in here.replies] == [EventDone(request_id=10, event_id=1, id=1)] and not here.bus
    # A copy in another process: down the bus to that copy, which hands it to the connection.
    fx = settle(events.handle(cmd, actor, T0))
    assert forwarded.process == "p2"
    fx = events.relay(fx, actor, forwarded.process)
    assert not fx.replies  # nothing is sent straight to a connection in another process
    # On p2's own channel: the other processes do not read it.
    assert not [p for p in fx.bus if p.channel == DOWN]
    down = [p for p in fx.bus if p.channel == down_to("p2")]
    assert not any(p.at_once for p in down)  # a reply keeps its place behind what came before it
    out = copy.receive(DOWN, down[0].payload, T0)
    assert [(p.target, decode(p.msg)) for p in out.pushes] == [(ToConn(8), EventDone(request_id=11, event_id=1, id=2))]
    other = EventCopy("auditorium-3", Simulation(WORLD, issue_ids=False), roster, process="p2")
    assert not other.receive(DOWN, down[0].payload, T0).pushes  # meant for auditorium-2 only
    foreign = EventCopy("auditorium-2", Simulation(WORLD, issue_ids=False), roster, origin="another-process",
                        process="p2")
    assert not foreign.receive(DOWN, down[0].payload, T0).pushes  # another authority's copy
    stranger = Events("auditorium", sim, roster, outside="building", origin="another-process")
    assert stranger.from_copy(up.bus[0].payload) is None
    # The wiring hands a reply to its one copy only; a broadcast to every copy.
    assert EventCopy.addressed_to(down[0].payload) == "auditorium-2"
    said = settle(events.handle(StageSay(request_id=12, event_id=1, text="Selamat pagi"), host, T0))
    assert [EventCopy.addressed_to(p.payload) for p in said.bus if p.channel == DOWN] == [None]


def test_an_actor_travels_the_bus_as_its_fields():
    actor = Actor(conn_id=3, avatar_id=4, instance="auditorium-2", name="Budi", role="citizen", account_id=9,
                  username="budi", opd="", lang="en")
    assert Actor(**actor.as_dict()) == actor
    assert actor.as_dict() == {"conn_id": 3, "avatar_id": 4, "instance": "auditorium-2", "name": "Budi",
                               "role": "citizen", "account_id": 9, "username": "budi", "opd": "", "lang": "en"}


def test_poll_totals_from_hall_and_copy_are_exact_and_pushed_at_most_four_times_a_second():
    """Votes from the hall and a copy are counted once each; live counts are pushed on the next tick after 250 ms."""
    sim, roster, events = world_of()
    host = person(roster, sim, 1, 1, role="host")
    live_event(events, host)
    voters = [person(roster, sim, 10 + i, 100 + i, instance="auditorium" if i < 3 else "auditorium-2")
              for i in range(5)]
    for v in voters:
        attend(events, v)
    fx = settle(events.handle(PollOpen(request_id=20, event_id=1, question="Prioritas?", options=("a", "b")), host, T0))
    assert isinstance(decode(fx.pushes[0].msg), Poll)
    assert fx.bus and not any(p.at_once for p in fx.bus)  # only a stage line overtakes the bus's queue
    for i, v in enumerate(voters):
        fx = settle(events.handle(PollVote(request_id=30 + i, event_id=1, poll_id=1, option=i % 2), v, T0))
        assert fx.failure is None
    again = settle(events.handle(PollVote(request_id=40, event_id=1, poll_id=1, option=1), voters[0], T0))
    assert isinstance(again.failure, EventRefusal) and again.failure.code is ErrorCode.ALREADY_VOTED
    assert events.halls[1].polls[1].counts() == [3, 2]
    first = events.tick(T0)
    polls = [decode(p.msg) for p in first.pushes if isinstance(p.msg, bytes) and isinstance(decode(p.msg), Poll)]
    assert polls and polls[-1].counts == (3, 2) and polls[-1].total == 5
    settle(events.handle(QuestionAsk(request_id=41, event_id=1, text="Apa?"), voters[1], T0))
    assert not events.tick(T0 + 100)  # too soon
    later = events.tick(T0 + 300)
    assert any(isinstance(p.msg, Questions) for p in later.pushes)  # the host's own list with hidden ones


def test_a_big_audience_gets_the_halls_lists_less_often():
    """With 1,200 attending, the hall's list goes out every 750 ms instead of every 250 ms."""
    sim, roster, events = world_of()
    host = person(roster, sim, 1, 1, role="host")
    live_event(events, host)
    hall = events.halls[1]
    for account in range(1000, 2200):
        hall.attendees[account] = "auditorium-2"
    events.dirty.add((1, "hall"))
    assert any(isinstance(p.msg, bytes) and isinstance(decode(p.msg), EventHall) for p in events.tick(T0).pushes)
    events.dirty.add((1, "hall"))
    assert not events.tick(T0 + 300).out and not events.tick(T0 + 700).out
    assert any(isinstance(decode(p.msg), EventHall) for p in events.tick(T0 + 750).pushes)
    assert push_every_ms(0) == push_every_ms(500) == 250 and push_every_ms(5000) == 2500


def test_only_the_hosts_questions_carry_the_askers_account():
    """The host's `questions` name each asker's account (to mute or remove them); everyone else's carry 0."""
    sim, roster, events = world_of()
    host = person(roster, sim, 1, 1, role="host")
    live_event(events, host)
    asker = person(roster, sim, 10, 100)
    attend(events, asker)
    fx = settle(events.handle(QuestionAsk(request_id=41, event_id=1, text="Kapan banjir diatasi?"), asker, T0))
    assert fx.failure is None, fx.failure
    pushed = [(p.target, decode(p.msg) if isinstance(p.msg, bytes) else p.msg) for p in events.tick(T0).pushes]
    lists = {target: msg for target, msg in pushed if isinstance(msg, Questions)}
    assert [q["account_id"] for q in lists[ToAccount(1)].questions] == [100]
    assert [q["account_id"] for q in lists[ToInstance("auditorium")].questions] == [0]
    late = person(roster, sim, 11, 110)
    joined = [r.msg for r in attend(events, late).replies if isinstance(r.msg, Questions)]
    assert [q["account_id"] for q in joined[0].questions] == [0]  # an attendee's own copy on arrival


def test_a_failed_vote_is_undone():
    """When the store refuses a vote the hall forgets it, so the count stays what the store holds."""
    sim, roster, events = world_of()
    host = person(roster, sim, 1, 1, role="host")
    live_event(events, host)
    v = person(roster, sim, 10, 100)
    attend(events, v)
    settle(events.handle(PollOpen(request_id=20, event_id=1, question="Q", options=("a", "b")), host, T0))
    run = events.handle(PollVote(request_id=21, event_id=1, poll_id=1, option=0), v, T0)
    assert run.pending is not None
    failed = run.pending.resume(None, RuntimeError("disk full"), T0)
    assert failed.failure is not None
    assert events.halls[1].polls[1].counts() == [0, 0]


def test_notices_waiting_at_login_are_delivered_and_marked():
    """An 'event started' notification stored while offline is sent at the next login (stored=True)."""
    sim, roster, events = world_of()
    citizen = person(roster, sim, 5, 50, instance="building")
    fx = events.enter(citizen, T0)
    assert isinstance(fx.pending.request, Call) and fx.pending.request.method == "pending_notifications"
    waiting = [SimpleNamespace(id=3, kind="event_started", payload={"event_id": 1, "title": "Rembuk"}),
               SimpleNamespace(id=4, kind="request_status", payload={})]
    fx = fx.pending.resume(waiting, None, T0)
    assert isinstance(fx.pending.request, Deliver)
    assert fx.pending.request.msg == EventNotice(event_id=1, kind="started", title="Rembuk", stored=True)
    fx = fx.pending.resume(True, None, T0)
    assert fx.pending.request == Call("mark_delivered", ([3],), {}, "")


def test_copy_ids_belong_to_their_hall():
    """auditorium-2 is a copy of the auditorium; building is not."""
    assert is_copy_of("auditorium", "auditorium") and is_copy_of("auditorium", "auditorium-2")
    assert not is_copy_of("auditorium", "building")


# ── seats and the stage in the simulation ────────────────────────────────────
def walk(sim: Simulation, avatar_id: int, move: tuple[float, float], n: int) -> None:
    for seq in range(1, n + 1):
        sim.apply(avatar_id, Input(seq=seq, move_x=move[0], move_y=move[1], yaw=0))
        sim.step(0.05)


def test_sitting_snaps_shows_and_any_move_stands_you_up():
    """Sit snaps onto the seat with anim 3; walking away stands you up and frees the seat."""
    sim = Simulation(WORLD, issue_ids=False)
    seats = Seats(sim)
    roster = Roster()
    a = person(roster, sim, 1, 10, pos=tuple(WORLD.seats[0] + np.array([0.5, 0.0])))
    fx = seats.handle(Sit(request_id=1, seat=0), a, T0)
    assert fx.failure is None
    assert quant.cm_to_m(fx.replies[0].msg.x_cm) == WORLD.seats[0][0]
    sim.step(0.05)
    assert sim.avatars.anim[sim.avatars.slot_of[1]] == ANIM_SIT
    b = person(roster, sim, 2, 20, pos=tuple(WORLD.seats[0] + np.array([0.0, -0.6])))
    taken = seats.handle(Sit(request_id=2, seat=0), b, T0)
    assert isinstance(taken.failure, Refused) and taken.failure.code == ErrorCode.SEAT_TAKEN
    far = seats.handle(Sit(request_id=3, seat=len(WORLD.seats) - 1), b, T0)
    assert isinstance(far.failure, Refused) and far.failure.code == ErrorCode.TOO_FAR
    walk(sim, 1, (0.0, -1.0), 4)
    assert sim.seat_of(1) == -1 and sim.avatars.anim[sim.avatars.slot_of[1]] != ANIM_SIT
    assert not sim.seat_taken(0)
    walk(sim, 1, (0.0, 0.0), 1)
    assert sim.avatars.anim[sim.avatars.slot_of[1]] == ANIM_IDLE


def test_free_seat_fills_from_the_front():
    """'Go to event' seats people from the row nearest the stage, nearest the aisle first."""
    sim = Simulation(WORLD, issue_ids=False)
    front = WORLD.seats[:, 1].max()
    first = sim.free_seat()
    assert WORLD.seats[first][1] == front
    sim.add_avatar(AvatarInfo("a", "citizen", 0), position=(0.0, 47.0), avatar_id=1)
    sim.sit(1, first)
    assert sim.free_seat() != first


def test_the_stage_is_solid_except_for_those_allowed():
    """Walking north into the stage stops at its edge for a citizen; a speaker allowed on it walks up."""
    sim = Simulation(WORLD, issue_ids=False)
    edge = WORLD.stage.box.ymin
    for avatar_id in (1, 2):
        sim.add_avatar(AvatarInfo("p", "citizen", 0), position=(float(avatar_id), edge - 2.0), avatar_id=avatar_id)
    sim.allow_stage(2, True)
    for seq in range(1, 60):
        for avatar_id in (1, 2):
            sim.apply(avatar_id, Input(seq=seq, move_x=0.0, move_y=1.0, yaw=0))
        sim.step(0.05)
    assert sim.position(1)[1] < edge - WORLD.avatar_radius_m + 1e-6
    assert sim.position(2)[1] > edge + 1.0


def test_a_join_from_another_process_moves_there_and_completes_when_it_arrives():
    """'Go to event' from a building in another process: the move goes down to that process only,
    its arrival in a copy comes back up, and event_joined goes down to the new connection."""
    sim = Simulation(WORLD, issue_ids=False)
    roster = Roster()
    events = Events("auditorium", sim, roster, outside="building", origin="hall:auditorium", process="p1")
    host = person(roster, sim, 1, 1, role="host")
    live_event(events, host)
    # p2's building forwards its people's event commands up (no stage shown there).
    proxy = EventCopy("building", Simulation(WORLD, issue_ids=False), roster, origin="hall:auditorium",
                      process="p2", mirror=False, forward_hooks=True)
    walker = person(roster, None, 2_097_153, 70, instance="building")  # type: ignore[arg-type]
    up = proxy.handle(EventJoin(request_id=9, event_id=1), walker, T0)
    fwd = events.from_copy(up.bus[0].payload)
    assert fwd is not None and fwd.kind == "cmd" and fwd.process == "p2"
    fx = events.relay(settle(events.forwarded(fwd, T0)), fwd.actor, fwd.process)
    assert not any(isinstance(e, Move) for e in fx.out)  # not this process's to make
    down = [p.payload for p in fx.bus if p.channel == down_to("p2")]
    moves = [e for d in down for e in proxy.receive(DOWN, d, T0).out if isinstance(e, Move)]
    assert moves == [Move(walker.avatar_id, "auditorium", seat=True)]
    elsewhere = EventCopy("building", Simulation(WORLD, issue_ids=False), roster, origin="hall:auditorium",
                          process="p3", mirror=False, forward_hooks=True)
    assert not [e for d in down for e in elsewhere.receive(DOWN, d, T0).out]  # p3's building: not its person
    assert not [e for d in down for e in proxy.receive(DOWN, d, T0).pushes]  # no stage in a building
    # Redirected and seated in a copy on p2 (a new connection there), the arrival goes up.
    copy = EventCopy("auditorium-7", Simulation(WORLD, issue_ids=False), roster, origin="hall:auditorium",
                     process="p2", forward_hooks=True)
    arrived = Actor(conn_id=44, avatar_id=walker.avatar_id, instance="auditorium-7", name=walker.name,
                    role="citizen", account_id=70)
    up = copy.moved(arrived, 3, T0)
    fwd = events.from_copy(up.bus[0].payload)
    assert fwd is not None and fwd.kind == "moved" and fwd.seat == 3
    fx = events.relay(settle(events.forwarded(fwd, T0)), fwd.actor, fwd.process)
    assert events.halls[1].attendees[70] == "auditorium-7"
    pushed = [p for d in fx.bus if d.channel in (DOWN, down_to("p2")) for p in copy.receive(DOWN, d.payload, T0).pushes]
    joined = [decode(p.msg) for p in pushed if p.target == ToConn(44)]
    assert any(isinstance(m, EventJoined) and m.request_id == 9 and m.instance == "auditorium-7" for m in joined)


def test_the_host_and_speakers_go_to_the_stage_and_the_audience_to_seats():
    """'Go to event': the host is sent to the speaker spot in the hall itself (even from a copy),
    facing the audience; a speaker beside the lectern; an attendee to a seat. From another process
    the spot travels down the bus with the move."""
    sim, roster, events = world_of()
    stage = WORLD.stage
    host = person(roster, sim, 1, 1, role="host", pos=(0.0, 10.0), instance="building")
    live_event(events, host)
    fx = settle(events.handle(EventJoin(request_id=7, event_id=1), host, T0))
    assert fx.out == [Move(1, "auditorium", spot=(*stage.speaker_spot, np.radians(stage.facing_deg)))]
    in_copy = Actor(conn_id=1, avatar_id=1, instance="auditorium-2", name="P1", role="host", account_id=1)
    fx = settle(events.handle(EventJoin(request_id=8, event_id=1), in_copy, T0))
    assert [m.to_instance for m in fx.of(Move)] == ["auditorium"]  # the stage is in the hall, not the copy
    speaker = person(roster, sim, 6, 60)
    settle(events.handle(SpeakerSet(request_id=3, event_id=1, account_id=60, on=True), host, T0))
    (move,) = settle(events.handle(EventJoin(request_id=9, event_id=1), speaker, T0)).of(Move)
    sx, sy, yaw = move.spot
    lectern = next(s.box for s in WORLD.solids if s.id == "lectern")
    assert stage.box.contains_point(sx, sy) and not lectern.contains_point(sx, sy) and abs(sx) > 1.0
    assert yaw == np.radians(stage.facing_deg) and not move.seat
    citizen = person(roster, sim, 5, 50)
    assert settle(events.handle(EventJoin(request_id=10, event_id=1), citizen, T0)).out == [
        Move(5, "auditorium", seat=True)]
    # The host's move, made by another process, keeps its spot.
    fx = events.relay(settle(events.handle(EventJoin(request_id=11, event_id=1), in_copy, T0)), in_copy, "p2")
    copy = EventCopy("auditorium-2", Simulation(WORLD, issue_ids=False), roster, origin="", process="p2")
    moves = [e for p in fx.bus if p.channel == down_to("p2") for e in copy.receive(DOWN, p.payload, T0).of(Move)]
    assert [m.spot for m in moves] == [(*stage.speaker_spot, np.radians(stage.facing_deg))]
    # Arrived, the host's join completes standing (seat -1) as the host.
    in_hall = Actor(conn_id=1, avatar_id=1, instance="auditorium", name="P1", role="host", account_id=1)
    fx = events.moved(in_hall, -1, T0)
    joined = [r.msg for r in fx.replies if isinstance(r.msg, EventJoined)]
    assert joined and joined[0].seat == -1 and joined[0].part == "host"
