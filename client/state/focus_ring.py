"""The Tab order of one panel's controls, without Panda3D: which control has the focus, and
where Tab (and Shift-Tab) moves it. Controls that can't take it now (a hidden field, a disabled
button) are skipped."""

from __future__ import annotations

from collections.abc import Callable, Sequence

__all__ = ["FocusRing"]


class FocusRing:
    def __init__(self, names: Sequence[str], *, usable: Callable[[str], bool] = lambda name: True) -> None:
        if len(set(names)) != len(names):
            raise ValueError("a control appears twice in the Tab order")
        self.names = list(names)
        self.usable = usable
        self.current: str | None = None

    def first(self) -> str | None:
        """Focus the first usable control (a panel just opened)."""
        self.current = next((n for n in self.names if self.usable(n)), None)
        return self.current

    def move(self, step: int = 1) -> str | None:
        """Tab (`step` 1) or Shift-Tab (-1): the next usable control, wrapping around."""
        if not self.names:
            return None
        start = self.names.index(self.current) if self.current in self.names else (-1 if step > 0 else 0)
        for k in range(1, len(self.names) + 1):
            name = self.names[(start + step * k) % len(self.names)]
            if self.usable(name):
                self.current = name
                return name
        self.current = None
        return None

    def set(self, name: str) -> None:
        """A control took the focus another way (clicked): Tab goes on from there."""
        if name not in self.names:
            raise KeyError(name)
        self.current = name
