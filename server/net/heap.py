"""Short pauses from the interpreter's cycle collector, whatever the process holds.

CPython's full collection walks every tracked object: at 5,000 seated attendees about 800,000
of them (connections, their protocol state, tasks, queues), 0.5-0.7 s with the loop stopped
(measured with `gc.callbacks`, docs/performance.md). One comes when the objects promoted since
the last one reach a quarter of those that survived it, which a poll's burst of 5,000 votes
does by itself: every stage line, tick and reply waits behind it.

`OldObjects` freezes (`gc.freeze`) what survived each full collection, so the next one walks only
what came since: the seated hall is walked once, not at every burst (and, as the survivors it
counts are then few, the next comes sooner and walks little). Frozen objects are still
freed by reference counting (nearly everything here: full collections find almost nothing to
collect); only a cycle among them waits, so now and then (`thaw_every_s`) they are thawed and
the next full collection walks them all once and frees such cycles.
"""

from __future__ import annotations

import gc
from typing import Any, Protocol

__all__ = ["OldObjects", "THAW_EVERY_S"]

THAW_EVERY_S = 600.0  # one full walk of everything every ten minutes at most


class _Collector(Protocol):
    """What `OldObjects` uses of the `gc` module (a test hands it a fake)."""

    def get_stats(self) -> list[dict[str, Any]]: ...

    def freeze(self) -> None: ...

    def unfreeze(self) -> None: ...

    def collect(self, generation: int = 2) -> int: ...


class OldObjects:
    def __init__(self, collector: _Collector = gc, *, thaw_every_s: float = THAW_EVERY_S) -> None:
        self.gc = collector
        self.thaw_every_s = thaw_every_s
        self._full = collector.get_stats()[2]["collections"]  # full collections seen
        self._thawed_at_s: float | None = None
        self.freezes = 0  # (`gc.get_freeze_count` walks every frozen object: not asked here)

    def check(self, now_s: float) -> None:
        """Between ticks: after a full collection, freeze what survived it; every `thaw_every_s`,
        thaw everything for the next full collection to walk."""
        if self._thawed_at_s is None:
            self._thawed_at_s = now_s
        full = self.gc.get_stats()[2]["collections"]
        if full == self._full:
            return
        self._full = full
        if now_s - self._thawed_at_s >= self.thaw_every_s:
            # A thaw right after a full collection: that one walked only what came since the
            # last freeze; the next walks everything (and frees cycles among the old).
            self.gc.unfreeze()
            self._thawed_at_s = now_s
            return
        self.gc.freeze()
        # A full collection of nothing (all is frozen), at once: the collector now counts few
        # survivors, so the next full collection comes when a little more than that has been
        # promoted, not a quarter of the whole heap, and walks only that.
        self.gc.collect()
        self._full = self.gc.get_stats()[2]["collections"]
        self.freezes += 1
