"""Retry delays: exponential, capped, with jitter so a restarted server isn't hit by every
client in the same instant."""

from __future__ import annotations

import random
from dataclasses import dataclass

__all__ = ["Backoff"]


@dataclass(frozen=True, slots=True)
class Backoff:
    initial_s: float = 0.5
    factor: float = 2.0
    max_s: float = 10.0
    jitter: float = 0.3  # up to this fraction of the delay is taken off at random

    def __post_init__(self) -> None:
        if not (0 < self.initial_s <= self.max_s and self.factor >= 1 and 0 <= self.jitter < 1):
            raise ValueError("need 0 < initial_s <= max_s, factor >= 1, 0 <= jitter < 1")

    def ceiling(self, attempt: int) -> float:
        """The delay before retry number `attempt` (0-based) without jitter."""
        # The exponent is bounded so a long outage can't overflow the float.
        return min(self.max_s, self.initial_s * self.factor ** min(attempt, 64))

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        r = (rng or random).random()
        return self.ceiling(attempt) * (1.0 - self.jitter * r)
