"""Queue tickets, the rules both the queues and the store need: the status table, the service
day, the ticket code and who holds a ticket.

Everything that decides a legal ticket move lives here, as data. It lives in `protocol`
(stdlib only) because the queues (`server/services/queues.py`) move tickets, the store refuses
a move the table forbids inside the transaction that writes the row, and the wire carries the
status names.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from enum import StrEnum
from typing import Literal

__all__ = [
    "TicketStatus",
    "TICKET_TRANSITIONS",
    "FINAL_TICKET_STATUSES",
    "can_move",
    "WITA",
    "service_day",
    "ticket_code",
    "HolderKind",
    "holder_key",
    "account_holder",
    "parse_holder",
    "TicketRecord",
]

WITA = timezone(timedelta(hours=8), "WITA")  # Makassar; Indonesia keeps no daylight saving


class TicketStatus(StrEnum):
    WAITING = "waiting"
    CALLED = "called"
    SERVED = "served"
    NO_SHOW = "no_show"
    LEFT = "left"


# from-status -> where a ticket may go. CALLED -> WAITING puts a ticket back at the head of
# the line when its clerk stopped manning the counter before the citizen arrived.
TICKET_TRANSITIONS: dict[TicketStatus, frozenset[TicketStatus]] = {
    TicketStatus.WAITING: frozenset({TicketStatus.CALLED, TicketStatus.LEFT, TicketStatus.NO_SHOW}),
    TicketStatus.CALLED: frozenset(
        {TicketStatus.SERVED, TicketStatus.NO_SHOW, TicketStatus.LEFT, TicketStatus.WAITING}
    ),
    TicketStatus.SERVED: frozenset(),
    TicketStatus.NO_SHOW: frozenset(),
    TicketStatus.LEFT: frozenset(),
}
FINAL_TICKET_STATUSES = frozenset(s for s, exits in TICKET_TRANSITIONS.items() if not exits)


def can_move(from_status: str, to_status: str) -> bool:
    """Whether a ticket may go from one status to another (unknown names: never)."""
    try:
        return TicketStatus(to_status) in TICKET_TRANSITIONS[TicketStatus(from_status)]
    except ValueError:
        return False


def service_day(now_s: float) -> date:
    """The Makassar calendar day of a Unix time: the day a ticket number belongs to."""
    return datetime.fromtimestamp(now_s, WITA).date()


def ticket_code(prefix: str, number: int) -> str:
    """What a citizen reads on the ticket: `DUK-014`."""
    return f"{prefix}-{number:03d}"


HolderKind = Literal["account", "guest"]


def holder_key(*, account_id: int | None, avatar_id: int) -> str:
    """Who holds a ticket: the account when logged in, else the guest's avatar (which survives a
    reconnect, not a restart). The one spelling of the key, stored in the `tickets.holder` column."""
    return account_holder(account_id) if account_id is not None else f"guest:{avatar_id}"


def account_holder(account_id: int) -> str:
    """The holder key of a logged-in account (the store looks up names by it)."""
    return f"account:{account_id}"


def parse_holder(key: str) -> tuple[HolderKind, int]:
    """The (kind, id) a `holder_key` was made from; `ValueError` for anything else."""
    kind, sep, ident = key.partition(":")
    if not sep or kind not in ("account", "guest") or not ident.isdigit():
        raise ValueError(f"not a ticket holder key: {key!r}")
    return ("account" if kind == "account" else "guest"), int(ident)


@dataclass(frozen=True, slots=True)
class TicketRecord:
    """A ticket as the store keeps it (aware UTC datetimes)."""

    opd: str
    day: date
    number: int
    holder: str
    account_id: int | None
    status: str
    taken_at: datetime
    called_at: datetime | None = None
    arrived_at: datetime | None = None
    closed_at: datetime | None = None
    called_by: int | None = None
