"""The Tab order of a panel: forward, back, wrapping, skipping what can't take the focus."""

from __future__ import annotations

import pytest

from makaverse.client.state.focus_ring import FocusRing

LOGIN = ["username", "password", "display_name", "login", "register", "guest_name", "guest", "language"]


def test_tab_walks_the_login_screen_in_order_and_wraps():
    """From the username Tab goes to the password, then on down the form to the language button, then back."""
    ring = FocusRing(LOGIN)
    assert ring.first() == "username"
    assert [ring.move() for _ in range(len(LOGIN))] == LOGIN[1:] + LOGIN[:1]


def test_shift_tab_goes_back():
    """Shift-Tab from the username wraps to the language button, then goes up the form."""
    ring = FocusRing(LOGIN)
    ring.first()
    assert ring.move(-1) == "language"
    assert ring.move(-1) == "guest"


def test_controls_that_cannot_take_the_focus_are_skipped():
    """A disabled button is passed over; with nothing usable there is no focus."""
    disabled = {"login", "register"}
    ring = FocusRing(LOGIN, usable=lambda name: name not in disabled)
    ring.set("display_name")
    assert ring.move() == "guest_name"
    disabled.update(LOGIN)
    assert ring.move() is None and ring.current is None


def test_a_control_listed_twice_is_refused():
    """The order names each control once."""
    with pytest.raises(ValueError):
        FocusRing(["a", "b", "a"])
