"""Prometheus metrics for one server, in a registry of its own (tests run several servers)."""

from __future__ import annotations

import asyncio
import math
from collections import deque
from collections.abc import Iterator, Sequence
from enum import IntEnum

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, ProcessCollector, generate_latest
from prometheus_client.core import GaugeMetricFamily

__all__ = ["ServerMetrics", "quantile", "watch_loop_lag"]

LOOP_LAG_PROBE_S = 0.1  # how often the loop's own lateness is sampled

_TICK_BUCKETS = (0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.1, 0.25)


def quantile(ordered: Sequence[float], q: float) -> float:
    """The q-quantile of sorted samples, interpolated linearly between neighbours (numpy's default)."""
    pos = q * (len(ordered) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


class _RecentQuantiles:
    """Exact quantiles over the last few thousand samples, computed when scraped."""

    def __init__(self, name: str, documentation: str, *, window: int = 2400) -> None:
        self.name = name
        self.documentation = documentation
        self.samples: deque[float] = deque(maxlen=window)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        g = GaugeMetricFamily(self.name, self.documentation, labels=["quantile"])
        if self.samples:
            ordered = sorted(self.samples)
            for q in (0.5, 0.9, 0.99, 1.0):
                g.add_metric([str(q)], quantile(ordered, q))
        yield g


class ServerMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.clients = Gauge("makaverse_connected_clients", "Open WebSocket connections", registry=r)
        self.avatars = Gauge("makaverse_avatars", "Avatars in the world", registry=r)
        self.tick = Histogram(
            "makaverse_tick_duration_seconds", "Time to run one tick", buckets=_TICK_BUCKETS, registry=r
        )
        self.tick_overruns = Counter("makaverse_tick_overruns", "Ticks that started late by a whole period", registry=r)
        self.bytes_sent = Counter("makaverse_bytes_sent", "Payload bytes sent to clients", registry=r)
        self.bytes_received = Counter("makaverse_bytes_received", "Payload bytes received from clients", registry=r)
        self.messages_received = Counter(
            "makaverse_messages_received", "Messages received, by type", ["type"], registry=r
        )
        # Counted for every frame in and out: plain numbers here, moved into the counters above
        # whenever they are read (`flush`), since a Counter's `inc` takes a lock and a label
        # lookup costs more than the count itself.
        self.sent_bytes = 0
        self.received_bytes = 0
        self.received_messages: dict[IntEnum, int] = {}
        self._received: dict[IntEnum, Counter] = {}
        self.protocol_errors = Counter(
            "makaverse_protocol_errors", "Messages refused, by error code", ["code"], registry=r
        )
        self.handshakes_refused = Counter(
            "makaverse_handshakes_refused",
            "WebSocket upgrades refused at the handshake, by reason",
            ["reason"],
            registry=r,
        )
        self.disconnects = Counter("makaverse_disconnects", "Connections closed, by reason", ["reason"], registry=r)
        self.snapshot_bodies = Gauge(
            "makaverse_snapshot_bodies",
            "Snapshot frames built on the last snapshot tick (a viewer with nothing new gets none)",
            registry=r,
        )
        self.load = Gauge("makaverse_load", "CPU seconds per second of this process, smoothed (1 = one core)",
                          registry=r)
        self.detail_level = Gauge(
            "makaverse_detail_level", "Snapshot detail shed under load: 0 full, higher sheds more", registry=r
        )
        self.capacity_players = Gauge(
            "makaverse_capacity_players", "Players this process admits now (configured cap or measured)", registry=r
        )
        self.load_steady = Gauge(
            "makaverse_load_steady", "Load over steady stretches only (no join burst), smoothed over 5 s", registry=r
        )
        self.inputs_coalesced = Counter(
            "makaverse_inputs_coalesced",
            "Stale inputs dropped because a newer one of the same client was waiting (only the newest intent matters)",
            registry=r,
        )
        self.input_backlog = Gauge(
            "makaverse_input_backlog", "Inputs received and not yet applied, over every avatar", registry=r
        )
        self.receive_backlog_bytes = Gauge(
            "makaverse_receive_backlog_bytes",
            "Bytes from clients waiting unread in this process's socket buffers (sampled once a second)",
            registry=r,
        )
        # One scheduler runs every instance's tick; each has its own figures.
        self.instance_tick = Histogram(
            "makaverse_instance_tick_duration_seconds",
            "Time to run one instance's tick",
            ["instance"],
            buckets=_TICK_BUCKETS,
            registry=r,
        )
        self.instance_over_budget = Counter(
            "makaverse_instance_tick_over_budget",
            "Instance ticks that took longer than their share of the tick period",
            ["instance"],
            registry=r,
        )
        self.instance_avatars = Gauge(
            "makaverse_instance_avatars", "Avatars in each instance", ["instance"], registry=r
        )
        self.instance_moves = Counter(
            "makaverse_instance_moves",
            "Avatars that walked into another instance, by destination",
            ["instance"],
            registry=r,
        )
        self.recent_ticks = _RecentQuantiles(
            "makaverse_tick_recent_seconds",
            "Tick duration quantiles over the most recent ticks (about two minutes at 20 Hz)",
        )
        r.register(self.recent_ticks)
        self.ticks_observed = 0
        self.recent_loop_lag = _RecentQuantiles(
            "makaverse_loop_lag_recent_seconds",
            "How late the event loop woke from a short sleep, quantiles over about the last minute",
            window=600,
        )
        r.register(self.recent_loop_lag)
        # Resident memory, open descriptors and CPU of this process (process_*), for soak runs.
        ProcessCollector(registry=r)

    def flush(self) -> None:
        """Move the plain per-frame tallies into their Prometheus counters (before anyone reads them)."""
        if self.sent_bytes:
            self.bytes_sent.inc(self.sent_bytes)
            self.sent_bytes = 0
        if self.received_bytes:
            self.bytes_received.inc(self.received_bytes)
            self.received_bytes = 0
        if self.received_messages:
            tallies, self.received_messages = self.received_messages, {}
            for mtype, n in tallies.items():
                child = self._received.get(mtype)
                if child is None:
                    child = self._received[mtype] = self.messages_received.labels(type=mtype.name.lower())
                child.inc(n)

    def observe_tick(self, seconds: float) -> None:
        self.tick.observe(seconds)
        self.recent_ticks.samples.append(seconds)
        self.ticks_observed += 1

    def tick_stats(self) -> dict:
        """Ticks run so far and the durations of the most recent ones (oldest first, seconds): a
        benchmark takes quantiles over exactly its own window from two readings."""
        return {"ticks": self.ticks_observed, "recent_s": list(self.recent_ticks.samples)}

    def render(self) -> bytes:
        self.flush()
        return generate_latest(self.registry)


async def watch_loop_lag(metrics: ServerMetrics, *, probe_s: float = LOOP_LAG_PROBE_S) -> None:
    """Sample how late the running loop wakes from a sleep of `probe_s`, until cancelled."""
    loop = asyncio.get_running_loop()
    while True:
        due = loop.time() + probe_s
        await asyncio.sleep(probe_s)
        metrics.recent_loop_lag.samples.append(max(0.0, loop.time() - due))
