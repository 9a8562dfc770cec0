"""The colonial building shell: plastered walls with a stone plinth, an eja-red band, a cornice
and a red-tile crown; tall windows with green shutters on the outer walls; lintels over the
doorways (with the names of the rooms they lead to); and the gabled front with the name.
"""

from __future__ import annotations

from dataclasses import dataclass

from panda3d.core import NodePath

from makaverse.world import Box, Solid, World

from . import palette as P
from .meshes import MeshBuilder
from .props import Kit
from .roofs import PORCH_DEPTH_M, build_roofs
from .signs import make_sign

__all__ = ["Architecture", "Lintel", "door_lintels", "LINTEL_Z", "WALL_HEIGHT_DEFAULT"]

WALL_HEIGHT_DEFAULT = 5.0
LINTEL_Z = 3.6  # doorways are open below this height
WHITE = P.WHITE


@dataclass(frozen=True, slots=True)
class Lintel:
    """The wall above a doorway: drawn, and avoided by the camera, though avatars pass under it."""

    box: Box
    z0: float
    z1: float


def door_lintels(world: World) -> list[Lintel]:
    walls = [s for s in world.solids if s.kind == "wall"]
    out = []
    for d in world.doors:
        touching = [w for w in walls if _touches(w.box, d.box)]
        if not touching:
            continue
        out.append(Lintel(d.box, LINTEL_Z, max(w.height_m for w in touching)))
    return out


def _touches(a: Box, b: Box, tol: float = 0.05) -> bool:
    return a.xmin <= b.xmax + tol and b.xmin <= a.xmax + tol and a.ymin <= b.ymax + tol and b.ymin <= a.ymax + tol


