"""The capacity policy: load measured from CPU time, detail shed before joins are refused. Time is
passed in; no clock, no sockets."""

from __future__ import annotations

from makaverse.server.sim.capacity import LEVELS, REFUSE_AT_LEVEL, CapacityPolicy


def run(policy: CapacityPolicy, *, seconds: float, busy: float, players: int, start: float = 0.0,
        late_s: float = 0.0) -> float:
    """Feed `seconds` of ticks (20 a second) at a busy fraction of `busy`; returns the end time."""
    t = start
    for _ in range(int(seconds * 20)):
        t += 0.05
        policy.observe(t, busy * 0.05, players, late_s=late_s, period_s=0.05)
    return t


def test_a_quiet_process_admits_up_to_its_cap_at_full_detail():
    """Below its target load the process keeps every detail and admits until the configured cap."""
    p = CapacityPolicy(max_players=3, measured=True)
    run(p, seconds=5, busy=0.1, players=2)
    assert p.level == 0 and p.detail == LEVELS[0]
    assert p.admit(2) and not p.admit(3)


def test_measured_capacity_scales_the_players_to_the_target_load():
    """With 100 players at 35 % busy and a 70 % target, about 200 fit; with no cap that is the limit."""
    p = CapacityPolicy(target_load=0.7, measured=True)
    run(p, seconds=20, busy=0.35, players=100)
    assert 190 <= p.capacity <= 210
    assert p.admit(150) and not p.admit(p.capacity)


def test_few_players_are_no_measure():
    """Under min_players_to_measure the per-player cost is noise: only the cap counts."""
    p = CapacityPolicy(max_players=50, measured=True)
    run(p, seconds=10, busy=0.9, players=5)
    assert p.capacity == 50


def test_overload_sheds_detail_one_level_at_a_time_then_refuses():
    """Past shed_at the policy adds a level at most every shed_after_s; at REFUSE_AT_LEVEL it refuses joins."""
    p = CapacityPolicy(max_players=10_000, measured=True)
    t = run(p, seconds=3, busy=1.0, players=500)
    assert 1 <= p.level < REFUSE_AT_LEVEL + 1
    t = run(p, seconds=10, busy=1.0, players=500, start=t)
    assert p.level == len(LEVELS) - 1
    assert p.detail.refresh_every > 1 and p.detail.far_every > 1
    assert not p.admit(500)


def test_a_nearly_empty_process_never_refuses_on_load():
    """A join burst (or a neighbour's load) with a handful in: shed detail, but let people in."""
    p = CapacityPolicy(measured=True)
    run(p, seconds=10, busy=1.0, players=8, late_s=0.04)
    assert p.level >= REFUSE_AT_LEVEL
    assert p.admit(8) and p.admit(49)
    capped = CapacityPolicy(max_players=5)
    run(capped, seconds=10, busy=0.1, players=5)
    assert not capped.admit(5)


def test_a_short_spike_sheds_but_does_not_refuse():
    """Refusing needs the slow average high too: two seconds of saturation shed detail only."""
    p = CapacityPolicy(measured=True)
    t = run(p, seconds=30, busy=0.3, players=200)
    run(p, seconds=2.5, busy=1.0, players=200, start=t)
    assert p.level >= 1 and p.slow_load < p.shed_at
    assert p.admit(200)


def test_levels_come_down_only_after_the_load_stays_low():
    """Shedding ends one level per relax_after_s of low load, not at the first quiet tick."""
    p = CapacityPolicy()
    t = run(p, seconds=10, busy=1.0, players=500)
    top = p.level
    t = run(p, seconds=2, busy=0.2, players=500, start=t)
    assert p.level == top  # the smoothed load is still falling, or not yet low for long
    t = run(p, seconds=60, busy=0.2, players=500, start=t)
    assert p.level == 0


def test_a_middling_load_holds_the_level():
    """Between relax_at and shed_at nothing changes: no flapping."""
    p = CapacityPolicy()
    t = run(p, seconds=10, busy=1.0, players=500)
    level = p.level
    run(p, seconds=60, busy=0.7, players=500, start=t)
    assert p.level == level


def test_ticks_running_late_count_as_saturation_on_a_starved_machine():
    """A process that gets only half a core but whose ticks start late is saturated: it sheds and
    refuses, though its CPU figure alone would say it has room."""
    p = CapacityPolicy(measured=True)
    run(p, seconds=15, busy=0.5, players=300, late_s=0.04)  # late for a while, not a moment
    assert p.load > 0.9 and p.level >= 1
    assert not p.admit(300)
    q = CapacityPolicy()
    run(q, seconds=5, busy=0.5, players=300, late_s=0.01)  # a little jitter is not lateness
    assert q.level == 0 and q.load < 0.6


def test_without_measured_admission_only_the_cap_refuses():
    """The default: load sheds detail but never turns anyone away; a configured cap still does."""
    p = CapacityPolicy()
    run(p, seconds=30, busy=1.0, players=500, late_s=0.04)
    assert p.level == len(LEVELS) - 1 and p.capacity <= 500  # what it would hold: no more than now
    assert p.admit(500)
    capped = CapacityPolicy(max_players=500)
    run(capped, seconds=30, busy=1.0, players=500)
    assert not capped.admit(500)
