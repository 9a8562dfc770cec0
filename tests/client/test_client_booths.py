"""The booth UI rendered offscreen against a real server (seeded SQLite, a staff account made
with `makaverse admin create-user`): the prompt, the booth panel, tickets, requests, the
counter light everyone sees and the staff console, checked on the pixels and the summary."""

from __future__ import annotations

import json
import os
import subprocess
import threading

import pytest
from client_harness import (
    REPO,
    client_args,
    colour_fraction,
    hex_rgb,
    load_rgb,
    run_client,
    start_seeded_server,
    stop_process,
)

pytest.importorskip("panda3d")

WIDTH, HEIGHT = 1280, 720
CLERK, CLERK2, CITIZEN, APPLICANT = "clerk", "clerk_dua", "andi_baso", "sitti_baru"
PASSWORD = "loket-rahasia-1"
TO_DUKCAPIL = "0,-4;0,17;-17.5,18@90"
TO_DUKCAPIL_POST = "0,-4;0,16;-18.1,16;-21.4,16;-21.4,18@270"  # through the gap beside the counter
PANEL_BG = (15, 18, 26)  # booth_widgets.BG over the scene
LIGHT_ON = (41, 219, 82)  # counter_lights.LIGHT_ON
LIGHT_OFF = (56, 59, 64)


def _env() -> dict:
    return {**os.environ, "MAKAVERSE_TEST_MODE": "1", "MAKAVERSE_PASSWORD": PASSWORD}


@pytest.fixture(scope="module")
def hall(tmp_path_factory):
    """A server on a seeded database with two DUKCAPIL clerks and two citizen accounts."""
    users = [(CLERK, "staff", "DUKCAPIL"), (CLERK2, "staff", "DUKCAPIL"), (CITIZEN, "citizen", ""),
             (APPLICANT, "citizen", "")]
    srv = start_seeded_server(tmp_path_factory.mktemp("booths"), users, PASSWORD)
    yield srv
    srv.stop()


@pytest.fixture
def password(monkeypatch):
    monkeypatch.setenv("MAKAVERSE_PASSWORD", PASSWORD)


@pytest.fixture(scope="module")
def red(world):
    return hex_rgb(world.booth("DUKCAPIL").colour)


def _inset(rect, dx: int = 6, dy: int = 6) -> tuple[int, int, int, int]:
    return (rect[0] + dx, rect[1] + dy, rect[2] - dx, rect[3] - dy)


def _booths(run) -> dict:
    assert run.returncode == 0, run.stderr[-3000:]
    return run.summary["booths"]


@pytest.mark.parametrize(("lang", "prompt"), [("id", "Tekan E untuk berbicara dengan Disdukcapil"),
                                              ("en", "Press E to talk to Disdukcapil")])
def test_walking_into_a_booth_zone_shows_the_prompt(hall, shots, lang, prompt):
    """At the Disdukcapil counter the HUD says "press E to talk to Disdukcapil", in the player's language."""
    png = shots / f"booth-prompt-{lang}.png"
    run = run_client(hall.url, png, "--name", "Daeng", "--frames", "6", "--lang", lang, "--walk", TO_DUKCAPIL)
    b = _booths(run)
    assert run.summary["zone"] == "booth:DUKCAPIL"
    assert b["zone_opd"] == "DUKCAPIL" and b["prompt"] == prompt and b["panel"]["opd"] == ""
    rgb = load_rgb(png)
    # The prompt: light letters on a dark strip low in the middle, right of the chat box.
    strip = rgb[634:656, 640:900]
    assert ((strip < 60).all(axis=2)).mean() > 0.4
    assert ((strip > 200).all(axis=2)).mean() > 0.03


