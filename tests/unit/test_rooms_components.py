"""Room components without sockets, a store or a clock: commands and numbers for "now" go in,
effects come out, and the store's answers are fed back by hand."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from makaverse.protocol import (
    Announce,
    Announcement,
    BoothInfo,
    BoothState,
    CallNext,
    Chat,
    ChatSend,
    CounterMan,
    EditOpd,
    Emote,
    ErrorCode,
    StaffQueue,
    TakeNumber,
    Ticket,
    decode,
    encode,
)
from makaverse.server.rooms.actor import Actor
from makaverse.server.rooms.booths import BOOTH_CONTENT_CHANNEL, BOOTH_STATES_CHANNEL, BoothConfig, Booths
from makaverse.server.rooms.chat import ANNOUNCEMENTS_CHANNEL, ChatShared
from makaverse.server.rooms.chat import Chat as ChatComponent
from makaverse.server.rooms.effects import (
    Announce as AnnounceRequest,
)
from makaverse.server.rooms.effects import (
    Call,
    Ctx,
    Deliver,
    Effects,
    Push,
    Refused,
    Reply,
    ToAvatar,
    ToConn,
    ToEveryone,
    Write,
    drive,
)
from makaverse.server.services.chat import ChatConfig, ChatRoom
from makaverse.server.sim import AvatarInfo, Simulation
from makaverse.server.store.chat_repo import AccountRef, ChatArrival, ChatLists, DirectMessage
from makaverse.world import load_default_world

WORLD = load_default_world()
T0_MS = 1_767_225_600_000  # 2026-01-01 00:00 UTC: a fixed "now"; time moves by adding to it


class FakeRoster:
    """Everyone is online, in one simulation; accounts map to avatars."""

    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        self.actors: dict[int, Actor] = {}
        self.offline: set[int] = set()

    def add(self, actor: Actor, x: float, y: float) -> Actor:
        self.sim.add_avatar(AvatarInfo(actor.name, actor.role, 0x336699, actor.opd), position=(x, y), avatar_id=actor.avatar_id)
        self.actors[actor.avatar_id] = actor
        return actor

    def actor(self, avatar_id: int) -> Actor | None:
        return self.actors.get(avatar_id)

    def online(self, avatar_id: int) -> bool:
        return avatar_id in self.actors and avatar_id not in self.offline

    def avatar_of_account(self, account_id: int) -> int | None:
        return next((a.avatar_id for a in self.actors.values() if a.account_id == account_id and self.online(a.avatar_id)), None)

    def zone_of(self, avatar_id: int) -> str:
        return self.sim.zone_id(avatar_id) if self.sim.has(avatar_id) else ""


def settle(fx: Effects, answer) -> list[Effects]:
    """Run a handler to its end, answering each request with `answer(request)`; every step's effects."""
    steps = [fx]
    while fx.pending is not None:
        fx = fx.pending.resume(answer(fx.pending.request), None, T0_MS)
        steps.append(fx)
    return steps


def out(steps: list[Effects]) -> list:
    return [e for fx in steps for e in fx.out]


def failure(steps: list[Effects]) -> BaseException | None:
    return steps[-1].failure


# ── the effects driver ───────────────────────────────────────────────────────


def test_a_handler_waits_at_each_request_and_resumes_with_the_answer():
    """A generator handler stops at its store call and goes on with the answer the runner feeds it."""

    def handler(ctx: Ctx):
        rows = yield ctx.call("list_requests", limit=3)
        ctx.push(ToEveryone(), f"{len(rows)}".encode())

    ctx = Ctx(None, 7, T0_MS)
    fx = drive(handler(ctx), ctx)
    assert fx.out == [] and fx.pending.request == Call("list_requests", (), {"limit": 3})
    done = fx.pending.resume([1, 2], None, T0_MS + 5)
    assert done.out == [Push(ToEveryone(), b"2")] and done.pending is None and ctx.now_ms == T0_MS + 5


