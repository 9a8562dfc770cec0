"""The panels' shared pieces: the consoles' parts (each redrawn only when its key changes) and the
event board's lines above its rows, in both languages."""

from __future__ import annotations

import pytest

from makaverse.client import i18n
from makaverse.client.state.events import EventModel
from makaverse.client.ui.booth_widgets import Parts
from makaverse.client.ui.event_board import board_notes
from makaverse.protocol import EventBoard


class FakeHolder:
    def __init__(self, parent) -> None:
        self.parent = parent
        self.destroyed = False

    def destroy(self) -> None:
        self.destroyed = True


def test_a_part_is_redrawn_only_when_its_key_changes():
    parts = Parts("root", make=FakeHolder)
    assert parts.due("list", (1,))
    first = parts.holder("list")
    assert first.parent == "root"
    assert not parts.due("list", (1,))  # same key: keep the drawing
    assert not first.destroyed
    assert parts.due("list", (2,))  # new key: the old holder goes
    assert first.destroyed and "list" not in parts.holders
    second = parts.holder("list")
    assert parts.due("head", ("id",))
    head = parts.holder("head")
    parts.redraw("head")  # only that part is due again
    assert parts.due("head", ("id",)) and head.destroyed
    assert not parts.due("list", (2,))
    parts.redraw_all()  # a language switch: every part is due, the drawings stay until redrawn
    assert not second.destroyed
    assert parts.due("list", (2,)) and second.destroyed


def test_clear_destroys_every_part():
    parts = Parts("root", make=FakeHolder)
    made = []
    for name in ("head", "counter", "talk"):
        assert parts.due(name, (0,))
        made.append(parts.holder(name))
    parts.clear()
    assert all(h.destroyed for h in made) and parts.holders == {} and parts.keys == {}
    assert parts.due("head", (0,))  # nothing remembered


@pytest.mark.parametrize("lang", ["id", "en"])
def test_a_guest_with_no_events_is_told_both_why_and_that_there_are_none(lang):
    notes = board_notes(logged_in=False, has_events=False, loaded=True)
    assert notes == ["event.board.login", "event.board.empty"]
    texts = [i18n.t(k, lang) for k in notes]
    assert all(t and t != k for t, k in zip(texts, notes, strict=True))
    assert i18n.t("event.board.empty", "id") == "Belum ada acara terjadwal."
    assert i18n.t("event.board.empty", "en") == "No events are scheduled."


def test_board_notes_otherwise():
    assert board_notes(logged_in=False, has_events=False, loaded=False) == ["event.board.login",
                                                                           "event.board.loading"]
    assert board_notes(logged_in=False, has_events=True, loaded=True) == ["event.board.login"]
    assert board_notes(logged_in=True, has_events=False, loaded=True) == ["event.board.empty"]
    assert board_notes(logged_in=True, has_events=False, loaded=False) == ["event.board.loading"]
    assert board_notes(logged_in=True, has_events=True, loaded=True) == []


def test_an_empty_board_counts_as_received():
    """"No events yet" is said only once a whole board came, even an empty one."""
    m = EventModel()
    assert m.boards_received == 0
    rid = m.list_events()
    m.handle(EventBoard(request_id=rid, events=()), 0.0)
    assert m.boards_received == 1 and m.board == []
