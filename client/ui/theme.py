"""Text size and high contrast for every panel, in one place.

A panel adopts both by doing two things:

* it hangs its top frame on `theme.frame(anchor, ...)` (or any widget on `theme.root(anchor)`)
  instead of on `base.a2dTopLeft` and friends: that puts a pivot node at the screen anchor whose
  scale is the player's text size, so the panel grows as a whole (its text, its buttons and its
  layout together, never text spilling out of a box), towards the middle of the screen, and only
  as far as the window has room for (`fit`);
* it draws with the colour constants of `booth_widgets` (INK, MUTED, GOLD, BG, BUTTON, ...) through
  its `label` / `button` / `TextField` / `Cycler`: in high contrast those pick the `Palette`'s
  black, white and yellow instead (`themed`). A panel that redraws when told (`subscribe`) shows
  the change at once; frames made with `theme.frame` are recoloured by the theme itself.

`UiTheme(base, text_scale=..., high_contrast=...)` is made once by the app (`app.theme`) before any
panel; a panel finds it with `theme_for(base)` (a panel built without the app gets the defaults). A
settings change calls `apply`. Anchors are named after ShowBase's: "top_left", "top_center",
"top_right", "left_center", "center", "right_center", "bottom_left", "bottom_center",
"bottom_right".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["Palette", "palette_for", "UiTheme", "theme_for", "themed", "themed_bg", "active_palette", "fit_scale",
           "ANCHORS", "SCREEN_MARGIN"]

RGBA = tuple[float, float, float, float]
SCREEN_MARGIN = 0.02  # aspect2d units kept free at the window's edges when a panel grows
ANCHORS = {
    "top_left": "a2dTopLeft", "top_center": "a2dTopCenter", "top_right": "a2dTopRight",
    "left_center": "a2dLeftCenter", "center": "aspect2d", "right_center": "a2dRightCenter",
    "bottom_left": "a2dBottomLeft", "bottom_center": "a2dBottomCenter", "bottom_right": "a2dBottomRight",
}

# The normal colours (booth_widgets' constants; kept here so this module imports no Panda3D).
INK = (0.96, 0.96, 0.94, 1.0)
MUTED = (0.74, 0.76, 0.80, 1.0)
GOLD = (1.0, 0.84, 0.40, 1.0)
BAD = (1.0, 0.50, 0.45, 1.0)
GOOD = (0.50, 0.92, 0.55, 1.0)
BG = (0.06, 0.07, 0.10, 0.96)
BG_DARK = (0.03, 0.035, 0.05, 0.95)
BUTTON = (0.20, 0.24, 0.32, 1.0)
BUTTON_ON = (0.78, 0.60, 0.16, 1.0)
WHITE = (1.0, 1.0, 1.0, 1.0)


class Palette:
    """Colours for panels; high contrast swaps to black, white and yellow with no translucency."""

    bg: RGBA
    ink: RGBA
    muted: RGBA
    accent: RGBA
    selected: RGBA
    good: RGBA
    bad: RGBA
    button: RGBA
    button_on: RGBA
    on_button_on: RGBA  # text on an accent-coloured button

    def __init__(self, *, high_contrast: bool) -> None:
        self.high_contrast = high_contrast
        if high_contrast:
            self.bg = (0.0, 0.0, 0.0, 1.0)
            self.ink, self.muted, self.accent = (1.0, 1.0, 1.0, 1.0), (1.0, 1.0, 0.55, 1.0), (1.0, 0.92, 0.0, 1.0)
            self.selected = (0.15, 0.15, 0.55, 1.0)
            self.good, self.bad = (0.4, 1.0, 0.4, 1.0), (1.0, 0.55, 0.45, 1.0)
            self.button, self.button_on = (0.12, 0.12, 0.50, 1.0), (1.0, 0.92, 0.0, 1.0)
            self.on_button_on = (0.0, 0.0, 0.0, 1.0)
        else:
            self.bg = BG
            self.ink, self.muted, self.accent = INK, MUTED, GOLD
            self.selected = (0.20, 0.30, 0.48, 0.95)
            self.good, self.bad = GOOD, (1.0, 0.55, 0.5, 1.0)
            self.button, self.button_on = BUTTON, BUTTON_ON
            self.on_button_on = INK
        self._map: dict[tuple, RGBA] = {
            INK: self.ink, WHITE: self.ink, MUTED: self.muted, GOLD: self.accent, BAD: self.bad, GOOD: self.good,
            BG: self.bg, BG_DARK: self.bg, BUTTON: self.button, BUTTON_ON: self.button_on,
        }

    def colour(self, c: Any) -> Any:
        """`c`, or its high-contrast stand-in when it is one of the named colours."""
        if not self.high_contrast:
            return c
        try:
            return self._map.get(tuple(float(v) for v in c), c)
        except TypeError:
            return c

    def background(self, c: Any) -> Any:
        """A panel's background: in high contrast, any dark or see-through one becomes opaque black."""
        if not self.high_contrast:
            return c
        r, g, b = (float(v) for v in tuple(c)[:3])
        return self.bg if 0.3 * r + 0.59 * g + 0.11 * b < 0.35 or len(tuple(c)) > 3 and c[3] < 1.0 else c


