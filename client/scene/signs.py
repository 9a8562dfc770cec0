"""Text in the world: flat signs (booth headers, banners), and cards that float over people
(name tags, speech bubbles).

A sign is opaque and part of the scene: its card is drawn as a decal under its own glyphs
(`set_card_decal(True)`), otherwise the software renderer lets the card win the depth fight and
the text disappears.

A floating card (`TextCard`) is see-through and must read over whatever is behind it. A decal
card with alpha glyphs in the `fixed` bin draws as an empty box under OpenGL, so there the card
and the glyphs are two nodes drawn in a fixed order — card, then glyphs — neither writing
depth: no renderer can hide the text behind its own card.
"""

from __future__ import annotations

from panda3d.core import CardMaker, NodePath, TextNode, TextProperties, TextPropertiesManager, TransparencyAttrib

from .meshes import Colour

__all__ = ["make_sign", "TextCard", "FLOAT_BIN"]

FLOAT_BIN = "fixed"  # drawn after the scene, in the order we give


def _rgba(c: Colour, alpha: float = 1.0) -> tuple[float, float, float, float]:
    return (c[0], c[1], c[2], c[3] if len(c) > 3 else alpha)


_SMALL = "mv-small"


def _small_properties() -> None:
    """Register (once) the text property that draws a sign's second line smaller."""
    manager = TextPropertiesManager.get_global_ptr()
    if not manager.has_properties(_SMALL):
        props = TextProperties()
        props.set_text_scale(0.62)
        manager.set_properties(_SMALL, props)


def make_sign(
    parent: NodePath,
    text: str,
    *,
    subtitle: str | None = None,
    width_m: float,
    height_m: float,
    fg: Colour,
    bg: Colour,
    text_height_m: float | None = None,
    name: str = "sign",
) -> NodePath:
    """A rectangular sign `width_m` x `height_m` centred on its node's origin, facing -Y (toward a
    viewer standing on the -Y side), with an optional smaller second line. Text shrinks to fit."""
    tn = TextNode(name)
    if subtitle:
        _small_properties()
        tn.set_text(f"{text}\n\1{_SMALL}\1{subtitle}\2")
    else:
        tn.set_text(text)
    tn.set_align(TextNode.A_center)
    tn.set_text_color(*_rgba(fg))
    tn.set_card_color(*_rgba(bg))
    tn.set_card_decal(True)
    lines = text.count("\n") + 1 + (0.7 if subtitle else 0.0)
    scale = text_height_m or height_m * 0.62 / lines
    # Fit the width, with a margin.
    natural_w = tn.get_width() * scale
    if natural_w > width_m * 0.9:
        scale *= width_m * 0.9 / natural_w
    half_w = width_m / 2 / scale
    half_h = height_m / 2 / scale
    # Centre the text block vertically in the card (text coordinates: baseline of line 1 at 0).
    top, bottom = tn.get_top(), tn.get_bottom()
    mid = (top + bottom) / 2
    tn.set_card_actual(-half_w, half_w, mid - half_h, mid + half_h)
    holder = parent.attach_new_node(name)
    text_np = holder.attach_new_node(tn)
    text_np.set_scale(scale)
    text_np.set_z(-mid * scale)
    return holder


class TextCard:
    """Centred text on a card sized to it, in the X-Z plane facing -Y (billboard its parent).

    `margin` is (left, right, bottom, top) around the text, in text units; `set_order` decides
    where it draws among other floating cards (higher draws later, on top)."""

    def __init__(self, parent: NodePath, text: str, *, fg: Colour, bg: Colour, scale: float,
                 margin: tuple[float, float, float, float] = (0.35, 0.35, 0.15, 0.12), depth_test: bool = True,
                 order: int = 0, name: str = "card") -> None:
        self.root = parent.attach_new_node(name)
        self.root.set_scale(scale)
        self.root.set_light_off(1)
        self.node = tn = TextNode(f"{name}-text")
        tn.set_text(text)
        tn.set_align(TextNode.A_center)
        tn.set_text_color(*_rgba(fg))
        ml, mr, mb, mt = margin
        self.frame = (tn.get_left() - ml, tn.get_right() + mr, tn.get_bottom() - mb, tn.get_top() + mt)
        maker = CardMaker(f"{name}-card")
        maker.set_frame(*self.frame)
        maker.set_color(*_rgba(bg))
        self.card = self.root.attach_new_node(maker.generate())
        self.text = self.root.attach_new_node(tn)
        for part in (self.card, self.text):
            part.set_transparency(TransparencyAttrib.M_alpha)
            part.set_depth_write(False)
            part.set_depth_test(depth_test)
            part.set_two_sided(True)
        self.set_order(order)

    def set_order(self, order: int) -> None:
        self.card.set_bin(FLOAT_BIN, 2 * order)
        self.text.set_bin(FLOAT_BIN, 2 * order + 1)

    @property
    def bottom(self) -> float:
        """The card's lower edge below the text's origin, in scene units (scaled)."""
        return self.frame[2] * self.root.get_sz()
