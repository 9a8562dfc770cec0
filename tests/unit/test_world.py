"""The Balai Kota as data: the packaged world, its zones and floors, and the loader's validation."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

from makaverse.world import World, WorldError, load_default_world, load_world, parse_world

# Perangkat Daerah of Kota Makassar (Perda 8/2016 as amended), by their usual short codes.
MAKASSAR_OPDS = frozenset({
    "DISDIK", "DINKES", "DUKCAPIL", "DPMPTSP", "DISKOMINFO", "DLH", "DINSOS", "DISPORA", "DKP", "DPPKB",
    "DPU", "DISTARU", "DISPERKIM", "DISHUB", "DISPAR", "DISNAKER", "DAMKARMAT", "DP3A", "DPPPA", "BAPPEDA",
    "BPKAD", "BKPSDM", "BALITBANGDA", "BAPENDA", "KESBANGPOL", "BPBD", "SATPOLPP", "INSPEKTORAT",
    "DISPERDAG", "DISKOPUKM", "DISPUSTAKA", "DISBUD",
})


@pytest.fixture(scope="module")
def world() -> World:
    return load_default_world()


# ── the packaged world ───────────────────────────────────────────────────────


def test_packaged_world_loads(world):
    """The packaged Balai Kota loads and validates."""
    assert world.id == "balai-kota-makassar"
    assert world.name("id") == "Balai Kota Makassar"
    assert world.avatar_radius_m > 0
    assert 0 < world.walk_speed_mps < world.run_speed_mps
    assert len(world.solids) > 0 and len(world.spawns) > 0 and len(world.seats) > 0


def test_packaged_world_loads_from_a_path(world):
    """The same file loads by path, to the same world."""
    from importlib import resources

    with resources.as_file(resources.files("makaverse.world").joinpath("balai_kota.toml")) as path:
        again = load_world(path)
    assert again.id == world.id
    assert [s.id for s in again.solids] == [s.id for s in world.solids]


def test_booths_are_real_opds_with_unique_ids(world):
    """At least eight booths, each a real Makassar OPD, none twice."""
    opds = [b.opd for b in world.booths]
    assert len(opds) >= 8
    assert len(set(opds)) == len(opds)
    assert set(opds) <= MAKASSAR_OPDS, set(opds) - MAKASSAR_OPDS
    for b in world.booths:
        assert b.name.strip()
        assert world.booth(b.opd) is b
        assert len(b.colour_rgb) == 3 and all(0 <= c <= 1 for c in b.colour_rgb)


def test_every_booth_lies_inside_the_building(world):
    """Every booth's counter, panels, staff spot and interaction zone lie inside the building."""
    for b in world.booths:
        assert world.building.contains_box(b.counter), b.opd
        assert world.building.contains_box(b.zone), b.opd
        for panel in b.panels:
            assert world.building.contains_box(panel), b.opd
        assert world.building.contains_point(*b.staff_spot), b.opd


def test_staff_and_citizens_can_stand_at_every_booth(world):
    """The staff spot behind each counter and the middle of its zone are free places to stand."""
    spots = np.array([b.staff_spot for b in world.booths] + [b.zone.centre for b in world.booths])
    assert world.placement_ok(spots).all()


def test_ids_are_unique(world):
    """Solids, zones, doors and booths each have unique ids."""
    for ids in ([s.id for s in world.solids], [z.id for z in world.zones], [d.id for d in world.doors]):
        assert len(ids) == len(set(ids))


def test_spawns_and_seats_are_free(world):
    """Every spawn point and every seat is a place an avatar may stand."""
    assert world.placement_ok(world.spawns).all()
    assert world.placement_ok(world.seats).all()
    assert world.placement_ok(np.array([world.stage.speaker_spot])).all()


def test_doors_are_open(world):
    """Nothing solid stands in any doorway."""
    for d in world.doors:
        assert not any(s.box.overlaps(d.box) for s in world.solids), d.id


ZONE_POINTS = [
    ((0.0, -5.0), "forecourt"),
    ((-30.0, -25.0), "forecourt"),
    ((0.0, 7.0), "lobby"),
    ((-20.0, 2.0), "lobby"),
    ((0.0, 20.0), "service-hall"),
    ((0.0, 40.0), "service-hall"),
    ((-18.0, 18.0), "booth:DUKCAPIL"),
    ((18.0, 40.0), "booth:DLH"),
    ((0.0, 50.0), "auditorium"),
    ((20.0, 68.0), "auditorium"),
    ((0.0, 66.0), "stage"),
    ((30.0, 10.0), "garden"),
    ((-30.0, 70.0), "garden"),
]


