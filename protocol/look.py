"""An avatar's appearance on the wire: the citizen's choice, packed into a few bytes.

A `Look` says which skin tone, what clothes (top colour, a pattern with its accent colour,
the sarong's or trousers' colour) and which headwear in which colour. It travels as the
`style` field (msgpack `bin`, 15 bytes) of `Hello` (the citizen's choice) and `AvatarEnter`
(what everyone sees, sent once when the avatar enters their interest):

    byte 0      skin tone index (0 lightest .. 5 darkest)
    byte 1      headwear (HEADWEAR: none, hijab, peci, songkok, passapu)
    byte 2      pattern of the top (PATTERNS: plain, batik, balo_renni, balo_lobang)
    bytes 3-5   top colour, 0xRRGGBB big-endian (also sent as `look` for simple clients)
    bytes 6-8   pattern accent colour
    bytes 9-11  sarong / trousers colour
    bytes 12-14 headwear colour

Empty `style` means "no choice": the server picks defaults. Bytes after the 15th are
reserved for later versions and ignored; anything shorter than 15 or an unknown index is
refused. Pure: no I/O.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

from .errors import InvalidField
from .validate import check_int

__all__ = ["Look", "HEADWEAR", "PATTERNS", "SKIN_TONES", "STYLE_BYTES", "MAX_STYLE_BYTES", "check_style",
           "look_from_style", "default_look"]

SKIN_TONES = 6
HEADWEAR = ("none", "hijab", "peci", "songkok", "passapu")
# balo renni: small soft checks; balo lobang: large bold checks (lipa' sabbe, the Bugis silk sarong).
PATTERNS = ("plain", "batik", "balo_renni", "balo_lobang")
STYLE_BYTES = 15
MAX_STYLE_BYTES = 32
_RGB_MAX = 0xFFFFFF


@dataclass(frozen=True, slots=True)
class Look:
    """A complete appearance; every field has a default, and an invalid one cannot exist."""

    skin: int = 2
    headwear: str = "none"
    pattern: str = "plain"
    top: int = 0x37474F
    accent: int = 0xC8961E
    bottom: int = 0x263238
    head: int = 0x1C1C1C

    def __post_init__(self) -> None:
        check_int("skin", self.skin, 0, SKIN_TONES - 1)
        if self.headwear not in HEADWEAR:
            raise InvalidField(f"headwear: not one of {list(HEADWEAR)}")
        if self.pattern not in PATTERNS:
            raise InvalidField(f"pattern: not one of {list(PATTERNS)}")
        for name in ("top", "accent", "bottom", "head"):
            check_int(name, getattr(self, name), 0, _RGB_MAX)

    def pack(self) -> bytes:
        head = bytes((self.skin, HEADWEAR.index(self.headwear), PATTERNS.index(self.pattern)))
        return head + b"".join(c.to_bytes(3, "big") for c in (self.top, self.accent, self.bottom, self.head))

    @classmethod
    def unpack(cls, data: bytes) -> Look:
        """The look in a `style` field; raises `InvalidField` for a short or unknown one."""
        check_style(data)
        if not data:
            return cls()
        if data[1] >= len(HEADWEAR) or data[2] >= len(PATTERNS):
            raise InvalidField("style: unknown headwear or pattern")
        rgb = [int.from_bytes(data[i : i + 3], "big") for i in (3, 6, 9, 12)]
        return cls(skin=data[0], headwear=HEADWEAR[data[1]], pattern=PATTERNS[data[2]],
                   top=rgb[0], accent=rgb[1], bottom=rgb[2], head=rgb[3])


def check_style(value: object) -> None:
    """A `style` field: empty, or at least STYLE_BYTES (at most MAX_STYLE_BYTES) with valid indices."""
    if type(value) is not bytes:
        raise InvalidField("style: expected bin")
    if not value:
        return
    if not STYLE_BYTES <= len(value) <= MAX_STYLE_BYTES:
        raise InvalidField(f"style: {len(value)} bytes, expected {STYLE_BYTES} to {MAX_STYLE_BYTES}")
    if value[0] >= SKIN_TONES or value[1] >= len(HEADWEAR) or value[2] >= len(PATTERNS):
        raise InvalidField("style: unknown skin tone, headwear or pattern")


def look_from_style(style: bytes, *, look: int) -> Look:
    """What to draw for an avatar: its `style`, or (empty) the defaults in its `look` colour."""
    if not style:
        return Look(top=look)
    return Look.unpack(style)


# Defaults drawn from when a citizen has not chosen: everyday clothes in Makassar.
_TOPS = (0xB22222, 0x1E5AA8, 0x2E8B57, 0xC8961E, 0x6A3D9A, 0xD2691E, 0x0F7C8C, 0xC2185B, 0x558B2F, 0x37474F,
         0xF5F5F0, 0x8D6E63)
_ACCENTS = (0xC8961E, 0xF3E5C0, 0x7A1020, 0x1B3A5C, 0xE8B04A)
_BOTTOMS = (0x263238, 0x1C1C2A, 0x4E342E, 0x3E4A5A, 0x5D4037)
_HEADS = (0x1C1C1C, 0x7A1020, 0x1E5AA8, 0xE7D8C9, 0x2E6B4F, 0xB28DB8)
_HEADWEAR_WEIGHTS = ("none", "none", "none", "hijab", "hijab", "peci", "songkok", "passapu")
_PATTERN_WEIGHTS = ("plain", "plain", "plain", "batik", "batik", "balo_renni", "balo_lobang")


def default_look(key: str) -> Look:
    """A varied, stable look for someone who chose none: the same `key` (account or name) gives the same look."""

    def pick(options: tuple, part: str):
        return options[zlib.crc32(f"{part}:{key}".encode()) % len(options)]

    return Look(
        skin=pick(tuple(range(SKIN_TONES)), "skin"),
        headwear=pick(_HEADWEAR_WEIGHTS, "headwear"),
        pattern=pick(_PATTERN_WEIGHTS, "pattern"),
        top=pick(_TOPS, "top"),
        accent=pick(_ACCENTS, "accent"),
        bottom=pick(_BOTTOMS, "bottom"),
        head=pick(_HEADS, "head"),
    )
