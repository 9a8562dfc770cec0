"""The Balai Kota in Panda3D, built from the same `World` the server simulates.

This module puts it together: the street and the grounds, floors by material (textured), the
red runner, the building shell (`architecture`), furniture and landmarks (`props`), the OPD
booths (`booths`), the stage and the seats, palms and city blocks, and a sky dome. The
daylight (warm ambient, sky, sun) is baked into vertex colours (`shading`), and all static
geometry is flattened into a few Geoms so a low-end desktop draws it in a handful of calls.
"""

from __future__ import annotations

import math

from direct.showbase.ShowBase import ShowBase
from panda3d.core import CompassEffect, NodePath

from makaverse.world import Box, World

from .. import i18n
from . import palette as P
from .architecture import Architecture
from .booths import build_booth
from .daylight import SunLight
from .meshes import MeshBuilder, rect_minus
from .props import Kit, build_chair, build_city, build_palm, build_solid
from .shading import DAYLIGHT
from .signs import make_sign
from .textures import texture

__all__ = ["WorldScene"]

WHITE = P.WHITE
PALMS = ((-30.0, -24.0), (30.0, -24.0), (-30.0, -12.0), (30.0, -12.0), (-31.0, 6.0), (31.0, 6.0),
         (-30.0, 24.0), (-31.0, 44.0), (-30.0, 62.0), (30.0, 52.0), (31.0, 64.0), (30.0, 20.0))


