"""Town-hall events (type numbers 100-140), registered like every other message with `@message`;
README.md, section "Town-hall events", is their contract.

An event is scheduled by a host or an admin, listed on the event board, registered for, opened
(it is live), and ended. While it is live the auditorium has a stage channel (what speakers say
reaches every attendee in every copy of the hall), raised hands, questions with votes, polls and
a slide deck. Every command carries a `request_id`; success is answered by the message its
description names (often `event_done`), a refusal by an `error` whose `ref` is the request id.
"""

from __future__ import annotations

from .errors import InvalidField, MessageTooLarge
from .messages import LANGS, MAX_NAME, MS_LIMIT, U32, Message, MessageType, Sender, message
from .text import check_text, clean_line, normalise
from .validate import check_bool, check_bytes, check_choice, check_int, check_str

__all__ = [
    "EVENT_STATUSES",
    "DOOR_STATES",
    "EVENT_ACTIONS",
    "QUESTION_MARKS",
    "EVENT_MOD_ACTIONS",
    "SLIDE_KINDS",
    "EVENT_PARTS",
    "NOTICE_KINDS",
    "MAX_TITLE",
    "MAX_EVENT_DESCRIPTION",
    "MAX_LINE",
    "MAX_QUESTION",
    "MAX_POLL_OPTIONS",
    "MIN_POLL_OPTIONS",
    "MAX_OPTION",
    "MAX_SLIDE_BYTES",
    "MAX_SLIDE_TEXT",
    "MAX_EVENT_CAPACITY",
    "MAX_SHOWN",
    "EventSchedule",
    "EventList",
    "EventRegister",
    "EventControl",
    "EventJoin",
    "EventLeave",
    "Sit",
    "StageSay",
    "SpeakerSet",
    "HandRaise",
    "FloorGive",
    "QuestionAsk",
    "QuestionVote",
    "QuestionMark",
    "PollOpen",
    "PollVote",
    "PollClose",
    "EventModerate",
    "SlideAdd",
    "SlideShow",
    "EventInfo",
    "EventBoard",
    "EventJoined",
    "EventNotice",
    "StageLine",
    "Seated",
    "Placed",
    "EventHall",
    "Questions",
    "Poll",
    "Slide",
    "EventDone",
]

EVENT_STATUSES = frozenset({"scheduled", "live", "ended"})
DOOR_STATES = frozenset({"closed", "open", "locked"})
# open: the event goes live with its doors open; close: only registered people come in;
# lock: nobody new comes in; end: it is over and nothing in it changes any more.
EVENT_ACTIONS = frozenset({"open", "close", "lock", "end"})
QUESTION_MARKS = frozenset({"answered", "hidden"})
EVENT_MOD_ACTIONS = frozenset({"mute", "unmute", "remove"})
SLIDE_KINDS = frozenset({"png", "jpeg", "markdown"})
EVENT_PARTS = frozenset({"host", "speaker", "attendee"})
NOTICE_KINDS = frozenset({"started", "ended", "removed", "muted", "unmuted", "speaker", "floor"})

MAX_TITLE = 120
MAX_EVENT_DESCRIPTION = 2000
MAX_OPD = 16
MAX_LINE = 500  # one stage line, after the server cleans it
MAX_QUESTION = 300
MIN_POLL_OPTIONS, MAX_POLL_OPTIONS = 2, 6
MAX_OPTION = 80
# A slide travels in one frame (the default frame limit is 64 KiB): 48 KiB of picture or text.
MAX_SLIDE_BYTES = 48 * 1024
MAX_SLIDE_TEXT = 4000
MAX_EVENT_CAPACITY = 100_000
MAX_SHOWN = 200  # entries in one list message (events, hands, questions)


def _rid(value: object) -> None:
    check_int("request_id", value, 1, U32)


def _id(name: str, value: object) -> None:
    check_int(name, value, 1, U32)


