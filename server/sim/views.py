"""What every viewer of one instance sees, and its snapshot frame, for all viewers at once.

Per snapshot tick `Views.update` finds each viewer's interest set (itself and its nearest
others within the radius, capped), says who entered and left it since the last snapshot that
viewer was sent, and builds the viewer's frame:

- a viewer that has never reported a snapshot tick (`ack`) gets a full `Snapshot`;
- one that has gets a `SnapshotDelta` against the snapshot it last reported, if that is still
  among the last `ring` snapshots sent to it, else against nothing (a keyframe);
- a viewer for whom nothing changed since its last snapshot (same set, same poses, and no
  input that asked to move acknowledged since) gets no frame at all: a seated, silent audience
  costs nothing per tick. (`keepalive_every` > 0 sends such a viewer a snapshot every that many
  snapshots anyway; the server runs without.) An input that did not ask to move (a standing
  client reporting the snapshots it has) is acknowledged in the next frame that goes out for
  another reason, never by a frame of its own: otherwise each report would bring a snapshot, and
  that snapshot's tick the next report.

Each viewer has a ring of the states it was sent (exactly what its client rebuilt), in arrays
shared by all viewers, so the work per tick is a handful of numpy operations over a
[viewers x K] matrix; only the final byte assembly loops per viewer (`frame`), and that function
takes one viewer's parts and returns bytes, whoever sends them.

Interest has some hysteresis: an avatar already in a viewer's set keeps its place while it is
among the nearest `max_visible + hysteresis`, so in a crowd the set does not churn at its edge
(every change there is an `avatar_enter` or `avatar_leave` and a new row).

`Detail` is what the capacity policy lets through: how often interest sets are recomputed
(viewers take turns) and how often avatars beyond the nearest `near_k` get fresh poses.
No clock, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from makaverse.protocol import encode_snapshot, encode_snapshot_deltas, pack_snapshot_body, quant
from makaverse.protocol.delta import DPOS_MAX_CM
from makaverse.protocol.messages import DELTA_ANIM, DELTA_DPOS, DELTA_POS, DELTA_YAW
from makaverse.world import InterestGrid

from .avatars import AvatarTable

__all__ = ["Detail", "ViewUpdate", "Views", "RING"]

RING = 16  # snapshots remembered per viewer; a reported tick older than this gets a keyframe
_PAD = np.uint32(0xFFFF_FFFF)  # the id of an empty column: sorts after every real id
_NEVER = -(1 << 40)  # a turn before any


@dataclass(frozen=True, slots=True)
class Detail:
    """How much the snapshot stream carries (the capacity policy lowers it under load)."""

    refresh_every: int = 1  # each viewer's interest set is recomputed every n-th snapshot
    far_every: int = 1  # avatars beyond the nearest `near_k` get fresh poses every n-th snapshot


FULL_DETAIL = Detail()


class ViewUpdate(NamedTuple):  # one per viewer per snapshot tick: a tuple is the cheapest to build
    viewer_id: int
    entered: tuple[int, ...]
    left: tuple[int, ...]
    frame: bytes  # the snapshot (or delta) for this viewer; b"" when nothing changed for it


class Views:
    """Per viewer: its interest set, the ring of states it was sent and the tick it reported."""

    # One row per viewer slot (`_alloc`); ring arrays have a second axis of `ring` snapshots.
    _tick: np.ndarray  # int64 [slots, ring]: the tick of each remembered snapshot (-1: none)
    _ids: np.ndarray  # uint32 [slots, ring, width]: avatars listed, sorted, padded with _PAD
    _x: np.ndarray  # int32 centimetres, as the client rebuilt them
    _y: np.ndarray
    _yaw: np.ndarray  # uint16
    _anim: np.ndarray  # uint8
    _near: np.ndarray  # uint32 [slots, width]: the interest set last computed, nearest first
    _near_slot: np.ndarray  # int64 [slots, width]: the same avatars' slots in the table (-1: none)
    _head: np.ndarray  # int64 [slots]: the ring entry written next
    _last: np.ndarray  # the ring entry last sent (-1: none)
    _acked: np.ndarray  # the tick the client last reported (0: none)
    _deltas: np.ndarray  # bool: the client reports ticks, so it reads deltas
    _ack_news: np.ndarray  # the table's `ack_news` when the last frame was sent
    _seen: np.ndarray  # the instance's `_version` this viewer was last compared against
    _sent_turn: np.ndarray  # the snapshot turn of the last frame sent
    _refreshed: np.ndarray  # the turn the interest set was last recomputed
    _far_turn: np.ndarray  # the turn far avatars last had fresh poses

    def __init__(
        self,
        *,
        radius_m: float = 40.0,
        max_visible: int = 50,
        near_k: int = 16,
        ring: int = RING,
        keepalive_every: int = 0,
        hysteresis: int | None = None,
    ) -> None:
        self.radius_m = radius_m
        self.max_visible = max_visible
        self.near_k = near_k
        self.ring = ring
        self.keepalive_every = keepalive_every
        self.hysteresis = max(2, max_visible // 2) if hysteresis is None else hysteresis
        self.width = max_visible + 1  # the viewer itself, then up to max_visible others
        self._slot: dict[int, int] = {}
        self._free: list[int] = []
        self._alloc(0, 64)
        self._prev: tuple[np.ndarray, ...] | None = None  # the instance's poses at the last update
        self._changed_turn = _NEVER  # the last update at which they were not those of the one before
        self._version = 0  # counts the updates at which those poses had changed
        self.frames_built = 0  # figures of the last update, for metrics
        self.frames_skipped = 0
        self.deltas = 0

    # ── per-viewer storage ───────────────────────────────────────────────────
    def _alloc(self, old: int, new: int) -> None:
        r, w = self.ring, self.width

        def grow(name: str, shape: tuple[int, ...], dtype, fill) -> None:
            arr = np.full((new, *shape), fill, dtype=dtype)
            if old:
                arr[:old] = getattr(self, name)
            setattr(self, name, arr)

        grow("_tick", (r,), np.int64, -1)
        grow("_ids", (r, w), np.uint32, _PAD)
        grow("_x", (r, w), np.int32, 0)
        grow("_y", (r, w), np.int32, 0)
        grow("_yaw", (r, w), np.uint16, 0)
        grow("_anim", (r, w), np.uint8, 0)
        grow("_near", (w,), np.uint32, _PAD)  # the interest set last computed (ids), for turns
        grow("_near_slot", (w,), np.int64, -1)  # and where they stood in the table
        grow("_head", (), np.int64, 0)
        grow("_last", (), np.int64, -1)
        grow("_acked", (), np.int64, 0)
        grow("_deltas", (), bool, False)
        grow("_ack_news", (), np.int64, -1)
        grow("_seen", (), np.int64, -1)
        grow("_sent_turn", (), np.int64, 0)
        grow("_refreshed", (), np.int64, _NEVER)
        grow("_far_turn", (), np.int64, _NEVER)
        self._free.extend(range(new - 1, old - 1, -1))

    def _viewer_slot(self, viewer_id: int) -> int:
        slot = self._slot.get(viewer_id)
        if slot is None:
            if not self._free:
                cap = len(self._head)
                self._alloc(cap, cap * 2)
            slot = self._slot[viewer_id] = self._free.pop()
            self._tick[slot] = -1
            self._ids[slot] = _PAD
            self._x[slot] = self._y[slot] = self._yaw[slot] = self._anim[slot] = 0
            self._near[slot] = _PAD
            self._near_slot[slot] = -1
            self._head[slot] = 0
            self._last[slot] = -1
            self._acked[slot] = 0
            self._deltas[slot] = False
            self._ack_news[slot] = -1
            self._seen[slot] = -1
            self._sent_turn[slot] = 0
            self._refreshed[slot] = self._far_turn[slot] = _NEVER
        return slot

    def forget(self, viewer_id: int) -> None:
        """The viewer starts afresh: told about everyone, sent a full snapshot (a new connection)."""
        slot = self._slot.pop(viewer_id, None)
        if slot is not None:
            self._free.append(slot)

    def ack(self, viewer_id: int, tick: int) -> None:
        """The viewer's client reports the newest snapshot tick it has (from its input stream)."""
        if tick > 0:
            slot = self._viewer_slot(viewer_id)
            self._deltas[slot] = True
            self._acked[slot] = tick

    def knows(self, viewer_id: int) -> bool:
        return viewer_id in self._slot

    # ── every snapshot tick ──────────────────────────────────────────────────
    def update(
        self,
        table: AvatarTable,
        viewers: list[int],
        *,
        tick: int,
        now_ms: int,
        turn: int = 0,
        detail: Detail = FULL_DETAIL,
    ) -> list[ViewUpdate]:
        """One update per viewer still in the table. `turn` counts snapshots (for staggering)."""
        self.frames_built = self.frames_skipped = self.deltas = 0
        slots = table.active_slots()
        row_of_slot = np.full(len(table.ids), -1, dtype=np.int64)
        row_of_slot[slots] = np.arange(len(slots))
        live = [(v, table.slot_of[v]) for v in viewers if v in table.slot_of]
        if not live:
            return []
        vids = [v for v, _ in live]
        vslots = np.array([s for _, s in live], dtype=np.int64)
        vs = np.array([self._viewer_slot(v) for v in vids], dtype=np.int64)
        ack_seq = table.ack_seq[vslots].astype(np.int64)
        ack_news = table.ack_news[vslots].astype(np.int64)

        ids = table.ids[slots]
        pos_cm = quant.m_to_cm(table.pos[slots])
        yaw_u16 = quant.yaws_to_u16(table.yaw[slots])
        anim = table.anim[slots]
        # A quiet instance (nobody came, went, moved, turned or changed animation since the last
        # update): only viewers owed a first snapshot, an ack or a keepalive, or not compared
        # since the last change (passed by at that update), need any work.
        now_state = (ids, pos_cm, yaw_u16, anim)
        prev, self._prev = self._prev, now_state
        # Someone new in the instance (a join, a move here, a return): every set is recomputed
        # now, so whoever it is near sees it at once, whatever their turns.
        arrived = prev is None or (not np.array_equal(ids, prev[0]) and not np.isin(ids, prev[0]).all())
        if prev is None or arrived or not all(np.array_equal(a, b) for a, b in zip(prev, now_state, strict=True)):
            self._changed_turn = turn
            self._version += 1
        else:
            # Viewers whose set or far poses were last brought up to date before the instance
            # last changed are owed their turn still, when it comes.
            changed, vid_arr = self._changed_turn, np.array(vids, dtype=np.int64)
            refreshed, far_turn = self._refreshed[vs], self._far_turn[vs]
            owed = ((refreshed < changed) & _turn(vid_arr, turn, detail.refresh_every, refreshed)) | (
                (far_turn < changed) & _turn(vid_arr, turn, detail.far_every, far_turn))
            due = (self._last[vs] < 0) | (ack_news != self._ack_news[vs]) | (self._seen[vs] != self._version) | owed
            if self.keepalive_every:
                due |= turn - self._sent_turn[vs] >= self.keepalive_every
            if not due.all():
                pick = np.flatnonzero(due)
                self.frames_skipped = len(vids) - len(pick)
                vids = [vids[i] for i in pick.tolist()]
                vslots, vs, ack_seq, ack_news = vslots[pick], vs[pick], ack_seq[pick], ack_news[pick]
                if not vids:
                    return []
        self._seen[vs] = self._version
        vrows = row_of_slot[vslots]
        n_v, w = len(vids), self.width

        # Interest: recomputed for the viewers whose turn it is (and new ones); the others keep
        # their set (as ids), less whoever has left the instance.
        rows = self._interest(table, slots, ids, row_of_slot, vrows, vs, np.array(vids, dtype=np.int64), turn,
                              detail, everyone=arrived)
        valid = rows >= 0
        r0 = np.where(valid, rows, 0)
        cur_ids = np.where(valid, ids[r0], _PAD).astype(np.uint32)
        self._near[vs] = cur_ids  # nearest first: kept for the turns this set is not recomputed
        self._near_slot[vs] = np.where(valid, slots[r0], -1)
        by_id = np.argsort(cur_ids, axis=1, kind="stable")
        rank = np.broadcast_to(np.arange(w), (n_v, w))
        rows = np.take_along_axis(rows, by_id, axis=1)
        near = np.take_along_axis(rank, by_id, axis=1) <= self.near_k
        valid = rows >= 0
        r0 = np.where(valid, rows, 0)
        cur_ids = np.where(valid, ids[r0], _PAD).astype(np.uint32)
        cx = np.where(valid, pos_cm[r0, 0], 0).astype(np.int32)
        cy = np.where(valid, pos_cm[r0, 1], 0).astype(np.int32)
        cyaw = np.where(valid, yaw_u16[r0], 0).astype(np.uint16)
        canim = np.where(valid, anim[r0], 0).astype(np.uint8)

        # What each viewer was sent last: who it knows, and the baseline for "nothing changed".
        li = self._last[vs]
        has_last = li >= 0
        li0 = np.maximum(li, 0)
        l_ids = np.where(has_last[:, None], self._ids[vs, li0], _PAD)
        l_x, l_y = self._x[vs, li0], self._y[vs, li0]
        l_yaw, l_anim = self._yaw[vs, li0], self._anim[vs, li0]
        in_last = _match(cur_ids, l_ids)
        found_last = valid & (in_last >= 0)

        # Far avatars between their turns keep the pose the viewer was last sent.
        if detail.far_every > 1:
            fresh = _turn(np.array(vids, dtype=np.int64), turn, detail.far_every, self._far_turn[vs])
            self._far_turn[vs[fresh]] = turn
            hold = found_last & ~near & ~fresh[:, None]
            col = np.maximum(in_last, 0)
            cx = np.where(hold, np.take_along_axis(l_x, col, axis=1), cx)
            cy = np.where(hold, np.take_along_axis(l_y, col, axis=1), cy)
            cyaw = np.where(hold, np.take_along_axis(l_yaw, col, axis=1), cyaw)
            canim = np.where(hold, np.take_along_axis(l_anim, col, axis=1), canim)
        else:
            self._far_turn[vs] = turn

        same: np.ndarray = (
            has_last
            & (cur_ids == l_ids).all(axis=1)
            & (cx == l_x).all(axis=1)
            & (cy == l_y).all(axis=1)
            & (cyaw == l_yaw).all(axis=1)
            & (canim == l_anim).all(axis=1)
            & (ack_news == self._ack_news[vs])
        )
        if self.keepalive_every:
            same &= turn - self._sent_turn[vs] < self.keepalive_every
        send = ~same

        # Who entered and left each viewer's interest since its last snapshot.
        entered: np.ndarray = valid & ~found_last
        left: np.ndarray = (l_ids != _PAD) & ~_matched(in_last, found_last)

        # Deltas against the reported tick, where it is still in the ring.
        acked = self._acked[vs]
        hit = (self._tick[vs] == acked[:, None]) & (acked > 0)[:, None]
        has_base = hit.any(axis=1) & self._deltas[vs]
        bi = hit.argmax(axis=1)
        b_ids = np.where(has_base[:, None], self._ids[vs, bi], _PAD)
        b_x, b_y = self._x[vs, bi], self._y[vs, bi]
        b_yaw, b_anim = self._yaw[vs, bi], self._anim[vs, bi]
        # Most clients report the snapshot they were sent last: its match is the one just made.
        bcol = np.empty_like(in_last)
        last_is_base = has_base & has_last & (bi == li)
        bcol[last_is_base] = in_last[last_is_base]
        other = np.flatnonzero(~last_is_base)
        if len(other):
            bcol[other] = _match(cur_ids[other], b_ids[other])
        found = valid & (bcol >= 0)
        col = np.maximum(bcol, 0)
        dx = cx.astype(np.int64) - np.take_along_axis(b_x, col, axis=1)
        dy = cy.astype(np.int64) - np.take_along_axis(b_y, col, axis=1)
        moved = found & ((dx != 0) | (dy != 0))
        small = moved & (np.abs(dx) <= DPOS_MAX_CM) & (np.abs(dy) <= DPOS_MAX_CM)
        new = valid & ~found
        far = (moved & ~small) | new
        turned = new | (found & (cyaw != np.take_along_axis(b_yaw, col, axis=1)))
        changed = new | (found & (canim != np.take_along_axis(b_anim, col, axis=1)))
        flags = (small * DELTA_DPOS | far * DELTA_POS | turned * DELTA_YAW | changed * DELTA_ANIM).astype(np.uint8)
        gone = (b_ids != _PAD) & ~_matched(bcol, found)

        # Remember what went out.
        out = np.flatnonzero(send)
        if len(out):
            so = vs[out]
            h = self._head[so]
            self._tick[so, h] = tick
            self._ids[so, h] = cur_ids[out]
            self._x[so, h] = cx[out]
            self._y[so, h] = cy[out]
            self._yaw[so, h] = cyaw[out]
            self._anim[so, h] = canim[out]
            self._last[so] = h
            self._head[so] = (h + 1) % self.ring
            self._ack_news[so] = ack_news[out]
            self._sent_turn[so] = turn

        # Frames: deltas for the viewers that report ticks, full snapshots for the others, each
        # field's bytes for every viewer cut from one buffer per field.
        deltas = self._deltas[vs]
        frames: list[bytes] = [b""] * n_v
        who = np.flatnonzero(send & deltas)
        if len(who):
            at = slice(None) if len(who) == n_v else who  # in a crowd, usually everyone: no copies
            d8 = np.empty((len(who), w, 2), dtype=np.int8)  # kept only where `small`: one byte each
            d8[:, :, 0] = dx[at]
            d8[:, :, 1] = dy[at]
            p32 = np.empty((len(who), w, 2), dtype="<i4")
            p32[:, :, 0] = cx[at]
            p32[:, :, 1] = cy[at]
            cut = [
                _rows(np.broadcast_to(np.arange(w, dtype=np.uint8), (len(who), w)), gone[at]),
                _rows(cur_ids[at].astype("<u4"), new[at]),
                _rows(flags[at], valid[at]),
                _rows(d8, small[at]),
                _rows(p32, far[at]),
                _rows(cyaw[at].astype("<u2"), turned[at]),
                _rows(canim[at], changed[at]),
            ]
            built = encode_snapshot_deltas(tick, now_ms, np.where(has_base, acked, 0)[who].tolist(),
                                           ack_seq[who].tolist(), cut)
            for i, frame in zip(who.tolist(), built, strict=True):
                frames[i] = frame
            self.deltas = len(who)
        who = np.flatnonzero(send & ~deltas)
        if len(who):
            # Viewers who see the same avatars in the same poses share one packed body.
            sub = valid[who]
            parts = zip(
                _rows(cur_ids[who].astype("<u4"), sub),
                _rows(np.stack((cx[who], cy[who]), axis=2).astype("<i4"), sub),
                _rows(cyaw[who].astype("<u2"), sub),
                _rows(canim[who], sub),
                strict=True,
            )
            bodies: dict[tuple[bytes, ...], bytes] = {}
            for i, ack, body_parts in zip(who.tolist(), ack_seq[who].tolist(), parts, strict=True):
                body = bodies.get(body_parts)
                if body is None:
                    body = bodies[body_parts] = pack_snapshot_body(*body_parts)
                frames[i] = encode_snapshot(tick, ack, now_ms, body)
        self.frames_built = int(send.sum())
        self.frames_skipped += n_v - self.frames_built

        any_entered = (entered.sum(axis=1) > 0).tolist()
        any_left = (left.sum(axis=1) > 0).tolist()
        updates = []
        for i, viewer in enumerate(vids):
            ent = tuple(sorted(cur_ids[i][entered[i]].tolist())) if any_entered[i] else ()
            lft = tuple(sorted(l_ids[i][left[i]].tolist())) if any_left[i] else ()
            updates.append(ViewUpdate(viewer, ent, lft, frames[i]))
        return updates

    def _interest(
        self,
        table: AvatarTable,
        slots: np.ndarray,
        ids: np.ndarray,
        row_of_slot: np.ndarray,
        vrows: np.ndarray,
        vs: np.ndarray,
        vids: np.ndarray,
        turn: int,
        detail: Detail,
        *,
        everyone: bool = False,
    ) -> np.ndarray:
        """[viewers x width] rows of each viewer's interest set, nearest first where recomputed."""
        n_v, w = len(vrows), self.width
        fresh = (self._near[vs, 0] == _PAD) | _turn(vids, turn, detail.refresh_every, self._refreshed[vs])
        if everyone:
            fresh[:] = True
        rows = np.full((n_v, w), -1, dtype=np.int64)
        todo = np.flatnonzero(fresh)
        self._refreshed[vs[todo]] = turn
        if len(todo):
            m = self.hysteresis
            grid = InterestGrid.for_nearest(table.pos[slots], self.radius_m, w + m)
            near = grid.nearest(vrows[todo], self.radius_m, w + m)
            if m:
                # Those the viewer sees already count `m` places nearer than they are.
                cand = np.where(near >= 0, ids[np.maximum(near, 0)], _PAD)
                seen = _match(cand, np.sort(self._near[vs[todo]], axis=1)) >= 0
                key = np.arange(w + m, dtype=np.float64) - m * seen
                key[:, 0] = -np.inf  # the viewer itself
                key[near < 0] = np.inf
                near = np.take_along_axis(near, np.argsort(key, axis=1, kind="stable")[:, :w], axis=1)
            rows[todo] = near
        keep = np.flatnonzero(~fresh)
        if len(keep):
            # Known sets back to rows through the table slots they stood in; whoever left the
            # instance drops out (a slot reused since holds another id, a free one id 0).
            known = self._near[vs[keep]]
            at = self._near_slot[vs[keep]]
            ok = at >= 0
            at = np.where(ok, at, 0)
            ok &= table.ids[at] == known
            rows[keep] = np.where(ok, row_of_slot[at], -1)  # nearest first as computed; the viewer is first
        return rows


