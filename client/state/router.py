"""Incoming events reach the model that owns them: one table, type → handler.

Every server message type the client takes has at most one owner (the booths own `Ticket`,
chat owns `Chat`, the login flow owns `AuthOk`, …), so a message is handed to exactly one
model and a grep for the type finds who handles it. A few events mark a change of life that
several models must hear — a `Welcome` (a fresh world: forget what was pending), a
`ZoneChanged`, a connection `StateChanged` — and those go to every watcher, in the order they
were added. An `Error` is an answer to one command: it goes to the watchers in order until one
claims it (by its `ref`), and an unclaimed error is the session's to show.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from makaverse.protocol import Error, Message

from ..net.events import RttSample, StateChanged

__all__ = ["Router", "Event", "Handler"]

Event = Message | StateChanged | RttSample
Handler = Callable[[Event, float], "bool | None"]


class Router:
    def __init__(self) -> None:
        self._owner: dict[type, Handler] = {}
        self._watchers: dict[type, list[Handler]] = {}

    def add(self, handler: Handler, *, owns: Iterable[type] = (), watches: Iterable[type] = ()) -> None:
        """Give `handler(event, now_ms)` every event of the types it `owns` (nobody else may own
        them) and of the types it `watches` (shared with other watchers)."""
        owns = tuple(owns)
        for kind in owns:
            if kind in self._owner and self._owner[kind] != handler:
                raise ValueError(f"{kind.__name__} already has an owner")
            if kind in self._watchers:
                raise ValueError(f"{kind.__name__} is watched, so it cannot be owned")
        for kind in watches:
            if kind in self._owner:
                raise ValueError(f"{kind.__name__} has an owner, so it cannot be watched")
            self._watchers.setdefault(kind, []).append(handler)
        for kind in owns:
            self._owner[kind] = handler

    def owner(self, kind: type) -> Handler | None:
        return self._owner.get(kind)

    def dispatch(self, event: Event, now_ms: float) -> bool:
        """Hand `event` on; True when it was claimed (an `Error` a model shows)."""
        kind = type(event)
        owner = self._owner.get(kind)
        if owner is not None:
            return bool(owner(event, now_ms))
        watchers = self._watchers.get(kind, ())
        if kind is Error:
            return any(bool(w(event, now_ms)) for w in watchers)  # stops at the first claim
        claimed = False
        for watcher in watchers:
            claimed = bool(watcher(event, now_ms)) or claimed
        return claimed
