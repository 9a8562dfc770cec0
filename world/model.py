"""The world's parts as frozen dataclasses, plus the `World` that answers geometric queries.

Everything here is pure: numpy arrays in, numpy arrays out, no I/O.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike

from . import collision

__all__ = ["Box", "Solid", "Floor", "Zone", "Door", "Booth", "Stage", "InstanceSpec", "World"]

INSTANCE_KINDS = frozenset({"building", "auditorium", "overflow"})


@dataclass(frozen=True, slots=True)
class Box:
    xmin: float
    ymin: float
    xmax: float
    ymax: float

    def __post_init__(self) -> None:
        if not (self.xmin < self.xmax and self.ymin < self.ymax):
            raise ValueError(f"empty box {self.as_tuple()}")

    def as_tuple(self) -> tuple[float, float, float, float]:
        return (self.xmin, self.ymin, self.xmax, self.ymax)

    @property
    def centre(self) -> tuple[float, float]:
        return ((self.xmin + self.xmax) / 2, (self.ymin + self.ymax) / 2)

    @property
    def size(self) -> tuple[float, float]:
        return (self.xmax - self.xmin, self.ymax - self.ymin)

    def contains_point(self, x: float, y: float) -> bool:
        return self.xmin <= x <= self.xmax and self.ymin <= y <= self.ymax

    def contains_box(self, other: Box) -> bool:
        return (
            self.xmin <= other.xmin and self.ymin <= other.ymin and other.xmax <= self.xmax and other.ymax <= self.ymax
        )

    def overlaps(self, other: Box, tol: float = 1e-6) -> bool:
        """True when the interiors intersect (touching edges do not count)."""
        return (
            self.xmin < other.xmax - tol
            and other.xmin < self.xmax - tol
            and self.ymin < other.ymax - tol
            and other.ymin < self.ymax - tol
        )


@dataclass(frozen=True, slots=True)
class Solid:
    id: str
    box: Box
    height_m: float
    material: str
    kind: str  # wall | counter | panel | furniture


@dataclass(frozen=True, slots=True)
class Floor:
    id: str
    box: Box
    height_m: float
    material: str


@dataclass(frozen=True, slots=True)
class Zone:
    id: str
    name_id: str
    name_en: str
    box: Box

    def name(self, lang: str) -> str:
        return self.name_en if lang == "en" else self.name_id


@dataclass(frozen=True, slots=True)
class Door:
    id: str
    name_id: str
    name_en: str
    box: Box


@dataclass(frozen=True, slots=True)
class Booth:
    opd: str
    name: str
    position: tuple[float, float]
    facing_deg: float
    colour: str
    counter: Box
    panels: tuple[Box, Box]
    staff_spot: tuple[float, float]
    zone: Box

    @property
    def zone_id(self) -> str:
        return f"booth:{self.opd}"

    @property
    def staff_area(self) -> Box:
        """The floor behind the counter where clerks stand: between the side panels, from the
        counter's back edge to the panels' far end (the wall)."""
        counter = self.counter
        a, b = self.panels
        outer = Box(min(a.xmin, b.xmin), min(a.ymin, b.ymin), max(a.xmax, b.xmax), max(a.ymax, b.ymax))
        sx, sy = self.staff_spot
        px, py = self.position
        if abs(sx - px) > abs(sy - py):  # the booth faces east or west: the panels bound y
            lo, hi = min(a.ymax, b.ymax), max(a.ymin, b.ymin)
            if sx < px:
                return Box(outer.xmin, lo, counter.xmin, hi)
            return Box(counter.xmax, lo, outer.xmax, hi)
        lo, hi = min(a.xmax, b.xmax), max(a.xmin, b.xmin)
        if sy < py:
            return Box(lo, outer.ymin, hi, counter.ymin)
        return Box(lo, counter.ymax, hi, outer.ymax)

    @property
    def colour_rgb(self) -> tuple[float, float, float]:
        h = self.colour.lstrip("#")
        r, g, b = (int(h[i : i + 2], 16) / 255.0 for i in (0, 2, 4))
        return (r, g, b)


@dataclass(frozen=True, slots=True)
class Stage:
    box: Box
    height_m: float
    speaker_spot: tuple[float, float]
    facing_deg: float


@dataclass(frozen=True, slots=True)
class InstanceSpec:
    """One world instance a server may host: the zones it owns and where a newcomer appears.

    The instance with no zones owns every zone no other instance claims. Walking into a zone
    owned by another hosted instance (through `door`) moves you to that instance.
    """

    id: str
    kind: str  # building | auditorium | overflow
    zones: tuple[str, ...] = ()
    door: str = ""
    spawn: tuple[float, float] | None = None  # None: the world's spawn points


@dataclass(frozen=True)
class World:
    id: str
    name_id: str
    name_en: str
    grounds: Box
    building: Box
    avatar_radius_m: float
    walk_speed_mps: float
    run_speed_mps: float
    floors: tuple[Floor, ...]
    solids: tuple[Solid, ...]
    doors: tuple[Door, ...]
    booths: tuple[Booth, ...]
    stage: Stage
    seats: np.ndarray  # (S, 2) seat positions
    seat_facing_deg: float
    zones: tuple[Zone, ...]  # in priority order: first containing zone wins
    spawns: np.ndarray  # (P, 2)
    spawn_facing_deg: float
    instances: tuple[InstanceSpec, ...] = ()
    solid_boxes: np.ndarray = field(init=False, repr=False)
    _expanded: np.ndarray = field(init=False, repr=False)
    _expanded_stage: np.ndarray = field(init=False, repr=False)
    _zone_boxes: np.ndarray = field(init=False, repr=False)
    _floor_boxes: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        boxes = np.array([s.box.as_tuple() for s in self.solids], dtype=np.float64).reshape(-1, 4)
        object.__setattr__(self, "solid_boxes", boxes)
        # The grounds' edge is four solids outside it, so one sweep handles walls and bounds alike.
        blocking = np.vstack([boxes, collision.frame(self.grounds.as_tuple())])
        object.__setattr__(self, "_expanded", collision.expand(blocking, self.avatar_radius_m))
        # The same, with the stage as one more solid: for avatars not allowed on it.
        stage = collision.expand(np.array([self.stage.box.as_tuple()], dtype=np.float64), self.avatar_radius_m)
        object.__setattr__(self, "_expanded_stage", np.vstack([self._expanded, stage]))
        object.__setattr__(
            self, "_zone_boxes", np.array([z.box.as_tuple() for z in self.zones], dtype=np.float64).reshape(-1, 4)
        )
        object.__setattr__(
            self, "_floor_boxes", np.array([f.box.as_tuple() for f in self.floors], dtype=np.float64).reshape(-1, 4)
        )

    # ── lookups ──────────────────────────────────────────────────────────────
    def name(self, lang: str) -> str:
        return self.name_en if lang == "en" else self.name_id

    def zone(self, zone_id: str) -> Zone | None:
        return next((z for z in self.zones if z.id == zone_id), None)

    def booth(self, opd: str) -> Booth | None:
        return next((b for b in self.booths if b.opd == opd), None)

    def instance_spec(self, instance_id: str) -> InstanceSpec | None:
        return next((i for i in self.instances if i.id == instance_id), None)

    @property
    def spawn_yaw(self) -> float:
        return math.radians(self.spawn_facing_deg)

    # ── pure numpy queries ───────────────────────────────────────────────────
    def resolve_moves(self, pos: np.ndarray, delta: np.ndarray, *, stage_solid: bool = False) -> np.ndarray:
        """New positions for many avatars moving by `delta`, sliding along solids, kept on the
        grounds; with `stage_solid` the stage is one more solid (for those not allowed on it)."""
        return collision.resolve_moves(pos, delta, self._expanded_stage if stage_solid else self._expanded)

    def inside_solid(self, points: ArrayLike, margin_m: float = 0.0) -> np.ndarray:
        """Which points lie strictly inside a solid grown by `margin_m` (bool per point)."""
        boxes = self.solid_boxes if margin_m == 0 else collision.expand(self.solid_boxes, margin_m)
        return collision.inside_any(np.asarray(points, dtype=np.float64).reshape(-1, 2), boxes)

    def placement_ok(self, points: ArrayLike) -> np.ndarray:
        """Whether an avatar may stand at each point: on the grounds and clear of every solid."""
        pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        return ~collision.inside_any(pts, self._expanded)

    def settle(self, points: ArrayLike) -> np.ndarray:
        """Nearest places an avatar may stand (points set from outside a move, e.g. a spawn)."""
        return collision.push_out(np.asarray(points, dtype=np.float64).reshape(-1, 2), self._expanded)

    def zone_index(self, points: ArrayLike) -> np.ndarray:
        """Index into `zones` of the first zone containing each point, or -1."""
        return collision.first_containing(np.asarray(points, dtype=np.float64).reshape(-1, 2), self._zone_boxes)

    def zone_of(self, x: float, y: float) -> Zone | None:
        i = int(self.zone_index(np.array([[x, y]]))[0])
        return self.zones[i] if i >= 0 else None

    def floor_height(self, points: ArrayLike) -> np.ndarray:
        """Height where feet stand; the last listed floor containing a point wins (stage over hall)."""
        pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        heights = np.array([f.height_m for f in self.floors] + [0.0])
        idx = collision.last_containing(pts, self._floor_boxes)
        return heights[idx]
