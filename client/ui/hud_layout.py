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
PROMPT_LIFT = 0.125  # a prompt's baseline above the floor: clear of the help line, as low as can be read


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
    except (TypeError, KeyError, AttributeError):  # not a DirectGUI widget, or text (OnscreenText)
        size = None
    if size:
        boxes.append(box_px(node, size, base))
    if not boxes:
        return None
    return [min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes)]


def _rects_px(pieces: dict[str, Any], keys: tuple[str, ...], base: Any) -> list[list[int]]:
    """The pixel boxes of those of `keys` that are there and shown."""
    rects = (node_rect_px(pieces[k], base) for k in keys if k in pieces)
    return [r for r in rects if r is not None]


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


def _clear(node: Any, obstacles: list[list[int]], base: Any, units_per_px: float, *, up: bool) -> None:
    """Move an OnscreenText up (or down) until it covers none of `obstacles` (pixel boxes)."""
    for _ in range(len(obstacles) + 1):
        rect = node_rect_px(node, base)
        hit = [r for r in obstacles if overlaps(rect, r)]
        if rect is None or not hit:
            return
        px = (rect[3] - min(r[1] for r in hit)) if up else (max(r[3] for r in hit) - rect[1])
        x, z = node.getPos()
        node.setPos(x, z + (px + 4) * units_per_px * (1 if up else -1))


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
        self._clear_top()

    def _lift_prompts(self, floor: float) -> None:
        """A prompt stands on the floor, centred in the gap between the chat box and the minimap,
        and rises above whatever it would still cover (a narrow window, large text)."""
        app, b = self.app, self.base
        find, booths = getattr(app, "find", None), getattr(app, "booths", None)
        prompts = [p for p in (find.prompt if find else None, booths.hud.prompt if booths else None)
                   if p is not None and not p.is_hidden() and p.getText()]
        if not prompts:
            return
        pieces = self._pieces()
        obstacles = _rects_px(pieces, ("chat", "minimap", "hint", "help"), b)
        w = b.win.get_x_size()
        beside = _rects_px(pieces, ("chat", "minimap", "hint"), b)
        left = max([r[2] for r in beside if r[0] < w / 3] + [0])  # the chat box's right edge
        right = min([r[0] for r in beside if r[0] > w / 2] + [w])  # the minimap's or hint's left edge
        for prompt in prompts:
            s = prompt.getParent().get_sx()
            prompt.setPos(0, (floor + PROMPT_LIFT * s) / s)
            rect = node_rect_px(prompt, b)
            fits_gap = rect is not None and rect[2] - rect[0] + 8 <= right - left
            # bottom_center's x is the window's middle; too wide for the gap, it stays there (and rises).
            x = (left + right - w) / 2 * self._units_per_px() / s if fits_gap else 0.0
            prompt.setPos(x, (floor + PROMPT_LIFT * s) / s)
            _clear(prompt, obstacles, b, self._units_per_px() / s, up=True)

    def _clear_top(self) -> None:
        """The zone / guide line and the notice hang below the corner panels they would cover."""
        app, b = self.app, self.base
        pieces = self._pieces()
        obstacles = _rects_px(pieces, ("status", "account", "ticket_buttons"), b)
        for node, home in ((getattr(app.find, "line", None) if hasattr(app, "find") else None, -0.2),
                           (app.hud.notice, -0.1)):
            if node is None or node.is_hidden() or not node.getText():
                continue
            s = node.getParent().get_sx()
            node.setPos(node.getPos()[0], home)
            _clear(node, obstacles, b, self._units_per_px() / s, up=False)

    def _units_per_px(self) -> float:
        return 2.0 / self.base.win.get_y_size()  # aspect2d units per pixel, either way

    def rects(self) -> dict[str, list[int]]:
        """Each piece shown now, in window pixels."""
        out = {}
        for name, node in self._pieces().items():
            rect = node_rect_px(node, self.base)
            if rect is not None and rect[2] > rect[0] and rect[3] > rect[1]:
                out[name] = rect
        return out
