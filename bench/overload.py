"""`makaverse bench --scenario overload --count N`: twice what the server says it can hold.

1. Starts the server (the crowd's world, spawns in the service hall) with `--capacity-auto` and a
   `--full-url` for its refusals to name (`--full-url`, by default a placeholder: this bench has
   one server, so the point is that the refusal names *a* place).
2. **Calibrates**: N walking crowd bots join; the bench waits until the server has measured what
   a player costs (`/healthz` `capacity.measurements` >= 2, i.e. steady stretches after the join
   burst) and reads the capacity C it reports there. A configured `--capacity-players` caps C.
3. **Overloads**: newcomers join until `--factor` (2) x C bots have tried, all at once (the
   usual ramp, count / 100 s): the server should let in up to C and refuse the rest with `full`.
4. Measures the usual steady window over every bot that got in, and samples `/healthz` every
   second from step 3 to the end: players, capacity, load, detail level, inputs waiting in the
   simulation and bytes unread in the server's sockets (the input backlog, which must stay bounded).

The JSON is the measured scenarios' (`latency_ms` and `snapshots_per_s` are over the admitted
bots) plus `overload`: the capacity measured, bots driven, admitted, refused with `full` (and how
many refusals named a place), the `/healthz` series and the verdict on target 2 of the crowds issue
(admitted snapshots/s min >= 15, input -> ack p99 < 250 ms, no standing input queue).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shlex
import sys
import tempfile
import threading
import time
from pathlib import Path

from .loadgen import LoadProcesses, LoadSpec
from .local_server import LocalServer, ServerError, http_get
from .measure import (
    STOP_TIMEOUT_S,
    Log,
    Plan,
    ServerTree,
    _round,
    _stderr,
    build_measured,
    default_load_procs,
    measured_warnings,
    plan_for,
    read_ticks,
    tick_quantiles,
)

__all__ = ["run_overload", "overload_verdict", "DEFAULT_FULL_URL"]

DEFAULT_FULL_URL = "ws://overflow.example:8765/"
CALIBRATE_TIMEOUT_S = 90.0
MIN_SNAPSHOTS_PER_S = 15.0  # target 2: what admitted clients keep at twice the capacity
MAX_ACK_P99_MS = 250.0
# Unread bytes per admitted client that still count as "no standing queue": a few inputs' worth
# (an input is about 60 bytes on the wire) caught between two reads.
BACKLOG_BYTES_PER_CLIENT = 256


def health(server: LocalServer) -> dict | None:
    try:
        return json.loads(http_get(server.http_url + "/healthz", timeout_s=10.0))
    except (OSError, ValueError):
        return None


class HealthSampler(threading.Thread):
    """`/healthz` once a second (a busy server answers late: samples are as they come)."""

    def __init__(self, server: LocalServer, t0: float) -> None:
        super().__init__(name="healthz-sampler", daemon=True)
        self.server = server
        self.t0 = t0
        self.samples: list[dict] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            h = health(self.server)
            cap = (h or {}).get("capacity")
            if cap:
                self.samples.append({"t_s": round(time.time() - self.t0, 1), **{k: cap.get(k) for k in (
                    "players", "capacity", "load", "steady_load", "level", "input_backlog", "receive_backlog_bytes")}})
            self.stop.wait(1.0)


def _poll(groups: list[LoadProcesses], seconds: float) -> None:
    end = time.monotonic() + seconds
    while True:
        for g in groups:
            g.poll(0.0)
        left = end - time.monotonic()
        if left <= 0:
            return
        time.sleep(min(0.1, left))


def _total(groups: list[LoadProcesses], key: str) -> int:
    return int(sum(g.total(key) for g in groups))


def _start_group(server: LocalServer, plan: Plan, args: argparse.Namespace, count: int, seed: int, *,
                 go: bool = True) -> LoadProcesses:
    ramp = args.ramp if args.ramp is not None else min(20.0, max(1.0, count / 100.0))
    spec = LoadSpec(url=server.url, kind=plan.bot_kind, count=count, in_hz=plan.in_hz, ramp_s=ramp, seed=seed,
                    options=plan.options)
    group = LoadProcesses(spec, args.procs or default_load_procs(count), modules=plan.modules)
    group.start(go=go)
    return group


def _wait_in(groups: list[LoadProcesses], expected: int, log: Log, what: str) -> None:
    deadline = time.monotonic() + 30.0 + expected / 20.0
    last = 0.0
    while time.monotonic() < deadline:
        _poll(groups, 0.25)
        entered, failed = _total(groups, "in_world"), _total(groups, "failed")
        if time.monotonic() - last >= 1.0:
            log(f"[bench] {what}: {entered} in, {failed} refused or failed")
            last = time.monotonic()
        if entered + failed >= expected and all(len(g.progress) == g.procs for g in groups):
            return


def _calibrate(server: LocalServer, groups: list[LoadProcesses], log: Log, *, after: int = 0) -> dict:
    """Wait for the server's own measure of what it can hold (two measurements more than
    `after`); its /healthz capacity block."""
    deadline = time.monotonic() + CALIBRATE_TIMEOUT_S
    cap: dict = {}
    while time.monotonic() < deadline:
        _poll(groups, 1.0)
        cap = (health(server) or {}).get("capacity") or {}
        log(f"[bench] calibrating: {cap.get('players')} players, load {cap.get('load')}, "
            f"measurements {cap.get('measurements')}, capacity {cap.get('capacity')}")
        if cap.get("measurements", 0) >= after + 2 or (cap.get("configured") and cap.get("steady")):
            return cap
    raise ServerError("the server did not measure its capacity in time (fewer than 50 bots in? use a larger "
                      "--count, or --serve-args \"--capacity-players N\")")


def run_overload(args: argparse.Namespace, *, log: Log = _stderr) -> dict:
    with tempfile.TemporaryDirectory(prefix="makaverse-overload-") as tmp:
        crowd = argparse.Namespace(**{**vars(args), "scenario": "crowd"})
        plan = plan_for(crowd, Path(tmp))
        plan.scenario = "overload"
        full_url = getattr(args, "full_url", "") or DEFAULT_FULL_URL
        server_args = [*plan.server_args, "--capacity-auto", "--full-url", full_url,
                       *shlex.split(getattr(args, "serve_args", "") or "")]
        factor = getattr(args, "factor", 2.0) or 2.0
        env = {"MAKAVERSE_MAX_CLIENTS": "5000", "MAKAVERSE_LOG_LEVEL": "WARNING"}
        server = LocalServer(extra_args=tuple(server_args), extra_env=env)
        groups: list[LoadProcesses] = []
        sampler: HealthSampler | None = None
        try:
            server.start()
            tree = ServerTree([server.pid])
            log(f"[bench] overload: server pid {server.pid} on {server.url}")
            time.sleep(1.0)
            rss_empty = tree.rss()
            probe = args.count
            groups.append(_start_group(server, plan, args, probe, args.seed))
            _wait_in(groups, probe, log, "calibration crowd")
            first = _calibrate(server, groups, log)
            driven = max(probe, int(math.ceil(factor * int(first["capacity"]))))
            # The newcomers' load processes start now and wait: their start-up costs CPU that the
            # server would count against its players, so it measures again once they are idle.
            newcomers = None
            if driven > probe:
                log(f"[bench] the server says it holds {first['capacity']}: starting {driven - probe} newcomers")
                newcomers = _start_group(server, plan, args, driven - probe, args.seed + 7919, go=False)
                groups.append(newcomers)
            measured = _calibrate(server, groups, log, after=int(first.get("measurements") or 0))
            capacity = int(measured["capacity"])
            log(f"[bench] the server says it holds {capacity}; driving {driven} …")
            sampler = HealthSampler(server, time.time())
            sampler.start()
            if newcomers is not None:
                newcomers.go()
            _wait_in(groups, driven, log, "overload")
            steady_from = time.time() + args.warmup
            steady_to = steady_from + args.duration
            for g in groups:
                g.measure(steady_from, steady_to)
            load_avg_start = os.getloadavg()
            _poll(groups, max(0.0, steady_from - 0.05 - time.time()))
            cpu0, t0, ticks0 = tree.cpu_s(), time.time(), read_ticks(server)
            log(f"[bench] measuring {args.duration:g} s …")
            _poll(groups, max(0.0, steady_to - 0.05 - time.time()))
            cpu1, t1, ticks1 = tree.cpu_s(), time.time(), read_ticks(server)
            rss_end = tree.rss()
            load_avg_end = os.getloadavg()
            results = [r for g in groups for r in g.collect(timeout_s=30.0 + driven / 50.0)]
            sampler.stop.set()
            sampler.join(timeout=15.0)
        finally:
            if sampler is not None:
                sampler.stop.set()
            for g in groups:
                g.stop()
                g.kill()
            code, _ = server.stop(STOP_TIMEOUT_S)
            server.cleanup()
    totals = argparse.Namespace(**{**vars(args), "count": driven, "in_hz": plan.in_hz})
    report = build_measured(
        plan, totals, results, server_cpu_s=cpu1 - cpu0, window_s=t1 - t0, ticks=tick_quantiles(ticks0, ticks1),
        rss_empty=rss_empty, rss_end=rss_end, load_avg=(load_avg_start, load_avg_end),
        procs=sum(g.procs for g in groups),
    )
    full = {"refused": 0, "named_a_place": 0}
    places: set[str] = set()
    for r in results:
        f = r.get("full") or {}
        full["refused"] += f.get("refused", 0)
        full["named_a_place"] += f.get("named_a_place", 0)
        places.update(f.get("places", []))
    samples = sampler.samples if sampler is not None else []
    report["overload"] = {
        "calibration_bots": probe,
        "capacity_measured": capacity,  # what the server said when the newcomers came
        "capacity_first_reading": int(first["capacity"]),  # what `driven` was sized from
        "calibration": measured,
        "factor": factor,
        "factor_achieved": _round(driven / max(1, capacity), 2),
        "driven": driven,
        "admitted": report["clients_measured"],
        "refused_full": full["refused"],
        "full_named_a_place": full["named_a_place"],
        "full_places": sorted(places),
        "healthz": samples,
        "input_backlog_max": max((s["input_backlog"] or 0 for s in samples), default=None),
        "receive_backlog_bytes_max": max((s["receive_backlog_bytes"] or 0 for s in samples), default=None),
        "level_max": max((s["level"] or 0 for s in samples), default=None),
    }
    report["overload"]["verdict"] = overload_verdict(report)
    report["warnings"] = measured_warnings(report)
    report["server_exit_code"] = code
    report["server_cpu_pct_of_window"] = _round(100.0 * (cpu1 - cpu0) / max(1e-6, t1 - t0))
    return report


def overload_verdict(r: dict) -> dict:
    """Target 2, item by item (None: not measured)."""
    o = r["overload"]
    snaps = (r.get("snapshots_per_s") or {}).get("min")
    p99 = (r.get("latency_ms") or {}).get("p99")
    admitted = max(1, o.get("admitted") or 0)
    unread = o.get("receive_backlog_bytes_max")
    waiting = o.get("input_backlog_max")
    return {
        "snapshots_min_ge_15": None if snaps is None else snaps >= MIN_SNAPSHOTS_PER_S,
        "ack_p99_lt_250_ms": None if p99 is None else p99 < MAX_ACK_P99_MS,
        "refused_beyond_capacity": o["refused_full"] > 0 if o["driven"] > o["capacity_measured"] else None,
        "every_full_named_a_place": o["refused_full"] == o["full_named_a_place"] if o["refused_full"] else None,
        "input_backlog_bounded": None if waiting is None else (
            waiting <= admitted and (unread is None or unread <= BACKLOG_BYTES_PER_CLIENT * admitted)),
    }


def format_overload(r: dict) -> str:
    from .measure import format_measured

    o = r["overload"]
    lines = [format_measured(r), "",
             f"overload: measured capacity {o['capacity_measured']} (with {o['calibration_bots']} walking), "
             f"drove {o['driven']} ({o['factor_achieved']:g}x): {o['admitted']} admitted, "
             f"{o['refused_full']} refused `full` "
             f"({o['full_named_a_place']} naming {', '.join(o['full_places']) or 'nothing'})",
             f"input backlog: max {o['input_backlog_max']} inputs waiting, max {o['receive_backlog_bytes_max']} bytes "
             f"unread in sockets; detail level max {o['level_max']}",
             "verdict: " + ", ".join(f"{k} {v}" for k, v in o["verdict"].items())]
    return "\n".join(lines)


def run_overload_cli(args: argparse.Namespace) -> int:
    try:
        report = run_overload(args)
    except ServerError as exc:
        print(f"makaverse bench: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(report) if args.json else format_overload(report), flush=True)
    return 0 if report["clients_measured"] > 0 else 1
