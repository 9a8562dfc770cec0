"""Interest: the neighbour grid (nearest K within R) and per-viewer views: enter/leave, full
snapshots, deltas against the reported tick, nothing when nothing changed."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from makaverse.protocol import Snapshot, SnapshotBook, SnapshotDelta, ViewState, decode, quant
from makaverse.server.sim import AvatarInfo, AvatarTable, Detail, Views
from makaverse.world import InterestGrid


def brute_force(positions: np.ndarray, radius_m: float, k: int) -> list[np.ndarray]:
    """The N x N reference: for each i, squared distances of the others within the radius, sorted."""
    diff = positions[:, None, :] - positions[None, :, :]
    d2 = (diff**2).sum(axis=2)
    np.fill_diagonal(d2, np.inf)
    out = []
    for row in d2:
        within = np.sort(row[row <= radius_m * radius_m])
        out.append(within[:k])
    return out


def assert_matches_brute_force(positions, radius_m, k, cell_m):
    got = InterestGrid(positions, cell_m=cell_m).neighbours(radius_m, k)
    want = brute_force(positions, radius_m, k)
    assert len(got) == len(positions)
    for i, (nbrs, ref) in enumerate(zip(got, want, strict=True)):
        assert i not in set(nbrs.tolist()), "self is excluded"
        assert len(set(nbrs.tolist())) == len(nbrs), "no one twice"
        d2 = ((positions[nbrs] - positions[i]) ** 2).sum(axis=1)
        # Ties may pick different members, but never a different set of distances, and nearest first.
        np.testing.assert_array_equal(d2, ref)
        assert (np.diff(d2) >= 0).all()


# Coordinates on a quarter-metre grid keep the arithmetic exact, so "within R" means the same to both.
_coords = arrays(np.int64, st.tuples(st.integers(0, 120), st.just(2)), elements=st.integers(-400, 400)).map(
    lambda a: a * 0.25
)


@settings(max_examples=200, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    _coords,
    st.sampled_from([0.5, 1.0, 2.5, 5.0, 10.0, 40.0]),
    st.integers(min_value=0, max_value=12),
    st.sampled_from([1.0, 1.5, 4.0]),
)
def test_neighbours_match_brute_force(positions, radius_m, k, cell_factor):
    """Neighbours are exactly the K nearest others within R (self excluded, nearest first), as a brute-force N x N search finds."""
    assert_matches_brute_force(positions, radius_m, k, cell_m=radius_m * cell_factor)


@settings(max_examples=50, derandomize=True, deadline=None)
@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_neighbours_match_brute_force_on_crowds(seed):
    """In crowds (many avatars packed closely, many ties), neighbours still match the brute-force search."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(50, 400))
    positions = rng.integers(-40, 40, (n, 2)) * 0.5
    assert_matches_brute_force(positions, 10.0, 20, cell_m=10.0)


def test_within_radius_only():
    """Someone just beyond the radius is not a neighbour; someone exactly on it is."""
    pos = np.array([[0.0, 0.0], [3.0, 4.0], [3.0, 4.0001], [-5.0, 0.0], [0.0, -5.0001]])
    nbrs = InterestGrid(pos, cell_m=5.0).neighbours(5.0, 10)
    assert sorted(nbrs[0].tolist()) == [1, 3]


def test_capped_at_k_nearest():
    """With more than K in range, only the K nearest are kept, nearest first."""
    pos = np.array([[0.0, 0.0]] + [[float(d), 0.0] for d in (5, 1, 4, 2, 3)])
    nbrs = InterestGrid(pos, cell_m=10.0).neighbours(10.0, 3)
    assert nbrs[0].tolist() == [2, 4, 5]  # at 1, 2 and 3 metres


