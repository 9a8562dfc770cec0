"""Booths: the panel, ticket queues, service requests, and the staff side of the counter.

Every rule is checked here on the server: who may do what (a citizen can't call the queue,
staff touch only their own OPD's requests, nobody reads another's requests), where they must
stand (a number is taken at the booth, a counter is manned from behind it), and the queue and
request rules themselves live in `services/queues.py`, `services/counters.py`,
`protocol/request_fields.py` and the request status machine (`protocol/request_status.py`). Replies to commands that change
durable state are sent only after the store committed. `booths_desk.py` holds the live state.
"""

from __future__ import annotations

import logging
import time
from datetime import date
from weakref import WeakKeyDictionary

from makaverse.protocol import (
    BoothInfoGet,
    CallNext,
    CounterMan,
    CounterMessage,
    CounterSay,
    EditOpd,
    EditProgram,
    Error,
    ErrorCode,
    FinishTicket,
    LeaveQueue,
    MessageType,
    MyRequests,
    RequestDetail,
    RequestGet,
    RequestInvalid,
    RequestList,
    RequestStatusChanged,
    RequestSubmitted,
    SetRequestStatus,
    StaffRequests,
    SubmitRequest,
    TakeNumber,
)
from makaverse.protocol.booths import MAX_HISTORY, MAX_PROGRAMS

from ..log import log_event
from makaverse.protocol import request_status
from ..services.queues import QueueError, Ticket, holder_key
from makaverse.protocol.request_fields import InvalidSubmission, check_submission
from ..store import (
    Audit,
    Conflict,
    IllegalTransition,
    InvalidValue,
    Localized,
    NotFound,
    ProgramDraft,
    StoreError,
)
from . import Feature
from .booths_desk import BoothConfig, BoothDesk, holder_of, ms

__all__ = ["FEATURE", "make_feature", "desk_of", "BoothConfig"]

log = logging.getLogger("makaverse.booths")

_desks: WeakKeyDictionary = WeakKeyDictionary()  # hub -> BoothDesk


def desk_of(hub, config: BoothConfig | None = None) -> BoothDesk:
    desk = _desks.get(hub)
    if desk is None:
        desk = _desks[hub] = BoothDesk(hub, config or BoothConfig())
    return desk


def _refuse(session, code: ErrorCode | str, ref: int, text: str = "") -> None:
    session.send(Error(code=str(code), text=text[:200], ref=ref))


async def _saved(desk, session, ticket, ref: int) -> bool:
    """Commit a ticket's new state before anyone is told; on a store failure, refuse and say so."""
    try:
        await desk.writer.save([ticket])
    except StoreError as exc:
        _store_error(session, exc, ref)
        return False
    return True


def _store_error(session, exc: StoreError, ref: int) -> None:
    if isinstance(exc, NotFound):
        _refuse(session, ErrorCode.NOT_FOUND, ref)
    elif isinstance(exc, IllegalTransition):
        _refuse(session, ErrorCode.ILLEGAL_TRANSITION, ref, f"{exc.from_status} -> {exc.to_status}")
    elif isinstance(exc, Conflict):
        _refuse(session, ErrorCode.CONFLICT, ref)
    elif isinstance(exc, InvalidValue):
        _refuse(session, ErrorCode.INVALID_FIELD, ref)
    else:
        log.error("booths_store_failed", extra={"fields": {"error": type(exc).__name__}})
        _refuse(session, ErrorCode.UNAVAILABLE, ref)


def _staff_opd(session) -> str:
    """The OPD a staff session works for, or '' for anyone else."""
    return session.opd if session.role == "staff" and session.account is not None else ""


