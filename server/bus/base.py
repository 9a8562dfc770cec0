"""The bus interface."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, Protocol

__all__ = ["Bus", "BusError", "Subscription", "Subscribers", "TurnQueue", "PER_TURN"]

# Messages handed to subscribers in one turn of the loop, at most; the rest wait for the next.
# A poll's thousands of votes, each forwarded up by a copy within one turn, otherwise made one
# turn of all of them (each turn runs all that was ready when it began), and a stage line, or
# the tick, moved a step a turn beside them.
PER_TURN = 256

log = logging.getLogger("makaverse.bus")

Callback = Callable[[bytes], None]


class BusError(Exception):
    """The bus could not deliver (the broker is unreachable)."""


@dataclass(eq=False)
class Subscription:
    channel: str
    callback: Callback
    _owner: Subscribers | None = field(repr=False, default=None)

    def cancel(self) -> None:
        if self._owner is not None:
            self._owner.remove(self)
            self._owner = None


class Subscribers:
    """Callbacks by channel; one failing callback never stops delivery to the others."""

    def __init__(self) -> None:
        self._by_channel: dict[str, list[Subscription]] = {}

    def add(self, channel: str, callback: Callback) -> Subscription:
        sub = Subscription(channel, callback, self)
        self._by_channel.setdefault(channel, []).append(sub)
        return sub

    def remove(self, sub: Subscription) -> None:
        subs = self._by_channel.get(sub.channel, [])
        if sub in subs:
            subs.remove(sub)
        if not subs:
            self._by_channel.pop(sub.channel, None)

    def channels(self) -> list[str]:
        return list(self._by_channel)

    def deliver(self, channel: str, payload: bytes) -> None:
        for sub in list(self._by_channel.get(channel, ())):
            try:
                sub.callback(payload)
            except Exception:
                log.exception("bus_callback_failed", extra={"fields": {"channel": channel}})


class TurnQueue:
    """Messages for `subscribers`, delivered in order on later turns of the loop, `per_turn` a
    turn at most and one callback a turn for them all (not one each)."""

    def __init__(self, subscribers: Subscribers, per_turn: int = PER_TURN) -> None:
        self.subscribers = subscribers
        self.per_turn = per_turn
        self._queued: deque[tuple[str, bytes]] = deque()
        self._draining: asyncio.AbstractEventLoop | None = None  # the loop a delivery is scheduled on

    def push(self, channel: str, payload: bytes) -> None:
        self._queued.append((channel, payload))
        loop = asyncio.get_running_loop()
        if self._draining is not loop:  # none scheduled (or on a loop since closed)
            self._draining = loop
            loop.call_soon(self._drain)

    def clear(self) -> None:
        self._queued.clear()

    def _drain(self) -> None:
        """Deliver what was queued before this turn, `per_turn` at most; what is queued meanwhile
        (a subscriber publishing) and what is left wait for the next turn."""
        queued = self._queued
        for _ in range(min(len(queued), self.per_turn)):
            channel, payload = queued.popleft()
            self.subscribers.deliver(channel, payload)
        if queued:
            asyncio.get_running_loop().call_soon(self._drain)
        else:
            self._draining = None


class Bus(Protocol):
    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def publish(self, channel: str, payload: bytes) -> None: ...

    def post(self, channel: str, payload: bytes, *, at_once: bool = False) -> Coroutine[Any, Any, None] | None:
        """Publish without waiting here: None when it is done, else what is left to await (and
        log if it fails). `at_once`: this process's subscribers take it before this returns,
        where the bus can (a stage line must not queue behind a poll's votes)."""
        ...

    def subscribe(self, channel: str, callback: Callback) -> Subscription: ...
