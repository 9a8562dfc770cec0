"""Your tickets: taking a number, leaving the queue, being called, and what is said across
the counter while you are served."""

from __future__ import annotations

from dataclasses import dataclass

from makaverse.protocol import CounterMessage, CounterSay, LeaveQueue, TakeNumber, Ticket

from .link import Link
from .panel import BoothPanelModel

__all__ = ["TicketModel", "TicketView", "MAX_TICKETS", "MAX_LINES", "ACTIVE"]

MAX_TICKETS = 3  # the server's limit of open tickets per person
MAX_LINES = 40  # counter conversation lines kept per ticket
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


class TicketModel:
    def __init__(self, link: Link, panel: BoothPanelModel) -> None:
        self.link = link
        self.panel = panel  # a refused number is shown on the open panel
        self.tickets: dict[str, TicketView] = {}
        self.lines: dict[tuple[str, str], list[CounterMessage]] = {}

    # ── facts ────────────────────────────────────────────────────────────────
    def called_ticket(self) -> TicketView | None:
        return next((t for t in self.tickets.values() if t.called), None)

    def active_tickets(self) -> list[TicketView]:
        return sorted((t for t in self.tickets.values() if t.active), key=lambda t: (not t.called, t.place))

    def conversation(self, opd: str, code: str) -> list[CounterMessage]:
        return self.lines.get((opd, code), [])

    # ── commands ─────────────────────────────────────────────────────────────
    def take_number(self, opd: str) -> None:
        self.link.send(self, "take", lambda rid: TakeNumber(request_id=rid, opd=opd), opd)

    def leave_queue(self, opd: str) -> None:
        self.link.send(self, "leave", lambda rid: LeaveQueue(request_id=rid, opd=opd), opd)

    def say(self, text: str) -> bool:
        text = " ".join(text.split())
        if not text:
            return False
        self.link.send(self, "say", lambda rid: CounterSay(request_id=rid, text=text[:500]))
        return True

    # ── messages in ──────────────────────────────────────────────────────────
    def on_welcome(self) -> None:
        # The server sends tickets and counter lines again after a welcome.
        self.tickets.clear()
        self.lines.clear()
        self.link.rev["ticket"] += 1
        self.link.rev["lines"] += 1

    def on_error(self, kind: str, context: object, code: str, now_ms: float) -> None:
        if kind in ("take", "leave") and self.panel.opd:
            self.panel.show_error(code)  # and a toast, as for a refusal without a panel
        self.link.toast(f"error.{code}", now_ms, "bad")

    def on_ticket(self, msg: Ticket, now_ms: float) -> None:
        pending = self.link.take(msg.request_id)
        kind = pending.kind if pending is not None and pending.owner is self else ""
        before = self.tickets.get(msg.opd)
        view = TicketView(msg.opd, msg.code, msg.status, msg.place, msg.waiting, msg.est_wait_s, msg.clerk,
                          msg.called_ms, now_ms)
        name = self.panel.booth_name(msg.opd)
        if kind in ("take", "leave"):
            self.panel.clear_error()
        toast = self.link.toast
        if view.active:
            self.tickets[msg.opd] = view
            if view.called and (before is None or not before.called or before.code != view.code):
                self.link.events.append(("called", msg.opd, msg.code))
                toast("ticket.called", now_ms, "call", code=msg.code, booth=name)
            elif kind == "take" and (before is None or before.code != view.code):
                toast("ticket.taken", now_ms, "good", code=msg.code, booth=name)
        else:
            self.tickets.pop(msg.opd, None)
            key = {"served": "ticket.served", "no_show": "ticket.no_show", "left": "ticket.left"}[msg.status]
            toast(key, now_ms, "bad" if msg.status == "no_show" else "info", code=msg.code, booth=name)
            self.forget_lines(msg.opd, msg.code)
        self.link.rev["ticket"] += 1

    def on_line(self, msg: CounterMessage, now_ms: float) -> None:
        lines = self.lines.setdefault((msg.opd, msg.code), [])
        if msg in lines:
            return  # sent again after a reconnect
        lines.append(msg)
        del lines[:-MAX_LINES]
        self.link.rev["lines"] += 1

    def forget_lines(self, opd: str, code: str) -> None:
        """That ticket's conversation is over (served, or the clerk moved on)."""
        self.lines = {k: v for k, v in self.lines.items() if k != (opd, code)}
        self.link.rev["lines"] += 1
