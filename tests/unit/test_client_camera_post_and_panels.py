"""The camera at a clerk's post (at their eyes, whatever the boom) and where the picture's centre
goes while side panels are open (camera_math.centre_shift)."""

from __future__ import annotations

import math

import pytest

from makaverse.client.scene.camera_math import Boom, Obstacles, boom_length, centre_shift, follow_view
from makaverse.world import load_default_world

W = 1280


def test_no_panel_keeps_the_picture_centred():
    assert centre_shift(W, []) == 0.0


def test_a_right_panel_moves_the_centre_into_what_it_leaves_free():
    # The staff console covers x 553..1266: the free part is 0..553, its middle at 276.5.
    shift = centre_shift(W, [(553, 1266)])
    assert shift == pytest.approx((276.5 - 640) / W)
    assert shift < 0


def test_a_left_panel_moves_it_right():
    shift = centre_shift(W, [(10, 478)])
    assert shift == pytest.approx(((478 + W) / 2 - 640) / W)
    assert shift > 0


def test_panels_on_both_sides_centre_it_between_them():
    shift = centre_shift(W, [(10, 400), (800, 1270)])
    assert shift == pytest.approx(((400 + 800) / 2 - 640) / W)


def test_a_panel_in_the_middle_moves_nothing():
    # The directory stands in the middle of the window.
    assert centre_shift(W, [(334, 874)]) == 0.0


def test_a_panel_across_the_whole_width_moves_nothing():
    assert centre_shift(W, [(0, W)]) == 0.0


def test_too_little_left_free_keeps_the_picture_centred():
    assert centre_shift(W, [(10, 600), (900, 1270)]) == 0.0


def test_the_widest_panel_on_a_side_counts():
    assert centre_shift(W, [(700, 1270), (553, 1266)]) == centre_shift(W, [(553, 1266)])


def test_no_window_no_shift():
    assert centre_shift(0, [(0, 10)]) == 0.0


def test_a_clerk_at_the_post_sees_from_their_eyes_across_the_counter():
    world = load_default_world()
    # Disdukcapil's post, behind the counter on the hall's west side, facing east into the hall
    # (yaw turns anticlockwise from north); the citizen stands across the counter at x -17.5.
    x, y, yaw = -21.4, 18.0, math.radians(270.0)
    citizen = (-17.5, 18.0)
    boom = Boom()
    length = boom_length(Obstacles.from_world(world), (x, y, boom.target_height_m), yaw, boom)
    behind, t_behind = follow_view(x, y, 0.0, yaw, length, boom)
    # The back wall squeezes the boom, but not far enough to reach the eyes by itself: the
    # camera would hang just behind the clerk's head, which then fills the picture.
    assert 0.0 < t_behind < 1.0
    assert math.dist(behind.eye, (x, y, boom.target_height_m)) > 1.0
    view, t = follow_view(x, y, 0.0, yaw, length, boom, at_eyes=1.0)
    assert t == 1.0
    assert view.eye[2] == pytest.approx(boom.eye_height_m)
    assert math.dist(view.eye[:2], (x, y)) < 0.2
    # It looks across the counter, straight at where the citizen stands.
    fx, fy = view.target[0] - view.eye[0], view.target[1] - view.eye[1]
    cx, cy = citizen[0] - view.eye[0], citizen[1] - view.eye[1]
    assert (fx * cx + fy * cy) / (math.hypot(fx, fy) * math.hypot(cx, cy)) > 0.99


def test_at_eyes_zero_changes_nothing():
    boom = Boom()
    for length in (0.8, 1.5, 2.0, 3.0, 7.5):
        plain = follow_view(1.0, 2.0, 0.0, 0.3, length, boom)
        assert plain == follow_view(1.0, 2.0, 0.0, 0.3, length, boom, at_eyes=0.0)
