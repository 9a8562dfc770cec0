"""The walk cycle: limbs swing with the speed an avatar is seen to move at, and hang still at rest."""

from __future__ import annotations

import pytest

from makaverse.client.scene.figure import WalkCycle


def _walk(speed_mps: float, frames: int = 60, dt: float = 1 / 30) -> WalkCycle:
    w = WalkCycle()
    for k in range(frames):
        w.update(speed_mps * dt * k, 0.0, dt)
    return w


def test_standing_still_leaves_limbs_hanging():
    """An avatar that doesn't move has no swing and no bob."""
    w = _walk(0.0)
    assert w.pose() == (0.0, 0.0, 0.0)


def test_faster_means_wider_swing():
    """Running swings the limbs wider than walking, up to a limit."""
    walk, run, sprint = _walk(2.5).swing_deg(), _walk(5.0).swing_deg(), _walk(50.0).swing_deg()
    assert 0 < walk < run <= WalkCycle.MAX_SWING_DEG
    assert sprint == pytest.approx(WalkCycle.MAX_SWING_DEG, rel=0.05)


def test_phase_follows_distance_not_time():
    """The stride's phase advances with ground covered: twice the distance in one frame, twice the phase."""
    a, b = WalkCycle(), WalkCycle()
    for w in (a, b):
        w.update(0.0, 0.0, 0.1)
    a.update(0.1, 0.0, 0.1)
    b.update(0.2, 0.0, 0.1)
    assert b.phase == pytest.approx(2 * a.phase)


def test_legs_and_arms_swing_opposite():
    """Mid-stride the left leg and the left arm swing opposite ways, as people walk."""
    w = _walk(2.5, frames=7)
    leg, arm, _ = w.pose()
    assert leg * arm < 0


def test_teleport_is_not_a_step():
    """A jump of metres in one frame (a resume, a correction) doesn't start a sprint."""
    w = WalkCycle()
    w.update(0.0, 0.0, 1 / 30)
    w.update(30.0, 0.0, 1 / 30)
    assert w.swing_deg() == 0.0


def test_stopping_comes_to_rest():
    """After walking, standing still for a second brings the limbs back to rest."""
    w = _walk(2.5)
    x = 2.5 * (1 / 30) * 59
    for _ in range(30):
        w.update(x, 0.0, 1 / 30)
    assert w.swing_deg() == 0.0
