"""Interest management: what each viewer sees, what it must be told has entered or left,
and the packed snapshot body, built once per distinct visible set."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from makaverse.protocol import pack_snapshot_body, quant
from makaverse.world import InterestGrid

from .avatars import AvatarTable

__all__ = ["ViewUpdate", "SnapshotBody", "Visibility"]


@dataclass(frozen=True, slots=True)
class SnapshotBody:
    """The shared part of a snapshot: packed little-endian arrays (see protocol.Snapshot)."""

    ids: bytes
    pos: bytes
    yaw: bytes
    anim: bytes
    packed: bytes = b""  # the four fields msgpack-packed once (protocol.pack_snapshot_body)


def _body(ids: bytes, pos: bytes, yaw: bytes, anim: bytes) -> SnapshotBody:
    return SnapshotBody(ids=ids, pos=pos, yaw=yaw, anim=anim, packed=pack_snapshot_body(ids, pos, yaw, anim))


@dataclass(frozen=True, slots=True)
class ViewUpdate:
    viewer_id: int
    entered: tuple[int, ...]
    left: tuple[int, ...]
    body: SnapshotBody


class Visibility:
    """Remembers, per viewer, the avatars it has been told about."""

    def __init__(self, *, radius_m: float = 40.0, max_visible: int = 50) -> None:
        self.radius_m = radius_m
        self.max_visible = max_visible
        self._known: dict[int, frozenset[int]] = {}
        self.bodies_built = 0  # distinct snapshot bodies packed in the last update (for metrics)

    def forget(self, viewer_id: int) -> None:
        self._known.pop(viewer_id, None)

    def update(self, table: AvatarTable, viewers: list[int]) -> list[ViewUpdate]:
        """One update per viewer still in the table: itself and up to `max_visible` nearest others.

        Viewers whose visible sets coincide share one body, packed in the order of the first of
        them, so a body lists its first viewer first; everyone else finds itself by id.
        """
        slots = table.active_slots()
        ids = table.ids[slots]
        grid = InterestGrid(table.pos[slots], cell_m=self.radius_m)
        neighbours = grid.neighbours(self.radius_m, self.max_visible)
        index_of = {int(i): n for n, i in enumerate(ids)}
        pos_cm = quant.m_to_cm(table.pos[slots])
        yaw_u16 = quant.yaws_to_u16(table.yaw[slots])
        anim = table.anim[slots]
        cache: dict[bytes, SnapshotBody] = {}
        updates = []
        for viewer in viewers:
            n = index_of.get(viewer)
            if n is None:
                continue
            rows = np.concatenate(([n], neighbours[n]))
            # Same set, same body: viewers standing together share one packing.
            key = np.sort(rows).tobytes()
            body = cache.get(key)
            if body is None:
                body = cache[key] = _body(
                    ids[rows].astype("<u4").tobytes(),
                    pos_cm[rows].astype("<i4").tobytes(),
                    yaw_u16[rows].astype("<u2").tobytes(),
                    anim[rows].astype("u1").tobytes(),
                )
            visible = frozenset(ids[rows].tolist())
            known = self._known.get(viewer, frozenset())
            self._known[viewer] = visible
            updates.append(
                ViewUpdate(
                    viewer_id=viewer,
                    entered=tuple(sorted(visible - known)),
                    left=tuple(sorted(known - visible)),
                    body=body,
                )
            )
        self.bodies_built = len(cache)
        return updates
