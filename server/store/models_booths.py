"""Rows for the booths: queue tickets, and notifications waiting for a citizen's next login.

Registered on `models.Base` by an import at the end of `models.py`, so they are part of the
one schema the migrations build (revision 0002).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from makaverse.protocol.tickets import TicketStatus

from .models import Base, _one_of

__all__ = ["TicketRow", "NotificationRow", "TICKET_STATUSES"]

TICKET_STATUSES = tuple(s.value for s in TicketStatus)


class TicketRow(Base):
    """One number handed out at one OPD on one (Makassar) day; its life is the ticket machine."""

    __tablename__ = "tickets"
    __table_args__ = (
        UniqueConstraint("opd_code", "service_day", "number"),
        CheckConstraint(_one_of("status", TICKET_STATUSES), name="status"),
        CheckConstraint("number > 0", name="number_positive"),
        Index(None, "opd_code", "status"),
        Index(None, "holder"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    opd_code: Mapped[str] = mapped_column(ForeignKey("opds.code", ondelete="CASCADE"))
    service_day: Mapped[date] = mapped_column(Date)
    number: Mapped[int] = mapped_column(Integer)
    # "account:<id>" or "guest:<avatar id>": who may claim the ticket after a reconnect.
    holder: Mapped[str] = mapped_column(String(48))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    taken_at: Mapped[datetime]
    called_at: Mapped[datetime | None]
    arrived_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    called_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))


class NotificationRow(Base):
    """Something to tell an account; `delivered_at` stays empty until its client has been sent it."""

    __tablename__ = "notifications"
    __table_args__ = (Index(None, "account_id", "delivered_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("service_requests.id", ondelete="CASCADE"))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]
