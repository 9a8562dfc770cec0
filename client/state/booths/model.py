"""The booths as this client knows them, with no Panda3D: server messages in, commands out.

One model per job, sharing a `Link` (the outbox, the toasts, the change counters):
`panel` (every booth's live state and content; the open panel), `ticket` (your numbers and
what is said across the counter), `request` (the form being filled in), `my_requests`, and
`staff` (the clerk's console, the OPD's requests, edits). `BoothModel` holds them, takes the
booth messages from the client's router and hands each to the model that owns it — an answer
to a command goes back to the model that sent it — and does the few things that span jobs:
the E key, Escape, and a fresh start after a welcome.

Widgets read the models and call their commands, which queue protocol messages in the
outbox; the app sends them once per frame (`drain()`).
"""

from __future__ import annotations

from collections.abc import Callable

from makaverse.protocol import (
    BoothInfo,
    BoothState,
    CounterMessage,
    Error,
    Message,
    RequestDetail,
    RequestInvalid,
    RequestList,
    RequestStatusChanged,
    RequestSubmitted,
    StaffQueue,
    StaffRequestNew,
    Ticket,
    Welcome,
    ZoneChanged,
)
from makaverse.world import World

from .link import Link, Toast
from .my_requests import MyRequestsModel
from .panel import BoothPanelModel
from .request_form import RequestFormModel
from .staff import StaffConsoleModel
from .tickets import TicketModel

__all__ = ["BoothModel"]


class BoothModel:
    # What the router (`state/router.py`) hands to `handle`.
    OWNS: tuple[type, ...] = (BoothState, BoothInfo, Ticket, CounterMessage, RequestSubmitted, RequestInvalid,
                              RequestList, RequestDetail, RequestStatusChanged, StaffQueue, StaffRequestNew)
    WATCHES: tuple[type, ...] = (Welcome, ZoneChanged, Error)

    def __init__(self, world: World, *, lang: str = "id", ids: Callable[[], int] | None = None) -> None:
        self.link = link = Link(world, lang=lang, ids=ids)
        self.world = world
        self.panel = BoothPanelModel(link)
        self.ticket = TicketModel(link, self.panel)
        self.request = RequestFormModel(link, self.panel)
        self.my_requests = MyRequestsModel(link, self.panel)
        self.staff = StaffConsoleModel(link, self.panel, self.ticket)
        # Shared with every model (the same objects, for widgets to read).
        self.rev = link.rev
        self.toasts = link.toasts
        self.events = link.events

    # ── who you are and where you stand ──────────────────────────────────────
    @property
    def role(self) -> str:
        return self.link.role

    @property
    def opd(self) -> str:
        return self.link.opd

    @property
    def is_staff(self) -> bool:
        return self.link.is_staff

    @property
    def logged_in(self) -> bool:
        return self.link.role != "guest"

    @property
    def zone_opd(self) -> str:
        return self.link.zone_opd

    @zone_opd.setter
    def zone_opd(self, opd: str) -> None:
        if opd != self.link.zone_opd:
            self.link.zone_opd = opd
            self.rev["zone"] += 1

    def recent_toasts(self, now_ms: float, limit: int = 3) -> list[Toast]:
        return self.link.recent_toasts(now_ms, limit)

    def drain(self) -> list[Message]:
        return self.link.drain()

    # ── across jobs ──────────────────────────────────────────────────────────
    def interact(self, x: float | None = None, y: float | None = None) -> str:
        """The E key: open (or close) the panel of the booth you stand at, or, for staff standing
        behind their counter at (x, y), man it and open the console. Returns what it did
        ("panel", "close", "counter") or "" (then E turns, as everywhere else)."""
        staff = self.staff
        if x is not None and y is not None and staff.at_post(x, y):
            if staff.manning and staff.shown:
                staff.close()
                return "close"
            if not staff.manning:
                staff.man_counter(True)
            staff.open()
            return "counter"
        if self.zone_opd:
            if self.panel.opd == self.zone_opd:
                self.close_panel()
                return "close"
            self.panel.open(self.zone_opd)
            return "panel"
        return ""

    def close_panel(self) -> None:
        """The booth panel goes, and the form filled in on it."""
        if self.panel.opd or self.request.form is not None:
            self.panel.close()
            self.request.cancel()

    def close_all(self) -> bool:
        """Escape: close whatever is open; False when nothing was."""
        was = bool(self.panel.opd or self.request.form or self.staff.shown or self.my_requests.shown)
        self.close_panel()
        if self.staff.shown:
            self.staff.close()
        if self.my_requests.shown:
            self.my_requests.close()
        return was

    # ── messages in ──────────────────────────────────────────────────────────
    def handle(self, msg: object, now_ms: float) -> bool:
        """Take one booth message (or a welcome, a zone change, an error answering a command);
        True for an error one of the booth models shows (claimed)."""
        if isinstance(msg, Welcome):
            self._on_welcome(msg)
        elif isinstance(msg, ZoneChanged):
            zid = msg.zone_id
            self.zone_opd = zid.split(":", 1)[1] if zid.startswith("booth:") else ""
        elif isinstance(msg, Error):
            pending = self.link.take(msg.ref)
            if pending is None:
                return False
            pending.owner.on_error(pending.kind, pending.context, msg.code, now_ms)
            return True
        elif isinstance(msg, BoothState):
            self.panel.on_state(msg, now_ms)
        elif isinstance(msg, BoothInfo):
            pending = self.link.take(msg.request_id)
            self.panel.on_info(msg, now_ms)
            if pending is not None and pending.owner is self.staff and pending.kind == "edit":
                self.staff.on_saved(msg, pending.context, now_ms)
        elif isinstance(msg, Ticket):
            self.ticket.on_ticket(msg, now_ms)
        elif isinstance(msg, CounterMessage):
            self.ticket.on_line(msg, now_ms)
        elif isinstance(msg, RequestSubmitted):
            self.request.on_submitted(msg, now_ms)
            self.my_requests.on_submitted(msg)
        elif isinstance(msg, RequestInvalid):
            self.request.on_invalid(msg, now_ms)
        elif isinstance(msg, RequestStatusChanged):
            self.my_requests.on_status_changed(msg, now_ms)
        elif isinstance(msg, StaffQueue):
            self.staff.on_console(msg, now_ms)
        elif isinstance(msg, StaffRequestNew):
            self.staff.on_new(msg, now_ms)
        elif isinstance(msg, RequestList):
            pending = self.link.take(msg.request_id)
            if pending is not None and pending.owner is self.staff:
                self.staff.on_list(msg, pending.context)
            elif pending is not None and pending.owner is self.my_requests:
                self.my_requests.on_list(msg, bool(pending.context))
        elif isinstance(msg, RequestDetail):
            pending = self.link.take(msg.request_id)
            if pending is not None and pending.owner is self.staff:
                self.staff.on_detail(msg, pending.kind, now_ms)
            else:
                self.my_requests.on_detail(msg)
        return False

    def _on_welcome(self, msg: Welcome) -> None:
        link = self.link
        link.role, link.opd, link.name = msg.role, msg.opd, msg.name
        # The server sends states, tickets, the console and waiting notices again after a
        # welcome; what was asked before it will never be answered.
        link.forget_pending()
        self.ticket.on_welcome()
        self.staff.on_welcome()
        self.panel.on_welcome()
        self.request.on_welcome()
        self.my_requests.on_welcome()
