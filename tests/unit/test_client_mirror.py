"""The mirror: the server's view of the world, rebuilt from messages alone."""

from __future__ import annotations

import math

import pytest

from makaverse.client.state.mirror import Mirror
from makaverse.protocol import AvatarEnter, AvatarLeave, InstanceChanged, Snapshot, Welcome, ZoneChanged, quant


def welcome(avatar_id=7, x_cm=-300, y_cm=-600) -> Welcome:
    return Welcome(avatar_id=avatar_id, name="Daeng", role="guest", world_id="balai-kota-makassar", tick_hz=20,
                   snapshot_hz=20, input_hz=20, interest_radius_cm=4000, server_time_ms=1_000, x_cm=x_cm,
                   y_cm=y_cm, yaw=0)


def snapshot(tick, rows, ack=0, t_ms=None) -> Snapshot:
    """rows: (id, x_m, y_m, yaw_deg, anim)."""
    return Snapshot.pack(
        tick, ack, t_ms if t_ms is not None else 1_000 + tick * 50,
        [r[0] for r in rows],
        [[quant.m_to_cm(r[1]), quant.m_to_cm(r[2])] for r in rows],
        [quant.yaw_to_u16(math.radians(r[3])) for r in rows],
        [r[4] for r in rows],
    )


def test_welcome_names_your_avatar_and_where_it_stands():
    m = Mirror()
    m.apply(welcome())
    assert m.self_id == 7
    pose = m.self_server_pose()
    assert (pose.x, pose.y) == pytest.approx((-3.0, -6.0))


def test_snapshot_positions_are_unpacked_for_everyone():
    """Each avatar in a snapshot gets a pose in metres and radians; yours is found by id, not by order."""
    m = Mirror()
    m.apply(welcome())
    m.apply(snapshot(1, [(9, 1.0, 2.0, 90, 1), (7, -3.0, -5.5, 0, 0)], ack=3))
    assert m.ack_seq == 3
    assert m.self_server_pose().y == pytest.approx(-5.5)
    other = m.avatars[9].history.newest
    assert (other.x, other.y, other.anim) == (1.0, 2.0, 1)
    assert math.degrees(other.yaw) == pytest.approx(90.0, abs=0.01)
    assert [a.id for a in m.others()] == [9]


def test_enter_gives_facts_once_and_a_change_bumps_the_version():
    m = Mirror()
    m.apply(welcome())
    m.apply(AvatarEnter(id=9, name="Andi", role="staff", look=0x1E5AA8, opd="DUKCAPIL"))
    a = m.avatars[9]
    assert a.facts.name == "Andi" and a.facts.is_staff and a.version == 1
    m.apply(AvatarEnter(id=9, name="Andi", role="staff", look=0x1E5AA8, opd="DUKCAPIL"))
    assert a.version == 1
    m.apply(AvatarEnter(id=9, name="Andi", role="citizen", look=0x1E5AA8))
    assert a.version == 2 and not a.facts.is_staff


def test_leave_removes_others_but_never_you():
    m = Mirror()
    m.apply(welcome())
    m.apply(snapshot(1, [(7, 0, 0, 0, 0), (9, 1, 1, 0, 0)]))
    m.apply(AvatarLeave(id=9))
    m.apply(AvatarLeave(id=7))
    assert set(m.avatars) == {7}


def test_late_snapshot_is_ignored():
    """A snapshot with an older tick never moves anyone backwards."""
    m = Mirror()
    m.apply(welcome())
    m.apply(snapshot(5, [(7, 1.0, 0.0, 0, 0)], ack=10))
    m.apply(snapshot(4, [(7, 0.0, 0.0, 0, 0)], ack=9))
    assert m.ack_seq == 10 and m.self_server_pose().x == pytest.approx(1.0)


def test_zone_changed_is_kept():
    m = Mirror()
    assert m.zone_id is None
    m.apply(ZoneChanged(zone_id="service-hall"))
    assert m.zone_id == "service-hall"


def test_a_new_welcome_starts_from_nothing():
    """After a reconnect, nobody from the old session lingers."""
    m = Mirror()
    m.apply(welcome())
    m.apply(snapshot(3, [(7, 0, 0, 0, 0), (9, 1, 1, 0, 0)]))
    m.apply(welcome(avatar_id=12))
    assert set(m.avatars) == {12} and m.last_tick == -1


def test_other_messages_are_not_the_mirrors_business():
    from makaverse.protocol import Pong

    assert Mirror().apply(Pong(client_time_ms=1, server_time_ms=2)) is False


def test_walking_into_another_instance_forgets_the_others_and_takes_its_ticks():
    """On instance_changed the others stay behind, your own avatar keeps its history, and the new instance's snapshots count even with lower ticks."""
    m = Mirror()
    m.apply(welcome())
    m.apply(AvatarEnter(id=8, name="Andi", role="guest", look=0x336699))
    m.apply(snapshot(100, [(7, 0.0, 43.5, 0, 1), (8, 2.0, 42.0, 0, 0)]))
    m.apply(InstanceChanged(instance="auditorium", kind="auditorium"))
    assert m.instance == "auditorium" and set(m.avatars) == {7} and m.me.history.newest is not None
    m.apply(snapshot(40, [(7, 0.0, 44.2, 0, 1)], t_ms=6_100))  # server time runs on across instances
    assert m.last_tick == 40 and m.self_server_pose().y == pytest.approx(44.2)
