"""The main thread's logic without Panda3D: inputs at the input rate, HUD facts, notices."""

from __future__ import annotations

import math

import pytest

from makaverse.bench.scripted.route import autopilot_from_spec, parse_route
from makaverse.client.net.events import ConnState, RttSample, StateChanged
from makaverse.client.state.autopilot import heading_to
from makaverse.client.state.controls import Controls, Intent, world_move
from makaverse.client.state.session import MAX_INPUTS_PER_FRAME, ClientSession
from makaverse.protocol import Error, Snapshot, Welcome, ZoneChanged, quant
from makaverse.world import load_default_world


@pytest.fixture(scope="module")
def world():
    return load_default_world()


def welcomed(world, lang="id") -> ClientSession:
    s = ClientSession(world, lang=lang)
    s.handle(StateChanged(ConnState.OPEN), 0)
    s.handle(Welcome(avatar_id=3, name="Daeng", role="guest", world_id=world.id, tick_hz=20, snapshot_hz=20,
                     input_hz=20, interest_radius_cm=4000, server_time_ms=50_000, x_cm=0, y_cm=-600, yaw=0), 0)
    return s


def test_inputs_go_out_once_per_input_period(world):
    """Frames of 1/60 s: one Input every third frame, numbered in order."""
    s = welcomed(world)
    sent = []
    for _ in range(60):
        sent += s.frame(1 / 60, Intent(forward=1.0))
    assert 19 <= len(sent) <= 21
    assert [i.seq for i in sent] == list(range(1, len(sent) + 1))
    assert all(i.move_y == pytest.approx(1.0) and i.move_x == pytest.approx(0.0, abs=1e-9) for i in sent)


def test_a_stall_does_not_burst(world):
    """A one-second frame sends a few inputs, not twenty."""
    s = welcomed(world)
    assert len(s.frame(1.0, Intent(forward=1.0))) == MAX_INPUTS_PER_FRAME


def test_nothing_is_sent_before_the_welcome(world):
    s = ClientSession(world)
    s.handle(StateChanged(ConnState.OPEN), 0)
    assert s.frame(0.5, Intent(forward=1.0)) == []


def test_turning_changes_the_yaw_sent(world):
    """Q for a quarter second turns left (counter-clockwise); the Input carries the new facing."""
    s = welcomed(world)
    sent = s.frame(0.25, Intent(turn=1.0, forward=1.0))
    assert s.yaw == pytest.approx(math.radians(30.0))
    assert quant.u16_to_yaw(sent[-1].yaw) == pytest.approx(s.yaw, abs=1e-3)
    assert sent[-1].move_x < 0  # forward now points a little west


def test_own_pose_follows_prediction_and_snapshot(world):
    """Walking predicts at once; a matching snapshot acknowledges without moving anything."""
    s = welcomed(world)
    for _ in range(10):
        s.frame(1 / 20, Intent(forward=1.0))
    y_pred = s.prediction.y
    assert y_pred == pytest.approx(-6.0 + 10 * world.walk_speed_mps / 20)
    snap = Snapshot.pack(1, 10, 50_500, [3], [[0, quant.m_to_cm(y_pred)]], [0], [1])
    s.handle(snap, 10)
    assert not s.prediction.pending
    assert s.prediction.y == pytest.approx(y_pred, abs=0.006)


def test_zone_name_in_the_chosen_language(world):
    """The server's zone, named in the session's language; before its first word, the world's answer."""
    assert ClientSession(world).zone_name() is None
    s = welcomed(world, lang="en")
    assert s.zone_name() == "Forecourt"  # standing at (0, -6), no ZoneChanged yet
    s.handle(ZoneChanged(zone_id="service-hall"), 0)
    assert s.zone_name() == "OPD Service Hall"
    s.lang = "id"
    assert s.zone_name() == "Aula Pelayanan OPD"
    s.handle(ZoneChanged(zone_id=""), 0)
    assert s.zone_name() == "di luar area"


def test_disconnect_shows_a_countdown_and_why(world):
    """A drop with a close code: the status counts down to the retry and the notice says why."""
    s = welcomed(world)
    s.handle(StateChanged(ConnState.DISCONNECTED, retry_in_s=4.2, close_code=4001), 1_000)
    assert s.status_text(1_000) == "Terputus — mencoba lagi dalam 5 detik"
    assert s.status_text(3_500) == "Terputus — mencoba lagi dalam 2 detik"
    assert s.notice.text("en") == "The connection was too slow; the server dropped it."
    assert s.frame(0.5, Intent(forward=1.0)) == []


