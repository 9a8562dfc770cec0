"""Smoke run of the standalone services bench (`python -m makaverse.bench.services_load`): a real
server process, a few bots, every figure present, every submission answered and retries consistent."""

from __future__ import annotations

import json
import subprocess
import sys


def test_services_load_prints_its_figures():
    """Three bots for a second: acknowledged submissions, no errors, retries answered with the first number."""
    proc = subprocess.run(
        [sys.executable, "-m", "makaverse.bench.services_load", "--count", "3", "--duration", "1",
         "--retry-share", "0.5"],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads(proc.stdout)
    assert report["scenario"] == "services" and report["db"] == "sqlite"
    assert report["bots_ready"] == 3
    assert report["acked"] > 0 and report["acked_per_s"] > 0
    assert report["errors"] == 0, report["error_codes"]
    assert report["mismatched_retries"] == 0 and report["duplicate_tracking"] == 0
    assert set(report["latency_ms"]) == {"p50", "p99"}
    assert "server_cpu_ms_per_ack" in report and "loadgen_cpu_pct" in report
