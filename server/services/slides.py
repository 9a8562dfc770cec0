"""Slide files checked before they are stored: the rules live in `protocol/slides.py`, which a
client also runs on a deck before sending it; this module names them for the server's services."""

from __future__ import annotations

from makaverse.protocol.slides import (
    MAX_DECK,
    MAX_HEIGHT,
    MAX_WIDTH,
    CheckedSlide,
    SlideRefusal,
    check_slide,
    kind_of_file,
)

__all__ = ["SlideRefusal", "CheckedSlide", "check_slide", "kind_of_file", "MAX_WIDTH", "MAX_HEIGHT", "MAX_DECK"]
