"""The seated-audience bench (bench/seated_cost.py) runs, and a still audience gets no frames."""

from __future__ import annotations

from makaverse.bench.seated_cost import measure


def test_a_seated_silent_audience_gets_no_frames():
    out = measure(copies=1, ticks=40)
    assert out["clients"] == 150 and out["ticks"] == 40
    assert out["frames_per_client_s"] == 0.0
    assert out["cpu_us_per_client_tick"] >= 0.0
