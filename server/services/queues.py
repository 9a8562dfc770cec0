"""Ticket queues, one per OPD: take a number, leave, your place, an estimated wait, call next.

Pure and synchronous: time (Unix seconds) is passed in, nothing here waits. The server runs
it on its event loop, where a synchronous `call_next` cannot interleave with another, so two
clerks calling at once get two different tickets; every change also comes back as `Ticket`
objects for the caller to persist, and the store refuses a move the table below forbids,
which guards the database as well.

A ticket is held by a *holder* key (`protocol.tickets.holder_key`: the account, or a guest's
avatar), not by a connection, so it survives a reconnect. The status table, the service day
and the record the store keeps live in `protocol/tickets.py`, shared with the store. A new ticket is
`pending` until the caller confirms it was stored; only confirmed tickets wait in line.
Numbers restart every day (Makassar time) and read `DUK-014`.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from makaverse.protocol.tickets import (
    FINAL_TICKET_STATUSES,
    TICKET_TRANSITIONS,
    WITA,
    TicketRecord,
    TicketStatus,
    can_move,
    holder_key,
    service_day,
    ticket_code,
)

# The ticket rules shared with the store are re-exported: the queues' callers read one module.
__all__ = [
    "TicketStatus",
    "TICKET_TRANSITIONS",
    "FINAL_TICKET_STATUSES",
    "can_move",
    "WITA",
    "service_day",
    "ticket_code",
    "holder_key",
    "Ticket",
    "TicketRecord",
    "CallResult",
    "QueueError",
    "Queues",
]

WAITING, CALLED, SERVED, NO_SHOW, LEFT = TicketStatus


def _utc(t: float | None) -> datetime | None:
    return None if t is None else datetime.fromtimestamp(t, UTC)


@dataclass(slots=True, eq=False)
class Ticket:
    opd: str
    day: date
    number: int
    code: str
    holder: str
    account_id: int | None
    name: str  # the holder's display name, for the clerk's console
    taken_at: float
    status: TicketStatus = WAITING
    confirmed: bool = False
    called_at: float | None = None
    arrived_at: float | None = None
    closed_at: float | None = None
    called_by: int | None = None  # the clerk's account id
    calls: int = 0  # how often it was called (more than once only after a requeue)

    @property
    def active(self) -> bool:
        return self.status is WAITING or self.status is CALLED

    @property
    def order(self) -> tuple[date, int]:
        return (self.day, self.number)

    def record(self) -> TicketRecord:
        return TicketRecord(
            opd=self.opd,
            day=self.day,
            number=self.number,
            holder=self.holder,
            account_id=self.account_id,
            status=self.status.value,
            taken_at=datetime.fromtimestamp(self.taken_at, UTC),
            called_at=_utc(self.called_at),
            arrived_at=_utc(self.arrived_at),
            closed_at=_utc(self.closed_at),
            called_by=self.called_by,
        )


@dataclass(frozen=True, slots=True)
class CallResult:
    """What `call_next` did: the clerk's previous ticket closed (if any) and the one now called."""

    finished: Ticket | None
    called: Ticket | None


class QueueError(Exception):
    """A queue action refused; `code` is a protocol error code."""

    def __init__(self, code: str, text: str = "") -> None:
        super().__init__(text or code)
        self.code = code


@dataclass(slots=True)
class _Line:
    prefix: str
    day: date
    last_number: int = 0
    waiting: list[Ticket] = field(default_factory=list)  # confirmed waiting tickets, in (day, number) order
    current: dict[int, Ticket] = field(default_factory=dict)  # clerk account id -> the ticket they called
    avg_service_s: float = 0.0
    served: int = 0
    no_shows: int = 0
    version: int = 0  # bumped on every change to `waiting` or `current`


