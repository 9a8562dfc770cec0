"""The soft push: overlapping avatars drift apart a little per tick, never into solids."""

from __future__ import annotations

import numpy as np
import pytest

from makaverse.protocol.messages import ANIM_IDLE, Input
from makaverse.server.sim import AvatarInfo, Simulation
from makaverse.server.sim.separation import close_pairs, separation_deltas
from makaverse.world import load_default_world

WORLD = load_default_world()
R = WORLD.avatar_radius_m
INFO = AvatarInfo(name="Daeng", role="guest", look=0x123456)


def _pairs(pos, reach):
    i, j = close_pairs(np.array(pos, dtype=float), reach)
    return sorted(tuple(sorted(p)) for p in zip(i.tolist(), j.tolist(), strict=True))


def _brute(pos, reach):
    pos = np.array(pos, dtype=float)
    return sorted((a, b) for a in range(len(pos)) for b in range(a + 1, len(pos))
                  if np.hypot(*(pos[a] - pos[b])) < reach)


def test_close_pairs_match_brute_force():
    """Sweep and prune finds exactly the pairs a full distance matrix finds, each once."""
    rng = np.random.default_rng(3)
    for n in (0, 1, 2, 7, 60, 300):
        pos = rng.uniform(0, 6, (n, 2))
        pos[: n // 3, 0] = 1.0  # a queue in one column: many avatars share an x
        assert _pairs(pos, 0.6) == _brute(pos, 0.6)


def test_overlapping_pair_is_pushed_apart_symmetrically():
    """Two avatars 0.2 m apart move away from each other by equal amounts along the line between them."""
    d = separation_deltas(np.array([[0.0, 0.0], [0.2, 0.0]]), radius_m=R, max_step_m=1.0)
    assert d[0, 0] < 0 < d[1, 0]
    assert d[0, 0] == pytest.approx(-d[1, 0])
    assert d[:, 1] == pytest.approx([0.0, 0.0])


def test_apart_avatars_are_not_pushed():
    """Avatars at least two radii apart get no push at all."""
    d = separation_deltas(np.array([[0.0, 0.0], [2 * R + 1e-3, 0.0], [5.0, 5.0]]), radius_m=R, max_step_m=1.0)
    assert not d.any()


def test_push_is_capped_per_tick():
    """However deep the overlap, no avatar moves farther than max_step_m in one tick."""
    pos = np.zeros((6, 2)) + [[0.01 * k, 0.0] for k in range(6)]
    d = separation_deltas(pos, radius_m=R, max_step_m=0.05)
    assert np.hypot(d[:, 0], d[:, 1]).max() <= 0.05 + 1e-12


def test_coincident_avatars_split_deterministically():
    """Two avatars on one spot are split in opposite directions, the same way whatever their order."""
    pos = np.array([[1.0, 1.0], [1.0, 1.0]])
    a = separation_deltas(pos, radius_m=R, max_step_m=1.0, ids=np.array([4, 9]))
    b = separation_deltas(pos, radius_m=R, max_step_m=1.0, ids=np.array([9, 4]))
    assert np.hypot(*a[0]) > 0
    assert a[0] == pytest.approx(-a[1])
    assert a[0] == pytest.approx(b[1]) and a[1] == pytest.approx(b[0])


def _crowd(sim: Simulation, centre, n: int) -> list[int]:
    return [sim.add_avatar(INFO, position=centre) for _ in range(n)]


def _min_gap(sim: Simulation, ids) -> float:
    pos = np.array([sim.position(a) for a in ids])
    i, j = close_pairs(pos, 10.0)
    return float(np.min(np.hypot(*(pos[i] - pos[j]).T))) if len(i) else np.inf


def test_crowd_relaxes_over_ticks():
    """Eight avatars spawned on one spot in the open spread until none overlaps another, and stay idle."""
    s = Simulation(WORLD, seed=1)
    ids = _crowd(s, (0.0, -5.0), 8)
    for _ in range(200):
        s.step(0.05)
    assert _min_gap(s, ids) >= 2 * R - 0.02
    assert all(s.avatars.anim[s.avatars.slot_of[a]] == ANIM_IDLE for a in ids)


def test_push_never_enters_solids():
    """A crowd packed against a wall corner is pushed along the walls, never into a solid or off the grounds."""
    s = Simulation(WORLD, seed=1)
    corner = (-24.0 + 0.2 + R + 0.01, 0.2 + R + 0.01)  # inside the lobby's south-west corner
    ids = _crowd(s, corner, 10)
    for _ in range(120):
        s.step(0.05)
        pos = np.array([s.position(a) for a in ids])
        assert WORLD.placement_ok(pos).all()
    assert _min_gap(s, ids) > 0.2


def test_push_can_be_turned_off():
    """With push_mps=0 two avatars on one spot stay where they are."""
    s = Simulation(WORLD, seed=1, push_mps=0.0)
    a, b = _crowd(s, (0.0, -5.0), 2)
    for _ in range(10):
        s.step(0.05)
    assert s.position(a) == s.position(b)


def test_walker_is_not_stopped_by_a_bystander():
    """Someone walking through a bystander's spot gets past: the push slides them aside, it doesn't pin them."""
    s = Simulation(WORLD, seed=1)
    walker = s.add_avatar(INFO, position=(0.0, -8.0))
    s.add_avatar(INFO, position=(0.0, -6.0))
    for seq in range(1, 60):
        s.apply(walker, Input(seq=seq, move_x=0.0, move_y=1.0, yaw=0, run=False))
        s.step(0.05)
    assert s.position(walker)[1] > -4.0


def test_seated_avatar_keeps_its_seat():
    """Someone standing on a seated avatar's spot is pushed away; the seated one stays on the seat."""
    s = Simulation(WORLD, seed=1)
    sitter = s.add_avatar(INFO, position=(0.0, -5.0))
    seat_xy = s.sit(sitter, 0)[:2]
    stander = s.add_avatar(INFO, position=(seat_xy[0] + 0.1, seat_xy[1]))
    for _ in range(60):
        s.step(0.05)
    assert s.position(sitter) == pytest.approx(seat_xy)
    assert np.hypot(*(np.array(s.position(stander)) - seat_xy)) > 2 * R - 0.05
