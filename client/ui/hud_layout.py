"""Where the always-there screen pieces stand, so that none covers another at any window size or
text size: the help line owns the bottom edge (wrapped to the window's width), the chat box
(left) and the minimap with its key hint (right) stand on it, and a "Press E" prompt rises
above whatever it would cover.

`HudLayout(app).arrange()` runs once a frame and only moves things when the help line's rows,
the text size or the window changed; `rects()` gives each piece's box in window pixels (for
the screenshot summary and the overlap tests).
"""

from __future__ import annotations

from typing import Any

from .booth_widgets import box_px

__all__ = ["HudLayout", "node_rect_px", "overlaps"]

GAP = 0.015  # aspect2d units between stacked pieces
PROMPT_LIFT = 0.09  # a prompt's baseline above the floor (its text's height, roughly)


def node_rect_px(node: Any, base: Any) -> list[int] | None:
    """A node's drawn box (its tight bounds) in window pixels [x0, y0, x1, y1] from the top left;
    None when hidden or empty."""
    if node is None or node.is_empty() or node.is_hidden() or not _shown(node):
        return None
    w, h = base.win.get_x_size(), base.win.get_y_size()
    boxes = []
    bounds = node.get_tight_bounds(base.render2d)
    if bounds:
        lo, hi = bounds
        boxes.append([int(round((lo.x + 1) / 2 * w)), int(round((1 - hi.z) / 2 * h)),
                      int(round((hi.x + 1) / 2 * w)), int(round((1 - lo.z) / 2 * h))])
    try:
        size = node["frameSize"]  # a DirectFrame's own card is no geometry of its own
    except (TypeError, KeyError):
        size = None
    if size:
        boxes.append(box_px(node, size, base))
    if not boxes:
        return None
    return [min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes)]


def _shown(node: Any) -> bool:
    while not node.is_empty():
        if node.is_hidden():
            return False
        node = node.get_parent()
    return True


def overlaps(a: list[int] | None, b: list[int] | None) -> bool:
    """Two pixel boxes share area (touching edges don't count)."""
    if a is None or b is None:
        return False
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


class HudLayout:
    def __init__(self, app: Any) -> None:
        self.app = app
        self.base = app.base
        self._state: tuple = ()

    def _pieces(self) -> dict[str, Any]:
        app = self.app
        social, find, booths = getattr(app, "social", None), getattr(app, "find", None), getattr(app, "booths", None)
        out: dict[str, Any] = {"status": app.hud.panel, "help": app.hud.help, "notice": app.hud.notice}
        if social is not None:
            out["chat"] = social.chat_box.frame
            out["account"] = social.account_bar.frame
        if find is not None:
            out.update(minimap=find.minimap.root, hint=find.hint, line=find.line, desk_prompt=find.prompt,
                       fps=find.fps)
        if booths is not None:
            hud = booths.hud
            out.update(booth_prompt=hud.prompt, ticket_buttons=hud.buttons, tickets=hud.cards, toasts=hud.toasts)
        return out

    def arrange(self) -> None:
        app = self.app
        floor = app.hud.place_help() + GAP
        find = getattr(app, "find", None)
        social = getattr(app, "social", None)
        chat = social.chat_box.frame if social is not None else None
        b = self.base
        state = (round(floor, 4), b.a2dRight, find is not None and find.minimap.visible,
                 chat is not None and float(chat.getParent().get_sx()))
        if state != self._state:
            self._state = state
            if chat is not None:
                chat.set_z(floor / chat.getParent().get_sx())
            if find is not None:
                find.minimap.place(floor)
                top = find.minimap.top() if find.minimap.visible else floor
                hint = find.hint
                hint.setPos(hint.getPos()[0], (top + GAP) / hint.getParent().get_sx() + 0.012)
        self._lift_prompts(floor)

    def _lift_prompts(self, floor: float) -> None:
        """A prompt stands just above the help line, or above the chat box where it would cover it."""
        app = self.app
        prompts = []
        find, booths, social = getattr(app, "find", None), getattr(app, "booths", None), getattr(app, "social", None)
        if find is not None:
            prompts.append(find.prompt)
        if booths is not None:
            prompts.append(booths.hud.prompt)
        chat = social.chat_box.frame if social is not None else None
        for prompt in prompts:
            if prompt.is_hidden() or not prompt.getText():
                continue
            s = prompt.getParent().get_sx()
            x = prompt.getPos()[0]
            z = (floor + PROMPT_LIFT * s) / s
            if abs(prompt.getPos()[1] - z) > 1e-4:
                prompt.setPos(x, z)
            rect = node_rect_px(prompt, self.base)
            chat_rect = node_rect_px(chat, self.base) if chat is not None else None
            if overlaps(rect, chat_rect):
                h = self.base.win.get_y_size()
                chat_top = 1 - 2 * chat_rect[1] / h - self.base.a2dBottom  # aspect2d units above the bottom
                prompt.setPos(x, (chat_top + GAP + PROMPT_LIFT * s * 0.35) / s)

    def rects(self) -> dict[str, list[int]]:
        """Each piece shown now, in window pixels."""
        out = {}
        for name, node in self._pieces().items():
            rect = node_rect_px(node, self.base)
            if rect is not None and rect[2] > rect[0] and rect[3] > rect[1]:
                out[name] = rect
        return out
