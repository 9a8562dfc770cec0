"""Town-hall events as this client knows them, with no Panda3D: server messages in, commands out.

`EventModel` takes every event message from the client's router (`OWNS`; it also watches
`Welcome`, `InstanceChanged` and `Error`) and keeps what the screens draw:

- the **board**: upcoming and live events (`board`, live first, then soonest) and the ones you
  registered for (`registered`);
- the event you are **in** (`joined`: event id, the copy of the hall, your seat, your part) and
  where the server seated you (`seated`);
- the **hall** (`hall`: status, doors, host, speakers, raised hands in order, the floor, copies);
- the **questions** (sorted as the server sent them) and the ones you upvoted (`voted_questions`);
- the **polls** (`poll`: the one to show) and your vote in each (`poll_votes`);
- the current **slide**, a bounded **transcript** of stage lines (`transcript`, `subtitles()`);
- **notices** to show and chime for (`notices`, `take_notices()`), and toasts (`toasts`: notices
  and typed errors as translation keys).

Commands (`register`, `join`, `sit`, `stage_say`, `hand`, `ask`, `vote_question`, `vote_poll`,
and the host's `control`, `speaker_set`, `floor_give`, `mark_question`, `poll_open`,
`poll_close`, `moderate`, `slide_add`, `slide_show`, …) queue a protocol message with a fresh
request id in the outbox (`drain()`; the app sends it) and return that id (0 when nothing was
sent). An `error` whose `ref` is one of those ids comes back here: it is kept in `errors` with
the command it refused and shown as a toast in the player's language. Each area has a change
counter in `rev` ("board", "joined", "seat", "hall", "questions", "poll", "slide", "lines",
"notice", "toast", "error", "done") that widgets redraw by.
"""

from __future__ import annotations

import itertools
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field

from makaverse.protocol import (
    Error,
    EventBoard,
    EventControl,
    EventDone,
    EventHall,
    EventInfo,
    EventJoin,
    EventJoined,
    EventLeave,
    EventList,
    EventModerate,
    EventNotice,
    EventRegister,
    EventSchedule,
    FloorGive,
    HandRaise,
    InstanceChanged,
    Message,
    Placed,
    Poll,
    PollClose,
    PollOpen,
    PollVote,
    QuestionAsk,
    QuestionMark,
    Questions,
    QuestionVote,
    RemoteProtocolError,
    Seated,
    Sit,
    Slide,
    SlideAdd,
    SlideShow,
    SpeakerSet,
    StageLine,
    StageSay,
    Welcome,
    quant,
)

from .booths.link import Toast

__all__ = [
    "EventModel",
    "EventEntry",
    "Joined",
    "SeatedAt",
    "PlacedAt",
    "Hand",
    "HallState",
    "QuestionView",
    "PollView",
    "SlideView",
    "StageLineView",
    "NoticeView",
    "EventErrorView",
    "Pending",
    "TRANSCRIPT_MAX",
    "SUBTITLE_MS",
    "SUBTITLE_FADE_MS",
    "SUBTITLE_LINES",
    "MAX_PENDING",
    "HOST_ROLES",
]

TRANSCRIPT_MAX = 200  # stage lines kept for the screen and the subtitles
SUBTITLE_MS = 6000.0  # a subtitle stays this long after its line arrived ...
SUBTITLE_FADE_MS = 1500.0  # ... the last part of it fading out
SUBTITLE_LINES = 2
MAX_PENDING = 256
MAX_NOTICES = 16
MAX_ERRORS = 16
MAX_TOASTS = 8
HOST_ROLES = frozenset({"host", "admin"})


# ── what the screens read ────────────────────────────────────────────────────


@dataclass(frozen=True, slots=True)
class EventEntry:
    """One event on the board (an `event_info` map)."""

    id: int
    title: str
    description: str = ""
    opd: str = ""
    start_ms: int = 0
    end_ms: int = 0
    capacity: int = 0
    lang: str = "id"
    status: str = "scheduled"
    doors: str = "closed"
    host: str = ""
    registered: int = 0  # how many people registered

    @classmethod
    def from_map(cls, m: dict) -> EventEntry:
        return cls(**{k: m[k] for k in cls.__slots__ if k in m})

    @property
    def live(self) -> bool:
        return self.status == "live"


@dataclass(frozen=True, slots=True)
class Joined:
    """The event you are in: `event_joined`."""

    event_id: int
    instance: str
    seat: int  # -1: no seat was free
    part: str  # host | speaker | attendee


