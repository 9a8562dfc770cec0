"""The poll of the event you are in: a small panel at the right with the question and its options
("1 Jalan", "2 Taman", …); keys 1–6 vote while it is open and you have not voted. With live
results (or once it closes) each option shows a bar and its count.

Reads `EventModel.poll` and `EventModel.voted()` (`state/events.py`)."""

from __future__ import annotations

import textwrap

from direct.gui.DirectGui import DirectFrame
from panda3d.core import TextNode

from .. import i18n
from ..state.events import EventModel, PollView
from .booth_widgets import BG, GOLD, GOOD, INK, MUTED, holder, label
from .theme import theme_for

__all__ = ["PollPanel", "CLOSED_SHOW_MS"]

WIDTH = 0.95
PAD = 0.035
OPTION_H = 0.085
BAR = (0.85, 0.64, 0.20, 1.0)
BAR_MINE = (0.40, 0.80, 0.45, 1.0)
BAR_BG = (0.16, 0.18, 0.24, 1.0)
CLOSED_SHOW_MS = 20000.0  # the final results stay this long after the poll closed


class PollPanel:
    def __init__(self, base, model: EventModel, *, lang: str = "id") -> None:
        self.base = base
        self.model = model
        self.lang = lang
        # `hud_layout` stands it on the chat box, or above the minimap while the questions panel is open: never over
        # the middle of the picture, where the stage screen is.
        self.theme = theme_for(base)  # the text size grows the panel as a whole
        self.root = self.theme.frame("top_left", frameColor=BG, frameSize=(0, WIDTH, -0.6, 0),
                                     pos=(0.03, 0, -0.37), sortOrder=11)
        self.root.hide()
        self.body = None
        self._key: tuple | None = None
        self._closed: dict[int, float] = {}  # poll id -> when this client saw it closed
        self.shown_poll: PollView | None = None
        self.wanted: PollView | None = None  # the poll to show where there is room and nothing covers it
        self.room = True  # `hud_layout` found a place for it (false: a small window with the questions open)

    @property
    def visible(self) -> bool:
        return not self.root.is_hidden()

    def set_lang(self, lang: str) -> None:
        self.lang = lang
        self._key = None

    def _wanted(self, now_ms: float) -> PollView | None:
        m = self.model
        p = m.poll
        if p is None or not m.in_event or p.event_id != m.event_id:
            return None
        if p.open:
            return p
        closed_at = self._closed.setdefault(p.poll_id, now_ms)
        return p if now_ms - closed_at < CLOSED_SHOW_MS else None

    def sync(self, now_ms: float, *, covered: bool = False) -> None:
        """`covered`: a panel that has the poll too, or the event board, is open: hide meanwhile."""
        p = self.wanted = self._wanted(now_ms)
        if covered or not self.room:
            p = None
        self.shown_poll = p
        if p is None:
            if self.visible:
                self.root.hide()
            return
        if not self.visible:
            self.root.show()
        key = (p, self.model.poll_votes.get(p.poll_id), self.lang)
        if key != self._key:
            self._key = key
            self._draw(p)

    def _draw(self, p: PollView) -> None:
        lang = self.lang
        if self.body is not None:
            self.body.destroy()
        b = self.body = holder(self.root)
        x0, x1 = PAD, WIDTH - PAD
        mine = self.model.poll_votes.get(p.poll_id)
        question = "\n".join(textwrap.wrap(p.question, 40)[:3])
        rows_q = question.count("\n") + 1
        height = 0.1 + rows_q * 0.045 + len(p.options) * OPTION_H + 0.15
        top = 0.0
        self.root["frameSize"] = (0, WIDTH, -height, top)
        x, _, z = self.root.getPos()
        self.theme.set_box(self.root.themed_pivot, (x, WIDTH + x, -height + z, top + z))
        label(b, i18n.t("event.poll.title", lang), (x0, top - 0.06), scale=0.036, fg=GOLD)
        label(b, question, (x0, top - 0.11), scale=0.034, fg=INK)
        y = top - 0.11 - rows_q * 0.045 - 0.01
        counts = p.counts if len(p.counts) == len(p.options) else ()
        most = max(counts) if counts else 0
        for i, option in enumerate(p.options):
            oy = y - i * OPTION_H
            fg = GOOD if mine == i else INK
            label(b, f"{i + 1}  {textwrap.shorten(option, 30, placeholder='…')}", (x0, oy - 0.045), scale=0.032,
                  fg=fg)
            if counts:
                bx0, bx1 = x0 + 0.52, x1 - 0.08
                DirectFrame(parent=b, frameColor=BAR_BG, frameSize=(bx0, bx1, oy - 0.06, oy - 0.02))
                share = counts[i] / most if most else 0.0
                if share > 0:
                    DirectFrame(parent=b, frameColor=BAR_MINE if mine == i else BAR,
                                frameSize=(bx0, bx0 + (bx1 - bx0) * share, oy - 0.06, oy - 0.02))
                label(b, str(counts[i]), (x1, oy - 0.05), scale=0.03, fg=INK, align=TextNode.A_right)
        foot_y = y - len(p.options) * OPTION_H - 0.03
        if not p.open:
            foot, fg = i18n.t("event.poll.closed", lang, total=p.total), MUTED
        elif mine is not None:
            foot, fg = i18n.t("event.poll.voted", lang), GOOD
        else:
            foot, fg = i18n.t("event.poll.keys", lang, n=len(p.options)), GOLD
        label(b, foot, (x0, foot_y), scale=0.03, fg=fg)
        if p.open and not counts and mine is not None:
            label(b, i18n.t("event.poll.hidden", lang), (x0, foot_y - 0.045), scale=0.026, fg=MUTED)

    def destroy(self) -> None:
        self.root.destroy()
