"""Where town-hall things are in the world, for the E key: the event board in the lobby and the
seats of the auditorium. Pure: the shared world data in, answers out."""

from __future__ import annotations

import math

from makaverse.world import Solid, World

__all__ = ["EVENT_BOARD_ID", "BOARD_REACH_M", "SIT_REACH_M", "event_board", "near_event_board", "nearest_seat"]

EVENT_BOARD_ID = "event-board"
BOARD_REACH_M = 2.5  # E opens the board from this far (from its edge)
SIT_REACH_M = 2.0  # the server seats nobody further from the seat (server/rooms/seats.py)


def event_board(world: World) -> Solid | None:
    return next((s for s in world.solids if s.id == EVENT_BOARD_ID), None)


def near_event_board(world: World, x: float, y: float, reach: float = BOARD_REACH_M) -> bool:
    """Whether someone at (x, y) stands at the event board."""
    board = event_board(world)
    if board is None:
        return False
    b = board.box
    dx = max(b.xmin - x, 0.0, x - b.xmax)
    dy = max(b.ymin - y, 0.0, y - b.ymax)
    return dx * dx + dy * dy <= reach * reach


def nearest_seat(world: World, x: float, y: float, reach: float = SIT_REACH_M) -> int | None:
    """The index of the seat nearest (x, y) within `reach` (the `sit` command's `seat`), or None."""
    seats = world.seats
    if not len(seats):
        return None
    d = (seats[:, 0] - x) ** 2 + (seats[:, 1] - y) ** 2
    i = int(d.argmin())
    return i if math.sqrt(float(d[i])) <= reach else None
