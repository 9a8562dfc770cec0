"""Snapshots as changes (README, *Snapshot deltas*): the state a client holds for one snapshot
tick, how a `SnapshotDelta` turns a base state into the next one, a reference encoder (one viewer
at a time; the server builds the same bytes for all viewers at once), and the short ring of
states a client keeps so it can read a delta against any tick it reported.

A state lists avatars sorted by id: the same set in the same order from tick to tick, so a delta
needs no ids except for avatars that are new to the list.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from .errors import InvalidField
from .messages import (
    CM_LIMIT,
    DELTA_ANIM,
    DELTA_DPOS,
    DELTA_POS,
    DELTA_YAW,
    Snapshot,
    SnapshotDelta,
)

__all__ = ["ViewState", "apply_delta", "make_delta", "SnapshotBook", "DELTA_KEEP", "DPOS_MAX_CM"]

DELTA_KEEP = 32  # snapshots a client keeps to read deltas against (the server uses at most its last 16)
DPOS_MAX_CM = 127  # a move within +-127 cm on both axes travels as two int8s
_NEW = DELTA_POS | DELTA_YAW | DELTA_ANIM


@dataclass(frozen=True, slots=True)
class ViewState:
    """What one client knows after one snapshot: avatars sorted by id, in wire units."""

    tick: int
    ids: np.ndarray  # uint32 [n], ascending
    pos: np.ndarray  # int32 [n, 2] centimetres
    yaw: np.ndarray  # uint16 [n]
    anim: np.ndarray  # uint8 [n]

    @classmethod
    def empty(cls, tick: int = 0) -> ViewState:
        return cls(tick, np.zeros(0, np.uint32), np.zeros((0, 2), np.int32), np.zeros(0, np.uint16),
                   np.zeros(0, np.uint8))

    @classmethod
    def of(cls, tick: int, ids, pos, yaw, anim) -> ViewState:
        """A state from arrays in any order (sorted here)."""
        ids = np.asarray(ids, dtype=np.uint32)
        order = np.argsort(ids, kind="stable")
        return cls(tick, ids[order], np.asarray(pos, dtype=np.int32).reshape(-1, 2)[order],
                   np.asarray(yaw, dtype=np.uint16)[order], np.asarray(anim, dtype=np.uint8)[order])

    @classmethod
    def from_snapshot(cls, msg: Snapshot) -> ViewState:
        return cls.of(msg.tick, *msg.arrays())

    def same(self, other: ViewState) -> bool:
        """Same avatars in the same poses (ticks aside)."""
        return (np.array_equal(self.ids, other.ids) and np.array_equal(self.pos, other.pos)
                and np.array_equal(self.yaw, other.yaw) and np.array_equal(self.anim, other.anim))


def apply_delta(base: ViewState, msg: SnapshotDelta) -> ViewState:
    """The state `msg` describes, read against `base` (the state of tick `msg.base_tick`, or the
    empty state for 0). `InvalidField` when the delta does not fit the base."""
    if msg.base_tick != base.tick:
        raise InvalidField("snapshot_delta: base tick differs")
    n_base = len(base.ids)
    gone = np.frombuffer(msg.gone, dtype="u1")
    keep = np.ones(n_base, dtype=bool)
    if len(gone):
        if int(gone.max()) >= n_base or len(np.unique(gone)) != len(gone):
            raise InvalidField("gone: not distinct rows of the base")
        keep[gone] = False
    new_ids = np.frombuffer(msg.new_ids, dtype="<u4")
    kept = int(keep.sum())
    ids = np.concatenate((base.ids[keep], new_ids))
    order = np.argsort(ids, kind="stable")
    ids = ids[order]
    if (ids == 0).any() or (len(ids) > 1 and (ids[1:] <= ids[:-1]).any()):
        raise InvalidField("new_ids: zero, or listed already")
    flags = np.frombuffer(msg.flags, dtype="u1")
    if len(flags) != len(ids):
        raise InvalidField("flags: not one per listed avatar")
    is_new = np.concatenate((np.zeros(kept, dtype=bool), np.ones(len(new_ids), dtype=bool)))[order]
    if ((flags[is_new] & _NEW) != _NEW).any():
        raise InvalidField("flags: a new avatar needs pos, yaw and anim")
    n_new = len(new_ids)
    pos = np.concatenate((base.pos[keep], np.zeros((n_new, 2), np.int32)))[order]
    yaw = np.concatenate((base.yaw[keep], np.zeros(n_new, np.uint16)))[order]
    anim = np.concatenate((base.anim[keep], np.zeros(n_new, np.uint8)))[order]
    rows = (flags & DELTA_DPOS) != 0
    if rows.any():
        pos[rows] += np.frombuffer(msg.dpos, dtype="i1").reshape(-1, 2)
    rows = (flags & DELTA_POS) != 0
    if rows.any():
        pos[rows] = np.frombuffer(msg.pos, dtype="<i4").reshape(-1, 2)
    rows = (flags & DELTA_YAW) != 0
    if rows.any():
        yaw[rows] = np.frombuffer(msg.yaw, dtype="<u2")
    rows = (flags & DELTA_ANIM) != 0
    if rows.any():
        anim[rows] = np.frombuffer(msg.anim, dtype="u1")
    if len(pos) and int(np.abs(pos).max()) > CM_LIMIT:
        raise InvalidField("pos: beyond the world")
    return ViewState(msg.tick, ids, pos, yaw, anim)


def make_delta(base: ViewState | None, cur: ViewState, *, ack_seq: int, server_time_ms: int) -> SnapshotDelta:
    """The delta from `base` (None: from nothing) to `cur`; the reference for the server's batch builder."""
    base = base if base is not None else ViewState.empty()
    in_cur = np.isin(base.ids, cur.ids)
    gone = np.flatnonzero(~in_cur).astype("u1")
    at = np.searchsorted(base.ids, cur.ids)
    at_ok = np.minimum(at, max(0, len(base.ids) - 1))
    found = (at < len(base.ids)) & (base.ids[at_ok] == cur.ids) if len(base.ids) else np.zeros(len(cur.ids), bool)
    flags = np.zeros(len(cur.ids), dtype=np.uint8)
    d = cur.pos.astype(np.int64) - base.pos[at_ok].astype(np.int64) if len(base.ids) else np.zeros((len(cur.ids), 2))
    moved = found & (d != 0).any(axis=1)
    small = moved & (np.abs(d) <= DPOS_MAX_CM).all(axis=1)
    far = (moved & ~small) | ~found
    turned = ~found | (found & (cur.yaw != (base.yaw[at_ok] if len(base.ids) else 0)))
    changed = ~found | (found & (cur.anim != (base.anim[at_ok] if len(base.ids) else 0)))
    flags |= np.where(small, DELTA_DPOS, 0).astype(np.uint8)
    flags |= np.where(far, DELTA_POS, 0).astype(np.uint8)
    flags |= np.where(turned, DELTA_YAW, 0).astype(np.uint8)
    flags |= np.where(changed, DELTA_ANIM, 0).astype(np.uint8)
    return SnapshotDelta(
        tick=cur.tick,
        base_tick=base.tick,
        ack_seq=ack_seq,
        server_time_ms=server_time_ms,
        gone=gone.tobytes(),
        new_ids=cur.ids[~found].astype("<u4").tobytes(),
        flags=flags.tobytes(),
        dpos=d[small].astype("i1").tobytes(),
        pos=cur.pos[far].astype("<i4").tobytes(),
        yaw=cur.yaw[turned].astype("<u2").tobytes(),
        anim=cur.anim[changed].astype("u1").tobytes(),
    )


