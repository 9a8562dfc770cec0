"""The service requests component: submit a request at a booth, list and read your own, and for
staff their OPD's requests and status changes (the citizen is told at once when online, else at
the next login). A new request is announced to its OPD's staff on every process (channel
`requests.staff`, the encoded `staff_request_new` frame); the wiring delivers what arrives. Field
rules are `protocol/request_fields.py`, the status machine `protocol/request_status.py`; nobody
reads another's requests. Replies follow the commit."""

from __future__ import annotations

import logging
from typing import Any

from makaverse.protocol import (
    ErrorCode,
    MessageType,
    MyRequests,
    RequestDetail,
    RequestGet,
    RequestInvalid,
    RequestList,
    RequestSubmitted,
    SetRequestStatus,
    StaffRequestNew,
    StaffRequests,
    SubmitRequest,
    encode,
    request_status,
)
from makaverse.protocol.booths import MAX_HISTORY
from makaverse.protocol.request_fields import InvalidSubmission, check_submission

from .booth_board import ms
from .booths import Booths, notice_msg
from .component import Component
from .effects import Announce, Ctx, Deliver, HandlerRun, Refused, ToAccount, ToStaff
from .notes import note

__all__ = ["Requests", "REQUESTS_LANE", "STAFF_NOTICES_CHANNEL"]

REQUESTS_LANE = "requests"
STAFF_NOTICES_CHANNEL = "requests.staff"

log = logging.getLogger("makaverse.requests")


class Requests(Component):
    name = "requests"
    process_wide = True
    handlers = {
        MessageType.SUBMIT_REQUEST: "submit_request",
        MessageType.MY_REQUESTS: "my_requests",
        MessageType.STAFF_REQUESTS: "staff_requests",
        MessageType.REQUEST_GET: "request_get",
        MessageType.SET_REQUEST_STATUS: "set_request_status",
    }

    def __init__(self, booths: Booths) -> None:
        self.booths = booths  # the OPDs' services and their fields, as the desk last read them

    def submit_request(self, ctx: Ctx, msg: SubmitRequest) -> HandlerRun:
        actor = ctx.actor
        assert actor is not None
        if actor.account_id is None:
            raise Refused(ErrorCode.LOGIN_REQUIRED)
        yield from self.booths.loaded(ctx)
        opd = self.booths.board.opds.get(msg.opd)
        service = opd.service(msg.service) if opd is not None else None
        if service is None:
            raise Refused(ErrorCode.NOT_FOUND)
        try:
            values, note_text = check_submission(service.fields, msg.fields, msg.note)
        except InvalidSubmission as exc:
            ctx.reply(RequestInvalid(request_id=msg.request_id, problems=exc.problems))
            return
        # On one lane: submissions that arrive while the previous group commits share the next commit.
        (answer,) = yield ctx.call(
            "create_service_requests",
            [
                {
                    "account_id": actor.account_id,
                    "opd_code": msg.opd,
                    "service_code": msg.service,
                    "field_values": values,
                    "client_request_id": msg.client_request_id,
                    "note": note_text,
                }
            ],
            lane=REQUESTS_LANE,
        )
        if isinstance(answer, Exception):
            raise answer  # this submission's own store error: mapped to its code like any other
        request, created = answer  # logged with its group (`requests_submitted`, store_ops)
        summary = dict(
            tracking=request.tracking_number,
            opd=request.opd_code,
            service=request.service_code,
            status=request.status.value,
            created_ms=ms(request.created_at.timestamp()),
        )
        ctx.reply(RequestSubmitted(request_id=msg.request_id, duplicate=not created, **summary))
        if created:
            # Committed: the OPD's staff wherever they are (a summary; the fields stay in the store).
            frame = encode(StaffRequestNew(id=request.id, **summary))
            if not (yield Announce(STAFF_NOTICES_CHANNEL, frame)):
                ctx.push(ToStaff(request.opd_code), frame)  # the bus failed: tell this process's staff at least

    def my_requests(self, ctx: Ctx, msg: MyRequests) -> HandlerRun:
        actor = ctx.actor
        assert actor is not None
        if actor.account_id is None:
            raise Refused(ErrorCode.LOGIN_REQUIRED)
        yield from self._list(ctx, msg.limit, msg.before_id, account_id=actor.account_id)

    def staff_requests(self, ctx: Ctx, msg: StaffRequests) -> HandlerRun:
        assert ctx.actor is not None
        opd = ctx.actor.staff_opd
        if not opd:
            raise Refused(ErrorCode.NOT_ALLOWED)
        yield from self._list(ctx, msg.limit, msg.before_id, opd_code=opd, status=msg.status or None)

    def _list(self, ctx: Ctx, limit: int, before_id: int, **where: Any) -> HandlerRun:
        rows = yield ctx.call("list_requests", limit=limit + 1, before_id=before_id or None, **where)
        ctx.reply(
            RequestList(
                request_id=ctx.ref,
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

    def request_get(self, ctx: Ctx, msg: RequestGet) -> HandlerRun:
        actor = ctx.actor
        assert actor is not None
        if actor.account_id is None:
            raise Refused(ErrorCode.LOGIN_REQUIRED)
        request = yield ctx.call("get_request_by_tracking", msg.tracking)
        # Someone else's request reads as missing: tracking numbers are guessable.
        if request.account_id != actor.account_id and request.opd_code != actor.staff_opd:
            raise Refused(ErrorCode.NOT_FOUND)
        history = yield ctx.call("request_history", request.id)
        ctx.reply(_detail(request, history, msg.request_id))

    def set_request_status(self, ctx: Ctx, msg: SetRequestStatus) -> HandlerRun:
        actor = ctx.actor
        assert actor is not None
        opd = actor.staff_opd
        if not opd:
            raise Refused(ErrorCode.NOT_ALLOWED)
        request = yield ctx.call("get_request_by_tracking", msg.tracking)
        if request.opd_code != opd:
            raise Refused(ErrorCode.NOT_ALLOWED)
        changed, notice = yield ctx.call(
            "change_request_status",
            request.id,
            msg.status,
            opd_code=opd,
            note=msg.note,
            actor_id=actor.account_id,
            expected_from=msg.expected or None,
        )
        history = yield ctx.call("request_history", request.id)
        note(log, "request_status", tracking=changed.tracking_number, status=changed.status.value, by=actor.account_id)
        ctx.reply(_detail(changed, history, msg.request_id))
        if (yield Deliver(ToAccount(changed.account_id), notice_msg(notice))):
            try:
                yield ctx.call("mark_delivered", [notice.id])
            except Exception:
                log.exception("notification_mark_failed")  # it will be sent again at the next login


def _detail(request: Any, history: Any, ref: int) -> RequestDetail:
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
