"""The citizen's chosen look as text (`--look skin=3,headwear=hijab,top=#1e5aa8`) and back, and
the look chooser's state (`LookForm`: which part is selected, what Left/Right change it to).

Panda-free: no drawing; the wire form is `Look.pack()` (protocol/look.py).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

from makaverse.protocol.errors import InvalidField
from makaverse.protocol.look import HEADWEAR, PATTERNS, SKIN_TONES, Look

__all__ = ["parse_look", "format_look", "LookSpecError", "OPTIONS", "LOOK_PARTS", "LookForm", "LookRow"]

_COLOURS = ("top", "accent", "bottom", "head")
# What a chooser cycles through, field by field.
OPTIONS: dict[str, tuple] = {
    "skin": tuple(range(SKIN_TONES)),
    "headwear": HEADWEAR,
    "pattern": PATTERNS,
    "top": (0xB22222, 0x1E5AA8, 0x2E8B57, 0xC8961E, 0x6A3D9A, 0xF5F5F0, 0x0F7C8C, 0xC2185B, 0x37474F),
    "accent": (0xC8961E, 0xE8B04A, 0xF3E5C0, 0xE8A0B0, 0xF5F5F0, 0x7A1020, 0x1C1C1C),
    "bottom": (0x263238, 0x1C1C2A, 0x4E342E, 0x7A1020, 0x3E4A5A),
    "head": (0x1C1C1C, 0x7A1020, 0x1E5AA8, 0xE7D8C9, 0x2E6B4F, 0xB28DB8),
}


class LookSpecError(ValueError):
    """A `--look` text that names an unknown part or an invalid value."""


def parse_look(spec: str, *, base: Look | None = None) -> Look:
    """`key=value` pairs separated by commas; colours as #RRGGBB; unnamed parts keep `base`'s (defaults)."""
    look = base or Look()
    known = {f.name for f in fields(Look)}
    changes: dict[str, Any] = {}  # colours and skin as ints, styles as names: Look checks them
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


# The chooser's rows, top to bottom.
LOOK_PARTS = ("skin", "headwear", "pattern", "top", "accent", "bottom", "head")


@dataclass(frozen=True, slots=True)
class LookRow:
    """One row of the chooser: the part, its label's translation key, and its value: a translation
    key (`value_key`) or a colour (`rgb`, 0xRRGGBB) or a number (`index` of `count`)."""

    part: str
    label_key: str
    value_key: str
    rgb: int | None
    index: int
    count: int


@dataclass
class LookForm:
    """Up/Down choose a part, Left/Right step through its choices (wrapping); `look` is always a
    complete, valid Look, so the preview can show it at every step."""

    look: Look
    selected: int = 0
    changed: bool = False

    def _options(self, part: str) -> tuple:
        options = OPTIONS[part]
        current = getattr(self.look, part)
        return options if current in options else (current, *options)  # a saved colour off the list stays

    def rows(self) -> list[LookRow]:
        out = []
        for part in LOOK_PARTS:
            value = getattr(self.look, part)
            options = self._options(part)
            index = options.index(value)
            if part in ("headwear", "pattern"):
                out.append(LookRow(part, f"look.{part}", f"look.{part}.{value}", None, index, len(options)))
            elif part == "skin":
                out.append(LookRow(part, "look.skin", "", None, index, len(options)))
            else:
                out.append(LookRow(part, f"look.{part}", "", int(value), index, len(options)))
        return out

    def move(self, delta: int) -> None:
        self.selected = (self.selected + delta) % len(LOOK_PARTS)

    def adjust(self, delta: int) -> None:
        part = LOOK_PARTS[self.selected]
        options = self._options(part)
        i = options.index(getattr(self.look, part))
        self.look = replace(self.look, **{part: options[(i + delta) % len(options)]})
        self.changed = True
