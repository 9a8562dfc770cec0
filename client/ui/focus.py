"""Who holds the keyboard: the avatar (keys walk and turn) or one text field.

While a text field holds the focus, movement keys must not move the avatar: taking the focus
clears the held movement flags and `Controls` ignores key-downs until the focus is released.
Esc releases it (the app binds the key to `KeyboardFocus.escape`). Panda-free: a text field is
any object; its `on_release` callback un-focuses the widget itself.

Usage from a panel::

    focus.take(entry, on_release=lambda: entry.set_focus_flag(False))   # clicked / Enter
    focus.release(entry)                                                # sent / closed
    if focus.active: return                                             # in a hotkey handler
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

__all__ = ["KeyboardFocus"]


class _Releasable(Protocol):
    def release_all(self) -> None: ...


class KeyboardFocus:
    """The one owner of the keyboard, or nobody (then keys drive the avatar)."""

    def __init__(self, controls: _Releasable | None = None) -> None:
        self._controls = controls
        self._owner: Any = None
        self._on_release: Callable[[], None] | None = None
        self._listeners: list[Callable[[Any], None]] = []
        if controls is not None and hasattr(controls, "gate"):
            controls.gate = self  # Controls drops key-downs while a field holds the focus

    @property
    def active(self) -> bool:
        """True while a text field holds the keyboard (movement and hotkeys must stand still)."""
        return self._owner is not None

    @property
    def owner(self) -> Any:
        return self._owner

    def holds(self, owner: Any) -> bool:
        return owner is not None and self._owner is owner

    def take(self, owner: Any, *, on_release: Callable[[], None] | None = None) -> None:
        """Give the keyboard to `owner`; a previous owner is released first (its callback runs)."""
        if owner is None:
            raise ValueError("a focus owner is required; use release() to give the keys back")
        if self._owner is owner:
            self._on_release = on_release or self._on_release
            return
        self._drop()
        self._owner, self._on_release = owner, on_release
        if self._controls is not None:
            self._controls.release_all()  # a key held while clicking the field must not keep walking
        self._notify()

    def release(self, owner: Any = None) -> bool:
        """Give the keys back to the avatar. With `owner`, only if that owner holds them."""
        if self._owner is None or (owner is not None and owner is not self._owner):
            return False
        self._drop()
        self._notify()
        return True

    def escape(self) -> bool:
        """The Esc key: release whatever holds the focus. True if something did."""
        return self.release()

    def subscribe(self, listener: Callable[[Any], None]) -> None:
        """Call `listener(owner_or_None)` whenever the focus changes hands."""
        self._listeners.append(listener)

    def _drop(self) -> None:
        callback, self._owner, self._on_release = self._on_release, None, None
        if callback is not None:
            callback()

    def _notify(self) -> None:
        for listener in list(self._listeners):
            listener(self._owner)
