"""Subtitles: what is said on the stage, at the bottom centre of the screen while you are in an
event — "Nama: teks", the last two lines, each fading out a few seconds after it arrived
(`EventModel.subtitles`).

Each line is a `TextCard` (scene/signs.py), the name tags' technique: a card and its glyphs drawn
as two nodes in a fixed order, so the letters show in OpenGL as in the software renderer (a decal
card under alpha glyphs draws as an empty box under OpenGL)."""

from __future__ import annotations

import textwrap

from panda3d.core import NodePath

from .. import i18n
from ..scene.signs import TextCard
from ..state.events import EventModel
from .theme import theme_for

__all__ = ["Subtitles", "subtitle_text", "WRAP_CHARS"]

WRAP_CHARS = 64
SCALE = 0.05
BOTTOM_Z = 0.36  # above the chat box's folded strip and the E prompts
FG = (1.0, 1.0, 1.0, 1.0)
NAME_BG = (0.02, 0.03, 0.06, 0.82)
GUI_BIN = "gui-popup"  # drawn after every other 2D bin
BOX_HALF_WIDTH = 0.9  # about half a card of WRAP_CHARS letters at SCALE
BOX_TOP = BOTTOM_Z + 0.45  # two lines of up to three rows


def subtitle_text(name: str, text: str, lang: str, width: int = WRAP_CHARS) -> str:
    """ "Nama: teks", wrapped to `width` characters a row (at most three rows)."""
    line = i18n.t("event.subtitle", lang, name=name, text=text)
    rows = textwrap.wrap(line, width=width) or [line]
    if len(rows) > 3:
        rows = rows[:3]
        rows[-1] = rows[-1][: width - 1].rstrip() + "…"
    return "\n".join(rows)


class Subtitles:
    def __init__(self, base, model: EventModel, *, lang: str = "id") -> None:
        self.base = base
        self.model = model
        self.lang = lang
        # On the theme's pivot at the bottom centre, so the text size grows the subtitles too.
        self.pivot = theme_for(base).root("bottom_center", box=(-BOX_HALF_WIDTH, BOX_HALF_WIDTH, BOTTOM_Z, BOX_TOP),
                                          name="subtitles")
        self.root: NodePath = self.pivot.attach_new_node("subtitles")
        self.root.set_z(BOTTOM_Z)
        self.cards: dict[int, TextCard] = {}  # line id -> its card
        self.shown: list[tuple[int, str, float]] = []  # (line id, text, alpha), bottom line last

    def set_lang(self, lang: str) -> None:
        self.lang = lang
        self._clear()

    def _clear(self) -> None:
        for card in self.cards.values():
            card.root.remove_node()
        self.cards.clear()

    def sync(self, now_ms: float) -> None:
        subs = self.model.subtitles(now_ms)
        keep = {line.id for line, _ in subs}
        for lid in [k for k in self.cards if k not in keep]:
            self.cards.pop(lid).root.remove_node()
        z = 0.0
        shown = []
        for line, alpha in reversed(subs):  # the newest at the bottom
            card = self.cards.get(line.id)
            text = subtitle_text(line.name, line.text, self.lang)
            if card is None:
                card = self.cards[line.id] = TextCard(self.root, text, fg=FG, bg=NAME_BG, scale=SCALE,
                                                      depth_test=False, name=f"subtitle-{line.id}")
                # Over the panels (the chat box reaches under the bottom centre): card, then letters.
                card.card.set_bin(GUI_BIN, 0)
                card.text.set_bin(GUI_BIN, 1)
            f = card.frame
            card.root.set_z(z - f[2] * SCALE)  # its card's bottom edge at z
            card.root.set_alpha_scale(alpha)
            z += (f[3] - f[2]) * SCALE + 0.015
            shown.append((line.id, text, alpha))
        self.shown = list(reversed(shown))

    def rects(self) -> list[NodePath]:
        """The cards on screen (bottom line last), for screen rectangles in a summary."""
        return [self.cards[lid].card for lid, _, _ in self.shown if lid in self.cards]

    def destroy(self) -> None:
        self.pivot.remove_node()
