"""Where the always-there screen pieces stand, so that none covers another at any window size or
text size: the help line owns the bottom edge (wrapped to the window's width), the chat box
(left) and the minimap with its key hint (right) stand on it, and a "Press E" prompt rises
above whatever it would cover. In a town hall the event line hangs under the zone line, the
questions panel (Q) fills the left between the status strip and the chat box, the poll stands on
the chat box (above the minimap while the questions panel is open) and the event board stands in
the middle between the top pieces and the bottom ones, left of the right-hand column (toasts,
account): none of them covers another or the middle of the picture, where the stage screen is.

`HudLayout(app).arrange()` runs once a frame and only moves things when the help line's rows,
the text size or the window changed; `rects()` gives each piece's box in window pixels (for
the screenshot summary and the overlap tests).
"""

from __future__ import annotations

from typing import Any

from .booth_widgets import box_px
from .questions_panel import VISIBLE_QUESTIONS
from .theme import theme_for

__all__ = ["HudLayout", "node_rect_px", "overlaps"]

GAP = 0.015  # aspect2d units between stacked pieces
PROMPT_LIFT = 0.125  # a prompt's baseline above the floor: clear of the help line, as low as can be read
EDGE = 0.03  # aspect2d units between a side panel and the window's edge
MIN_PANEL_SCALE = 0.6  # a panel shrinks into a small window no further than this
TOPS = ("status", "account", "ticket_buttons", "tickets", "line", "event_line", "notice")  # hang from the top
FLOORS = ("chat", "minimap", "hint", "help")  # stand on the bottom


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
    if size and size[1] > size[0] and size[3] > size[2]:  # a holder's empty card is no box (it sits on its corner)
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
        events = getattr(app, "event_ui", None)
        if events is not None:
            out.update(event_line=events.line, event_prompt=events.prompt, poll=events.poll.root,
                       questions=events.questions.root, board=events.board.root)
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
        self._place_event_panels()
        self._toast_floor()

    def _lift_prompts(self, floor: float) -> None:
        """A prompt stands on the floor, centred in the gap between the chat box and the minimap,
        and rises above whatever it would still cover (a narrow window, large text)."""
        app, b = self.app, self.base
        find, booths = getattr(app, "find", None), getattr(app, "booths", None)
        events = getattr(app, "event_ui", None)
        prompts = [p for p in (find.prompt if find else None, booths.hud.prompt if booths else None,
                               events.prompt if events else None)
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
        """The zone / guide line, the event line under it and the notice hang below the corner
        panels (and the toasts) they would cover, and never on each other."""
        app, b = self.app, self.base
        pieces = self._pieces()
        obstacles = _rects_px(pieces, ("status", "account", "ticket_buttons", "tickets"), b)
        find, events = getattr(app, "find", None), getattr(app, "event_ui", None)
        lines: list[list[int]] = []
        for node, home in ((find.line if find is not None else None, -0.2),
                           (events.line if events is not None else None, -0.2),
                           (app.hud.notice, -0.1)):
            if node is None or node.is_hidden() or not node.getText():
                continue
            s = node.getParent().get_sx()
            node.setPos(node.getPos()[0], home)
            _clear(node, obstacles, b, self._units_per_px() / s, up=False)
            rect = node_rect_px(node, b)
            if rect is not None:
                obstacles.append(rect)  # the next line hangs under this one
                lines.append(rect)
        self._toasts_below(lines)

    def _toasts_below(self, lines: list[list[int]]) -> None:
        """The toasts start under a line wide enough to reach the right-hand column (large text in a
        small window); otherwise under the ticket buttons, as always."""
        booths = getattr(self.app, "booths", None)
        if booths is None:
            return
        b = self.base
        upp = self._units_per_px()
        column = self._right_column_px(b.win.get_x_size(), upp)
        low = max([r[3] for r in lines if r[2] > column] + [0])
        corner = booths.hud.corner
        top = None
        if low:
            _, z = self._px_to_a2d(0, low)
            top = round((z - GAP - corner.get_z(b.aspect2d)) / corner.get_sz(), 3)
        booths.hud.toast_top = top

    # ── town-hall panels ─────────────────────────────────────────────────────
    def _band(self, x0: float, x1: float, exclude: tuple[str, ...] = ()) -> tuple[float, float]:
        """The free rows (pixels, top and bottom) between the pieces hanging from the top and those
        standing on the bottom whose columns meet [x0, x1]."""
        pieces, b = self._pieces(), self.base
        top, bottom = 0.0, float(b.win.get_y_size())
        for names, is_top in ((TOPS, True), (FLOORS, False)):
            for k in names:
                r = node_rect_px(pieces.get(k), b) if k not in exclude else None
                if r is None or r[2] <= x0 or r[0] >= x1:
                    continue
                top, bottom = (max(top, r[3]), bottom) if is_top else (top, min(bottom, r[1]))
        return top, bottom

    def _px_to_a2d(self, x: float, y: float) -> tuple[float, float]:
        b = self.base
        return (b.a2dLeft + x / b.win.get_x_size() * (b.a2dRight - b.a2dLeft),
                b.a2dTop - y / b.win.get_y_size() * (b.a2dTop - b.a2dBottom))

    @staticmethod
    def _box(frame: Any) -> tuple[float, float, float, float]:
        """A themed frame's box in its pivot's units: left, right, bottom, top."""
        left, right, bottom, top = frame["frameSize"]
        x, _, z = frame.getPos()
        return x + left, x + right, z + bottom, z + top

    def _put(self, frame: Any, x_px: float, y_px: float, scale: float, *, right: bool = False,
             below: bool = False) -> None:
        """Scale a themed frame's pivot to `scale` and put the frame's top left corner (its top right
        with `right`, its bottom with `below`) on the pixel (x_px, y_px)."""
        left, r, bottom, top = self._box(frame)
        x, z = self._px_to_a2d(x_px, y_px)
        pivot = frame.getParent()
        pivot.set_scale(scale)
        pivot.set_pos(x - scale * (r if right else left), 0, z - scale * (bottom if below else top))

    def _fit(self, want: float, room_px: float, size_units: float) -> float:
        """The text size, or less where `room_px` can't hold `size_units` at it (never below
        MIN_PANEL_SCALE)."""
        upp = self._units_per_px()
        return max(MIN_PANEL_SCALE, min(want, room_px * upp / size_units if size_units > 0 else want))

    def _place_event_panels(self) -> None:
        events = getattr(self.app, "event_ui", None)
        if events is None:
            return
        b = self.base
        w = b.win.get_x_size()
        upp = self._units_per_px()
        want = theme_for(b).text_scale
        gap_px = GAP / upp
        edge_px = EDGE / upp
        questions = events.questions.root
        if not questions.is_hidden():
            # At the text size, listing as many questions as fit; shrunk only when not even one does.
            panel = events.questions
            left, right, _, _ = self._box(questions)
            top_px, bottom_px = self._band(edge_px, edge_px + (right - left) * want / upp)
            room = (bottom_px - top_px - 2 * gap_px) * upp
            panel.set_rows(next((n for n in range(VISIBLE_QUESTIONS, 0, -1) if panel.height_for(n) * want <= room), 1))
            s = self._fit(want, bottom_px - top_px - 2 * gap_px, panel.height_for(panel.max_rows))
            self._put(questions, edge_px, top_px + gap_px, s)
        poll = events.poll.root
        if events.poll.wanted is not None:
            left, right, bottom, top = self._box(poll)
            width_px, height = (right - left) * want / upp, top - bottom
            top_l, bottom_l = self._band(edge_px, edge_px + width_px)
            top_r, bottom_r = self._band(w - edge_px - width_px, w - edge_px, exclude=("toasts",))
            readable = min(want, 1.0) * 0.85
            fit_l = self._fit(want, bottom_l - top_l - 2 * gap_px, height)
            fit_r = self._fit(want, bottom_r - top_r - 2 * gap_px, height)
            # Standing on the chat box; above the minimap while the questions panel has the left,
            # or while you are seated (the stage screen then takes the picture's middle and left:
            # the picture's centre moves beside the poll, see ClientApp._side_panel_spans); where
            # neither has room to read it, left out until the questions close (the stage shows it too).
            camera = getattr(self.app, "camera", None)
            on_left = questions.is_hidden() and not (camera is not None and camera.seated > 0.0)
            events.poll.room = fit_l >= readable if on_left else fit_r >= readable
            if on_left:
                self._put(poll, edge_px, bottom_l - gap_px, fit_l, below=True)
            else:
                self._put(poll, w - edge_px, bottom_r - gap_px, fit_r, right=True, below=True)
        board = events.board.root
        if not board.is_hidden():
            self._place_board(events.board, w, upp, want, gap_px, edge_px)

    def _right_column_px(self, w: int, upp: float) -> float:
        """Where the right-hand column (account bar, ticket buttons, toasts) begins, in pixels."""
        booths = getattr(self.app, "booths", None)
        left = float(w)
        if booths is not None:
            from .ticket_hud import CARD_W

            corner = booths.hud.corner
            x = corner.get_x(self.base.aspect2d) - corner.get_sx() * (CARD_W + 0.03)
            left = (x - self.base.a2dLeft) / upp
        account = node_rect_px(self._pieces().get("account"), self.base)
        if account is not None:
            left = min(left, account[0])
        return left

    def _place_board(self, panel: Any, w: int, upp: float, want: float, gap_px: float, edge_px: float) -> None:
        """In the middle, left of the right-hand column, between the top pieces and the bottom ones:
        as many rows as fit (the arrows scroll the rest), shrunk only when not even one fits."""
        from .event_board import VISIBLE_EVENTS, WIDTH

        x0, x1 = edge_px, self._right_column_px(w, upp) - gap_px
        s = min(want, (x1 - x0) * upp / WIDTH)
        left_px = (x0 + x1) / 2 - WIDTH * s / upp / 2
        top_px, bottom_px = self._band(left_px, left_px + WIDTH * s / upp)
        room = (bottom_px - top_px - 2 * gap_px) * upp / s  # the board's units
        more = len(panel.model.board) > 1
        rows = next((n for n in range(VISIBLE_EVENTS, 0, -1) if panel.height_for(n, more=more) <= room), 1)
        panel.max_rows = rows
        s = max(MIN_PANEL_SCALE, min(s, (bottom_px - top_px - 2 * gap_px) * upp / panel.height_for(rows, more=more)))
        left_px = (x0 + x1) / 2 - WIDTH * s / upp / 2
        self._put(panel.root, left_px, top_px + gap_px, s)

    def _toast_floor(self) -> None:
        """The toasts stop above whatever stands under them in the right-hand column: the poll, the
        minimap's key hint, the minimap (the newest toasts shown, older ones left out)."""
        booths = getattr(self.app, "booths", None)
        if booths is None:
            return
        b = self.base
        pieces = self._pieces()
        column = self._right_column_px(b.win.get_x_size(), self._units_per_px())
        below = [r for r in _rects_px(pieces, ("poll", "hint", "minimap"), b) if r[2] > column]
        floor = None
        if below:
            _, z = self._px_to_a2d(0, min(r[1] for r in below))
            corner = booths.hud.corner
            floor = round((z + GAP - corner.get_z(b.aspect2d)) / corner.get_sz(), 3)
        booths.hud.toast_floor = floor

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
