"""Getting a bot around the Balai Kota: rooms joined by doors (from the world data), routes
through the doors, and a walker that steers toward its next waypoint, sidesteps what lies just
ahead, and takes a detour, or gives up, when the server's collisions leave it stuck.

Pure: positions in, directions out, time passed in. No sockets, no asyncio.
"""

from __future__ import annotations

import math
import random
from collections import deque
from dataclasses import dataclass

import numpy as np

from makaverse.world import Box, World

__all__ = ["OUTSIDE", "Crossing", "BlockGrid", "Floorplan", "Walker", "floorplan_for"]

OUTSIDE = "outside"  # the grounds around the building: forecourt and garden, one open space
_DOOR_APPROACH_M = 1.5  # how far before and after a door's centre line a route passes
_DOOR_JITTER_M = 1.2  # spread across the door so bots don't all walk one line
_CLEARANCE_M = 0.5  # extra room around solids for goals and detour points
_PROBE_TURNS_DEG = (0.0, 30.0, -30.0, 60.0, -60.0, 90.0, -90.0)


@dataclass(frozen=True, slots=True)
class Crossing:
    """A door as a route sees it: a point on each side, and the rooms they lie in."""

    door_id: str
    room_a: str
    point_a: tuple[float, float]
    room_b: str
    point_b: tuple[float, float]
    across_x: bool  # True when the door is crossed along x (a door in a north-south wall)


class BlockGrid:
    """Where an avatar's centre may not go (solids grown by its radius, and off the grounds), as a
    coarse grid of boxes, so a bot can probe a few points ahead in pure Python, 20 times a second."""

    def __init__(self, world: World, *, cell_m: float = 2.0) -> None:
        r = world.avatar_radius_m
        g = world.grounds
        self.inner = (g.xmin + r, g.ymin + r, g.xmax - r, g.ymax - r)
        self.cell_m = cell_m
        cells: dict[tuple[int, int], list] = {}
        for x0, y0, x1, y1 in world.solid_boxes.tolist():
            box = (x0 - r, y0 - r, x1 + r, y1 + r)
            for i in range(math.floor(box[0] / cell_m), math.floor(box[2] / cell_m) + 1):
                for j in range(math.floor(box[1] / cell_m), math.floor(box[3] / cell_m) + 1):
                    cells.setdefault((i, j), []).append(box)
        self.cells: dict[tuple[int, int], tuple[tuple[float, float, float, float], ...]] = {
            k: tuple(v) for k, v in cells.items()
        }

    def free(self, x: float, y: float) -> bool:
        """Whether an avatar could stand at (x, y) (same rule as `World.placement_ok`)."""
        gx0, gy0, gx1, gy1 = self.inner
        if not (gx0 <= x <= gx1 and gy0 <= y <= gy1):
            return False
        c = self.cell_m
        for x0, y0, x1, y1 in self.cells.get((math.floor(x / c), math.floor(y / c)), ()):
            if x0 < x < x1 and y0 < y < y1:
                return False
        return True


