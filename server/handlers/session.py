"""Entering the world (`hello`: as a guest, logged in, or resuming after a drop), movement
intents, ping and logout."""

from __future__ import annotations

import logging
import random
import secrets
import time

from makaverse.protocol import (
    PROTOCOL_VERSION,
    CloseCode,
    Error,
    ErrorCode,
    Hello,
    Input,
    Logout,
    MessageType,
    Ping,
    Pong,
    Welcome,
    quant,
)
from makaverse.protocol.look import Look, default_look

from ..log import log_event
from ..net.session_state import SessionEvent
from ..services.accounts import AccountError, Banned
from .accounts import ban_text
from ..sim import AvatarInfo
from ..store import StoreError
from . import Feature

__all__ = ["FEATURE", "now_ms"]

log = logging.getLogger("makaverse.session")

_rng = random.Random()


def now_ms() -> int:
    return int(time.time() * 1000)


async def on_hello(hub, session, msg: Hello) -> None:
    if msg.version != PROTOCOL_VERSION:
        session.send(Error(code=ErrorCode.VERSION.value, text=f"server speaks {PROTOCOL_VERSION}"))
        session.conn.drop(CloseCode.VERSION_MISMATCH, "protocol version mismatch")
        return
    session.lang = msg.lang
    binding = hub.presence.by_token(msg.token)
    if binding is not None and binding.account_id is None:
        # A guest's token lives only in memory. An account's token always goes through the
        # store below, so a ban, a password reset or an expiry during the grace takes effect.
        _take_over(hub, session, binding.avatar_id, msg.token)
        return
    account = None
    if msg.token:
        if hub.accounts is None:
            session.send(Error(code=ErrorCode.TOKEN_EXPIRED.value))
            return
        try:
            account = await hub.db(hub.accounts.resume, msg.token)
        except Banned as exc:
            session.send(Error(code=ErrorCode.BANNED.value, text=ban_text(exc)))
            session.conn.drop(CloseCode.BANNED, "banned")
            return
        except AccountError as exc:
            session.send(Error(code=str(exc.code)))
            return  # still connecting: the client may log in again on this connection
        except StoreError:
            log.exception("resume_failed")
            session.send(Error(code=ErrorCode.UNAVAILABLE.value))
            return
        if session.conn.closing:
            return
        # Checked after the await: the same account may have entered meanwhile.
        existing = hub.presence.by_account(account.id)
        if existing is not None:
            hub.presence.rekey(existing.avatar_id, msg.token)
            _take_over(hub, session, existing.avatar_id, msg.token, account=account)
            return
    _enter_new(hub, session, msg, account)


def _enter_new(hub, session, msg: Hello, account) -> None:
    if account is not None:
        name, role, opd, key = account.display_name, account.role, account.opd_code or "", account.username
        token = msg.token
    else:
        name = " ".join(msg.name.split()) or f"Tamu-{_rng.randrange(1000, 10000)}"
        role, opd, key = "guest", "", name
        token = secrets.token_urlsafe(24)
    # The citizen's own look (validated when the Hello was decoded), else a stable default for the key.
    look = Look.unpack(msg.style) if msg.style else default_look(key)
    info = AvatarInfo(name=name, role=role, look=look.top, opd=opd, style=look.pack())
    avatar_id = hub.instance.join(info, session.conn)
    hub.presence.bind(avatar_id, token, account.id if account is not None else None)
    _bind_session(hub, session, avatar_id, token, info, account)
    _welcome(hub, session, resumed=False)
    log_event(log, "avatar_joined", conn=session.conn.conn_id, avatar=avatar_id, name=name, role=role, kind=msg.kind)


def _take_over(hub, session, avatar_id: int, token: str, *, account=None) -> None:
    """Give an existing avatar to this connection; a connection still holding it is replaced."""
    previous = hub.sessions_by_avatar.get(avatar_id)
    if previous is not None and previous is not session:
        previous.avatar_id = None  # its disconnect must not take the avatar along
        previous.send(Error(code=ErrorCode.CONFLICT.value, text="signed in elsewhere"))
        previous.conn.drop(CloseCode.REPLACED, "signed in elsewhere")
        hub.instance.detach(avatar_id)
    hub.instance.attach(avatar_id, session.conn)
    hub.presence.attach(avatar_id)
    info = hub.instance.members[avatar_id].info
    if account is None and previous is not None:
        account = previous.account
    if account is None:
        binding = hub.presence.by_avatar(avatar_id)
        account = _cached_account(hub, binding.account_id)
    _bind_session(hub, session, avatar_id, token, info, account)
    _welcome(hub, session, resumed=True)
    log_event(log, "avatar_resumed", conn=session.conn.conn_id, avatar=avatar_id, name=info.name)


def _cached_account(hub, account_id):
    return hub.accounts_by_id.get(account_id) if account_id is not None else None


def _bind_session(hub, session, avatar_id: int, token: str, info: AvatarInfo, account) -> None:
    session.avatar_id = avatar_id
    session.token = token
    session.account = account
    session.name, session.role, session.opd = info.name, info.role, info.opd
    if account is not None:
        hub.accounts_by_id[account.id] = account
    hub.sessions_by_avatar[avatar_id] = session
    session.advance(SessionEvent.ENTERED)


def _welcome(hub, session, *, resumed: bool) -> None:
    s = hub.settings
    sim = hub.instance.sim
    x, y = sim.position(session.avatar_id)
    session.send(
        Welcome(
            avatar_id=session.avatar_id,
            name=session.name,
            role=session.role,
            world_id=hub.world.id,
            tick_hz=s.tick_hz,
            snapshot_hz=s.snapshot_hz,
            input_hz=s.input_hz,
            interest_radius_cm=quant.m_to_cm(s.interest_radius_m),
            server_time_ms=now_ms(),
            x_cm=quant.m_to_cm(x),
            y_cm=quant.m_to_cm(y),
            yaw=quant.yaw_to_u16(sim.yaw(session.avatar_id)),
            token=session.token,
            opd=session.opd,
            resumed=resumed,
        )
    )


def on_input(hub, session, msg: Input) -> None:
    hub.instance.on_input(session.avatar_id, msg)


def on_ping(hub, session, msg: Ping) -> None:
    session.send(Pong(client_time_ms=msg.client_time_ms, server_time_ms=now_ms()))


async def on_logout(hub, session, msg: Logout) -> None:
    """The token stops working and the avatar leaves now: no reconnect grace after a logout."""
    if session.account is not None and hub.accounts is not None:
        try:
            await hub.db(hub.accounts.logout, session.token)
        except StoreError:
            log.exception("logout_failed")
    session.logged_out = True
    session.conn.drop(CloseCode.NORMAL, "logged out")


FEATURE = Feature(
    name="session",
    handlers={
        MessageType.HELLO: on_hello,
        MessageType.INPUT: on_input,
        MessageType.PING: on_ping,
        MessageType.LOGOUT: on_logout,
    },
)
