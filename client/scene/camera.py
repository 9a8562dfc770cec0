"""The camera: third-person behind your avatar (the boom shortens at walls, and when squeezed
short — behind a counter — moves to your eyes), or a fixed view.

The boom length comes from `camera_math.boom_length`; it shrinks at once (never show the
inside of a wall) and grows back smoothly (no popping when you step away from a wall).
"""

from __future__ import annotations

import math

from direct.showbase.ShowBase import ShowBase

from makaverse.world import World

from .camera_math import Boom, Obstacles, View, boom_length, follow_view

__all__ = ["CameraRig"]


class CameraRig:
    def __init__(self, base: ShowBase, world: World, *, boom: Boom = Boom(), view: View | None = None,
                 extra_obstacles=()) -> None:
        self.base = base
        self.world = world
        self.boom = boom
        self.view = view
        self.obstacles = Obstacles.from_world(world, extra_obstacles)
        self.length_m = boom.length_m
        self.first_person = 0.0  # 1 when squeezed to your eyes (your own figure is hidden then)
        lens = base.camLens
        lens.set_fov(80.0)  # horizontal; the vertical follows the window's aspect
        lens.set_near_far(0.3, 900.0)
        if view is not None:
            self._look(view.eye, view.target)

    def _look(self, eye, target) -> None:
        cam = self.base.camera
        cam.set_pos(*eye)
        cam.look_at(*target)

    def follow(self, x: float, y: float, floor_z: float, yaw: float, dt: float) -> None:
        """Put the camera behind (x, y) looking along `yaw`; a fixed view ignores this."""
        if self.view is not None:
            return
        target = (x, y, floor_z + self.boom.target_height_m)
        wanted = boom_length(self.obstacles, target, yaw, self.boom)
        if wanted < self.length_m:
            self.length_m = wanted
        else:
            k = 1.0 - math.exp(-dt * 3.0)
            self.length_m += (wanted - self.length_m) * k
        view, self.first_person = follow_view(x, y, floor_z, yaw, self.length_m, self.boom)
        self._look(view.eye, view.target)