def test_a_store_error_thrown_in_and_not_caught_becomes_the_failure():
    """An exception the runner throws in at a yield ends the handler as its `failure`, with the effects made so far kept."""

    def handler(ctx: Ctx):
        ctx.push(ToEveryone(), b"before")
        yield ctx.call("get_opd", "X")

    ctx = Ctx(None, 1, T0_MS)
    fx = drive(handler(ctx), ctx)
    boom = LookupError("gone")
    after = fx.pending.resume(None, boom, T0_MS)
    assert fx.out == [Push(ToEveryone(), b"before")] and after.failure is boom and after.ref == 1


# ── booths ───────────────────────────────────────────────────────────────────

OPD = "DUKCAPIL"


def _store_answers(request):
    if request.method == "list_opds":
        return [SimpleNamespace(code=b.opd, ticket_prefix=b.opd[0], programs=(), services=()) for b in WORLD.booths]
    if request.method == "load_queue_state":
        return SimpleNamespace(open_tickets=(), last_numbers={}, names={})
    if request.method == "save_tickets":
        return []  # nothing refused
    raise AssertionError(f"unexpected store call {request}")


@pytest.fixture
def desk():
    sim = Simulation(WORLD, issue_ids=False)
    roster = FakeRoster(sim)
    booths = Booths(WORLD, sim, roster, BoothConfig(no_show_s=60.0, check_every_s=0.0, push_every_s=0.0))
    settle(booths.start(T0_MS), _store_answers)
    assert booths.board.ready
    return SimpleNamespace(booths=booths, sim=sim, roster=roster, booth=WORLD.booth(OPD))


def citizen(desk, avatar_id: int, *, at_booth: bool) -> Actor:
    actor = Actor(conn_id=avatar_id, avatar_id=avatar_id, instance="building", name=f"W{avatar_id}", role="citizen", account_id=100 + avatar_id)
    x, y = desk.booth.zone.centre if at_booth else (0.0, 30.0)
    return desk.roster.add(actor, x, y)


def test_a_number_is_taken_at_the_booth_and_committed_before_the_reply(desk):
    """Taking a number asks the store to save the ticket first; the reply comes only after that answer."""
    me = citizen(desk, 1, at_booth=True)
    fx = desk.booths.handle(TakeNumber(request_id=9, opd=OPD), me, T0_MS)
    assert fx.replies == [] and fx.pending.request.method == "save_tickets" and fx.pending.request.lane == "tickets"
    steps = settle(fx, _store_answers)
    (reply,) = [e for e in out(steps) if isinstance(e, Reply)]
    assert isinstance(reply.msg, Ticket) and reply.msg.request_id == 9 and reply.msg.place == 1
    assert reply.conn_id == me.conn_id


def test_away_from_the_booth_no_number_is_taken(desk):
    """Standing elsewhere, the command is refused with not_at_booth and nothing is saved."""
    me = citizen(desk, 2, at_booth=False)
    fx = desk.booths.handle(TakeNumber(request_id=3, opd=OPD), me, T0_MS)
    assert isinstance(fx.failure, Refused) and fx.failure.code == ErrorCode.NOT_AT_BOOTH and fx.out == []