def palette_for(high_contrast: bool) -> Palette:
    return Palette(high_contrast=high_contrast)


_active: list[Palette] = [Palette(high_contrast=False)]


def active_palette() -> Palette:
    """The palette the shared widgets draw with now (the one the app's theme last applied)."""
    return _active[0]


def themed(colour: Any) -> Any:
    """A text or button colour through the active palette."""
    return _active[0].colour(colour)


def themed_bg(colour: Any) -> Any:
    """A background colour through the active palette."""
    return _active[0].background(colour)


def fit_scale(anchor_xy: tuple[float, float], box: tuple[float, float, float, float],
              screen: tuple[float, float, float, float], margin: float = SCREEN_MARGIN) -> float:
    """The largest scale about `anchor_xy` at which `box` (left, right, bottom, top, relative to the
    anchor) stays inside `screen` (left, right, bottom, top) less `margin`. Pure arithmetic."""
    ax, ay = anchor_xy
    sl, sr, sb, st = screen[0] + margin, screen[1] - margin, screen[2] + margin, screen[3] - margin
    limits = []
    left, r, b, t = box
    if left < 0:
        limits.append((sl - ax) / left)
    if r > 0:
        limits.append((sr - ax) / r)
    if b < 0:
        limits.append((sb - ay) / b)
    if t > 0:
        limits.append((st - ay) / t)
    limits = [v for v in limits if v > 0]
    return min(limits) if limits else 1.0


