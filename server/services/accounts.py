"""Accounts: the rules for usernames, passwords and display names; register, log in, resume.

Pure logic over the store: no asyncio, no sockets; the server calls it from a worker thread
(argon2 hashing takes tens of milliseconds on purpose). Each error carries its protocol
`ErrorCode` (protocol/README.md lists them), which the server sends as is and the client
translates. A failed login never says
whether the username exists: unknown user and wrong password are both `bad_credentials`,
and cost the same time. Failures are throttled per account and per address in memory.
"""

from __future__ import annotations

import os
import re
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import datetime
from functools import cached_property

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from makaverse.protocol.errors import ErrorCode
from makaverse.protocol.text import reserved_name, text_problem
from makaverse.server.store.dto import Account, Audit
from makaverse.server.store.errors import Conflict
from makaverse.server.store.store import Store

__all__ = [
    "AccountError",
    "InvalidUsername",
    "UsernameTaken",
    "WeakPassword",
    "InvalidDisplayName",
    "ReservedName",
    "BadCredentials",
    "Throttled",
    "Banned",
    "TokenExpired",
    "InvalidToken",
    "TEST_MODE_ENV",
    "DEFAULT_SESSION_TTL_S",
    "normalize_username",
    "check_password",
    "normalize_display_name",
    "check_not_reserved",
    "make_hasher",
    "LoginThrottle",
    "Accounts",
]

USERNAME_RE = re.compile(r"[a-z0-9_.]{3,24}")
MIN_PASSWORD = 8
MAX_PASSWORD = 128  # argon2 takes any length; a bound keeps one request's work bounded
MAX_DISPLAY_NAME = 32  # protocol MAX_NAME
TEST_MODE_ENV = "MAKAVERSE_TEST_MODE"
DEFAULT_SESSION_TTL_S = 30 * 24 * 3600


class AccountError(Exception):
    """Root of account errors: all are about what the user sent or who they are."""

    code: ErrorCode


class InvalidUsername(AccountError):
    """3 to 24 characters of a-z, 0-9, '_' and '.' (letter case is ignored)."""

    code = ErrorCode.INVALID_USERNAME


class UsernameTaken(AccountError):
    code = ErrorCode.USERNAME_TAKEN


class WeakPassword(AccountError):
    """`reason` says which rule failed: too_short, too_long, all_digits or same_as_username."""

    code = ErrorCode.WEAK_PASSWORD

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class InvalidDisplayName(AccountError):
    """Too long, or with control or invisible characters; on the wire a bad field."""

    code = ErrorCode.INVALID_FIELD


class ReservedName(AccountError):
    """A username or display name that could pass for a role or the system (protocol/text.py)."""

    code = ErrorCode.NAME_RESERVED


class BadCredentials(AccountError):
    """Unknown username or wrong password: deliberately the same error."""

    code = ErrorCode.BAD_CREDENTIALS


class Throttled(AccountError):
    code = ErrorCode.THROTTLED

    def __init__(self, retry_after_s: float) -> None:
        super().__init__(f"retry after {retry_after_s:.0f} s")
        self.retry_after_s = retry_after_s


class Banned(AccountError):
    code = ErrorCode.BANNED

    def __init__(self, reason: str | None, until: datetime | None) -> None:
        super().__init__(reason or "banned")
        self.reason = reason
        self.until = until


class TokenExpired(AccountError):
    """The token outlived its session; log in again."""

    code = ErrorCode.TOKEN_EXPIRED


class InvalidToken(AccountError):
    """Unknown or revoked token. Its own class for logs; the peer sees `token_expired` as for an old one."""

    code = ErrorCode.TOKEN_EXPIRED


# -- rules ------------------------------------------------------------------------------------


def normalize_username(raw: str) -> str:
    """The stored form of a username (trimmed, lower case), or `InvalidUsername`."""
    username = raw.strip().lower()
    if not USERNAME_RE.fullmatch(username):
        raise InvalidUsername(raw)
    return username


