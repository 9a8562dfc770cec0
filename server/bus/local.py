"""The in-process bus: one process, no broker."""

from __future__ import annotations

import asyncio
from collections import deque

from .base import Callback, Subscribers, Subscription

__all__ = ["LocalBus", "PER_TURN"]

# Messages handed to subscribers in one turn of the loop, at most; the rest wait for the next.
# A poll's thousands of votes, each forwarded up by a copy within one turn, otherwise made one
# turn of all of them (each turn runs all that was ready when it began), and a stage line, or
# the tick, moved a step a turn beside them.
PER_TURN = 256


class LocalBus:
    def __init__(self, *, per_turn: int = PER_TURN) -> None:
        self._subscribers = Subscribers()
        self.per_turn = per_turn
        self._queued: deque[tuple[str, bytes]] = deque()
        self._draining: asyncio.AbstractEventLoop | None = None  # the loop a delivery is scheduled on

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def publish(self, channel: str, payload: bytes) -> None:
        self.post(channel, payload)

    def post(self, channel: str, payload: bytes, *, at_once: bool = False) -> None:
        """Delivered on a later loop iteration, as from a broker: a publisher never re-enters
        itself; no task to wait on (a poll's thousands of votes and replies each went through one
        of their own, and a stage line waited behind them). What is posted is delivered in order,
        `per_turn` messages a turn at most: one callback a turn for them all. `at_once`:
        delivered before this returns, for a message that must not wait behind the loop's queue
        (a stage line while a poll's votes are queued); its subscribers must not publish back to
        the publisher at once (a copy hands a stage line to its members, nothing more)."""
        if at_once:
            self._subscribers.deliver(channel, bytes(payload))
            return
        self._queued.append((channel, bytes(payload)))
        loop = asyncio.get_running_loop()
        if self._draining is not loop:  # none scheduled (or on a loop since closed)
            self._draining = loop
            loop.call_soon(self._drain)

    def _drain(self) -> None:
        """Deliver what was queued before this turn, `per_turn` at most; what is posted meanwhile
        (a subscriber publishing) and what is left wait for the next turn."""
        queued = self._queued
        for _ in range(min(len(queued), self.per_turn)):
            channel, payload = queued.popleft()
            self._subscribers.deliver(channel, payload)
        if queued:
            asyncio.get_running_loop().call_soon(self._drain)
        else:
            self._draining = None

    def subscribe(self, channel: str, callback: Callback) -> Subscription:
        return self._subscribers.add(channel, callback)
