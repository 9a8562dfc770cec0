"""Where the camera goes, without Panda3D: the third-person boom that shortens instead of
passing through walls, the view of the stage from a seat, and fixed views for screenshots.

The boom runs from a point at the avatar's head backwards and up. We sample points along it
and stop before the first one inside an obstacle at that height, so a low bench doesn't pull
the camera in but a wall does (the world's solids, plus the wall above each doorway).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from makaverse.world import World

from ..state.stage_view import ScreenFace, screen_face

__all__ = [
    "Boom", "Obstacles", "View", "boom_length", "follow_view", "preset_view", "PRESETS", "centre_shift", "SeatedFrame",
    "seated_view", "screen_obstacle", "mix_views", "ease", "project", "HFOV_DEG",
]

HFOV_DEG = 80.0  # the lens's horizontal field of view (`camera.py`); the vertical follows the window's aspect


@dataclass(frozen=True, slots=True)
class Boom:
    length_m: float = 7.5
    pitch_deg: float = 26.0  # how far the boom rises above the horizontal
    target_height_m: float = 1.6  # the point on the avatar the camera looks at
    clearance_m: float = 0.3  # distance kept from a wall's face
    min_length_m: float = 0.6
    sample_m: float = 0.2
    # Squeezed closer than this (a clerk between counter and back wall), the camera moves to your
    # eyes rather than hang behind your head: fully first-person at `first_person_m`.
    over_shoulder_m: float = 2.6
    first_person_m: float = 1.3
    eye_height_m: float = 1.62  # above the floor

    def offset(self, yaw: float, length_m: float) -> tuple[float, float, float]:
        """Camera position relative to the target, `length_m` behind and above heading `yaw`."""
        p = math.radians(self.pitch_deg)
        back = length_m * math.cos(p)
        # Behind is minus forward; forward is (-sin yaw, cos yaw).
        return (math.sin(yaw) * back, -math.cos(yaw) * back, length_m * math.sin(p))


@dataclass(frozen=True)
class Obstacles:
    """What the camera must not enter: boxes with a height range (solids stand on the ground;
    the wall above a doorway floats over it)."""

    boxes: np.ndarray  # (N, 4) xmin, ymin, xmax, ymax
    z0: np.ndarray  # (N,)
    z1: np.ndarray  # (N,)

    @classmethod
    def from_world(cls, world: World, extra: Iterable[tuple[tuple[float, float, float, float], float, float]] = ()):
        rows = [(s.box.as_tuple(), 0.0, s.height_m) for s in world.solids] + list(extra)
        if not rows:
            return cls(np.zeros((0, 4)), np.zeros(0), np.zeros(0))
        return cls(
            np.array([r[0] for r in rows], dtype=np.float64),
            np.array([r[1] for r in rows], dtype=np.float64),
            np.array([r[2] for r in rows], dtype=np.float64),
        )


def boom_length(obstacles: Obstacles, target: tuple[float, float, float], yaw: float, boom: Boom = Boom()) -> float:
    """The longest boom (up to `boom.length_m`) whose samples all stay clear of the obstacles."""
    n = max(2, int(math.ceil(boom.length_m / boom.sample_m)) + 1)
    lengths = np.linspace(0.0, boom.length_m, n)
    ox, oy, oz = boom.offset(yaw, 1.0)
    xs = (target[0] + ox * lengths)[:, None]
    ys = (target[1] + oy * lengths)[:, None]
    zs = (target[2] + oz * lengths)[:, None]
    boxes = obstacles.boxes
    if len(boxes) == 0:
        return boom.length_m
    c = boom.clearance_m
    inside = (
        (xs > boxes[:, 0] - c)
        & (xs < boxes[:, 2] + c)
        & (ys > boxes[:, 1] - c)
        & (ys < boxes[:, 3] + c)
        & (zs > obstacles.z0 - c)
        & (zs < obstacles.z1 + c)
    ).any(axis=1)
    blocked = np.flatnonzero(np.asarray(inside)[1:])  # the target itself never blocks (asarray: typed as an array)
    if len(blocked) == 0:
        return boom.length_m
    first = lengths[blocked[0] + 1]
    return max(boom.min_length_m, float(first - boom.sample_m))


@dataclass(frozen=True, slots=True)
class View:
    eye: tuple[float, float, float]
    target: tuple[float, float, float]
    # A shifted lens, as architects photograph a facade: the picture's centre lies this far off
    # the camera's axis (tangents of the angle, right and up). The camera can then face a screen
    # squarely and stay level, and the screen is drawn as the rectangle it is from any seat.
    shift: tuple[float, float] = (0.0, 0.0)


def follow_view(x: float, y: float, floor_z: float, yaw: float, length_m: float,
                boom: Boom = Boom(), at_eyes: float = 0.0) -> tuple[View, float]:
    """Where the follow camera stands and looks for a boom of `length_m`, and how first-person it
    is (0: behind and above you; 1: at your eyes, looking ahead and a little down). `at_eyes`
    (0..1) is how far to be at your eyes whatever the boom: a clerk at their post looks across
    the counter, not at the back of their own head."""
    fx, fy = -math.sin(yaw), math.cos(yaw)
    head = (x, y, floor_z + boom.target_height_m)
    ox, oy, oz = boom.offset(yaw, length_m)
    behind = View(eye=(head[0] + ox, head[1] + oy, head[2] + oz),
                  # A little above the head, so your avatar sits in the lower half of the picture.
                  target=(head[0] + fx * 1.5, head[1] + fy * 1.5, head[2] + 0.3))
    span = boom.over_shoulder_m - boom.first_person_m
    if span > 0:
        t = min(1.0, max(0.0, (boom.over_shoulder_m - length_m) / span))
    else:
        t = float(length_m <= boom.first_person_m)
    t = t * t * (3.0 - 2.0 * t)  # eases in and out, so walking away from a wall doesn't jolt
    t = max(t, min(1.0, max(0.0, at_eyes)))
    if t <= 0.0:
        return behind, 0.0
    eye_z = floor_z + boom.eye_height_m
    ahead = View(eye=(x + fx * 0.15, y + fy * 0.15, eye_z), target=(x + fx * 6.0, y + fy * 6.0, eye_z - 0.7))

    def mix(a: tuple[float, float, float], b: tuple[float, float, float]) -> tuple[float, float, float]:
        return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t)

    return View(eye=mix(behind.eye, ahead.eye), target=mix(behind.target, ahead.target)), t


def ease(t: float) -> float:
    """0..1 eased in and out (smoothstep), clamped."""
    t = min(1.0, max(0.0, t))
    return t * t * (3.0 - 2.0 * t)


def mix_views(a: View, b: View, t: float) -> View:
    """`a` at 0, `b` at 1, in between along straight lines (eye and aim alike)."""

    def mix(p: tuple[float, float, float], q: tuple[float, float, float]) -> tuple[float, float, float]:
        return (p[0] + (q[0] - p[0]) * t, p[1] + (q[1] - p[1]) * t, p[2] + (q[2] - p[2]) * t)

    shift = (a.shift[0] + (b.shift[0] - a.shift[0]) * t, a.shift[1] + (b.shift[1] - a.shift[1]) * t)
    return View(eye=mix(a.eye, b.eye), target=mix(a.target, b.target), shift=shift)


@dataclass(frozen=True, slots=True)
class SeatedFrame:
    """The view from a seat: from just behind and above your head, along the line from the screen
    to you, aimed across the screen's middle at a height that takes in the whole screen and
    whoever speaks at the lectern under it."""

    back_m: float = 1.0  # behind your head, away from the screen
    eye_height_m: float = 1.9  # above the floor: over your own head and the heads in front
    # The aim's height: this share of the way from the stage floor up to the screen's top edge.
    aim_share: float = 0.5
    pitch_deg: float = 1.0  # the camera's own tilt up; its lens's shift does the rest


def screen_obstacle(world: World) -> tuple[tuple[float, float, float, float], float, float]:
    """The screen over the stage as one more thing the boom must not enter (box, z0, z1), from
    its bezel to the wall behind it: the host's camera, behind them at the lectern, stops in
    front of the screen instead of looking through it from behind."""
    f = screen_face(world)
    bezel = 0.12
    back = world.stage.box.ymax
    return ((f.x0 - bezel, f.y - 0.05, f.x1 + bezel, max(back, f.y + 0.25)), f.z0 - bezel, f.z1 + bezel)


def seated_view(world: World, x: float, y: float, floor_z: float, frame: SeatedFrame = SeatedFrame(),
                face: ScreenFace | None = None) -> View:
    """The camera of someone seated at (x, y): the stage and its screen, whole. It faces the
    screen squarely and level (the screen faces -Y), its lens shifted to centre the aim, so the
    screen's edges stay straight and level from a side seat too; a camera turned and tilted
    towards the screen drew it as a leaning trapezoid."""
    face = face or screen_face(world)
    cx, cy, _ = face.centre
    dx, dy = cx - x, cy - y
    n = math.hypot(dx, dy) or 1.0
    eye = (x - dx / n * frame.back_m, y - dy / n * frame.back_m, floor_z + frame.eye_height_m)
    stage_z = world.stage.height_m
    aim_z = stage_z + (face.z1 - stage_z) * frame.aim_share
    depth = max(0.5, face.y - eye[1])
    # Square on, but raised a degree: a view exactly square to a wall loses the writing on its
    # signs under OpenGL (the text is offset from its card by slope, and there is none).
    target = (eye[0], eye[1] + depth, eye[2] + depth * math.tan(math.radians(frame.pitch_deg)))
    square = View(eye=eye, target=target)
    shift = project(square, (cx, cy, aim_z), 1.0, hfov_deg=90.0)  # tangents: tan 45° = 1
    assert shift is not None  # the screen is in front of every seat
    return View(eye=eye, target=target, shift=shift)


def project(view: View, point: tuple[float, float, float], aspect: float,
            hfov_deg: float = HFOV_DEG) -> tuple[float, float] | None:
    """Where `point` lands in the picture of a camera at `view.eye` looking at `view.target` (up
    is +Z) through a lens `hfov_deg` wide, shifted by `view.shift`: (-1, -1) bottom left to
    (1, 1) top right, inside the window when both are within [-1, 1]. None behind the camera.
    As Panda3D's perspective lens: the vertical field of view follows the aspect (width / height)."""
    eye = np.asarray(view.eye, dtype=np.float64)
    forward = np.asarray(view.target, dtype=np.float64) - eye
    forward /= np.linalg.norm(forward)
    right = np.cross(forward, (0.0, 0.0, 1.0))
    right /= np.linalg.norm(right)
    up = np.cross(right, forward)
    d = np.asarray(point, dtype=np.float64) - eye
    depth = float(d @ forward)
    if depth <= 1e-6:
        return None
    tan_h = math.tan(math.radians(hfov_deg) / 2)
    sx, sy = view.shift
    return ((float(d @ right) / depth - sx) / tan_h, (float(d @ up) / depth - sy) / (tan_h / aspect))


