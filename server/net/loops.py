"""Which event loop runs the server: uvloop when it is installed (the `server` extra pulls it in
where it builds), the standard asyncio loop otherwise or when `MAKAVERSE_LOOP=asyncio` asks for it.

uvloop does the same socket work in less CPU (see docs/performance.md, "gateways"); nothing in the
server depends on it, so a machine without it runs the same code on the standard loop.
"""

from __future__ import annotations

import asyncio
import importlib
import os
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

__all__ = ["LOOP_ENV", "loop_factory", "run"]

LOOP_ENV = "MAKAVERSE_LOOP"  # auto (default) | uvloop | asyncio
T = TypeVar("T")


def loop_factory(choice: str | None = None) -> Callable[[], asyncio.AbstractEventLoop] | None:
    """The factory for `asyncio.Runner`: uvloop's when wanted and importable, else None (asyncio's)."""
    choice = (choice or os.environ.get(LOOP_ENV) or "auto").strip().lower()
    if choice == "asyncio":
        return None
    if choice not in ("auto", "uvloop"):
        raise ValueError(f"{LOOP_ENV} must be auto, uvloop or asyncio, not {choice!r}")
    try:
        uvloop = importlib.import_module("uvloop")
    except ImportError:
        if choice == "uvloop":
            raise ValueError(f"{LOOP_ENV}=uvloop but uvloop is not installed (pip install uvloop)") from None
        return None
    factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
    return factory


def run(main: Coroutine[Any, Any, T], choice: str | None = None) -> T:
    """`asyncio.run(main)` on the chosen loop."""
    with asyncio.Runner(loop_factory=loop_factory(choice)) as runner:
        return runner.run(main)