class WorldScene:
    """Builds once; `root` holds everything static, `sky` follows the camera."""

    def __init__(self, base: ShowBase, world: World, *, lang: str = "id", shadows: bool = False) -> None:
        """`shadows`: light the scene with real lights and a sun that casts shadows (needs shaders:
        see `daylight.supports_shadows`); otherwise daylight is baked into vertex colours."""
        self.base = base
        self.world = world
        self.lang = lang
        self.shadows = shadows
        self.sun: SunLight | None = None
        self.root = base.render.attach_new_node("balai-kota")
        self.signs = self.root.attach_new_node("signs")
        architecture = Architecture(world, self.signs, lang=lang)
        self.lintels = architecture.lintels
        kit = Kit(light=None if shadows else DAYLIGHT)
        self._ground(kit)
        self._floors(kit)
        architecture.build(kit)
        for s in world.solids:
            if s.kind == "furniture":
                build_solid(kit, s, self._floor_z(s.box))
        self._reception_sign(kit)
        self._plaza(kit)
        for booth in world.booths:
            build_booth(kit, self.signs, booth, lang=lang)
        self._stage(kit)
        self._seats(kit)
        for i, (x, y) in enumerate(PALMS):
            if world.grounds.contains_point(x, y) and not world.inside_solid([[x, y]], 1.0)[0]:
                build_palm(kit, x, y, 7.0 + (i % 3) * 1.2, seed=i)
        build_city(kit, world)
        self._emit(kit)
        self.sky = self._sky()
        self._daylight()

    def destroy(self) -> None:
        """Take the whole scene out (a language switch builds it again, signs and all)."""
        self.root.remove_node()
        self.sky.remove_node()

    # ── helpers ──────────────────────────────────────────────────────────────
    def _floor_z(self, box: Box) -> float:
        cx, cy = box.centre
        return float(self.world.floor_height([[cx, cy]])[0])

    def _emit(self, kit: Kit) -> None:
        static = self.root.attach_new_node("static")
        kit.flat.node().reparent_to(static)
        for name, builder in kit.textured.items():
            np_ = builder.node()
            np_.set_texture(texture(name))
            np_.reparent_to(static)
        # One pass of flattening merges the builders' Geoms by state: a handful of draw calls.
        static.flatten_strong()
        self.signs.flatten_light()

    # ── ground, street and floors ────────────────────────────────────────────
    def _ground(self, kit: Kit) -> None:
        """Grass to the horizon, and Jl. Ahmad Yani (road, sidewalks, lane marks) along the front."""
        g = self.world.grounds
        far = 400.0
        y1 = g.ymin
        strips = [
            ((-far, y1 - 4.0, far, y1), "sidewalk"),
            ((-far, y1 - 18.0, far, y1 - 4.0), "road"),
            ((-far, y1 - 22.0, far, y1 - 18.0), "sidewalk"),
        ]
        ground = kit.tex("grass")
        col = (0.86, 0.90, 0.80)  # the texture is bright; a touch of dry-season dust
        cuts = [g.as_tuple()] + [r for r, _ in strips]
        for x0, y0, x1, y1_ in rect_minus((-far, -far, far, far), cuts):
            ground.box(x0, y0, -0.02, x1, y1_, 0.0, col, faces="t", uv_m=6.0)
        sidewalk = P.shade(P.STONE, 0.05)
        for (x0, y0, x1, y1_), kind in strips:
            if kind == "road":
                kit.tex("asphalt").box(x0, y0, -0.02, x1, y1_, 0.0, WHITE, faces="t", uv_m=6.0)
            else:
                kit.flat.box(x0, y0, -0.02, x1, y1_, 0.0, sidewalk, faces="t")
        for i in range(-60, 60):
            x = i * 6.0
            kit.flat.box(x, y1 - 11.1, 0.0, x + 3.0, y1 - 10.9, 0.02, (0.95, 0.95, 0.92), faces="t")

    def _floors(self, kit: Kit) -> None:
        repeat_m = {"paving": 4.0, "grass": 6.0, "marble": 2.4, "tile": 1.2, "carpet": 3.0, "wood": 4.0}
        floors = self.world.floors
        for i, f in enumerate(floors):
            if f.height_m > 0.01:
                continue  # raised floors (the stage) are drawn as platforms
            name = P.FLOOR_TEXTURES.get(f.material)
            b, col = (kit.tex(name), WHITE) if name else (kit.flat, P.material(f.material))
            # Later floors win where they overlap; cutting them out (instead of stacking
            # quads a hair apart) leaves nothing for a 16-bit depth buffer to fight over.
            for x0, y0, x1, y1 in rect_minus(f.box.as_tuple(), [g.box.as_tuple() for g in floors[i + 1:]]):
                b.box(x0, y0, f.height_m - 0.01, x1, y1, f.height_m, col, faces="t",
                      uv_m=repeat_m.get(f.material, 2.0))
        self._runner(kit)

    def _runner(self, kit: Kit) -> None:
        """A red runner with gold edges from the flagpole to the auditorium, through every door."""
        doors = sorted(self.world.doors, key=lambda d: d.box.centre[1])
        if not doors:
            return
        cx = doors[0].box.centre[0]
        half = 1.1
        first = doors[0].box.ymin
        # Start just north of whatever stands on the runner's line in front of the entrance.
        blocking = [s.box.ymax for s in self.world.solids
                    if s.box.xmin < cx + half and s.box.xmax > cx - half and s.box.ymax < first]
        y0 = (max(blocking) + 0.6) if blocking else first - 8.0
        y1 = doors[-1].box.ymax + 4.0
        b = kit.flat
        outer, inner = (cx - half, y0, cx + half, y1), (cx - half + 0.12, y0 + 0.12, cx + half - 0.12, y1 - 0.12)
        for rect in rect_minus(outer, [inner]):
            b.block(rect, 0.0, 0.03, P.GOLD, faces="t")
        b.block(inner, 0.0, 0.03, P.EJA, faces="t")

    # ── walls ────────────────────────────────────────────────────────────────
    def _reception_sign(self, kit: Kit) -> None:
        """An "Informasi" board on two posts behind the reception desk, facing the entrance."""
        desk = next((s for s in self.world.solids if s.id.startswith("reception")), None)
        if desk is None:
            return
        x0, y0, x1, y1 = desk.box.as_tuple()
        cx = (x0 + x1) / 2
        y = y1 + 0.25
        for px in (cx - 1.2, cx + 1.2):
            kit.flat.box(px - 0.05, y - 0.05, 0.0, px + 0.05, y + 0.05, 2.9, (0.3, 0.3, 0.32))
        kit.flat.box(cx - 1.4, y - 0.03, 2.2, cx + 1.4, y + 0.06, 2.95, P.shade(P.EJA, 0.2))
        sign = make_sign(self.signs, i18n.t("sign.information", self.lang), width_m=2.6, height_m=0.6,
                         fg=(1.0, 0.97, 0.88), bg=P.EJA, name="reception-sign")
        sign.set_pos(cx, y - 0.09, 2.575)

    def _plaza(self, kit: Kit) -> None:
        """The forecourt: lamps along the walk to the door, a welcome board and the city's name
        in big red letters (as on Pantai Losari) on the planters' street faces."""
        b = kit.flat
        entrance = min(self.world.doors, key=lambda d: d.box.centre[1], default=None)
        g = self.world.grounds
        cx = entrance.box.centre[0] if entrance is not None else 0.0
        iron = (0.16, 0.18, 0.2)
        for side in (-1, 1):
            for y in range(int(g.ymin) + 5, int(self.world.building.ymin) - 3, 8):
                x = cx + side * 5.0
                if self.world.inside_solid([[x, float(y)]], 0.6)[0]:
                    continue
                b.prism(x, y, 0.0, 0.35, 0.16, P.STONE, sides=8)
                b.prism(x, y, 0.35, 3.6, 0.06, iron, sides=6, top_radius=0.045)
                b.box(x - 0.16, y - 0.16, 3.6, x + 0.16, y + 0.16, 3.64, iron)
                b.prism(x, y, 3.64, 4.0, 0.14, (1.0, 0.96, 0.82), sides=6, top_radius=0.18, top=iron)
        for s in self.world.solids:
            if not s.id.startswith("planter"):
                continue
            x0, y0, x1, y1 = s.box.as_tuple()
            mid = (x0 + x1) / 2
            if mid < cx:
                board = make_sign(self.signs, i18n.t("sign.welcome", self.lang), width_m=x1 - x0 - 1.0, height_m=0.7,
                                  fg=(1.0, 0.97, 0.88), bg=P.EJA, name="plaza-welcome")
                board.set_pos(mid, y0 - 0.15, 1.45)
                b.box(x0 + 0.4, y0 - 0.12, 0.9, x1 - 0.4, y0 - 0.08, 2.0, P.GOLD)
                for px in (x0 + 0.7, x1 - 0.7):
                    b.box(px - 0.06, y0 - 0.1, 0.0, px + 0.06, y0 + 0.02, 1.9, iron)
            else:
                letters = make_sign(self.signs, "MAKASSAR", width_m=x1 - x0 - 0.6, height_m=1.2,
                                    fg=(0.86, 0.1, 0.12), bg=(0.98, 0.97, 0.94), name="plaza-letters")
                letters.set_pos(mid, y0 - 0.15, 1.55)
                b.box(x0 + 0.2, y0 - 0.12, 0.9, x1 - 0.2, y0 - 0.08, 2.2, P.EJA)

    # ── booths ───────────────────────────────────────────────────────────────
    # ── auditorium ───────────────────────────────────────────────────────────
    def _stage(self, kit: Kit) -> None:
        st = self.world.stage
        x0, y0, x1, y1 = st.box.as_tuple()
        h = st.height_m
        kit.tex("wood").box(x0, y0, h - 0.001, x1, y1, h, WHITE, faces="t", uv_m=4.0)
        kit.flat.box(x0, y0, 0.0, x1, y1, h - 0.001, P.EJA, faces="nsew")
        kit.flat.box(x0, y0 - 0.02, h - 0.12, x1, y0, h, P.GOLD, faces="s")
        # Steps on the front, either side.
        for sx in (x0 + 1.5, x1 - 3.5):
            for i, zz in enumerate((h / 3, 2 * h / 3)):
                kit.flat.box(sx, y0 - 0.35 * (2 - i), 0.0, sx + 2.0, y0, zz, P.material("wood"))
        # Backdrop on the wall behind: a red banner with the hall's name and the city's motto.
        wall_y = y1  # the stage runs up to the north wall's face
        kit.flat.box(x0 + 1.5, wall_y - 0.05, h + 1.0, x1 - 1.5, wall_y, h + 4.0, P.EJA, faces="s")
        kit.flat.box(x0 + 1.3, wall_y - 0.06, h + 0.9, x1 - 1.3, wall_y - 0.02, h + 1.0, P.GOLD, faces="st")
        # The hall's own name, as on the facade: a proper name, not translated.
        title = make_sign(self.signs, self.world.name_id.upper(), width_m=x1 - x0 - 5.0, height_m=1.0,
                          fg=P.GOLD, bg=P.EJA, name="stage-title")
        title.set_pos((x0 + x1) / 2, wall_y - 0.08, h + 3.0)
        motto = make_sign(self.signs, i18n.t("sign.motto", self.lang), width_m=x1 - x0 - 6.0,
                          height_m=0.5, fg=(1.0, 0.96, 0.86), bg=P.EJA, name="stage-motto")
        motto.set_pos((x0 + x1) / 2, wall_y - 0.08, h + 1.9)

    def _seats(self, kit: Kit) -> None:
        seat = P.EJA
        for x, y in self.world.seats:
            build_chair(kit.flat, float(x), float(y), self.world.seat_facing_deg, seat)

    # ── sky and light ────────────────────────────────────────────────────────
    def _sky(self) -> NodePath:
        """A dome with the horizon pale and the zenith blue, always centred on the camera."""
        b = MeshBuilder("sky", light=None)
        r = 600.0
        rings, segments = 8, 16

        def col(elev: float) -> tuple[float, float, float]:
            t = max(0.0, min(1.0, elev / (math.pi / 2))) ** 0.6
            return tuple(h + (z - h) * t for h, z in zip(P.SKY_HORIZON, P.SKY_ZENITH, strict=True))

        for i in range(rings):
            e0 = -0.15 + (math.pi / 2 + 0.15) * i / rings
            e1 = -0.15 + (math.pi / 2 + 0.15) * (i + 1) / rings
            for j in range(segments):
                a0 = 2 * math.pi * j / segments
                a1 = 2 * math.pi * (j + 1) / segments

                def p(e: float, a: float) -> tuple[float, float, float]:
                    return (r * math.cos(e) * math.cos(a), r * math.cos(e) * math.sin(a), r * math.sin(e))

                # Seen from inside: wind the other way round.
                c0, c1 = col(e0), col(e1)
                b.triangle(p(e0, a0), p(e1, a1), p(e0, a1), (c0, c1, c0), [(0, 0, 1)] * 3)
                b.triangle(p(e0, a0), p(e1, a0), p(e1, a1), (c0, c1, c1), [(0, 0, 1)] * 3)
        sky = b.node()
        sky.reparent_to(self.base.render)
        sky.set_light_off(1)
        sky.set_bin("background", 0)
        sky.set_depth_write(False)
        sky.set_depth_test(False)
        sky.node().set_effect(CompassEffect.make(self.base.camera, CompassEffect.P_pos))
        self.base.win.set_clear_color((*P.SKY_HORIZON, 1.0))
        return sky

    def _daylight(self) -> None:
        """Daylight is baked into the vertex colours (see `shading`): no Panda3D lights at all;
        with `shadows`, real lights and a shadow-casting sun light the static scene instead."""
        if not self.shadows:
            self.base.render.set_light_off()
            self.base.render.set_shader_off()
            return
        self.sun = SunLight(self.base, self.world, self.root.find("static"), unlit=(self.signs, self.sky))
