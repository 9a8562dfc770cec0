"""Shortest walkable paths across the world: A* over a visibility graph, in numpy.

Every solid (and the grounds' edge) is grown by the avatar's radius plus a clearance, which
turns the avatar into a point among boxes. The shortest path between two points among boxes
bends only at box corners, so the graph's nodes are the grown boxes' corners (nudged a hair
outward, and only those where an avatar may stand) and its edges are the straight segments
that cross no grown box. Doors need no special case: they are the gaps between wall solids,
and a door narrower than an avatar closes itself when the walls are grown.

The corner graph depends only on the world, so `Pathfinder` builds it once; a query only
links its two end points to the corners they can see and runs A*.

Pure: numpy arrays in, waypoints out; no I/O.
"""

from __future__ import annotations

import heapq
import math

import numpy as np

from . import collision
from .model import World

__all__ = ["Pathfinder", "segments_clear", "DEFAULT_CLEARANCE_M"]

# How far from a solid (beyond the avatar's radius) a planned path keeps: the movement step
# sweeps x then y, so a path grazing a corner exactly could still catch on it.
DEFAULT_CLEARANCE_M = 0.1
_NUDGE_M = 0.02  # corners sit this far outside the grown boxes, so edges along a face are clear


def segments_clear(a: np.ndarray, b: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """For segments a[i]→b[i], whether each one stays out of the open interior of every box.

    The slab test: a segment meets an open box when its parameter ranges inside the box's x and
    y slabs overlap with positive length within [0, 1]; touching an edge or a corner is clear.
    """
    a = np.asarray(a, dtype=np.float64).reshape(-1, 2)
    b = np.asarray(b, dtype=np.float64).reshape(-1, 2)
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    if len(a) == 0 or len(boxes) == 0:
        return np.ones(len(a), dtype=bool)
    t_in = np.zeros((len(a), len(boxes)))
    t_out = np.ones((len(a), len(boxes)))
    for axis in (0, 1):
        p = a[:, axis : axis + 1]
        d = (b - a)[:, axis : axis + 1]
        lo = boxes[:, axis]
        hi = boxes[:, axis + 2]
        flat = np.abs(d) < 1e-12
        with np.errstate(divide="ignore", invalid="ignore"):
            t0 = (lo - p) / d
            t1 = (hi - p) / d
        near = np.where(flat, -np.inf, np.minimum(t0, t1))
        far = np.where(flat, np.inf, np.maximum(t0, t1))
        # A segment parallel to this axis' faces is inside the slab only strictly between them.
        outside = flat & ~((p > lo) & (p < hi))
        near = np.where(outside, np.inf, near)
        far = np.where(outside, -np.inf, far)
        t_in = np.maximum(t_in, near)
        t_out = np.minimum(t_out, far)
    hit = t_out - t_in > 1e-9
    return np.logical_not(hit.any(axis=1))


class Pathfinder:
    """Plans walks over one world. Build once (it precomputes the corner graph), query often."""

    def __init__(self, world: World, *, clearance_m: float = DEFAULT_CLEARANCE_M) -> None:
        self.world = world
        self.clearance_m = clearance_m
        margin = world.avatar_radius_m + clearance_m
        blocking = np.vstack([world.solid_boxes, collision.frame(world.grounds.as_tuple())])
        self.boxes = collision.expand(blocking, margin)
        corners = collision.expand(blocking, margin + _NUDGE_M)
        pts = np.concatenate([corners[:, [0, 1]], corners[:, [2, 1]], corners[:, [0, 3]], corners[:, [2, 3]]])
        keep = ~collision.inside_any(pts, self.boxes)
        self.nodes = np.unique(np.round(pts[keep], 6), axis=0)
        n = len(self.nodes)
        ii, jj = np.triu_indices(n, k=1)
        ok = segments_clear(self.nodes[ii], self.nodes[jj], self.boxes)
        dist = np.hypot(*(self.nodes[ii] - self.nodes[jj]).T)
        self._adj: list[list[tuple[int, float]]] = [[] for _ in range(n)]
        for i, j, d in zip(ii[ok].tolist(), jj[ok].tolist(), dist[ok].tolist(), strict=True):
            self._adj[i].append((j, d))
            self._adj[j].append((i, d))

    def walkable(self, x: float, y: float) -> bool:
        """Whether a planned path may start or end at this point (clear of every grown solid)."""
        return not bool(collision.inside_any(np.array([[x, y]]), self.boxes)[0])

    def nearest_walkable(self, x: float, y: float) -> tuple[float, float]:
        """The point itself if walkable, else the nearest spot just outside the solids that hold it."""
        if self.walkable(x, y):
            return (x, y)
        pt = collision.push_out(np.array([[x, y]], dtype=np.float64), self.boxes)[0]
        if self.walkable(float(pt[0]), float(pt[1])):
            return (float(pt[0]), float(pt[1]))
        d = np.hypot(self.nodes[:, 0] - x, self.nodes[:, 1] - y)
        k = int(d.argmin())
        return (float(self.nodes[k, 0]), float(self.nodes[k, 1]))

    def find(self, start: tuple[float, float], goal: tuple[float, float]) -> list[tuple[float, float]] | None:
        """Waypoints from `start` to `goal` (both included, the goal moved to the nearest walkable
        spot if a solid covers it), or None when no path exists."""
        x0, y0 = (float(v) for v in start)
        # An avatar may stand closer to a wall than the clearance: its first leg steps away.
        sx, sy = self.nearest_walkable(x0, y0)
        lead = [(x0, y0)] if (sx, sy) != (x0, y0) else []
        path = self._find(sx, sy, goal)
        return None if path is None else lead + path

    def _find(self, sx: float, sy: float, goal: tuple[float, float]) -> list[tuple[float, float]] | None:
        gx, gy = self.nearest_walkable(float(goal[0]), float(goal[1]))
        if segments_clear(np.array([[sx, sy]]), np.array([[gx, gy]]), self.boxes)[0]:
            return [(sx, sy), (gx, gy)]
        n = len(self.nodes)
        start_i, goal_i = n, n + 1
        ends = np.array([[sx, sy], [gx, gy]])
        seen = [self._visible(ends[0]), self._visible(ends[1])]
        to_goal = dict(zip(*seen[1], strict=True))
        # A* over the corners; the straight-line distance to the goal never overestimates.
        g_cost = {start_i: 0.0}
        came: dict[int, int] = {}
        heap = [(math.hypot(gx - sx, gy - sy), 0.0, start_i)]
        done: set[int] = set()
        while heap:
            _, g, i = heapq.heappop(heap)
            if i in done:
                continue
            if i == goal_i:
                return self._unwind(came, goal_i, ends)
            done.add(i)
            if i == start_i:
                out = list(zip(*seen[0], strict=True))
            else:
                out = list(self._adj[i])
                if i in to_goal:
                    out.append((goal_i, to_goal[i]))
            for j, d in out:
                ng = g + d
                if ng < g_cost.get(j, math.inf) - 1e-12:
                    g_cost[j] = ng
                    came[j] = i
                    p = ends[1] if j == goal_i else self.nodes[j]
                    heapq.heappush(heap, (ng + math.hypot(gx - p[0], gy - p[1]), ng, j))
        return None

    def _visible(self, point: np.ndarray) -> tuple[list[int], list[float]]:
        """The corners seen from `point`, and how far each is."""
        if len(self.nodes) == 0:
            return [], []
        a = np.repeat(point.reshape(1, 2), len(self.nodes), axis=0)
        ok = segments_clear(a, self.nodes, self.boxes)
        idx = np.nonzero(ok)[0]
        d = np.hypot(self.nodes[idx, 0] - point[0], self.nodes[idx, 1] - point[1])
        return idx.tolist(), d.tolist()

    def _unwind(self, came: dict[int, int], goal_i: int, ends: np.ndarray) -> list[tuple[float, float]]:
        n = len(self.nodes)
        order = [goal_i]
        while order[-1] in came:
            order.append(came[order[-1]])
        out = []
        for i in reversed(order):
            p = ends[0] if i == n else ends[1] if i == n + 1 else self.nodes[i]
            out.append((float(p[0]), float(p[1])))
        return out

    @staticmethod
    def length_m(path: list[tuple[float, float]]) -> float:
        return sum(math.hypot(b[0] - a[0], b[1] - a[1]) for a, b in zip(path, path[1:], strict=False))
