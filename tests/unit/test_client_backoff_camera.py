"""Reconnect backoff and the camera boom: small pure functions the client leans on."""

from __future__ import annotations

import math
import random

import pytest

from makaverse.client.net.backoff import Backoff
from makaverse.client.scene.camera_math import Boom, Obstacles, boom_length, follow_view, preset_view
from makaverse.world import load_default_world


@pytest.fixture(scope="module")
def world():
    return load_default_world()


def test_backoff_grows_then_caps():
    b = Backoff(initial_s=0.5, factor=2.0, max_s=10.0)
    assert [b.ceiling(i) for i in range(7)] == [0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0]
    assert b.ceiling(10_000) == 10.0


def test_backoff_jitter_stays_below_the_ceiling():
    """Jitter only shortens a delay, by at most the jitter fraction."""
    b = Backoff(jitter=0.3)
    rng = random.Random(4)
    for attempt in range(12):
        for _ in range(20):
            d = b.delay(attempt, rng)
            assert b.ceiling(attempt) * 0.7 <= d <= b.ceiling(attempt)


def test_backoff_refuses_nonsense():
    with pytest.raises(ValueError):
        Backoff(initial_s=0.0)


def test_boom_is_full_length_in_the_open(world):
    """In the forecourt, east of the flagpole, nothing is behind you: the camera sits at full length."""
    obstacles = Obstacles.from_world(world)
    assert boom_length(obstacles, (4.0, -6.0, 1.6), 0.0) == Boom().length_m


def test_boom_shortens_in_front_of_a_wall(world):
    """Standing in the hall just north of the lobby wall, looking north, the boom stops short of the wall."""
    obstacles = Obstacles.from_world(world)
    length = boom_length(obstacles, (10.0, 15.5, 1.6), 0.0)
    assert length < 1.6
    # The camera ends up on the hall side of the wall.
    ox, oy, oz = Boom().offset(0.0, length)
    assert 15.5 + oy > 14.2


def test_low_benches_do_not_pull_the_camera_in(world):
    """A bench is lower than the boom at that distance, so it isn't an obstacle."""
    obstacles = Obstacles.from_world(world)
    # Just north of waiting-bench-1w (y 26..26.6), facing north: the boom passes over it.
    assert boom_length(obstacles, (-5.0, 27.5, 1.6), 0.0) == Boom().length_m


def test_the_wall_over_a_doorway_counts(world):
    """Below a door's lintel you may pass; the camera may not sit inside it."""
    door = next(d for d in world.doors if d.id == "hall-door")
    lintel = [(door.box.as_tuple(), 3.6, 5.0)]
    # 5.5 m north of the door, the boom crosses the doorway about 3.8 m up: inside the lintel.
    without = boom_length(Obstacles.from_world(world), (0.0, 19.5, 1.6), 0.0)
    with_lintel = boom_length(Obstacles.from_world(world, lintel), (0.0, 19.5, 1.6), 0.0)
    assert without == Boom().length_m
    assert with_lintel < 6.0


def test_boom_offset_points_behind_the_heading():
    ox, oy, oz = Boom(pitch_deg=0.0).offset(math.radians(90), 5.0)  # facing west: camera to the east
    assert (ox, oy, oz) == pytest.approx((5.0, 0.0, 0.0), abs=1e-9)


def test_presets(world):
    assert preset_view(world, "follow") is None
    view = preset_view(world, "booth:DUKCAPIL")
    booth = world.booth("DUKCAPIL")
    assert view.eye[0] > booth.position[0]  # in front of a booth that faces east
    with pytest.raises(KeyError):
        preset_view(world, "booth:NOPE")
    with pytest.raises(KeyError):
        preset_view(world, "ceiling")


def test_a_squeezed_boom_moves_the_camera_to_your_eyes():
    """With room the camera hangs behind and above you; squeezed short (a clerk between counter and
    back wall) it is at your eyes looking ahead over the counter, and in between it blends."""
    boom = Boom()
    far, t_far = follow_view(0.0, 0.0, 0.0, 0.0, boom.length_m, boom)
    assert t_far == 0.0 and far.eye[1] < -5.0 and far.eye[2] > 3.0  # behind (south) and above
    near, t_near = follow_view(0.0, 0.0, 0.0, 0.0, boom.min_length_m, boom)
    assert t_near == 1.0
    assert abs(near.eye[2] - boom.eye_height_m) < 1e-9 and near.eye[1] > 0.0  # at eye height, not behind
    assert near.target[1] > near.eye[1] + 3.0 and near.target[2] < near.eye[2]  # ahead, a little down
    mid, t_mid = follow_view(0.0, 0.0, 0.0, 0.0, (boom.first_person_m + boom.over_shoulder_m) / 2, boom)
    assert 0.0 < t_mid < 1.0 and near.eye[1] > mid.eye[1]