class Floorplan:
    """Rooms, doors and goal places, derived once from a `World`."""

    def __init__(self, world: World) -> None:
        self.world = world
        building = world.building
        # Rooms are the zones inside the building that span its whole width (lobby, service hall,
        # auditorium); booth zones and the stage lie within them. Everything else is OUTSIDE.
        self.rooms: dict[str, Box] = {
            z.id: z.box
            for z in world.zones
            if building.contains_box(z.box) and z.box.size[0] >= building.size[0] - 1e-6
        }
        self.crossings: list[Crossing] = []
        for door in world.doors:
            cx, cy = door.box.centre
            across_x = door.box.size[0] < door.box.size[1]
            step = (_DOOR_APPROACH_M, 0.0) if across_x else (0.0, _DOOR_APPROACH_M)
            a = (cx - step[0], cy - step[1])
            b = (cx + step[0], cy + step[1])
            self.crossings.append(Crossing(door.id, self.room_of(*a), a, self.room_of(*b), b, across_x))
        self.neighbours: dict[str, list[Crossing]] = {}
        for c in self.crossings:
            self.neighbours.setdefault(c.room_a, []).append(c)
            self.neighbours.setdefault(c.room_b, []).append(c)
        inset = world.avatar_radius_m + _CLEARANCE_M
        forecourt = world.zone("forecourt")
        outside_box = forecourt.box if forecourt is not None else world.grounds
        self.goal_boxes: dict[str, Box] = {
            name: Box(box.xmin + inset, box.ymin + inset, box.xmax - inset, box.ymax - inset)
            for name, box in {**self.rooms, OUTSIDE: outside_box}.items()
        }
        self.booth_spots = [(b.zone.centre, b) for b in world.booths]
        stage = world.stage.box
        self.stage_box = Box(stage.xmin + inset, stage.ymin + inset, stage.xmax - inset, stage.ymax - inset)
        seats = world.seats
        self.seats = seats[world.placement_ok(seats)] if len(seats) else seats
        self.blocks = BlockGrid(world)

    # ── places ───────────────────────────────────────────────────────────────
    def room_of(self, x: float, y: float) -> str:
        for name, box in self.rooms.items():
            if box.contains_point(x, y):
                return name
        return OUTSIDE

    def clear(self, points: np.ndarray, clearance_m: float = _CLEARANCE_M) -> np.ndarray:
        """Points where an avatar stands with `clearance_m` to spare around every solid."""
        pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        return self.world.placement_ok(pts) & ~self.world.inside_solid(pts, self.world.avatar_radius_m + clearance_m)

    def random_point(self, box: Box, rng: random.Random, tries: int = 24) -> tuple[float, float]:
        pts = np.array([(rng.uniform(box.xmin, box.xmax), rng.uniform(box.ymin, box.ymax)) for _ in range(tries)])
        ok = np.flatnonzero(self.clear(pts))
        x, y = pts[ok[0]] if len(ok) else box.centre
        return (float(x), float(y))

    def random_in_room(self, room: str, rng: random.Random) -> tuple[float, float]:
        return self.random_point(self.goal_boxes[room], rng)

    # ── routes ───────────────────────────────────────────────────────────────
    def room_path(self, start: str, goal: str) -> list[Crossing] | None:
        """Doors to pass, in order, from room `start` to room `goal` (breadth-first)."""
        if start == goal:
            return []
        came: dict[str, tuple[str, Crossing] | None] = {start: None}
        todo = deque([start])
        while todo:
            room = todo.popleft()
            for c in self.neighbours.get(room, ()):
                nxt = c.room_b if c.room_a == room else c.room_a
                if nxt in came:
                    continue
                came[nxt] = (room, c)
                if nxt == goal:
                    path = []
                    step = came[nxt]
                    while step is not None:
                        prev, crossing = step
                        path.append(crossing)
                        step = came[prev]
                    return path[::-1]
                todo.append(nxt)
        return None

    def route(
        self, start: tuple[float, float], goal: tuple[float, float], rng: random.Random
    ) -> list[tuple[float, float]]:
        """Waypoints from `start` to `goal`: through each door on the way (both sides), then the goal."""
        room = self.room_of(*start)
        crossings = self.room_path(room, self.room_of(*goal)) or []
        points: list[tuple[float, float]] = []
        for c in crossings:
            near, far = (c.point_a, c.point_b) if c.room_a == room else (c.point_b, c.point_a)
            room = c.room_b if c.room_a == room else c.room_a
            j = rng.uniform(-_DOOR_JITTER_M, _DOOR_JITTER_M)
            shift = (0.0, j) if c.across_x else (j, 0.0)
            points.append((near[0] + shift[0], near[1] + shift[1]))
            points.append((far[0] + shift[0], far[1] + shift[1]))
        points.append(goal)
        return points


_PLANS: dict[int, tuple[World, Floorplan]] = {}


def floorplan_for(world: World) -> Floorplan:
    """One floorplan per world per process: the bots share it."""
    hit = _PLANS.get(id(world))
    if hit is None or hit[0] is not world:
        hit = _PLANS[id(world)] = (world, Floorplan(world))
    return hit[1]


