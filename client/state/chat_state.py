"""Chat as the client keeps it, with no Panda3D: the log and its tabs, unread direct messages,
your mute and block lists, speech bubbles and emotes with their expiry, the announcement
banner, what a moderator did to you, and the chat box's commands.

Messages in (`handle`), typed lines in (`submit`, which returns the messages to send), state
out for the panels to draw. Time is always passed in (`now_ms`), so expiry is testable.
Texts are kept as data and translated when drawn, so switching language redraws the log.

Commands typed in the chat box (also listed by `/help`):

    /w NAME TEXT          direct message (also /msg, /dm, /pesan); /r TEXT answers the last one
                          (so does a plain line typed in the direct-message tab)
    /shout TEXT, /whisper TEXT, /zone TEXT      one line on another channel
    /mute NAME, /unmute NAME, /block NAME, /unblock NAME
    /report NAME REASON [NOTE]                  REASON: spam, harassment, hate, sexual, other
    /wave, /nod, /applaud, /raise               emotes
    moderators: /kick NAME REASON, /mutefor NAME MINUTES REASON, /unmutefor NAME REASON,
                /ban NAME MINUTES REASON, /announce TEXT

NAME is a display name you can see (quote it when it has spaces) or a username.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from makaverse.protocol import (
    Announce,
    Announcement,
    Block,
    Chat,
    ChatLists,
    ChatSend,
    Direct,
    DirectSend,
    DirectSent,
    Emote,
    Emoted,
    Error,
    ErrorCode,
    Message,
    Moderate,
    Moderated,
    ModerateDone,
    Mute,
    Report,
    ReportFiled,
    Welcome,
)
from makaverse.protocol.chat import REPORT_REASONS

from .. import i18n

__all__ = [
    "ChatState",
    "ChatLine",
    "Bubble",
    "EmotePlay",
    "Banner",
    "ModerationNotice",
    "Target",
    "TABS",
    "CHANNEL_ORDER",
    "EMOTE_KEYS",
    "MAX_INPUT_CHARS",
    "bubble_seconds",
    "wrap_segments",
]

TABS = ("public", "dm")
CHANNEL_ORDER = ("nearby", "whisper", "shout", "zone")
EMOTE_KEYS = {"1": "wave", "2": "nod", "3": "applaud", "4": "raise_hand"}
MAX_INPUT_CHARS = 200  # the server's default limit: stop typing there instead of being refused
HISTORY_LINES = 300
HEARD_KINDS = ("chat", "announce", "dm_in")  # lines someone else sent you (counted while the box is folded)
BUBBLE_MIN_S, BUBBLE_MAX_S = 5.0, 10.0
EMOTE_S = 2.4
BANNER_S = 12.0
MODERATED_S = 20.0
BUBBLE_CHANNELS = frozenset({"nearby", "whisper", "shout"})
MODERATOR_ROLES = frozenset({"admin", "host"})
# Errors the chat box shows in its log instead of the HUD (they answer chat commands).
CHAT_ERROR_CODES = frozenset({ErrorCode.SLOW_DOWN, ErrorCode.MUTED, ErrorCode.BLOCKED, ErrorCode.LOGIN_REQUIRED})
_REASON_ALIASES = {
    "pelecehan": "harassment", "kebencian": "hate", "seksual": "sexual", "lainnya": "other", "lain": "other",
}
_EMOTE_COMMANDS = {"wave": "wave", "lambai": "wave", "nod": "nod", "angguk": "nod", "applaud": "applaud",
                   "tepuk": "applaud", "raise": "raise_hand", "angkat": "raise_hand"}


def bubble_seconds(text: str) -> float:
    """How long a bubble stays: long enough to read it."""
    return min(BUBBLE_MAX_S, BUBBLE_MIN_S + 0.05 * len(text))


@dataclass(frozen=True, slots=True)
class ChatLine:
    """One line of the log. `kind`: chat, announce, dm_in, dm_out or system (`key`+`fmt` translated)."""

    kind: str
    text: str = ""
    name: str = ""
    role: str = ""
    channel: str = ""
    at_ms: float = 0.0
    username: str = ""
    key: str = ""
    fmt: tuple[tuple[str, object], ...] = ()

    @property
    def tab(self) -> str:
        if self.kind in ("dm_in", "dm_out") or (self.kind == "system" and self.channel == "dm"):
            return "dm"
        return "public"


@dataclass(frozen=True, slots=True)
class Bubble:
    avatar_id: int
    text: str
    channel: str
    until_ms: float


@dataclass(frozen=True, slots=True)
class EmotePlay:
    avatar_id: int
    emote: str
    start_ms: float

    def progress(self, now_ms: float) -> float:
        return (now_ms - self.start_ms) / (EMOTE_S * 1000.0)


@dataclass(frozen=True, slots=True)
class Banner:
    name: str
    role: str
    text: str
    until_ms: float


@dataclass(frozen=True, slots=True)
class ModerationNotice:
    action: str
    reason: str
    minutes: int
    until_ms: int  # server wall clock (ms since the epoch); 0: no end or not timed
    shown_ms: float  # local clock
    by_role: str = ""

    @property
    def key(self) -> str:
        """What happened, as an i18n key (with `minutes` for a timed mute or ban)."""
        if self.action in ("mute", "ban"):
            return f"mod.you_{self.action}_for" if self.minutes else f"mod.you_{self.action}_forever"
        return f"mod.you_{self.action}"

    def text(self, lang: str) -> str:
        head = i18n.t(self.key, lang, minutes=self.minutes)
        return f"{head}\n{i18n.t('mod.reason', lang, reason=self.reason)}"


@dataclass(frozen=True, slots=True)
class Target:
    """Whom a command names: an avatar you can see, or a username."""

    avatar_id: int = 0
    username: str = ""
    name: str = ""

    def fields(self, avatar_key: str = "avatar_id", username_key: str = "username") -> dict:
        if self.avatar_id:
            return {avatar_key: self.avatar_id}
        return {username_key: self.username}


@dataclass(slots=True)
class _Pending:
    what: str  # chat, dm, mute, unmute, block, unblock, report, moderate, announce
    name: str = ""


@dataclass(slots=True)
class _Lists:
    muted: dict[str, str] = field(default_factory=dict)  # username -> display name
    muted_avatars: set[int] = field(default_factory=set)
    blocked: dict[str, str] = field(default_factory=dict)


# ── wrapping (the log draws rows of segments; the style names a colour) ──────
def wrap_segments(segments: list[tuple[str, str]], width: float,
                  measure: Callable[[str], float] = len) -> list[list[tuple[str, str]]]:
    """Break styled segments into rows no wider than `width`, keeping each piece's style.

    `measure` gives a text's width (default: its length in characters; the chat box passes the
    font's own measure, so a row of wide letters wraps sooner than a row of narrow ones)."""
    rows: list[list[tuple[str, str]]] = [[]]
    used = 0.0
    for text, style in segments:
        for i, word in enumerate(text.split(" ")):
            piece = word if i == 0 else " " + word
            while piece:
                w = measure(piece)
                if used + w <= width:
                    rows[-1].append((piece, style))
                    used += w
                    piece = ""
                elif used and measure(piece.lstrip()) <= width:
                    rows.append([])  # start the word on a new row
                    piece, used = piece.lstrip(), 0.0
                else:  # a word longer than a row: cut it
                    n = _fit(piece, width - used, measure)
                    if n == 0 and not used:
                        n = 1  # never loop on a glyph wider than the row
                    if n:
                        rows[-1].append((piece[:n], style))
                    piece = piece[n:].lstrip() if n else piece.lstrip()
                    rows.append([])
                    used = 0.0
    return [row for row in rows if row] or [[]]


