"""A world instance without sockets: members get enter/leave, zone and snapshot messages in their outboxes."""

from __future__ import annotations

import pytest

from makaverse.protocol import AvatarEnter, AvatarLeave, Input, Snapshot, ZoneChanged, decode
from makaverse.protocol.messages import Message
from makaverse.server.rooms.instance import WorldInstance
from makaverse.server.sim import AvatarInfo
from makaverse.world import load_default_world

WORLD = load_default_world()


class ListOutbox:
    """The instance's Outbox as a plain list of decoded messages."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.congested = False

    def send(self, msg: Message) -> bool:
        self.messages.append(msg)
        return True

    def send_bytes(self, data: bytes) -> bool:
        self.messages.append(decode(data))
        return True

    def take(self, cls=None) -> list[Message]:
        out, self.messages = self.messages, []
        return [m for m in out if cls is None or isinstance(m, cls)]


def info(name: str, **kw) -> AvatarInfo:
    return AvatarInfo(name=name, role=kw.pop("role", "guest"), look=kw.pop("look", 0x336699), **kw)


@pytest.fixture
def inst() -> WorldInstance:
    return WorldInstance(WORLD, tick_hz=20, snapshot_hz=20, input_hz=20, seed=3)


def tick(inst: WorldInstance, n: int = 1) -> None:
    for _ in range(n):
        inst.tick(1.0 / inst.tick_hz, 1_700_000_000_000)


def walk(inst: WorldInstance, avatar_id: int, n: int) -> None:
    """n ticks with the avatar walking east (so every snapshot has news)."""
    for seq in range(1, n + 1):
        inst.on_input(avatar_id, Input(seq=seq, move_x=1.0, move_y=0.0, yaw=0))
        tick(inst)


def test_join_is_announced_to_other_members(inst):
    """When someone joins, the members around them get an AvatarEnter with its static facts."""
    alice_box, bob_box = ListOutbox(), ListOutbox()
    alice = inst.join(info("Alice"), alice_box, position=(0.0, -5.0))
    tick(inst)
    alice_box.take()
    bob = inst.join(info("Bob", role="staff", opd="DUKCAPIL", look=0xB22222), bob_box, position=(2.0, -5.0))
    tick(inst)
    enters = alice_box.take(AvatarEnter)
    assert enters == [AvatarEnter(id=bob, name="Bob", role="staff", look=0xB22222, opd="DUKCAPIL")]
    # The newcomer is told about everyone already there (and itself).
    assert {m.id for m in bob_box.take(AvatarEnter)} == {alice, bob}


def test_enter_is_sent_once_then_snapshots_only(inst):
    """Static facts are sent once; later ticks carry only snapshots, and none while nobody moves."""
    box = ListOutbox()
    inst.join(info("Alice"), box, position=(0.0, -5.0))
    bob = inst.join(info("Bob"), ListOutbox(), position=(1.0, -5.0))
    tick(inst)
    assert len(box.take(AvatarEnter)) == 2
    tick(inst, 5)
    assert box.take() == []  # idle costs nothing
    for seq in range(1, 4):
        inst.on_input(bob, Input(seq=seq, move_x=0.0, move_y=1.0, yaw=0))
        tick(inst)
    later = box.take()
    assert later and all(isinstance(m, Snapshot) for m in later)


def test_a_member_that_reports_ticks_gets_deltas(inst):
    """Once a member's inputs report the snapshot ticks it has, its snapshots come as deltas its
    client rebuilds exactly."""
    from makaverse.protocol import SnapshotBook, SnapshotDelta

    box = ListOutbox()
    alice = inst.join(info("Alice"), box, position=(0.0, -5.0))
    bob = inst.join(info("Bob"), ListOutbox(), position=(1.0, -5.0))
    book = SnapshotBook()
    deltas = 0
    for seq in range(1, 8):
        inst.on_input(alice, Input(seq=seq, move_x=0.0, move_y=0.0, yaw=0, ack_tick=book.ack_tick))
        inst.on_input(bob, Input(seq=seq, move_x=1.0, move_y=0.0, yaw=0))
        tick(inst)
        for m in box.take():
            if isinstance(m, (Snapshot, SnapshotDelta)):
                deltas += isinstance(m, SnapshotDelta)
                state = book.take(m)
                x, y = inst.sim.position(bob)
                assert state.pos[state.ids.tolist().index(bob)].tolist() == [round(x * 100), round(y * 100)]
    assert deltas >= 5


def test_enter_arrives_before_the_first_snapshot_that_shows_the_avatar(inst):
    """An avatar's AvatarEnter reaches a member before any snapshot containing it."""
    box = ListOutbox()
    inst.join(info("Alice"), box, position=(0.0, -5.0))
    tick(inst)
    bob = inst.join(info("Bob"), ListOutbox(), position=(1.0, -5.0))
    tick(inst)
    msgs = box.take()
    first_snap = next(i for i, m in enumerate(msgs) if isinstance(m, Snapshot) and bob in m.arrays()[0].tolist())
    enter = next(i for i, m in enumerate(msgs) if isinstance(m, AvatarEnter) and m.id == bob)
    assert enter < first_snap