PRESETS = ("follow", "hall", "forecourt", "auditorium", "booth:<OPD>")


def preset_view(world: World, name: str) -> View | None:
    """A fixed camera for a named place; None for `follow` (behind your avatar). Raises KeyError."""
    if name in ("", "follow"):
        return None
    if name.startswith("booth:"):
        booth = world.booth(name.split(":", 1)[1])
        if booth is None:
            raise KeyError(name)
        bx, by = booth.position
        rad = math.radians(booth.facing_deg)
        fx, fy = -math.sin(rad), math.cos(rad)
        return View(eye=(bx + fx * 8.0, by + fy * 8.0, 2.4), target=(bx, by, 1.7))
    hall = world.zone("service-hall")
    if name == "hall" and hall is not None:
        # From above the south-east corner, across the hall to the booths along the west wall.
        b = hall.box
        return View(eye=(b.xmax - 6.0, b.ymin + 4.0, 8.0), target=(b.xmin + 14.0, b.ymin + 17.0, 0.0))
    if name == "forecourt":
        return View(eye=(14.0, -26.0, 9.0), target=(0.0, 4.0, 3.0))
    auditorium = world.zone("auditorium")
    if name == "auditorium" and auditorium is not None:
        b = auditorium.box
        cx = (b.xmin + b.xmax) / 2
        return View(eye=(cx, b.ymin + 1.0, 4.5), target=(cx, b.ymax - 4.0, 1.5))
    raise KeyError(name)


def centre_shift(window_w: float, panels: Iterable[tuple[float, float]], *, edge: float = 0.06,
                 min_free: float = 0.3) -> float:
    """How far to move the picture's centre, as a fraction of the window's width (negative: to the
    left), so that it is the centre of the part of the window no side panel covers.

    `panels` are the open panels' horizontal spans in pixels; one touching the left edge (within
    `edge` of the width) covers from there, one touching the right edge covers to there; a panel
    in the middle (the directory) covers nothing here. With less than `min_free` of the width
    left, the picture stays centred: there is no better place for it.
    """
    if window_w <= 0:
        return 0.0
    left, right = 0.0, float(window_w)
    for x0, x1 in panels:
        at_left, at_right = x0 <= edge * window_w, x1 >= (1.0 - edge) * window_w
        if at_left and not at_right:
            left = max(left, float(x1))
        elif at_right and not at_left:
            right = min(right, float(x0))
    if right - left < min_free * window_w:
        return 0.0
    return ((left + right) / 2.0 - window_w / 2.0) / window_w
