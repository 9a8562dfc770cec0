"""Figures: one bot's stats boiled down, many bots (from many processes) merged into one report,
and the report as a readable table."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from .bot import BotStats

__all__ = ["summarise_bot", "quantiles", "build_report", "bot_warnings", "format_report"]


def _r(value: float | None, digits: int = 1) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return round(float(value), digits) if digits else int(round(float(value)))


def quantiles(samples, qs: Iterable[float], *, scale: float = 1.0, digits: int = 1) -> dict[str, float | None]:
    """`{"p50": ...}` for each q in `qs` (0..1), None when there are no samples."""
    arr = np.asarray(samples, dtype=np.float64)
    out = {}
    for q in qs:
        key = "max" if q == 1.0 else f"p{q * 100:g}"
        out[key] = _r(float(np.quantile(arr, q)) * scale, digits) if arr.size else None
    return out


def summarise_bot(stats: BotStats) -> dict:
    """Per-bot figures over the time it was in the world (from its welcome to its end)."""
    if not stats.connected:
        return {"index": stats.index, "connected": False, "connect_error": stats.connect_error or "unknown"}
    span = max(1e-3, stats.ended_at - stats.welcome_at)
    # Whole seconds only: the first holds the handshake, the last is cut short.
    full = stats.snapshots_by_second[1 : int(span)]
    full += [0] * max(0, int(span) - 1 - len(full))  # seconds with no snapshot at all
    return {
        "index": stats.index,
        "connected": True,
        "avatar_id": stats.avatar_id,
        "snapshot_hz": stats.snapshot_hz,
        "connected_s": span,
        "snapshots_per_s": stats.snapshots / span,
        # With reconnects the gaps between visits are not missed snapshots.
        "worst_1s": (min(full) if full else None) if not stats.reconnects else None,
        "down_bytes_per_s": stats.bytes_down / span,
        "up_bytes_per_s": stats.bytes_up / span,
        "inputs_per_s": stats.inputs_sent / span,
        "inputs_late": stats.inputs_late,
        "error_codes": dict(stats.error_codes),
        "exceptions": dict(stats.exceptions),
        "disconnect_code": stats.disconnect_code,
        "zones": sorted(stats.zones),
        "anomalies": dict(stats.anomalies),
        "scenario": dict(stats.scenario),
        "reconnects": stats.reconnects,
        "reconnect_failures": stats.reconnect_failures,
        "redirects": stats.redirects,
    }


def _spread(values: list[float], keys: tuple[str, ...], digits: int = 1) -> dict[str, float | None]:
    arr = np.asarray(values, dtype=np.float64)
    funcs: dict[str, Callable[[np.ndarray], Any]] = {"min": np.min, "median": np.median, "mean": np.mean, "max": np.max}
    return {k: (_r(float(funcs[k](arr)), digits) if arr.size else None) for k in keys}


def build_report(
    *,
    url: str,
    scenario: str,
    count: int,
    duration_s: float,
    ramp_s: float,
    started_at_unix: float,
    bots: list[dict],
    ack_latency_s: np.ndarray,
    procs: list[dict],
) -> dict:
    """One report from every bot's summary, all ack latency samples and each bot process's own figures."""
    up = [b for b in bots if b["connected"]]
    error_codes: Counter = Counter()
    exceptions: Counter = Counter()
    anomalies: Counter = Counter()
    scenario_counts: Counter = Counter()
    zones: Counter = Counter()
    disconnect_codes: Counter = Counter()
    for b in up:
        error_codes.update(b["error_codes"])
        exceptions.update(b["exceptions"])
        anomalies.update(b["anomalies"])
        scenario_counts.update(b["scenario"])
        zones.update(b["zones"])
        if b["disconnect_code"] is not None:
            disconnect_codes[str(b["disconnect_code"])] += 1
    connect_errors = Counter(b["connect_error"] for b in bots if not b["connected"])
    missing = count - len(bots)  # bots whose process never reported
    if missing > 0:
        connect_errors["bot_process_lost"] += missing
    worst = [b["worst_1s"] for b in up if b["worst_1s"] is not None]
    lag = [p["loop_lag_ms"] for p in procs]
    report = {
        "scenario": scenario,
        "url": url,
        "count": count,
        "duration_s": duration_s,
        "ramp_s": round(ramp_s, 2),
        "started_at_unix": round(started_at_unix, 3),
        "connected": len(up),
        "connect_failures": count - len(up),
        "connect_errors": dict(connect_errors),
        "errors": sum(error_codes.values()) + sum(exceptions.values()),
        "error_codes": dict(error_codes),
        "exceptions": dict(exceptions),
        "disconnects": sum(disconnect_codes.values()),
        "reconnects": sum(b.get("reconnects", 0) for b in up),
        "redirects": sum(b.get("redirects", 0) for b in up),
        "reconnect_failures": sum(b.get("reconnect_failures", 0) for b in up),
        "disconnect_codes": dict(disconnect_codes),
        "snapshot_hz": max((b["snapshot_hz"] for b in up), default=None),
        "snapshots_per_s": {
            **_spread([b["snapshots_per_s"] for b in up], ("min", "median", "max"), 2),
            "worst_1s": min(worst) if worst else None,
        },
        "down_bytes_per_s": {
            **_spread([b["down_bytes_per_s"] for b in up], ("median", "max", "mean"), 0),
            "total": _r(sum(b["down_bytes_per_s"] for b in up), 0),
        },
        "up_bytes_per_s": _spread([b["up_bytes_per_s"] for b in up], ("median", "max"), 0),
        "inputs_per_s": {
            **_spread([b["inputs_per_s"] for b in up], ("min", "median"), 2),
            "late": sum(b["inputs_late"] for b in up),
        },
        "ack_latency_ms": {
            **quantiles(ack_latency_s, (0.5, 0.9, 0.99, 1.0), scale=1000.0),
            "samples": int(len(ack_latency_s)),
        },
        "inside_solid": sum(p["positions"]["inside_solid"] for p in procs),
        "outside_grounds": sum(p["positions"]["outside_grounds"] for p in procs),
        "positions_checked": sum(p["positions"]["checked"] for p in procs),
        "bad_positions": [pt for p in procs for pt in p["positions"]["examples"]][:5],
        "anomalies": dict(anomalies),
        "zones_visited": dict(sorted(zones.items())),
        "scenario_counters": dict(sorted(scenario_counts.items())),
        "bot_procs": {
            "procs": len(procs),
            "loop_lag_ms": {
                "p50": max((x["p50"] for x in lag if x["p50"] is not None), default=None),
                "p99": max((x["p99"] for x in lag if x["p99"] is not None), default=None),
                "max": max((x["max"] for x in lag if x["max"] is not None), default=None),
            },
            "cpu_percent": [p["cpu_percent"] for p in procs],
        },
    }
    report["warnings"] = bot_warnings(report)
    report["ok"] = (
        report["connect_failures"] == 0
        and report["errors"] == 0
        and report["disconnects"] == 0
        and report["inside_solid"] == 0
    )
    return report


LAG_WARN_MS = 25.0  # half a snapshot period at 20 Hz


def bot_warnings(report: dict) -> list[str]:
    """Why figures may not mean what they seem: the bots' own processes falling behind."""
    out = []
    lag = report["bot_procs"]["loop_lag_ms"]
    if lag["p99"] is not None and lag["p99"] > LAG_WARN_MS:
        out.append(
            f"bot loop lag p99 {lag['p99']:.0f} ms (max {lag['max']:.0f}): the bot processes fell behind at times, "
            "so some figures may be theirs, not the server's (try more --procs, or a quieter machine)"
        )
    if report["inputs_per_s"]["late"]:
        out.append(f"bots skipped {report['inputs_per_s']['late']} input periods because their loop was late")
    return out


