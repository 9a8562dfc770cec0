"""`makaverse db create-schema|drop-schema`: a PostgreSQL schema of its own for a run sharing one database."""

from __future__ import annotations

import subprocess
import sys
import uuid

import pytest

from makaverse.server.store import InvalidValue, Store
from makaverse.server.store.migrate import upgrade
from makaverse.server.store.schemas import create_schema, drop_schema


def _makaverse_db(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "makaverse", "db", *args], capture_output=True, text=True, timeout=60)


@pytest.mark.postgres
def test_a_schema_of_its_own_holds_a_store_and_goes_away(pg_admin):
    """create-schema prints a URL whose store lives in that schema; drop-schema removes it all."""
    base = pg_admin.url.render_as_string(hide_password=False)
    name = f"mkv_test_{uuid.uuid4().hex[:12]}"
    made = _makaverse_db("create-schema", name, "--db", base)
    assert made.returncode == 0, made.stderr
    url = made.stdout.strip()
    try:
        upgrade(url)
        with Store(url) as store:
            store.ping()
        with pg_admin.connect() as connection:
            tables = connection.exec_driver_sql(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = %(s)s", {"s": name}
            ).scalar_one()
        assert tables > 0
    finally:
        dropped = _makaverse_db("drop-schema", name, "--db", base)
    assert dropped.returncode == 0, dropped.stderr
    with pg_admin.connect() as connection:
        left = connection.exec_driver_sql(
            "SELECT count(*) FROM information_schema.schemata WHERE schema_name = %(s)s", {"s": name}
        ).scalar_one()
    assert left == 0


def test_schemas_are_for_postgresql_and_plain_names(tmp_path):
    """An SQLite URL or a name that would need quoting is refused before anything is sent."""
    with pytest.raises(InvalidValue):
        create_schema(f"sqlite:///{tmp_path / 'x.db'}", "bench")
    for bad in ("Bench", "a-b", 'x"; DROP', "", "1abc"):
        with pytest.raises(InvalidValue):
            drop_schema("postgresql+psycopg://postgres@127.0.0.1:5432/test", bad)
