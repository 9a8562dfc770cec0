"""The booths as this client knows them, with no Panda3D: server messages in, commands out.

`BoothModel.handle(msg, now_ms)` takes the booth, ticket, request and counter messages (and
errors that answer its own commands); widgets read the model and call its commands
(`open_panel`, `take_number`, `submit_request`, `call_next`, ...), which queue protocol
messages in `outbox`; the app sends them once per frame (`drain()`).

What it keeps: every booth's live state (open, clerks, waiting) and the panel content last
fetched; your tickets; the request you are filling in (with its client request id, kept until
the server confirms so a retry never makes a second request); your requests and their
histories; toasts for the HUD; and, for staff, the console, the OPD's requests by status and
the request being moved. `rev` counts changes per area ("state", "info", "panel", "ticket",
"form", "mine", "toast", "lines", "zone", "counter", "staff" for requests, "edit", "console",
"requests") so a widget redraws only what changed.

The UI refuses early and offers only what is legal by the server's own rules, which live in
`protocol`: the field checks of a submission (`protocol.request_fields`) and the request status
machine (`protocol.request_status`). The server still decides.
"""

from __future__ import annotations

import itertools
import uuid
from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from makaverse.protocol import (
    BoothInfo,
    BoothInfoGet,
    BoothState,
    CallNext,
    CounterMan,
    CounterMessage,
    CounterSay,
    EditOpd,
    EditProgram,
    Error,
    FinishTicket,
    LeaveQueue,
    Message,
    MyRequests,
    RequestDetail,
    RequestGet,
    RequestInvalid,
    RequestList,
    RequestStatusChanged,
    RequestSubmitted,
    RemoteProtocolError,
    SetRequestStatus,
    StaffQueue,
    StaffRequests,
    SubmitRequest,
    TakeNumber,
    Ticket,
    Welcome,
    ZoneChanged,
)
from makaverse.protocol.request_fields import (
    MAX_NOTE,
    NOTE_KEY,
    FieldRule,
    field_problem,
    normalise_phone,
    submission_problems,
    valid_date,
)
from makaverse.protocol.request_status import RequestStatus, next_statuses
from makaverse.world import Booth, World

__all__ = [
    "REQUEST_STATUSES",
    "REQUEST_TRANSITIONS",
    "NOTE_KEY",
    "MAX_NOTE",
    "MAX_TICKETS",
    "legal_next",
    "check_field",
    "check_form",
    "normalise_phone",
    "TicketView",
    "Toast",
    "RequestForm",
    "StaffDesk",
    "BoothModel",
]

# ── rules shared with the server (they live in `protocol`, so both sides use one copy) ──
REQUEST_STATUSES: tuple[str, ...] = tuple(s.value for s in RequestStatus)
REQUEST_TRANSITIONS: dict[str, tuple[str, ...]] = {
    s.value: tuple(n.value for n in RequestStatus if n in next_statuses(s)) for s in RequestStatus
}


def legal_next(status: str, server_next: Iterable[str] | None = None) -> tuple[str, ...]:
    """The statuses a request in `status` may move to, in the machine's order.

    A `request_detail`'s `next` is the server's word and wins; without one, the shared table."""
    allowed = set(server_next) if server_next is not None else set(REQUEST_TRANSITIONS.get(status, ()))
    return tuple(s for s in REQUEST_STATUSES if s in allowed)


def check_field(spec: Mapping, raw: str) -> str | None:
    """The problem code the server would give this value for this field (a `booth_info` field
    map), or None when it is fine. Empty is `required` only for required fields."""
    return field_problem(FieldRule.from_mapping(spec), raw)


def check_form(fields: Iterable[Mapping], values: Mapping[str, str], note: str = "") -> dict[str, str]:
    """Every problem of a submission, keyed by field name (`_note` for the note); empty when valid."""
    return submission_problems([FieldRule.from_mapping(f) for f in fields], values, note)


# ── what the model keeps ─────────────────────────────────────────────────────
MAX_TICKETS = 3  # the server's limit of open tickets per person
MAX_TOASTS = 8
MAX_LINES = 40  # counter conversation lines kept per ticket
TOAST_MS = 8000.0
MAX_PENDING = 256
ACTIVE = ("waiting", "called")


