""""My requests": your service requests, newest first and paged, the one shown in full with its
history, and status changes pushed while you wait."""

from __future__ import annotations

from makaverse.protocol import (
    MyRequests,
    RequestDetail,
    RequestGet,
    RequestList,
    RequestStatusChanged,
    RequestSubmitted,
)

from .link import Link
from .panel import BoothPanelModel

__all__ = ["MyRequestsModel", "row_from"]


def row_from(row: dict, detail: RequestDetail) -> dict:
    """A list row brought up to date by the request's full detail."""
    if row["tracking"] != detail.tracking:
        return row
    return {**row, "status": detail.status, "updated_ms": detail.updated_ms}


class MyRequestsModel:
    def __init__(self, link: Link, panel: BoothPanelModel) -> None:
        self.link = link
        self.panel = panel  # service names come with a booth's content
        self.shown = False
        self.rows: tuple = ()
        self.more = False
        self.loaded = False
        self.error = ""
        self.details: dict[str, RequestDetail] = {}
        self.selected = ""  # the request (tracking) shown in full

    # ── commands ─────────────────────────────────────────────────────────────
    def open(self) -> None:
        self.shown = True
        self.link.rev["requests"] += 1
        self.load()

    def close(self) -> None:
        self.shown = False
        self.selected = ""
        self.link.rev["requests"] += 1

    def load(self, *, more: bool = False) -> None:
        before = self.rows[-1]["id"] if more and self.rows else 0
        self.link.send(self, "mine", lambda rid: MyRequests(request_id=rid, before_id=before, limit=20), bool(before))

    def open_request(self, tracking: str) -> None:
        self.selected = tracking
        self.link.rev["mine"] += 1
        self.link.send(self, "get", lambda rid: RequestGet(request_id=rid, tracking=tracking))

    # ── messages in ──────────────────────────────────────────────────────────
    def on_welcome(self) -> None:
        if self.loaded:
            self.load()

    def on_error(self, kind: str, context: object, code: str, now_ms: float) -> None:
        self.error = code
        self.link.rev["mine"] += 1

    def on_list(self, msg: RequestList, paging: bool) -> None:
        for row in msg.requests:
            self.panel.want_info(row["opd"])
        self.rows = (*self.rows, *msg.requests) if paging else tuple(msg.requests)
        self.more, self.loaded, self.error = msg.more, True, ""
        self.link.rev["mine"] += 1

    def on_detail(self, msg: RequestDetail) -> None:
        self.panel.want_info(msg.opd)
        self.details[msg.tracking] = msg
        self.rows = tuple(row_from(r, msg) for r in self.rows)
        self.error = ""
        self.link.rev["mine"] += 1

    def on_submitted(self, msg: RequestSubmitted) -> None:
        """A request you just submitted heads the list before the server's page has it."""
        row = {"id": 0, "tracking": msg.tracking, "opd": msg.opd, "service": msg.service, "status": msg.status,
               "created_ms": msg.created_ms, "updated_ms": msg.created_ms}
        if not any(r["tracking"] == msg.tracking for r in self.rows):
            self.rows = (row, *self.rows)
            self.link.rev["mine"] += 1
        if self.loaded:
            self.load()  # the real row (with its id, for paging)

    def on_status_changed(self, msg: RequestStatusChanged, now_ms: float) -> None:
        self.link.toast("request.status_changed", now_ms, "good" if msg.status == "completed" else "info",
                        tracking=msg.tracking, status=msg.status, note=msg.note)
        self.rows = tuple({**r, "status": msg.status, "updated_ms": msg.at_ms} if r["tracking"] == msg.tracking else r
                          for r in self.rows)
        if msg.tracking in self.details:
            self.details.pop(msg.tracking)
            if self.selected == msg.tracking:
                self.open_request(msg.tracking)  # the open history gets the new row
        self.link.rev["mine"] += 1
