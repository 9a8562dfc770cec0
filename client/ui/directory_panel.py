"""The directory panel: a search line, the matching agencies, services, places and today's events,
and "Antar saya ke sana" for the selected row. It draws `DirectoryModel`; keys are bound by
`find_layer.FindLayer` (Up/Down choose, Enter walks there, Esc closes).

The search line takes the keyboard while the panel is open, so typing "akta" never walks the
avatar; Up/Down still move the selection because the field doesn't use them.
"""

from __future__ import annotations

from collections.abc import Callable

from direct.gui.DirectGui import DirectFrame
from panda3d.core import TextNode

from .. import i18n
from ..state.directory import DirectoryModel, Row
from .booth_widgets import TextField, button, holder, label
from .theme import Palette, active_palette, palette_for, theme_for

__all__ = ["DirectoryPanel", "Palette", "palette_for"]  # the palette lives in theme.py now

WIDTH, TOP, BOTTOM = 1.5, 0.72, -0.8  # under the guide / zone line at the top of the screen
PAD = 0.05
ROW_H = 0.128
VISIBLE_ROWS = 8


def _clip(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[: max(1, chars - 1)].rstrip() + "…"


class DirectoryPanel:
    def __init__(self, base, model: DirectoryModel, *, focus=None, on_take_me: Callable[[Row], None],
                 clock: Callable[[int], str] | None = None) -> None:
        self.base = base
        self.model = model
        self.focus = focus
        self.on_take_me = on_take_me
        self.clock = clock
        # Text size and contrast: the theme scales the whole panel and lends its colours.
        self.root = theme_for(base).frame("center", frameSize=(-WIDTH / 2, WIDTH / 2, BOTTOM, TOP), pos=(-0.1, 0, 0),
                                          sortOrder=12)
        self.root.hide()
        self.field: TextField | None = None
        self.body = None
        self._drawn_rev = -1
        self._static = None
        self.visible = False

    @property
    def colours(self) -> Palette:
        return active_palette()

    def restyle(self) -> None:
        """Draw again with the theme's colours (and in the model's language)."""
        self._build_static()
        self._drawn_rev = -1

    def _build_static(self) -> None:
        if self._static is not None:
            self._static.destroy()
        if self.field is not None:
            self.field.destroy()
            self.field.entry.destroy()
            self.field = None
        lang, c = self.model.lang, self.colours
        h = self._static = holder(self.root)
        x0 = -WIDTH / 2 + PAD
        label(h, i18n.t("dir.title", lang), (x0, TOP - 0.075), scale=0.05, fg=c.accent)
        label(h, i18n.t("dir.search", lang), (x0, TOP - 0.165), scale=0.036, fg=c.ink)
        self.field = TextField(h, (x0 + 0.2, TOP - 0.165), width=WIDTH - 2 * PAD - 0.2, initial=self.model.query,
                               focus=self.focus, scale=0.036, on_enter=self._entered, max_chars=60)
        label(h, i18n.t("dir.search_hint", lang), (x0, TOP - 0.235), scale=0.028, fg=c.muted,
              width=WIDTH - 2 * PAD)
        label(h, i18n.t("dir.keys", lang), (0, BOTTOM + 0.04), scale=0.03, fg=c.muted,
              align=TextNode.A_center)

    # ── open / close ─────────────────────────────────────────────────────────
    def _show(self) -> None:
        if self._static is None:
            self._build_static()
        self.root.show()
        self.visible = True
        if self.field is not None:
            self.field.entry["focus"] = 1  # typing goes straight into the search line
            self.field._focus_in()

    def _hide(self) -> None:
        self.root.hide()
        self.visible = False
        if self.field is not None:
            self.field.entry["focus"] = 0
            if self.focus is not None:
                self.focus.release(self.field)

    def _entered(self, text: str) -> None:
        self.model.set_query(text)
        row = self.model.current()
        if row is not None:
            self.on_take_me(row)

    # ── per frame ────────────────────────────────────────────────────────────
    def sync(self) -> None:
        m = self.model
        if m.open != self.visible:
            self._show() if m.open else self._hide()
        if not m.open:
            return
        if self.field is not None:
            m.set_query(self.field.get())
        if m.rev != self._drawn_rev:
            self._drawn_rev = m.rev
            self._draw_rows()

    def _draw_rows(self) -> None:
        if self.body is not None:
            self.body.destroy()
        m, lang, c = self.model, self.model.lang, self.colours
        b = self.body = holder(self.root)
        rows = m.rows(self.clock) if self.clock is not None else m.rows()
        x0, x1 = -WIDTH / 2 + PAD, WIDTH / 2 - PAD
        top = TOP - 0.29
        if not rows:
            label(b, i18n.t("dir.no_results", lang, query=m.query.strip()), (x0, top - 0.05),
                  scale=0.034, fg=c.muted, width=WIDTH - 2 * PAD)
            return
        first = max(0, min(m.selected - VISIBLE_ROWS // 2, len(rows) - VISIBLE_ROWS))
        chars = 62
        for i, row in enumerate(rows[first:first + VISIBLE_ROWS]):
            index = first + i
            y = top - i * ROW_H
            if index == m.selected:
                DirectFrame(parent=b, frameColor=c.selected, frameSize=(x0 - 0.02, x1 + 0.02, y - ROW_H + 0.012, y))
            title_fg = c.accent if row.kind == "event" else c.ink
            label(b, _clip(row.title, chars), (x0, y - 0.045), scale=0.034, fg=title_fg)
            detail = row.detail
            if row.place == "auditorium" and row.kind == "place" and not m.events:
                detail = f"{detail} {i18n.t('dir.no_events', lang)}"
            label(b, _clip(detail, int(chars * 1.2)), (x0 + 0.02, y - 0.095), scale=0.028, fg=c.muted)
            if row.is_open is not None:
                key = "dir.counter_open" if row.is_open else "dir.counter_closed"
                label(b, i18n.t(key, lang), (x1, y - 0.045), scale=0.028,
                      fg=c.good if row.is_open else c.bad, align=TextNode.A_right)
            if index == m.selected:
                button(b, i18n.t("dir.take_me", lang), (x1, y - 0.097), self.on_take_me, args=(row,),
                       scale=0.028, align="right")
        if len(rows) > first + VISIBLE_ROWS:
            label(b, i18n.t("dir.more", lang, count=len(rows) - first - VISIBLE_ROWS),
                  (x0, top - VISIBLE_ROWS * ROW_H - 0.02), scale=0.028, fg=c.muted)

    def destroy(self) -> None:
        if self.field is not None:
            self.field.destroy()
        self.root.destroy()
