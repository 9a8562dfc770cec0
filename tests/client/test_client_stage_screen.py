"""The screen over the stage, the markers over people and the host console, rendered in both
renderers people use: OpenGL (Mesa under Xvfb) and Panda3D's software renderer. The picture
slide shows its own colours where the screen is; the poll's bars are drawn with lengths in
proportion to the votes; a raised hand and the floor show over their people; the console's
words are on its panel."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
from client_harness import REPO, colour_fraction, load_rgb
from stage_render import STRIPES


def _render(shots, renderer: str, request, *extra: str) -> tuple[dict, np.ndarray]:
    env = request.getfixturevalue("x11").env() if renderer == "gl" else None
    png = shots / f"stage-{renderer}{'-'.join(('', *[e.strip('-') for e in extra]))}.png"
    proc = subprocess.run([sys.executable, str(REPO / "tests/client/stage_render.py"), str(png), "--renderer",
                           renderer, *extra], capture_output=True, text=True, timeout=180, cwd=REPO, env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    line = next(ln for ln in reversed(proc.stdout.splitlines()) if ln.startswith("{"))
    return json.loads(line), load_rgb(png)


def test_a_picture_slide_shows_its_colours_on_the_screen(shots, renderer, request):
    """The PNG's three stripes (red, green, blue, left to right) fill the slide's place on the screen."""
    got, rgb = _render(shots, renderer, request)
    x0, y0, x1, y1 = got["slide"]["px"]
    assert got["slide"]["kind"] == "png" and x1 - x0 > 300 and y1 - y0 > 150, got["slide"]
    third = (x1 - x0) // 3
    for i, colour in enumerate(STRIPES):
        box = (x0 + i * third + 15, y0 + 15, x0 + (i + 1) * third - 15, y1 - 15)
        share = colour_fraction(rgb, box, colour, chroma_tol=0.08, min_gain=0.6, max_gain=1.3)
        assert share > 0.9, (i, colour, share)


def test_the_poll_chart_draws_bars_in_proportion(shots, renderer, request):
    """Votes 6, 3, 0: the first bar spans its track, the second half of it, the third nothing; each
    bar is its option's colour on the screen."""
    got, rgb = _render(shots, renderer, request, "--counts", "6,3,0")
    bars = got["bars"]
    assert [b["count"] for b in bars] == [6, 3, 0]
    full = bars[0]["full_px"][2] - bars[0]["full_px"][0]
    assert full > 200
    drawn = []
    for bar in bars:
        x0, y0, x1, y1 = bar["full_px"]
        row = rgb[(y0 + y1) // 2, x0:x1].astype(int)
        colour = np.array(bar["colour"])
        on = (np.abs(row - colour).max(axis=1) < 40)  # the bar's colour, pixel by pixel along its track
        drawn.append(on.sum() / full)
    assert drawn[0] > 0.95, drawn
    assert 0.45 < drawn[1] < 0.55, drawn
    assert drawn[2] < 0.02, drawn


def test_markers_show_a_raised_hand_and_the_floor(shots, renderer, request):
    """Andi's raised hand is a gold hand over him, Sari's floor a green microphone over her."""
    got, rgb = _render(shots, renderer, request)
    markers = got["markers"]
    assert {m["kind"] for m in markers.values()} == {"hand", "floor"}
    for m in markers.values():
        x, y = m["px"]
        box = (x - 40, y - 40, x + 40, y + 40)
        gold = colour_fraction(rgb, box, (255, 204, 41), chroma_tol=0.06, min_gain=0.7, max_gain=1.3)
        green = colour_fraction(rgb, box, (51, 209, 92), chroma_tol=0.06, min_gain=0.7, max_gain=1.3)
        if m["kind"] == "hand":
            assert gold > 0.15 and green < 0.02, (gold, green)
        else:
            assert green > 0.05 and gold < 0.02, (gold, green)


def test_a_markdown_slide_is_a_card_with_its_title_and_bullets(shots, renderer, request):
    """A Markdown slide is a light card with dark (and red title) letters, laid out line by line."""
    got, rgb = _render(shots, renderer, request, "--markdown")
    slide = got["slide"]
    assert slide["kind"] == "markdown"
    assert slide["lines"][:3] == ["Rembuk Warga", "Agenda hari ini:", "Drainase Jl. Veteran"]
    x0, y0, x1, y1 = slide["px"]
    card = rgb[y0 + 5:y1 - 5, x0 + 20:x1 - 5].reshape(-1, 3).astype(int)
    light = (card.min(axis=1) > 200).mean()
    ink = (card.max(axis=1) < 90).mean()
    assert light > 0.7, light
    assert 0.005 < ink < 0.2, ink  # letters, not an empty card
    title = rgb[y0 + 5:y0 + (y1 - y0) // 5, x0 + 20:x1 - 5].reshape(-1, 3).astype(int)
    red = ((title[:, 0] > 120) & (title[:, 1] < 80) & (title[:, 2] < 80)).mean()
    assert red > 0.005, red  # the title in Makassar red


def test_the_host_console_shows_its_words(shots, renderer, request):
    """The console is a dark panel with light letters (not an empty box), in both renderers."""
    got, rgb = _render(shots, renderer, request, "--console")
    console = got["console"]
    assert "floor_give" in console["enabled"] and "poll_close" in console["enabled"]
    x0, y0, x1, y1 = console["rect"]
    assert x1 - x0 > 600 and y1 - y0 > 500
    body = rgb[y0 + 60:y1 - 10, x0 + 10:x1 - 10].reshape(-1, 3).astype(int)
    dark = (body.max(axis=1) < 70).mean()
    letters = (body.min(axis=1) > 170).mean()
    assert dark > 0.6, dark
    assert 0.01 < letters < 0.3, letters
