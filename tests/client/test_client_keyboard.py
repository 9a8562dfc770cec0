"""The client without a mouse: real key presses (xdotool) into a real OpenGL window on Xvfb.
The login screen holds the keyboard from the start, Shift-Tab reaches the language button and
Enter presses it, Tab walks to the fields, Enter logs in; F9 switches the language in the world."""

from __future__ import annotations

import json
import subprocess
import time

import pytest
from client_harness import REPO, client_args, client_window, health, run_client, start_seeded_server, wait_until

PASSWORD = "loket-rahasia-1"


@pytest.fixture(scope="module")
def accounts(tmp_path_factory):
    """A server on a seeded database with one citizen account (cheap password hashing)."""
    srv = start_seeded_server(tmp_path_factory.mktemp("keyboard"), [("andi", "citizen", "")], PASSWORD)
    yield srv
    srv.stop()


def _summary(stdout: str) -> dict:
    """The run's summary: its last JSON line that is not a progress event ({"event": "ready", ...});
    the summary itself may carry an "event" deeper down (a town hall's)."""
    for line in reversed(stdout.splitlines()):
        if line.startswith("{"):
            data = json.loads(line)
            if "event" not in data:
                return data
    return {}


def test_keyboard_only_from_the_login_screen_into_the_world(accounts, x11, xdotool, shots):
    """No mouse: Shift-Tab from the username reaches the language button, Enter switches to English,
    Tab wraps to the username, typing fills it, Tab goes to the password (not into the username),
    Enter logs in."""
    png = shots / "keyboard-login.png"
    proc = subprocess.Popen(
        client_args(accounts.url, "--renderer", "gl", "--frames", "3", "--wait", "90", "--show-login",
                    "--until-in-world", "--screenshot", str(png), offscreen=False),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO, env=x11.env())
    try:
        window = client_window(x11, proc)
        # The login screen is live (and holds the keyboard) once the client has connected.
        assert wait_until(lambda: health(accounts)["clients"] > 0, 60), "the client never connected"
        time.sleep(3)  # a few frames: the login screen is up, the username field holds the keyboard
        xdotool("windowfocus", "--sync", window)
        # At a person's pace: a key is handled in the frame after it arrives, and the language
        # switch builds the scene's signs again (a moment's pause).
        for step in (("key", "shift+Tab"), ("key", "Return"), ("key", "Tab"), ("type", "--delay", "80", "andi"),
                     ("key", "Tab"), ("type", "--delay", "80", PASSWORD), ("key", "Return")):
            xdotool(*step)
            time.sleep(3.0 if step == ("key", "Return") else 0.8)
        out, err = proc.communicate(timeout=150)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err[-2000:]
    summary = _summary(out)
    social = summary["social"]
    assert social["phase"] == "in_world" and social["who"] == "account" and summary["name"] == "andi"
    assert summary["client"]["lang"] == "en"  # the language button, pressed with Enter
    assert summary["client"]["help"].startswith("WASD/arrows")


def test_f9_switches_everything_to_english_in_the_world(accounts, shots):
    """F9 in the world: the help line, the booth prompt, name tags and the scene's signs follow."""
    png = shots / "f9-english.png"
    run = run_client(accounts.url, png, "--name", "Daeng", "--frames", "3", "--walk", "0,-4;0,17;-17.5,18@90",
                     "--press", "f9")
    assert run.returncode == 0, run.stderr[-2000:]
    client = run.summary["client"]
    assert client["lang"] == client["scene_lang"] == client["avatar_lang"] == "en"
    assert client["help"].startswith("WASD/arrows")
    assert run.summary["booths"]["prompt"].startswith("Press E to talk to")


def test_f5_takes_a_number_at_the_booth_you_stand_at(accounts, shots):
    """At the DUKCAPIL booth F5 takes a number, as the panel's "Ambil nomor (F5)" button would."""
    png = shots / "f5-number.png"
    run = run_client(accounts.url, png, "--name", "Nurul", "--frames", "20", "--walk", "0,-4;0,17;-17.5,18@90",
                     "--press", "f5")
    tickets = run.summary["booths"]["tickets"]
    assert [t["opd"] for t in tickets] == ["DUKCAPIL"], run.stderr[-2000:]


def test_tab_and_enter_open_the_services_tab_of_a_booth_panel(accounts, shots):
    """With the booth panel open (E), Tab walks its buttons in reading order and Enter presses the
    one in focus: the fourth Tab reaches the "services" tab (after Close, About, Programs), and
    Enter opens it without opening the chat line."""
    png = shots / "tab-services.png"
    run = run_client(accounts.url, png, "--name", "Nurul", "--frames", "20", "--walk", "0,-4;0,17;-17.5,18@90",
                     "--press", "e", "--press", "tab", "--press", "tab", "--press", "tab", "--press", "tab",
                     "--press", "enter")
    assert run.returncode == 0, run.stderr[-2000:]
    panel = run.summary["booths"]["panel"]
    assert panel["opd"] == "DUKCAPIL"
    assert panel["tab"] == "services", panel
    assert run.summary["client"]["focus"] is None  # the chat line did not take the Enter
