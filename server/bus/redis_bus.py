"""The Redis bus: pub/sub across server processes (`redis.asyncio`).

Redis may go away (a restart, a failover, a network cut). The server must go on serving its own
instances meanwhile, so nothing here waits on Redis without a timeout: a round trip of publishes
that cannot reach it fails within `timeout_s`, with it everything queued, each with `BusError`
(callers fall back to local delivery), and the
reader, on losing its connection, reconnects by itself with a capped backoff and subscribes to
every channel again. Messages published while a process was cut off are not replayed to it:
pub/sub is for live fan-out, and what must survive is in the store.

Publishes go out through one writer, in the order they were made, each burst in one pipeline:
a poll's hundreds of votes forwarded at once neither open a connection each (the client's pool
is bounded, and a publish finding it full was lost) nor overtake each other. A `post` (what the
game publishes without waiting) has no task or future of its own: the writer logs a failure.

A poll's thousands of votes, and the replies to them, arrive in a burst: what is read is
delivered in order, `PER_TURN` messages a loop turn at most (as the in-process bus does), so the
burst does not make one long turn. A message posted `at_once` (a stage line) goes ahead: this
process's subscribers take it before `post` returns, the writer sends it before what is queued,
and every other process delivers it as soon as it is read, ahead of what is waiting there.
On the wire each payload carries a short header: `MARK`, the flags, the publisher's id.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections import deque
from typing import TYPE_CHECKING

from .base import PER_TURN, BusError, Callback, Subscribers, Subscription, TurnQueue

if TYPE_CHECKING:
    from redis.asyncio.client import PubSub

__all__ = ["RedisBus", "frame", "unframe", "MARK", "URGENT", "READ_PER_TURN"]

log = logging.getLogger("makaverse.bus")

PUBLISH_BATCH = 500  # publishes sent in one pipeline at most
READ_PER_TURN = 1024  # messages read from Redis in one loop turn at most (reading is cheap, delivering is not)
MARK = 0xFE  # the first byte of every payload this bus publishes
URGENT = 0x01  # flag: delivered ahead of what waits (a stage line); its publisher took it at once
SENDER_LEN = 8
HEADER_LEN = 2 + SENDER_LEN

# (channel, framed payload, its publisher's future or None for a post)
_Item = tuple[str, bytes, "asyncio.Future[None] | None"]


def frame(payload: bytes, sender: bytes, *, urgent: bool = False) -> bytes:
    """The payload as published: `MARK`, the flags, the publisher's id (`SENDER_LEN` bytes), the payload."""
    return bytes((MARK, URGENT if urgent else 0)) + sender + payload


def unframe(data: bytes) -> tuple[bytes, bool, bytes]:
    """(payload, urgent, sender) of what `frame` made; anything else is a plain payload."""
    if len(data) >= HEADER_LEN and data[0] == MARK:
        return data[HEADER_LEN:], bool(data[1] & URGENT), data[2:HEADER_LEN]
    return data, False, b""