def test_leave_is_announced_to_other_members(inst):
    """When someone leaves, the members who saw them get an AvatarLeave on the next snapshot."""
    alice_box = ListOutbox()
    inst.join(info("Alice"), alice_box, position=(0.0, -5.0))
    bob = inst.join(info("Bob"), ListOutbox(), position=(2.0, -5.0))
    tick(inst)
    alice_box.take()
    inst.leave(bob)
    tick(inst)
    msgs = alice_box.take()
    assert AvatarLeave(id=bob) in msgs
    snap = [m for m in msgs if isinstance(m, Snapshot)][-1]
    assert bob not in snap.arrays()[0].tolist()
    assert len(inst) == 1
    inst.leave(bob)  # leaving twice is harmless


def test_far_away_members_are_not_announced():
    """Members beyond the interest radius are neither entered nor in snapshots."""
    inst = WorldInstance(WORLD, interest_radius_m=10.0, seed=3)
    box = ListOutbox()
    inst.join(info("Alice"), box, position=(0.0, -25.0))
    far = inst.join(info("Bob"), ListOutbox(), position=(0.0, 60.0))
    tick(inst)
    msgs = box.take()
    assert far not in {m.id for m in msgs if isinstance(m, AvatarEnter)}
    assert all(far not in m.arrays()[0].tolist() for m in msgs if isinstance(m, Snapshot))


def test_snapshots_carry_ack_seq(inst):
    """Each member's snapshot acknowledges the last input the server applied for it."""
    a_box, b_box = ListOutbox(), ListOutbox()
    a = inst.join(info("Alice"), a_box, position=(0.0, -5.0))
    inst.join(info("Bob"), b_box, position=(2.0, -5.0))
    for seq in (1, 2, 3):
        inst.on_input(a, Input(seq=seq, move_x=1.0, move_y=0.0, yaw=0))
        tick(inst)
    a_snaps = a_box.take(Snapshot)
    assert [s.ack_seq for s in a_snaps] == [1, 2, 3]
    assert [s.ack_seq for s in b_box.take(Snapshot)] == [0, 0, 0]
    ticks = [s.tick for s in a_snaps]
    assert ticks == sorted(ticks) and len(set(ticks)) == 3


def test_snapshot_shows_movement(inst):
    """Inputs from one member move its avatar in another member's snapshots."""
    a_box, b_box = ListOutbox(), ListOutbox()
    a = inst.join(info("Alice"), a_box, position=(0.0, -5.0))
    inst.join(info("Bob"), b_box, position=(2.0, -5.0))
    tick(inst)

    def alice_x() -> int:
        snap = b_box.take(Snapshot)[-1]
        ids, pos, _, _ = snap.arrays()
        return int(pos[ids.tolist().index(a)][0])

    x0 = alice_x()
    for seq in range(1, 6):
        inst.on_input(a, Input(seq=seq, move_x=-1.0, move_y=0.0, yaw=0))
        tick(inst)
    assert x0 - alice_x() == pytest.approx(5 * WORLD.walk_speed_mps * 0.05 * 100, abs=1)


def test_zone_changes_reach_only_the_mover(inst):
    """A member walking into the lobby is told ZoneChanged; others are not."""
    a_box, b_box = ListOutbox(), ListOutbox()
    a = inst.join(info("Alice"), a_box, position=(0.0, -1.0))
    inst.join(info("Bob"), b_box, position=(2.0, -5.0))
    tick(inst)
    assert ZoneChanged(zone_id="forecourt") in a_box.take()
    b_box.take()
    for seq in range(1, 30):
        inst.on_input(a, Input(seq=seq, move_x=0.0, move_y=1.0, yaw=0))
        tick(inst)
    assert a_box.take(ZoneChanged) == [ZoneChanged(zone_id="lobby")]
    assert b_box.take(ZoneChanged) == []


