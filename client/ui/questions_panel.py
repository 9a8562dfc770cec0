"""The questions panel of the event you are in (Q): the questions most votes first, answered ones
last, each with an **Dukung / Upvote** button (once), and a line to ask your own.

Keyboard-only: Tab walks the buttons and the field (`panel_keys.PanelKeys`), Enter presses or
sends, Q or Esc closes. Reads `EventModel.questions` (`state/events.py`)."""

from __future__ import annotations

import textwrap

from direct.gui.DirectGui import DirectFrame
from panda3d.core import TextNode

from .. import i18n
from ..state.events import EventModel
from .booth_widgets import BG, GOLD, GOOD, INK, MUTED, TextField, button, holder, label
from .theme import theme_for

__all__ = ["QuestionsPanel", "VISIBLE_QUESTIONS"]

WIDTH, TOP, BOTTOM = 1.3, 0.72, -0.34  # left of centre, above the chat box (`hud_layout` places it)
PAD = 0.04
ROW_H = 0.145
HEAD, FOOT = 0.13, 0.235  # the title above the rows; the field, its button and the keys below them
VISIBLE_QUESTIONS = 5
ROW_BG = (0.11, 0.13, 0.18, 0.95)


class QuestionsPanel:
    def __init__(self, base, model: EventModel, *, lang: str = "id", focus=None) -> None:
        self.base = base
        self.model = model
        self.lang = lang
        self.focus = focus
        self.root = theme_for(base).frame("left_center", frameColor=BG, frameSize=(0, WIDTH, BOTTOM, TOP),
                                          pos=(0.03, 0, 0), sortOrder=11)
        self.root.hide()
        self.static = None
        self.field: TextField | None = None
        self.body = None
        self._key: tuple | None = None
        self.rows: list[dict] = []
        self.max_rows = VISIBLE_QUESTIONS  # fewer when the window has less room (`hud_layout`)
        self.top = TOP

    @staticmethod
    def height_for(rows: int) -> float:
        return HEAD + max(1, rows) * ROW_H + FOOT

    def set_rows(self, rows: int) -> None:
        """List at most `rows` questions: the panel shrinks from the top (its field stays put)."""
        rows = max(1, min(VISIBLE_QUESTIONS, rows))
        if rows == self.max_rows:
            return
        self.max_rows = rows
        self.top = BOTTOM + self.height_for(rows)
        self.root["frameSize"] = (0, WIDTH, BOTTOM, self.top)
        if self.static is not None:
            self._build_static()
        self._key = None

    @property
    def visible(self) -> bool:
        return not self.root.is_hidden()

    def show(self, on: bool) -> None:
        if on and not self.visible:
            self.root.show()
            self._key = None
            if self.static is None:
                self._build_static()
        elif not on and self.visible:
            self.root.hide()
            if self.field is not None and self.focus is not None:
                self.focus.release(self.field)

    def set_lang(self, lang: str) -> None:
        self.lang = lang
        if self.static is not None:
            self._build_static()
        self._key = None

    def _build_static(self) -> None:
        if self.static is not None:
            self.static.destroy()
        if self.field is not None:
            self.field.destroy()
        lang = self.lang
        s = self.static = holder(self.root)
        x0 = PAD
        label(s, i18n.t("event.questions.title", lang), (x0, self.top - 0.075), scale=0.05, fg=GOLD)
        y = BOTTOM + 0.2
        label(s, i18n.t("event.questions.field", lang), (x0, y), scale=0.032, fg=INK)
        self.field = TextField(s, (x0, y - 0.075), width=WIDTH - 2 * PAD - 0.3, focus=self.focus, scale=0.034,
                               on_enter=self.ask, max_chars=300)
        button(s, i18n.t("event.questions.ask", lang), (WIDTH - PAD, y - 0.07), self._ask_button, scale=0.034,
               align="right")
        label(s, i18n.t("event.questions.keys", lang), (WIDTH / 2, BOTTOM + 0.035), scale=0.027, fg=MUTED,
              align=TextNode.A_center)

    def _ask_button(self) -> None:
        if self.field is not None:
            self.ask(self.field.get())

    def ask(self, text: str) -> None:
        if text.strip() and self.model.ask(text):
            if self.field is not None:
                self.field.set("")

    def sync(self) -> None:
        if not self.visible:
            return
        m = self.model
        key = (m.rev["questions"], self.lang, self.max_rows)
        if key != self._key:
            self._key = key
            self._draw()

    def _draw(self) -> None:
        m, lang = self.model, self.lang
        if self.body is not None:
            self.body.destroy()
        b = self.body = holder(self.root)
        x0, x1 = PAD, WIDTH - PAD
        questions = m.visible_questions()
        self.rows = []
        top = self.top - HEAD
        if not questions:
            label(b, i18n.t("event.questions.empty", lang), (x0, top - 0.06), scale=0.034, fg=MUTED)
            return
        for i, q in enumerate(questions[:self.max_rows]):
            y = top - i * ROW_H
            DirectFrame(parent=b, frameColor=ROW_BG, frameSize=(x0 - 0.015, x1 + 0.015, y - ROW_H + 0.012, y))
            text = textwrap.shorten(q.text, width=110, placeholder="…")
            label(b, text, (x0, y - 0.045), scale=0.03, fg=MUTED if q.answered else INK, width=x1 - x0 - 0.32)
            meta = [i18n.t("event.questions.votes", lang, votes=q.votes), i18n.t("event.questions.by", lang,
                                                                                  name=q.name)]
            if q.answered:
                meta.append(i18n.t("event.questions.answered", lang))
            label(b, " • ".join(meta), (x0, y - 0.125), scale=0.026, fg=GOOD if q.answered else MUTED)
            voted = q.id in m.voted_questions
            if voted:
                label(b, i18n.t("event.questions.voted", lang), (x1, y - 0.05), scale=0.03, fg=GOOD,
                      align=TextNode.A_right)
            elif not q.answered:
                button(b, i18n.t("event.questions.vote", lang), (x1, y - 0.05), m.vote_question,
                       args=(q.id,), scale=0.03, align="right")
            self.rows.append({"id": q.id, "text": q.text, "votes": q.votes, "voted": voted})

    def destroy(self) -> None:
        if self.field is not None:
            self.field.destroy()
        self.root.destroy()
