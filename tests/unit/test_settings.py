"""Settings: one frozen object from defaults, MAKAVERSE_* variables and command-line flags, refusing nonsense."""

from __future__ import annotations

import argparse
import dataclasses

import pytest

from makaverse.__main__ import build_parser
from makaverse.server.settings import DEFAULT_DB_URL, Settings


def serve_args(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(["serve", *argv])


def test_defaults_run_everything_embedded():
    """With no variables and no flags, the defaults are a local embedded server."""
    s = Settings.from_env(serve_args(), env={})
    assert s == Settings()
    assert s.host == "127.0.0.1" and s.port == 8765
    assert s.db_url == DEFAULT_DB_URL and s.db_url.startswith("sqlite:")
    assert s.redis_url == ""
    assert s.tick_hz == 20 and s.snapshot_hz == 20
    assert s.max_frame_bytes == 64 * 1024


def test_settings_are_frozen():
    """Settings cannot be changed once built."""
    with pytest.raises(dataclasses.FrozenInstanceError):
        Settings().port = 1  # type: ignore[misc]


def test_environment_overrides_defaults():
    """MAKAVERSE_* variables override the defaults, converted to each field's type."""
    env = {
        "MAKAVERSE_PORT": "9001",
        "MAKAVERSE_HOST": "0.0.0.0",
        "MAKAVERSE_DB_URL": "sqlite:////tmp/x.db",
        "MAKAVERSE_TICK_HZ": "30",
        "MAKAVERSE_SNAPSHOT_HZ": "10",
        "MAKAVERSE_INTEREST_RADIUS_M": "25.5",
        "MAKAVERSE_HELLO_TIMEOUT_S": "2",
        "MAKAVERSE_LOG_FORMAT": "text",
        "OTHER_PORT": "1",
    }
    s = Settings.from_env(serve_args(), env=env)
    assert s.port == 9001 and type(s.port) is int
    assert s.host == "0.0.0.0"
    assert s.db_url == "sqlite:////tmp/x.db"
    assert (s.tick_hz, s.snapshot_hz) == (30, 10)
    assert s.interest_radius_m == 25.5 and type(s.interest_radius_m) is float
    assert s.hello_timeout_s == 2.0
    assert s.log_format == "text"


def test_empty_variable_means_unset():
    """An empty MAKAVERSE_* variable falls back to the default."""
    assert Settings.from_env(None, env={"MAKAVERSE_PORT": ""}).port == 8765


def test_flags_override_environment():
    """Command-line flags win over MAKAVERSE_* variables; flags not given leave the variables in force."""
    env = {"MAKAVERSE_PORT": "9001", "MAKAVERSE_HOST": "0.0.0.0", "MAKAVERSE_TICK_HZ": "40"}
    s = Settings.from_env(serve_args("--port", "9100", "--db", "sqlite:///a.db", "--tick-hz", "60"), env=env)
    assert s.port == 9100
    assert s.db_url == "sqlite:///a.db"
    assert s.tick_hz == 60
    assert s.host == "0.0.0.0"


def test_port_zero_from_a_flag():
    """`--port 0` (any free port) is a flag like any other, not mistaken for "unset"."""
    assert Settings.from_env(serve_args("--port", "0"), env={"MAKAVERSE_PORT": "9001"}).port == 0


def test_reads_the_process_environment_by_default(monkeypatch):
    """Without an explicit env, the process environment is read."""
    monkeypatch.setenv("MAKAVERSE_PORT", "9555")
    assert Settings.from_env(None).port == 9555


@pytest.mark.parametrize(
    "kw",
    [
        dict(tick_hz=0),
        dict(tick_hz=121),
        dict(snapshot_hz=0),
        dict(tick_hz=20, snapshot_hz=40),
        dict(tick_hz=20, snapshot_hz=3),
        dict(port=-1),
        dict(port=65536),
    ],
    ids=repr,
)
def test_invalid_combinations_raise(kw):
    """Impossible clocks (snapshots faster than ticks, or not a divisor) and bad ports are refused."""
    with pytest.raises(ValueError):
        Settings(**kw)


@pytest.mark.parametrize(
    "env",
    [{"MAKAVERSE_PORT": "eighty"}, {"MAKAVERSE_TICK_HZ": "20.5"}, {"MAKAVERSE_SNAPSHOT_HZ": "50"},
     {"MAKAVERSE_INTEREST_RADIUS_M": "far"}],
    ids=repr,
)
def test_invalid_environment_raises(env):
    """A variable that is not a valid value for its field is refused, not ignored."""
    with pytest.raises(ValueError):
        Settings.from_env(None, env=env)


def test_invalid_flag_combination_raises():
    """Flags that make an impossible combination with the environment are refused."""
    with pytest.raises(ValueError):
        Settings.from_env(serve_args("--snapshot-hz", "30"), env={"MAKAVERSE_TICK_HZ": "20"})


@pytest.mark.parametrize(
    "kw",
    [
        dict(send_queue_frames=0),
        dict(send_buffer_bytes=100),
        dict(send_buffer_bytes=-1),
        dict(msg_rate_per_s=0.0),
        dict(msg_burst=0),
        dict(interest_radius_m=0.0),
        dict(input_hz=0),
        dict(max_frame_bytes=0),
        dict(log_format="xml"),
    ],
    ids=repr,
)
def test_values_that_would_break_the_server_later_are_refused(kw):
    """Values the server cannot run with (an unbounded send queue, no message budget, zero radius or rate) are refused up front."""
    with pytest.raises(ValueError):
        Settings(**kw)


def test_instances_come_from_the_environment_and_must_name_one():
    """`MAKAVERSE_INSTANCES` picks the hosted instances (both by default); an empty list is refused."""

    assert Settings().instance_ids == ["building", "auditorium"]
    assert Settings.from_env(env={"MAKAVERSE_INSTANCES": " building "}).instance_ids == ["building"]
    with pytest.raises(ValueError):
        Settings(instances=" , ")


def test_measured_refusal_is_on_where_a_refusal_can_name_somewhere_to_go():
    """Unset, measured refusal follows `full_url` (or a cluster); the flag and the variable
    override it either way."""
    assert not Settings.from_env(serve_args(), env={}).refuses_on_measure
    assert Settings.from_env(serve_args("--full-url", "ws://other:8765/"), env={}).refuses_on_measure
    assert Settings.from_env(serve_args("--capacity-auto"), env={}).refuses_on_measure
    off = Settings.from_env(serve_args("--full-url", "ws://other:8765/", "--no-capacity-auto"), env={})
    assert not off.refuses_on_measure
    assert not Settings.from_env(serve_args(), env={"MAKAVERSE_CAPACITY_AUTO": "off",
                                                    "MAKAVERSE_FULL_URL": "ws://o/"}).refuses_on_measure
    assert Settings.from_env(serve_args(), env={"MAKAVERSE_CAPACITY_AUTO": "yes"}).refuses_on_measure
