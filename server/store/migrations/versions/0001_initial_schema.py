"""Initial schema: OPDs and their booths' content, accounts and sessions, service requests, audit.

Revision ID: 0001
Revises:
Create Date: 2026-11-27

Written out in full (no imports from the application) so it keeps meaning what it meant
when later revisions change the models. Constraint names follow `models.NAMING_CONVENTION`.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLES = "'citizen', 'staff', 'host', 'admin'"
REQUEST_STATUSES = "'submitted', 'in_review', 'in_progress', 'completed', 'rejected'"
PLATFORMS = "'instagram', 'tiktok', 'x', 'facebook', 'youtube', 'website'"


def _utc(name: str, *, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _fk(column: str, table: str, referred: str, *, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [referred], name=f"fk_{table}_{column}_{referred.split('.')[0]}", ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "opds",
        sa.Column("code", sa.String(16), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("short_name", sa.String(40), nullable=False),
        sa.Column("description_id", sa.Text(), nullable=False),
        sa.Column("description_en", sa.Text(), nullable=False),
        sa.Column("ticket_prefix", sa.String(3), nullable=False),
        sa.Column("is_sample", sa.Boolean(), nullable=False),
        sa.CheckConstraint("length(ticket_prefix) = 3", name="ck_opds_prefix_len"),
        sa.PrimaryKeyConstraint("code", name="pk_opds"),
        sa.UniqueConstraint("ticket_prefix", name="uq_opds_ticket_prefix"),
    )
    op.create_table(
        "opd_socials",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("opd_code", sa.String(16), nullable=False),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("handle", sa.String(100), nullable=False),
        sa.Column("is_sample", sa.Boolean(), nullable=False),
        sa.CheckConstraint(f"platform IN ({PLATFORMS})", name="ck_opd_socials_platform"),
        _fk("opd_code", "opd_socials", "opds.code", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_opd_socials"),
        sa.UniqueConstraint("opd_code", "platform", name="uq_opd_socials_opd_code_platform"),
    )
    op.create_table(
        "programs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("opd_code", sa.String(16), nullable=False),
        sa.Column("title", sa.String(120), nullable=False),
        sa.Column("summary_id", sa.Text(), nullable=False),
        sa.Column("summary_en", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("link", sa.String(300), nullable=True),
        sa.Column("is_sample", sa.Boolean(), nullable=False),
        sa.CheckConstraint("status IN ('planned', 'running', 'finished')", name="ck_programs_status"),
        _fk("opd_code", "programs", "opds.code", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_programs"),
        sa.UniqueConstraint("opd_code", "title", name="uq_programs_opd_code_title"),
    )
    op.create_table(
        "services",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("opd_code", sa.String(16), nullable=False),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("name_id", sa.String(120), nullable=False),
        sa.Column("name_en", sa.String(120), nullable=False),
        sa.Column("description_id", sa.Text(), nullable=False),
        sa.Column("description_en", sa.Text(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("is_sample", sa.Boolean(), nullable=False),
        _fk("opd_code", "services", "opds.code", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_services"),
        sa.UniqueConstraint("opd_code", "code", name="uq_services_opd_code_code"),
    )
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(24), nullable=False),
        sa.Column("display_name", sa.String(32), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("opd_code", sa.String(16), nullable=True),
        sa.Column("lang", sa.String(2), nullable=False),
        _utc("created_at"),
        _utc("last_seen_at", nullable=True),
        sa.Column("banned", sa.Boolean(), nullable=False),
        sa.Column("banned_reason", sa.String(200), nullable=True),
        _utc("banned_until", nullable=True),
        sa.CheckConstraint("username = lower(username)", name="ck_accounts_username_folded"),
        sa.CheckConstraint(f"role IN ({ROLES})", name="ck_accounts_role"),
        sa.CheckConstraint("lang IN ('id', 'en')", name="ck_accounts_lang"),
        sa.CheckConstraint("role <> 'staff' OR opd_code IS NOT NULL", name="ck_accounts_staff_has_opd"),
        _fk("opd_code", "accounts", "opds.code", ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name="pk_accounts"),
        sa.UniqueConstraint("username", name="uq_accounts_username"),
    )
    op.create_table(
        "sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_sha256", sa.String(64), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        _utc("created_at"),
        _utc("expires_at"),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        _fk("account_id", "sessions", "accounts.id", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_sessions"),
        sa.UniqueConstraint("token_sha256", name="uq_sessions_token_sha256"),
    )
    op.create_index("ix_sessions_account_id", "sessions", ["account_id"])
    op.create_table(
        "request_counters",
        sa.Column("opd_code", sa.String(16), nullable=False),
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_value", sa.Integer(), nullable=False),
        _fk("opd_code", "request_counters", "opds.code", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("opd_code", "year", name="pk_request_counters"),
    )
    op.create_table(
        "service_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tracking_number", sa.String(24), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("opd_code", sa.String(16), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("field_values", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("client_request_id", sa.String(64), nullable=False),
        _utc("created_at"),
        _utc("updated_at"),
        sa.CheckConstraint(f"status IN ({REQUEST_STATUSES})", name="ck_service_requests_status"),
        _fk("account_id", "service_requests", "accounts.id", ondelete="RESTRICT"),
        _fk("opd_code", "service_requests", "opds.code", ondelete="RESTRICT"),
        _fk("service_id", "service_requests", "services.id", ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name="pk_service_requests"),
        sa.UniqueConstraint("tracking_number", name="uq_service_requests_tracking_number"),
        sa.UniqueConstraint("account_id", "client_request_id", name="uq_service_requests_account_id_client_request_id"),
    )
    op.create_index("ix_service_requests_opd_code_status", "service_requests", ["opd_code", "status"])
    op.create_table(
        "request_status_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("from_status", sa.String(16), nullable=True),
        sa.Column("to_status", sa.String(16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        _utc("at"),
        sa.CheckConstraint(f"to_status IN ({REQUEST_STATUSES})", name="ck_request_status_history_to_status"),
        _fk("request_id", "request_status_history", "service_requests.id", ondelete="CASCADE"),
        _fk("actor_id", "request_status_history", "accounts.id", ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_request_status_history"),
    )
    op.create_index("ix_request_status_history_request_id", "request_status_history", ["request_id"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.String(128), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        _utc("at"),
        _fk("actor_id", "audit_log", "accounts.id", ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])


def downgrade() -> None:
    for table in (
        "audit_log",
        "request_status_history",
        "service_requests",
        "request_counters",
        "sessions",
        "accounts",
        "services",
        "programs",
        "opd_socials",
        "opds",
    ):
        op.drop_table(table)  # their indexes go with them
