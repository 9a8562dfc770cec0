"""Town-hall events: events, registrations, attendance per copy of the hall, the stage
transcript, questions and votes, polls and votes, moderation in events, slide decks.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03

Written out in full (no imports from the application), like 0001. Constraint names follow
`models.NAMING_CONVENTION`.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EVENT_STATUSES = "'scheduled', 'live', 'ended'"
DOOR_STATES = "'closed', 'open', 'locked'"
EVENT_MOD_ACTIONS = "'mute', 'unmute', 'remove', 'hide_question'"
SLIDE_KINDS = "'png', 'jpeg', 'markdown'"


def _utc(name: str, *, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _int(name: str, *, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.Integer(), nullable=nullable)


def _fk(column: str, table: str, referred: str, *, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [referred], name=f"fk_{table}_{column}_{referred.split('.')[0]}", ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "events",
        _int("id"),
        sa.Column("title", sa.String(120), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("opd_code", sa.String(16), nullable=False),
        _utc("start_at"),
        _utc("end_at"),
        _int("capacity"),
        sa.Column("lang", sa.String(2), nullable=False),
        _int("host_id"),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("doors", sa.String(16), nullable=False),
        _utc("created_at"),
        _utc("opened_at", nullable=True),
        _utc("ended_at", nullable=True),
        sa.CheckConstraint(f"status IN ({EVENT_STATUSES})", name="ck_events_status"),
        sa.CheckConstraint(f"doors IN ({DOOR_STATES})", name="ck_events_doors"),
        sa.CheckConstraint("end_at > start_at", name="ck_events_ends_after_start"),
        sa.CheckConstraint("capacity > 0", name="ck_events_capacity_positive"),
        _fk("host_id", "events", "accounts.id", ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name="pk_events"),
    )
    op.create_index("ix_events_status_start_at", "events", ["status", "start_at"])

    op.create_table(
        "event_registrations",
        _int("event_id"),
        _int("account_id"),
        _utc("at"),
        _fk("event_id", "event_registrations", "events.id", ondelete="CASCADE"),
        _fk("account_id", "event_registrations", "accounts.id", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("event_id", "account_id", name="pk_event_registrations"),
    )

    op.create_table(
        "event_attendance",
        _int("id"),
        _int("event_id"),
        _int("account_id"),
        sa.Column("instance", sa.String(32), nullable=False),
        _utc("joined_at"),
        _utc("left_at", nullable=True),
        _fk("event_id", "event_attendance", "events.id", ondelete="CASCADE"),
        _fk("account_id", "event_attendance", "accounts.id", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_event_attendance"),
    )
    op.create_index("ix_event_attendance_event_id_account_id", "event_attendance", ["event_id", "account_id"])

    for table in ("event_lines", "event_questions"):
        extra = (
            [
                _int("votes"),
                sa.Column("answered", sa.Boolean(), nullable=False),
                sa.Column("hidden", sa.Boolean(), nullable=False),
            ]
            if table == "event_questions"
            else []
        )
        op.create_table(
            table,
            _int("id"),
            _int("event_id"),
            _int("number"),
            _int("account_id", nullable=True),
            sa.Column("name", sa.String(32), nullable=False),
            sa.Column("text", sa.Text(), nullable=False),
            *extra,
            _utc("at"),
            _fk("event_id", table, "events.id", ondelete="CASCADE"),
            _fk("account_id", table, "accounts.id", ondelete="SET NULL"),
            sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
            sa.UniqueConstraint("event_id", "number", name=f"uq_{table}_event_id_number"),
        )

    op.create_table(
        "event_question_votes",
        _int("question_id"),
        _int("account_id"),
        _utc("at"),
        _fk("question_id", "event_question_votes", "event_questions.id", ondelete="CASCADE"),
        _fk("account_id", "event_question_votes", "accounts.id", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("question_id", "account_id", name="pk_event_question_votes"),
    )

    op.create_table(
        "event_polls",
        _int("id"),
        _int("event_id"),
        _int("number"),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("live", sa.Boolean(), nullable=False),
        _utc("opened_at"),
        _utc("closed_at", nullable=True),
        _fk("event_id", "event_polls", "events.id", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_event_polls"),
        sa.UniqueConstraint("event_id", "number", name="uq_event_polls_event_id_number"),
    )

    op.create_table(
        "event_poll_votes",
        _int("poll_id"),
        _int("account_id"),
        _int("option"),
        _utc("at"),
        sa.CheckConstraint("option >= 0 AND option < 6", name="ck_event_poll_votes_option_range"),
        _fk("poll_id", "event_poll_votes", "event_polls.id", ondelete="CASCADE"),
        _fk("account_id", "event_poll_votes", "accounts.id", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("poll_id", "account_id", name="pk_event_poll_votes"),
    )

    op.create_table(
        "event_moderation",
        _int("id"),
        _int("event_id"),
        _int("actor_id", nullable=True),
        sa.Column("target", sa.String(64), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
        _utc("at"),
        sa.CheckConstraint(f"action IN ({EVENT_MOD_ACTIONS})", name="ck_event_moderation_action"),
        _fk("event_id", "event_moderation", "events.id", ondelete="CASCADE"),
        _fk("actor_id", "event_moderation", "accounts.id", ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_event_moderation"),
    )
    op.create_index("ix_event_moderation_event_id", "event_moderation", ["event_id"])

    op.create_table(
        "event_slides",
        _int("id"),
        _int("event_id"),
        _int("position"),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        _int("width"),
        _int("height"),
        _utc("at"),
        sa.CheckConstraint(f"kind IN ({SLIDE_KINDS})", name="ck_event_slides_kind"),
        _fk("event_id", "event_slides", "events.id", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_event_slides"),
        sa.UniqueConstraint("event_id", "position", name="uq_event_slides_event_id_position"),
    )


def downgrade() -> None:
    for table in (
        "event_slides",
        "event_moderation",
        "event_poll_votes",
        "event_polls",
        "event_question_votes",
        "event_questions",
        "event_lines",
        "event_attendance",
        "event_registrations",
        "events",
    ):
        op.drop_table(table)
