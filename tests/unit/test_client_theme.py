"""The theme's arithmetic and colours, without a window: how far a panel may grow about its corner,
and what high contrast makes of the named colours."""

from __future__ import annotations

import pytest

from makaverse.client.ui.theme import BG, BUTTON_ON, GOLD, INK, MUTED, Palette, fit_scale

SCREEN = (-16 / 9, 16 / 9, -1.0, 1.0)


def test_a_panel_on_the_right_edge_grows_until_its_bottom_would_leave_the_window():
    """The booth panel (right-centre anchor, 1.68 tall) may grow only to about 1.15."""
    s = fit_scale((16 / 9, 0.0), (-1.56, -0.04, -0.9, 0.78), SCREEN)
    assert s == pytest.approx((1.0 - 0.02) / 0.9)


def test_a_small_corner_piece_may_grow_a_lot():
    """The status strip in the top-left corner has room to grow several times."""
    assert fit_scale((-16 / 9, 1.0), (0.02, 0.8, -0.185, -0.02), SCREEN) > 3


def test_high_contrast_swaps_named_colours_and_leaves_others():
    """Ink turns white, muted light yellow, gold yellow, backgrounds opaque black; an OPD colour stays."""
    hc, normal = Palette(high_contrast=True), Palette(high_contrast=False)
    assert hc.colour(INK) == (1.0, 1.0, 1.0, 1.0) and hc.colour(GOLD) == hc.accent
    assert hc.colour(MUTED) == hc.muted and hc.colour(BUTTON_ON) == hc.button_on
    assert hc.background(BG) == (0.0, 0.0, 0.0, 1.0)
    assert hc.background((0.03, 0.04, 0.07, 0.66)) == (0.0, 0.0, 0.0, 1.0)  # the chat box
    assert hc.colour((0.7, 0.1, 0.1, 1.0)) == (0.7, 0.1, 0.1, 1.0)
    assert normal.colour(INK) == INK and normal.background(BG) == BG
