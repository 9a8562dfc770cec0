"""Who is near whom: a uniform grid over avatar positions, queried for the nearest K within R."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["InterestGrid"]


class InterestGrid:
    """Built once per snapshot from all positions; then answers per-avatar neighbour sets.

    Avatars in one cell share one candidate list (the block of cells around theirs), so the work
    is one small distance matrix per occupied cell instead of one full N x N matrix.
    """

    def __init__(self, positions: np.ndarray, *, cell_m: float) -> None:
        self.positions = np.asarray(positions, dtype=np.float64).reshape(-1, 2)
        self.cell_m = float(cell_m)
        self._pos32 = self.positions.astype(np.float32)
        cells = np.floor(self.positions / self.cell_m).astype(np.int64)
        self._cells = cells
        order = np.lexsort((cells[:, 1], cells[:, 0]))
        self._order = order
        ranked = cells[order]
        starts = np.flatnonzero(np.r_[True, (ranked[1:] != ranked[:-1]).any(axis=1)]) if len(order) else order
        ends = np.r_[starts[1:], len(order)] if len(order) else order
        self._ranges: dict[tuple[int, int], tuple[int, int]] = {
            (cx, cy): (a, b)
            for (cx, cy), a, b in zip(ranked[starts].tolist(), starts.tolist(), ends.tolist(), strict=True)
        }

    @classmethod
    def for_nearest(cls, positions: np.ndarray, radius_m: float, k: int) -> InterestGrid:
        """A grid whose cells suit `nearest(…, radius_m, k)` over these positions: about k
        avatars a cell at their mean density (a crowd's k nearest are then within a ring or two
        of cells), or cells as wide as the radius when the avatars are spread thin."""
        pos = np.asarray(positions, dtype=np.float64).reshape(-1, 2)
        cell = radius_m
        if len(pos) > k:
            area = float(np.ptp(pos[:, 0]) * np.ptp(pos[:, 1]))
            cell = max(radius_m / 8, math.sqrt(k * area / len(pos)))
            if cell > radius_m / 2:
                cell = radius_m  # two cells a radius or fewer: rings would cost more than they save
        return cls(pos, cell_m=cell)

    def members(self, cell: tuple[int, int]) -> np.ndarray:
        r = self._ranges.get(cell)
        return self._order[r[0] : r[1]] if r else np.empty(0, dtype=np.int64)

    def _candidates(self, cell: tuple[int, int], ring: int = 1) -> np.ndarray:
        """Everyone in the square of cells `ring` cells around `cell` each way."""
        cx, cy = cell
        span = range(-ring, ring + 1)
        parts = [self.members((cx + dx, cy + dy)) for dx in span for dy in span]
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
        cell, every viewer in it at once (no loop per viewer).

        The cells may be smaller than the radius: the viewers of a cell look first at the cells
        one ring around theirs, and only those whose k-th nearest is farther than that ring is
        sure to reach (one cell) look again a ring wider, up to the rings that cover the radius.
        In a crowd, where the k nearest stand a few metres away, that is a fraction of the
        candidates a cell as wide as the radius would give every viewer."""
        viewers = np.asarray(viewers, dtype=np.int64)
        out = np.full((len(viewers), k), -1, dtype=np.int64)
        if not len(viewers) or k <= 0:
            return out
        r2 = np.float32(radius_m * radius_m)
        reach = max(1, math.ceil(radius_m / self.cell_m - 1e-9))  # rings that cover the radius for sure
        vcells = self._cells[viewers]
        order = np.lexsort((vcells[:, 1], vcells[:, 0]))
        sorted_cells = vcells[order]
        starts = np.flatnonzero(np.r_[True, (sorted_cells[1:] != sorted_cells[:-1]).any(axis=1)])
        ends = np.r_[starts[1:], len(order)]
        p = self._pos32
        for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
            at = order[a:b]  # positions in `viewers`
            cell = (int(sorted_cells[a, 0]), int(sorted_cells[a, 1]))
            ring = 1
            while len(at):
                mine = viewers[at]
                cand = self._candidates(cell, ring)
                # float32 and one axis at a time: a crowd's cell is many pairs, done every tick
                d2 = np.square(p[mine, 0][:, None] - p[cand, 0][None, :])
                d2 += np.square(p[mine, 1][:, None] - p[cand, 1][None, :])
                d2[d2 > r2] = np.inf
                d2[mine[:, None] == cand[None, :]] = -1.0  # yourself first, whoever stands on you
                c = len(cand)
                if c > k:
                    cols = _k_smallest(d2, k)
                else:
                    cols = np.broadcast_to(np.arange(c), (len(mine), c))
                picked = np.take_along_axis(d2, cols, axis=1)
                by_dist = np.argsort(picked, axis=1, kind="stable")
                cols = np.take_along_axis(cols, by_dist, axis=1)
                picked = np.take_along_axis(picked, by_dist, axis=1)
                if ring >= reach:
                    done = np.ones(len(at), dtype=bool)
                elif c >= k:
                    # Anyone outside the rings is at least `ring` cells away from this cell.
                    done = picked[:, k - 1] <= np.float32((ring * self.cell_m) ** 2)
                else:
                    done = np.zeros(len(at), dtype=bool)
                rows = np.where(np.isfinite(picked[done]), cand[cols[done]], -1)
                out[at[done], : rows.shape[1]] = rows
                at = at[~done]
                ring += 1
        return out


def _k_smallest(d2: np.ndarray, k: int) -> np.ndarray:
    """The columns of each row's k smallest values (in no particular order: they are sorted next).
    A partition for the k-th value and a mask is cheaper than `argpartition`; when the k-th value
    is tied within a row (several candidates out of range, or at the same distance) the mask
    holds more than k, and `argpartition` picks."""
    kth = np.partition(d2, k - 1, axis=1)[:, k - 1 : k]
    within = d2 <= kth
    if int(np.count_nonzero(within)) == len(d2) * k:  # each row has at least k: exactly k each
        return np.nonzero(within)[1].reshape(len(d2), k)
    return np.argpartition(d2, k - 1, axis=1)[:, :k]