def test_a_called_citizen_who_never_comes_is_a_no_show_after_the_timeout(desk):
    """With a number for now: at 59 s the ticket is still called; at 61 s the tick makes it a no-show and says so."""
    me = citizen(desk, 3, at_booth=True)
    settle(desk.booths.handle(TakeNumber(request_id=1, opd=OPD), me, T0_MS), _store_answers)
    desk.sim.avatars.pos[desk.sim.avatars.slot_of[me.avatar_id]] = (0.0, 30.0)  # walks away
    clerk = desk.roster.add(
        Actor(conn_id=50, avatar_id=50, instance="building", name="Loket", role="staff", account_id=7, opd=OPD),
        *desk.booth.staff_spot,
    )
    settle(desk.booths.handle(CounterMan(request_id=2, on=True), clerk, T0_MS), _store_answers)
    steps = settle(desk.booths.handle(CallNext(request_id=3), clerk, T0_MS), _store_answers)
    assert any(isinstance(e, Reply) and isinstance(e.msg, StaffQueue) for e in out(steps))

    def ticket_pushes(fx: Effects) -> list[str]:
        return [
            (e.msg.status if isinstance(e.msg, Ticket) else decode(e.msg).status)
            for e in fx.pushes
            if e.target == ToAvatar(me.avatar_id) and (isinstance(e.msg, Ticket) or isinstance(decode(e.msg), Ticket))
        ]

    assert "no_show" not in ticket_pushes(desk.booths.tick(T0_MS + 59_000))
    late = desk.booths.tick(T0_MS + 61_000)
    assert "no_show" in ticket_pushes(late)
    assert any(isinstance(e, Write) and e.call.method == "save_tickets" for e in late.out)


def test_booths_of_a_process_without_the_desk_hold_no_tickets():
    """Another process runs the desk: loading reads the OPDs only (no tickets restored or saved),
    an arrival gets no booth states, and a tick changes nothing, while the desk's own queue goes on."""
    sim = Simulation(WORLD, issue_ids=False)
    roster = FakeRoster(sim)
    branch = Booths(WORLD, sim, roster, BoothConfig(no_show_s=60.0, check_every_s=0.0, push_every_s=0.0))
    branch.desk = False
    asked: list[str] = []

    def answers(request):
        asked.append(request.method)
        return _store_answers(request)

    settle(branch.start(T0_MS), answers)
    assert branch.board.ready and asked == ["list_opds"]
    someone = roster.add(Actor(conn_id=9, avatar_id=9, instance="building", name="W9", role="guest"), 0.0, 30.0)
    arrived = settle(branch.enter(someone, T0_MS), answers)
    assert not [e for e in out(arrived) if isinstance(e, Reply)]
    assert branch.tick(T0_MS + 120_000).out == []
    assert branch.board.queues is not None and branch.board.queues.waiting_count(OPD) == 0


def _branch(*, shared: bool = True) -> SimpleNamespace:
    """Booths of a process that is not the desk, loaded."""
    sim = Simulation(WORLD, issue_ids=False)
    roster = FakeRoster(sim)
    booths = Booths(WORLD, sim, roster, BoothConfig(no_show_s=60.0, check_every_s=0.0, push_every_s=0.0))
    booths.desk, booths.shared = False, shared
    settle(booths.start(T0_MS), _store_answers)
    assert booths.board.ready
    return SimpleNamespace(booths=booths, sim=sim, roster=roster, booth=WORLD.booth(OPD))


def _published_states(fx: Effects) -> list[BoothState]:
    return [decode(e.payload) for e in fx.bus if e.channel == BOOTH_STATES_CHANNEL]


def test_the_desk_publishes_each_booth_state_it_sends_and_every_one_now_and_then(desk):
    """In a cluster the desk puts each booth state it sends everyone on the bus too, and every
    `mirror_every_s` all of them (for a process started since); alone, it publishes nothing."""
    clerk = desk.roster.add(
        Actor(conn_id=50, avatar_id=50, instance="building", name="Loket", role="staff", account_id=7, opd=OPD),
        *desk.booth.staff_spot,
    )
    alone = settle(desk.booths.handle(CounterMan(request_id=1, on=True), clerk, T0_MS), _store_answers)
    assert [e for fx in alone for e in fx.bus] == [] and desk.booths.tick(T0_MS).bus == []
    desk.booths.shared = True
    settle(desk.booths.handle(CounterMan(request_id=2, on=False), clerk, T0_MS), _store_answers)
    (fx,) = settle(desk.booths.handle(CounterMan(request_id=3, on=True), clerk, T0_MS), _store_answers)
    (sent,) = [e.msg for e in fx.pushes if e.target == ToEveryone()]
    assert [e.payload for e in fx.bus] == [sent]
    (state,) = _published_states(fx)
    assert (state.opd, state.open, state.staff, state.waiting) == (OPD, True, 1, 0)
    every = _published_states(desk.booths.tick(T0_MS + 1_000))
    assert sorted(s.opd for s in every) == sorted(b.opd for b in WORLD.booths)
    assert _published_states(desk.booths.tick(T0_MS + 2_000)) == []
    assert len(_published_states(desk.booths.tick(T0_MS + 6_000))) == len(WORLD.booths)


