"""`OldObjects`: what survived a full collection is frozen, so the next walks only what came
since; every `thaw_every_s` the frozen are thawed for one full walk (cycles among them freed)."""

from __future__ import annotations

from typing import Any

from makaverse.server.net.heap import OldObjects


class FakeGc:
    def __init__(self) -> None:
        self.full = 0
        self.calls: list[str] = []
        self.frozen = 0

    def get_stats(self) -> list[dict[str, Any]]:
        return [{"collections": 0}, {"collections": 0}, {"collections": self.full}]

    def freeze(self) -> None:
        self.calls.append("freeze")
        self.frozen = 1000

    def unfreeze(self) -> None:
        self.calls.append("unfreeze")
        self.frozen = 0

    def collect(self, generation: int = 2) -> int:
        self.calls.append("collect")
        self.full += 1  # a collection of nothing: counted, not a new one to freeze after
        return 0


def test_survivors_of_a_full_collection_are_frozen_once_and_thawed_after_the_interval():
    gc = FakeGc()
    heap = OldObjects(gc, thaw_every_s=600)
    heap.check(0.0)
    assert gc.calls == []  # no full collection yet
    gc.full += 1
    heap.check(1.0)
    assert gc.calls == ["freeze", "collect"] and heap.freezes == 1
    heap.check(2.0)
    assert gc.calls == ["freeze", "collect"]  # its own collect is not taken for another
    gc.full += 1
    heap.check(300.0)
    assert gc.calls[-2:] == ["freeze", "collect"] and heap.freezes == 2
    gc.full += 1
    heap.check(601.0)  # the interval is over: thawed, for the next full collection to walk them all
    assert gc.calls[-1] == "unfreeze" and heap.freezes == 2
    gc.full += 1
    heap.check(602.0)
    assert gc.calls[-2:] == ["freeze", "collect"] and heap.freezes == 3
