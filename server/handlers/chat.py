"""Chat, emotes, direct messages, mute and block lists, reports, moderation and announcements.

Thin glue: the rules are in `services.chat` (routing, cleaning, limits) and
`services.moderation` (who may do what); durable state goes through the store, always via
`hub.db` (off the event loop). Public lines are logged for moderation in batches from
`on_tick`, and chat older than the retention is purged from there too, off the loop.

Announcements go out on the bus (channel `chat.announcements`, the encoded `announcement`
frame), so every server process on it shows them, this one included; `deliver_announcement`
is the local fan-out each process runs for what arrives. When the bus fails, this process
still delivers its own announcement locally.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from makaverse.protocol import (
    Announce,
    Announcement,
    Block,
    Chat,
    ChatLists,
    ChatSend,
    CloseCode,
    Direct,
    DirectSend,
    DirectSent,
    Emote,
    Emoted,
    Error,
    ErrorCode,
    MessageType,
    Moderate,
    ModerateDone,
    Moderated,
    Mute,
    Report,
    ReportFiled,
    decode,
    encode,
)

from ..bus import BusError, Subscription
from ..log import log_event
from ..service_config import chat_config_from_env, load_wordfilter
from ..services import moderation
from ..services.chat import (
    ChatConfig,
    ChatRefusal,
    ChatRoom,
    HeardLine,
    SpeakerKey,
    chat_zone,
    speaker_key,
)
from ..store import Audit, NotFound, StoreError
from ..store.chat_repo import Blocked, ChatLine
from . import Feature

if TYPE_CHECKING:
    from ..hub import Hub
    from ..net.session import Session

__all__ = [
    "FEATURE",
    "ANNOUNCEMENTS_CHANNEL",
    "ChatRuntime",
    "configure",
    "runtime",
    "publish_announcement",
    "deliver_announcement",
]

log = logging.getLogger("makaverse.chat")

_PRUNE_EVERY_S = 10.0
ANNOUNCEMENTS_CHANNEL = "chat.announcements"


class ChatRuntime:
    """This server's chat: the rules' state (`room`), lines waiting to be logged, background store work."""

    def __init__(self, hub: Hub, config: ChatConfig) -> None:
        self.config = config
        zone_ids = [z.id for z in hub.world.zones]
        self.room = ChatRoom(config, zone_ids, wordfilter=load_wordfilter(config.wordfilter_file))
        self.pending: list[ChatLine] = []
        self.tasks: set[asyncio.Task] = set()
        self.next_flush_s: float | None = None
        self.next_purge_s: float | None = None
        self.next_prune_s = 0.0
        # Where announcements go (the bus). No strong reference to the hub is kept here or in the
        # subscription: the runtime lives in a WeakKeyDictionary keyed by the hub.
        self.publish: Callable[[Hub, Announcement], Awaitable[None]] = publish_announcement
        self.subscription: Subscription | None = None

    def spawn(self, coro: Coroutine[Any, Any, Any], what: str) -> None:
        """Run store work in the background; failures are logged, never raised into the tick."""

        async def guarded() -> None:
            try:
                await coro
            except Exception:
                log.exception(f"{what}_failed")

        task = asyncio.get_running_loop().create_task(guarded(), name=f"chat-{what}")
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)


_RUNTIMES: WeakKeyDictionary[Hub, ChatRuntime] = WeakKeyDictionary()


def configure(hub: Hub, config: ChatConfig | None = None) -> ChatRuntime:
    """Set (or reset) the chat settings of a server; without a call they come from the environment."""
    previous = _RUNTIMES.get(hub)
    if previous is not None and previous.subscription is not None:
        previous.subscription.cancel()
    rt = _RUNTIMES[hub] = ChatRuntime(hub, config or chat_config_from_env())
    hub_ref = weakref.ref(hub)

    def arrived(payload: bytes) -> None:
        target = hub_ref()
        if target is not None:
            _announcement_arrived(target, payload)

    rt.subscription = hub.bus.subscribe(ANNOUNCEMENTS_CHANNEL, arrived)
    return rt


def runtime(hub: Hub) -> ChatRuntime:
    rt = _RUNTIMES.get(hub)
    return rt if rt is not None else configure(hub)


# ── helpers ──────────────────────────────────────────────────────────────────


def _key(session: Session) -> SpeakerKey:
    return speaker_key(session.account_id, session.avatar_id)


def _refuse(session: Session, refusal: ChatRefusal, ref: int = 0) -> None:
    # The hint is our own short English text (never an exception's), and `code` is what clients show.
    session.send(Error(code=refusal.code.value, text=refusal.hint[:200], ref=ref))


def _ms(seconds: float) -> int:
    return int(seconds * 1000)


def _admit(rt: ChatRuntime, session: Session, *, even_if_muted: bool = False) -> None:
    rt.room.admit(_key(session), wall_s=time.time(), mono_s=time.monotonic(), even_if_muted=even_if_muted)


def _listeners(hub: Hub, rt: ChatRuntime, channel: str, session: Session) -> list[int]:
    t = hub.instance.sim.avatars
    slots = t.active_slots()
    return rt.room.listeners(
        channel, session.avatar_id, _key(session), ids=t.ids[slots], pos=t.pos[slots], zones=t.zone[slots]
    )


def _send_frame(hub: Hub, avatar_ids: list[int], frame: bytes) -> None:
    sessions = hub.sessions_by_avatar
    for avatar_id in avatar_ids:
        session = sessions.get(avatar_id)
        if session is not None:
            session.conn.send_bytes(frame)


def _store_refusal(exc: StoreError) -> ChatRefusal:
    if isinstance(exc, Blocked):
        return ChatRefusal(ErrorCode.BLOCKED, "the recipient blocked you")
    if isinstance(exc, NotFound):
        return ChatRefusal(ErrorCode.NOT_FOUND, "no such account")
    log.warning("chat_store_error", exc_info=exc)
    return ChatRefusal(ErrorCode.UNAVAILABLE, "storage failing; retry later")


@dataclass(frozen=True, slots=True)
class _Who:
    """Someone a command names: by the avatar you see, or by username."""

    avatar_id: int  # 0 when not in the world
    account_id: int | None
    username: str
    name: str
    role: str
    session: Session | None  # None when offline or parked
    zone_id: str = ""

    @property
    def key(self) -> SpeakerKey:
        return speaker_key(self.account_id, self.avatar_id)


async def _resolve(hub: Hub, avatar_id: int, username: str) -> _Who:
    if avatar_id:
        session = hub.sessions_by_avatar.get(avatar_id)
        sim = hub.instance.sim
        zone = sim.zone_id(avatar_id) if sim.has(avatar_id) else ""
        if session is not None:
            account = session.account
            username = account.username if account else ""
            return _Who(avatar_id, session.account_id, username, session.name, session.role, session, zone)
        member = hub.instance.members.get(avatar_id)
        if member is None:
            raise ChatRefusal(ErrorCode.NOT_FOUND, "no such avatar")
        binding = hub.presence.by_avatar(avatar_id)
        account = hub.accounts_by_id.get(binding.account_id) if binding and binding.account_id else None
        if account is None:
            return _Who(avatar_id, None, "", member.info.name, member.info.role, None)
        return _Who(avatar_id, account.id, account.username, member.info.name, member.info.role, None)
    if hub.store is None:
        raise ChatRefusal(ErrorCode.NOT_FOUND, "no such account")
    try:
        account = await hub.db(hub.store.get_account_by_username, username)
    except StoreError as exc:
        raise _store_refusal(exc) from None
    session = hub.session_of_account(account.id)
    found_avatar = session.avatar_id if session is not None and session.avatar_id else 0
    zone = hub.instance.sim.zone_id(found_avatar) if found_avatar and hub.instance.sim.has(found_avatar) else ""
    return _Who(found_avatar, account.id, account.username, account.display_name, account.role, session, zone)


def _lists_message(rt: ChatRuntime, session: Session, request_id: int, accounts=None) -> ChatLists:
    """The listener's lists: accounts from the store (logged in) or from memory (a guest)."""
    muted_keys = rt.room.mutes.muted_by(session.avatar_id)
    if accounts is not None:
        muted = [(r.username, r.display_name) for r in accounts.muted]
        blocked = [(r.username, r.display_name) for r in accounts.blocked]
    else:
        names = rt.room.account_names
        muted = sorted(names[n] for kind, n in muted_keys if kind == "account" and n in names)
        blocked = []
    return ChatLists(
        request_id=request_id,
        muted=tuple(u for u, _ in muted),
        muted_names=tuple(n for _, n in muted),
        muted_avatars=tuple(sorted(n for kind, n in muted_keys if kind == "guest")),
        blocked=tuple(u for u, _ in blocked),
        blocked_names=tuple(n for _, n in blocked),
    )


