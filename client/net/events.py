"""What the network thread tells the main thread besides server messages: connection state.

Kept free of websockets and asyncio so the main thread's logic can be tested without them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import Enum

__all__ = ["ConnState", "StateChanged", "RttSample", "FINAL_CLOSE_CODES", "monotonic_ms"]


def monotonic_ms() -> int:
    """The one client clock: stamped into Ping, read back from Pong, and passed as `now_ms`."""
    return int(time.monotonic() * 1000)


class ConnState(Enum):
    CONNECTING = "connecting"  # opening the socket (first time or a retry)
    OPEN = "open"  # socket open, hello sent; the server's welcome follows
    DISCONNECTED = "disconnected"  # lost; a retry is scheduled
    CLOSED = "closed"  # stopped for good (asked to stop, or the server refused us for good)


@dataclass(frozen=True, slots=True)
class StateChanged:
    state: ConnState
    attempt: int = 0  # how many tries since the last good session
    retry_in_s: float = 0.0  # DISCONNECTED: seconds until the next try
    close_code: int | None = None  # the WebSocket close code, when the server closed the socket


@dataclass(frozen=True, slots=True)
class RttSample:
    """A Pong came back: the round trip, timed on the network thread as it arrived."""

    rtt_ms: float
    server_time_ms: int


# Close codes after which retrying would only repeat the refusal (or fight another login).
FINAL_CLOSE_CODES = frozenset({4000, 4004, 4005, 4006, 4007})
