"""assets: fonts, textures and sounds, and the scripts that make them."""

from __future__ import annotations

import sys
from pathlib import Path

__all__ = ["beside_program"]


def beside_program(name: str, usual: Path) -> Path:
    """Where a data file lies: `usual` (beside its module), or in the frozen desktop app (made by
    bench/desktop.py, where a module's `__file__` is no real path) `name` beside the program."""
    if getattr(sys, "frozen", False):
        return Path(sys.executable).resolve().parent / name
    return usual
