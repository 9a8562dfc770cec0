"""Town-hall events: scheduling, the board, registrations and the "it started" notifications,
attendance per copy of the hall, the transcript, questions and polls with their votes, moderation
(audited), slide decks, and the export the city publishes.

Times are the store's clock. Questions and polls are addressed by their number in the event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from .audit_repo import add_audit
from .base import StoreBase
from .dto import Audit
from .errors import Conflict, InvalidValue, NotFound
from .models import AccountRow
from .models_booths import NotificationRow
from .models_events import (
    EVENT_MOD_ACTIONS,
    SLIDE_KINDS,
    EventAttendanceRow,
    EventLineRow,
    EventModerationRow,
    EventPollRow,
    EventPollVoteRow,
    EventQuestionRow,
    EventQuestionVoteRow,
    EventRegistrationRow,
    EventRow,
    EventSlideRow,
)
from .tickets_repo import Notification, _notification

__all__ = [
    "EventsRepo",
    "EventRecord",
    "SlideRecord",
    "LiveState",
    "EVENT_RECORD_KINDS",
    "ms_of",
    "MAX_DECK_ROWS",
]

MAX_DECK_ROWS = 60
_TRANSITIONS = {("scheduled", "live"), ("scheduled", "ended"), ("live", "live"), ("live", "ended")}


def ms_of(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def _at_ms(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1000, tz=UTC)


@dataclass(frozen=True, slots=True, kw_only=True)
class EventRecord:
    id: int
    title: str
    description: str
    opd: str
    start_ms: int
    end_ms: int
    capacity: int
    lang: str
    host_id: int
    host_name: str
    status: str
    doors: str
    registered: tuple[int, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class SlideRecord:
    position: int
    kind: str
    data: bytes
    text: str
    width: int
    height: int


@dataclass(frozen=True, slots=True, kw_only=True)
class LiveState:
    """What a live event's hall had said and counted, read back when a server starts again. Plain
    values, so the rooms rebuild their hall without importing the store: questions are maps of
    number, account_id, name, text, voters, answered, hidden; polls of number, question, options,
    live, open, votes (account id -> option)."""

    lines: int  # the last stage line's number
    questions: tuple[dict[str, Any], ...]
    polls: tuple[dict[str, Any], ...]
    muted: frozenset[int]
    removed: frozenset[int]


# What the hall writes many of, in batches (see `save_event_records`): plain maps, so the rooms
# build them without importing the store. Keys by "kind":
#   attendance:    event_id, account_id, instance ("" when leaving)
#   line:          event_id, number, account_id (or None), name, text
#   poll_vote:     event_id, number, account_id, option
#   question_vote: event_id, number, account_id
EVENT_RECORD_KINDS = ("attendance", "line", "poll_vote", "question_vote")
EventFact = dict[str, Any]


def _record(session: Session, row: EventRow) -> EventRecord:
    host = session.get(AccountRow, row.host_id)
    registered = session.scalars(
        select(EventRegistrationRow.account_id).where(EventRegistrationRow.event_id == row.id)
    ).all()
    return EventRecord(
        id=row.id,
        title=row.title,
        description=row.description,
        opd=row.opd_code,
        start_ms=ms_of(row.start_at),
        end_ms=ms_of(row.end_at),
        capacity=row.capacity,
        lang=row.lang,
        host_id=row.host_id,
        host_name=host.display_name if host is not None else "",
        status=row.status,
        doors=row.doors,
        registered=tuple(registered),
    )


class EventsRepo(StoreBase):
    # ── the board ────────────────────────────────────────────────────────────
    def create_event(
        self,
        host_id: int,
        *,
        title: str,
        start_ms: int,
        end_ms: int,
        description: str = "",
        opd: str = "",
        capacity: int = 500,
        lang: str = "id",
    ) -> EventRecord:
        if end_ms <= start_ms or capacity < 1:
            raise InvalidValue("an event ends after it starts and holds someone")
        with self._write() as session:
            if session.get(AccountRow, host_id) is None:
                raise NotFound(f"account {host_id}")
            row = EventRow(
                title=title,
                description=description,
                opd_code=opd,
                start_at=_at_ms(start_ms),
                end_at=_at_ms(end_ms),
                capacity=capacity,
                lang=lang,
                host_id=host_id,
                status="scheduled",
                doors="closed",
                created_at=self.now(),
            )
            session.add(row)
            session.flush()
            audit = Audit(actor_id=host_id, via="server")
            add_audit(session, audit, "event_schedule", f"event:{row.id}", at=self.now())
            return _record(session, row)

    def get_event(self, event_id: int) -> EventRecord:
        with self._read() as session:
            row = session.get(EventRow, event_id)
            if row is None:
                raise NotFound(f"event {event_id}")
            return _record(session, row)

    def list_events(self, *, include_ended: bool = False, limit: int = 200) -> list[EventRecord]:
        with self._read() as session:
            q = select(EventRow).order_by(EventRow.start_at, EventRow.id).limit(limit)
            if not include_ended:
                q = q.where(EventRow.status != "ended")
            return [_record(session, row) for row in session.scalars(q)]

    def live_state(self, event_id: int) -> LiveState:
        """The stage lines' count, questions with their voters, polls with their votes, and who is
        muted or removed: a live event's hall as it stood, for a server that starts again."""
        with self._read() as session:
            lines = session.scalar(select(func.max(EventLineRow.number)).where(EventLineRow.event_id == event_id))
            question_rows = session.scalars(
                select(EventQuestionRow).where(EventQuestionRow.event_id == event_id).order_by(EventQuestionRow.number)
            ).all()
            voters: dict[int, set[int]] = {row.id: set() for row in question_rows}
            for question_id, account_id in session.execute(
                select(EventQuestionVoteRow.question_id, EventQuestionVoteRow.account_id).where(
                    EventQuestionVoteRow.question_id.in_(list(voters))
                )
            ):
                voters[question_id].add(account_id)
            poll_rows = session.scalars(
                select(EventPollRow).where(EventPollRow.event_id == event_id).order_by(EventPollRow.number)
            ).all()
            votes: dict[int, dict[int, int]] = {row.id: {} for row in poll_rows}
            for poll_id, account_id, option in session.execute(
                select(EventPollVoteRow.poll_id, EventPollVoteRow.account_id, EventPollVoteRow.option).where(
                    EventPollVoteRow.poll_id.in_(list(votes))
                )
            ):
                votes[poll_id][account_id] = option
            muted: set[int] = set()
            removed: set[int] = set()
            for target, action in session.execute(
                select(EventModerationRow.target, EventModerationRow.action)
                .where(EventModerationRow.event_id == event_id, EventModerationRow.target.like("account:%"))
                .order_by(EventModerationRow.id)
            ):
                account = int(target.removeprefix("account:"))
                if action == "mute":
                    muted.add(account)
                elif action == "unmute":
                    muted.discard(account)
                elif action == "remove":
                    removed.add(account)
            return LiveState(
                lines=lines or 0,
                questions=tuple(
                    {"number": q.number, "account_id": q.account_id, "name": q.name, "text": q.text,
                     "voters": frozenset(voters[q.id]), "answered": q.answered, "hidden": q.hidden}
                    for q in question_rows
                ),
                polls=tuple(
                    {"number": p.number, "question": p.question, "options": tuple(p.options), "live": p.live,
                     "open": p.closed_at is None, "votes": dict(votes[p.id])}
                    for p in poll_rows
                ),
                muted=frozenset(muted),
                removed=frozenset(removed),
            )

    def set_event_state(self, event_id: int, status: str, doors: str, *, actor_id: int | None) -> None:
        """The doors and the event's life, audited; the rules are the hall's, this keeps them."""
        with self._write() as session:
            row = session.get(EventRow, event_id)
            if row is None:
                raise NotFound(f"event {event_id}")
            if (row.status, status) not in _TRANSITIONS:
                raise Conflict(f"{row.status} -> {status}")
            now = self.now()
            if status == "live" and row.opened_at is None:
                row.opened_at = now
            if status == "ended":
                row.ended_at = now
                session.execute(
                    update(EventAttendanceRow)
                    .where(EventAttendanceRow.event_id == event_id, EventAttendanceRow.left_at.is_(None))
                    .values(left_at=now)
                )
                session.execute(
                    update(EventPollRow)
                    .where(EventPollRow.event_id == event_id, EventPollRow.closed_at.is_(None))
                    .values(closed_at=now)
                )
            row.status, row.doors = status, doors
            add_audit(
                session, Audit(actor_id=actor_id, via="server"), "event_state", f"event:{event_id}", at=now,
                detail={"status": status, "doors": doors},
            )

    def register_event(self, event_id: int, account_id: int) -> bool:
        """True when newly registered; registering twice is not an error."""
        with self._write() as session:
            row = session.get(EventRow, event_id)
            if row is None:
                raise NotFound(f"event {event_id}")
            if row.status == "ended":
                raise Conflict("ended")
            if session.get(EventRegistrationRow, (event_id, account_id)) is not None:
                return False
            session.add(EventRegistrationRow(event_id=event_id, account_id=account_id, at=self.now()))
            return True

    def notify_event_started(self, event_id: int) -> list[Notification]:
        """A notification for every registered account, in one transaction; the server delivers
        them to whoever is online and the rest get them at their next login."""
        with self._write() as session:
            row = session.get(EventRow, event_id)
            if row is None:
                raise NotFound(f"event {event_id}")
            accounts = session.scalars(
                select(EventRegistrationRow.account_id).where(EventRegistrationRow.event_id == event_id)
            ).all()
            rows = [
                NotificationRow(
                    account_id=a,
                    kind="event_started",
                    request_id=None,
                    payload={"event_id": event_id, "title": row.title},
                    created_at=self.now(),
                    delivered_at=None,
                )
                for a in accounts
            ]
            session.add_all(rows)
            session.flush()
            return [_notification(r) for r in rows]

    # ── what happens in the hall ─────────────────────────────────────────────
    def save_event_records(self, records: list[EventFact]) -> list[EventFact]:
        """Attendance, stage lines and votes, in order, in one transaction (a town hall makes
        hundreds at once). Returns the records refused: a second vote by the same account, a
        vote on a closed poll or on a question or poll that does not exist."""
        refused: list[EventFact] = []
        if not records:
            return refused
        if any(rec.get("kind") not in EVENT_RECORD_KINDS for rec in records):
            raise InvalidValue("event record kind")
        with self._write() as session:
            now = self.now()
            polls: dict[tuple[int, int], EventPollRow | None] = {}
            questions: dict[tuple[int, int], EventQuestionRow | None] = {}
            # Votes on a poll: who has voted already is read once per poll for the whole batch,
            # and the new votes are inserted together at the end (a poll's thousands of votes,
            # one query and one flush each, held the database's thread, and the interpreter
            # with it, for seconds).
            voted: dict[int, set[int]] = {}
            votes: list[dict[str, Any]] = []
            for rec in records:
                kind, event_id = rec["kind"], rec["event_id"]
                if kind == "attendance":
                    self._close_stays(session, event_id, rec["account_id"])
                    if rec.get("instance"):
                        session.add(EventAttendanceRow(event_id=event_id, account_id=rec["account_id"],
                                                       instance=rec["instance"], joined_at=now, left_at=None))
                elif kind == "line":
                    session.add(EventLineRow(event_id=event_id, number=rec["number"], account_id=rec["account_id"],
                                             name=rec["name"], text=rec["text"], at=now))
                elif kind == "poll_vote":
                    key = (event_id, rec["number"])
                    if key not in polls:
                        polls[key] = session.scalar(select(EventPollRow).where(
                            EventPollRow.event_id == event_id, EventPollRow.number == rec["number"]))
                    poll = polls[key]
                    if poll is not None and poll.id not in voted:
                        voted[poll.id] = _voters(session, poll.id, records, event_id, rec["number"])
                    if (
                        poll is None
                        or poll.closed_at is not None
                        or not 0 <= rec["option"] < len(poll.options)
                        or rec["account_id"] in voted[poll.id]
                    ):
                        refused.append(rec)
                        continue
                    voted[poll.id].add(rec["account_id"])
                    votes.append({"poll_id": poll.id, "account_id": rec["account_id"], "option": rec["option"],
                                  "at": now})
                else:
                    qkey = (event_id, rec["number"])
                    if qkey not in questions:
                        questions[qkey] = session.scalar(select(EventQuestionRow).where(
                            EventQuestionRow.event_id == event_id, EventQuestionRow.number == rec["number"]))
                    q = questions[qkey]
                    if q is None or session.get(EventQuestionVoteRow, (q.id, rec["account_id"])) is not None:
                        refused.append(rec)
                        continue
                    session.add(EventQuestionVoteRow(question_id=q.id, account_id=rec["account_id"], at=now))
                    q.votes += 1
                    session.flush()
            if votes:
                session.execute(insert(EventPollVoteRow), votes)
        return refused

    def attendance_join(self, event_id: int, account_id: int, instance: str) -> None:
        with self._write() as session:
            self._close_stays(session, event_id, account_id)
            session.add(
                EventAttendanceRow(
                    event_id=event_id, account_id=account_id, instance=instance, joined_at=self.now(), left_at=None
                )
            )

    def attendance_leave(self, event_id: int, account_id: int) -> None:
        with self._write() as session:
            self._close_stays(session, event_id, account_id)

    def _close_stays(self, session: Session, event_id: int, account_id: int) -> None:
        session.execute(
            update(EventAttendanceRow)
            .where(
                EventAttendanceRow.event_id == event_id,
                EventAttendanceRow.account_id == account_id,
                EventAttendanceRow.left_at.is_(None),
            )
            .values(left_at=self.now())
        )

    def add_stage_line(self, event_id: int, number: int, account_id: int | None, name: str, text: str) -> None:
        with self._write() as session:
            session.add(
                EventLineRow(
                    event_id=event_id, number=number, account_id=account_id, name=name, text=text, at=self.now()
                )
            )

    def add_question(self, event_id: int, number: int, account_id: int, name: str, text: str) -> None:
        with self._write() as session:
            session.add(
                EventQuestionRow(
                    event_id=event_id, number=number, account_id=account_id, name=name, text=text,
                    votes=0, answered=False, hidden=False, at=self.now(),
                )
            )

    def _question(self, session: Session, event_id: int, number: int) -> EventQuestionRow:
        row = session.scalar(
            select(EventQuestionRow).where(EventQuestionRow.event_id == event_id, EventQuestionRow.number == number)
        )
        if row is None:
            raise NotFound(f"question {event_id}/{number}")
        return row

    def vote_question(self, event_id: int, number: int, account_id: int) -> int:
        """One upvote (a second by the same account is a `Conflict`); the new count."""
        with self._write() as session:
            row = self._question(session, event_id, number)
            if session.get(EventQuestionVoteRow, (row.id, account_id)) is not None:
                raise Conflict("voted")
            session.add(EventQuestionVoteRow(question_id=row.id, account_id=account_id, at=self.now()))
            row.votes += 1
            return row.votes

    def mark_question(self, event_id: int, number: int, mark: str, *, actor_id: int | None) -> None:
        with self._write() as session:
            row = self._question(session, event_id, number)
            now = self.now()
            if mark == "answered":
                row.answered = True
                return
            row.hidden = True
            session.add(
                EventModerationRow(
                    event_id=event_id, actor_id=actor_id, target=f"question:{number}", action="hide_question",
                    reason="", at=now,
                )
            )
            add_audit(session, Audit(actor_id=actor_id, via="server"), "event_hide_question",
                      f"event:{event_id}/question:{number}", at=now)

    def open_poll(self, event_id: int, number: int, question: str, options: list[str], live: bool) -> None:
        with self._write() as session:
            session.add(
                EventPollRow(
                    event_id=event_id, number=number, question=question, options=list(options), live=live,
                    opened_at=self.now(), closed_at=None,
                )
            )

    def _poll(self, session: Session, event_id: int, number: int) -> EventPollRow:
        row = session.scalar(
            select(EventPollRow).where(EventPollRow.event_id == event_id, EventPollRow.number == number)
        )
        if row is None:
            raise NotFound(f"poll {event_id}/{number}")
        return row

    def vote_poll(self, event_id: int, number: int, account_id: int, option: int) -> None:
        with self._write() as session:
            row = self._poll(session, event_id, number)
            if row.closed_at is not None:
                raise Conflict("closed")
            if not 0 <= option < len(row.options):
                raise InvalidValue("option")
            if session.get(EventPollVoteRow, (row.id, account_id)) is not None:
                raise Conflict("voted")
            session.add(EventPollVoteRow(poll_id=row.id, account_id=account_id, option=option, at=self.now()))

    def close_poll(self, event_id: int, number: int) -> None:
        with self._write() as session:
            row = self._poll(session, event_id, number)
            if row.closed_at is None:
                row.closed_at = self.now()

    def moderate_event(
        self, event_id: int, target_id: int, action: str, *, actor_id: int | None, reason: str = ""
    ) -> None:
        if action not in EVENT_MOD_ACTIONS:
            raise InvalidValue(action)
        with self._write() as session:
            now = self.now()
            session.add(
                EventModerationRow(
                    event_id=event_id, actor_id=actor_id, target=f"account:{target_id}", action=action,
                    reason=reason[:200], at=now,
                )
            )
            if action == "remove":
                self._close_stays(session, event_id, target_id)
            add_audit(session, Audit(actor_id=actor_id, via="server"), f"event_{action}",
                      f"event:{event_id}/account:{target_id}", at=now, detail={"reason": reason[:200]})

    # ── slides ───────────────────────────────────────────────────────────────
    def add_slide(self, event_id: int, kind: str, *, data: bytes = b"", text: str = "", width: int = 0,
                  height: int = 0) -> int:
        """Append a (checked) slide to the deck; its position."""
        if kind not in SLIDE_KINDS:
            raise InvalidValue(kind)
        with self._write() as session:
            if session.get(EventRow, event_id) is None:
                raise NotFound(f"event {event_id}")
            count = session.scalar(select(func.count()).where(EventSlideRow.event_id == event_id)) or 0
            if count >= MAX_DECK_ROWS:
                raise InvalidValue(f"at most {MAX_DECK_ROWS} slides")
            session.add(
                EventSlideRow(event_id=event_id, position=count, kind=kind, data=data, text=text, width=width,
                              height=height, at=self.now())
            )
            return count

    def slides(self, event_id: int) -> list[SlideRecord]:
        with self._read() as session:
            rows = session.scalars(
                select(EventSlideRow).where(EventSlideRow.event_id == event_id).order_by(EventSlideRow.position)
            )
            return [SlideRecord(position=r.position, kind=r.kind, data=r.data, text=r.text, width=r.width,
                                height=r.height) for r in rows]

    # ── the record ───────────────────────────────────────────────────────────
    def export_event(self, event_id: int) -> dict[str, Any]:
        """Everything the event left behind, as plain data (times in ISO 8601, UTC)."""
        with self._read() as session:
            row = session.get(EventRow, event_id)
            if row is None:
                raise NotFound(f"event {event_id}")
            rec = _record(session, row)

            def iso(at: datetime | None) -> str:
                return at.isoformat(timespec="seconds") if at is not None else ""

            attendance = [
                {"account_id": a.account_id, "instance": a.instance, "joined_at": iso(a.joined_at),
                 "left_at": iso(a.left_at)}
                for a in session.scalars(
                    select(EventAttendanceRow).where(EventAttendanceRow.event_id == event_id)
                    .order_by(EventAttendanceRow.id)
                )
            ]
            transcript = [
                {"number": ln.number, "account_id": ln.account_id, "name": ln.name, "text": ln.text, "at": iso(ln.at)}
                for ln in session.scalars(
                    select(EventLineRow).where(EventLineRow.event_id == event_id).order_by(EventLineRow.number)
                )
            ]
            questions = [
                {"number": q.number, "account_id": q.account_id, "name": q.name, "text": q.text, "votes": q.votes,
                 "answered": q.answered, "hidden": q.hidden, "at": iso(q.at)}
                for q in session.scalars(
                    select(EventQuestionRow).where(EventQuestionRow.event_id == event_id)
                    .order_by(EventQuestionRow.number)
                )
            ]
            polls = []
            for p in session.scalars(
                select(EventPollRow).where(EventPollRow.event_id == event_id).order_by(EventPollRow.number)
            ):
                counts = [0] * len(p.options)
                for option in session.scalars(select(EventPollVoteRow.option).where(EventPollVoteRow.poll_id == p.id)):
                    counts[option] += 1
                polls.append({"number": p.number, "question": p.question, "options": list(p.options),
                              "counts": counts, "total": sum(counts), "live": p.live,
                              "opened_at": iso(p.opened_at), "closed_at": iso(p.closed_at)})
            moderation = [
                {"action": m.action, "target": m.target, "actor_id": m.actor_id, "reason": m.reason, "at": iso(m.at)}
                for m in session.scalars(
                    select(EventModerationRow).where(EventModerationRow.event_id == event_id)
                    .order_by(EventModerationRow.id)
                )
            ]
            return {
                "event": {
                    "id": rec.id, "title": rec.title, "description": rec.description, "opd": rec.opd,
                    "start_at": iso(row.start_at), "end_at": iso(row.end_at), "capacity": rec.capacity,
                    "lang": rec.lang, "host": rec.host_name, "status": rec.status, "opened_at": iso(row.opened_at),
                    "ended_at": iso(row.ended_at),
                },
                "registrations": len(rec.registered),
                "attendance": attendance,
                "transcript": transcript,
                "questions": questions,
                "polls": polls,
                "moderation": moderation,
            }


def _voters(session: Session, poll_id: int, records: list[EventFact], event_id: int, number: int) -> set[int]:
    """Who of those voting on this poll in `records` has a vote stored already."""
    wanted = sorted({int(r["account_id"]) for r in records
                     if r.get("kind") == "poll_vote" and r["event_id"] == event_id and r["number"] == number})
    found: set[int] = set()
    for at in range(0, len(wanted), 500):  # within any database's limit of bound parameters
        found.update(session.scalars(select(EventPollVoteRow.account_id).where(
            EventPollVoteRow.poll_id == poll_id, EventPollVoteRow.account_id.in_(wanted[at:at + 500]))))
    return found
