"""The bus interface."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, Protocol

__all__ = ["Bus", "BusError", "Subscription", "Subscribers"]

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