@pytest.mark.parametrize("point,zone_id", ZONE_POINTS, ids=[z + str(p) for p, z in ZONE_POINTS])
def test_zone_of_a_point(world, point, zone_id):
    """A point in the forecourt, lobby, hall, a booth's zone, the auditorium or the stage maps to that zone."""
    zone = world.zone_of(*point)
    assert zone is not None and zone.id == zone_id
    assert world.zone(zone_id) is zone


def test_booth_zone_wins_over_hall(world):
    """Inside a booth's interaction zone the booth's zone wins over the service hall around it."""
    for b in world.booths:
        x, y = b.zone.centre
        assert world.zone_of(x, y).id == b.zone_id
        assert world.zone("service-hall").box.contains_point(x, y)


def test_zone_index_is_vectorised(world):
    """zone_index answers many points at once, -1 outside every zone."""
    pts = np.array([p for p, _ in ZONE_POINTS] + [(500.0, 500.0)])
    idx = world.zone_index(pts)
    assert [world.zones[i].id for i in idx[:-1]] == [z for _, z in ZONE_POINTS]
    assert idx[-1] == -1
    assert world.zone_of(500.0, 500.0) is None


def test_zone_names_in_both_languages(world):
    """Every zone has a name in Indonesian and in English."""
    for z in world.zones:
        assert z.name("id") and z.name("en")
    assert world.zone("lobby").name("en") == "Lobby"


def test_floor_height_on_the_stage(world):
    """Feet stand 0.8 m up on the stage and at ground level in the hall, lobby and forecourt."""
    heights = world.floor_height(np.array([[0.0, 66.0], [0.0, 20.0], [0.0, 7.0], [0.0, -5.0], [0.0, 50.0]]))
    assert heights[0] == pytest.approx(world.stage.height_m) == pytest.approx(0.8)
    assert heights[1:].tolist() == [0.0, 0.0, 0.0, 0.0]
    assert world.floor_height(np.array([[900.0, 900.0]])).tolist() == [0.0]


