"""Accounts over the store: register, log in, resume, change and reset passwords.

Wiring, not a pure service: it calls the store (so the server runs it in a worker thread) and
applies the rules of `services/accounts.py`. A failed login never says whether the username
exists: unknown user and wrong password are both `bad_credentials`, and cost the same time.
"""

from __future__ import annotations

import secrets
import time
from datetime import timedelta
from functools import cached_property

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from .service_config import hasher_from_env
from .services.accounts import (
    DEFAULT_SESSION_TTL_S,
    USERNAME_RE,
    BadCredentials,
    Banned,
    InvalidToken,
    LoginThrottle,
    Throttled,
    TokenExpired,
    UsernameTaken,
    check_not_reserved,
    check_password,
    normalize_display_name,
    normalize_username,
)
from .store.dto import Account, Audit
from .store.errors import Conflict
from .store.store import Store

__all__ = ["Accounts", "LAST_SEEN_EVERY"]

LAST_SEEN_EVERY = timedelta(minutes=10)  # a resume records "last seen" when the last record is older


class Accounts:
    """Register, log in, resume and manage passwords, over a `Store`.

    Per-address throttling is looser by default than per-account (20 against 5 failures in
    5 minutes): a school lab or an office shares one address, and one user's typos should
    not lock out the room.
    """

    def __init__(
        self,
        store: Store,
        *,
        hasher: PasswordHasher | None = None,
        account_throttle: LoginThrottle | None = None,
        address_throttle: LoginThrottle | None = None,
        session_ttl_s: float = DEFAULT_SESSION_TTL_S,
    ) -> None:
        self._store = store
        self._hasher = hasher or hasher_from_env()
        self._account_throttle = account_throttle or LoginThrottle(max_failures=5, clock=time.monotonic)
        self._address_throttle = address_throttle or LoginThrottle(max_failures=20, clock=time.monotonic)
        self._session_ttl_s = session_ttl_s

    def create_user(
        self,
        *,
        username: str,
        password: str,
        role: str = "citizen",
        opd_code: str | None = None,
        display_name: str | None = None,
        lang: str = "id",
        audit: Audit | None = None,
    ) -> Account:
        """Check the rules, hash the password and store the account."""
        username, name, password_hash = self._checked(username, password, display_name, role=role)
        try:
            return self._store.create_account(
                username=username,
                display_name=name,
                password_hash=password_hash,
                role=role,
                opd_code=opd_code,
                lang=lang,
                audit=audit,
            )
        except Conflict as exc:
            raise UsernameTaken(username) from exc

    def register(
        self, username: str, password: str, *, display_name: str | None = None, lang: str = "id"
    ) -> tuple[Account, str]:
        """A new citizen account, already logged in: returns (account, session token), written in
        one transaction."""
        username, name, password_hash = self._checked(username, password, display_name, role="citizen")
        try:
            return self._store.create_account_with_session(
                username=username, display_name=name, password_hash=password_hash, lang=lang,
                ttl_s=self._session_ttl_s,
            )
        except Conflict as exc:
            raise UsernameTaken(username) from exc

    def _checked(self, username: str, password: str, display_name: str | None, *, role: str) -> tuple[str, str, str]:
        """A new account's rules: (normalised username, display name, password hash)."""
        username = normalize_username(username)
        check_password(password, username=username)
        name = normalize_display_name(display_name, fallback=username)
        if role in ("citizen", "guest"):
            # Only accounts an operator gives a role may carry a name that says so.
            check_not_reserved(username, name)
        return username, name, self._hasher.hash(password)

    def login(self, username: str, password: str, address: str) -> tuple[Account, str]:
        """Check the password and open a session: returns (account, session token).

        Raises `Throttled` before any work when the account or address failed too often,
        `BadCredentials` for an unknown user or a wrong password, `Banned` (only to someone
        who knew the password) for a banned account.
        """
        account_key = username.strip().lower()[:64]  # bounded: it is a key in memory
        address_key = address[:64]
        wait_s = max(self._account_throttle.retry_after(account_key), self._address_throttle.retry_after(address_key))
        if wait_s > 0:
            raise Throttled(wait_s)
        credentials = self._store.get_credentials(account_key) if USERNAME_RE.fullmatch(account_key) else None
        if credentials is None or not self._verify(credentials.password_hash, password):
            if credentials is None:
                self._verify(self._dummy_hash, password)  # same cost as a real check
            self._account_throttle.record_failure(account_key)
            self._address_throttle.record_failure(address_key)
            raise BadCredentials()
        account = credentials.account
        self._refuse_if_banned(account)
        self._account_throttle.reset(account_key)
        if self._hasher.check_needs_rehash(credentials.password_hash):
            self._store.set_password(account.id, self._hasher.hash(password))
        token = self._store.create_session(account.id, ttl_s=self._session_ttl_s)
        self._store.touch_last_seen(account.id)
        return account, token

    def resume(self, token: str) -> Account:
        """The account behind a session token from an earlier login."""
        info = self._store.find_session(token) if token else None
        if info is None:
            raise InvalidToken()
        # A ban revokes sessions too: say "banned" rather than "log in again".
        self._refuse_if_banned(info.account)
        if info.revoked:
            raise InvalidToken()
        now = self._store.now()
        if info.is_expired(now):
            raise TokenExpired()
        seen = info.account.last_seen_at
        # Coarse on purpose: a write (a commit) per reconnect would be the costliest part of a
        # join burst, and "last seen" means the day, not the second.
        if seen is None or now - seen >= LAST_SEEN_EVERY:
            self._store.touch_last_seen(info.account.id)
        return info.account

    def logout(self, token: str) -> bool:
        return self._store.revoke_session(token)

    def change_password(self, account_id: int, old_password: str, new_password: str) -> None:
        """The user's own change: needs the old password; other sessions are logged out."""
        account = self._store.get_account(account_id)
        credentials = self._store.get_credentials(account.username)
        if credentials is None or not self._verify(credentials.password_hash, old_password):
            raise BadCredentials()
        check_password(new_password, username=account.username)
        self._store.set_password(
            account_id, self._hasher.hash(new_password), revoke_sessions=True, audit=Audit(actor_id=account_id)
        )

    def reset_password(self, username: str, new_password: str, *, audit: Audit) -> Account:
        """An admin's reset: no old password; every session of the account ends."""
        account = self._store.get_account_by_username(normalize_username(username))
        check_password(new_password, username=account.username)
        self._store.set_password(account.id, self._hasher.hash(new_password), revoke_sessions=True, audit=audit)
        return account

    def _refuse_if_banned(self, account: Account) -> None:
        if account.is_banned(self._store.now()):
            raise Banned(account.banned_reason, account.banned_until)

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    @cached_property
    def _dummy_hash(self) -> str:
        return self._hasher.hash(secrets.token_hex(16))