class Walker:
    """Follows a list of waypoints; `direction()` gives a unit move, or None when there is nothing to do.

    Progress is judged from the positions the server reports: if the distance to the current
    waypoint hasn't shrunk by `min_progress_m` within `stuck_after_s`, the walker inserts a
    detour point beside the blocked line; after `max_detours` for one waypoint it gives up the
    route (`gave_up` is set) so its owner can pick another goal.
    """

    def __init__(
        self,
        plan: Floorplan,
        rng: random.Random,
        *,
        arrive_m: float = 0.6,
        stuck_after_s: float = 1.2,
        min_progress_m: float = 0.3,
        max_detours: int = 3,
        lookahead_m: float = 0.8,
    ) -> None:
        self.plan = plan
        self.rng = rng
        self.arrive_m = arrive_m
        self.stuck_after_s = stuck_after_s
        self.min_progress_m = min_progress_m
        self.max_detours = max_detours
        self.lookahead_m = lookahead_m
        self.waypoints: deque[tuple[float, float, bool]] = deque()  # (x, y, is_detour)
        self.gave_up = False
        self.detours = 0  # in total, for the report
        self._side = 1.0 if rng.random() < 0.5 else -1.0  # which way to sidestep first
        self._detours_here = 0
        self._ref_m: float | None = None  # distance to the waypoint at the last progress check
        self._check_at = 0.0
        self._turns = [math.radians(d) for d in _PROBE_TURNS_DEG]

    @property
    def active(self) -> bool:
        return bool(self.waypoints)

    def set_route(self, waypoints: list[tuple[float, float]]) -> None:
        self.waypoints = deque((x, y, False) for x, y in waypoints)
        self.gave_up = False
        self._detours_here = 0
        self._ref_m = None

    def remaining_m(self, x: float, y: float) -> float:
        """Straight-line distance to the final waypoint."""
        if not self.waypoints:
            return 0.0
        gx, gy, _ = self.waypoints[-1]
        return math.hypot(gx - x, gy - y)

    def direction(self, x: float, y: float, now_s: float) -> tuple[float, float] | None:
        while self.waypoints:
            wx, wy, detour = self.waypoints[0]
            dist = math.hypot(wx - x, wy - y)
            if dist > self.arrive_m:
                break
            self.waypoints.popleft()
            self._ref_m = None
            if not detour:
                self._detours_here = 0
        else:
            return None
        if self._ref_m is None:
            self._ref_m = dist
            self._check_at = now_s + self.stuck_after_s
        elif now_s >= self._check_at:
            if self._ref_m - dist < self.min_progress_m:
                if not self._detour(x, y):
                    return None
                wx, wy, _ = self.waypoints[0]
                dist = math.hypot(wx - x, wy - y)
            self._ref_m = dist
            self._check_at = now_s + self.stuck_after_s
        return self._steer(x, y, (wx - x) / dist, (wy - y) / dist)

    def _detour(self, x: float, y: float) -> bool:
        """Put a detour point before the blocked waypoint, or give the route up (False)."""
        self._detours_here += 1
        point = self._detour_point(x, y) if self._detours_here <= self.max_detours else None
        if point is None:
            self.waypoints.clear()
            self.gave_up = True
            return False
        self.detours += 1
        self._side = -self._side
        self.waypoints.appendleft((point[0], point[1], True))
        return True

    def _detour_point(self, x: float, y: float) -> tuple[float, float] | None:
        wx, wy, _ = self.waypoints[0]
        heading = math.atan2(wy - y, wx - x)
        rng = self.rng
        cands = []
        for _ in range(16):
            # Mostly sideways and a little back: out of the corner the wall made.
            angle = heading + self._side * rng.uniform(math.radians(60), math.radians(150))
            if rng.random() < 0.3:
                angle = heading + rng.uniform(-math.pi, math.pi)
            r = rng.uniform(1.5, 4.0)
            cands.append((x + r * math.cos(angle), y + r * math.sin(angle)))
        pts = np.array(cands)
        ok = self.plan.clear(pts, 0.2)
        # The detour must be reachable in a straight line: sample the segment.
        ts = np.linspace(0.25, 1.0, 4)
        seg = np.array([x, y])[None, None, :] * (1 - ts)[None, :, None] + pts[:, None, :] * ts[None, :, None]
        ok &= self.plan.world.placement_ok(seg.reshape(-1, 2)).reshape(len(pts), len(ts)).all(axis=1)
        room = self.plan.room_of(x, y)
        for i in np.flatnonzero(ok):
            px, py = pts[i]
            if self.plan.room_of(px, py) == room:
                return (float(px), float(py))
        return None

    def _steer(self, x: float, y: float, ux: float, uy: float) -> tuple[float, float]:
        """The first of a fan of headings around the wanted one whose next stretch is clear."""
        free = self.plan.blocks.free
        base = math.atan2(uy, ux)
        for turn in self._turns:
            a = base + self._side * turn
            dx, dy = math.cos(a), math.sin(a)
            if free(x + dx * self.lookahead_m, y + dy * self.lookahead_m) and free(x + dx * 0.35, y + dy * 0.35):
                return (ux, uy) if turn == 0.0 else (dx, dy)
        return (ux, uy)
