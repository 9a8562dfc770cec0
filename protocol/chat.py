"""Chat, emotes and moderation messages (type numbers 70-89), registered like every other
message with `@message`; README.md, section "Chat, emotes and moderation", is their contract.

Text a client sends is checked only for type and length here: the server strips control
characters, collapses whitespace and applies its own (shorter) length limit and word filter,
so every text the server sends back is clean and single-line.
"""

from __future__ import annotations

import unicodedata

from .errors import InvalidField, MessageTooLarge
from .messages import MAX_NAME, MS_LIMIT, ROLES, U32, Message, MessageType, Sender, message
from .text import check_text
from .validate import check_bool, check_choice, check_int, check_str

__all__ = [
    "CHANNELS",
    "CHANNEL_RANGE_M",
    "EMOTES",
    "MOD_ACTIONS",
    "REPORT_REASONS",
    "MAX_CHAT_CHARS",
    "MAX_CHAT_INPUT",
    "MAX_REASON",
    "MAX_LIST",
    "ChatSend",
    "Chat",
    "Emote",
    "Emoted",
    "DirectSend",
    "Direct",
    "DirectSent",
    "Mute",
    "Block",
    "ChatLists",
    "Report",
    "ReportFiled",
    "Moderate",
    "Moderated",
    "ModerateDone",
    "Announce",
    "Announcement",
]

# "nearby" is the default; whisper and shout are nearby with a shorter or longer reach.
CHANNELS = frozenset({"nearby", "whisper", "shout", "zone"})
CHANNEL_RANGE_M = {"whisper": 3.0, "nearby": 15.0, "shout": 40.0}
EMOTES = frozenset({"wave", "nod", "applaud", "raise_hand"})
MOD_ACTIONS = frozenset({"mute", "unmute", "kick", "ban"})
REPORT_REASONS = frozenset({"spam", "harassment", "hate", "sexual", "other"})

MAX_CHAT_CHARS = 500  # the most any server sends; its own limit (default 200) is lower
MAX_CHAT_INPUT = 1000  # raw text a client may send, before the server strips and limits it
MAX_REASON = 200
MAX_USERNAME = 64
MAX_LIST = 200  # entries in one mute or block list


def _check_raw_text(name: str, value: object) -> None:
    """Raw user text: bounded, any characters but surrogates (the server cleans the rest).

    Counted in code points after NFC, like every text (protocol/text.py)."""
    if type(value) is not str:
        raise InvalidField(f"{name}: expected str")
    if len(value) > MAX_CHAT_INPUT and len(unicodedata.normalize("NFC", value)) > MAX_CHAT_INPUT:
        raise MessageTooLarge(f"{name}: longer than {MAX_CHAT_INPUT}")
    if not value:
        raise InvalidField(f"{name}: empty")
    if any(unicodedata.category(ch) == "Cs" for ch in value):
        raise InvalidField(f"{name}: surrogate")


def _check_target(avatar_id: object, username: object) -> None:
    """Someone you see (`avatar_id`) or anyone by `username`: exactly one of the two."""
    check_int("avatar_id", avatar_id, 0, U32)
    check_str("username", username, 0, MAX_USERNAME)
    if (avatar_id != 0) == (username != ""):
        raise InvalidField("give exactly one of avatar_id and username")


def _tuple_of(obj, name: str, check) -> None:
    value = getattr(obj, name)
    if type(value) not in (list, tuple):
        raise InvalidField(f"{name}: expected array")
    if len(value) > MAX_LIST:
        raise MessageTooLarge(f"{name}: more than {MAX_LIST} entries")
    for item in value:
        check(name, item)
    # Frozen and comparable whatever the decoder produced (msgpack arrays arrive as lists).
    object.__setattr__(obj, name, tuple(value))


def _name_item(name: str, value: object) -> None:
    check_str(name, value, 1, MAX_USERNAME)


def _id_item(name: str, value: object) -> None:
    check_int(name, value, 1, U32)


# ── public chat and emotes ───────────────────────────────────────────────────


@message(MessageType.CHAT_SEND, Sender.CLIENT)
class ChatSend(Message):
    """Say something on a channel; everyone who hears it (you too) gets `chat`, or you get an `error`."""

    request_id: int
    text: str
    channel: str = "nearby"

    def __post_init__(self) -> None:
        check_int("request_id", self.request_id, 0, U32)
        _check_raw_text("text", self.text)
        check_choice("channel", self.channel, CHANNELS)


