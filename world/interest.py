"""Who is near whom: a uniform grid over avatar positions, queried for the nearest K within R."""

from __future__ import annotations

import numpy as np

__all__ = ["InterestGrid"]


class InterestGrid:
    """Built once per snapshot from all positions; then answers per-avatar neighbour sets.

    Avatars in one cell share one candidate list (their 3x3 block of cells), so the work is
    one small distance matrix per occupied cell instead of one full N x N matrix.
    """

    def __init__(self, positions: np.ndarray, *, cell_m: float) -> None:
        self.positions = np.asarray(positions, dtype=np.float64).reshape(-1, 2)
        self.cell_m = float(cell_m)
        self._pos32 = self.positions.astype(np.float32)
        cells = np.floor(self.positions / self.cell_m).astype(np.int64)
        self._cells = cells
        order = np.lexsort((cells[:, 1], cells[:, 0]))
        self._order = order
        keys = [tuple(c) for c in cells[order]]
        self._ranges: dict[tuple[int, int], tuple[int, int]] = {}
        start = 0
        for i in range(1, len(keys) + 1):
            if i == len(keys) or keys[i] != keys[start]:
                self._ranges[keys[start]] = (start, i)
                start = i

    def members(self, cell: tuple[int, int]) -> np.ndarray:
        r = self._ranges.get(cell)
        return self._order[r[0] : r[1]] if r else np.empty(0, dtype=np.int64)

    def _candidates(self, cell: tuple[int, int]) -> np.ndarray:
        cx, cy = cell
        parts = [self.members((cx + dx, cy + dy)) for dx in (-1, 0, 1) for dy in (-1, 0, 1)]
        return np.concatenate(parts)

    def neighbours(self, radius_m: float, k: int) -> list[np.ndarray]:
        """For every avatar i: indices of up to `k` others within `radius_m`, nearest first (i excluded).

        The grid's cell size must be at least `radius_m` for the 3x3 block to cover the radius.
        """
        if radius_m > self.cell_m + 1e-9:
            raise ValueError("cell_m must be >= radius_m")
        out: list[np.ndarray] = [np.empty(0, dtype=np.int64)] * len(self.positions)
        r2 = radius_m * radius_m
        for cell in self._ranges:
            mine = self.members(cell)
            cand = self._candidates(cell)
            diff = self.positions[mine][:, None, :] - self.positions[cand][None, :, :]
            d2 = np.einsum("ijk,ijk->ij", diff, diff)
            d2[mine[:, None] == cand[None, :]] = np.inf  # not yourself
            for row, i in enumerate(mine):
                within = np.flatnonzero(d2[row] <= r2)
                if len(within) > k:
                    within = within[np.argpartition(d2[row][within], k - 1)[:k]]
                out[i] = cand[within[np.argsort(d2[row][within], kind="stable")]]
        return out

    def nearest(self, viewers: np.ndarray, radius_m: float, k: int) -> np.ndarray:
        """For each viewer row: itself, then up to `k - 1` others within `radius_m`, nearest first,
        as a [len(viewers), k] matrix of rows padded with -1. One distance matrix per occupied
        cell, every viewer in it at once (no loop per viewer)."""
        if radius_m > self.cell_m + 1e-9:
            raise ValueError("cell_m must be >= radius_m")
        viewers = np.asarray(viewers, dtype=np.int64)
        out = np.full((len(viewers), k), -1, dtype=np.int64)
        if not len(viewers) or k <= 0:
            return out
        r2 = radius_m * radius_m
        vcells = self._cells[viewers]
        order = np.lexsort((vcells[:, 1], vcells[:, 0]))
        sorted_cells = vcells[order]
        starts = np.flatnonzero(np.r_[True, (sorted_cells[1:] != sorted_cells[:-1]).any(axis=1)])
        ends = np.r_[starts[1:], len(order)]
        for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
            at = order[a:b]  # positions in `viewers`
            mine = viewers[at]
            cand = self._candidates((int(sorted_cells[a, 0]), int(sorted_cells[a, 1])))
            # float32 and one axis at a time: a crowd's cell is a million pairs, done every tick
            p = self._pos32
            d2 = np.square(p[mine, 0][:, None] - p[cand, 0][None, :])
            d2 += np.square(p[mine, 1][:, None] - p[cand, 1][None, :])
            d2[d2 > np.float32(r2)] = np.inf
            d2[mine[:, None] == cand[None, :]] = -1.0  # yourself first, whoever stands on you
            c = len(cand)
            if c > k:
                cols = np.argpartition(d2, k - 1, axis=1)[:, :k]
            else:
                cols = np.broadcast_to(np.arange(c), (len(mine), c))
            picked = np.take_along_axis(d2, cols, axis=1)
            by_dist = np.argsort(picked, axis=1, kind="stable")
            cols = np.take_along_axis(cols, by_dist, axis=1)
            picked = np.take_along_axis(picked, by_dist, axis=1)
            rows = np.where(np.isfinite(picked), cand[cols], -1)
            out[at, : rows.shape[1]] = rows
        return out