def _fit(text: str, room: float, measure: Callable[[str], float]) -> int:
    """The longest prefix of `text` that fits in `room`."""
    lo, hi = 0, len(text)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if measure(text[:mid]) <= room:
            lo = mid
        else:
            hi = mid - 1
    return lo


class ChatState:
    # What the router (`router.py`) hands to `handle`.
    OWNS: tuple[type, ...] = (Chat, Direct, DirectSent, Emoted, Announcement, ChatLists, ReportFiled, ModerateDone,
                              Moderated)
    WATCHES: tuple[type, ...] = (Welcome, Error)

    def __init__(self, *, lang: str = "id", history: int = HISTORY_LINES,
                 request_ids: Callable[[], int] | None = None) -> None:
        self.lang = lang
        self.lines: deque[ChatLine] = deque(maxlen=history)
        self.tab = "public"
        self.channel = "nearby"
        self.scroll = 0  # rows scrolled up from the newest
        self.unread_dm = 0
        self.collapsed = False  # the box folded to one line, to leave the world in view
        self.unseen = 0  # lines heard while folded
        self.lists = _Lists()
        self.bubbles: dict[int, Bubble] = {}
        self.emotes: dict[int, EmotePlay] = {}
        self.banner: Banner | None = None
        self.moderated: ModerationNotice | None = None
        self.self_id: int | None = None
        self.role = "guest"
        self.revision = 0  # bumped when the log or the tabs change (panels redraw then)
        self._ids = request_ids or self._counter()
        self._pending: dict[int, _Pending] = {}
        self._seen_chat: deque[int] = deque(maxlen=512)
        self._seen_dm: set[int] = set()
        self._last_dm_from = ""
        self.known_users: dict[str, str] = {}  # display name (lower) -> username, from lines heard

    @staticmethod
    def _counter() -> Callable[[], int]:
        n = [0]

        def next_id() -> int:
            n[0] += 1
            return n[0]

        return next_id

    # ── views ────────────────────────────────────────────────────────────────
    def tab_lines(self, tab: str | None = None) -> list[ChatLine]:
        tab = tab or self.tab
        return [line for line in self.lines if line.tab == tab]

    def open_tab(self, tab: str) -> None:
        if tab not in TABS:
            raise ValueError(tab)
        if tab != self.tab:
            self.tab = tab
            self.scroll = 0
            self._changed()
        if tab == "dm" and self.unread_dm:
            self.unread_dm = 0
            self._changed()

    def set_collapsed(self, collapsed: bool) -> None:
        """Fold the box to its newest line (and a count of lines heard since), or unfold it."""
        if collapsed != self.collapsed:
            self.collapsed = collapsed
            self.scroll = 0
            self.unseen = 0
            self._changed()

    def toggle_collapsed(self) -> bool:
        self.set_collapsed(not self.collapsed)
        return self.collapsed

    def cycle_channel(self, step: int = 1) -> str:
        i = CHANNEL_ORDER.index(self.channel)
        self.channel = CHANNEL_ORDER[(i + step) % len(CHANNEL_ORDER)]
        self._changed()
        return self.channel

    def rows(self, lang: str, width: float, tab: str | None = None,
             measure: Callable[[str], float] = len) -> list[list[tuple[str, str]]]:
        """Every row of a tab, oldest first, wrapped at `width` (characters, or `measure`'s units)."""
        out: list[list[tuple[str, str]]] = []
        for line in self.tab_lines(tab):
            out.extend(wrap_segments(self.segments(line, lang), width, measure))
        return out

    def visible_rows(self, lang: str, width: float, count: int,
                     measure: Callable[[str], float] = len) -> list[list[tuple[str, str]]]:
        """The `count` rows the log shows now, given the scroll (clamped to the history)."""
        rows = self.rows(lang, width, measure=measure)
        top_limit = max(0, len(rows) - count)
        self.scroll = max(0, min(self.scroll, top_limit))
        end = len(rows) - self.scroll
        return rows[max(0, end - count):end]

    def scroll_by(self, rows: int) -> None:
        """Positive scrolls back in history; `visible_rows` clamps."""
        self.scroll = max(0, self.scroll + rows)
        self._changed()

    def segments(self, line: ChatLine, lang: str) -> list[tuple[str, str]]:
        """A line as (text, style) pieces; styles: role.<role>, text, system, dm, announce, channel."""
        if line.kind == "system":
            return [(i18n.t(line.key, lang, **dict(line.fmt)), "system")]
        if line.kind == "announce":
            return [(i18n.t("chat.announce_prefix", lang) + " ", "announce"), (_marked(line.name, line.role, lang)
                    + ": ", f"role.{line.role}"), (line.text, "announce")]
        if line.kind == "dm_in":
            return [(i18n.t("chat.dm_from", lang) + " ", "dm"),
                    (_marked(line.name, line.role, lang) + ": ", f"role.{line.role}"), (line.text, "text")]
        if line.kind == "dm_out":
            return [(i18n.t("chat.dm_to", lang, name=line.name) + ": ", "dm"), (line.text, "text")]
        out: list[tuple[str, str]] = []
        if line.channel in ("whisper", "shout", "zone"):
            out.append((f"[{i18n.t(f'chat.channel.{line.channel}', lang)}] ", "channel"))
        out.append((_marked(line.name, line.role, lang) + ": ", f"role.{line.role}"))
        out.append((line.text, "text"))
        return out

    def live_bubbles(self, now_ms: float) -> list[Bubble]:
        """Bubbles still showing; expired ones are dropped."""
        for avatar_id in [a for a, b in self.bubbles.items() if b.until_ms <= now_ms]:
            del self.bubbles[avatar_id]
        return list(self.bubbles.values())

    def live_emotes(self, now_ms: float) -> list[EmotePlay]:
        for avatar_id in [a for a, e in self.emotes.items() if e.progress(now_ms) >= 1.0]:
            del self.emotes[avatar_id]
        return list(self.emotes.values())

    def live_banner(self, now_ms: float) -> Banner | None:
        if self.banner is not None and self.banner.until_ms <= now_ms:
            self.banner = None
        return self.banner

    def live_moderated(self, now_ms: float) -> ModerationNotice | None:
        m = self.moderated
        if m is not None and m.action not in ("kick", "ban") and now_ms - m.shown_ms > MODERATED_S * 1000:
            self.moderated = None
        return self.moderated

    def dismiss_moderated(self) -> None:
        self.moderated = None

    def awaiting_replies(self) -> int:
        """Commands sent whose answer has not come yet (a line or an announcement is answered only
        by its echo to everyone, which carries no request id)."""
        return sum(1 for p in self._pending.values() if p.what not in ("chat", "announce"))

    def is_muted(self, username: str = "", avatar_id: int = 0) -> bool:
        return (bool(username) and username in self.lists.muted) or avatar_id in self.lists.muted_avatars

    # ── messages in ──────────────────────────────────────────────────────────
    def handle(self, msg: Message, now_ms: float) -> bool:
        """Take one server message; True for an `Error` the chat box shows (claimed)."""
        if isinstance(msg, Chat):
            self._on_chat(msg, now_ms)
        elif isinstance(msg, Direct):
            self._on_direct(msg, now_ms)
        elif isinstance(msg, DirectSent):
            self._pending.pop(msg.request_id, None)
            self._last_dm_from = msg.to_username  # `/r` (and the DM tab) answer the last correspondent
            self._add(ChatLine("dm_out", msg.text, name=msg.to_name, username=msg.to_username, at_ms=now_ms))
            if not msg.online:
                self._system("chat.dm_stored", now_ms, channel="dm", name=msg.to_name)
        elif isinstance(msg, Emoted):
            self.emotes[msg.avatar_id] = EmotePlay(msg.avatar_id, msg.emote, now_ms)
        elif isinstance(msg, Announcement):
            self.banner = Banner(msg.name, msg.role, msg.text, now_ms + BANNER_S * 1000)
            self._add(ChatLine("announce", msg.text, name=msg.name, role=msg.role, at_ms=now_ms))
        elif isinstance(msg, ChatLists):
            self._on_lists(msg, now_ms)
        elif isinstance(msg, ReportFiled):
            self._pending.pop(msg.request_id, None)
            self._system("chat.report_filed", now_ms, id=msg.report_id)
        elif isinstance(msg, ModerateDone):
            self._pending.pop(msg.request_id, None)
            self._system(f"mod.done_{msg.action}", now_ms, name=msg.name)
        elif isinstance(msg, Moderated):
            notice = ModerationNotice(msg.action, msg.reason, msg.minutes, msg.until_ms, now_ms, msg.by_role)
            self.moderated = notice
            self._system(notice.key, now_ms, minutes=msg.minutes)  # the notice fades; the log keeps a copy
            self._system("mod.reason", now_ms, reason=msg.reason)
        elif isinstance(msg, Welcome):
            self.self_id = msg.avatar_id
            self.role = msg.role
            self.bubbles.clear()
            self.emotes.clear()
        elif isinstance(msg, Error):
            return self._on_error(msg, now_ms)
        return False

    def _on_chat(self, msg: Chat, now_ms: float) -> None:
        if msg.id in self._seen_chat:
            return
        self._seen_chat.append(msg.id)
        if msg.username:
            self.known_users[msg.name.lower()] = msg.username
        if msg.channel in BUBBLE_CHANNELS:
            self.bubbles[msg.avatar_id] = Bubble(msg.avatar_id, msg.text, msg.channel,
                                                 now_ms + bubble_seconds(msg.text) * 1000)
        self._add(ChatLine("chat", msg.text, name=msg.name, role=msg.role, channel=msg.channel, at_ms=now_ms,
                           username=msg.username))

    def _on_direct(self, msg: Direct, now_ms: float) -> None:
        if msg.id in self._seen_dm:
            return
        self._seen_dm.add(msg.id)
        self._last_dm_from = msg.from_username
        self.known_users[msg.from_name.lower()] = msg.from_username
        self._add(ChatLine("dm_in", msg.text, name=msg.from_name, role=msg.from_role, username=msg.from_username,
                           at_ms=now_ms))
        if self.tab != "dm":
            self.unread_dm += 1

    def _on_lists(self, msg: ChatLists, now_ms: float) -> None:
        before = self.lists
        after = _Lists(dict(zip(msg.muted, msg.muted_names, strict=True)), set(msg.muted_avatars),
                       dict(zip(msg.blocked, msg.blocked_names, strict=True)))
        self.lists = after
        pending = self._pending.pop(msg.request_id, None) if msg.request_id else None
        if pending is not None:
            self._system(f"chat.{pending.what}_ok", now_ms, name=pending.name)
        elif msg.request_id == 0 and before.muted != after.muted:
            self._changed()

    def _on_error(self, msg: Error, now_ms: float) -> bool:
        pending = self._pending.pop(msg.ref, None) if msg.ref else None
        if pending is None and msg.code not in CHAT_ERROR_CODES:
            return False
        channel = "dm" if pending is not None and pending.what == "dm" else ""
        key = f"error.{msg.code}"
        if i18n.has(key):
            self._system(key, now_ms, channel=channel)
        else:
            self._system("error.unknown", now_ms, channel=channel, code=msg.code)
        return True

    # ── typed lines out ──────────────────────────────────────────────────────
    def submit(self, text: str, now_ms: float, *, resolve: Callable[[str], Target | None] | None = None,
               names: Iterable[str] = ()) -> list[Message]:
        """A line typed in the chat box: the messages to send (none for a local command or an error).

        `resolve(name)` finds someone you can see by display name; `names` are those names, so
        an unquoted name with spaces can be matched."""
        text = text.strip()
        if not text:
            return []
        if text.startswith("//"):
            text = text[1:]
        elif text.startswith("/"):
            out = self._command(text[1:], now_ms, resolve or (lambda _n: None), list(names))
            if any(isinstance(m, DirectSend) for m in out):
                self.open_tab("dm")  # follow the conversation where its lines appear
            return out
        if self.tab == "dm":
            # In the DM tab a plain line answers the last correspondent.
            if not self._last_dm_from:
                self._system("chat.dm_pick", now_ms, channel="dm")
                return []
            rid = self._request("dm", self._last_dm_from)
            return [DirectSend(request_id=rid, text=text[:MAX_INPUT_CHARS], to_username=self._last_dm_from)]
        return [self._say(text[:MAX_INPUT_CHARS], self.channel)]

    def _say(self, text: str, channel: str) -> Message:
        rid = self._request("chat")
        return ChatSend(request_id=rid, text=text, channel=channel)

    def _request(self, what: str, name: str = "") -> int:
        rid = self._ids()
        self._pending[rid] = _Pending(what, name)
        if len(self._pending) > 256:  # answers that never came (a lost connection): forget the oldest
            for old in list(self._pending)[:64]:
                del self._pending[old]
        return rid

    def _command(self, body: str, now_ms: float, resolve, names: list[str]) -> list[Message]:
        word, _, rest = body.partition(" ")
        cmd = word.lower()
        rest = rest.strip()
        if cmd in ("help", "?", "bantuan"):
            self._system("chat.help", now_ms)
            if self.role in MODERATOR_ROLES:
                self._system("chat.help_mod", now_ms)
            return []
        if cmd in ("shout", "teriak", "whisper", "bisik", "zone", "zona"):
            channel = {"teriak": "shout", "bisik": "whisper", "zona": "zone"}.get(cmd, cmd)
            if not rest:
                return self._usage(cmd, now_ms)
            return [self._say(rest[:MAX_INPUT_CHARS], channel)]
        if cmd in _EMOTE_COMMANDS:
            return [Emote(emote=_EMOTE_COMMANDS[cmd])]
        if cmd == "r":
            if not self._last_dm_from or not rest:
                return self._usage(cmd, now_ms)
            rid = self._request("dm", self._last_dm_from)
            return [DirectSend(request_id=rid, text=rest[:MAX_INPUT_CHARS], to_username=self._last_dm_from)]
        if cmd == "announce" or cmd == "umumkan":
            if not rest:
                return self._usage("announce", now_ms)
            return [Announce(request_id=self._request("announce"), text=rest[:MAX_INPUT_CHARS])]
        needs_name = {"w", "msg", "dm", "pesan", "mute", "unmute", "block", "unblock", "report", "kick", "mutefor",
                      "unmutefor", "ban"}
        if cmd not in needs_name:
            self._system("chat.unknown_command", now_ms, command=word)
            return []
        name, rest = _take_name(rest, names)
        if not name:
            return self._usage(cmd, now_ms)
        target = self._target(name, resolve)
        if cmd in ("w", "msg", "dm", "pesan"):
            if not rest:
                return self._usage("w", now_ms)
            rid = self._request("dm", target.name)
            to = target.fields("to_avatar", "to_username")
            return [DirectSend(request_id=rid, text=rest[:MAX_INPUT_CHARS], **to)]
        if cmd in ("mute", "unmute", "block", "unblock"):
            cls = Mute if cmd.endswith("mute") else Block
            rid = self._request(cmd, target.name)
            return [cls(request_id=rid, on=not cmd.startswith("un"), **target.fields())]
        if cmd == "report":
            reason_word, _, note = rest.partition(" ")
            reason = _REASON_ALIASES.get(reason_word.lower(), reason_word.lower())
            if reason not in REPORT_REASONS:
                reason, note = "other", rest
            rid = self._request("report", target.name)
            return [Report(request_id=rid, reason=reason, note=" ".join(note.split())[:200], **target.fields())]
        # Moderation: kick NAME REASON | mutefor NAME MINUTES REASON | unmutefor NAME REASON | ban NAME MINUTES REASON
        minutes = 0
        if cmd in ("mutefor", "ban"):
            amount, _, rest = rest.partition(" ")
            if not amount.isdigit():
                return self._usage(cmd, now_ms)
            minutes = int(amount)
        reason = " ".join(rest.split())[:200]
        if not reason:
            return self._usage(cmd, now_ms)
        action = {"kick": "kick", "mutefor": "mute", "unmutefor": "unmute", "ban": "ban"}[cmd]
        rid = self._request("moderate", target.name)
        return [Moderate(request_id=rid, action=action, reason=reason, minutes=min(minutes, 525_600),
                         **target.fields())]

    def _target(self, name: str, resolve) -> Target:
        found = resolve(name)
        if found is not None:
            return found
        username = self.known_users.get(name.lower(), name.lower())
        return Target(username=username[:64], name=name)

    def _usage(self, cmd: str, now_ms: float) -> list[Message]:
        self._system(f"chat.usage_{_USAGE.get(cmd, 'w')}", now_ms)
        return []

    # ── plumbing ─────────────────────────────────────────────────────────────
    def _add(self, line: ChatLine) -> None:
        self.lines.append(line)
        if self.collapsed and line.kind in HEARD_KINDS:
            self.unseen += 1
        if self.scroll and line.tab == self.tab:
            self.scroll += 1  # someone reading history keeps their place
        self._changed()

    def note(self, key: str, now_ms: float, **fmt: object) -> None:
        """A line of our own in the public log (an i18n key, translated when drawn)."""
        self._add(ChatLine("system", key=key, fmt=tuple(fmt.items()), at_ms=now_ms))

    def _system(self, key: str, now_ms: float, *, channel: str = "", **fmt: object) -> None:
        self._add(ChatLine("system", key=key, fmt=tuple(fmt.items()), at_ms=now_ms, channel=channel))

    def _changed(self) -> None:
        self.revision += 1


