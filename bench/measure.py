"""`makaverse bench --scenario crowd|townhall|services|ceiling --count N`: one measured run.

Each run starts its server in a process of its own (the game server, or the bare transport for
`ceiling`), drives it from load processes (`bench/loadgen.py`), waits until every bot is in and a
warm-up has passed, then measures one steady window and prints one table, or with `--json`
exactly one JSON object. Figures (see docs/performance.md for every field):

- from the server: tick durations over exactly the window (`GET /stats/ticks`; the `/metrics`
  histogram when a server lacks it), CPU and memory of its process tree (psutil);
- from the bots: bytes down and up, snapshots and input → ack latency, per client;
- `ceiling_ratio`: the server's CPU per client-tick over the bare transport's at the same count,
  run in the same invocation (or read from `--ceiling-file`, or left out with `--no-ceiling`).

With `--processes N` (N > 1) the server is N `makaverse serve` processes on PostgreSQL and Redis
(`bench/cluster_server.py`); the bots start round-robin over them and follow redirects; CPU and
memory are summed over every process, ticks read from each (`per_process` has each one's figures).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import psutil

from .cluster_server import DEFAULT_CLUSTER_DB, DEFAULT_CLUSTER_REDIS, BenchCluster
from .loadgen import LoadProcesses, LoadSpec
from .local_server import LocalServer, ServerError, http_get, parse_metrics

__all__ = ["MEASURED_SCENARIOS", "run_measured", "run_measured_cli", "format_measured", "tick_quantiles"]

MEASURED_SCENARIOS = ("crowd", "townhall", "services", "ceiling")
HALL_BOX_M = (-24.0, 14.0, 24.0, 44.0)  # the service hall (world file zone `service-hall`)
STOP_TIMEOUT_S = 10.0
STATS_TIMEOUT_S = 30.0  # a saturated server answers HTTP late, but it answers
_MIB = 1024 * 1024
Log = Callable[[str], None]


def _stderr(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# ── servers ────────────────────────────────────────────────────────────────────
class CeilingProcess(LocalServer):
    """`bench/ceiling.py` in a process of its own, started and stopped like the game server."""

    def __init__(self, *, hz: float = 20.0, frame_bytes: int = 900, **kw) -> None:
        super().__init__(**kw)
        self.hz = hz
        self.frame_bytes = frame_bytes

    def command(self) -> list[str]:
        return [self.python, "-m", "makaverse.bench.ceiling", "--port", "0", "--hz", f"{self.hz:g}",
                "--frame-bytes", str(self.frame_bytes)]


def hall_world_file(directory: Path) -> Path:
    """The packaged world with its spawn points moved into the service hall (a grid clear of the
    counters), so a crowd starts where it is measured."""
    from importlib import resources

    from makaverse.world import load_default_world
    from makaverse.world.loader import DEFAULT_WORLD_FILE

    world = load_default_world()
    xs = np.arange(HALL_BOX_M[0] + 4.0, HALL_BOX_M[2] - 3.9, 3.0)
    ys = np.arange(HALL_BOX_M[1] + 4.0, HALL_BOX_M[3] - 3.9, 3.0)
    grid = np.array([(x, y) for x in xs for y in ys], dtype=np.float64)
    grid = grid[world.placement_ok(grid)]
    text = resources.files("makaverse.world").joinpath(DEFAULT_WORLD_FILE).read_text(encoding="utf-8")
    points = "[" + ", ".join(f"[{x:.1f}, {y:.1f}]" for x, y in grid) + "]"
    text, n = re.subn(r"(\[spawn\][^\[]*?points\s*=\s*)\[\[.*?\]\]", lambda m: m.group(1) + points, text,
                      count=1, flags=re.S)
    if n != 1:
        raise ServerError("could not find the spawn points in the world file")
    path = directory / "hall-spawns.toml"
    path.write_text(text, encoding="utf-8")
    return path


class ServerTree:
    """CPU and memory of the server processes and every process they started (gateways, workers)."""

    def __init__(self, pids: list[int]) -> None:
        self.roots = [psutil.Process(pid) for pid in pids]
        self._seen: dict[int, psutil.Process] = {}
        self._cpu: dict[int, float] = {}

    def processes(self) -> list[psutil.Process]:
        procs = []
        for root in self.roots:
            procs.append(root)
            try:
                procs += root.children(recursive=True)
            except psutil.Error:
                pass
        for p in procs:
            self._seen.setdefault(p.pid, p)
        return [self._seen[p.pid] for p in procs]

    def cpu_s(self) -> float:
        """CPU seconds of every process seen so far (one that has exited counts with its last reading)."""
        for p in self.processes():
            try:
                t = p.cpu_times()
                self._cpu[p.pid] = t.user + t.system
            except psutil.Error:
                pass
        return sum(self._cpu.values())

    def main_cpu_s(self) -> float:
        """CPU seconds of the first server process alone (with gateways: the world's own process)."""
        return self._cpu.get(self.roots[0].pid, 0.0)

    def count(self) -> int:
        return len(self._cpu)

    def rss(self) -> int:
        total = 0
        for p in self.processes():
            try:
                total += p.memory_info().rss
            except psutil.Error:
                pass
        return total


def read_ticks(server: LocalServer | str) -> dict | None:
    """`/stats/ticks` ({"ticks", "recent_s"}), or the `/metrics` histogram as {"hist": ...}, or None
    (`server`: a server, or one process's HTTP base URL)."""
    base = server if isinstance(server, str) else server.http_url
    try:
        return json.loads(http_get(base + "/stats/ticks", timeout_s=STATS_TIMEOUT_S))
    except (OSError, ValueError):
        pass
    try:
        metrics = parse_metrics(http_get(base + "/metrics", timeout_s=STATS_TIMEOUT_S).decode())
    except (OSError, ValueError):
        return None
    return {"hist": {k: v for k, v in metrics.items() if k.startswith("makaverse_tick_duration_seconds")}}


def _hist_quantile(first: dict, last: dict, q: float) -> float | None:
    """Prometheus-style quantile from the change in a histogram's buckets, interpolated within one."""
    prefix = "makaverse_tick_duration_seconds_bucket"
    buckets = sorted(
        (float("inf") if 'le="+Inf"' in k else float(k.split('le="')[1].rstrip('"}')), v - first.get(k, 0.0))
        for k, v in last.items() if k.startswith(prefix)
    )
    if not buckets or buckets[-1][1] <= 0:
        return None
    rank = q * buckets[-1][1]
    lo_le, lo_n = 0.0, 0.0
    for le, n in buckets:
        if n >= rank:
            if math.isinf(le):
                return lo_le
            return lo_le + (le - lo_le) * ((rank - lo_n) / max(1e-9, n - lo_n))
        lo_le, lo_n = le, n
    return None


def _tick_window(first: dict, last: dict) -> list[float]:
    """The durations (s) of the ticks run between two `/stats/ticks` readings (as far as kept)."""
    n = int(last["ticks"] - first["ticks"])
    return last["recent_s"][-n:] if n > 0 else []


def _tick_figures(out: dict, window: list[float]) -> dict:
    if window:
        arr = np.asarray(window) * 1000.0
        out.update(p50=round(float(np.percentile(arr, 50)), 2), p99=round(float(np.percentile(arr, 99)), 2),
                   max=round(float(arr.max()), 2))
    return out


def tick_quantiles(first: dict | None, last: dict | None) -> dict:
    """Tick durations (ms) over the window between two `read_ticks` readings."""
    out: dict[str, Any] = {"p50": None, "p99": None, "max": None, "ticks": 0, "source": None}
    if not first or not last:
        return out
    if "ticks" in first and "ticks" in last:
        window = _tick_window(first, last)
        out.update(ticks=int(last["ticks"] - first["ticks"]), source="stats", covered=len(window))
        return _tick_figures(out, window)
    if "hist" in first and "hist" in last:
        count = "makaverse_tick_duration_seconds_count"
        n = int(last["hist"].get(count, 0) - first["hist"].get(count, 0))
        out.update(ticks=n, source="histogram")
        for key, q in (("p50", 0.5), ("p99", 0.99)):
            v = _hist_quantile(first["hist"], last["hist"], q)
            out[key] = None if v is None else round(v * 1000.0, 2)
    return out


def cluster_ticks(firsts: list[dict | None], lasts: list[dict | None]) -> dict:
    """Several processes' ticks over one window: p50/p99/max over all their ticks together;
    `ticks` is the mean a process ran (each client is ticked by one process), `per_process` has
    each one's own figures."""
    per = [tick_quantiles(a, b) for a, b in zip(firsts, lasts, strict=True)]
    if len(per) == 1:
        return per[0]
    out: dict[str, Any] = {"p50": None, "p99": None, "max": None, "source": per[0]["source"],
                           "ticks": round(sum(p["ticks"] for p in per) / len(per))}
    if all(a and b and "ticks" in a and "ticks" in b for a, b in zip(firsts, lasts, strict=True)):
        window = [d for a, b in zip(firsts, lasts, strict=True) for d in _tick_window(a, b)]  # type: ignore[arg-type]
        _tick_figures(out, window)
    else:  # histograms: the worst process's quantiles
        for key in ("p50", "p99"):
            values = [p[key] for p in per if p[key] is not None]
            out[key] = max(values) if values else None
    out["per_process"] = per
    return out


# ── one run ─────────────────────────────────────────────────────────────────────
@dataclass
class Plan:
    """How one scenario is run: its server, its bots, and any setup or driver of its own."""

    scenario: str
    bot_kind: str
    in_hz: float
    server_args: tuple[str, ...] = ()
    server_env: dict[str, str] = field(default_factory=dict)
    options: dict = field(default_factory=dict)
    modules: tuple[str, ...] = ()  # modules that register the bot kind in the load processes
    ceiling: bool = False
    # Hook once the server is up, before any bot connects (accounts, an event to join).
    after_start: Callable[[LocalServer | BenchCluster, Plan, Log], None] | None = None
    # Called once the window is measured, with the load results: scenario figures for the report.
    finish: Callable[[Plan, list[dict], float], dict] | None = None
    state: dict = field(default_factory=dict)


def plan_for(args: argparse.Namespace, tmp: Path) -> Plan:
    name = args.scenario
    if name == "ceiling":
        return Plan("ceiling", "ceiling", args.in_hz, ceiling=True)
    if name == "crowd":
        world = hall_world_file(tmp)
        inner = (HALL_BOX_M[0] + 1.0, HALL_BOX_M[1] + 1.0, HALL_BOX_M[2] - 1.0, HALL_BOX_M[3] - 1.0)
        return Plan("crowd", "crowd", args.in_hz, server_args=("--world", str(world)), options={"box": inner})
    if name == "townhall":
        from .townhall_load import townhall_plan

        return townhall_plan(args, tmp)
    if name == "services":
        from .services_scenario import services_plan

        return services_plan(args, tmp)
    raise ValueError(f"unknown measured scenario {name!r}")


def make_server(plan: Plan, args: argparse.Namespace, server_args: list[str], env: dict[str, str],
                processes: int) -> LocalServer | BenchCluster:
    """The server (not yet started) for one run: one process on a fresh SQLite file (or `--db`),
    or with `--processes P` > 1, P processes on a fresh schema of the PostgreSQL at `--db` and
    the Redis at `--redis` (`bench/cluster_server.py`)."""
    db = getattr(args, "db", "") or ""
    if plan.ceiling:
        return CeilingProcess(hz=20.0, frame_bytes=args.frame_bytes, extra_env=env)
    if processes > 1:
        return BenchCluster(processes, db_url=db or DEFAULT_CLUSTER_DB,
                            redis_url=getattr(args, "redis", "") or DEFAULT_CLUSTER_REDIS,
                            extra_args=tuple(server_args), extra_env=env)
    return LocalServer(extra_args=tuple(server_args), extra_env=env, db_url=db)


def server_pids(server: LocalServer | BenchCluster) -> list[int]:
    """The processes whose CPU and memory are the server's (each with every process it starts)."""
    return list(server.pids) if isinstance(server, BenchCluster) else [server.pid]


def http_urls(server: LocalServer | BenchCluster) -> tuple[str, ...]:
    return server.http_urls if isinstance(server, BenchCluster) else (server.http_url,)


def default_load_procs(count: int) -> int:
    """About 300 bots per load process, at most one per CPU (see `loadgen_cpu_pct` in the report)."""
    return max(1, min(os.cpu_count() or 1, math.ceil(count / 300)))


def _git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], capture_output=True, text=True, timeout=10,
                             cwd=Path(__file__).resolve().parent)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() or None


