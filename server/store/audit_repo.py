"""The audit log: who did what to what, and when. Rows are only ever added."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .base import StoreBase
from .dto import Audit, AuditEntry
from .models import AuditRow

__all__ = ["AuditRepo", "add_audit"]

MAX_LIST = 1000


def add_audit(
    session: Session, audit: Audit, action: str, target: str, *, at: datetime, detail: dict[str, Any] | None = None
) -> AuditRow:
    """Add an audit row inside the caller's transaction, so the change and its record land together."""
    row = AuditRow(
        actor_id=audit.actor_id,
        action=action,
        target=target[:128],
        detail={**(detail or {}), "via": audit.via},
        at=at,
    )
    session.add(row)
    return row


def audit_entry(row: AuditRow) -> AuditEntry:
    return AuditEntry(
        id=row.id, actor_id=row.actor_id, action=row.action, target=row.target, detail=dict(row.detail), at=row.at
    )


class AuditRepo(StoreBase):
    def record_audit(
        self,
        action: str,
        *,
        actor_id: int | None = None,
        target: str = "",
        detail: dict[str, Any] | None = None,
        via: str = "server",
    ) -> AuditEntry:
        """Record an act the other store methods don't record themselves (kicks, announcements...)."""
        with self._write() as session:
            row = add_audit(session, Audit(actor_id=actor_id, via=via), action, target, at=self.now(), detail=detail)
            session.flush()
            return audit_entry(row)

    def list_audit(
        self,
        *,
        limit: int = 100,
        action: str | None = None,
        actor_id: int | None = None,
        before_id: int | None = None,
    ) -> tuple[AuditEntry, ...]:
        """Newest first; page with `before_id` (the smallest id of the previous page)."""
        query = select(AuditRow).order_by(AuditRow.id.desc()).limit(max(1, min(limit, MAX_LIST)))
        if action is not None:
            query = query.where(AuditRow.action == action)
        if actor_id is not None:
            query = query.where(AuditRow.actor_id == actor_id)
        if before_id is not None:
            query = query.where(AuditRow.id < before_id)
        with self._read() as session:
            return tuple(audit_entry(row) for row in session.scalars(query))