def check_password(password: str, *, username: str) -> None:
    """At least 8 characters, not only digits, not the username in any letter case."""
    if len(password) < MIN_PASSWORD:
        raise WeakPassword("too_short")
    if len(password) > MAX_PASSWORD:
        raise WeakPassword("too_long")
    if password.isdigit():
        raise WeakPassword("all_digits")
    if password.strip().lower() == username.strip().lower():
        raise WeakPassword("same_as_username")


def normalize_display_name(raw: str | None, *, fallback: str) -> str:
    """The text policy's form (NFC, trimmed, inner whitespace collapsed), 1..32 characters with no
    control or invisible ones (protocol/text.py); `fallback` when empty."""
    name, problem = text_problem(raw or "", max_len=MAX_DISPLAY_NAME, required=False)
    if problem is not None:
        raise InvalidDisplayName(problem)
    return name or fallback


def check_not_reserved(*names: str) -> None:
    """`ReservedName` when any name could pass for a role or the system."""
    if any(reserved_name(name) for name in names):
        raise ReservedName("reserved")


def make_hasher(*, fast: bool | None = None) -> PasswordHasher:
    """argon2id with the library's defaults (RFC 9106 low-memory profile).

    Cheap parameters only when asked (`fast=True`, or `MAKAVERSE_TEST_MODE=1` when `fast`
    is None): they make tests quick and passwords easy to crack, so never in production.
    """
    if fast is None:
        fast = os.environ.get(TEST_MODE_ENV) == "1"
    if fast:
        return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    return PasswordHasher()


# -- throttling -------------------------------------------------------------------------------


class LoginThrottle:
    """Refuse a key (an account or an address) after `max_failures` failures within `window_s`.

    A sliding window: the key is let in again once its oldest counted failure is `window_s`
    old. Time comes from `clock` (monotonic seconds) so tests step it instead of sleeping.
    Memory is bounded: at most `max_failures` stamps per key and `max_keys` keys.
    Thread-safe.
    """

    def __init__(
        self,
        *,
        max_failures: int = 5,
        window_s: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 100_000,
    ) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self._clock = clock
        self._max_keys = max_keys
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, key: str) -> float:
        """Seconds until `key` may try again; 0.0 when it may try now."""
        with self._lock:
            now = self._clock()
            stamps = self._live(key, now)
            if stamps is None or len(stamps) < self.max_failures:
                return 0.0
            return stamps[-self.max_failures] + self.window_s - now

    def record_failure(self, key: str) -> None:
        with self._lock:
            now = self._clock()
            stamps = self._live(key, now)
            if stamps is None:
                if len(self._failures) >= self._max_keys:
                    self._evict(now)
                stamps = self._failures[key] = deque(maxlen=self.max_failures)
            stamps.append(now)

    def reset(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)

    def _live(self, key: str, now: float) -> deque[float] | None:
        stamps = self._failures.get(key)
        if stamps is None:
            return None
        while stamps and stamps[0] <= now - self.window_s:
            stamps.popleft()
        if not stamps:
            del self._failures[key]
            return None
        return stamps

    def _evict(self, now: float) -> None:
        for key in [k for k, s in self._failures.items() if s[-1] <= now - self.window_s]:
            del self._failures[key]
        while len(self._failures) >= self._max_keys:  # still full: forget the oldest keys
            del self._failures[next(iter(self._failures))]


# -- the service ------------------------------------------------------------------------------


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
        self._hasher = hasher or make_hasher()
        self._account_throttle = account_throttle or LoginThrottle(max_failures=5)
        self._address_throttle = address_throttle or LoginThrottle(max_failures=20)
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
        username = normalize_username(username)
        check_password(password, username=username)
        name = normalize_display_name(display_name, fallback=username)
        if role in ("citizen", "guest"):
            # Only accounts an operator gives a role may carry a name that says so.
            check_not_reserved(username, name)
        try:
            return self._store.create_account(
                username=username,
                display_name=name,
                password_hash=self._hasher.hash(password),
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
        """A new citizen account, already logged in: returns (account, session token)."""
        account = self.create_user(username=username, password=password, display_name=display_name, lang=lang)
        return account, self._store.create_session(account.id, ttl_s=self._session_ttl_s)

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
        if info.is_expired(self._store.now()):
            raise TokenExpired()
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
