"""Your own avatar, predicted: inputs move it at once, and each snapshot corrects it.

The step is the server's own function, `world.move_step`: one input is worth one input
period, its direction is clamped to length 1, the speed is walk or run, and the move slides
along solids. On a snapshot we start again from the server's position, forget the
inputs it has applied (seq <= ack_seq) and replay the rest. A small difference between what
was drawn and the replayed result is eased out over a few frames; a large one snaps.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np

from makaverse.protocol import Input
from makaverse.world import World, move_step

__all__ = ["Prediction", "step"]


def step(world: World, x: float, y: float, intent: Input, input_dt: float) -> tuple[float, float]:
    """Where one input takes an avatar standing at (x, y), exactly as the server moves it."""
    move = np.array([[intent.move_x, intent.move_y]])
    out = move_step(world, np.array([[x, y]]), move, np.array([intent.run]), dt_s=input_dt)
    return float(out[0, 0]), float(out[0, 1])


class Prediction:
    def __init__(
        self,
        world: World,
        *,
        input_hz: int = 20,
        snap_m: float = 2.0,
        smoothing_half_life_s: float = 0.08,
        max_pending: int = 256,
    ) -> None:
        self.world = world
        self.input_dt = 1.0 / input_hz
        self.snap_m = snap_m
        self.smoothing_half_life_s = smoothing_half_life_s
        self.pending: deque[Input] = deque(maxlen=max_pending)
        self.x = 0.0
        self.y = 0.0
        # Where the avatar stood before the newest input: the display blends from here.
        self.prev_x = 0.0
        self.prev_y = 0.0
        # Drawn minus predicted after a correction; decays to zero.
        self.offset_x = 0.0
        self.offset_y = 0.0
        self.ack_seq = 0
        self.corrections = 0
        self.snaps = 0

    def reset(self, x: float, y: float, *, input_hz: int | None = None) -> None:
        if input_hz:
            self.input_dt = 1.0 / input_hz
        self.pending.clear()
        self.x = self.prev_x = float(x)
        self.y = self.prev_y = float(y)
        self.offset_x = self.offset_y = 0.0
        self.ack_seq = 0

    def apply(self, intent: Input) -> tuple[float, float]:
        """Predict one input (that is being sent now) and remember it until acknowledged."""
        self.pending.append(intent)
        self.prev_x, self.prev_y = self.x, self.y
        self.x, self.y = step(self.world, self.x, self.y, intent, self.input_dt)
        return self.x, self.y

    def reconcile(self, ack_seq: int, server_x: float, server_y: float) -> float:
        """Start from the server's position, replay the inputs it has not applied; returns the error (m)."""
        if ack_seq < self.ack_seq:
            return 0.0  # an older snapshot than one already used
        self.ack_seq = ack_seq
        while self.pending and self.pending[0].seq <= ack_seq:
            self.pending.popleft()
        x, y = float(server_x), float(server_y)
        for intent in self.pending:
            x, y = step(self.world, x, y, intent, self.input_dt)
        dx, dy = x - self.x, y - self.y
        error = math.hypot(dx, dy)
        if error < 1e-6:
            return 0.0
        self.corrections += 1
        if error > self.snap_m:
            self.snaps += 1
            self.offset_x = self.offset_y = 0.0
            self.prev_x, self.prev_y = x, y
        else:
            # Keep the drawn position where it was and ease the difference away.
            self.offset_x -= dx
            self.offset_y -= dy
            self.prev_x += dx
            self.prev_y += dy
        self.x, self.y = x, y
        return error

    def decay(self, dt: float) -> None:
        """Ease the correction offset towards zero."""
        if self.offset_x == 0.0 and self.offset_y == 0.0:
            return
        k = 0.5 ** (dt / self.smoothing_half_life_s) if self.smoothing_half_life_s > 0 else 0.0
        self.offset_x *= k
        self.offset_y *= k
        if math.hypot(self.offset_x, self.offset_y) < 1e-3:
            self.offset_x = self.offset_y = 0.0

    def display(self, alpha: float) -> tuple[float, float]:
        """Where to draw: between the last two predicted steps (alpha in [0, 1]) plus the easing offset."""
        a = min(1.0, max(0.0, alpha))
        return (
            self.prev_x + (self.x - self.prev_x) * a + self.offset_x,
            self.prev_y + (self.y - self.prev_y) * a + self.offset_y,
        )
