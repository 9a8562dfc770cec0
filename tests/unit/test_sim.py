"""The simulation: intents in, positions and zone events out; speed is clamped however inputs arrive."""

from __future__ import annotations

import math
from dataclasses import fields

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from makaverse.protocol import quant
from makaverse.protocol.messages import ANIM_IDLE, ANIM_RUN, ANIM_WALK, MESSAGE_CLASSES, SENDERS, Input, Sender
from makaverse.server.sim import AvatarInfo, Simulation, UnknownAvatar, ZoneEntered
from makaverse.world import load_default_world

WORLD = load_default_world()
INFO = AvatarInfo(name="Daeng", role="guest", look=0x123456)
OPEN_FORECOURT = (0.0, -5.0)  # metres of free paving in every direction


def sim(**kw) -> Simulation:
    return Simulation(WORLD, seed=1, **kw)


def inp(seq: int, mx: float = 0.0, my: float = 0.0, *, run: bool = False, yaw: int = 0) -> Input:
    return Input(seq=seq, move_x=mx, move_y=my, yaw=yaw, run=run)


# ── speed clamp ──────────────────────────────────────────────────────────────

_dts = st.one_of(
    st.sampled_from([0.0, 1e-9, 1e-4, 0.01, 0.05, 0.051, 0.3, 2.0, 1e3]),
    st.floats(min_value=0.0, max_value=1.0, allow_nan=False),
)
_moves = st.tuples(
    st.floats(-1.0, 1.0, allow_nan=False), st.floats(-1.0, 1.0, allow_nan=False), st.booleans()
)
_events = st.lists(
    st.one_of(
        st.tuples(st.just("step"), _dts),
        st.tuples(st.just("inputs"), st.integers(0, 60), _moves),
    ),
    min_size=1,
    max_size=60,
)


@settings(max_examples=200, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_events, st.sampled_from([10, 20, 30, 60]), st.sampled_from([(-10.0, -20.0), OPEN_FORECOURT, (0.0, 20.0)]))
def test_speed_is_clamped_however_inputs_arrive(events, input_hz, start):
    """However many inputs arrive between steps and whatever the step sizes, an avatar covers at most run_speed x (T + max backlog) in T seconds, and at most run_speed x max backlog in one step."""
    # The soft push is off: the walker may run into the control, and this is about the input clamp.
    s = sim(input_hz=input_hz, push_mps=0.0)
    a = s.add_avatar(INFO, position=start)
    b = s.add_avatar(INFO, position=(start[0] + 1.0, start[1]))  # a second avatar, idle, as a control
    b_start = s.position(b)
    v = WORLD.run_speed_mps
    seq, elapsed, path = 0, 0.0, 0.0
    last_ack = 0
    for event in events:
        if event[0] == "inputs":
            _, count, (mx, my, run) = event
            for _ in range(count):
                seq += 1
                s.apply(a, inp(seq, mx, my, run=run))
        else:
            dt = event[1]
            before = np.array(s.position(a))
            s.step(dt)
            elapsed += dt
            moved = float(np.hypot(*(np.array(s.position(a)) - before)))
            path += moved
            assert moved <= v * s.max_backlog_s + 1e-6
            assert path <= v * (elapsed + s.max_backlog_s) + 1e-6
        ack = int(s.avatars.ack_seq[s.avatars.slot_of[a]])
        assert last_ack <= ack <= seq
        last_ack = ack
    assert s.position(b) == b_start


def test_a_flood_of_inputs_moves_no_faster_than_real_time():
    """A thousand inputs in one go move an avatar no farther than the backlog allows."""
    s = sim()
    a = s.add_avatar(INFO, position=OPEN_FORECOURT)
    for i in range(1, 1001):
        s.apply(a, inp(i, 1.0, 0.0, run=True))
    x0 = s.position(a)[0]
    s.step(0.05)
    assert s.position(a)[0] - x0 == pytest.approx(WORLD.run_speed_mps * 0.05)
    s.step(10.0)  # a long stall earns only the capped backlog
    assert s.position(a)[0] - x0 <= WORLD.run_speed_mps * (0.05 + s.max_backlog_s) + 1e-9