@dataclass(frozen=True, slots=True)
class SeatedAt:
    """Where the server seated you (`seated`), in metres and radians."""

    seat: int
    x: float
    y: float
    yaw: float


@dataclass(frozen=True, slots=True)
class PlacedAt:
    """Where the server stood you (`placed`: on the stage as the event's host or a speaker), in
    metres and radians; `rev["placed"]` counts them, for the avatar to take each once."""

    x: float
    y: float
    yaw: float


@dataclass(frozen=True, slots=True)
class Hand:
    account_id: int
    name: str
    avatar_id: int


@dataclass(frozen=True, slots=True)
class HallState:
    event_id: int
    status: str
    doors: str
    host_account: int
    speakers: tuple[int, ...]
    hands: tuple[Hand, ...]  # in the order raised
    floor: int  # account with the floor, 0 for none
    copies: tuple[tuple[str, int], ...]  # (instance, attendees)

    @property
    def attendees(self) -> int:
        return sum(n for _, n in self.copies)


@dataclass(frozen=True, slots=True)
class QuestionView:
    id: int
    text: str
    name: str
    votes: int
    answered: bool = False
    hidden: bool = False
    account_id: int = 0  # the asker; only in the host's copy (0 for everyone else)


@dataclass(frozen=True, slots=True)
class PollView:
    event_id: int
    poll_id: int
    question: str
    options: tuple[str, ...]
    open: bool
    live: bool
    counts: tuple[int, ...]  # one per option; empty while the results are hidden
    total: int


@dataclass(frozen=True, slots=True)
class SlideView:
    event_id: int
    index: int
    count: int
    kind: str  # png | jpeg | markdown
    data: bytes = b""
    text: str = ""


@dataclass(frozen=True, slots=True)
class StageLineView:
    event_id: int
    id: int
    account_id: int
    name: str
    text: str
    server_time_ms: int
    at_ms: float  # when it arrived (the client's clock)


@dataclass(frozen=True, slots=True)
class NoticeView:
    event_id: int
    kind: str  # started | ended | removed | muted | unmuted | speaker | floor
    title: str
    stored: bool
    at_ms: float

    @property
    def key(self) -> str:
        return f"event.notice.{self.kind}"


@dataclass(frozen=True, slots=True)
class EventErrorView:
    """A refusal of one of our commands: what it was (`kind`, `context`) and the error code."""

    kind: str
    code: str
    ref: int
    context: object = None
    at_ms: float = 0.0


@dataclass(frozen=True, slots=True)
class Pending:
    kind: str
    event_id: int = 0
    context: object = None


@dataclass(slots=True)
class _Polls:
    by_id: dict[int, PollView] = field(default_factory=dict)
    last: int = 0  # the poll heard of most recently


# ── the model ────────────────────────────────────────────────────────────────


