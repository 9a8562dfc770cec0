"""Keepalive pings, fewer for a silent connection.

The server pings every `ping_interval_s` (websockets' own keepalive: a ping, then the pong
within `ping_timeout_s` or close 1011). A client that has sent nothing for `idle_s` (a seated
audience listening) is pinged only every `idle_s`: at thousands of idle seats the pings and
their pongs were a good part of what the server still did for them. `ping_interval_for` is the
rule (pure); `PacedPings` is the connection that asks it before each ping.
"""

from __future__ import annotations

from typing import Any

from websockets.asyncio.server import ServerConnection

__all__ = ["PacedPings", "paced_pings", "ping_interval_for"]


def ping_interval_for(silent_s: float, active_s: float | None, idle_s: float | None) -> float | None:
    """Seconds until the next ping for a client silent for `silent_s` (None: no pings)."""
    if active_s is None or idle_s is None or idle_s <= active_s:
        return active_s
    return idle_s if silent_s >= idle_s else active_s


class PacedPings(ServerConnection):
    """A server connection whose keepalive interval follows `ping_interval_for`. The server's
    reader sets `heard_at` (the loop's time) for every frame the client sends."""

    idle_ping_interval_s: float | None = None  # set per server by `paced_pings`

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._active_ping_s: float | None = None
        super().__init__(*args, **kwargs)
        self.heard_at = self.loop.time()

    @property
    def ping_interval(self) -> float | None:  # read by websockets before each keepalive ping
        return ping_interval_for(self.loop.time() - self.heard_at, self._active_ping_s, self.idle_ping_interval_s)

    @ping_interval.setter
    def ping_interval(self, value: float | None) -> None:
        self._active_ping_s = value


def paced_pings(idle_s: float | None) -> type[PacedPings]:
    """The connection class for a server whose silent clients are pinged every `idle_s`."""
    return type("PacedPings", (PacedPings,), {"idle_ping_interval_s": idle_s})
