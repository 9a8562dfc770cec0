"""A short smoke run of `makaverse bench --scenario soak`, so the soak scenario can't rot."""

from __future__ import annotations

import json
import subprocess
import sys


def test_soak_smoke_run_reports_server_figures_and_a_verdict(tmp_path):
    """Twenty bots for 0.3 minutes walk, talk, submit and reconnect; the run prints RSS, descriptors, loop lag and tick p99 lines and a verdict."""
    proc = subprocess.run(
        [sys.executable, "-m", "makaverse", "bench", "--scenario", "soak", "--minutes", "0.3", "--count", "20",
         "--report-every", "5", "--json"],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=tmp_path,
    )
    # 3: the run went well but memory or descriptors grew; a run this short may not be past its warm-up noise.
    assert proc.returncode in (0, 3), proc.stderr[-3000:]
    (line,) = [line for line in proc.stdout.splitlines() if line.strip()]
    report = json.loads(line)
    assert report["scenario"] == "soak" and report["connected"] == 20
    assert report["errors"] == 0 and report["disconnects"] == 0, report
    assert report["reconnects"] > 0 and report["reconnect_failures"] == 0
    counters = report["scenario_counters"]
    assert counters["requests_sent"] > 0 and counters["lines_sent"] > 0 and counters["legs"] > 0
    assert counters.get("retries_other_tracking", 0) == 0
    soak = report["soak"]
    assert (soak["verdict"]["flat"], proc.returncode) in ((True, 0), (False, 3))
    figures = [s for s in soak["samples"] if s["clients"] > 0]
    assert figures and all(s["rss_mb"] > 0 and s["fds"] > s["clients"] for s in figures)
    assert all(s["loop_lag_p99_ms"] is not None and s["tick_p99_ms"] is not None for s in figures)
    lines = [line for line in proc.stderr.splitlines() if line.startswith("[soak] t=")]
    assert len(lines) >= 3 and all("RSS" in line and "fds" in line and "tick p99" in line for line in lines)
    assert any(line.startswith("[soak] verdict: memory") for line in proc.stderr.splitlines())