# Which usage line (`chat.usage_<name>` in i18n) answers a command typed wrong.
_USAGE = {
    "w": "w", "msg": "w", "dm": "w", "pesan": "w", "r": "r", "mute": "mute", "unmute": "mute", "block": "block",
    "unblock": "block", "report": "report", "kick": "kick", "mutefor": "mutefor", "unmutefor": "unmutefor",
    "ban": "ban", "announce": "announce", "shout": "channel", "teriak": "channel", "whisper": "channel",
    "bisik": "channel", "zone": "channel", "zona": "channel",
}


def _marked(name: str, role: str, lang: str) -> str:
    """Staff, hosts and admins carry their role in the log, so nobody can pass for one by name."""
    if role in ("staff", "host", "admin"):
        return f"{name} [{i18n.t(f'role.{role}', lang)}]"
    return name


def _take_name(rest: str, names: list[str]) -> tuple[str, str]:
    """The NAME at the start of `rest` (quoted, a known name with spaces, or one word) and the rest."""
    rest = rest.strip()
    if not rest:
        return "", ""
    if rest[0] in "\"'":
        end = rest.find(rest[0], 1)
        if end > 1:
            return rest[1:end].strip(), rest[end + 1:].strip()
    low = rest.lower()
    for name in sorted(names, key=len, reverse=True):
        n = name.lower()
        if " " in n and low.startswith(n) and (len(low) == len(n) or low[len(n)] == " "):
            return rest[:len(n)], rest[len(n):].strip()
    word, _, tail = rest.partition(" ")
    return word, tail.strip()

