"""Town-hall events in the client over a real server: a citizen opens the event board, registers,
hears that the event started, goes to it and is seated, votes in a poll, raises a hand (the
host's `event_hall` shows it) and reads the host's stage line as a subtitle. The board and the
subtitles are checked on pixels in both renderers (the software one offscreen, OpenGL under Xvfb)."""

from __future__ import annotations

import os
import subprocess
import time

import pytest
from client_harness import REPO, client_args, load_rgb, start_seeded_server
from event_host import Host

from makaverse.protocol import (
    EventControl,
    EventHall,
    EventInfo,
    EventJoin,
    EventList,
    EventSchedule,
    Poll,
    PollOpen,
    Questions,
    StageSay,
)

PASSWORD = "rembuk-rahasia-1"
HOST = "walikota"
TITLE = "Rembuk Warga Mariso"
OTHER = "Musrenbang Kecamatan Tamalate"
LARGE = "Rembuk Warga Ujung Pandang"
SAID = "Selamat pagi warga Makassar"
OPTIONS = ("Jalan", "Drainase", "Taman")
ASKED = "Kapan saluran di Jalan Veteran diperbaiki?"


@pytest.fixture(scope="module")
def hall(tmp_path_factory):
    srv = start_seeded_server(tmp_path_factory.mktemp("events"), [(HOST, "host", "")], PASSWORD)
    yield srv
    srv.stop()


def _env(extra: dict[str, str] | None = None) -> dict[str, str]:
    return {**os.environ, "MAKAVERSE_TEST_MODE": "1", "MAKAVERSE_PASSWORD": PASSWORD, **(extra or {})}


def _schedule(host: Host, title: str, *, in_s: int = 0, capacity: int = 300) -> int:
    now_ms = int(time.time() * 1000)
    info = host.ask(lambda r: EventSchedule(request_id=r, title=title, start_ms=now_ms + in_s * 1000,
                                            end_ms=now_ms + (in_s + 3600) * 1000, opd="DISKOMINFO",
                                            capacity=capacity))
    assert isinstance(info, EventInfo), info
    return info.event["id"]