def _check_map(name: str, item: object, schema: dict[str, type]) -> None:
    """A small map with exactly `schema`'s keys, each of its type."""
    if type(item) is not dict or set(item) != set(schema):
        raise InvalidField(f"{name}: entries need exactly {sorted(schema)}")
    for key, kind in schema.items():
        v = item[key]
        if type(v) is not kind:
            raise InvalidField(f"{name}.{key}: expected {kind.__name__}")
        if isinstance(v, str) and len(v) > MAX_EVENT_DESCRIPTION:
            raise MessageTooLarge(f"{name}.{key}: too long")


def _maps(obj: Message, name: str, schema: dict[str, type]) -> None:
    """A list of small maps, kept as a tuple (msgpack arrays arrive as lists)."""
    value = getattr(obj, name)
    if type(value) not in (list, tuple):
        raise InvalidField(f"{name}: expected array")
    if len(value) > MAX_SHOWN:
        raise MessageTooLarge(f"{name}: more than {MAX_SHOWN} entries")
    for item in value:
        _check_map(name, item, schema)
    object.__setattr__(obj, name, tuple(value))


EVENT_SCHEMA = {
    "id": int,
    "title": str,
    "description": str,
    "opd": str,
    "start_ms": int,
    "end_ms": int,
    "capacity": int,
    "lang": str,
    "status": str,
    "doors": str,
    "host": str,
    "registered": int,
}


# ── the board and the event's life ───────────────────────────────────────────


def _conversation(name: str, value: object, hi: int) -> None:
    """Raw words a person says (a stage line, a question): bounded and not blank; the server
    removes what the text policy refuses (protocol/text.py) instead of refusing the line."""
    if type(value) is not str:
        raise InvalidField(f"{name}: expected str")
    if len(value) > hi and len(normalise(value)) > hi:
        raise MessageTooLarge(f"{name}: longer than {hi}")
    if not clean_line(value):
        raise InvalidField(f"{name}: empty")


@message(MessageType.EVENT_SCHEDULE, Sender.CLIENT)
class EventSchedule(Message):
    """Host or admin: schedule an event; answered by `event_info`. `capacity` counts attendees in all copies."""

    request_id: int
    title: str
    start_ms: int
    end_ms: int
    description: str = ""
    opd: str = ""
    capacity: int = 500
    lang: str = "id"

    def __post_init__(self) -> None:
        _rid(self.request_id)
        # What the host writes for everyone to read follows the text policy (protocol/text.py).
        object.__setattr__(self, "title", check_text("title", self.title, 1, MAX_TITLE))
        object.__setattr__(
            self, "description", check_text("description", self.description, 0, MAX_EVENT_DESCRIPTION, multiline=True)
        )
        check_str("opd", self.opd, 0, MAX_OPD)
        check_int("start_ms", self.start_ms, 0, MS_LIMIT)
        check_int("end_ms", self.end_ms, 0, MS_LIMIT)
        if self.end_ms <= self.start_ms:
            raise InvalidField("end_ms must be after start_ms")
        check_int("capacity", self.capacity, 1, MAX_EVENT_CAPACITY)
        check_choice("lang", self.lang, LANGS)


@message(MessageType.EVENT_LIST, Sender.CLIENT)
class EventList(Message):
    """The event board: upcoming and live events, answered by `event_board`."""

    request_id: int

    def __post_init__(self) -> None:
        _rid(self.request_id)


@message(MessageType.EVENT_REGISTER, Sender.CLIENT)
class EventRegister(Message):
    """Register for an event (logged in); you are told when it starts. Answered by `event_info`."""

    request_id: int
    event_id: int

    def __post_init__(self) -> None:
        _rid(self.request_id)
        _id("event_id", self.event_id)


@message(MessageType.EVENT_CONTROL, Sender.CLIENT)
class EventControl(Message):
    """Host: open (go live, doors open), close (registered only), lock (nobody new), end. Answered by `event_info`."""

    request_id: int
    event_id: int
    action: str

    def __post_init__(self) -> None:
        _rid(self.request_id)
        _id("event_id", self.event_id)
        check_choice("action", self.action, EVENT_ACTIONS)


