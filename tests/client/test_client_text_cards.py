"""Name tags and speech bubbles show their letters in both renderers people use: OpenGL (a real
window on Mesa under Xvfb) and Panda3D's software renderer (offscreen)."""

from __future__ import annotations

import json
import subprocess

import numpy as np
from client_harness import REPO, client_args, load_rgb, run_client, start_client, stop_process

SAID = "Halo semua, selamat pagi"


def _speaker(url: str) -> subprocess.Popen:
    """Andi walks up the hall and says a line once Daeng is near."""
    return subprocess.Popen(
        client_args(url, "--name", "Andi", "--frames", "1000000", "--walk", "0,-4;0,20;1.5,28@180",
                    "--say", SAID, "--say-near", "10", "--near-name", "Daeng"),
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=REPO)


def _inside(rgb, rect: list[int], inset: int = 2):
    x0, y0, x1, y1 = rect
    return rgb[y0 + inset:y1 - inset, x0 + inset:x1 - inset].reshape(-1, 3).astype(int)


def _render(server, shots, renderer: str, x11) -> dict:
    andi = _speaker(server.url)
    try:
        # Daeng sets off as Andi does: Andi speaks only once he has arrived and Daeng is near, and
        # Daeng's picture waits for the line.
        png = shots / f"text-cards-{renderer}.png"
        if renderer == "gl":
            daeng = start_client(server.url, png, "--renderer", "gl", "--name", "Daeng", "--frames", "8", "--walk",
                                 "0,-4;-1,24@10", "--wait-chat", "1", offscreen=False, env=x11.env())
        else:
            daeng = start_client(server.url, png, "--name", "Daeng", "--frames", "8", "--walk", "0,-4;-1,24@10",
                                 "--wait-chat", "1")
        assert json.loads(andi.stdout.readline())["connected"]
        run = daeng.result()
        assert run.returncode == 0, run.stderr[-2000:]
    finally:
        stop_process(andi)
    return {"summary": run.summary, "rgb": load_rgb(png)}


def test_tags_and_bubbles_show_text_on_their_cards(server, shots, renderer, request):
    """Andi's name tag is a dark card with white letters and his bubble a light card with dark
    letters, in OpenGL as in the software renderer (not an empty card)."""
    x11 = request.getfixturevalue("x11") if renderer == "gl" else None
    got = _render(server, shots, renderer, x11)
    summary, rgb = got["summary"], got["rgb"]
    andi = next(a for a in summary["avatars"] if a["name"] == "Andi")
    assert andi["tag_shown"] and andi["tag_px"] is not None
    tag = _inside(rgb, andi["tag_px"])
    assert len(tag) > 200, andi["tag_px"]
    dark_card = (tag.max(axis=1) < 120).mean()
    white_letters = (tag.min(axis=1) > 200).mean()
    assert dark_card > 0.3, dark_card
    assert 0.03 < white_letters < 0.6, white_letters  # letters, not an empty (or a washed-out) card

    (bubble,) = summary["social"]["bubbles"]
    assert bubble["avatar_id"] == andi["id"] and bubble["text"] == SAID and bubble["card_px"] is not None
    card = _inside(rgb, bubble["card_px"])
    light_card = (card.min(axis=1) > 215).mean()
    dark_letters = (card.max(axis=1) < 100).mean()
    assert light_card > 0.4, light_card
    assert 0.03 < dark_letters < 0.5, dark_letters
    bx0, by0, bx1, by1 = bubble["card_px"]
    tx0, ty0, tx1, ty1 = andi["tag_px"]
    assert by1 <= ty0 + 2 and bx0 < (tx0 + tx1) / 2 < bx1  # the bubble sits over the tag


def test_your_own_tag_shows_only_from_a_distance(server, shots):
    """Your own tag shows behind you in the follow camera, but not when a fixed view puts the lens
    right at your head (it would fill the screen)."""
    png = shots / "own-tag.png"
    run = run_client(server.url, png, "--name", "Daeng", "--frames", "4", "--walk", "0,-4;-1,24@10")
    me = next(a for a in run.summary["avatars"] if a["self"])
    assert me["tag_shown"] and me["tag_px"] is not None
    rgb = load_rgb(png)
    assert (_inside(rgb, me["tag_px"]).min(axis=1) > 140).mean() > 0.03  # golden letters
    assert np.asarray(rgb).shape[:2] == (720, 1280)


def test_the_chat_box_folds_to_one_line(server, shots):
    """F4 folds the chat box to a one-line strip at the bottom left, leaving the world in view."""
    png = shots / "chat-folded.png"
    run = run_client(server.url, png, "--name", "Daeng", "--frames", "4", "--walk", "0,-4;-1,24@10", "--fold-chat")
    social = run.summary["social"]
    assert social["chat_shown"] and social["chat_folded"]
    x0, y0, x1, y1 = social["chat_px"]
    assert y1 - y0 < 50 and y1 > 600  # one line, at the bottom (unfolded it is ~190 px tall)
    rgb = load_rgb(png)
    assert (_inside(rgb, [x0, y0, x1, y1]).min(axis=1) > 150).mean() > 0.01  # its words (the key that unfolds it)
    above = rgb[y0 - 150:y0 - 10, x0 + 20:x1 - 20].reshape(-1, 3).astype(int)
    assert (above.max(axis=1) > 150).mean() > 0.8  # the bright floor shows where the log was
