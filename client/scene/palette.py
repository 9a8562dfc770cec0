"""The Balai Kota's colours, in one place: materials from the world file to RGB, and helpers.

White colonial plaster, red "eja" (Makassar's colour) for trims and banners, red clay roof
tiles, cream and gold accents; booth colours come from the world data.
"""

from __future__ import annotations

__all__ = [
    "RGB",
    "hex_rgb",
    "int_rgb",
    "shade",
    "tint",
    "FLOOR_TEXTURES",
    "MATERIALS",
    "material",
    "WHITE",
    "PLASTER",
    "PLASTER_SHADE",
    "EJA",
    "GOLD",
    "ROOF",
    "STONE",
    "SKIN_TONES",
    "SKY_ZENITH",
    "SKY_HORIZON",
]

RGB = tuple[float, float, float]


def hex_rgb(text: str) -> RGB:
    h = text.lstrip("#")
    if len(h) != 6:
        raise ValueError(f"not a colour: {text!r}")
    return (int(h[0:2], 16) / 255.0, int(h[2:4], 16) / 255.0, int(h[4:6], 16) / 255.0)


def int_rgb(value: int) -> RGB:
    """0xRRGGBB (an avatar's `look`) to floats."""
    return (((value >> 16) & 0xFF) / 255.0, ((value >> 8) & 0xFF) / 255.0, (value & 0xFF) / 255.0)


def shade(c: RGB, k: float) -> RGB:
    """Darker by fraction `k` (0 = unchanged, 1 = black)."""
    return (c[0] * (1 - k), c[1] * (1 - k), c[2] * (1 - k))


def tint(c: RGB, k: float) -> RGB:
    """Lighter by fraction `k` (0 = unchanged, 1 = white)."""
    return (c[0] + (1 - c[0]) * k, c[1] + (1 - c[1]) * k, c[2] + (1 - c[2]) * k)


WHITE: RGB = (1.0, 1.0, 1.0)  # the vertex colour of textured faces: the texture shows as drawn
PLASTER: RGB = (0.96, 0.94, 0.88)  # colonial white, a little warm
PLASTER_SHADE: RGB = (0.88, 0.85, 0.78)
EJA: RGB = (0.70, 0.11, 0.13)  # Makassar red
GOLD: RGB = (0.85, 0.64, 0.20)
ROOF: RGB = (0.70, 0.28, 0.17)  # red clay tiles (unverified on the real building)
STONE: RGB = (0.72, 0.70, 0.66)
SKY_ZENITH: RGB = (0.33, 0.58, 0.90)
SKY_HORIZON: RGB = (0.80, 0.89, 0.97)

# Floor material -> procedural texture name (assets/textures.py).
FLOOR_TEXTURES: dict[str, str] = {
    "paving": "paving",
    "grass": "grass",
    "marble": "marble",
    "tile": "tile",
    "carpet": "carpet",
    "wood": "wood",
    "asphalt": "asphalt",
}
# Flat colours for floors when textures are off, and for every solid material.
MATERIALS: dict[str, RGB] = {
    "paving": (0.66, 0.62, 0.58),
    "grass": (0.36, 0.56, 0.24),
    "marble": (0.93, 0.92, 0.88),
    "tile": (0.90, 0.86, 0.77),
    "carpet": (0.58, 0.10, 0.13),
    "wood": (0.56, 0.36, 0.21),
    "plaster": PLASTER,
    "stone": STONE,
    "metal": (0.78, 0.79, 0.80),
    "planter": (0.62, 0.44, 0.32),
    "fence": (0.16, 0.20, 0.18),
    "tower": (0.93, 0.93, 0.91),
    "counter": (0.55, 0.34, 0.20),
    "pillar": (0.97, 0.96, 0.92),
    "bench": (0.50, 0.32, 0.18),
    "panel": (0.94, 0.93, 0.90),
}
_FALLBACK: RGB = (0.7, 0.7, 0.7)

# Lightest to darkest; the index is the `skin` of an avatar's Look (protocol/look.py).
SKIN_TONES: tuple[RGB, ...] = (
    (0.93, 0.78, 0.64),
    (0.86, 0.69, 0.53),
    (0.80, 0.62, 0.46),
    (0.70, 0.52, 0.38),
    (0.60, 0.43, 0.31),
    (0.45, 0.31, 0.22),
)


def material(name: str) -> RGB:
    return MATERIALS.get(name, _FALLBACK)