def test_the_booth_panel_shows_the_opd_and_a_number_can_be_taken(hall, shots, red):
    """E's panel opens with Disdukcapil's header in its colour beside the booth; taking a number
    gives a DUK- ticket with a place and an estimate."""
    png = shots / "booth-panel-ticket.png"
    run = run_client(hall.url, png, "--name", "Sari", "--frames", "6", "--walk", TO_DUKCAPIL, "--open-booth",
                     "--take-number")
    b = _booths(run)
    assert [s["outcome"] for s in b["script"]] == ["ok", "ok"], b["script"]
    assert b["panel"]["opd"] == "DUKCAPIL" and b["prompt"] == ""
    assert b["panel"]["head"] == ["Disdukcapil", "Dinas Kependudukan dan Pencatatan Sipil"]
    (ticket,) = b["tickets"]
    assert ticket["code"].startswith("DUK-") and ticket["status"] == "waiting" and ticket["place"] >= 1
    assert "ticket.taken" in b["toasts"]
    rgb = load_rgb(png)
    x0, y0, x1, y1 = b["panel"]["rect"]
    assert x0 > WIDTH / 2 and x1 <= WIDTH and y1 - y0 > 400  # the right side of the screen
    header = (x0 + 6, y0 + 6, x1 - 6, y0 + 50)
    assert colour_fraction(rgb, header, red) > 0.5
    body = (x0 + 6, y0 + 200, x1 - 6, y1 - 60)
    assert colour_fraction(rgb, body, PANEL_BG, chroma_tol=0.06, min_gain=0.5, max_gain=2.0) > 0.5
    # The booth itself, in the same red, left of the panel.
    assert colour_fraction(rgb, (280, 100, x0 - 10, 500), red) > 0.1


def test_the_booth_panel_names_the_agency_in_english(hall, shots):
    """The header's second line is the agency's name in the player's language (in Indonesian it is
    the server's own name for it, as the other booth tests show)."""
    png = shots / "booth-panel-head-en.png"
    run = run_client(hall.url, png, "--name", "Ani", "--frames", "4", "--lang", "en", "--walk", TO_DUKCAPIL,
                     "--open-booth")
    b = _booths(run)
    assert b["panel"]["head"] == ["Disdukcapil", "Population and Civil Registration Agency"]


def test_a_signed_in_citizen_submits_a_request_and_sees_it_listed(hall, shots, password):
    """A valid KTP-el request gets a DUK-yyyy tracking number, and "my requests" lists it with its history."""
    png = shots / "booth-request.png"
    run = run_client(
        hall.url, png, "--user", CITIZEN, "--frames", "6", "--walk", TO_DUKCAPIL, "--open-booth", "services",
        "--request", "KTP_EL", "--field", "nik=7371 0101 0101 0001", "--field", "nama_lengkap=Andi Baso",
        "--field", "jenis_permohonan=Perekaman baru", "--field", "kecamatan=Panakkukang",
        "--field", "no_hp=0812-3456-7890", "--note", "Mohon dibantu", "--my-requests")
    b = _booths(run)
    assert [s["outcome"] for s in b["script"]] == ["ok", "ok", "ok"], b["script"]
    form = b["form"]
    assert form["problems"] == {} and form["error"] == ""
    assert form["tracking"].startswith("DUK-") and form["tracking"] in b["requests"]["rows"]
    assert b["requests"]["open"] and b["requests"]["rect"] is not None
    rgb = load_rgb(png)
    assert colour_fraction(rgb, _inset(b["requests"]["rect"], 20, 60), PANEL_BG, chroma_tol=0.06, min_gain=0.5,
                           max_gain=2.0) > 0.5


def test_a_bad_nik_is_refused_before_sending(hall, shots, password):
    """A 15-digit NIK is marked on its field by the client, and no request is made."""
    png = shots / "booth-request-invalid.png"
    run = run_client(hall.url, png, "--user", CITIZEN, "--frames", "4", "--walk", TO_DUKCAPIL, "--open-booth",
                     "--request", "AKTA_KELAHIRAN", "--field", "nik_ibu=737101010101000", "--lang", "en")
    b = _booths(run)
    form = b["form"]
    assert form["tracking"] == "" and form["problems"]["nik_ibu"] == "invalid_nik"
    assert form["problems"]["nama_anak"] == "required" and "nik_ayah" not in form["problems"]  # optional


