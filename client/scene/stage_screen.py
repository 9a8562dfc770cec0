"""The big screen over the auditorium's stage: the slide the host shows (a PNG or JPEG decoded
from the slide's bytes into a texture, or a Markdown card laid out as title, paragraphs and
bullets), the open poll as a bar chart with its counts, and the latest stage line under it.

The screen hangs in front of the stage's backdrop, above the heads of whoever stands on the
stage, facing the seats (-Y). What it shows is laid out by `state/stage_view.py` in metres on
the screen's face (from its top left corner, going right and down); here each part becomes
flat cards and text a few centimetres in front of the face, so depth (not a draw bin) keeps
them on top of it in every renderer. Parts are rebuilt only when what they show changed.
"""

from __future__ import annotations

from typing import Any

from panda3d.core import (
    CardMaker,
    NodePath,
    PNMImage,
    Point2,
    Point3,
    SamplerState,
    StringStream,
    TextNode,
    Texture,
    Vec4,
)

from makaverse.world import World

from .. import i18n
from ..state.stage_view import SCREEN_H, SCREEN_W, Chart, Rect, layout_card, poll_chart, screen_face, screen_layout
from . import palette as P

__all__ = ["StageScreen", "SCREEN_W", "SCREEN_H", "decode_picture", "picture_texture", "BAR_COLOURS"]

LAYER_M = 0.025  # each layer stands this far in front of the one behind it
MAX_TEXTURE_PX = 1024

FACE = (0.04, 0.05, 0.08, 1.0)
BEZEL = (0.015, 0.015, 0.02, 1.0)
CARD_BG = (0.97, 0.96, 0.92, 1.0)
CARD_INK = (0.10, 0.11, 0.14, 1.0)
CARD_TITLE = (*P.EJA, 1.0)
PANEL = (0.09, 0.11, 0.17, 1.0)
INK = (0.97, 0.97, 0.95, 1.0)
MUTED = (0.70, 0.74, 0.82, 1.0)
GOLD = (1.0, 0.82, 0.35, 1.0)
LIVE = (0.95, 0.25, 0.22, 1.0)
TRACK = (0.18, 0.21, 0.29, 1.0)
# One colour per option: bright on the dark panel, told apart without reading.
BAR_COLOURS = ((0.98, 0.74, 0.18, 1.0), (0.22, 0.74, 0.92, 1.0), (0.40, 0.84, 0.42, 1.0),
               (0.94, 0.42, 0.56, 1.0), (0.66, 0.52, 0.96, 1.0), (0.98, 0.55, 0.25, 1.0))


def _pow2(n: int) -> int:
    return 1 << max(0, min(MAX_TEXTURE_PX, n) - 1).bit_length()


def decode_picture(data: bytes) -> PNMImage | None:
    """A PNG or JPEG from memory (no file): None when it can't be read."""
    img = PNMImage()
    if not data or not img.read(StringStream(data), "slide"):
        return None
    return img


def picture_texture(img: PNMImage) -> Texture:
    """The picture as a texture whose sides are powers of two (the software renderer takes no
    other), at most MAX_TEXTURE_PX; the card it goes on keeps the picture's own proportions."""
    w, h = _pow2(img.get_x_size()), _pow2(img.get_y_size())
    if (w, h) != (img.get_x_size(), img.get_y_size()):
        scaled = PNMImage(w, h, img.get_num_channels(), img.get_maxval())
        scaled.quick_filter_from(img)
        img = scaled
    tex = Texture("slide")
    tex.load(img)
    for set_filter in (tex.set_minfilter, tex.set_magfilter):
        set_filter(SamplerState.FT_linear)
    tex.set_wrap_u(SamplerState.WM_clamp)
    tex.set_wrap_v(SamplerState.WM_clamp)
    return tex


