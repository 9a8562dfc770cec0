"""The minimap, bottom right: the Balai Kota from above (drawn once into a texture from the world
file), the booths coloured by whether their counter is open, the auditorium (gold while an event
is on), the route of "Take me there", and you as an arrow pointing where you look.

North is up. Markers are DirectFrames moved each frame; nothing is rebuilt unless the booths'
states, the route or the events change.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
from direct.gui.DirectGui import DirectFrame, OnscreenImage
from panda3d.core import LineSegs, NodePath, SamplerState, TextNode, Texture, TransparencyAttrib

from makaverse.world import Box, World

from .. import i18n
from .booth_widgets import label
from .theme import theme_for

__all__ = ["Minimap", "map_image"]

MAP_H = 0.78  # aspect2d units
MARGIN = 0.025
MAX_SCALE = 1.15  # the most the text size grows the map
OPEN = (0.25, 0.85, 0.35, 1.0)
CLOSED = (0.85, 0.25, 0.22, 1.0)
UNKNOWN = (0.6, 0.6, 0.62, 1.0)
EVENT = (1.0, 0.80, 0.15, 1.0)
YOU = (1.0, 0.95, 0.2, 1.0)
ROUTE = (1.0, 0.85, 0.2, 1.0)
_COLOURS = {
    "grass": (0.30, 0.45, 0.27), "paving": (0.55, 0.53, 0.50), "marble": (0.86, 0.84, 0.80),
    "tile": (0.78, 0.76, 0.70), "carpet": (0.55, 0.16, 0.14), "wood": (0.55, 0.40, 0.25),
}


def map_image(world: World, *, size: tuple[int, int] = (256, 512), high_contrast: bool = False) -> np.ndarray:
    """The grounds from above as an (h, w, 3) uint8 RGB array, row 0 at the south edge: floors by
    material, solids dark (walls darkest), so the doors show as gaps in the walls. The size is a
    power of two each way (the software renderer wants that); the card it lies on restores the
    grounds' proportions."""
    g = world.grounds
    w, h = size
    sx, sy = w / (g.xmax - g.xmin), h / (g.ymax - g.ymin)  # pixels per metre
    img = np.zeros((h, w, 3), dtype=np.uint8)

    def fill(box: Box, rgb: tuple[float, float, float]) -> None:
        x0 = max(0, int((box.xmin - g.xmin) * sx))
        x1 = min(w, max(x0 + 1, int(math.ceil((box.xmax - g.xmin) * sx))))  # thin walls stay visible
        y0 = max(0, int((box.ymin - g.ymin) * sy))
        y1 = min(h, max(y0 + 1, int(math.ceil((box.ymax - g.ymin) * sy))))
        img[y0:y1, x0:x1] = np.round(np.array(rgb) * 255).astype(np.uint8)

    for f in world.floors:
        fill(f.box, (0.15, 0.15, 0.15) if high_contrast else _COLOURS.get(f.material, (0.6, 0.6, 0.6)))
    for s in world.solids:
        if s.kind == "wall":
            rgb = (1.0, 1.0, 1.0) if high_contrast else (0.12, 0.10, 0.09)
        else:
            rgb = (0.7, 0.7, 0.7) if high_contrast else (0.35, 0.32, 0.30)
        fill(s.box, rgb)
    return img


def _texture(img: np.ndarray) -> Texture:
    h, w, _ = img.shape
    tex = Texture("minimap")
    tex.setup_2d_texture(w, h, Texture.T_unsigned_byte, Texture.F_rgb)
    # Panda keeps texels bottom row first (our row 0 is already the south edge), in BGR order.
    tex.set_ram_image(np.ascontiguousarray(img[:, :, ::-1]).tobytes())
    tex.set_minfilter(SamplerState.FT_linear)
    tex.set_magfilter(SamplerState.FT_linear)
    return tex


