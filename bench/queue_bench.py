"""`makaverse bench --scenario queue --count 100 --staff 4 --duration 60`: a server of its own,
clerk accounts made with `makaverse admin create-user`, citizen bots (`queue`) and clerk bots
(`queue-staff`) in one process, then the database read back with sqlite3 and checked against
what the bots were told:

- no ticket lost: every ticket a citizen got a reply for is in the database, and ends served,
  a no-show, left, or still waiting or called when the run stopped;
- none called twice: no ticket reached two clerks' call replies or two "called" pushes;
- every acknowledged request is in the database exactly once (and retries made no second one);
- figures: requests handled per second, and call-to-arrival time (from the database).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

from makaverse.world import load_default_world

from .bench import server_figures
from .bots import RunConfig, run_group
from .local_server import LocalServer, ServerError, ServerWatch
from .queue import LEDGER, STAFF_PASSWORD, queue_opds, username_for
from .report import quantiles

__all__ = ["run_queue_bench", "run_queue_bench_cli", "check_database"]

STOP_TIMEOUT_S = 5.0
TEST_MODE_ENV = "MAKAVERSE_TEST_MODE"  # the server's switch for cheap password hashing
SETTLE_S = 1.5  # after the bots close, for the last writes to land before the server stops
_ENDED = {"served", "no_show", "left"}
_OPEN = {"waiting", "called"}


class _QueueServer(LocalServer):
    @property
    def db_file(self) -> Path:
        assert self._tmp is not None
        return Path(self._tmp.name) / "bench.db"


def _restore_env(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


def _create_clerks(db_url: str, count: int, opds: list[str], log) -> list[str]:
    names = []
    for i in range(count):
        name = f"clerk-{i:04d}"
        username = username_for(name)
        cmd = [
            sys.executable, "-m", "makaverse", "admin", "create-user", "--db", db_url, "--username", username,
            "--role", "staff", "--opd", opds[i % len(opds)], "--display-name", name, "--password", STAFF_PASSWORD,
        ]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=60, env={**os.environ, TEST_MODE_ENV: "1"})
        if done.returncode != 0:
            raise ServerError(f"could not create {username}: {done.stderr.strip()[-300:]}")
        names.append(username)
    log(f"[queue] {count} clerk accounts for {', '.join(opds[: max(1, min(count, len(opds)))])}")
    return names


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text)


def check_database(db_file: Path, ledger) -> dict:
    """Compare the stored tickets and requests with what the bots were told."""
    with sqlite3.connect(db_file) as conn:
        prefixes = dict(conn.execute("SELECT code, ticket_prefix FROM opds"))
        tickets = conn.execute(
            "SELECT opd_code, number, status, called_at, arrived_at FROM tickets ORDER BY opd_code, number"
        ).fetchall()
        requests = conn.execute(
            "SELECT r.tracking_number, a.username, r.client_request_id, r.status FROM service_requests r "
            "JOIN accounts a ON a.id = r.account_id"
        ).fetchall()
    stored = {f"{prefixes[opd]}-{number:03d}": status for opd, number, status, _, _ in tickets}
    statuses = Counter(status for _, _, status, _, _ in tickets)
    lost = [code for code in ledger.taken if stored.get(code) not in _ENDED | _OPEN]
    arrivals = [
        (_utc(arrived) - _utc(called)).total_seconds()
        for _, _, _, called, arrived in tickets
        if called is not None and arrived is not None
    ]
    by_tracking = Counter(t for t, _, _, _ in requests)
    owner = {t: u for t, u, _, _ in requests}
    pairs = Counter((u, c) for _, u, c, _ in requests)
    missing = [t for t in ledger.submitted if by_tracking.get(t, 0) != 1 or owner.get(t) != ledger.submitted[t]]
    request_statuses = Counter(s for _, _, _, s in requests)
    called_twice = sum(1 for n in ledger.clerk_calls.values() if n > 1) + sum(
        1 for n in ledger.citizen_called.values() if n > 1
    )
    return {
        "tickets": {
            "taken": len(ledger.taken),
            "stored": len(tickets),
            "called": sum(1 for _, _, _, called, _ in tickets if called is not None),
            "served": statuses["served"],
            "no_show": statuses["no_show"],
            "left": statuses["left"],
            "waiting_at_end": statuses["waiting"],
            "called_at_end": statuses["called"],
            "lost": len(lost),
            "lost_examples": lost[:5],
            "called_twice": called_twice,
            "clerk_calls": sum(ledger.clerk_calls.values()),
            "unacknowledged": len(set(stored) - set(ledger.taken)),  # issued as the run ended, reply not read
        },
        "requests": {
            "acknowledged": len(ledger.submitted),
            "rows": len(requests),
            "missing_or_duplicated": len(missing),
            "duplicate_rows": sum(1 for n in pairs.values() if n > 1) + sum(1 for n in by_tracking.values() if n > 1),
            "retries_same_tracking": ledger.duplicates_same,
            "retries_other_tracking": ledger.duplicates_other,
            "by_status": dict(sorted(request_statuses.items())),
            "transitions": ledger.transitions,
            "completed": ledger.completed,
        },
        "call_to_arrival_s": {**quantiles(arrivals, (0.5, 0.99, 1.0), digits=2), "samples": len(arrivals)},
        "call_to_arrival_bot_s": quantiles(ledger.arrival_s, (0.5, 0.99), digits=2),
    }


def run_queue_bench(args: argparse.Namespace, *, log=None) -> tuple[dict, int]:
    log = log or (lambda text: print(text, file=sys.stderr, flush=True))
    world = load_default_world()
    opds = [b.opd for b in queue_opds(world)]
    staff = max(0, args.staff)
    ramp = args.ramp if args.ramp is not None else max(2.0, args.count / 25)  # registrations hash passwords
    server = _QueueServer(tick_hz=args.tick_hz, snapshot_hz=args.snapshot_hz)
    # Cheap password hashing for this server and the clerk accounts: a hundred argon2 hashes at
    # the start would measure the login path (covered elsewhere), not queues and requests.
    hashing = os.environ.get(TEST_MODE_ENV)
    os.environ[TEST_MODE_ENV] = "1"
    try:
        server.start()
    except ServerError:
        server.cleanup()
        raise
    finally:
        _restore_env(TEST_MODE_ENV, hashing)
    log(f"[queue] server pid {server.pid} on {server.url}")
    watch = ServerWatch(server)
    try:
        watch.start()
        _create_clerks(server.db_url, staff, opds, log)
        LEDGER.reset()
        citizens = RunConfig(
            url=server.url, count=args.count, duration_s=args.duration, scenario="queue", procs=1,
            ramp_s=ramp, seed=args.seed, progress_s=0, name_prefix="bot",
        )
        clerks = RunConfig(
            url=server.url, count=max(1, staff), duration_s=args.duration, scenario="queue-staff", procs=1,
            ramp_s=ramp, seed=args.seed, progress_s=0, name_prefix="clerk",
        )
        log(f"[queue] {args.count} citizens and {staff} clerks for {args.duration:g} s after a {ramp:g} s ramp")

        async def both():
            start_wall = time.time() + 0.3
            groups = [run_group(citizens, list(range(args.count)), start_wall)]
            if staff:
                groups.append(run_group(clerks, list(range(staff)), start_wall))
            return await asyncio.gather(*groups)

        started = time.time()
        results = asyncio.run(both())
        bots_end = time.time()
        watch.stop()
        time.sleep(SETTLE_S)
        exit_code, stopped_in_s = server.stop(STOP_TIMEOUT_S)
        figures = check_database(server.db_file, LEDGER)
    finally:
        watch.stop()
        server.stop(STOP_TIMEOUT_S)
        server.cleanup()
    load = server_figures(
        watch.samples, steady_from=started + ramp, end=bots_end, tick_hz=args.tick_hz or 20, clients=args.count + staff
    )
    bots = [b for r in results for b in r["bots"]]
    errors: Counter = Counter()
    scenario: Counter = Counter()
    for b in bots:
        if b["connected"]:
            errors.update({k: v for k, v in b["error_codes"].items() if k != "queue_empty"})  # expected: counted apart
            errors.update(b["exceptions"])
            scenario.update(b["scenario"])
    window = (LEDGER.window[1] - LEDGER.window[0]) if LEDGER.window else 0.0
    span = max(1e-6, min(window, args.duration + ramp) if window else args.duration)
    handled = len(LEDGER.submitted) + LEDGER.transitions
    report = {
        "scenario": "queue",
        "count": args.count,
        "staff": staff,
        "opds": opds[: max(1, min(staff, len(opds)))],
        "duration_s": args.duration,
        "ramp_s": ramp,
        "connected": sum(1 for b in bots if b["connected"]),
        "connect_errors": dict(Counter(b["connect_error"] for b in bots if not b["connected"])),
        "errors": dict(errors),
        "scenario_counters": dict(sorted(scenario.items())),
        **figures,
        "throughput": {
            "window_s": round(span, 1),
            "requests_submitted_per_s": round(len(LEDGER.submitted) / span, 2),
            "status_changes_per_s": round(LEDGER.transitions / span, 2),
            "requests_handled_per_s": round(handled / span, 2),
            "tickets_called_per_s": round(sum(LEDGER.clerk_calls.values()) / span, 2),
        },
        "server": {
            "exit_code": exit_code,
            "stopped_in_s": None if stopped_in_s is None else round(stopped_in_s, 2),
            "tick_ms": load.get("tick_ms"),
            "cpu_percent": load.get("cpu_percent"),
            "rss_mb": load.get("rss_mb"),
        },
    }
    t, r = figures["tickets"], figures["requests"]
    report["ok"] = (
        t["lost"] == 0
        and t["called_twice"] == 0
        and r["missing_or_duplicated"] == 0
        and r["duplicate_rows"] == 0
        and r["retries_other_tracking"] == 0
        and report["connected"] == len(bots)
    )
    return report, 0 if report["ok"] else 1


def format_queue_report(r: dict) -> str:
    t, q, c, tp = r["tickets"], r["requests"], r["call_to_arrival_s"], r["throughput"]
    rows = [
        ("scenario", f"queue: {r['count']} citizens, {r['staff']} clerks at {', '.join(r['opds'])}, "
                     f"{r['duration_s']:g} s after a {r['ramp_s']:g} s ramp"),
        ("connected", f"{r['connected']}/{r['count'] + r['staff']}"
                      + (f"  failed: {r['connect_errors']}" if r["connect_errors"] else "")),
        ("errors", r["errors"] or 0),
        ("tickets", f"taken {t['taken']}, called {t['called']}, served {t['served']}, no-shows {t['no_show']}, "
                    f"left {t['left']}, still waiting {t['waiting_at_end']}, at the counter {t['called_at_end']}"),
        ("tickets lost", f"{t['lost']}" + (f"  e.g. {t['lost_examples']}" if t["lost"] else "")),
        ("tickets called twice", t["called_twice"]),
        ("requests", f"acknowledged {q['acknowledged']}, rows in the database {q['rows']}, "
                     f"missing or duplicated {q['missing_or_duplicated']}, duplicate rows {q['duplicate_rows']}"),
        ("retried submissions", f"{q['retries_same_tracking']} answered with the first tracking number, "
                                f"{q['retries_other_tracking']} with another"),
        ("request statuses", q["by_status"]),
        ("handled per second", f"{tp['requests_handled_per_s']} requests "
                               f"(submissions {tp['requests_submitted_per_s']}, "
                               f"status changes {tp['status_changes_per_s']}), calls {tp['tickets_called_per_s']} "
                               f"over {tp['window_s']} s"),
        ("call to arrival s", f"p50 {c['p50']}, p99 {c['p99']}, max {c['max']} ({c['samples']} arrivals; "
                              f"bots measured p50 {r['call_to_arrival_bot_s']['p50']})"),
        ("scenario counters", ", ".join(f"{k} {v}" for k, v in r["scenario_counters"].items())),
        ("server tick ms", r["server"]["tick_ms"]),
        ("server CPU %", r["server"]["cpu_percent"]),
        ("server stop", f"exit {r['server']['exit_code']} in {r['server']['stopped_in_s']} s"),
        ("result", "ok" if r["ok"] else "NOT OK"),
    ]
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)


def run_queue_bench_cli(args: argparse.Namespace) -> int:
    if args.count < 1 or args.duration <= 0 or args.staff < 0:
        print("makaverse bench: --count must be at least 1, --staff at least 0, --duration positive", file=sys.stderr)
        return 2
    try:
        report, code = run_queue_bench(args)
    except ServerError as exc:
        print(f"makaverse bench: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(report) if args.json else format_queue_report(report), flush=True)
    return code
