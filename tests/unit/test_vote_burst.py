"""A poll's burst of votes at the events authority: the in-process bus hands subscribers at
most `per_turn` messages a turn (one callback for them all), and a handler waiting on a store
call is resumed by the answer itself (`EffectRunner.proceed`), with no task per vote, its
writes still merged into one batch on the lane."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

from makaverse.server.bus.local import LocalBus
from makaverse.server.rooms.effects import Ctx, HandlerRun, Refused, drive
from makaverse.server.wiring.runner import EffectRunner


async def test_the_bus_hands_on_at_most_per_turn_messages_a_turn_in_order():
    bus = LocalBus(per_turn=2)
    got: list[bytes] = []
    bus.subscribe("events.up", got.append)
    for n in range(5):
        bus.post("events.up", b"vote %d" % n)
    assert got == []  # never within the publisher's turn
    await asyncio.sleep(0)
    assert got == [b"vote 0", b"vote 1"]
    bus.post("events.up", b"vote 5")
    bus.post("events.down", b"line", at_once=True)  # a stage line does not wait behind them
    await asyncio.sleep(0)
    assert got == [b"vote 0", b"vote 1", b"vote 2", b"vote 3"]
    for _ in range(3):
        await asyncio.sleep(0)
    assert got == [b"vote %d" % n for n in range(6)]


async def test_what_a_subscriber_posts_waits_for_a_later_turn():
    bus = LocalBus(per_turn=10)
    got: list[bytes] = []

    def up(payload: bytes) -> None:
        got.append(payload)
        bus.post("events.down", b"reply to " + payload)

    bus.subscribe("events.up", up)
    bus.subscribe("events.down", got.append)
    bus.post("events.up", b"vote")
    await asyncio.sleep(0)
    assert got == [b"vote"]
    await asyncio.sleep(0)
    assert got == [b"vote", b"reply to vote"]


class Store:
    def __init__(self) -> None:
        self.batches: list[list[dict]] = []

    def save_event_records(self, records: list[dict]) -> list[dict]:
        self.batches.append(list(records))
        return [r for r in records if r["account_id"] == 3]  # refused: voted already


async def test_votes_waiting_on_their_write_cost_no_task_and_share_one_batch():
    players = SimpleNamespace(by_conn={}, resolve=lambda target: [])
    store = Store()
    runner = EffectRunner(players, store=store, bus=LocalBus(), move=lambda m: None, db_workers=1)  # type: ignore[arg-type]
    outcome: dict[int, Any] = {}

    def vote(ctx: Ctx, account: int) -> HandlerRun:
        refused = yield ctx.call("save_event_records", [{"account_id": account}], lane="event:1")
        if refused:
            raise Refused("already_voted")
        outcome[account] = "counted"

    failed: list[int] = []
    runner.fail = lambda exc, *, ref, conn_id, what="": failed.append(ref)  # type: ignore[method-assign]
    for account in range(1, 101):
        ctx = Ctx(None, account, 0)
        runner.proceed(drive(vote(ctx, account), ctx), conn_id=account, what="POLL_VOTE")
    assert len(runner._tasks) == 1  # the lane's, not one a vote
    for _ in range(200):
        if len(outcome) + len(failed) == 100:
            break
        await asyncio.sleep(0.01)
    assert sorted(outcome) == [a for a in range(1, 101) if a != 3] and failed == [3]
    assert [len(b) for b in store.batches] == [100]  # one write for them all
    runner.close()


async def test_a_failed_write_is_thrown_into_the_waiting_handler():
    players = SimpleNamespace(by_conn={}, resolve=lambda target: [])
    runner = EffectRunner(players, bus=LocalBus(), move=lambda m: None, db_workers=1)  # type: ignore[arg-type]
    seen: list[str] = []

    def handler(ctx: Ctx) -> HandlerRun:
        try:
            yield ctx.call("save_event_records", [{}], lane="event:1")
        except Exception as exc:  # no store here
            seen.append(type(exc).__name__)

    ctx = Ctx(None, 1, 0)
    runner.proceed(drive(handler(ctx), ctx))
    for _ in range(100):
        if seen:
            break
        await asyncio.sleep(0.01)
    assert seen == ["Unavailable"]
    runner.close()