class Architecture:
    """Draws every wall, doorway and the facade of `world` into a kit; text goes under `signs`."""

    def __init__(self, world: World, signs: NodePath, *, lang: str = "id") -> None:
        self.world = world
        self.signs = signs
        self.lang = lang
        self.lintels = door_lintels(world)

    def build(self, kit: Kit) -> None:
        for s in self.world.solids:
            if s.kind == "wall":
                self._wall(kit, s)
        self._lintels(kit)
        self._facade(kit)

    def _wall(self, kit: Kit, s: Solid) -> None:
        b = kit.flat
        x0, y0, x1, y1 = s.box.as_tuple()
        h = s.height_m or WALL_HEIGHT_DEFAULT
        plaster = P.material(s.material) if s.material != "plaster" else P.PLASTER
        # Plinth, plastered body, an eja band, a cornice, and a red-tile crown.
        b.box(x0 - 0.03, y0 - 0.03, 0.0, x1 + 0.03, y1 + 0.03, 0.55, P.tint(P.STONE, 0.1))
        b.box(x0, y0, 0.55, x1, y1, h - 0.6, plaster)
        b.box(x0 - 0.02, y0 - 0.02, h - 1.05, x1 + 0.02, y1 + 0.02, h - 0.85, P.EJA)
        b.box(x0 - 0.08, y0 - 0.08, h - 0.6, x1 + 0.08, y1 + 0.08, h - 0.4, P.PLASTER_SHADE)
        b.box(x0, y0, h - 0.85, x1, y1, h - 0.6, plaster, faces="nsew")
        b.box(x0, y0, h - 1.1, x1, y1, h - 1.05, plaster, faces="nsew")
        kit.tex("roof").box(x0 - 0.3, y0 - 0.3, h - 0.4, x1 + 0.3, y1 + 0.3, h + 0.15, WHITE, uv_m=1.2)
        self._windows(kit, s, h)

    def _windows(self, kit: Kit, s: Solid, h: float) -> None:
        """Tall colonial windows with green shutters on the outer faces of perimeter walls."""
        bld = self.world.building
        x0, y0, x1, y1 = s.box.as_tuple()
        along_x = (x1 - x0) > (y1 - y0)
        # Which face looks outward? Only the building's perimeter walls get windows.
        if along_x:
            cy = (y0 + y1) / 2
            if abs(cy - bld.ymin) < 0.3:
                face, out, coord = "s", -1, y0
            elif abs(cy - bld.ymax) < 0.3:
                face, out, coord = "n", 1, y1
            else:
                return
            span = (x0, x1)
        else:
            cx = (x0 + x1) / 2
            if abs(cx - bld.xmin) < 0.3:
                face, out, coord = "w", -1, x0
            elif abs(cx - bld.xmax) < 0.3:
                face, out, coord = "e", 1, x1
            else:
                return
            span = (y0, y1)
        spacing = 4.0
        n = int((span[1] - span[0] - 2.0) / spacing)
        if n < 1:
            return
        start = span[0] + (span[1] - span[0] - (n - 1) * spacing) / 2
        za, zb = 1.2, h - 1.6
        for i in range(n):
            c = start + i * spacing
            if not self._near_door(c, coord, along_x):
                self._window(kit.flat, face, along_x, out, coord, c, za, zb)

    @staticmethod
    def _window(b: MeshBuilder, face: str, along_x: bool, out: int, coord: float, c: float, za: float,
                zb: float) -> None:
        """One window centred at `c` along the wall: glass, a white frame around it (not over it),
        shutters beside the frame and an eja hood above; each layer clearly proud of the last."""

        def part(a0: float, a1: float, depth: float, z0: float, z1: float, colour, faces: str) -> None:
            lo, hi = sorted((coord, coord + out * depth))
            if along_x:
                b.box(c + a0, lo, z0, c + a1, hi, z1, colour, faces=faces)
            else:
                b.box(lo, c + a0, z0, hi, c + a1, z1, colour, faces=faces)

        glass = (0.20, 0.27, 0.33)
        frame = (0.99, 0.98, 0.95)
        shutter = (0.16, 0.40, 0.30)
        part(-0.6, 0.6, 0.03, za, zb, glass, face)
        part(-0.6, 0.6, 0.06, (za + zb) / 2 - 0.04, (za + zb) / 2 + 0.04, frame, face + "t")  # transom bar
        for a0, a1 in ((-0.75, -0.6), (0.6, 0.75)):
            part(a0, a1, 0.08, za - 0.15, zb + 0.15, frame, face + "nsewt")
        part(-0.75, 0.75, 0.08, za - 0.15, za, frame, face + "t")
        part(-0.75, 0.75, 0.08, zb, zb + 0.15, frame, face + "nsewt")
        for a0, a1 in ((-1.3, -0.77), (0.77, 1.3)):
            part(a0, a1, 0.05, za, zb, shutter, face + "nsewt")
        part(-0.95, 0.95, 0.14, zb + 0.2, zb + 0.38, P.EJA, face + "nsewt")

    def _near_door(self, c: float, coord: float, along_x: bool) -> bool:
        for d in self.world.doors:
            dc = d.box.centre
            if along_x and abs(dc[1] - coord) < 1.0 and d.box.xmin - 1.5 < c < d.box.xmax + 1.5:
                return True
            if not along_x and abs(dc[0] - coord) < 1.0 and d.box.ymin - 1.5 < c < d.box.ymax + 1.5:
                return True
        return False

    def _lintels(self, kit: Kit) -> None:
        b = kit.flat
        for lt in self.lintels:
            x0, y0, x1, y1 = lt.box.as_tuple()
            h = lt.z1
            b.box(x0, y0, lt.z0, x1, y1, h - 0.6, P.PLASTER, bottom=True)
            b.box(x0 - 0.02, y0 - 0.02, h - 1.05, x1 + 0.02, y1 + 0.02, h - 0.85, P.EJA)
            b.box(x0, y0 - 0.08, h - 0.6, x1, y1 + 0.08, h - 0.4, P.PLASTER_SHADE)
            kit.tex("roof").box(x0, y0 - 0.3, h - 0.4, x1, y1 + 0.3, h + 0.15, WHITE, uv_m=1.2)
            # A door frame: pale jambs just inside the opening and a gold head under the lintel.
            jamb = P.tint(P.STONE, 0.6)
            if (x1 - x0) > (y1 - y0):
                for x in (x0, x1 - 0.18):
                    b.box(x, y0 - 0.05, 0.0, x + 0.18, y1 + 0.05, lt.z0, jamb)
                b.box(x0, y0 - 0.06, lt.z0 - 0.18, x1, y1 + 0.06, lt.z0, P.GOLD)
            else:
                for y in (y0, y1 - 0.18):
                    b.box(x0 - 0.05, y, 0.0, x1 + 0.05, y + 0.18, lt.z0, jamb)
                b.box(x0 - 0.06, y0, lt.z0 - 0.18, x1 + 0.06, y1, lt.z0, P.GOLD)
            self._door_sign(lt)

    def _door_sign(self, lt: Lintel) -> None:
        """Above an inner door, on each face, the name of the room it leads into."""
        cx, cy = lt.box.centre
        ahead = self.world.zone_of(cx, cy + 2.0)  # named on the south face
        behind = self.world.zone_of(cx, cy - 2.0)  # named on the north face
        if ahead is None or behind is None or {ahead.id, behind.id} & {"forecourt", "garden"}:
            return  # the main entrance carries the building's name instead
        width = min(5.5, lt.box.size[0] - 0.4)
        for zone, y, heading in ((ahead, lt.box.ymin - 0.03, 0.0), (behind, lt.box.ymax + 0.03, 180.0)):
            sign = make_sign(self.signs, zone.name(self.lang), width_m=width, height_m=0.55,
                             fg=(1.0, 0.97, 0.88), bg=P.shade(P.EJA, 0.1), name=f"door-{zone.id}")
            sign.set_pos(cx, y, lt.z0 + 0.55)
            sign.set_h(heading)

    def _facade(self, kit: Kit) -> None:
        """The front: a gable over the main entrance and the building's name."""
        entrance = min(self.world.doors, key=lambda d: d.box.centre[1], default=None)
        if entrance is None:
            return
        b = kit.flat
        cx, cy = entrance.box.centre
        h = next((lt.z1 for lt in self.lintels if lt.box == entrance.box), WALL_HEIGHT_DEFAULT)
        y = entrance.box.ymin - 0.35
        half = 7.0
        # Pilasters framing the entrance, a white pediment, and its red-tile roof.
        for sx in (-1, 1):
            x = cx + sx * (entrance.box.size[0] / 2 + 0.5)
            b.box(x - 0.45, y, 0.0, x + 0.45, y + 0.35, h, P.PLASTER, faces="sewnt")
            b.box(x - 0.55, y - 0.05, 0.0, x + 0.55, y + 0.35, 0.6, P.tint(P.STONE, 0.1))
        # The roof line after the Bugis-Makassar house: tiered timpa' laja gables (see `roofs`).
        build_roofs(kit, self.world, wall_h=h, entrance_x=cx)
        name = self.world.name_id.upper()
        sign = make_sign(self.signs, name, width_m=2 * half - 2.0, height_m=0.72, fg=P.EJA, bg=(0.99, 0.98, 0.94),
                         name="facade-name")
        sign.set_pos(cx, self.world.building.ymin - PORCH_DEPTH_M - 0.13, h + 0.1 - 0.45)