def test_self_excluded_even_when_alone_or_stacked():
    """An avatar is never its own neighbour, alone or standing on the same spot as others."""
    assert InterestGrid(np.array([[1.0, 1.0]]), cell_m=5.0).neighbours(5.0, 5)[0].tolist() == []
    nbrs = InterestGrid(np.zeros((4, 2)), cell_m=5.0).neighbours(5.0, 5)
    for i, n in enumerate(nbrs):
        assert sorted(n.tolist()) == sorted(set(range(4)) - {i})


def test_empty_grid():
    """No avatars, no neighbour lists."""
    assert InterestGrid(np.zeros((0, 2)), cell_m=5.0).neighbours(5.0, 5) == []


def test_cell_smaller_than_radius_is_refused():
    """A grid whose cells are smaller than the radius would miss neighbours, so it refuses."""
    with pytest.raises(ValueError):
        InterestGrid(np.zeros((2, 2)), cell_m=1.0).neighbours(2.0, 5)


# ── nearest: every viewer at once ────────────────────────────────────────────


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    positions=arrays(np.float64, st.tuples(st.integers(1, 60), st.just(2)),
                     elements=st.floats(-60, 60, allow_nan=False, width=32)),
    radius_m=st.floats(1.0, 30.0),
    k=st.integers(1, 12),
)
def test_nearest_matches_brute_force(positions, radius_m, k):
    """`nearest` gives each viewer itself, then its nearest others within the radius (distances as brute force)."""
    assert_nearest(positions, radius_m, k, InterestGrid(positions, cell_m=radius_m))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    positions=arrays(np.float64, st.tuples(st.integers(1, 80), st.just(2)),
                     elements=st.floats(-30, 30, allow_nan=False, width=32)),
    radius_m=st.floats(1.0, 30.0),
    k=st.integers(1, 12),
    cells_per_radius=st.sampled_from([1.5, 2, 3, 5, 8]),
)
def test_nearest_with_cells_smaller_than_the_radius_matches_brute_force(positions, radius_m, k, cells_per_radius):
    """Cells narrower than the radius: rings of cells widen until the k nearest are sure, never past the radius."""
    assert_nearest(positions, radius_m, k, InterestGrid(positions, cell_m=radius_m / cells_per_radius))


@pytest.mark.parametrize("count", [30, 200, 1000])
def test_a_grid_for_a_crowd_finds_the_same_nearest(count):
    rng = np.random.default_rng(count)
    positions = rng.uniform((-23.0, 15.0), (23.0, 43.0), (count, 2))
    grid = InterestGrid.for_nearest(positions, 40.0, 76)
    assert grid.cell_m <= 40.0
    if count == 1000:
        assert grid.cell_m < 20.0  # a dense crowd gets small cells
    assert_nearest(positions, 40.0, 75, grid)
    wide = InterestGrid(positions, cell_m=40.0).nearest(np.arange(count), 40.0, 76)
    fine = grid.nearest(np.arange(count), 40.0, 76)
    np.testing.assert_array_equal(np.sort(fine, axis=1), np.sort(wide, axis=1))


def assert_nearest(positions, radius_m, k, grid):
    rows = grid.nearest(np.arange(len(positions)), radius_m, k + 1)
    r2, eps = radius_m * radius_m, 1e-4  # distances are float32: a point on the rim may go either way
    for i, row in enumerate(rows):
        assert row[0] == i
        others = row[1:][row[1:] >= 0]
        all_d2 = ((positions - positions[i]) ** 2).sum(axis=1)
        all_d2[i] = np.inf
        d2 = all_d2[others]
        assert (d2 <= r2 * (1 + eps) + eps).all()
        inner, outer = (all_d2 <= r2 * (1 - eps) - eps).sum(), (all_d2 <= r2 * (1 + eps) + eps).sum()
        assert min(k, inner) <= len(others) <= min(k, outer)
        rest = np.delete(all_d2, np.r_[others, i])
        if len(others) and len(rest):
            assert d2.max() <= rest.min() * (1 + eps) + eps  # the nearest ones