def test_an_input_waits_until_its_time_is_earned():
    """An input is applied only once the simulation has advanced by an input period."""
    s = sim(input_hz=20)
    a = s.add_avatar(INFO, position=OPEN_FORECOURT)
    s.apply(a, inp(1, 1.0, 0.0))
    s.step(0.0)
    assert s.avatars.ack_seq[s.avatars.slot_of[a]] == 0
    s.step(0.02)
    assert s.avatars.ack_seq[s.avatars.slot_of[a]] == 0
    s.step(0.03)
    assert s.avatars.ack_seq[s.avatars.slot_of[a]] == 1


def test_walk_run_and_diagonal_distances():
    """One input moves walk speed x period, or run speed x period; a diagonal is no faster than straight."""
    s = sim(input_hz=20)
    walker = s.add_avatar(INFO, position=(-10.0, -5.0))
    runner = s.add_avatar(INFO, position=(0.0, -5.0))
    diag = s.add_avatar(INFO, position=(10.0, -5.0))
    starts = {i: np.array(s.position(i)) for i in (walker, runner, diag)}
    s.apply(walker, inp(1, 1.0, 0.0))
    s.apply(runner, inp(1, 0.0, 1.0, run=True))
    s.apply(diag, inp(1, 1.0, 1.0))
    s.step(0.05)
    dist = {i: float(np.hypot(*(np.array(s.position(i)) - starts[i]))) for i in starts}
    assert dist[walker] == pytest.approx(WORLD.walk_speed_mps * 0.05)
    assert dist[runner] == pytest.approx(WORLD.run_speed_mps * 0.05)
    assert dist[diag] == pytest.approx(WORLD.walk_speed_mps * 0.05)
    slots = [s.avatars.slot_of[i] for i in (walker, runner, diag)]
    assert s.avatars.anim[slots].tolist() == [ANIM_WALK, ANIM_RUN, ANIM_WALK]


def test_yaw_comes_from_the_input():
    """The avatar faces where its last applied input says."""
    s = sim()
    a = s.add_avatar(INFO, position=OPEN_FORECOURT)
    s.apply(a, inp(1, yaw=16384))
    s.step(0.05)
    assert quant.yaw_to_u16(s.yaw(a)) == 16384


# ── no teleports ─────────────────────────────────────────────────────────────

_POSITION_WORDS = {"x", "y", "z", "x_cm", "y_cm", "pos", "position", "positions", "teleport", "target"}


def test_no_client_message_carries_a_position():
    """No message a client may send has a position field: clients send intent, never positions."""
    for mtype, cls in MESSAGE_CLASSES.items():
        if SENDERS[mtype] is Sender.CLIENT:
            assert not {f.name for f in fields(cls)} & _POSITION_WORDS, mtype


# Public methods of Simulation. Anything new that changes an avatar's state must be reviewed for
# teleports and speed hacks before it is added here.
# `sit` moves an avatar only onto a seat of the world; the events component lets a client sit
# only within 2 m of it, and "go to event" places an arriving avatar, as a spawn does.
# `stand` places an avatar at a spot the server chose (`free_spot`): "go to event" stands an
# event's host and speakers on the stage; no client message names the spot.
_SIM_API = {"spawn_point", "add_avatar", "remove_avatar", "has", "info", "position", "yaw", "zone_id", "apply", "step",
            "drain_events", "sit", "seat_taken", "seat_of", "free_seat", "allow_stage", "input_backlog",
            "free_spot", "stand"}


def test_simulation_has_no_way_to_set_a_position():
    """Once placed, an avatar's position changes only through inputs: the simulation has no setter for it."""
    public = {n for n in dir(Simulation) if not n.startswith("_") and callable(getattr(Simulation, n))}
    assert public <= _SIM_API, f"review for teleports: {sorted(public - _SIM_API)}"


