"""The in-process bus: one process, no broker."""

from __future__ import annotations

import asyncio

from .base import Callback, Subscribers, Subscription

__all__ = ["LocalBus"]


class LocalBus:
    def __init__(self) -> None:
        self._subscribers = Subscribers()

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def publish(self, channel: str, payload: bytes) -> None:
        self.publish_soon(channel, payload)

    def publish_soon(self, channel: str, payload: bytes) -> None:
        """Delivered on a later loop iteration, as from a broker: a publisher never re-enters
        itself. No task to wait on: a poll's thousands of votes and replies each went through one
        of their own, and a stage line waited behind them."""
        asyncio.get_running_loop().call_soon(self._subscribers.deliver, channel, bytes(payload))

    def publish_now(self, channel: str, payload: bytes) -> None:
        """Delivered before this returns, for a message that must not wait behind the loop's
        queue (a stage line while a poll's votes are queued). Its subscribers must not publish
        back to the publisher at once (a copy hands a stage line to its members, nothing more)."""
        self._subscribers.deliver(channel, bytes(payload))

    def subscribe(self, channel: str, callback: Callback) -> Subscription:
        return self._subscribers.add(channel, callback)
