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
