"""The citizen's chosen look as text (`--look skin=3,headwear=hijab,top=#1e5aa8`) and back.

Panda-free: parsing and formatting only; the wire form is `Look.pack()` (protocol/look.py).
"""

from __future__ import annotations

from dataclasses import fields, replace

from makaverse.protocol.errors import InvalidField
from makaverse.protocol.look import HEADWEAR, PATTERNS, SKIN_TONES, Look

__all__ = ["parse_look", "format_look", "LookSpecError", "OPTIONS"]

_COLOURS = ("top", "accent", "bottom", "head")
# What a chooser cycles through, field by field.
OPTIONS: dict[str, tuple] = {
    "skin": tuple(range(SKIN_TONES)),
    "headwear": HEADWEAR,
    "pattern": PATTERNS,
    "top": (0xB22222, 0x1E5AA8, 0x2E8B57, 0xC8961E, 0x6A3D9A, 0xF5F5F0, 0x0F7C8C, 0xC2185B, 0x37474F),
    "bottom": (0x263238, 0x1C1C2A, 0x4E342E, 0x7A1020, 0x3E4A5A),
    "head": (0x1C1C1C, 0x7A1020, 0x1E5AA8, 0xE7D8C9, 0x2E6B4F, 0xB28DB8),
}


class LookSpecError(ValueError):
    """A `--look` text that names an unknown part or an invalid value."""


def parse_look(spec: str, *, base: Look | None = None) -> Look:
    """`key=value` pairs separated by commas; colours as #RRGGBB; unnamed parts keep `base`'s (defaults)."""
    look = base or Look()
    known = {f.name for f in fields(Look)}
    changes: dict[str, object] = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        key, sep, value = part.partition("=")
        key, value = key.strip().lower(), value.strip()
        if not sep or key not in known:
            raise LookSpecError(f"unknown part {part!r}; parts: {', '.join(sorted(known))}")
        if key in _COLOURS:
            try:
                changes[key] = int(value.lstrip("#"), 16)
            except ValueError:
                raise LookSpecError(f"{key}: not a colour {value!r} (use #RRGGBB)") from None
        elif key == "skin":
            try:
                changes[key] = int(value)
            except ValueError:
                raise LookSpecError(f"skin: a number 0..{SKIN_TONES - 1}") from None
        else:
            changes[key] = value.lower().replace("'", "").replace("-", "_")
    try:
        return replace(look, **changes)
    except InvalidField as exc:
        raise LookSpecError(str(exc)) from None


def format_look(look: Look) -> str:
    """The `--look` text for `look` (parse_look(format_look(x)) == x)."""
    parts = [f"skin={look.skin}", f"headwear={look.headwear}", f"pattern={look.pattern}"]
    parts += [f"{name}=#{getattr(look, name):06x}" for name in _COLOURS]
    return ",".join(parts)
