"""Procedural textures: the same pixels every run, and the right shape."""

from __future__ import annotations

import numpy as np
import pytest

from makaverse.assets import textures


@pytest.mark.parametrize("name", sorted(textures.TEXTURES))
def test_texture_is_rgb_and_repeatable(name):
    a = textures.make(name, 64)
    b = textures.make(name, 64)
    assert a.shape == (64, 64, 3) and a.dtype == np.uint8
    assert np.array_equal(a, b)
    assert a.std() > 2  # not a flat colour


def test_carpet_is_mostly_makassar_red():
    """The lipa' sabbe carpet: red dominates, gold runs through it."""
    img = textures.make("carpet", 128).reshape(-1, 3).astype(int)
    red = (img[:, 0] > 110) & (img[:, 1] < 60) & (img[:, 2] < 70)
    gold = (img[:, 0] > 170) & (img[:, 1] > 120) & (img[:, 2] < 90)
    assert red.mean() > 0.3 and gold.mean() > 0.1


def test_png_writer_round_trips(tmp_path):
    """The PNG writer's output is a valid PNG that Panda3D reads back pixel for pixel."""
    core = pytest.importorskip("panda3d.core")
    rgb = textures.make("tile", 32)
    path = tmp_path / "tile.png"
    textures.write_png(path, rgb)
    img = core.PNMImage()
    assert img.read(core.Filename.from_os_specific(str(path)))
    assert (img.get_x_size(), img.get_y_size()) == (32, 32)
    assert img.get_xel_val(5, 7) == tuple(int(v) for v in rgb[7, 5])


@pytest.mark.parametrize("name", textures.PATTERNS)
def test_clothing_patterns_use_both_colours(name):
    """Batik and lipa' sabbe checks tile in their base colour with the accent clearly present."""
    img = textures.pattern(name, 0x1E5AA8, 0xC8961E, 64).reshape(-1, 3).astype(int)
    base = (abs(img - [0x1E, 0x5A, 0xA8]).sum(axis=1) < 40).mean()
    accent = (abs(img - [0xC8, 0x96, 0x1E]).sum(axis=1) < 40).mean()
    assert base > 0.2 and accent > 0.05, (base, accent)
    assert np.array_equal(textures.pattern(name, 0x1E5AA8, 0xC8961E, 64), textures.pattern(name, 0x1E5AA8, 0xC8961E, 64))
