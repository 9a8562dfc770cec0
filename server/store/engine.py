"""An SQLAlchemy engine from a URL: an SQLite file by default, PostgreSQL by URL.

SQLite is set up per connection (a `connect` listener) so every pooled connection is the
same: WAL so readers don't block the writer, foreign keys enforced, and `synchronous=FULL`
so a commit is on disk before we acknowledge it. pysqlite's own transaction handling is
switched off and we emit BEGIN ourselves: plain BEGIN for reads, BEGIN IMMEDIATE for
writes, so two writers queue on the lock instead of failing when one upgrades a stale read.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import InvalidValue

if TYPE_CHECKING:
    from sqlalchemy.engine import URL, Connection, Engine

__all__ = ["DEFAULT_URL", "URL_ENV", "WRITE_OPTIONS", "url_from_env", "make_engine"]

DEFAULT_URL = "sqlite:///var/makaverse.db"
URL_ENV = "MAKAVERSE_DB_URL"
SQLITE_BUSY_TIMEOUT_MS = 15_000

# Execution options that mark a connection as about to write (see `_begin`).
WRITE_OPTIONS: dict[str, Any] = {"makaverse_write": True}


def url_from_env(url: str | None = None) -> str:
    """The URL given, else `MAKAVERSE_DB_URL`, else the embedded SQLite default."""
    return url or os.environ.get(URL_ENV) or DEFAULT_URL


def make_engine(url: str | URL = DEFAULT_URL, *, echo: bool = False) -> Engine:
    """An engine for `url`; for an SQLite file, its folder is created first."""
    # SQLAlchemy is imported here, not at the top: commands that only name the database
    # (`url_from_env`, the `--db` help) start without it.
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(parsed, echo=echo)
    if backend == "postgresql":
        if parsed.drivername == "postgresql":  # psycopg 3 is the driver we ship
            parsed = parsed.set(drivername="postgresql+psycopg")
        return create_engine(parsed, echo=echo, pool_pre_ping=True)
    raise InvalidValue(f"unsupported database {backend!r}: use sqlite:///PATH or postgresql+psycopg://...")


def _sqlite_engine(url: URL, *, echo: bool) -> Engine:
    from sqlalchemy import create_engine, event

    database = url.database or ""
    in_memory = database in ("", ":memory:")
    if not in_memory:
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, echo=echo)

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN in `_begin`
        cursor = dbapi_connection.cursor()
        try:
            if not in_memory:
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        writing = connection.get_execution_options().get("makaverse_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")

    return engine
