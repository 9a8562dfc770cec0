"""A host runs a town hall from the client's host console, over a real server: schedules it,
opens it, loads a two-slide deck (a PNG and a Markdown card) and advances it, opens a poll. An
attendee (a logged-in connection) sees the slides, raises a hand and votes; the host's console
then shows the vote and the raised hand, and gives that attendee the floor."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import time

import pytest
from client_harness import REPO, client_args, load_rgb, run_client, start_seeded_server
from event_host import Host
from stage_render import MARKDOWN, STRIPES, png_bytes

from makaverse.protocol import EventJoin, EventJoined, EventList, EventNotice, HandRaise, Poll, PollVote, Slide

HOST, ATTENDEE = "hana", "andi"
PASSWORD = "rembuk-rahasia-2"


@pytest.fixture(scope="module")
def hall(tmp_path_factory):
    srv = start_seeded_server(tmp_path_factory.mktemp("hostconsole"), [(HOST, "host", ""), (ATTENDEE, "citizen", "")],
                              PASSWORD)
    yield srv
    srv.stop()


def _attend(url: str, out: dict, stop: threading.Event) -> None:
    """Go to the live event, raise a hand, vote for option 2 in the first open poll, wait for the
    floor, and stay until told to go."""
    try:
        a = Host(url, ATTENDEE, PASSWORD, timeout_s=240.0)
        try:
            event_id = 0
            while not event_id and not stop.is_set():
                board = a.ask(lambda r: EventList(request_id=r))
                event_id = next((e["id"] for e in board.events if e["status"] == "live"), 0)
                if not event_id:
                    time.sleep(0.5)
            joined = a.ask(lambda r: EventJoin(request_id=r, event_id=event_id))
            out["joined"] = isinstance(joined, EventJoined)
            a.ask(lambda r: HandRaise(request_id=r, event_id=event_id, up=True))
            poll = a.wait(lambda m: isinstance(m, Poll) and m.open)
            out["voted"] = type(a.ask(lambda r: PollVote(request_id=r, event_id=event_id, poll_id=poll.poll_id,
                                                         option=1))).__name__
            a.wait(lambda m: isinstance(m, EventNotice) and m.kind == "floor")
            out["floor"] = True
            out["slides"] = [(m.index, m.count, m.kind, len(m.data), m.text[:14]) for m in a.got
                             if isinstance(m, Slide)]
            stop.wait(240)  # stay in the hall until the host's picture is taken
        finally:
            a.close()
    except Exception as exc:  # noqa: BLE001 - reported to the test
        out["error"] = repr(exc)


def test_a_host_runs_the_event_from_the_console(hall, shots, tmp_path):
    deck = tmp_path / "deck"
    deck.mkdir()
    (deck / "1-peta.png").write_bytes(png_bytes(160, 90, STRIPES))
    (deck / "2-agenda.md").write_text(MARKDOWN, encoding="utf-8")
    out: dict = {}
    stop = threading.Event()
    attendee = threading.Thread(target=_attend, args=(hall.url, out, stop), daemon=True)
    attendee.start()
    png = shots / "host-console-run.png"
    env = {**os.environ, "MAKAVERSE_TEST_MODE": "1", "MAKAVERSE_PASSWORD": PASSWORD}
    try:
        run = run_client(hall.url, png, "--user", HOST, "--frames", "4", "--host-schedule", "Rembuk Warga Tamalate",
                         "--host-open", "--host-deck", f"{deck / '1-peta.png'};{deck / '2-agenda.md'}",
                         "--host-next", "2", "--host-poll", "Prioritas 2027?|Drainase|Taman|Jalan",
                         "--host-wait-votes", "1", "--host-wait-hands", "1", "--host-floor", "--host-console",
                         env=env, timeout_s=300.0)
    finally:
        stop.set()
        attendee.join(60)
    assert run.returncode == 0, run.stderr[-2000:]
    stage = run.summary["stage"]
    assert [s["outcome"] for s in stage["script"]] == ["ok"] * len(stage["script"]), stage["script"]
    assert [s["step"] for s in stage["script"]][-3:] == ["host_wait_votes", "host_wait_hands", "host_floor"]
    assert "error" not in out, out
    # The attendee saw the slides (at least the one on the screen when it came in: the card).
    assert out["joined"] and out["voted"] == "EventDone" and out["floor"], out
    assert out["slides"] and out["slides"][-1][:3] == (1, 2, "markdown"), out["slides"]
    assert any(s[2] == "png" and s[3] > 100 for s in out["slides"]) or out["slides"][0][0] == 1
    # The host's console: the deck went whole, the vote is counted, the hand came down with the floor.
    assert stage["slide"] == {"index": 1, "count": 2, "kind": "markdown"}
    assert stage["poll"]["open"] and stage["poll"]["counts"] == [0, 1, 0] and stage["poll"]["total"] == 1
    console = stage["console"]
    assert console["open"] and console["deck"] == 2 and console["problems"] == []
    people = console["people"]
    assert len(people) == 1 and people[0]["floor"] and people[0]["hand"] == 0, people
    assert stage["hall"]["floor"] != 0 and stage["hall"]["hands"] == []
    assert "floor_back" in console["enabled"] and "floor_give" not in console["enabled"]
    assert console["buttons"]["floor_back"].endswith("(Ctrl+T)")
    assert console["buttons"]["poll_close"].endswith("(Ctrl+N)")
    # The console has the poll and the event: the attendee's poll panel and the event line keep away.
    layout = run.summary["client"]["layout"]
    assert run.summary["events"]["poll"] is None and "poll" not in layout and "event_line" not in layout, layout
    assert run.summary["events"]["help"] == "app.help_host"  # F11 on the help line, not H
    # The floor's microphone over the attendee's figure, and the console's words on its panel.
    assert "floor" in stage["markers"].values(), (stage["markers"], run.summary["avatars"])
    rgb = load_rgb(png)
    x0, y0, x1, y1 = console["rect"]
    body = rgb[y0 + 60:y1 - 10, x0 + 10:x1 - 10].reshape(-1, 3).astype(int)
    assert (body.max(axis=1) < 70).mean() > 0.6
    assert 0.01 < (body.min(axis=1) > 170).mean() < 0.3
    assert stage["errors"] == []


@pytest.fixture
def quiet_hall(tmp_path_factory):
    """A server of its own: no event is live on it yet."""
    srv = start_seeded_server(tmp_path_factory.mktemp("ctrl"), [(HOST, "host", "")], PASSWORD)
    yield srv
    srv.stop()


def test_ctrl_o_on_a_real_keyboard_opens_the_event(quiet_hall, x11, shots):
    """In an OpenGL window with the console open, the X keyboard's Ctrl+O (xdotool) opens the event
    the console scheduled: the console's own button thrower turns it into "control-o"."""
    if shutil.which("xdotool") is None:
        pytest.skip("xdotool is not installed (apt-get install xdotool): real key presses not checked")
    env = {**x11.env(), "MAKAVERSE_TEST_MODE": "1", "MAKAVERSE_PASSWORD": PASSWORD}
    png = shots / "host-ctrl-o.png"
    proc = subprocess.Popen(
        client_args(quiet_hall.url, "--renderer", "gl", "--user", HOST, "--frames", "3", "--wait", "90",
                    "--host-schedule", "Musrenbang Kecamatan", "--host-wait-live", "--host-console",
                    "--screenshot", str(png), offscreen=False),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO, env=env)
    try:
        deadline = time.monotonic() + 150
        window = ""
        while proc.poll() is None and time.monotonic() < deadline:
            if not window:
                found = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", "Makaverse"], env=env,
                                       capture_output=True, text=True, timeout=30)
                window = (found.stdout.split() or [""])[0]
            else:
                # At a person's pace, until the event is open (another press then does nothing).
                subprocess.run(["xdotool", "windowfocus", "--sync", window], env=env, capture_output=True, timeout=30)
                subprocess.run(["xdotool", "key", "ctrl+o"], env=env, capture_output=True, timeout=30)
            time.sleep(2.0)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err[-2000:]
    summary = next((json.loads(ln) for ln in reversed(out.splitlines()) if ln.startswith("{") and '"stage"' in ln),
                   None)
    assert summary is not None, (out[-2000:], err[-2000:])
    stage = summary["stage"]
    assert [s["outcome"] for s in stage["script"]] == ["ok"] * len(stage["script"]), stage["script"]
    assert stage["hall"]["status"] == "live" and stage["joined"]["part"] == "host"
