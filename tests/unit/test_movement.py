"""The one movement step in world/: its rules, and that the server's sim and the client's prediction agree exactly."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from makaverse.client.state.prediction import Prediction
from makaverse.protocol import Input
from makaverse.server.sim import AvatarInfo, Simulation
from makaverse.world import load_default_world, move_step

INPUT_HZ = 20
DT_S = 1.0 / INPUT_HZ


@pytest.fixture(scope="module")
def world():
    return load_default_world()


def test_direction_is_clamped_and_speed_is_walk_or_run(world):
    """A long stick counts as length 1, a short one moves less, and running uses the run speed."""
    start = np.array([[0.0, -6.0]] * 3)
    move = np.array([[0.0, 5.0], [0.0, 0.5], [3.0, 4.0]])
    out = move_step(world, start, move, np.array([False, False, True]), dt_s=DT_S)
    moved = np.hypot(*(out - start).T)
    assert moved[0] == pytest.approx(world.walk_speed_mps * DT_S)
    assert moved[1] == pytest.approx(0.5 * world.walk_speed_mps * DT_S)
    assert moved[2] == pytest.approx(world.run_speed_mps * DT_S)
    assert out[2, 0] - start[2, 0] == pytest.approx(0.6 * world.run_speed_mps * DT_S)


def test_a_wall_stops_the_step(world):
    """Walking into the grounds' edge for long never leaves the grounds."""
    pos = np.array([[0.0, -6.0]])
    for _ in range(2000):
        pos = move_step(world, pos, np.array([[0.0, -1.0]]), np.array([True]), dt_s=DT_S)
    x0, y0, x1, y1 = world.grounds.as_tuple()
    assert y0 <= pos[0, 1] <= y1 and x0 <= pos[0, 0] <= x1


def test_moving_together_equals_moving_one_by_one(world):
    """Rows are independent: a batch of avatars lands where each would alone."""
    rng = np.random.default_rng(3)
    pos = rng.uniform(-20, 20, size=(40, 2))
    pos = world.settle(pos)
    move = rng.uniform(-2, 2, size=(40, 2))
    run = rng.random(40) < 0.5
    together = move_step(world, pos, move, run, dt_s=DT_S)
    alone = np.vstack([move_step(world, pos[i : i + 1], move[i : i + 1], run[i : i + 1], dt_s=DT_S) for i in range(40)])
    assert np.array_equal(together, alone)


def _random_inputs(n: int, seed: int) -> list[Input]:
    rng = random.Random(seed)
    out = []
    angle = 0.0
    for seq in range(1, n + 1):
        if seq % 60 == 1:  # keep a heading for a while, so the walk reaches walls and slides along them
            angle = rng.uniform(0, 2 * math.pi)
        length = rng.choice([0.0, 0.3, 1.0, 1.4])  # idle, slow, full, over-long diagonal (clamped)
        mx = max(-1.0, min(1.0, length * math.cos(angle)))
        my = max(-1.0, min(1.0, length * math.sin(angle)))
        out.append(Input(seq=seq, move_x=mx, move_y=my, yaw=0, run=rng.random() < 0.4))
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sim_and_prediction_give_identical_positions(world, seed):
    """Over hundreds of random inputs that slide along walls, prediction lands bit for bit where the server does."""
    inputs = _random_inputs(400, seed)
    sim = Simulation(world, input_hz=INPUT_HZ, seed=seed)
    aid = sim.add_avatar(AvatarInfo(name="a", role="guest", look=0), position=(0.0, -6.0), yaw=0.0)
    other = sim.add_avatar(AvatarInfo(name="b", role="guest", look=0), position=(3.0, -6.0), yaw=0.0)
    x, y = sim.position(aid)
    pred = Prediction(world, input_hz=INPUT_HZ)
    pred.reset(x, y)
    for intent in inputs:
        sim.apply(aid, intent)
        sim.apply(other, intent)  # a second avatar in the same round: the sim moves them as a batch
        sim.step(DT_S)
        assert pred.apply(intent) == sim.position(aid)
    assert blocked_steps(world, inputs, sim_start=(x, y)) > 10  # the walk did meet solids


def blocked_steps(world, inputs: list[Input], *, sim_start: tuple[float, float]) -> int:
    """How many inputs a solid cut short (so the comparison above covered sliding, not just open floor)."""
    pos, blocked = np.array([sim_start]), 0
    for i in inputs:
        move = np.array([[i.move_x, i.move_y]])
        speed = world.run_speed_mps if i.run else world.walk_speed_mps
        free = pos + move / max(1.0, float(np.hypot(*move[0]))) * speed * DT_S
        pos = move_step(world, pos, move, np.array([i.run]), dt_s=DT_S)
        blocked += bool(np.abs(pos - free).max() > 1e-9)
    return blocked
