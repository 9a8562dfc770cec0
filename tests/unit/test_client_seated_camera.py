"""The camera in the auditorium, without Panda3D: seated, the whole screen over the stage (and
whoever speaks at the lectern under it) is in the picture from every seat, in wide and in 4:3
windows; the host at the lectern sees the audience from in front of the screen."""

from __future__ import annotations

import math

import pytest

from makaverse.client.scene.camera_math import (
    Boom,
    Obstacles,
    SeatedFrame,
    View,
    boom_length,
    ease,
    follow_view,
    mix_views,
    project,
    screen_obstacle,
    seated_view,
)
from makaverse.client.state.stage_view import screen_face
from makaverse.world import load_default_world

WORLD = load_default_world()
ASPECTS = {"16:9": 16 / 9, "4:3": 4 / 3}
MARGIN = 0.97  # inside the window, not just touching its edge
SPEAKER_M = 1.8  # a standing avatar's height


def seat_floor(x: float, y: float) -> float:
    return float(WORLD.floor_height([[x, y]])[0])


def inside(view: View, point, aspect: float) -> bool:
    at = project(view, point, aspect)
    return at is not None and abs(at[0]) <= MARGIN and abs(at[1]) <= MARGIN


@pytest.mark.parametrize("aspect", list(ASPECTS), ids=list(ASPECTS))
def test_from_every_seat_the_whole_screen_and_the_lectern_are_in_the_picture(aspect):
    """The screen's four corners, and someone standing at the speaker spot (feet and head),
    project inside the window from each of the world's seats, front row edge seats included."""
    face = screen_face(WORLD)
    stage = WORLD.stage
    sx, sy = stage.speaker_spot
    points = [*face.corners(), (sx, sy, stage.height_m), (sx, sy, stage.height_m + SPEAKER_M)]
    assert len(WORLD.seats) == 150
    outside = []
    for seat, (x, y) in enumerate(WORLD.seats):
        view = seated_view(WORLD, float(x), float(y), seat_floor(x, y))
        outside += [(seat, p) for p in points if not inside(view, p, ASPECTS[aspect])]
    assert outside == []


def test_the_seated_camera_is_just_behind_and_above_your_head_facing_the_screen():
    face = screen_face(WORLD)
    frame = SeatedFrame()
    ob = Obstacles.from_world(WORLD)
    for x, y in WORLD.seats:
        view = seated_view(WORLD, float(x), float(y), seat_floor(x, y))
        ex, ey, ez = view.eye
        assert math.hypot(ex - x, ey - y) == pytest.approx(frame.back_m)
        assert math.hypot(face.centre[0] - ex, face.y - ey) > math.hypot(face.centre[0] - x, face.y - y)
        assert ez == pytest.approx(seat_floor(x, y) + frame.eye_height_m)
        # Not inside anything (the seats are no obstacle; walls and the stage are).
        in_solid = ((ob.boxes[:, 0] < ex) & (ex < ob.boxes[:, 2]) & (ob.boxes[:, 1] < ey) & (ey < ob.boxes[:, 3])
                    & (ob.z0 < ez) & (ez < ob.z1))
        assert not in_solid.any()
        # It faces the screen squarely, tilted up a degree; its shifted lens puts the aim
        # (across the screen's middle) in the middle of the picture.
        tx, ty, tz = view.target
        assert tx == pytest.approx(ex) and ty > ey
        assert math.degrees(math.atan2(tz - ez, ty - ey)) == pytest.approx(frame.pitch_deg)
        aim_z = WORLD.stage.height_m + (face.z1 - WORLD.stage.height_m) * frame.aim_share
        assert project(view, (face.centre[0], face.y, aim_z), 16 / 9) == pytest.approx((0.0, 0.0), abs=1e-9)


@pytest.mark.parametrize("aspect", list(ASPECTS), ids=list(ASPECTS))
def test_from_every_seat_the_screen_is_drawn_as_an_upright_rectangle(aspect):
    """A camera turned and tilted towards the screen drew it as a leaning trapezoid; facing it
    squarely with a shifted lens, its top and bottom edges are level and its sides upright but
    for the camera's one-degree tilt (they lean by under two degrees)."""
    face = screen_face(WORLD)
    a = ASPECTS[aspect]
    for x, y in WORLD.seats:
        view = seated_view(WORLD, float(x), float(y), seat_floor(x, y))
        bl, br, tr, tl = (project(view, c, a) for c in face.corners())
        assert bl[1] == pytest.approx(br[1]) and tl[1] == pytest.approx(tr[1])
        height = (tl[1] - bl[1]) / a  # in the same units as x across the picture
        for bottom, top in ((bl, tl), (br, tr)):
            assert math.degrees(math.atan2(abs(top[0] - bottom[0]), height)) < 2.0, (x, y)


def test_projection_puts_the_aim_in_the_middle_and_right_is_right():
    view = View(eye=(0.0, 0.0, 1.0), target=(0.0, 10.0, 1.0))
    assert project(view, (0.0, 10.0, 1.0), 16 / 9) == pytest.approx((0.0, 0.0))
    x, y = project(view, (1.0, 10.0, 2.0), 16 / 9)
    assert x > 0 and y > 0
    # 40 degrees off the middle is the edge of an 80-degree lens.
    assert project(view, (math.tan(math.radians(40)) * 10, 10.0, 1.0), 4 / 3)[0] == pytest.approx(1.0)
    assert project(view, (0.0, -1.0, 1.0), 16 / 9) is None  # behind the camera


def test_easing_between_the_follow_and_the_seated_view():
    a = View(eye=(0.0, 0.0, 0.0), target=(0.0, 1.0, 0.0))
    b = View(eye=(2.0, 0.0, 4.0), target=(0.0, 3.0, 0.0))
    assert mix_views(a, b, 0.0) == a and mix_views(a, b, 1.0) == b
    assert mix_views(a, b, 0.5).eye == pytest.approx((1.0, 0.0, 2.0))
    assert (ease(-1.0), ease(0.5), ease(2.0)) == (0.0, 0.5, 1.0)


@pytest.mark.parametrize("aspect", list(ASPECTS), ids=list(ASPECTS))
def test_the_host_at_the_lectern_sees_the_audience_from_in_front_of_the_screen(aspect):
    """Standing at the speaker spot facing the audience (facing 180), the follow camera stays in
    front of the screen (the screen is an obstacle to the boom) and the middle of the audience,
    and the host, are in the picture."""
    stage = WORLD.stage
    sx, sy = stage.speaker_spot
    yaw = math.radians(stage.facing_deg)
    z = seat_floor(sx, sy)
    ob = Obstacles.from_world(WORLD, [screen_obstacle(WORLD)])
    boom = Boom()
    length = boom_length(ob, (sx, sy, z + boom.target_height_m), yaw, boom)
    view, first_person = follow_view(sx, sy, z, yaw, length, boom)
    face = screen_face(WORLD)
    assert view.eye[1] < face.y - boom.clearance_m + 0.05 and first_person == 0.0
    assert length > 2.0  # still behind the host, not at its eyes
    assert inside(view, (sx, sy, z + 1.0), ASPECTS[aspect])  # the host
    for x in (-8.0, -3.0, 3.0, 8.0):  # the audience, front and back rows
        for y in (57.0, 49.0):
            assert inside(view, (x, y, 1.0), ASPECTS[aspect]), (x, y)