@settings(max_examples=60, derandomize=True, deadline=None)
@given(st.lists(_dts, min_size=1, max_size=40), st.integers(1, 30))
def test_idle_avatars_do_not_move(dts, n):
    """Avatars without inputs, none overlapping another, stay exactly where they are, and idle, whatever time passes."""
    s = sim()
    ids = [s.add_avatar(INFO, position=(-6.0 + (k % 6) * 1.0, -10.0 + (k // 6) * 1.0)) for k in range(n)]
    before = [s.position(i) for i in ids]
    for dt in dts:
        s.step(dt)
    assert [s.position(i) for i in ids] == before
    assert (s.avatars.anim[[s.avatars.slot_of[i] for i in ids]] == ANIM_IDLE).all()


def test_zero_inputs_do_not_move_but_are_acked():
    """Standing-still inputs move nothing but are acknowledged."""
    s = sim()
    a = s.add_avatar(INFO, position=OPEN_FORECOURT)
    before = s.position(a)
    for i in range(1, 4):
        s.apply(a, inp(i))
        s.step(0.05)
    assert s.position(a) == before
    assert s.avatars.ack_seq[s.avatars.slot_of[a]] == 3
    assert s.avatars.anim[s.avatars.slot_of[a]] == ANIM_IDLE


# ── input queue ──────────────────────────────────────────────────────────────


def test_inputs_beyond_the_queue_cap_drop_the_oldest_and_ack_advances():
    """When more inputs wait than the cap, the oldest are dropped and acknowledged; the newest are applied."""
    s = sim(max_queued_inputs=4, max_waiting_after_tick=4)  # the cap alone, not the after-tick trim
    a = s.add_avatar(INFO, position=OPEN_FORECOURT)
    slot = s.avatars.slot_of[a]
    for i in range(1, 7):
        s.apply(a, inp(i, 1.0, 0.0))  # east: these are dropped
    for i in range(7, 11):
        s.apply(a, inp(i, 0.0, 1.0))  # north: these are kept
    assert len(s.avatars.inputs[slot]) == 4
    assert s.avatars.ack_seq[slot] == 6
    x0, y0 = s.position(a)
    for _ in range(4):
        s.step(0.05)
    assert s.avatars.ack_seq[slot] == 10
    assert len(s.avatars.inputs[slot]) == 0
    x1, y1 = s.position(a)
    assert x1 == pytest.approx(x0)
    assert y1 - y0 == pytest.approx(4 * WORLD.walk_speed_mps * 0.05)


def test_stale_inputs_are_counted_and_the_backlog_stays_bounded():
    """A client that sends ten inputs within one tick leaves at most one waiting after it; the
    stale ones are counted as dropped, and the backlog is what still waits."""
    s = sim()
    a = s.add_avatar(INFO, position=OPEN_FORECOURT)
    b = s.add_avatar(INFO, position=(OPEN_FORECOURT[0] + 3.0, OPEN_FORECOURT[1]))
    for i in range(1, 11):
        s.apply(a, inp(i, 1.0, 0.0))
    s.apply(b, inp(1, 1.0, 0.0))
    assert s.input_backlog() == s.max_queued_inputs + 1
    s.step(0.05)
    assert s.input_backlog() <= 2  # at most one an avatar
    assert s.inputs_dropped == 10 - 1 - s.input_backlog()  # one applied, the rest dropped or waiting
    assert s.avatars.ack_seq[s.avatars.slot_of[a]] >= 9


def test_unknown_avatar_is_refused():
    """Inputs and queries for an avatar that is not there raise UnknownAvatar."""
    s = sim()
    with pytest.raises(UnknownAvatar):
        s.apply(99, inp(1))
    with pytest.raises(UnknownAvatar):
        s.position(99)
    a = s.add_avatar(INFO)
    s.remove_avatar(a)
    assert not s.has(a)
    with pytest.raises(UnknownAvatar):
        s.apply(a, inp(1))
    s.remove_avatar(a)  # removing twice is harmless


# ── membership ───────────────────────────────────────────────────────────────


def test_new_avatars_appear_near_a_spawn_in_a_free_spot():
    """Without a position, avatars appear within a metre or so of a spawn point, clear of solids."""
    s = sim()
    pts = np.array([s.position(s.add_avatar(INFO)) for _ in range(100)])
    assert WORLD.placement_ok(pts).all()
    d = np.hypot(*(pts[:, None, :] - WORLD.spawns[None, :, :]).transpose(2, 0, 1)).min(axis=1)
    assert (d <= math.sqrt(2) + 1e-9).all()


def test_a_requested_spot_inside_a_solid_is_settled():
    """Placing an avatar inside a solid puts it at the nearest free place instead."""
    s = sim()
    fountain = next(x for x in WORLD.solids if x.id == "fountain").box
    a = s.add_avatar(INFO, position=fountain.centre)
    assert WORLD.placement_ok(np.array([s.position(a)])).all()


def test_ids_are_never_reused():
    """A new avatar never gets the id of one that left."""
    s = sim()
    ids = [s.add_avatar(INFO) for _ in range(5)]
    for i in ids:
        s.remove_avatar(i)
    assert s.add_avatar(INFO) not in ids


def test_table_grows_beyond_its_capacity():
    """More avatars than the initial capacity all exist and move independently."""
    s = sim()
    ids = [s.add_avatar(INFO, position=(-30.0 + (i % 60), -25.0 + 0.7 * (i // 60))) for i in range(150)]
    assert len(s.avatars) == 150
    for i in ids:
        s.apply(i, inp(1, 0.0, 1.0))
    before = {i: s.position(i) for i in ids}
    s.step(0.05)
    for i in ids:
        assert s.position(i)[1] > before[i][1]


# ── zones ────────────────────────────────────────────────────────────────────


def test_zone_event_when_walking_into_the_lobby():
    """Walking from the forecourt through the main entrance fires one zone event for the lobby."""
    s = sim()
    a = s.add_avatar(INFO, position=(0.0, -1.5))
    assert s.drain_events() == [ZoneEntered(a, "forecourt")]
    seq = 0
    events = []
    for _ in range(40):
        seq += 1
        s.apply(a, inp(seq, 0.0, 1.0))
        s.step(0.05)
        events += s.drain_events()
    assert s.position(a)[1] > 1.0
    assert events == [ZoneEntered(a, "lobby")]
    assert s.zone_id(a) == "lobby"


def test_zone_event_for_a_booth():
    """Walking up to a counter fires the booth's zone event."""
    s = sim()
    a = s.add_avatar(INFO, position=(-12.0, 18.0))
    s.drain_events()
    for seq in range(1, 40):
        s.apply(a, inp(seq, -1.0, 0.0))
        s.step(0.05)
    assert ZoneEntered(a, "booth:DUKCAPIL") in s.drain_events()
    assert s.zone_id(a) == "booth:DUKCAPIL"


def test_drain_swaps_the_buffer():
    """Draining returns the events once."""
    s = sim()
    a = s.add_avatar(INFO, position=OPEN_FORECOURT)
    assert s.drain_events() == [ZoneEntered(a, "forecourt")]
    assert s.drain_events() == []


def test_a_burst_after_a_stall_leaves_at_most_one_input_waiting():
    """After a stall, a burst of inputs is applied within the speed limit and at most one stays queued, so lag doesn't stand."""
    from makaverse.protocol import Input as _Input
    from makaverse.server.sim import AvatarInfo as _Info
    from makaverse.server.sim import Simulation as _Sim
    from makaverse.world import load_default_world as _load

    sim = _Sim(_load(), seed=3)
    avatar = sim.add_avatar(_Info("Burst", "guest", 0))
    for seq in range(1, 11):  # ten periods' worth arrive at once
        sim.apply(avatar, _Input(seq=seq, move_x=0.0, move_y=1.0, yaw=0, run=False))
    sim.step(0.05)
    slot = sim.avatars.slot_of[avatar]
    assert len(sim.avatars.inputs[slot]) <= 1
    assert sim.avatars.ack_seq[slot] >= 9
    for seq in range(11, 41):  # then one per tick, in step with the clock
        sim.apply(avatar, _Input(seq=seq, move_x=0.0, move_y=1.0, yaw=0, run=False))
        sim.step(0.05)
        assert sim.avatars.ack_seq[slot] >= seq - 1
