"""Slide files checked before they are stored: a PNG or a JPEG recognised by its magic bytes,
with its picture size read from the file's own header (PNG's IHDR chunk, JPEG's start-of-frame
segment), or a Markdown text card. Pure: bytes in, a `CheckedSlide` or a `SlideRefusal` out.
The server checks every `slide_add` with it; a client checks a deck with it before sending.

Limits: MAX_SLIDE_BYTES (48 KiB, so a slide travels in one frame), at most 1920x1080 pixels,
Markdown up to MAX_SLIDE_TEXT characters, at most MAX_DECK slides per event.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from .errors import ErrorCode
from .events import MAX_SLIDE_BYTES, MAX_SLIDE_TEXT

__all__ = ["SlideRefusal", "CheckedSlide", "check_slide", "kind_of_file", "MAX_WIDTH", "MAX_HEIGHT", "MAX_DECK"]

MAX_WIDTH, MAX_HEIGHT = 1920, 1080
MAX_DECK = 60

_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG = b"\xff\xd8\xff"
# Start-of-frame markers carry the size; C4 (huffman tables), C8 (reserved) and CC (arithmetic) do not.
_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


class SlideRefusal(Exception):
    def __init__(self, code: ErrorCode, hint: str = "") -> None:
        super().__init__(code.value)
        self.code = code
        self.hint = hint


@dataclass(frozen=True, slots=True)
class CheckedSlide:
    kind: str  # png | jpeg | markdown
    data: bytes
    text: str
    width: int
    height: int


def kind_of_file(data: bytes) -> str:
    """'png' or 'jpeg' by magic bytes, '' for anything else."""
    if data.startswith(_PNG):
        return "png"
    if data.startswith(_JPEG):
        return "jpeg"
    return ""


def _png_size(data: bytes) -> tuple[int, int]:
    # signature (8), chunk length (4), b"IHDR", width, height (big-endian u32)
    if len(data) < 33 or data[12:16] != b"IHDR":
        raise SlideRefusal(ErrorCode.NOT_AN_IMAGE, "PNG without IHDR")
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def _jpeg_size(data: bytes) -> tuple[int, int]:
    i = 2
    n = len(data)
    while i + 4 <= n:
        if data[i] != 0xFF:
            raise SlideRefusal(ErrorCode.NOT_AN_IMAGE, "JPEG segments broken")
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # no length
            i += 2
            continue
        (length,) = struct.unpack(">H", data[i + 2 : i + 4])
        if length < 2:
            raise SlideRefusal(ErrorCode.NOT_AN_IMAGE, "JPEG segment length")
        if marker in _SOF:
            if i + 9 > n:
                break
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return width, height
        if marker == 0xDA:  # start of scan before any frame header
            break
        i += 2 + length
    raise SlideRefusal(ErrorCode.NOT_AN_IMAGE, "JPEG without a frame header")


def check_slide(kind: str, *, data: bytes = b"", text: str = "") -> CheckedSlide:
    """A slide we may store and show, or a refusal naming why (nothing is kept)."""
    if kind == "markdown":
        body = text.replace("\r\n", "\n").strip()
        if not body:
            raise SlideRefusal(ErrorCode.INVALID_FIELD, "empty card")
        if len(body) > MAX_SLIDE_TEXT or len(body.encode()) > MAX_SLIDE_BYTES:
            raise SlideRefusal(ErrorCode.SLIDE_TOO_LARGE, f"at most {MAX_SLIDE_TEXT} characters")
        if any(not (ch.isprintable() or ch == "\n") for ch in body):
            raise SlideRefusal(ErrorCode.INVALID_FIELD, "control characters")
        return CheckedSlide("markdown", b"", body, 0, 0)
    if len(data) > MAX_SLIDE_BYTES:
        raise SlideRefusal(ErrorCode.SLIDE_TOO_LARGE, f"at most {MAX_SLIDE_BYTES // 1024} KiB")
    found = kind_of_file(data)
    if not found or (kind in ("png", "jpeg") and found != kind):
        raise SlideRefusal(ErrorCode.NOT_AN_IMAGE, "a PNG or a JPEG")
    width, height = _png_size(data) if found == "png" else _jpeg_size(data)
    if width < 1 or height < 1:
        raise SlideRefusal(ErrorCode.NOT_AN_IMAGE, "empty picture")
    if width > MAX_WIDTH or height > MAX_HEIGHT:
        raise SlideRefusal(ErrorCode.SLIDE_TOO_LARGE, f"at most {MAX_WIDTH}x{MAX_HEIGHT} pixels")
    return CheckedSlide(found, data, "", width, height)
