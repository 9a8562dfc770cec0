"""The look chooser with the keyboard alone: F10, down to "Avatar look", Enter; change a part with
the arrows; Enter saves it to the settings file and into the hello of the next entry."""

from __future__ import annotations

import json

from client_harness import load_rgb, run_client

from makaverse.client.state.look_choice import parse_look
from makaverse.protocol.look import Look


def test_keys_choose_headwear_and_enter_saves_it(server, shots, tmp_path):
    """Right on headwear moves one step along none → hijab → peci → songkok → passapu; Enter saves
    it (settings file and next hello); the chooser closes."""
    settings = tmp_path / "settings.json"
    png = shots / "look-chooser-keys.png"
    run = run_client(server.url, png, "--name", "Besse", "--frames", "4", "--walk", "0,-4;0,16;-3,21@58",
                     "--settings-file", str(settings),
                     "--press", "f10", "--press", "arrow_down", "--press", "enter",  # the "Avatar look" row
                     "--press", "arrow_down", "--press", "arrow_right", "--press", "enter")
    assert run.returncode == 0, run.stderr[-2000:]
    look = run.summary["find"]["look"]
    assert not look["open"]
    saved = parse_look(look["saved"])
    assert saved == parse_look(look["look"])
    assert json.loads(settings.read_text())["look"] == look["saved"]
    assert Look.unpack(bytes.fromhex(look["next_style"])) == saved
    order = ("none", "hijab", "peci", "songkok", "passapu")
    assert saved.headwear in order  # one step on from the server's pick for "Besse"


def test_the_chooser_shows_the_figure_beside_its_rows(server, shots, tmp_path):
    """Open (as at the first entry), the panel shows its rows and, in the preview box, a figure:
    skin-coloured and clothed pixels that differ from the empty box's plain background."""
    png = shots / "look-chooser.png"
    run = run_client(server.url, png, "--name", "Besse", "--frames", "6", "--walk", "0,-4;0,16;-3,21@58",
                     "--settings-file", str(tmp_path / "s.json"), "--look-chooser")
    assert run.returncode == 0, run.stderr[-2000:]
    look = run.summary["find"]["look"]
    assert look["open"] and look["rect"]
    x0, y0, x1, y1 = look["rect"]
    img = load_rgb(png)
    preview = img[y0 + 60:y1 - 80, x0 + (x1 - x0) * 6 // 10:x1 - 20].reshape(-1, 3).astype(int)
    background = (0.16 * 255, 0.19 * 255, 0.26 * 255)
    differs = (abs(preview - background).sum(axis=1) > 40).mean()
    assert 0.03 < differs < 0.6, differs  # a figure, not an empty box nor a stray full-screen render