def _median(values: list[float]) -> float | None:
    return float(np.median(values)) if values else None


def _scaled(value: float | None, factor: float) -> float | None:
    return None if value is None else value * factor


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None or not math.isfinite(value) else round(value, digits)


def run_one(args: argparse.Namespace, plan: Plan, *, log: Log = _stderr) -> dict:
    """Run `plan` once; the report (without `ceiling_ratio`)."""
    count = args.count
    processes = getattr(args, "processes", 1) or 1
    server_args = list(plan.server_args)
    server_args += shlex.split(getattr(args, "serve_args", "") or "")  # e.g. "--gateways 2 --loop uvloop"
    env = {"MAKAVERSE_MAX_CLIENTS": str(max(1000, count + 100)), "MAKAVERSE_LOG_LEVEL": "WARNING",
           **plan.server_env}
    server = make_server(plan, args, server_args, env, processes)
    load = None
    try:
        server.start()
        pids = server_pids(server)
        tree = ServerTree(pids)
        trees = [ServerTree([pid]) for pid in pids] if len(pids) > 1 else []  # each process's own share
        bases = http_urls(server)
        urls = server.urls if isinstance(server, BenchCluster) else ()
        log(f"[bench] {plan.scenario}: server pid {', '.join(map(str, pids))} on {', '.join(urls or (server.url,))}")
        time.sleep(1.0)
        rss_empty = tree.rss()
        if plan.after_start is not None:
            plan.after_start(server, plan, log)
        procs = args.procs or default_load_procs(count)
        ramp = args.ramp if args.ramp is not None else min(20.0, max(1.0, count / 100.0))
        spec = LoadSpec(url=server.url, kind=plan.bot_kind, count=count, in_hz=plan.in_hz, ramp_s=ramp,
                        seed=args.seed, options=plan.options, urls=urls)
        load = LoadProcesses(spec, procs, modules=plan.modules)
        load.start()
        load_avg_start = os.getloadavg()
        # Connect phase: until every bot is in (or failed), or time is up.
        deadline = time.monotonic() + ramp + max(20.0, count / 20.0)
        last_line = 0.0
        while time.monotonic() < deadline:
            load.poll(0.25)
            entered, failed = load.total("in_world"), load.total("failed")
            if time.monotonic() - last_line >= 1.0:
                log(f"[bench] connecting {int(entered)}/{count}" + (f" (failed {int(failed)})" if failed else ""))
                last_line = time.monotonic()
            if entered + failed >= count and len(load.progress) == load.procs:
                break
        steady_from = time.time() + args.warmup
        steady_to = steady_from + args.duration
        load.measure(steady_from, steady_to)
        plan.state["window"] = (steady_from, steady_to)
        log(f"[bench] {int(load.total('in_world'))}/{count} in; warm-up {args.warmup:g} s")
        _sleep_until(steady_from - 0.05, load)
        # CPU and time are read together; the tick counter may answer late from a busy server, and
        # the tick window is defined by its counts, so that costs nothing.
        cpu0, t0 = tree.cpu_s(), time.time()
        main0 = tree.main_cpu_s()
        each0 = [t.cpu_s() for t in trees]
        ticks0 = [read_ticks(base) for base in bases]
        log(f"[bench] measuring {args.duration:g} s …")
        next_line = t0 + 5.0
        while time.time() < steady_to - 0.05:
            _sleep_until(min(steady_to - 0.05, next_line), load)
            if time.time() >= next_line and time.time() < steady_to - 1.0:
                log(f"[bench] measuring t={time.time() - t0:.0f}s in {int(load.total('in_world'))}/{count}"
                    f" errors {int(load.total('errors'))} disconnects {int(load.total('disconnects'))}"
                    f" load lag {max((p.get('loop_lag_ms', 0) for p in load.progress.values()), default=0):.0f} ms")
                next_line += 5.0
        cpu1, t1 = tree.cpu_s(), time.time()
        main1 = tree.main_cpu_s()
        each1 = [t.cpu_s() for t in trees]
        ticks1 = [read_ticks(base) for base in bases]
        rss_end = tree.rss()
        load_avg_end = os.getloadavg()
        results = load.collect(timeout_s=30.0 + count / 50.0)
        extra = plan.finish(plan, results, t1 - t0) if plan.finish is not None else {}
    finally:
        if load is not None:
            load.stop()
            load.kill()
        code, _ = server.stop(STOP_TIMEOUT_S)
        tail = server.log_tail(5) if code not in (0, None) else ""
        server.cleanup()
    report = build_measured(
        plan, args, results, server_cpu_s=cpu1 - cpu0, window_s=t1 - t0, ticks=cluster_ticks(ticks0, ticks1),
        rss_empty=rss_empty, rss_end=rss_end, load_avg=(load_avg_start, load_avg_end), procs=load.procs,
    )
    report.update(extra)
    if "acked_per_s" in report:  # services: server CPU per acknowledged request, steadier than the rate
        acked = report["acked_per_s"] * report["duration_s"]
        report["server_cpu_ms_per_ack"] = _round(1000.0 * report["server_cpu_s"] / acked, 2) if acked else None
    report["warnings"] = measured_warnings(report)
    # With several server processes (gateways, workers): the first one's own share, and how many.
    report["server_main_cpu_pct"] = _round(100.0 * (main1 - main0) / max(1e-6, t1 - t0))
    report["server_process_count"] = tree.count()
    if trees:
        report["per_process"] = per_process(report, results, urls, [b - a for a, b in zip(each0, each1, strict=True)],
                                            t1 - t0)
    report["server_exit_code"] = code
    if tail:
        report["server_log_tail"] = tail
    return report