class RedisBus:
    """Channels are namespaced by `prefix`, so several deployments can share one Redis."""

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "makaverse:",
        timeout_s: float = 2.0,
        retry_first_s: float = 0.25,
        retry_max_s: float = 2.0,
        per_turn: int = PER_TURN,
    ) -> None:
        import redis.asyncio as redis_asyncio

        self._redis = redis_asyncio.from_url(url, socket_connect_timeout=timeout_s, socket_timeout=timeout_s)
        self._prefix = prefix
        self._timeout_s = timeout_s
        self._retry_first_s = retry_first_s
        self._retry_max_s = retry_max_s
        self._subscribers = Subscribers()
        self._pubsub: PubSub | None = None
        self._reader: asyncio.Task[None] | None = None
        self._subscribed: set[str] = set()
        self.connected = False  # the reader holds a live subscription
        self.reconnects = 0  # times the connection was lost and made again
        # What the writer sends, in this order, the urgent first.
        self._outbox: deque[_Item] = deque()
        self._urgent: deque[_Item] = deque()
        self._outbox_ready = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None
        self.sender = os.urandom(SENDER_LEN)  # this bus's id in the header of what it publishes
        # Read and not yet delivered: `per_turn` a loop turn at most.
        self._inbox = TurnQueue(self._subscribers, per_turn)
        self.lost_posts = 0  # posts whose round trip to Redis failed

    async def start(self) -> None:
        try:
            await self._connect()
        except Exception as exc:
            raise BusError("redis unreachable") from exc
        self._reader = asyncio.create_task(self._run(), name="redis-bus")

    async def close(self) -> None:
        for task in (self._reader, self._writer):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._writer = None
        self._fail_outbox()
        self._inbox.clear()
        await self._drop_pubsub()
        with contextlib.suppress(Exception):
            await self._redis.aclose()

    def post(self, channel: str, payload: bytes, *, at_once: bool = False) -> None:
        """Queued for the writer like `publish`, with nothing to wait on (a failure is logged and
        counted in `lost_posts`). `at_once`: this process's subscribers take it now, the writer
        sends it ahead of what is queued, and the other processes deliver it as soon as it is
        read; its subscribers must not publish back to the publisher at once."""
        data = bytes(payload)
        if at_once:
            self._subscribers.deliver(channel, data)
        self._enqueue((self._prefix + channel, frame(data, self.sender, urgent=at_once), None), urgent=at_once)

    async def publish(self, channel: str, payload: bytes) -> None:
        """Queued behind every earlier publish and sent by the writer; raises `BusError` when its
        round trip to Redis failed or took over `timeout_s` (the time spent queued behind a burst
        does not count: a busy process is not taken for a lost Redis)."""
        sent: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._enqueue((self._prefix + channel, frame(bytes(payload), self.sender), sent))
        try:
            await sent  # (a publisher cancelled meanwhile cancels it: the writer skips it)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            raise BusError("publish failed") from exc

    def _enqueue(self, item: _Item, *, urgent: bool = False) -> None:
        if self._writer is None or self._writer.done():
            self._writer = asyncio.get_running_loop().create_task(self._write(), name="redis-bus-writer")
        (self._urgent if urgent else self._outbox).append(item)
        self._outbox_ready.set()

    def _next_batch(self) -> list[_Item]:
        """Up to `PUBLISH_BATCH` to send, the urgent first, skipping publishers that gave up."""
        batch: list[_Item] = []
        for queue in (self._urgent, self._outbox):
            while queue and len(batch) < PUBLISH_BATCH:
                item = queue.popleft()
                if item[2] is None or not item[2].done():  # a publisher that gave up waiting
                    batch.append(item)
        if not self._outbox and not self._urgent:
            self._outbox_ready.clear()
        return batch

    async def _write(self) -> None:
        """Send what is queued, the urgent first, then the oldest, up to `PUBLISH_BATCH` per round trip."""
        while True:
            await self._outbox_ready.wait()
            batch = self._next_batch()
            if not batch:
                continue
            try:
                async with asyncio.timeout(self._timeout_s):
                    async with self._redis.pipeline(transaction=False) as pipe:
                        for channel, payload, _ in batch:
                            pipe.publish(channel, payload)
                        await pipe.execute()
            except asyncio.CancelledError:
                for *_, sent in batch:
                    if sent is not None:
                        sent.cancel()
                raise
            except Exception as exc:
                # Redis is away: what waits behind would only wait as long again to fail the same.
                lost = [*batch, *self._urgent, *self._outbox]
                self._urgent.clear()
                self._outbox.clear()
                self._outbox_ready.clear()
                posts = 0
                for *_, sent in lost:
                    if sent is None:
                        posts += 1
                    elif not sent.done():
                        sent.set_exception(BusError("publish failed"))
                self.lost_posts += posts
                level = logging.WARNING if posts else logging.DEBUG
                log.log(level, "redis_bus_publish_failed",
                        extra={"fields": {"error": type(exc).__name__, "posts_lost": posts}})
                continue
            for *_, sent in batch:
                if sent is not None and not sent.done():
                    sent.set_result(None)

    def _fail_outbox(self) -> None:
        for queue in (self._urgent, self._outbox):
            while queue:
                sent = queue.popleft()[2]
                if sent is not None:
                    sent.cancel()

    def subscribe(self, channel: str, callback: Callback) -> Subscription:
        sub = self._subscribers.add(channel, callback)
        if self._pubsub is not None and channel not in self._subscribed:
            asyncio.get_running_loop().create_task(self._listen(channel))
        return sub

    async def _listen(self, channel: str) -> None:
        if channel in self._subscribed or self._pubsub is None:
            return
        self._subscribed.add(channel)
        try:
            await self._pubsub.subscribe(self._prefix + channel)
        except Exception:
            # The connection is going: the reconnect subscribes to every channel again.
            log.warning("redis_bus_subscribe_failed", extra={"fields": {"channel": channel}})

    async def wait_subscribed(self) -> None:
        """Until Redis confirms every subscription (tests publish right after subscribing)."""
        while self._pubsub is None or len(self._pubsub.channels) < len(self._subscribed) + 1:
            await asyncio.sleep(0.01)

    # ── connection ───────────────────────────────────────────────────────────
    async def _connect(self) -> None:
        """A fresh pub/sub connection listening to every channel someone subscribed to."""
        async with asyncio.timeout(self._timeout_s * 2):
            await self._redis.ping()
            pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
            channels = self._subscribers.channels()
            try:
                # A pubsub must listen to something: the control channel is always there.
                await pubsub.subscribe(f"{self._prefix}__control", *(self._prefix + c for c in channels))
            except BaseException:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
                raise
        self._pubsub, self._subscribed, self.connected = pubsub, set(channels), True

    async def _drop_pubsub(self) -> None:
        pubsub, self._pubsub, self.connected = self._pubsub, None, False
        self._subscribed = set()
        if pubsub is not None:
            with contextlib.suppress(Exception):
                await pubsub.aclose()

    async def _run(self) -> None:
        """Read and deliver; when the connection is lost, reconnect with backoff and carry on."""
        while True:
            try:
                await self._read()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("bus_lost", extra={"fields": {"error": type(exc).__name__}})
            await self._drop_pubsub()
            await self._reconnect()

    async def _reconnect(self) -> None:
        delay_s, attempts = self._retry_first_s, 0
        while True:
            await asyncio.sleep(delay_s)
            attempts += 1
            try:
                await self._connect()
            except asyncio.CancelledError:
                raise
            except Exception:
                delay_s = min(delay_s * 2, self._retry_max_s)
                continue
            self.reconnects += 1
            log.info("bus_restored", extra={"fields": {"attempts": attempts}})
            return

    async def _read(self) -> None:
        pubsub = self._pubsub
        if pubsub is None:
            raise BusError("the bus is not started")
        read = 0
        while True:
            message = await pubsub.get_message(timeout=1.0)
            read += 1
            if read >= READ_PER_TURN:  # a burst already buffered is read without the loop turning
                read = 0
                await asyncio.sleep(0)
            if message is None or message.get("type") != "message":
                continue
            channel = message["channel"].decode() if isinstance(message["channel"], bytes) else message["channel"]
            if channel.startswith(self._prefix):
                self.arrived(channel[len(self._prefix) :], message["data"])

    def arrived(self, channel: str, data: bytes) -> None:
        """A message read from Redis: an urgent one is delivered now (unless it is this bus's own,
        delivered when posted), the rest in order, `per_turn` a loop turn at most."""
        payload, urgent, sender = unframe(data)
        if urgent:
            if sender != self.sender:
                self._subscribers.deliver(channel, payload)
            return
        self._inbox.push(channel, payload)
