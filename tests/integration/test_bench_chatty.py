"""A short smoke run of `makaverse bench --scenario chatty`, so the chat load scenario can't rot."""

from __future__ import annotations

import json
import subprocess
import sys


def test_chatty_bench_smoke_run_chats_within_the_budget(tmp_path):
    """Eight chatty bots for a few seconds: lines and emotes are sent and heard, and none is refused or dropped."""
    proc = subprocess.run(
        [sys.executable, "-m", "makaverse", "bench", "--scenario", "chatty", "--count", "8", "--duration", "6", "--json"],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    (line,) = [line for line in proc.stdout.splitlines() if line.strip()]
    report = json.loads(line)
    counters = report["scenario_counters"]
    assert report["scenario"] == "chatty" and report["connected"] == 8
    assert report["errors"] == 0 and report["disconnects"] == 0, report
    assert counters["lines_sent"] > 0 and counters["lines_heard"] > 0
    # Every line comes back to its speaker, but for one per bot said just before the run ended.
    assert 0 <= counters["lines_sent"] - counters["lines_echoed"] <= 8
    assert counters.get("slowed_down", 0) == 0
