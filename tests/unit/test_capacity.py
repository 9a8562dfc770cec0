"""The capacity policy: load measured from CPU time, detail shed before joins are refused, and what
one player costs measured only over steady stretches (never during a join burst). Time, CPU and
arrivals are passed in; no clock, no sockets."""

from __future__ import annotations

from makaverse.server.sim.capacity import LEVELS, REFUSE_AT_LEVEL, CapacityPolicy


def run(policy: CapacityPolicy, *, seconds: float, busy: float, players: int, start: float = 0.0,
        late_s: float = 0.0, arrivals_per_s: float = 0.0, to_players: int | None = None,
        admitted: list[bool] | None = None) -> float:
    """Feed `seconds` of ticks (20 a second) at a busy fraction of `busy`, with `arrivals_per_s`
    new connections a second and the players going from `players` to `to_players`; returns the end
    time. With `admitted`, each tick also asks whether one more may enter and records the answer."""
    t = start
    n = int(seconds * 20)
    owed = 0.0
    for i in range(n):
        t += 0.05
        now_players = players if to_players is None else round(players + (to_players - players) * (i + 1) / n)
        owed += arrivals_per_s * 0.05
        arrivals = int(owed)
        owed -= arrivals
        policy.observe(t, busy * 0.05, now_players, arrivals=arrivals, late_s=late_s, period_s=0.05)
        if admitted is not None:
            admitted.append(policy.admit(now_players))
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
    assert p.per_player is not None and p.measurements >= 5
    assert 190 <= p.capacity <= 210
    assert p.admit(150) and not p.admit(p.capacity)


def test_few_players_are_no_measure():
    """Under min_players_to_measure the per-player cost is noise: only the cap counts."""
    p = CapacityPolicy(max_players=50, measured=True)
    run(p, seconds=10, busy=0.9, players=5)
    assert p.per_player is None and p.capacity == 50


def test_overload_sheds_detail_one_level_at_a_time_then_refuses():
    """Past shed_at the policy adds a level at most every shed_after_s; shedding hard with the
    steady load high, it refuses joins."""
    p = CapacityPolicy(max_players=10_000, measured=True)
    t = run(p, seconds=3, busy=1.0, players=500)
    assert 1 <= p.level < REFUSE_AT_LEVEL + 1
    t = run(p, seconds=10, busy=1.0, players=500, start=t)
    assert p.level == len(LEVELS) - 1
    assert p.detail.refresh_every > 1 and p.detail.far_every > 1
    assert not p.admit(500)


def test_a_nearly_empty_process_never_refuses_on_load():
    """A neighbour's load with a handful in: shed detail, but let people in."""
    p = CapacityPolicy(measured=True)
    run(p, seconds=10, busy=1.0, players=8, late_s=0.04)
    assert p.level >= REFUSE_AT_LEVEL
    assert p.admit(8) and p.admit(49)
    capped = CapacityPolicy(max_players=5)
    run(capped, seconds=10, busy=0.1, players=5)
    assert not capped.admit(5)


def test_a_short_spike_sheds_but_does_not_refuse():
    """Refusing needs the steady load high too: two seconds of saturation shed detail only."""
    p = CapacityPolicy(measured=True)
    t = run(p, seconds=30, busy=0.3, players=200)
    run(p, seconds=2.5, busy=1.0, players=200, start=t)
    assert p.level >= 1 and p.steady_load < p.shed_at
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


def test_a_late_tick_now_and_then_is_no_measure_of_the_players():
    """One tick in ten starting late (a neighbour taking the core for a moment) sheds nothing and
    leaves the measured cost of a player as its CPU says."""
    p = CapacityPolicy(measured=True)
    t = 0.0
    for i in range(20 * 20):
        t += 0.05
        p.observe(t, 0.2 * 0.05, 100, late_s=0.04 if i % 10 == 0 else 0.0, period_s=0.05)
    assert p.level == 0
    assert 330 <= p.capacity <= 370


