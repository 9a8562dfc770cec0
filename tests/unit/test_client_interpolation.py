"""Interpolation of other avatars: blend between snapshots, yaw the short way, hold at the ends."""

from __future__ import annotations

import math

import pytest

from makaverse.client.state.clock import ServerClock
from makaverse.client.state.interpolation import Pose, PoseBuffer, angle_diff, lerp_yaw


def deg(d: float) -> float:
    return math.radians(d)


def test_yaw_blends_the_short_way_across_north():
    """From 350° to 10°, halfway is 0°, not 180°."""
    assert angle_diff(lerp_yaw(deg(350), deg(10), 0.5), 0.0) == pytest.approx(0.0, abs=1e-9)
    assert math.degrees(lerp_yaw(deg(350), deg(10), 0.25)) == pytest.approx(355.0)


def test_yaw_blends_the_short_way_backwards():
    """From 10° to 350°, a quarter of the way is 5°."""
    assert math.degrees(lerp_yaw(deg(10), deg(350), 0.25)) == pytest.approx(5.0)


def test_angle_diff_is_signed_and_smallest():
    assert math.degrees(angle_diff(deg(350), deg(10))) == pytest.approx(20.0)
    assert math.degrees(angle_diff(deg(10), deg(350))) == pytest.approx(-20.0)


def test_sample_between_two_snapshots_blends_position():
    """Halfway in time between two stamps is halfway in space."""
    buf = PoseBuffer()
    buf.push(1000, Pose(0.0, 0.0, 0.0, 1))
    buf.push(1050, Pose(1.0, 2.0, deg(90), 1))
    p = buf.sample(1025)
    assert (p.x, p.y) == pytest.approx((0.5, 1.0))
    assert math.degrees(p.yaw) == pytest.approx(45.0)


def test_sample_clamps_at_both_ends():
    """Before the oldest stamp: the oldest pose; after the newest: the newest (no guessing ahead)."""
    buf = PoseBuffer()
    buf.push(1000, Pose(0.0, 0.0, 0.0))
    buf.push(1050, Pose(1.0, 0.0, 0.0))
    assert buf.sample(900).x == 0.0
    assert buf.sample(5000).x == 1.0
    assert buf.sample(None).x == 1.0


def test_late_or_repeated_stamps_are_ignored():
    """A snapshot that arrives after a newer one doesn't rewrite history."""
    buf = PoseBuffer()
    assert buf.push(1000, Pose(0.0, 0.0, 0.0))
    assert buf.push(1050, Pose(1.0, 0.0, 0.0))
    assert not buf.push(1020, Pose(9.0, 0.0, 0.0))
    assert not buf.push(1050, Pose(9.0, 0.0, 0.0))
    assert len(buf) == 2


def test_buffer_is_bounded():
    """Old poses fall off the front."""
    buf = PoseBuffer(capacity=4)
    for i in range(10):
        buf.push(i * 50, Pose(float(i), 0.0, 0.0))
    assert len(buf) == 4
    assert buf.sample(0).x == 6.0


def test_empty_buffer_has_no_pose():
    assert PoseBuffer().sample(123) is None


def test_server_clock_uses_the_least_delayed_sample():
    """Delay only makes samples smaller, so the largest offset seen is the estimate."""
    clock = ServerClock()
    assert clock.server_now_ms(0) is None
    clock.observe(server_ms=10_000, local_ms=500)  # offset 9500 (a slow packet)
    clock.observe(server_ms=10_100, local_ms=560)  # offset 9540 (a quick one)
    clock.observe(server_ms=10_200, local_ms=700)  # offset 9500
    assert clock.offset_ms == 9540
    assert clock.server_now_ms(1000) == 10_540


def test_server_clock_window_forgets_old_samples():
    """After the window has passed, an old optimistic sample no longer counts."""
    clock = ServerClock(window=3)
    clock.observe(10_000, 0)  # offset 10000
    for i in range(3):
        clock.observe(20_000 + i, 10_100 + i)  # offset 9900
    assert clock.offset_ms == 9900
