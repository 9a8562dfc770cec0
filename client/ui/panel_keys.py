"""Tab through the booth panel, its request form, "my requests" or the staff console — whichever
is open on top — without a mouse. The controls are found in the panel as it is drawn now (it is
rebuilt as the model changes), in reading order: top to bottom, then left to right."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from direct.gui.DirectButton import DirectButton
from direct.gui.DirectEntry import DirectEntry
from direct.gui.DirectGuiBase import DirectGuiWidget
from direct.showbase.DirectObject import DirectObject
from panda3d.core import NodePath

from .focus import KeyboardFocus
from .nav import NavRing, ShiftKey

__all__ = ["PanelKeys", "controls_in"]


def _shown(np: NodePath, root: NodePath) -> bool:
    node = np
    while not node.is_empty():
        if node.is_hidden():
            return False
        if node == root:
            return True
        node = node.get_parent()
    return True


def controls_in(root: NodePath, base: Any) -> dict[str, Any]:
    """The buttons and text fields shown under `root`, in reading order, keyed by text and place."""
    found = []
    for np in root.find_all_matches("**/+PGItem"):
        name = np.get_name()  # "DirectButton-pg12": the widget's GUI id after the dash
        widget = DirectGuiWidget.guiDict.get(name) or DirectGuiWidget.guiDict.get(name.split("-")[-1])
        if not isinstance(widget, (DirectButton, DirectEntry)) or not _shown(np, root):
            continue
        if isinstance(widget, DirectButton) and widget["command"] is None:
            continue  # disabled
        pos = np.get_pos(base.aspect2d)
        # Named by what it says and where: the panel is rebuilt as answers arrive, and Tab must
        # keep its place across that (a new widget in the same place is the same control).
        try:
            text = widget["text"] if isinstance(widget, DirectButton) else "field"
        except KeyError:
            text = ""
        key = f"{text if isinstance(text, str) else ''}@{pos.x:.2f},{pos.z:.2f}"
        found.append((-round(pos.z, 2), round(pos.x, 3), key, widget))
    found.sort(key=lambda row: (row[0], row[1]))
    return {key: widget for _, _, key, widget in found}


class PanelKeys:
    def __init__(self, base: Any, focus: KeyboardFocus, top_panel: Callable[[], NodePath | None]) -> None:
        self.base = base
        self.focus = focus
        self.top_panel = top_panel
        self.shift = ShiftKey()
        self.nav: NavRing | None = None
        self._root: NodePath | None = None
        self._pressed_frame = -1
        # The control last pressed: the panel redraws after a press, and the keys carry on from it
        # (Tab to the next field, Enter again on a choice's » for the next choice).
        self._resume: str | None = None
        self.events = DirectObject()
        self.events.accept("tab", self.tab)
        self.events.accept("space", self.press)
        self.events.accept("enter", self.press)

    @property
    def holding(self) -> bool:
        """A button of the open panel has the focus (Enter presses it rather than opening the chat)."""
        if self._pressed_frame == self.base.clock.get_frame_count():
            return True  # this Enter pressed one already
        if self.nav is not None and self.nav.current is not None:
            return not self.nav.is_entry(self.nav.current)
        return self._resume is not None and self.focus.owner is None and self.top_panel() == self._root

    def _fresh(self) -> NavRing | None:
        root = self.top_panel()
        if root is None:
            self.clear()
            return None
        same = root == self._root
        current = (self.nav.current if self.nav is not None and same else None) or (self._resume if same else None)
        self._resume = None
        ring = NavRing(self.base, self.focus, controls_in(root, self.base))
        if self.nav is not None and self.nav.outline is not None:
            self.nav.outline.remove_node()
        if current in ring.controls:
            ring.ring.set(current)
            if not ring.is_entry(current):
                ring._outline(ring.controls[current])
        self.nav, self._root = ring, root
        return ring

    def _typing_elsewhere(self) -> bool:
        """The keyboard is held by a field outside the open panel (the chat line)."""
        owner = self.focus.owner
        if owner is None:
            return False
        entry = getattr(owner, "entry", owner)
        root = self.top_panel()
        return root is None or not isinstance(entry, NodePath) or not root.is_ancestor_of(entry)

    def tab(self) -> None:
        if self._typing_elsewhere():
            return
        ring = self._fresh()
        if ring is None:
            return
        owner = getattr(self.focus.owner, "entry", self.focus.owner)
        if owner is not None:
            ring.follow(owner)  # a field clicked into: Tab goes on from it
        ring.tab(-1 if self.shift.held else 1)

    def press(self) -> None:
        if self.nav is None or self.top_panel() != self._root or not self.holding:
            return
        if self.nav.current is None:
            self._fresh()  # pressed before: find that control in the panel as drawn now
            if self.nav is None or self.nav.current is None:
                return
        self._pressed_frame = self.base.clock.get_frame_count()
        name = self.nav.current
        self.nav.press()
        self.nav.clear()  # the panel redraws after a press; Tab and Enter carry on from `name`
        self._resume = name

    def clear(self) -> None:
        if self.nav is not None:
            self.nav.clear()
        self.nav, self._root, self._resume = None, None, None

    def destroy(self) -> None:
        self.clear()
        self.events.ignore_all()
        self.shift.destroy()