@message(MessageType.CHAT, Sender.SERVER)
class Chat(Message):
    """A line someone said that you heard: a speech bubble over `avatar_id` and a line in the log."""

    id: int
    channel: str
    avatar_id: int
    name: str
    role: str
    text: str
    server_time_ms: int
    zone_id: str = ""  # the zone, on the zone channel
    username: str = ""  # the speaker's username when logged in (to reply, mute or block later)

    def __post_init__(self) -> None:
        check_int("id", self.id, 1, U32)
        check_choice("channel", self.channel, CHANNELS)
        check_int("avatar_id", self.avatar_id, 1, U32)
        check_str("name", self.name, 1, MAX_NAME)
        check_choice("role", self.role, ROLES)
        check_str("text", self.text, 1, MAX_CHAT_CHARS)
        check_int("server_time_ms", self.server_time_ms, 0, MS_LIMIT)
        check_str("zone_id", self.zone_id, 0, 64)
        check_str("username", self.username, 0, MAX_USERNAME)


@message(MessageType.EMOTE, Sender.CLIENT)
class Emote(Message):
    """Play a short animation that everyone nearby sees."""

    emote: str

    def __post_init__(self) -> None:
        check_choice("emote", self.emote, EMOTES)


@message(MessageType.EMOTED, Sender.SERVER)
class Emoted(Message):
    """`avatar_id` (possibly you) played an emote near you."""

    avatar_id: int
    emote: str

    def __post_init__(self) -> None:
        check_int("avatar_id", self.avatar_id, 1, U32)
        check_choice("emote", self.emote, EMOTES)


# ── direct messages ──────────────────────────────────────────────────────────


@message(MessageType.DIRECT_SEND, Sender.CLIENT)
class DirectSend(Message):
    """A private line to one account, by the avatar you see or by username; kept until they come online."""

    request_id: int
    text: str
    to_avatar: int = 0
    to_username: str = ""

    def __post_init__(self) -> None:
        check_int("request_id", self.request_id, 1, U32)
        _check_raw_text("text", self.text)
        check_int("to_avatar", self.to_avatar, 0, U32)
        check_str("to_username", self.to_username, 0, MAX_USERNAME)
        if (self.to_avatar != 0) == (self.to_username != ""):
            raise InvalidField("give exactly one of to_avatar and to_username")


@message(MessageType.DIRECT, Sender.SERVER)
class Direct(Message):
    """A direct message to you; `stored` when it waited for you to come online."""

    id: int
    from_username: str
    from_name: str
    from_role: str
    text: str
    sent_ms: int
    stored: bool = False

    def __post_init__(self) -> None:
        check_int("id", self.id, 1, U32)
        check_str("from_username", self.from_username, 1, MAX_USERNAME)
        check_str("from_name", self.from_name, 1, MAX_NAME)
        check_choice("from_role", self.from_role, ROLES)
        check_str("text", self.text, 1, MAX_CHAT_CHARS)
        check_int("sent_ms", self.sent_ms, 0, MS_LIMIT)
        check_bool("stored", self.stored)


@message(MessageType.DIRECT_SENT, Sender.SERVER)
class DirectSent(Message):
    """Your direct message is stored; `online` says whether it was delivered at once."""

    request_id: int
    id: int
    to_username: str
    to_name: str
    text: str
    sent_ms: int
    online: bool

    def __post_init__(self) -> None:
        check_int("request_id", self.request_id, 1, U32)
        check_int("id", self.id, 1, U32)
        check_str("to_username", self.to_username, 1, MAX_USERNAME)
        check_str("to_name", self.to_name, 1, MAX_NAME)
        check_str("text", self.text, 1, MAX_CHAT_CHARS)
        check_int("sent_ms", self.sent_ms, 0, MS_LIMIT)
        check_bool("online", self.online)


# ── your own lists: mute and block ───────────────────────────────────────────


@message(MessageType.MUTE, Sender.CLIENT)
class Mute(Message):
    """Stop (`on`) or start again (`on` false) hearing someone; answered by `chat_lists`."""

    request_id: int
    on: bool = True
    avatar_id: int = 0
    username: str = ""

    def __post_init__(self) -> None:
        check_int("request_id", self.request_id, 1, U32)
        check_bool("on", self.on)
        _check_target(self.avatar_id, self.username)


@message(MessageType.BLOCK, Sender.CLIENT)
class Block(Message):
    """Refuse (`on`) or accept again direct messages from an account; answered by `chat_lists`."""

    request_id: int
    on: bool = True
    avatar_id: int = 0
    username: str = ""

    def __post_init__(self) -> None:
        check_int("request_id", self.request_id, 1, U32)
        check_bool("on", self.on)
        _check_target(self.avatar_id, self.username)


