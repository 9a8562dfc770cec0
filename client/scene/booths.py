"""An OPD booth: a counter in the agency's colour with a monitor for the clerk, white side
panels with coloured edges, a tinted back panel, a header with the agency's sign, a chair for
the staff and a mat marking where citizens stand to be served.
"""

from __future__ import annotations

import math

from panda3d.core import NodePath

from makaverse.world import Booth, Box

from .. import i18n
from ..state.directory import shared_directory
from . import palette as P
from .meshes import rect_minus
from .props import Kit, build_chair
from .signs import make_sign

__all__ = ["build_booth", "BoothFrame"]


def build_booth(kit: Kit, signs: NodePath, booth: Booth, *, lang: str = "id") -> None:
    """Counter, side panels, back panel, header with the sign, a staff chair and a floor mat;
    on the back panel a screen and two posters (`_dress`).

    Worked out in the booth's own frame: f forward (where the clerk looks), s to the right.
    """
    b = kit.flat
    col = booth.colour_rgb
    frame = BoothFrame(booth)
    cf0, cf1, cs0, cs1 = frame.extent(booth.counter)
    pf0, pf1, ps0, ps1 = frame.extent(booth.panels[0])
    qf0, qf1, qs0, qs1 = frame.extent(booth.panels[1])
    back_f = min(pf0, qf0)
    side_s = (min(ps0, qs0), max(ps1, qs1))
    # Counter: body in the booth's colour, a pale top, a gold line, a monitor for the clerk.
    x0, y0, x1, y1 = booth.counter.as_tuple()
    b.box(x0, y0, 0.0, x1, y1, 1.02, P.shade(col, 0.05))
    b.box(x0 - 0.06, y0 - 0.06, 1.02, x1 + 0.06, y1 + 0.06, 1.1, (0.95, 0.93, 0.88))
    b.box(x0 - 0.01, y0 - 0.01, 0.15, x1 + 0.01, y1 + 0.01, 0.2, P.GOLD, faces="nsew")
    # A low monitor to one side of the middle: a tall one square in front of the clerk's eyes hid
    # the citizen they serve (and a second clerk may stand anywhere along the counter).
    b.block(frame.box(cf0 + 0.1, cf0 + 0.16, 0.55, 1.05), 1.1, 1.32, (0.12, 0.13, 0.15))
    # Side panels: white, with the booth colour on their front edges.
    for panel, (_f0, f1, s0, s1) in zip(booth.panels, ((pf0, pf1, ps0, ps1), (qf0, qf1, qs0, qs1)), strict=True):
        px0, py0, px1, py1 = panel.as_tuple()
        b.box(px0, py0, 0.0, px1, py1, 2.4, P.material("panel"), top=P.shade(col, 0.1))
        b.block(frame.box(f1 - 0.4, f1 + 0.01, s0 - 0.01, s1 + 0.01), 0.0, 2.42, col)
    # Back panel against the wall, tinted, with a band in the booth colour.
    b.block(frame.box(back_f, back_f + 0.05, side_s[0] + 0.2, side_s[1] - 0.2), 0.3, 3.6, P.tint(col, 0.55))
    b.block(frame.box(back_f, back_f + 0.07, side_s[0] + 0.2, side_s[1] - 0.2), 1.2, 1.45, col)
    # Header across the front, between the panels; the sign sits on its face.
    b.block(frame.box(cf1 - 0.3, cf1, side_s[0], side_s[1]), 2.42, 3.4, P.shade(col, 0.25),
            top=P.shade(col, 0.3))
    sx, sy = booth.staff_spot
    build_chair(b, sx, sy, booth.facing_deg, P.shade(col, 0.35))
    zx0, zy0, zx1, zy1 = booth.zone.as_tuple()
    # The mat: a border in the booth's colour round a pale middle (side by side, never stacked).
    outer = (zx0 + 0.2, zy0 + 0.2, zx1 - 0.2, zy1 - 0.2)
    inner = (zx0 + 0.45, zy0 + 0.45, zx1 - 0.45, zy1 - 0.45)
    for rect in rect_minus(outer, [inner]):
        b.block(rect, 0.0, 0.04, P.tint(col, 0.1), faces="t")
    b.block(inner, 0.0, 0.04, P.tint(col, 0.5), faces="t")
    subtitle = _full_name(booth)
    width = side_s[1] - side_s[0]
    # Every booth's code is the same size, with or without a second line.
    sign = make_sign(signs, booth.opd, subtitle=subtitle, width_m=width - 0.3, height_m=0.9,
                     text_height_m=0.4, fg=(1.0, 1.0, 1.0), bg=col, name=f"sign-{booth.opd}")
    # A sign faces -Y in its own frame: turn it to look where the clerk looks.
    sign.set_h(booth.facing_deg + 180.0)
    sign.set_pos(*frame.point(cf1 + 0.02, 0.0), 2.91)
    _dress(kit, signs, booth, frame, back_f + 0.05, (side_s[0] + 0.2, side_s[1] - 0.2), lang)


