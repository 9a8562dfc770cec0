"""The look of the city and its people, rendered offscreen (no server) and checked on the pixels:
the timpa' laja gable and red-tile roof, booths dressed in their OPD's colours, and avatars
whose headwear shows. Each runs with the software renderer, and with OpenGL under Xvfb where
it is installed."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import numpy as np
import pytest
from client_harness import REPO, colour_fraction, hex_rgb, load_rgb

pytest.importorskip("panda3d")

RENDERERS = ["software", pytest.param("gl", marks=pytest.mark.skipif(shutil.which("xvfb-run") is None,
                                                                    reason="needs xvfb-run and Mesa"))]


def lookbook(png, renderer: str, *args: str) -> dict:
    cmd = [sys.executable, "-m", "makaverse.bench.lookbook", str(png), *args]
    if renderer == "gl":
        cmd = ["xvfb-run", "-a", "-s", "-screen 0 1280x720x24", *cmd, "--gl"]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=180, cwd=REPO)
    assert run.returncode == 0, run.stderr[-2000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("renderer", RENDERERS)
def test_entrance_gable_and_roof_draw(renderer, shots):
    """From the street: red-tile roof planes either side, and the tiered gable over the door in
    eja red and white, with the building's name under it."""
    png = shots / f"gable-{renderer}.png"
    lookbook(png, renderer, "--none", "--camera=0,-29,2.0>0,-5,5.5")
    rgb = load_rgb(png)
    roof = hex_rgb("#b2462c")
    eja = hex_rgb("#b31c21")
    assert colour_fraction(rgb, (0, 250, 280, 400), roof, chroma_tol=0.06) > 0.3  # west roof plane
    assert colour_fraction(rgb, (1000, 250, 1280, 400), roof, chroma_tol=0.06) > 0.3  # east roof plane
    gable = (500, 60, 780, 340)
    assert colour_fraction(rgb, gable, eja, chroma_tol=0.06) > 0.15
    pale = (rgb[60:340, 500:780].astype(int).min(axis=2) > 160).mean()  # the white tiers
    assert pale > 0.15


@pytest.mark.parametrize("renderer", RENDERERS)
def test_booth_is_dressed_in_its_colours(renderer, shots, world):
    """Facing the DINKES booth: its green fills the header and the counter, and the back panel
    carries a dark screen between two pale posters."""
    png = shots / f"booth-dressing-{renderer}.png"
    lookbook(png, renderer, "--none", "--camera=-15,23.5,1.7>-21,23.5,1.9")
    rgb = load_rgb(png)
    green = hex_rgb(world.booth("DINKES").colour)
    assert colour_fraction(rgb, (200, 0, 1080, 180), green) > 0.5  # header
    assert colour_fraction(rgb, (220, 600, 1060, 720), green, min_gain=0.4) > 0.5  # counter front
    screen = rgb[330:420, 540:740].astype(int)
    assert (screen.max(axis=2) < 90).mean() > 0.4  # mostly dark
    for x0, x1 in ((350, 460), (820, 930)):
        poster = rgb[350:420, x0:x1].astype(int)
        assert (poster.min(axis=2) > 200).mean() > 0.4, (x0, x1)


HIJAB = "skin=2,headwear=hijab,pattern=plain,top=#f5f5f0,bottom=#263238,head=#2e8b57"
PECI = "skin=2,headwear=peci,pattern=plain,top=#f5f5f0,bottom=#263238,head=#1c1c1c"


@pytest.mark.parametrize("renderer", RENDERERS)
def test_hijab_and_peci_differ(renderer, shots):
    """Two citizens alike but for their headwear: the hijab frames the face in its green, the peci
    sits black on top of the head; the two heads don't look the same."""
    png = shots / f"headwear-{renderer}.png"
    out = lookbook(png, renderer, "--look", HIJAB, "--look", PECI, "--at", "0,20")
    rgb = load_rgb(png)
    hijab, peci = out["avatars"]
    green = hex_rgb("#2e8b57")

    def around(px, dx, dy):
        return (px[0] - dx, px[1] - dy, px[0] + dx, px[1] + dy)

    assert colour_fraction(rgb, around(hijab["head_px"], 60, 60), green) > 0.25
    assert colour_fraction(rgb, around(peci["head_px"], 60, 60), green) < 0.01
    top = around(peci["hat_px"], 30, 12)
    assert (rgb[top[1]:top[3], top[0]:top[2]].astype(int).max(axis=2) < 60).mean() > 0.5  # a black cap
    a = rgb[hijab["head_px"][1] - 60:hijab["head_px"][1] + 60, hijab["head_px"][0] - 60:hijab["head_px"][0] + 60]
    b = rgb[peci["head_px"][1] - 60:peci["head_px"][1] + 60, peci["head_px"][0] - 60:peci["head_px"][0] + 60]
    assert np.abs(a.astype(int) - b.astype(int)).mean() > 20


@pytest.mark.parametrize("renderer", RENDERERS)
def test_patterns_show_on_clothes(renderer, shots):
    """A batik shirt shows its accent colour on the torso; a balo lobang sarong its checks below the waist."""
    png = shots / f"patterns-{renderer}.png"
    batik = "skin=3,headwear=none,pattern=batik,top=#1e5aa8,accent=#e8b04a,bottom=#263238"
    sarong = "skin=3,headwear=songkok,pattern=balo_lobang,top=#f5f5f0,accent=#e8b04a,bottom=#8a1420,head=#1c1c1c"
    out = lookbook(png, renderer, "--look", batik, "--look", sarong)
    rgb = load_rgb(png)
    gold = hex_rgb("#e8b04a")
    shirt, wrap = out["avatars"]
    tx, ty = shirt["torso_px"]
    assert colour_fraction(rgb, (tx - 50, ty - 60, tx + 50, ty + 60), hex_rgb("#1e5aa8")) > 0.3
    assert colour_fraction(rgb, (tx - 50, ty - 60, tx + 50, ty + 60), gold, chroma_tol=0.08) > 0.05
    sx, sy = wrap["torso_px"]
    below = (sx - 60, sy + 120, sx + 60, sy + 260)
    assert colour_fraction(rgb, below, hex_rgb("#8a1420"), chroma_tol=0.08) > 0.1
    assert colour_fraction(rgb, below, gold, chroma_tol=0.08) > 0.05
