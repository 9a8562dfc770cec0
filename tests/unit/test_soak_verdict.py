"""The soak verdict: memory and descriptors judged flat or growing from samples after the warm-up."""

from __future__ import annotations

from makaverse.bench.soak import SoakSample, format_sample, sample_from_metrics, soak_verdict


def samples(rss_mb, fds=None, clients=None, *, every_s: float = 60.0) -> list[SoakSample]:
    n = len(rss_mb)
    fds = fds or [240] * n
    clients = clients or [200] * n
    return [
        SoakSample(t_s=i * every_s, rss_mb=r, fds=f, clients=c, loop_lag_p99_ms=2.0, tick_p99_ms=5.0)
        for i, (r, f, c) in enumerate(zip(rss_mb, fds, clients, strict=True))
    ]


def test_steady_memory_after_a_warm_up_climb_is_flat():
    """RSS that climbs during the warm-up and then wobbles is flat."""
    v = soak_verdict(samples([90, 140, 150, 151, 149, 152, 150, 151, 150, 152, 151]), warmup_s=120)
    assert v.memory_flat and v.fds_flat and v.flat
    assert "memory flat" in v.text()


def test_memory_rising_steadily_after_the_warm_up_is_growing():
    """RSS that gains 3 MB a minute for ten minutes is reported as growing."""
    v = soak_verdict(samples([150 + 3 * i for i in range(11)]), warmup_s=60)
    assert not v.memory_flat and not v.flat
    assert 25 <= v.rss_growth_mb <= 30
    assert "memory GROWING" in v.text()


def test_descriptors_are_judged_beyond_the_client_sockets():
    """Descriptors that follow the number of clients are flat; descriptors that pile up are not."""
    clients = [200, 180, 210, 190, 200, 205]
    following = soak_verdict(samples([150] * 6, fds=[c + 40 for c in clients], clients=clients), warmup_s=0)
    assert following.fds_flat
    leaking = soak_verdict(samples([150] * 6, fds=[240 + 5 * i for i in range(6)]), warmup_s=0)
    assert not leaking.fds_flat and leaking.fds_growth == 25


def test_a_few_sockets_caught_mid_close_are_not_a_leak():
    """Descriptors that jump now and then (sockets closing as bots reconnect) but do not trend up are flat."""
    fds = [240, 252, 241, 239, 250, 240, 241, 238, 251, 240]
    assert soak_verdict(samples([150] * 10, fds=fds), warmup_s=0).fds_flat


def test_too_few_samples_after_the_warm_up_are_no_verdict():
    """With fewer than three samples past the warm-up the verdict is not flat and says why."""
    v = soak_verdict(samples([100, 100, 100]), warmup_s=100)
    assert not v.flat and "too few samples" in v.text()


def test_a_sample_is_read_from_prometheus_metrics():
    """RSS, descriptors, clients, loop lag p99 and tick p99 come from the server's /metrics names."""
    metrics = {
        "process_resident_memory_bytes": 150 * 1024 * 1024,
        "process_open_fds": 250.0,
        "makaverse_connected_clients": 200.0,
        'makaverse_loop_lag_recent_seconds{quantile="0.99"}': 0.004,
        'makaverse_tick_recent_seconds{quantile="0.99"}': 0.0123,
    }
    s = sample_from_metrics(metrics, 61.2)
    assert (s.rss_mb, s.fds, s.clients, s.loop_lag_p99_ms, s.tick_p99_ms) == (150.0, 250, 200, 4.0, 12.3)
    assert format_sample(s).startswith("[soak] t=  1:01  RSS  150.0 MB  fds  250")
