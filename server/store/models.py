"""The schema as SQLAlchemy 2 declarative models (one `*Row` class per table).

Rows never leave the store: repositories turn them into `dto` values before the session
closes. Constraint names follow one convention so the migrations name them identically on
SQLite and PostgreSQL. Vocabularies are CHECK constraints built from `dto`'s tuples.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from makaverse.protocol.request_status import RequestStatus

from .dto import LANGS, PROGRAM_STATUSES, ROLES, SOCIAL_PLATFORMS
from .types import UtcDateTime

__all__ = [
    "Base",
    "NAMING_CONVENTION",
    "OpdRow",
    "SocialRow",
    "ProgramRow",
    "ServiceRow",
    "AccountRow",
    "SessionRow",
    "RequestCounterRow",
    "ServiceRequestRow",
    "StatusHistoryRow",
    "AuditRow",
]

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

REQUEST_STATUSES = tuple(s.value for s in RequestStatus)


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UtcDateTime()}


class OpdRow(Base):
    __tablename__ = "opds"
    __table_args__ = (
        CheckConstraint("length(ticket_prefix) = 3", name="prefix_len"),
        UniqueConstraint("ticket_prefix"),
    )

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    short_name: Mapped[str] = mapped_column(String(40))
    description_id: Mapped[str] = mapped_column(Text)
    description_en: Mapped[str] = mapped_column(Text)
    ticket_prefix: Mapped[str] = mapped_column(String(3))
    is_sample: Mapped[bool] = mapped_column(Boolean)

    socials: Mapped[list[SocialRow]] = relationship(
        order_by="SocialRow.id", cascade="all, delete-orphan", passive_deletes=True
    )
    programs: Mapped[list[ProgramRow]] = relationship(
        order_by="ProgramRow.id", cascade="all, delete-orphan", passive_deletes=True
    )
    services: Mapped[list[ServiceRow]] = relationship(
        order_by="ServiceRow.id", cascade="all, delete-orphan", passive_deletes=True
    )


class SocialRow(Base):
    __tablename__ = "opd_socials"
    __table_args__ = (
        UniqueConstraint("opd_code", "platform"),
        CheckConstraint(_one_of("platform", SOCIAL_PLATFORMS), name="platform"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    opd_code: Mapped[str] = mapped_column(ForeignKey("opds.code", ondelete="CASCADE"))
    platform: Mapped[str] = mapped_column(String(16))
    handle: Mapped[str] = mapped_column(String(100))
    is_sample: Mapped[bool] = mapped_column(Boolean)


class ProgramRow(Base):
    __tablename__ = "programs"
    __table_args__ = (
        UniqueConstraint("opd_code", "title"),
        CheckConstraint(_one_of("status", PROGRAM_STATUSES), name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    opd_code: Mapped[str] = mapped_column(ForeignKey("opds.code", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(120))
    summary_id: Mapped[str] = mapped_column(Text)
    summary_en: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    link: Mapped[str | None] = mapped_column(String(300))
    is_sample: Mapped[bool] = mapped_column(Boolean)


class ServiceRow(Base):
    __tablename__ = "services"
    __table_args__ = (UniqueConstraint("opd_code", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    opd_code: Mapped[str] = mapped_column(ForeignKey("opds.code", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(32))
    name_id: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    description_id: Mapped[str] = mapped_column(Text)
    description_en: Mapped[str] = mapped_column(Text)
    fields: Mapped[list[Any]] = mapped_column(JSON)
    is_sample: Mapped[bool] = mapped_column(Boolean)


class AccountRow(Base):
    __tablename__ = "accounts"
    __table_args__ = (
        UniqueConstraint("username"),
        # Usernames are stored folded, so the plain UNIQUE is case-insensitive.
        CheckConstraint("username = lower(username)", name="username_folded"),
        CheckConstraint(_one_of("role", ROLES), name="role"),
        CheckConstraint(_one_of("lang", LANGS), name="lang"),
        CheckConstraint("role <> 'staff' OR opd_code IS NOT NULL", name="staff_has_opd"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(24))
    display_name: Mapped[str] = mapped_column(String(32))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    opd_code: Mapped[str | None] = mapped_column(ForeignKey("opds.code", ondelete="RESTRICT"))
    lang: Mapped[str] = mapped_column(String(2))
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime | None]
    banned: Mapped[bool] = mapped_column(Boolean)
    banned_reason: Mapped[str | None] = mapped_column(String(200))
    banned_until: Mapped[datetime | None]


class SessionRow(Base):
    __tablename__ = "sessions"
    __table_args__ = (UniqueConstraint("token_sha256"), Index(None, "account_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Only a digest is kept: a stolen database does not hand out live sessions.
    token_sha256: Mapped[str] = mapped_column(String(64))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked: Mapped[bool] = mapped_column(Boolean)


class RequestCounterRow(Base):
    """The last tracking sequence number used per OPD and year."""

    __tablename__ = "request_counters"

    opd_code: Mapped[str] = mapped_column(ForeignKey("opds.code", ondelete="CASCADE"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_value: Mapped[int] = mapped_column(Integer)


class ServiceRequestRow(Base):
    __tablename__ = "service_requests"
    __table_args__ = (
        UniqueConstraint("tracking_number"),
        # A retried submission finds the first one instead of making a second.
        UniqueConstraint("account_id", "client_request_id"),
        CheckConstraint(_one_of("status", REQUEST_STATUSES), name="status"),
        Index(None, "opd_code", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tracking_number: Mapped[str] = mapped_column(String(24))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="RESTRICT"))
    opd_code: Mapped[str] = mapped_column(ForeignKey("opds.code", ondelete="RESTRICT"))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="RESTRICT"))
    field_values: Mapped[dict[str, Any]] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    client_request_id: Mapped[str] = mapped_column(String(64))
    # What was submitted under that id (see `requests_repo.content_fingerprint`): a retry with
    # other content is refused instead of being answered with the first. NULL for rows made
    # before the column existed; those are answered as before.
    content_fingerprint: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    service: Mapped[ServiceRow] = relationship(lazy="joined", innerjoin=True)


class StatusHistoryRow(Base):
    __tablename__ = "request_status_history"
    __table_args__ = (
        CheckConstraint(_one_of("to_status", REQUEST_STATUSES), name="to_status"),
        Index(None, "request_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("service_requests.id", ondelete="CASCADE"))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    at: Mapped[datetime]


class AuditRow(Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index(None, "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(128))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)
    at: Mapped[datetime]


# The tables of tickets and notifications (revision 0002), of chat, reports and moderation
# (revision 0003) and of town-hall events (revision 0004) register on `Base` here, once it exists.
from . import models_booths, models_chat, models_events  # noqa: E402,F401