def _wait_registered(host: Host, event_id: int, count: int, timeout_s: float = 180.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        board = host.ask(lambda r: EventList(request_id=r))
        if any(e["id"] == event_id and e["registered"] >= count for e in board.events):
            return
        time.sleep(0.5)
    raise TimeoutError("nobody registered")


def _finish(proc: subprocess.Popen, timeout_s: float = 240.0) -> dict:
    import json

    try:
        out, _ = proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
        raise
    lines = [line for line in out.splitlines() if line.startswith("{")]
    assert proc.returncode == 0 and lines, out[-3000:]
    return json.loads(lines[-1])


def _inside(rgb, rect, inset: int = 2):
    x0, y0, x1, y1 = rect
    return rgb[y0 + inset:y1 - inset, x0 + inset:x1 - inset].reshape(-1, 3).astype(int)


def _town_hall(hall, png, title: str, user: str, *extra: str) -> tuple[int, dict, list]:
    """A citizen's client registers for `title`, goes, votes 2, asks, raises a hand and waits for the
    host's line, while the host opens the event and a live poll and says the line: the event's id,
    the client's summary and what the host received."""
    host = Host(hall.url, HOST, PASSWORD)
    proc = None
    try:
        event_id = _schedule(host, title)
        proc = subprocess.Popen(
            client_args(hall.url, "--screenshot", str(png), "--user", user, "--register", "--display-name",
                        "Daeng Warga", "--frames", "4", "--event-register", "--event-wait-started", "--event-go",
                        "--event-vote", "2", "--event-ask", ASKED, "--event-hand", "--event-wait-line", SAID,
                        "--event-questions", *extra),
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=REPO, env=_env())
        _wait_registered(host, event_id, 1)
        opened = host.ask(lambda r: EventControl(request_id=r, event_id=event_id, action="open"))
        assert isinstance(opened, EventInfo) and opened.event["status"] == "live"
        host.ask(lambda r: EventJoin(request_id=r, event_id=event_id))
        mark = len(host.got)
        host.wait(lambda m: isinstance(m, EventHall) and sum(c["attendees"] for c in m.copies) >= 2, since=0,
                  timeout_s=180)
        host.ask(lambda r: PollOpen(request_id=r, event_id=event_id, question="Apa prioritas kelurahan?",
                                    options=OPTIONS, live=True))
        counted = host.wait(lambda m: isinstance(m, Poll) and m.total == 1, since=mark, timeout_s=180)
        assert list(counted.counts) == [0, 1, 0]  # the citizen pressed 2
        raised = host.wait(lambda m: isinstance(m, EventHall) and any(h["name"] == "Daeng Warga" for h in m.hands),
                           since=mark, timeout_s=180)
        assert [h["name"] for h in raised.hands] == ["Daeng Warga"]
        host.ask(lambda r: StageSay(request_id=r, event_id=event_id, text=SAID))
        summary = _finish(proc)
        host_got = list(host.got)
    finally:
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait(10)
        host.close()
    return event_id, summary, host_got


def test_a_citizen_takes_part_in_a_town_hall(hall, shots):
    png = shots / "event-attendee.png"
    event_id, summary, host_got = _town_hall(hall, png, TITLE, "warga1")
    ev = summary["events"]
    assert [s["outcome"] for s in summary["event_script"]] == ["ok"] * 9, summary["event_script"]
    assert event_id in ev["registered"]
    assert [n["kind"] for n in ev["notices"]][:1] == ["started"] and ev["notices_played"] >= 1
    assert ev["joined"]["event_id"] == event_id and ev["joined"]["part"] == "attendee"
    assert ev["seated"] is not None and ev["seated"]["seat"] == ev["joined"]["seat"] >= 0
    assert ev["poll"]["voted"] == 1 and ev["hall"]["hands"] == ["Daeng Warga"]
    # Your own hand is on the event line, not a marker over your head: seen from just behind it,
    # the marker's back filled the top of the picture.
    me_id = next(a["id"] for a in summary["avatars"] if a["self"])
    assert str(me_id) not in summary["stage"]["markers"], summary["stage"]["markers"]
    # The questions panel (Q) lists the question asked from it, with its votes.
    assert ev["questions"]["open"] and [(r["text"], r["votes"]) for r in ev["questions"]["rows"]] == [(ASKED, 0)]
    assert any(isinstance(m, Questions) and [q["text"] for q in m.questions] == [ASKED] for m in host_got)
    assert "event.notice.started" in summary["booths"]["toasts"]  # shown in the HUD's toasts, with the chime
    assert summary["find"]["sounds"].get("notify", 0) >= 1
    # The subtitle: "Walikota: Selamat pagi …" at the bottom centre, white letters on a dark card.
    (sub,) = [s for s in ev["subtitles"] if SAID in s["text"]]
    assert sub["text"].endswith(f": {SAID}") and sub["alpha"] > 0.5
    x0, y0, x1, y1 = sub["px"]
    assert 400 < (x0 + x1) / 2 < 880 and y1 > 480, sub["px"]  # bottom centre
    card = _inside(load_rgb(png), sub["px"])
    assert (card.max(axis=1) < 90).mean() > 0.35  # the dark card
    assert 0.03 < (card.min(axis=1) > 200).mean() < 0.6  # white letters on it, not an empty card
    # Your own figure is drawn seated where the server put you.
    me = next(a for a in summary["avatars"] if a["self"])
    assert me["sitting"], me
    (mx, my), seat = me["position"], ev["seated"]
    assert abs(mx - seat["x"]) < 0.3 and abs(my - seat["y"]) < 0.3, (me, seat)


def test_large_text_grows_the_town_hall_panels(hall, shots, tmp_path):
    """At 140 % text the questions panel and the subtitle grow with it (as a whole) and stay in the
    1280×720 window; the poll, with no room to read it beside the questions panel, waits until they
    close (the stage screen shows it meanwhile) rather than cover them or the middle of the picture."""
    import json

    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps({"text_scale": 1.4}))
    png = shots / "event-attendee-large-text.png"
    _, summary, _ = _town_hall(hall, png, LARGE, "warga4", "--event-title", LARGE, "--settings-file", str(settings))
    ev = summary["events"]
    assert [s["outcome"] for s in summary["event_script"]] == ["ok"] * 9, summary["event_script"]
    (sub,) = [s for s in ev["subtitles"] if SAID in s["text"]]
    rects = {"questions": ev["questions"]["rect"], "subtitle": sub["px"]}
    for name, r in rects.items():
        assert r is not None and 0 <= r[0] < r[2] <= 1280 and 0 <= r[1] < r[3] <= 720, (name, r)
    assert ev["poll"] is None
    # At 100 % the questions panel is 468 pixels wide and a subtitle line about 24 high.
    assert rects["questions"][2] - rects["questions"][0] > 600, rects
    assert sub["px"][3] - sub["px"][1] > 28, rects