class Booths:
    """The feature's handlers and hooks, with its configuration; state lives per hub in a `BoothDesk`."""

    def __init__(self, config: BoothConfig) -> None:
        self.config = config

    async def _desk(self, hub, session, ref: int) -> BoothDesk | None:
        desk = desk_of(hub, self.config)
        if await desk.ensure_ready():
            return desk
        _refuse(session, ErrorCode.UNAVAILABLE, ref)
        return None

    # ── the panel ────────────────────────────────────────────────────────────
    async def on_booth_info_get(self, hub, session, msg: BoothInfoGet) -> None:
        desk = await self._desk(hub, session, msg.request_id)
        if desk is None:
            return
        if msg.opd not in desk.opds:
            _refuse(session, ErrorCode.NOT_FOUND, msg.request_id)
            return
        session.send(desk.booth_info(msg.opd, msg.request_id))

    # ── tickets ──────────────────────────────────────────────────────────────
    async def on_take_number(self, hub, session, msg: TakeNumber) -> None:
        desk = await self._desk(hub, session, msg.request_id)
        if desk is None:
            return
        if not desk.queues.has(msg.opd):
            _refuse(session, ErrorCode.NOT_FOUND, msg.request_id)
            return
        if not desk.near_booth(session.avatar_id, msg.opd):
            _refuse(session, ErrorCode.NOT_AT_BOOTH, msg.request_id)
            return
        holder = holder_of(session)
        try:
            ticket, new = desk.queues.take(
                msg.opd, holder, account_id=session.account_id, name=session.name, now_s=time.time()
            )
        except QueueError as exc:
            _refuse(session, exc.code, msg.request_id)
            return
        if new:
            try:
                refused = await desk.writer.save([ticket])
            except StoreError as exc:
                desk.queues.abandon(ticket)
                _store_error(session, exc, msg.request_id)
                return
            if refused:
                desk.queues.abandon(ticket)
                _refuse(session, ErrorCode.CONFLICT, msg.request_id)
                return
            desk.queues.confirm(ticket)
            log_event(log, "ticket_taken", opd=msg.opd, code=ticket.code, holder=holder)
        elif not ticket.confirmed:
            _refuse(session, ErrorCode.CONFLICT, msg.request_id, "being issued")
            return
        session.send(desk.ticket_reply(ticket, msg.request_id))

    async def on_leave_queue(self, hub, session, msg: LeaveQueue) -> None:
        desk = await self._desk(hub, session, msg.request_id)
        if desk is None:
            return
        if not desk.queues.has(msg.opd):
            _refuse(session, ErrorCode.NOT_FOUND, msg.request_id)
            return
        clerk_id = None
        held = desk.queues.ticket(holder_of(session), msg.opd)
        if held is not None:
            clerk_id = held.called_by
        ticket = desk.queues.leave(msg.opd, holder_of(session), time.time())
        if ticket is None:
            _refuse(session, ErrorCode.NOT_FOUND, msg.request_id)
            return
        if not await _saved(desk, session, ticket, msg.request_id):
            return
        desk.forget_session(ticket.holder, None)
        desk.conversations.pop((ticket.opd, ticket.code), None)
        session.send(desk.ticket_msg(ticket, msg.request_id))
        if clerk_id is not None:
            desk.tell_clerk(ticket.opd, clerk_id)

    # ── service requests ─────────────────────────────────────────────────────
    async def on_submit_request(self, hub, session, msg: SubmitRequest) -> None:
        if session.account is None:
            _refuse(session, ErrorCode.LOGIN_REQUIRED, msg.request_id)
            return
        desk = await self._desk(hub, session, msg.request_id)
        if desk is None:
            return
        opd = desk.opds.get(msg.opd)
        service = opd.service(msg.service) if opd is not None else None
        if service is None:
            _refuse(session, ErrorCode.NOT_FOUND, msg.request_id)
            return
        try:
            values, note = check_submission(service.fields, msg.fields, msg.note)
        except InvalidSubmission as exc:
            session.send(RequestInvalid(request_id=msg.request_id, problems=exc.problems))
            return
        try:
            request, created = await hub.db(
                hub.store.create_service_request,
                session.account.id,
                opd_code=msg.opd,
                service_code=msg.service,
                field_values=values,
                client_request_id=msg.client_request_id,
                note=note,
            )
        except StoreError as exc:
            _store_error(session, exc, msg.request_id)
            return
        if created:
            log_event(log, "request_submitted", tracking=request.tracking_number, account=session.account.id)
        session.send(
            RequestSubmitted(
                request_id=msg.request_id,
                tracking=request.tracking_number,
                opd=request.opd_code,
                service=request.service_code,
                status=request.status.value,
                created_ms=ms(request.created_at.timestamp()),
                duplicate=not created,
            )
        )

    async def on_my_requests(self, hub, session, msg: MyRequests) -> None:
        if session.account is None:
            _refuse(session, ErrorCode.LOGIN_REQUIRED, msg.request_id)
            return
        await self._list(hub, session, msg.request_id, msg.limit, msg.before_id, account_id=session.account.id)

    async def on_staff_requests(self, hub, session, msg: StaffRequests) -> None:
        opd = _staff_opd(session)
        if not opd:
            _refuse(session, ErrorCode.NOT_ALLOWED, msg.request_id)
            return
        await self._list(
            hub, session, msg.request_id, msg.limit, msg.before_id, opd_code=opd, status=msg.status or None
        )

    async def _list(self, hub, session, ref: int, limit: int, before_id: int, **where) -> None:
        if hub.store is None:
            _refuse(session, ErrorCode.UNAVAILABLE, ref)
            return
        try:
            rows = await hub.db(hub.store.list_requests, limit=limit + 1, before_id=before_id or None, **where)
        except StoreError as exc:
            _store_error(session, exc, ref)
            return
        session.send(
            RequestList(
                request_id=ref,
                requests=tuple(
                    {
                        "id": r.id,
                        "tracking": r.tracking_number,
                        "opd": r.opd_code,
                        "service": r.service_code,
                        "status": r.status.value,
                        "created_ms": ms(r.created_at.timestamp()),
                        "updated_ms": ms(r.updated_at.timestamp()),
                    }
                    for r in rows[:limit]
                ),
                more=len(rows) > limit,
            )
        )

    async def on_request_get(self, hub, session, msg: RequestGet) -> None:
        if session.account is None:
            _refuse(session, ErrorCode.LOGIN_REQUIRED, msg.request_id)
            return
        if hub.store is None:
            _refuse(session, ErrorCode.UNAVAILABLE, msg.request_id)
            return
        try:
            request = await hub.db(hub.store.get_request_by_tracking, msg.tracking)
            # Someone else's request reads as missing: tracking numbers are guessable.
            if request.account_id != session.account.id and request.opd_code != _staff_opd(session):
                raise NotFound(msg.tracking)
            history = await hub.db(hub.store.request_history, request.id)
        except StoreError as exc:
            _store_error(session, exc, msg.request_id)
            return
        session.send(_detail(request, history, msg.request_id))

    async def on_set_request_status(self, hub, session, msg: SetRequestStatus) -> None:
        opd = _staff_opd(session)
        if not opd:
            _refuse(session, ErrorCode.NOT_ALLOWED, msg.request_id)
            return
        if hub.store is None:
            _refuse(session, ErrorCode.UNAVAILABLE, msg.request_id)
            return
        try:
            request = await hub.db(hub.store.get_request_by_tracking, msg.tracking)
            if request.opd_code != opd:
                _refuse(session, ErrorCode.NOT_ALLOWED, msg.request_id)
                return
            changed, notice = await hub.db(
                hub.store.change_request_status,
                request.id,
                msg.status,
                opd_code=opd,
                note=msg.note,
                actor_id=session.account.id,
                expected_from=msg.expected or None,
            )
            history = await hub.db(hub.store.request_history, request.id)
        except StoreError as exc:
            _store_error(session, exc, msg.request_id)
            return
        log_event(log, "request_status", tracking=changed.tracking_number, status=changed.status.value, by=session.account.id)
        session.send(_detail(changed, history, msg.request_id))
        citizen = hub.session_of_account(changed.account_id)
        if citizen is not None and citizen.send(_notice_msg(notice)):
            try:
                await hub.db(hub.store.mark_delivered, [notice.id])
            except StoreError:
                log.exception("notification_mark_failed")  # it will be sent again at the next login

    # ── the counter ──────────────────────────────────────────────────────────
    async def on_counter_man(self, hub, session, msg: CounterMan) -> None:
        opd = _staff_opd(session)
        if not opd:
            _refuse(session, ErrorCode.NOT_ALLOWED, msg.request_id)
            return
        desk = await self._desk(hub, session, msg.request_id)
        if desk is None:
            return
        if opd not in desk.booths or not desk.queues.has(opd):
            _refuse(session, ErrorCode.NOT_FOUND, msg.request_id)
            return
        clerk_id = session.account.id
        now = time.time()
        if msg.on:
            if not desk.at_post(session.avatar_id, opd):
                _refuse(session, ErrorCode.NOT_AT_COUNTER, msg.request_id)
                return
            if desk.counters.man(opd, clerk_id, avatar_id=session.avatar_id, name=session.name, now_s=now):
                log_event(log, "counter_manned", opd=opd, clerk=clerk_id)
        elif desk.counters.leave(clerk_id) is not None:
            self._release(desk, opd, clerk_id, now)
            log_event(log, "counter_left", opd=opd, clerk=clerk_id)
        session.send(desk.console_reply(opd, clerk_id, msg.request_id))
        desk.broadcast_state(opd, time.monotonic(), force=True)

    @staticmethod
    def _release(desk: BoothDesk, opd: str, clerk_id: int, now: float) -> None:
        ticket = desk.queues.release_clerk(opd, clerk_id, now)
        if ticket is not None:
            desk.writer.save([ticket])
            desk.tell_holder(ticket)

    async def on_call_next(self, hub, session, msg: CallNext) -> None:
        desk, opd = await self._clerk_desk(hub, session, msg.request_id)
        if desk is None:
            return
        clerk_id = session.account.id
        result = desk.queues.call_next(opd, clerk_id, time.time())
        changed = [t for t in (result.finished, result.called) if t is not None]
        refused: list = []
        if changed:
            try:
                refused = await desk.writer.save(changed)
            except StoreError as exc:
                if result.called is not None:
                    desk.queues.requeue(result.called)
                _store_error(session, exc, msg.request_id)
                return
        if result.finished is not None:
            desk.tell_holder(result.finished)
        if result.called is None:
            desk.tell_clerk(opd, clerk_id)
            _refuse(session, ErrorCode.QUEUE_EMPTY, msg.request_id)
            return
        if any(r.number == result.called.number and r.status == "called" for r in refused):
            # Another server process called it first (only possible with a shared database).
            log.error("ticket_called_elsewhere", extra={"fields": {"code": result.called.code}})
            _refuse(session, ErrorCode.CONFLICT, msg.request_id)
            return
        log_event(log, "ticket_called", opd=opd, code=result.called.code, clerk=clerk_id)
        self._check_arrival(desk, result.called, time.time())
        session.send(desk.console_reply(opd, clerk_id, msg.request_id))
        desk.tell_holder(result.called)

    async def on_finish_ticket(self, hub, session, msg: FinishTicket) -> None:
        desk, opd = await self._clerk_desk(hub, session, msg.request_id)
        if desk is None:
            return
        clerk_id = session.account.id
        ticket = desk.queues.finish(opd, clerk_id, time.time(), served=msg.served)
        if ticket is None:
            _refuse(session, ErrorCode.NOT_FOUND, msg.request_id)
            return
        if not await _saved(desk, session, ticket, msg.request_id):
            return
        session.send(desk.console_reply(opd, clerk_id, msg.request_id))
        desk.tell_holder(ticket)

    async def _clerk_desk(self, hub, session, ref: int) -> tuple[BoothDesk | None, str]:
        """The desk and OPD of a clerk manning a counter; refuses everyone else."""
        opd = _staff_opd(session)
        if not opd:
            _refuse(session, ErrorCode.NOT_ALLOWED, ref)
            return None, ""
        desk = await self._desk(hub, session, ref)
        if desk is None:
            return None, ""
        clerk = desk.counters.clerk(session.account.id)
        if clerk is None or clerk.opd != opd:
            _refuse(session, ErrorCode.NOT_MANNING, ref)
            return None, ""
        return desk, opd

    async def on_counter_say(self, hub, session, msg: CounterSay) -> None:
        desk = await self._desk(hub, session, msg.request_id)
        if desk is None:
            return
        clerk = desk.clerk_of(session)
        ticket = desk.queues.current(clerk.opd, clerk.account_id) if clerk is not None else None
        if ticket is not None:
            other = desk.session_of_holder(ticket.holder)
            from_staff = True
        else:
            ticket = next(
                (t for t in desk.queues.tickets_of(holder_of(session)) if t.called_by is not None and t.active), None
            )
            other = hub.session_of_account(ticket.called_by) if ticket is not None else None
            from_staff = False
        if ticket is None:
            _refuse(session, ErrorCode.NOT_ALLOWED, msg.request_id, "nobody at the counter")
            return
        text = " ".join(msg.text.split())
        if not text:
            _refuse(session, ErrorCode.INVALID_FIELD, msg.request_id)
            return
        line = CounterMessage(
            opd=ticket.opd,
            code=ticket.code,
            from_name=session.name,
            from_staff=from_staff,
            text=text,
            at_ms=ms(time.time()),
        )
        desk.remember_line(ticket, line)
        session.send(line)
        if other is not None and other is not session:
            other.send(line)

    # ── editing the booth ────────────────────────────────────────────────────
    async def on_edit_opd(self, hub, session, msg: EditOpd) -> None:
        opd = _staff_opd(session)
        if not opd:
            _refuse(session, ErrorCode.NOT_ALLOWED, msg.request_id)
            return
        desk = await self._desk(hub, session, msg.request_id)
        if desk is None:
            return
        try:
            updated = await hub.db(
                hub.store.update_opd_description,
                opd,
                Localized(id=msg.description_id.strip(), en=msg.description_en.strip()),
                audit=Audit(actor_id=session.account.id),
            )
        except StoreError as exc:
            _store_error(session, exc, msg.request_id)
            return
        self._published(desk, session, updated, msg.request_id)

    async def on_edit_program(self, hub, session, msg: EditProgram) -> None:
        opd = _staff_opd(session)
        if not opd:
            _refuse(session, ErrorCode.NOT_ALLOWED, msg.request_id)
            return
        desk = await self._desk(hub, session, msg.request_id)
        if desk is None:
            return
        current = desk.opds[opd]
        if msg.program_id and not any(p.id == msg.program_id for p in current.programs):
            _refuse(session, ErrorCode.NOT_FOUND, msg.request_id)
            return
        if not msg.program_id and len(current.programs) >= MAX_PROGRAMS:
            _refuse(session, ErrorCode.LIMIT_REACHED, msg.request_id)
            return
        audit = Audit(actor_id=session.account.id)
        try:
            if msg.delete:
                await hub.db(hub.store.delete_program, msg.program_id, audit=audit)
            else:
                draft = ProgramDraft(
                    title=" ".join(msg.title.split()),
                    summary=Localized(id=msg.summary_id.strip(), en=msg.summary_en.strip()),
                    status=msg.status,
                    start_date=date.fromisoformat(msg.start) if msg.start else None,
                    end_date=date.fromisoformat(msg.end) if msg.end else None,
                    link=msg.link.strip() or None,
                    is_sample=False,
                )
                await hub.db(
                    hub.store.upsert_program, opd, draft, program_id=msg.program_id or None, audit=audit
                )
            updated = await hub.db(hub.store.get_opd, opd)
        except ValueError:  # a date that looks right but isn't (2026-02-30)
            _refuse(session, ErrorCode.INVALID_FIELD, msg.request_id)
            return
        except StoreError as exc:
            _store_error(session, exc, msg.request_id)
            return
        self._published(desk, session, updated, msg.request_id)

    @staticmethod
    def _published(desk: BoothDesk, session, updated, ref: int) -> None:
        desk.set_opd(updated, editor=session)
        log_event(log, "booth_edited", opd=updated.code, by=session.account.id)
        session.send(desk.booth_info(updated.code, ref))
        desk.broadcast_state(updated.code, time.monotonic(), force=True)

    # ── hooks ────────────────────────────────────────────────────────────────
    async def on_enter(self, hub, session) -> None:
        """Booth states for the world, your tickets, your console if you man a counter, and
        notifications that waited for you."""
        desk = desk_of(hub, self.config)
        if not await desk.ensure_ready():
            return
        for opd in desk.queues.opds():
            session.send(desk.booth_state(opd))
        holder = holder_of(session)
        clerk = desk.clerk_of(session)
        desk.forget_session(holder, clerk.account_id if clerk else None)
        for ticket in desk.queues.tickets_of(holder):
            if ticket.confirmed:
                desk.tell_holder(ticket)
                for line in desk.conversation(ticket):
                    session.send(line)
        if clerk is not None:
            desk.counters.man(clerk.opd, clerk.account_id, avatar_id=session.avatar_id, name=clerk.name, now_s=time.time())
            desk.tell_clerk(clerk.opd, clerk.account_id)
            current = desk.queues.current(clerk.opd, clerk.account_id)
            if current is not None:
                for line in desk.conversation(current):
                    session.send(line)
        if session.account is None or hub.store is None:
            return
        try:
            pending = await hub.db(hub.store.pending_notifications, session.account.id)
            sent = [n.id for n in pending if n.kind == "request_status" and session.send(_notice_msg(n))]
            if sent:
                await hub.db(hub.store.mark_delivered, sent)
        except StoreError:
            log.exception("notifications_failed")

    def on_leave(self, hub, avatar_id: int, account_id: int | None) -> None:
        """The avatar left for good: its tickets are given up and its counter, if any, handed back."""
        desk = _desks.get(hub)
        if desk is None or not desk.ready:
            return
        now = time.time()
        holder = holder_key(account_id=account_id, avatar_id=avatar_id)
        gone = desk.queues.leave_all(holder, now)
        clerk = desk.counters.leave(account_id) if account_id is not None else None
        if clerk is not None:
            ticket = desk.queues.release_clerk(clerk.opd, account_id, now)
            if ticket is not None:
                gone.append(ticket)
                desk.tell_holder(ticket)
        for ticket in gone:
            if ticket.called_by is not None and ticket.called_by != account_id:
                desk.tell_clerk(ticket.opd, ticket.called_by)
        if gone:
            desk.writer.save(gone)
        desk.forget_session(holder, account_id)

    def on_tick(self, hub, now_s: float) -> None:
        desk = _desks.get(hub)
        if desk is None or not desk.ready:
            return
        if desk.check_due(now_s):
            self._check(desk, time.time())
        desk.push_changes(now_s)

    def _check(self, desk: BoothDesk, now: float) -> None:
        """Arrivals at the counter, no-shows, and clerks who left their post."""
        queues = desk.queues
        for opd in queues.opds():
            for ticket in queues.called(opd):
                self._check_arrival(desk, ticket, now)
        changed: list[Ticket] = []
        for ticket in queues.expire(now):
            changed.append(ticket)
            desk.tell_holder(ticket)
            log_event(log, "ticket_no_show", opd=ticket.opd, code=ticket.code)
            clerk = desk.counters.clerk(ticket.called_by) if ticket.called_by is not None else None
            if clerk is not None and clerk.opd == ticket.opd:
                nxt = queues.call_next(ticket.opd, clerk.account_id, now).called
                if nxt is not None:
                    changed.append(nxt)
                    desk.tell_holder(nxt)
                desk.tell_clerk(ticket.opd, clerk.account_id)
        for clerk in desk.counters.clerks():
            session = desk.hub.session_of_account(clerk.account_id)
            present = session is not None and desk.at_post(session.avatar_id, clerk.opd)
            desk.counters.seen(clerk.account_id, at_post=present, now_s=now)
        for clerk in desk.counters.expire(now):
            log_event(log, "counter_closed", opd=clerk.opd, clerk=clerk.account_id)
            ticket = queues.release_clerk(clerk.opd, clerk.account_id, now)
            if ticket is not None:
                changed.append(ticket)
                desk.tell_holder(ticket)
            desk.tell_clerk(clerk.opd, clerk.account_id)
        if changed:
            desk.writer.save(changed)

    @staticmethod
    def _check_arrival(desk: BoothDesk, ticket: Ticket, now: float) -> None:
        if ticket.arrived_at is not None:
            return
        session = desk.session_of_holder(ticket.holder)
        if session is not None and desk.near_booth(session.avatar_id, ticket.opd):
            if desk.queues.arrive(ticket, now):
                desk.writer.save([ticket])
                if ticket.called_by is not None:
                    desk.tell_clerk(ticket.opd, ticket.called_by)


