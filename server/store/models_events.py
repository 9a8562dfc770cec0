"""Town-hall tables (revision 0004): events, registrations, attendance per copy of the hall, the
stage transcript, questions and their votes, polls and their votes, moderation in events, and
slide decks.

Registered on `Base` by the import at the end of `models.py`. Questions and polls are numbered
per event (`number`), as the hall numbers them while the event runs.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base, _one_of

__all__ = [
    "EVENT_STATUSES",
    "DOOR_STATES",
    "EVENT_MOD_ACTIONS",
    "SLIDE_KINDS",
    "EventRow",
    "EventRegistrationRow",
    "EventAttendanceRow",
    "EventLineRow",
    "EventQuestionRow",
    "EventQuestionVoteRow",
    "EventPollRow",
    "EventPollVoteRow",
    "EventModerationRow",
    "EventSlideRow",
]

# Mirrored by CHECK constraints (and by protocol/events.py).
EVENT_STATUSES = ("scheduled", "live", "ended")
DOOR_STATES = ("closed", "open", "locked")
EVENT_MOD_ACTIONS = ("mute", "unmute", "remove", "hide_question")
SLIDE_KINDS = ("png", "jpeg", "markdown")


class EventRow(Base):
    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint(_one_of("status", EVENT_STATUSES), name="status"),
        CheckConstraint(_one_of("doors", DOOR_STATES), name="doors"),
        CheckConstraint("end_at > start_at", name="ends_after_start"),
        CheckConstraint("capacity > 0", name="capacity_positive"),
        Index(None, "status", "start_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text)
    opd_code: Mapped[str] = mapped_column(String(16))
    start_at: Mapped[datetime]
    end_at: Mapped[datetime]
    capacity: Mapped[int] = mapped_column(Integer)
    lang: Mapped[str] = mapped_column(String(2))
    host_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="RESTRICT"))
    status: Mapped[str] = mapped_column(String(16))
    doors: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    opened_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]


class EventRegistrationRow(Base):
    __tablename__ = "event_registrations"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    at: Mapped[datetime]


class EventAttendanceRow(Base):
    """One stay in one copy of the hall: from joining to leaving (empty while still there)."""

    __tablename__ = "event_attendance"
    __table_args__ = (Index(None, "event_id", "account_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    instance: Mapped[str] = mapped_column(String(32))
    joined_at: Mapped[datetime]
    left_at: Mapped[datetime | None]


class EventLineRow(Base):
    """The transcript: one line said on the stage channel."""

    __tablename__ = "event_lines"
    __table_args__ = (UniqueConstraint("event_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime]


class EventQuestionRow(Base):
    __tablename__ = "event_questions"
    __table_args__ = (UniqueConstraint("event_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    votes: Mapped[int] = mapped_column(Integer, default=0)
    answered: Mapped[bool] = mapped_column(Boolean, default=False)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    at: Mapped[datetime]


class EventQuestionVoteRow(Base):
    __tablename__ = "event_question_votes"

    question_id: Mapped[int] = mapped_column(ForeignKey("event_questions.id", ondelete="CASCADE"), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    at: Mapped[datetime]


class EventPollRow(Base):
    __tablename__ = "event_polls"
    __table_args__ = (UniqueConstraint("event_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    question: Mapped[str] = mapped_column(Text)
    options: Mapped[list[Any]] = mapped_column(JSON)
    live: Mapped[bool] = mapped_column(Boolean)
    opened_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]


class EventPollVoteRow(Base):
    __tablename__ = "event_poll_votes"
    __table_args__ = (CheckConstraint("option >= 0 AND option < 6", name="option_range"),)

    poll_id: Mapped[int] = mapped_column(ForeignKey("event_polls.id", ondelete="CASCADE"), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    option: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime]


class EventModerationRow(Base):
    __tablename__ = "event_moderation"
    __table_args__ = (
        CheckConstraint(_one_of("action", EVENT_MOD_ACTIONS), name="action"),
        Index(None, "event_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    target: Mapped[str] = mapped_column(String(64))  # an account id, or a question number
    action: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime]


class EventSlideRow(Base):
    __tablename__ = "event_slides"
    __table_args__ = (
        UniqueConstraint("event_id", "position"),
        CheckConstraint(_one_of("kind", SLIDE_KINDS), name="kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    text: Mapped[str] = mapped_column(Text)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime]
