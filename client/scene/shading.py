"""Daylight baked into vertex colours: a warm ambient, a blue sky from above, and the sun.

Static geometry never moves, so its lighting is computed once, here, instead of every frame;
that costs a low-end machine nothing and looks the same on every renderer (Panda3D's
software renderer multiplies vertex colours in twice when lights are on, so colours
would come out darker there than on a GPU). Pure arithmetic: no Panda3D.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["Daylight", "DAYLIGHT", "lit"]

RGB = tuple[float, float, float]


def _unit(v: tuple[float, float, float]) -> tuple[float, float, float]:
    n = math.sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2])
    return (v[0] / n, v[1] / n, v[2] / n)


@dataclass(frozen=True, slots=True)
class Daylight:
    ambient: RGB
    sky: RGB  # from above: full on upward faces, half on walls, none on the undersides
    sun: RGB
    sun_travel: tuple[float, float, float]  # the direction sunlight travels (unit vector)

    def factor(self, normal: tuple[float, float, float]) -> RGB:
        nx, ny, nz = normal
        dx, dy, dz = self.sun_travel
        sun = max(0.0, -(nx * dx + ny * dy + nz * dz))
        up = 0.5 + 0.5 * nz
        r, g, b = (a + s * up + k * sun for a, s, k in zip(self.ambient, self.sky, self.sun, strict=True))
        return (r, g, b)


# A high tropical sun from the south-east (Makassar is 5° south of the equator).
DAYLIGHT = Daylight(
    ambient=(0.60, 0.58, 0.55),
    sky=(0.16, 0.18, 0.22),
    sun=(0.52, 0.48, 0.40),
    sun_travel=_unit((-0.30, 0.40, -0.87)),
)


def lit(colour: tuple[float, ...], normal: tuple[float, float, float], light: Daylight | None = DAYLIGHT) -> tuple:
    """The colour a face with `normal` shows in daylight (alpha kept, channels clamped to 1)."""
    if light is None:
        return tuple(colour)
    f = light.factor(normal)
    out = tuple(min(1.0, c * k) for c, k in zip(colour[:3], f, strict=True))
    return out + tuple(colour[3:])
