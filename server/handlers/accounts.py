"""Register and log in (before `hello`): the reply carries a token to enter the world with."""

from __future__ import annotations

import logging

from makaverse.protocol import AuthOk, Error, ErrorCode, Login, MessageType, Register

from ..log import log_event
from ..services.accounts import AccountError, Banned, Throttled
from ..store import StoreError
from . import Feature

__all__ = ["FEATURE"]

log = logging.getLogger("makaverse.accounts")


def _auth_ok(request_id: int, account, token: str) -> AuthOk:
    return AuthOk(
        request_id=request_id,
        token=token,
        username=account.username,
        display_name=account.display_name,
        role=account.role,
        opd=account.opd_code or "",
        lang=account.lang,
    )


def ban_text(exc: Banned) -> str:
    until = f"until {exc.until.isoformat(timespec='minutes')}" if exc.until else "no end date"
    return f"{until}: {exc.reason or ''}"[:200]


def _refusal(exc: Exception, request_id: int) -> Error:
    if isinstance(exc, Throttled):
        return Error(code=ErrorCode.THROTTLED.value, text=f"retry in {int(exc.retry_after_s) + 1} s", ref=request_id)
    if isinstance(exc, Banned):
        return Error(code=ErrorCode.BANNED.value, text=ban_text(exc), ref=request_id)
    if isinstance(exc, AccountError):
        return Error(code=str(exc.code), ref=request_id)
    return Error(code=ErrorCode.UNAVAILABLE.value, ref=request_id)


async def on_register(hub, session, msg: Register) -> None:
    if hub.accounts is None:
        session.send(Error(code=ErrorCode.UNAVAILABLE.value, ref=msg.request_id))
        return
    try:
        account, token = await hub.auth(
            hub.accounts.register, msg.username, msg.password, display_name=msg.display_name or None, lang=msg.lang
        )
    except (AccountError, StoreError) as exc:
        if isinstance(exc, StoreError):
            log.exception("register_failed")
        session.send(_refusal(exc, msg.request_id))
        return
    log_event(log, "account_registered", account=account.id, username=account.username)
    session.send(_auth_ok(msg.request_id, account, token))


async def on_login(hub, session, msg: Login) -> None:
    if hub.accounts is None:
        session.send(Error(code=ErrorCode.UNAVAILABLE.value, ref=msg.request_id))
        return
    try:
        account, token = await hub.auth(hub.accounts.login, msg.username, msg.password, session.address)
    except (AccountError, StoreError) as exc:
        if isinstance(exc, StoreError):
            log.exception("login_failed")
        else:
            log_event(log, "login_refused", code=str(exc.code), address=session.address)
        session.send(_refusal(exc, msg.request_id))
        return
    log_event(log, "logged_in", account=account.id, username=account.username)
    session.send(_auth_ok(msg.request_id, account, token))


FEATURE = Feature(
    name="accounts",
    handlers={MessageType.REGISTER: on_register, MessageType.LOGIN: on_login},
)
