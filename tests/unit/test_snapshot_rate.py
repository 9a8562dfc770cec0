"""A client may ask for fewer snapshots (the low graphics preset): the instance sends it every
n-th snapshot and everyone else keeps the full rate."""

from __future__ import annotations

import msgpack
import pytest

from makaverse.protocol import Hello, Input, Snapshot, decode, encode
from makaverse.protocol.errors import ProtocolError
from makaverse.server.rooms.instance import WorldInstance
from makaverse.server.sim import AvatarInfo
from makaverse.world import load_default_world

WORLD = load_default_world()


class Box:
    def __init__(self) -> None:
        self.messages: list = []
        self.congested = False

    def send(self, msg) -> bool:
        self.messages.append(msg)
        return True

    def send_bytes(self, data: bytes) -> bool:
        self.messages.append(decode(data))
        return True


def step(inst: WorldInstance, walker: int, seq: int, now_ms: int = 1_700_000_000_000) -> None:
    """One tick with `walker` walking east, so every snapshot has news (nothing new: no snapshot)."""
    inst.on_input(walker, Input(seq=seq, move_x=1.0, move_y=0.0, yaw=0))
    inst.tick(0.05, now_ms)


def test_a_member_who_asks_for_fewer_snapshots_gets_fewer() -> None:
    """At 20 Hz, asking for 10 halves your snapshots; asking for 7 gives every third (never more than asked)."""
    inst = WorldInstance(WORLD, tick_hz=20, snapshot_hz=20, input_hz=20, seed=1)
    boxes = [Box(), Box(), Box()]
    ids = [inst.join(AvatarInfo(name=f"A{i}", role="guest", look=0), b, position=(float(i), -5.0))
           for i, b in enumerate(boxes)]
    inst.set_snapshot_hz(ids[1], 10)
    inst.set_snapshot_hz(ids[2], 7)
    assert [inst.snapshot_hz_of(i) for i in ids] == [20, 10, 6]
    for seq in range(1, 61):
        step(inst, ids[0], seq)
    counts = [sum(isinstance(m, Snapshot) for m in b.messages) for b in boxes]
    assert counts == [60, 30, 20]
    inst.set_snapshot_hz(ids[1], 0)
    assert inst.snapshot_hz_of(ids[1]) == 20


def test_hello_snapshot_hz_is_optional_and_bounded() -> None:
    """Old clients omit the field (it defaults to 0); a value over 120 is refused."""
    assert Hello(version=1, name="x").snapshot_hz == 0
    wire = Hello(version=1, name="x").to_wire()
    del wire["snapshot_hz"]
    assert decode(msgpack.packb(wire)).snapshot_hz == 0
    assert decode(encode(Hello(version=1, name="x", snapshot_hz=10))).snapshot_hz == 10
    with pytest.raises(ProtocolError):
        Hello(version=1, name="x", snapshot_hz=500)


def test_the_asked_rate_travels_with_an_avatar_to_another_instance() -> None:
    """A member moved to another instance (walking into the auditorium) keeps its lower rate there."""
    hall = WorldInstance(WORLD, instance_id="hall", tick_hz=20, snapshot_hz=20, input_hz=20, seed=1, issue_ids=False)
    room = WorldInstance(WORLD, instance_id="room", tick_hz=20, snapshot_hz=20, input_hz=20, seed=2, issue_ids=False)
    box = Box()
    a = hall.join(AvatarInfo(name="A", role="guest", look=0), box, position=(0.0, -5.0), avatar_id=7)
    hall.set_snapshot_hz(a, 5)
    room.transfer_in(hall.transfer_out(a))
    assert room.snapshot_hz_of(a) == 5
    for seq in range(1, 41):
        step(room, a, seq)
    assert sum(isinstance(m, Snapshot) for m in box.messages) == 10


def test_a_congested_outbox_skips_snapshot_ticks_and_then_gets_the_newest() -> None:
    """While a member's outbox is congested it gets no snapshots (none queue up); once clear, the next tick's."""
    inst = WorldInstance(WORLD, tick_hz=20, snapshot_hz=20, input_hz=20, seed=1)
    box, other = Box(), Box()
    inst.join(AvatarInfo(name="A", role="guest", look=0), box, position=(0.0, -5.0))
    b = inst.join(AvatarInfo(name="B", role="guest", look=0), other, position=(1.0, -5.0))
    box.congested = True
    for seq in range(1, 6):
        step(inst, b, seq, 1000)
    assert not [m for m in box.messages if isinstance(m, Snapshot)]
    assert len([m for m in other.messages if isinstance(m, Snapshot)]) == 5
    box.congested = False
    step(inst, b, 6, 1000)
    (snap,) = [m for m in box.messages if isinstance(m, Snapshot)]
    assert snap.tick == inst.sim.tick