def test_a_start_told_while_offline_arrives_at_the_next_login(hall, shots):
    """Registered, then away when the host opens: at the next login the stored 'started' notice
    shows as a toast with the notification sound."""
    host = Host(hall.url, HOST, PASSWORD)
    try:
        event_id = _schedule(host, OTHER, in_s=600)
        first = subprocess.run(
            client_args(hall.url, "--screenshot", str(shots / "event-register.png"), "--user", "warga2", "--register",
                        "--frames", "2", "--event-register", "--event-title", OTHER),
            capture_output=True, text=True, timeout=240, cwd=REPO, env=_env())
        assert first.returncode == 0, first.stderr[-2000:]
        _wait_registered(host, event_id, 1, timeout_s=60)  # a hang guard: stored before the client exited
        host.ask(lambda r: EventControl(request_id=r, event_id=event_id, action="open"))
    finally:
        host.close()
    again = subprocess.run(
        client_args(hall.url, "--screenshot", str(shots / "event-stored-notice.png"), "--user", "warga2", "--frames",
                    "2", "--event-wait-started"),
        capture_output=True, text=True, timeout=240, cwd=REPO, env=_env())
    assert again.returncode == 0, again.stderr[-2000:]
    import json

    summary = json.loads([line for line in again.stdout.splitlines() if line.startswith("{")][-1])
    notices = summary["events"]["notices"]
    assert {"kind": "started", "title": OTHER, "stored": True} in notices
    assert "event.notice.started" in summary["booths"]["toasts"]
    assert summary["find"]["sounds"].get("notify", 0) >= 1


def test_e_at_a_seat_sits_you_down(hall, shots):
    """Walked into the auditorium through its door (no event joined), E next to a seat sends `sit`:
    the server seats you and your figure draws seated on it."""
    png = shots / "event-sit.png"
    run = subprocess.run(
        client_args(hall.url, "--screenshot", str(png), "--name", "Daeng", "--frames", "4",
                    "--walk", "0,-4;0,40;0,47;-3,49.8@0", "--event-sit"),
        capture_output=True, text=True, timeout=240, cwd=REPO, env=_env())
    assert run.returncode == 0, run.stderr[-2000:]
    import json

    summary = json.loads([line for line in run.stdout.splitlines() if line.startswith("{")][-1])
    ev = summary["events"]
    assert summary["event_script"] == [{"step": "sit", "outcome": "ok"}], summary["event_script"]
    assert ev["seated"] is not None and ev["joined"] is None
    assert abs(ev["seated"]["x"] + 3.0) < 0.01 and abs(ev["seated"]["y"] - 49.0) < 0.01  # the seat next to you
    me = next(a for a in summary["avatars"] if a["self"])
    assert me["sitting"] and abs(me["position"][0] + 3.0) < 0.3 and abs(me["position"][1] - 49.0) < 0.3, me