def test_detached_member_receives_nothing(inst):
    """A member whose connection is gone (detached) is sent nothing, and its parked avatar leaves the others' view."""
    a_box, b_box = ListOutbox(), ListOutbox()
    a = inst.join(info("Alice"), a_box, position=(0.0, -1.0))
    inst.join(info("Bob"), b_box, position=(2.0, -5.0))
    tick(inst)
    inst.on_input(a, Input(seq=1, move_x=0.0, move_y=1.0, yaw=0))
    inst.detach(a)
    a_box.take()
    b_box.take()
    tick(inst, 10)
    assert a_box.take() == []
    msgs = b_box.take()
    assert msgs.count(AvatarLeave(id=a)) == 1
    assert all(a not in m.arrays()[0].tolist() for m in msgs if isinstance(m, Snapshot))
    assert inst.is_parked(a) and len(inst) == 2


def test_reattached_avatar_is_back_where_it_was_and_inputs_did_not_count(inst):
    """Attaching within the grace puts the avatar back where it was parked; inputs queued before the drop are gone."""
    a_box = ListOutbox()
    a = inst.join(info("Alice"), a_box, position=(0.0, -5.0))
    tick(inst)
    before = inst.sim.position(a)
    for seq in range(1, 4):
        inst.on_input(a, Input(seq=seq, move_x=1.0, move_y=0.0, yaw=0))
    inst.detach(a)
    tick(inst, 5)
    inst.attach(a, ListOutbox())
    tick(inst, 5)
    assert inst.sim.position(a) == pytest.approx(before)
    assert not inst.is_parked(a)


def test_reattached_member_is_told_everything_again(inst):
    """After attach (a reconnect), the member gets AvatarEnter for everyone in range again, and the old outbox nothing."""
    a_box = ListOutbox()
    a = inst.join(info("Alice"), a_box, position=(0.0, -5.0))
    b = inst.join(info("Bob"), ListOutbox(), position=(2.0, -5.0))
    tick(inst)
    inst.detach(a)
    tick(inst)
    a_box.take()
    fresh = ListOutbox()
    inst.attach(a, fresh)
    tick(inst)
    first = fresh.take()
    assert {m.id for m in first if isinstance(m, AvatarEnter)} == {a, b}
    assert isinstance(first[-1], Snapshot)  # a full one at once
    tick(inst, 3)
    assert a_box.take() == []
    assert fresh.take() == []  # then nothing: nobody moved


def test_others_see_a_reattached_avatar_enter_again(inst):
    """When a parked avatar comes back, the members around it get AvatarEnter for it again."""
    b_box = ListOutbox()
    a = inst.join(info("Alice"), ListOutbox(), position=(0.0, -5.0))
    inst.join(info("Bob"), b_box, position=(2.0, -5.0))
    tick(inst)
    inst.detach(a)
    tick(inst)
    b_box.take()
    inst.attach(a, ListOutbox())
    tick(inst)
    assert [m.id for m in b_box.take(AvatarEnter)] == [a]


def test_snapshot_rate_divides_the_tick_rate():
    """With snapshots at a quarter of the tick rate, a member gets one snapshot every four ticks."""
    inst = WorldInstance(WORLD, tick_hz=20, snapshot_hz=5, seed=3)
    box = ListOutbox()
    alice = inst.join(info("Alice"), box, position=(0.0, -5.0))
    walk(inst, alice, 12)
    assert [s.tick for s in box.take(Snapshot)] == [4, 8, 12]


def test_a_failing_outbox_does_not_stop_the_others(inst):
    """A member whose outbox refuses (being dropped) does not keep others from their snapshots."""

    class Refusing(ListOutbox):
        def send(self, msg):
            return False

        def send_bytes(self, data):
            return False

    ok = ListOutbox()
    inst.join(info("Slow"), Refusing(), position=(0.0, -5.0))
    fine = inst.join(info("Fine"), ok, position=(1.0, -5.0))
    walk(inst, fine, 3)
    assert len(ok.take(Snapshot)) == 3


def test_a_quiet_instance_sends_nothing_until_something_moves():
    """Seated and silent: after the first frames nobody gets a snapshot, however long; a move
    reaches the others at once; a member's report of its snapshots (a zero-direction input)
    brings it no frame."""
    hall = WorldInstance(WORLD, instance_id="auditorium", kind="auditorium", tick_hz=20, snapshot_hz=20, seed=3)
    boxes = [ListOutbox() for _ in range(4)]
    ids = [hall.join(info(f"W{i}"), box) for i, box in enumerate(boxes)]
    for avatar_id in ids:
        assert hall.seat_or_spawn(avatar_id) >= 0
    tick(hall, 25)
    for box in boxes:
        box.take()
    tick(hall, 100)
    assert [len(box.take(Snapshot)) for box in boxes] == [0, 0, 0, 0]
    hall.on_input(ids[1], Input(seq=1, move_x=0.0, move_y=0.0, yaw=0, ack_tick=hall.sim.tick))
    tick(hall, 10)
    assert [len(box.take()) for box in boxes] == [0, 0, 0, 0]
    hall.on_input(ids[0], Input(seq=1, move_x=1.0, move_y=0.0, yaw=0))
    tick(hall)
    frames = [box.take() for box in boxes[1:]]  # the one who stood up, seen at once
    assert [type(f[0]).__name__ for f in frames] == ["SnapshotDelta", "Snapshot", "Snapshot"]
    assert frames[0][0].ack_seq == 1  # and the report acknowledged with it


