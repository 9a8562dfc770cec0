"""How many players this process can hold, measured by itself, and how much detail the snapshot
stream may carry meanwhile. Pure: the wiring passes in the clock and the CPU time it read.

The measure is the process's busy fraction: CPU seconds per wall second, smoothed. One Python
process runs on one core, so 1.0 is saturation, where ticks start late and input queues up. On a
shared machine the process may be starved of CPU long before it uses a whole core, so a tick that
starts more than half a period late counts as saturation too, whatever the CPU figure says.
Before that happens the policy sheds detail, one level at a time (interest sets recomputed less
often, avatars beyond the nearest few refreshed less often); joins are refused (`full`) once the
players already in would take the process past its target load, or at the configured cap, or
while it is shedding hard. Levels come down again only after the load has stayed low for a while,
so the stream does not flap.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .views import Detail

__all__ = ["CapacityPolicy", "LEVELS"]

# What each level lets through; level 0 is everything at the full rate.
LEVELS: tuple[Detail, ...] = (
    Detail(refresh_every=1, far_every=1),
    Detail(refresh_every=2, far_every=2),
    Detail(refresh_every=4, far_every=4),
    Detail(refresh_every=8, far_every=8),
)
REFUSE_AT_LEVEL = 2  # shedding this hard: no newcomers, whatever the estimate says


@dataclass(slots=True)
class CapacityPolicy:
    max_players: int = 0  # a configured cap (0: none)
    measured: bool = False  # also refuse beyond the measured capacity (the `capacity_auto` setting)
    target_load: float = 0.7  # busy fraction the measured capacity aims at
    shed_at: float = 0.85  # smoothed load above which a level is added ...
    relax_at: float = 0.55  # ... and below which, held for `relax_after_s`, one is taken off
    shed_after_s: float = 1.0  # a level is added at most this often
    relax_after_s: float = 5.0
    smoothing_s: float = 1.0  # time constant of the load average that sheds
    # ... and of the one that sizes capacity: slower, so a burst of handshakes (everyone joining at
    # once) is not taken for what the players cost once they are in
    capacity_smoothing_s: float = 5.0
    min_players_to_measure: int = 50  # fewer: per-player cost is mostly noise, only the cap counts
    load: float = 0.0
    slow_load: float = 0.0
    level: int = 0
    players: int = 0
    _last_s: float | None = None
    _changed_s: float = -math.inf
    _low_since_s: float | None = None

    def observe(self, now_s: float, busy_s: float, players: int, *, late_s: float = 0.0,
                period_s: float = 0.05) -> None:
        """`busy_s` CPU seconds were used since the previous call, with `players` in the world now;
        this tick started `late_s` behind its schedule (ticks every `period_s`)."""
        self.players = players
        if self._last_s is None:
            self._last_s = now_s
            return
        dt = now_s - self._last_s
        if dt <= 0:
            return
        self._last_s = now_s
        a = 1.0 - math.exp(-dt / self.smoothing_s)
        sample = busy_s / dt
        if late_s > 0.5 * period_s:
            sample = max(sample, 1.0)  # falling behind: saturated, even if the CPU went elsewhere
        self.load += a * (sample - self.load)
        self.slow_load += (1.0 - math.exp(-dt / self.capacity_smoothing_s)) * (sample - self.slow_load)
        if self.load > self.shed_at:
            self._low_since_s = None
            if self.level < len(LEVELS) - 1 and now_s - self._changed_s >= self.shed_after_s:
                self.level += 1
                self._changed_s = now_s
        elif self.load < self.relax_at and self.level > 0:
            if self._low_since_s is None:
                self._low_since_s = now_s
            elif now_s - self._low_since_s >= self.relax_after_s:
                self.level -= 1
                self._changed_s = now_s
                self._low_since_s = now_s
        else:
            self._low_since_s = None

    @property
    def detail(self) -> Detail:
        return LEVELS[self.level]

    @property
    def capacity(self) -> int:
        """Players this process can hold: the cap, or fewer if its own load says so."""
        cap = self.max_players if self.max_players > 0 else 1 << 30
        if self.players >= self.min_players_to_measure and self.slow_load > 0.0:
            # Cost per player, at the detail it is paying for now, scaled to the target load.
            cap = min(cap, max(self.players, int(self.players * self.target_load / self.slow_load)))
        return cap

    def admit(self, players: int) -> bool:
        """Whether one more player may enter now, with `players` already in. Under
        `min_players_to_measure` only the configured cap refuses: a burst of handshakes or a
        neighbour's load on a shared machine must not turn citizens away from a nearly empty
        process. Shedding refuses newcomers only once the load stayed high (the slow average)."""
        if self.max_players > 0 and players >= self.max_players:
            return False
        if not self.measured or players < self.min_players_to_measure:
            return True
        sustained = self.slow_load >= self.shed_at
        return players < self.capacity and not (self.level >= REFUSE_AT_LEVEL and sustained)
