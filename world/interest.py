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