@message(MessageType.EVENT_JOIN, Sender.CLIENT)
class EventJoin(Message):
    """"Go to event": you are placed at a free seat of the hall, or of an overflow copy when it is
    full. Answered by `event_joined`, then the hall's state (`event_hall`, `questions`, `poll`, `slide`)."""

    request_id: int
    event_id: int

    def __post_init__(self) -> None:
        _rid(self.request_id)
        _id("event_id", self.event_id)


@message(MessageType.EVENT_LEAVE, Sender.CLIENT)
class EventLeave(Message):
    """Leave the event (you stay where you are); answered by `event_done`."""

    request_id: int
    event_id: int

    def __post_init__(self) -> None:
        _rid(self.request_id)
        _id("event_id", self.event_id)


@message(MessageType.SIT, Sender.CLIENT)
class Sit(Message):
    """Sit on seat `seat` (an index into the world's seats; stand within 2 m of it). Answered by
    `seated`; others see your avatar's `anim` 3 (seated). Any move stands you up."""

    request_id: int
    seat: int

    def __post_init__(self) -> None:
        _rid(self.request_id)
        check_int("seat", self.seat, 0, 65535)


# ── the stage ────────────────────────────────────────────────────────────────


@message(MessageType.STAGE_SAY, Sender.CLIENT)
class StageSay(Message):
    """Host, speaker or whoever has the floor: a line on the stage channel (every attendee, every copy)."""

    request_id: int
    event_id: int
    text: str

    def __post_init__(self) -> None:
        _rid(self.request_id)
        _id("event_id", self.event_id)
        _conversation("text", self.text, 2 * MAX_LINE)


@message(MessageType.SPEAKER_SET, Sender.CLIENT)
class SpeakerSet(Message):
    """Host: invite (`on`) or remove a speaker by account; speakers may stand on the stage."""

    request_id: int
    event_id: int
    account_id: int
    on: bool = True

    def __post_init__(self) -> None:
        _rid(self.request_id)
        _id("event_id", self.event_id)
        _id("account_id", self.account_id)
        check_bool("on", self.on)


@message(MessageType.HAND_RAISE, Sender.CLIENT)
class HandRaise(Message):
    """Attendee: raise (`up`) or lower your hand; the host sees hands in the order raised."""

    request_id: int
    event_id: int
    up: bool = True

    def __post_init__(self) -> None:
        _rid(self.request_id)
        _id("event_id", self.event_id)
        check_bool("up", self.up)


@message(MessageType.FLOOR_GIVE, Sender.CLIENT)
class FloorGive(Message):
    """Host: give the floor to an attendee (their hand comes down; their lines go on stage), or take it back (0)."""

    request_id: int
    event_id: int
    account_id: int = 0

    def __post_init__(self) -> None:
        _rid(self.request_id)
        _id("event_id", self.event_id)
        check_int("account_id", self.account_id, 0, U32)


# ── questions and polls ──────────────────────────────────────────────────────


@message(MessageType.QUESTION_ASK, Sender.CLIENT)
class QuestionAsk(Message):
    """Attendee: submit a question; answered by `event_done` (`id` = the question's id)."""

    request_id: int
    event_id: int
    text: str

    def __post_init__(self) -> None:
        _rid(self.request_id)
        _id("event_id", self.event_id)
        _conversation("text", self.text, 2 * MAX_QUESTION)


@message(MessageType.QUESTION_VOTE, Sender.CLIENT)
class QuestionVote(Message):
    """Attendee: upvote a question, once."""

    request_id: int
    event_id: int
    question_id: int

    def __post_init__(self) -> None:
        _rid(self.request_id)
        _id("event_id", self.event_id)
        _id("question_id", self.question_id)