def test_a_manned_counter_lights_up_for_everyone_and_the_console_calls_the_next(hall, shots, world, red):
    """A clerk mans Disdukcapil from behind the counter: a passer-by sees its sign lit green (Dinkes stays dark);
    a second clerk's console shows the counter open and calls the citizen waiting."""
    clerk = subprocess.Popen(
        client_args(hall.url, "--user", CLERK, "--frames", "1000000", "--walk", TO_DUKCAPIL_POST, "--man-counter"),
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=REPO, env=_env(),
    )
    try:
        ready = json.loads(clerk.stdout.readline())  # once the counter is manned
        assert ready["event"] == "ready" and ready["connected"], ready
        png = shots / "booth-light-on.png"
        run = run_client(hall.url, png, "--name", "Nurul", "--frames", "6", "--walk", "0,-4;0,17;-17.2,19@90",
                         "--take-number", "--camera", "booth:DUKCAPIL")
        b = _booths(run)
        assert b["lights"]["DUKCAPIL"]["on"] and not b["lights"]["DINKES"]["on"]
        assert b["tickets"] and b["tickets"][0]["status"] == "waiting"
        rgb = load_rgb(png)
        px = b["lights"]["DUKCAPIL"]["px"]
        assert px is not None
        assert colour_fraction(rgb, (px[0] - 40, px[1] - 10, px[0] + 40, px[1] + 10), LIGHT_ON) > 0.4
        dinkes = b["lights"]["DINKES"]["px"]
        if dinkes is not None and dinkes[0] < WIDTH - 60:
            around = (dinkes[0] - 40, dinkes[1] - 10, dinkes[0] + 40, dinkes[1] + 10)
            assert colour_fraction(rgb, around, LIGHT_ON) < 0.05

        console_png = shots / "booth-staff-console.png"
        env_run = subprocess.run(
            client_args(hall.url, "--screenshot", str(console_png), "--user", CLERK2, "--frames", "8", "--walk",
                        TO_DUKCAPIL_POST, "--man-counter", "--call-next", "--staff-console", "--camera", "hall"),
            capture_output=True, text=True, timeout=240, cwd=REPO, env=_env(),
        )
        assert env_run.returncode == 0, env_run.stderr[-3000:]
        summary = json.loads(env_run.stdout.strip().splitlines()[-1])
        c = summary["booths"]["console"]
        assert c["open"] and c["manning"] and c["current"].startswith("DUK-")
        rgb = load_rgb(console_png)
        x0, y0, x1, y1 = c["rect"]
        assert x1 - x0 > 600 and y1 - y0 > 500
        assert colour_fraction(rgb, (x0 + 6, y0 + 4, x1 - 80, y0 + 28), red) > 0.5  # the OPD's colour on top
        assert colour_fraction(rgb, (x0 + 10, y0 + 300, x1 - 10, y1 - 80), PANEL_BG, chroma_tol=0.06, min_gain=0.5,
                               max_gain=2.0) > 0.5
    finally:
        stop_process(clerk)


def test_the_clerk_at_the_post_sees_the_citizen_across_the_counter_beside_the_console(hall, shots):
    """Manning the counter with the console open, the clerk looks from their own eyes across the
    counter, and the picture's centre moves into the part the console leaves free: the citizen
    standing at the counter is drawn there, whole, not behind the console or the clerk's head."""
    citizen = subprocess.Popen(
        client_args(hall.url, "--name", "Nurul", "--frames", "1000000", "--walk", TO_DUKCAPIL),
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=REPO, env=_env(),
    )
    try:
        ready = json.loads(citizen.stdout.readline())
        assert ready["event"] == "ready" and ready["connected"], ready
        png = shots / "booth-clerk-view.png"
        run = run_client(hall.url, png, "--user", CLERK2, "--frames", "8", "--walk", TO_DUKCAPIL_POST,
                         "--man-counter", "--staff-console", "counter", env=_env())
        c = _booths(run)["console"]
        assert c["open"] and c["manning"]
        x0 = c["rect"][0]
        avatars = run.summary["avatars"]
        me = next(a for a in avatars if a["self"])
        assert not me["tag_shown"] and me["torso_px"] is None  # the camera is at the clerk's eyes
        nurul = next(a for a in avatars if a["name"] == "Nurul")
        assert nurul["torso_px"] is not None
        tx, ty = nurul["torso_px"]
        assert 40 < tx < x0 - 40 and 100 < ty < HEIGHT - 100, (nurul["torso_px"], c["rect"])
        rgb = load_rgb(png)
        assert colour_fraction(rgb, (tx - 8, ty - 10, tx + 8, ty + 10), hex_rgb(nurul["look"])) > 0.5
    finally:
        stop_process(citizen)


