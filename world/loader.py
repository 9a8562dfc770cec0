"""Read a world file (TOML) into a `World`, refusing worlds that make no sense.

Validation names the offending element: overlapping solids, booths outside the building,
spawns or staff spots inside solids, doors blocked, duplicate ids.
"""

from __future__ import annotations

import math
import sys
import tomllib
from importlib import resources
from pathlib import Path

import numpy as np

from .model import INSTANCE_KINDS, Booth, Box, Door, Floor, InstanceSpec, Solid, Stage, World, Zone

__all__ = ["WorldError", "load_world", "load_default_world", "parse_world", "DEFAULT_WORLD_FILE"]

DEFAULT_WORLD_FILE = "balai_kota.toml"


class WorldError(ValueError):
    """The world file is invalid; the message names the element."""


def load_default_world() -> World:
    if getattr(sys, "frozen", False):
        # The frozen desktop app (bench/desktop.py) keeps its data files beside the program.
        text = (Path(sys.executable).resolve().parent / DEFAULT_WORLD_FILE).read_text(encoding="utf-8")
    else:
        text = resources.files("makaverse.world").joinpath(DEFAULT_WORLD_FILE).read_text(encoding="utf-8")
    return parse_world(tomllib.loads(text), source=DEFAULT_WORLD_FILE)


def load_world(path: str | Path) -> World:
    path = Path(path)
    with path.open("rb") as f:
        return parse_world(tomllib.load(f), source=str(path))


def _box(raw, where: str) -> Box:
    try:
        values = [float(v) for v in raw]
        if len(values) != 4:
            raise ValueError
        return Box(*values)
    except (TypeError, ValueError) as exc:
        raise WorldError(f"{where}: box must be [xmin, ymin, xmax, ymax] with min < max") from exc


def _point(raw, where: str) -> tuple[float, float]:
    try:
        x, y = (float(v) for v in raw)
        return (x, y)
    except (TypeError, ValueError) as exc:
        raise WorldError(f"{where}: point must be [x, y]") from exc


def _wall(raw: dict, defaults: dict) -> Solid:
    wid = raw["id"]
    (x0, y0), (x1, y1) = _point(raw["from"], f"wall {wid}"), _point(raw["to"], f"wall {wid}")
    t = float(raw.get("thickness_m", defaults.get("thickness_m", 0.4))) / 2
    if x0 != x1 and y0 != y1:
        raise WorldError(f"wall {wid}: walls must run north-south or east-west")
    if (x0, y0) == (x1, y1) or not t > 0:
        raise WorldError(f"wall {wid}: a wall needs a length and a thickness")
    # A wall spans exactly from..to along its run (so door gaps are exact) and +-t across it.
    if y0 == y1:
        box = Box(min(x0, x1), y0 - t, max(x0, x1), y0 + t)
    else:
        box = Box(x0 - t, min(y0, y1), x0 + t, max(y0, y1))
    return Solid(
        id=f"wall:{wid}",
        box=box,
        height_m=float(raw.get("height_m", defaults.get("height_m", 5.0))),
        material=raw.get("material", defaults.get("material", "plaster")),
        kind="wall",
    )


def _booth(raw: dict, d: dict) -> Booth:
    opd = raw["opd"]
    where = f"booth {opd}"
    px, py = _point(raw["position"], where)
    facing = float(raw["facing"]) % 360
    if facing % 90:
        raise WorldError(f"{where}: facing must be a multiple of 90 degrees")
    # Unit vectors: forward is where the clerk looks; right is forward turned clockwise.
    rad = math.radians(facing)
    fx, fy = round(-math.sin(rad)), round(math.cos(rad))
    rx, ry = fy, -fx

    def rect(forward_a: float, forward_b: float, half_width: float) -> Box:
        xs = [px + fx * f + rx * s for f in (forward_a, forward_b) for s in (-half_width, half_width)]
        ys = [py + fy * f + ry * s for f in (forward_a, forward_b) for s in (-half_width, half_width)]
        return Box(min(xs), min(ys), max(xs), max(ys))

    cd = float(d["counter_depth_m"])
    back = float(d["back_depth_m"])
    half_w = float(d["width_m"]) / 2
    panel_t = 0.1
    counter = rect(-cd / 2, cd / 2, float(d["counter_width_m"]) / 2)
    zone = rect(cd / 2, cd / 2 + float(d["zone_depth_m"]), float(d["zone_width_m"]) / 2)
    # Side panels run from the counter line back to the wall, at the booth's edges.
    panels = []
    for side in (-1, 1):
        cx = px + rx * side * half_w
        cy = py + ry * side * half_w
        xs = [cx + fx * f + rx * s for f in (-cd / 2 - back, cd / 2) for s in (-panel_t, panel_t)]
        ys = [cy + fy * f + ry * s for f in (-cd / 2 - back, cd / 2) for s in (-panel_t, panel_t)]
        panels.append(Box(min(xs), min(ys), max(xs), max(ys)))
    staff_back = cd / 2 + 1.0
    staff_spot = (px - fx * staff_back, py - fy * staff_back)
    return Booth(
        opd=opd,
        name=raw["name"],
        position=(px, py),
        facing_deg=facing,
        colour=raw.get("colour", "#888888"),
        counter=counter,
        panels=(panels[0], panels[1]),
        staff_spot=staff_spot,
        zone=zone,
    )


