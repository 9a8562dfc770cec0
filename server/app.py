"""Run a server until Ctrl-C or SIGTERM, then shut down cleanly."""

from __future__ import annotations

import asyncio
import logging
import signal

from makaverse.world import World, load_default_world, load_world

from .log import configure_logging, log_event
from .net.server import GameServer
from .settings import Settings

__all__ = ["serve_forever", "load_configured_world"]

log = logging.getLogger("makaverse.server")


def load_configured_world(settings: Settings) -> World:
    return load_world(settings.world_file) if settings.world_file else load_default_world()


async def _main(settings: Settings) -> None:
    server = GameServer(settings, load_configured_world(settings))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await server.start()
    print(f"Makaverse server listening on ws://{settings.host}:{server.port}  "
          f"(health: http://{settings.host}:{server.port}/healthz)", flush=True)
    await stop.wait()
    log_event(log, "shutdown_requested")
    await server.stop()


def serve_forever(settings: Settings) -> int:
    configure_logging(settings.log_format, settings.log_level)
    asyncio.run(_main(settings))
    return 0
