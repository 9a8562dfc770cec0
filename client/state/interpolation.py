"""Other avatars, drawn a short delay behind the server so there are always two snapshots
to blend between: a time-ordered buffer of poses per avatar, sampled at a render time.

Positions blend linearly; yaw blends the short way round (350° to 10° passes through 0°).
Past the newest pose the avatar holds still rather than guessing ahead.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import deque
from dataclasses import dataclass

__all__ = ["Pose", "PoseBuffer", "lerp_yaw", "angle_diff", "DEFAULT_DELAY_MS"]

DEFAULT_DELAY_MS = 100.0
_TAU = 2.0 * math.pi


@dataclass(frozen=True, slots=True)
class Pose:
    x: float
    y: float
    yaw: float  # radians, 0 north, counter-clockwise positive
    anim: int = 0


def angle_diff(a: float, b: float) -> float:
    """The signed smallest rotation from `a` to `b`, in (-pi, pi]."""
    d = (b - a) % _TAU
    return d - _TAU if d > math.pi else d


def lerp_yaw(a: float, b: float, t: float) -> float:
    """Blend two headings the short way round; the result lies in [0, 2*pi)."""
    return (a + angle_diff(a, b) * t) % _TAU


class PoseBuffer:
    """Poses stamped with server time (ms), oldest first; late or duplicate stamps are ignored."""

    def __init__(self, capacity: int = 32) -> None:
        self._times: deque[float] = deque(maxlen=capacity)
        self._poses: deque[Pose] = deque(maxlen=capacity)

    def __len__(self) -> int:
        return len(self._times)

    def clear(self) -> None:
        self._times.clear()
        self._poses.clear()

    def push(self, time_ms: float, pose: Pose) -> bool:
        if self._times and time_ms <= self._times[-1]:
            return False
        self._times.append(float(time_ms))
        self._poses.append(pose)
        return True

    @property
    def newest(self) -> Pose | None:
        return self._poses[-1] if self._poses else None

    @property
    def newest_time_ms(self) -> float | None:
        return self._times[-1] if self._times else None

    def sample(self, time_ms: float | None) -> Pose | None:
        """The pose at `time_ms`: blended between the two stamps around it, clamped at the ends."""
        if not self._poses:
            return None
        if time_ms is None:
            return self._poses[-1]
        times = self._times
        i = bisect_right(times, time_ms)
        if i == 0:
            return self._poses[0]
        if i >= len(times):
            return self._poses[-1]
        t0, t1 = times[i - 1], times[i]
        a, b = self._poses[i - 1], self._poses[i]
        t = (time_ms - t0) / (t1 - t0)
        return Pose(
            x=a.x + (b.x - a.x) * t,
            y=a.y + (b.y - a.y) * t,
            yaw=lerp_yaw(a.yaw, b.yaw, t),
            anim=b.anim if t >= 0.5 else a.anim,
        )