def _seats(raw: dict) -> np.ndarray:
    spacing = float(raw.get("spacing_m", 1.0))
    seats: list[tuple[float, float]] = []
    for y in raw.get("rows_y", []):
        for x0, x1 in raw.get("blocks_x", []):
            n = int(math.floor((x1 - x0) / spacing + 1e-9)) + 1
            seats.extend((x0 + i * spacing, float(y)) for i in range(n))
    return np.array(seats, dtype=np.float64).reshape(-1, 2)


def parse_world(data: dict, *, source: str = "<world>") -> World:
    try:
        world = _build(data)
    except KeyError as exc:
        raise WorldError(f"{source}: missing key {exc}") from None
    _validate(world)
    return world


def _build(data: dict) -> World:
    booth_defaults = data.get("booth_defaults", {})
    booths = tuple(_booth(b, {**_BOOTH_DEFAULTS, **booth_defaults, **b}) for b in data.get("booths", []))
    wall_defaults = data.get("wall_defaults", {})
    solids: list[Solid] = [_wall(w, wall_defaults) for w in data.get("walls", [])]
    for s in data.get("solids", []):
        solids.append(
            Solid(
                id=s["id"],
                box=_box(s["box"], f"solid {s['id']}"),
                height_m=float(s.get("height_m", 1.0)),
                material=s.get("material", "stone"),
                kind="furniture",
            )
        )
    for b in booths:
        solids.append(Solid(id=f"counter:{b.opd}", box=b.counter, height_m=1.1, material="counter", kind="counter"))
        for i, p in enumerate(b.panels):
            solids.append(Solid(id=f"panel:{b.opd}:{i}", box=p, height_m=2.4, material="panel", kind="panel"))
    stage_raw = data["stage"]
    stage = Stage(
        box=_box(stage_raw["box"], "stage"),
        height_m=float(stage_raw.get("height_m", 0.8)),
        speaker_spot=_point(stage_raw["speaker_spot"], "stage speaker_spot"),
        facing_deg=float(stage_raw.get("facing", 180)),
    )
    zones = [Zone(id=b.zone_id, name_id=b.name, name_en=b.name, box=b.zone) for b in booths]
    zones += [
        Zone(
            id=z["id"],
            name_id=z["name_id"],
            name_en=z.get("name_en", z["name_id"]),
            box=_box(z["box"], f"zone {z['id']}"),
        )
        for z in data.get("zones", [])
    ]
    avatar = data.get("avatar", {})
    spawn = data["spawn"]
    return World(
        id=data["id"],
        name_id=data.get("name_id", data["id"]),
        name_en=data.get("name_en", data.get("name_id", data["id"])),
        grounds=_box(data["grounds"]["box"], "grounds"),
        building=_box(data["building"]["box"], "building"),
        avatar_radius_m=float(avatar.get("radius_m", 0.3)),
        walk_speed_mps=float(avatar.get("walk_speed_mps", 2.5)),
        run_speed_mps=float(avatar.get("run_speed_mps", 5.0)),
        floors=tuple(
            Floor(id=f["id"], box=_box(f["box"], f"floor {f['id']}"), height_m=float(f.get("height_m", 0.0)),
                  material=f.get("material", "tile"))
            for f in data.get("floors", [])
        ),
        solids=tuple(solids),
        doors=tuple(
            Door(id=d["id"], name_id=d.get("name_id", d["id"]), name_en=d.get("name_en", d["id"]),
                 box=_box(d["box"], f"door {d['id']}"))
            for d in data.get("doors", [])
        ),
        booths=booths,
        stage=stage,
        seats=_seats(data.get("seating", {})),
        seat_facing_deg=float(data.get("seating", {}).get("facing", 0)),
        zones=tuple(zones),
        spawns=np.array([_point(p, "spawn") for p in spawn["points"]], dtype=np.float64).reshape(-1, 2),
        spawn_facing_deg=float(spawn.get("facing", 0)),
        instances=tuple(
            InstanceSpec(
                id=i["id"],
                kind=i.get("kind", i["id"]),
                zones=tuple(i.get("zones", ())),
                door=i.get("door", ""),
                spawn=_point(i["spawn"], f"instance {i['id']} spawn") if "spawn" in i else None,
            )
            for i in data.get("instances", [])
        ),
    )


