"""Where E works for town-hall events (the board in the lobby, the auditorium's seats), the lines on
the board's screen and the subtitle text."""

from __future__ import annotations

import pytest

from makaverse.client.scene.event_board import board_lines
from makaverse.client.state.events import EventEntry
from makaverse.client.state.events_world import event_board, near_event_board, nearest_seat
from makaverse.client.ui.subtitles import subtitle_text
from makaverse.world import load_default_world


@pytest.fixture(scope="module")
def world():
    return load_default_world()


def test_the_board_stands_in_the_lobby_and_e_reaches_it_from_close_by(world):
    board = event_board(world)
    assert board is not None
    zone = world.zone_of(*board.box.centre)
    assert zone is not None and zone.id == "lobby"
    x1, cy = board.box.xmax, (board.box.ymin + board.box.ymax) / 2
    assert near_event_board(world, x1 + 2.0, cy)
    assert not near_event_board(world, x1 + 3.0, cy)
    assert not near_event_board(world, 0.0, -6.0)  # the forecourt spawn


def test_nearest_seat_within_reach(world):
    seats = world.seats
    x, y = seats[7]
    assert nearest_seat(world, x + 0.3, y - 0.2) == 7
    assert nearest_seat(world, x, y - 1.9) is not None
    assert nearest_seat(world, 0.0, 30.0) is None  # the service hall: no seat near


def test_the_screen_shows_live_events_then_the_next():
    events = [EventEntry(1, "Rembuk Warga", status="live"), EventEntry(2, "Musrenbang", status="scheduled"),
              EventEntry(3, "Sosialisasi PBB", status="scheduled")]
    assert board_lines(events, "id") == ["Sekarang: Rembuk Warga", "Berikutnya: Musrenbang"]
    assert board_lines([EventEntry(4, "Lama", status="ended")], "en") == ["No events yet"]
    long = board_lines([EventEntry(5, "A" * 80, status="scheduled")], "en")[0]
    assert len(long) <= 34 and long.endswith("…")


def test_subtitles_name_the_speaker_and_wrap():
    assert subtitle_text("Walikota", "Selamat pagi", "id") == "Walikota: Selamat pagi"
    text = subtitle_text("Walikota", "kata " * 60, "en", width=40)
    rows = text.split("\n")
    assert len(rows) == 3 and all(len(r) <= 40 for r in rows) and rows[-1].endswith("…")
