"""`makaverse bench`: start a server on a free port, run bots against it, and print the bots'
figures with the server's own: tick time, CPU, memory and bytes sent per client, then stop the
server with SIGTERM and check that it exits promptly."""

from __future__ import annotations

import argparse
import sys
import time
from itertools import pairwise

import psutil

from .bots import check_args, config_from_args, print_report, run_bots
from .local_server import LocalServer, Sample, ServerError, ServerWatch

__all__ = ["run_bench", "run_bench_cli", "server_figures", "server_warnings"]

STOP_TIMEOUT_S = 5.0
_MB = 1024 * 1024


def _metric(metrics: dict[str, float], name: str) -> float | None:
    for key in (name, name + "_total"):
        if key in metrics:
            return metrics[key]
    return None


def _delta(first: Sample, last: Sample, name: str) -> float | None:
    a, b = _metric(first.metrics, name), _metric(last.metrics, name)
    return None if a is None or b is None else b - a


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000.0, 2)


def server_figures(samples: list[Sample], *, steady_from: float, end: float, tick_hz: int, clients: int) -> dict:
    """The server's figures while every bot was in the world (`steady_from` to `end`, Unix time)."""
    window = [s for s in samples if steady_from - 0.5 <= s.t <= end + 0.5]
    if len(window) < 2:
        window = [s for s in samples if s.t <= end + 0.5][-2:] or samples[-2:]
    out: dict = {"samples": len(window)}
    if len(window) < 2:
        return out
    first, last = window[0], window[-1]
    span = max(1e-6, last.t - first.t)
    pairs = list(pairwise(window))
    recent = {
        q: last.metrics.get(f'makaverse_tick_recent_seconds{{quantile="{q}"}}') for q in ("0.5", "0.9", "0.99", "1.0")
    }
    ticks = _delta(first, last, "makaverse_tick_duration_seconds_count") or 0.0
    tick_sum = _delta(first, last, "makaverse_tick_duration_seconds_sum") or 0.0
    # Ticks slower than the tick period, from the histogram's bucket at (or just under) the period.
    period = 1.0 / tick_hz
    buckets = sorted(
        (float(k.split('le="')[1].rstrip('"}')), k)
        for k in last.metrics
        if k.startswith("makaverse_tick_duration_seconds_bucket") and 'le="+Inf"' not in k
    )
    under = [(le, k) for le, k in buckets if le <= period + 1e-12]
    slow = None
    if under:
        le, key = under[-1]
        within = last.metrics[key] - first.metrics.get(key, 0.0)
        slow = {"over_ms": round(le * 1000.0, 1), "count": int(ticks - within)}
    bytes_sent = _delta(first, last, "makaverse_bytes_sent")
    out.update(
        {
            "window_s": round(span, 1),
            "tick_ms": {
                "p50": _ms(recent["0.5"]),
                "p90": _ms(recent["0.9"]),
                "p99": _ms(recent["0.99"]),
                "max": _ms(recent["1.0"]),
            },
            "ticks": {
                "count": int(ticks),
                "per_s": round(ticks / span, 1),
                "mean_ms": round(1000.0 * tick_sum / ticks, 2) if ticks else None,
                "slower_than_period": slow,
                "overruns": int(_delta(first, last, "makaverse_tick_overruns") or 0),
            },
            # CPU time per tick barely depends on what else the machine runs; wall-clock tick time does.
            "cpu_ms_per_tick": round(1000.0 * (last.cpu_s - first.cpu_s) / ticks, 2) if ticks else None,
            "cpu_percent": {
                "mean": round(100.0 * (last.cpu_s - first.cpu_s) / span, 1),
                "max_1s": round(max(100.0 * (b.cpu_s - a.cpu_s) / max(1e-6, b.t - a.t) for a, b in pairs), 1),
                # With gateways: the world's own process (the rest is theirs).
                "main_process": (
                    round(100.0 * (last.main_cpu_s - first.main_cpu_s) / span, 1)
                    if last.main_cpu_s is not None and first.main_cpu_s is not None
                    else None
                ),
            },
            "rss_mb": {
                "end": round(last.rss / _MB, 1),
                "max": round(max(s.rss for s in samples) / _MB, 1),
            },
            "bytes_sent_per_client_per_s": (
                round(bytes_sent / span / max(1, clients)) if bytes_sent is not None else None
            ),
            "bytes_sent_per_s": round(bytes_sent / span) if bytes_sent is not None else None,
            "clients": int(_metric(last.metrics, "makaverse_connected_clients") or 0),
            # Each sample's machine figure covers the second before it.
            "machine_cpu_percent": round(sum(b.machine_cpu_percent for _, b in pairs) / len(pairs), 1),
            "machine_cpus": psutil.cpu_count() or 0,
        }
    )
    return out