# ── public chat and emotes ───────────────────────────────────────────────────


def on_chat_send(hub: Hub, session: Session, msg: ChatSend) -> None:
    rt = runtime(hub)
    try:
        text = rt.room.text(msg.text)
        _admit(rt, session)
        listeners = _listeners(hub, rt, msg.channel, session)
        if not listeners:
            raise ChatRefusal(ErrorCode.NOT_ALLOWED, "outside every zone")
    except ChatRefusal as refusal:
        _refuse(session, refusal, msg.request_id)
        return
    sim = hub.instance.sim
    zone_id = chat_zone(sim.zone_id(session.avatar_id)) if msg.channel == "zone" else ""
    now_s = time.time()
    account = session.account
    line = Chat(
        id=rt.room.next_id(),
        channel=msg.channel,
        avatar_id=session.avatar_id,
        name=session.name,
        role=session.role,
        text=text,
        server_time_ms=_ms(now_s),
        zone_id=zone_id,
        username=account.username if account is not None else "",
    )
    _send_frame(hub, listeners, encode(line))
    heard = HeardLine(line.server_time_ms, msg.channel, _key(session), session.avatar_id, session.name, text, zone_id)
    rt.room.heard.add(listeners, heard)
    x, y = sim.position(session.avatar_id)
    rt.pending.append(
        ChatLine(
            at=datetime.fromtimestamp(now_s, UTC),
            channel=msg.channel,
            zone_id=zone_id or sim.zone_id(session.avatar_id),
            speaker_id=session.account_id,
            speaker_avatar=session.avatar_id,
            speaker_name=session.name,
            speaker_role=session.role,
            x_m=round(x, 2),
            y_m=round(y, 2),
            text=text,
        )
    )


