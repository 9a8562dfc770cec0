"""Chat rules, pure: who hears a line (ranges, zones, personal mutes), cleaning text,
per-speaker rate limits, moderator mutes in force, and what each listener heard lately (the
evidence a report carries). No I/O; time is passed in.

Routing works on the simulation's arrays (ids, positions, zone indexes of the avatars in the
world) with one vectorised distance or zone check per line, so a line costs O(avatars) numpy
work and O(hearers) Python work, however many people chat at once.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from makaverse.protocol import CHANNEL_RANGE_M, MAX_CHAT_CHARS, ErrorCode
from makaverse.protocol.messages import U32
from makaverse.protocol.ratelimit import TokenBucket
from makaverse.protocol.text import clean_line

from .wordfilter import WordFilter

__all__ = [
    "SpeakerKey",
    "speaker_key",
    "ChatConfig",
    "ChatRefusal",
    "clean_text",
    "prepare_text",
    "chat_zone",
    "zone_groups",
    "hearers",
    "PersonalMutes",
    "GlobalMutes",
    "RateLimits",
    "HeardLine",
    "HeardLog",
    "ChatRoom",
]

# Who spoke: ("account", account id) for a logged-in user, ("guest", avatar id) for a guest.
# Mutes, limits and evidence are keyed by it, so an account keeps them across reconnects.
SpeakerKey = tuple[str, int]


def speaker_key(account_id: int | None, avatar_id: int) -> SpeakerKey:
    return ("account", account_id) if account_id is not None else ("guest", avatar_id)


@dataclass(frozen=True, slots=True)
class ChatConfig:
    max_chars: int = 200  # per line, after cleaning (at most protocol MAX_CHAT_CHARS)
    rate_per_s: float = 1.0  # lines, emotes and direct messages per speaker: 5 per 5 s ...
    burst: int = 5  # ... with bursts of 5
    retention_days: float = 30.0  # chat kept for moderation, then purged
    evidence_lines: int = 20  # lines attached to a report
    heard_lines: int = 50  # lines remembered per listener, for reports
    flush_interval_s: float = 1.0  # chat log written to the store in batches this often
    purge_interval_s: float = 3600.0  # how often chat older than the retention is deleted ...
    first_purge_s: float = 30.0  # ... starting this long after the server starts
    wordfilter_file: str = ""  # empty: the packaged list

    def __post_init__(self) -> None:
        if not 1 <= self.max_chars <= MAX_CHAT_CHARS:
            raise ValueError(f"max_chars must be 1..{MAX_CHAT_CHARS}")
        if self.rate_per_s <= 0 or self.burst < 1:
            raise ValueError("rate_per_s must be > 0 and burst >= 1")
        if self.retention_days <= 0:
            raise ValueError("retention_days must be > 0")


class ChatRefusal(Exception):
    """A line, command or moderation act refused; `code` goes to the peer, the message to logs."""

    def __init__(self, code: ErrorCode, hint: str = "") -> None:
        super().__init__(hint or code.value)
        self.code = code
        self.hint = hint


# ── text ─────────────────────────────────────────────────────────────────────

def clean_text(raw: str) -> str:
    """The text policy for conversation (protocol/text.py): control and invisible characters are
    removed rather than refused, any run of whitespace becomes one space, the ends are trimmed."""
    return clean_line(raw)


def prepare_text(raw: str, *, max_chars: int, wordfilter: WordFilter | None = None) -> str:
    """A clean, filtered line, or `ChatRefusal` when nothing is left or it is too long."""
    text = clean_text(raw)
    if not text:
        raise ChatRefusal(ErrorCode.INVALID_FIELD, "empty after cleaning")
    if len(text) > max_chars:
        raise ChatRefusal(ErrorCode.TOO_LARGE, f"longer than {max_chars} characters")
    return wordfilter.mask(text) if wordfilter is not None else text


# ── routing ──────────────────────────────────────────────────────────────────

# The stage is part of the auditorium for zone chat: the audience and the speakers hear each other.
_CHAT_ZONE = {"stage": "auditorium"}


def chat_zone(zone_id: str) -> str:
    """The zone whose members hear a zone line said in `zone_id`."""
    return _CHAT_ZONE.get(zone_id, zone_id)


def zone_groups(zone_ids: Sequence[str]) -> np.ndarray:
    """For the world's zones in order, the group number each belongs to for zone chat.

    Index with `zone + 1` (the simulation's zone index, -1 outside every zone, maps to group -1).
    """
    numbers: dict[str, int] = {}
    groups = [-1] + [numbers.setdefault(chat_zone(z), len(numbers)) for z in zone_ids]
    return np.array(groups, dtype=np.int64)


def hearers(
    channel: str,
    speaker_id: int,
    *,
    ids: np.ndarray,
    pos: np.ndarray,
    zones: np.ndarray,
    groups: np.ndarray,
) -> np.ndarray:
    """Ids of the avatars that hear `speaker_id` on `channel` (the speaker included).

    `ids`, `pos` (n x 2 metres) and `zones` (zone index, -1 outside) describe the avatars in the
    world, row by row; `groups` comes from `zone_groups`. Empty when the speaker is not there,
    or speaks on the zone channel while outside every zone.
    """
    rows = np.flatnonzero(ids == speaker_id)
    if len(rows) == 0:
        return ids[:0]
    me = rows[0]
    if channel == "zone":
        group = groups[zones[me] + 1]
        if group < 0:
            return ids[:0]
        return ids[groups[zones + 1] == group]
    radius = CHANNEL_RANGE_M[channel]
    d = pos - pos[me]
    return ids[np.einsum("ij,ij->i", d, d) <= radius * radius]


# ── mutes ────────────────────────────────────────────────────────────────────


class PersonalMutes:
    """Whom each listener (an avatar in the world) has muted, with the reverse index that makes
    dropping a speaker's muters from a line cost O(muters)."""

    def __init__(self) -> None:
        self._by_listener: dict[int, set[SpeakerKey]] = {}
        self._muters: dict[SpeakerKey, set[int]] = {}

    def mute(self, listener: int, speaker: SpeakerKey) -> None:
        self._by_listener.setdefault(listener, set()).add(speaker)
        self._muters.setdefault(speaker, set()).add(listener)

    def unmute(self, listener: int, speaker: SpeakerKey) -> None:
        self._by_listener.get(listener, set()).discard(speaker)
        muters = self._muters.get(speaker)
        if muters is not None:
            muters.discard(listener)
            if not muters:
                del self._muters[speaker]

    def replace(self, listener: int, speakers: Iterable[SpeakerKey]) -> None:
        """Set a listener's whole list (loaded from the store on entering the world)."""
        keep = {s for s in self._by_listener.get(listener, ()) if s[0] == "guest"}
        self.forget_listener(listener)
        for speaker in (*keep, *speakers):
            self.mute(listener, speaker)

    def forget_listener(self, listener: int) -> None:
        for speaker in self._by_listener.pop(listener, ()):
            muters = self._muters.get(speaker)
            if muters is not None:
                muters.discard(listener)
                if not muters:
                    del self._muters[speaker]

    def forget_guest(self, avatar_id: int) -> None:
        """A guest left: nobody needs to mute that avatar any more."""
        key = ("guest", avatar_id)
        for listener in self._muters.pop(key, ()):
            self._by_listener.get(listener, set()).discard(key)

    def muted_by(self, listener: int) -> frozenset[SpeakerKey]:
        return frozenset(self._by_listener.get(listener, ()))

    def muters_of(self, speaker: SpeakerKey) -> frozenset[int]:
        return frozenset(self._muters.get(speaker, ()))

    def deliver_to(self, hearer_ids: Iterable[int], speaker: SpeakerKey, speaker_avatar: int) -> list[int]:
        """The hearers minus those who muted the speaker; the speaker always hears themself."""
        muters = self._muters.get(speaker)
        if not muters:
            return [int(a) for a in hearer_ids]
        return [int(a) for a in hearer_ids if a == speaker_avatar or int(a) not in muters]


class GlobalMutes:
    """Moderator mutes in force: speaker -> (until, reason), in wall-clock seconds. A mute always ends."""

    def __init__(self) -> None:
        self._until: dict[SpeakerKey, tuple[float, str]] = {}

    def set(self, speaker: SpeakerKey, until_s: float, reason: str) -> None:
        self._until[speaker] = (until_s, reason)

    def lift(self, speaker: SpeakerKey) -> bool:
        return self._until.pop(speaker, None) is not None

    def until(self, speaker: SpeakerKey, now_s: float) -> float | None:
        """When the mute ends, or None when the speaker is not muted (an ended mute is forgotten)."""
        entry = self._until.get(speaker)
        if entry is None:
            return None
        if entry[0] <= now_s:
            del self._until[speaker]
            return None
        return entry[0]

    def forget(self, speaker: SpeakerKey) -> None:
        self._until.pop(speaker, None)


# ── rate limits ──────────────────────────────────────────────────────────────


class RateLimits:
    """One token bucket per speaker (lines, emotes, direct messages and announcements share it)."""

    def __init__(self, *, rate_per_s: float, burst: int) -> None:
        self.rate_per_s = rate_per_s
        self.burst = burst
        self._buckets: dict[SpeakerKey, TokenBucket] = {}

    def admit(self, speaker: SpeakerKey, now_s: float) -> float:
        """0.0 when the speaker may go ahead (a token is spent), else the seconds to wait."""
        bucket = self._buckets.get(speaker)
        if bucket is None:
            bucket = self._buckets[speaker] = TokenBucket(rate_per_s=self.rate_per_s, burst=self.burst, now_s=now_s)
        if bucket.take(now_s):
            return 0.0
        return max(bucket.retry_after_s(), 1e-3)

    def forget(self, speaker: SpeakerKey) -> None:
        self._buckets.pop(speaker, None)

    def prune(self, now_s: float) -> int:
        """Drop buckets that have refilled completely: they would behave exactly like new ones."""
        full_after_s = self.burst / self.rate_per_s
        idle = [k for k, b in self._buckets.items() if now_s - b.updated_s >= full_after_s]
        for key in idle:
            del self._buckets[key]
        return len(idle)

    def __len__(self) -> int:
        return len(self._buckets)


# ── what listeners heard (evidence for reports) ──────────────────────────────


@dataclass(frozen=True, slots=True)
class HeardLine:
    """One line as its listeners got it; shared by every listener's log (no copies)."""

    at_ms: int
    channel: str
    speaker: SpeakerKey
    avatar_id: int
    name: str
    text: str
    zone_id: str = ""

    def evidence(self) -> dict:
        """The copy a report keeps."""
        kind, number = self.speaker
        return {
            "kind": "chat",
            "at_ms": self.at_ms,
            "channel": self.channel,
            "speaker": f"{kind}:{number}",
            "avatar_id": self.avatar_id,
            "name": self.name,
            "text": self.text,
            "zone_id": self.zone_id,
        }


class HeardLog:
    """The last lines each listener heard, so a report carries what the reporter could see."""

    def __init__(self, *, per_listener: int) -> None:
        self.per_listener = per_listener
        self._logs: dict[int, deque[HeardLine]] = {}

    def add(self, listeners: Iterable[int], line: HeardLine) -> None:
        logs = self._logs
        for listener in listeners:
            log = logs.get(listener)
            if log is None:
                log = logs[listener] = deque(maxlen=self.per_listener)
            log.append(line)

    def lines_from(self, listener: int, speaker: SpeakerKey, *, limit: int) -> list[HeardLine]:
        """The last `limit` lines by `speaker` that `listener` heard, oldest first."""
        found = [line for line in self._logs.get(listener, ()) if line.speaker == speaker]
        return found[-limit:] if limit > 0 else []

    def forget(self, listener: int) -> None:
        self._logs.pop(listener, None)


# ── one server's chat ────────────────────────────────────────────────────────


class ChatRoom:
    """Everything one server knows about chat, with the rules applied in order: clean the text,
    refuse a muted or too fast speaker, find who hears a line and drop those who muted the speaker.
    Wall-clock seconds (`wall_s`) time moderator mutes; monotonic seconds (`mono_s`) the limits."""

    def __init__(self, config: ChatConfig, zone_ids: Sequence[str], *, wordfilter: WordFilter | None = None) -> None:
        self.config = config
        self.wordfilter = wordfilter
        self.limits = RateLimits(rate_per_s=config.rate_per_s, burst=config.burst)
        self.mutes = PersonalMutes()
        self.global_mutes = GlobalMutes()
        self.heard = HeardLog(per_listener=config.heard_lines)
        self.groups = zone_groups(zone_ids)
        self.account_names: dict[int, tuple[str, str]] = {}  # account id -> (username, display name)
        self._next_id = 0

    def next_id(self) -> int:
        """Ids for lines and announcements: 1..2**32-1, wrapping."""
        self._next_id = self._next_id % U32 + 1
        return self._next_id

    def text(self, raw: str) -> str:
        return prepare_text(raw, max_chars=self.config.max_chars, wordfilter=self.wordfilter)

    def admit(self, speaker: SpeakerKey, *, wall_s: float, mono_s: float, even_if_muted: bool = False) -> None:
        """Refuse a muted speaker (`muted`), then spend a token or refuse (`slow_down`).

        `even_if_muted` skips the mute: a muted person may still report someone."""
        until = None if even_if_muted else self.global_mutes.until(speaker, wall_s)
        if until is not None:
            raise ChatRefusal(ErrorCode.MUTED, f"muted for {math.ceil((until - wall_s) / 60)} more minutes")
        wait_s = self.limits.admit(speaker, mono_s)
        if wait_s:
            raise ChatRefusal(ErrorCode.SLOW_DOWN, f"retry in {math.ceil(wait_s)} s")

    def listeners(
        self, channel: str, speaker_id: int, speaker: SpeakerKey, *, ids: np.ndarray, pos: np.ndarray, zones: np.ndarray
    ) -> list[int]:
        """Who gets a line (or an emote, on "nearby"): the hearers minus those who muted the speaker."""
        found = hearers(channel, speaker_id, ids=ids, pos=pos, zones=zones, groups=self.groups)
        return self.mutes.deliver_to(found.tolist(), speaker, speaker_id)

    def forget(self, avatar_id: int, account_id: int | None) -> None:
        """An avatar left for good: drop what was kept for it as a listener (and as a guest speaker)."""
        self.mutes.forget_listener(avatar_id)
        self.heard.forget(avatar_id)
        if account_id is None:
            key = ("guest", avatar_id)
            self.mutes.forget_guest(avatar_id)
            self.global_mutes.forget(key)
            self.limits.forget(key)
