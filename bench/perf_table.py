"""Saved `makaverse bench --scenario … --json` results as one Markdown table (docs/performance.md).

    python -m makaverse.bench.perf_table var/bench/*.json
    python -m makaverse.bench.perf_table --run [--only crowd-1000,ceiling-1000] [--duration 20] [--out var/bench]

Rows keep the order of the files given; a file that is not a measured result is skipped with a note
on stderr. `--run` first runs the standard set (`RUNS`, one after another, each ceiling before the
runs that read it), saving each result as `OUT/NAME.json`, then prints the table of them all.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

__all__ = ["table", "main"]

COLUMNS = (
    "scenario", "count", "tick p50 / p99 ms", "server CPU %", "CPU µs per client-tick", "ceiling ratio",
    "snapshots/s min / median", "down kbit/s", "up kbit/s", "latency p50 / p99 ms", "RSS KiB per client",
    "errors", "disconnects", "acked/s", "load CPU %", "load average", "commit",
)


# name: bench options. A ceiling runs before the runs at its count, which read its file.
RUNS: dict[str, list[str]] = {
    "ceiling-200": ["--scenario", "ceiling", "--count", "200"],
    "ceiling-500": ["--scenario", "ceiling", "--count", "500"],
    "ceiling-1000": ["--scenario", "ceiling", "--count", "1000"],
    "crowd-200": ["--scenario", "crowd", "--count", "200", "--in-hz", "20", "--ceiling-file", "{out}/ceiling-200.json"],
    "crowd-500": ["--scenario", "crowd", "--count", "500", "--in-hz", "20", "--ceiling-file", "{out}/ceiling-500.json"],
    "crowd-1000": ["--scenario", "crowd", "--count", "1000", "--in-hz", "20",
                   "--ceiling-file", "{out}/ceiling-1000.json"],
    "townhall-300": ["--scenario", "townhall", "--count", "300"],
    "townhall-1000": ["--scenario", "townhall", "--count", "1000", "--ceiling-file", "{out}/ceiling-1000.json"],
    "services-50": ["--scenario", "services", "--count", "50"],
}


def run_set(names: list[str], out: Path, duration: float) -> list[Path]:
    """Run the named standard runs in order; the result files that were written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name in names:
        opts = [o.replace("{out}", str(out)) for o in RUNS[name]]
        cmd = [sys.executable, "-m", "makaverse", "bench", *opts, "--duration", f"{duration:g}", "--json"]
        print(f"[perf] {name}: makaverse bench {' '.join(opts)} --duration {duration:g} --json", file=sys.stderr,
              flush=True)
        done = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)
        path = out / f"{name}.json"
        if done.stdout.strip():
            path.write_text(done.stdout, encoding="utf-8")
            written.append(path)
        else:
            print(f"[perf] {name} gave no result (exit code {done.returncode})", file=sys.stderr, flush=True)
    return written


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
    p = argparse.ArgumentParser(prog="python -m makaverse.bench.perf_table", description=__doc__.split("\n\n")[0])
    p.add_argument("files", nargs="*", help="saved results (--json) to put in the table")
    p.add_argument("--run", action="store_true", help="run the standard set first (see RUNS)")
    p.add_argument("--only", default="", help="with --run: these runs only, comma-separated (e.g. crowd-1000)")
    p.add_argument("--duration", type=float, default=20.0, help="with --run: seconds of each steady window")
    p.add_argument("--out", default="var/bench", help="with --run: where the results go (default var/bench)")
    args = p.parse_args(argv)
    files = list(args.files)
    if args.run:
        names = [n.strip() for n in args.only.split(",") if n.strip()] or list(RUNS)
        unknown = [n for n in names if n not in RUNS]
        if unknown:
            p.error(f"unknown runs {unknown} (known: {', '.join(RUNS)})")
        files += [str(f) for f in run_set(names, Path(args.out), args.duration)]
    results = []
    for name in files:
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