@dataclass(slots=True)
class TicketView:
    opd: str
    code: str
    status: str
    place: int
    waiting: int
    est_wait_s: int
    clerk: str = ""
    called_ms: int = 0
    updated_ms: float = 0.0

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    @property
    def called(self) -> bool:
        return self.status == "called"


@dataclass(frozen=True, slots=True)
class Toast:
    """A short HUD notification, as a translation key and its values (translated when drawn)."""

    key: str
    fmt: tuple[tuple[str, object], ...] = ()
    at_ms: float = 0.0
    tone: str = "info"  # info | good | bad | call

    def value(self, name: str, default: object = None) -> object:
        return dict(self.fmt).get(name, default)


@dataclass(slots=True)
class RequestForm:
    """A service request being filled in. Its `client_request_id` stays the same until the server
    confirms it, so sending it again (a lost reply, a reconnect) never makes a second request."""

    opd: str
    service: dict
    values: dict[str, str] = field(default_factory=dict)
    note: str = ""
    client_request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    problems: dict[str, str] = field(default_factory=dict)
    in_flight: int = 0  # the request_id of the submission awaiting its reply
    tries: int = 0
    tracking: str = ""
    duplicate: bool = False
    error: str = ""  # an error code that refused the whole submission

    @property
    def fields(self) -> tuple:
        return tuple(self.service.get("fields", ()))

    @property
    def done(self) -> bool:
        return bool(self.tracking)


@dataclass(slots=True)
class StaffDesk:
    """A clerk's side: the counter console, the OPD's requests and the one being moved."""

    console: StaffQueue | None = None
    filter: str = ""  # "" = every status
    requests: tuple = ()
    more: bool = False
    loaded: bool = False
    detail: RequestDetail | None = None
    error: str = ""  # about the requests
    counter_error: str = ""  # about the counter (manning, calling)
    edit_error: str = ""
    saved: str = ""  # what the last edit saved ("description", "program"), for a confirmation


