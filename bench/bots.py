"""`makaverse bots`: N bots against a running server, spread over one or more processes, with
progress on stderr and one report at the end (a table, or one JSON object on stdout).

Each process runs its share of the bots as coroutines on one event loop and watches that loop's
own lag, so a report shows whether the bots, rather than the server, were the bottleneck.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import multiprocessing as mp
import os
import queue as queue_mod
import signal
import socket
import sys
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from makaverse.world import load_default_world

from .bot import BotPlan, BotStats, PositionCheck, run_bot
from .loops import run as run_loop
from .report import build_report, format_report, quantiles, summarise_bot
from .scenarios import SCENARIOS, scenario_names

__all__ = ["RunConfig", "run_bots", "run_group", "run_bots_cli", "default_procs", "default_ramp_s"]

_LAG_PROBE_S = 0.05  # how often each bot process checks its own loop for lag
_START_MARGIN_S = 0.3  # between "go" and the first connect, so every process starts on time
_READY_TIMEOUT_S = 60.0


def default_procs(count: int) -> int:
    """One process per 100 bots, at most one per CPU: one Python loop handles about 100 bots at 20 Hz
    with little lag on a small machine (see the report's bot loop lag)."""
    return max(1, min(os.cpu_count() or 1, math.ceil(count / 100)))


def default_ramp_s(count: int) -> float:
    """Connects are spread so a few hundred bots don't all handshake at once (about 100 a second)."""
    return min(2.0, max(0.5, count / 100))


@dataclass(frozen=True, slots=True)
class RunConfig:
    url: str
    count: int
    duration_s: float  # with every bot connected, after the ramp
    scenario: str = "wander"
    procs: int | None = None  # None: `default_procs(count)`
    ramp_s: float | None = None  # None: `default_ramp_s(count)`
    seed: int = 1
    progress_s: float = 5.0  # 0: no progress lines
    name_prefix: str = "bot"
    session_s: tuple[float, float] | None = None  # visits of this many seconds, reconnecting between

    @property
    def processes(self) -> int:
        return max(1, min(self.count, default_procs(self.count) if self.procs is None else self.procs))

    @property
    def ramp(self) -> float:
        return default_ramp_s(self.count) if self.ramp_s is None else self.ramp_s


Progress = Callable[[dict], None]


async def run_group(config: RunConfig, indices: list[int], start_wall: float, progress: Progress | None = None) -> dict:
    """Run the bots numbered `indices` in this process; the run starts at `start_wall` (Unix time).

    Returns the bots' summaries, all ack latency samples, and this process's own figures.
    """
    loop = asyncio.get_running_loop()
    world = load_default_world()
    t0 = loop.time() + (start_wall - time.time())
    end_at = t0 + config.ramp + config.duration_s
    positions = PositionCheck(world)
    stats = [BotStats(index=i) for i in indices]
    plans = [
        BotPlan(
            index=i,
            url=config.url,
            scenario=config.scenario,
            connect_at=t0 + config.ramp * i / max(1, config.count),
            end_at=end_at,
            seed=config.seed * 1_000_003 + i,
            name=f"{config.name_prefix}-{i:04d}",
            session_s=config.session_s,
        )
        for i in indices
    ]
    lags: list[float] = []
    cpu0, wall0 = time.process_time(), time.perf_counter()
    monitors = [asyncio.create_task(_watch_lag(lags))]
    if progress is not None and config.progress_s > 0:
        monitors.append(asyncio.create_task(_report_progress(config, t0, end_at, stats, lags, progress)))
    try:
        await asyncio.gather(*(run_bot(plan, world, s, positions) for plan, s in zip(plans, stats, strict=True)))
    finally:
        for task in monitors:
            task.cancel()
        await asyncio.gather(*monitors, return_exceptions=True)
    positions.flush()
    wall = time.perf_counter() - wall0
    latencies = [np.array(s.ack_latency_s, dtype=np.float32) for s in stats]
    return {
        "bots": [summarise_bot(s) for s in stats],
        "ack_latency_s": np.concatenate(latencies) if latencies else np.empty(0, dtype=np.float32),
        "proc": {
            "pid": os.getpid(),
            "bots": len(indices),
            "wall_s": round(wall, 2),
            "cpu_percent": round(100.0 * (time.process_time() - cpu0) / max(wall, 1e-9), 1),
            "loop_lag_ms": quantiles(lags, (0.5, 0.99, 1.0), scale=1000.0),
            "positions": {
                "checked": positions.checked,
                "inside_solid": positions.inside_solid,
                "outside_grounds": positions.outside_grounds,
                "examples": positions.examples,
            },
        },
    }


async def _watch_lag(lags: list[float]) -> None:
    """How late this loop wakes from a short sleep: the bots' own scheduling delay."""
    loop = asyncio.get_running_loop()
    while True:
        due = loop.time() + _LAG_PROBE_S
        await asyncio.sleep(_LAG_PROBE_S)
        lags.append(max(0.0, loop.time() - due))


async def _report_progress(
    config: RunConfig, t0: float, end_at: float, stats: list[BotStats], lags: list[float], progress: Progress
) -> None:
    loop = asyncio.get_running_loop()
    step = config.progress_s
    mark = 1
    seen_snaps = {s.index: 0 for s in stats}
    seen_acks = {s.index: 0 for s in stats}
    seen_lags = 0
    while t0 + mark * step < end_at - 0.5:
        since = t0 + (mark - 1) * step
        await asyncio.sleep(max(0.0, t0 + mark * step - loop.time()))
        now = loop.time()
        rates = []
        for s in stats:
            # A rate over less than a second says little.
            span = now - max(since, s.welcome_at)
            if s.connected and not s.ended_at and span >= 1.0:
                rates.append((s.snapshots - seen_snaps[s.index]) / span)
            seen_snaps[s.index] = s.snapshots
        # Slices copy: a numpy view would pin the array, and the bot's next append would fail.
        acks: list[float] = []
        for s in stats:
            acks.extend(s.ack_latency_s[seen_acks[s.index] :: 7])
            seen_acks[s.index] = len(s.ack_latency_s)
        recent = lags[seen_lags:]
        seen_lags = len(lags)
        progress(
            {
                "mark": mark,
                "t_s": round(mark * step, 1),
                "connected": sum(1 for s in stats if s.connected and not s.ended_at),
                "failed": sum(1 for s in stats if s.connect_error),
                "errors": sum(sum(s.error_codes.values()) + sum(s.exceptions.values()) for s in stats),
                "disconnects": sum(1 for s in stats if s.disconnect_code is not None),
                "rates": rates,
                # A sample, not all: enough for a median, small enough to pass between processes.
                "acks": acks,
                "lag_max_ms": round(1000.0 * max(recent, default=0.0), 1),
            }
        )
        mark += 1


class _ProgressPrinter:
    """Merges progress from every bot process, mark by mark, into one line on stderr."""

    def __init__(self, config: RunConfig, procs: int, out=sys.stderr) -> None:
        self.config = config
        self.procs = procs
        self.out = out
        self.pending: dict[int, list[dict]] = {}

    def __call__(self, item: dict) -> None:
        parts = self.pending.setdefault(item["mark"], [])
        parts.append(item)
        if len(parts) == self.procs:
            del self.pending[item["mark"]]
            self._print(parts)

    def _print(self, parts: list[dict]) -> None:
        rates = np.array([r for p in parts for r in p["rates"]])
        snaps = f"min {rates.min():.1f} median {np.median(rates):.1f}" if rates.size else "-"
        acks = np.array([a for p in parts for a in p["acks"]])
        ack = f"{1000 * np.median(acks):.0f} ms" if acks.size else "-"
        print(
            f"[bots] t={parts[0]['t_s']:.0f}s in world {sum(p['connected'] for p in parts)}/{self.config.count}"
            f" failed {sum(p['failed'] for p in parts)} | snapshots/s per bot {snaps}"
            f" | ack p50 {ack} | errors {sum(p['errors'] for p in parts)}"
            f" disconnects {sum(p['disconnects'] for p in parts)}"
            f" | bot loop lag max {max(p['lag_max_ms'] for p in parts):.0f} ms",
            file=self.out,
            flush=True,
        )


def run_bots(config: RunConfig, *, log=None) -> dict:
    """Run the whole load (in this process, or split over `config.procs` processes) and report."""
    log = log or (lambda text: print(text, file=sys.stderr, flush=True))
    if config.scenario not in SCENARIOS:
        raise ValueError(f"unknown scenario {config.scenario!r} (known: {', '.join(scenario_names())})")
    procs = config.processes
    printer = _ProgressPrinter(config, procs)
    log(
        f"[bots] {config.count} bots, scenario {config.scenario}, {config.duration_s:g} s after a "
        f"{config.ramp:g} s ramp, {procs} process{'es' if procs > 1 else ''}, against {config.url}"
    )
    if procs == 1:
        start_wall = time.time() + 0.05
        results = [run_loop(run_group(config, list(range(config.count)), start_wall, printer))]
    else:
        start_wall, results = _run_in_processes(config, procs, printer, log)
    bots = sorted((b for r in results for b in r["bots"]), key=lambda b: b["index"])
    latencies = [r["ack_latency_s"] for r in results]
    return build_report(
        url=config.url,
        scenario=config.scenario,
        count=config.count,
        duration_s=config.duration_s,
        ramp_s=config.ramp,
        started_at_unix=start_wall,
        bots=bots,
        ack_latency_s=np.concatenate(latencies) if latencies else np.empty(0),
        procs=[r["proc"] for r in results],
    )


def _run_in_processes(config: RunConfig, procs: int, printer: _ProgressPrinter, log) -> tuple[float, list[dict]]:
    ctx = mp.get_context("spawn")  # a clean interpreter per process: no inherited loop or sockets
    events = ctx.Queue()
    go = ctx.Event()
    start = ctx.Value("d", 0.0)
    indices = list(range(config.count))
    workers = [
        ctx.Process(
            target=_worker_main,
            args=(config, w, indices[w::procs], go, start, events),
            name=f"makaverse-bots-{w}",
            daemon=True,
        )
        for w in range(procs)
    ]
    for p in workers:
        p.start()
    results: dict[int, dict] = {}
    try:
        ready: set[int] = set()
        deadline = time.monotonic() + _READY_TIMEOUT_S
        while len(ready) < procs:
            kind, wid, _ = events.get(timeout=max(0.1, deadline - time.monotonic()))
            if kind == "ready":
                ready.add(wid)
        start.value = time.time() + _START_MARGIN_S
        go.set()
        deadline = time.monotonic() + _START_MARGIN_S + config.ramp + config.duration_s + 30.0
        while len(results) < procs and time.monotonic() < deadline:
            try:
                kind, wid, payload = events.get(timeout=0.5)
            except queue_mod.Empty:
                if all(not p.is_alive() for w, p in enumerate(workers) if w not in results):
                    break
                continue
            if kind == "progress":
                printer(payload)
            elif kind == "done":
                results[wid] = payload
        for w, p in enumerate(workers):
            if w not in results:
                log(f"[bots] process {w} ended without a report (exit code {p.exitcode})")
    except queue_mod.Empty:
        log("[bots] bot processes did not start in time")
    finally:
        for p in workers:
            p.join(timeout=5.0)
            if p.is_alive():
                p.kill()
    return start.value or time.time(), [results[w] for w in sorted(results)]


def _worker_main(config: RunConfig, wid: int, indices: list[int], go, start, events) -> None:
    # Ctrl-C goes to the whole process group; the parent decides what happens.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    load_default_world()  # import and parse before the start, not during the ramp
    events.put(("ready", wid, None))
    if not go.wait(timeout=_READY_TIMEOUT_S):
        return
    result = run_loop(run_group(config, indices, start.value, lambda item: events.put(("progress", wid, item))))
    events.put(("done", wid, result))


# ── command line ──────────────────────────────────────────────────────────────
def config_from_args(args: argparse.Namespace, url: str) -> RunConfig:
    return RunConfig(
        url=url,
        count=args.count,
        duration_s=args.duration,
        scenario=args.scenario,
        procs=args.procs,
        ramp_s=args.ramp,
        seed=args.seed,
    )


def check_args(args: argparse.Namespace) -> str | None:
    """A usage error's text, or None."""
    if args.scenario not in SCENARIOS:
        return f"unknown scenario {args.scenario!r} (known: {', '.join(scenario_names())})"
    if args.count < 1 or args.duration <= 0 or (args.procs is not None and args.procs < 1):
        return "--count and --procs must be at least 1 and --duration positive"
    return None


def print_report(report: dict, as_json: bool) -> None:
    if as_json:
        print(json.dumps(report), flush=True)
    else:
        print(format_report(report), flush=True)


def server_problem(url: str, *, timeout_s: float = 5.0) -> str:
    """Why nothing can be run against `url` (nothing listens there), or '' when something answers."""
    parts = urllib.parse.urlsplit(url)
    port = parts.port or (443 if parts.scheme == "wss" else 80)
    try:
        socket.create_connection((parts.hostname or "127.0.0.1", port), timeout=timeout_s).close()
    except OSError as exc:
        return f"the server at {url} does not answer: {exc.strerror or exc}"
    return ""


def run_bots_cli(args: argparse.Namespace) -> int:
    if args.scenario == "townhall":  # a coordinated event (host and attendees), not independent bots
        from .townhall import run_townhall_cli

        return run_townhall_cli(args)
    problem = check_args(args)
    if problem:
        print(f"makaverse bots: {problem}", file=sys.stderr)
        return 2
    unreachable = server_problem(args.url)
    if unreachable:
        # A start-up error in one line, not a report of a thousand failed connects.
        print(f"makaverse bots: error: {unreachable}", file=sys.stderr)
        return 1
    report = run_bots(config_from_args(args, args.url))
    print_report(report, args.json)
    return 0 if report["connect_failures"] == 0 else 1