@message(MessageType.QUESTION_MARK, Sender.CLIENT)
class QuestionMark(Message):
    """Host: mark a question answered, or hide it (off-topic; audited)."""

    request_id: int
    event_id: int
    question_id: int
    mark: str

    def __post_init__(self) -> None:
        _rid(self.request_id)
        _id("event_id", self.event_id)
        _id("question_id", self.question_id)
        check_choice("mark", self.mark, QUESTION_MARKS)


@message(MessageType.POLL_OPEN, Sender.CLIENT)
class PollOpen(Message):
    """Host: open a poll of 2-6 options; `live` shows counts while it runs, else only at close."""

    request_id: int
    event_id: int
    question: str
    options: tuple
    live: bool = True

    def __post_init__(self) -> None:
        _rid(self.request_id)
        _id("event_id", self.event_id)
        object.__setattr__(self, "question", check_text("question", self.question, 1, MAX_QUESTION))
        if type(self.options) not in (list, tuple):
            raise InvalidField("options: expected array")
        if not MIN_POLL_OPTIONS <= len(self.options) <= MAX_POLL_OPTIONS:
            raise InvalidField(f"options: {MIN_POLL_OPTIONS} to {MAX_POLL_OPTIONS}")
        object.__setattr__(self, "options", tuple(check_text("options", o, 1, MAX_OPTION) for o in self.options))
        check_bool("live", self.live)


@message(MessageType.POLL_VOTE, Sender.CLIENT)
class PollVote(Message):
    """Attendee: vote for option `option` (0-based), once per poll."""

    request_id: int
    event_id: int
    poll_id: int
    option: int

    def __post_init__(self) -> None:
        _rid(self.request_id)
        _id("event_id", self.event_id)
        _id("poll_id", self.poll_id)
        check_int("option", self.option, 0, MAX_POLL_OPTIONS - 1)


@message(MessageType.POLL_CLOSE, Sender.CLIENT)
class PollClose(Message):
    """Host: close a poll; everyone gets its final `poll`."""

    request_id: int
    event_id: int
    poll_id: int

    def __post_init__(self) -> None:
        _rid(self.request_id)
        _id("event_id", self.event_id)
        _id("poll_id", self.poll_id)


@message(MessageType.EVENT_MODERATE, Sender.CLIENT)
class EventModerate(Message):
    """Host: mute or unmute an attendee in the event (no hands, questions or stage lines), or remove them (audited)."""

    request_id: int
    event_id: int
    account_id: int
    action: str
    reason: str = ""

    def __post_init__(self) -> None:
        _rid(self.request_id)
        _id("event_id", self.event_id)
        _id("account_id", self.account_id)
        check_choice("action", self.action, EVENT_MOD_ACTIONS)
        object.__setattr__(self, "reason", check_text("reason", self.reason, 0, 200))


# ── slides ───────────────────────────────────────────────────────────────────


@message(MessageType.SLIDE_ADD, Sender.CLIENT)
class SlideAdd(Message):
    """Host: add a slide at the end of the deck: a PNG or JPEG picture in `data` (at most
    MAX_SLIDE_BYTES, at most 1920x1080) or a Markdown card in `text`. Answered by `event_done`."""

    request_id: int
    event_id: int
    kind: str
    data: bytes = b""
    text: str = ""

    def __post_init__(self) -> None:
        _rid(self.request_id)
        _id("event_id", self.event_id)
        check_choice("kind", self.kind, SLIDE_KINDS)
        check_bytes("data", self.data, 2 * MAX_SLIDE_BYTES)
        object.__setattr__(self, "text", check_text("text", self.text, 0, MAX_SLIDE_TEXT, multiline=True))


@message(MessageType.SLIDE_SHOW, Sender.CLIENT)
class SlideShow(Message):
    """Host: show slide `index` to everyone (every copy gets `slide`)."""

    request_id: int
    event_id: int
    index: int

    def __post_init__(self) -> None:
        _rid(self.request_id)
        _id("event_id", self.event_id)
        check_int("index", self.index, 0, 999)


