"""Fixtures for the store contract suite: every test runs once over SQLite and once over PostgreSQL.

SQLite gets a fresh file per test. PostgreSQL (`MAKAVERSE_TEST_PG_URL`) gets a fresh schema
per test, put first on the search path and dropped afterwards, so runs leave nothing behind
and can run twice, or side by side. When PostgreSQL does not answer its tests are skipped,
unless `MAKAVERSE_REQUIRE_SERVICES=1` (CI), where that is a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine, make_url

from makaverse.server.services.accounts import make_hasher
from makaverse.server.store import Account, Store
from makaverse.server.store.migrate import upgrade
from makaverse.server.store.seed import seed

PG_URL_ENV = "MAKAVERSE_TEST_PG_URL"
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
REQUIRE_ENV = "MAKAVERSE_REQUIRE_SERVICES"
START = datetime(2026, 3, 15, 2, 0, tzinfo=UTC)


class FakeClock:
    """An aware UTC clock that only moves when told to."""

    def __init__(self, start: datetime = START) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture(scope="session")
def pg_admin() -> Iterator[Engine]:
    """An engine on the PostgreSQL test database, or a skip (a failure in CI) when it is down."""
    url = os.environ.get(PG_URL_ENV, DEFAULT_PG_URL)
    engine = create_engine(url, connect_args={"connect_timeout": 3}, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect():
            pass
    except Exception as exc:  # any failure to connect means "not available here"
        engine.dispose()
        reason = f"PostgreSQL at {make_url(url)!r} does not answer ({type(exc).__name__}); set {PG_URL_ENV}"
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{reason} ({REQUIRE_ENV}=1)")
        pytest.skip(reason)
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """The URL of an empty database of each kind."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'var' / 'makaverse.db'}"
        return
    admin: Engine = request.getfixturevalue("pg_admin")
    schema = f"mkv_test_{uuid.uuid4().hex[:16]}"
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = admin.url.update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql("SET lock_timeout = '10s'")
            connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store(db_url: str, clock: FakeClock) -> Iterator[Store]:
    """A migrated, empty store whose clock the test controls."""
    upgrade(db_url)
    with Store(db_url, clock=clock) as s:
        yield s


@pytest.fixture
def seeded(store: Store) -> Store:
    seed(store)
    return store


@pytest.fixture
def hasher():
    return make_hasher(fast=True)


@pytest.fixture
def citizen(seeded: Store) -> Account:
    return seeded.create_account(username="warga", display_name="Warga", password_hash="x")