def per_process(report: dict, results: list[dict], urls: tuple[str, ...], cpu_s: list[float],
                window_s: float) -> list[dict]:
    """Each server process's share: its CPU, its ticks, the bots in it at the end and (town hall)
    the stage lines' latency of the attendees in it."""
    ticks = report["tick_ms"].get("per_process") or [{}] * len(urls)
    out = []
    for i, url in enumerate(urls):
        bots = sum(r.get("bots_by_url", {}).get(url, 0) for r in results)
        stage = [np.frombuffer(r.get("extra_latency_by", {}).get(url, b""), dtype=np.float32) for r in results]
        row: dict[str, Any] = {
            "process": f"bench-{i + 1}", "url": url, "bots_at_end": bots,
            "cpu_pct": _round(100.0 * cpu_s[i] / max(1e-6, window_s)),
            "tick_ms": {k: ticks[i].get(k) for k in ("p50", "p99", "max", "ticks")},
        }
        samples = np.sort(np.concatenate(stage) * 1000.0) if stage else np.array([])
        if samples.size:
            row["stage_latency_ms"] = {"p50": _round(float(np.percentile(samples, 50))),
                                       "p99": _round(float(np.percentile(samples, 99))), "samples": int(samples.size)}
        out.append(row)
    return out


def _sleep_until(wall: float, load: LoadProcesses) -> None:
    while True:
        left = wall - time.time()
        if left <= 0:
            return
        load.poll(min(0.25, left))


