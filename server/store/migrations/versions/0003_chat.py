"""Chat: the moderation log of public lines, direct messages, personal mutes and blocks,
reports with evidence, moderation actions.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28

Written out in full (no imports from the application), like 0001. Constraint names follow
`models.NAMING_CONVENTION`.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHANNELS = "'nearby', 'whisper', 'shout', 'zone', 'announce'"
MOD_ACTIONS = "'mute', 'unmute', 'kick', 'ban'"
REPORT_REASONS = "'spam', 'harassment', 'hate', 'sexual', 'other'"
REPORT_STATUSES = "'open', 'closed'"


def _utc(name: str, *, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _fk(column: str, table: str, referred: str, *, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [referred], name=f"fk_{table}_{column}_{referred.split('.')[0]}", ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "chat_log",
        sa.Column("id", sa.Integer(), nullable=False),
        _utc("at"),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("zone_id", sa.String(64), nullable=False),
        sa.Column("speaker_id", sa.Integer(), nullable=True),
        sa.Column("speaker_avatar", sa.Integer(), nullable=False),
        sa.Column("speaker_name", sa.String(32), nullable=False),
        sa.Column("speaker_role", sa.String(16), nullable=False),
        sa.Column("x_m", sa.Float(), nullable=True),
        sa.Column("y_m", sa.Float(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.CheckConstraint(f"channel IN ({CHANNELS})", name="ck_chat_log_channel"),
        _fk("speaker_id", "chat_log", "accounts.id", ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_chat_log"),
    )
    op.create_index("ix_chat_log_at", "chat_log", ["at"])
    op.create_index("ix_chat_log_speaker_id_at", "chat_log", ["speaker_id", "at"])

    op.create_table(
        "direct_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.Integer(), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        _utc("sent_at"),
        _utc("delivered_at", nullable=True),
        _fk("sender_id", "direct_messages", "accounts.id", ondelete="CASCADE"),
        _fk("recipient_id", "direct_messages", "accounts.id", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_direct_messages"),
    )
    op.create_index(
        "ix_direct_messages_recipient_id_delivered_at", "direct_messages", ["recipient_id", "delivered_at"]
    )
    op.create_index("ix_direct_messages_sender_id_recipient_id", "direct_messages", ["sender_id", "recipient_id"])
    op.create_index("ix_direct_messages_sent_at", "direct_messages", ["sent_at"])

    for table, other in (("chat_mutes", "muted_id"), ("chat_blocks", "blocked_id")):
        op.create_table(
            table,
            sa.Column("account_id", sa.Integer(), nullable=False),
            sa.Column(other, sa.Integer(), nullable=False),
            _utc("created_at"),
            sa.CheckConstraint(f"account_id <> {other}", name=f"ck_{table}_not_self"),
            _fk("account_id", table, "accounts.id", ondelete="CASCADE"),
            _fk(other, table, "accounts.id", ondelete="CASCADE"),
            sa.PrimaryKeyConstraint("account_id", other, name=f"pk_{table}"),
        )

    op.create_table(
        "chat_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reporter_id", sa.Integer(), nullable=False),
        sa.Column("reported_id", sa.Integer(), nullable=True),
        sa.Column("reported_name", sa.String(32), nullable=False),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        _utc("created_at"),
        sa.Column("handled_by", sa.Integer(), nullable=True),
        _utc("handled_at", nullable=True),
        sa.CheckConstraint(f"reason IN ({REPORT_REASONS})", name="ck_chat_reports_reason"),
        sa.CheckConstraint(f"status IN ({REPORT_STATUSES})", name="ck_chat_reports_status"),
        _fk("reporter_id", "chat_reports", "accounts.id", ondelete="CASCADE"),
        _fk("reported_id", "chat_reports", "accounts.id", ondelete="SET NULL"),
        _fk("handled_by", "chat_reports", "accounts.id", ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_chat_reports"),
    )
    op.create_index("ix_chat_reports_status_created_at", "chat_reports", ["status", "created_at"])

    op.create_table(
        "moderation_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("target_id", sa.Integer(), nullable=True),
        sa.Column("target_name", sa.String(32), nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        _utc("created_at"),
        _utc("until", nullable=True),
        _utc("lifted_at", nullable=True),
        sa.CheckConstraint(f"action IN ({MOD_ACTIONS})", name="ck_moderation_actions_action"),
        _fk("actor_id", "moderation_actions", "accounts.id", ondelete="SET NULL"),
        _fk("target_id", "moderation_actions", "accounts.id", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_moderation_actions"),
    )
    op.create_index("ix_moderation_actions_target_id_action", "moderation_actions", ["target_id", "action"])


def downgrade() -> None:
    for table in ("moderation_actions", "chat_reports", "chat_blocks", "chat_mutes", "direct_messages", "chat_log"):
        op.drop_table(table)  # their indexes go with them
