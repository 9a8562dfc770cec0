"""The Redis bus: pub/sub across server processes (`redis.asyncio`)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

from .base import BusError, Callback, Subscribers, Subscription

if TYPE_CHECKING:
    from redis.asyncio.client import PubSub

__all__ = ["RedisBus"]

log = logging.getLogger("makaverse.bus")


class RedisBus:
    """Channels are namespaced by `prefix`, so several deployments can share one Redis."""

    def __init__(self, url: str, *, prefix: str = "makaverse:") -> None:
        import redis.asyncio as redis_asyncio

        self._redis = redis_asyncio.from_url(url)
        self._prefix = prefix
        self._subscribers = Subscribers()
        self._pubsub: PubSub | None = None
        self._reader: asyncio.Task[None] | None = None
        self._subscribed: set[str] = set()

    async def start(self) -> None:
        try:
            await self._redis.ping()
        except Exception as exc:
            raise BusError("redis unreachable") from exc
        self._pubsub = pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        await pubsub.subscribe(f"{self._prefix}__control")  # a pubsub must listen to something
        for channel in self._subscribers.channels():
            await self._listen(channel)
        self._reader = asyncio.create_task(self._read(), name="redis-bus")

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        if self._pubsub is not None:
            with contextlib.suppress(Exception):
                await self._pubsub.aclose()
        with contextlib.suppress(Exception):
            await self._redis.aclose()

    async def publish(self, channel: str, payload: bytes) -> None:
        try:
            await self._redis.publish(self._prefix + channel, bytes(payload))
        except Exception as exc:
            raise BusError("publish failed") from exc

    def subscribe(self, channel: str, callback: Callback) -> Subscription:
        sub = self._subscribers.add(channel, callback)
        if self._pubsub is not None and channel not in self._subscribed:
            asyncio.get_running_loop().create_task(self._listen(channel))
        return sub

    async def _listen(self, channel: str) -> None:
        if channel not in self._subscribed:
            self._subscribed.add(channel)
            await self._started().subscribe(self._prefix + channel)

    async def wait_subscribed(self) -> None:
        """Until Redis confirms every subscription (tests publish right after subscribing)."""
        while len(self._started().channels) < len(self._subscribed) + 1:
            await asyncio.sleep(0.01)

    def _started(self) -> PubSub:
        if self._pubsub is None:
            raise BusError("the bus is not started")
        return self._pubsub

    async def _read(self) -> None:
        while True:
            try:
                message = await self._started().get_message(timeout=1.0)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("redis_bus_read_failed")
                await asyncio.sleep(1.0)
                continue
            if message is None or message.get("type") != "message":
                continue
            channel = message["channel"].decode() if isinstance(message["channel"], bytes) else message["channel"]
            if channel.startswith(self._prefix):
                self._subscribers.deliver(channel[len(self._prefix) :], message["data"])
