"""Finding your way, rendered offscreen against a real server: the directory panel and the
minimap draw (checked on the pixels), "Take me there" walks the avatar to the booth through the
server's own movement, and saved settings take effect (language, minimap, low preset's rate)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from client_harness import colour_fraction, load_rgb, run_client

pytest.importorskip("panda3d")

PANEL_BG = (15, 18, 26)  # booth_widgets.BG over the scene
GOLD_TEXT = (255, 214, 102)  # the panel's title (booth_widgets.GOLD)
GRASS = (77, 115, 69)  # minimap garden
CLOSED = (217, 64, 56)  # minimap: a booth whose counter is closed
YOU = (255, 242, 51)  # minimap: your arrow


def _inside(rect, pad: int = 4) -> tuple[int, int, int, int]:
    x0, y0, x1, y1 = rect
    return (x0 + pad, y0 + pad, x1 - pad, y1 - pad)


def test_directory_panel_and_minimap_draw(server, shots: Path) -> None:
    """Searching 'pajak' lists Bapenda; mid-walk, the panel, its title, the map, the booths and you are on screen."""
    png = shots / "find-directory.png"
    run = run_client(server.url, png, "--name", "Penunjuk", "--directory", "pajak", "--take-me-there",
                     "--guide-seconds", "3", "--frames", "4")
    assert run.returncode == 0, run.stderr[-2000:]
    find = run.summary["find"]
    assert find["directory"]["open"] and find["directory"]["rows"][0].startswith("Bapenda")
    assert find["guide"]["status"] == "walking" and find["guide"]["path"][-1] == [-18.1, 40.0]
    assert find["line"].startswith("Menuju Bapenda")
    rgb = load_rgb(png)
    panel = find["directory"]["rect"]
    assert colour_fraction(rgb, _inside(panel), PANEL_BG, chroma_tol=0.06, min_gain=0.6, max_gain=2.2) > 0.4
    x0, y0, x1, _ = panel
    title = (x0, y0, x0 + (x1 - x0) // 2, y0 + 45)
    assert colour_fraction(rgb, title, GOLD_TEXT, chroma_tol=0.08, min_gain=0.6, max_gain=1.3) > 0.01
    minimap = find["minimap"]["rect"]
    assert find["minimap"]["visible"]
    assert colour_fraction(rgb, _inside(minimap), GRASS, chroma_tol=0.05) > 0.15
    assert colour_fraction(rgb, _inside(minimap), CLOSED, chroma_tol=0.06, min_gain=0.7) > 0.003
    assert colour_fraction(rgb, _inside(minimap), YOU, chroma_tol=0.08, min_gain=0.7) > 0.0005


def test_take_me_there_arrives_at_the_booth(server, shots: Path) -> None:
    """'KTP' then Take me there: the server's avatar ends in the Disdukcapil service zone, facing the counter."""
    png = shots / "find-arrived.png"
    run = run_client(server.url, png, "--name", "Tamu KTP", "--lang", "en", "--directory", "KTP", "--take-me-there",
                     "--frames", "3")
    assert run.returncode == 0, run.stderr[-2000:]
    find = run.summary["find"]
    assert find["guide"]["status"] == "arrived", find
    assert find["zone"] == "booth:DUKCAPIL"
    assert find["line"] == "You have arrived at Disdukcapil"
    assert run.summary["zone"] == "booth:DUKCAPIL"
    assert abs(run.summary["yaw_deg"] - 90.0) < 1.0


def test_saved_settings_take_effect(server, shots: Path, tmp_path: Path) -> None:
    """A settings file with English, no minimap and the low preset: the panel opens in English, the map is
    hidden, and the server sends this client half its snapshots."""
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps({"lang": "en", "minimap": False, "preset": "low", "show_fps": True}))
    png = shots / "find-settings.png"
    run = run_client(server.url, png, "--name", "Hemat", "--settings-file", str(settings), "--settings-panel",
                     "--frames", "4")
    assert run.returncode == 0, run.stderr[-2000:]
    find = run.summary["find"]
    assert find["settings"]["open"] and not find["minimap"]["visible"]
    assert find["snapshot_hz"] == 10
    assert run.summary["status"] == "Connected"
    rgb = load_rgb(png)
    assert colour_fraction(rgb, _inside(find["settings"]["rect"]), PANEL_BG, chroma_tol=0.06, min_gain=0.6,
                           max_gain=2.2) > 0.4
