"""When a client sends an `input` (README, *Movement*): every input period while it moves or its
intent changes; while it stands still nothing, but a report of the snapshots that arrived
meanwhile (at most one every `ack_every_s`). Pure: time is passed in."""

from __future__ import annotations

__all__ = ["InputPacer", "HEARTBEAT_S", "ACK_EVERY_S"]

HEARTBEAT_S: float | None = None  # an idle client's input at least this often; none (the server needs none)
ACK_EVERY_S = 0.4  # an idle client reports new snapshot ticks at most this often


class InputPacer:
    def __init__(self, *, heartbeat_s: float | None = HEARTBEAT_S, ack_every_s: float = ACK_EVERY_S) -> None:
        self.heartbeat_s = heartbeat_s
        self.ack_every_s = ack_every_s
        self._last: tuple[float, float, int, bool] | None = None
        self._sent_at = -1e18
        self._ack_tick = 0
        self.skipped = 0  # input periods not sent (for figures)

    def due(self, now_s: float, move_x: float, move_y: float, yaw: int, run: bool, ack_tick: int = 0) -> bool:
        """Whether this input period's intent goes out; if so it counts as sent."""
        key = (move_x, move_y, yaw, run)
        idle = move_x == 0.0 and move_y == 0.0
        since = now_s - self._sent_at
        heartbeat = self.heartbeat_s is not None and since >= self.heartbeat_s
        if (not idle or key != self._last or heartbeat
                or (ack_tick != self._ack_tick and since >= self.ack_every_s)):
            self._last, self._sent_at, self._ack_tick = key, now_s, ack_tick
            return True
        self.skipped += 1
        return False

    def reset(self) -> None:
        """A new connection: the next intent goes out whatever it is."""
        self._last = None
        self._sent_at = -1e18
        self._ack_tick = 0