def test_error_messages_become_translated_notices(world):
    s = welcomed(world)
    s.handle(Error(code="rate_limited"), 0)
    assert s.notice.text("id") == "Terlalu cepat — mohon perlahan."
    s.handle(Error(code="something_new"), 0)
    assert "something_new" in s.notice.text("en")


def test_rtt_is_smoothed(world):
    s = welcomed(world)
    assert s.ping_text() == "Ping: —"
    s.handle(RttSample(rtt_ms=40.0, server_time_ms=1), 0)
    s.handle(RttSample(rtt_ms=60.0, server_time_ms=2), 0)
    assert s.ping_text() == "Ping: 46 ms"


def _ack(s: ClientSession, tick: int, x: float, y: float) -> None:
    """The server's snapshot: everything sent so far applied, the avatar at (x, y)."""
    s.handle(Snapshot.pack(tick, s.seq, 50_000 + tick * 50, [3], [[quant.m_to_cm(x), quant.m_to_cm(y)]], [0], [0]),
             tick)


def test_autopilot_walks_the_route_with_ordinary_inputs(world):
    """A scripted walk reaches its waypoints by prediction, faces the requested way, and counts as
    done once the server has applied every step."""
    s = welcomed(world)
    s.autopilot = autopilot_from_spec("0,-4;2,-4@90")
    for _ in range(200):
        s.frame(1 / 20, Intent())
        if s.autopilot.done:
            break
    s.frame(1 / 20, Intent())
    assert (s.prediction.x, s.prediction.y) == pytest.approx((2.0, -4.0), abs=0.06)
    assert math.degrees(s.yaw) == pytest.approx(90.0)
    assert not s.autopilot_done  # the server hasn't confirmed yet
    _ack(s, 1, s.prediction.x, s.prediction.y)
    assert s.autopilot_done


def test_autopilot_walks_again_when_the_server_disagrees(world):
    """The server dropped some steps and acknowledges us short of the goal: the walk resumes."""
    s = welcomed(world)
    s.autopilot = autopilot_from_spec("0,-4")
    for _ in range(100):
        s.frame(1 / 20, Intent())
    assert s.autopilot.done
    _ack(s, 1, 0.0, -5.0)  # a metre short
    assert not s.autopilot_done
    for _ in range(40):
        s.frame(1 / 20, Intent())
    _ack(s, 2, s.prediction.x, s.prediction.y)
    assert s.autopilot_done
    assert s.prediction.y == pytest.approx(-4.0, abs=0.06)


def test_a_key_press_takes_over_from_the_autopilot(world):
    s = welcomed(world)
    s.autopilot = autopilot_from_spec("0,20")
    s.frame(1 / 20, Intent(right=1.0))
    assert s.autopilot is None


def test_world_moves_follow_the_heading():
    """Forward facing north is +y; facing west (90°) it is -x; right facing north is +x."""
    assert world_move(0.0, 1.0, 0.0) == pytest.approx((0.0, 1.0))
    assert world_move(math.radians(90), 1.0, 0.0) == pytest.approx((-1.0, 0.0))
    assert world_move(0.0, 0.0, 1.0) == pytest.approx((1.0, 0.0))
    assert math.hypot(*world_move(0.3, 1.0, 1.0)) == pytest.approx(1.0)


def test_controls_flags_and_mouse_look():
    c = Controls()
    c.set("forward", True)
    c.set("run", True)
    c.add_yaw(0.2)
    intent = c.read()
    assert intent.forward == 1.0 and intent.run and intent.yaw_delta == pytest.approx(0.2)
    assert c.read().yaw_delta == 0.0
    c.release_all()
    assert c.read() == Intent()


def test_route_parsing():
    assert parse_route("0,-4; 2.5,10 @ 90") == ([(0.0, -4.0), (2.5, 10.0)], pytest.approx(math.radians(90)))
    with pytest.raises(ValueError):
        parse_route("nonsense")
    assert math.degrees(heading_to(-1.0, 0.0)) == pytest.approx(90.0)