def test_a_process_without_the_desk_shows_the_desks_booth_states():
    """The desk's state of a booth arrives over the bus: everyone here gets it (with this process's
    content version), once; an arrival gets the last ones; the desk itself and a garbled message
    change nothing."""
    branch = _branch()
    someone = branch.roster.add(Actor(conn_id=9, avatar_id=9, instance="building", name="W9", role="guest"), 0.0, 30.0)
    assert [e for e in out(settle(branch.booths.enter(someone, T0_MS), _store_answers)) if isinstance(e, Reply)] == []
    state = BoothState(opd=OPD, open=True, staff=2, waiting=3, est_wait_s=90, info_version=7)
    fx = branch.booths.receive(BOOTH_STATES_CHANNEL, encode(state), T0_MS)
    shown = BoothState(opd=OPD, open=True, staff=2, waiting=3, est_wait_s=90, info_version=1)
    assert [(e.target, decode(e.msg)) for e in fx.pushes] == [(ToEveryone(), shown)] and fx.bus == []
    assert branch.booths.receive(BOOTH_STATES_CHANNEL, encode(state), T0_MS + 10).out == []
    later = BoothState(opd=OPD, open=True, staff=2, waiting=4, est_wait_s=120, info_version=7)
    (push,) = branch.booths.receive(BOOTH_STATES_CHANNEL, encode(later), T0_MS + 20).pushes
    assert decode(push.msg).waiting == 4
    arrived = out(settle(branch.booths.enter(someone, T0_MS + 30), _store_answers))
    replies = [e.msg for e in arrived if isinstance(e, Reply)]
    assert replies == [BoothState(opd=OPD, open=True, staff=2, waiting=4, est_wait_s=120, info_version=1)]
    assert branch.booths.board.booth_state(OPD).waiting == 4  # what the panel shows too
    assert branch.booths.receive(BOOTH_STATES_CHANNEL, b"\x00garbled", T0_MS).out == []
    assert branch.booths.tick(T0_MS + 60_000).out == []  # the queue is not run here

    sim = Simulation(WORLD, issue_ids=False)
    itself = Booths(WORLD, sim, FakeRoster(sim), BoothConfig())
    itself.shared = True
    settle(itself.start(T0_MS), _store_answers)
    assert itself.receive(BOOTH_STATES_CHANNEL, encode(state), T0_MS).out == []
    assert itself.board.booth_state(OPD).waiting == 0


def _opd_content(description_id: str) -> SimpleNamespace:
    """An OPD as the store gives it, with what a booth panel shows."""
    return SimpleNamespace(
        code=OPD, name="Dinas Kependudukan dan Pencatatan Sipil", short_name="Disdukcapil", ticket_prefix="D",
        description=SimpleNamespace(id=description_id, en="Population records"), socials=(), programs=(),
        services=(),
    )


