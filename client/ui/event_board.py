"""The event board panel: upcoming and live town-hall events, each with its title, OPD, time,
status and how many registered of its capacity, and the actions **Daftar / Register**,
**Pergi ke acara / Go to event** and **Tinggalkan / Leave**.

Opened with F12 anywhere, or E at the board in the lobby; keyboard-only: Tab walks the buttons
(`panel_keys.PanelKeys`), Enter or Space presses, Esc or F12 closes. Reads `EventModel`
(`state/events.py`); the buttons call back into `ui/event_ui.py`.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from direct.gui.DirectGui import DirectFrame
from panda3d.core import TextNode

from .. import i18n
from ..state.events import EventEntry, EventModel
from .booth_widgets import BAD, BG, BUTTON, BUTTON_ON, GOLD, GOOD, INK, MUTED, button, holder, label
from .theme import theme_for

__all__ = ["EventBoardPanel", "board_notes", "when_text", "VISIBLE_EVENTS"]

WIDTH, TOP, BOTTOM = 1.9, 0.74, -0.78
PAD = 0.05
ROW_H = 0.255
VISIBLE_EVENTS = 5
LIVE_BG = (0.62, 0.08, 0.10, 1.0)
ROW_BG = (0.11, 0.13, 0.18, 0.95)
ROW_LIVE_BG = (0.20, 0.09, 0.10, 0.95)


def when_text(start_ms: int, end_ms: int, lang: str) -> str:
    """ "03/12 14:00–15:30" in local time."""
    if start_ms <= 0:
        return ""
    s, e = time.localtime(start_ms / 1000), time.localtime(end_ms / 1000)
    return i18n.t("event.board.when", lang, day=time.strftime("%d/%m", s), start=time.strftime("%H:%M", s),
                  end=time.strftime("%H:%M", e))


def _clip(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[: max(1, chars - 1)].rstrip() + "…"


def board_notes(*, logged_in: bool, has_events: bool, loaded: bool) -> list[str]:
    """The translation keys of the lines above the rows: why a guest can't register, and, with
    no rows, that there is nothing yet (or that the board is still on its way)."""
    notes = [] if logged_in else ["event.board.login"]
    if not has_events:
        notes.append("event.board.empty" if loaded else "event.board.loading")
    return notes


class EventBoardPanel:
    def __init__(self, base, model: EventModel, *, lang: str = "id", on_register: Callable[[int], None],
                 on_go: Callable[[int], None], on_leave: Callable[[int], None],
                 logged_in: Callable[[], bool] = lambda: True) -> None:
        self.base = base
        self.model = model
        self.lang = lang
        self.on_register, self.on_go, self.on_leave = on_register, on_go, on_leave
        self.logged_in = logged_in
        self.theme = theme_for(base)  # the text size grows the panel as a whole
        self.root = self.theme.frame("center", frameColor=BG, frameSize=(-WIDTH / 2, WIDTH / 2, BOTTOM, TOP),
                                     pos=(0, 0, 0), sortOrder=12)
        self.root.hide()
        self.body = None
        self.loaded = False  # a whole board has arrived (until then: "loading")
        self.first = 0
        self.max_rows = VISIBLE_EVENTS  # fewer when the window has less room (`hud_layout`); the arrows scroll
        self._key: tuple | None = None
        self.rows: list[dict] = []  # what is drawn, for a summary
        self.notes: list[str] = []  # the lines above the rows, as drawn

    @property
    def visible(self) -> bool:
        return not self.root.is_hidden()

    def show(self, on: bool) -> None:
        if on:
            self.root.show()
            self._key = None
        else:
            self.root.hide()

    def set_lang(self, lang: str) -> None:
        self.lang = lang
        self._key = None

    def scroll(self, delta: int) -> None:
        n = len(self.model.board)
        self.first = max(0, min(self.first + delta, max(0, n - self.max_rows)))
        self._key = None

    def sync(self) -> None:
        if not self.visible:
            return
        m = self.model
        key = (m.rev["board"], m.rev["joined"], len(m.registered), self.lang, self.first, self.loaded,
               self.logged_in(), self.max_rows)
        if key != self._key:
            self._key = key
            self._draw()

    def _draw(self) -> None:
        m, lang = self.model, self.lang
        if self.body is not None:
            self.body.destroy()
        b = self.body = holder(self.root)
        x0, x1 = -WIDTH / 2 + PAD, WIDTH / 2 - PAD
        label(b, i18n.t("event.board.title", lang), (x0, TOP - 0.085), scale=0.058, fg=GOLD)
        events = m.board
        rows = self.max_rows
        shown = min(len(events), rows)
        # As tall as what it lists (from the top), so the world shows below a short board.
        bottom = max(BOTTOM, TOP - self.height_for(shown, more=len(events) > shown))
        self.root["frameSize"] = (-WIDTH / 2, WIDTH / 2, bottom, TOP)
        self.theme.set_box(self.root.themed_pivot, (-WIDTH / 2, WIDTH / 2, bottom, TOP))
        label(b, i18n.t("event.board.keys", lang), (0, bottom + 0.04), scale=0.03, fg=MUTED,
              align=TextNode.A_center)
        self.rows = []
        top = TOP - 0.15
        self.notes = [i18n.t(k, lang) for k in board_notes(logged_in=self.logged_in(), has_events=bool(events),
                                                           loaded=self.loaded)]
        for note in self.notes:
            label(b, note, (x0, top - 0.06), scale=0.036, fg=MUTED)
            top -= 0.08
        if not events:
            return
        self.first = max(0, min(self.first, max(0, len(events) - rows)))
        for i, e in enumerate(events[self.first:self.first + rows]):
            self._row(b, e, top - i * ROW_H, x0, x1)
        if len(events) > self.first + rows:
            label(b, i18n.t("dir.more", lang, count=len(events) - self.first - rows),
                  (x0, top - rows * ROW_H - 0.01), scale=0.028, fg=MUTED)

    def height_for(self, rows: int, *, more: bool = False) -> float:
        """How tall the panel is (its units) listing `rows` events: the title, the notes, the rows,
        a "more" line when some are left out, the keys at the bottom."""
        notes = len(board_notes(logged_in=self.logged_in(), has_events=rows > 0, loaded=self.loaded))
        return 0.15 + max(1, rows) * ROW_H + (0.07 if more else 0.0) + max(0, notes - (0 if rows else 1)) * 0.08 + 0.1

    def _row(self, b, e: EventEntry, y: float, x0: float, x1: float) -> None:
        m, lang = self.model, self.lang
        live = e.status == "live"
        DirectFrame(parent=b, frameColor=ROW_LIVE_BG if live else ROW_BG,
                    frameSize=(x0 - 0.02, x1 + 0.02, y - ROW_H + 0.02, y))
        badge = i18n.t(f"event.status.{e.status}", lang)
        badge_w = label(b, badge, (x0 + 0.01, y - 0.06), scale=0.032,
                        fg=(1, 1, 1, 1) if live else (GOOD if e.status == "scheduled" else MUTED),
                        bg=LIVE_BG if live else (0, 0, 0, 0))
        left = x0 + 0.03 + badge_w.textNode.get_width() * 0.032
        label(b, _clip(e.title, 48), (left + 0.02, y - 0.06), scale=0.04, fg=GOLD if live else INK)
        detail = " • ".join(p for p in (e.opd, when_text(e.start_ms, e.end_ms, lang),
                                         i18n.t(f"event.doors.{e.doors}", lang)) if p)
        label(b, _clip(detail, 70), (x0 + 0.01, y - 0.12), scale=0.031, fg=MUTED)
        people = i18n.t("event.board.people", lang, registered=e.registered, capacity=e.capacity)
        if e.host:
            people += " • " + i18n.t("event.board.host", lang, host=e.host)
        label(b, _clip(people, 70), (x0 + 0.01, y - 0.175), scale=0.031, fg=MUTED)
        mine = []
        if e.id in m.registered:
            mine.append(i18n.t("event.board.you_registered", lang))
        inside = m.event_id == e.id
        if inside:
            mine.append(i18n.t("event.board.you_are_in", lang))
        if mine:
            label(b, " • ".join(mine), (x0 + 0.01, y - 0.225), scale=0.029, fg=GOOD)
        # The actions, right-aligned on the row.
        x = x1
        actions: list[tuple[str, Callable[[int], None], tuple[float, ...] | None]] = []  # None: the plain colour
        if inside:
            actions.append(("event.leave", self.on_leave, BAD))
        elif e.status != "ended":
            if live:
                actions.append(("event.go", self.on_go, BUTTON_ON))
            if e.id not in m.registered and self.logged_in():
                actions.append(("event.register", self.on_register, None))
        for key, command, colour in actions:
            btn = button(b, i18n.t(key, lang), (x, y - 0.09), command, args=(e.id,), scale=0.034, align="right",
                         colour=colour or BUTTON)
            x -= btn.width_units + 0.03
        self.rows.append({"id": e.id, "title": e.title, "status": e.status, "registered": e.id in m.registered,
                          "inside": inside, "actions": [k.split(".")[-1] for k, _, _ in actions]})

    def destroy(self) -> None:
        self.root.destroy()
