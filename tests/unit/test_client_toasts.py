"""Toasts: the same one said again while still on screen is shown once, freshly."""

from __future__ import annotations

from makaverse.client.state.booths.link import TOAST_MS, Link
from makaverse.world import load_default_world


def test_the_same_toast_again_replaces_the_one_on_screen():
    link = Link(load_default_world())
    for t in (0.0, 100.0, 200.0):
        link.toast("staff.queue_empty", t, "bad")
    shown = link.recent_toasts(300.0)
    assert [(x.key, x.at_ms) for x in shown] == [("staff.queue_empty", 200.0)]
    assert link.rev["toast"] == 3  # each one still rings and redraws


def test_different_toasts_stack_and_an_old_one_said_again_comes_to_the_front():
    link = Link(load_default_world())
    link.toast("ticket.taken", 0.0, "good", code="DUK-001")
    link.toast("ticket.taken", 10.0, "good", code="DUK-002")  # other values: another toast
    link.toast("staff.queue_empty", 20.0, "bad")
    link.toast("ticket.taken", 30.0, "good", code="DUK-001")
    shown = link.recent_toasts(40.0, limit=5)
    assert [(x.key, x.value("code")) for x in shown] == [
        ("ticket.taken", "DUK-002"), ("staff.queue_empty", None), ("ticket.taken", "DUK-001")]


def test_a_toast_gone_from_the_screen_is_not_touched():
    link = Link(load_default_world())
    link.toast("staff.queue_empty", 0.0, "bad")
    link.toast("staff.queue_empty", TOAST_MS + 1.0, "bad")
    assert len(link.toasts) == 2
    assert len(link.recent_toasts(TOAST_MS + 2.0)) == 1
