"""The effect runner's first step is done before `start` returns: a command that waits for
nothing costs no task and no turn of the loop, and a stage line (`Publish(at_once=True)`) reaches
this process's subscribers within the publisher's turn, ahead of what the bus has queued."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from makaverse.server.bus.local import LocalBus
from makaverse.server.rooms.effects import Ctx, Effects, HandlerRun, Publish, drive
from makaverse.server.wiring.runner import EffectRunner


def runner_on(bus: LocalBus) -> EffectRunner:
    players = SimpleNamespace(by_conn={}, resolve=lambda target: [])
    return EffectRunner(players, bus=bus, move=lambda m: None, db_workers=1)  # type: ignore[arg-type]


async def test_what_waits_for_nothing_is_done_at_once_and_a_stage_line_overtakes_the_queue():
    bus = LocalBus()
    got: list[bytes] = []
    bus.subscribe("events.down", got.append)
    runner = runner_on(bus)
    fx = Effects()
    fx.out += [Publish("events.down", b"vote reply"), Publish("events.down", b"stage line", at_once=True)]
    assert runner.start(fx) is None  # nothing left to await: no task
    assert got == [b"stage line"]
    await asyncio.sleep(0)
    assert got == [b"stage line", b"vote reply"]
    runner.close()


async def test_a_handler_that_waits_has_done_its_first_step_before_start_returns():
    bus = LocalBus()
    got: list[bytes] = []
    bus.subscribe("events.down", got.append)
    runner = runner_on(bus)
    asked: list[str] = []

    def handler(ctx: Ctx) -> HandlerRun:
        ctx.publish("events.down", b"line", at_once=True)
        try:
            yield ctx.call("save_event_records", [{}])
        except Exception as exc:  # no store here: the call fails
            asked.append(type(exc).__name__)
        ctx.publish("events.down", b"after", at_once=True)

    ctx = Ctx(None, 7, 0)
    rest = runner.start(drive(handler(ctx), ctx))
    assert rest is not None and got == [b"line"] and not asked
    await rest
    assert got == [b"line", b"after"] and asked == ["Unavailable"]
    runner.close()
