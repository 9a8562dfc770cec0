"""The scheduler's per-instance figures survive instances coming and going: an overflow copy of
the hall that closes and opens again under the same name (one process takes the lowest free
number) starts a new simulation whose counts start at 0 again."""

from __future__ import annotations

from types import SimpleNamespace

from makaverse.protocol import Input
from makaverse.server.net.metrics import ServerMetrics
from makaverse.server.rooms.effects import Effects
from makaverse.server.rooms.instance import WorldInstance
from makaverse.server.sim import AvatarInfo
from makaverse.server.wiring.scheduler import Scheduler
from makaverse.world import load_default_world

WORLD = load_default_world()


class Places:
    def __init__(self) -> None:
        self.players = SimpleNamespace(arrivals=0, by_conn={}, by_avatar={})

    def expire(self, now_s: float) -> None:
        pass

    def reap(self) -> None:
        pass


class Runner:
    def apply(self, fx: Effects) -> None:
        pass


class Outbox:
    congested = False

    def send(self, msg) -> bool:
        return True

    def send_bytes(self, data: bytes) -> bool:
        return True


def instance(instance_id: str) -> WorldInstance:
    return WorldInstance(WORLD, instance_id=instance_id, tick_hz=20, snapshot_hz=20, input_hz=20, seed=1)


def coalesced(metrics: ServerMetrics) -> float:
    value = metrics.registry.get_sample_value("makaverse_inputs_coalesced_total")
    assert value is not None
    return value


def test_a_copy_reopened_under_its_old_name_neither_stops_the_tick_nor_counts_backwards():
    copy = instance("auditorium-2")
    avatar = copy.join(AvatarInfo(name="Sari", role="guest", look=0x336699), outbox=Outbox())
    for seq in range(1, 11):  # ten at once: more than wait per avatar, the oldest are dropped
        copy.on_input(avatar, Input(seq=seq, move_x=1.0, move_y=0.0, yaw=0))
    instances = {"auditorium-2": copy}
    metrics = ServerMetrics()
    scheduler = Scheduler(instances, Places(), Runner(), metrics, tick_hz=20)  # type: ignore[arg-type]
    scheduler.tick(1.0)
    dropped = copy.sim.inputs_dropped
    assert dropped > 0 and coalesced(metrics) == dropped

    # The copy emptied and closed; a new one opens under the same name, another instance after it.
    instances["auditorium-2"] = instance("auditorium-2")
    later = instances["zz"] = instance("zz")
    scheduler.tick(1.05)  # raised ValueError (a counter decremented) before the rest could tick
    assert later.sim.tick == 1
    assert coalesced(metrics) == dropped
