"""Account rules: usernames, passwords and display names, the password hasher, login throttling.

Pure: no store, no environment, no clock of its own (the throttle is given one). The store-backed
`Accounts` (register, log in, resume) is wiring and lives in `server/accounts.py`; hashing there
runs in a worker thread (argon2 takes tens of milliseconds on purpose). Each error carries its protocol
`ErrorCode` (protocol/README.md lists them), which the server sends as is and the client
translates. A failed login never says
whether the username exists: unknown user and wrong password are both `bad_credentials`,
and cost the same time. Failures are throttled per account and per address in memory.
"""

from __future__ import annotations

import re
import threading
from collections import deque
from collections.abc import Callable
from datetime import datetime

from argon2 import PasswordHasher

from makaverse.protocol.errors import ErrorCode
from makaverse.protocol.text import reserved_name, text_problem

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
    "DEFAULT_SESSION_TTL_S",
    "normalize_username",
    "check_password",
    "normalize_display_name",
    "check_not_reserved",
    "make_hasher",
    "LoginThrottle",
]

USERNAME_RE = re.compile(r"[a-z0-9_.]{3,24}")
MIN_PASSWORD = 8
MAX_PASSWORD = 128  # argon2 takes any length; a bound keeps one request's work bounded
MAX_DISPLAY_NAME = 32  # protocol MAX_NAME
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


def make_hasher(*, fast: bool = False) -> PasswordHasher:
    """argon2id with the library's defaults (RFC 9106 low-memory profile).

    Cheap parameters only when asked (`fast=True`; the wiring asks when `MAKAVERSE_TEST_MODE=1`):
    they make tests quick and passwords easy to crack, so never in production.
    """
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
        clock: Callable[[], float],
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
