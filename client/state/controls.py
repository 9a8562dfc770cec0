"""Keys to intent. Key events only set flags; the per-frame task reads them as an `Intent`.

An intent is in the avatar's own frame (forward, right, turn); the session turns it into a
world-frame direction with the current heading, which is what the server receives.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["Intent", "Controls", "KEY_FLAGS", "FLAGS", "heading_vectors", "world_move"]

FLAGS = ("forward", "back", "left", "right", "turn_left", "turn_right", "run")

# Panda3D button names -> flag. Both shift keys run; arrows walk like WASD.
KEY_FLAGS: dict[str, str] = {
    "w": "forward",
    "arrow_up": "forward",
    "s": "back",
    "arrow_down": "back",
    "a": "left",
    "arrow_left": "left",
    "d": "right",
    "arrow_right": "right",
    "q": "turn_left",
    "e": "turn_right",
    "shift": "run",
    "lshift": "run",
    "rshift": "run",
}


@dataclass(frozen=True, slots=True)
class Intent:
    forward: float = 0.0  # -1 back .. 1 forward
    right: float = 0.0  # -1 left .. 1 right
    turn: float = 0.0  # -1 clockwise (right) .. 1 counter-clockwise (left), scaled by the turn rate
    yaw_delta: float = 0.0  # radians to add now (mouse drag)
    face: float | None = None  # an absolute heading that overrides turning (scripted walks)
    run: bool = False


def heading_vectors(yaw: float) -> tuple[tuple[float, float], tuple[float, float]]:
    """(forward, right) unit vectors in the world for a heading (0 = north, counter-clockwise)."""
    s, c = math.sin(yaw), math.cos(yaw)
    return (-s, c), (c, s)


def world_move(yaw: float, forward: float, right: float) -> tuple[float, float]:
    """A direction in the world frame, clamped to length 1."""
    (fx, fy), (rx, ry) = heading_vectors(yaw)
    mx = fx * forward + rx * right
    my = fy * forward + ry * right
    n = math.hypot(mx, my)
    if n > 1.0:
        mx, my = mx / n, my / n
    return mx, my


class Controls:
    """The current key flags, plus mouse-look accumulated since the last read."""

    def __init__(self) -> None:
        self.flags = dict.fromkeys(FLAGS, False)
        self._yaw_delta = 0.0
        # A `ui.focus.KeyboardFocus` (it sets itself here): while a text field holds the keys,
        # key-downs don't move the avatar.
        self.gate = None

    def set(self, flag: str, down: bool) -> None:
        if down and self.gate is not None and self.gate.active:
            return
        if flag in self.flags:
            self.flags[flag] = down

    def release_all(self) -> None:
        """Forget held keys (the window lost focus: their key-up events will never come)."""
        for k in self.flags:
            self.flags[k] = False

    def add_yaw(self, radians: float) -> None:
        self._yaw_delta += radians

    def read(self) -> Intent:
        """The intent now; mouse-look is consumed by the read."""
        f = self.flags
        delta, self._yaw_delta = self._yaw_delta, 0.0
        return Intent(
            forward=float(f["forward"]) - float(f["back"]),
            right=float(f["right"]) - float(f["left"]),
            turn=float(f["turn_left"]) - float(f["turn_right"]),
            yaw_delta=delta,
            run=f["run"],
        )
