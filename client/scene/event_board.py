"""What the lobby's event board shows: its title ("Papan Acara" / "Event Board") and the live or
next events, on the screen of the stand `props.py` builds. Rebuilt when the board or the language
changes (a few text nodes; cheap)."""

from __future__ import annotations

from panda3d.core import NodePath

from .. import i18n
from ..state.events_world import event_board
from . import palette as P
from .signs import make_sign

__all__ = ["EventBoardScreen", "board_lines"]

SCREEN_BG = (0.04, 0.06, 0.11)
TITLE_FG = (1.0, 0.86, 0.42)
LINE_FG = (0.92, 0.95, 1.0)
MAX_CHARS = 34


def _clip(text: str, chars: int = MAX_CHARS) -> str:
    return text if len(text) <= chars else text[: chars - 1].rstrip() + "…"


def board_lines(events, lang: str, limit: int = 2) -> list[str]:
    """The lines on the screen: the live events first ("Sekarang: …"), then the next ones."""
    out = []
    for e in events:
        if e.status == "ended":
            continue
        key = "sign.event_board.live" if e.status == "live" else "sign.event_board.next"
        out.append(_clip(i18n.t(key, lang, title=e.title)))
        if len(out) >= limit:
            break
    return out or [i18n.t("sign.event_board.none", lang)]


class EventBoardScreen:
    def __init__(self, parent: NodePath, world, *, lang: str = "id") -> None:
        self.root = parent.attach_new_node("event-board-screen")
        self.solid = event_board(world)
        self.lang = lang
        self.lines: list[str] = []
        self._title: NodePath | None = None
        self._body: NodePath | None = None
        self.show([])

    def set_lang(self, lang: str, events=()) -> None:
        self.lang = lang
        self.lines = []
        self.show(events)

    def show(self, events) -> None:
        """Draw `events` (board entries, in board order) if the lines changed."""
        if self.solid is None:
            return
        lines = board_lines(events, self.lang)
        if lines == self.lines and self._title is not None:
            return
        self.lines = lines
        x0, y0, x1, y1 = self.solid.box.as_tuple()
        top = self.solid.height_m
        if (x1 - x0) >= (y1 - y0):  # faces south (-y), as signs are made
            w, pos, heading = x1 - x0 - 0.2, ((x0 + x1) / 2, y0 - 0.005), 0.0
        elif (x0 + x1) / 2 < 0:  # on the west side: faces east (+x)
            w, pos, heading = y1 - y0 - 0.2, (x1 + 0.005, (y0 + y1) / 2), 90.0
        else:
            w, pos, heading = y1 - y0 - 0.2, (x0 - 0.005, (y0 + y1) / 2), -90.0
        for node in (self._title, self._body):
            if node is not None:
                node.remove_node()
        self._title = make_sign(self.root, i18n.t("sign.event_board", self.lang), width_m=w, height_m=0.42,
                                fg=TITLE_FG, bg=P.shade(P.EJA, 0.1), name="event-board-title")
        self._title.set_pos(pos[0], pos[1], top - 0.3)
        self._body = make_sign(self.root, "\n".join(lines), width_m=w - 0.1, height_m=0.9, fg=LINE_FG, bg=SCREEN_BG,
                               text_height_m=0.2, name="event-board-lines")
        self._body.set_pos(pos[0], pos[1], top - 1.0)
        for node in (self._title, self._body):
            node.set_h(heading)

    def destroy(self) -> None:
        self.root.remove_node()