def build_measured(plan: Plan, args, results: list[dict], *, server_cpu_s: float, window_s: float, ticks: dict,
                   rss_empty: int, rss_end: int, load_avg, procs: int) -> dict:
    count = args.count
    windows = [r["window"] for r in results if r.get("window")]
    down = [b for w in windows for b in w["down_bps"]]
    up = [b for w in windows for b in w["up_bps"]]
    snaps = [s for w in windows for s in w["snaps_per_s"]]
    latency = np.concatenate([np.frombuffer(r["latency_s"], dtype=np.float32) for r in results]
                             or [np.zeros(0, np.float32)])
    errors: dict[str, int] = {}
    closes: dict[str, int] = {}
    connect_errors: dict[str, int] = {}
    figures: dict[str, int] = {}
    for r in results:
        for target, source in ((errors, "error_codes"), (closes, "close_codes"), (connect_errors, "connect_errors"),
                               (figures, "figures")):
            for k, v in r[source].items():
                target[k] = target.get(k, 0) + v
    missing = count - sum(r["bots"] for r in results)  # a load process that never reported
    if missing > 0:
        connect_errors["load_process_lost"] = connect_errors.get("load_process_lost", 0) + missing
    clients = len(snaps)
    # The server's work per client: over the clients it served on average through the window (some
    # may have dropped out of it), not only those that stayed.
    served = sum((w.get("in_at_start", 0) + w.get("in_at_end", 0)) / 2.0 for w in windows) or clients
    at_end = sum(w.get("in_at_end", 0) for w in windows) or clients
    # Each load process's CPU over its own window (they line up with the server's to a few ms).
    load_cpu_pct = sum(100.0 * w["cpu_s"] / max(1e-6, w["span_s"]) for w in windows)
    tick_n = ticks.get("ticks") or 0
    ticks["per_s"] = _round(tick_n / max(1e-6, window_s))  # 20 when the server keeps up
    per_client_tick = server_cpu_s / (served * tick_n) if served and tick_n else None
    rss_per_client = (rss_end - rss_empty) / 1024.0 / at_end if at_end else None
    lat = np.sort(np.asarray(latency, dtype=np.float64) * 1000.0)
    missing = sum(r.get("latency_missing", 0) for r in results)
    return {
        "scenario": plan.scenario,
        "count": count,
        "clients_measured": clients,
        "clients_served": _round(float(served)),
        "duration_s": round(window_s, 2),
        "warmup_s": args.warmup,
        "in_hz": plan.in_hz,
        "processes": getattr(args, "processes", 1) or 1,
        "serve_args": getattr(args, "serve_args", "") or "",
        "tick_ms": ticks,
        "server_cpu_pct": _round(100.0 * server_cpu_s / max(1e-6, window_s)),
        "server_cpu_s": round(server_cpu_s, 3),
        "cpu_us_per_client_tick": _round(None if per_client_tick is None else per_client_tick * 1e6, 2),
        "loadgen_cpu_pct": _round(load_cpu_pct),
        "load_procs": procs,
        "down_kbit_s_per_client": {
            "median": _round(_scaled(_median(down), 8 / 1000.0)),
            "max": _round(None if not down else max(down) * 8 / 1000.0),
        },
        "up_kbit_s_per_client": {"median": _round(_scaled(_median(up), 8 / 1000.0))},
        "latency_ms": latency_figures(lat, missing),
        "snapshots_per_s": {"min": _round(min(snaps) if snaps else None, 2), "median": _round(_median(snaps), 2)},
        "rss_mib": _round(rss_end / _MIB),
        "rss_empty_mib": _round(rss_empty / _MIB),
        "rss_kib_per_client": _round(rss_per_client),
        "errors": sum(errors.values()),
        "error_codes": errors,
        "disconnects": sum(closes.values()),
        "close_codes": closes,
        "connect_failures": sum(connect_errors.values()),
        "connect_errors": connect_errors,
        "load_loop_lag_ms_p99": max((r["loop_lag_ms_p99"] or 0.0 for r in results), default=None),
        "scenario_counters": figures,
        "redirects_followed": sum(r.get("redirects_followed", 0) for r in results),
        "ceiling_ratio": None,
        "load_avg": {"start": [round(x, 2) for x in load_avg[0]], "end": [round(x, 2) for x in load_avg[1]]},
        "cpus": psutil.cpu_count() or 0,
        "commit": _git_commit(),
    }


