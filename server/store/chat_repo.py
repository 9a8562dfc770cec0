"""Chat: the moderation log of public lines (written in batches, purged after the retention),
direct messages and their delivery, personal mutes and blocks, reports with evidence, and
moderation actions. Every moderation act and report is audited in its own transaction.

Direct messages are read only by their two parties (`undelivered_directs`,
`direct_conversation` take the reader's account) and by an admin handling a report between
them (`report_directs`, audited).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session, aliased

from makaverse.protocol.privacy import may_read_direct

from .audit_repo import add_audit
from .base import StoreBase, affected_rows
from .dto import Audit
from .errors import Conflict, InvalidValue, NotFound
from .models import AccountRow
from .models_chat import (
    CHAT_CHANNELS,
    MOD_ACTIONS,
    REPORT_REASONS,
    ChatBlockRow,
    ChatLineRow,
    ChatMuteRow,
    ChatReportRow,
    DirectMessageRow,
    ModerationRow,
)

__all__ = [
    "ChatRepo",
    "Blocked",
    "ChatLine",
    "StoredLine",
    "DirectMessage",
    "AccountRef",
    "ChatLists",
    "ChatReport",
    "ModerationAction",
    "ChatArrival",
    "PurgeReport",
    "MAX_LIST_ENTRIES",
]

MAX_LIST_ENTRIES = 200  # mutes, and blocks, per account
MAX_TEXT = 2000
MAX_LIST = 1000

class Blocked(Conflict):
    """The recipient blocked the sender: no direct message."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ChatLine:
    """A public line to keep for moderation (what the server hands `add_chat_lines`)."""

    at: datetime
    channel: str
    speaker_avatar: int
    speaker_name: str
    speaker_role: str
    text: str
    zone_id: str = ""
    speaker_id: int | None = None  # None for a guest
    x_m: float | None = None
    y_m: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredLine(ChatLine):
    id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountRef:
    id: int
    username: str
    display_name: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DirectMessage:
    id: int
    sender: AccountRef
    sender_role: str
    recipient: AccountRef
    text: str
    sent_at: datetime
    delivered_at: datetime | None

    @property
    def delivered(self) -> bool:
        return self.delivered_at is not None

    def evidence(self) -> dict[str, Any]:
        return {
            "kind": "direct",
            "id": self.id,
            "at_ms": int(self.sent_at.timestamp() * 1000),
            "from": self.sender.username,
            "to": self.recipient.username,
            "text": self.text,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class ChatLists:
    muted: tuple[AccountRef, ...] = ()
    blocked: tuple[AccountRef, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class ChatReport:
    id: int
    reporter_id: int
    reported_id: int | None
    reported_name: str
    reason: str
    note: str
    evidence: tuple[dict[str, Any], ...]
    status: str
    created_at: datetime
    handled_by: int | None = None
    handled_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ModerationAction:
    id: int
    action: str
    actor_id: int | None
    target_id: int | None
    target_name: str
    reason: str
    minutes: int
    created_at: datetime
    until: datetime | None
    lifted_at: datetime | None = None

    def in_force(self, at: datetime) -> bool:
        return self.lifted_at is None and (self.until is None or self.until > at)


@dataclass(frozen=True, slots=True, kw_only=True)
class ChatArrival:
    """What an account needs on entering the world: its lists, a mute in force, waiting messages."""

    lists: ChatLists
    mute: ModerationAction | None
    directs: tuple[DirectMessage, ...] = field(default=())


@dataclass(frozen=True, slots=True, kw_only=True)
class PurgeReport:
    lines: int = 0
    directs: int = 0
    reports: int = 0

    @property
    def total(self) -> int:
        return self.lines + self.directs + self.reports


def _ref(row: AccountRow) -> AccountRef:
    return AccountRef(id=row.id, username=row.username, display_name=row.display_name)


def _line_dto(row: ChatLineRow) -> StoredLine:
    return StoredLine(
        id=row.id,
        at=row.at,
        channel=row.channel,
        zone_id=row.zone_id,
        speaker_id=row.speaker_id,
        speaker_avatar=row.speaker_avatar,
        speaker_name=row.speaker_name,
        speaker_role=row.speaker_role,
        x_m=row.x_m,
        y_m=row.y_m,
        text=row.text,
    )


def _report_dto(row: ChatReportRow) -> ChatReport:
    return ChatReport(
        id=row.id,
        reporter_id=row.reporter_id,
        reported_id=row.reported_id,
        reported_name=row.reported_name,
        reason=row.reason,
        note=row.note,
        evidence=tuple(dict(e) for e in row.evidence),
        status=row.status,
        created_at=row.created_at,
        handled_by=row.handled_by,
        handled_at=row.handled_at,
    )


def _moderation_dto(row: ModerationRow) -> ModerationAction:
    return ModerationAction(
        id=row.id,
        action=row.action,
        actor_id=row.actor_id,
        target_id=row.target_id,
        target_name=row.target_name,
        reason=row.reason,
        minutes=row.minutes,
        created_at=row.created_at,
        until=row.until,
        lifted_at=row.lifted_at,
    )


_Sender = aliased(AccountRow)
_Recipient = aliased(AccountRow)


def _directs_query():
    return (
        select(DirectMessageRow, _Sender, _Recipient)
        .join(_Sender, _Sender.id == DirectMessageRow.sender_id)
        .join(_Recipient, _Recipient.id == DirectMessageRow.recipient_id)
    )


def _direct_dto(dm: DirectMessageRow, sender: AccountRow, recipient: AccountRow) -> DirectMessage:
    return DirectMessage(
        id=dm.id,
        sender=_ref(sender),
        sender_role=sender.role,
        recipient=_ref(recipient),
        text=dm.text,
        sent_at=dm.sent_at,
        delivered_at=dm.delivered_at,
    )


def _between(a: int, b: int):
    return or_(
        and_(DirectMessageRow.sender_id == a, DirectMessageRow.recipient_id == b),
        and_(DirectMessageRow.sender_id == b, DirectMessageRow.recipient_id == a),
    )


def _conversation(session: Session, a: int, b: int, limit: int) -> tuple[DirectMessage, ...]:
    """The last `limit` messages between two accounts, oldest first."""
    newest = DirectMessageRow.id.desc()
    query = _directs_query().where(_between(a, b)).order_by(newest).limit(max(1, min(limit, MAX_LIST)))
    return tuple(reversed([_direct_dto(*row) for row in session.execute(query)]))


def _account(session: Session, account_id: int) -> AccountRow:
    row = session.get(AccountRow, account_id)
    if row is None:
        raise NotFound(f"account {account_id}")
    return row


def _active_mute(session: Session, account_id: int, now: datetime) -> ModerationRow | None:
    query = (
        select(ModerationRow)
        .where(
            ModerationRow.target_id == account_id,
            ModerationRow.action == "mute",
            ModerationRow.lifted_at.is_(None),
            or_(ModerationRow.until.is_(None), ModerationRow.until > now),
        )
        .order_by(ModerationRow.until.desc())
        .limit(1)
    )
    return session.scalar(query)


def _lists(session: Session, account_id: int) -> ChatLists:
    muted = session.scalars(
        select(AccountRow)
        .join(ChatMuteRow, ChatMuteRow.muted_id == AccountRow.id)
        .where(ChatMuteRow.account_id == account_id)
        .order_by(AccountRow.username)
    )
    blocked = session.scalars(
        select(AccountRow)
        .join(ChatBlockRow, ChatBlockRow.blocked_id == AccountRow.id)
        .where(ChatBlockRow.account_id == account_id)
        .order_by(AccountRow.username)
    )
    return ChatLists(muted=tuple(_ref(r) for r in muted), blocked=tuple(_ref(r) for r in blocked))


class ChatRepo(StoreBase):
    # -- the moderation log of public lines ---------------------------------------------------

    def add_chat_lines(self, lines: Sequence[ChatLine]) -> int:
        """Keep a batch of public lines in one transaction; returns how many."""
        for line in lines:
            if line.channel not in CHAT_CHANNELS:
                raise InvalidValue(f"channel {line.channel!r}")
        if not lines:
            return 0
        rows = [
            {
                "at": line.at,
                "channel": line.channel,
                "zone_id": line.zone_id[:64],
                "speaker_id": line.speaker_id,
                "speaker_avatar": line.speaker_avatar,
                "speaker_name": line.speaker_name[:32],
                "speaker_role": line.speaker_role[:16],
                "x_m": line.x_m,
                "y_m": line.y_m,
                "text": line.text[:MAX_TEXT],
            }
            for line in lines
        ]
        with self._write() as session:
            # One multi-row INSERT, no ORM objects: a batch costs the writer thread little time (and GIL).
            session.execute(insert(ChatLineRow), rows)
        return len(lines)

    def chat_lines(
        self, *, speaker_id: int | None = None, since: datetime | None = None, limit: int = 100
    ) -> tuple[StoredLine, ...]:
        """Logged lines for moderators, newest first."""
        query = select(ChatLineRow).order_by(ChatLineRow.id.desc()).limit(max(1, min(limit, MAX_LIST)))
        if speaker_id is not None:
            query = query.where(ChatLineRow.speaker_id == speaker_id)
        if since is not None:
            query = query.where(ChatLineRow.at >= since)
        with self._read() as session:
            return tuple(_line_dto(row) for row in session.scalars(query))

    # -- direct messages ----------------------------------------------------------------------

    def send_direct(self, sender_id: int, recipient_id: int, text: str) -> DirectMessage:
        """Store a direct message (not yet delivered); `Blocked` when the recipient blocked the sender."""
        if sender_id == recipient_id:
            raise InvalidValue("a direct message to yourself")
        if not 0 < len(text) <= MAX_TEXT:
            raise InvalidValue(f"text: 1..{MAX_TEXT} characters")
        with self._write() as session:
            sender, recipient = _account(session, sender_id), _account(session, recipient_id)
            if session.get(ChatBlockRow, (recipient_id, sender_id)) is not None:
                raise Blocked(f"{recipient.username} blocked {sender.username}")
            row = DirectMessageRow(
                sender_id=sender_id, recipient_id=recipient_id, text=text, sent_at=self.now(), delivered_at=None
            )
            session.add(row)
            session.flush()
            return _direct_dto(row, sender, recipient)

    def mark_directs_delivered(self, recipient_id: int, ids: Sequence[int]) -> int:
        """Mark messages to `recipient_id` as delivered now; returns how many changed."""
        if not ids:
            return 0
        with self._write() as session:
            result = session.execute(
                update(DirectMessageRow)
                .where(
                    DirectMessageRow.id.in_(list(ids)),
                    DirectMessageRow.recipient_id == recipient_id,
                    DirectMessageRow.delivered_at.is_(None),
                )
                .values(delivered_at=self.now())
            )
            return affected_rows(result)

    def undelivered_directs(self, recipient_id: int, *, limit: int = 100) -> tuple[DirectMessage, ...]:
        """Messages waiting for `recipient_id`, oldest first."""
        query = (
            _directs_query()
            .where(DirectMessageRow.recipient_id == recipient_id, DirectMessageRow.delivered_at.is_(None))
            .order_by(DirectMessageRow.id)
            .limit(max(1, min(limit, MAX_LIST)))
        )
        with self._read() as session:
            return tuple(_direct_dto(*row) for row in session.execute(query))

    def direct_conversation(self, account_id: int, other_id: int, *, limit: int = 50) -> tuple[DirectMessage, ...]:
        """The last messages between `account_id` (the reader, always a party) and `other_id`."""
        with self._read() as session:
            return _conversation(session, account_id, other_id, limit)

    # -- personal mutes and blocks ------------------------------------------------------------

    def set_mute(self, account_id: int, muted_id: int, on: bool) -> ChatLists:
        return self._set_pair(ChatMuteRow, "muted_id", account_id, muted_id, on)

    def set_block(self, account_id: int, blocked_id: int, on: bool) -> ChatLists:
        return self._set_pair(ChatBlockRow, "blocked_id", account_id, blocked_id, on)

    def _set_pair(self, model, column: str, account_id: int, other_id: int, on: bool) -> ChatLists:
        if account_id == other_id:
            raise InvalidValue("not yourself")
        with self._write() as session:
            _account(session, account_id)
            _account(session, other_id)
            existing = session.get(model, (account_id, other_id))
            if on and existing is None:
                count = session.scalar(select(func.count()).select_from(model).where(model.account_id == account_id))
                if (count or 0) >= MAX_LIST_ENTRIES:
                    raise InvalidValue(f"at most {MAX_LIST_ENTRIES} entries")
                session.add(model(account_id=account_id, **{column: other_id}, created_at=self.now()))
            elif not on and existing is not None:
                session.delete(existing)
            session.flush()
            return _lists(session, account_id)

    def chat_lists(self, account_id: int) -> ChatLists:
        with self._read() as session:
            return _lists(session, account_id)

    def chat_arrival(self, account_id: int, *, limit: int = 100) -> ChatArrival:
        """Lists, a moderator mute in force and the waiting direct messages, in one read."""
        with self._read() as session:
            mute = _active_mute(session, account_id, self.now())
            query = (
                _directs_query()
                .where(DirectMessageRow.recipient_id == account_id, DirectMessageRow.delivered_at.is_(None))
                .order_by(DirectMessageRow.id)
                .limit(max(1, min(limit, MAX_LIST)))
            )
            return ChatArrival(
                lists=_lists(session, account_id),
                mute=_moderation_dto(mute) if mute is not None else None,
                directs=tuple(_direct_dto(*row) for row in session.execute(query)),
            )

    # -- reports ------------------------------------------------------------------------------

    def file_report(
        self,
        reporter_id: int,
        *,
        reported_id: int | None,
        reported_name: str,
        reason: str,
        note: str = "",
        public_evidence: Sequence[dict[str, Any]] = (),
        direct_lines: int = 20,
    ) -> ChatReport:
        """Store a report; its evidence is the public lines given plus the last `direct_lines`
        direct messages between the two (copies: they outlive the originals' purge until the
        report is closed and old)."""
        if reason not in REPORT_REASONS:
            raise InvalidValue(f"reason {reason!r}")
        if reported_id == reporter_id:
            raise InvalidValue("not yourself")
        with self._write() as session:
            reporter = _account(session, reporter_id)
            evidence = [dict(e) for e in public_evidence]
            if reported_id is not None:
                _account(session, reported_id)
                if direct_lines > 0:
                    evidence += [dm.evidence() for dm in _conversation(session, reporter_id, reported_id, direct_lines)]
            evidence.sort(key=lambda e: e.get("at_ms", 0))
            now = self.now()
            row = ChatReportRow(
                reporter_id=reporter_id,
                reported_id=reported_id,
                reported_name=reported_name[:32],
                reason=reason,
                note=note[:200],
                evidence=evidence,
                status="open",
                created_at=now,
                handled_by=None,
                handled_at=None,
            )
            session.add(row)
            session.flush()
            target = f"account:{reported_id}" if reported_id is not None else f"guest:{reported_name}"
            detail = {"report_id": row.id, "reason": reason, "evidence": len(evidence), "reporter": reporter.username}
            add_audit(session, Audit(actor_id=reporter_id), "chat.report", target, at=now, detail=detail)
            return _report_dto(row)

    def get_report(self, report_id: int) -> ChatReport:
        with self._read() as session:
            row = session.get(ChatReportRow, report_id)
            if row is None:
                raise NotFound(f"report {report_id}")
            return _report_dto(row)

    def list_reports(self, *, status: str | None = "open", limit: int = 100) -> tuple[ChatReport, ...]:
        """Reports, oldest first (the queue a moderator works through)."""
        query = select(ChatReportRow).order_by(ChatReportRow.id).limit(max(1, min(limit, MAX_LIST)))
        if status is not None:
            query = query.where(ChatReportRow.status == status)
        with self._read() as session:
            return tuple(_report_dto(row) for row in session.scalars(query))

    def close_report(self, report_id: int, *, handled_by: int, note: str = "") -> ChatReport:
        with self._write() as session:
            row = session.get(ChatReportRow, report_id, with_for_update=True)
            if row is None:
                raise NotFound(f"report {report_id}")
            if row.status == "closed":
                raise Conflict(f"report {report_id} is closed")
            now = self.now()
            row.status, row.handled_by, row.handled_at = "closed", handled_by, now
            detail = {"note": note[:200]} if note else None
            add_audit(session, Audit(actor_id=handled_by), "report.close", f"report:{report_id}", at=now, detail=detail)
            return _report_dto(row)

    def report_directs(self, report_id: int, *, viewer_id: int, limit: int = 100) -> tuple[DirectMessage, ...]:
        """The direct messages between a report's two parties, for an admin handling it (audited)."""
        with self._write() as session:
            report = session.get(ChatReportRow, report_id)
            if report is None:
                raise NotFound(f"report {report_id}")
            viewer = _account(session, viewer_id)
            if report.reported_id is None:
                return ()
            parties = frozenset({report.reporter_id, report.reported_id})
            if not may_read_direct(
                viewer_id,
                viewer.role,
                sender_id=report.reporter_id,
                recipient_id=report.reported_id,
                report_parties=parties,
            ):
                raise InvalidValue("only the two parties or an admin handling the report")
            messages = _conversation(session, report.reporter_id, report.reported_id, limit)
            add_audit(
                session,
                Audit(actor_id=viewer_id),
                "report.read_directs",
                f"report:{report_id}",
                at=self.now(),
                detail={"messages": len(messages)},
            )
            return messages

    # -- moderation ---------------------------------------------------------------------------

    def record_moderation(
        self,
        action: str,
        *,
        actor_id: int | None,
        target_id: int | None,
        target_name: str,
        reason: str,
        minutes: int = 0,
        until: datetime | None = None,
        via: str = "server",
    ) -> ModerationAction:
        """Keep a moderator's act and its audit row together; an unmute lifts the mutes in force."""
        if action not in MOD_ACTIONS:
            raise InvalidValue(f"action {action!r}")
        if not 0 < len(reason) <= 200:
            raise InvalidValue("reason: 1..200 characters")
        with self._write() as session:
            if target_id is not None:
                _account(session, target_id)
            now = self.now()
            if action == "unmute" and target_id is not None:
                session.execute(
                    update(ModerationRow)
                    .where(
                        ModerationRow.target_id == target_id,
                        ModerationRow.action == "mute",
                        ModerationRow.lifted_at.is_(None),
                    )
                    .values(lifted_at=now)
                )
            row = ModerationRow(
                action=action,
                actor_id=actor_id,
                target_id=target_id,
                target_name=target_name[:32],
                reason=reason,
                minutes=minutes,
                created_at=now,
                until=until,
                lifted_at=None,
            )
            session.add(row)
            session.flush()
            target = f"account:{target_id}" if target_id is not None else f"guest:{target_name[:32]}"
            detail = {
                "reason": reason,
                "minutes": minutes,
                "until": until.isoformat() if until else None,
                "moderation_id": row.id,
            }
            add_audit(session, Audit(actor_id=actor_id, via=via), f"chat.{action}", target, at=now, detail=detail)
            return _moderation_dto(row)

    def active_mute(self, account_id: int) -> ModerationAction | None:
        with self._read() as session:
            row = _active_mute(session, account_id, self.now())
            return _moderation_dto(row) if row is not None else None

    def moderation_history(self, target_id: int, *, limit: int = 100) -> tuple[ModerationAction, ...]:
        query = (
            select(ModerationRow)
            .where(ModerationRow.target_id == target_id)
            .order_by(ModerationRow.id.desc())
            .limit(max(1, min(limit, MAX_LIST)))
        )
        with self._read() as session:
            return tuple(_moderation_dto(row) for row in session.scalars(query))

    # -- retention ----------------------------------------------------------------------------

    def purge_chat(self, older_than: datetime) -> PurgeReport:
        """Delete public lines and direct messages from before `older_than`, and closed reports
        filed before it. Open reports keep their evidence until a moderator closes them."""
        with self._write() as session:
            lines = affected_rows(session.execute(delete(ChatLineRow).where(ChatLineRow.at < older_than)))
            directs = affected_rows(
                session.execute(delete(DirectMessageRow).where(DirectMessageRow.sent_at < older_than))
            )
            reports = affected_rows(
                session.execute(
                    delete(ChatReportRow).where(ChatReportRow.status == "closed", ChatReportRow.created_at < older_than)
                )
            )
            report = PurgeReport(lines=lines, directs=directs, reports=reports)
            if report.total:
                detail = {"lines": lines, "directs": directs, "reports": reports, "older_than": older_than.isoformat()}
                add_audit(session, Audit(actor_id=None), "chat.purge", "chat", at=self.now(), detail=detail)
            return report