def test_content_edited_on_one_process_is_read_again_and_shown_on_the_others():
    """Staff edit an OPD's description on one process: it is committed, then announced on the bus
    with that process's name; another process reads it again from the store and shows it to whoever
    stands at the booth, while the editing process ignores its own announcement."""
    here, there = _branch(), _branch()
    here.booths.board.origin, there.booths.board.origin = "proses-a", "proses-b"
    committed = _opd_content("Layanan kependudukan, kini juga daring")

    def answers(request):
        if request.method in ("update_opd_description", "get_opd"):
            return committed
        return _store_answers(request)

    clerk = here.roster.add(
        Actor(conn_id=50, avatar_id=50, instance="building", name="Bu Rina", role="staff", account_id=7, opd=OPD),
        *here.booth.staff_spot,
    )
    edit = EditOpd(request_id=4, description_id=committed.description.id, description_en="Population records")
    steps = settle(here.booths.handle(edit, clerk, T0_MS), answers)
    (announced,) = [e for fx in steps for e in fx.bus if e.channel == BOOTH_CONTENT_CHANNEL]
    assert announced.payload == f"proses-a\n{OPD}".encode()
    assert here.booths.receive(BOOTH_CONTENT_CHANNEL, announced.payload, T0_MS).out == []

    at_booth = there.roster.add(
        Actor(conn_id=9, avatar_id=9, instance="building", name="Siti", role="citizen"), *there.booth.zone.centre
    )
    fx = there.booths.receive(BOOTH_CONTENT_CHANNEL, announced.payload, T0_MS)
    assert fx.pending is not None and fx.pending.request.method == "get_opd" and fx.pending.request.args == (OPD,)
    shown = out(settle(fx, answers))
    infos = [decode(e.msg) for e in shown if isinstance(e, Push) and e.target == ToAvatar(at_booth.avatar_id)]
    assert [(i.opd, i.description_id) for i in infos if isinstance(i, BoothInfo)] == [(OPD, committed.description.id)]
    assert any(isinstance(e, Push) and e.target == ToEveryone() for e in shown)  # the new content version
    assert there.booths.board.opds[OPD] is committed
    assert there.booths.receive(BOOTH_CONTENT_CHANNEL, b"proses-a\nNOPE", T0_MS).out == []


def test_taking_over_the_desk_reads_the_queues_again_and_the_numbering_goes_on():
    """The desk's process stopped and this one takes over: today's open tickets come back from the
    store (the desk's states kept here are dropped) and the next number follows the last one."""
    from datetime import date

    from makaverse.protocol.tickets import TicketRecord

    branch = _branch()
    kept = BoothState(opd=OPD, open=True, staff=1, waiting=1, est_wait_s=30, info_version=1)
    branch.booths.receive(BOOTH_STATES_CHANNEL, encode(kept), T0_MS)
    today = date(2026, 1, 1)
    waiting = TicketRecord(opd=OPD, day=today, number=5, holder="account:105", account_id=105, status="waiting",
                           taken_at=datetime(2026, 1, 1, tzinfo=UTC))
    asked: list[str] = []

    def answers(request):
        asked.append(request.method)
        if request.method == "load_queue_state":
            return SimpleNamespace(open_tickets=(waiting,), last_numbers={OPD: 5}, names={"account:105": "Ani"})
        return _store_answers(request)

    steps = settle(branch.booths.take_desk(T0_MS + 1_000), answers)
    assert failure(steps) is None and asked == ["list_opds", "load_queue_state"]
    board = branch.booths.board
    assert branch.booths.desk and board.mirrored == {} and board.lines.waiting_count(OPD) == 1
    assert board.booth_state(OPD).open is False  # nobody mans the counter here yet
    me = citizen(branch, 6, at_booth=True)
    took = out(settle(branch.booths.handle(TakeNumber(request_id=4, opd=OPD), me, T0_MS + 2_000), answers))
    (reply,) = [e for e in took if isinstance(e, Reply)]
    assert reply.msg.code == "D-006" and reply.msg.place == 2
    # The tick sends the booths' states anew, to everyone here and to the other processes.
    tick = branch.booths.tick(T0_MS + 3_000)
    assert any(s.opd == OPD and s.waiting == 2 for s in _published_states(tick))