class BoothModel:
    def __init__(self, world: World, *, lang: str = "id", ids: Callable[[], int] | None = None) -> None:
        self.world = world
        self.lang = lang
        counter = itertools.count(1)
        self._next_id = ids or (lambda: next(counter))
        self.role = "guest"
        self.opd = ""  # yours, if you are staff
        self.name = ""
        self.zone_opd = ""  # the booth whose interaction zone you stand in
        self.states: dict[str, BoothState] = {}
        self.infos: dict[str, BoothInfo] = {}
        self.panel_opd = ""  # the booth whose panel is open
        self.panel_error = ""
        self.console_open = False  # the staff console
        self.requests_open = False  # "my requests"
        self.tickets: dict[str, TicketView] = {}
        self.form: RequestForm | None = None
        self.mine: tuple = ()
        self.mine_more = False
        self.mine_loaded = False
        self.mine_error = ""
        self.details: dict[str, RequestDetail] = {}
        self.selected = ""  # the request (tracking) shown in full
        self.toasts: deque[Toast] = deque(maxlen=MAX_TOASTS)
        self.lines: dict[tuple[str, str], list[CounterMessage]] = {}
        self.staff = StaffDesk()
        self.outbox: list[Message] = []
        self.events: list[tuple] = []  # ("called", opd, code): for a sound
        self.rev: Counter[str] = Counter()
        self._pending: dict[int, tuple[str, object]] = {}
        self._asked_info: set[str] = set()

    # ── facts ────────────────────────────────────────────────────────────────
    @property
    def is_staff(self) -> bool:
        return self.role == "staff" and bool(self.opd)

    @property
    def logged_in(self) -> bool:
        return self.role != "guest"

    def booth(self, opd: str) -> Booth | None:
        return self.world.booth(opd)

    def booth_name(self, opd: str) -> str:
        info = self.infos.get(opd)
        if info is not None:
            return info.short_name
        b = self.world.booth(opd)
        return b.name if b is not None else opd

    def is_open(self, opd: str) -> bool:
        s = self.states.get(opd)
        return bool(s and s.open)

    def called_ticket(self) -> TicketView | None:
        return next((t for t in self.tickets.values() if t.called), None)

    def active_tickets(self) -> list[TicketView]:
        return sorted((t for t in self.tickets.values() if t.active), key=lambda t: (not t.called, t.place))

    def at_post(self, x: float, y: float) -> bool:
        """True when a staff member at (x, y) stands where the server lets them man their counter."""
        b = self.world.booth(self.opd) if self.is_staff else None
        return b is not None and b.staff_area.contains_point(x, y)

    def conversation(self, opd: str, code: str) -> list[CounterMessage]:
        return self.lines.get((opd, code), [])

    def recent_toasts(self, now_ms: float, limit: int = 3) -> list[Toast]:
        return [t for t in self.toasts if now_ms - t.at_ms < TOAST_MS][-limit:]

    # ── commands ─────────────────────────────────────────────────────────────
    def _send(self, kind: str, build: Callable[[int], Message], context: object = None) -> int:
        rid = self._next_id()
        self._pending[rid] = (kind, context)
        while len(self._pending) > MAX_PENDING:  # lines said across the counter get no reply
            del self._pending[next(iter(self._pending))]
        try:
            msg = build(rid)
        except RemoteProtocolError as exc:
            # Text the server would refuse (protocol/text.py): shown exactly as its refusal would be.
            self._on_error(Error(code=exc.code.value, ref=rid), 0.0)
            return rid
        self.outbox.append(msg)
        return rid

    def drain(self) -> list[Message]:
        """The commands to send now (the outbox is emptied)."""
        out, self.outbox = self.outbox, []
        return out

    def interact(self, x: float | None = None, y: float | None = None) -> str:
        """The E key: open (or close) the panel of the booth you stand at, or, for staff standing
        behind their counter at (x, y), man it and open the console. Returns what it did
        ("panel", "close", "counter") or "" (then E turns, as everywhere else)."""
        if x is not None and y is not None and self.at_post(x, y):
            console = self.staff.console
            manning = console is not None and console.manning
            if manning and self.console_open:
                self.close_console()
                return "close"
            if not manning:
                self.man_counter(True)
            self.open_console()
            return "counter"
        if self.zone_opd:
            if self.panel_opd == self.zone_opd:
                self.close_panel()
                return "close"
            self.open_panel(self.zone_opd)
            return "panel"
        return ""

    def open_panel(self, opd: str) -> None:
        self.panel_opd = opd
        self.panel_error = ""
        self.rev["panel"] += 1
        self.fetch_info(opd)

    def close_panel(self) -> None:
        if self.panel_opd or self.form is not None:
            self.panel_opd = ""
            self.form = None
            self.rev["panel"] += 1
            self.rev["form"] += 1

    def open_console(self) -> None:
        if not self.is_staff:
            return
        self.console_open = True
        self.rev["console"] += 1
        if not self.staff.loaded:
            self.load_staff_requests()
        if self.opd not in self.infos:
            self.fetch_info(self.opd)

    def close_console(self) -> None:
        self.console_open = False
        self.rev["console"] += 1

    def open_requests(self) -> None:
        self.requests_open = True
        self.rev["requests"] += 1
        self.load_mine()

    def close_requests(self) -> None:
        self.requests_open = False
        self.selected = ""
        self.rev["requests"] += 1

    def close_all(self) -> bool:
        """Escape: close whatever is open; False when nothing was."""
        was = bool(self.panel_opd or self.form or self.console_open or self.requests_open)
        self.close_panel()
        if self.console_open:
            self.close_console()
        if self.requests_open:
            self.close_requests()
        return was

    def fetch_info(self, opd: str) -> None:
        self._asked_info.add(opd)
        self._send("info", lambda rid: BoothInfoGet(request_id=rid, opd=opd), opd)

    def want_info(self, opd: str) -> None:
        """Fetch a booth's content once (service and field names for request lists)."""
        if opd and opd not in self.infos and opd not in self._asked_info and self.world.booth(opd) is not None:
            self.fetch_info(opd)

    def take_number(self, opd: str) -> None:
        self._send("take", lambda rid: TakeNumber(request_id=rid, opd=opd), opd)

    def leave_queue(self, opd: str) -> None:
        self._send("leave", lambda rid: LeaveQueue(request_id=rid, opd=opd), opd)

    def say(self, text: str) -> bool:
        text = " ".join(text.split())
        if not text:
            return False
        self._send("say", lambda rid: CounterSay(request_id=rid, text=text[:500]))
        return True

    # service requests
    def start_request(self, opd: str, service_code: str) -> RequestForm | None:
        info = self.infos.get(opd)
        service = next((s for s in info.services if s["code"] == service_code), None) if info else None
        if service is None:
            return None
        values = {f["name"]: "" for f in service["fields"]}
        self.form = RequestForm(opd=opd, service=dict(service), values=values)
        self.rev["form"] += 1
        return self.form

    def cancel_request(self) -> None:
        self.form = None
        self.rev["form"] += 1

    def set_value(self, name: str, value: str) -> None:
        form = self.form
        if form is None or form.done:
            return
        if name == NOTE_KEY:
            form.note = value
        else:
            form.values[name] = value
        # A fixed field loses its complaint at once; others wait for the next check.
        if name in form.problems:
            spec = next((f for f in form.fields if f["name"] == name), None)
            still = check_field(spec, value) if spec is not None else None
            if name == NOTE_KEY:
                still = check_form((), {}, value).get(NOTE_KEY)
            if still is None:
                del form.problems[name]
                self.rev["form"] += 1

    def submit_request(self) -> bool:
        """Check the form here first; send it when valid (again with the same client request id
        when it was sent before). False when the form has problems or is already confirmed."""
        form = self.form
        if form is None or form.done:
            return False
        form.problems = check_form(form.fields, form.values, form.note)
        form.error = ""
        self.rev["form"] += 1
        if form.problems:
            return False
        self._send_form(form)
        return True

    def _send_form(self, form: RequestForm) -> None:
        values = {k: v for k, v in form.values.items() if v.strip()}
        note = form.note.strip()
        form.tries += 1
        form.in_flight = self._send(
            "submit",
            lambda rid: SubmitRequest(request_id=rid, client_request_id=form.client_request_id, opd=form.opd,
                                      service=form.service["code"], fields=values, note=note),
            form,
        )

    def load_mine(self, *, more: bool = False) -> None:
        before = self.mine[-1]["id"] if more and self.mine else 0
        self._send("mine", lambda rid: MyRequests(request_id=rid, before_id=before, limit=20), bool(before))

    def open_request(self, tracking: str) -> None:
        self.selected = tracking
        self.rev["mine"] += 1
        self._send("get", lambda rid: RequestGet(request_id=rid, tracking=tracking), "mine")

    # staff
    def man_counter(self, on: bool = True) -> None:
        self._send("man", lambda rid: CounterMan(request_id=rid, on=on), on)

    def call_next(self) -> None:
        self._send("call", lambda rid: CallNext(request_id=rid))

    def finish_ticket(self, served: bool = True) -> None:
        self._send("finish", lambda rid: FinishTicket(request_id=rid, served=served), served)

    def load_staff_requests(self, status: str | None = None, *, more: bool = False) -> None:
        desk = self.staff
        if status is not None and status != desk.filter:
            desk.filter = status
            desk.requests, desk.more, desk.loaded = (), False, False
            self.rev["staff"] += 1
        before = desk.requests[-1]["id"] if more and desk.requests else 0
        wanted = desk.filter
        self._send("staff_list",
                   lambda rid: StaffRequests(request_id=rid, status=wanted, before_id=before, limit=20),
                   (wanted, bool(before)))

    def open_staff_request(self, tracking: str, *, keep_error: bool = False) -> None:
        if not keep_error and self.staff.error:
            self.staff.error = ""
            self.rev["staff"] += 1
        self._send("get", lambda rid: RequestGet(request_id=rid, tracking=tracking), "staff")

    def move_request(self, status: str, note: str) -> bool:
        """Move the open request to `status` with a note; only a legal move with a note is sent."""
        detail = self.staff.detail
        note = " ".join(note.split())
        if detail is None or not note or status not in legal_next(detail.status, detail.next):
            self.staff.error = "note_required" if detail is not None and not note else "illegal_transition"
            self.rev["staff"] += 1
            return False
        self.staff.error = ""
        self._send("set_status", lambda rid: SetRequestStatus(request_id=rid, tracking=detail.tracking,
                                                              status=status, note=note[:500],
                                                              expected=detail.status), detail.tracking)
        return True

    def edit_description(self, description_id: str, description_en: str = "") -> bool:
        if not description_id.strip():
            self.staff.edit_error = "required"
            self.rev["edit"] += 1
            return False
        self._send("edit", lambda rid: EditOpd(request_id=rid, description_id=description_id[:2000],
                                               description_en=description_en[:2000]), "description")
        return True

    def edit_program(self, *, program_id: int = 0, title: str = "", summary_id: str = "", summary_en: str = "",
                     status: str = "running", start: str = "", end: str = "", link: str = "",
                     delete: bool = False) -> bool:
        """Add (`program_id` 0), replace or delete a program; checked here as the server would."""
        title = " ".join(title.split())
        problem = ""
        if not delete and not title:
            problem = "required"
        elif any(d and not valid_date(d) for d in (start, end)):
            problem = "invalid_date"
        elif start and end and end < start:
            problem = "invalid_date"
        if problem:
            self.staff.edit_error = problem
            self.rev["edit"] += 1
            return False
        self.staff.edit_error = ""
        self._send("edit", lambda rid: EditProgram(
            request_id=rid, program_id=program_id, title=title[:120], summary_id=summary_id[:600],
            summary_en=summary_en[:600], status=status, start=start, end=end, link=link[:300], delete=delete,
        ), "program")
        return True

    # ── messages in ──────────────────────────────────────────────────────────
    def handle(self, msg: object, now_ms: float) -> bool:
        """Take one server message. True when it was the booths' alone (nobody else needs it);
        a welcome or a zone change is also left for the session."""
        if isinstance(msg, Welcome):
            self._on_welcome(msg)
            return False
        if isinstance(msg, ZoneChanged):
            zid = msg.zone_id
            opd = zid.split(":", 1)[1] if zid.startswith("booth:") else ""
            if opd != self.zone_opd:
                self.zone_opd = opd
                self.rev["zone"] += 1
            return False
        if isinstance(msg, Error):
            return self._on_error(msg, now_ms)
        handler = self._handlers.get(type(msg))
        if handler is None:
            return False
        handler(self, msg, now_ms)
        return True

    def _on_welcome(self, msg: Welcome) -> None:
        self.role, self.opd, self.name = msg.role, msg.opd, msg.name
        # The server sends states, tickets, the console and waiting notices again after a
        # welcome; what was asked before it will never be answered.
        self.tickets.clear()
        self.lines.clear()
        self.staff.console = None
        self._pending.clear()
        self._asked_info = set(self.infos)
        self.outbox.clear()
        for area in ("ticket", "staff", "counter", "edit", "lines", "panel"):
            self.rev[area] += 1
        if self.panel_opd:
            self.fetch_info(self.panel_opd)
        form = self.form
        if form is not None and form.in_flight and not form.done:
            self._send_form(form)  # the same client request id: never a second request
        if self.mine_loaded:
            self.load_mine()

    def _take(self, msg: Message) -> tuple[str, object] | None:
        rid = getattr(msg, "request_id", 0)
        return self._pending.pop(rid, None) if rid else None

    def _toast(self, key: str, now_ms: float, tone: str = "info", **fmt: object) -> None:
        self.toasts.append(Toast(key, tuple(fmt.items()), now_ms, tone))
        self.rev["toast"] += 1

    def _on_error(self, msg: Error, now_ms: float) -> bool:
        pending = self._pending.pop(msg.ref, None) if msg.ref else None
        if pending is None:
            return False
        kind, context = pending
        code = msg.code
        if kind == "submit":
            form = context
            if form is self.form:
                form.in_flight = 0
                form.error = code
                self.rev["form"] += 1
            else:
                self._toast(f"error.{code}", now_ms, "bad")
        elif kind in ("info", "take", "leave") and self.panel_opd:
            self.panel_error = code
            self.rev["panel"] += 1
            if kind != "info":
                self._toast(f"error.{code}", now_ms, "bad")
        elif kind == "mine" or (kind == "get" and context == "mine"):
            self.mine_error = code
            self.rev["mine"] += 1
        elif kind in ("staff_list", "set_status", "get"):
            self.staff.error = code
            self.rev["staff"] += 1
            if kind == "set_status" and code in ("conflict", "illegal_transition"):
                self.open_staff_request(str(context), keep_error=True)  # someone moved it first: show where it is now
        elif kind == "edit":
            self.staff.edit_error = code
            self.rev["staff"] += 1
        else:  # take/leave without a panel, counter commands, talk
            if kind in ("man", "call", "finish"):
                self.staff.error = code
                self.rev["edit"] += 1
            self._toast(f"error.{code}", now_ms, "bad")
        return True

    def _on_state(self, msg: BoothState, now_ms: float) -> None:
        self.states[msg.opd] = msg
        self.rev["state"] += 1
        info = self.infos.get(msg.opd)
        if msg.opd == self.panel_opd and info is not None and msg.info_version > info.info_version:
            self.fetch_info(msg.opd)  # staff changed the content: the open panel follows

    def _on_info(self, msg: BoothInfo, now_ms: float) -> None:
        pending = self._take(msg)
        self.infos[msg.opd] = msg
        self.states[msg.opd] = BoothState(opd=msg.opd, open=msg.open, staff=msg.staff, waiting=msg.waiting,
                                          est_wait_s=msg.est_wait_s, info_version=msg.info_version)
        if pending is not None and pending[0] == "edit":
            self.staff.saved = str(pending[1])
            self.staff.edit_error = ""
            self.rev["edit"] += 1
            self._toast("staff.saved", now_ms, "good")
        if msg.opd == self.panel_opd:
            self.panel_error = ""
        self.rev["info"] += 1
        self.rev["state"] += 1

    def _on_ticket(self, msg: Ticket, now_ms: float) -> None:
        pending = self._take(msg)
        before = self.tickets.get(msg.opd)
        view = TicketView(msg.opd, msg.code, msg.status, msg.place, msg.waiting, msg.est_wait_s, msg.clerk,
                          msg.called_ms, now_ms)
        name = self.booth_name(msg.opd)
        if pending is not None and pending[0] in ("take", "leave"):
            self.panel_error = ""
            self.rev["panel"] += 1
        if view.active:
            self.tickets[msg.opd] = view
            if view.called and (before is None or not before.called or before.code != view.code):
                self.events.append(("called", msg.opd, msg.code))
                self._toast("ticket.called", now_ms, "call", code=msg.code, booth=name)
            elif pending is not None and pending[0] == "take" and (before is None or before.code != view.code):
                self._toast("ticket.taken", now_ms, "good", code=msg.code, booth=name)
        else:
            self.tickets.pop(msg.opd, None)
            key = {"served": "ticket.served", "no_show": "ticket.no_show", "left": "ticket.left"}[msg.status]
            self._toast(key, now_ms, "bad" if msg.status == "no_show" else "info", code=msg.code, booth=name)
            self.lines = {k: v for k, v in self.lines.items() if k != (msg.opd, msg.code)}
            self.rev["lines"] += 1
        self.rev["ticket"] += 1

    def _on_submitted(self, msg: RequestSubmitted, now_ms: float) -> None:
        pending = self._take(msg)
        form = pending[1] if pending is not None and pending[0] == "submit" else None
        if form is None and self.form is not None and self.form.in_flight == msg.request_id:
            form = self.form
        if form is not None:
            form.in_flight = 0
            form.tracking = msg.tracking
            form.duplicate = msg.duplicate
            form.problems = {}
            form.error = ""
            self.rev["form"] += 1
        self._toast("request.submitted", now_ms, "good", tracking=msg.tracking)
        row = {"id": 0, "tracking": msg.tracking, "opd": msg.opd, "service": msg.service, "status": msg.status,
               "created_ms": msg.created_ms, "updated_ms": msg.created_ms}
        if not any(r["tracking"] == msg.tracking for r in self.mine):
            self.mine = (row, *self.mine)
            self.rev["mine"] += 1
        if self.mine_loaded:
            self.load_mine()  # the real row (with its id, for paging)

    def _on_invalid(self, msg: RequestInvalid, now_ms: float) -> None:
        pending = self._take(msg)
        form = pending[1] if pending is not None and pending[0] == "submit" else self.form
        if form is not None:
            form.in_flight = 0
            form.problems = dict(msg.problems)
            self.rev["form"] += 1

    def _on_list(self, msg: RequestList, now_ms: float) -> None:
        pending = self._take(msg)
        if pending is None:
            return
        kind, context = pending
        for row in msg.requests:
            self.want_info(row["opd"])
        if kind == "mine":
            self.mine = (*self.mine, *msg.requests) if context else tuple(msg.requests)
            self.mine_more, self.mine_loaded, self.mine_error = msg.more, True, ""
            self.rev["mine"] += 1
        elif kind == "staff_list":
            wanted, paging = context
            desk = self.staff
            if wanted != desk.filter:
                return  # an answer to a filter the clerk already changed
            desk.requests = (*desk.requests, *msg.requests) if paging else tuple(msg.requests)
            desk.more, desk.loaded, desk.error = msg.more, True, ""
            self.rev["staff"] += 1

    def _on_detail(self, msg: RequestDetail, now_ms: float) -> None:
        pending = self._take(msg)
        self.want_info(msg.opd)
        kind, context = pending if pending is not None else ("", None)
        if kind == "set_status" or context == "staff":
            desk = self.staff
            desk.detail = msg
            if kind == "set_status":
                desk.error = ""
            desk.requests = tuple(self._row_from(r, msg) for r in desk.requests)
            if kind == "set_status":
                self._toast("staff.moved", now_ms, "good", tracking=msg.tracking,
                            status=msg.status)
                if desk.filter and msg.status != desk.filter:
                    desk.requests = tuple(r for r in desk.requests if r["tracking"] != msg.tracking)
            self.rev["staff"] += 1
        else:
            self.details[msg.tracking] = msg
            self.mine = tuple(self._row_from(r, msg) for r in self.mine)
            self.mine_error = ""
            self.rev["mine"] += 1

    @staticmethod
    def _row_from(row: dict, detail: RequestDetail) -> dict:
        if row["tracking"] != detail.tracking:
            return row
        return {**row, "status": detail.status, "updated_ms": detail.updated_ms}

    def _on_status_changed(self, msg: RequestStatusChanged, now_ms: float) -> None:
        self._toast("request.status_changed", now_ms, "good" if msg.status == "completed" else "info",
                    tracking=msg.tracking, status=msg.status, note=msg.note)
        self.mine = tuple({**r, "status": msg.status, "updated_ms": msg.at_ms} if r["tracking"] == msg.tracking else r
                          for r in self.mine)
        if msg.tracking in self.details:
            self.details.pop(msg.tracking)
            if self.selected == msg.tracking:
                self.open_request(msg.tracking)  # the open history gets the new row
        self.rev["mine"] += 1

    def _on_console(self, msg: StaffQueue, now_ms: float) -> None:
        pending = self._take(msg)
        before = self.staff.console
        self.staff.console = msg
        if pending is not None:
            self.staff.counter_error = ""
        if before is not None and before.current and before.current != msg.current:
            self.lines = {k: v for k, v in self.lines.items() if k != (msg.opd, before.current)}
            self.rev["lines"] += 1
        self.rev["counter"] += 1

    def _on_line(self, msg: CounterMessage, now_ms: float) -> None:
        lines = self.lines.setdefault((msg.opd, msg.code), [])
        if msg in lines:
            return  # sent again after a reconnect
        lines.append(msg)
        del lines[:-MAX_LINES]
        self.rev["lines"] += 1

    _handlers = {
        BoothState: _on_state,
        BoothInfo: _on_info,
        Ticket: _on_ticket,
        RequestSubmitted: _on_submitted,
        RequestInvalid: _on_invalid,
        RequestList: _on_list,
        RequestDetail: _on_detail,
        RequestStatusChanged: _on_status_changed,
        StaffQueue: _on_console,
        CounterMessage: _on_line,
    }
