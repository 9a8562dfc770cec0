"""Message handlers, one module per feature: thin glue from a session's messages to the
services. Each feature is a `Feature` with a handler per client message type it owns and
optional hooks; the server merges them, and no two features may claim one message type.

A handler is `handler(hub, session, msg)`; it may be a coroutine (store calls are awaited,
off the event loop), and messages of one connection are handled strictly in order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Awaitable, Callable

from makaverse.protocol import MessageType

if TYPE_CHECKING:
    from ..hub import Hub
    from ..net.session import Session

__all__ = ["Feature", "Handler", "all_features", "merged_handlers"]

Handler = Callable[["Hub", "Session", object], "Awaitable[None] | None"]


@dataclass(frozen=True)
class Feature:
    name: str
    handlers: dict[MessageType, Handler] = field(default_factory=dict)
    # The avatar entered the world (joined or resumed): send it what it needs to know.
    on_enter: Callable[["Hub", "Session"], "Awaitable[None] | None"] | None = None
    # The avatar left the world for good (logout, or its reconnect grace ran out).
    on_leave: Callable[["Hub", int, "int | None"], None] | None = None
    # Called every tick with monotonic seconds; keep it cheap.
    on_tick: Callable[["Hub", float], None] | None = None


def all_features() -> list[Feature]:
    from . import accounts, booths, chat, session

    return [session.FEATURE, accounts.FEATURE, chat.FEATURE, booths.FEATURE]


def merged_handlers(features: list[Feature]) -> dict[MessageType, Handler]:
    merged: dict[MessageType, Handler] = {}
    for feature in features:
        for mtype, handler in feature.handlers.items():
            if mtype in merged:
                raise RuntimeError(f"{mtype.name} is claimed by two features")
            merged[mtype] = handler
    return merged
