"""The settings panel: one row per setting, reachable and changed with the keyboard alone.

Up/Down choose a row, Left/Right change it, Enter on a key row waits for the next key (Esc
cancels), Esc closes. It draws `settings.SettingsForm`; the caller saves and applies what
changed (`find_layer.FindLayer`).
"""

from __future__ import annotations

from collections.abc import Callable

from direct.gui.DirectGui import DirectFrame
from panda3d.core import TextNode

from .. import i18n
from ..state.settings import SettingsForm
from .booth_widgets import button, holder, label
from .theme import active_palette, theme_for

__all__ = ["SettingsPanel"]

WIDTH, TOP = 1.3, 0.74  # under the zone line at the top of the screen
PAD = 0.05
ROW_H = 0.066


class SettingsPanel:
    def __init__(self, base, form: SettingsForm, *, lang: str, on_step: Callable[[int, int], None]) -> None:
        self.base = base
        self.form = form
        self.lang = lang
        self.on_step = on_step  # (row index, -1 | +1): a click on a value's arrows
        rows = len(form.row_ids)
        self.bottom = TOP - 0.2 - rows * ROW_H - 0.14
        self.root = theme_for(base).frame("center", frameSize=(-WIDTH / 2, WIDTH / 2, self.bottom, TOP),
                                          pos=(0, 0, 0), sortOrder=14)
        self.root.hide()
        self.body = None
        self.visible = False
        self.note = ""  # a line under the rows: saved where, or why not
        self._drawn: tuple = ()

    def show(self, on: bool) -> None:
        self.visible = on
        self.root.show() if on else self.root.hide()
        self._drawn = ()

    def sync(self) -> None:
        if not self.visible:
            return
        f = self.form
        key = (f.settings, f.selected, f.capturing, f.error_key, self.note, theme_for(self.base).rev)
        if key != self._drawn:
            self._drawn = key
            self._draw()

    def _draw(self) -> None:
        if self.body is not None:
            self.body.destroy()
        f, lang = self.form, self.lang
        c = active_palette()
        b = self.body = holder(self.root)
        x0, x1 = -WIDTH / 2 + PAD, WIDTH / 2 - PAD
        label(b, i18n.t("settings.title", lang), (x0, TOP - 0.08), scale=0.05, fg=c.accent)
        label(b, i18n.t("settings.keys_help", lang), (x0, TOP - 0.15), scale=0.027, fg=c.muted,
              width=WIDTH - 2 * PAD)
        top = TOP - 0.2
        for i, row in enumerate(f.rows()):
            y = top - i * ROW_H
            if i == f.selected:
                DirectFrame(parent=b, frameColor=c.selected, frameSize=(x0 - 0.02, x1 + 0.02, y - ROW_H + 0.01, y))
            label(b, i18n.t(row.label_key, lang), (x0, y - 0.047), scale=0.032, fg=c.ink)
            value = i18n.t(row.value_key, lang) if row.value_key else row.value
            if f.capturing and row.id == f"key:{f.capturing}":
                value = i18n.t("settings.press_key", lang)
            label(b, value, (x1 - 0.09, y - 0.047), scale=0.032, fg=c.accent if i == f.selected else c.ink,
                  align=TextNode.A_right)
            if i == f.selected and not row.id.startswith("key:"):
                button(b, "<", (x1 - 0.05, y - 0.047), self.on_step, args=(i, -1), scale=0.026, align="center")
                button(b, ">", (x1 - 0.005, y - 0.047), self.on_step, args=(i, +1), scale=0.026, align="right")
        note = i18n.t(f.error_key, lang) if f.error_key else self.note
        if note:
            label(b, note, (x0, self.bottom + 0.06), scale=0.028, fg=c.bad if f.error_key else c.muted,
                  width=WIDTH - 2 * PAD)

    def destroy(self) -> None:
        self.root.destroy()