# ── what the server sends ────────────────────────────────────────────────────


@message(MessageType.EVENT_INFO, Sender.SERVER)
class EventInfo(Message):
    """One event as the board shows it; `request_id` 0 when pushed."""

    request_id: int
    event: dict

    def __post_init__(self) -> None:
        check_int("request_id", self.request_id, 0, U32)
        _check_map("event", self.event, EVENT_SCHEMA)


@message(MessageType.EVENT_BOARD, Sender.SERVER)
class EventBoard(Message):
    """Upcoming and live events, soonest first."""

    request_id: int
    events: tuple

    def __post_init__(self) -> None:
        check_int("request_id", self.request_id, 0, U32)
        _maps(self, "events", EVENT_SCHEMA)


@message(MessageType.EVENT_JOINED, Sender.SERVER)
class EventJoined(Message):
    """You are in the event, in `instance` (the hall or an overflow copy), on `seat` (-1: standing)."""

    request_id: int
    event_id: int
    instance: str
    seat: int
    part: str

    def __post_init__(self) -> None:
        check_int("request_id", self.request_id, 0, U32)
        _id("event_id", self.event_id)
        check_str("instance", self.instance, 1, 32)
        check_int("seat", self.seat, -1, 65535)
        check_choice("part", self.part, EVENT_PARTS)


@message(MessageType.EVENT_NOTICE, Sender.SERVER)
class EventNotice(Message):
    """Something about an event you are in or registered for: it started or ended, you were removed, ..."""

    event_id: int
    kind: str
    title: str
    stored: bool = False  # True when it waited for your login

    def __post_init__(self) -> None:
        _id("event_id", self.event_id)
        check_choice("kind", self.kind, NOTICE_KINDS)
        check_str("title", self.title, 0, MAX_TITLE)
        check_bool("stored", self.stored)


@message(MessageType.STAGE_LINE, Sender.SERVER)
class StageLine(Message):
    """A line on the stage channel: subtitles and the screen above the stage, in every copy of the hall."""

    event_id: int
    id: int
    account_id: int
    name: str
    text: str
    server_time_ms: int

    def __post_init__(self) -> None:
        _id("event_id", self.event_id)
        _id("id", self.id)
        check_int("account_id", self.account_id, 0, U32)
        check_str("name", self.name, 1, MAX_NAME)
        check_str("text", self.text, 1, MAX_LINE)
        check_int("server_time_ms", self.server_time_ms, 0, MS_LIMIT)


@message(MessageType.SEATED, Sender.SERVER)
class Seated(Message):
    """You sit on `seat`, snapped to (x_cm, y_cm) facing `yaw`."""

    request_id: int
    seat: int
    x_cm: int
    y_cm: int
    yaw: int

    def __post_init__(self) -> None:
        check_int("request_id", self.request_id, 0, U32)
        check_int("seat", self.seat, 0, 65535)
        check_int("x_cm", self.x_cm, -10_000_00, 10_000_00)
        check_int("y_cm", self.y_cm, -10_000_00, 10_000_00)
        check_int("yaw", self.yaw, 0, 65535)


@message(MessageType.PLACED, Sender.SERVER)
class Placed(Message):
    """You stand at (x_cm, y_cm) facing `yaw`, put there by the server: on the stage when you go
    to your own event as its host, or as one of its speakers."""

    request_id: int
    x_cm: int
    y_cm: int
    yaw: int

    def __post_init__(self) -> None:
        check_int("request_id", self.request_id, 0, U32)
        check_int("x_cm", self.x_cm, -10_000_00, 10_000_00)
        check_int("y_cm", self.y_cm, -10_000_00, 10_000_00)
        check_int("yaw", self.yaw, 0, 65535)


