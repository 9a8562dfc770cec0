"""Panda3D textures from the procedural images in `assets/textures.py`, made once and cached."""

from __future__ import annotations

from functools import cache, lru_cache

import numpy as np
from panda3d.core import SamplerState, Texture

from makaverse.assets import textures as source

__all__ = ["texture", "pattern_texture"]


@cache
def texture(name: str, size: int = 256) -> Texture:
    return _from_rgb(name, source.make(name, size))


@lru_cache(maxsize=256)
def pattern_texture(name: str, base: int, accent: int, size: int = 64) -> Texture:
    """A clothing pattern in two colours (0xRRGGBB); avatars dressed alike share one texture."""
    return _from_rgb(f"{name}-{base:06x}-{accent:06x}", source.pattern(name, base, accent, size))


def _from_rgb(name: str, rgb: np.ndarray) -> Texture:
    h, w, _ = rgb.shape
    tex = Texture(name)
    tex.setup_2d_texture(w, h, Texture.T_unsigned_byte, Texture.F_rgb)
    # Panda3D keeps images bottom row first, in BGR order.
    tex.set_ram_image(np.ascontiguousarray(rgb[::-1, :, ::-1]).tobytes())
    tex.set_wrap_u(SamplerState.WM_repeat)
    tex.set_wrap_v(SamplerState.WM_repeat)
    tex.set_minfilter(SamplerState.FT_linear_mipmap_linear)
    tex.set_magfilter(SamplerState.FT_linear)
    return tex
