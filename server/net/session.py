"""What the transport knows about one connection: its state (moved only through `next_state`),
its rate limit and strikes. The game's side of it (avatar, account, instance) is the wiring's."""

from __future__ import annotations

import asyncio
from collections import deque
from typing import TYPE_CHECKING

from makaverse.protocol.ratelimit import TokenBucket

from .session_state import SessionEvent, SessionState, next_state

if TYPE_CHECKING:
    from .connection import Connection

__all__ = ["Session"]


class Session:
    def __init__(self, conn: Connection, bucket: TokenBucket, *, address: str) -> None:
        self.conn = conn
        self.address = address
        self.state = SessionState.CONNECTING
        self.bucket = bucket
        self.strikes = 0
        self.flooded = 0
        self.last_limit_notice_s = 0.0
        # The command being handled (a task while it waits), and the frames read meanwhile.
        self.working: asyncio.Task | None = None
        self.backlog: deque[tuple[bytes | str, float]] = deque()
        self.backlog_bytes = 0
        self.watchdog: asyncio.TimerHandle | None = None  # the hello timeout, while connecting

    def advance(self, event: SessionEvent) -> None:
        self.state = next_state(self.state, event)
