"""Chat tables (revision 0003): the chat log kept for moderation, direct messages with their
delivery, personal mutes and blocks, reports with evidence, and moderation actions.

Registered on `Base` by the import at the end of `models.py`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base, _one_of

__all__ = [
    "CHAT_CHANNELS",
    "MOD_ACTIONS",
    "REPORT_REASONS",
    "REPORT_STATUSES",
    "ChatLineRow",
    "DirectMessageRow",
    "ChatMuteRow",
    "ChatBlockRow",
    "ChatReportRow",
    "ModerationRow",
]

# Mirrored by CHECK constraints; "announce" is the building-wide channel.
CHAT_CHANNELS = ("nearby", "whisper", "shout", "zone", "announce")
MOD_ACTIONS = ("mute", "unmute", "kick", "ban")
REPORT_REASONS = ("spam", "harassment", "hate", "sexual", "other")
REPORT_STATUSES = ("open", "closed")


class ChatLineRow(Base):
    """A public line (nearby, zone, announcement), kept for moderation until the retention ends."""

    __tablename__ = "chat_log"
    __table_args__ = (
        CheckConstraint(_one_of("channel", CHAT_CHANNELS), name="channel"),
        Index(None, "at"),
        Index(None, "speaker_id", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime]
    channel: Mapped[str] = mapped_column(String(16))
    zone_id: Mapped[str] = mapped_column(String(64))
    speaker_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))  # None: a guest
    speaker_avatar: Mapped[int] = mapped_column(Integer)
    speaker_name: Mapped[str] = mapped_column(String(32))
    speaker_role: Mapped[str] = mapped_column(String(16))
    x_m: Mapped[float | None] = mapped_column(Float)
    y_m: Mapped[float | None] = mapped_column(Float)
    text: Mapped[str] = mapped_column(Text)


class DirectMessageRow(Base):
    """A direct message; `delivered_at` stays empty until the recipient has been sent it."""

    __tablename__ = "direct_messages"
    __table_args__ = (
        Index(None, "recipient_id", "delivered_at"),
        Index(None, "sender_id", "recipient_id"),
        Index(None, "sent_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sender_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    recipient_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]


class ChatMuteRow(Base):
    """`account_id` does not hear `muted_id` (a personal mute, kept across sessions)."""

    __tablename__ = "chat_mutes"
    __table_args__ = (CheckConstraint("account_id <> muted_id", name="not_self"),)

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    muted_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime]


class ChatBlockRow(Base):
    """`blocked_id` may not send direct messages to `account_id`."""

    __tablename__ = "chat_blocks"
    __table_args__ = (CheckConstraint("account_id <> blocked_id", name="not_self"),)

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    blocked_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime]


class ChatReportRow(Base):
    """A report to the moderators, with copies of the lines the reporter could see."""

    __tablename__ = "chat_reports"
    __table_args__ = (
        CheckConstraint(_one_of("reason", REPORT_REASONS), name="reason"),
        CheckConstraint(_one_of("status", REPORT_STATUSES), name="status"),
        Index(None, "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    reported_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))  # None: a guest
    reported_name: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text)
    evidence: Mapped[list[Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    handled_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    handled_at: Mapped[datetime | None]


class ModerationRow(Base):
    """A moderator's act (mute, unmute, kick, ban) on an account or a guest; a mute ends at `until`."""

    __tablename__ = "moderation_actions"
    __table_args__ = (
        CheckConstraint(_one_of("action", MOD_ACTIONS), name="action"),
        Index(None, "target_id", "action"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    action: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    target_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))  # None: a guest
    target_name: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(200))
    minutes: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]
    until: Mapped[datetime | None]
    lifted_at: Mapped[datetime | None]  # an unmute ends a mute early
