"""The look chooser: skin tone, headwear (hijab, peci, songkok, passapu), the top's pattern (batik,
lipa' sabbe checks) and the colours, one row each, with the figure turning slowly beside them
as it will be seen. Keyboard first: Up/Down choose a row, Left/Right change it, Enter saves,
Esc cancels (at the first entry: "later", which keeps the look shown). Opened from the settings
panel (F10, "Avatar look") and once at the first entry into the world.

It draws `look_choice.LookForm`; `FindLayer` binds the keys and saves what was chosen.
"""

from __future__ import annotations

from collections.abc import Callable

from direct.gui.DirectGui import DirectFrame
from panda3d.core import Camera, NodePath, PerspectiveLens, TextNode

from makaverse.protocol.look import Look

from .. import i18n
from ..scene import palette as P
from ..scene.figure import build_figure
from ..state.look_choice import LookForm
from .booth_widgets import box_px, button, holder, label
from .theme import active_palette, theme_for

__all__ = ["LookPanel", "LookPreview"]

WIDTH, TOP, BOTTOM = 1.7, 0.72, -0.5
PAD = 0.05
ROW_H = 0.1
LIST_W = 0.98  # the rows; the preview takes the rest
PREVIEW = (LIST_W - WIDTH / 2 + 0.04, WIDTH / 2 - PAD, BOTTOM + 0.2, TOP - 0.14)  # left, right, bottom, top
TURN_DEG_S = 35.0


class LookPreview:
    """The figure in a look, in a display region of its own over the panel's preview box."""

    def __init__(self, base) -> None:
        self.base = base
        self.scene = NodePath("look-preview")
        lens = PerspectiveLens()
        lens.set_fov(26)
        lens.set_near_far(0.1, 20)
        cam = Camera("look-preview-cam", lens)
        self.cam = self.scene.attach_new_node(cam)
        self.cam.set_pos(0, -5.0, 1.0)
        self.cam.look_at(0, 0, 0.9)
        self.turntable = self.scene.attach_new_node("turntable")
        self.figure: NodePath | None = None
        self.look: Look | None = None
        self.region = base.win.make_display_region(0, 0, 0, 0)
        self.region.set_sort(30)  # over the panels (render2d draws at 10)
        self.region.set_camera(self.cam)
        self.region.set_clear_color_active(True)
        self.region.set_clear_depth_active(True)
        self.region.set_active(False)

    def show(self, look: Look, rect_px: list[int], bg) -> None:
        if look != self.look:
            self.look = look
            if self.figure is not None:
                self.figure.remove_node()
            self.figure = self.turntable.attach_new_node("figure")
            build_figure(self.figure, look)
        w, h = self.base.win.get_x_size(), self.base.win.get_y_size()
        x0, y0, x1, y1 = rect_px
        self.region.set_dimensions(max(0.0, x0 / w), min(1.0, x1 / w), max(0.0, 1 - y1 / h), min(1.0, 1 - y0 / h))
        self.cam.node().get_lens().set_aspect_ratio(max(1, x1 - x0) / max(1, y1 - y0))
        self.region.set_clear_color(tuple(bg))
        self.region.set_active(True)

    def turn(self, dt: float) -> None:
        self.turntable.set_h(self.turntable.get_h() + TURN_DEG_S * dt)

    def hide(self) -> None:
        self.region.set_active(False)

    def destroy(self) -> None:
        self.base.win.remove_display_region(self.region)
        self.scene.remove_node()


class LookPanel:
    def __init__(self, base, form: LookForm, *, lang: str, on_step: Callable[[int, int], None]) -> None:
        self.base = base
        self.form = form
        self.lang = lang
        self.on_step = on_step  # (row, -1 | +1): a click on a value's arrows
        self.first = False  # offered at the first entry: Esc means "later"
        self.root = theme_for(base).frame("center", frameSize=(-WIDTH / 2, WIDTH / 2, BOTTOM, TOP), sortOrder=15)
        self.root.hide()
        self.preview = LookPreview(base)
        self.box = DirectFrame(parent=self.root, frameColor=(0, 0, 0, 0), frameSize=PREVIEW)
        self.body = None
        self.visible = False
        self._drawn: tuple = ()

    def show(self, on: bool) -> None:
        self.visible = on
        self._drawn = ()
        if on:
            self.root.show()
        else:
            self.root.hide()
            self.preview.hide()

    def sync(self, dt: float) -> None:
        if not self.visible:
            return
        f = self.form
        key = (f.look, f.selected, self.first, self.lang, theme_for(self.base).rev)
        if key != self._drawn:
            self._drawn = key
            self._draw()
        c = active_palette()
        self.preview.show(f.look, box_px(self.box, PREVIEW, self.base), (0.16, 0.19, 0.26, 1) if not c.high_contrast
                          else (0.2, 0.2, 0.2, 1))
        self.preview.turn(dt)

    def _draw(self) -> None:
        if self.body is not None:
            self.body.destroy()
        f, lang, c = self.form, self.lang, active_palette()
        b = self.body = holder(self.root)
        x0 = -WIDTH / 2 + PAD
        x1 = -WIDTH / 2 + LIST_W
        label(b, i18n.t("look.title", lang), (x0, TOP - 0.08), scale=0.05, fg=c.accent)
        if self.first:
            label(b, i18n.t("look.welcome", lang), (x0 + 0.01, TOP - 0.135), scale=0.03, fg=c.ink)
        top = TOP - 0.17
        for i, row in enumerate(f.rows()):
            y = top - i * ROW_H
            if i == f.selected:
                DirectFrame(parent=b, frameColor=c.selected, frameSize=(x0 - 0.02, x1, y - ROW_H + 0.012, y))
            label(b, i18n.t(row.label_key, lang), (x0, y - 0.06), scale=0.034, fg=c.ink)
            right = x1 - 0.12
            if row.rgb is not None:
                DirectFrame(parent=b, frameColor=(1, 1, 1, 1), frameSize=(right - 0.19, right, y - 0.08, y - 0.02))
                DirectFrame(parent=b, frameColor=(*P.int_rgb(row.rgb), 1.0),
                            frameSize=(right - 0.185, right - 0.005, y - 0.075, y - 0.025))
            elif row.part == "skin":
                tone = P.SKIN_TONES[f.look.skin]
                DirectFrame(parent=b, frameColor=(*tone, 1.0), frameSize=(right - 0.19, right, y - 0.08, y - 0.02))
                label(b, f"{row.index + 1} / {row.count}", (right - 0.21, y - 0.06), scale=0.03, fg=c.muted,
                      align=TextNode.A_right)
            else:
                label(b, i18n.t(row.value_key, lang), (right, y - 0.06), scale=0.03,
                      fg=c.accent if i == f.selected else c.ink, align=TextNode.A_right, width=0.5)
            if i == f.selected:
                button(b, "<", (x1 - 0.065, y - 0.06), self.on_step, args=(i, -1), scale=0.03, align="center")
                button(b, ">", (x1 - 0.02, y - 0.06), self.on_step, args=(i, +1), scale=0.03, align="center")
        keys = "look.keys_first" if self.first else "look.keys"
        label(b, i18n.t(keys, lang), (x0, BOTTOM + 0.11), scale=0.028, fg=c.muted, width=WIDTH - 2 * PAD)
        label(b, i18n.t("look.applies", lang), (x0, BOTTOM + 0.05), scale=0.026, fg=c.muted, width=WIDTH - 2 * PAD)

    def destroy(self) -> None:
        self.preview.destroy()
        self.root.destroy()
