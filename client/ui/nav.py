"""Moving through a panel without a mouse: Tab and Shift-Tab walk its controls in order
(`state/focus_ring.py`), a gold outline shows which one has the focus, a text field then takes
the keyboard, and Enter or Space presses a focused button."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from direct.gui import DirectGuiGlobals as DGG
from direct.gui.DirectGui import DirectEntry, DirectFrame
from direct.showbase.DirectObject import DirectObject
from panda3d.core import NodePath

from ..state.focus_ring import FocusRing
from .focus import KeyboardFocus

__all__ = ["NavRing", "ShiftKey", "FOCUS_COLOUR"]

FOCUS_COLOUR = (1.0, 0.82, 0.25, 1.0)
OUTLINE_PX = 0.006  # aspect2d units


class ShiftKey:
    """Whether Shift is down, followed through the same event queue as Tab: a quick Shift-Tab
    arrives as shift, tab, tab-up, shift-up in one frame, so asking the keyboard's current state
    when "tab" is handled would already say "up"."""

    def __init__(self) -> None:
        self.down: set[str] = set()
        self.events = DirectObject()
        for key in ("shift", "lshift", "rshift"):
            self.events.accept(key, self.down.add, [key])
            self.events.accept(f"{key}-up", self.down.discard, [key])

    @property
    def held(self) -> bool:
        return bool(self.down)

    def destroy(self) -> None:
        self.events.ignore_all()


class NavRing:
    def __init__(self, base: Any, focus: KeyboardFocus, controls: Mapping[str, Any]) -> None:
        self.base = base
        self.focus = focus
        self.controls = dict(controls)
        self.ring = FocusRing(list(self.controls), usable=self._usable)
        self.outline: NodePath | None = None

    # ── state ────────────────────────────────────────────────────────────────
    @property
    def current(self) -> str | None:
        return self.ring.current

    def _usable(self, name: str) -> bool:
        w = self.controls[name]
        if w is None or w.is_empty() or w.is_hidden() or not w.get_parent().is_empty() and w.get_parent().is_hidden():
            return False
        try:
            return w["state"] != DGG.DISABLED
        except KeyError:
            return True

    def is_entry(self, name: str | None) -> bool:
        return name is not None and isinstance(self.controls.get(name), DirectEntry)

    # ── moving ───────────────────────────────────────────────────────────────
    def first(self) -> None:
        name = self.ring.first()
        if name is not None:
            self.show(name)

    def tab(self, step: int = 1) -> None:
        name = self.ring.move(step)
        if name is not None:
            self.show(name)

    def show(self, name: str) -> None:
        """Give `name` the focus: a text field takes the keyboard, a button waits for Enter."""
        self.ring.set(name)
        widget = self.controls[name]
        if isinstance(widget, DirectEntry):
            if not self.focus.holds(widget):
                # Unfocus the old field now: its focus-out event comes a frame later, and until
                # then both fields would take the keys typed (the password into the username).
                self.focus.release()
                widget["focus"] = 1
        else:
            self.focus.release()
        self._outline(widget)

    def press(self) -> bool:
        """Enter or Space: press the focused button. False when a text field (or nothing) has the focus."""
        name = self.ring.current
        if name is None or self.is_entry(name) or not self._usable(name):
            return False
        widget = self.controls[name]
        widget.commandFunc(None)
        return True

    def clear(self) -> None:
        self.ring.current = None
        if self.outline is not None:
            self.outline.remove_node()
            self.outline = None

    def follow(self, owner: Any) -> None:
        """A text field took the keyboard another way (a click): Tab goes on from it."""
        for name, widget in self.controls.items():
            if widget is owner:
                self.ring.set(name)
                self._outline(widget)
                return

    # ── drawing ──────────────────────────────────────────────────────────────
    def _outline(self, widget: Any) -> None:
        if self.outline is not None:
            self.outline.remove_node()
        left, right, bottom, top = widget.getBounds()
        sx, _, sz = widget.get_scale()
        tx, tz = OUTLINE_PX / max(sx, 1e-6), OUTLINE_PX / max(sz, 1e-6)
        root = widget.attach_new_node("focus-outline")
        for frame in ((left - tx, right + tx, top, top + tz), (left - tx, right + tx, bottom - tz, bottom),
                      (left - tx, left, bottom, top), (right, right + tx, bottom, top)):
            DirectFrame(parent=root, frameColor=FOCUS_COLOUR, frameSize=frame)
        self.outline = root
