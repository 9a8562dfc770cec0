"""The load generators' event loop: uvloop when installed (cheaper per socket, so the bots stay
off the server's CPU), the standard loop otherwise or with `MAKAVERSE_LOOP=asyncio`."""

from __future__ import annotations

import asyncio
import importlib
import os

__all__ = ["new_event_loop", "run"]


def new_event_loop(choice: str | None = None) -> asyncio.AbstractEventLoop:
    choice = (choice or os.environ.get("MAKAVERSE_LOOP") or "auto").strip().lower()
    if choice != "asyncio":
        try:
            return importlib.import_module("uvloop").new_event_loop()
        except ImportError:
            if choice == "uvloop":
                raise
    return asyncio.new_event_loop()


def run(main):
    """`asyncio.run(main)` on the loop `new_event_loop` picks."""
    with asyncio.Runner(loop_factory=new_event_loop) as runner:
        return runner.run(main)
