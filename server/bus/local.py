"""The in-process bus: one process, no broker."""

from __future__ import annotations

from .base import PER_TURN, Callback, Subscribers, Subscription, TurnQueue

__all__ = ["LocalBus", "PER_TURN"]


class LocalBus:
    def __init__(self, *, per_turn: int = PER_TURN) -> None:
        self._subscribers = Subscribers()
        self._queue = TurnQueue(self._subscribers, per_turn)

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
        self._queue.push(channel, bytes(payload))

    def subscribe(self, channel: str, callback: Callback) -> Subscription:
        return self._subscribers.add(channel, callback)
