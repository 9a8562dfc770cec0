"""Smoke runs of `makaverse bench` and `makaverse bots`: short, few bots, real server subprocesses."""

from __future__ import annotations

import json
import re
import select
import subprocess
import sys
import time

import pytest

COUNT = 5
DURATION_S = "3"


def _makaverse(*args: str, timeout_s: float = 90.0) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "makaverse", *args], capture_output=True, text=True, timeout=timeout_s
    )


def _report(proc: subprocess.CompletedProcess) -> dict:
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stdout[-2000:]
    return json.loads(lines[0])


def _assert_sane(report: dict) -> None:
    assert report["count"] == COUNT
    assert report["connected"] == COUNT
    assert report["errors"] == 0, (report["error_codes"], report["exceptions"])
    assert report["disconnects"] == 0, report["disconnect_codes"]
    assert report["inside_solid"] == 0, report["bad_positions"]
    assert report["positions_checked"] > 0
    assert report["snapshots_per_s"]["min"] > 0
    assert report["snapshots_per_s"]["median"] > 0
    assert report["down_bytes_per_s"]["median"] > 0
    assert report["down_bytes_per_s"]["max"] >= report["down_bytes_per_s"]["median"]
    assert report["ack_latency_ms"]["samples"] > 0
    assert 0 <= report["ack_latency_ms"]["p50"] <= report["ack_latency_ms"]["p99"]
    assert report["bot_procs"]["procs"] >= 1


@pytest.fixture
def server(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "makaverse", "serve", "--port", "0", "--db", f"sqlite:///{tmp_path / 'smoke.db'}"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        # The address line comes first, except that a fresh database may print a line or two before it.
        deadline = time.monotonic() + 30.0
        match = None
        while match is None:
            ready, _, _ = select.select([proc.stdout], [], [], max(0.0, deadline - time.monotonic()))
            assert ready, "the server printed no address in 30 s"
            line = proc.stdout.readline()
            assert line, "the server exited before printing its address"
            match = re.search(r"listening on (ws://\S+)", line)
        yield match.group(1)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stdout.close()


def test_bench_json_reports_bots_and_server():
    """`makaverse bench --json` starts its own server, runs bots, and prints one JSON report with server figures."""
    report = _report(_makaverse("bench", "--json", "--count", str(COUNT), "--duration", DURATION_S))
    _assert_sane(report)
    assert report["scenario"] == "wander"
    server = report["server"]
    assert server["stopped_cleanly"] is True
    assert server["exit_code"] == 0
    assert server["tick_ms"]["p50"] is not None and server["tick_ms"]["p50"] > 0
    assert server["tick_ms"]["p99"] >= server["tick_ms"]["p50"]
    assert server["rss_mb"]["max"] > 0
    assert server["bytes_sent_per_client_per_s"] > 0


def test_bots_json_against_a_running_server_over_two_processes(server):
    """`makaverse bots --json --procs 2` merges both processes' bots into one report against a running server."""
    report = _report(
        _makaverse("bots", "--json", "--url", server, "--count", str(COUNT), "--duration", DURATION_S, "--procs", "2")
    )
    _assert_sane(report)
    assert report["url"] == server
    assert report["bot_procs"]["procs"] == 2
    assert "server" not in report


def test_bots_exit_non_zero_when_no_server_answers():
    """`makaverse bots` pointed at an address where nothing listens says so in one line and exits non-zero."""
    proc = _makaverse("bots", "--json", "--url", "ws://127.0.0.1:9", "--count", "2", "--duration", "1")
    assert proc.returncode == 1
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "ws://127.0.0.1:9" in lines[0] and "does not answer" in lines[0]
