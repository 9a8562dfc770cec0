"""The roof line after the Bugis-Makassar house: a steep gable whose triangle, the *timpa' laja*
(Makassar *timbaksela*), is layered in stacked tiers, with crossed boards rising at the apex.

Over the colonial front wing: a red-tile pitched roof with a tiered gable at each end, and
in front of the main entrance a taller, steeper gable, stepped forward, with five tiers as on
Balla Lompoa in Gowa. Only the outward faces are drawn, so from inside the building the sky
stays open and the hall bright. Pure geometry into the scene's builders.
"""

from __future__ import annotations

from dataclasses import dataclass

from makaverse.world import World

from . import palette as P
from .meshes import MeshBuilder
from .props import Kit

__all__ = ["Gable", "build_roofs", "front_wing_depth", "tiered_gable", "PORCH_DEPTH_M"]

Vec3 = tuple[float, float, float]
WOOD = (0.36, 0.22, 0.13)


@dataclass(frozen=True, slots=True)
class Gable:
    """A vertical gable triangle: `centre` is the middle of its base (x, y), facing `normal` (a unit
    axis in the ground plane), `half_m` wide each side, from `base_z` to `apex_z`."""

    centre: tuple[float, float]
    normal: tuple[float, float]
    half_m: float
    base_z: float
    apex_z: float

    @property
    def right(self) -> tuple[float, float]:
        """The viewer's right when facing the gable from outside: up x normal."""
        return (-self.normal[1], self.normal[0])

    def point(self, s: float, z: float, out: float = 0.0) -> Vec3:
        (cx, cy), (rx, ry), (nx, ny) = self.centre, self.right, self.normal
        return (cx + rx * s + nx * out, cy + ry * s + ny * out, z)

    def width_at(self, z: float) -> float:
        return self.half_m * max(0.0, (self.apex_z - z) / (self.apex_z - self.base_z))


def front_wing_depth(world: World) -> float:
    """How deep the front wing is: from the facade to the first inner wall running east-west."""
    bld = world.building
    inner = [s.box.ymin for s in world.solids if s.kind == "wall" and s.box.size[0] > s.box.size[1]
             and s.box.ymin > bld.ymin + 1.0]
    return (min(inner) - bld.ymin) if inner else min(14.0, bld.size[1] / 3)


def tiered_gable(b: MeshBuilder, g: Gable, *, tiers: int, colours: tuple[P.RGB, P.RGB] = (P.PLASTER, P.EJA)) -> None:
    """The timpa' laja: horizontal tiers up the triangle, alternating colours, each with a ledge
    under it that catches the light; crossed boards rise above the apex."""
    height = g.apex_z - g.base_z
    # The top tier is the triangle's tip; the tiers below are trapezoids of equal height.
    band = height / (tiers + 1.2)
    for i in range(tiers + 1):
        z0 = g.base_z + i * band
        z1 = g.apex_z if i == tiers else z0 + band
        w0, w1 = g.width_at(z0), g.width_at(z1)
        col = colours[i % 2] if i < tiers else P.GOLD
        out = 0.02 + 0.05 * i  # upper tiers step forward, board over board
        if w1 > 1e-3:
            b.quad([g.point(-w0, z0, out), g.point(w0, z0, out), g.point(w1, z1, out), g.point(-w1, z1, out)], col,
                   (g.normal[0], g.normal[1], 0.0))
        else:
            b.triangle(g.point(-w0, z0, out), g.point(w0, z0, out), g.point(0.0, z1, out), col,
                       [(g.normal[0], g.normal[1], 0.0)] * 3)
        if i > 0:
            # The ledge under the tier: its top face and its front face.
            ledge = 0.09
            _ledge(b, g, z0, w0, out - 0.05, out + ledge)
    # Crossed boards at the apex, the horns of a Bugis-Makassar roof.
    for sgn in (-1.0, 1.0):
        _board(b, g, sgn)


def _ledge(b: MeshBuilder, g: Gable, z: float, w: float, o0: float, o1: float) -> None:
    nx, ny = g.normal
    t = 0.07
    b.quad([g.point(-w, z, o1), g.point(w, z, o1), g.point(w, z + t, o1), g.point(-w, z + t, o1)], P.GOLD,
           (nx, ny, 0.0))
    b.quad([g.point(-w, z + t, o1), g.point(w, z + t, o1), g.point(w, z + t, o0), g.point(-w, z + t, o0)],
           P.tint(P.GOLD, 0.2), (0.0, 0.0, 1.0))


def _board(b: MeshBuilder, g: Gable, sgn: float) -> None:
    """One barge board along a roof edge, running on past the apex (both faces drawn)."""
    slope_w = g.half_m / (g.apex_z - g.base_z)  # metres across per metre up
    rise = 1.6
    top_s, top_z = -sgn * rise * slope_w * 0.9, g.apex_z + rise
    low_s, low_z = sgn * (g.half_m + 0.3), g.base_z - 0.3 / slope_w * 0.3
    thick = 0.22
    out = 0.35
    pts = [g.point(low_s, low_z, out), g.point(top_s, top_z, out), g.point(top_s, top_z + thick, out),
           g.point(low_s, low_z + thick, out)]
    n = (g.normal[0], g.normal[1], 0.0)
    front = pts if sgn < 0 else [pts[1], pts[0], pts[3], pts[2]]
    b.quad(front, WOOD, n)
    b.quad(list(reversed(front)), WOOD, (-n[0], -n[1], 0.0))


