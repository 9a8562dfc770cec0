"""A short smoke run of `makaverse bench --scenario queue`: clerks and citizens over real sockets,
the database checked afterwards (no ticket lost, none called twice, each request stored once)."""

from __future__ import annotations

import json
import subprocess
import sys


def test_queue_bench_smoke_run_reports_a_consistent_database(tmp_path):
    """Six citizens and two clerks for a short run: tickets get called and served, nothing is lost or doubled."""
    proc = subprocess.run(
        [sys.executable, "-m", "makaverse", "bench", "--scenario", "queue", "--count", "6", "--staff", "2",
         "--duration", "20", "--json"],
        capture_output=True, text=True, timeout=240, cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    (line,) = [line for line in proc.stdout.splitlines() if line.strip()]
    report = json.loads(line)
    tickets, requests = report["tickets"], report["requests"]
    assert report["ok"] and report["connected"] == 8
    assert tickets["taken"] > 0 and tickets["lost"] == 0 and tickets["called_twice"] == 0
    assert tickets["called"] > 0 and tickets["served"] > 0
    assert requests["acknowledged"] > 0 and requests["missing_or_duplicated"] == 0 and requests["duplicate_rows"] == 0
    assert requests["retries_other_tracking"] == 0
    assert report["server"]["exit_code"] == 0
