"""Planned walks over the real world file: every booth and the auditorium reachable from every
spawn, and no step of any path passes through a solid."""

from __future__ import annotations

import math
from itertools import pairwise

import numpy as np
import pytest

from makaverse.world import Box, load_default_world, parse_world
from makaverse.world.pathfind import Pathfinder, segments_clear

WORLD = load_default_world()
STEP_M = 0.02


@pytest.fixture(scope="module")
def finder() -> Pathfinder:
    return Pathfinder(WORLD)


def walk_with_collision(path: list[tuple[float, float]]) -> None:
    """Drive the world's own movement step along the path in short steps (all steps of a leg in
    one vectorised call): a solid in the way would stop a step short of where it should land."""
    assert WORLD.placement_ok(np.array([path[0]]))[0]
    for (ax, ay), (bx, by) in pairwise(path):
        n = max(1, math.ceil(math.hypot(bx - ax, by - ay) / STEP_M))
        k = np.arange(n + 1)[:, None] / n
        points = np.array([[ax, ay]]) + k * np.array([[bx - ax, by - ay]])
        got = WORLD.resolve_moves(points[:-1], points[1:] - points[:-1])
        blocked = ~np.isclose(got, points[1:], atol=1e-6).all(axis=1)
        assert not blocked.any(), f"blocked at {points[:-1][blocked][0]} heading to {(bx, by)}"
        assert WORLD.placement_ok(points).all()
        assert not WORLD.inside_solid(points, WORLD.avatar_radius_m).any()


def targets() -> list[tuple[str, tuple[float, float]]]:
    out = [(b.opd, b.zone.centre) for b in WORLD.booths]
    auditorium = WORLD.zone("auditorium")
    assert auditorium is not None
    out.append(("auditorium", (0.0, auditorium.box.ymin + 3.0)))
    return out


@pytest.mark.parametrize("name,goal", targets())
def test_every_booth_and_the_auditorium_reachable_from_every_spawn(finder: Pathfinder, name: str, goal) -> None:
    """From each spawn a path reaches the target's spot and the movement step can walk all of it."""
    for spawn in WORLD.spawns:
        path = finder.find((float(spawn[0]), float(spawn[1])), goal)
        assert path is not None, name
        assert path[0] == (float(spawn[0]), float(spawn[1]))
        assert math.hypot(path[-1][0] - goal[0], path[-1][1] - goal[1]) < 0.5
        walk_with_collision(path)
        if name != "auditorium":
            zone = WORLD.zone_of(*path[-1])
            assert zone is not None and zone.id == f"booth:{name}"


def test_paths_use_the_doors(finder: Pathfinder) -> None:
    """A walk from the forecourt to the hall crosses the facade and lobby walls inside their doors."""
    path = finder.find((0.0, -6.0), WORLD.booths[0].zone.centre)
    assert path is not None
    for wall_y, door in ((0.0, "main-entrance"), (14.0, "hall-door")):
        box = next(d.box for d in WORLD.doors if d.id == door)
        for (ax, ay), (bx, by) in pairwise(path):
            if (ay - wall_y) * (by - wall_y) < 0:
                x = ax + (bx - ax) * (wall_y - ay) / (by - ay)
                assert box.xmin < x < box.xmax


def test_start_against_a_wall_steps_away_first(finder: Pathfinder) -> None:
    """An avatar standing closer to a wall than the path clearance still gets a path, starting where it stands."""
    r = WORLD.avatar_radius_m
    start = (-10.0, 14.2 + r + 0.01)  # just north of the lobby/hall wall
    path = finder.find(start, (0.0, 50.0))
    assert path is not None and path[0] == start
    walk_with_collision(path)


def test_goal_inside_a_solid_moves_to_its_edge(finder: Pathfinder) -> None:
    """Asking for a point inside the reception desk ends the walk beside it."""
    path = finder.find((0.0, 2.0), (11.0, 6.5))
    assert path is not None
    assert WORLD.placement_ok(np.array([path[-1]]))[0]
    assert math.hypot(path[-1][0] - 11.0, path[-1][1] - 6.5) < 1.5


def test_no_path_into_a_closed_room() -> None:
    """A room whose walls have no door is unreachable: the finder says None instead of walking through."""
    data = {
        "id": "t", "name_id": "t", "name_en": "t",
        "grounds": {"box": [-10.0, -10.0, 10.0, 10.0]},
        "building": {"box": [-8.0, -8.0, 8.0, 8.0]},
        "avatar": {"radius_m": 0.3, "walk_speed_mps": 2.0, "run_speed_mps": 4.0},
        "floors": [{"id": "f", "box": [-10.0, -10.0, 10.0, 10.0], "height_m": 0.0, "material": "tile"}],
        "walls": [
            {"id": "s", "from": [2.0, 2.0], "to": [6.0, 2.0]},
            {"id": "n", "from": [2.0, 6.0], "to": [6.0, 6.0]},
            {"id": "w", "from": [2.0, 2.0], "to": [2.0, 6.0]},
            {"id": "e", "from": [6.0, 2.0], "to": [6.0, 6.0]},
        ],
        "wall_defaults": {"thickness_m": 0.4, "height_m": 3.0, "material": "plaster"},
        "zones": [{"id": "all", "name_id": "a", "name_en": "a", "box": [-10.0, -10.0, 10.0, 10.0]}],
        "spawn": {"facing": 0, "points": [[-5.0, -5.0]]},
        "stage": {"box": [-7.0, 6.0, -5.0, 7.0], "speaker_spot": [-6.0, 6.5]},
    }
    world = parse_world(data)
    pf = Pathfinder(world)
    assert pf.find((-5.0, -5.0), (4.0, 4.0)) is None
    assert pf.find((-5.0, -5.0), (8.0, 8.0)) is not None


def test_segments_clear_touching_is_clear_crossing_is_not() -> None:
    """A segment along a box's face or through its corner is clear; one through its interior is not."""
    boxes = np.array([Box(0.0, 0.0, 1.0, 1.0).as_tuple()])
    a = np.array([[-1.0, 0.0], [-1.0, -1.0], [-1.0, 0.5], [0.5, 2.0]])
    b = np.array([[2.0, 0.0], [2.0, 2.0], [2.0, 0.5], [0.5, 1.5]])
    assert segments_clear(a, b, boxes).tolist() == [True, False, False, True]
    corner = segments_clear(np.array([[-1.0, 1.0]]), np.array([[1.0, -1.0]]), boxes)
    assert corner.tolist() == [True]  # meets the box only at its corner (0, 0)
    diagonal = segments_clear(np.array([[-1.0, 2.0]]), np.array([[2.0, -1.0]]), boxes)
    assert diagonal.tolist() == [False]  # along the box's other diagonal, through its middle
