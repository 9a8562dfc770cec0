"""Swept collision: avatars never end inside a solid or off the grounds, slide along walls, stop short of them."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from makaverse.world import collision, load_default_world

WORLD = load_default_world()
R = WORLD.avatar_radius_m
G = WORLD.grounds

_PROPERTY = settings(max_examples=80, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _grown_solid_corners_and_edges() -> np.ndarray:
    """Points exactly on the faces and corners of every solid grown by the avatar radius: the hardest starts."""
    boxes = collision.expand(WORLD.solid_boxes, R)
    pts = []
    for x0, y0, x1, y1 in boxes:
        xm, ym = (x0 + x1) / 2, (y0 + y1) / 2
        pts += [(x0, y0), (x0, y1), (x1, y0), (x1, y1), (x0, ym), (x1, ym), (xm, y0), (xm, y1)]
    pts = np.array(pts)
    return pts[WORLD.placement_ok(pts)]


EDGE_STARTS = _grown_solid_corners_and_edges()


def assert_valid(points: np.ndarray) -> None:
    """Clear of every solid grown by the radius, and on the grounds (whole body inside)."""
    assert WORLD.placement_ok(points).all(), points[~WORLD.placement_ok(points)]
    assert not WORLD.inside_solid(points, margin_m=R).any()
    eps = 1e-9
    assert (points[:, 0] >= G.xmin + R - eps).all() and (points[:, 0] <= G.xmax - R + eps).all()
    assert (points[:, 1] >= G.ymin + R - eps).all() and (points[:, 1] <= G.ymax - R + eps).all()


@st.composite
def starts(draw) -> np.ndarray:
    """Spawn points, random free points on the grounds, and points on grown solids' faces and corners."""
    n_random = draw(st.integers(min_value=0, max_value=30))
    coords = draw(arrays(np.float64, (n_random, 2), elements=st.floats(0.0, 1.0)))
    pts = np.column_stack([G.xmin + coords[:, 0] * (G.xmax - G.xmin), G.ymin + coords[:, 1] * (G.ymax - G.ymin)])
    pts = pts[WORLD.placement_ok(pts)]
    edges = draw(st.lists(st.integers(0, len(EDGE_STARTS) - 1), max_size=20))
    return np.vstack([WORLD.spawns, pts, EDGE_STARTS[edges]])


@_PROPERTY
@given(
    starts(),
    st.integers(min_value=1, max_value=25),
    st.data(),
)
def test_no_sequence_of_moves_ends_inside_a_solid_or_off_the_grounds(start, n_steps, data):
    """From valid starts, after any sequence of moves (up to several metres a step, many avatars at once), every avatar is still clear of solids and on the grounds."""
    assert_valid(start)
    pos = start
    scale = data.draw(st.sampled_from([0.05, 0.5, 3.0, 8.0]))
    for _ in range(n_steps):
        delta = data.draw(arrays(np.float64, pos.shape, elements=st.floats(-1.0, 1.0))) * scale
        pos = WORLD.resolve_moves(pos, delta)
        assert_valid(pos)


@_PROPERTY
@given(starts(), arrays(np.float64, (6, 2), elements=st.floats(-50.0, 50.0)))
def test_moving_many_avatars_at_once_equals_moving_each_alone(start, deltas):
    """Avatars do not block each other: a batch move equals moving each avatar by itself."""
    delta = deltas[np.arange(len(start)) % len(deltas)]
    together = WORLD.resolve_moves(start, delta)
    alone = np.vstack([WORLD.resolve_moves(start[i : i + 1], delta[i : i + 1]) for i in range(len(start))])
    np.testing.assert_array_equal(together, alone)


@st.composite
def box_sets(draw) -> np.ndarray:
    n = draw(st.integers(min_value=1, max_value=8))
    xy = draw(arrays(np.float64, (n, 2), elements=st.floats(-10.0, 10.0)))
    size = draw(arrays(np.float64, (n, 2), elements=st.floats(0.05, 6.0)))
    return np.column_stack([xy, xy + size])


@_PROPERTY
@given(
    box_sets(),
    arrays(np.float64, (12, 2), elements=st.floats(-15.0, 15.0)),
    arrays(np.float64, (10, 12, 2), elements=st.floats(-20.0, 20.0)),
)
def test_swept_moves_never_enter_any_box(boxes, start, deltas):
    """Against any set of boxes (overlapping or not), a point that starts outside them stays outside, however far it moves."""
    _assert_never_inside(boxes, start, deltas)