def on_emote(hub: Hub, session: Session, msg: Emote) -> None:
    rt = runtime(hub)
    try:
        _admit(rt, session)
    except ChatRefusal as refusal:
        _refuse(session, refusal)
        return
    listeners = _listeners(hub, rt, "nearby", session)
    _send_frame(hub, listeners, encode(Emoted(avatar_id=session.avatar_id, emote=msg.emote)))


# ── direct messages ──────────────────────────────────────────────────────────


def _deliver_direct(hub: Hub, dm, *, stored: bool) -> bool:
    """Send a direct message to its recipient if they are in the world; True when sent."""
    session = hub.session_of_account(dm.recipient.id)
    if session is None:
        return False
    return session.send(
        Direct(
            id=dm.id,
            from_username=dm.sender.username,
            from_name=dm.sender.display_name,
            from_role=dm.sender_role,
            text=dm.text,
            sent_ms=_ms(dm.sent_at.timestamp()),
            stored=stored,
        )
    )


async def on_direct_send(hub: Hub, session: Session, msg: DirectSend) -> None:
    rt = runtime(hub)
    try:
        if session.account is None:
            raise ChatRefusal(ErrorCode.LOGIN_REQUIRED, "guests cannot send direct messages")
        if hub.store is None:
            raise ChatRefusal(ErrorCode.UNAVAILABLE, "no storage")
        text = rt.room.text(msg.text)
        _admit(rt, session)
        target = await _resolve(hub, msg.to_avatar, msg.to_username)
        if target.account_id is None:
            raise ChatRefusal(ErrorCode.NOT_ALLOWED, "guests cannot receive direct messages")
        if target.account_id == session.account_id:
            raise ChatRefusal(ErrorCode.NOT_ALLOWED, "not to yourself")
        try:
            dm = await hub.db(hub.store.send_direct, session.account_id, target.account_id, text)
        except StoreError as exc:
            raise _store_refusal(exc) from None
    except ChatRefusal as refusal:
        _refuse(session, refusal, msg.request_id)
        return
    online = _deliver_direct(hub, dm, stored=False)
    session.send(
        DirectSent(
            request_id=msg.request_id,
            id=dm.id,
            to_username=dm.recipient.username,
            to_name=dm.recipient.display_name,
            text=dm.text,
            sent_ms=_ms(dm.sent_at.timestamp()),
            online=online,
        )
    )
    if online:
        try:
            await hub.db(hub.store.mark_directs_delivered, dm.recipient.id, [dm.id])
        except StoreError:
            log.exception("mark_delivered_failed")  # it is sent again on their next login


