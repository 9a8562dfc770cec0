"""The chat component: public chat and emotes among the avatars of one instance, direct messages,
mute and block lists, reports, moderation and announcements. Sans-I/O: store calls are yielded,
pushes and closes are effects; the rules are `services.chat` and `services.moderation`.

Each instance has its own `Chat` (who hears a line is decided by its own simulation), all sharing
one `ChatShared` per process: lists, mutes, rate limits and what each listener heard follow an
avatar from one instance to the next. Announcements go out on the bus (channel
`chat.announcements`, the encoded `announcement` frame) so every process shows them; the wiring
delivers what arrives. When the bus fails, this process still shows its own announcement.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from makaverse.protocol import (
    Announce,
    Announcement,
    Block,
    ChatLists,
    ChatSend,
    CloseCode,
    Direct,
    DirectSend,
    DirectSent,
    Emote,
    Emoted,
    ErrorCode,
    MessageType,
    Moderate,
    Moderated,
    ModerateDone,
    Mute,
    Report,
    ReportFiled,
    encode,
)
from makaverse.protocol import (
    Chat as ChatMessage,
)

from ..services import moderation
from ..services.chat import ChatConfig, ChatRefusal, ChatRoom, HeardLine, SpeakerKey, chat_zone, speaker_key
from ..sim import Simulation
from .actor import Actor
from .component import Component, Roster
from .effects import Announce as AnnounceReq
from .effects import Ctx, Deliver, Effects, HandlerRun, ToAccount, ToAvatar, ToConn, ToEveryone, drive
from .notes import note

__all__ = ["ANNOUNCEMENTS_CHANNEL", "Chat", "ChatShared"]

log = logging.getLogger("makaverse.chat")

ANNOUNCEMENTS_CHANNEL = "chat.announcements"
_PRUNE_EVERY_S = 10.0


@dataclass
class ChatShared:
    """One process's chat state, shared by the chat of every instance."""

    config: ChatConfig
    room: ChatRoom
    next_purge_s: float | None = None
    next_prune_s: float = 0.0
    pending: list[dict] = field(default_factory=list)  # public lines waiting to be logged (store ChatLine fields)
    next_flush_s: float | None = None
    # Direct messages handed to a connection whose "delivered" mark is not committed yet, by
    # recipient account: a login in that window reads them as waiting and must not send them again.
    marking: dict[int, set[int]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Who:
    """Someone a command names: by the avatar you see, or by username."""

    avatar_id: int  # 0 when not in the world
    account_id: int | None
    username: str
    name: str
    role: str
    online: bool
    zone_id: str = ""

    @property
    def key(self) -> SpeakerKey:
        return speaker_key(self.account_id, self.avatar_id)


class Chat(Component):
    name = "chat"
    handlers = {
        MessageType.CHAT_SEND: "chat_send",
        MessageType.EMOTE: "emote",
        MessageType.DIRECT_SEND: "direct_send",
        MessageType.MUTE: "mute",
        MessageType.BLOCK: "block",
        MessageType.REPORT: "report",
        MessageType.MODERATE: "moderate",
        MessageType.ANNOUNCE: "announce",
    }

    def __init__(self, instance_id: str, sim: Simulation, roster: Roster, shared: ChatShared) -> None:
        self.instance_id = instance_id
        self.sim = sim
        self.roster = roster
        self.shared = shared
        self.room = shared.room

    # ── helpers ──────────────────────────────────────────────────────────────
    def _admit(self, ctx: Ctx, *, even_if_muted: bool = False) -> None:
        assert ctx.actor is not None
        self.room.admit(ctx.actor.speaker, wall_s=ctx.now_s, mono_s=ctx.now_s, even_if_muted=even_if_muted)

    def _listeners(self, channel: str, actor: Actor) -> list[int]:
        t = self.sim.avatars
        slots = t.active_slots()
        return self.room.listeners(
            channel, actor.avatar_id, actor.speaker, ids=t.ids[slots], pos=t.pos[slots], zones=t.zone[slots]
        )

    def _resolve(self, ctx: Ctx, avatar_id: int, username: str) -> HandlerRun:
        roster = self.roster
        if avatar_id:
            actor = roster.actor(avatar_id)
            if actor is None:
                raise ChatRefusal(ErrorCode.NOT_FOUND, "no such avatar")
            online = roster.online(avatar_id)
            return _Who(
                avatar_id, actor.account_id, actor.username, actor.name, actor.role, online, roster.zone_of(avatar_id)
            )
        account = yield ctx.call("get_account_by_username", username)
        found = roster.avatar_of_account(account.id) or 0
        zone = roster.zone_of(found) if found else ""
        return _Who(found, account.id, account.username, account.display_name, account.role, bool(found), zone)

    def _lists(self, actor: Actor, request_id: int, accounts: Any = None) -> ChatLists:
        """The listener's lists: accounts from the store (logged in) or from memory (a guest)."""
        muted_keys = self.room.mutes.muted_by(actor.avatar_id)
        if accounts is not None:
            muted = [(r.username, r.display_name) for r in accounts.muted]
            blocked = [(r.username, r.display_name) for r in accounts.blocked]
        else:
            names = self.room.account_names
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

    def _log_line(self, actor: Actor, now_s: float, channel: str, text: str, zone_id: str = "") -> None:
        x = y = None
        if self.sim.has(actor.avatar_id):
            x, y = self.sim.position(actor.avatar_id)
        self.shared.pending.append(
            {
                "at": datetime.fromtimestamp(now_s, UTC),
                "channel": channel,
                "zone_id": zone_id,
                "speaker_id": actor.account_id,
                "speaker_avatar": actor.avatar_id,
                "speaker_name": actor.name,
                "speaker_role": actor.role,
                "x_m": round(x, 2) if x is not None else None,
                "y_m": round(y, 2) if y is not None else None,
                "text": text,
            }
        )

    # ── public chat and emotes ───────────────────────────────────────────────
    def chat_send(self, ctx: Ctx, msg: ChatSend) -> None:
        actor = ctx.actor
        assert actor is not None
        text = self.room.text(msg.text)
        self._admit(ctx)
        listeners = self._listeners(msg.channel, actor)
        if not listeners:
            raise ChatRefusal(ErrorCode.NOT_ALLOWED, "outside every zone")
        zone_here = self.sim.zone_id(actor.avatar_id)
        zone_id = chat_zone(zone_here) if msg.channel == "zone" else ""
        line = ChatMessage(
            id=self.room.next_id(),
            channel=msg.channel,
            avatar_id=actor.avatar_id,
            name=actor.name,
            role=actor.role,
            text=text,
            server_time_ms=ctx.now_ms,
            zone_id=zone_id,
            username=actor.username,
        )
        frame = encode(line)
        for avatar_id in listeners:
            ctx.push(ToAvatar(avatar_id), frame)
        heard = HeardLine(line.server_time_ms, msg.channel, actor.speaker, actor.avatar_id, actor.name, text, zone_id)
        self.room.heard.add(listeners, heard)
        if not (self.sim.has(actor.avatar_id)):
            return
        self._log_line(actor, ctx.now_s, msg.channel, text, zone_id or zone_here)

    def emote(self, ctx: Ctx, msg: Emote) -> None:
        actor = ctx.actor
        assert actor is not None
        self._admit(ctx)
        frame = encode(Emoted(avatar_id=actor.avatar_id, emote=msg.emote))
        for avatar_id in self._listeners("nearby", actor):
            ctx.push(ToAvatar(avatar_id), frame)

    # ── direct messages ──────────────────────────────────────────────────────
    def direct_send(self, ctx: Ctx, msg: DirectSend) -> HandlerRun:
        actor = ctx.actor
        assert actor is not None
        if actor.account_id is None:
            raise ChatRefusal(ErrorCode.LOGIN_REQUIRED, "guests cannot send direct messages")
        text = self.room.text(msg.text)
        self._admit(ctx)
        target = yield from self._resolve(ctx, msg.to_avatar, msg.to_username)
        if target.account_id is None:
            raise ChatRefusal(ErrorCode.NOT_ALLOWED, "guests cannot receive direct messages")
        if target.account_id == actor.account_id:
            raise ChatRefusal(ErrorCode.NOT_ALLOWED, "not to yourself")
        dm = yield ctx.call("send_direct", actor.account_id, target.account_id, text)
        online = yield Deliver(ToAccount(dm.recipient.id), _direct(dm, stored=False))
        ctx.reply(
            DirectSent(
                request_id=msg.request_id,
                id=dm.id,
                to_username=dm.recipient.username,
                to_name=dm.recipient.display_name,
                text=dm.text,
                sent_ms=int(dm.sent_at.timestamp() * 1000),
                online=online,
            )
        )
        if online:
            try:
                yield from self._mark_delivered(ctx, dm.recipient.id, [dm.id])
            except Exception:
                log.exception("mark_delivered_failed")  # it is sent again on their next login

    def _mark_delivered(self, ctx: Ctx, account_id: int, ids: list[int]) -> HandlerRun:
        """Store that `ids` reached `account_id`; until that commits, an arrival skips them."""
        marking = self.shared.marking
        marking.setdefault(account_id, set()).update(ids)
        try:
            yield ctx.call("mark_directs_delivered", account_id, ids)
        finally:
            waiting = marking.get(account_id)
            if waiting is not None:
                waiting.difference_update(ids)
                if not waiting:
                    del marking[account_id]

    # ── mute and block ───────────────────────────────────────────────────────
    def mute(self, ctx: Ctx, msg: Mute) -> HandlerRun:
        actor = ctx.actor
        assert actor is not None
        target = yield from self._resolve(ctx, msg.avatar_id, msg.username)
        if target.key == actor.speaker:
            raise ChatRefusal(ErrorCode.NOT_ALLOWED, "not yourself")
        accounts = None  # a logged-in listener's lists, from the store
        if actor.account_id is not None:
            if target.account_id is not None:  # an account muting an account: kept across visits
                accounts = yield ctx.call("set_mute", actor.account_id, target.account_id, msg.on)
            else:
                accounts = yield ctx.call("chat_lists", actor.account_id)
        if self.roster.actor(actor.avatar_id) is None:
            return  # left while the store answered
        if target.account_id is not None:
            self.room.account_names[target.account_id] = (target.username, target.name)
        (self.room.mutes.mute if msg.on else self.room.mutes.unmute)(actor.avatar_id, target.key)
        ctx.reply(self._lists(actor, msg.request_id, accounts))

    def block(self, ctx: Ctx, msg: Block) -> HandlerRun:
        actor = ctx.actor
        assert actor is not None
        if actor.account_id is None:
            raise ChatRefusal(ErrorCode.LOGIN_REQUIRED, "guests receive no direct messages to block")
        target = yield from self._resolve(ctx, msg.avatar_id, msg.username)
        if target.account_id is None:
            raise ChatRefusal(ErrorCode.NOT_ALLOWED, "guests cannot send direct messages anyway")
        if target.account_id == actor.account_id:
            raise ChatRefusal(ErrorCode.NOT_ALLOWED, "not yourself")
        accounts = yield ctx.call("set_block", actor.account_id, target.account_id, msg.on)
        ctx.reply(self._lists(actor, msg.request_id, accounts))

    # ── reports ──────────────────────────────────────────────────────────────
    def report(self, ctx: Ctx, msg: Report) -> HandlerRun:
        actor = ctx.actor
        assert actor is not None
        if actor.account_id is None:
            raise ChatRefusal(ErrorCode.LOGIN_REQUIRED, "log in to report")
        self._admit(ctx, even_if_muted=True)  # a muted person may still report
        target = yield from self._resolve(ctx, msg.avatar_id, msg.username)
        if target.key == actor.speaker:
            raise ChatRefusal(ErrorCode.NOT_ALLOWED, "not yourself")
        lines = self.room.heard.lines_from(actor.avatar_id, target.key, limit=self.room.config.evidence_lines)
        filed = yield ctx.call(
            "file_report",
            actor.account_id,
            reported_id=target.account_id,
            reported_name=target.name,
            reason=msg.reason,
            note=" ".join(msg.note.split()),
            public_evidence=[line.evidence() for line in lines],
            direct_lines=self.room.config.evidence_lines,
        )
        note(log, "chat_report", report=filed.id, reporter=actor.account_id, reported=target.account_id)
        ctx.reply(ReportFiled(request_id=msg.request_id, report_id=filed.id, evidence=len(filed.evidence)))

    # ── moderation ───────────────────────────────────────────────────────────
    def moderate(self, ctx: Ctx, msg: Moderate) -> HandlerRun:
        actor = ctx.actor
        assert actor is not None
        reason = " ".join(msg.reason.split())
        if actor.role not in moderation.MODERATOR_ROLES:
            raise ChatRefusal(ErrorCode.NOT_ALLOWED, "only admins and hosts moderate")
        if not reason:
            raise ChatRefusal(ErrorCode.INVALID_FIELD, "a reason is needed")
        target = yield from self._resolve(ctx, msg.avatar_id, msg.username)
        facts = moderation.Target(
            role=target.role,
            is_actor=target.key == actor.speaker,
            has_account=target.account_id is not None,
            online=target.online,
            zone_id=target.zone_id,
        )
        moderation.authorize(msg.action, actor.role, facts, minutes=msg.minutes)
        until_s = moderation.ends_at(msg.action, ctx.now_s, msg.minutes)
        until = datetime.fromtimestamp(until_s, UTC) if until_s is not None else None
        if msg.action == "ban":
            yield ctx.call("ban_account", target.account_id, reason=reason, until=until, actor_id=actor.account_id)
        yield ctx.call(
            "record_moderation",
            msg.action,
            actor_id=actor.account_id,
            target_id=target.account_id,
            target_name=target.name,
            reason=reason,
            minutes=msg.minutes,
            until=until,
        )
        self._apply_moderation(ctx, target, msg.action, reason, msg.minutes, until_s, by_role=actor.role)
        note(log, "moderated", action=msg.action, actor=actor.account_id, target=target.account_id, name=target.name)
        ctx.reply(
            ModerateDone(
                request_id=msg.request_id,
                action=msg.action,
                name=target.name,
                username=target.username,
                avatar_id=target.avatar_id,
                until_ms=int(until_s * 1000) if until_s is not None else 0,
            )
        )

    def _apply_moderation(
        self, ctx: Ctx, target: _Who, action: str, reason: str, minutes: int, until_s: float | None, *, by_role: str
    ) -> None:
        """Put the act in force in this process and show it to the person (before any close)."""
        if action == "mute" and until_s is not None:
            self.room.global_mutes.set(target.key, until_s, reason)
        elif action == "unmute":
            self.room.global_mutes.lift(target.key)
        if not target.online:
            return
        until_ms = int(until_s * 1000) if until_s is not None else 0
        where = ToAvatar(target.avatar_id)
        ctx.push(where, Moderated(action=action, reason=reason, minutes=minutes, until_ms=until_ms, by_role=by_role))
        if action in ("kick", "ban"):
            # Leave at once: no reconnect grace for a removed avatar.
            ctx.close(where, CloseCode.KICKED if action == "kick" else CloseCode.BANNED, action)

    # ── announcements ────────────────────────────────────────────────────────
    def announce(self, ctx: Ctx, msg: Announce) -> HandlerRun:
        actor = ctx.actor
        assert actor is not None
        if not moderation.may_announce(actor.role):
            raise ChatRefusal(ErrorCode.NOT_ALLOWED, "only admins and hosts announce")
        text = self.room.text(msg.text)
        self._admit(ctx)
        announcement = Announcement(
            id=self.room.next_id(), name=actor.name, role=actor.role, text=text, server_time_ms=ctx.now_ms
        )
        frame = encode(announcement)
        if not (yield AnnounceReq(ANNOUNCEMENTS_CHANNEL, frame)):
            ctx.push(ToEveryone(), frame)  # the bus failed: show it here at least
        self._log_line(actor, ctx.now_s, "announce", text)
        ctx.write("record_audit", "chat.announce", actor_id=actor.account_id, target="building", detail={"text": text})

    # ── hooks ────────────────────────────────────────────────────────────────
    def enter(self, actor: Actor, now_ms: int) -> Effects:
        ctx = Ctx(actor, 0, now_ms)
        return drive(self._enter(ctx), ctx)

    def _enter(self, ctx: Ctx) -> HandlerRun:
        """Send the lists, a mute in force and the direct messages that waited for this account."""
        actor = ctx.actor
        assert actor is not None
        if actor.account_id is None:
            ctx.reply(self._lists(actor, 0))
            return
        arrival = yield ctx.call("chat_arrival", actor.account_id)
        if not self.roster.online(actor.avatar_id):
            return
        room = self.room
        room.mutes.replace(actor.avatar_id, [("account", ref.id) for ref in arrival.lists.muted])
        for ref in arrival.lists.muted:
            room.account_names[ref.id] = (ref.username, ref.display_name)
        ctx.reply(self._lists(actor, 0, arrival.lists))
        mute = arrival.mute
        if mute is not None and mute.until is not None:
            until_s = mute.until.timestamp()
            room.global_mutes.set(actor.speaker, until_s, mute.reason)
            ctx.reply(Moderated(action="mute", reason=mute.reason, minutes=mute.minutes, until_ms=int(until_s * 1000)))
        sent = []
        being_marked = self.shared.marking.get(actor.account_id, ())
        for dm in arrival.directs:
            if dm.id in being_marked:
                continue  # delivered a moment ago to this account's previous connection
            if (yield Deliver(ToConn(actor.conn_id), _direct(dm, stored=True))):
                sent.append(dm.id)
        if sent:
            yield from self._mark_delivered(ctx, actor.account_id, sent)

    def leave(self, actor: Actor, now_ms: int) -> Effects:
        self.room.forget(actor.avatar_id, actor.account_id)
        return Effects()

    def tick(self, now_ms: int) -> Effects:
        """Cheaply, every tick: a batched write of the chat log, the retention purge, pruning."""
        ctx = Ctx(None, 0, now_ms)
        shared, cfg, now_s = self.shared, self.shared.config, ctx.now_s
        if shared.next_flush_s is None or shared.next_purge_s is None:
            shared.next_flush_s = now_s + cfg.flush_interval_s
            shared.next_purge_s = now_s + cfg.first_purge_s
        if now_s >= shared.next_flush_s:
            shared.next_flush_s = now_s + cfg.flush_interval_s
            if shared.pending:
                lines, shared.pending = shared.pending, []
                ctx.write("add_chat_lines", lines)
        if now_s >= shared.next_purge_s:
            shared.next_purge_s = now_s + cfg.purge_interval_s
            cutoff = datetime.fromtimestamp(now_s, UTC) - timedelta(days=cfg.retention_days)
            ctx.write("purge_chat", cutoff)
        if now_s >= shared.next_prune_s:
            shared.next_prune_s = now_s + _PRUNE_EVERY_S
            self.room.limits.prune(now_s)
        return ctx.fx


def _direct(dm: Any, *, stored: bool) -> Direct:
    return Direct(
        id=dm.id,
        from_username=dm.sender.username,
        from_name=dm.sender.display_name,
        from_role=dm.sender_role,
        text=dm.text,
        sent_ms=int(dm.sent_at.timestamp() * 1000),
        stored=stored,
    )