@_PROPERTY
@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_swept_moves_never_enter_boxes_sharing_faces(seed):
    """With boxes and moves on a half-metre grid, as world files write them (faces shared, points starting on faces and corners), no move ends inside a box."""
    # Uniform draws from a seed: aligned faces need many non-trivial coordinates at once.
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 10))
    xy = rng.integers(-10, 10, (n, 2)) * 0.5
    boxes = np.column_stack([xy, xy + rng.integers(1, 8, (n, 2)) * 0.5])
    start = rng.integers(-20, 20, (60, 2)) * 0.5
    deltas = rng.integers(-10, 10, (10, 60, 2)) * 0.5
    _assert_never_inside(boxes, start, deltas)


def _assert_never_inside(boxes, start, deltas):
    start = start[~collision.inside_any(start, boxes)]
    assume(len(start))
    pos = start
    for step in deltas[:, : len(start)]:
        pos = collision.resolve_moves(pos, step, boxes)
        assert not collision.inside_any(pos, boxes).any()


@_PROPERTY
@given(box_sets(), arrays(np.float64, (12, 2), elements=st.floats(-15.0, 15.0)))
def test_a_free_move_is_taken_in_full(boxes, start):
    """A move whose path crosses no box arrives exactly where it was aimed."""
    start = start[~collision.inside_any(start, boxes)]
    assume(len(start))
    delta = np.full_like(start, 1e-3)
    grown = collision.expand(boxes, 2e-3)
    clear = ~collision.inside_any(start, grown) & ~collision.inside_any(start + delta, grown)
    moved = collision.resolve_moves(start[clear], delta[clear], boxes)
    np.testing.assert_allclose(moved, start[clear] + delta[clear])


# ── sliding and stopping in the packaged world ───────────────────────────────

# The lobby's east wall: x = 24 +- 0.2, so an avatar's centre stops at 24 - 0.2 - r.
EAST_FACE = 24.0 - 0.2 - R
# The lobby-hall wall east of the hall door: y = 14 +- 0.2, from x = 4 to 24.
HALL_WALL_FACE = 14.0 - 0.2 - R


def test_diagonal_move_into_a_wall_keeps_the_parallel_component():
    """Walking diagonally into a wall slides along it: the blocked component stops, the parallel one is kept."""
    pos = WORLD.resolve_moves(np.array([[22.0, 7.0]]), np.array([[3.0, 1.0]]))[0]
    assert EAST_FACE - 1e-3 < pos[0] < EAST_FACE
    assert pos[1] == pytest.approx(8.0)
    pos = WORLD.resolve_moves(np.array([[15.0, 12.0]]), np.array([[1.0, 3.0]]))[0]
    assert pos[0] == pytest.approx(16.0)
    assert HALL_WALL_FACE - 1e-3 < pos[1] < HALL_WALL_FACE
    # Sliding on along the wall, pressed against it, keeps moving.
    again = WORLD.resolve_moves(pos[None], np.array([[2.0, 0.5]]))[0]
    assert again[0] == pytest.approx(18.0)
    assert again[1] == pytest.approx(pos[1])


def test_walking_straight_at_a_wall_stops_just_short():
    """Walking straight at a wall stops just short of it, however long the step."""
    for step in (2.0, 5.0, 100.0, 1e6):
        pos = WORLD.resolve_moves(np.array([[22.0, 7.0]]), np.array([[step, 0.0]]))[0]
        assert EAST_FACE - 1e-3 < pos[0] < EAST_FACE
        assert pos[1] == 7.0
    # And stays there when pushed again.
    pos = WORLD.resolve_moves(np.array([[EAST_FACE - 1e-4, 7.0]]), np.array([[1.0, 0.0]]))[0]
    assert EAST_FACE - 1e-3 < pos[0] < EAST_FACE


def test_walking_through_a_doorway():
    """The main entrance lets an avatar walk from the forecourt into the lobby."""
    pos = WORLD.resolve_moves(np.array([[0.0, -2.0]]), np.array([[0.0, 4.0]]))[0]
    np.testing.assert_allclose(pos, [0.0, 2.0])
    # Just inside the door's edge still passes; beside it, the facade stops you.
    door_half = 3.0 - R
    pos = WORLD.resolve_moves(np.array([[door_half - 0.01, -2.0]]), np.array([[0.0, 4.0]]))[0]
    assert pos[1] == pytest.approx(2.0)
    pos = WORLD.resolve_moves(np.array([[door_half + 0.01, -2.0]]), np.array([[0.0, 4.0]]))[0]
    assert pos[1] < -0.2 - R


