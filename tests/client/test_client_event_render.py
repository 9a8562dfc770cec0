"""The event board panel and the subtitles show their letters in both renderers people use: the
software renderer (offscreen) and OpenGL (a real window on Mesa under Xvfb). The board is opened
with E at the board in the lobby; two events are on it, one live."""

from __future__ import annotations

import json
import subprocess
import time

import pytest
from client_harness import REPO, client_args, colour_fraction, load_rgb, run_client, start_seeded_server
from event_host import Host
from test_client_events import HOST, PASSWORD, _env, _inside, _schedule

from makaverse.protocol import EventControl, EventHall, EventJoin, StageSay

LIVE = "Rembuk Warga Mariso"
LATER = "Musrenbang Kecamatan Tamalate"
SAID = "Anggaran drainase naik tahun ini"
AT_BOARD = "0,-4;0,2;-4.6,7.1@40"  # through the main entrance to the board on the west side, turned to it


@pytest.fixture(scope="module")
def town(tmp_path_factory):
    """A server with a host who scheduled two events and opened one (it is live)."""
    srv = start_seeded_server(tmp_path_factory.mktemp("event-render"), [(HOST, "host", "")], PASSWORD)
    host = Host(srv.url, HOST, PASSWORD)
    live = _schedule(host, LIVE)
    _schedule(host, LATER, in_s=26 * 3600)  # tomorrow
    host.ask(lambda r: EventControl(request_id=r, event_id=live, action="open"))
    host.ask(lambda r: EventJoin(request_id=r, event_id=live))
    yield srv, host, live
    host.close()
    srv.stop()


def _renderer_args(renderer: str, request) -> tuple[list[str], dict]:
    if renderer == "gl":
        x11 = request.getfixturevalue("x11")
        return ["--renderer", "gl"], {"offscreen": False, "env": _env(x11.env())}
    return [], {"env": _env()}


def test_the_board_opens_with_e_and_shows_both_events(town, shots, renderer, request):
    srv, _, live = town
    png = shots / f"event-board-{renderer}.png"
    extra, kw = _renderer_args(renderer, request)
    run = run_client(srv.url, png, *extra, "--user", f"papan{renderer}", "--register", "--frames", "6",
                     "--walk", AT_BOARD, "--press", "e", "--event-board", **kw)
    assert run.returncode == 0, run.stderr[-2000:]
    ev = run.summary["events"]
    board = ev["board"]
    assert board["open"] and [r["title"] for r in board["rows"]] == [LIVE, LATER]
    assert board["rows"][0]["status"] == "live" and board["rows"][0]["actions"] == ["go", "register"]
    assert board["rows"][1]["actions"] == ["register"]
    assert ev["directory"] == [LIVE]  # the directory (F1) lists today's live event (the other is tomorrow)
    now, later = ev["screen"]  # on the board in the lobby
    assert now == f"Sekarang: {LIVE}" and f"Berikutnya: {LATER}".startswith(later.rstrip("…"))
    rgb = load_rgb(png)
    panel = _inside(rgb, board["rect"], inset=6)
    assert (panel.max(axis=1) < 70).mean() > 0.5  # the dark panel over the scene
    x0, y0, x1, y1 = board["rect"]
    assert y1 - y0 < 400  # as tall as its two events, not the whole screen
    rows = _inside(rgb, [x0, y0 + 60, x1, y0 + 240])
    assert (rows.min(axis=1) > 200).mean() > 0.003  # white letters on the rows (none on an empty card)
    assert colour_fraction(rgb, (x0, y0, x1, y0 + 60), (255, 214, 102), chroma_tol=0.06) > 0.01  # gold title
    assert colour_fraction(rgb, (x0, y0 + 60, x1, y0 + 160), (158, 20, 26), chroma_tol=0.06) > 0.005  # LIVE badge


def test_subtitles_show_the_stage_line(town, shots, renderer, request):
    srv, host, live = town
    png = shots / f"event-subtitles-{renderer}.png"
    extra, kw = _renderer_args(renderer, request)
    mark = len(host.got)
    proc = subprocess.Popen(
        client_args(srv.url, "--screenshot", str(png), *extra, "--user", f"teks{renderer}", "--register",
                    "--frames", "4", "--event-go", "--event-wait-line", SAID, offscreen=kw.get("offscreen", True)),
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=REPO, env=kw["env"])
    try:
        before = max((sum(c["attendees"] for c in m.copies) for m in host.got if isinstance(m, EventHall)),
                     default=1)
        host.wait(lambda m: isinstance(m, EventHall) and sum(c["attendees"] for c in m.copies) > before, since=mark,
                  timeout_s=180)
        time.sleep(0.5)
        host.ask(lambda r: StageSay(request_id=r, event_id=live, text=SAID))
        out, _ = proc.communicate(timeout=240)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    assert proc.returncode == 0
    summary = json.loads([line for line in out.splitlines() if line.startswith("{")][-1])
    (sub,) = [s for s in summary["events"]["subtitles"] if SAID in s["text"]]
    assert sub["text"] == f"{HOST}: {SAID}"
    rgb = load_rgb(png)
    card = _inside(rgb, sub["px"])
    assert len(card) > 500, sub["px"]
    assert (card.max(axis=1) < 90).mean() > 0.35  # the dark card
    assert 0.03 < (card.min(axis=1) > 200).mean() < 0.6  # white letters on it, not an empty box
    _sees_the_whole_screen(summary["events"], rgb)


def _sees_the_whole_screen(ev: dict, rgb) -> None:
    """Seated, the camera has eased over to the stage: the screen's four corners are in the window,
    and just inside each corner is the screen's dark face (not the wall or the ceiling)."""
    assert ev["seated"] is not None and ev["camera_seated"] == 1.0
    w, h = ev["window"]
    corners = ev["stage_screen_px"]
    assert all(c is not None and 0 <= c[0] < w and 0 <= c[1] < h for c in corners), corners
    (l0, b0), (r0, b1), (r1, t1), (l1, t0) = corners
    assert r0 - l0 > w / 4 and b0 - t0 > h / 12  # big enough to read
    cx, cy = sum(c[0] for c in corners) / 4, sum(c[1] for c in corners) / 4
    for x, y in corners:
        px, py = int(x + (cx - x) * 0.06), int(y + (cy - y) * 0.12)
        patch = rgb[py - 2:py + 3, px - 2:px + 3].reshape(-1, 3).astype(int)
        assert patch.max() < 70, ((x, y), (px, py), patch.max(axis=0).tolist())


def test_a_guest_reads_that_there_are_no_events_yet(server, shots):
    """A guest at the board of a town hall with no events: why they can't register, and that
    nothing is scheduled (not the login line alone)."""
    png = shots / "event-board-guest-empty.png"
    run = run_client(server.url, png, "--name", "Daeng", "--frames", "3", "--walk", AT_BOARD, "--press", "e",
                     "--event-board", env=_env())
    assert run.returncode == 0, run.stderr[-2000:]
    board = run.summary["events"]["board"]
    assert board["open"] and board["rows"] == []
    assert board["notes"] == ["Masuk dengan akun untuk mendaftar.", "Belum ada acara terjadwal."]
    assert run.summary["events"]["screen"] == ["Belum ada acara"]  # the board in the lobby agrees
