"""What the server knows about one connection. Its state moves only through `next_state`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..services.ratelimit import TokenBucket
from .session_state import SessionEvent, SessionState, next_state

if TYPE_CHECKING:
    from makaverse.server.store import Account

    from .connection import Connection

__all__ = ["Session"]


class Session:
    def __init__(self, conn: Connection, bucket: TokenBucket, *, address: str) -> None:
        self.conn = conn
        self.address = address
        self.state = SessionState.CONNECTING
        self.avatar_id: int | None = None
        self.account: Account | None = None  # None for a guest
        self.token = ""  # the resume token of this session's avatar
        self.name = ""
        self.role = "guest"
        self.opd = ""
        self.lang = "id"
        self.snapshot_hz = 0  # asked for in hello; 0: the server's rate
        self.bucket = bucket
        self.strikes = 0
        self.flooded = 0
        self.last_limit_notice_s = 0.0
        self.logged_out = False

    @property
    def account_id(self) -> int | None:
        return self.account.id if self.account is not None else None

    def advance(self, event: SessionEvent) -> None:
        self.state = next_state(self.state, event)

    def send(self, msg) -> bool:
        return self.conn.send(msg)
