"""Text in the world: flat signs (booth headers, banners) and name tags, as TextNodes on cards.

The card is drawn as a decal under its own glyphs (`set_card_decal(True)`), otherwise the
software renderer lets the card win the depth fight and the text disappears.
"""

from __future__ import annotations

from panda3d.core import NodePath, TextNode, TextProperties, TextPropertiesManager

from .meshes import Colour

__all__ = ["make_sign", "make_label"]


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


def make_label(
    parent: NodePath,
    text: str,
    *,
    fg: Colour = (1.0, 1.0, 1.0),
    bg: Colour = (0.0, 0.0, 0.0, 0.55),
    scale: float = 0.22,
    name: str = "label",
) -> NodePath:
    """A tag that sizes its card to the text (name tags over heads); billboard it yourself."""
    tn = TextNode(name)
    tn.set_text(text)
    tn.set_align(TextNode.A_center)
    tn.set_text_color(*_rgba(fg))
    tn.set_card_color(*_rgba(bg))
    tn.set_card_as_margin(0.35, 0.35, 0.15, 0.12)
    tn.set_card_decal(True)
    np_ = parent.attach_new_node(tn)
    np_.set_scale(scale)
    return np_