def test_the_grounds_fence_holds():
    """Nobody walks off the grounds, whatever the direction and distance."""
    centre = np.array([[0.0, -25.0]] * 4)
    far = np.array([[1e4, 0.0], [-1e4, 0.0], [0.0, -1e4], [0.0, 1e5]])
    out = WORLD.resolve_moves(centre, far)
    assert_valid(out)
    assert out[0, 0] == pytest.approx(G.xmax - R, abs=1e-3)
    assert out[1, 0] == pytest.approx(G.xmin + R, abs=1e-3)
    assert out[2, 1] == pytest.approx(G.ymin + R, abs=1e-3)


def test_no_move_means_no_change():
    """A zero move leaves every avatar exactly where it was, even pressed against a wall."""
    pts = np.vstack([WORLD.spawns, EDGE_STARTS])
    np.testing.assert_array_equal(WORLD.resolve_moves(pts, np.zeros_like(pts)), pts)


def test_placement_is_strict_on_faces():
    """Standing exactly on a grown solid's face is allowed; a hair inside is not."""
    assert WORLD.placement_ok(np.array([[EAST_FACE, 7.0]]))[0]
    assert not WORLD.placement_ok(np.array([[EAST_FACE + 1e-6, 7.0]]))[0]


@_PROPERTY
@given(arrays(np.float64, (40, 2), elements=st.floats(0.0, 1.0)))
def test_settle_always_finds_a_free_place(coords):
    """Settling any point on the grounds (a requested spawn) yields a place an avatar may stand."""
    pts = np.column_stack([G.xmin + coords[:, 0] * (G.xmax - G.xmin), G.ymin + coords[:, 1] * (G.ymax - G.ymin)])
    settled = WORLD.settle(pts)
    assert WORLD.placement_ok(settled).all(), pts[~WORLD.placement_ok(settled)]
    ok = WORLD.placement_ok(pts)
    np.testing.assert_array_equal(settled[ok], pts[ok])  # free points stay put


def test_settle_between_close_panels():
    """A point requested between two booths' side panels, 10 cm apart, settles to a free place."""
    d, e = WORLD.booth("DUKCAPIL"), WORLD.booth("DINKES")
    gap_y = (d.panels[0].ymax + e.panels[1].ymin) / 2
    pts = np.array([[-22.0, gap_y], [-20.0, gap_y], [-21.0, d.panels[0].ymin + 0.01]])
    settled = WORLD.settle(pts)
    assert WORLD.placement_ok(settled).all(), settled


@_PROPERTY
@given(seed=st.integers(0, 2**31), spread=st.sampled_from([0.5, 5.0, 60.0]), reach=st.sampled_from([0.0, 0.2, 3.0]))
def test_sweeping_against_the_boxes_near_the_movers_equals_sweeping_against_all(seed, spread, reach):
    """Each axis sweep looks only at the boxes across the movers' lanes and span; where the movers
    end is exactly where a sweep against every box in the world puts them."""
    rng = np.random.default_rng(seed)
    boxes = collision.expand(WORLD.solid_boxes, R)
    centre = rng.uniform([G.xmin, G.ymin], [G.xmax, G.ymax])
    pos = centre + rng.uniform(-spread, spread, (40, 2))
    delta = rng.uniform(-reach, reach, (40, 2))
    delta[rng.random(40) < 0.3] = 0.0
    got = collision.resolve_moves(pos, delta, boxes)
    want = pos.copy()
    for axis in (0, 1):
        want[:, axis] = _sweep_every_box(want, delta[:, axis], boxes, axis)
    np.testing.assert_array_equal(got, want)


def _sweep_every_box(pos, step, boxes, axis):
    """The sweep as written before it picked boxes: every box a column."""
    other = 1 - axis
    p, q, d = pos[:, axis : axis + 1], pos[:, other : other + 1], step[:, None]
    lo, hi = boxes[:, axis], boxes[:, axis + 2]
    in_lane = (q > boxes[:, other]) & (q < boxes[:, other + 2])
    target = p + d
    tol, eps = collision._TOL, collision._EPS
    up = np.where(in_lane & (d > 0) & (lo >= p - tol) & (lo < target), lo - eps, np.inf).min(axis=1)
    down = np.where(in_lane & (d < 0) & (hi <= p + tol) & (hi > target), hi + eps, -np.inf).max(axis=1)
    return np.clip(target[:, 0], np.minimum(down, p[:, 0]), np.maximum(up, p[:, 0]))
