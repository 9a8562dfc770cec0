"""Run a server until Ctrl-C or SIGTERM, then shut down cleanly.

On start the database is migrated to the newest schema and, when it has no OPDs yet, seeded
with the sample content and a first admin account (whose password is printed once).
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys

from makaverse.world import World, load_default_world, load_world

from .accounts import Accounts
from .admin.seed import ADMIN_PASSWORD_ENV, seed_admin
from .log import configure_logging, log_event
from .net.heap import OldObjects
from .net.loops import run
from .service_config import chat_config_from_env, hasher_from_env, wordfilter_from_file
from .settings import Settings
from .store import Store, migrate
from .store.seed import seed
from .wiring import GameServer

__all__ = ["serve_forever", "load_configured_world", "open_store", "allow_open_files"]

log = logging.getLogger("makaverse.server")

OPEN_FILES_MARGIN = 256  # descriptors beyond one per client: database, logs, listening sockets, gateways


def load_configured_world(settings: Settings) -> World:
    return load_world(settings.world_file) if settings.world_file else load_default_world()


def open_store(url: str) -> Store:
    """Migrate, seed an empty database, and return the store (sync: runs before the loop starts)."""
    before = migrate.current_revision(url)
    migrate.upgrade(url)
    after = migrate.current_revision(url)
    if before != after:
        log_event(log, "database_migrated", url=_redact(url), revision_from=before, revision_to=after)
    store = Store(url)
    if not store.list_opds():
        report = seed(store)
        log_event(log, "database_seeded", opds=len(report.opds_added), services=len(report.services_added))
    password = seed_admin(store, hasher=hasher_from_env())
    if password is not None:
        # stderr, so the first stdout line stays the "listening" line that scripts read.
        if os.environ.get(ADMIN_PASSWORD_ENV):
            print(f"Created account 'admin' with the password from ${ADMIN_PASSWORD_ENV}.", file=sys.stderr)
        else:
            print(f"Created account 'admin' with password: {password}  (shown only this once)", file=sys.stderr)
    return store


def _redact(url: str) -> str:
    """Never log a database password."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.rsplit('@', 1)[1]}"
    return url


async def _main(settings: Settings, world: World, store: Store) -> None:
    server = GameServer(settings, world, store=store, accounts=Accounts(store))
    # What survives a full collection is frozen, so a full collection no longer walks every
    # seated connection (0.5-0.7 s at 5,000) in the middle of a poll's burst: see net/heap.py.
    server.scheduler.heap = OldObjects()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await server.start()
    print(
        f"Makaverse server listening on ws://{settings.host}:{server.port}  "
        f"(health: http://{settings.host}:{server.port}/healthz)",
        flush=True,
    )
    await stop.wait()
    log_event(log, "shutdown_requested")
    await server.stop()


def _check_word_list() -> None:
    """A configured word list that can't be read stops the start (at run time chat would go on unfiltered)."""
    path = chat_config_from_env().wordfilter_file
    if path:
        wordfilter_from_file(path)


def allow_open_files(clients: int) -> int:
    """Raise this process's soft limit on open files toward what `clients` sockets (and the
    database, the logs, the listening socket) need, within the hard limit; returns the limit.
    A soft limit of 1024 is common and would refuse a town hall's thousands at accept."""
    try:
        import resource
    except ImportError:  # not on this platform: the limit is what it is
        return -1
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = clients + OPEN_FILES_MARGIN
    if soft != resource.RLIM_INFINITY and soft < wanted:
        new = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        if new > soft:
            try:
                resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
                soft = new
            except (ValueError, OSError):  # refused (macOS caps it below an unlimited hard limit)
                pass
    return soft


def serve_forever(settings: Settings) -> int:
    configure_logging(settings.log_format, settings.log_level)
    limit = allow_open_files(settings.max_clients)
    if 0 <= limit < settings.max_clients + OPEN_FILES_MARGIN:
        log_event(log, "open_files_limit_low", limit=limit, max_clients=settings.max_clients)
    # Files first: a wrong path fails in a moment, before the database is touched.
    world = load_configured_world(settings)
    _check_word_list()
    store = open_store(settings.db_url)
    run(_main(settings, world, store), settings.loop)
    return 0
