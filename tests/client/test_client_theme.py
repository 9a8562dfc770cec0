"""Text size and high contrast reach every panel through the one theme, and the pieces always on
screen (status, account bar, zone line, chat box, help line, minimap, key hint, prompts) never
cover each other, at 1280×720 and 1024×600, with normal and large text."""

from __future__ import annotations

import itertools
import json

import pytest
from client_harness import load_rgb, run_client

from makaverse.client.ui.hud_layout import overlaps

AT_DUKCAPIL = "0,-4;0,17;-17.5,18@90"  # inside the booth's zone: its "Press E" prompt shows


def _settings(path, **values) -> None:
    path.write_text(json.dumps(values))


def _run(server, shots, name: str, *extra: str, settings_file=None):
    png = shots / f"{name}.png"
    args = ["--name", "Tata", "--frames", "6", "--walk", AT_DUKCAPIL, *extra]
    if settings_file is not None:
        args += ["--settings-file", str(settings_file)]
    run = run_client(server.url, png, *args)
    assert run.returncode == 0, run.stderr[-2000:]
    return run, png


@pytest.mark.parametrize("size", ["1280x720", "1024x600"])
@pytest.mark.parametrize("text_scale", [1.0, 1.4])
def test_screen_pieces_never_overlap(server, shots, tmp_path, size, text_scale):
    """Every pair of the pieces shown at a booth (its prompt included) has no area in common."""
    settings = tmp_path / "settings.json"
    _settings(settings, text_scale=text_scale)
    run, _ = _run(server, shots, f"layout-{size}-{text_scale}", "--window-size", size, settings_file=settings)
    rects = run.summary["client"]["layout"]
    assert {"status", "help", "chat", "minimap", "hint", "line", "booth_prompt"} <= set(rects), rects
    w, h = (int(v) for v in size.split("x"))
    for name, r in rects.items():
        assert 0 <= r[0] < r[2] <= w and 0 <= r[1] < r[3] <= h, (name, r)  # inside the window
    clashes = [(a, b) for a, b in itertools.combinations(sorted(rects), 2) if overlaps(rects[a], rects[b])]
    assert not clashes, (clashes, rects)


def test_large_text_and_high_contrast_reach_the_booth_panel_chat_and_hud(server, shots, tmp_path):
    """With text at 140 % the booth panel, chat box and status strip are drawn larger than at 100 %;
    with high contrast the booth panel's background is opaque black."""
    normal, _ = _run(server, shots, "theme-normal", "--open-booth", "about")
    settings = tmp_path / "settings.json"
    _settings(settings, text_scale=1.4, high_contrast=True)
    large, png = _run(server, shots, "theme-large-contrast", "--open-booth", "about", settings_file=settings)

    def size(rect):
        return rect[2] - rect[0], rect[3] - rect[1]

    a, b = normal.summary["client"]["layout"], large.summary["client"]["layout"]
    for piece in ("chat", "status", "help"):
        assert size(b[piece])[1] > size(a[piece])[1] * 1.2, (piece, a[piece], b[piece])
    panel_a, panel_b = normal.summary["booths"]["panel"]["rect"], large.summary["booths"]["panel"]["rect"]
    assert size(panel_b)[0] > size(panel_a)[0] * 1.05, (panel_a, panel_b)  # as large as the window allows
    img = load_rgb(png)
    x0, y0, x1, y1 = panel_b
    # Below the OPD-coloured header, the body's background: black where no text is.
    body = img[y0 + (y1 - y0) // 2: y1 - 60, x0 + 8: x1 - 8].reshape(-1, 3)
    dark = (body.max(axis=1) <= 8).mean()
    assert dark > 0.5, dark
