"""Small DirectGUI pieces the booth panels share: colours, labels that wrap and report their
height, flat buttons, text fields that take the keyboard focus, a choice cycler, and a column
that lays widgets out top to bottom and says when the next one would not fit.

Every widget is parented to a `Holder` (a DirectFrame), so a panel redraws a part by
destroying one holder and building it again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from direct.gui import DirectGuiGlobals as DGG
from direct.gui.DirectGui import DirectButton, DirectEntry, DirectFrame
from direct.gui.OnscreenText import OnscreenText
from panda3d.core import TextNode

# The named colours live with the theme: in high contrast these widgets draw them with its palette.
from .theme import BAD, BG, BG_DARK, BUTTON, BUTTON_ON, GOLD, GOOD, INK, MUTED, active_palette, themed, themed_bg

__all__ = [
    "INK",
    "MUTED",
    "GOLD",
    "BAD",
    "GOOD",
    "BG",
    "BG_DARK",
    "BUTTON",
    "BUTTON_ON",
    "Column",
    "label",
    "text_height",
    "button",
    "TextField",
    "Cycler",
    "holder",
    "Parts",
    "screen_rect",
    "box_px",
]

FIELD = (0.93, 0.93, 0.90, 1.0)
FIELD_BAD = (1.0, 0.82, 0.80, 1.0)


def holder(parent, pos=(0, 0, 0)) -> DirectFrame:
    """An invisible frame to hang widgets on (destroying it destroys them)."""
    return DirectFrame(parent=parent, frameColor=(0, 0, 0, 0), frameSize=(0, 0, 0, 0), pos=pos)


class Parts:
    """A panel's parts, each on a holder of its own, redrawn only when that part's key changes:

        if parts.due("list", (rev,)):   # the key changed: the old holder is gone
            h = parts.holder("list")    # a fresh one to draw on
    """

    def __init__(self, parent, *, make: Callable[[Any], Any] = holder) -> None:
        self._parent = parent
        self._make = make
        self.holders: dict[str, Any] = {}
        self.keys: dict[str, tuple] = {}

    def due(self, part: str, key: tuple) -> bool:
        """True (and the part's old holder destroyed) when `key` differs from the last drawing's."""
        if self.keys.get(part) == key:
            return False
        self.keys[part] = key
        old = self.holders.pop(part, None)
        if old is not None:
            old.destroy()
        return True

    def holder(self, part: str):
        h = self.holders[part] = self._make(self._parent)
        return h

    def redraw(self, part: str) -> None:
        """`part` is due at the next check, whatever its key."""
        self.keys.pop(part, None)

    def redraw_all(self) -> None:
        """Every part is due at the next check (a language switch, a change of what is enabled)."""
        self.keys.clear()

    def clear(self) -> None:
        """Destroy every part's holder."""
        for h in self.holders.values():
            h.destroy()
        self.holders.clear()
        self.keys.clear()


def label(parent, text: str, pos: tuple[float, float], *, scale: float = 0.038, fg=INK, width: float | None = None,
          align=TextNode.A_left, bg=None) -> OnscreenText:
    """Text at `pos` (its first baseline); wraps at `width` (aspect2d units) when given."""
    kw = {}
    if width is not None:
        kw["wordwrap"] = max(1.0, width / scale)
    if bg is not None:
        kw["bg"] = themed_bg(bg)
    return OnscreenText(text=text, parent=parent, pos=pos, scale=scale, fg=themed(fg), align=align, mayChange=True,
                        **kw)


def text_height(widget: OnscreenText, scale: float) -> float:
    """How far down the text reaches below its first baseline's top (rows × line height)."""
    node = widget.textNode
    return max(1, node.get_num_rows()) * node.get_line_height() * scale


def button(parent, text: str, pos: tuple[float, float], command: Callable, *, args: Sequence = (),
           scale: float = 0.036, width: float | None = None, colour=BUTTON, fg=INK, enabled: bool = True,
           align: str = "left") -> DirectButton:
    """A flat button at the text baseline `pos[1]`; `pos[0]` is its left edge, centre or right edge (`align`)."""
    pad_x, pad_y = 0.45, 0.28
    if colour == BUTTON_ON and fg == INK:
        fg = active_palette().on_button_on  # black on yellow in high contrast
    b = DirectButton(
        parent=parent, text=text, text_scale=1.0, text_fg=themed(fg if enabled else MUTED),
        text_align=TextNode.A_center, relief=DGG.FLAT,
        frameColor=themed(colour) if enabled else (0.16, 0.17, 0.20, 1.0), scale=scale, pad=(pad_x, pad_y),
        command=command if enabled else None, extraArgs=list(args), pressEffect=1,
        state=DGG.NORMAL if enabled else DGG.DISABLED,
    )
    left, right, bottom, top = b.getBounds()
    w = right - left
    if width is not None and width / scale > w:
        grow = (width / scale - w) / 2
        left, right, w = left - grow, right + grow, width / scale
        b["frameSize"] = (left, right, bottom, top)
    anchor = {"left": left, "center": (left + right) / 2, "right": right}[align]
    x = pos[0] - anchor * scale
    b.set_pos(x, 0, pos[1])
    b.width_units = w * scale  # how much room it takes, for laying out rows of buttons
    return b


class TextField:
    """A DirectEntry that takes the keyboard focus while clicked (so typing doesn't walk) and
    gives it back on Enter, on Esc (the focus owner's key) or when destroyed.

    No horizontal scrolling (`overflow`): its clipping hides the text in the software
    renderer. A field holds what fits in its `lines`."""

    def __init__(self, parent, pos: tuple[float, float], *, width: float, initial: str = "", focus=None,
                 scale: float = 0.036, lines: int = 1, on_enter: Callable[[str], None] | None = None,
                 max_chars: int = 0) -> None:
        self.focus = focus
        self.on_enter = on_enter
        self.entry = DirectEntry(
            parent=parent, initialText=initial, scale=scale, width=width / scale, numLines=lines,
            pos=(pos[0], 0, pos[1]), frameColor=FIELD, text_fg=(0.05, 0.05, 0.08, 1), relief=DGG.FLAT,
            pad=(0.25, 0.2), command=self._entered, focusInCommand=self._focus_in,
            focusOutCommand=self._focus_out, overflow=0, cursorKeys=1,
            backgroundFocus=0, autoCapitalize=0, entryFont=None,
        )
        if max_chars:
            self.entry.guiItem.set_max_chars(max_chars)

    def get(self) -> str:
        return self.entry.get()

    def set(self, text: str) -> None:
        self.entry.enterText(text)

    def mark(self, bad: bool) -> None:
        self.entry["frameColor"] = FIELD_BAD if bad else FIELD

    def _focus_in(self) -> None:
        if self.focus is not None:
            self.focus.take(self, on_release=self._unfocus)

    def _unfocus(self) -> None:
        try:
            self.entry["focus"] = 0
        except Exception:  # noqa: BLE001 - the widget may already be gone
            pass

    def _focus_out(self) -> None:
        if self.focus is not None:
            self.focus.release(self)

    def _entered(self, text: str) -> None:
        if self.focus is not None:
            self.focus.release(self)
        if self.on_enter is not None:
            self.on_enter(text)

    def destroy(self) -> None:
        if self.focus is not None:
            self.focus.release(self)
        self.entry.destroy()


class Cycler:
    """Pick one of a few values with « » (no pop-up menus: they misbehave over the 3D view)."""

    def __init__(self, parent, pos: tuple[float, float], values: Sequence[str], *, width: float,
                 current: str = "", blank: str = "", on_change: Callable[[str], None] | None = None,
                 scale: float = 0.034, show: Callable[[str], str] | None = None) -> None:
        self.values = list(values)
        self.blank = blank
        self.show = show or (lambda v: v)
        self.on_change = on_change
        self.index = self.values.index(current) if current in self.values else -1
        x, y = pos
        self.left = button(parent, "«", (x, y), self.step, args=(-1,), scale=scale)
        self.right = button(parent, "»", (x + width - self.left.width_units, y), self.step, args=(1,), scale=scale)
        mid = x + width / 2
        self.text = label(parent, "", (mid, y), scale=scale, align=TextNode.A_center, fg=(0.05, 0.05, 0.08, 1))
        self.box = DirectFrame(parent=parent, frameColor=FIELD,
                               frameSize=(x + self.left.width_units + 0.01, x + width - self.right.width_units - 0.01,
                                          y - 0.3 * scale, y + 0.95 * scale))
        self.box.set_bin("gui-popup", 0)
        self.text.reparent_to(self.box)
        self._draw()

    @property
    def value(self) -> str:
        return self.values[self.index] if 0 <= self.index < len(self.values) else ""

    def get(self) -> str:
        """The chosen value, read as a TextField's text is (forms keep both in one table)."""
        return self.value

    def set(self, value: str) -> None:
        """Choose `value` (nothing when it is not one of the values), as TextField.set replaces the text."""
        self.index = self.values.index(value) if value in self.values else -1
        self._draw()

    def step(self, d: int) -> None:
        if not self.values:
            return
        self.index = (self.index + d) % len(self.values) if self.index >= 0 else (0 if d > 0 else len(self.values) - 1)
        self._draw()
        if self.on_change is not None:
            self.on_change(self.value)

    def mark(self, bad: bool) -> None:
        self.box["frameColor"] = FIELD_BAD if bad else FIELD

    def _draw(self) -> None:
        self.text.setText(self.show(self.value) if self.value else self.blank)

    def destroy(self) -> None:
        for w in (self.left, self.right, self.text, self.box):
            w.destroy()


class Column:
    """Lays widgets out downwards from `top` within [x, x + width], stopping above `bottom`."""

    def __init__(self, parent, x: float, top: float, width: float, bottom: float) -> None:
        self.parent = parent
        self.x = x
        self.y = top
        self.width = width
        self.bottom = bottom
        self.full = False

    def fits(self, height: float) -> bool:
        return self.y - height >= self.bottom

    def text(self, text: str, *, scale: float = 0.036, fg=INK, gap: float = 0.012, indent: float = 0.0,
             must_fit: bool = True) -> OnscreenText | None:
        """A wrapped paragraph; None (and `full`) when it would cross the bottom."""
        if self.full:
            return None
        widget = label(self.parent, text, (self.x + indent, self.y - scale), scale=scale, fg=fg,
                       width=self.width - indent)
        h = text_height(widget, scale)
        if must_fit and not self.fits(h + gap):
            widget.destroy()
            self.full = True
            return None
        self.y -= h + gap
        return widget

    def space(self, dy: float) -> None:
        self.y -= dy


def screen_rect(frame, base) -> list[int] | None:
    """A DirectFrame's box (its frameSize) in window pixels [x0, y0, x1, y1] from the top left (for tests)."""
    size = frame["frameSize"]
    if not size:
        return None
    return box_px(frame, size, base)


def box_px(node, box: tuple[float, float, float, float], base) -> list[int]:
    """A box (left, right, bottom, top) in `node`'s units, in window pixels [x0, y0, x1, y1] from the
    top left: wherever the node was moved or scaled to (text size)."""
    from panda3d.core import Point3

    left, r, b, t = box
    lo = base.render2d.get_relative_point(node, Point3(left, 0, b))
    hi = base.render2d.get_relative_point(node, Point3(r, 0, t))
    w, h = base.win.get_x_size(), base.win.get_y_size()
    return [int(round((lo.x + 1) / 2 * w)), int(round((1 - hi.z) / 2 * h)),
            int(round((hi.x + 1) / 2 * w)), int(round((1 - lo.z) / 2 * h))]