# ── views: what each viewer is told ──────────────────────────────────────────


def table_with(*points: tuple[float, float]) -> AvatarTable:
    t = AvatarTable(capacity=2)  # small, so adding grows it
    for i, (x, y) in enumerate(points, start=1):
        t.add(i, AvatarInfo(name=f"A{i}", role="guest", look=0), x, y, 0.0)
    return t


class Clock:
    """Snapshot ticks for a `Views`, one call each."""

    def __init__(self, views: Views) -> None:
        self.views = views
        self.tick = 0

    def __call__(self, table: AvatarTable, viewers: list[int], detail: Detail = Detail()):
        self.tick += 1
        return self.views.update(table, viewers, tick=self.tick, now_ms=1_000 + self.tick, turn=self.tick,
                                 detail=detail)


def truth(t: AvatarTable, ids) -> ViewState:
    slots = [t.slot_of[i] for i in ids]
    return ViewState.of(0, ids, quant.m_to_cm(t.pos[slots]), quant.yaws_to_u16(t.yaw[slots]), t.anim[slots])


def test_full_snapshot_lists_the_viewer_and_those_in_range_by_id():
    """A viewer that never reported a tick gets a full snapshot: itself and those in range, sorted by id."""
    t = table_with((0.0, 0.0), (3.0, 0.0), (1.0, 0.0), (100.0, 0.0))
    (u,) = Clock(Views(radius_m=10.0, max_visible=5))(t, [1])
    snap = decode(u.frame)
    assert isinstance(snap, Snapshot)
    ids, pos, _, _ = snap.arrays()
    assert ids.tolist() == [1, 2, 3]
    assert pos.tolist() == [[0, 0], [300, 0], [100, 0]]
    assert u.entered == (1, 2, 3) and u.left == ()


def test_nothing_changed_means_no_frame():
    """When nothing in a viewer's interest moved and its ack_seq is the same, it gets no snapshot."""
    t = table_with((0.0, 0.0), (5.0, 0.0))
    views = Views(radius_m=10.0, max_visible=5)
    step = Clock(views)
    assert step(t, [1, 2])[0].frame
    quiet = step(t, [1, 2])
    assert not any(u.frame for u in quiet) and views.frames_skipped == 2
    t.pos[t.slot_of[2]] = (5.5, 0.0)
    assert all(u.frame for u in step(t, [1, 2]))  # both see avatar 2 move
    t.ack_seq[t.slot_of[1]] = t.ack_news[t.slot_of[1]] = 7
    (u,) = step(t, [1])
    assert decode(u.frame).ack_seq == 7  # an applied input that asked to move is news too


def test_an_input_that_did_not_ask_to_move_brings_no_frame_of_its_own():
    """A standing client's report (a zero-direction input) is acknowledged in the next frame
    that goes out for another reason, not by one of its own."""
    t = table_with((0.0, 0.0), (5.0, 0.0))
    step = Clock(Views(radius_m=10.0, max_visible=5))
    assert step(t, [1])[0].frame
    t.ack_seq[t.slot_of[1]] = 8  # applied, but ack_news unchanged: it did not ask to move
    assert not any(u.frame for u in step(t, [1]))
    t.pos[t.slot_of[2]] = (6.0, 0.0)
    (u,) = step(t, [1])
    assert decode(u.frame).ack_seq == 8


def test_a_quiet_viewer_gets_nothing_however_long():
    """Without a keepalive (the default) nothing goes to a viewer whose interest is unchanged."""
    t = table_with((0.0, 0.0), (5.0, 0.0))
    step = Clock(Views(radius_m=10.0, max_visible=5))
    sent = [any(u.frame for u in step(t, [1, 2])) for _ in range(100)]
    assert sent == [True] + [False] * 99


