"""Town-hall events: the `Events` component in the auditorium (the one authority for every event:
the board, registrations, the doors, the stage channel, hands, questions, polls, slides and
moderation) and an `EventCopy` in each overflow copy of the hall.

A copy owns no event state: it forwards its members' event commands up the bus (`events.up`)
and carries what comes down (`events.down`) to its own members: stage lines, slides, polls,
questions, the hall's people, replies to one connection, who may stand on the stage. The
authority serves its own hall directly and every copy through the bus, so a copy could live
in another process. Rules live in `services/events.py`; replies follow the commit.
"""

from __future__ import annotations

import base64
import json
import logging
import math
from dataclasses import dataclass
from typing import Any

from makaverse.protocol import (
    ErrorCode,
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
    MessageType,
    Poll,
    PollClose,
    PollOpen,
    PollVote,
    QuestionAsk,
    QuestionMark,
    Questions,
    QuestionVote,
    Slide,
    SlideAdd,
    SlideShow,
    SpeakerSet,
    StageLine,
    StageSay,
    decode,
    encode,
)
from makaverse.protocol.messages import Message

from ..services.events import HOST_ROLES, EventFacts, Hall, PollState, Question
from ..services.slides import MAX_DECK, check_slide
from ..sim import Simulation
from .actor import Actor
from .component import Component, Roster
from .effects import (
    Ctx,
    Deliver,
    Effects,
    HandlerRun,
    Move,
    Publish,
    Push,
    Refused,
    Reply,
    ToAccount,
    ToConn,
    ToInstance,
    drive,
    spot_of,
)

__all__ = [
    "Events", "EventCopy", "Forwarded", "UP", "DOWN", "down_to", "EVENT_TYPES", "copy_id", "is_copy_of", "pack",
    "unpack", "push_every_ms",
]

log = logging.getLogger("makaverse.events")

UP = "events.up"  # copies -> the authority: a member's command
DOWN = "events.down"  # the authority -> copies: broadcasts, replies, stage permissions
SPEAKER_BESIDE_M = 1.6  # a speaker stands this far east of the speaker spot, clear of the lectern (1 m wide)
PUSH_EVERY_MS = 250  # the hall's people, questions and live poll counts: at most 4 times a second ...
PUSH_AUDIENCE = 500  # ... while at most this many attend; a bigger audience gets them less often (see `tick`)


def down_to(process: str) -> str:
    """The authority -> the copies of one process: replies to its people and their moves. Over
    Redis every subscriber reads every message: a poll's thousands of replies on `DOWN` were
    each read, and dropped, by every other process."""
    return f"{DOWN}.{process}"

# Every event command; a copy forwards them all (SIT is the copy's own: seats are local).
EVENT_TYPES: dict[MessageType, str] = {
    MessageType.EVENT_SCHEDULE: "schedule",
    MessageType.EVENT_LIST: "board",
    MessageType.EVENT_REGISTER: "register",
    MessageType.EVENT_CONTROL: "control",
    MessageType.EVENT_JOIN: "join",
    MessageType.EVENT_LEAVE: "leave_event",
    MessageType.STAGE_SAY: "stage_say",
    MessageType.SPEAKER_SET: "speaker_set",
    MessageType.HAND_RAISE: "hand_raise",
    MessageType.FLOOR_GIVE: "floor_give",
    MessageType.QUESTION_ASK: "question_ask",
    MessageType.QUESTION_VOTE: "question_vote",
    MessageType.QUESTION_MARK: "question_mark",
    MessageType.POLL_OPEN: "poll_open",
    MessageType.POLL_VOTE: "poll_vote",
    MessageType.POLL_CLOSE: "poll_close",
    MessageType.EVENT_MODERATE: "moderate",
    MessageType.SLIDE_ADD: "slide_add",
    MessageType.SLIDE_SHOW: "slide_show",
}


# ── the bus envelope ─────────────────────────────────────────────────────────
def pack(obj: dict[str, Any]) -> bytes:
    """An envelope: small JSON, with an encoded protocol message under "msg"."""
    body = dict(obj)
    if "msg" in body:
        body["msg"] = base64.b64encode(body["msg"]).decode("ascii")
    return json.dumps(body, separators=(",", ":")).encode()


def unpack(payload: bytes) -> dict[str, Any]:
    body = json.loads(payload)
    if not isinstance(body, dict):
        raise ValueError("envelope")
    if "msg" in body:
        body["msg"] = base64.b64decode(body["msg"])
    return body


@dataclass(frozen=True, slots=True)
class Forwarded:
    """What a copy sent up: a member's command (`kind` "cmd"), or, when the authority is in another
    process, that a member entered the world ("enter"), arrived in it ("moved") or left it
    ("leave", "away")."""

    kind: str
    actor: Actor
    msg: Message | None
    seat: int = -1
    process: str = ""  # the copy's process ('' : the authority's own)


