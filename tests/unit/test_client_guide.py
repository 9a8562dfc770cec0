"""The guide walks the session's own intents to a booth and notices arrival or a take-over; zone
changes become one translated line naming a booth by its full agency name."""

from __future__ import annotations

from makaverse.client.state.controls import Intent
from makaverse.client.state.directory import load_directory
from makaverse.client.state.guide import LINE_MS, Guide, ZoneAnnouncer
from makaverse.client.state.session import ClientSession
from makaverse.protocol import Welcome, quant
from makaverse.world import load_default_world

WORLD = load_default_world()
DIRECTORY = load_directory()


def welcomed_session(x: float, y: float) -> ClientSession:
    s = ClientSession(WORLD)
    s.mirror.welcome = None
    s.handle(Welcome(avatar_id=1, name="Ani", role="guest", world_id=WORLD.id, tick_hz=20, snapshot_hz=20,
                     input_hz=20, interest_radius_cm=4000, server_time_ms=1, x_cm=quant.m_to_cm(x),
                     y_cm=quant.m_to_cm(y), yaw=0), 0.0)
    from makaverse.client.net.events import ConnState, StateChanged

    s.handle(StateChanged(ConnState.OPEN), 0.0)
    return s


def test_take_me_there_walks_the_predicted_avatar_into_the_booth_zone() -> None:
    """Driving only the session's inputs (as the app does each frame), the avatar reaches the Dukcapil zone."""
    s = welcomed_session(0.0, -6.0)
    assert s.in_world
    guide = Guide(WORLD)
    booth = WORLD.booth("DUKCAPIL")
    s.autopilot = guide.start((0.0, -6.0), booth.zone.centre, 90.0, "Disdukcapil", 0.0)
    assert s.autopilot is not None and guide.status == "walking"
    inputs = []
    for frame in range(20 * 60):
        inputs += s.frame(0.05, Intent())
        s.prediction.ack_seq = s.seq  # as if the server applied every input (its collision is the same step)
        if guide.update(s.autopilot, s.autopilot_done, frame * 50.0):
            break
    assert guide.status == "arrived"
    assert WORLD.zone_of(s.prediction.x, s.prediction.y).id == "booth:DUKCAPIL"
    assert all(abs(i.move_x) <= 1.0001 and abs(i.move_y) <= 1.0001 for i in inputs)  # intents, not positions
    assert guide.line("en", frame * 50.0) == "You have arrived at Disdukcapil"


def test_a_movement_key_takes_control_back() -> None:
    """Pressing forward during the walk drops the autopilot, and the guide says it stopped."""
    s = welcomed_session(0.0, -6.0)
    guide = Guide(WORLD)
    s.autopilot = guide.start((0.0, -6.0), (0.0, 47.0), None, "Auditorium", 0.0)
    s.frame(0.05, Intent())
    s.frame(0.05, Intent(forward=1.0))
    assert s.autopilot is None
    assert guide.update(s.autopilot, s.autopilot_done, 100.0) == "stopped"
    assert guide.line("id", 200.0) == "Antaran dihentikan"
    assert guide.line("id", 100.0 + LINE_MS) == ""


def test_no_path_is_reported() -> None:
    """When the planner finds no way, the guide gives no autopilot and a line says so."""

    class NoWay:
        def find(self, start, goal):
            return None

    guide = Guide(WORLD, finder=NoWay())  # type: ignore[arg-type]
    assert guide.start((0.0, -6.0), (0.0, 47.0), None, "Auditorium", 0.0) is None
    assert guide.status == "no_path"
    assert guide.line("en", 1.0) == "There is no way to Auditorium from here"


def test_zone_announcer_names_booths_in_full() -> None:
    """Walking into a booth zone announces its acronym and full name; the line fades and repeats only on change."""
    z = ZoneAnnouncer(WORLD, DIRECTORY)
    assert z.observe("lobby", 0.0)
    assert z.line("id", 10.0) == "Anda memasuki Lobi"
    assert not z.observe("lobby", 20.0)
    assert z.observe("booth:BAPENDA", 100.0)
    assert z.line("en", 200.0) == "You are entering Bapenda counter — Regional Revenue Agency"
    assert z.line("id", 200.0) == "Anda memasuki Loket Bapenda — Badan Pendapatan Daerah"
    assert z.line("id", 100.0 + LINE_MS) == ""
    assert not z.observe(None, 300.0) and z.line("id", 300.0) == ""
