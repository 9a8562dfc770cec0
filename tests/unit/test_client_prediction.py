"""Own-avatar prediction: it moves as the server moves, and reconciles to where the server would be."""

from __future__ import annotations

import math

import numpy as np
import pytest

from makaverse.client.state.prediction import Prediction, step
from makaverse.protocol import Input, quant
from makaverse.server.sim import AvatarInfo, Simulation
from makaverse.world import load_default_world


@pytest.fixture(scope="module")
def world():
    return load_default_world()


def _inputs(n: int, move=(0.0, 1.0), run=False, first_seq=1) -> list[Input]:
    return [Input(seq=first_seq + i, move_x=move[0], move_y=move[1], yaw=0, run=run) for i in range(n)]


def _server_positions(world, start, inputs, input_hz=20):
    """Run the real simulation: one input per tick; the position after each applied input."""
    sim = Simulation(world, input_hz=input_hz, seed=1)
    aid = sim.add_avatar(AvatarInfo(name="a", role="guest", look=0), position=start, yaw=0.0)
    out = []
    for intent in inputs:
        sim.apply(aid, intent)
        sim.step(1.0 / input_hz)
        out.append(sim.position(aid))
    return out


def test_one_step_matches_the_server(world):
    """A single predicted input lands exactly where the simulation puts the avatar."""
    start = (0.0, -6.0)
    intent = Input(seq=1, move_x=0.6, move_y=0.8, yaw=0, run=True)
    (server_xy,) = _server_positions(world, start, [intent])
    assert step(world, *start, intent, 1 / 20) == pytest.approx(server_xy, abs=1e-9)


def test_direction_is_clamped_like_the_server(world):
    """A diagonal of length > 1 moves no faster than walking speed."""
    x, y = step(world, 0.0, -6.0, Input(seq=1, move_x=1.0, move_y=1.0, yaw=0), 1 / 20)
    assert math.hypot(x, y + 6.0) == pytest.approx(world.walk_speed_mps / 20)


def test_walking_into_a_wall_slides_like_the_server(world):
    """Predicted moves into the facade stop and slide exactly as the server's do."""
    start = (-8.0, -1.0)  # just south of the facade, west of the door
    inputs = _inputs(30, move=(0.5, 0.5), run=True)
    expected = _server_positions(world, start, inputs)[-1]
    p = Prediction(world)
    p.reset(*start)
    for intent in inputs:
        p.apply(intent)
    assert (p.x, p.y) == pytest.approx(expected, abs=1e-9)
    assert p.y < 0.0  # it never passed through the wall


def test_replay_after_ack_lands_where_the_server_will(world):
    """The server has applied 4 of 10 inputs: start from its position, replay the other 6, end where it ends."""
    start = (-3.0, -6.0)
    inputs = _inputs(10, move=(0.3, 1.0), run=True)
    server = _server_positions(world, start, inputs)
    p = Prediction(world)
    p.reset(*start)
    for intent in inputs:
        p.apply(intent)
    # The snapshot carries centimetres; reconciliation starts from the quantised position.
    sx, sy = (quant.cm_to_m(quant.m_to_cm(v)) for v in server[3])
    error = p.reconcile(ack_seq=4, server_x=sx, server_y=sy)
    assert [i.seq for i in p.pending] == [5, 6, 7, 8, 9, 10]
    assert (p.x, p.y) == pytest.approx(server[-1], abs=0.006)
    assert error < 0.01


def test_a_server_correction_is_eased_not_jumped(world):
    """The server disagrees by 40 cm: the prediction moves at once, the drawn avatar follows over frames."""
    p = Prediction(world, smoothing_half_life_s=0.1)
    p.reset(0.0, -6.0)
    for intent in _inputs(3):
        p.apply(intent)
    drawn_before = p.display(1.0)
    p.reconcile(ack_seq=3, server_x=0.4, server_y=p.y)
    assert p.x == pytest.approx(0.4)
    assert p.display(1.0) == pytest.approx(drawn_before)  # no visible jump
    for _ in range(60):
        p.decay(1 / 60)
    assert p.display(1.0) == pytest.approx((p.x, p.y), abs=0.01)


def test_a_large_correction_snaps(world):
    """Teleported by the server (more than `snap_m`): the drawn avatar goes there at once."""
    p = Prediction(world, snap_m=2.0)
    p.reset(0.0, -6.0)
    p.apply(_inputs(1)[0])
    p.reconcile(ack_seq=1, server_x=10.0, server_y=-20.0)
    assert p.display(1.0) == pytest.approx((10.0, -20.0))
    assert p.snaps == 1


def test_an_older_ack_is_ignored(world):
    """A snapshot older than one already used changes nothing."""
    p = Prediction(world)
    p.reset(0.0, -6.0)
    for intent in _inputs(5):
        p.apply(intent)
    p.reconcile(ack_seq=4, server_x=p.x, server_y=p.y - world.walk_speed_mps / 20)
    before = (p.x, p.y, len(p.pending))
    assert p.reconcile(ack_seq=2, server_x=50.0, server_y=50.0) == 0.0
    assert (p.x, p.y, len(p.pending)) == before


def test_display_blends_between_the_last_two_steps(world):
    """Between inputs the drawn position moves smoothly from the previous step to the newest."""
    p = Prediction(world)
    p.reset(0.0, -6.0)
    p.apply(_inputs(1)[0])
    half = p.display(0.5)
    assert half[1] == pytest.approx(-6.0 + world.walk_speed_mps / 20 / 2)


def test_reset_forgets_pending_inputs(world):
    """A new welcome (reconnect) starts prediction afresh at the given position."""
    p = Prediction(world)
    p.reset(0.0, -6.0)
    for intent in _inputs(3):
        p.apply(intent)
    p.reset(5.0, -7.0, input_hz=10)
    assert not p.pending and (p.x, p.y) == (5.0, -7.0) and p.input_dt == pytest.approx(0.1)
    assert np.allclose(p.display(0.3), (5.0, -7.0))
