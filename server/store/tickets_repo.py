"""Queue tickets and notifications: what the booths keep across restarts.

Tickets are saved as whole snapshots, upserted by (OPD, day, number) in one transaction per
batch; a snapshot whose status move the ticket machine forbids (a final ticket reopened, a
called ticket called again) is not applied and is returned, so a double call can't reach
the database even if two processes tried. Notifications are written in the transaction
that makes them necessary (a request's status change) and marked once delivered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select, tuple_, update

from makaverse.protocol import request_status as machine
from makaverse.protocol.request_status import RequestStatus
from makaverse.protocol.tickets import TicketRecord, account_holder, can_move

from .base import StoreBase, affected_rows
from .dto import ServiceRequest
from .errors import Conflict, IllegalTransition, InvalidValue, NotFound
from .models import AccountRow, ServiceRequestRow, StatusHistoryRow
from .models_booths import NotificationRow, TicketRow
from .requests_repo import request_dto

__all__ = ["TicketsRepo", "Notification", "QueueState", "NOTIFICATION_KINDS"]

NOTIFICATION_KINDS = ("request_status", "event_started")
MAX_BATCH = 500
MAX_PENDING = 100


@dataclass(frozen=True, slots=True, kw_only=True)
class Notification:
    id: int
    account_id: int
    kind: str
    request_id: int | None
    payload: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueState:
    """What the queues need after a restart: open tickets, the day's last numbers, holders' names."""

    open_tickets: tuple[TicketRecord, ...]
    last_numbers: dict[str, int]
    names: dict[str, str]


def _record(row: TicketRow) -> TicketRecord:
    return TicketRecord(
        opd=row.opd_code,
        day=row.service_day,
        number=row.number,
        holder=row.holder,
        account_id=row.account_id,
        status=row.status,
        taken_at=row.taken_at,
        called_at=row.called_at,
        arrived_at=row.arrived_at,
        closed_at=row.closed_at,
        called_by=row.called_by,
    )


def _notification(row: NotificationRow) -> Notification:
    return Notification(
        id=row.id,
        account_id=row.account_id,
        kind=row.kind,
        request_id=row.request_id,
        payload=dict(row.payload),
        created_at=row.created_at,
    )


def _may_apply(row: TicketRow, rec: TicketRecord) -> bool:
    """A move the ticket machine allows, or the same status again with nothing contradicting
    it (a repeated snapshot, or the arrival noted); a second, different call is refused."""
    if row.status != rec.status:
        return can_move(row.status, rec.status)
    if rec.status == "called":
        return (row.called_at, row.called_by) == (rec.called_at, rec.called_by)
    return True


_COLUMNS = ("holder", "account_id", "status", "taken_at", "called_at", "arrived_at", "closed_at", "called_by")


class TicketsRepo(StoreBase):
    # ── tickets ──────────────────────────────────────────────────────────────
    def save_tickets(self, records: list[TicketRecord]) -> list[TicketRecord]:
        """Insert or update each ticket, in order, in one transaction. Returns the snapshots
        not applied because the ticket machine forbids the move from the stored status."""
        if len(records) > MAX_BATCH:
            raise InvalidValue(f"at most {MAX_BATCH} tickets per batch")
        refused: list[TicketRecord] = []
        if not records:
            return refused
        keys = {(r.opd, r.day, r.number) for r in records}
        with self._write() as session:
            rows = session.scalars(
                select(TicketRow)
                .where(tuple_(TicketRow.opd_code, TicketRow.service_day, TicketRow.number).in_(list(keys)))
                .with_for_update()
            )
            existing = {(row.opd_code, row.service_day, row.number): row for row in rows}
            for rec in records:
                key = (rec.opd, rec.day, rec.number)
                row = existing.get(key)
                if row is None:
                    row = TicketRow(opd_code=rec.opd, service_day=rec.day, number=rec.number)
                    session.add(row)
                    existing[key] = row
                elif not _may_apply(row, rec):
                    refused.append(rec)
                    continue
                for name in _COLUMNS:
                    setattr(row, name, getattr(rec, name))
        return refused

    def get_ticket(self, opd_code: str, day: date, number: int) -> TicketRecord:
        with self._read() as session:
            row = session.scalar(
                select(TicketRow).where(
                    TicketRow.opd_code == opd_code, TicketRow.service_day == day, TicketRow.number == number
                )
            )
            if row is None:
                raise NotFound(f"ticket {opd_code} {day} {number}")
            return _record(row)

    def list_tickets(self, *, opd_code: str | None = None, day: date | None = None) -> tuple[TicketRecord, ...]:
        query = select(TicketRow).order_by(TicketRow.opd_code, TicketRow.service_day, TicketRow.number)
        if opd_code is not None:
            query = query.where(TicketRow.opd_code == opd_code)
        if day is not None:
            query = query.where(TicketRow.service_day == day)
        with self._read() as session:
            return tuple(_record(row) for row in session.scalars(query))

    def load_queue_state(self, day: date) -> QueueState:
        """Open tickets of any day, the last number used per OPD on `day`, and account holders' display names."""
        with self._read() as session:
            rows = session.scalars(
                select(TicketRow)
                .where(TicketRow.status.in_(("waiting", "called")))
                .order_by(TicketRow.service_day, TicketRow.number)
            ).all()
            last = session.execute(
                select(TicketRow.opd_code, func.max(TicketRow.number))
                .where(TicketRow.service_day == day)
                .group_by(TicketRow.opd_code)
            ).all()
            ids = {row.account_id for row in rows if row.account_id is not None}
            names = {}
            if ids:
                for account_id, name in session.execute(
                    select(AccountRow.id, AccountRow.display_name).where(AccountRow.id.in_(ids))
                ):
                    names[account_holder(account_id)] = name
            return QueueState(
                open_tickets=tuple(_record(row) for row in rows),
                last_numbers={opd: int(n) for opd, n in last},
                names=names,
            )

    # ── requests with a notification ─────────────────────────────────────────
    def change_request_status(
        self,
        request_id: int,
        to_status: str,
        *,
        opd_code: str,
        note: str = "",
        actor_id: int | None = None,
        expected_from: str | None = None,
    ) -> tuple[ServiceRequest, Notification]:
        """Move an OPD's request along the status machine, record it in its history and queue
        a notification for its citizen, all in one transaction.

        `NotFound` if the request doesn't exist or belongs to another OPD; `Conflict` when
        `expected_from` is given and the status moved on; `IllegalTransition` otherwise refused.
        """
        with self._write() as session:
            row = session.scalar(
                select(ServiceRequestRow)
                .where(ServiceRequestRow.id == request_id)
                .with_for_update(of=ServiceRequestRow)
            )
            if row is None or row.opd_code != opd_code:
                raise NotFound(f"request {request_id} of {opd_code}")
            current = row.status
            if expected_from is not None and current != expected_from:
                raise Conflict(f"request {request_id} is {current}, not {expected_from}")
            if not machine.can_transition(current, to_status):
                raise IllegalTransition(current, str(to_status))
            now = self.now()
            row.status, row.updated_at = RequestStatus(to_status).value, now
            session.add(
                StatusHistoryRow(
                    request_id=row.id, from_status=current, to_status=row.status, note=note, actor_id=actor_id, at=now
                )
            )
            request = request_dto(row)
            notice = NotificationRow(
                account_id=row.account_id,
                kind="request_status",
                request_id=row.id,
                payload={
                    "tracking": row.tracking_number,
                    "opd": row.opd_code,
                    "service": request.service_code,
                    "from": current,
                    "status": row.status,
                    "note": note,
                },
                created_at=now,
                delivered_at=None,
            )
            session.add(notice)
            session.flush()
            return request, _notification(notice)

    # ── notifications ────────────────────────────────────────────────────────
    def add_notification(
        self, account_id: int, kind: str, payload: dict[str, Any], *, request_id: int | None = None
    ) -> Notification:
        if kind not in NOTIFICATION_KINDS:
            raise InvalidValue(f"notification kind {kind!r}")
        with self._write() as session:
            row = NotificationRow(
                account_id=account_id,
                kind=kind,
                request_id=request_id,
                payload=dict(payload),
                created_at=self.now(),
                delivered_at=None,
            )
            session.add(row)
            session.flush()
            return _notification(row)

    def pending_notifications(self, account_id: int, *, limit: int = MAX_PENDING) -> tuple[Notification, ...]:
        """Undelivered notifications of an account, oldest first."""
        with self._read() as session:
            rows = session.scalars(
                select(NotificationRow)
                .where(NotificationRow.account_id == account_id, NotificationRow.delivered_at.is_(None))
                .order_by(NotificationRow.id)
                .limit(max(1, min(limit, MAX_PENDING)))
            )
            return tuple(_notification(row) for row in rows)

    def mark_delivered(self, notification_ids: list[int]) -> int:
        """Mark notifications delivered (ones already marked are left alone); returns how many changed."""
        if not notification_ids:
            return 0
        with self._write() as session:
            result = session.execute(
                update(NotificationRow)
                .where(NotificationRow.id.in_(list(notification_ids)), NotificationRow.delivered_at.is_(None))
                .values(delivered_at=self.now())
            )
            return affected_rows(result)
