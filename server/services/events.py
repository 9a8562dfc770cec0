"""Town-hall events as pure rules: an event's life (scheduled -> live -> ended, doors closed /
open / locked), who may do what in it, and its hall: speakers, raised hands in order, the floor,
questions with votes, polls with one vote per attendee, mutes and removals. People are keyed by
account id (events need a login). No store, no clock (times are passed in), no I/O.

Every refusal is an `EventRefusal` carrying a protocol error code; a refused call changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from makaverse.protocol import ErrorCode
from makaverse.protocol.events import (
    MAX_LINE,
    MAX_POLL_OPTIONS,
    MAX_QUESTION,
    MIN_POLL_OPTIONS,
)
from makaverse.protocol.text import clean_line

__all__ = [
    "EventRefusal",
    "EventFacts",
    "Question",
    "PollState",
    "Hall",
    "DOOR_TRANSITIONS",
    "HOST_ROLES",
    "clean_text",
]

HOST_ROLES = frozenset({"host", "admin"})  # who may schedule events (and stand on any stage)

# (status, doors) after each host action, from each status: the whole life of an event as data.
DOOR_TRANSITIONS: dict[str, dict[str, tuple[str, str]]] = {
    "scheduled": {"open": ("live", "open"), "end": ("ended", "closed")},
    "live": {
        "open": ("live", "open"),
        "close": ("live", "closed"),
        "lock": ("live", "locked"),
        "end": ("ended", "closed"),
    },
    "ended": {},
}


class EventRefusal(Exception):
    def __init__(self, code: ErrorCode, hint: str = "") -> None:
        super().__init__(code.value)
        self.code = code
        self.hint = hint


def clean_text(text: str, limit: int) -> str:
    """One line by the text policy for conversation (protocol/text.py): control and invisible
    characters removed, whitespace collapsed, NFC; cut at `limit` characters."""
    return clean_line(text)[:limit]


@dataclass(slots=True)
class EventFacts:
    """What the board shows of an event (as stored)."""

    id: int
    title: str
    description: str
    opd: str
    start_ms: int
    end_ms: int
    capacity: int
    lang: str
    host_account: int
    host_name: str
    status: str = "scheduled"
    doors: str = "closed"
    registered: int = 0

    def board_entry(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "opd": self.opd,
            "start_ms": self.start_ms,
            "end_ms": self.end_ms,
            "capacity": self.capacity,
            "lang": self.lang,
            "status": self.status,
            "doors": self.doors,
            "host": self.host_name,
            "registered": self.registered,
        }


@dataclass(slots=True)
class Question:
    id: int
    account_id: int
    name: str
    text: str
    voters: set[int] = field(default_factory=set)
    answered: bool = False
    hidden: bool = False

    def entry(self, *, for_host: bool = False) -> dict:
        """The question as a `questions` entry; the asker's account id only in the host's copy."""
        return {
            "id": self.id,
            "text": self.text,
            "name": self.name,
            "account_id": self.account_id if for_host else 0,
            "votes": len(self.voters),
            "answered": self.answered,
            "hidden": self.hidden,
        }


@dataclass(slots=True)
class PollState:
    id: int
    question: str
    options: tuple[str, ...]
    live: bool
    open: bool = True
    votes: dict[int, int] = field(default_factory=dict)  # account id -> option

    def counts(self) -> list[int]:
        out = [0] * len(self.options)
        for option in self.votes.values():
            out[option] += 1
        return out


class Hall:
    """One event's rules and state while it is scheduled, live and after it ended."""

    def __init__(self, facts: EventFacts) -> None:
        self.facts = facts
        self.registered: set[int] = set()
        self.attendees: dict[int, str] = {}  # account id -> the copy (instance) they are in
        self.names: dict[int, str] = {}
        self.avatars: dict[int, int] = {}  # account id -> avatar id (hands are drawn over it)
        self.speakers: set[int] = set()
        self.hands: dict[int, int] = {}  # account id -> order raised (dicts keep insertion order)
        self.floor = 0
        self.muted: set[int] = set()
        self.removed: set[int] = set()
        self.questions: dict[int, Question] = {}
        self.polls: dict[int, PollState] = {}
        self.lines = 0  # stage lines said so far (their ids)

    # ── who ──────────────────────────────────────────────────────────────────
    @property
    def id(self) -> int:
        return self.facts.id

    @property
    def live(self) -> bool:
        return self.facts.status == "live"

    def is_host(self, account_id: int | None, role: str) -> bool:
        return account_id is not None and (account_id == self.facts.host_account or role == "admin")

    def may_stand_on_stage(self, account_id: int | None) -> bool:
        return account_id is not None and (account_id == self.facts.host_account or account_id in self.speakers)

    def part_of(self, account_id: int) -> str:
        if account_id == self.facts.host_account:
            return "host"
        return "speaker" if account_id in self.speakers else "attendee"

    def _not_ended(self) -> None:
        if self.facts.status == "ended":
            raise EventRefusal(ErrorCode.EVENT_ENDED)

    def _live(self) -> None:
        self._not_ended()
        if not self.live:
            raise EventRefusal(ErrorCode.DOORS_CLOSED, "the event has not started")

    def need_host(self, account_id: int | None, role: str) -> None:
        self._not_ended()
        if not self.is_host(account_id, role):
            raise EventRefusal(ErrorCode.NOT_HOST)

    def need_attendee(self, account_id: int | None) -> int:
        """The attendee's account, or a refusal: in the event (any copy), not removed, event live."""
        self._live()
        if account_id is None:
            raise EventRefusal(ErrorCode.LOGIN_REQUIRED)
        if account_id not in self.attendees:
            raise EventRefusal(ErrorCode.NOT_IN_EVENT)
        return account_id

    def _not_muted(self, account_id: int) -> None:
        if account_id in self.muted:
            raise EventRefusal(ErrorCode.MUTED, "the host muted you in this event")

    # ── life ─────────────────────────────────────────────────────────────────
    def control(self, action: str) -> None:
        """Host action on the doors and the event's life (see DOOR_TRANSITIONS)."""
        self._not_ended()
        step = DOOR_TRANSITIONS[self.facts.status].get(action)
        if step is None:
            raise EventRefusal(ErrorCode.ILLEGAL_TRANSITION, f"{self.facts.status}: {action}")
        self.facts.status, self.facts.doors = step
        if self.facts.status == "ended":
            self.hands.clear()
            self.floor = 0
            for poll in self.polls.values():
                poll.open = False

    def register(self, account_id: int) -> bool:
        """True when newly registered."""
        self._not_ended()
        if account_id in self.registered:
            return False
        self.registered.add(account_id)
        self.facts.registered = len(self.registered)
        return True

    def admit(self, account_id: int, role: str) -> None:
        """May this account come in now? The host and speakers always may while it is not over."""
        self._not_ended()
        if account_id in self.removed:
            raise EventRefusal(ErrorCode.NOT_ALLOWED, "the host removed you from this event")
        if self.is_host(account_id, role) or account_id in self.speakers or account_id in self.attendees:
            return
        if len(self.attendees) >= self.facts.capacity:
            raise EventRefusal(ErrorCode.LIMIT_REACHED, "the event is full")
        doors = self.facts.doors
        if not self.live or doors == "locked" or doors == "closed" and account_id not in self.registered:
            raise EventRefusal(ErrorCode.DOORS_CLOSED)

    def joined(self, account_id: int, name: str, avatar_id: int, copy: str) -> None:
        self.attendees[account_id] = copy
        self.names[account_id] = name
        self.avatars[account_id] = avatar_id

    def left(self, account_id: int) -> str | None:
        """The copy they were in, or None when they were not here."""
        self.hands.pop(account_id, None)
        if self.floor == account_id:
            self.floor = 0
        self.avatars.pop(account_id, None)
        return self.attendees.pop(account_id, None)

    def copies(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for copy in self.attendees.values():
            out[copy] = out.get(copy, 0) + 1
        return out

    # ── the stage ────────────────────────────────────────────────────────────
    def say(self, account_id: int | None, role: str, text: str) -> tuple[int, str]:
        """A stage line: (its id, the cleaned text)."""
        self._live()
        if account_id is None or not (
            self.is_host(account_id, role) or account_id in self.speakers or account_id == self.floor
        ):
            raise EventRefusal(ErrorCode.NOT_SPEAKER)
        self._not_muted(account_id)
        line = clean_text(text, MAX_LINE)
        if not line:
            raise EventRefusal(ErrorCode.INVALID_FIELD, "empty line")
        self.lines += 1
        return self.lines, line

    def set_speaker(self, account_id: int, on: bool) -> None:
        self._not_ended()
        if on:
            if account_id in self.removed:
                raise EventRefusal(ErrorCode.NOT_ALLOWED, "removed from this event")
            self.speakers.add(account_id)
        else:
            self.speakers.discard(account_id)

    def raise_hand(self, account_id: int | None, up: bool) -> None:
        who = self.need_attendee(account_id)
        self._not_muted(who)
        if up:
            self.hands.setdefault(who, len(self.hands))
        else:
            self.hands.pop(who, None)

    def give_floor(self, account_id: int) -> None:
        self._live()
        if account_id and account_id not in self.attendees:
            raise EventRefusal(ErrorCode.NOT_IN_EVENT)
        self.floor = account_id
        self.hands.pop(account_id, None)

    def hands_in_order(self) -> list[int]:
        return list(self.hands)

    # ── questions ────────────────────────────────────────────────────────────
    def ask(self, account_id: int | None, question_id: int, text: str) -> Question:
        who = self.need_attendee(account_id)
        self._not_muted(who)
        body = clean_text(text, MAX_QUESTION)
        if not body:
            raise EventRefusal(ErrorCode.INVALID_FIELD, "empty question")
        q = self.questions[question_id] = Question(question_id, who, self.names.get(who, "?"), body)
        return q

    def upvote(self, account_id: int | None, question_id: int) -> Question:
        who = self.need_attendee(account_id)
        q = self.questions.get(question_id)
        if q is None or q.hidden:
            raise EventRefusal(ErrorCode.NOT_FOUND)
        if who in q.voters:
            raise EventRefusal(ErrorCode.ALREADY_VOTED)
        q.voters.add(who)
        return q

    def mark(self, question_id: int, mark: str) -> Question:
        self._not_ended()
        q = self.questions.get(question_id)
        if q is None:
            raise EventRefusal(ErrorCode.NOT_FOUND)
        if mark == "answered":
            q.answered = True
        else:
            q.hidden = True
        return q

    def sorted_questions(self, *, with_hidden: bool) -> list[Question]:
        """Most votes first, then oldest first; answered ones after the open ones."""
        shown = [q for q in self.questions.values() if with_hidden or not q.hidden]
        return sorted(shown, key=lambda q: (q.answered, -len(q.voters), q.id))

    # ── polls ────────────────────────────────────────────────────────────────
    def open_poll(self, poll_id: int, question: str, options: tuple[str, ...], live: bool) -> PollState:
        self._live()
        if not MIN_POLL_OPTIONS <= len(options) <= MAX_POLL_OPTIONS:
            raise EventRefusal(ErrorCode.INVALID_FIELD, "2 to 6 options")
        poll = self.polls[poll_id] = PollState(poll_id, clean_text(question, MAX_QUESTION), tuple(options), live)
        return poll

    def vote(self, account_id: int | None, poll_id: int, option: int) -> PollState:
        who = self.need_attendee(account_id)
        poll = self.polls.get(poll_id)
        if poll is None or not poll.open:
            raise EventRefusal(ErrorCode.POLL_CLOSED)
        if not 0 <= option < len(poll.options):
            raise EventRefusal(ErrorCode.INVALID_FIELD, "no such option")
        if who in poll.votes:
            raise EventRefusal(ErrorCode.ALREADY_VOTED)
        poll.votes[who] = option
        return poll

    def close_poll(self, poll_id: int) -> PollState:
        self._not_ended()
        poll = self.polls.get(poll_id)
        if poll is None or not poll.open:
            raise EventRefusal(ErrorCode.POLL_CLOSED)
        poll.open = False
        return poll

    # ── moderation ───────────────────────────────────────────────────────────
    def moderate(self, account_id: int, action: str) -> str | None:
        """Mute, unmute or remove; for a removal, the copy they were in (None when not in the hall)."""
        self._not_ended()
        if account_id == self.facts.host_account:
            raise EventRefusal(ErrorCode.NOT_ALLOWED, "not the host")
        if action == "mute":
            self.muted.add(account_id)
            self.hands.pop(account_id, None)
            if self.floor == account_id:
                self.floor = 0
            return None
        if action == "unmute":
            self.muted.discard(account_id)
            return None
        self.removed.add(account_id)
        self.speakers.discard(account_id)
        return self.left(account_id)
