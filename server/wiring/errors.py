"""The one place where an exception becomes what the peer sees: an `error` code (with the ref of
the message that caused it) and, for some, a close code. Exception text never reaches a peer; the
texts here are our own short hints. Anything unforeseen is our fault: `internal`, logged with the
connection id, and only that client is affected."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from makaverse.protocol import Error, ErrorCode, RemoteProtocolError

from ..bus import BusError
from ..rooms.effects import Refused
from ..services.accounts import AccountError, Banned, Throttled
from ..services.chat import ChatRefusal
from ..services.events import EventRefusal
from ..services.queues import QueueError
from ..services.slides import SlideRefusal
from ..store import Conflict, IllegalTransition, InvalidValue, NotFound, StoreError
from ..store.chat_repo import Blocked

__all__ = ["Outcome", "outcome_of", "ban_text"]

log = logging.getLogger("makaverse.errors")


@dataclass(frozen=True, slots=True)
class Outcome:
    error: Error
    close: int | None = None  # close the connection too, with this code


def ban_text(exc: Banned) -> str:
    until = f"until {exc.until.isoformat(timespec='minutes')}" if exc.until else "no end date"
    return f"{until}: {exc.reason or ''}"[:200]


def _code(exc: BaseException) -> tuple[str, str, int | None]:
    """(error code, hint, close code) for an exception we know; raises it again otherwise."""
    if isinstance(exc, Refused):
        return exc.code, exc.hint, exc.close
    if isinstance(exc, (ChatRefusal, EventRefusal, SlideRefusal)):
        return exc.code.value, exc.hint, None
    if isinstance(exc, QueueError):
        return str(exc.code), "", None
    if isinstance(exc, RemoteProtocolError):
        return exc.code.value, "", None
    if isinstance(exc, Throttled):
        return ErrorCode.THROTTLED.value, f"retry in {int(exc.retry_after_s) + 1} s", None
    if isinstance(exc, Banned):
        return ErrorCode.BANNED.value, ban_text(exc), None
    if isinstance(exc, AccountError):
        return str(exc.code), "", None
    if isinstance(exc, Blocked):
        return ErrorCode.BLOCKED.value, "the recipient blocked you", None
    if isinstance(exc, NotFound):
        return ErrorCode.NOT_FOUND.value, "", None
    if isinstance(exc, IllegalTransition):
        return ErrorCode.ILLEGAL_TRANSITION.value, f"{exc.from_status} -> {exc.to_status}", None
    if isinstance(exc, Conflict):
        return ErrorCode.CONFLICT.value, "", None
    if isinstance(exc, InvalidValue):
        return ErrorCode.INVALID_FIELD.value, "", None
    if isinstance(exc, StoreError):
        log.error("store_failed", extra={"fields": {"error": type(exc).__name__}})
        return ErrorCode.UNAVAILABLE.value, "storage failing; retry later", None
    if isinstance(exc, BusError):
        log.error("bus_failed", extra={"fields": {"error": type(exc).__name__}})
        return ErrorCode.UNAVAILABLE.value, "", None
    raise exc


def outcome_of(exc: BaseException, *, ref: int, conn_id: int, what: str = "") -> Outcome:
    """What the peer is told about `exc`, raised while handling its message `ref`."""
    try:
        code, hint, close = _code(exc)
    except Exception:
        # Our fault: the traceback goes to the log with the connection, a bare code to the peer.
        log.error(
            "handler_failed",
            exc_info=(type(exc), exc, exc.__traceback__),
            extra={"fields": {"conn": conn_id, "type": what}},
        )
        return Outcome(Error(code=ErrorCode.INTERNAL.value, ref=ref))
    return Outcome(Error(code=code, text=hint[:200], ref=ref), close)