def test_a_member_passed_by_while_congested_gets_the_news_when_it_drains():
    """A move seen while a member's outbox was congested reaches it once it drains, though the
    instance is quiet by then."""
    hall = WorldInstance(WORLD, instance_id="auditorium-2", kind="auditorium", tick_hz=20, snapshot_hz=20, seed=3)
    a_box, b_box = ListOutbox(), ListOutbox()
    a = hall.join(info("A"), a_box)
    b = hall.join(info("B"), b_box)
    for avatar_id in (a, b):
        assert hall.seat_or_spawn(avatar_id) >= 0
    tick(hall, 25)
    a_box.take(), b_box.take()
    b_box.congested = True
    hall.on_input(a, Input(seq=1, move_x=1.0, move_y=0.0, yaw=0))
    tick(hall, 10)
    assert not b_box.take(Snapshot)
    b_box.congested = False
    tick(hall, 2)
    assert b_box.take(Snapshot)


def test_a_settled_simulation_steps_without_changes_until_an_input_comes():
    """No inputs and nobody pushed: steps change nothing and say so; an input or a newcomer does."""
    hall = WorldInstance(WORLD, instance_id="auditorium", kind="auditorium", tick_hz=20, snapshot_hz=20, seed=3)
    a = hall.join(info("A"), ListOutbox())
    hall.seat_or_spawn(a)
    tick(hall, 3)
    sim = hall.sim
    assert sim.settled and not sim.changed
    before = sim.position(a)
    tick(hall, 5)
    assert not sim.changed and sim.position(a) == before
    hall.on_input(a, Input(seq=1, move_x=1.0, move_y=0.0, yaw=0))
    tick(hall)
    assert sim.changed and sim.position(a) != before
    tick(hall, 3)
    b = hall.join(info("B"), ListOutbox())
    tick(hall)
    assert sim.changed and sim.has(b)


def test_a_member_that_asked_for_fewer_snapshots_gets_the_news_at_its_rate():
    """A member at 1 snapshot a second gets nothing while nothing moves, and a move within a second."""
    hall = WorldInstance(WORLD, instance_id="auditorium-3", kind="auditorium", tick_hz=20, snapshot_hz=20, seed=3)
    box, other_box = ListOutbox(), ListOutbox()
    a = hall.join(info("A"), box)
    b = hall.join(info("B"), other_box)
    hall.set_snapshot_hz(a, 1)
    hall.seat_or_spawn(a)
    hall.seat_or_spawn(b)
    tick(hall, 25)
    box.take()
    tick(hall, 60)
    assert not box.take(Snapshot)
    hall.on_input(b, Input(seq=1, move_x=1.0, move_y=0.0, yaw=0))
    tick(hall)
    tick(hall, 20)
    assert len(box.take(Snapshot)) == 1


def test_standing_near_a_stage_spot_takes_the_free_place_nearest_it_on_the_stage(inst):
    """`stand_near` stands an avatar off its seat at the spot, facing its yaw; when someone stands
    there already, at the nearest free place, still on the stage and clear of the lectern."""
    import math

    stage = WORLD.stage
    spot = (*stage.speaker_spot, math.radians(stage.facing_deg))
    first = inst.join(info("Wali", role="host"), ListOutbox(), position=(0.0, 50.0))
    second = inst.join(info("Camat", role="host"), ListOutbox(), position=(2.0, 50.0))
    inst.sim.sit(first, inst.sim.free_seat())
    x, y, yaw = inst.stand_near(first, spot)
    assert (x, y, yaw) == spot and inst.sim.position(first) == stage.speaker_spot
    assert inst.sim.seat_of(first) == -1 and inst.sim.yaw(first) == pytest.approx(spot[2])
    x2, y2, _ = inst.stand_near(second, spot)
    r = WORLD.avatar_radius_m
    assert math.hypot(x2 - x, y2 - y) >= 2 * r
    assert stage.box.xmin + r <= x2 <= stage.box.xmax - r and stage.box.ymin + r <= y2 <= stage.box.ymax - r
    assert bool(WORLD.placement_ok([[x2, y2]])[0])
    assert inst.stand_near(first, spot)[:2] == stage.speaker_spot  # its own place is not taken by itself