KTP_FIELDS = {"nik": "7371010101010002", "nama_lengkap": "Sitti Baru", "jenis_permohonan": "Perekaman baru",
              "kecamatan": "Tamalate", "no_hp": "081234567891"}


def _submit_until(url: str, stop: threading.Event, out: dict) -> None:
    """The applicant submits a KTP-el request now and then until told to stop (the clerk's client
    takes its picture once one arrived live)."""
    from event_host import Host

    from makaverse.protocol import RequestSubmitted, SubmitRequest

    try:
        who = Host(url, APPLICANT, PASSWORD, timeout_s=60.0)
        try:
            n = 0
            while not stop.is_set() and n < 40:
                n += 1
                got = who.ask(lambda r, n=n: SubmitRequest(request_id=r, client_request_id=f"live-{n}", opd="DUKCAPIL",
                                                           service="KTP_EL", fields=dict(KTP_FIELDS)))
                assert isinstance(got, RequestSubmitted), got
                out.setdefault("tracking", []).append(got.tracking)
                stop.wait(1.5)
        finally:
            who.close()
    except Exception as exc:  # noqa: BLE001 - reported to the test
        out["error"] = repr(exc)


def test_a_new_request_appears_live_in_the_clerks_console(hall, shots, red):
    """The clerk has the Permohonan tab open with a request picked; a citizen submits at the booth:
    without reloading, the new one is on top marked "baru", the tab counts it, a toast says
    "Permohonan baru: DUK-… (KTP Elektronik)" and the notification sound plays; the pick stays."""
    out: dict = {}
    stop = threading.Event()
    submitter = threading.Thread(target=_submit_until, args=(hall.url, stop, out), daemon=True)
    submitter.start()
    png = shots / "booth-staff-new-request.png"
    try:
        for _ in range(300):  # one is in the list before the clerk comes: it gets picked
            if out.get("tracking") or out.get("error") or stop.wait(0.1):
                break
        assert out.get("tracking"), out
        run = run_client(hall.url, png, "--user", CLERK, "--frames", "6", "--staff-console", "requests",
                         "--wait-new-request", "--camera", "hall", env=_env())
    finally:
        stop.set()
        submitter.join(30)
    assert "error" not in out, out
    b = _booths(run)
    assert [s["outcome"] for s in b["script"]] == ["ok", "ok"], b["script"]
    c = b["console"]
    assert c["open"] and c["tab"] == "requests" and c["new"], c
    top_tracking, top_status = c["rows"][0]
    assert top_tracking in c["new"] and top_tracking in out["tracking"]
    assert top_status == "Baru", c["rows"]
    assert c["tabs"]["requests"].startswith("Permohonan (") and c["tabs"]["requests"].endswith(" baru)"), c["tabs"]
    assert c["detail"] and c["detail"] not in c["new"]  # the request the clerk had picked stays open
    assert "staff.new_request" in b["toasts"]
    assert run.summary["find"]["sounds"].get("notify", 0) >= 1
    rgb = load_rgb(png)
    x0, y0, x1, y1 = c["rect"]
    assert colour_fraction(rgb, (x0 + 6, y0 + 4, x1 - 80, y0 + 28), red) > 0.5  # the console is drawn
    toast = (158, 112, 10)  # ticket_hud.TONES["call"]: the toast stands left of the console, not under it
    assert colour_fraction(rgb, (x0 - 280, y0 + 4, x0 - 10, y0 + 36), toast, chroma_tol=0.06) > 0.3
