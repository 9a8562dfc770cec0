"""The camera: third-person behind your avatar (the boom shortens at walls, and when squeezed
short — behind a counter — moves to your eyes), or a fixed view. Seated in the auditorium, it
eases over to the view of the stage and its whole screen (`camera_math.seated_view`), and back
when you stand. While a panel covers one side of the window, the picture's centre moves into
the part left uncovered (`shift_centre`), so the citizen across the counter or your own avatar
is not behind the staff console or a booth panel.

The boom length comes from `camera_math.boom_length`; it shrinks at once (never show the
inside of a wall) and grows back smoothly (no popping when you step away from a wall).
"""

from __future__ import annotations

import math

from direct.showbase.ShowBase import ShowBase

from makaverse.world import World

from .camera_math import (
    HFOV_DEG,
    Boom,
    Obstacles,
    View,
    boom_length,
    ease,
    follow_view,
    mix_views,
    screen_obstacle,
    seated_view,
)

__all__ = ["CameraRig", "SEAT_EASE_S"]

SEAT_EASE_S = 0.8  # sitting down or standing up, the camera takes this long to move over


class CameraRig:
    def __init__(self, base: ShowBase, world: World, *, boom: Boom = Boom(), view: View | None = None,
                 extra_obstacles=()) -> None:
        self.base = base
        self.world = world
        self.boom = boom
        self.view = view
        self.obstacles = Obstacles.from_world(world, [*extra_obstacles, screen_obstacle(world)])
        self.length_m = boom.length_m
        self.first_person = 0.0  # 1 when squeezed to your eyes (your own figure is hidden then)
        self.seated = 0.0  # 0 behind you .. 1 the seated view of the stage, moving at SEAT_EASE_S a way
        self.eyes = 0.0  # eases to 1 while the camera is held at your eyes (follow's at_eyes)
        self.centre_shift = 0.0  # of the window's width, negative to the left (see shift_centre)
        self.lens_shift = (0.0, 0.0)  # the view's (camera_math.View.shift), as on the film now
        lens = base.camLens
        lens.set_fov(HFOV_DEG)  # horizontal; the vertical follows the window's aspect
        lens.set_near_far(0.3, 900.0)
        if view is not None:
            self._look(view.eye, view.target)

    def _look(self, eye, target) -> None:
        cam = self.base.camera
        cam.set_pos(*eye)
        cam.look_at(*target)

    def at_rest(self, seated: bool) -> bool:
        """The camera is where it goes for someone `seated` (or standing), not on its way over."""
        return self.view is not None or self.seated == (1.0 if seated else 0.0)

    def follow(self, x: float, y: float, floor_z: float, yaw: float, dt: float, *, at_eyes: bool = False,
               seated: bool = False) -> None:
        """Put the camera behind (x, y) looking along `yaw`, or at your eyes while `at_eyes` (a
        clerk at their post), or, `seated`, on the stage from the seat at (x, y); a fixed view
        ignores this."""
        if self.view is not None:
            return
        k_eyes = 1.0 - math.exp(-dt * 5.0)
        self.eyes += ((1.0 if at_eyes else 0.0) - self.eyes) * k_eyes
        if abs(self.eyes - round(self.eyes)) < 1e-3:
            self.eyes = float(round(self.eyes))
        step = dt / SEAT_EASE_S
        self.seated = min(1.0, self.seated + step) if seated else max(0.0, self.seated - step)
        target = (x, y, floor_z + self.boom.target_height_m)
        wanted = boom_length(self.obstacles, target, yaw, self.boom)
        if wanted < self.length_m:
            self.length_m = wanted
        else:
            k = 1.0 - math.exp(-dt * 3.0)
            self.length_m += (wanted - self.length_m) * k
        view, self.first_person = follow_view(x, y, floor_z, yaw, self.length_m, self.boom, at_eyes=self.eyes)
        if self.seated > 0.0:
            view = mix_views(view, seated_view(self.world, x, y, floor_z), ease(self.seated))
            self.first_person *= 1.0 - self.seated
        self._look(view.eye, view.target)
        if view.shift != self.lens_shift:
            self.lens_shift = view.shift
            self._set_film()

    def shift_centre(self, fraction: float, dt: float) -> None:
        """Ease the picture's centre towards `fraction` of the window's width off the middle
        (`camera_math.centre_shift`): the lens's film slides, the camera itself stays put."""
        k = 1.0 - math.exp(-dt * 8.0)
        shift = self.centre_shift + (fraction - self.centre_shift) * k
        if abs(shift - fraction) < 1e-3:
            shift = fraction
        if shift == self.centre_shift:
            return
        self.centre_shift = shift
        self._set_film()

    def _set_film(self) -> None:
        """The film's offset from the view's lens shift and the centre's shift beside panels. A
        film moved right by a quarter of its width shows the lens's axis a quarter of the window
        left of the middle; a point at tangent t off the axis lies at t × focal length on the film."""
        lens = self.base.camLens
        f = lens.get_focal_length()
        sx, sy = self.lens_shift
        lens.set_film_offset(sx * f - self.centre_shift * lens.get_film_size()[0], sy * f)