def _detail(request, history, ref: int) -> RequestDetail:
    return RequestDetail(
        request_id=ref,
        id=request.id,
        tracking=request.tracking_number,
        opd=request.opd_code,
        service=request.service_code,
        status=request.status.value,
        fields={k: str(v) for k, v in request.field_values.items()},
        note=request.note,
        created_ms=ms(request.created_at.timestamp()),
        updated_ms=ms(request.updated_at.timestamp()),
        history=tuple(
            {
                "from": h.from_status.value if h.from_status is not None else "",
                "to": h.to_status.value,
                "note": " ".join(h.note.split())[:500],
                "at_ms": ms(h.at.timestamp()),
                "by_staff": h.actor_id is not None and h.actor_id != request.account_id,
            }
            for h in history[-MAX_HISTORY:]
        ),
        next=tuple(sorted(s.value for s in request_status.next_statuses(request.status))),
    )


def _notice_msg(notice) -> RequestStatusChanged:
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


def make_feature(config: BoothConfig | None = None) -> Feature:
    booths = Booths(config or BoothConfig())
    return Feature(
        name="booths",
        handlers={
            MessageType.BOOTH_INFO_GET: booths.on_booth_info_get,
            MessageType.TAKE_NUMBER: booths.on_take_number,
            MessageType.LEAVE_QUEUE: booths.on_leave_queue,
            MessageType.SUBMIT_REQUEST: booths.on_submit_request,
            MessageType.MY_REQUESTS: booths.on_my_requests,
            MessageType.STAFF_REQUESTS: booths.on_staff_requests,
            MessageType.REQUEST_GET: booths.on_request_get,
            MessageType.SET_REQUEST_STATUS: booths.on_set_request_status,
            MessageType.COUNTER_MAN: booths.on_counter_man,
            MessageType.CALL_NEXT: booths.on_call_next,
            MessageType.FINISH_TICKET: booths.on_finish_ticket,
            MessageType.COUNTER_SAY: booths.on_counter_say,
            MessageType.EDIT_OPD: booths.on_edit_opd,
            MessageType.EDIT_PROGRAM: booths.on_edit_program,
        },
        on_enter=booths.on_enter,
        on_leave=booths.on_leave,
        on_tick=booths.on_tick,
    )


FEATURE = make_feature()
