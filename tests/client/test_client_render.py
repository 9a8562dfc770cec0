"""The client rendered offscreen against a real server, checked on the pixels it writes."""

from __future__ import annotations

import json
import signal
import subprocess

import pytest
from client_harness import REPO, client_args, colour_fraction, free_port, hex_rgb, load_rgb, run_client

pytest.importorskip("panda3d")

WIDTH, HEIGHT = 1280, 720


def _around(px: list[int], dx: int, dy: int) -> tuple[int, int, int, int]:
    return (px[0] - dx, px[1] - dy, px[0] + dx, px[1] + dy)


def _own(summary: dict) -> dict:
    return next(a for a in summary["avatars"] if a["self"])


def test_walking_to_a_booth_shows_it_and_you(server, world, shots):
    """Walk (by ordinary inputs) to the Disdukcapil counter and face it: the HUD says where you are,
    your avatar stands mid-screen in its own colour, and the booth's red sign fills the view above."""
    png = shots / "walk-to-dukcapil.png"
    run = run_client(server.url, png, "--name", "Daeng", "--frames", "8", "--walk", "0,-4;0,18;-17.5,18@90")
    assert run.returncode == 0, run.stderr[-2000:]
    s = run.summary
    assert s["connected"] and s["name"] == "Daeng"
    assert s["zone"] == "booth:DUKCAPIL" and s["zone_name"] == "Disdukcapil"
    assert s["position"] == pytest.approx([-17.5, 18.0], abs=0.1)
    rgb = load_rgb(png)
    assert rgb.shape == (HEIGHT, WIDTH, 3)
    me = _own(s)
    assert me["torso_px"] is not None
    assert abs(me["torso_px"][0] - WIDTH / 2) < 40  # the follow camera keeps you centred
    assert colour_fraction(rgb, _around(me["torso_px"], 12, 20), hex_rgb(me["look"])) > 0.6
    # Above the avatar: the booth's header sign, in the booth's colour, not a neighbour's.
    band = (400, 150, 880, 350)
    colours = {b.opd: "#" + b.colour.lstrip("#") for b in world.booths}
    shares = {opd: colour_fraction(rgb, band, hex_rgb(c)) for opd, c in colours.items()}
    assert shares["DUKCAPIL"] > 0.25, shares
    assert max(shares, key=shares.get) == "DUKCAPIL", shares


def test_booth_view_in_english(server, world, shots):
    """A fixed camera on the DINKES booth: its green sign sits in the middle of the picture;
    the HUD speaks English."""
    png = shots / "booth-dinkes-en.png"
    run = run_client(server.url, png, "--frames", "4", "--camera", "booth:DINKES", "--lang", "en")
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.summary["status"] == "Connected"
    assert run.summary["zone_name"] == "Forecourt"
    rgb = load_rgb(png)
    green = hex_rgb(world.booth("DINKES").colour)
    red = hex_rgb(world.booth("DUKCAPIL").colour)
    sign = (540, 200, 740, 285)
    assert colour_fraction(rgb, sign, green) > 0.5
    assert colour_fraction(rgb, sign, red) < 0.05
    # The sign's white letters are there too (not just a blank card).
    letters = ((rgb[200:285, 540:740] > 225).all(axis=2)).mean()
    assert 0.03 < letters < 0.5


def test_two_clients_see_each_other(server, shots):
    """A second player walks into the hall; the first, walking in behind, sees them there in their colour."""
    other = subprocess.Popen(
        client_args(server.url, "--name", "Andi", "--frames", "100000", "--walk", "0,-4;0,20;1.5,29@180"),
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=REPO,
    )
    try:
        ready = json.loads(other.stdout.readline())  # printed once Andi has arrived
        assert ready["event"] == "ready" and ready["connected"], ready
        png = shots / "two-avatars.png"
        run = run_client(server.url, png, "--name", "Daeng", "--frames", "10", "--walk", "0,-4;-1,24@0")
        assert run.returncode == 0, run.stderr[-2000:]
    finally:
        other.terminate()
        try:
            other.wait(20)
        except subprocess.TimeoutExpired:
            other.kill()
    s = run.summary
    andi = next(a for a in s["avatars"] if a["name"] == "Andi")
    assert andi["position"] == pytest.approx([1.5, 29.0], abs=0.15)
    assert andi["torso_px"] is not None
    rgb = load_rgb(png)
    assert colour_fraction(rgb, _around(andi["torso_px"], 5, 8), hex_rgb(andi["look"])) > 0.6
    me = _own(s)
    assert colour_fraction(rgb, _around(me["torso_px"], 12, 20), hex_rgb(me["look"])) > 0.6


def test_no_server_still_renders_and_fails(shots):
    """Nobody listening: after the wait the shipped client still writes a picture of the Balai Kota, then exits 2."""
    png = shots / "no-server.png"
    run = run_client(f"ws://127.0.0.1:{free_port()}", png, "--frames", "3", "--wait", "1.5", command="client")
    assert run.returncode == 2
    assert run.summary["connected"] is False
    assert "Tidak dapat terhubung" in run.stderr
    rgb = load_rgb(png)
    sky = rgb[60:140, 400:880].reshape(-1, 3).astype(int)
    assert ((sky[:, 2] > sky[:, 0] + 20) & (sky[:, 2] > 150)).mean() > 0.5  # blue sky above the building
    facade = rgb[250:450, 300:980].reshape(-1, 3).astype(int)
    assert (facade.min(axis=1) > 170).mean() > 0.2  # white colonial walls


def test_ctrl_c_stops_the_client_cleanly(server):
    """Ctrl-C while in the world: the network thread is stopped and the client exits 130, no traceback."""
    proc = subprocess.Popen(client_args(server.url, "--frames", "1000000"), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=REPO)
    try:
        ready = json.loads(proc.stdout.readline())
        assert ready["connected"]
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130
    assert "Traceback" not in err
