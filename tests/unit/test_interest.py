"""Interest: the neighbour grid (nearest K within R, self excluded) and per-viewer visibility with enter/leave."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from makaverse.server.sim import AvatarInfo, AvatarTable, Visibility
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
    for i, (nbrs, ref) in enumerate(zip(got, want)):
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


# ── visibility: what each viewer is told ─────────────────────────────────────


def table_with(*points: tuple[float, float]) -> AvatarTable:
    t = AvatarTable(capacity=2)  # small, so adding grows it
    for i, (x, y) in enumerate(points, start=1):
        t.add(i, AvatarInfo(name=f"A{i}", role="guest", look=0), x, y, 0.0)
    return t


def test_viewer_sees_itself_first_then_nearest():
    """Each viewer's snapshot body lists itself first, then the others in range, nearest first."""
    t = table_with((0.0, 0.0), (3.0, 0.0), (1.0, 0.0), (100.0, 0.0))
    vis = Visibility(radius_m=10.0, max_visible=5)
    (u,) = vis.update(t, [1])
    assert np.frombuffer(u.body.ids, "<u4").tolist() == [1, 3, 2]
    assert np.frombuffer(u.body.pos, "<i4").reshape(-1, 2).tolist() == [[0, 0], [100, 0], [300, 0]]
    assert u.entered == (1, 2, 3) and u.left == ()


def test_enter_and_leave_follow_movement():
    """Walking out of range produces a leave once, walking back an enter once."""
    t = table_with((0.0, 0.0), (5.0, 0.0))
    vis = Visibility(radius_m=10.0, max_visible=5)
    (u,) = vis.update(t, [1])
    assert u.entered == (1, 2)
    (u,) = vis.update(t, [1])
    assert u.entered == () and u.left == ()
    t.pos[t.slot_of[2]] = (50.0, 0.0)
    (u,) = vis.update(t, [1])
    assert u.entered == () and u.left == (2,)
    (u,) = vis.update(t, [1])
    assert u.left == ()
    t.pos[t.slot_of[2]] = (9.0, 0.0)
    (u,) = vis.update(t, [1])
    assert u.entered == (2,) and u.left == ()


def test_removed_avatar_leaves():
    """An avatar removed from the table leaves the view of everyone who saw it."""
    t = table_with((0.0, 0.0), (1.0, 0.0), (2.0, 0.0))
    vis = Visibility(radius_m=10.0, max_visible=5)
    vis.update(t, [1, 3])
    t.remove(2)
    updates = {u.viewer_id: u for u in vis.update(t, [1, 3])}
    assert updates[1].left == (2,) and updates[3].left == (2,)


def test_forgotten_viewer_is_told_everything_again():
    """After `forget` (a reconnect), the viewer is told about everyone in range afresh."""
    t = table_with((0.0, 0.0), (1.0, 0.0))
    vis = Visibility(radius_m=10.0, max_visible=5)
    vis.update(t, [1])
    vis.forget(1)
    (u,) = vis.update(t, [1])
    assert u.entered == (1, 2)


def test_viewers_not_in_the_table_are_skipped():
    """A viewer id with no avatar gets no update."""
    t = table_with((0.0, 0.0))
    assert [u.viewer_id for u in Visibility().update(t, [1, 99])] == [1]


def test_cap_limits_visible_set():
    """A viewer sees at most max_visible others (plus itself), the nearest ones."""
    pts = [(0.0, 0.0)] + [(float(i), 0.0) for i in range(1, 30)]
    t = table_with(*pts)
    (u,) = Visibility(radius_m=40.0, max_visible=5).update(t, [1])
    assert np.frombuffer(u.body.ids, "<u4").tolist() == [1, 2, 3, 4, 5, 6]


def test_same_visible_set_shares_one_body():
    """Viewers who see the same avatars share one packed body (packed once)."""
    t = table_with((0.0, 0.0), (1.0, 0.0), (2.0, 0.0), (500.0, 0.0))
    vis = Visibility(radius_m=10.0, max_visible=5)
    ups = {u.viewer_id: u for u in vis.update(t, [1, 2, 3, 4])}
    assert vis.bodies_built == 2
    assert ups[1].body is ups[2].body is ups[3].body
    assert set(np.frombuffer(ups[1].body.ids, "<u4").tolist()) == {1, 2, 3}
    assert np.frombuffer(ups[4].body.ids, "<u4").tolist() == [4]


def test_every_viewer_is_in_its_own_snapshot():
    """Every viewer finds itself in its snapshot body, whoever it shares the body with."""
    rng = np.random.default_rng(7)
    pts = [tuple(p) for p in rng.uniform(-30, 30, (80, 2))]
    t = table_with(*pts)
    for u in Visibility(radius_m=15.0, max_visible=10).update(t, list(range(1, 81))):
        ids = np.frombuffer(u.body.ids, "<u4").tolist()
        assert u.viewer_id in ids
        assert len(ids) <= 11
