"""Procedural textures for the Balai Kota, made from numbers instead of shipped as images.

Each function returns an RGB image as a (height, width, 3) uint8 numpy array that tiles
seamlessly; the client turns them into textures at start-up. Same seed, same pixels.
Run `python -m makaverse.assets.textures OUT_DIR` to write them as PNG files for a look.

The motifs: cream ceramic tiles for the service hall, white marble for the colonial lobby,
lipa' sabbe checks (balo lobang: large red and gold squares) for the auditorium carpet,
warm paving blocks for the forecourt, red clay roof tiles for the wall crowns.
"""

from __future__ import annotations

import sys
import zlib
from pathlib import Path

import numpy as np

__all__ = ["TEXTURES", "PATTERNS", "make", "pattern", "tile", "marble", "carpet", "paving", "grass", "wood", "roof",
           "asphalt", "write_png"]

SIZE = 256


def _rng(name: str) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(name.encode()))


def _value_noise(rng: np.random.Generator, size: int, cells: int) -> np.ndarray:
    """Smooth tiling noise in [0, 1]: random values on a `cells` grid, bilinearly blended."""
    grid = rng.random((cells, cells))
    t = np.arange(size) * cells / size
    i0 = np.floor(t).astype(int)
    f = t - i0
    f = f * f * (3 - 2 * f)
    i1 = (i0 + 1) % cells
    rows = grid[i0][:, i0] * (1 - f)[None, :] + grid[i0][:, i1] * f[None, :]
    rows_next = grid[i1][:, i0] * (1 - f)[None, :] + grid[i1][:, i1] * f[None, :]
    return rows * (1 - f)[:, None] + rows_next * f[:, None]


def _fractal(rng: np.random.Generator, size: int, octaves: tuple[int, ...] = (4, 8, 16, 32)) -> np.ndarray:
    out = np.zeros((size, size))
    weight = 1.0
    total = 0.0
    for cells in octaves:
        out += _value_noise(rng, size, cells) * weight
        total += weight
        weight *= 0.5
    return out / total


def _mix(a, b, t) -> np.ndarray:
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    t = np.asarray(t, dtype=np.float64)[..., None]
    return a * (1 - t) + b * t