def measured_warnings(r: dict) -> list[str]:
    """Why a run's figures may not mean what they seem (a busy machine, lagging load, a starved server)."""
    out = []
    load = (r.get("load_avg") or {}).get("start") or [0.0]
    cpus = r.get("cpus") or 1
    if load[0] > cpus:
        out.append(f"busy machine: load average {load[0]:.1f} on {cpus} CPUs; wall-clock figures (tick ms, latency, "
                   "snapshots/s) suffer, cpu_us_per_client_tick much less")
    lag = r.get("load_loop_lag_ms_p99")
    if lag is not None and lag > 25.0:
        out.append(f"the load processes' loops ran late (p99 {lag:.0f} ms): some figures may be theirs")
    per_s = (r.get("tick_ms") or {}).get("per_s")
    cpu = r.get("server_cpu_pct") or 0.0
    if per_s is not None and per_s < 19.0 and cpu < 90.0 * (r.get("server_process_count") or 1):
        out.append(f"the server ran {per_s:.1f} ticks a second using only {cpu:.0f} % of a core: it was starved "
                   "of CPU by other processes, not (only) slow")
    missing = (r.get("latency_ms") or {}).get("missing")
    if missing:
        out.append(f"{missing} requests never got their answer before the end (counted as slower than any that did)")
    if r.get("clients_measured", 0) < r.get("count", 0):
        out.append(f"only {r['clients_measured']} of {r['count']} clients were in the world through the window")
    return out


