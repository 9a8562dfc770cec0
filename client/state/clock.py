"""The server's clock as seen from here: an offset estimated from timestamps in snapshots.

Each sample is `server_time_ms - local_ms` at arrival; network delay only ever makes a sample
smaller, so the largest recent sample is the best estimate (least delayed). A sliding window
lets the estimate follow a server whose clock was adjusted.
"""

from __future__ import annotations

from collections import deque

__all__ = ["ServerClock"]


class ServerClock:
    def __init__(self, *, window: int = 64) -> None:
        self._samples: deque[float] = deque(maxlen=window)
        self._offset_ms: float | None = None

    def reset(self) -> None:
        self._samples.clear()
        self._offset_ms = None

    def observe(self, server_ms: float, local_ms: float) -> None:
        self._samples.append(float(server_ms) - float(local_ms))
        self._offset_ms = max(self._samples)

    @property
    def synced(self) -> bool:
        return self._offset_ms is not None

    @property
    def offset_ms(self) -> float | None:
        return self._offset_ms

    def server_now_ms(self, local_ms: float) -> float | None:
        """The server's time now, or None before the first sample."""
        if self._offset_ms is None:
            return None
        return float(local_ms) + self._offset_ms
