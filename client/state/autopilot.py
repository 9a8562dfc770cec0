"""A walk through waypoints that steers your avatar for you (a route to a booth, a scripted
walk in a demo): it produces the same intents a player would (forward + a heading), so the
server moves the avatar as usual; any movement key takes control back (`ClientSession.frame`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .controls import Intent

__all__ = ["Autopilot", "heading_to"]


def heading_to(dx: float, dy: float) -> float:
    """The heading (0 north, counter-clockwise) that looks along (dx, dy)."""
    return math.atan2(-dx, dy) % (2 * math.pi)


@dataclass
class Autopilot:
    waypoints: list[tuple[float, float]]
    face: float | None = None
    run: bool = True
    arrive_m: float = 0.05
    stuck_after_s: float = 3.0
    _index: int = 0
    _stuck_s: float = 0.0
    _last: tuple[float, float] | None = None
    gave_up: bool = False

    @property
    def done(self) -> bool:
        return self._index >= len(self.waypoints)

    def at_goal(self, x: float, y: float, tolerance_m: float = 0.15) -> bool:
        if not self.waypoints:
            return True
        tx, ty = self.waypoints[-1]
        return math.hypot(tx - x, ty - y) <= tolerance_m

    def resume_if_displaced(self, x: float, y: float) -> None:
        """After arriving, if the server put us back elsewhere (inputs it dropped), walk the last leg again."""
        if self.done and not self.at_goal(x, y) and not self.gave_up:
            self._index = len(self.waypoints) - 1
            self._stuck_s = 0.0

    def intent(self, x: float, y: float, dt: float, step_m: float) -> Intent:
        """Head for the next waypoint; `step_m` is how far one input carries the avatar (to not overshoot)."""
        if self._last is not None and math.hypot(x - self._last[0], y - self._last[1]) < 1e-4 and dt > 0:
            self._stuck_s += dt
        else:
            self._stuck_s = 0.0
        self._last = (x, y)
        while not self.done:
            tx, ty = self.waypoints[self._index]
            dx, dy = tx - x, ty - y
            dist = math.hypot(dx, dy)
            if dist <= self.arrive_m or self._stuck_s > self.stuck_after_s:
                # Arrived, or pressed against something: move on rather than push forever.
                if dist > self.arrive_m and self._index == len(self.waypoints) - 1:
                    self.gave_up = True  # the goal can't be reached: don't keep trying
                self._index += 1
                self._stuck_s = 0.0
                continue
            forward = min(1.0, dist / step_m) if step_m > 0 else 1.0
            return Intent(forward=forward, face=heading_to(dx, dy), run=self.run)
        return Intent(face=self.face)