class Minimap:
    def __init__(self, base, world: World, *, lang: str = "id") -> None:
        self.base = base
        self.world = world
        self.lang = lang
        g = world.grounds
        self.scale = MAP_H / (g.ymax - g.ymin)  # aspect2d units per metre
        self.map_w = (g.xmax - g.xmin) * self.scale
        # Grows with the text size only a little: it is a picture, and the hall must stay in view.
        self.theme = theme = theme_for(base)
        self.root = theme.frame("bottom_right", frameColor=(0.03, 0.04, 0.07, 0.8),
                                frameSize=(-self.map_w - 2 * MARGIN, 0, 0, MAP_H + 2 * MARGIN + 0.05),
                                pos=(-0.02, 0, 0.02), sortOrder=5, max_scale=MAX_SCALE)
        self.canvas = self.root.attach_new_node("map")
        self.canvas.set_pos(-self.map_w - MARGIN, 0, MARGIN)
        self._contrast = theme.high_contrast
        tex = _texture(map_image(world, high_contrast=self._contrast))
        self.image = OnscreenImage(image=tex, parent=self.canvas, scale=(self.map_w / 2, 1, MAP_H / 2),
                                   pos=(self.map_w / 2, 0, MAP_H / 2))
        self.title = label(self.root, i18n.t("map.title", lang), (-self.map_w - MARGIN, MAP_H + 2 * MARGIN + 0.01),
                           scale=0.034, fg=(1, 1, 1, 1))
        self.booths: dict[str, DirectFrame] = {}
        for b in world.booths:
            x, y = self._xy(*b.zone.centre)
            self.booths[b.opd] = DirectFrame(parent=self.canvas, frameColor=UNKNOWN,
                                             frameSize=(-0.013, 0.013, -0.013, 0.013), pos=(x, 0, y))
        stage = world.zone("auditorium")
        ax, ay = self._xy(*(stage.box.centre if stage is not None else world.stage.box.centre))
        self.auditorium = DirectFrame(parent=self.canvas, frameColor=(0.8, 0.8, 0.85, 1),
                                      frameSize=(-0.016, 0.016, -0.016, 0.016), pos=(ax, 0, ay))
        self.auditorium.set_r(45)  # a diamond
        self.event_text = label(self.root, "", (-self.map_w / 2 - MARGIN, MARGIN + 0.01), scale=0.026,
                                fg=EVENT, align=TextNode.A_center)
        self.you = self._arrow()
        self.you.hide()
        self.route: NodePath | None = None
        self._route_key: tuple = ()
        self._states: dict[str, bool | None] = {}
        self._event = ""

    def _xy(self, x: float, y: float) -> tuple[float, float]:
        g = self.world.grounds
        return (x - g.xmin) * self.scale, (y - g.ymin) * self.scale

    def _arrow(self) -> NodePath:
        node = self.canvas.attach_new_node("you")
        pts = [(0.0, 0.04), (0.026, -0.024), (0.0, -0.01), (-0.026, -0.024), (0.0, 0.04)]
        for colour, thickness in (((0.0, 0.0, 0.0, 1.0), 5.0), (YOU, 2.5)):  # a dark rim, then the arrow
            segs = LineSegs("you-outline")
            segs.set_thickness(thickness)
            segs.set_color(*colour)
            segs.move_to(pts[0][0], 0, pts[0][1])
            for x, z in pts[1:]:
                segs.draw_to(x, 0, z)
            node.attach_new_node(segs.create())
        DirectFrame(parent=node, frameColor=YOU, frameSize=(-0.009, 0.009, -0.009, 0.009))
        return node

    # ── per frame ────────────────────────────────────────────────────────────
    def sync(self, own: tuple[float, float, float] | None, states: dict[str, bool | None],
             route: Iterable[tuple[float, float]] = (), event_title: str = "") -> None:
        """`own` is (x, y, yaw) or None; `states` an OPD's counter open/closed/unknown."""
        if own is None:
            self.you.hide()
        else:
            x, y = self._xy(own[0], own[1])
            self.you.show()
            self.you.set_pos(x, 0, y)
            # Heading 0 looks north (+y, up on the map), counter-clockwise positive.
            self.you.set_r(-math.degrees(own[2]))
        if states != self._states:
            self._states = dict(states)
            for opd, frame in self.booths.items():
                s = states.get(opd)
                frame["frameColor"] = UNKNOWN if s is None else OPEN if s else CLOSED
        self.auditorium["frameColor"] = EVENT if event_title else (0.8, 0.8, 0.85, 1)
        if self._event != event_title:
            self._event = event_title
            self.event_text.setText(i18n.t("map.events", self.lang, title=event_title) if event_title else "")
        key = tuple(route)
        if key != self._route_key:
            self._route_key = key
            if self.route is not None:
                self.route.remove_node()
                self.route = None
            if len(key) >= 2:
                segs = LineSegs("route")
                segs.set_thickness(3.0)
                segs.set_color(*ROUTE)
                x, y = self._xy(*key[0])
                segs.move_to(x, 0, y)
                for p in key[1:]:
                    x, y = self._xy(*p)
                    segs.draw_to(x, 0, y)
                self.route = self.canvas.attach_new_node(segs.create())
                self.route.set_transparency(TransparencyAttrib.M_none)
                self.you.reparent_to(self.canvas)  # keep the arrow drawn over the route

    def restyle(self) -> None:
        """The theme changed: draw the grounds in high contrast (or not)."""
        if self._contrast != self.theme.high_contrast:
            self._contrast = self.theme.high_contrast
            self.image.setImage(_texture(map_image(self.world, high_contrast=self._contrast)))
            self.image.set_scale(self.map_w / 2, 1, MAP_H / 2)

    def top(self) -> float:
        """How high the map reaches, in aspect2d units above the window's bottom edge."""
        s = self.theme.scale_of(self.root.getParent())
        return s * (self.root.get_z() + self.root["frameSize"][3])

    def place(self, bottom: float) -> None:
        """Stand the map `bottom` aspect2d units above the window's bottom edge (`hud_layout`)."""
        s = self.theme.scale_of(self.root.getParent())
        self.root.set_z(bottom / s)

    def set_lang(self, lang: str) -> None:
        self.lang = lang
        self.title.setText(i18n.t("map.title", lang))
        self.event_text.setText("")
        self._event = ""  # redrawn in the new language on the next sync

    def show(self, on: bool) -> None:
        self.root.show() if on else self.root.hide()

    @property
    def visible(self) -> bool:
        return not self.root.is_hidden()

    def destroy(self) -> None:
        self.root.destroy()