def server_warnings(figures: dict) -> list[str]:
    """Why the server's figures may be off: a busy machine, a saturated loop, skipped ticks."""
    out = []
    other = figures.get("other_cpu_percent")
    if other is not None and other > 25.0:
        out.append(f"other processes used {other:.0f} % of a CPU during the run: a busy machine skews every figure")
    cpu = figures.get("cpu_percent", {}).get("max_1s")
    if cpu is not None and cpu > 90.0:
        out.append(f"the server's single loop was busy {cpu:.0f} % of some second: it is near its limit")
    overruns = figures.get("ticks", {}).get("overruns")
    if overruns:
        out.append(f"the server skipped ticks {overruns} times (makaverse_tick_overruns)")
    return out


def _snapshot_hz_for(tick_hz: int | None, snapshot_hz: int | None) -> int | None:
    """The server needs tick_hz to be a multiple of snapshot_hz: default to the largest divisor <= 20."""
    if snapshot_hz is not None or tick_hz is None:
        return snapshot_hz
    return max(d for d in range(1, min(tick_hz, 20) + 1) if tick_hz % d == 0)


def run_bench(args: argparse.Namespace, *, log=None) -> tuple[dict, int]:
    """(report, exit code): the bots' report with a `server` section."""
    log = log or (lambda text: print(text, file=sys.stderr, flush=True))
    gateways = getattr(args, "gateways", 0) or 0
    server = LocalServer(
        tick_hz=args.tick_hz,
        snapshot_hz=_snapshot_hz_for(args.tick_hz, args.snapshot_hz),
        extra_args=("--gateways", str(gateways)) if gateways else (),
    )
    try:
        server.start()
    except ServerError:
        server.cleanup()
        raise
    log(f"[bench] server pid {server.pid} on {server.url}")
    watch = ServerWatch(server)
    try:
        watch.start()
        config = config_from_args(args, server.url)
        report = run_bots(config, log=log)
        bots_end = time.time()
        watch.stop()
        try:
            health = server.health()
        except (OSError, ValueError):
            health = {}
    finally:
        watch.stop()
        exit_code, stopped_in_s = server.stop(STOP_TIMEOUT_S)
        log_tail = server.log_tail(5) if exit_code != 0 else ""
        server.cleanup()
    steady_from = report["started_at_unix"] + report["ramp_s"]
    tick_hz = args.tick_hz or 20
    figures = server_figures(
        watch.samples, steady_from=steady_from, end=bots_end, tick_hz=tick_hz, clients=report["connected"]
    )
    figures.update(
        {
            "tick_hz": tick_hz,
            "gateways": gateways,
            "processes": watch.processes,
            "avatars_after_run": health.get("avatars"),
            "exit_code": exit_code,
            "stopped_in_s": None if stopped_in_s is None else round(stopped_in_s, 2),
            "stopped_cleanly": exit_code == 0 and stopped_in_s is not None and stopped_in_s <= STOP_TIMEOUT_S,
        }
    )
    if log_tail:
        figures["log_tail"] = log_tail
    if "machine_cpu_percent" in figures:
        # Whatever else ran on the machine meanwhile (in % of one CPU): a busy machine skews every figure.
        ours = figures["cpu_percent"]["mean"] + sum(report["bot_procs"]["cpu_percent"])
        machine = figures["machine_cpu_percent"] * figures["machine_cpus"]
        figures["other_cpu_percent"] = round(max(0.0, machine - ours), 1)
    report["server"] = figures
    report["warnings"] += server_warnings(figures)
    report["ok"] = report["ok"] and figures["stopped_cleanly"]
    code = 0
    if report["connect_failures"]:
        code = 1
    if not figures["stopped_cleanly"]:
        log(f"[bench] the server did not stop cleanly within {STOP_TIMEOUT_S:g} s (exit code {exit_code})")
        code = 1
    return report, code


def run_bench_cli(args: argparse.Namespace) -> int:
    if args.scenario == "queue":  # clerks and a database check of its own
        from .queue_bench import run_queue_bench_cli

        return run_queue_bench_cli(args)
    if args.scenario == "soak":  # minutes long, with figures every minute and a verdict on leaks
        from .soak import run_soak_cli

        return run_soak_cli(args)
    problem = check_args(args)
    if args.tick_hz is not None and not 1 <= args.tick_hz <= 120:
        problem = "--tick-hz must be between 1 and 120"
    if problem:
        print(f"makaverse bench: {problem}", file=sys.stderr)
        return 2
    try:
        report, code = run_bench(args)
    except ServerError as exc:
        print(f"makaverse bench: {exc}", file=sys.stderr)
        return 2
    print_report(report, args.json)
    return code
