"""What the booth models share: one outbox of commands whose answers come back to the model
that sent them, the toasts for the HUD, and the change counters widgets redraw by."""

from __future__ import annotations

import itertools
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from makaverse.protocol import Message, RemoteProtocolError
from makaverse.world import World

__all__ = ["Link", "Pending", "Sender", "Toast", "MAX_TOASTS", "TOAST_MS", "MAX_PENDING"]

MAX_TOASTS = 8
TOAST_MS = 8000.0
MAX_PENDING = 256


@dataclass(frozen=True, slots=True)
class Toast:
    """A short HUD notification, as a translation key and its values (translated when drawn)."""

    key: str
    fmt: tuple[tuple[str, object], ...] = ()
    at_ms: float = 0.0
    tone: str = "info"  # info | good | bad | call

    def value(self, name: str, default: object = None) -> object:
        return dict(self.fmt).get(name, default)

    def same_as(self, other: Toast) -> bool:
        """Says the same thing (whenever it was said)."""
        return (self.key, self.fmt, self.tone) == (other.key, other.fmt, other.tone)


class Sender(Protocol):
    """A booth model that sends commands: an `error` answering one comes back to it."""

    def on_error(self, kind: str, context: object, code: str, now_ms: float) -> None: ...


@dataclass(frozen=True, slots=True)
class Pending:
    """A command awaiting its answer: who sent it, what it was, and what it was about."""

    owner: Sender
    kind: str
    context: object = None


class Link:
    def __init__(self, world: World, *, lang: str = "id", ids: Callable[[], int] | None = None) -> None:
        self.world = world
        self.lang = lang
        counter = itertools.count(1)
        self._next_id = ids or (lambda: next(counter))
        self.role = "guest"
        self.opd = ""  # yours, if you are staff
        self.name = ""
        self.zone_opd = ""  # the booth whose interaction zone you stand in
        self.outbox: list[Message] = []
        self.events: list[tuple[str, str, str]] = []  # ("called", opd, code): for a sound
        self.toasts: deque[Toast] = deque(maxlen=MAX_TOASTS)
        # Changes per area ("state", "info", "panel", "ticket", "form", "mine", "toast", "lines",
        # "zone", "counter", "staff" for requests, "staff_new" for requests that arrived live, "edit",
        # "console", "requests").
        self.rev: Counter[str] = Counter()
        self._pending: dict[int, Pending] = {}

    @property
    def is_staff(self) -> bool:
        return self.role == "staff" and bool(self.opd)

    def send(self, owner: Sender, kind: str, build: Callable[[int], Message], context: object = None) -> int:
        rid = self._next_id()
        self._pending[rid] = Pending(owner, kind, context)
        while len(self._pending) > MAX_PENDING:  # lines said across the counter get no reply
            del self._pending[next(iter(self._pending))]
        try:
            msg = build(rid)
        except RemoteProtocolError as exc:
            # Text the server would refuse (protocol/text.py): shown exactly as its refusal would be.
            del self._pending[rid]
            owner.on_error(kind, context, exc.code.value, 0.0)
            return rid
        self.outbox.append(msg)
        return rid

    def take(self, request_id: int) -> Pending | None:
        """The command `request_id` answers (forgotten once answered); None if not ours."""
        return self._pending.pop(request_id, None) if request_id else None

    def drain(self) -> list[Message]:
        """The commands to send now (the outbox is emptied)."""
        out, self.outbox = self.outbox, []
        return out

    def forget_pending(self) -> None:
        """After a welcome, what was asked before will never be answered."""
        self._pending.clear()
        self.outbox.clear()

    def toast(self, key: str, now_ms: float, tone: str = "info", **fmt: object) -> None:
        """Show a toast; the same one still on screen is shown again, not stacked (pressing "call
        next" at an empty queue three times says "nobody is waiting" once)."""
        toast = Toast(key, tuple(fmt.items()), now_ms, tone)
        for old in [t for t in self.toasts if now_ms - t.at_ms < TOAST_MS and t.same_as(toast)]:
            self.toasts.remove(old)
        self.toasts.append(toast)
        self.rev["toast"] += 1

    def recent_toasts(self, now_ms: float, limit: int = 3) -> list[Toast]:
        return [t for t in self.toasts if now_ms - t.at_ms < TOAST_MS][-limit:]
