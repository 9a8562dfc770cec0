"""Saved `makaverse bench --scenario … --json` results as one Markdown table (docs/performance.md).

    python -m makaverse.bench.perf_table var/bench/*.json

Rows keep the order of the files given; a file that is not a measured result is skipped with a note
on stderr.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

__all__ = ["table", "main"]

COLUMNS = (
    "scenario", "count", "tick p50 / p99 ms", "server CPU %", "CPU µs per client-tick", "ceiling ratio",
    "snapshots/s min / median", "down kbit/s", "up kbit/s", "latency p50 / p99 ms", "RSS KiB per client",
    "errors", "disconnects", "acked/s", "load CPU %", "load average", "commit",
)


def _n(value: Any, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _pair(d: dict | None, a: str, b: str, digits: int = 1) -> str:
    d = d or {}
    return f"{_n(d.get(a), digits)} / {_n(d.get(b), digits)}"


def row(r: dict) -> list[str]:
    load = r.get("load_avg", {}).get("start") or [None]
    failed = r.get("connect_failures") or 0
    return [
        r["scenario"],
        _n(r["count"]) + (f" ({_n(failed)} not in)" if failed else ""),
        _pair(r.get("tick_ms"), "p50", "p99"),
        _n(r.get("server_cpu_pct"), 0),
        _n(r.get("cpu_us_per_client_tick"), 0),
        _n(r.get("ceiling_ratio"), 2),
        _pair(r.get("snapshots_per_s"), "min", "median"),
        _n((r.get("down_kbit_s_per_client") or {}).get("median"), 0),
        _n((r.get("up_kbit_s_per_client") or {}).get("median"), 1),
        _pair(r.get("latency_ms"), "p50", "p99", 0),
        _n(r.get("rss_kib_per_client"), 0),
        _n(r.get("errors")),
        _n(r.get("disconnects")),
        _n(r.get("acked_per_s"), 0),
        _n(r.get("loadgen_cpu_pct"), 0),
        _n(load[0], 1),
        str(r.get("commit") or "-"),
    ]


def table(results: list[dict]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(row(r)) + " |" for r in results]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    results = []
    for name in argv if argv is not None else sys.argv[1:]:
        try:
            data = json.loads(Path(name).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            print(f"skipped {name}: {exc}", file=sys.stderr)
            continue
        if not isinstance(data, dict) or "scenario" not in data or "tick_ms" not in data:
            print(f"skipped {name}: not a measured bench result", file=sys.stderr)
            continue
        results.append(data)
    print(table(results))
    return 0 if results else 1


if __name__ == "__main__":
    raise SystemExit(main())