def _dress(kit: Kit, signs: NodePath, booth: Booth, frame: BoothFrame, face_f: float, span: tuple[float, float],
           lang: str) -> None:
    """The back panel, dressed in the agency's colours: a screen in the middle, a poster either side."""
    b = kit.flat
    col = booth.colour_rgb
    mid = (span[0] + span[1]) / 2
    # The screen: a dark bezel, the picture a deep shade of the agency's colour with white text.
    sw, z0, z1 = 0.8, 1.52, 2.34
    b.block(frame.box(face_f, face_f + 0.08, mid - sw, mid + sw), z0, z1, (0.08, 0.08, 0.09))
    screen = make_sign(signs, booth.opd, subtitle=_wrap(i18n.t("screen.welcome", lang), 22), width_m=2 * sw - 0.12,
                       height_m=z1 - z0 - 0.12, fg=(1.0, 1.0, 1.0), bg=P.shade(col, 0.45), name=f"screen-{booth.opd}")
    _face(screen, booth, frame, face_f + 0.09, mid, (z0 + z1) / 2)
    posters = ((f"poster.{booth.opd}", mid - (span[1] - span[0]) * 0.33),
               ("poster.sombere", mid + (span[1] - span[0]) * 0.33))
    for key, s in posters:
        if not i18n.has(key):
            key = "poster.sombere"
        pw, pz0, pz1 = 0.45, 1.5, 2.38
        b.block(frame.box(face_f, face_f + 0.03, s - pw, s + pw), pz0, pz1, (0.98, 0.97, 0.94))
        b.block(frame.box(face_f, face_f + 0.04, s - pw, s + pw), pz1 - 0.28, pz1, col)
        b.block(frame.box(face_f, face_f + 0.04, s - pw, s + pw), pz0, pz0 + 0.06, P.GOLD)
        head = make_sign(signs, booth.opd, width_m=2 * pw - 0.08, height_m=0.22, fg=(1.0, 1.0, 1.0), bg=col,
                         name=f"poster-head-{booth.opd}")
        _face(head, booth, frame, face_f + 0.05, s, pz1 - 0.14)
        body = make_sign(signs, _wrap(i18n.t(key, lang)), subtitle=_wrap(i18n.t(f"{key}.line", lang)),
                         width_m=2 * pw - 0.1, height_m=pz1 - pz0 - 0.36, fg=P.shade(col, 0.35),
                         bg=(0.98, 0.97, 0.94), name=f"poster-{booth.opd}")
        _face(body, booth, frame, face_f + 0.04, s, (pz0 + 0.06 + pz1 - 0.28) / 2)


def _wrap(text: str, width: int = 14) -> str:
    """Poster text on short lines (a poster is narrow and tall)."""
    import textwrap

    return "\n".join(textwrap.wrap(text, width)) or text


def _face(node: NodePath, booth: Booth, frame: BoothFrame, f: float, s: float, z: float) -> None:
    """Stand a sign on the back panel at (f, s, z), looking where the clerk looks."""
    node.set_h(booth.facing_deg + 180.0)
    node.set_pos(*frame.point(f, s), z)


def _full_name(booth: Booth) -> str | None:
    """The agency's full name for the header's second line (the directory's, in Indonesian like all
    the signage), split over two lines when long; the world file's short name if it isn't listed."""
    agency = shared_directory().agency(booth.opd)
    name = agency.name_id if agency is not None else booth.name
    if name.upper() == booth.opd.upper():
        return None
    if len(name) > 32:
        words = name.split()
        cut = min(range(1, len(words)), key=lambda i: abs(len(" ".join(words[:i])) - len(name) / 2))
        name = " ".join(words[:cut]) + "\n" + " ".join(words[cut:])
    return name


class BoothFrame:
    """A booth's own axes: f forward (where the clerk looks), s to the clerk's right."""

    def __init__(self, booth: Booth) -> None:
        rad = math.radians(booth.facing_deg)
        self.px, self.py = booth.position
        self.fx, self.fy = round(-math.sin(rad)), round(math.cos(rad))
        self.rx, self.ry = self.fy, -self.fx

    def point(self, f: float, s: float) -> tuple[float, float]:
        return (self.px + self.fx * f + self.rx * s, self.py + self.fy * f + self.ry * s)

    def extent(self, box: Box) -> tuple[float, float, float, float]:
        """(f0, f1, s0, s1) of a world box in this frame."""
        corners = [(x, y) for x in (box.xmin, box.xmax) for y in (box.ymin, box.ymax)]
        fs = [(x - self.px) * self.fx + (y - self.py) * self.fy for x, y in corners]
        ss = [(x - self.px) * self.rx + (y - self.py) * self.ry for x, y in corners]
        return min(fs), max(fs), min(ss), max(ss)

    def box(self, f0: float, f1: float, s0: float, s1: float) -> tuple[float, float, float, float]:
        """The world rectangle (x0, y0, x1, y1) spanning [f0, f1] x [s0, s1] (for `MeshBuilder.block`)."""
        pts = [self.point(f, s) for f in (f0, f1) for s in (s0, s1)]
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        return min(xs), min(ys), max(xs), max(ys)