def _turn(vids: np.ndarray, turn: int, every: int, last: np.ndarray) -> np.ndarray:
    """Which viewers have their turn (of one in `every` snapshots, by id, so they take turns), or
    missed it (skipped snapshots: `last` is the turn they last had it)."""
    every = max(1, every)
    return (((turn + vids) % every) == 0) | (turn - last >= every)


def _match(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """For each id in each row of `a`, its column in the same row of `b`, or -1. Rows sorted
    ascending, padded with `_PAD` (pads match pads: mask them). Rows that are the same in both
    (most of them, while interest sets are kept between refreshes) match column for column."""
    n, w = a.shape
    if n == 0:
        return np.zeros((0, w), dtype=np.int64)
    if b.shape == a.shape:
        same = (a == b).all(axis=1)
        if same.any():
            out = np.empty((n, w), dtype=np.int64)
            out[same] = np.arange(w)
            differ = np.flatnonzero(~same)
            if len(differ):
                out[differ] = _search(a[differ], b[differ])
            return out
    return _search(a, b)


def _search(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """`_match` by one search over every row at once (each row's ids offset by its row number)."""
    n, w = a.shape
    off = (np.arange(n, dtype=np.uint64) << np.uint64(32))[:, None]
    ka = (off | a.astype(np.uint64)).ravel()
    kb = (off | b.astype(np.uint64)).ravel()
    at = np.minimum(np.searchsorted(kb, ka), len(kb) - 1)
    hit = kb[at] == ka
    return np.where(hit, at % w, -1).reshape(n, w)


def _matched(col: np.ndarray, hit: np.ndarray) -> np.ndarray:
    """Which columns of `b` some entry of `a` was found at, from `col = _match(a, b)` and `hit`
    (where `col` counts): the reverse match without a second search (both rows are `w` wide)."""
    out = np.zeros(col.shape, dtype=bool)
    r, c = np.nonzero(hit)
    out[r, col[r, c]] = True
    return out


def _rows(values: np.ndarray, mask: np.ndarray) -> list[bytes]:
    """The bytes of each row's masked values, in column order (all rows cut from one buffer)."""
    per = values.itemsize * (values.shape[2] if values.ndim == 3 else 1)
    data = values[mask].tobytes()
    ends = (np.cumsum(mask.sum(axis=1)) * per).tolist()
    return [data[a:b] for a, b in zip([0, *ends[:-1]], ends, strict=True)]