def test_packaged_world_is_walkable(world):
    """From the spawn, on foot, you reach every booth zone, every staff spot, every seat and the speaker's spot."""
    step = 0.25
    g = world.grounds
    nx = int(round((g.xmax - g.xmin) / step))
    ny = int(round((g.ymax - g.ymin) / step))
    xs = g.xmin + step * (np.arange(nx) + 0.5)
    ys = g.ymin + step * (np.arange(ny) + 0.5)
    gx, gy = np.meshgrid(xs, ys, indexing="ij")
    free = world.placement_ok(np.stack([gx.ravel(), gy.ravel()], axis=1)).reshape(nx, ny)

    def cell(p):
        return (int((p[0] - g.xmin) // step), int((p[1] - g.ymin) // step))

    start = cell(world.spawns[0])
    assert free[start]
    seen = np.zeros_like(free)
    seen[start] = True
    frontier = np.array([start])
    while len(frontier):
        grown = []
        for m in ((1, 0), (-1, 0), (0, 1), (0, -1)):
            nxt = frontier + m
            ok = (nxt[:, 0] >= 0) & (nxt[:, 0] < nx) & (nxt[:, 1] >= 0) & (nxt[:, 1] < ny)
            nxt, src = nxt[ok], frontier[ok]
            ok = free[nxt[:, 0], nxt[:, 1]] & ~seen[nxt[:, 0], nxt[:, 1]]
            nxt, src = nxt[ok], src[ok]
            # The step itself must be possible: the swept move reaches the next cell's centre.
            a = np.stack([xs[src[:, 0]], ys[src[:, 1]]], axis=1)
            b = np.stack([xs[nxt[:, 0]], ys[nxt[:, 1]]], axis=1)
            nxt = nxt[np.all(np.abs(world.resolve_moves(a, b - a) - b) < 1e-6, axis=1)]
            seen[nxt[:, 0], nxt[:, 1]] = True
            grown.append(nxt)
        frontier = np.concatenate(grown)

    def reachable(p) -> bool:
        # The nearest free cell centre within one cell of p.
        cx, cy = cell(p)
        return bool(seen[max(cx - 1, 0) : cx + 2, max(cy - 1, 0) : cy + 2].any())

    targets = {f"zone {b.opd}": b.zone.centre for b in world.booths}
    targets |= {f"staff {b.opd}": b.staff_spot for b in world.booths}
    targets |= {f"seat {tuple(s)}": tuple(s) for s in world.seats}
    targets["speaker"] = world.stage.speaker_spot
    unreachable = [name for name, p in targets.items() if not reachable(p)]
    assert not unreachable, unreachable
    tower = next(s for s in world.solids if s.id == "balaikota-tower")
    assert not seen[cell(tower.box.centre)]  # the search does not walk through solids


# ── validation: small worlds built as TOML dicts ─────────────────────────────


def mini() -> dict:
    """A small valid world: one room with a south door, a bench, one booth, a stage."""
    return {
        "id": "mini",
        "grounds": {"box": [-20.0, -20.0, 20.0, 20.0]},
        "building": {"box": [-10.0, 0.0, 10.0, 15.0]},
        "walls": [
            {"id": "south-w", "from": [-10.0, 0.0], "to": [-2.0, 0.0]},
            {"id": "south-e", "from": [2.0, 0.0], "to": [10.0, 0.0]},
            {"id": "north", "from": [-10.0, 15.0], "to": [10.0, 15.0]},
            {"id": "west", "from": [-10.0, 0.0], "to": [-10.0, 15.0]},
            {"id": "east", "from": [10.0, 0.0], "to": [10.0, 15.0]},
        ],
        "doors": [{"id": "entrance", "box": [-2.0, -0.2, 2.0, 0.2]}],
        "solids": [{"id": "bench", "box": [-5.0, 5.0, -3.0, 5.6]}],
        "booths": [{"opd": "DUKCAPIL", "name": "Disdukcapil", "position": [-6.0, 10.0], "facing": 270}],
        "stage": {"box": [-3.0, 12.0, 3.0, 14.8], "speaker_spot": [0.0, 13.5]},
        "zones": [{"id": "hall", "name_id": "Aula", "box": [-10.0, 0.0, 10.0, 15.0]}],
        "spawn": {"points": [[0.0, -5.0]]},
    }


def test_mini_world_is_valid():
    """The small test world used below is itself valid."""
    w = parse_world(mini())
    assert [b.opd for b in w.booths] == ["DUKCAPIL"]
    assert w.zone_of(-4.0, 10.0).id == "booth:DUKCAPIL"
    assert w.zone_of(0.0, 3.0).id == "hall"


def refused(data: dict) -> str:
    with pytest.raises(WorldError) as info:
        parse_world(data, source="mini.toml")
    return str(info.value)


def test_overlapping_solids_are_named():
    """Two overlapping solids are refused, naming both."""
    d = mini()
    d["solids"].append({"id": "crate", "box": [-4.5, 5.2, -4.0, 7.0]})
    msg = refused(d)
    assert "bench" in msg and "crate" in msg


def test_solid_overlapping_a_wall_is_named():
    """A solid that cuts into a wall is refused, naming both."""
    d = mini()
    d["solids"].append({"id": "cabinet", "box": [8.0, 4.0, 10.1, 5.0]})
    msg = refused(d)
    assert "cabinet" in msg and "wall:east" in msg


def test_walls_may_join():
    """Walls meeting at a corner are not an overlap."""
    parse_world(mini())  # the corners of the mini world's walls overlap by their thickness


def test_booth_outside_the_building_is_named():
    """A booth whose counter lies outside the building is refused, naming the booth."""
    d = mini()
    d["booths"] = [{"opd": "DISHUB", "name": "Dinas Perhubungan", "position": [15.0, 5.0], "facing": 90}]
    msg = refused(d)
    assert "DISHUB" in msg and "outside the building" in msg


def test_booth_zone_outside_the_building_is_named():
    """A booth whose interaction zone pokes out of the building is refused, naming the booth."""
    d = mini()
    # Facing south from near the south wall: the zone in front of the counter falls outside.
    d["booths"] = [{"opd": "DINSOS", "name": "Dinas Sosial", "position": [-6.0, 1.5], "facing": 180}]
    d["booths"][0]["back_depth_m"] = 2.0
    msg = refused(d)
    assert "DINSOS" in msg


def test_spawn_inside_a_solid_is_named():
    """A spawn point inside a solid is refused, naming the point."""
    d = mini()
    d["spawn"]["points"].append([-4.0, 5.3])
    msg = refused(d)
    assert "spawn" in msg and "-4.0" in msg and "5.3" in msg


def test_spawn_off_the_grounds_is_named():
    """A spawn point off the grounds (or too close to their edge) is refused."""
    d = mini()
    d["spawn"]["points"] = [[19.9, 0.0]]
    assert "spawn" in refused(d)


def test_blocked_door_is_named():
    """A solid standing in a doorway is refused, naming the door and the solid."""
    d = mini()
    d["solids"].append({"id": "planter", "box": [-1.0, -0.5, 1.0, -0.1]})
    msg = refused(d)
    assert "entrance" in msg and "planter" in msg


@pytest.mark.parametrize("kind", ["solid", "zone", "door", "booth", "wall"])
def test_duplicate_ids_are_named(kind):
    """Two elements of one kind sharing an id are refused, naming the id."""
    d = mini()
    if kind == "solid":
        d["solids"].append({"id": "bench", "box": [3.0, 5.0, 5.0, 5.6]})
        name = "bench"
    elif kind == "zone":
        d["zones"].append({"id": "hall", "name_id": "Aula lagi", "box": [-1.0, 1.0, 1.0, 2.0]})
        name = "hall"
    elif kind == "door":
        d["doors"].append({"id": "entrance", "box": [9.8, 5.0, 10.2, 6.0]})
        d["walls"][4] = {"id": "east", "from": [10.0, 0.0], "to": [10.0, 5.0]}
        d["walls"].append({"id": "east-2", "from": [10.0, 6.0], "to": [10.0, 15.0]})
        name = "entrance"
    elif kind == "booth":
        d["booths"].append({"opd": "DUKCAPIL", "name": "Disdukcapil 2", "position": [6.0, 10.0], "facing": 90})
        name = "DUKCAPIL"
    else:
        d["walls"].append({"id": "north", "from": [-10.0, 8.0], "to": [-8.0, 8.0]})
        name = "north"
    msg = refused(d)
    assert "duplicate" in msg and name in msg


def test_diagonal_wall_is_named():
    """A wall that runs neither north-south nor east-west is refused, naming the wall."""
    d = mini()
    d["walls"].append({"id": "slant", "from": [3.0, 2.0], "to": [5.0, 4.0]})
    msg = refused(d)
    assert "slant" in msg


def test_zero_length_wall_is_named():
    """A wall that starts where it ends is refused as a WorldError naming the wall."""
    d = mini()
    d["walls"].append({"id": "stub", "from": [3.0, 2.0], "to": [3.0, 2.0]})
    assert "stub" in refused(d)


def test_booth_facing_must_be_a_right_angle():
    """A booth turned by anything but a multiple of 90 degrees is refused, naming the booth."""
    d = mini()
    d["booths"][0]["facing"] = 45
    assert "DUKCAPIL" in refused(d)


def test_empty_box_is_named():
    """A box whose min is not below its max is refused, naming the element."""
    d = mini()
    d["solids"][0]["box"] = [-3.0, 5.0, -5.0, 5.6]
    assert "bench" in refused(d)


def test_missing_key_is_a_world_error():
    """A missing required key is a WorldError naming the key."""
    d = mini()
    del d["stage"]
    assert "stage" in refused(d)


def test_staff_spot_inside_a_solid_is_named():
    """A booth whose staff spot is blocked by a solid is refused, naming the booth."""
    d = mini()
    d["solids"].append({"id": "cupboard", "box": [-8.0, 9.5, -7.0, 10.5]})
    msg = refused(d)
    assert "DUKCAPIL" in msg and "staff spot" in msg


def test_parse_world_does_not_mutate_its_input():
    """Parsing leaves the caller's dict as it was."""
    d = mini()
    before = copy.deepcopy(d)
    parse_world(d)
    assert d == before


def test_booth_geometry_follows_its_facing():
    """A booth facing east has its zone east of the counter and its staff spot west of it."""
    w = parse_world(mini())
    b = w.booths[0]
    assert b.facing_deg == 270
    assert b.zone.xmin >= b.counter.xmax - 1e-9
    assert b.staff_spot[0] < b.counter.xmin
    assert math.isclose(b.staff_spot[1], 10.0)
