"""In the auditorium during a live event the town-hall pieces of the screen (the event line, the
poll, the questions panel, the event board) cover neither each other nor the pieces always there
(status strip, zone line, toasts, chat box, help line, minimap, account bar), at 1280×720 and
1024×600 with normal and large text, in both renderers (software offscreen, OpenGL under Xvfb);
the poll keeps off the middle of the picture, where the stage screen is."""

from __future__ import annotations

import itertools
import json
import time

import pytest
from client_harness import load_rgb, run_client, start_seeded_server
from event_host import Host
from test_client_events import HOST, PASSWORD, _env, _schedule

from makaverse.client.ui.hud_layout import overlaps
from makaverse.protocol import EventControl, EventJoin, PollOpen

TITLE = "Musrenbang Kecamatan Mariso"
ASKED = "Kapan saluran di Jalan Veteran diperbaiki?"


@pytest.fixture(scope="module")
def live_poll(tmp_path_factory):
    """A server with a live event whose host opened a poll with live results, and two later events."""
    srv = start_seeded_server(tmp_path_factory.mktemp("event-layout"), [(HOST, "host", "")], PASSWORD)
    host = Host(srv.url, HOST, PASSWORD)
    live = _schedule(host, TITLE)
    _schedule(host, "Rembuk Warga Ujung Pandang", in_s=26 * 3600)
    _schedule(host, "Sosialisasi Pajak Daerah", in_s=50 * 3600)
    host.ask(lambda r: EventControl(request_id=r, event_id=live, action="open"))
    host.ask(lambda r: EventJoin(request_id=r, event_id=live))
    host.ask(lambda r: PollOpen(request_id=r, event_id=live, question="Apa prioritas kelurahan tahun ini?",
                                options=("Drainase", "Sekolah", "Taman"), live=True))
    yield srv
    host.close()
    srv.stop()


def _attend(srv, shots, tmp_path, request, renderer: str, size: str, text_scale: float, *extra: str) -> tuple:
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps({"text_scale": text_scale}))
    kw: dict = {"env": _env()}
    args = []
    if renderer == "gl":
        kw = {"offscreen": False, "env": _env(request.getfixturevalue("x11").env())}
        args = ["--renderer", "gl"]
    name = f"hadir{renderer[:2]}{size.split('x')[0]}{int(text_scale * 10)}{len(extra)}{int(time.time()) % 1000}"
    png = shots / f"event-layout-{renderer}-{size}-{text_scale}{'-board' if '--event-board-end' in extra else ''}.png"
    run = run_client(srv.url, png, *args, "--user", name, "--register", "--display-name", "Siti", "--frames", "6",
                     "--window-size", size, "--settings-file", str(settings), "--event-go", "--event-vote", "1",
                     "--event-hand", *extra, **kw)
    assert run.returncode == 0, run.stderr[-2000:]
    assert all(s["outcome"] == "ok" for s in run.summary["event_script"]), run.summary["event_script"]
    return run.summary, png


def _no_clashes(rects: dict, size: str) -> None:
    w, h = (int(v) for v in size.split("x"))
    for name, r in rects.items():
        assert 0 <= r[0] < r[2] <= w and 0 <= r[1] < r[3] <= h, (name, r)  # inside the window
    clashes = [(a, b) for a, b in itertools.combinations(sorted(rects), 2) if overlaps(rects[a], rects[b])]
    assert not clashes, (clashes, rects)


@pytest.mark.parametrize("size", ["1280x720", "1024x600"])
@pytest.mark.parametrize("text_scale", [1.0, 1.4])
def test_town_hall_pieces_never_overlap(live_poll, shots, tmp_path, request, renderer, size, text_scale):
    """Seated in a live event, a poll open and the questions panel (Q) open with a question."""
    summary, png = _attend(live_poll, shots, tmp_path, request, renderer, size, text_scale, "--event-ask", ASKED,
                           "--event-questions")
    rects = summary["client"]["layout"]
    assert {"status", "help", "chat", "minimap", "event_line", "questions"} <= set(rects), rects
    _no_clashes(rects, size)
    w = int(size.split("x")[0])
    if "poll" not in rects:  # large text: no room to read it beside the questions panel (back when Q closes them)
        assert text_scale > 1 and summary["events"]["poll"] is None, rects
    else:
        poll = rects["poll"]
        assert poll[2] < w / 2 or poll[0] > w / 2, poll  # off the middle, where the stage screen is
    ev = summary["events"]
    assert "\n" not in ev["line"] and ev["line"].startswith(f"Acara: {TITLE}"), ev["line"]
    assert ev["help"] == "app.help_event"  # H, Q and F12 are told on the help line, not on the event line
    line = rects["event_line"]
    assert line[3] - line[1] < 40 * text_scale, line  # one line
    assert ev["questions"]["open"] and ASKED in [r["text"] for r in ev["questions"]["rows"]]
    # The panels are drawn where the layout says: the poll's and the questions' dark cards.
    rgb = load_rgb(png)
    for name in ("poll", "questions")[("poll" not in rects):]:
        x0, y0, x1, y1 = rects[name]
        inside = rgb[y0 + 4:y1 - 4, x0 + 4:x1 - 4].reshape(-1, 3)
        assert (inside.max(axis=1) < 70).mean() > 0.5, name
    if text_scale > 1 and size == "1280x720":
        assert rects["questions"][2] - rects["questions"][0] > 1.3 * 360 * 1.3, rects  # grown with the text


@pytest.mark.parametrize("size,text_scale", [("1280x720", 1.0), ("1024x600", 1.4)])
def test_the_event_board_fits_between_the_pieces(live_poll, shots, tmp_path, request, renderer, size, text_scale):
    """F12 in the event: the board stands between the top and bottom pieces with as many of its
    three events as fit (the arrows scroll the rest); the poll hides behind it meanwhile."""
    summary, _ = _attend(live_poll, shots, tmp_path, request, renderer, size, text_scale, "--event-board-end")
    rects = summary["client"]["layout"]
    assert {"status", "help", "chat", "minimap", "event_line", "board"} <= set(rects), rects
    assert "poll" not in rects and summary["events"]["poll"] is None
    _no_clashes(rects, size)
    rows = summary["events"]["board"]["rows"]
    assert 1 <= len(rows) <= 3 and rows[0]["title"] == TITLE, rows