def test_a_viewer_passed_by_at_a_change_gets_it_later_though_nothing_moves_since():
    """A viewer left out of the update where something moved (congested, or at a lower rate) is
    compared again at its next update, though the instance has been quiet since."""
    t = table_with((0.0, 0.0), (5.0, 0.0))
    step = Clock(Views(radius_m=10.0, max_visible=5))
    assert all(u.frame for u in step(t, [1, 2]))
    t.pos[t.slot_of[2]] = (6.0, 0.0)
    (u,) = step(t, [2])  # viewer 1 passed by
    assert u.frame
    assert not any(u.frame for u in step(t, [2]))
    (u,) = [u for u in step(t, [1, 2]) if u.frame]
    assert u.viewer_id == 1 and decode(u.frame).arrays()[1].tolist() == [[0, 0], [600, 0]]
    assert not any(u.frame for u in step(t, [1, 2]))


def test_an_idle_viewer_gets_a_keepalive_now_and_then():
    """With nothing new, a viewer gets one snapshot every keepalive_every snapshots, no more."""
    t = table_with((0.0, 0.0), (5.0, 0.0))
    step = Clock(Views(radius_m=10.0, max_visible=5, keepalive_every=4))
    sent = [any(u.frame for u in step(t, [1])) for _ in range(13)]
    assert sent == [True, False, False, False, True, False, False, False, True, False, False, False, True]


def test_enter_and_leave_follow_movement():
    """Walking out of range produces a leave once, walking back an enter once."""
    t = table_with((0.0, 0.0), (5.0, 0.0))
    step = Clock(Views(radius_m=10.0, max_visible=5))
    (u,) = step(t, [1])
    assert u.entered == (1, 2)
    assert step(t, [1]) == []  # a quiet instance: no work, no news
    t.pos[t.slot_of[2]] = (50.0, 0.0)
    (u,) = step(t, [1])
    assert u.entered == () and u.left == (2,)
    t.pos[t.slot_of[2]] = (51.0, 0.0)
    (u,) = step(t, [1])
    assert u.left == ()
    t.pos[t.slot_of[2]] = (9.0, 0.0)
    (u,) = step(t, [1])
    assert u.entered == (2,) and u.left == ()


def test_removed_avatar_leaves():
    """An avatar removed from the table leaves the view of everyone who saw it."""
    t = table_with((0.0, 0.0), (1.0, 0.0), (2.0, 0.0))
    step = Clock(Views(radius_m=10.0, max_visible=5))
    step(t, [1, 3])
    t.remove(2)
    updates = {u.viewer_id: u for u in step(t, [1, 3])}
    assert updates[1].left == (2,) and updates[3].left == (2,)


def test_forgotten_viewer_is_told_everything_again():
    """After `forget` (a reconnect), the viewer is told about everyone in range afresh, in full."""
    t = table_with((0.0, 0.0), (1.0, 0.0))
    views = Views(radius_m=10.0, max_visible=5)
    step = Clock(views)
    step(t, [1])
    views.ack(1, step.tick)
    views.forget(1)
    (u,) = step(t, [1])
    assert u.entered == (1, 2) and isinstance(decode(u.frame), Snapshot)


def test_viewers_not_in_the_table_are_skipped():
    """A viewer id with no avatar gets no update."""
    t = table_with((0.0, 0.0))
    assert [u.viewer_id for u in Clock(Views())(t, [1, 99])] == [1]


def test_cap_limits_visible_set():
    """A viewer sees at most max_visible others (plus itself), the nearest ones."""
    pts = [(0.0, 0.0)] + [(float(i), 0.0) for i in range(1, 30)]
    t = table_with(*pts)
    (u,) = Clock(Views(radius_m=40.0, max_visible=5))(t, [1])
    assert decode(u.frame).arrays()[0].tolist() == [1, 2, 3, 4, 5, 6]