# ── mute and block ───────────────────────────────────────────────────────────


async def on_mute(hub: Hub, session: Session, msg: Mute) -> None:
    rt = runtime(hub)
    try:
        target = await _resolve(hub, msg.avatar_id, msg.username)
        if target.key == _key(session):
            raise ChatRefusal(ErrorCode.NOT_ALLOWED, "not yourself")
        accounts = None  # a logged-in listener's lists, from the store
        if session.account is not None and hub.store is not None:
            try:
                if target.account_id is not None:  # an account muting an account: kept across visits
                    accounts = await hub.db(hub.store.set_mute, session.account_id, target.account_id, msg.on)
                else:
                    accounts = await hub.db(hub.store.chat_lists, session.account_id)
            except StoreError as exc:
                raise _store_refusal(exc) from None
    except ChatRefusal as refusal:
        _refuse(session, refusal, msg.request_id)
        return
    if session.avatar_id is None:
        return  # left while the store answered
    if target.account_id is not None:
        rt.room.account_names[target.account_id] = (target.username, target.name)
    (rt.room.mutes.mute if msg.on else rt.room.mutes.unmute)(session.avatar_id, target.key)
    session.send(_lists_message(rt, session, msg.request_id, accounts))


async def on_block(hub: Hub, session: Session, msg: Block) -> None:
    rt = runtime(hub)
    try:
        if session.account is None:
            raise ChatRefusal(ErrorCode.LOGIN_REQUIRED, "guests receive no direct messages to block")
        if hub.store is None:
            raise ChatRefusal(ErrorCode.UNAVAILABLE, "no storage")
        target = await _resolve(hub, msg.avatar_id, msg.username)
        if target.account_id is None:
            raise ChatRefusal(ErrorCode.NOT_ALLOWED, "guests cannot send direct messages anyway")
        if target.account_id == session.account_id:
            raise ChatRefusal(ErrorCode.NOT_ALLOWED, "not yourself")
        try:
            accounts = await hub.db(hub.store.set_block, session.account_id, target.account_id, msg.on)
        except StoreError as exc:
            raise _store_refusal(exc) from None
    except ChatRefusal as refusal:
        _refuse(session, refusal, msg.request_id)
        return
    if session.avatar_id is not None:
        session.send(_lists_message(rt, session, msg.request_id, accounts))


# ── reports ──────────────────────────────────────────────────────────────────


async def on_report(hub: Hub, session: Session, msg: Report) -> None:
    rt = runtime(hub)
    try:
        if session.account is None:
            raise ChatRefusal(ErrorCode.LOGIN_REQUIRED, "log in to report")
        if hub.store is None:
            raise ChatRefusal(ErrorCode.UNAVAILABLE, "no storage")
        _admit(rt, session, even_if_muted=True)  # a muted person may still report
        target = await _resolve(hub, msg.avatar_id, msg.username)
        if target.key == _key(session):
            raise ChatRefusal(ErrorCode.NOT_ALLOWED, "not yourself")
        lines = rt.room.heard.lines_from(session.avatar_id, target.key, limit=rt.room.config.evidence_lines)
        try:
            report = await hub.db(
                hub.store.file_report,
                session.account_id,
                reported_id=target.account_id,
                reported_name=target.name,
                reason=msg.reason,
                note=" ".join(msg.note.split()),
                public_evidence=[line.evidence() for line in lines],
                direct_lines=rt.room.config.evidence_lines,
            )
        except StoreError as exc:
            raise _store_refusal(exc) from None
    except ChatRefusal as refusal:
        _refuse(session, refusal, msg.request_id)
        return
    log_event(log, "chat_report", report=report.id, reporter=session.account_id, reported=target.account_id)
    session.send(ReportFiled(request_id=msg.request_id, report_id=report.id, evidence=len(report.evidence)))


# ── moderation ───────────────────────────────────────────────────────────────


