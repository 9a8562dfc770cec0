"""Migrations build exactly the schema the models describe, on every backend."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from makaverse.server.store import make_engine
from makaverse.server.store.migrate import current_revision, downgrade, head_revision, upgrade
from makaverse.server.store.models import Base


def _diff(url: str) -> list:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return set(inspect(connection).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_migrated_schema_matches_models(db_url):
    """After `upgrade`, Alembic finds no difference between the database and the models."""
    upgrade(db_url)
    assert _diff(db_url) == []
    assert _tables(db_url) == set(Base.metadata.tables)


def test_upgrade_is_repeatable(db_url):
    """Upgrading an up-to-date database changes nothing and leaves it at the head revision."""
    assert current_revision(db_url) is None
    upgrade(db_url)
    upgrade(db_url)
    assert current_revision(db_url) == head_revision()


def test_downgrade_to_base_and_back(db_url):
    """Every revision can be undone and redone, ending where it started."""
    upgrade(db_url)
    downgrade(db_url, "base")
    assert current_revision(db_url) is None
    assert _tables(db_url) == set()
    upgrade(db_url)
    assert _diff(db_url) == []