class StageScreen:
    def __init__(self, parent: NodePath, world: World, *, lang: str = "id") -> None:
        self.world = world
        self.lang = lang
        face = screen_face(world)
        self.root = parent.attach_new_node("stage-screen")
        self.root.set_pos(face.x0, face.y, face.z0)
        self.root.set_light_off(1)
        self.root.set_shader_off(1)
        # The bezel and the face (their front at y=0); content parts are rebuilt in front of them.
        self._card(self.root, Rect(-0.12, -0.12, SCREEN_W + 0.12, SCREEN_H + 0.12), BEZEL, layer=-1, back=0.2)
        self._card(self.root, Rect(0, 0, SCREEN_W, SCREEN_H), FACE, layer=0)
        self.parts: dict[str, tuple[Any, NodePath]] = {}
        self.regions: dict[str, object] = {}  # for tests and screenshots: what is drawn where
        self._texture: Texture | None = None

    # ── geometry helpers ─────────────────────────────────────────────────────
    def world_point(self, u: float, v: float) -> tuple[float, float, float]:
        """A point of the face (u right, v down from its top left) in world coordinates."""
        p = self.root.get_pos()
        return (p.x + u, p.y, p.z + SCREEN_H - v)

    def corners_px(self, base) -> list[list[int] | None]:
        """The face's corners (bottom left, bottom right, top right, top left) in window pixels
        from the top left, as the camera sees them now; None for one behind the camera. For
        tests and screenshots: a seated audience sees the whole screen."""
        out: list[list[int] | None] = []
        w, h = base.win.get_x_size(), base.win.get_y_size()
        for x, y, z in screen_face(self.world).corners():
            at = base.cam.get_relative_point(base.render, Point3(x, y, z))
            film = Point2()
            if at.y <= 0 or not base.camLens.project(at, film):
                # Outside the frustum, still say where (the test tells how far out).
                lens_at = base.camLens.get_projection_mat().xform(Vec4(at.x, at.y, at.z, 1.0))
                if at.y <= 0 or lens_at.w == 0:
                    out.append(None)
                    continue
                film = Point2(lens_at.x / lens_at.w, lens_at.y / lens_at.w)
            out.append([int(round((film.x + 1) / 2 * w)), int(round((1 - film.y) / 2 * h))])
        return out

    def _card(self, parent: NodePath, r: Rect, colour, *, layer: int, back: float = 0.0,
              texture: Texture | None = None, name: str = "card") -> NodePath:
        cm = CardMaker(name)
        cm.set_frame(r.x0, r.x1, SCREEN_H - r.y1, SCREEN_H - r.y0)
        cm.set_color(*colour)
        np_ = parent.attach_new_node(cm.generate())
        np_.set_y(-LAYER_M * layer)
        if back:
            # A box's depth behind the face, so the screen isn't a sheet seen from the side.
            side = CardMaker(f"{name}-back")
            side.set_frame(r.x0, r.x1, SCREEN_H - r.y1, SCREEN_H - r.y0)
            side.set_color(*colour)
            b = np_.attach_new_node(side.generate())
            b.set_y(back)
            b.set_h(180)
        if texture is not None:
            np_.set_texture(texture)
        return np_

    def _text(self, parent: NodePath, text: str, u: float, v: float, size: float, colour, *, layer: int,
              max_width: float | None = None, align: int = TextNode.A_left, wrap: float | None = None,
              name: str = "text") -> NodePath:
        """Text whose first line's top is at (u, v), `size` tall (capitals), squeezed to `max_width`."""
        tn = TextNode(name)
        tn.set_text(text)
        tn.set_align(align)
        tn.set_text_color(*colour)
        if wrap is not None:
            tn.set_wordwrap(max(1.0, wrap / size))
        np_ = parent.attach_new_node(tn)
        np_.set_scale(size)
        np_.set_pos(u, -LAYER_M * layer, SCREEN_H - v - size * 0.8)
        if max_width is not None and tn.get_width() * size > max_width > 0:
            np_.set_sx(size * max_width / (tn.get_width() * size))
        return np_

    def _part(self, name: str, key: object) -> NodePath | None:
        """A fresh holder for part `name` when `key` (what it shows) changed, else None."""
        old = self.parts.get(name)
        if old is not None and old[0] == key:
            return None
        if old is not None:
            old[1].remove_node()
        holder = self.root.attach_new_node(name)
        self.parts[name] = (key, holder)
        return holder

    # ── what it shows ────────────────────────────────────────────────────────
    def show(self, *, slide=None, poll=None, line=None, title: str = "") -> None:
        """Draw `slide` (a SlideView or None), `poll` (a PollView or None), the latest stage `line`
        (a StageLineView or None) and, with no slide, the event's `title` on the screen."""
        layout = screen_layout(SCREEN_W, SCREEN_H, slide=slide is not None or not poll, poll=poll is not None)
        slide_key = (slide, layout.slide, title, self.lang)  # the same object is equal at once (identity)
        holder = self._part("slide", slide_key)
        if holder is not None:
            self.regions.pop("slide", None)
            self.regions.pop("picture", None)
            if layout.slide is not None:
                self._draw_slide(holder, slide, layout.slide, title)
        poll_key = (poll, layout.chart, self.lang)
        holder = self._part("poll", poll_key)
        if holder is not None:
            self.regions.pop("chart", None)
            if poll is not None and layout.chart is not None:
                chart = poll_chart(poll.question, poll.options, poll.counts, poll.total, open=poll.open)
                self._draw_chart(holder, chart, layout.chart)
        line_key = ((line.id, line.event_id) if line is not None else None, layout.line, self.lang)
        holder = self._part("line", line_key)
        if holder is not None:
            self._draw_line(holder, line, layout.line)

    def _draw_slide(self, h: NodePath, slide, area: Rect, title: str) -> None:
        if slide is None:
            self._card(h, area, PANEL, layer=1, name="standby")
            heading = title or self.world.name_id
            self._text(h, heading, area.x0 + area.width / 2, area.y0 + area.height * 0.32, area.height * 0.14, GOLD,
                       layer=2, max_width=area.width * 0.9, align=TextNode.A_center, name="standby-title")
            self._text(h, i18n.t("screen.waiting", self.lang), area.x0 + area.width / 2,
                       area.y0 + area.height * 0.58, area.height * 0.07, MUTED, layer=2, max_width=area.width * 0.9,
                       align=TextNode.A_center, name="standby-note")
            self.regions["slide"] = {"kind": "standby", "rect": area}
            return
        if slide.kind in ("png", "jpeg"):
            img = decode_picture(slide.data)
            if img is not None:
                tex = self._texture = picture_texture(img)
                fit = area.fit(img.get_x_size() / max(1, img.get_y_size()))
                self._card(h, area, (0, 0, 0, 1), layer=1, name="letterbox")
                self._card(h, fit, (1, 1, 1, 1), layer=2, texture=tex, name="picture")
                self.regions["slide"] = {"kind": slide.kind, "rect": fit}
                self.regions["picture"] = fit
                self._count(h, slide, area)
                return
            text = i18n.t("screen.unreadable", self.lang)
        else:
            text = slide.text
        card = area.fit(16 / 9)
        self._card(h, card, CARD_BG, layer=1, name="md-card")
        self._card(h, Rect(card.x0, card.y0, card.x0 + card.width * 0.012, card.y1), CARD_TITLE, layer=2,
                   name="md-edge")
        lines = layout_card(text, card.width, card.height)
        for ln in lines:
            colour = CARD_TITLE if ln.kind == "title" else CARD_INK
            self._text(h, ln.text, card.x0 + ln.x, card.y0 + ln.y, ln.size * 0.85, colour, layer=2,
                       max_width=card.x1 - card.x0 - ln.x - card.height * 0.05, name=f"md-{ln.kind}")
            if ln.kind == "bullet" and ln.first:
                d = ln.size * 0.28
                bx, by = card.x0 + ln.x - ln.size * 0.9, card.y0 + ln.y + ln.size * 0.3
                self._card(h, Rect(bx, by, bx + d, by + d), CARD_TITLE, layer=2, name="bullet")
        self.regions["slide"] = {"kind": "markdown", "rect": card, "lines": [ln.text for ln in lines]}
        self._count(h, slide, area)

    def _count(self, h: NodePath, slide, area: Rect) -> None:
        if slide.count > 1:
            self._text(h, f"{slide.index + 1}/{slide.count}", area.x1 - 0.08, area.y1 - 0.3, 0.2, MUTED, layer=3,
                       align=TextNode.A_right, name="slide-count")

    def _draw_chart(self, h: NodePath, chart: Chart, area: Rect) -> None:
        """The state (live / results at close / closed) and the votes, the question, then one row
        per option: its words on the left, its bar on its track, its count and share on the right."""
        lang = self.lang
        self._card(h, area, PANEL, layer=1, name="chart-panel")
        height = area.height
        pad = 0.05 * height
        x0, x1 = area.x0 + pad, area.x1 - pad
        y = area.y0 + pad
        head = 0.07 * height
        state = i18n.t(f"screen.poll_{chart.state}", lang)
        badge = LIVE if chart.state == "live" else MUTED
        self._card(h, Rect(x0, y + 0.1 * head, x0 + 0.8 * head, y + 0.9 * head), badge, layer=2, name="chart-dot")
        self._text(h, state, x0 + 1.2 * head, y, head, badge, layer=2, name="chart-state")
        self._text(h, i18n.t("screen.votes", lang, n=chart.total), x1, y, head, MUTED, layer=2,
                   align=TextNode.A_right, name="chart-total")
        y += head * 1.7
        size = 0.085 * height
        q = self._text(h, chart.question, x0, y, size, INK, layer=2, wrap=x1 - x0, name="chart-question")
        if q.node().get_num_rows() > 2:  # a long question: smaller, still whole
            size *= 0.7
            q.remove_node()
            q = self._text(h, chart.question, x0, y, size, INK, layer=2, wrap=x1 - x0, name="chart-question")
        y += size * q.node().get_line_height() * max(1, q.node().get_num_rows()) + 0.04 * height
        n = max(1, len(chart.rows))
        row_h = min(0.17 * height, (area.y1 - pad - y) / n)
        text_h = min(0.5 * row_h, 0.075 * height)
        label_w = 0.34 * (x1 - x0)
        figure_w = 0.17 * (x1 - x0)
        bx0 = x0 + label_w
        bar_w = x1 - figure_w - bx0
        bar_h = 0.6 * row_h
        bars = []
        for i, row in enumerate(chart.rows):
            colour = BAR_COLOURS[i % len(BAR_COLOURS)]
            mid = y + row_h / 2
            self._text(h, row.label, x0, mid - text_h / 2, text_h, INK, layer=2, max_width=label_w - 0.1 * row_h,
                       name=f"chart-label-{i}")
            by0 = mid - bar_h / 2
            self._card(h, Rect(bx0, by0, bx0 + bar_w, by0 + bar_h), TRACK, layer=2, name=f"chart-track-{i}")
            rect = Rect(bx0, by0, bx0 + bar_w * row.length, by0 + bar_h)
            if row.length > 0:
                self._card(h, rect, colour, layer=3, name=f"chart-bar-{i}")
            figure = "—" if row.count is None else f"{row.count} ({row.percent}%)"
            self._text(h, figure, x1, mid - text_h / 2, text_h, INK, layer=2, align=TextNode.A_right,
                       max_width=figure_w - 0.1 * row_h, name=f"chart-figure-{i}")
            bars.append({"label": row.label, "count": row.count, "rect": rect, "full": bar_w, "colour": colour[:3]})
            y += row_h
        self.regions["chart"] = {"rect": area, "state": chart.state, "bars": bars}

    def _draw_line(self, h: NodePath, line, area: Rect) -> None:
        self._card(h, area, (0.02, 0.02, 0.03, 1.0), layer=1, name="line-strip")
        if line is None:
            return
        size = min(0.3, area.height * 0.4)
        name = self._text(h, f"{line.name}:", area.x0 + 0.12, area.y0 + (area.height - size) / 2, size, GOLD, layer=2,
                          name="line-name")
        w = name.node().get_width() * size + 0.12
        text = line.text if len(line.text) <= 160 else line.text[:159] + "…"
        self._text(h, text, area.x0 + 0.12 + w, area.y0 + (area.height - size) / 2, size, INK, layer=2,
                   max_width=area.width - 0.24 - w, name="line-text")
        self.regions["line"] = {"rect": area, "text": line.text}

    def set_lang(self, lang: str) -> None:
        self.lang = lang

    def destroy(self) -> None:
        self.root.remove_node()
