"""/metrics' recent tick quantiles, computed without numpy (server/net is transport only)."""

from __future__ import annotations

import random

import numpy as np
import pytest

from makaverse.server.net.metrics import ServerMetrics, quantile


@pytest.mark.parametrize("n", [1, 2, 3, 10, 2400])
def test_quantiles_match_numpys_linear_interpolation(n):
    """The quantile of n samples agrees with numpy's default (linear) quantile."""
    rng = random.Random(n)
    samples = sorted(rng.uniform(0.0005, 0.05) for _ in range(n))
    for q in (0.0, 0.5, 0.9, 0.99, 1.0):
        assert quantile(samples, q) == pytest.approx(float(np.quantile(samples, q)), rel=1e-12, abs=0)


def test_recent_ticks_are_scraped_as_quantiles():
    """Observed tick times show up as the median and the maximum of the recent-ticks gauge."""
    m = ServerMetrics()
    for s in (0.001, 0.002, 0.003, 0.004):
        m.observe_tick(s)
    text = m.render().decode()
    assert 'makaverse_tick_recent_seconds{quantile="0.5"} 0.0025' in text
    assert 'makaverse_tick_recent_seconds{quantile="1.0"} 0.004' in text


def test_per_frame_tallies_reach_the_counters_when_read():
    """Bytes and messages are tallied as plain numbers and show up in /metrics whenever it is rendered."""
    from makaverse.protocol import MessageType

    m = ServerMetrics()
    m.sent_bytes += 900
    m.sent_bytes += 100
    m.received_bytes += 40
    for _ in range(3):
        m.received_messages[MessageType.INPUT] = m.received_messages.get(MessageType.INPUT, 0) + 1
    m.received_messages[MessageType.HELLO] = 1
    text = m.render().decode()
    assert "makaverse_bytes_sent_total 1000.0" in text
    assert "makaverse_bytes_received_total 40.0" in text
    assert 'makaverse_messages_received_total{type="input"} 3.0' in text
    assert 'makaverse_messages_received_total{type="hello"} 1.0' in text
    m.sent_bytes += 5
    assert "makaverse_bytes_sent_total 1005.0" in m.render().decode()