class Queues:
    """Every OPD's line. `prefixes` maps OPD code to its three-letter ticket prefix."""

    def __init__(
        self,
        prefixes: dict[str, str],
        *,
        now_s: float,
        no_show_s: float = 60.0,
        default_service_s: float = 180.0,
        smoothing: float = 0.2,
        max_tickets_per_holder: int = 3,
    ) -> None:
        day = service_day(now_s)
        self.no_show_s = no_show_s
        self.smoothing = smoothing
        self.max_tickets_per_holder = max_tickets_per_holder
        self._lines = {
            opd: _Line(prefix=prefix, day=day, avg_service_s=default_service_s)
            for opd, prefix in prefixes.items()
        }
        self._held: dict[str, dict[str, Ticket]] = {}  # holder -> opd -> active or pending ticket

    # ── reading ──────────────────────────────────────────────────────────────
    def opds(self) -> list[str]:
        return list(self._lines)

    def has(self, opd: str) -> bool:
        return opd in self._lines

    def version(self, opd: str) -> int:
        return self._line(opd).version

    def ticket(self, holder: str, opd: str) -> Ticket | None:
        return self._held.get(holder, {}).get(opd)

    def tickets_of(self, holder: str) -> list[Ticket]:
        return list(self._held.get(holder, {}).values())

    def waiting(self, opd: str) -> list[Ticket]:
        return list(self._line(opd).waiting)

    def waiting_count(self, opd: str) -> int:
        return len(self._line(opd).waiting)

    def current(self, opd: str, clerk_id: int) -> Ticket | None:
        return self._line(opd).current.get(clerk_id)

    def called(self, opd: str) -> list[Ticket]:
        return list(self._line(opd).current.values())

    def place(self, ticket: Ticket) -> int:
        """1 for the next to be called; 0 when the ticket is not waiting in line."""
        if ticket.status is not WAITING or not ticket.confirmed:
            return 0
        line = self._line(ticket.opd)
        i = bisect.bisect_left(line.waiting, ticket.order, key=lambda t: t.order)
        return i + 1 if i < len(line.waiting) and line.waiting[i] is ticket else 0

    def average_service_s(self, opd: str) -> float:
        return self._line(opd).avg_service_s

    def estimate_s(self, opd: str, place: int, *, counters: int) -> float:
        """Seconds until a ticket at `place` is called: rounds of service at the open counters."""
        if place <= 0:
            return 0.0
        return place * self._line(opd).avg_service_s / max(1, counters)

    def totals(self, opd: str) -> tuple[int, int]:
        """(served, no-shows) since the server started."""
        line = self._line(opd)
        return line.served, line.no_shows

    # ── citizens ─────────────────────────────────────────────────────────────
    def take(self, opd: str, holder: str, *, account_id: int | None, name: str, now_s: float) -> tuple[Ticket, bool]:
        """A number for `holder` at `opd`: (ticket, True) for a new pending one, (ticket, False)
        when the holder already has one there. Call `confirm` once it is stored."""
        line = self._line(opd)
        held = self._held.setdefault(holder, {})
        existing = held.get(opd)
        if existing is not None:
            return existing, False
        if len(held) >= self.max_tickets_per_holder:
            raise QueueError("too_many_tickets", f"at most {self.max_tickets_per_holder} tickets at once")
        today = service_day(now_s)
        if today != line.day:
            line.day, line.last_number = today, 0
        line.last_number += 1
        ticket = Ticket(
            opd=opd,
            day=line.day,
            number=line.last_number,
            code=ticket_code(line.prefix, line.last_number),
            holder=holder,
            account_id=account_id,
            name=name,
            taken_at=now_s,
        )
        held[opd] = ticket
        return ticket, True

    def confirm(self, ticket: Ticket) -> None:
        """The ticket is stored: it joins the line (in number order)."""
        if ticket.confirmed or ticket.status is not WAITING:
            return
        ticket.confirmed = True
        self._insert(ticket)

    def abandon(self, ticket: Ticket) -> None:
        """Storing a pending ticket failed: forget it (its number stays unused)."""
        if ticket.confirmed:
            return
        self._release_holder(ticket)

    def leave(self, opd: str, holder: str, now_s: float) -> Ticket | None:
        """The holder gives up their ticket at `opd`; None if they had none."""
        ticket = self.ticket(holder, opd)
        if ticket is None or not ticket.confirmed:
            return None
        self._close(ticket, LEFT, now_s)
        return ticket

    def leave_all(self, holder: str, now_s: float) -> list[Ticket]:
        """The holder left the world for good: every ticket they held is closed as left."""
        gone = []
        for ticket in self.tickets_of(holder):
            if ticket.confirmed:
                self._close(ticket, LEFT, now_s)
                gone.append(ticket)
            else:
                self._release_holder(ticket)
        return gone

    def arrive(self, ticket: Ticket, now_s: float) -> bool:
        """The called citizen reached the counter; True the first time."""
        if ticket.status is not CALLED or ticket.arrived_at is not None:
            return False
        ticket.arrived_at = now_s
        self._line(ticket.opd).version += 1
        return True

    # ── clerks ───────────────────────────────────────────────────────────────
    def call_next(self, opd: str, clerk_id: int, now_s: float) -> CallResult:
        """Close the clerk's current ticket (served if the citizen came, else a no-show) and
        call the first in line. Atomic: nothing else can run between the pop and the call."""
        line = self._line(opd)
        finished = self.finish(opd, clerk_id, now_s)
        if not line.waiting:
            return CallResult(finished=finished, called=None)
        ticket = line.waiting.pop(0)
        ticket.status = CALLED
        ticket.called_at, ticket.called_by, ticket.arrived_at = now_s, clerk_id, None
        ticket.calls += 1
        line.current[clerk_id] = ticket
        line.version += 1
        return CallResult(finished=finished, called=ticket)

    def finish(self, opd: str, clerk_id: int, now_s: float, *, served: bool | None = None) -> Ticket | None:
        """Close the clerk's current ticket: served, or a no-show; by default served exactly
        when the citizen arrived at the counter."""
        ticket = self._line(opd).current.get(clerk_id)
        if ticket is None:
            return None
        if served is None:
            served = ticket.arrived_at is not None
        self._close(ticket, SERVED if served else NO_SHOW, now_s)
        return ticket

    def release_clerk(self, opd: str, clerk_id: int, now_s: float) -> Ticket | None:
        """The clerk stopped manning: a citizen already at the counter counts as served, one
        still on the way goes back to the head of the line."""
        ticket = self._line(opd).current.get(clerk_id)
        if ticket is None:
            return None
        if ticket.arrived_at is not None:
            self._close(ticket, SERVED, now_s)
        else:
            self.requeue(ticket)
        return ticket

    def requeue(self, ticket: Ticket) -> None:
        """A called ticket goes back in line at its own number (the head, in practice)."""
        if ticket.status is not CALLED:
            return
        line = self._line(ticket.opd)
        if ticket.called_by is not None and line.current.get(ticket.called_by) is ticket:
            del line.current[ticket.called_by]
        ticket.status = WAITING
        ticket.called_at = ticket.called_by = ticket.arrived_at = None
        self._insert(ticket)

    def expire(self, now_s: float) -> list[Ticket]:
        """Called tickets whose citizen did not reach the counter in time become no-shows."""
        late = [
            t
            for line in self._lines.values()
            for t in line.current.values()
            if t.arrived_at is None and t.called_at is not None and now_s - t.called_at >= self.no_show_s
        ]
        for ticket in late:
            self._close(ticket, NO_SHOW, now_s)
        return late

    # ── restoring after a restart ────────────────────────────────────────────
    def restore(
        self, records: list[TicketRecord], last_numbers: dict[str, int], *, names: dict[str, str], now_s: float
    ) -> list[Ticket]:
        """Put stored open tickets back. Today's keep their place (a called one goes back in
        line: its clerk is gone); older days' and guests' (whose avatars are gone) are closed.
        Returns the tickets whose status changed here, for the caller to store."""
        today = service_day(now_s)
        for opd, last in last_numbers.items():
            if opd in self._lines:
                line = self._lines[opd]
                line.day, line.last_number = today, max(line.last_number, last)
        changed = []
        for rec in sorted(records, key=lambda r: (r.day, r.number)):
            if rec.opd not in self._lines:
                continue
            ticket = Ticket(
                opd=rec.opd,
                day=rec.day,
                number=rec.number,
                code=ticket_code(self._lines[rec.opd].prefix, rec.number),
                holder=rec.holder,
                account_id=rec.account_id,
                name=names.get(rec.holder, ""),
                taken_at=rec.taken_at.timestamp(),
                status=TicketStatus(rec.status),
                confirmed=True,
                called_at=rec.called_at.timestamp() if rec.called_at else None,
                called_by=rec.called_by,
            )
            if not ticket.active:
                continue
            if rec.day != today or rec.account_id is None:
                ticket.status = LEFT if rec.account_id is None else NO_SHOW
                ticket.closed_at = now_s
                changed.append(ticket)
                continue
            if ticket.status is CALLED:
                ticket.status = WAITING
                ticket.called_at = ticket.called_by = None
                changed.append(ticket)
            self._held.setdefault(ticket.holder, {})[ticket.opd] = ticket
            self._insert(ticket)
        return changed

    # ── inside ───────────────────────────────────────────────────────────────
    def _line(self, opd: str) -> _Line:
        line = self._lines.get(opd)
        if line is None:
            raise QueueError("not_found", f"no queue for {opd!r}")
        return line

    def _insert(self, ticket: Ticket) -> None:
        line = self._line(ticket.opd)
        bisect.insort(line.waiting, ticket, key=lambda t: t.order)
        line.version += 1

    def _release_holder(self, ticket: Ticket) -> None:
        held = self._held.get(ticket.holder)
        if held is not None and held.get(ticket.opd) is ticket:
            del held[ticket.opd]
            if not held:
                del self._held[ticket.holder]

    def _close(self, ticket: Ticket, status: TicketStatus, now_s: float) -> None:
        line = self._line(ticket.opd)
        if ticket.status is WAITING:
            i = bisect.bisect_left(line.waiting, ticket.order, key=lambda t: t.order)
            if i < len(line.waiting) and line.waiting[i] is ticket:
                del line.waiting[i]
        elif ticket.status is CALLED and ticket.called_by is not None and line.current.get(ticket.called_by) is ticket:
            del line.current[ticket.called_by]
        if status is SERVED and ticket.called_at is not None:
            sample = min(3600.0, max(1.0, now_s - ticket.called_at))
            line.avg_service_s += self.smoothing * (sample - line.avg_service_s)
            line.served += 1
        elif status is NO_SHOW:
            line.no_shows += 1
        ticket.status, ticket.closed_at = status, now_s
        line.version += 1
        self._release_holder(ticket)
