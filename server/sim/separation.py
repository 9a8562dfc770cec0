"""Keeping avatars from standing inside each other: a soft push, a little per tick.

Avatars are circles of the world's radius. Every pair closer than two radii is pushed apart
along the line between them, each by a share of the overlap, and no avatar is moved farther
than `max_step_m` in one tick, so a crowd relaxes over a few ticks instead of jumping. The
push is returned as displacements; the simulation applies them through the world's swept
collision, so nobody is ever pushed into a wall, a counter or off the grounds.

Pairs are found by sweep and prune on x (sort once, then compare each avatar with its k-th
successor for growing k while any pair is still within reach): O(N) per step of k, and k
stays at the number of avatars in one 2-radius strip. Pure numpy, no I/O.
"""

from __future__ import annotations

import numpy as np

__all__ = ["close_pairs", "separation_deltas"]

_GOLDEN_ANGLE = np.pi * (3.0 - np.sqrt(5.0))


def close_pairs(pos: np.ndarray, reach_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (i, j), i != j, each pair once, whose centres are closer than `reach_m`."""
    pos = np.asarray(pos, dtype=np.float64).reshape(-1, 2)
    n = len(pos)
    if n < 2:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    order = np.argsort(pos[:, 0], kind="stable")
    xs = pos[order, 0]
    empty = np.empty(0, dtype=np.int64)
    found_i, found_j = [empty], [empty]
    reach2 = reach_m * reach_m
    for k in range(1, n):
        near_x = xs[k:] - xs[:-k] < reach_m
        if not near_x.any():
            break  # sorted on x: the k-th successor of everyone is out of reach, so are all later ones
        a = order[:-k][near_x]
        b = order[k:][near_x]
        d = pos[a] - pos[b]
        close = np.einsum("ij,ij->i", d, d) < reach2
        found_i.append(a[close])
        found_j.append(b[close])
    return np.concatenate(found_i), np.concatenate(found_j)


def separation_deltas(
    pos: np.ndarray,
    *,
    radius_m: float,
    max_step_m: float,
    share: float = 0.5,
    ids: np.ndarray | None = None,
) -> np.ndarray:
    """Displacements (N, 2) that push overlapping avatars apart.

    Each overlapping pair moves apart by `share` of its overlap (half to each avatar); an
    avatar's total push is capped at `max_step_m`. Two avatars on exactly the same spot are
    split along a direction taken from their `ids` (or indices), so the result is repeatable.
    """
    pos = np.asarray(pos, dtype=np.float64).reshape(-1, 2)
    out = np.zeros_like(pos)
    if len(pos) < 2 or max_step_m <= 0.0:
        return out
    i, j = close_pairs(pos, 2.0 * radius_m)
    if len(i) == 0:
        return out
    d = pos[i] - pos[j]
    dist = np.hypot(d[:, 0], d[:, 1])
    coincident = dist < 1e-6
    if coincident.any():
        keys = np.arange(len(pos)) if ids is None else np.asarray(ids, dtype=np.float64)
        angle = (np.minimum(keys[i], keys[j]) + 2.0 * np.maximum(keys[i], keys[j])) * _GOLDEN_ANGLE
        d[coincident] = np.stack([np.cos(angle), np.sin(angle)], axis=1)[coincident]
        dist[coincident] = 1.0
        # Which one goes which way must not depend on the pair's order in the sweep.
        flip = coincident & (keys[i] > keys[j])
        d[flip] *= -1.0
    unit = d / dist[:, None]
    overlap = np.maximum(0.0, 2.0 * radius_m - np.where(coincident, 0.0, dist))
    push = unit * (overlap * share * 0.5)[:, None]
    np.add.at(out, i, push)
    np.add.at(out, j, -push)
    length = np.hypot(out[:, 0], out[:, 1])
    too_far = length > max_step_m
    out[too_far] *= (max_step_m / length[too_far])[:, None]
    return out