def test_same_visible_set_shares_one_body():
    """Full snapshots of viewers who see the same avatars share one packed body."""
    t = table_with((0.0, 0.0), (1.0, 0.0), (2.0, 0.0), (500.0, 0.0))
    ups = {u.viewer_id: u for u in Clock(Views(radius_m=10.0, max_visible=5))(t, [1, 2, 3, 4])}
    bodies = {decode(ups[i].frame).ids for i in (1, 2, 3)}
    assert len(bodies) == 1 and np.frombuffer(bodies.pop(), "<u4").tolist() == [1, 2, 3]
    assert decode(ups[4].frame).arrays()[0].tolist() == [4]


def test_a_walking_avatar_costs_two_bytes():
    """Once the viewer reports a tick, a step of another avatar travels as one flag and two int8s."""
    t = table_with((0.0, 0.0), (5.0, 0.0))
    views = Views(radius_m=10.0, max_visible=5)
    step = Clock(views)
    book = SnapshotBook()
    (u,) = step(t, [1])
    book.take(decode(u.frame))
    views.ack(1, book.ack_tick)
    t.pos[t.slot_of[2]] = (5.12, 0.03)
    (u,) = step(t, [1])
    delta = decode(u.frame)
    assert isinstance(delta, SnapshotDelta) and delta.base_tick == 1
    assert delta.flags == b"\x00\x01" and delta.dpos == bytes([12, 3]) and not delta.pos
    assert book.take(delta).same(truth(t, [1, 2]))


def test_an_old_report_gets_a_keyframe():
    """A reported tick no longer among the last snapshots sent gets a delta from nothing."""
    t = table_with((0.0, 0.0), (5.0, 0.0))
    views = Views(radius_m=10.0, max_visible=5, ring=4)
    step = Clock(views)
    step(t, [1])
    views.ack(1, 1)
    for i in range(1, 6):  # five more snapshots: tick 1 falls out of a ring of four
        t.pos[t.slot_of[2]] = (5.0 + 0.1 * i, 0.0)
        (u,) = step(t, [1])
    delta = decode(u.frame)
    assert delta.base_tick == 0 and len(delta.new_ids) == 8


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**31), far_every=st.sampled_from([1, 1, 3]), refresh_every=st.sampled_from([1, 2, 4]))
def test_clients_rebuild_exactly_what_the_server_saw(seed, far_every, refresh_every):
    """Crowds walking, turning, leaving and joining, with reports that lag and skip: every client
    rebuilds each avatar of its interest exactly (far ones, between their turns, as last sent)."""
    rng = np.random.default_rng(seed)
    n = 30
    t = table_with(*[tuple(p) for p in rng.uniform(-15, 15, (n, 2))])
    views = Views(radius_m=12.0, max_visible=8, near_k=3)
    step = Clock(views)
    detail = Detail(refresh_every=refresh_every, far_every=far_every)
    books = {i: SnapshotBook() for i in range(1, n + 1)}
    known: dict[int, set[int]] = {i: set() for i in books}
    next_id = n + 1
    for _ in range(25):
        slots = t.active_slots()
        t.pos[slots] += rng.normal(0, 0.3, (len(slots), 2)) * (rng.random(len(slots)) < 0.7)[:, None]
        t.pos[slots[rng.random(len(slots)) < 0.05]] += 3.0  # a few jump farther than a byte reaches
        t.yaw[slots] += (rng.random(len(slots)) < 0.2) * 0.5
        t.anim[slots] = rng.integers(0, 3, len(slots)) * (rng.random(len(slots)) < 0.1)
        if rng.random() < 0.3:
            gone = int(rng.choice(t.ids[t.active_slots()]))
            t.remove(gone)
            books.pop(gone, None)
            views.forget(gone)
        if rng.random() < 0.3:
            t.add(next_id, AvatarInfo(name="N", role="guest", look=0), *rng.uniform(-15, 15, 2), 0.0)
            books[next_id] = SnapshotBook()
            known[next_id] = set()
            next_id += 1
        viewers = sorted(books)
        for u in step(t, viewers, detail):
            known[u.viewer_id] |= set(u.entered)
            known[u.viewer_id] -= set(u.left)
            book = books[u.viewer_id]
            if u.frame:
                state = book.take(decode(u.frame))
                assert state is not None
                assert set(state.ids.tolist()) == known[u.viewer_id]
                assert u.viewer_id in state.ids
                want = truth(t, state.ids.tolist())
                near = state.ids == u.viewer_id
                np.testing.assert_array_equal(state.pos[near], want.pos[near])
                if far_every == 1:
                    assert state.same(want)
            if rng.random() < 0.6:  # reports arrive late, and not after every snapshot
                views.ack(u.viewer_id, max(0, book.ack_tick - int(rng.integers(0, 3))))


