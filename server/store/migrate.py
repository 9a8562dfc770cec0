"""Schema migrations, run in code: `upgrade(url)` brings any database to the newest revision.

The Alembic configuration is built here, pointing at the `migrations` folder beside this
file, so nothing depends on the working directory or an ini file. To write a new revision,
upgrade a scratch database, change the models, then let Alembic compare them:

    from alembic import command
    command.revision(alembic_config("sqlite:///var/scratch.db"), "what changed", autogenerate=True)

and edit the result into plain `sa.*` types (see `versions/0001_initial_schema.py`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from .base import translated_errors
from .engine import DEFAULT_URL, WRITE_OPTIONS, make_engine
from .errors import StoreError

__all__ = ["MIGRATIONS_DIR", "alembic_config", "upgrade", "downgrade", "current_revision", "head_revision"]

MIGRATIONS_DIR = Path(__file__).resolve().with_name("migrations")


def alembic_config(url: str | None = None) -> Config:
    """An Alembic configuration for our migrations; `url` is only needed by Alembic's own commands."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))  # ini-style interpolation
    return config


def upgrade(url: str = DEFAULT_URL, revision: str = "head") -> None:
    """Migrate the database at `url` up to `revision`, in one transaction where the backend allows."""
    _run(url, command.upgrade, revision)


def downgrade(url: str, revision: str) -> None:
    _run(url, command.downgrade, revision)


def current_revision(url: str) -> str | None:
    """The revision the database is at; None for an empty database."""
    engine = make_engine(url)
    try:
        with translated_errors(), engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the migrations folder has no revision"
    return head


def _sqlite_pragma(connection: Connection, sql: str) -> None:
    """Run a pragma on the driver's connection, outside SQLAlchemy's transaction (where it would be ignored)."""
    dbapi = connection.connection.dbapi_connection
    if dbapi is None:
        raise StoreError("the database connection is closed")
    cursor = dbapi.cursor()
    try:
        cursor.execute(sql)
    finally:
        cursor.close()


def _run(url: str, step: Callable[[Config, str], None], revision: str) -> None:
    engine = make_engine(url)
    try:
        with translated_errors(), engine.execution_options(**WRITE_OPTIONS).connect() as connection:
            sqlite = connection.dialect.name == "sqlite"
            if sqlite:
                # Batch migrations copy a table and drop the old one; with foreign keys enforced, dropping a
                # parent would cascade into its children. The pragma only works outside a transaction.
                _sqlite_pragma(connection, "PRAGMA foreign_keys=OFF")
            try:
                with connection.begin():
                    config = alembic_config(url)
                    config.attributes["connection"] = connection
                    step(config, revision)
                    if sqlite and (broken := connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()):
                        raise StoreError(f"migration to {revision} leaves broken references: {broken[:5]}")
            finally:
                if sqlite:
                    _sqlite_pragma(connection, "PRAGMA foreign_keys=ON")
    finally:
        engine.dispose()