_BOOTH_DEFAULTS = {
    "width_m": 5.2,
    "counter_width_m": 3.2,
    "counter_depth_m": 0.8,
    "back_depth_m": 3.4,
    "zone_depth_m": 3.0,
    "zone_width_m": 4.0,
}


def _duplicates(ids) -> list[str]:
    seen, dup = set(), []
    for i in ids:
        if i in seen:
            dup.append(i)
        seen.add(i)
    return dup


def _validate(w: World) -> None:
    for kind, ids in (
        ("solid", [s.id for s in w.solids]),
        ("zone", [z.id for z in w.zones]),
        ("booth", [b.opd for b in w.booths]),
        ("door", [d.id for d in w.doors]),
    ):
        dup = _duplicates(ids)
        if dup:
            raise WorldError(f"duplicate {kind} id {dup[0]!r}")
    if not w.grounds.contains_box(w.building):
        raise WorldError("building lies outside the grounds")
    # Walls may join walls; nothing else may overlap anything.
    solids = w.solids
    for i, a in enumerate(solids):
        if not w.grounds.contains_box(a.box):
            raise WorldError(f"solid {a.id!r} lies outside the grounds")
        for b in solids[i + 1 :]:
            if a.kind == "wall" and b.kind == "wall":
                continue
            if a.box.overlaps(b.box):
                raise WorldError(f"solids {a.id!r} and {b.id!r} overlap")
    for booth in w.booths:
        for part, box in (("counter", booth.counter), ("interaction zone", booth.zone)):
            if not w.building.contains_box(box):
                raise WorldError(f"booth {booth.opd}: {part} lies outside the building")
        if not w.placement_ok(np.array([booth.staff_spot]))[0]:
            raise WorldError(f"booth {booth.opd}: staff spot {booth.staff_spot} is inside a solid")
    if not w.building.contains_box(w.stage.box):
        raise WorldError("stage lies outside the building")
    if not w.placement_ok(np.array([w.stage.speaker_spot]))[0]:
        raise WorldError("stage: speaker spot is inside a solid")
    if len(w.spawns) == 0:
        raise WorldError("no spawn points")
    ok = w.placement_ok(w.spawns)
    if not ok.all():
        bad = w.spawns[~ok][0]
        raise WorldError(f"spawn point {tuple(bad)} is inside a solid or off the grounds")
    if len(w.seats):
        bad_seats = ~w.placement_ok(w.seats)
        if bad_seats.any():
            raise WorldError(f"seat {tuple(w.seats[bad_seats][0])} is inside a solid")
    for d in w.doors:
        for s in solids:
            if s.box.overlaps(d.box):
                raise WorldError(f"door {d.id!r} is blocked by {s.id!r}")
    _validate_instances(w)


def _validate_instances(w: World) -> None:
    """Each zone belongs to at most one instance, exactly one instance takes the rest, and an
    instance's door and spawn lie on its region's edge and inside it."""
    if not w.instances:
        return
    dup = _duplicates([i.id for i in w.instances])
    if dup:
        raise WorldError(f"duplicate instance id {dup[0]!r}")
    zone_ids = {z.id for z in w.zones}
    door_ids = {d.id for d in w.doors}
    claimed: dict[str, str] = {}
    defaults = [i.id for i in w.instances if not i.zones]
    if len(defaults) != 1:
        raise WorldError("exactly one instance must have no zones (it takes every unclaimed zone)")
    for spec in w.instances:
        if spec.kind not in INSTANCE_KINDS:
            raise WorldError(f"instance {spec.id!r}: kind {spec.kind!r} is not one of {sorted(INSTANCE_KINDS)}")
        for zone in spec.zones:
            if zone not in zone_ids:
                raise WorldError(f"instance {spec.id!r}: no zone {zone!r}")
            if zone in claimed:
                raise WorldError(f"zone {zone!r} is claimed by {claimed[zone]!r} and {spec.id!r}")
            claimed[zone] = spec.id
        if spec.zones and spec.door not in door_ids:
            raise WorldError(f"instance {spec.id!r}: no door {spec.door!r}")
    for spec in w.instances:
        if spec.spawn is not None:
            if not w.placement_ok(np.array([spec.spawn]))[0]:
                raise WorldError(f"instance {spec.id!r}: spawn {spec.spawn} is inside a solid")
            spawn_zone = w.zone_of(*spec.spawn)
            owner = claimed.get(spawn_zone.id, defaults[0]) if spawn_zone is not None else defaults[0]
            if owner != spec.id:
                raise WorldError(f"instance {spec.id!r}: spawn {spec.spawn} lies in {owner!r}")