def latency_figures(ordered_ms: np.ndarray, missing: int) -> dict:
    """p50/p99/max of sorted samples, where `missing` ones never came back: they count as slower
    than any that did, so a quantile that falls among them is unknown (None)."""
    total = int(ordered_ms.size) + missing

    def pct(q: float) -> float | None:
        n = int(math.ceil(q * total))
        return _round(float(ordered_ms[max(0, n - 1)])) if total and n <= ordered_ms.size else None

    return {
        "p50": pct(0.5),
        "p99": pct(0.99),
        "max": _round(float(ordered_ms[-1])) if ordered_ms.size and not missing else None,
        "samples": int(ordered_ms.size),
        "missing": missing,
    }


# ── the command ──────────────────────────────────────────────────────────────────
def _ceiling_from_file(path: str, count: int, log: Log) -> dict | None:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        log(f"[bench] could not read the ceiling file {path}: {exc}")
        return None
    if data.get("scenario") != "ceiling":
        log(f"[bench] {path} is not a ceiling result")
        return None
    if data.get("count") != count:
        log(f"[bench] note: the ceiling in {path} ran with {data.get('count')} clients, this run with {count}")
    return data


def run_measured(args: argparse.Namespace, *, log: Log = _stderr) -> dict:
    with tempfile.TemporaryDirectory(prefix="makaverse-measure-") as tmp:
        args.tmp = tmp
        plan = plan_for(args, Path(tmp))
        report = run_one(args, plan, log=log)
        if plan.ceiling:
            report["ceiling_ratio"] = 1.0
            return report
        ceiling = None
        if args.ceiling_file:
            ceiling = _ceiling_from_file(args.ceiling_file, args.count, log)
        elif not args.no_ceiling:
            log(f"[bench] the floor: ceiling at {args.count} clients")
            ceiling_args = argparse.Namespace(**{**vars(args), "scenario": "ceiling", "processes": 1})
            ceiling = run_one(ceiling_args, plan_for(ceiling_args, Path(tmp)), log=log)
        if ceiling is not None:
            mine, floor = report.get("cpu_us_per_client_tick"), ceiling.get("cpu_us_per_client_tick")
            report["ceiling_ratio"] = round(mine / floor, 2) if mine and floor else None
            report["ceiling"] = {k: ceiling.get(k) for k in (
                "count", "clients_measured", "server_cpu_pct", "cpu_us_per_client_tick", "tick_ms", "loadgen_cpu_pct",
                "snapshots_per_s", "down_kbit_s_per_client", "commit")}
        return report


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) < 10 else f"{value:,.1f}"
    if isinstance(value, dict):
        return ", ".join(f"{k} {_fmt(v)}" for k, v in value.items()) or "-"
    if isinstance(value, list):
        return ", ".join(_fmt(v) for v in value) or "-"
    return str(value)