def test_without_measured_admission_only_the_cap_refuses():
    """Without `measured`: load sheds detail but never turns anyone away; a configured cap still does."""
    p = CapacityPolicy()
    run(p, seconds=30, busy=1.0, players=500, late_s=0.04)
    assert p.level == len(LEVELS) - 1 and p.capacity <= 500  # what it would hold: no more than now
    assert p.admit(500)
    capped = CapacityPolicy(max_players=500)
    run(capped, seconds=30, busy=1.0, players=500)
    assert not capped.admit(500)


# ── join bursts ───────────────────────────────────────────────────────────────
def test_a_join_burst_into_a_fresh_process_is_not_taken_for_load():
    """300 attendees joining at once on a busy machine (saturated, ticks late) are all let in: a
    burst is no measure of what they cost. Once arrivals settle, the cost is measured, and the
    process says it has room for more."""
    p = CapacityPolicy(measured=True)
    admitted: list[bool] = []
    t = run(p, seconds=6, busy=1.0, players=0, to_players=300, arrivals_per_s=50, late_s=0.04, admitted=admitted)
    assert all(admitted)
    assert p.per_player is None and not p.steady
    t = run(p, seconds=10, busy=0.3, players=300, start=t)
    assert p.steady and p.per_player is not None
    assert p.capacity > 600 and p.admit(300)


def test_a_burst_into_a_measured_process_holds_the_steady_measure():
    """Measured at 100 players and 20 % busy (room for 350), a burst of joins at full load neither
    lowers nor raises that: newcomers are let in up to 350 and refused beyond, while the burst
    lasts; the refused ones' own arrivals don't move it either."""
    p = CapacityPolicy(measured=True)
    t = run(p, seconds=10, busy=0.2, players=100)
    assert 340 <= p.capacity <= 360
    before = p.capacity
    admitted: list[bool] = []
    t = run(p, seconds=5, busy=1.0, players=100, to_players=before, arrivals_per_s=100, late_s=0.04,
            admitted=admitted)
    assert p.capacity == before and not p.admit(before)
    assert all(admitted[:-1])
    # Refused newcomers keep arriving; the process is busy refusing them. Still no new measure.
    run(p, seconds=5, busy=1.0, players=before, arrivals_per_s=100, start=t)
    assert p.capacity == before


def test_a_burst_let_in_slowly_is_still_a_burst():
    """A starved process accepting a crowd at one connection a second, with dozens waiting to get
    in, measures nothing until they are in: the queue at the door shows the burst."""
    p = CapacityPolicy(measured=True)
    t = 0.0
    admitted = []
    for i in range(20 * 20):
        t += 0.05
        players = 60 + i // 20
        p.observe(t, 0.05, players, arrivals=1 if i % 20 == 0 else 0, joining=40, late_s=0.04, period_s=0.05)
        admitted.append(p.admit(players))
    assert p.per_player is None and all(admitted)
    run(p, seconds=10, busy=0.3, players=80, start=t)
    assert p.per_player is not None and p.admit(80)


def test_a_trickle_of_arrivals_still_measures():
    """One arrival a second among 200 players is a steady stretch: the cost is measured."""
    p = CapacityPolicy(measured=True)
    run(p, seconds=15, busy=0.4, players=200, arrivals_per_s=1.0)
    assert p.per_player is not None
    assert 340 <= p.capacity <= 360


def test_too_many_let_in_by_a_burst_are_found_out_once_it_settles():
    """A fresh process let in 600 during a burst (no measure yet); once arrivals settle it finds
    itself saturated: capacity below the players it holds, and it refuses newcomers."""
    p = CapacityPolicy(measured=True)
    t = run(p, seconds=6, busy=1.0, players=0, to_players=600, arrivals_per_s=100)
    assert p.admit(600)
    run(p, seconds=20, busy=1.0, players=600, start=t)
    assert p.capacity < 600 and p.steady_load > p.shed_at
    assert not p.admit(600)


def test_a_configured_cap_bounds_the_measured_capacity():
    """The measure never raises the cap: capacity is the smaller of the two."""
    p = CapacityPolicy(max_players=120, measured=True)
    run(p, seconds=10, busy=0.1, players=100)
    assert p.capacity == 120 and p.admit(119) and not p.admit(120)
