"""Accounts and their login sessions.

Usernames are stored folded to lower case, so lookups and the UNIQUE constraint are
case-insensitive. A session token is shown once, to its owner; only its SHA-256 is kept.
Rules about what makes a good username or password live in `services.accounts`.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from .audit_repo import add_audit
from .base import StoreBase, affected_rows
from .dto import LANGS, ROLES, Account, Audit, Credentials, SessionInfo
from .errors import Conflict, InvalidValue, NotFound
from .models import AccountRow, OpdRow, SessionRow

__all__ = ["AccountsRepo", "token_digest"]

MAX_LIST = 1000
TOKEN_BYTES = 32


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def account_dto(row: AccountRow) -> Account:
    return Account(
        id=row.id,
        username=row.username,
        display_name=row.display_name,
        role=row.role,
        opd_code=row.opd_code,
        lang=row.lang,
        created_at=row.created_at,
        last_seen_at=row.last_seen_at,
        banned=row.banned,
        banned_reason=row.banned_reason,
        banned_until=row.banned_until,
    )


def _fold(username: str) -> str:
    return username.strip().lower()


def _account_row(session: Session, account_id: int, *, lock: bool = False) -> AccountRow:
    query = select(AccountRow).where(AccountRow.id == account_id)
    row = session.scalar(query.with_for_update() if lock else query)
    if row is None:
        raise NotFound(f"account {account_id}")
    return row


def _add_session(session: Session, account_id: int, token: str, now: datetime, ttl_s: float) -> None:
    session.add(
        SessionRow(
            token_sha256=token_digest(token),
            account_id=account_id,
            created_at=now,
            expires_at=now + timedelta(seconds=ttl_s),
            revoked=False,
        )
    )


class AccountsRepo(StoreBase):
    # -- accounts ---------------------------------------------------------------------------

    def create_account(
        self,
        *,
        username: str,
        display_name: str,
        password_hash: str,
        role: str = "citizen",
        opd_code: str | None = None,
        lang: str = "id",
        audit: Audit | None = None,
    ) -> Account:
        """Add an account; `Conflict` when the username is taken in any letter case."""
        with self._write() as session:
            row = self._add_account(session, username=username, display_name=display_name,
                                    password_hash=password_hash, role=role, opd_code=opd_code, lang=lang, audit=audit)
            return account_dto(row)

    def create_account_with_session(
        self, *, username: str, display_name: str, password_hash: str, lang: str = "id", ttl_s: float
    ) -> tuple[Account, str]:
        """A citizen registering: the account and its first session token in one transaction (one
        commit where a join burst would otherwise pay two), seen now."""
        if ttl_s <= 0:
            raise InvalidValue("ttl_s must be positive")
        token = secrets.token_urlsafe(TOKEN_BYTES)
        with self._write() as session:
            row = self._add_account(session, username=username, display_name=display_name,
                                    password_hash=password_hash, role="citizen", opd_code=None, lang=lang, audit=None)
            row.last_seen_at = row.created_at
            _add_session(session, row.id, token, row.created_at, ttl_s)
            return account_dto(row), token

    def _add_account(
        self,
        session: Session,
        *,
        username: str,
        display_name: str,
        password_hash: str,
        role: str,
        opd_code: str | None,
        lang: str,
        audit: Audit | None,
    ) -> AccountRow:
        username = _fold(username)
        if not 0 < len(username) <= 24 or not 0 < len(display_name) <= 32:
            raise InvalidValue("username 1..24 and display name 1..32 characters")
        if role not in ROLES or lang not in LANGS:
            raise InvalidValue(f"role {role!r} or lang {lang!r}")
        if role == "staff" and opd_code is None:
            raise InvalidValue("a staff account belongs to an OPD")
        if opd_code is not None and session.get(OpdRow, opd_code) is None:
            raise NotFound(f"OPD {opd_code}")
        if session.scalar(select(AccountRow.id).where(AccountRow.username == username)) is not None:
            raise Conflict(f"username {username!r} is taken")
        now = self.now()
        row = AccountRow(
            username=username,
            display_name=display_name,
            password_hash=password_hash,
            role=role,
            opd_code=opd_code,
            lang=lang,
            created_at=now,
            last_seen_at=None,
            banned=False,
            banned_reason=None,
            banned_until=None,
        )
        session.add(row)
        session.flush()
        if audit is not None:
            detail = {"role": role, "opd_code": opd_code}
            add_audit(session, audit, "account.create", f"account:{username}", at=now, detail=detail)
        return row

    def get_account(self, account_id: int) -> Account:
        with self._read() as session:
            return account_dto(_account_row(session, account_id))

    def get_account_by_username(self, username: str) -> Account:
        """The account with this username in any letter case; `NotFound` otherwise."""
        credentials = self.get_credentials(username)
        if credentials is None:
            raise NotFound(f"username {username!r}")
        return credentials.account

    def get_credentials(self, username: str) -> Credentials | None:
        """The account and its password hash, for checking a login; None when unknown."""
        with self._read() as session:
            row = session.scalar(select(AccountRow).where(AccountRow.username == _fold(username)))
            return None if row is None else Credentials(account=account_dto(row), password_hash=row.password_hash)

    def list_accounts(self, *, role: str | None = None, limit: int = 100, offset: int = 0) -> tuple[Account, ...]:
        query = select(AccountRow).order_by(AccountRow.id).limit(max(1, min(limit, MAX_LIST))).offset(offset)
        if role is not None:
            query = query.where(AccountRow.role == role)
        with self._read() as session:
            return tuple(account_dto(row) for row in session.scalars(query))

    def count_accounts(self, *, role: str | None = None) -> int:
        query = select(func.count()).select_from(AccountRow)
        if role is not None:
            query = query.where(AccountRow.role == role)
        with self._read() as session:
            return session.scalar(query) or 0

    def touch_last_seen(self, account_id: int, at: datetime | None = None) -> None:
        with self._write() as session:
            result = session.execute(
                update(AccountRow).where(AccountRow.id == account_id).values(last_seen_at=at or self.now())
            )
            if affected_rows(result) == 0:
                raise NotFound(f"account {account_id}")

    def set_password(
        self,
        account_id: int,
        password_hash: str,
        *,
        revoke_sessions: bool = False,
        audit: Audit | None = None,
    ) -> None:
        """Replace the password hash; optionally log every session out in the same transaction."""
        with self._write() as session:
            row = _account_row(session, account_id, lock=True)
            row.password_hash = password_hash
            if revoke_sessions:
                _revoke_all(session, account_id)
            if audit is not None:
                detail = {"revoked_sessions": revoke_sessions}
                add_audit(session, audit, "account.password", f"account:{row.username}", at=self.now(), detail=detail)

    def ban_account(self, account_id: int, *, reason: str, until: datetime | None = None, audit: Audit) -> Account:
        """Ban (until a time, or until lifted) and end every session of the account."""
        if not 0 < len(reason) <= 200:
            raise InvalidValue("ban reason: 1..200 characters")
        with self._write() as session:
            row = _account_row(session, account_id, lock=True)
            row.banned, row.banned_reason, row.banned_until = True, reason, until
            revoked = _revoke_all(session, account_id)
            detail = {"reason": reason, "until": until.isoformat() if until else None, "revoked_sessions": revoked}
            add_audit(session, audit, "account.ban", f"account:{row.username}", at=self.now(), detail=detail)
            return account_dto(row)

    def unban_account(self, account_id: int, *, audit: Audit) -> Account:
        with self._write() as session:
            row = _account_row(session, account_id, lock=True)
            row.banned, row.banned_reason, row.banned_until = False, None, None
            add_audit(session, audit, "account.unban", f"account:{row.username}", at=self.now())
            return account_dto(row)

    # -- sessions ---------------------------------------------------------------------------

    def create_session(self, account_id: int, *, ttl_s: float) -> str:
        """A new random token for the account, valid for `ttl_s` seconds; only its digest is stored."""
        if ttl_s <= 0:
            raise InvalidValue("ttl_s must be positive")
        token = secrets.token_urlsafe(TOKEN_BYTES)
        with self._write() as session:
            _account_row(session, account_id)
            _add_session(session, account_id, token, self.now(), ttl_s)
        return token

    def find_session(self, token: str) -> SessionInfo | None:
        """The session behind a token, even if expired or revoked (callers say which); None if unknown."""
        query = (
            select(SessionRow, AccountRow)
            .join(AccountRow, AccountRow.id == SessionRow.account_id)
            .where(SessionRow.token_sha256 == token_digest(token))
        )
        with self._read() as session:
            found = session.execute(query).one_or_none()
            if found is None:
                return None
            row, account = found
            return SessionInfo(
                account=account_dto(account), created_at=row.created_at, expires_at=row.expires_at, revoked=row.revoked
            )

    def resolve_session(self, token: str) -> Account | None:
        """The account of a live session: known, not revoked, not expired. None otherwise."""
        info = self.find_session(token)
        if info is None or info.revoked or info.is_expired(self.now()):
            return None
        return info.account

    def revoke_session(self, token: str) -> bool:
        """End one session (logout). False when the token was unknown or already revoked."""
        with self._write() as session:
            result = session.execute(
                update(SessionRow)
                .where(SessionRow.token_sha256 == token_digest(token), SessionRow.revoked.is_(False))
                .values(revoked=True)
            )
            return affected_rows(result) > 0

    def revoke_sessions(self, account_id: int) -> int:
        """End every session of an account; returns how many were live."""
        with self._write() as session:
            return _revoke_all(session, account_id)

    def purge_sessions(self) -> int:
        """Delete expired and revoked sessions; returns how many rows went."""
        with self._write() as session:
            result = session.execute(
                delete(SessionRow).where(or_(SessionRow.revoked.is_(True), SessionRow.expires_at <= self.now()))
            )
            return affected_rows(result)


def _revoke_all(session: Session, account_id: int) -> int:
    result = session.execute(
        update(SessionRow)
        .where(SessionRow.account_id == account_id, SessionRow.revoked.is_(False))
        .values(revoked=True)
    )
    return affected_rows(result)