def _slope(roof: MeshBuilder, a: Vec3, b: Vec3, c: Vec3, d: Vec3, *, uv_m: float = 1.2) -> None:
    """A roof plane a-b (eave) to c-d (ridge), counter-clockwise from outside; tiles run down the slope."""
    import math

    eave = math.dist(a, b) / uv_m
    slope = math.dist(b, c) / uv_m
    roof.quad([a, b, c, d], P.WHITE, None, [(0.0, 0.0), (eave, 0.0), (eave, slope), (0.0, slope)])


PORCH_DEPTH_M = 1.2  # how far the entrance gable stands in front of the facade


def build_roofs(kit: Kit, world: World, *, wall_h: float, entrance_x: float, tiers: int = 5) -> None:
    """The front wing's pitched roof with tiered gable ends, and the tall gable over the entrance
    (on a porch `PORCH_DEPTH_M` deep; its beam's front carries the building's name)."""
    bld = world.building
    depth = front_wing_depth(world)
    ov = 0.7  # eaves overhang
    x0, x1 = bld.xmin - ov, bld.xmax + ov
    yf, yb = bld.ymin - ov, bld.ymin + depth + ov
    ym = bld.ymin + depth / 2
    ze = wall_h + 0.1
    zr = ze + (depth / 2 + ov) * 0.75  # a steep pitch, as Makassar roofs are
    roof = kit.tex("roof")
    _slope(roof, (x0, yf, ze), (x1, yf, ze), (x1, ym, zr), (x0, ym, zr))
    _slope(roof, (x1, yb, ze), (x0, yb, ze), (x0, ym, zr), (x1, ym, zr))
    b = kit.flat
    # Ridge cap.
    b.box(x0, ym - 0.15, zr - 0.05, x1, ym + 0.15, zr + 0.12, P.shade(P.ROOF, 0.25))
    for x, normal in ((bld.xmin, (-1.0, 0.0)), (bld.xmax, (1.0, 0.0))):
        g = Gable(centre=(x, ym), normal=normal, half_m=depth / 2, base_z=ze, apex_z=zr - 0.15)
        _gable_wall(b, g)
        tiered_gable(b, g, tiers=3)
    # The entrance gable: stepped forward from the facade, steeper and taller than the ridge.
    half = 7.5
    yfront = bld.ymin - PORCH_DEPTH_M
    apex = ze + half * 1.15
    front = Gable(centre=(entrance_x, yfront), normal=(0.0, -1.0), half_m=half, base_z=ze, apex_z=apex)
    _gable_wall(b, front)
    tiered_gable(b, front, tiers=tiers)
    o = 0.8
    _slope(roof, (entrance_x + half + o, yfront - o, ze - 0.6), (entrance_x + half + o, ym, ze - 0.6),
           (entrance_x, ym, apex + 0.25), (entrance_x, yfront - o, apex + 0.25))
    _slope(roof, (entrance_x - half - o, ym, ze - 0.6), (entrance_x - half - o, yfront - o, ze - 0.6),
           (entrance_x, yfront - o, apex + 0.25), (entrance_x, ym, apex + 0.25))
    b.box(entrance_x - 0.15, yfront - o, apex + 0.2, entrance_x + 0.15, ym, apex + 0.4, P.shade(P.ROOF, 0.25))
    # Two posts carry the forward gable at its corners: a porch over the entrance.
    for sx in (-1, 1):
        for px in (entrance_x + sx * (half - 0.6),):
            b.prism(px, yfront + 0.3, 0.0, ze, 0.22, P.PLASTER, sides=10)
            b.box(px - 0.32, yfront - 0.02, 0.0, px + 0.32, yfront + 0.62, 0.45, P.tint(P.STONE, 0.1))
    b.box(entrance_x - half - 0.1, yfront - 0.1, ze - 0.9, entrance_x + half + 0.1, bld.ymin, ze + 0.02, P.PLASTER)
    b.box(entrance_x - half - 0.12, yfront - 0.12, ze - 1.05, entrance_x + half + 0.12, bld.ymin, ze - 0.9, P.EJA)


def _gable_wall(b: MeshBuilder, g: Gable) -> None:
    """The plain triangle behind the tiers (and its back face, seen from inside the roof)."""
    n = (g.normal[0], g.normal[1], 0.0)
    left, right, top = g.point(-g.half_m, g.base_z), g.point(g.half_m, g.base_z), g.point(0.0, g.apex_z)
    b.triangle(left, right, top, P.PLASTER_SHADE, [n] * 3)
    b.triangle(right, left, top, P.PLASTER_SHADE, [(-n[0], -n[1], 0.0)] * 3)