@message(MessageType.CHAT_LISTS, Sender.SERVER)
class ChatLists(Message):
    """Whom you muted and blocked (sent on entering the world, and after every change)."""

    request_id: int = 0
    muted: tuple = ()  # usernames of muted accounts
    muted_names: tuple = ()  # their display names, in the same order
    muted_avatars: tuple = ()  # guests you muted (until they leave)
    blocked: tuple = ()  # usernames of blocked accounts
    blocked_names: tuple = ()

    def __post_init__(self) -> None:
        check_int("request_id", self.request_id, 0, U32)
        for name in ("muted", "muted_names", "blocked", "blocked_names"):
            _tuple_of(self, name, _name_item)
        _tuple_of(self, "muted_avatars", _id_item)
        if len(self.muted) != len(self.muted_names) or len(self.blocked) != len(self.blocked_names):
            raise InvalidField("name lists differ in length")


# ── reports and moderation ───────────────────────────────────────────────────


@message(MessageType.REPORT, Sender.CLIENT)
class Report(Message):
    """Report someone to the moderators; the server keeps the last lines of theirs you could see."""

    request_id: int
    reason: str
    note: str = ""
    avatar_id: int = 0
    username: str = ""

    def __post_init__(self) -> None:
        check_int("request_id", self.request_id, 1, U32)
        check_choice("reason", self.reason, REPORT_REASONS)
        object.__setattr__(self, "note", check_text("note", self.note, 0, MAX_REASON))
        _check_target(self.avatar_id, self.username)


@message(MessageType.REPORT_FILED, Sender.SERVER)
class ReportFiled(Message):
    """Your report is stored, with `evidence` lines attached."""

    request_id: int
    report_id: int
    evidence: int

    def __post_init__(self) -> None:
        check_int("request_id", self.request_id, 1, U32)
        check_int("report_id", self.report_id, 1, U32)
        check_int("evidence", self.evidence, 0, 1000)


@message(MessageType.MODERATE, Sender.CLIENT)
class Moderate(Message):
    """A moderator mutes (for everyone, `minutes`), unmutes, kicks or bans (`minutes`, 0 for no end) someone."""

    request_id: int
    action: str
    reason: str
    minutes: int = 0
    avatar_id: int = 0
    username: str = ""

    def __post_init__(self) -> None:
        check_int("request_id", self.request_id, 1, U32)
        check_choice("action", self.action, MOD_ACTIONS)
        object.__setattr__(self, "reason", check_text("reason", self.reason, 1, MAX_REASON))
        check_int("minutes", self.minutes, 0, 525_600)  # a year at most
        _check_target(self.avatar_id, self.username)


@message(MessageType.MODERATED, Sender.SERVER)
class Moderated(Message):
    """A moderator acted on you: show `reason` and how long (`minutes`, `until_ms`; 0 for no end)."""

    action: str
    reason: str
    minutes: int = 0
    until_ms: int = 0
    by_role: str = ""

    def __post_init__(self) -> None:
        check_choice("action", self.action, MOD_ACTIONS)
        check_str("reason", self.reason, 1, MAX_REASON)
        check_int("minutes", self.minutes, 0, 525_600)
        check_int("until_ms", self.until_ms, 0, MS_LIMIT)
        check_str("by_role", self.by_role, 0, 16)
        if self.by_role:
            check_choice("by_role", self.by_role, ROLES)


@message(MessageType.MODERATE_DONE, Sender.SERVER)
class ModerateDone(Message):
    """Your moderation action took effect (and is in the audit log)."""

    request_id: int
    action: str
    name: str
    username: str = ""
    avatar_id: int = 0
    until_ms: int = 0

    def __post_init__(self) -> None:
        check_int("request_id", self.request_id, 1, U32)
        check_choice("action", self.action, MOD_ACTIONS)
        check_str("name", self.name, 1, MAX_NAME)
        check_str("username", self.username, 0, MAX_USERNAME)
        check_int("avatar_id", self.avatar_id, 0, U32)
        check_int("until_ms", self.until_ms, 0, MS_LIMIT)


# ── announcements ────────────────────────────────────────────────────────────


@message(MessageType.ANNOUNCE, Sender.CLIENT)
class Announce(Message):
    """An admin or host speaks to the whole building (a banner for everyone)."""

    request_id: int
    text: str

    def __post_init__(self) -> None:
        check_int("request_id", self.request_id, 1, U32)
        _check_raw_text("text", self.text)


@message(MessageType.ANNOUNCEMENT, Sender.SERVER)
class Announcement(Message):
    """Show as a banner: an announcement to the whole building."""

    id: int
    name: str
    role: str
    text: str
    server_time_ms: int

    def __post_init__(self) -> None:
        check_int("id", self.id, 1, U32)
        check_str("name", self.name, 1, MAX_NAME)
        check_choice("role", self.role, ROLES)
        check_str("text", self.text, 1, MAX_CHAT_CHARS)
        check_int("server_time_ms", self.server_time_ms, 0, MS_LIMIT)
