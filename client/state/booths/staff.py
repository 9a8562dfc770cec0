"""A clerk's side of the booths: manning the counter and calling the next number (the console
the server pushes), the OPD's requests by status with the one being moved along the status
machine, and editing the booth's description and programs."""

from __future__ import annotations

from makaverse.protocol import (
    BoothInfo,
    CallNext,
    CounterMan,
    EditOpd,
    EditProgram,
    FinishTicket,
    RequestDetail,
    RequestGet,
    RequestList,
    SetRequestStatus,
    StaffQueue,
    StaffRequestNew,
    StaffRequests,
)
from makaverse.protocol.request_fields import valid_date

from .link import Link
from .my_requests import row_from
from .panel import BoothPanelModel
from .rules import legal_next
from .tickets import TicketModel

__all__ = ["StaffConsoleModel", "MAX_ROWS", "MAX_UNSEEN"]

# New requests arriving live are added at the top of the list: past this many rows the oldest are
# let go (and "more" loads them again from the last row kept), so a clerk's day stays bounded.
MAX_ROWS = 200
MAX_UNSEEN = 99  # "baru" marks kept, the newest; the tab counts at most this many


class StaffConsoleModel:
    def __init__(self, link: Link, panel: BoothPanelModel, tickets: TicketModel) -> None:
        self.link = link
        self.panel = panel  # your booth's content, which you edit
        self.tickets = tickets  # counter lines end with the ticket the clerk moves on from
        self.shown = False
        self.console: StaffQueue | None = None
        self.filter = ""  # "" = every status
        self.requests: tuple = ()
        self.more = False
        self.loaded = False
        self.detail: RequestDetail | None = None
        self.error = ""  # about the requests
        self.counter_error = ""  # about the counter (manning, calling)
        self.edit_error = ""
        self.saved = ""  # what the last edit saved ("description", "program"), for a confirmation
        self.unseen: set[str] = set()  # tracking numbers that arrived live and were not opened yet ("baru")

    # ── facts ────────────────────────────────────────────────────────────────
    def at_post(self, x: float, y: float) -> bool:
        """True when a staff member at (x, y) stands where the server lets them man their counter."""
        b = self.link.world.booth(self.link.opd) if self.link.is_staff else None
        return b is not None and b.staff_area.contains_point(x, y)

    @property
    def manning(self) -> bool:
        return self.console is not None and self.console.manning

    @property
    def new_count(self) -> int:
        """Requests that arrived while you were in the world and you have not opened: the tab's badge."""
        return len(self.unseen)

    # ── commands ─────────────────────────────────────────────────────────────
    def open(self) -> None:
        if not self.link.is_staff:
            return
        self.shown = True
        self.link.rev["console"] += 1
        if not self.loaded:
            self.load_requests()
        if self.link.opd not in self.panel.infos:
            self.panel.fetch_info(self.link.opd)

    def close(self) -> None:
        self.shown = False
        self.link.rev["console"] += 1

    def man_counter(self, on: bool = True) -> None:
        self.link.send(self, "man", lambda rid: CounterMan(request_id=rid, on=on), on)

    def call_next(self) -> None:
        self.link.send(self, "call", lambda rid: CallNext(request_id=rid))

    def finish_ticket(self, served: bool = True) -> None:
        self.link.send(self, "finish", lambda rid: FinishTicket(request_id=rid, served=served), served)

    def load_requests(self, status: str | None = None, *, more: bool = False) -> None:
        if status is not None and status != self.filter:
            self.filter = status
            self.requests, self.more, self.loaded = (), False, False
            self.link.rev["staff"] += 1
        before = self.requests[-1]["id"] if more and self.requests else 0
        wanted = self.filter
        self.link.send(self, "staff_list",
                       lambda rid: StaffRequests(request_id=rid, status=wanted, before_id=before, limit=20),
                       (wanted, bool(before)))

    def open_request(self, tracking: str, *, keep_error: bool = False) -> None:
        if not keep_error and self.error:
            self.error = ""
            self.link.rev["staff"] += 1
        if tracking in self.unseen:
            self.unseen.discard(tracking)
            self.link.rev["staff_new"] += 1
        self.link.send(self, "get", lambda rid: RequestGet(request_id=rid, tracking=tracking))

    def move_request(self, status: str, note: str) -> bool:
        """Move the open request to `status` with a note; only a legal move with a note is sent."""
        detail = self.detail
        note = " ".join(note.split())
        if detail is None or not note or status not in legal_next(detail.status, detail.next):
            self.error = "note_required" if detail is not None and not note else "illegal_transition"
            self.link.rev["staff"] += 1
            return False
        self.error = ""
        self.link.send(self, "set_status", lambda rid: SetRequestStatus(
            request_id=rid, tracking=detail.tracking, status=status, note=note[:500], expected=detail.status,
        ), detail.tracking)
        return True

    def edit_description(self, description_id: str, description_en: str = "") -> bool:
        if not description_id.strip():
            self.edit_error = "required"
            self.link.rev["edit"] += 1
            return False
        self.link.send(self, "edit", lambda rid: EditOpd(request_id=rid, description_id=description_id[:2000],
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
            self.edit_error = problem
            self.link.rev["edit"] += 1
            return False
        self.edit_error = ""
        self.link.send(self, "edit", lambda rid: EditProgram(
            request_id=rid, program_id=program_id, title=title[:120], summary_id=summary_id[:600],
            summary_en=summary_en[:600], status=status, start=start, end=end, link=link[:300], delete=delete,
        ), "program")
        return True

    # ── messages in ──────────────────────────────────────────────────────────
    def on_welcome(self) -> None:
        self.console = None  # the server sends it again
        for area in ("staff", "counter", "edit"):
            self.link.rev[area] += 1

    def on_error(self, kind: str, context: object, code: str, now_ms: float) -> None:
        if kind in ("staff_list", "set_status", "get"):
            self.error = code
            self.link.rev["staff"] += 1
            if kind == "set_status" and code in ("conflict", "illegal_transition"):
                self.open_request(str(context), keep_error=True)  # someone moved it first: show where it is now
        elif kind == "edit":
            self.edit_error = code
            self.link.rev["staff"] += 1
        else:  # manning, calling, finishing
            self.error = code
            self.link.rev["edit"] += 1
            self.link.toast(f"error.{code}", now_ms, "bad")

    def on_saved(self, msg: BoothInfo, what: object, now_ms: float) -> None:
        """The booth's new content, in answer to an edit: the edit was saved."""
        self.saved = str(what)
        self.edit_error = ""
        self.link.rev["edit"] += 1
        self.link.toast("staff.saved", now_ms, "good")

    def on_console(self, msg: StaffQueue, now_ms: float) -> None:
        pending = self.link.take(msg.request_id)
        before = self.console
        self.console = msg
        if pending is not None:
            self.counter_error = ""
        if before is not None and before.current and before.current != msg.current:
            self.tickets.forget_lines(msg.opd, before.current)
        self.link.rev["counter"] += 1

    def on_list(self, msg: RequestList, context: object) -> None:
        wanted, paging = context if isinstance(context, tuple) else (self.filter, False)
        for row in msg.requests:
            self.panel.want_info(row["opd"])
        if wanted != self.filter:
            return  # an answer to a filter the clerk already changed
        self.requests = (*self.requests, *msg.requests) if paging else tuple(msg.requests)
        self.more, self.loaded, self.error = msg.more, True, ""
        self.link.rev["staff"] += 1

    def on_new(self, msg: StaffRequestNew, now_ms: float) -> None:
        """A citizen just submitted a request to your OPD: a row at the top of the list when the
        filter shows it (the rows below, the one you opened and the paging stay as they are), a
        "baru" mark until you open it, and a toast (which rings the notification sound)."""
        if not self.link.is_staff or msg.opd != self.link.opd:
            return
        row = {"id": msg.id, "tracking": msg.tracking, "opd": msg.opd, "service": msg.service,
               "status": msg.status, "created_ms": msg.created_ms, "updated_ms": msg.created_ms}
        if self.loaded and self.filter in ("", msg.status) and all(r["id"] != msg.id for r in self.requests):
            self.requests = (row, *self.requests)
            if len(self.requests) > MAX_ROWS:
                self.requests, self.more = self.requests[:MAX_ROWS], True
        self.unseen.add(msg.tracking)
        if len(self.unseen) > MAX_UNSEEN:
            self.unseen.discard(min(self.unseen))  # the oldest: tracking numbers count up
        self.link.rev["staff_new"] += 1
        self.panel.want_info(msg.opd)
        info = self.panel.infos.get(msg.opd)
        service = next((s for s in info.services if s["code"] == msg.service), None) if info is not None else None
        names = {"service_id": service["name_id"], "service_en": service["name_en"]} if service is not None else {}
        self.link.toast("staff.new_request", now_ms, "call", tracking=msg.tracking, service=msg.service, **names)

    def on_detail(self, msg: RequestDetail, kind: str, now_ms: float) -> None:
        self.panel.want_info(msg.opd)
        self.detail = msg
        if kind == "set_status":
            self.error = ""
        self.requests = tuple(row_from(r, msg) for r in self.requests)
        if kind == "set_status":
            self.link.toast("staff.moved", now_ms, "good", tracking=msg.tracking, status=msg.status)
            if self.filter and msg.status != self.filter:
                self.requests = tuple(r for r in self.requests if r["tracking"] != msg.tracking)
        self.link.rev["staff"] += 1
