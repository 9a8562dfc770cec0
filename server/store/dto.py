"""What the store hands out and takes in: plain frozen dataclasses, never ORM objects.

Nothing here lazy-loads or needs a session, so a value can cross threads and outlive the
transaction that read it. Drafts (`*Draft`) are inputs; the rest are read results. The
vocabularies (roles, languages, statuses, kinds) are defined here once and mirrored by
CHECK constraints in the schema.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from makaverse.protocol.request_status import RequestStatus

from .errors import InvalidValue

__all__ = [
    "ROLES",
    "LANGS",
    "PROGRAM_STATUSES",
    "FIELD_KINDS",
    "SOCIAL_PLATFORMS",
    "Localized",
    "Audit",
    "Account",
    "Credentials",
    "SessionInfo",
    "SocialAccount",
    "FieldSpec",
    "ProgramDraft",
    "Program",
    "ServiceDraft",
    "Service",
    "OpdDraft",
    "Opd",
    "ServiceRequest",
    "StatusChange",
    "AuditEntry",
]

ROLES = ("citizen", "staff", "host", "admin")
LANGS = ("id", "en")
PROGRAM_STATUSES = ("planned", "running", "finished")
FIELD_KINDS = ("text", "nik", "phone", "date", "choice")
SOCIAL_PLATFORMS = ("instagram", "tiktok", "x", "facebook", "youtube", "website")

_FIELD_NAME = re.compile(r"[a-z][a-z0-9_]{0,31}")
_SERVICE_CODE = re.compile(r"[A-Z][A-Z0-9_]{1,31}")
_OPD_CODE = re.compile(r"[A-Z][A-Z0-9]{1,15}")
_PREFIX = re.compile(r"[A-Z]{3}")


def _require(ok: bool, message: str) -> None:
    if not ok:
        raise InvalidValue(message)


def _check_choice(name: str, value: str, choices: tuple[str, ...]) -> None:
    _require(value in choices, f"{name}: {value!r} is not one of {choices}")


@dataclass(frozen=True, slots=True, kw_only=True)
class Localized:
    """One text in Indonesian (always present) and English (may be empty)."""

    id: str
    en: str = ""

    def get(self, lang: str) -> str:
        return self.en if lang == "en" and self.en else self.id


@dataclass(frozen=True, slots=True, kw_only=True)
class Audit:
    """Asks a store method to write its audit row in the same transaction as the change.

    `actor_id` is the account acting, or None for the operator at the command line.
    """

    actor_id: int | None
    via: str = "server"


@dataclass(frozen=True, slots=True, kw_only=True)
class Account:
    id: int
    username: str
    display_name: str
    role: str
    opd_code: str | None
    lang: str
    created_at: datetime
    last_seen_at: datetime | None
    banned: bool
    banned_reason: str | None
    banned_until: datetime | None

    def is_banned(self, at: datetime) -> bool:
        """A ban without an end lasts until lifted; a timed ban ends by itself."""
        return self.banned and (self.banned_until is None or self.banned_until > at)


@dataclass(frozen=True, slots=True, kw_only=True)
class Credentials:
    """An account and its password hash: only for checking a login."""

    account: Account
    password_hash: str = field(repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionInfo:
    account: Account
    created_at: datetime
    expires_at: datetime
    revoked: bool

    def is_expired(self, at: datetime) -> bool:
        return self.expires_at <= at


@dataclass(frozen=True, slots=True, kw_only=True)
class SocialAccount:
    """A social-media account of an OPD; `is_sample` marks a handle nobody confirmed."""

    platform: str
    handle: str
    is_sample: bool = True

    def __post_init__(self) -> None:
        _check_choice("platform", self.platform, SOCIAL_PLATFORMS)
        _require(0 < len(self.handle) <= 100, "handle: 1..100 characters")


@dataclass(frozen=True, slots=True, kw_only=True)
class FieldSpec:
    """One field a citizen fills in when requesting a service.

    `nik` is a 16-digit population number, `phone` an Indonesian phone number, `date`
    an ISO date, `choice` one of `choices`. Validated here so a bad spec can't be stored.
    """

    name: str
    label_id: str
    label_en: str
    kind: str = "text"
    required: bool = True
    max_len: int = 120
    choices: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _require(bool(_FIELD_NAME.fullmatch(self.name)), f"field name {self.name!r}: [a-z][a-z0-9_]*, up to 32")
        _require(bool(self.label_id) and bool(self.label_en), f"field {self.name}: both labels are needed")
        _check_choice(f"field {self.name} kind", self.kind, FIELD_KINDS)
        _require(0 < self.max_len <= 2000, f"field {self.name}: max_len outside 1..2000")
        _require(
            (self.kind == "choice") == bool(self.choices),
            f"field {self.name}: choices are given exactly when kind is 'choice'",
        )
        _require(len(set(self.choices)) == len(self.choices), f"field {self.name}: repeated choice")

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label_id": self.label_id,
            "label_en": self.label_en,
            "kind": self.kind,
            "required": self.required,
            "max_len": self.max_len,
            "choices": list(self.choices),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FieldSpec:
        return cls(
            name=data["name"],
            label_id=data["label_id"],
            label_en=data["label_en"],
            kind=data.get("kind", "text"),
            required=bool(data.get("required", True)),
            max_len=int(data.get("max_len", 120)),
            choices=tuple(data.get("choices", ())),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class ProgramDraft:
    title: str
    summary: Localized
    status: str = "running"
    start_date: date | None = None
    end_date: date | None = None
    link: str | None = None
    is_sample: bool = False

    def __post_init__(self) -> None:
        _require(0 < len(self.title) <= 120, "program title: 1..120 characters")
        _check_choice("program status", self.status, PROGRAM_STATUSES)
        if self.start_date and self.end_date:
            _require(self.start_date <= self.end_date, f"program {self.title}: ends before it starts")


@dataclass(frozen=True, slots=True, kw_only=True)
class Program(ProgramDraft):
    id: int
    opd_code: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceDraft:
    code: str
    name: Localized
    description: Localized
    fields: tuple[FieldSpec, ...] = ()
    is_sample: bool = False

    def __post_init__(self) -> None:
        _require(bool(_SERVICE_CODE.fullmatch(self.code)), f"service code {self.code!r}: [A-Z][A-Z0-9_]*")
        names = [f.name for f in self.fields]
        _require(len(set(names)) == len(names), f"service {self.code}: repeated field name")


@dataclass(frozen=True, slots=True, kw_only=True)
class Service(ServiceDraft):
    id: int
    opd_code: str


@dataclass(frozen=True, slots=True, kw_only=True)
class OpdDraft:
    code: str
    name: str
    short_name: str
    description: Localized
    ticket_prefix: str
    socials: tuple[SocialAccount, ...] = ()
    programs: tuple[ProgramDraft, ...] = ()
    services: tuple[ServiceDraft, ...] = ()
    is_sample: bool = False

    def __post_init__(self) -> None:
        _require(bool(_OPD_CODE.fullmatch(self.code)), f"OPD code {self.code!r}: [A-Z][A-Z0-9]*, up to 16")
        _require(bool(_PREFIX.fullmatch(self.ticket_prefix)), f"{self.code}: ticket prefix is 3 capital letters")
        _require(0 < len(self.name) <= 120 and 0 < len(self.short_name) <= 40, f"{self.code}: name lengths")


@dataclass(frozen=True, slots=True, kw_only=True)
class Opd:
    """An OPD (city agency) with everything its booth shows."""

    code: str
    name: str
    short_name: str
    description: Localized
    ticket_prefix: str
    is_sample: bool
    socials: tuple[SocialAccount, ...]
    programs: tuple[Program, ...]
    services: tuple[Service, ...]

    def service(self, code: str) -> Service | None:
        return next((s for s in self.services if s.code == code), None)


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceRequest:
    id: int
    tracking_number: str
    account_id: int
    opd_code: str
    service_code: str
    field_values: dict[str, str]
    note: str
    status: RequestStatus
    client_request_id: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusChange:
    """One row of a request's history; the first has `from_status` None."""

    request_id: int
    from_status: RequestStatus | None
    to_status: RequestStatus
    note: str
    actor_id: int | None
    at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditEntry:
    id: int
    actor_id: int | None
    action: str
    target: str
    detail: dict[str, Any]
    at: datetime