def test_a_desk_that_lost_its_claim_drops_its_queues():
    """Another process took the desk over: this one's tickets and clerks are dropped (they are
    read from the store there), and nothing here runs them any more."""
    sim = Simulation(WORLD, issue_ids=False)
    roster = FakeRoster(sim)
    booths = Booths(WORLD, sim, roster, BoothConfig(no_show_s=60.0, check_every_s=0.0, push_every_s=0.0))
    settle(booths.start(T0_MS), _store_answers)
    me = citizen(SimpleNamespace(roster=roster, booth=WORLD.booth(OPD)), 1, at_booth=True)
    settle(booths.handle(TakeNumber(request_id=1, opd=OPD), me, T0_MS), _store_answers)
    assert booths.board.lines.waiting_count(OPD) == 1
    booths.lose_desk(T0_MS + 1_000)
    assert not booths.desk and booths.board.lines.waiting_count(OPD) == 0 and booths.board.lines.has(OPD)
    assert booths.leave(me, T0_MS + 2_000).out == [] and booths.tick(T0_MS + 3_000).out == []


# ── chat ─────────────────────────────────────────────────────────────────────


@pytest.fixture
def chat():
    config = ChatConfig(rate_per_s=1.0, burst=2)
    shared = ChatShared(config, ChatRoom(config, [z.id for z in WORLD.zones]))
    halls = {}
    for name in ("building", "auditorium"):
        sim = Simulation(WORLD, issue_ids=False)
        roster = FakeRoster(sim)
        halls[name] = SimpleNamespace(sim=sim, roster=roster, chat=ChatComponent(name, sim, roster, shared))
    return halls


def guest(hall, avatar_id: int, x: float, y: float, instance: str) -> Actor:
    return hall.roster.add(Actor(conn_id=avatar_id, avatar_id=avatar_id, instance=instance, name=f"G{avatar_id}"), x, y)


def test_nearby_chat_reaches_listeners_of_the_same_instance_only(chat):
    """Two avatars 3 m apart in different instances: a line in one reaches only that instance's avatars."""
    a = guest(chat["building"], 1, 0.0, 41.0, "building")
    b = guest(chat["building"], 2, 2.0, 41.0, "building")
    guest(chat["auditorium"], 3, 0.0, 46.0, "auditorium")
    fx = chat["building"].chat.handle(ChatSend(request_id=5, text="halo", channel="nearby"), a, T0_MS)
    targets = {e.target for e in fx.pushes}
    assert targets == {ToAvatar(a.avatar_id), ToAvatar(b.avatar_id)}
    assert decode(fx.pushes[0].msg) == Chat(
        id=1, channel="nearby", avatar_id=1, name="G1", role="guest", text="halo", server_time_ms=T0_MS, zone_id=""
    )


def test_rate_limit_is_shared_across_instances_and_refills_with_time(chat):
    """The speaker's limit follows them into another instance; a second later there is room again."""
    a = guest(chat["building"], 1, 0.0, 41.0, "building")
    for t in (0, 1):
        assert chat["building"].chat.handle(Emote(emote="wave"), a, T0_MS + t).failure is None
    moved = guest(chat["auditorium"], 1, 0.0, 46.0, "auditorium")
    refused = chat["auditorium"].chat.handle(Emote(emote="wave"), moved, T0_MS + 2)
    assert refused.failure is not None and refused.failure.code == ErrorCode.SLOW_DOWN
    assert chat["auditorium"].chat.handle(Emote(emote="wave"), moved, T0_MS + 1_100).failure is None