def _to_u8(img: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def tile(size: int = SIZE) -> np.ndarray:
    """Four 60 cm cream ceramic tiles with grout; each tile a slightly different shade."""
    rng = _rng("tile")
    n = 2
    step = size // n
    yy, xx = np.mgrid[0:size, 0:size]
    shade = rng.uniform(-8, 8, (n, n))[yy // step, xx // step]
    base = np.array([236, 226, 204], dtype=np.float64)
    img = base + shade[..., None] + (_fractal(rng, size) - 0.5)[..., None] * 14
    gx = (xx % step)
    gy = (yy % step)
    grout = (gx < 3) | (gy < 3)
    img[grout] = [176, 164, 144]
    # A small terracotta diamond where four tiles meet: a nod to colonial floors.
    cx = np.minimum(gx, step - gx)
    cy = np.minimum(gy, step - gy)
    diamond = (cx + cy < step * 0.16) & ~grout
    img[diamond] = [176, 92, 62]
    return _to_u8(img)


def marble(size: int = SIZE) -> np.ndarray:
    """Pale marble with soft grey veins, one 1.2 m slab per tile."""
    rng = _rng("marble")
    yy, xx = np.mgrid[0:size, 0:size] / size
    n = _fractal(rng, size, (2, 4, 8, 16, 32))
    veins = np.abs(np.sin((xx * 2 + yy * 3 + n * 3.0) * np.pi * 2))
    vein = np.clip(1.0 - veins * 5, 0, 1) * 0.35
    img = _mix([247, 245, 240], [186, 182, 178], vein + (n - 0.5) * 0.12)
    seam = (np.mgrid[0:size, 0:size][0] < 2) | (np.mgrid[0:size, 0:size][1] < 2)
    img[seam] = [206, 200, 190]
    return _to_u8(img)


def carpet(size: int = SIZE) -> np.ndarray:
    """Lipa' sabbe checks (balo lobang): large squares of deep red crossed by gold and cream bands."""
    rng = _rng("carpet")
    yy, xx = np.mgrid[0:size, 0:size] / size

    def bands(u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # A wide gold band and two thin cream lines repeat twice across the tile.
        p = (u * 2) % 1.0
        wide = (p > 0.40) & (p < 0.60)
        thin = ((p > 0.34) & (p < 0.365)) | ((p > 0.635) & (p < 0.66))
        return wide, thin

    wx, tx = bands(xx)
    wy, ty = bands(yy)
    img = np.zeros((size, size, 3)) + [150, 24, 34]  # eja: Makassar red
    img[wx ^ wy] = [206, 150, 44]  # gold where one band runs
    img[wx & wy] = [120, 18, 28]  # darker where bands cross, as woven checks do
    img[(tx | ty) & ~(wx | wy)] = [236, 214, 170]
    # Weave: a fine diagonal twill and a little fibre noise.
    ii, jj = np.mgrid[0:size, 0:size]
    twill = ((ii + jj) % 4 < 2) * 6.0 - 3.0
    img += twill[..., None] + (rng.random((size, size)) - 0.5)[..., None] * 10
    return _to_u8(img)


def paving(size: int = SIZE) -> np.ndarray:
    """Paving blocks in a running bond: warm grey with terracotta accents."""
    rng = _rng("paving")
    rows, cols = 8, 4
    bh, bw = size // rows, size // cols
    yy, xx = np.mgrid[0:size, 0:size]
    row = yy // bh
    shifted = (xx + (row % 2) * (bw // 2)) % size
    col = shifted // bw
    palette = np.array([[168, 160, 150], [180, 170, 158], [158, 150, 142], [178, 112, 88], [190, 182, 170]])
    # Mostly greys, about one block in five terracotta.
    pick = np.where(rng.random((rows, cols)) < 0.2, 3, rng.integers(0, 3, (rows, cols)))
    pick[rng.random((rows, cols)) < 0.1] = 4
    img = palette[pick[row, col]].astype(np.float64)
    img += (_fractal(rng, size, (8, 16, 32)) - 0.5)[..., None] * 24
    joint = ((yy % bh) < 2) | ((shifted % bw) < 2)
    img[joint] = [110, 104, 98]
    return _to_u8(img)


def grass(size: int = SIZE) -> np.ndarray:
    rng = _rng("grass")
    n = _fractal(rng, size, (4, 8, 16, 64))
    img = _mix([66, 118, 48], [122, 164, 70], n)
    img += (rng.random((size, size)) - 0.5)[..., None] * 22
    return _to_u8(img)


def wood(size: int = SIZE) -> np.ndarray:
    """Stage planks running north-south."""
    rng = _rng("wood")
    planks = 8
    pw = size // planks
    yy, xx = np.mgrid[0:size, 0:size]
    plank = xx // pw
    tone = rng.uniform(-14, 14, planks)[plank]
    grain = np.sin(xx / size * 90 + _fractal(rng, size, (2, 4, 8)) * 12) * 8
    img = np.zeros((size, size, 3)) + [150, 96, 56]
    img += (tone + grain)[..., None]
    img[(xx % pw) < 2] = [92, 58, 34]
    # Plank ends, staggered.
    ends = ((yy + plank * 37) % size) < 2
    img[ends] = [100, 64, 38]
    return _to_u8(img)


def roof(size: int = SIZE) -> np.ndarray:
    """Red clay roof tiles: rows of rounded tiles, each row in shadow at its lower edge."""
    rng = _rng("roof")
    rows, cols = 8, 8
    th, tw = size // rows, size // cols
    yy, xx = np.mgrid[0:size, 0:size]
    u = (xx % tw) / tw
    v = (yy % th) / th
    curve = np.sin(u * np.pi)  # the rounded profile of each tile
    shade = 0.62 + 0.38 * curve * (0.55 + 0.45 * v)
    tone = rng.uniform(0.88, 1.08, (rows, cols))[yy // th, xx // tw]
    img = np.array([178, 70, 44], dtype=np.float64) * (shade * tone)[..., None]
    img[(v < 0.08)] *= 0.55
    return _to_u8(img)


def asphalt(size: int = SIZE) -> np.ndarray:
    rng = _rng("asphalt")
    n = _fractal(rng, size, (8, 32))
    img = _mix([70, 72, 76], [96, 98, 100], n)
    img += (rng.random((size, size)) - 0.5)[..., None] * 18
    return _to_u8(img)


def _rgb(value: int) -> np.ndarray:
    return np.array([(value >> 16) & 0xFF, (value >> 8) & 0xFF, value & 0xFF], dtype=np.float64)


def batik(base: int, accent: int, size: int = 64) -> np.ndarray:
    """Batik on a shirt: *kawung* (four-petal rosettes) in rows, with parang-style diagonal rules.

    Mostly the base colour, so the shirt still reads as its colour from across the hall.
    """
    b, a = _rgb(base), _rgb(accent)
    yy, xx = (np.mgrid[0:size, 0:size] + 0.5) / size
    cell = 2  # rosettes per tile edge
    u, v = (xx * cell) % 1.0 - 0.5, (yy * cell) % 1.0 - 0.5
    # Four ellipses round each cell's centre: the kawung (palm fruit) petals.
    petal = np.zeros((size, size), dtype=bool)
    petals = ((0.2, 0.0, 0.17, 0.09), (-0.2, 0.0, 0.17, 0.09), (0.0, 0.2, 0.09, 0.17), (0.0, -0.2, 0.09, 0.17))
    for cx, cy, rx, ry in petals:
        petal |= ((u - cx) / rx) ** 2 + ((v - cy) / ry) ** 2 < 1.0
    centre = u * u + v * v < 0.035 ** 2
    diag = ((xx + yy) * cell * 2) % 1.0
    rule = (diag < 0.06)
    img = np.zeros((size, size, 3)) + b
    img[rule] = b * 0.6 + a * 0.4
    img[petal] = a
    img[centre] = b * 0.5
    return _to_u8(img)


def lipa_sabbe(base: int, accent: int, *, large: bool, size: int = 64) -> np.ndarray:
    """Lipa' sabbe checks: *balo renni* (small, soft) or *balo lobang* (large, bold) in two colours."""
    b, a = _rgb(base), _rgb(accent)
    yy, xx = (np.mgrid[0:size, 0:size] + 0.5) / size
    repeats = 2 if large else 6
    width = 0.34 if large else 0.5

    def stripes(t: np.ndarray) -> np.ndarray:
        return ((t * repeats) % 1.0) < width

    sx, sy = stripes(xx), stripes(yy)
    soft = b * 0.55 + a * 0.45
    img = np.zeros((size, size, 3)) + b
    img[sx ^ sy] = soft if not large else b * 0.35 + a * 0.65
    img[sx & sy] = a
    if large:
        # A thin light line inside each band, as the woven checks have.
        fine = np.abs(((xx * repeats) % 1.0) - width / 2) < 0.02
        fine |= np.abs(((yy * repeats) % 1.0) - width / 2) < 0.02
        img[fine] = np.minimum(255.0, a * 0.5 + 128)
    twill = (((np.arange(size)[:, None] + np.arange(size)[None, :]) % 3) == 0) * -8.0
    return _to_u8(img + twill[..., None])


PATTERNS = ("batik", "balo_renni", "balo_lobang")


def pattern(name: str, base: int, accent: int, size: int = 64) -> np.ndarray:
    """A clothing pattern (`PATTERNS`) in a base and an accent colour (0xRRGGBB), tiling."""
    if name == "batik":
        return batik(base, accent, size)
    if name in ("balo_renni", "balo_lobang"):
        return lipa_sabbe(base, accent, large=name == "balo_lobang", size=size)
    raise KeyError(name)


TEXTURES = {
    "tile": tile,
    "marble": marble,
    "carpet": carpet,
    "paving": paving,
    "grass": grass,
    "wood": wood,
    "roof": roof,
    "asphalt": asphalt,
}


def make(name: str, size: int = SIZE) -> np.ndarray:
    return TEXTURES[name](size)


def write_png(path: str | Path, rgb: np.ndarray) -> None:
    """A minimal PNG writer (8-bit RGB), so looking at the textures needs nothing extra."""
    h, w, _ = rgb.shape
    raw = b"".join(b"\x00" + rgb[y].tobytes() for y in range(h))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")

    header = w.to_bytes(4, "big") + h.to_bytes(4, "big") + bytes([8, 2, 0, 0, 0])
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    Path(path).write_bytes(png)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0] if args else "textures")
    out.mkdir(parents=True, exist_ok=True)
    for name in TEXTURES:
        write_png(out / f"{name}.png", make(name))
        print(out / f"{name}.png")
    for name in PATTERNS:
        write_png(out / f"pattern-{name}.png", pattern(name, 0x1E5AA8, 0xC8961E, 128))
        print(out / f"pattern-{name}.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