class EventModel:
    # What the router (`state/router.py`) hands to `handle`.
    OWNS: tuple[type, ...] = (EventBoard, EventInfo, EventJoined, EventNotice, StageLine, Seated, EventHall,
                              Questions, Poll, Slide, EventDone, Placed)
    WATCHES: tuple[type, ...] = (Welcome, InstanceChanged, Error)

    def __init__(self, *, ids: Callable[[], int] | None = None, transcript_max: int = TRANSCRIPT_MAX) -> None:
        counter = itertools.count(1)
        self._next_id = ids or (lambda: next(counter))
        self.outbox: list[Message] = []
        self._pending: dict[int, Pending] = {}
        self.rev: Counter[str] = Counter()
        # Who you are (from the welcome).
        self.role = "guest"
        self.name = ""
        self.avatar_id = 0
        self.account_id = 0  # learnt when the hall lists your raised hand
        self.instance = ""
        # The board.
        self._board: dict[int, EventEntry] = {}
        self.boards_received = 0  # whole boards the server sent: from the first on, an empty one means none
        self.registered: set[int] = set()
        # The event you are in.
        self.joined: Joined | None = None
        self.seated: SeatedAt | None = None
        self.placed: PlacedAt | None = None  # the last place the server stood you
        self.hall: HallState | None = None
        self.questions: tuple[QuestionView, ...] = ()
        self.voted_questions: set[int] = set()
        self._polls = _Polls()
        self.poll_votes: dict[int, int] = {}  # poll id -> the option you voted for
        self.slide: SlideView | None = None
        self.transcript: deque[StageLineView] = deque(maxlen=max(1, transcript_max))
        self.hand_up = False
        self.muted = False
        self.asked: list[int] = []  # ids of the questions you asked
        self.last_done: dict[str, int] = {}  # command kind -> the id its `event_done` named
        # To show.
        self.notices: deque[NoticeView] = deque(maxlen=MAX_NOTICES)
        self._unseen_notices: list[NoticeView] = []
        self.errors: deque[EventErrorView] = deque(maxlen=MAX_ERRORS)
        self.toasts: deque[Toast] = deque(maxlen=MAX_TOASTS)

    # ── reading ──────────────────────────────────────────────────────────────
    @property
    def board(self) -> list[EventEntry]:
        """Live events first, then the soonest; ended ones last."""
        order = {"live": 0, "scheduled": 1, "ended": 2}
        return sorted(self._board.values(), key=lambda e: (order.get(e.status, 3), e.start_ms, e.id))

    def entry(self, event_id: int) -> EventEntry | None:
        return self._board.get(event_id)

    @property
    def event_id(self) -> int:
        """The event you are in (0: none)."""
        return self.joined.event_id if self.joined is not None else 0

    @property
    def in_event(self) -> bool:
        return self.joined is not None

    @property
    def is_host_role(self) -> bool:
        return self.role in HOST_ROLES

    @property
    def part(self) -> str:
        return self.joined.part if self.joined is not None else ""

    @property
    def poll(self) -> PollView | None:
        """The poll to show: the newest open one, else the one heard of last."""
        polls = self._polls.by_id
        open_ = [p for p in polls.values() if p.open]
        if open_:
            return max(open_, key=lambda p: p.poll_id)
        return polls.get(self._polls.last)

    def polls(self) -> list[PollView]:
        return sorted(self._polls.by_id.values(), key=lambda p: p.poll_id)

    def voted(self, poll_id: int | None = None) -> bool:
        """Whether you voted in poll `poll_id` (default: the one shown)."""
        if poll_id is None:
            p = self.poll
            if p is None:
                return False
            poll_id = p.poll_id
        return poll_id in self.poll_votes

    @property
    def has_floor(self) -> bool:
        h = self.hall
        return h is not None and self.account_id != 0 and h.floor == self.account_id

    def hand_position(self) -> int:
        """Your place among the raised hands (1 = first), 0 when your hand is down."""
        h = self.hall
        if h is None or not self.avatar_id:
            return 0
        for i, hand in enumerate(h.hands, 1):
            if hand.avatar_id == self.avatar_id:
                return i
        return 0

    def visible_questions(self) -> list[QuestionView]:
        return [q for q in self.questions if not q.hidden]

    def subtitles(self, now_ms: float, *, limit: int = SUBTITLE_LINES, show_ms: float = SUBTITLE_MS,
                  fade_ms: float = SUBTITLE_FADE_MS) -> list[tuple[StageLineView, float]]:
        """The last `limit` stage lines of the event you are in still on screen, each with its
        opacity (1 until it starts fading, then down to 0 at `show_ms`)."""
        if self.joined is None:
            return []
        out: list[tuple[StageLineView, float]] = []
        for line in reversed(self.transcript):
            if len(out) >= limit:
                break
            if line.event_id != self.joined.event_id:
                continue
            age = now_ms - line.at_ms
            if age >= show_ms:
                break  # older ones are gone too
            alpha = 1.0 if age <= show_ms - fade_ms else max(0.0, (show_ms - age) / fade_ms)
            out.append((line, alpha))
        out.reverse()
        return out

    def take_notices(self) -> list[NoticeView]:
        """Notices that arrived since the last call (for a sound)."""
        out, self._unseen_notices = self._unseen_notices, []
        return out

    def recent_toasts(self, now_ms: float, limit: int = 3, show_ms: float = 8000.0) -> list[Toast]:
        return [t for t in self.toasts if now_ms - t.at_ms < show_ms][-limit:]

    def pending(self, request_id: int) -> Pending | None:
        return self._pending.get(request_id)

    def drain(self) -> list[Message]:
        """The commands to send now (the outbox is emptied)."""
        out, self.outbox = self.outbox, []
        return out

    # ── commands: everyone ───────────────────────────────────────────────────
    def _send(self, kind: str, build: Callable[[int], Message], event_id: int = 0, context: object = None) -> int:
        rid = self._next_id()
        try:
            msg = build(rid)
        except RemoteProtocolError as exc:  # what the server would refuse: shown as its refusal
            self._refused(Pending(kind, event_id, context), exc.code.value, 0, 0.0)
            return 0
        self._pending[rid] = Pending(kind, event_id, context)
        while len(self._pending) > MAX_PENDING:
            del self._pending[next(iter(self._pending))]
        self.outbox.append(msg)
        return rid

    def _current(self, event_id: int | None) -> int:
        return event_id if event_id else self.event_id

    def _need_event(self, kind: str, event_id: int | None) -> int:
        eid = self._current(event_id)
        if not eid:
            self._refused(Pending(kind), "not_in_event", 0, 0.0)
        return eid

    def list_events(self) -> int:
        """Ask for the board (`event_board`)."""
        return self._send("list", lambda r: EventList(request_id=r))

    def register(self, event_id: int) -> int:
        return self._send("register", lambda r: EventRegister(request_id=r, event_id=event_id), event_id)

    def join(self, event_id: int) -> int:
        """"Go to event": the server seats you (`seated`) and says `event_joined`."""
        return self._send("join", lambda r: EventJoin(request_id=r, event_id=event_id), event_id)

    def leave(self, event_id: int | None = None) -> int:
        eid = self._need_event("leave", event_id)
        return self._send("leave", lambda r: EventLeave(request_id=r, event_id=eid), eid) if eid else 0

    def sit(self, seat: int) -> int:
        return self._send("sit", lambda r: Sit(request_id=r, seat=seat), self.event_id, seat)

    def stood_up(self) -> None:
        """You moved: the server stood you up."""
        if self.seated is not None:
            self.seated = None
            self.rev["seat"] += 1

    def stage_say(self, text: str, event_id: int | None = None) -> int:
        eid = self._need_event("stage_say", event_id)
        return self._send("stage_say", lambda r: StageSay(request_id=r, event_id=eid, text=text), eid) if eid else 0

    def hand(self, up: bool, event_id: int | None = None) -> int:
        """Raise (or lower) your hand."""
        eid = self._need_event("hand", event_id)
        return self._send("hand", lambda r: HandRaise(request_id=r, event_id=eid, up=up), eid, up) if eid else 0

    def toggle_hand(self) -> int:
        return self.hand(not (self.hand_up or self.hand_position() > 0))

    def ask(self, text: str, event_id: int | None = None) -> int:
        """Submit a question."""
        eid = self._need_event("ask", event_id)
        return self._send("ask", lambda r: QuestionAsk(request_id=r, event_id=eid, text=text), eid) if eid else 0

    def vote_question(self, question_id: int, event_id: int | None = None) -> int:
        """Upvote a question, once: a second vote is refused here (`already_voted`) and not sent."""
        eid = self._need_event("vote_question", event_id)
        if not eid:
            return 0
        if question_id in self.voted_questions:
            self._refused(Pending("vote_question", eid, question_id), "already_voted", 0, 0.0)
            return 0
        rid = self._send("vote_question", lambda r: QuestionVote(request_id=r, event_id=eid, question_id=question_id),
                         eid, question_id)
        if rid:
            self.voted_questions.add(question_id)  # until refused
            self.rev["questions"] += 1
        return rid

    def vote_poll(self, option: int, poll_id: int | None = None, event_id: int | None = None) -> int:
        """Vote `option` (0-based) in poll `poll_id` (default: the open one shown), once."""
        p = self.poll if poll_id is None else self._polls.by_id.get(poll_id)
        eid = self._current(event_id) or (p.event_id if p is not None else 0)
        if p is None or not p.open:
            self._refused(Pending("vote_poll", eid, poll_id), "poll_closed", 0, 0.0)
            return 0
        if p.poll_id in self.poll_votes:
            self._refused(Pending("vote_poll", eid, p.poll_id), "already_voted", 0, 0.0)
            return 0
        if not 0 <= option < len(p.options):
            return 0
        pid = p.poll_id
        rid = self._send("vote_poll", lambda r: PollVote(request_id=r, event_id=eid, poll_id=pid, option=option),
                         eid, (pid, option))
        if rid:
            self.poll_votes[pid] = option  # until refused
            self.rev["poll"] += 1
        return rid

    # ── commands: the host ───────────────────────────────────────────────────
    def schedule(self, title: str, start_ms: int, end_ms: int, *, description: str = "", opd: str = "",
                 capacity: int = 500, lang: str = "id") -> int:
        return self._send("schedule", lambda r: EventSchedule(
            request_id=r, title=title, start_ms=start_ms, end_ms=end_ms, description=description, opd=opd,
            capacity=capacity, lang=lang))

    def control(self, action: str, event_id: int | None = None) -> int:
        """`open`, `close`, `lock` or `end` an event (default: the one you are in)."""
        eid = self._need_event("control", event_id)
        return self._send("control", lambda r: EventControl(request_id=r, event_id=eid, action=action),
                          eid, action) if eid else 0

    def speaker_set(self, account_id: int, on: bool = True, event_id: int | None = None) -> int:
        eid = self._need_event("speaker", event_id)
        return self._send("speaker", lambda r: SpeakerSet(request_id=r, event_id=eid, account_id=account_id, on=on),
                          eid, (account_id, on)) if eid else 0

    def floor_give(self, account_id: int, event_id: int | None = None) -> int:
        """Give the floor to `account_id` (0 takes it back)."""
        eid = self._need_event("floor", event_id)
        return self._send("floor", lambda r: FloorGive(request_id=r, event_id=eid, account_id=account_id),
                          eid, account_id) if eid else 0

    def mark_question(self, question_id: int, mark: str, event_id: int | None = None) -> int:
        """`answered` or `hidden`."""
        eid = self._need_event("mark", event_id)
        return self._send("mark", lambda r: QuestionMark(request_id=r, event_id=eid, question_id=question_id,
                                                          mark=mark), eid, (question_id, mark)) if eid else 0

    def poll_open(self, question: str, options: list[str] | tuple[str, ...], live: bool = True,
                  event_id: int | None = None) -> int:
        eid = self._need_event("poll_open", event_id)
        return self._send("poll_open", lambda r: PollOpen(request_id=r, event_id=eid, question=question,
                                                          options=tuple(options), live=live), eid) if eid else 0

    def poll_close(self, poll_id: int | None = None, event_id: int | None = None) -> int:
        """Close poll `poll_id` (default: the open one shown)."""
        eid = self._need_event("poll_close", event_id)
        if not eid:
            return 0
        if poll_id is None:
            p = self.poll
            if p is None or not p.open:
                self._refused(Pending("poll_close", eid), "poll_closed", 0, 0.0)
                return 0
            poll_id = p.poll_id
        pid = poll_id
        return self._send("poll_close", lambda r: PollClose(request_id=r, event_id=eid, poll_id=pid), eid, pid)

    def moderate(self, account_id: int, action: str, reason: str = "", event_id: int | None = None) -> int:
        """`mute`, `unmute` or `remove` someone."""
        eid = self._need_event("moderate", event_id)
        return self._send("moderate", lambda r: EventModerate(request_id=r, event_id=eid, account_id=account_id,
                                                              action=action, reason=reason),
                          eid, (account_id, action)) if eid else 0

    def slide_add(self, kind: str, data: bytes = b"", text: str = "", event_id: int | None = None) -> int:
        """Add a slide (`png`/`jpeg` with `data`, or `markdown` with `text`)."""
        eid = self._need_event("slide_add", event_id)
        return self._send("slide_add", lambda r: SlideAdd(request_id=r, event_id=eid, kind=kind, data=data,
                                                          text=text), eid) if eid else 0

    def slide_show(self, index: int, event_id: int | None = None) -> int:
        eid = self._need_event("slide_show", event_id)
        return self._send("slide_show", lambda r: SlideShow(request_id=r, event_id=eid, index=index),
                          eid, index) if eid else 0

    # ── messages in ──────────────────────────────────────────────────────────
    def handle(self, msg: object, now_ms: float) -> bool:
        """Take one event message (or a welcome, an instance change, an error); True for an error
        answering one of our commands (claimed: shown here)."""
        if isinstance(msg, Error):
            pending = self._pending.pop(msg.ref, None) if msg.ref else None
            if pending is None:
                return False
            self._refused(pending, msg.code, msg.ref, now_ms)
            return True
        handler = self._HANDLERS.get(type(msg))
        if handler is not None:
            handler(self, msg, now_ms)
        return False

    def _take(self, request_id: int) -> Pending | None:
        return self._pending.pop(request_id, None) if request_id else None

    def _on_welcome(self, msg: Welcome, now_ms: float) -> None:
        was_in = self.event_id
        self.role, self.name, self.avatar_id = msg.role, msg.name, msg.avatar_id
        self.instance = msg.instance
        # What was asked before the welcome will never be answered.
        self._pending.clear()
        self.outbox.clear()
        if not msg.resumed:
            self._leave_hall()
            if was_in and msg.role != "guest":
                # A new avatar (the server restarted, or the old one was gone): the hall no longer
                # has you, so "go to event" again (a live event survives a restart).
                self.join(was_in)
        self.rev["board"] += 1

    def _on_instance(self, msg: InstanceChanged, now_ms: float) -> None:
        self.instance = msg.instance
        if msg.kind != "auditorium" and self.joined is not None:
            self._leave_hall()  # walking out of every copy of the hall leaves the event
        elif self.joined is not None and self.joined.instance != msg.instance:
            j = self.joined
            self.joined = Joined(j.event_id, msg.instance, j.seat, j.part)
            self.rev["joined"] += 1

    def _leave_hall(self) -> None:
        self.joined = None
        self.seated = None
        self.hall = None
        self.questions = ()
        self._polls = _Polls()
        self.slide = None
        self.hand_up = False
        self.muted = False
        for area in ("joined", "seat", "hall", "questions", "poll", "slide", "lines"):
            self.rev[area] += 1

    def _put(self, entry: EventEntry) -> None:
        self._board[entry.id] = entry
        self.rev["board"] += 1

    def _on_board(self, msg: EventBoard, now_ms: float) -> None:
        self._take(msg.request_id)
        self._board = {}
        for m in msg.events:
            entry = EventEntry.from_map(m)
            self._board[entry.id] = entry
        self.boards_received += 1
        self.rev["board"] += 1

    def _on_info(self, msg: EventInfo, now_ms: float) -> None:
        pending = self._take(msg.request_id)
        entry = EventEntry.from_map(msg.event)
        self._put(entry)
        if pending is not None and pending.kind == "register":
            self.registered.add(entry.id)
            self._toast("event.registered", now_ms, "good", title=entry.title)
        if pending is not None:
            self.last_done[pending.kind] = entry.id
            self.rev["done"] += 1

    def _on_joined(self, msg: EventJoined, now_ms: float) -> None:
        self._take(msg.request_id)
        if self.joined is None or self.joined.event_id != msg.event_id:
            seated = self.seated  # `seated` comes first: the seat "go to event" gave you
            self._leave_hall()
            self.transcript.clear()
            self.seated = seated
        self.joined = Joined(msg.event_id, msg.instance, msg.seat, msg.part)
        self.instance = msg.instance
        self.rev["joined"] += 1

    def _on_notice(self, msg: EventNotice, now_ms: float) -> None:
        notice = NoticeView(msg.event_id, msg.kind, msg.title, msg.stored, now_ms)
        self.notices.append(notice)
        self._unseen_notices.append(notice)
        self.rev["notice"] += 1
        entry = self._board.get(msg.event_id)
        if msg.kind in ("started", "ended") and entry is not None:
            status = "live" if msg.kind == "started" else "ended"
            self._put(EventEntry(**{**_fields(entry), "status": status}))
        if msg.kind == "muted":
            self.muted = True
        elif msg.kind == "unmuted":
            self.muted = False
        elif msg.kind == "removed" and self.event_id == msg.event_id:
            self._leave_hall()
        tone = "call" if msg.kind in ("started", "floor", "speaker") else "bad" if msg.kind in ("removed", "muted") \
            else "info"
        self._toast(notice.key, now_ms, tone, title=msg.title)

    def _on_line(self, msg: StageLine, now_ms: float) -> None:
        self.transcript.append(StageLineView(msg.event_id, msg.id, msg.account_id, msg.name, msg.text,
                                             msg.server_time_ms, now_ms))
        self.rev["lines"] += 1

    def _on_seated(self, msg: Seated, now_ms: float) -> None:
        self._take(msg.request_id)
        self.seated = SeatedAt(msg.seat, quant.cm_to_m(msg.x_cm), quant.cm_to_m(msg.y_cm), quant.u16_to_yaw(msg.yaw))
        if self.joined is not None and self.joined.seat != msg.seat:
            j = self.joined
            self.joined = Joined(j.event_id, j.instance, msg.seat, j.part)
            self.rev["joined"] += 1
        self.rev["seat"] += 1

    def _on_placed(self, msg: Placed, now_ms: float) -> None:
        self._take(msg.request_id)
        self.placed = PlacedAt(quant.cm_to_m(msg.x_cm), quant.cm_to_m(msg.y_cm), quant.u16_to_yaw(msg.yaw))
        self.stood_up()
        self.rev["placed"] += 1

    def _on_hall(self, msg: EventHall, now_ms: float) -> None:
        hands = tuple(Hand(h["account_id"], h["name"], h["avatar_id"]) for h in msg.hands)
        self.hall = HallState(msg.event_id, msg.status, msg.doors, msg.host_account, tuple(msg.speakers), hands,
                              msg.floor, tuple((c["instance"], c["attendees"]) for c in msg.copies))
        mine = [h for h in hands if self.avatar_id and h.avatar_id == self.avatar_id]
        if mine:
            self.account_id = mine[0].account_id
        self.hand_up = bool(mine)
        self.rev["hall"] += 1

    def _on_questions(self, msg: Questions, now_ms: float) -> None:
        self.questions = tuple(QuestionView(q["id"], q["text"], q["name"], q["votes"], q["answered"], q["hidden"],
                                            q["account_id"]) for q in msg.questions)
        self.rev["questions"] += 1

    def _on_poll(self, msg: Poll, now_ms: float) -> None:
        view = PollView(msg.event_id, msg.poll_id, msg.question, tuple(msg.options), msg.open, msg.live,
                        tuple(msg.counts), msg.total)
        self._polls.by_id[msg.poll_id] = view
        self._polls.last = msg.poll_id
        self.rev["poll"] += 1

    def _on_slide(self, msg: Slide, now_ms: float) -> None:
        self.slide = SlideView(msg.event_id, msg.index, msg.count, msg.kind, msg.data, msg.text)
        self.rev["slide"] += 1

    def _on_done(self, msg: EventDone, now_ms: float) -> None:
        pending = self._take(msg.request_id)
        if pending is None:
            return
        self.last_done[pending.kind] = msg.id
        self.rev["done"] += 1
        kind = pending.kind
        if kind == "leave":
            if self.event_id == msg.event_id:
                self._leave_hall()
        elif kind == "hand":
            self.hand_up = bool(pending.context)
            self.rev["hall"] += 1
        elif kind == "ask":
            self.asked.append(msg.id)
            self._toast("event.asked", now_ms, "good")
        elif kind == "vote_poll":
            self._toast("event.voted", now_ms, "good")

    def _refused(self, pending: Pending, code: str, ref: int, now_ms: float) -> None:
        if pending.kind == "vote_question" and code != "already_voted":
            self.voted_questions.discard(pending.context)
            self.rev["questions"] += 1
        elif pending.kind == "vote_poll" and code != "already_voted" and isinstance(pending.context, tuple):
            self.poll_votes.pop(pending.context[0], None)
            self.rev["poll"] += 1
        if code == "muted":
            self.muted = True
        self.errors.append(EventErrorView(pending.kind, code, ref, pending.context, now_ms))
        self.rev["error"] += 1
        self._toast(f"error.{code}", now_ms, "bad")

    def _toast(self, key: str, now_ms: float, tone: str = "info", **fmt: object) -> None:
        self.toasts.append(Toast(key, tuple(fmt.items()), now_ms, tone))
        self.rev["toast"] += 1

    _HANDLERS: dict[type, Callable[[EventModel, object, float], None]] = {
        Welcome: _on_welcome,  # type: ignore[dict-item]
        InstanceChanged: _on_instance,  # type: ignore[dict-item]
        EventBoard: _on_board,  # type: ignore[dict-item]
        EventInfo: _on_info,  # type: ignore[dict-item]
        EventJoined: _on_joined,  # type: ignore[dict-item]
        EventNotice: _on_notice,  # type: ignore[dict-item]
        StageLine: _on_line,  # type: ignore[dict-item]
        Seated: _on_seated,  # type: ignore[dict-item]
        Placed: _on_placed,  # type: ignore[dict-item]
        EventHall: _on_hall,  # type: ignore[dict-item]
        Questions: _on_questions,  # type: ignore[dict-item]
        Poll: _on_poll,  # type: ignore[dict-item]
        Slide: _on_slide,  # type: ignore[dict-item]
        EventDone: _on_done,  # type: ignore[dict-item]
    }


def _fields(entry: EventEntry) -> dict:
    return {k: getattr(entry, k) for k in EventEntry.__slots__}
