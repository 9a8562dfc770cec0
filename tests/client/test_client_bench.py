"""Smoke run of `makaverse bench --scenario client`: it renders the crowd offscreen and prints
one JSON object with the frame figures (no speed is asserted: figures are for reading)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytest.importorskip("panda3d")


@pytest.mark.parametrize("preset", ["low", "medium"])
def test_client_bench_prints_frame_figures(preset: str) -> None:
    """The report names the preset and renderer and carries fps (median, p5) and frame_ms (p50, p95)."""
    proc = subprocess.run(
        [sys.executable, "-m", "makaverse", "bench", "--scenario", "client", "--avatars", "20", "--preset", preset,
         "--frames", "5", "--json"],
        capture_output=True, text=True, timeout=180,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stdout[-2000:]
    report = json.loads(lines[0])
    assert report["scenario"] == "client" and report["preset"] == preset and report["renderer"] == "software"
    assert report["size"] == [1280, 720] and report["frames"] == 5
    assert report["avatars"] == 20 and report["avatars_in_view"] == 20
    assert report["fps"]["median"] > 0 and report["fps"]["p5"] > 0
    assert report["frame_ms"]["p95"] >= report["frame_ms"]["p50"] > 0