async def on_moderate(hub: Hub, session: Session, msg: Moderate) -> None:
    rt = runtime(hub)
    reason = " ".join(msg.reason.split())
    try:
        if session.role not in moderation.MODERATOR_ROLES:
            raise ChatRefusal(ErrorCode.NOT_ALLOWED, "only admins and hosts moderate")
        if not reason:
            raise ChatRefusal(ErrorCode.INVALID_FIELD, "a reason is needed")
        if hub.store is None:
            raise ChatRefusal(ErrorCode.UNAVAILABLE, "no storage for the audit")
        target = await _resolve(hub, msg.avatar_id, msg.username)
        facts = moderation.Target(
            role=target.role,
            is_actor=target.key == _key(session),
            has_account=target.account_id is not None,
            online=target.session is not None,
            zone_id=target.zone_id,
        )
        moderation.authorize(msg.action, session.role, facts, minutes=msg.minutes)
        until_s = moderation.ends_at(msg.action, time.time(), msg.minutes)
        until = datetime.fromtimestamp(until_s, UTC) if until_s is not None else None
        try:
            if msg.action == "ban":
                audit = Audit(actor_id=session.account_id)
                await hub.db(hub.store.ban_account, target.account_id, reason=reason, until=until, audit=audit)
            await hub.db(
                hub.store.record_moderation,
                msg.action,
                actor_id=session.account_id,
                target_id=target.account_id,
                target_name=target.name,
                reason=reason,
                minutes=msg.minutes,
                until=until,
            )
        except StoreError as exc:
            raise _store_refusal(exc) from None
    except ChatRefusal as refusal:
        _refuse(session, refusal, msg.request_id)
        return
    _apply_moderation(rt, target, msg.action, reason, msg.minutes, until_s, by_role=session.role)
    log_event(log, "moderated", action=msg.action, actor=session.account_id, target=target.account_id, name=target.name)
    session.send(
        ModerateDone(
            request_id=msg.request_id,
            action=msg.action,
            name=target.name,
            username=target.username,
            avatar_id=target.avatar_id,
            until_ms=_ms(until_s) if until_s is not None else 0,
        )
    )


def _apply_moderation(
    rt: ChatRuntime, target: _Who, action: str, reason: str, minutes: int, until_s: float | None, *, by_role: str
) -> None:
    """Put the act in force on this server and show it to the person (before any close)."""
    if action == "mute":
        rt.room.global_mutes.set(target.key, until_s, reason)
    elif action == "unmute":
        rt.room.global_mutes.lift(target.key)
    session = target.session
    if session is None:
        return
    until_ms = _ms(until_s) if until_s is not None else 0
    session.send(Moderated(action=action, reason=reason, minutes=minutes, until_ms=until_ms, by_role=by_role))
    if action in ("kick", "ban"):
        session.logged_out = True  # leave at once: no reconnect grace for a removed avatar
        session.conn.drop(CloseCode.KICKED if action == "kick" else CloseCode.BANNED, action)


# ── announcements ────────────────────────────────────────────────────────────


async def publish_announcement(hub: Hub, announcement: Announcement) -> None:
    """Put an announcement on the bus for every process; if the bus fails, show it here at least."""
    frame = encode(announcement)
    try:
        await hub.bus.publish(ANNOUNCEMENTS_CHANNEL, frame)
    except BusError:
        log.exception("announcement_bus_failed")
        deliver_announcement(hub, frame)


def _announcement_arrived(hub: Hub, payload: bytes) -> None:
    try:
        ok = isinstance(decode(payload), Announcement)
    except Exception:
        ok = False
    if not ok:
        log.warning("announcement_malformed_on_bus")
        return
    deliver_announcement(hub, payload)


def deliver_announcement(hub: Hub, frame: bytes) -> None:
    """The local fan-out: an encoded announcement to everyone in the world on this process."""
    for session in list(hub.sessions_by_avatar.values()):
        session.conn.send_bytes(frame)


