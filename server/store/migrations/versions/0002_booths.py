"""Booths: ticket queues and notifications kept for citizens who were away.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28

Written out in full (no imports from the application), like 0001. A ticket row exists for
every number a citizen was given, so a ticket that got an OK survives a restart. A
notification row waits for its account's next login when it could not be delivered live.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TICKET_STATUSES = "'waiting', 'called', 'served', 'no_show', 'left'"


def _utc(name: str, *, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _fk(column: str, table: str, referred: str, *, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [referred], name=f"fk_{table}_{column}_{referred.split('.')[0]}", ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "tickets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("opd_code", sa.String(16), nullable=False),
        sa.Column("service_day", sa.Date(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("holder", sa.String(48), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        _utc("taken_at"),
        _utc("called_at", nullable=True),
        _utc("arrived_at", nullable=True),
        _utc("closed_at", nullable=True),
        sa.Column("called_by", sa.Integer(), nullable=True),
        sa.CheckConstraint(f"status IN ({TICKET_STATUSES})", name="ck_tickets_status"),
        sa.CheckConstraint("number > 0", name="ck_tickets_number_positive"),
        _fk("opd_code", "tickets", "opds.code", ondelete="CASCADE"),
        _fk("account_id", "tickets", "accounts.id", ondelete="CASCADE"),
        _fk("called_by", "tickets", "accounts.id", ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_tickets"),
        sa.UniqueConstraint("opd_code", "service_day", "number", name="uq_tickets_opd_code_service_day_number"),
    )
    op.create_index("ix_tickets_opd_code_status", "tickets", ["opd_code", "status"])
    op.create_index("ix_tickets_holder", "tickets", ["holder"])
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        _utc("created_at"),
        _utc("delivered_at", nullable=True),
        _fk("account_id", "notifications", "accounts.id", ondelete="CASCADE"),
        _fk("request_id", "notifications", "service_requests.id", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_notifications"),
    )
    op.create_index("ix_notifications_account_id_delivered_at", "notifications", ["account_id", "delivered_at"])


def downgrade() -> None:
    op.drop_table("notifications")
    op.drop_table("tickets")