@message(MessageType.EVENT_HALL, Sender.SERVER)
class EventHall(Message):
    """The event's people: status and doors, speakers, raised hands in order, who has the floor,
    attendees per copy. Sent when it changes (at most a few times a second)."""

    event_id: int
    status: str
    doors: str
    host_account: int
    speakers: tuple  # account ids
    hands: tuple  # [{"account_id", "name", "avatar_id"}] in the order raised
    floor: int  # the account that has the floor, 0 for none
    copies: tuple  # [{"instance", "attendees"}]

    def __post_init__(self) -> None:
        _id("event_id", self.event_id)
        check_choice("status", self.status, EVENT_STATUSES)
        check_choice("doors", self.doors, DOOR_STATES)
        check_int("host_account", self.host_account, 0, U32)
        if type(self.speakers) not in (list, tuple) or len(self.speakers) > MAX_SHOWN:
            raise InvalidField("speakers: expected a short array")
        for s in self.speakers:
            _id("speakers", s)
        object.__setattr__(self, "speakers", tuple(self.speakers))
        _maps(self, "hands", {"account_id": int, "name": str, "avatar_id": int})
        check_int("floor", self.floor, 0, U32)
        _maps(self, "copies", {"instance": str, "attendees": int})


@message(MessageType.QUESTIONS, Sender.SERVER)
class Questions(Message):
    """The questions, most votes first. The host's copy also holds hidden ones and each asker's
    `account_id` (0 in everyone else's copy)."""

    event_id: int
    questions: tuple  # [{"id", "text", "name", "account_id", "votes", "answered", "hidden"}]

    def __post_init__(self) -> None:
        _id("event_id", self.event_id)
        _maps(
            self,
            "questions",
            {"id": int, "text": str, "name": str, "account_id": int, "votes": int, "answered": bool, "hidden": bool},
        )


@message(MessageType.POLL, Sender.SERVER)
class Poll(Message):
    """A poll: `counts` per option (empty while a poll without live results runs), `total` votes."""

    event_id: int
    poll_id: int
    question: str
    options: tuple
    open: bool
    live: bool
    counts: tuple
    total: int

    def __post_init__(self) -> None:
        _id("event_id", self.event_id)
        _id("poll_id", self.poll_id)
        check_str("question", self.question, 1, MAX_QUESTION)
        if type(self.options) not in (list, tuple) or not MIN_POLL_OPTIONS <= len(self.options) <= MAX_POLL_OPTIONS:
            raise InvalidField("options: 2 to 6")
        for option in self.options:
            check_str("options", option, 1, MAX_OPTION)
        object.__setattr__(self, "options", tuple(self.options))
        check_bool("open", self.open)
        check_bool("live", self.live)
        if type(self.counts) not in (list, tuple) or len(self.counts) not in (0, len(self.options)):
            raise InvalidField("counts: one per option, or none")
        for c in self.counts:
            check_int("counts", c, 0, U32)
        object.__setattr__(self, "counts", tuple(self.counts))
        check_int("total", self.total, 0, U32)


@message(MessageType.SLIDE, Sender.SERVER)
class Slide(Message):
    """The slide shown now: `index` of `count`; a picture in `data` (png or jpeg) or a Markdown card in `text`."""

    event_id: int
    index: int
    count: int
    kind: str
    data: bytes = b""
    text: str = ""

    def __post_init__(self) -> None:
        _id("event_id", self.event_id)
        check_int("index", self.index, 0, 999)
        check_int("count", self.count, 1, 1000)
        check_choice("kind", self.kind, SLIDE_KINDS)
        check_bytes("data", self.data, MAX_SLIDE_BYTES)
        check_str("text", self.text, 0, MAX_SLIDE_TEXT, single_line=False)


@message(MessageType.EVENT_DONE, Sender.SERVER)
class EventDone(Message):
    """A command about an event succeeded; `id` names what it made (a question, a poll, a slide), else 0."""

    request_id: int
    event_id: int
    id: int = 0

    def __post_init__(self) -> None:
        check_int("request_id", self.request_id, 0, U32)
        _id("event_id", self.event_id)
        check_int("id", self.id, 0, U32)
