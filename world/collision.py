"""Vectorised geometry: avatars (circles of radius r) against axis-aligned boxes.

Each box is grown by r, so an avatar is a point against grown boxes (a conservative test:
the circle is never allowed where its bounding square would touch a box). A move is swept
one axis at a time, stopping just short of the first grown box in the way; that is what
makes avatars slide along walls, and it never leaves a point inside a box when it starts
outside one, however long the step.
"""

from __future__ import annotations

import numpy as np

__all__ = ["expand", "frame", "resolve_moves", "inside_any", "first_containing", "last_containing", "push_out"]

_EPS = 1e-4  # how far short of a face an avatar stops
_TOL = 1e-9


def expand(boxes: np.ndarray, margin: float) -> np.ndarray:
    out = np.array(boxes, dtype=np.float64, copy=True).reshape(-1, 4)
    out[:, :2] -= margin
    out[:, 2:] += margin
    return out


def inside_any(points: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Strictly inside any box (on a face is outside)."""
    if len(boxes) == 0 or len(points) == 0:
        return np.zeros(len(points), dtype=bool)
    x = points[:, 0:1]
    y = points[:, 1:2]
    hit = (x > boxes[:, 0]) & (x < boxes[:, 2]) & (y > boxes[:, 1]) & (y < boxes[:, 3])
    return np.asarray(hit.any(axis=1))


def _containing(points: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    x = points[:, 0:1]
    y = points[:, 1:2]
    return (x >= boxes[:, 0]) & (x <= boxes[:, 2]) & (y >= boxes[:, 1]) & (y <= boxes[:, 3])


def first_containing(points: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Index of the first box containing each point (edges included), or -1."""
    if len(boxes) == 0:
        return np.full(len(points), -1, dtype=np.int64)
    hit = _containing(points, boxes)
    idx = hit.argmax(axis=1)
    return np.where(hit.any(axis=1), idx, -1)


def last_containing(points: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Index of the last box containing each point, or -1."""
    if len(boxes) == 0:
        return np.full(len(points), -1, dtype=np.int64)
    hit = _containing(points, boxes)[:, ::-1]
    idx = len(boxes) - 1 - hit.argmax(axis=1)
    return np.where(hit.any(axis=1), idx, -1)


def _sweep_axis(pos: np.ndarray, step: np.ndarray, boxes: np.ndarray, axis: int) -> np.ndarray:
    """Move `pos[:, axis]` by `step`, stopping before the first box crossed; returns the new coordinate."""
    other = 1 - axis
    if len(pos) and len(boxes):
        # Only boxes across the lanes and the span the movers sweep can stop any of them: the
        # others would only add columns of "no block" (a crowd in one hall skips most of the world).
        a, b = pos[:, axis] + np.minimum(step, 0.0), pos[:, axis] + np.maximum(step, 0.0)
        near = ((boxes[:, other] <= pos[:, other].max()) & (boxes[:, other + 2] >= pos[:, other].min())
                & (boxes[:, axis] <= b.max() + _TOL) & (boxes[:, axis + 2] >= a.min() - _TOL))
        if not near.all():
            boxes = boxes[near]
            if not len(boxes):
                return pos[:, axis] + step
    p = pos[:, axis : axis + 1]
    q = pos[:, other : other + 1]
    d = step[:, None]
    lo = boxes[:, axis]
    hi = boxes[:, axis + 2]
    in_lane = (q > boxes[:, other]) & (q < boxes[:, other + 2])
    target = p + d
    blocks_up = in_lane & (d > 0) & (lo >= p - _TOL) & (lo < target)
    blocks_down = in_lane & (d < 0) & (hi <= p + _TOL) & (hi > target)
    upper = np.where(blocks_up, lo - _EPS, np.inf).min(axis=1)
    lower = np.where(blocks_down, hi + _EPS, -np.inf).max(axis=1)
    # Never step backwards: a point already on (or within _EPS of) a face stays put, because
    # backing off by _EPS could push it into another box whose face lies on the same line.
    upper = np.maximum(upper, p[:, 0])
    lower = np.minimum(lower, p[:, 0])
    return np.clip(target[:, 0], lower, upper)


def push_out(points: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Move any point inside a box to the nearest face (repairs positions set from outside a move)."""
    pts = np.array(points, dtype=np.float64, copy=True)
    for _ in range(4):  # a few rounds settle points between close boxes
        inside = (
            (pts[:, 0:1] > boxes[:, 0])
            & (pts[:, 0:1] < boxes[:, 2])
            & (pts[:, 1:2] > boxes[:, 1])
            & (pts[:, 1:2] < boxes[:, 3])
        )
        rows, cols = np.nonzero(inside)
        if len(rows) == 0:
            break
        for i, j in zip(rows, cols, strict=True):
            x, y = pts[i]
            b = boxes[j]
            if not (b[0] < x < b[2] and b[1] < y < b[3]):
                continue
            exits = [(x - b[0], (b[0] - _EPS, y)), (b[2] - x, (b[2] + _EPS, y)),
                     (y - b[1], (x, b[1] - _EPS)), (b[3] - y, (x, b[3] + _EPS))]
            pts[i] = min(exits)[1]
    return pts


def resolve_moves(pos: np.ndarray, delta: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Sweep x then y for every avatar at once against (already grown) boxes."""
    pos = np.asarray(pos, dtype=np.float64).reshape(-1, 2)
    delta = np.asarray(delta, dtype=np.float64).reshape(-1, 2)
    out = pos.copy()
    if len(boxes) == 0:
        return out + delta
    out[:, 0] = _sweep_axis(out, delta[:, 0], boxes, 0)
    out[:, 1] = _sweep_axis(out, delta[:, 1], boxes, 1)
    return out


def frame(bounds: tuple[float, float, float, float], thickness: float = 1000.0) -> np.ndarray:
    """Four boxes around `bounds` whose inner faces are its edges: the grounds' fence, as solids."""
    x0, y0, x1, y1 = bounds
    t = thickness
    return np.array(
        [
            [x0 - t, y0 - t, x1 + t, y0],  # south
            [x0 - t, y1, x1 + t, y1 + t],  # north
            [x0 - t, y0, x0, y1],  # west
            [x1, y0, x1 + t, y1],  # east
        ],
        dtype=np.float64,
    )