def push_every_ms(audience: int) -> int:
    """How often the hall's changing lists go out to `audience` people: every 250 ms up to 500 of
    them, then less often in proportion (5,000 people: every 2.5 s), so these pushes stay about
    2,000 frames a second however many attend. A join burst changes the hall's list all the time,
    and sending all of it to everyone four times a second grew with the square of the audience."""
    return PUSH_EVERY_MS * max(1, -(-audience // PUSH_AUDIENCE))


def copy_id(hall: str, n: int) -> str:
    """The id of the hall's n-th overflow copy (n >= 2)."""
    return f"{hall}-{n}"


def is_copy_of(hall: str, instance: str) -> bool:
    """The hall itself or one of its overflow copies."""
    return instance == hall or instance.startswith(hall + "-")


def _poll_msg(event_id: int, poll: PollState, *, final: bool = False) -> Poll:
    show = poll.live or not poll.open or final
    counts = poll.counts()
    return Poll(
        event_id=event_id,
        poll_id=poll.id,
        question=poll.question,
        options=poll.options,
        open=poll.open,
        live=poll.live,
        counts=tuple(counts) if show else (),
        total=sum(counts),
    )


class Events(Component):
    name = "events"
    process_wide = True  # notifications at login and leaving the world concern every instance
    handlers = EVENT_TYPES

    def __init__(
        self, hall: str, sim: Simulation, roster: Roster, *, outside: str, origin: str = "", process: str = ""
    ) -> None:
        self.hall = hall  # the auditorium instance this authority serves directly
        self.process = process  # this server process, when several share the bus
        # Names this authority on the bus: with Redis, other processes' halls share the channels.
        self.origin = origin
        self.sim = sim
        self.roster = roster
        self.outside = outside  # where someone removed from an event is sent
        self.halls: dict[int, Hall] = {}
        self.slide_at: dict[int, int] = {}  # event id -> slide shown
        # event id -> the slide on the screen, as sent: someone who comes in later gets it too (≤ 48 KiB an event)
        self.slide_shown: dict[int, Slide] = {}
        self.joining: dict[int, tuple[int, int, int]] = {}  # account -> (event id, ref, conn id)
        self.dirty: set[tuple[int, str]] = set()
        self.next_push_ms = 0

    # ── hooks ────────────────────────────────────────────────────────────────
    def start(self, now_ms: int) -> Effects:
        ctx = Ctx(None, 0, now_ms)
        return drive(self._start(ctx), ctx)

    def _start(self, ctx: Ctx) -> HandlerRun:
        for rec in (yield ctx.call("list_events")):
            hall = Hall(_facts(rec))
            hall.registered.update(rec.registered)
            self.halls[rec.id] = hall
            if hall.live:  # a restart during the event: it goes on with what was said and counted
                _restore(hall, (yield ctx.call("live_state", rec.id)))

    def enter(self, actor: Actor, now_ms: int) -> Effects:
        ctx = Ctx(actor, 0, now_ms)
        self._stage_permission(actor)
        return drive(self._notices_waiting(ctx), ctx)

    def _notices_waiting(self, ctx: Ctx) -> HandlerRun:
        actor = ctx.actor
        assert actor is not None
        if actor.account_id is None:
            return
        pending = yield ctx.call("pending_notifications", actor.account_id)
        sent = []
        for notice in pending:
            if notice.kind != "event_started":
                continue
            msg = EventNotice(
                event_id=int(notice.payload["event_id"]), kind="started", title=str(notice.payload["title"])[:120],
                stored=True,
            )
            # To the account (not the connection): the person may be in another process.
            if (yield Deliver(ToAccount(actor.account_id), msg)):
                sent.append(notice.id)
        if sent:
            yield ctx.call("mark_delivered", sent)

    def leave(self, actor: Actor, now_ms: int) -> Effects:
        ctx = Ctx(None, 0, now_ms)
        if actor.account_id is not None:
            self.joining.pop(actor.account_id, None)
            self._left_all(ctx, actor.account_id)
        return ctx.fx

    def moved(self, actor: Actor, seat: int, now_ms: int) -> Effects:
        """Arrived in a hall after "go to event" (the join completes), or walked out of one (left)."""
        ctx = Ctx(actor, 0, now_ms)
        self._stage_permission(actor)
        account = actor.account_id
        if account is None:
            return ctx.fx
        in_hall = is_copy_of(self.hall, actor.instance)
        joining = self.joining.get(account)
        if joining is not None and in_hall:
            del self.joining[account]
            event_id, ref, _ = joining
            conn = actor.conn_id  # the connection it has now (a redirect brings a new one)
            hall = self.halls.get(event_id)
            if hall is not None and hall.facts.status != "ended":
                hall.joined(account, actor.name, actor.avatar_id, actor.instance)
                _record(ctx, _stay(event_id, account, actor.instance))
                self.dirty.add((event_id, "hall"))
                ctx.fx.out.append(Reply(conn, EventJoined(
                    request_id=ref, event_id=event_id, instance=actor.instance, seat=seat,
                    part=hall.part_of(account),
                )))
                for msg in self._state_for(hall, account):
                    ctx.fx.out.append(Reply(conn, msg))
        elif not in_hall:
            self._left_all(ctx, account)
        elif in_hall:
            for hall in self.halls.values():
                if account in hall.attendees and hall.attendees[account] != actor.instance:
                    hall.attendees[account] = actor.instance
                    _record(ctx, _stay(hall.id, account, actor.instance))
        return ctx.fx

    def moved_away(self, actor: Actor, now_ms: int) -> Effects:
        """Gone to another process: on its way to an event (the join completes there), or out of the hall."""
        if actor.account_id is not None and actor.account_id in self.joining:
            return Effects()
        return self.leave(actor, now_ms)

    def _left_all(self, ctx: Ctx, account: int) -> None:
        for hall in self.halls.values():
            if hall.left(account) is not None:
                _record(ctx, _stay(hall.id, account, ""))
                self.dirty.add((hall.id, "hall"))

    def tick(self, now_ms: int) -> Effects:
        ctx = Ctx(None, 0, now_ms)
        if not self.dirty or now_ms < self.next_push_ms:
            return ctx.fx
        self.next_push_ms = now_ms + push_every_ms(sum(len(h.attendees) for h in self.halls.values()))
        dirty, self.dirty = self.dirty, set()
        for event_id, what in sorted(dirty):
            hall = self.halls.get(event_id)
            if hall is None:
                continue
            if what == "hall":
                self._broadcast(ctx, self._hall_msg(hall))
            elif what == "questions":
                self._broadcast(ctx, self._questions_msg(hall, for_host=False))
                ctx.push(ToAccount(hall.facts.host_account), self._questions_msg(hall, for_host=True))
            elif what.startswith("poll:"):
                poll = hall.polls.get(int(what[5:]))
                if poll is not None and poll.live and poll.open:
                    self._broadcast(ctx, _poll_msg(event_id, poll))
        return ctx.fx

    # ── copies, through the bus ──────────────────────────────────────────────
    def from_copy(self, payload: bytes) -> Forwarded | None:
        """What a copy sent up; None when it is for another authority (raises on a malformed envelope)."""
        body = unpack(payload)
        if body.get("origin", "") != self.origin:
            return None
        kind = str(body.get("kind", "cmd"))
        msg = decode(body["msg"]) if kind == "cmd" else None
        process = str(body.get("proc", ""))
        return Forwarded(kind, Actor(**body["actor"]), msg, int(body.get("seat", -1)),
                         "" if process == self.process else process)

    def forwarded(self, fwd: Forwarded, now_ms: int) -> Effects:
        """A copy's report, handled as if it happened here (its command goes through `handle`)."""
        if fwd.kind == "cmd":
            assert fwd.msg is not None
            return self.handle(fwd.msg, fwd.actor, now_ms)
        if fwd.kind == "moved":
            return self.moved(fwd.actor, fwd.seat, now_ms)
        if fwd.kind == "away":
            return self.moved_away(fwd.actor, now_ms)
        if fwd.kind == "enter":
            return self.enter(fwd.actor, now_ms)
        return self.leave(fwd.actor, now_ms)

    def relay(self, fx: Effects, actor: Actor, process: str = "") -> Effects:
        """Replies to someone in a copy in another process go down the bus to that copy, which
        hands them on; so does a move of someone in another process (it is that process's to
        make). Someone in a copy in this process is answered straight on its connection, like
        someone in the hall: a poll's thousands of replies each took a pass down the bus."""
        if not process:
            return fx
        out: list[Any] = []
        for effect in fx.out:
            if isinstance(effect, Reply) and effect.conn_id == actor.conn_id:
                envelope = {
                    "to": "conn", "copy": actor.instance, "conn": actor.conn_id, "msg": encode(effect.msg),
                    "origin": self.origin, "proc": process,
                }
                out.append(Publish(down_to(process), pack(envelope)))
            elif isinstance(effect, Move) and process and effect.avatar_id == actor.avatar_id:
                envelope = {
                    "to": "move", "copy": actor.instance, "avatar": effect.avatar_id, "instance": effect.to_instance,
                    "seat": effect.seat, "spot": list(effect.spot) if effect.spot is not None else None,
                    "origin": self.origin, "proc": process,
                }
                out.append(Publish(down_to(process), pack(envelope)))
            else:
                out.append(effect)
        fx.out = out
        return fx

    def _broadcast(self, ctx: Ctx, msg: Message, *, at_once: bool = False) -> None:
        """To everyone in the hall and, through the bus, in every copy of it. `at_once`: the
        copies in this process get it now, ahead of what the bus has queued for them (replies
        to a poll's votes), so only for what may overtake those: a stage line."""
        data = encode(msg)
        ctx.push(ToInstance(self.hall), data)
        ctx.publish(DOWN, pack({"to": "all", "msg": data, "origin": self.origin}), at_once=at_once)

    # ── who may stand on the stage ───────────────────────────────────────────
    def _stage_accounts(self) -> set[int]:
        out: set[int] = set()
        for hall in self.halls.values():
            if hall.facts.status != "ended":
                out.add(hall.facts.host_account)
                out.update(hall.speakers)
        return out

    def _stage_permission(self, actor: Actor) -> None:
        if actor.instance == self.hall and self.sim.has(actor.avatar_id):
            allowed = actor.role in HOST_ROLES or (actor.account_id in self._stage_accounts())
            self.sim.allow_stage(actor.avatar_id, allowed)

    def _stage_changed(self, ctx: Ctx) -> None:
        accounts = self._stage_accounts()
        for avatar_id in list(self.sim.avatars.slot_of):
            actor = self.roster.actor(avatar_id)
            if actor is not None:
                self.sim.allow_stage(avatar_id, actor.role in HOST_ROLES or actor.account_id in accounts)
        ctx.publish(DOWN, pack({"to": "stage", "accounts": sorted(accounts), "origin": self.origin}))

    # ── messages ─────────────────────────────────────────────────────────────
    def _hall_msg(self, hall: Hall) -> EventHall:
        copies = hall.copies()
        return EventHall(
            event_id=hall.id,
            status=hall.facts.status,
            doors=hall.facts.doors,
            host_account=hall.facts.host_account,
            speakers=tuple(sorted(hall.speakers)),
            hands=tuple(
                {"account_id": a, "name": hall.names.get(a, "?")[:32], "avatar_id": hall.avatars.get(a, 0)}
                for a in hall.hands_in_order()[:200]
            ),
            floor=hall.floor,
            copies=tuple({"instance": c, "attendees": n} for c, n in sorted(copies.items())),
        )

    def _questions_msg(self, hall: Hall, *, for_host: bool) -> Questions:
        return Questions(
            event_id=hall.id,
            questions=tuple(
                q.entry(for_host=for_host) for q in hall.sorted_questions(with_hidden=for_host)[:200]
            ),
        )

    def _state_for(self, hall: Hall, account: int) -> list[Message]:
        out: list[Message] = [self._hall_msg(hall)]
        out.append(self._questions_msg(hall, for_host=hall.facts.host_account == account))
        for poll in hall.polls.values():
            if poll.open:
                out.append(_poll_msg(hall.id, poll))
        shown = self.slide_shown.get(hall.id)
        if shown is not None:
            out.append(shown)
        return out

    def _info(self, hall: Hall, ref: int) -> EventInfo:
        return EventInfo(request_id=ref, event=hall.facts.board_entry())

    # ── lookups ──────────────────────────────────────────────────────────────
    def _hall(self, event_id: int) -> Hall:
        hall = self.halls.get(event_id)
        if hall is None:
            raise Refused(ErrorCode.NOT_FOUND)
        return hall

    def _host_hall(self, ctx: Ctx, event_id: int) -> Hall:
        actor = ctx.actor
        assert actor is not None
        hall = self._hall(event_id)
        hall.need_host(actor.account_id, actor.role)
        return hall

    def _done(self, ctx: Ctx, event_id: int, made: int = 0) -> None:
        ctx.reply(EventDone(request_id=ctx.ref, event_id=event_id, id=made))

    # ── the board ────────────────────────────────────────────────────────────
    def schedule(self, ctx: Ctx, msg: EventSchedule) -> HandlerRun:
        actor = ctx.actor
        assert actor is not None
        if actor.account_id is None:
            raise Refused(ErrorCode.LOGIN_REQUIRED)
        if actor.role not in HOST_ROLES:
            raise Refused(ErrorCode.NOT_HOST)
        rec = yield ctx.call(
            "create_event",
            actor.account_id,
            title=" ".join(msg.title.split()),
            start_ms=msg.start_ms,
            end_ms=msg.end_ms,
            description=msg.description.strip(),
            opd=msg.opd,
            capacity=msg.capacity,
            lang=msg.lang,
        )
        hall = self.halls[rec.id] = Hall(_facts(rec))
        log.info("event_scheduled", extra={"fields": {"event": rec.id, "host": actor.account_id}})
        ctx.reply(self._info(hall, msg.request_id))

    def board(self, ctx: Ctx, msg: EventList) -> None:
        shown = sorted(
            (h for h in self.halls.values() if h.facts.status != "ended"),
            key=lambda h: (h.facts.status != "live", h.facts.start_ms, h.id),
        )
        ctx.reply(EventBoard(request_id=msg.request_id, events=tuple(h.facts.board_entry() for h in shown[:200])))

    def register(self, ctx: Ctx, msg: EventRegister) -> HandlerRun:
        actor = ctx.actor
        assert actor is not None
        if actor.account_id is None:
            raise Refused(ErrorCode.LOGIN_REQUIRED)
        hall = self._hall(msg.event_id)
        if hall.register(actor.account_id):
            try:
                yield ctx.call("register_event", msg.event_id, actor.account_id, lane=_lane(hall.id))
            except Exception:
                hall.registered.discard(actor.account_id)
                hall.facts.registered = len(hall.registered)
                raise
        ctx.reply(self._info(hall, msg.request_id))

    def control(self, ctx: Ctx, msg: EventControl) -> HandlerRun:
        actor = ctx.actor
        assert actor is not None
        hall = self._host_hall(ctx, msg.event_id)
        before = (hall.facts.status, hall.facts.doors)
        hall.control(msg.action)
        try:
            yield ctx.call(
                "set_event_state", hall.id, hall.facts.status, hall.facts.doors, actor_id=actor.account_id,
                lane=_lane(hall.id),
            )
        except Exception:
            hall.facts.status, hall.facts.doors = before
            raise
        state = {"event": hall.id, "status": hall.facts.status, "doors": hall.facts.doors}
        log.info("event_state", extra={"fields": state})
        ctx.reply(self._info(hall, msg.request_id))
        self._broadcast(ctx, self._hall_msg(hall))
        if hall.facts.status == "ended":
            self.slide_shown.pop(hall.id, None)
            self._broadcast(ctx, EventNotice(event_id=hall.id, kind="ended", title=hall.facts.title))
            for poll in hall.polls.values():
                self._broadcast(ctx, _poll_msg(hall.id, poll, final=True))
            self._stage_changed(ctx)
        elif before[0] == "scheduled":
            self._stage_changed(ctx)
            yield from self._tell_started(ctx, hall)

    def _tell_started(self, ctx: Ctx, hall: Hall) -> HandlerRun:
        """The registered are told it started: now if online, else at their next login."""
        notices = yield ctx.call("notify_event_started", hall.id)
        msg = EventNotice(event_id=hall.id, kind="started", title=hall.facts.title)
        sent = []
        for notice in notices:
            if (yield Deliver(ToAccount(notice.account_id), msg)):
                sent.append(notice.id)
        if sent:
            yield ctx.call("mark_delivered", sent)

    # ── coming and going ─────────────────────────────────────────────────────
    def join(self, ctx: Ctx, msg: EventJoin) -> None:
        actor = ctx.actor
        assert actor is not None
        if actor.account_id is None:
            raise Refused(ErrorCode.LOGIN_REQUIRED)
        hall = self._hall(msg.event_id)
        hall.admit(actor.account_id, actor.role)
        self.joining[actor.account_id] = (hall.id, msg.request_id, actor.conn_id)
        spot = self._stage_spot(hall, actor.account_id)
        if spot is not None:  # the host and its speakers stand on the stage, in the hall itself
            ctx.fx.out.append(Move(actor.avatar_id, self.hall, spot=spot))
            return
        # A full hall sends newcomers to an overflow copy; someone already in a copy is seated there.
        target = actor.instance if is_copy_of(self.hall, actor.instance) else self.hall
        ctx.fx.out.append(Move(actor.avatar_id, target, seat=True))

    def _stage_spot(self, hall: Hall, account: int) -> tuple[float, float, float] | None:
        """Where `account` stands when it goes to the event: its host at the speaker spot behind the
        lectern, a speaker beside the lectern, both facing the audience; None for the audience
        (seated). The place taken is the free one nearest this (`WorldInstance.stand_near`)."""
        stage = self.sim.world.stage
        x, y = stage.speaker_spot
        yaw = math.radians(stage.facing_deg)
        if account == hall.facts.host_account:
            return (x, y, yaw)
        if account in hall.speakers:
            return (x + SPEAKER_BESIDE_M, y, yaw)
        return None

    def leave_event(self, ctx: Ctx, msg: EventLeave) -> None:
        actor = ctx.actor
        assert actor is not None
        hall = self._hall(msg.event_id)
        if actor.account_id is None or actor.account_id not in hall.attendees:
            raise Refused(ErrorCode.NOT_IN_EVENT)
        hall.left(actor.account_id)
        _record(ctx, _stay(hall.id, actor.account_id, ""))
        self.dirty.add((hall.id, "hall"))
        self._done(ctx, hall.id)

    # ── the stage ────────────────────────────────────────────────────────────
    def stage_say(self, ctx: Ctx, msg: StageSay) -> HandlerRun:
        actor = ctx.actor
        assert actor is not None
        hall = self._hall(msg.event_id)
        number, text = hall.say(actor.account_id, actor.role, msg.text)
        line = {
            "kind": "line", "event_id": hall.id, "number": number, "account_id": actor.account_id,
            "name": actor.name, "text": text,
        }
        # Live first, like a microphone: the hall hears the line now, while the transcript write
        # waits its turn behind the hall's other records; the speaker's `event_done` still comes
        # only after the line is committed.
        self._broadcast(
            ctx,
            StageLine(
                event_id=hall.id, id=number, account_id=actor.account_id or 0, name=actor.name, text=text,
                server_time_ms=ctx.now_ms,
            ),
            at_once=True,
        )
        yield ctx.call("save_event_records", [line], lane=_lane(hall.id))
        self._done(ctx, hall.id, number)

    def speaker_set(self, ctx: Ctx, msg: SpeakerSet) -> None:
        hall = self._host_hall(ctx, msg.event_id)
        hall.set_speaker(msg.account_id, msg.on)
        self._stage_changed(ctx)
        self.dirty.add((hall.id, "hall"))
        ctx.push(ToAccount(msg.account_id), EventNotice(event_id=hall.id, kind="speaker", title=hall.facts.title))
        self._done(ctx, hall.id)

    def hand_raise(self, ctx: Ctx, msg: HandRaise) -> None:
        actor = ctx.actor
        assert actor is not None
        hall = self._hall(msg.event_id)
        hall.raise_hand(actor.account_id, msg.up)
        self.dirty.add((hall.id, "hall"))
        self._done(ctx, hall.id)

    def floor_give(self, ctx: Ctx, msg: FloorGive) -> None:
        hall = self._host_hall(ctx, msg.event_id)
        hall.give_floor(msg.account_id)
        self.dirty.add((hall.id, "hall"))
        if msg.account_id:
            ctx.push(ToAccount(msg.account_id), EventNotice(event_id=hall.id, kind="floor", title=hall.facts.title))
        self._done(ctx, hall.id)

    # ── questions ────────────────────────────────────────────────────────────
    def question_ask(self, ctx: Ctx, msg: QuestionAsk) -> HandlerRun:
        actor = ctx.actor
        assert actor is not None
        hall = self._hall(msg.event_id)
        number = len(hall.questions) + 1
        q = hall.ask(actor.account_id, number, msg.text)
        try:
            yield ctx.call("add_question", hall.id, number, q.account_id, q.name, q.text, lane=_lane(hall.id))
        except Exception:
            del hall.questions[number]
            raise
        self.dirty.add((hall.id, "questions"))
        self._done(ctx, hall.id, number)

    def question_vote(self, ctx: Ctx, msg: QuestionVote) -> HandlerRun:
        actor = ctx.actor
        assert actor is not None
        hall = self._hall(msg.event_id)
        q = hall.upvote(actor.account_id, msg.question_id)
        assert actor.account_id is not None
        vote = {"kind": "question_vote", "event_id": hall.id, "number": q.id, "account_id": actor.account_id}
        try:
            refused = yield ctx.call("save_event_records", [vote], lane=_lane(hall.id))
        except Exception:
            q.voters.discard(actor.account_id)
            raise
        if refused:  # the store has it already (another process's hall, or a restart)
            q.voters.discard(actor.account_id)
            raise Refused(ErrorCode.ALREADY_VOTED)
        self.dirty.add((hall.id, "questions"))
        self._done(ctx, hall.id, q.id)

    def question_mark(self, ctx: Ctx, msg: QuestionMark) -> HandlerRun:
        actor = ctx.actor
        assert actor is not None
        hall = self._host_hall(ctx, msg.event_id)
        q = hall.questions.get(msg.question_id)
        before = (q.answered, q.hidden) if q is not None else None
        hall.mark(msg.question_id, msg.mark)
        try:
            yield ctx.call("mark_question", hall.id, msg.question_id, msg.mark, actor_id=actor.account_id,
                           lane=_lane(hall.id))
        except Exception:
            if q is not None and before is not None:
                q.answered, q.hidden = before
            raise
        self.dirty.add((hall.id, "questions"))
        self._done(ctx, hall.id, msg.question_id)

    # ── polls ────────────────────────────────────────────────────────────────
    def poll_open(self, ctx: Ctx, msg: PollOpen) -> HandlerRun:
        hall = self._host_hall(ctx, msg.event_id)
        number = len(hall.polls) + 1
        poll = hall.open_poll(number, msg.question, msg.options, msg.live)
        try:
            yield ctx.call("open_poll", hall.id, number, poll.question, list(poll.options), poll.live,
                           lane=_lane(hall.id))
        except Exception:
            del hall.polls[number]
            raise
        self._broadcast(ctx, _poll_msg(hall.id, poll))
        self._done(ctx, hall.id, number)

    def poll_vote(self, ctx: Ctx, msg: PollVote) -> HandlerRun:
        actor = ctx.actor
        assert actor is not None
        hall = self._hall(msg.event_id)
        poll = hall.vote(actor.account_id, msg.poll_id, msg.option)
        assert actor.account_id is not None
        vote = {
            "kind": "poll_vote", "event_id": hall.id, "number": poll.id, "account_id": actor.account_id,
            "option": msg.option,
        }
        try:
            refused = yield ctx.call("save_event_records", [vote], lane=_lane(hall.id))
        except Exception:
            poll.votes.pop(actor.account_id, None)
            raise
        if refused:
            poll.votes.pop(actor.account_id, None)
            raise Refused(ErrorCode.ALREADY_VOTED)
        self.dirty.add((hall.id, f"poll:{poll.id}"))
        self._done(ctx, hall.id, poll.id)

    def poll_close(self, ctx: Ctx, msg: PollClose) -> HandlerRun:
        hall = self._host_hall(ctx, msg.event_id)
        poll = hall.close_poll(msg.poll_id)
        try:
            yield ctx.call("close_poll", hall.id, poll.id, lane=_lane(hall.id))
        except Exception:
            poll.open = True
            raise
        self._broadcast(ctx, _poll_msg(hall.id, poll, final=True))
        self._done(ctx, hall.id, poll.id)

    # ── moderation ───────────────────────────────────────────────────────────
    def moderate(self, ctx: Ctx, msg: EventModerate) -> HandlerRun:
        actor = ctx.actor
        assert actor is not None
        hall = self._host_hall(ctx, msg.event_id)
        # Checked before anything changes, so a refused store call leaves the hall as it was.
        if msg.account_id == hall.facts.host_account:
            raise Refused(ErrorCode.NOT_ALLOWED, "not the host")
        yield ctx.call("moderate_event", hall.id, msg.account_id, msg.action, actor_id=actor.account_id,
                       reason=msg.reason, lane=_lane(hall.id))
        was_in = hall.moderate(msg.account_id, msg.action)
        log.info("event_moderated", extra={"fields": {"event": hall.id, "action": msg.action, "by": actor.account_id}})
        kind = {"mute": "muted", "unmute": "unmuted", "remove": "removed"}[msg.action]
        ctx.push(ToAccount(msg.account_id), EventNotice(event_id=hall.id, kind=kind, title=hall.facts.title))
        if msg.action == "remove":
            self._stage_changed(ctx)
            avatar = self.roster.avatar_of_account(msg.account_id)
            if was_in is not None and avatar is not None:
                ctx.fx.out.append(Move(avatar, self.outside))
        self.dirty.add((hall.id, "hall"))
        self._done(ctx, hall.id)

    # ── slides ───────────────────────────────────────────────────────────────
    def slide_add(self, ctx: Ctx, msg: SlideAdd) -> HandlerRun:
        hall = self._host_hall(ctx, msg.event_id)
        slide = check_slide(msg.kind, data=msg.data, text=msg.text)
        position = yield ctx.call(
            "add_slide", hall.id, slide.kind, data=slide.data, text=slide.text, width=slide.width,
            height=slide.height, lane=_lane(hall.id),
        )
        self._done(ctx, hall.id, position + 1)

    def slide_show(self, ctx: Ctx, msg: SlideShow) -> HandlerRun:
        hall = self._host_hall(ctx, msg.event_id)
        deck = yield ctx.call("slides", hall.id)
        if msg.index >= len(deck):
            raise Refused(ErrorCode.NOT_FOUND, f"the deck has {len(deck)} slides")
        slide = deck[msg.index]
        self.slide_at[hall.id] = msg.index
        shown = self.slide_shown[hall.id] = Slide(
            event_id=hall.id, index=msg.index, count=min(len(deck), MAX_DECK), kind=slide.kind, data=slide.data,
            text=slide.text,
        )
        self._broadcast(ctx, shown)
        self._done(ctx, hall.id, msg.index)


class EventCopy(Component):
    """An overflow copy's door to the authority: its members' event commands go up the bus, and
    what comes down reaches them. No event state lives here."""

    name = "event_copy"
    handlers = EVENT_TYPES
    channels = (DOWN,)

    def __init__(
        self,
        instance_id: str,
        sim: Simulation,
        roster: Roster,
        *,
        origin: str = "",
        process: str = "",
        mirror: bool = True,
        forward_hooks: bool = False,
    ) -> None:
        self.instance_id = instance_id
        self.origin = origin  # the authority this copy belongs to (see `Events.origin`)
        self.process = process  # this server process, when several share the bus
        # A copy of the hall shows the stage; the building of a process without the hall only
        # forwards its people's event commands (the board, registering, "go to event").
        self.mirror = mirror
        # The authority is in another process: arrivals and departures are reported up.
        self.forward_hooks = forward_hooks
        self.sim = sim
        self.roster = roster
        self.stage_accounts: set[int] = set()

    def _up(self, actor: Actor, **body: Any) -> Effects:
        fx = Effects()
        envelope = {**body, "actor": actor.as_dict(), "origin": self.origin, "proc": self.process}
        fx.out.append(Publish(UP, pack(envelope)))
        return fx

    def handle(self, cmd: Message, actor: Actor, now_ms: int) -> Effects:
        return self._up(actor, msg=encode(cmd))

    def enter(self, actor: Actor, now_ms: int) -> Effects:
        return self._up(actor, kind="enter") if self.forward_hooks else Effects()

    def leave(self, actor: Actor, now_ms: int) -> Effects:
        return self._up(actor, kind="leave") if self.forward_hooks else Effects()

    def moved_away(self, actor: Actor, now_ms: int) -> Effects:
        return self._up(actor, kind="away") if self.forward_hooks else Effects()

    def _mine(self, body: dict[str, Any]) -> bool:
        """A message for one of this copy's members: its copy, in this process."""
        return body.get("copy") == self.instance_id and str(body.get("proc", "")) in ("", self.process)

    # The envelope read last and what it said: every copy in this process may be handed the
    # same payload (a broadcast), and it is read once.
    _last_read: tuple[bytes, dict[str, Any]] | None = None

    @staticmethod
    def _read(payload: bytes) -> dict[str, Any]:
        last = EventCopy._last_read
        if last is not None and last[0] is payload:
            return last[1]
        body = unpack(payload)
        EventCopy._last_read = (payload, body)
        return body

    @staticmethod
    def addressed_to(payload: bytes) -> str | None:
        """The one copy an envelope from the authority is for (a reply to one of its people, a
        move), or None when it is for every copy. A poll's thousands of replies each go to one
        copy: handing each to every copy of the process cost more than the votes themselves."""
        body = EventCopy._read(payload)
        return str(body["copy"]) if body.get("to") in ("conn", "move") else None

    def receive(self, channel: str, payload: bytes, now_ms: int) -> Effects:
        fx = Effects()
        body = EventCopy._read(payload)
        if body.get("origin", "") != self.origin:
            return fx
        to = body.get("to")
        if to == "all":
            if self.mirror:
                fx.out.append(Push(ToInstance(self.instance_id), body["msg"]))
        elif to == "conn" and self._mine(body):
            fx.out.append(Push(ToConn(int(body["conn"])), body["msg"]))
        elif to == "move" and self._mine(body):
            fx.out.append(Move(int(body["avatar"]), str(body["instance"]), seat=bool(body.get("seat")),
                               spot=spot_of(body.get("spot"))))
        elif to == "stage":
            self.stage_accounts = {int(a) for a in body["accounts"]}
            for avatar_id in list(self.sim.avatars.slot_of):
                actor = self.roster.actor(avatar_id)
                if actor is not None:
                    self._allow(actor)
        return fx

    def moved(self, actor: Actor, seat: int, now_ms: int) -> Effects:
        if actor.instance == self.instance_id:
            self._allow(actor)
        return self._up(actor, kind="moved", seat=seat) if self.forward_hooks else Effects()

    def _allow(self, actor: Actor) -> None:
        if self.sim.has(actor.avatar_id):
            allowed = actor.role in HOST_ROLES or actor.account_id in self.stage_accounts
            self.sim.allow_stage(actor.avatar_id, allowed)


def _restore(hall: Hall, state: Any) -> None:
    """A live event's questions, polls, stage line count and moderation, as the store kept them
    (`EventsRepo.live_state`). Who is in the hall, hands, speakers and the slide shown are not
    kept: people come back in by joining again."""
    hall.lines = state.lines
    for q in state.questions:
        hall.questions[q["number"]] = Question(
            id=q["number"], account_id=q["account_id"] or 0, name=q["name"], text=q["text"], voters=set(q["voters"]),
            answered=q["answered"], hidden=q["hidden"],
        )
    for p in state.polls:
        hall.polls[p["number"]] = PollState(
            id=p["number"], question=p["question"], options=tuple(p["options"]), live=p["live"], open=p["open"],
            votes=dict(p["votes"]),
        )
    hall.muted.update(state.muted)
    hall.removed.update(state.removed)


def _stay(event_id: int, account_id: int, instance: str) -> dict[str, Any]:
    """Came into a copy of the hall (`instance`), or left the event ('')."""
    return {"kind": "attendance", "event_id": event_id, "account_id": account_id, "instance": instance}


def _record(ctx: Ctx, record: dict[str, Any]) -> None:
    """A record nobody waits for, batched with the event's others on its lane (see the store's
    `save_event_records` for the kinds)."""
    ctx.write("save_event_records", [record], lane=_lane(record["event_id"]))


def _lane(event_id: int) -> str:
    """One event's writes stay in order (a join before its leave, a question before its votes)."""
    return f"event:{event_id}"


def _facts(rec: Any) -> EventFacts:
    return EventFacts(
        id=rec.id,
        title=rec.title,
        description=rec.description,
        opd=rec.opd,
        start_ms=rec.start_ms,
        end_ms=rec.end_ms,
        capacity=rec.capacity,
        lang=rec.lang,
        host_account=rec.host_id,
        host_name=rec.host_name[:32],
        status=rec.status,
        doors=rec.doors,
        registered=len(rec.registered),
    )

