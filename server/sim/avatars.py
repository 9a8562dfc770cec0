"""Avatars as a struct of arrays: one numpy array per attribute, one row (slot) per avatar."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

__all__ = ["AvatarInfo", "AvatarTable"]


@dataclass(frozen=True, slots=True)
class AvatarInfo:
    """Static facts, sent once when an avatar enters someone's interest."""

    name: str
    role: str
    look: int
    opd: str = ""
    style: bytes = b""  # the packed Look (protocol/look.py)


class AvatarTable:
    """Slots are reused; `ids[slot] == 0` marks a free slot. Capacity doubles when full."""

    def __init__(self, capacity: int = 64) -> None:
        self.ids = np.zeros(capacity, dtype=np.uint32)
        self.pos = np.zeros((capacity, 2), dtype=np.float64)
        self.yaw = np.zeros(capacity, dtype=np.float64)
        self.anim = np.zeros(capacity, dtype=np.uint8)
        self.ack_seq = np.zeros(capacity, dtype=np.uint32)
        # The ack_seq as of the last input that asked to move (or was dropped): a viewer is sent
        # a frame for its ack only when this changes, so a standing client's reports of the
        # snapshots it has (zero-direction inputs) are acknowledged without a frame of their own.
        self.ack_news = np.zeros(capacity, dtype=np.uint32)
        self.budget_s = np.zeros(capacity, dtype=np.float64)
        self.zone = np.full(capacity, -1, dtype=np.int64)
        self.seat = np.full(capacity, -1, dtype=np.int64)  # the seat sat on, -1 standing
        self.stage_ok = np.zeros(capacity, dtype=bool)  # may walk onto the stage (else it is solid)
        self.inputs: list[deque] = [deque() for _ in range(capacity)]
        self.info: list[AvatarInfo | None] = [None] * capacity
        self.slot_of: dict[int, int] = {}
        self._free: list[int] = list(range(capacity - 1, -1, -1))

    def __len__(self) -> int:
        return len(self.slot_of)

    def active_slots(self) -> np.ndarray:
        return np.flatnonzero(self.ids)

    def add(self, avatar_id: int, info: AvatarInfo, x: float, y: float, yaw: float) -> int:
        if not self._free:
            self._grow()
        slot = self._free.pop()
        self.ids[slot] = avatar_id
        self.pos[slot] = (x, y)
        self.yaw[slot] = yaw
        self.anim[slot] = 0
        self.ack_seq[slot] = 0
        self.ack_news[slot] = 0
        self.budget_s[slot] = 0.0
        self.zone[slot] = -1
        self.seat[slot] = -1
        self.stage_ok[slot] = False
        self.inputs[slot].clear()
        self.info[slot] = info
        self.slot_of[avatar_id] = slot
        return slot

    def remove(self, avatar_id: int) -> None:
        slot = self.slot_of.pop(avatar_id)
        self.ids[slot] = 0
        self.inputs[slot].clear()
        self.info[slot] = None
        self._free.append(slot)

    def _grow(self) -> None:
        old = len(self.ids)
        new = old * 2
        for name in ("ids", "pos", "yaw", "anim", "ack_seq", "ack_news", "budget_s", "zone", "seat", "stage_ok"):
            arr = getattr(self, name)
            grown = np.zeros((new, *arr.shape[1:]), dtype=arr.dtype)
            if name in ("zone", "seat"):
                grown[:] = -1
            grown[:old] = arr
            setattr(self, name, grown)
        self.inputs.extend(deque() for _ in range(new - old))
        self.info.extend([None] * (new - old))
        self._free.extend(range(new - 1, old - 1, -1))
