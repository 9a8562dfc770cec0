"""The measured bench scenarios (`crowd`, `townhall`, `services`, `ceiling`), each run tiny: the JSON
has every field with sane values. Nothing here asserts speed: figures vary with the machine."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from makaverse.bench.measure import HALL_BOX_M, _hist_quantile, cluster_ticks, hall_world_file, tick_quantiles

COUNT = 6
RUN = ("--count", str(COUNT), "--duration", "2", "--warmup", "1", "--json")


def _bench(*args: str, timeout_s: float = 180.0) -> dict:
    proc = subprocess.run([sys.executable, "-m", "makaverse", "bench", *args], capture_output=True, text=True,
                          timeout=timeout_s)
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stdout[-2000:]
    assert "[bench] measuring" in proc.stderr  # progress goes to stderr
    return json.loads(lines[0])


def _assert_sane(r: dict, scenario: str) -> None:
    assert r["scenario"] == scenario
    assert r["count"] == COUNT
    assert r["clients_measured"] == COUNT
    assert r["errors"] == 0, r["error_codes"]
    assert r["disconnects"] == 0, r["close_codes"]
    assert r["connect_failures"] == 0, r["connect_errors"]
    tick = r["tick_ms"]
    assert tick["ticks"] > 0 and tick["source"] == "stats"
    assert 0 < tick["p50"] <= tick["p99"] <= tick["max"]
    assert 0 < r["server_cpu_pct"] < 100 * r["cpus"] * 2
    assert r["cpu_us_per_client_tick"] > 0
    assert 0 < r["loadgen_cpu_pct"] < 100 * r["cpus"] * 2
    assert r["down_kbit_s_per_client"]["median"] > 0
    assert r["up_kbit_s_per_client"]["median"] >= 0
    # Seated or idle clients may rightly get no snapshot when nothing around them changes.
    assert 0 <= r["snapshots_per_s"]["min"] <= r["snapshots_per_s"]["median"] <= 25
    if scenario in ("crowd", "ceiling"):
        assert r["snapshots_per_s"]["min"] > 0
    assert r["rss_mib"] > 0 and r["rss_empty_mib"] > 0
    assert r["rss_kib_per_client"] is not None
    for key in ("p50", "p99"):
        assert key in r["latency_ms"]
    assert "ceiling_ratio" in r
    assert len(r["load_avg"]["start"]) == 3
    assert isinstance(r["warnings"], list)
    assert r["server_process_count"] >= 1 and 0 < r["server_main_cpu_pct"] <= r["server_cpu_pct"] + 0.1


def test_crowd_walks_in_the_hall_and_compares_with_the_ceiling():
    r = _bench("--scenario", "crowd", "--in-hz", "20", *RUN)
    _assert_sane(r, "crowd")
    assert r["latency_ms"]["samples"] > 0
    assert 0 <= r["latency_ms"]["p50"] <= r["latency_ms"]["p99"]
    assert r["up_kbit_s_per_client"]["median"] > 0  # inputs at 20 Hz
    counters = r["scenario_counters"]
    assert counters["inputs_in_hall"] > counters.get("inputs_out_of_hall", 0)
    # The ceiling ran at the same count in the same invocation.
    assert r["ceiling"]["count"] == COUNT
    assert r["ceiling_ratio"] is not None and r["ceiling_ratio"] > 0


def test_ceiling_result_file_feeds_townhall(tmp_path):
    ceiling = _bench("--scenario", "ceiling", *RUN)
    _assert_sane(ceiling, "ceiling")
    assert ceiling["ceiling_ratio"] == 1.0
    path = tmp_path / "ceiling.json"
    path.write_text(json.dumps(ceiling))
    # 4 s: stage lines come every 2 s, and those of the window's last second are not counted.
    r = _bench("--scenario", "townhall", "--ceiling-file", str(path), *RUN, "--duration", "4")
    _assert_sane(r, "townhall")
    th = r["townhall"]
    assert th["joined"] == COUNT and th["seated"] == COUNT
    assert th["stage_lines_said"] >= 1 and th["host_error"] is None
    assert r["latency_ms"]["samples"] > 0  # stage lines reached the attendees in the window
    assert r["latency_ms"]["expected"] >= r["latency_ms"]["samples"]
    by_poll = r["stage_latency_ms_by_poll"]  # every line counted once, near a poll or away from them
    assert by_poll["near_poll"]["samples"] + by_poll["away_from_polls"]["samples"] == r["latency_ms"]["samples"]
    assert r["up_kbit_s_per_client"]["median"] < 1.0  # seated attendees send no movement
    assert r["snapshots_per_s"]["median"] == 0.0  # nor does anything in their view move: no snapshots
    assert r["ceiling_ratio"] is not None


def test_services_acknowledges_durable_requests():
    r = _bench("--scenario", "services", "--no-ceiling", *RUN)
    _assert_sane(r, "services")
    assert r["acked_per_s"] > 0 and r["server_cpu_ms_per_ack"] > 0
    assert r["services"]["request_invalid"] == 0
    assert r["latency_ms"]["samples"] > 0
    assert r["ceiling_ratio"] is None


def _cluster_services() -> tuple[str, str]:
    """The PostgreSQL and Redis that `--processes 2` runs on; skipped when either does not answer
    (a failure with MAKAVERSE_REQUIRE_SERVICES=1)."""
    db = os.environ.get("MAKAVERSE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    redis_url = os.environ.get("MAKAVERSE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    try:
        import redis
        from sqlalchemy import create_engine

        redis.Redis.from_url(redis_url, socket_connect_timeout=3).ping()
        engine = create_engine(db, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
    except Exception as exc:
        reason = f"--processes needs PostgreSQL ({db}) and Redis ({redis_url}): {type(exc).__name__}"
        if os.environ.get("MAKAVERSE_REQUIRE_SERVICES") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return db, redis_url


def test_two_server_processes_share_a_town_hall_and_each_reports_its_share():
    """`--processes 2`: attendees start on both processes, sit in the hall or in copies of two
    (on either process), every vote is counted once; CPU and ticks come from both processes."""
    db, redis_url = _cluster_services()
    r = _bench("--scenario", "townhall", "--processes", "2", "--db", db, "--redis", redis_url, "--no-ceiling",
               "--serve-args", "--auditorium-capacity 2", *RUN, "--duration", "4")
    _assert_sane(r, "townhall")
    assert r["processes"] == 2 and r["server_process_count"] == 2
    rows = r["per_process"]
    assert [row["process"] for row in rows] == ["bench-1", "bench-2"]
    assert sum(row["bots_at_end"] for row in rows) == COUNT
    assert all(row["cpu_pct"] > 0 and row["tick_ms"]["ticks"] > 0 for row in rows)
    th = r["townhall"]
    assert th["joined"] == COUNT and th["seated"] == COUNT and th["copies"] >= 3
    assert th["poll_votes_counted"] == th["poll_votes_sent"] or th["polls_opened"] == 0
    assert r["latency_ms"]["samples"] > 0


def test_cluster_ticks_pool_the_processes_windows():
    a0, a1 = {"ticks": 10, "recent_s": [0.5] * 10}, {"ticks": 14, "recent_s": [0.5] * 10 + [0.001] * 4}
    b0, b1 = {"ticks": 3, "recent_s": [0.5] * 3}, {"ticks": 7, "recent_s": [0.5] * 3 + [0.003] * 4}
    q = cluster_ticks([a0, b0], [a1, b1])
    assert q["ticks"] == 4 and q["max"] == 3.0 and q["p50"] == 2.0
    assert [p["max"] for p in q["per_process"]] == [1.0, 3.0]
    assert cluster_ticks([a0], [a1]) == tick_quantiles(a0, a1)


def test_tick_quantiles_take_exactly_the_window():
    first = {"ticks": 100, "recent_s": [1.0] * 100}
    last = {"ticks": 110, "recent_s": [1.0] * 100 + [0.001 * i for i in range(1, 11)]}
    q = tick_quantiles(first, last)
    assert q["ticks"] == 10 and q["max"] == 10.0 and q["p50"] == 5.5


def test_histogram_fallback_interpolates_within_a_bucket():
    b = "makaverse_tick_duration_seconds_bucket"
    first = {f'{b}{{le="0.01"}}': 0.0, f'{b}{{le="0.02"}}': 0.0, f'{b}{{le="+Inf"}}': 0.0}
    last = {f'{b}{{le="0.01"}}': 50.0, f'{b}{{le="0.02"}}': 100.0, f'{b}{{le="+Inf"}}': 100.0}
    assert abs(_hist_quantile(first, last, 0.5) - 0.01) < 1e-9
    assert abs(_hist_quantile(first, last, 0.75) - 0.015) < 1e-9


def test_hall_world_spawns_everyone_in_the_service_hall(tmp_path):
    from makaverse.world.loader import load_world

    world = load_world(hall_world_file(tmp_path))
    xmin, ymin, xmax, ymax = HALL_BOX_M
    assert len(world.spawns) >= 20
    assert np.all((world.spawns[:, 0] > xmin) & (world.spawns[:, 0] < xmax))
    assert np.all((world.spawns[:, 1] > ymin) & (world.spawns[:, 1] < ymax))
    assert world.placement_ok(world.spawns).all()


def test_perf_table_makes_one_markdown_row_per_result(tmp_path):
    from makaverse.bench.perf_table import COLUMNS, main

    result = {"scenario": "crowd", "count": 1000, "tick_ms": {"p50": 12.0, "p99": 24.5}, "server_cpu_pct": 150.2,
              "cpu_us_per_client_tick": 75.0, "ceiling_ratio": 1.42, "snapshots_per_s": {"min": 19.2, "median": 20.0},
              "down_kbit_s_per_client": {"median": 60.1}, "up_kbit_s_per_client": {"median": 9.4},
              "latency_ms": {"p50": 40.0, "p99": 90.0}, "rss_kib_per_client": 50.0, "errors": 0, "disconnects": 0,
              "loadgen_cpu_pct": 80.0, "load_avg": {"start": [2.5, 2.0, 1.0]}, "commit": "abc"}
    good, bad = tmp_path / "crowd.json", tmp_path / "other.json"
    good.write_text(json.dumps(result))
    bad.write_text("{}")
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main([str(good), str(bad)]) == 0
    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 3 and lines[0].count("|") == len(COLUMNS) + 1
    assert "| crowd | 1,000 | 12.0 / 24.5 | 150 | 75 | 1.42 |" in lines[2]


def test_overload_calibrates_then_drives_twice_what_the_server_holds():
    """With a configured cap of 4 and 3 walkers calibrating, the bench drives 8: 4 walk in the world,
    4 are refused with `full` naming the place the server was given, and /healthz is sampled for
    the input backlog throughout."""
    from makaverse.bench.overload import DEFAULT_FULL_URL

    r = _bench("--scenario", "overload", "--count", "3", "--duration", "2", "--warmup", "1", "--json",
               "--serve-args", "--capacity-players 4")
    o = r["overload"]
    assert r["scenario"] == "overload" and r["count"] == 8
    assert o["capacity_measured"] == 4 and o["driven"] == 8 and o["calibration_bots"] == 3
    assert o["admitted"] == r["clients_measured"] == 4
    assert o["refused_full"] == o["full_named_a_place"] == 4 and o["full_places"] == [DEFAULT_FULL_URL]
    assert r["connect_errors"] == {"error:full": 4} and r["disconnects"] == 0
    assert r["snapshots_per_s"]["min"] > 0 and r["latency_ms"]["samples"] > 0
    assert o["healthz"] and all(s["input_backlog"] is not None and s["capacity"] == 4 for s in o["healthz"])
    assert o["input_backlog_max"] is not None and o["receive_backlog_bytes_max"] is not None
    assert set(o["verdict"]) == {"snapshots_min_ge_15", "ack_p99_lt_250_ms", "refused_beyond_capacity",
                                 "every_full_named_a_place", "input_backlog_bounded"}
    assert o["verdict"]["refused_beyond_capacity"] is True and o["verdict"]["every_full_named_a_place"] is True