class SnapshotBook:
    """A client's last `keep` snapshot states by tick. Feed it every `Snapshot` and
    `SnapshotDelta`; report `ack_tick` in your inputs. Clear it when ticks count afresh
    (`instance_changed`, a new `welcome`)."""

    def __init__(self, *, keep: int = DELTA_KEEP) -> None:
        self.keep = keep
        self._states: OrderedDict[int, ViewState] = OrderedDict()
        self.ack_tick = 0  # the newest tick received: what to report
        self.missing_base = 0  # deltas whose base was not kept (ignored; the server sends a fresh one)

    def clear(self) -> None:
        self._states.clear()
        self.ack_tick = 0

    def take(self, msg: Snapshot | SnapshotDelta) -> ViewState | None:
        """The state this snapshot describes; None for one older than the newest (never step back)
        or a delta whose base is not kept."""
        if msg.tick <= self.ack_tick:
            return None
        if isinstance(msg, Snapshot):
            state = ViewState.from_snapshot(msg)
        else:
            base = ViewState.empty() if msg.base_tick == 0 else self._states.get(msg.base_tick)
            if base is None:
                self.missing_base += 1
                return None
            state = apply_delta(base, msg)
        self._states[msg.tick] = state
        while len(self._states) > self.keep:
            self._states.popitem(last=False)
        self.ack_tick = msg.tick
        return state
