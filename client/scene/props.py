"""Furniture and landmarks, drawn from each solid's box, height and material.

One function per material; anything unknown is drawn as a plain box in its material's
colour, so a new kind of solid in the world file shows up without code changes.
Only solids block; the palms and the city blocks beyond the fence are decoration.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable

from makaverse.world import Solid, World

from . import palette as P
from .meshes import MeshBuilder
from .shading import DAYLIGHT, Daylight

__all__ = ["Kit", "build_solid", "build_chair", "build_palm", "build_city", "BUILDERS"]


class Kit:
    """The builders the scene draws into: one untextured, one per texture."""

    def __init__(self, *, light: Daylight | None = DAYLIGHT) -> None:
        # light=None: colours as they are, for a scene lit by real lights (the high preset).
        self.light = light
        self.flat = MeshBuilder("flat", light=light)
        self._textured: dict[str, MeshBuilder] = {}

    def tex(self, name: str) -> MeshBuilder:
        b = self._textured.get(name)
        if b is None:
            b = self._textured[name] = MeshBuilder(f"tex-{name}", light=self.light)
        return b

    @property
    def textured(self) -> dict[str, MeshBuilder]:
        return self._textured


def _fountain(kit: Kit, s: Solid, z0: float) -> None:
    b = kit.flat
    cx, cy = s.box.centre
    r = min(s.box.size) / 2
    top = z0 + s.height_m * 0.7
    b.prism(cx, cy, z0, top, r, P.STONE, sides=8, top=P.tint(P.STONE, 0.3))
    b.prism(cx, cy, top - 0.02, top + 0.01, r - 0.3, (0.36, 0.62, 0.78), sides=8)  # water
    b.prism(cx, cy, z0, z0 + 1.5, 0.35, P.tint(P.STONE, 0.2), sides=8)
    b.prism(cx, cy, z0 + 1.2, z0 + 1.4, 1.0, P.STONE, sides=8, top=(0.45, 0.70, 0.85))
    b.prism(cx, cy, z0 + 1.4, z0 + 2.0, 0.18, P.tint(P.STONE, 0.4), sides=6, top_radius=0.06)


def _flagpole(kit: Kit, s: Solid, z0: float) -> None:
    b = kit.flat
    cx, cy = s.box.centre
    h = s.height_m
    b.box(cx - 0.5, cy - 0.5, z0, cx + 0.5, cy + 0.5, z0 + 0.3, P.STONE)
    b.prism(cx, cy, z0, z0 + h, 0.08, P.material("metal"), sides=8, top_radius=0.05)
    b.sphere(cx, cy, z0 + h + 0.06, 0.1, P.GOLD, rings=4, segments=8)
    # Sang Merah Putih: red over white, 3:2, both faces.
    fw, fh = 1.8, 1.2
    x0, x1 = cx + 0.08, cx + 0.08 + fw
    ztop = z0 + h - 0.2
    red, white = (0.82, 0.08, 0.10), (0.97, 0.97, 0.97)
    for (za, zb), col in (((ztop - fh / 2, ztop), red), ((ztop - fh, ztop - fh / 2), white)):
        b.quad([(x0, cy, za), (x1, cy, za), (x1, cy, zb), (x0, cy, zb)], col, (0, -1, 0))
        b.quad([(x1, cy, za), (x0, cy, za), (x0, cy, zb), (x1, cy, zb)], col, (0, 1, 0))


def _planter(kit: Kit, s: Solid, z0: float) -> None:
    b = kit.flat
    x0, y0, x1, y1 = s.box.as_tuple()
    h = s.height_m
    b.box(x0, y0, z0, x1, y1, z0 + h, P.material("planter"), top=(0.30, 0.22, 0.16))
    b.box(x0 - 0.05, y0 - 0.05, z0 + h - 0.08, x1 + 0.05, y1 + 0.05, z0 + h, P.tint(P.STONE, 0.2),
          faces="nsewt")
    rng = random.Random(s.id)
    greens = ((0.20, 0.46, 0.20), (0.28, 0.54, 0.22), (0.16, 0.40, 0.18))
    flowers = ((0.86, 0.20, 0.52), (0.92, 0.42, 0.62), (0.95, 0.80, 0.30), (0.80, 0.10, 0.30))
    n = max(3, int((x1 - x0) * (y1 - y0) / 1.2))
    for _ in range(n):
        px, py = rng.uniform(x0 + 0.4, x1 - 0.4), rng.uniform(y0 + 0.4, y1 - 0.4)
        r = rng.uniform(0.35, 0.6)
        b.sphere(px, py, z0 + h + r * 0.5, r, rng.choice(greens), rings=4, segments=7, squash=0.8)
        if rng.random() < 0.7:  # bougainvillea
            b.sphere(px + rng.uniform(-0.2, 0.2), py + rng.uniform(-0.2, 0.2), z0 + h + r * 1.05, r * 0.45,
                     rng.choice(flowers), rings=3, segments=6)


def _fence(kit: Kit, s: Solid, z0: float) -> None:
    b = kit.flat
    x0, y0, x1, y1 = s.box.as_tuple()
    h = s.height_m
    iron = P.material("fence")
    b.box(x0, y0, z0, x1, y1, z0 + 0.35, P.PLASTER, top=P.STONE)
    along_x = (x1 - x0) >= (y1 - y0)
    length = (x1 - x0) if along_x else (y1 - y0)
    cy, cx = (y0 + y1) / 2, (x0 + x1) / 2
    for z in (z0 + 0.8, z0 + h - 0.1):
        if along_x:
            b.box(x0, cy - 0.03, z, x1, cy + 0.03, z + 0.05, iron)
        else:
            b.box(cx - 0.03, y0, z, cx + 0.03, y1, z + 0.05, iron)
    n = int(length / 0.25)
    for i in range(n + 1):
        t = min(length, i * length / n)
        thick = 0.06 if i % 8 else 0.12
        if along_x:
            px = x0 + t
            b.box(px - thick / 2, cy - thick / 2, z0 + 0.35, px + thick / 2, cy + thick / 2, z0 + h, iron)
        else:
            py = y0 + t
            b.box(cx - thick / 2, py - thick / 2, z0 + 0.35, cx + thick / 2, py + thick / 2, z0 + h, iron)


def _tower(kit: Kit, s: Solid, z0: float) -> None:
    """The Balaikota Tower: a white frame with bands of blue glass, floor by floor, and a red crown."""
    b = kit.flat
    x0, y0, x1, y1 = s.box.as_tuple()
    h = s.height_m
    white = P.material("tower")
    glass = (0.36, 0.55, 0.72)
    glass_dark = (0.26, 0.42, 0.58)
    floors = 12
    fh = (h - 3.0) / floors
    b.box(x0, y0, z0, x1, y1, z0 + h - 3.0, white)
    inset = 0.04
    for f in range(floors):
        za = z0 + f * fh + 0.8
        zb = z0 + (f + 1) * fh - 0.25
        col = glass if f % 2 else glass_dark
        # One glass band per face, split by white mullions.
        for face in "nsew":
            _glass_band(b, x0, y0, x1, y1, za, zb, face, inset, col, white)
    # Crown: a set-back top with an eja band and a mast.
    top = z0 + h - 3.0
    b.box(x0 - 0.3, y0 - 0.3, top, x1 + 0.3, y1 + 0.3, top + 0.6, P.EJA)
    b.box(x0 + 1.0, y0 + 1.5, top + 0.6, x1 - 1.0, y1 - 1.5, z0 + h, white, top=P.tint(white, 0.2))
    cx, cy = s.box.centre
    b.prism(cx, cy, z0 + h, z0 + h + 6.0, 0.12, P.material("metal"), sides=6, top_radius=0.04)
    # The entrance canopy on the tower's west side.
    b.box(x0 - 2.0, cy - 2.0, z0 + 3.2, x0, cy + 2.0, z0 + 3.5, P.EJA)


def _glass_band(b: MeshBuilder, x0, y0, x1, y1, za, zb, face, inset, col, frame) -> None:
    o = 0.02
    if face == "s":
        b.quad([(x0 + inset, y0 - o, za), (x1 - inset, y0 - o, za), (x1 - inset, y0 - o, zb), (x0 + inset, y0 - o, zb)],
               col, (0, -1, 0))
        span, fixed, normal_axis = (x0, x1), y0 - o * 2, "y-"
    elif face == "n":
        b.quad([(x1 - inset, y1 + o, za), (x0 + inset, y1 + o, za), (x0 + inset, y1 + o, zb), (x1 - inset, y1 + o, zb)],
               col, (0, 1, 0))
        span, fixed, normal_axis = (x0, x1), y1 + o * 2, "y+"
    elif face == "w":
        b.quad([(x0 - o, y1 - inset, za), (x0 - o, y0 + inset, za), (x0 - o, y0 + inset, zb), (x0 - o, y1 - inset, zb)],
               col, (-1, 0, 0))
        span, fixed, normal_axis = (y0, y1), x0 - o * 2, "x-"
    else:
        b.quad([(x1 + o, y0 + inset, za), (x1 + o, y1 - inset, za), (x1 + o, y1 - inset, zb), (x1 + o, y0 + inset, zb)],
               col, (1, 0, 0))
        span, fixed, normal_axis = (y0, y1), x1 + o * 2, "x+"
    n = max(2, int((span[1] - span[0]) / 1.6))
    for i in range(1, n):
        t = span[0] + (span[1] - span[0]) * i / n
        w = 0.06
        if normal_axis.startswith("y"):
            b.box(t - w, fixed - 0.02, za, t + w, fixed + 0.02, zb, frame)
        else:
            b.box(fixed - 0.02, t - w, za, fixed + 0.02, t + w, zb, frame)


def _reception(kit: Kit, s: Solid, z0: float) -> None:
    b = kit.flat
    x0, y0, x1, y1 = s.box.as_tuple()
    h = s.height_m
    b.box(x0, y0, z0, x1, y1, z0 + h - 0.05, P.material("counter"))
    b.box(x0 - 0.05, y0 - 0.05, z0 + h - 0.05, x1 + 0.05, y1 + 0.05, z0 + h, P.tint(P.STONE, 0.5))
    # An eja stripe along the public side.
    b.box(x0 + 0.1, y0 - 0.01, z0 + 0.55, x1 - 0.1, y0, z0 + 0.7, P.EJA, faces="s")
    b.box(x0 + 0.1, y0 - 0.01, z0 + 0.72, x1 - 0.1, y0, z0 + 0.76, P.GOLD, faces="s")


def _pillar(kit: Kit, s: Solid, z0: float) -> None:
    b = kit.flat
    x0, y0, x1, y1 = s.box.as_tuple()
    cx, cy = s.box.centre
    h = s.height_m
    white = P.material("pillar")
    r = min(s.box.size) / 2
    b.box(x0, y0, z0, x1, y1, z0 + 0.45, P.tint(P.STONE, 0.3))
    b.prism(cx, cy, z0 + 0.45, z0 + 0.6, r * 0.9, white, sides=12)
    b.prism(cx, cy, z0 + 0.6, z0 + h - 0.55, r * 0.72, white, sides=12, top_radius=r * 0.66)
    b.prism(cx, cy, z0 + h - 0.55, z0 + h - 0.4, r * 0.85, white, sides=12)
    b.box(x0 - 0.05, y0 - 0.05, z0 + h - 0.4, x1 + 0.05, y1 + 0.05, z0 + h, white)


def _bench(kit: Kit, s: Solid, z0: float) -> None:
    b = kit.flat
    x0, y0, x1, y1 = s.box.as_tuple()
    h = s.height_m
    wood = P.material("bench")
    metal = (0.25, 0.26, 0.28)
    along_x = (x1 - x0) >= (y1 - y0)
    slats = 3
    for i in range(slats):
        if along_x:
            ya = y0 + (y1 - y0) * i / slats + 0.02
            yb = y0 + (y1 - y0) * (i + 1) / slats - 0.02
            b.box(x0, ya, z0 + h - 0.05, x1, yb, z0 + h, P.tint(wood, 0.08 * i))
        else:
            xa = x0 + (x1 - x0) * i / slats + 0.02
            xb = x0 + (x1 - x0) * (i + 1) / slats - 0.02
            b.box(xa, y0, z0 + h - 0.05, xb, y1, z0 + h, P.tint(wood, 0.08 * i))
    length = (x1 - x0) if along_x else (y1 - y0)
    legs = max(2, int(length / 2) + 1)
    for i in range(legs):
        t = 0.15 + (length - 0.3) * i / (legs - 1)
        if along_x:
            b.box(x0 + t - 0.04, y0 + 0.05, z0, x0 + t + 0.04, y1 - 0.05, z0 + h - 0.05, metal)
        else:
            b.box(x0 + 0.05, y0 + t - 0.04, z0, x1 - 0.05, y0 + t + 0.04, z0 + h - 0.05, metal)


def _lectern(kit: Kit, s: Solid, z0: float) -> None:
    b = kit.flat
    x0, y0, x1, y1 = s.box.as_tuple()
    top = max(s.height_m, z0 + 0.9)
    wood = P.material("wood")
    b.box(x0 + 0.1, y0 + 0.05, z0, x1 - 0.1, y1 - 0.05, top - 0.1, wood)
    b.box(x0, y0, top - 0.1, x1, y1, top, P.shade(wood, 0.2))
    # The city's red on the lectern front (it faces south, toward the seats).
    b.box(x0 + 0.2, y0 + 0.04, z0 + 0.3, x1 - 0.2, y0 + 0.05, top - 0.3, P.EJA, faces="s")


def _event_board(kit: Kit, s: Solid, z0: float) -> None:
    """The lobby's event board: a dark screen in a frame on two legs, its face toward the middle of
    the building (the title and the events on it are drawn by `scene/event_board.py`)."""
    b = kit.flat
    x0, y0, x1, y1 = s.box.as_tuple()
    top = z0 + s.height_m
    metal = P.material("metal")
    frame = P.shade(P.EJA, 0.35)
    screen = (0.04, 0.06, 0.11)
    if (x1 - x0) >= (y1 - y0):  # long along x: faces south
        cy = (y0 + y1) / 2
        for lx in (x0 + 0.35, x1 - 0.45):
            b.box(lx, cy - 0.05, z0, lx + 0.1, cy + 0.05, z0 + 0.95, metal)
            b.box(lx - 0.1, y0, z0, lx + 0.2, y1, z0 + 0.04, metal)
        b.box(x0, y0 + 0.05, z0 + 0.9, x1, y1, top, frame)
        b.box(x0 + 0.06, y0 + 0.03, z0 + 0.96, x1 - 0.06, y0 + 0.05, top - 0.06, screen, faces="s")
        return
    east = (x0 + x1) / 2 < 0  # on the west side it faces east, toward the middle
    cx = (x0 + x1) / 2
    for ly in (y0 + 0.35, y1 - 0.45):
        b.box(cx - 0.05, ly, z0, cx + 0.05, ly + 0.1, z0 + 0.95, metal)
        b.box(x0, ly - 0.1, z0, x1, ly + 0.2, z0 + 0.04, metal)
    if east:
        b.box(x0, y0, z0 + 0.9, x1 - 0.05, y1, top, frame)
        b.box(x1 - 0.05, y0 + 0.06, z0 + 0.96, x1 - 0.03, y1 - 0.06, top - 0.06, screen, faces="e")
    else:
        b.box(x0 + 0.05, y0, z0 + 0.9, x1, y1, top, frame)
        b.box(x0 + 0.03, y0 + 0.06, z0 + 0.96, x0 + 0.05, y1 - 0.06, top - 0.06, screen, faces="w")


def _generic(kit: Kit, s: Solid, z0: float) -> None:
    x0, y0, x1, y1 = s.box.as_tuple()
    kit.flat.box(x0, y0, z0, x1, y1, max(z0 + 0.05, s.height_m), P.material(s.material))


BUILDERS: dict[str, Callable[[Kit, Solid, float], None]] = {
    "fountain": _fountain,
    "flagpole": _flagpole,
    "planter": _planter,
    "fence": _fence,
    "tower": _tower,
    "reception-desk": _reception,
    "pillar": _pillar,
    "bench": _bench,
    "lectern": _lectern,
    "event-board": _event_board,
}
# Solids are matched by id first (fountain, flagpole, ...), then by material.
_BY_MATERIAL = {"stone": "fountain", "metal": "flagpole", "planter": "planter", "fence": "fence", "tower": "tower",
                "counter": "reception-desk", "pillar": "pillar", "bench": "bench", "wood": "lectern"}


def build_solid(kit: Kit, s: Solid, floor_z: float) -> None:
    key = next((k for k in BUILDERS if s.id.startswith(k)), None) or _BY_MATERIAL.get(s.material, "")
    BUILDERS.get(key, _generic)(kit, s, floor_z)


def build_chair(b: MeshBuilder, x: float, y: float, facing_deg: float, colour, frame=(0.22, 0.22, 0.24)) -> None:
    """A small chair whose sitter looks along `facing_deg`; the back is on the other side."""
    rad = math.radians(facing_deg)
    fx, fy = -math.sin(rad), math.cos(rad)
    s = 0.22
    b.box(x - s, y - s, 0.42, x + s, y + s, 0.48, colour)
    for lx in (-1, 1):
        for ly in (-1, 1):
            b.box(x + lx * (s - 0.03) - 0.02, y + ly * (s - 0.03) - 0.02, 0.0,
                  x + lx * (s - 0.03) + 0.02, y + ly * (s - 0.03) + 0.02, 0.42, frame, faces="nsew")
    bx, by = x - fx * s, y - fy * s
    if abs(fx) > abs(fy):
        b.box(bx - 0.03, y - s, 0.48, bx + 0.03, y + s, 0.92, colour)
    else:
        b.box(x - s, by - 0.03, 0.48, x + s, by + 0.03, 0.92, colour)


def build_palm(kit: Kit, x: float, y: float, height_m: float, seed: int) -> None:
    """A coconut palm (the city emblem has one): a leaning trunk and drooping fronds."""
    b = kit.flat
    rng = random.Random(seed)
    lean = rng.uniform(0, 2 * math.pi)
    lx, ly = math.cos(lean) * 0.6, math.sin(lean) * 0.6
    trunk = (0.52, 0.42, 0.30)
    seg = 5
    for i in range(seg):
        t0, t1 = i / seg, (i + 1) / seg
        b.prism(x + lx * t0 * t0, y + ly * t0 * t0, height_m * t0, height_m * t1 + 0.02,
                0.2 - 0.06 * t0, P.tint(trunk, 0.08 * (i % 2)), sides=7, top_radius=0.2 - 0.06 * t1, cap=False)
    tx, ty, tz = x + lx, y + ly, height_m
    b.sphere(tx, ty, tz, 0.3, (0.40, 0.30, 0.16), rings=3, segments=6)
    fronds = 9
    for i in range(fronds):
        a = 2 * math.pi * i / fronds + rng.uniform(-0.2, 0.2)
        length = rng.uniform(2.6, 3.4)
        dx, dy = math.cos(a), math.sin(a)
        px, py = -dy, dx  # across the frond
        mid = (tx + dx * length * 0.5, ty + dy * length * 0.5, tz + 0.5)
        tip = (tx + dx * length, ty + dy * length, tz - 1.0)
        w = 0.45
        green = (0.22 + rng.uniform(-0.04, 0.04), 0.50 + rng.uniform(-0.05, 0.05), 0.20)
        base_l = (tx + px * 0.08, ty + py * 0.08, tz)
        base_r = (tx - px * 0.08, ty - py * 0.08, tz)
        mid_l = (mid[0] + px * w, mid[1] + py * w, mid[2])
        mid_r = (mid[0] - px * w, mid[1] - py * w, mid[2])
        up = (0.0, 0.0, 1.0)
        for tri in ((base_l, mid_l, mid_r), (base_l, mid_r, base_r), (mid_l, tip, mid_r)):
            b.triangle(tri[0], tri[1], tri[2], green, [up] * 3)
            b.triangle(tri[0], tri[2], tri[1], P.shade(green, 0.2), [up] * 3)


def build_city(kit: Kit, world: World, seed: int = 7) -> None:
    """Low city blocks well beyond the grounds so the horizon isn't empty: pale walls, red roofs."""
    b = kit.flat
    rng = random.Random(seed)
    g = world.grounds
    walls = ((0.95, 0.93, 0.88), (0.93, 0.88, 0.80), (0.88, 0.89, 0.86), (0.96, 0.90, 0.82), (0.90, 0.86, 0.80))
    gx, gy = (g.xmin + g.xmax) / 2, (g.ymin + g.ymax) / 2
    placed = 0
    while placed < 60:
        angle = rng.uniform(0, 2 * math.pi)
        dist = rng.uniform(110, 230)
        cx, cy = gx + math.cos(angle) * dist, gy + math.sin(angle) * dist
        if g.ymin - 30 < cy < g.ymin + 2:
            continue  # keep the street in front clear
        w, d = rng.uniform(10, 22), rng.uniform(10, 22)
        h = rng.choice((6.0, 7.0, 9.0, 9.0, 12.0, 15.0, 22.0))
        wall = rng.choice(walls)
        b.box(cx - w / 2, cy - d / 2, 0.0, cx + w / 2, cy + d / 2, h, wall, top=P.shade(wall, 0.1))
        if h < 12.0:
            kit.tex("roof").box(cx - w / 2 - 0.4, cy - d / 2 - 0.4, h, cx + w / 2 + 0.4, cy + d / 2 + 0.4, h + 0.8,
                                (1.0, 1.0, 1.0), uv_m=3.0)
        placed += 1
