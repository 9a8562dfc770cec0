"""Fixtures for client tests: a server per module, the world, and where screenshots go."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from client_harness import SHOTS_ENV, start_server, start_xvfb  # noqa: E402

REQUIRE_SERVICES_ENV = "MAKAVERSE_REQUIRE_SERVICES"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under `pytest -n N --dist loadgroup` a client test file stays on one worker: its tests share one
    module-scoped server process, and some read what an earlier test in the file left on it."""
    here = Path(__file__).resolve().parent
    for item in items:
        path = Path(str(item.path)).resolve()
        if path.is_relative_to(here):
            item.add_marker(pytest.mark.xdist_group(name=f"client-{path.stem}"))


@pytest.fixture(autouse=True)
def _own_settings_file(tmp_path_factory, monkeypatch):
    """Each test's client runs read and write a settings file of their own: never the user's, and
    never one an earlier test changed (a language switched with F9 is remembered)."""
    path = tmp_path_factory.mktemp("settings") / "settings.json"
    monkeypatch.setenv("MAKAVERSE_SETTINGS", str(path))
    return path


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = start_server(tmp_path_factory.mktemp("db"))
    yield srv
    srv.stop()


@pytest.fixture
def shots(tmp_path) -> Path:
    """Where screenshots go: a temp folder, or $MAKAVERSE_TEST_SHOTS to keep them."""
    keep = os.environ.get(SHOTS_ENV)
    if keep:
        path = Path(keep)
        path.mkdir(parents=True, exist_ok=True)
        return path
    return tmp_path


@pytest.fixture(scope="session")
def world():
    from makaverse.world import load_default_world

    return load_default_world()


@pytest.fixture
def xdotool(x11):
    """Real key presses into the X display: `xdotool("key", "Tab")`, `xdotool("type", "andi")`."""
    if shutil.which("xdotool") is None:
        reason = "xdotool is not installed (apt-get install xdotool): real key presses not checked"
        if os.environ.get(REQUIRE_SERVICES_ENV) == "1":
            pytest.fail(reason)
        pytest.skip(reason)

    def run(*args: str) -> None:
        subprocess.run(["xdotool", *args], check=True, env=x11.env(), capture_output=True, timeout=30)

    return run


@pytest.fixture(scope="session")
def x11():
    """A virtual X display for OpenGL renders (Xvfb + Mesa). Without Xvfb the test is skipped
    with the reason, except where services are required (CI), where that is a failure."""
    if shutil.which("Xvfb") is None:
        reason = "Xvfb is not installed (apt-get install xvfb libgl1-mesa-dri): OpenGL renders not checked"
        if os.environ.get(REQUIRE_SERVICES_ENV) == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    display = start_xvfb()
    yield display
    display.stop()


@pytest.fixture(params=["software", "gl"])
def renderer(request) -> str:
    """Each test taking `renderer` runs with the software renderer and with OpenGL on Xvfb."""
    if request.param == "gl":
        request.getfixturevalue("x11")  # skips (or fails in CI) without Xvfb
    return request.param