def test_an_announcement_goes_on_the_bus_and_here_only_when_the_bus_fails(chat):
    """An admin's announcement is published; if the bus refuses, it is pushed to everyone in this process instead."""
    admin = chat["building"].roster.add(
        Actor(conn_id=9, avatar_id=9, instance="building", name="Admin", role="admin", account_id=1), 0.0, -5.0
    )
    fx = chat["building"].chat.handle(Announce(request_id=4, text="Rapat dimulai"), admin, T0_MS)
    request = fx.pending.request
    assert isinstance(request, AnnounceRequest) and request.channel == ANNOUNCEMENTS_CHANNEL
    assert isinstance(decode(request.payload), Announcement)
    ok = fx.pending.resume(True, None, T0_MS)
    assert not any(isinstance(e, Push) for e in ok.out)
    fx = chat["building"].chat.handle(Announce(request_id=5, text="Lagi"), admin, T0_MS + 5_000)
    failed = fx.pending.resume(False, None, T0_MS + 5_000)
    assert [e.target for e in failed.pushes] == [ToEveryone()]
    assert [w.call.method for w in failed.writes] == ["record_audit"]


def _waiting_direct(dm_id: int, recipient_id: int):
    """What the store answers `chat_arrival` with: one stored direct message for `recipient_id`."""
    sent_at = datetime.fromtimestamp(T0_MS / 1000, UTC)
    dm = DirectMessage(
        id=dm_id, sender=AccountRef(id=2, username="ani", display_name="Ani"), sender_role="citizen",
        recipient=AccountRef(id=recipient_id, username="budi", display_name="Budi"), text="ketemu di lobi",
        sent_at=sent_at, delivered_at=None,
    )
    return ChatArrival(lists=ChatLists(), mute=None, directs=(dm,))


def _arrive(component, actor: Actor, arrival) -> Effects:
    """Enter `actor` and answer its arrival read with `arrival`; returns the effects after that answer."""
    fx = component.enter(actor, T0_MS)
    assert isinstance(fx.pending.request, Call) and fx.pending.request.method == "chat_arrival"
    return fx.pending.resume(arrival, None, T0_MS)


def test_a_stored_direct_message_is_not_sent_again_while_its_delivered_mark_is_being_written(chat):
    """Budi's first connection gets the waiting message; before the store has marked it delivered
    he connects again: that arrival still reads it as waiting, and it is not sent a second time.
    Once the mark is done (or has failed) a later arrival follows the store again."""
    hall = chat["building"]
    first = hall.roster.add(Actor(conn_id=11, avatar_id=11, instance="building", name="Budi", account_id=7), 0.0, 41.0)
    fx = _arrive(hall.chat, first, _waiting_direct(1, 7))
    deliver = fx.pending.request
    assert deliver.target == ToConn(11) and deliver.msg.stored is True
    marking = fx.pending.resume(True, None, T0_MS)
    assert marking.pending.request == Call("mark_directs_delivered", (7, [1]))

    again = hall.roster.add(Actor(conn_id=12, avatar_id=12, instance="building", name="Budi", account_id=7), 0.0, 42.0)
    second = _arrive(hall.chat, again, _waiting_direct(1, 7))
    assert second.pending is None and second.failure is None  # the lists only; no second delivery

    failed = marking.pending.resume(None, RuntimeError("database is locked"), T0_MS)
    assert failed.failure is not None  # reported; the message stays waiting in the store
    third = _arrive(hall.chat, again, _waiting_direct(1, 7))
    assert isinstance(third.pending.request, Deliver) and third.pending.request.target == ToConn(12)


def test_chat_lines_are_logged_in_batches_by_the_tick(chat):
    """Public lines wait in memory and the first tick after the flush interval writes them in one call."""
    a = guest(chat["building"], 1, 0.0, 41.0, "building")
    component = chat["building"].chat
    component.tick(T0_MS)  # starts the schedule
    component.handle(ChatSend(request_id=1, text="satu", channel="nearby"), a, T0_MS)
    component.handle(ChatSend(request_id=2, text="dua", channel="nearby"), a, T0_MS + 10)
    assert component.tick(T0_MS + 500).writes == []
    (write,) = component.tick(T0_MS + 1_000).writes
    assert write.call.method == "add_chat_lines" and [line["text"] for line in write.call.args[0]] == ["satu", "dua"]
