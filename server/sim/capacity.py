"""How many players this process can hold, measured by itself, and how much detail the snapshot
stream may carry meanwhile. Pure: the wiring passes in the clock, the CPU time it read and how
many connections arrived.

The measure is the process's busy fraction: CPU seconds per wall second. One Python process runs
on one core, so 1.0 is saturation, where ticks start late and input queues up. On a shared
machine the process may be starved of CPU long before it uses a whole core, so a tick that starts
more than half a period late counts as saturation too, whatever the CPU figure says (for the cost
of a player: ticks late through most of a measurement, not one late tick now and then).

Two uses, two averages:

- **Shedding** follows the load smoothed over a second: above `shed_at` it sheds detail, one
  level at a time (interest sets recomputed less often, avatars beyond the nearest few refreshed
  less often), and takes a level off only after the load has stayed low for a while, so the
  stream does not flap.
- **Capacity** is what one player costs, measured only over *steady* stretches: once arrivals
  (new connections: handshakes, hellos, refusals) have slowed to a trickle, and few connections
  wait to get in, for `settle_s`. A join
  burst costs CPU that the players do not cost once they are in; measured during the burst, it
  would make the process refuse people it can hold. During a burst the last steady measure
  stands; a process that has never had one refuses only at its configured cap. Capacity is the
  players that one player's cost fits into `target_load`. Beyond it (and while shedding hard with
  the steady load high) newcomers are refused with `full`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .views import Detail

__all__ = ["CapacityPolicy", "LEVELS", "REFUSE_AT_LEVEL"]

# What each level lets through. Level 0, an unloaded process: every pose at the full rate, and
# each viewer's interest set (who it sees) recomputed every 4th snapshot, viewers taking turns, so
# a newcomer is seen within 200 ms at 20 Hz (finding the nearest is the largest part of a crowd's
# tick; between turns the set keeps its members, with fresh poses, less anyone who left).
LEVELS: tuple[Detail, ...] = (
    Detail(refresh_every=4, far_every=1),
    Detail(refresh_every=4, far_every=2),
    Detail(refresh_every=8, far_every=4),
    Detail(refresh_every=16, far_every=8),
)
REFUSE_AT_LEVEL = 2  # shedding this hard with the steady load high: no newcomers


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
    # Arrivals a second that still count as steady: this many per player in (2 %), at least 1.
    steady_arrivals_per_player_s: float = 0.02
    settle_s: float = 3.0  # arrivals must have stayed that low this long before a sample measures
    measure_window_s: float = 2.0  # steady time folded into one measurement of the cost per player
    steady_smoothing_s: float = 5.0  # time constant of the steady load (refusing while shedding)
    min_players_to_measure: int = 50  # fewer: per-player cost is mostly noise, only the cap counts
    # What the wiring reads (and /healthz shows).
    load: float = 0.0  # busy fraction, smoothed over `smoothing_s`
    steady_load: float = 0.0  # busy fraction over steady stretches only, smoothed
    level: int = 0
    players: int = 0
    arrival_rate: float = 0.0  # arrivals a second, smoothed over a second
    per_player: float | None = None  # busy fraction one player costs (None: not measured yet)
    measurements: int = 0  # steady windows folded into `per_player`
    _last_s: float | None = None
    _changed_s: float = -math.inf
    _low_since_s: float | None = None
    _unsteady_at_s: float = -math.inf  # the last time arrivals were above the steady rate
    _acc_busy_s: float = 0.0  # the steady window being measured: CPU seconds ...
    _acc_player_s: float = 0.0  # ... player-seconds ...
    _acc_late_s: float = 0.0  # ... seconds with ticks running late ...
    _acc_s: float = 0.0  # ... and seconds

    def observe(self, now_s: float, busy_s: float, players: int, *, arrivals: int = 0, joining: int = 0,
                late_s: float = 0.0, period_s: float = 0.05) -> None:
        """`busy_s` CPU seconds were used since the previous call, with `players` in the world now,
        `arrivals` new connections since then and `joining` connections open but not yet in the
        world (handshaking, logging in, waiting for their `hello` to be read, being refused);
        this tick started `late_s` behind its schedule (ticks every `period_s`)."""
        self.players = players
        if self._last_s is None:
            self._last_s = now_s
            return
        dt = now_s - self._last_s
        if dt <= 0:
            return
        self._last_s = now_s
        sample = busy_s / dt
        late = late_s > 0.5 * period_s
        if late:
            sample = max(sample, 1.0)  # falling behind: saturated, even if the CPU went elsewhere
        self.load += (1.0 - math.exp(-dt / self.smoothing_s)) * (sample - self.load)
        self._measure(now_s, dt, sample, busy_s, late, players, arrivals, joining)
        self._shed(now_s)

    def _measure(self, now_s: float, dt: float, sample: float, busy_s: float, late: bool, players: int,
                 arrivals: int, joining: int) -> None:
        self.arrival_rate += (1.0 - math.exp(-dt)) * (arrivals / dt - self.arrival_rate)
        # A burst that a busy process lets in slowly looks like a trickle of arrivals, but the
        # connections queueing to get in show it.
        limit = max(1.0, self.steady_arrivals_per_player_s * players)
        if self.arrival_rate > limit or joining > limit:
            self._unsteady_at_s = now_s
            self._reset_window()  # a window cut by a burst is dropped
            return
        if now_s - self._unsteady_at_s < self.settle_s:
            return
        self.steady_load += (1.0 - math.exp(-dt / self.steady_smoothing_s)) * (sample - self.steady_load)
        if players < self.min_players_to_measure:
            self._reset_window()
            return
        self._acc_busy_s += busy_s
        self._acc_late_s += dt if late else 0.0
        self._acc_player_s += players * dt
        self._acc_s += dt
        if self._acc_s >= self.measure_window_s:
            busy = self._acc_busy_s
            if self._acc_late_s > 0.5 * self._acc_s:
                # Late through most of the window: starved, it holds no more than it has now. A
                # late tick here and there (a neighbour taking the core for a moment) is not that.
                busy = max(busy, self._acc_s)
            cost = busy / self._acc_player_s
            # The first window sets it; later ones move it halfway (a crowd that grew denser, or
            # players that sat down, change what one costs).
            self.per_player = cost if self.per_player is None else 0.5 * (self.per_player + cost)
            self.measurements += 1
            self._reset_window()

    def _reset_window(self) -> None:
        self._acc_busy_s = self._acc_player_s = self._acc_late_s = self._acc_s = 0.0

    def _shed(self, now_s: float) -> None:
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
    def steady(self) -> bool:
        """Whether arrivals have settled: samples now measure what the players cost."""
        return self._last_s is not None and self._last_s - self._unsteady_at_s >= self.settle_s

    @property
    def capacity(self) -> int:
        """Players this process can hold: the cap, or fewer if its steady measure says so."""
        cap = self.max_players if self.max_players > 0 else 1 << 30
        if self.per_player is not None and self.per_player > 0.0:
            cap = min(cap, int(self.target_load / self.per_player))
        return cap

    def admit(self, players: int) -> bool:
        """Whether one more player may enter now, with `players` already in. Under
        `min_players_to_measure` only the configured cap refuses: a neighbour's load on a shared
        machine must not turn citizens away from a nearly empty process. Shedding refuses
        newcomers only while the steady load is high too, so a join burst never does."""
        if self.max_players > 0 and players >= self.max_players:
            return False
        if not self.measured or players < self.min_players_to_measure:
            return True
        if self.level >= REFUSE_AT_LEVEL and self.steady_load >= self.shed_at:
            return False
        return players < self.capacity