@pytest.mark.parametrize("refresh_every,far_every", [(4, 1), (2, 2), (4, 3), (8, 8)])
def test_in_a_still_hall_every_viewer_gets_its_turn_and_sees_a_newcomer_at_once(refresh_every, far_every):
    """Viewers recompute their sets (and far poses) in turns; when the hall then goes still (a
    quiet instance skips viewers it owes nothing), each viewer still gets its turn: within
    `refresh_every` snapshots everyone sees the one who walked in, and within `far_every` the far
    ones' last poses, however the viewers' turns fall. A newcomer is seen at the next snapshot."""
    n = 24
    t = table_with(*[(float(i % 6), float(i // 6)) for i in range(n - 1)], (200.0, 0.0))  # the last one far off
    views = Views(radius_m=50.0, max_visible=n + 2, near_k=2)
    step = Clock(views)
    detail = Detail(refresh_every=refresh_every, far_every=far_every)
    viewers = list(range(1, n + 1))
    books = {v: SnapshotBook() for v in viewers}
    seen: dict[int, ViewState] = {}

    def snapshot(turns: int, *, moving: bool = False) -> None:
        for _ in range(turns):
            if moving:  # a little shuffle, so the viewers' turns run as in a moving crowd
                t.pos[t.slot_of[2]] += (0.01, 0.0)
            for u in step(t, viewers, detail):
                if u.frame:
                    state = books[u.viewer_id].take(decode(u.frame))
                    assert state is not None
                    seen[u.viewer_id] = state
                    views.ack(u.viewer_id, books[u.viewer_id].ack_tick)

    snapshot(2 * max(refresh_every, far_every), moving=True)  # everyone has its set and every pose
    t.pos[t.slot_of[n]] = (2.5, 3.5)  # the far one walks in
    t.pos[t.slot_of[1]] += (0.5, 0.0)  # someone steps aside
    snapshot(max(refresh_every, far_every))  # then nobody moves
    for v in viewers:
        state = seen[v]
        assert n in state.ids.tolist(), v
        assert state.same(truth(t, state.ids.tolist())), v
    t.add(n + 1, AvatarInfo(name="N", role="guest", look=0), 2.5, 2.5, 0.0)
    snapshot(1)  # a newcomer is seen at once by everyone near it
    for v in viewers:
        assert n + 1 in seen[v].ids.tolist(), v


@pytest.mark.parametrize("ties", [False, True])
def test_k_smallest_picks_the_k_smallest_values_with_or_without_ties(ties):
    from makaverse.world.interest import _k_smallest

    rng = np.random.default_rng(7)
    d2 = rng.random((30, 120)).astype(np.float32)
    if ties:
        d2[::2, 5:] = np.inf  # fewer than k in range: the k-th value is tied
        d2[1::2, :40] = 0.5  # many at the k-th distance
    cols = _k_smallest(d2, 20)
    assert cols.shape == (30, 20)
    for row, picked in zip(d2, cols, strict=True):
        assert len(set(picked.tolist())) == 20
        np.testing.assert_array_equal(np.sort(row[picked]), np.sort(row)[:20])