def _fmt(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) < 1e5 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, dict):
        return ", ".join(f"{k} {_fmt(v)}" for k, v in value.items()) or "-"
    if isinstance(value, list):
        return ", ".join(_fmt(v) for v in value) or "-"
    return str(value)


def _ticks_line(ticks: dict, window_s: float | None) -> str:
    slow = ticks.get("slower_than_period") or {}
    return (
        f"{ticks['count']:,} in {_fmt(window_s)} s with every bot in ({_fmt(ticks['per_s'])}/s), "
        f"mean {_fmt(ticks['mean_ms'])} ms, {_fmt(slow.get('count'))} slower than {_fmt(slow.get('over_ms'))} ms, "
        f"{ticks['overruns']} overruns"
    )


def format_report(report: dict) -> str:
    """The report as `label  value` lines, most telling figures first."""
    r = report
    failed = f"  failed: {_fmt(r['connect_errors'])}" if r["connect_failures"] else ""
    errors = f"  ({_fmt({**r['error_codes'], **r['exceptions']})})" if r["errors"] else ""
    closes = f"  (close codes: {_fmt(r['disconnect_codes'])})" if r["disconnects"] else ""
    rows = [
        ("scenario", f"{r['scenario']}: {r['count']} bots for {_fmt(r['duration_s'])} s "
         f"(connects spread over {_fmt(r['ramp_s'])} s)"),
        ("server", r["url"]),
        ("connected", f"{r['connected']}/{r['count']}{failed}"),
        ("errors", f"{r['errors']}{errors}"),
        ("disconnects", f"{r['disconnects']}{closes}"),
        ("reconnects", f"{r.get('reconnects', 0)} (failed {r.get('reconnect_failures', 0)})"),
        ("snapshots/s per bot", f"{_fmt(r['snapshots_per_s'])}  (server sends {_fmt(r['snapshot_hz'])} Hz)"),
        ("bytes down/s per bot", _fmt(r["down_bytes_per_s"])),
        ("bytes up/s per bot", _fmt(r["up_bytes_per_s"])),
        ("inputs/s per bot", _fmt(r["inputs_per_s"])),
        ("ack latency ms", _fmt(r["ack_latency_ms"])),
        ("inside solid", f"{r['inside_solid']} of {r['positions_checked']:,} positions checked"
         + (f"  e.g. {r['bad_positions']}" if r["bad_positions"] else "")),
        ("outside grounds", r["outside_grounds"]),
        ("anomalies", _fmt(r["anomalies"])),
        ("zones visited (bots)", _fmt(r["zones_visited"])),
        ("scenario counters", _fmt(r["scenario_counters"])),
        ("bot processes", f"{r['bot_procs']['procs']}; loop lag ms {_fmt(r['bot_procs']['loop_lag_ms'])}; "
         f"CPU % {_fmt(r['bot_procs']['cpu_percent'])}"),
    ]
    server = r.get("server")
    if server and "tick_ms" not in server:
        rows.append(("server", f"too few samples for figures ({server.get('samples', 0)})"))
    elif server:
        rows += [
            ("server tick ms", _fmt(server["tick_ms"]) + "  (recent ticks, from /metrics)"),
            ("server ticks", _ticks_line(server["ticks"], server.get("window_s"))),
            ("server CPU %", f"{_fmt(server['cpu_percent'])}; {_fmt(server['cpu_ms_per_tick'])} ms CPU per tick "
             f"(ticks, snapshots, sockets) of a {_fmt(1000.0 / server['tick_hz'])} ms period"),
            ("server RSS MB", _fmt(server["rss_mb"])),
            ("server bytes/s per client", _fmt(server["bytes_sent_per_client_per_s"])),
            ("machine CPU %", f"{_fmt(server['machine_cpu_percent'])} of {server['machine_cpus']} CPUs; "
             f"other processes {_fmt(server.get('other_cpu_percent'))} % of one CPU"),
            ("server stop", f"exit {_fmt(server['exit_code'])} in {_fmt(server['stopped_in_s'])} s"),
        ]
    rows += [("warning", w) for w in r.get("warnings", [])]
    rows.append(("result", "ok" if r["ok"] else "NOT OK"))
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:<{width}}  {v if isinstance(v, str) else _fmt(v)}" for k, v in rows)