async def on_announce(hub: Hub, session: Session, msg: Announce) -> None:
    rt = runtime(hub)
    try:
        if not moderation.may_announce(session.role):
            raise ChatRefusal(ErrorCode.NOT_ALLOWED, "only admins and hosts announce")
        text = rt.room.text(msg.text)
        _admit(rt, session)
    except ChatRefusal as refusal:
        _refuse(session, refusal, msg.request_id)
        return
    now_s = time.time()
    announcement = Announcement(
        id=rt.room.next_id(), name=session.name, role=session.role, text=text, server_time_ms=_ms(now_s)
    )
    await rt.publish(hub, announcement)
    rt.pending.append(
        ChatLine(
            at=datetime.fromtimestamp(now_s, UTC),
            channel="announce",
            speaker_id=session.account_id,
            speaker_avatar=session.avatar_id,
            speaker_name=session.name,
            speaker_role=session.role,
            text=text,
        )
    )
    if hub.store is not None:
        try:
            await hub.db(
                hub.store.record_audit,
                "chat.announce",
                actor_id=session.account_id,
                target="building",
                detail={"text": text},
            )
        except StoreError:
            log.exception("announce_audit_failed")


# ── hooks ────────────────────────────────────────────────────────────────────


async def on_enter(hub: Hub, session: Session) -> None:
    """Send the lists, a mute in force and the direct messages that waited for this account."""
    rt = runtime(hub)
    avatar_id = session.avatar_id
    if session.account is None or hub.store is None:
        session.send(_lists_message(rt, session, 0))
        return
    account_id = session.account_id
    try:
        arrival = await hub.db(hub.store.chat_arrival, account_id)
    except StoreError:
        log.exception("chat_arrival_failed")
        return
    if session.avatar_id != avatar_id or session.conn.closing:
        return
    rt.room.mutes.replace(avatar_id, [("account", ref.id) for ref in arrival.lists.muted])
    for ref in arrival.lists.muted:
        rt.room.account_names[ref.id] = (ref.username, ref.display_name)
    session.send(_lists_message(rt, session, 0, arrival.lists))
    mute = arrival.mute
    if mute is not None and mute.until is not None:
        until_s = mute.until.timestamp()
        rt.room.global_mutes.set(_key(session), until_s, mute.reason)
        session.send(Moderated(action="mute", reason=mute.reason, minutes=mute.minutes, until_ms=_ms(until_s)))
    sent = [dm.id for dm in arrival.directs if _deliver_direct(hub, dm, stored=True)]
    if sent:
        try:
            await hub.db(hub.store.mark_directs_delivered, account_id, sent)
        except StoreError:
            log.exception("mark_delivered_failed")


def on_leave(hub: Hub, avatar_id: int, account_id: int | None) -> None:
    runtime(hub).room.forget(avatar_id, account_id)


def on_tick(hub: Hub, now_s: float) -> None:
    """Every tick, cheaply: start a batched write of the chat log, the retention purge, pruning."""
    rt = runtime(hub)
    cfg = rt.config
    if rt.next_flush_s is None:
        rt.next_flush_s = now_s + cfg.flush_interval_s
        rt.next_purge_s = now_s + cfg.first_purge_s
    store = hub.store
    if now_s >= rt.next_flush_s:
        rt.next_flush_s = now_s + cfg.flush_interval_s
        if rt.pending:
            lines, rt.pending = rt.pending, []
            if store is not None:
                rt.spawn(hub.db(store.add_chat_lines, lines), "chat_log")
    if now_s >= rt.next_purge_s:
        rt.next_purge_s = now_s + cfg.purge_interval_s
        if store is not None:
            rt.spawn(_purge(hub, store, cfg.retention_days), "chat_purge")
    if now_s >= rt.next_prune_s:
        rt.next_prune_s = now_s + _PRUNE_EVERY_S
        rt.room.limits.prune(time.monotonic())


async def _purge(hub: Hub, store, retention_days: float) -> None:
    def purge():
        return store.purge_chat(store.now() - timedelta(days=retention_days))  # the store's clock

    report = await hub.db(purge)
    if report.total:
        log_event(log, "chat_purged", lines=report.lines, directs=report.directs, reports=report.reports)


FEATURE = Feature(
    name="chat",
    handlers={
        MessageType.CHAT_SEND: on_chat_send,
        MessageType.EMOTE: on_emote,
        MessageType.DIRECT_SEND: on_direct_send,
        MessageType.MUTE: on_mute,
        MessageType.BLOCK: on_block,
        MessageType.REPORT: on_report,
        MessageType.MODERATE: on_moderate,
        MessageType.ANNOUNCE: on_announce,
    },
    on_enter=on_enter,
    on_leave=on_leave,
    on_tick=on_tick,
)