def format_measured(r: dict) -> str:
    rows = [
        ("scenario", f"{r['scenario']}: {r['count']} clients ({r['clients_measured']} through the window), "
         f"{_fmt(r['duration_s'])} s after a {_fmt(r['warmup_s'])} s warm-up, inputs {_fmt(r['in_hz'])} Hz"),
        ("tick ms", _fmt(r["tick_ms"])),
        ("server CPU %", f"{_fmt(r['server_cpu_pct'])} of one core ({r['processes']} process(es)); "
         f"{_fmt(r['cpu_us_per_client_tick'])} µs CPU per client-tick"),
        ("ceiling ratio", _fmt(r["ceiling_ratio"]) + (f"  (floor {_fmt(r['ceiling']['cpu_us_per_client_tick'])} µs "
                                                       f"per client-tick, {_fmt(r['ceiling']['server_cpu_pct'])} % CPU)"
                                                       if r.get("ceiling") else "")),
        ("snapshots/s per client", _fmt(r["snapshots_per_s"])),
        ("down kbit/s per client", _fmt(r["down_kbit_s_per_client"])),
        ("up kbit/s per client", _fmt(r["up_kbit_s_per_client"])),
        ("latency ms", _fmt(r["latency_ms"]) + f"  ({r.get('latency_kind', 'input → ack')})"),
        ("server RSS MiB", f"{_fmt(r['rss_mib'])} (empty {_fmt(r['rss_empty_mib'])}); "
         f"{_fmt(r['rss_kib_per_client'])} KiB per client"),
        ("errors", f"{r['errors']} {_fmt(r['error_codes']) if r['errors'] else ''}".strip()),
        ("disconnects", f"{r['disconnects']} {_fmt(r['close_codes']) if r['disconnects'] else ''}".strip()),
        ("connect failures", f"{r['connect_failures']} {_fmt(r['connect_errors']) if r['connect_failures'] else ''}"
         .strip()),
        ("load generator", f"{_fmt(r['loadgen_cpu_pct'])} % of one core in {r['load_procs']} process(es); "
         f"loop lag p99 {_fmt(r['load_loop_lag_ms_p99'])} ms"),
    ]
    if "acked_per_s" in r:
        rows.insert(2, ("acked/s", _fmt(r["acked_per_s"])))
    for section in ("townhall", "services"):
        if r.get(section):
            rows.append((section, _fmt(r[section])))
    for row in r.get("per_process") or []:
        rows.append((row["process"], f"{_fmt(row['cpu_pct'])} % CPU, {row['bots_at_end']} bots, tick ms "
                     f"{_fmt(row['tick_ms'])}" + (f"; stage latency ms {_fmt(row['stage_latency_ms'])}"
                                                  if row.get("stage_latency_ms") else "")))
    if r.get("redirects_followed"):
        rows.append(("redirects followed", str(r["redirects_followed"])))
    rows += [("warning", w) for w in r.get("warnings", [])]
    if r.get("scenario_counters"):
        rows.append(("scenario counters", _fmt(r["scenario_counters"])))
    rows.append(("machine", f"{r['cpus']} CPUs, load average {_fmt(r['load_avg']['start'])} → "
                 f"{_fmt(r['load_avg']['end'])}; commit {_fmt(r['commit'])}"))
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)


def check_measured_args(args: argparse.Namespace) -> str | None:
    if args.count < 1 or args.duration <= 0 or args.warmup < 0:
        return "--count must be at least 1, --duration positive and --warmup not negative"
    if args.in_hz < 0 or args.in_hz > 60:
        return "--in-hz must be between 0 and 60"
    if (getattr(args, "processes", 1) or 1) < 1:
        return "--processes must be at least 1"
    return None


def run_measured_cli(args: argparse.Namespace) -> int:
    problem = check_measured_args(args)
    if problem:
        print(f"makaverse bench: {problem}", file=sys.stderr)
        return 2
    try:
        report = run_measured(args)
    except ServerError as exc:
        print(f"makaverse bench: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report), flush=True)
    else:
        print(format_measured(report), flush=True)
    return 0 if report["connect_failures"] == 0 and report["clients_measured"] > 0 else 1
