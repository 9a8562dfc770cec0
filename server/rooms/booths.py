"""The booth desk component: the panel, ticket queues, the staff side of the counter and editing
a booth's content. Sans-I/O: commands in, `Effects` out; store calls are yielded and answered by
the effect runner, and a ticket's new state is committed before anyone is told.

Every rule is checked here: who may do what (a citizen can't call the queue, staff touch only
their own OPD), where they must stand (a number is taken at the booth, a counter is manned from
behind it); the queue rules themselves live in `services/queues.py` and `services/counters.py`.
The desk is process-wide: your ticket follows you into the auditorium.

With several server processes the queues are one per city, run by one process (the *desk*).
Another process's booths (`desk` false) show the panels and take service requests, but hold no
tickets and no clerks: the wiring sends queue and counter commands to the desk's process (a
redirect that replays the command there), and nothing here loads, changes or expires tickets.
The desk publishes each booth state it sends (channel `booths.state`); the others keep the last
one per OPD and show it to their own people (`receive`). Content edited on any process (an OPD's
description, its programs) is announced on `booths.content`; the others read it again. When
the desk's process is gone another takes the desk over (`take_desk`): the open tickets are read
again from the store.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from makaverse.protocol import (
    BoothInfoGet,
    BoothState,
    CallNext,
    CounterMan,
    CounterMessage,
    CounterSay,
    EditOpd,
    EditProgram,
    ErrorCode,
    FinishTicket,
    LeaveQueue,
    MessageType,
    RequestStatusChanged,
    TakeNumber,
    decode_as,
)
from makaverse.protocol.booths import MAX_PROGRAMS
from makaverse.world import World

from ..services.queues import Queues, Ticket, service_day
from ..sim import Simulation
from .actor import Actor
from .booth_board import (
    BOOTH_CONTENT_CHANNEL,
    BOOTH_STATES_CHANNEL,
    TICKETS_LANE,
    BoothBoard,
    BoothConfig,
    ms,
)
from .component import Component, Roster
from .effects import Ctx, Deliver, Effects, HandlerRun, Refused, ToAvatar, ToConn, drive
from .notes import note

__all__ = ["Booths", "BoothConfig", "BOOTH_STATES_CHANNEL", "BOOTH_CONTENT_CHANNEL", "QUEUE_COMMANDS", "notice_msg"]

log = logging.getLogger("makaverse.booths")


# What only the desk can do (the queues and the counters); sent to its process from any other.
QUEUE_COMMANDS = frozenset({
    MessageType.TAKE_NUMBER, MessageType.LEAVE_QUEUE, MessageType.COUNTER_MAN, MessageType.CALL_NEXT,
    MessageType.FINISH_TICKET, MessageType.COUNTER_SAY,
})


class Booths(Component):
    name = "booths"
    process_wide = True
    channels = (BOOTH_STATES_CHANNEL, BOOTH_CONTENT_CHANNEL)
    handlers = {
        MessageType.BOOTH_INFO_GET: "booth_info_get",
        MessageType.TAKE_NUMBER: "take_number",
        MessageType.LEAVE_QUEUE: "leave_queue",
        MessageType.COUNTER_MAN: "counter_man",
        MessageType.CALL_NEXT: "call_next",
        MessageType.FINISH_TICKET: "finish_ticket",
        MessageType.COUNTER_SAY: "counter_say",
        MessageType.EDIT_OPD: "edit_opd",
        MessageType.EDIT_PROGRAM: "edit_program",
    }

    def __init__(self, world: World, sim: Simulation, roster: Roster, config: BoothConfig | None = None) -> None:
        self.board = BoothBoard(world, sim, roster, config or BoothConfig())
        self._loading = False

    @property
    def desk(self) -> bool:
        """This process runs the queues (false: another process of the cluster does)."""
        return self.board.desk

    @desk.setter
    def desk(self, value: bool) -> None:
        self.board.desk = value

    @property
    def shared(self) -> bool:
        """Several processes: the desk's booth states go to the others over the bus."""
        return self.board.shared

    @shared.setter
    def shared(self, value: bool) -> None:
        self.board.shared = value

    # ── the desk changing hands ──────────────────────────────────────────────
    def take_desk(self, now_ms: int) -> Effects:
        """This process now runs the desk (the one that did is gone): the queues are read again
        from the store, today's numbering going on where it stopped; no counter is manned yet."""
        self.desk = True
        self.board.reset(None)
        ctx = Ctx(None, 0, now_ms)
        return drive(self._load(ctx), ctx)

    def lose_desk(self, now_ms: int) -> None:
        """Another process runs the desk now: this one's queues and counters are dropped (that
        process read the tickets from the store), the OPDs stay."""
        self.desk = False
        board = self.board
        if board.queues is None:
            return
        prefixes = {code: o.ticket_prefix for code, o in board.opds.items()}
        board.reset(Queues(prefixes, now_s=now_ms / 1000, no_show_s=board.config.no_show_s))

    def receive(self, channel: str, payload: bytes, now_ms: int) -> Effects:
        """A booth state the desk published: kept and shown here (on the desk itself, ignored).
        An OPD's content edited on another process: read again and shown here."""
        ctx = Ctx(None, 0, now_ms)
        if channel == BOOTH_CONTENT_CHANNEL:
            origin, _, opd = payload.decode("utf-8", "replace").partition("\n")
            if origin == self.board.origin or not self.board.ready:  # ours, or read fresh when loaded
                return ctx.fx
            if opd not in self.board.opds:
                log.warning("booth_content_unknown_on_bus")
                return ctx.fx
            return drive(self._reread(ctx, opd), ctx)
        if channel != BOOTH_STATES_CHANNEL or self.desk:
            return ctx.fx
        state = decode_as(payload, BoothState)
        if state is None:
            log.warning("booth_state_malformed_on_bus")
            return ctx.fx
        self.board.mirror(ctx, state, ctx.now_s)
        return ctx.fx

    # ── loading ──────────────────────────────────────────────────────────────
    def start(self, now_ms: int) -> Effects:
        ctx = Ctx(None, 0, now_ms)
        return drive(self._load(ctx), ctx)

    def _load(self, ctx: Ctx) -> HandlerRun:
        """Read the OPDs and the open tickets (once; the first command after a failure tries again)."""
        if self._loading:
            raise Refused(ErrorCode.UNAVAILABLE, "loading")
        self._loading = True
        try:
            now = ctx.now_s
            opds = yield ctx.call("list_opds")
            state = (yield ctx.call("load_queue_state", service_day(now))) if self.desk else None
        finally:
            self._loading = False
        board = self.board
        queues = Queues({o.code: o.ticket_prefix for o in opds}, now_s=now, no_show_s=board.config.no_show_s)
        # The tickets are the desk's: restored (and expired) there only.
        changed = (queues.restore(list(state.open_tickets), state.last_numbers, names=state.names, now_s=now)
                   if state is not None else [])
        board.opds = {o.code: o for o in opds}
        # read again (the desk taken over): a new version, so open panels fetch the content again
        board.info_version = {o.code: board.info_version.get(o.code, 0) + 1 for o in opds}
        board.queues = queues
        waiting = sum(queues.waiting_count(o) for o in queues.opds())
        if state is not None and (waiting or changed):  # an empty start has nothing to tell
            note(log, "booth_queues_loaded", waiting=waiting, closed=len(changed))
        for i in range(0, len(changed), 100):  # the store takes bounded batches
            self._save(ctx, changed[i : i + 100])

    def loaded(self, ctx: Ctx) -> HandlerRun:
        """Steps that load the desk first if it is not loaded yet (also used by the service requests)."""
        if not self.board.ready:
            yield from self._load(ctx)

    @staticmethod
    def _save(ctx: Ctx, tickets: list[Ticket]) -> None:
        ctx.write("save_tickets", [t.record() for t in tickets], lane=TICKETS_LANE)

    @staticmethod
    def _saved(ctx: Ctx, tickets: list[Ticket]) -> HandlerRun:
        """Commit tickets' new state, in order with every other ticket save; answers the refused ones."""
        return (yield ctx.call("save_tickets", [t.record() for t in tickets], lane=TICKETS_LANE))

    # ── the panel ────────────────────────────────────────────────────────────
    def booth_info_get(self, ctx: Ctx, msg: BoothInfoGet) -> HandlerRun:
        yield from self.loaded(ctx)
        if msg.opd not in self.board.opds:
            raise Refused(ErrorCode.NOT_FOUND)
        ctx.reply(self.board.booth_info(msg.opd, msg.request_id))

    # ── tickets ──────────────────────────────────────────────────────────────
    def take_number(self, ctx: Ctx, msg: TakeNumber) -> HandlerRun:
        yield from self.loaded(ctx)
        board, actor = self.board, ctx.actor
        assert board.queues is not None and actor is not None
        if not board.queues.has(msg.opd):
            raise Refused(ErrorCode.NOT_FOUND)
        if not board.near_booth(actor.avatar_id, msg.opd):
            raise Refused(ErrorCode.NOT_AT_BOOTH)
        ticket, new = board.queues.take(
            msg.opd, actor.holder, account_id=actor.account_id, name=actor.name, now_s=ctx.now_s
        )
        if new:
            try:
                refused = yield from self._saved(ctx, [ticket])
            except Exception:
                board.queues.abandon(ticket)
                raise
            if refused:
                board.queues.abandon(ticket)
                raise Refused(ErrorCode.CONFLICT)
            board.queues.confirm(ticket)
            note(log, "ticket_taken", opd=msg.opd, code=ticket.code, holder=actor.holder)
        elif not ticket.confirmed:
            raise Refused(ErrorCode.CONFLICT, "being issued")
        ctx.reply(board.ticket_reply(ticket, msg.request_id))

    def leave_queue(self, ctx: Ctx, msg: LeaveQueue) -> HandlerRun:
        yield from self.loaded(ctx)
        board, actor = self.board, ctx.actor
        assert board.queues is not None and actor is not None
        if not board.queues.has(msg.opd):
            raise Refused(ErrorCode.NOT_FOUND)
        held = board.queues.ticket(actor.holder, msg.opd)
        clerk_id = held.called_by if held is not None else None
        ticket = board.queues.leave(msg.opd, actor.holder, ctx.now_s)
        if ticket is None:
            raise Refused(ErrorCode.NOT_FOUND)
        yield from self._saved(ctx, [ticket])
        board.forget_session(ticket.holder, None)
        board.conversations.pop((ticket.opd, ticket.code), None)
        ctx.reply(board.ticket_msg(ticket, msg.request_id))
        if clerk_id is not None:
            board.tell_clerk(ctx, ticket.opd, clerk_id)

    # ── the counter ──────────────────────────────────────────────────────────
    def _staff(self, ctx: Ctx) -> HandlerRun:
        """The OPD of a logged-in staff member (with the desk loaded); refuses everyone else."""
        assert ctx.actor is not None
        opd = ctx.actor.staff_opd
        if not opd:
            raise Refused(ErrorCode.NOT_ALLOWED)
        yield from self.loaded(ctx)
        return opd

    def counter_man(self, ctx: Ctx, msg: CounterMan) -> HandlerRun:
        opd = yield from self._staff(ctx)
        board, actor = self.board, ctx.actor
        assert actor is not None
        assert board.queues is not None and actor.account_id is not None
        if opd not in board.booths or not board.queues.has(opd):
            raise Refused(ErrorCode.NOT_FOUND)
        clerk_id, now = actor.account_id, ctx.now_s
        if msg.on:
            if not board.at_post(actor.avatar_id, opd):
                raise Refused(ErrorCode.NOT_AT_COUNTER)
            if board.counters.man(opd, clerk_id, avatar_id=actor.avatar_id, name=actor.name, now_s=now):
                note(log, "counter_manned", opd=opd, clerk=clerk_id)
        elif board.counters.leave(clerk_id) is not None:
            self._release(ctx, opd, clerk_id)
            note(log, "counter_left", opd=opd, clerk=clerk_id)
        ctx.reply(board.console_reply(opd, clerk_id, now, msg.request_id))
        board.broadcast_state(ctx, opd, now, force=True)

    def _release(self, ctx: Ctx, opd: str, clerk_id: int) -> None:
        board = self.board
        assert board.queues is not None
        ticket = board.queues.release_clerk(opd, clerk_id, ctx.now_s)
        if ticket is not None:
            self._save(ctx, [ticket])
            board.tell_holder(ctx, ticket)

    def _clerk(self, ctx: Ctx) -> HandlerRun:
        """The OPD of a clerk manning its counter; refuses everyone else."""
        opd = yield from self._staff(ctx)
        actor = ctx.actor
        assert actor is not None
        clerk = self.board.counters.clerk(actor.account_id) if actor.account_id is not None else None
        if clerk is None or clerk.opd != opd:
            raise Refused(ErrorCode.NOT_MANNING)
        return opd

    def call_next(self, ctx: Ctx, msg: CallNext) -> HandlerRun:
        opd = yield from self._clerk(ctx)
        board, actor = self.board, ctx.actor
        assert board.queues is not None and actor is not None and actor.account_id is not None
        clerk_id = actor.account_id
        result = board.queues.call_next(opd, clerk_id, ctx.now_s)
        changed = [t for t in (result.finished, result.called) if t is not None]
        refused: list = []
        if changed:
            try:
                refused = yield from self._saved(ctx, changed)
            except Exception:
                if result.called is not None:
                    board.queues.requeue(result.called)
                raise
        if result.finished is not None:
            board.tell_holder(ctx, result.finished)
        if result.called is None:
            board.tell_clerk(ctx, opd, clerk_id)
            raise Refused(ErrorCode.QUEUE_EMPTY)
        if any(r.number == result.called.number and r.status == "called" for r in refused):
            # Another server process called it first (only possible with a shared database).
            log.error("ticket_called_elsewhere", extra={"fields": {"code": result.called.code}})
            raise Refused(ErrorCode.CONFLICT)
        note(log, "ticket_called", opd=opd, code=result.called.code, clerk=clerk_id)
        self._check_arrival(ctx, result.called)
        ctx.reply(board.console_reply(opd, clerk_id, ctx.now_s, msg.request_id))
        board.tell_holder(ctx, result.called)

    def finish_ticket(self, ctx: Ctx, msg: FinishTicket) -> HandlerRun:
        opd = yield from self._clerk(ctx)
        board, actor = self.board, ctx.actor
        assert board.queues is not None and actor is not None and actor.account_id is not None
        ticket = board.queues.finish(opd, actor.account_id, ctx.now_s, served=msg.served)
        if ticket is None:
            raise Refused(ErrorCode.NOT_FOUND)
        yield from self._saved(ctx, [ticket])
        ctx.reply(board.console_reply(opd, actor.account_id, ctx.now_s, msg.request_id))
        board.tell_holder(ctx, ticket)

    def counter_say(self, ctx: Ctx, msg: CounterSay) -> HandlerRun:
        yield from self.loaded(ctx)
        board, actor = self.board, ctx.actor
        assert board.queues is not None and actor is not None
        clerk = board.clerk_of(actor)
        ticket = board.queues.current(clerk.opd, clerk.account_id) if clerk is not None else None
        if ticket is not None:
            other = board.holder_avatar(ticket.holder)
            from_staff = True
        else:
            ticket = next(
                (t for t in board.queues.tickets_of(actor.holder) if t.called_by is not None and t.active), None
            )
            called_by = ticket.called_by if ticket is not None else None
            other = board.roster.avatar_of_account(called_by) if called_by is not None else None
            from_staff = False
        if ticket is None:
            raise Refused(ErrorCode.NOT_ALLOWED, "nobody at the counter")
        text = " ".join(msg.text.split())
        if not text:
            raise Refused(ErrorCode.INVALID_FIELD)
        line = CounterMessage(
            opd=ticket.opd, code=ticket.code, from_name=actor.name, from_staff=from_staff, text=text, at_ms=ctx.now_ms
        )
        board.remember_line(ticket, line)
        ctx.reply(line)
        if other is not None and other != actor.avatar_id:
            ctx.push(ToAvatar(other), line)

    # ── editing the booth ────────────────────────────────────────────────────
    def edit_opd(self, ctx: Ctx, msg: EditOpd) -> HandlerRun:
        opd = yield from self._staff(ctx)
        actor = ctx.actor
        assert actor is not None
        updated = yield ctx.call(
            "update_opd_description",
            opd,
            {"id": msg.description_id.strip(), "en": msg.description_en.strip()},
            actor_id=actor.account_id,
        )
        self._published(ctx, updated)

    def edit_program(self, ctx: Ctx, msg: EditProgram) -> HandlerRun:
        opd = yield from self._staff(ctx)
        actor = ctx.actor
        assert actor is not None
        current = self.board.opds[opd]
        if msg.program_id and not any(p.id == msg.program_id for p in current.programs):
            raise Refused(ErrorCode.NOT_FOUND)
        if not msg.program_id and len(current.programs) >= MAX_PROGRAMS:
            raise Refused(ErrorCode.LIMIT_REACHED)
        if msg.delete:
            yield ctx.call("delete_program", msg.program_id, actor_id=actor.account_id)
        else:
            try:
                start = date.fromisoformat(msg.start) if msg.start else None
                end = date.fromisoformat(msg.end) if msg.end else None
            except ValueError:  # a date that looks right but isn't (2026-02-30)
                raise Refused(ErrorCode.INVALID_FIELD) from None
            draft = {
                "title": " ".join(msg.title.split()),
                "summary": {"id": msg.summary_id.strip(), "en": msg.summary_en.strip()},
                "status": msg.status,
                "start_date": start,
                "end_date": end,
                "link": msg.link.strip() or None,
                "is_sample": False,
            }
            yield ctx.call(
                "upsert_program", opd, draft, program_id=msg.program_id or None, actor_id=actor.account_id
            )
        updated = yield ctx.call("get_opd", opd)
        self._published(ctx, updated)

    def _published(self, ctx: Ctx, updated: Any) -> None:
        board, actor = self.board, ctx.actor
        assert actor is not None
        board.set_opd(ctx, updated, editor=actor.avatar_id)
        note(log, "booth_edited", opd=updated.code, by=actor.account_id)
        ctx.reply(board.booth_info(updated.code, ctx.ref))
        board.broadcast_state(ctx, updated.code, ctx.now_s, force=True)
        if board.shared:
            ctx.publish(BOOTH_CONTENT_CHANNEL, f"{board.origin}\n{updated.code}".encode())

    def _reread(self, ctx: Ctx, opd: str) -> HandlerRun:
        """Another process's staff edited `opd`: its content as committed, to everyone here."""
        updated = yield ctx.call("get_opd", opd)
        board = self.board
        board.set_opd(ctx, updated, editor=0)  # no avatar is 0: everyone at the booth gets it
        board.broadcast_state(ctx, opd, ctx.now_s, force=True)

    # ── hooks ────────────────────────────────────────────────────────────────
    def enter(self, actor: Actor, now_ms: int) -> Effects:
        ctx = Ctx(actor, 0, now_ms)
        return drive(self._enter(ctx), ctx)

    def _enter(self, ctx: Ctx) -> HandlerRun:
        """Booth states for the world, your tickets, your console if you man a counter, and
        notifications that waited for you."""
        board, actor = self.board, ctx.actor
        assert actor is not None
        if not board.ready:
            return
        assert board.queues is not None
        if not self.desk:  # the queues are on the desk's process: its last states, and notifications
            for opd in board.queues.opds():
                if opd in board.mirrored:
                    ctx.reply(board.booth_state(opd))
            yield from self._notifications(ctx)
            return
        for opd in board.queues.opds():
            ctx.reply(board.booth_state(opd))
        holder = actor.holder
        clerk = board.clerk_of(actor)
        board.forget_session(holder, clerk.account_id if clerk else None)
        for ticket in board.queues.tickets_of(holder):
            if ticket.confirmed:
                board.tell_holder(ctx, ticket)
                for line in board.conversation(ticket):
                    ctx.reply(line)
        if clerk is not None:
            board.counters.man(clerk.opd, clerk.account_id, avatar_id=actor.avatar_id, name=clerk.name, now_s=ctx.now_s)
            board.tell_clerk(ctx, clerk.opd, clerk.account_id)
            current = board.queues.current(clerk.opd, clerk.account_id)
            if current is not None:
                for line in board.conversation(current):
                    ctx.reply(line)
        yield from self._notifications(ctx)

    @staticmethod
    def _notifications(ctx: Ctx) -> HandlerRun:
        """Status changes of the account's requests that waited for it."""
        actor = ctx.actor
        assert actor is not None
        if actor.account_id is None:
            return
        pending = yield ctx.call("pending_notifications", actor.account_id)
        sent = []
        for notice in pending:
            if notice.kind == "request_status" and (yield Deliver(ToConn(actor.conn_id), notice_msg(notice))):
                sent.append(notice.id)
        if sent:
            yield ctx.call("mark_delivered", sent)

    def moved_away(self, actor: Actor, now_ms: int) -> Effects:
        """Gone to another server process: an account keeps its tickets (they are its, wherever it
        is; being called reaches it there); a guest's, tied to this avatar, are given up."""
        if actor.account_id is not None and actor.role != "staff":
            return Effects()
        return self.leave(actor, now_ms)

    def leave(self, actor: Actor, now_ms: int) -> Effects:
        """The avatar left for good: its tickets are given up and its counter, if any, handed back."""
        ctx = Ctx(None, 0, now_ms)
        board = self.board
        if not board.ready:
            return ctx.fx
        assert board.queues is not None
        account_id = actor.account_id
        gone = board.queues.leave_all(actor.holder, ctx.now_s)
        clerk = board.counters.leave(account_id) if account_id is not None else None
        if clerk is not None and account_id is not None:
            ticket = board.queues.release_clerk(clerk.opd, account_id, ctx.now_s)
            if ticket is not None:
                gone.append(ticket)
                board.tell_holder(ctx, ticket)
        for ticket in gone:
            if ticket.called_by is not None and ticket.called_by != account_id:
                board.tell_clerk(ctx, ticket.opd, ticket.called_by)
        if gone:
            self._save(ctx, gone)
        board.forget_session(actor.holder, account_id)
        return ctx.fx

    def tick(self, now_ms: int) -> Effects:
        ctx = Ctx(None, 0, now_ms)
        board = self.board
        if not board.ready or not self.desk:
            return ctx.fx
        if board.check_due(ctx.now_s):
            self._check(ctx)
        board.push_changes(ctx, ctx.now_s)
        board.publish_states(ctx, ctx.now_s)
        return ctx.fx

    def _check(self, ctx: Ctx) -> None:
        """Arrivals at the counter, no-shows, and clerks who left their post."""
        board = self.board
        queues = board.queues
        assert queues is not None
        now = ctx.now_s
        for opd in queues.opds():
            for ticket in queues.called(opd):
                self._check_arrival(ctx, ticket)
        changed: list[Ticket] = []
        for ticket in queues.expire(now):
            changed.append(ticket)
            board.tell_holder(ctx, ticket)
            note(log, "ticket_no_show", opd=ticket.opd, code=ticket.code)
            clerk = board.counters.clerk(ticket.called_by) if ticket.called_by is not None else None
            if clerk is not None and clerk.opd == ticket.opd:
                nxt = queues.call_next(ticket.opd, clerk.account_id, now).called
                if nxt is not None:
                    changed.append(nxt)
                    board.tell_holder(ctx, nxt)
                board.tell_clerk(ctx, ticket.opd, clerk.account_id)
        for clerk in board.counters.clerks():
            avatar_id = board.roster.avatar_of_account(clerk.account_id)
            present = avatar_id is not None and board.at_post(avatar_id, clerk.opd)
            board.counters.seen(clerk.account_id, at_post=present, now_s=now)
        for clerk in board.counters.expire(now):
            note(log, "counter_closed", opd=clerk.opd, clerk=clerk.account_id)
            released = queues.release_clerk(clerk.opd, clerk.account_id, now)
            if released is not None:
                changed.append(released)
                board.tell_holder(ctx, released)
            board.tell_clerk(ctx, clerk.opd, clerk.account_id)
        if changed:
            self._save(ctx, changed)

    def _check_arrival(self, ctx: Ctx, ticket: Ticket) -> None:
        board = self.board
        if ticket.arrived_at is not None:
            return
        avatar_id = board.holder_avatar(ticket.holder)
        if avatar_id is not None and board.near_booth(avatar_id, ticket.opd):
            assert board.queues is not None
            if board.queues.arrive(ticket, ctx.now_s):
                self._save(ctx, [ticket])
                if ticket.called_by is not None:
                    board.tell_clerk(ctx, ticket.opd, ticket.called_by)


def notice_msg(notice: Any) -> RequestStatusChanged:
    p = notice.payload
    return RequestStatusChanged(
        tracking=p["tracking"],
        opd=p["opd"],
        service=p["service"],
        status=p["status"],
        previous=p["from"],
        note=" ".join(str(p.get("note", "")).split())[:500],
        at_ms=ms(notice.created_at.timestamp()),
    )
