"""When a client sends an input (protocol/pacing.py): every period while moving, nothing while
standing still but a report of new snapshot ticks now and then."""

from __future__ import annotations

from itertools import pairwise

from makaverse.protocol.pacing import ACK_EVERY_S, InputPacer


def run(pacer: InputPacer, seconds: float, *, move: float = 0.0, ack_tick=lambda t: 0) -> list[float]:
    """The times (s) at which inputs went out over `seconds` of 20 Hz input periods."""
    sent = []
    for n in range(int(seconds * 20)):
        now = n / 20
        if pacer.due(now, move, 0.0, 0, False, ack_tick(now)):
            sent.append(now)
    return sent


def test_moving_sends_every_period():
    assert len(run(InputPacer(), 2.0, move=1.0)) == 40


def test_standing_still_sends_one_input_then_nothing():
    """No heartbeat: a standing client with nothing to report is silent, however long."""
    pacer = InputPacer()
    assert run(pacer, 60.0) == [0.0]
    assert pacer.skipped == 60 * 20 - 1


def test_new_ticks_are_reported_at_most_every_ack_every_s():
    sent = run(InputPacer(), 4.0, ack_tick=lambda t: int(t * 20))  # a new tick every period
    gaps = [b - a for a, b in pairwise(sent)]
    assert sent[0] == 0.0 and min(gaps) >= ACK_EVERY_S - 1e-9 and len(sent) >= 4 / 0.5


def test_a_heartbeat_can_still_be_asked_for():
    assert run(InputPacer(heartbeat_s=1.0), 3.0) == [0.0, 1.0, 2.0]


def test_a_change_of_intent_goes_out_at_once():
    pacer = InputPacer()
    assert pacer.due(0.0, 0.0, 0.0, 0, False)
    assert not pacer.due(0.05, 0.0, 0.0, 0, False)
    assert pacer.due(0.10, 0.0, 0.0, 1000, False)  # turned
    assert pacer.due(0.15, 0.0, 1.0, 1000, False)  # walks