class UiTheme:
    """The player's text size and contrast, applied to every panel hung on it."""

    def __init__(self, base, *, text_scale: float = 1.0, high_contrast: bool = False) -> None:
        self.base = base
        base.makaverse_theme = self  # what `theme_for(base)` finds
        self.text_scale = text_scale
        self.palette = palette_for(high_contrast)
        _active[0] = self.palette
        self.rev = 0
        self._roots: list[tuple[Any, str, tuple[float, float, float, float] | None, float]] = []
        self._frames: list[tuple[Any, Any]] = []  # (frame, its normal background)
        self._listeners: list[Callable[[], None]] = []
        from direct.showbase.DirectObject import DirectObject

        self.events = DirectObject()
        self.events.accept("aspectRatioChanged", self._refit)  # a resized window: fit the panels again

    @property
    def high_contrast(self) -> bool:
        return self.palette.high_contrast

    def _anchor(self, name: str):
        return getattr(self.base, ANCHORS[name])

    def root(self, anchor: str, *, box: tuple[float, float, float, float] | None = None,
             max_scale: float | None = None, name: str = "themed", sort: int = 0):
        """A node at the screen `anchor` scaled by the text size. With `box` (what hangs on it, in its
        units: left, right, bottom, top) the scale stops where the box would leave the window.

        The node is a child of aspect2d itself (kept on its anchor's spot), so `sort` orders it
        against every other panel, whichever corner they hang from."""
        pivot = self.base.aspect2d.attach_new_node(f"{name}-pivot", sort)
        self._roots.append((pivot, anchor, box, max_scale or 10.0))
        self._scale(pivot, anchor, box, max_scale or 10.0)
        return pivot

    def frame(self, anchor: str, *, frameSize, pos=(0, 0, 0), frameColor=BG, max_scale: float | None = None,
              **kw):
        """A panel's top DirectFrame on a `root` fitted to its frame; recoloured by the theme."""
        from direct.gui.DirectGui import DirectFrame

        left, r, b, t = frameSize
        x, _, z = pos
        pivot = self.root(anchor, box=(left + x, r + x, b + z, t + z), max_scale=max_scale, name="panel",
                          sort=int(kw.get("sortOrder", 0)))
        frame = DirectFrame(parent=pivot, frameSize=frameSize, pos=pos, frameColor=self.palette.background(frameColor),
                            **kw)
        self._frames.append((frame, frameColor))
        frame.themed_pivot = pivot  # removed with the frame (see `_prune`)
        return frame

    def set_box(self, pivot, box: tuple[float, float, float, float]) -> None:
        """A root's content changed size: fit it again."""
        for i, (p, anchor, _, cap) in enumerate(self._roots):
            if p == pivot:
                self._roots[i] = (p, anchor, box, cap)
                self._scale(p, anchor, box, cap)

    def scale_of(self, pivot) -> float:
        return float(pivot.get_sx())

    def _screen(self) -> tuple[float, float, float, float]:
        b = self.base
        return (b.a2dLeft, b.a2dRight, b.a2dBottom, b.a2dTop)

    def _scale(self, pivot, anchor: str, box, cap: float) -> None:
        if pivot.is_empty():
            return
        p = self._anchor(anchor).get_pos(self.base.aspect2d) if anchor != "center" else None
        xy = (p.x, p.z) if p is not None else (0.0, 0.0)
        pivot.set_pos(xy[0], 0, xy[1])
        s = min(self.text_scale, cap)
        if box is not None and s > 1.0:
            s = min(s, max(1.0, fit_scale(xy, box, self._screen())))
        pivot.set_scale(s)

    def _prune(self) -> None:
        """Forget destroyed frames and their pivots."""
        alive = []
        for frame, normal in self._frames:
            if frame.is_empty():
                pivot = getattr(frame, "themed_pivot", None)
                if pivot is not None and not pivot.is_empty():
                    pivot.remove_node()
            else:
                alive.append((frame, normal))
        self._frames = alive
        self._roots = [r for r in self._roots if not r[0].is_empty()]

    def _refit(self) -> None:
        self._prune()
        for pivot, anchor, box, cap in self._roots:
            self._scale(pivot, anchor, box, cap)

    def apply(self, *, text_scale: float, high_contrast: bool) -> None:
        """A new text size or contrast: rescale every root, recolour every frame, tell the panels."""
        if text_scale == self.text_scale and high_contrast == self.high_contrast:
            return
        self.text_scale = text_scale
        self.palette = palette_for(high_contrast)
        _active[0] = self.palette
        self.rev += 1
        self._refit()
        for frame, normal in self._frames:
            frame["frameColor"] = self.palette.background(normal)
        for listener in list(self._listeners):
            listener()

    def subscribe(self, listener: Callable[[], None]) -> None:
        """`listener()` after every change: redraw with the new colours."""
        self._listeners.append(listener)

    def destroy(self) -> None:
        self.events.ignore_all()
        self._listeners.clear()


def theme_for(base) -> UiTheme:
    """The window's theme (the app makes it from the settings first; else the defaults)."""
    theme = getattr(base, "makaverse_theme", None)
    if theme is None:
        theme = base.makaverse_theme = UiTheme(base)
    return theme
