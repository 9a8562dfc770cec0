"""PostgreSQL schemas of their own, for runs that share one database (benchmarks, tests): make
one and get the URL whose connections use it (`options=-csearch_path=NAME`), drop it afterwards.
Behind `makaverse db create-schema` and `makaverse db drop-schema`."""

from __future__ import annotations

import re

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from .base import translated_errors
from .errors import InvalidValue

__all__ = ["create_schema", "drop_schema", "schema_url"]

_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def _checked(url: str, name: str) -> None:
    if make_url(url).get_backend_name() != "postgresql":
        raise InvalidValue("schemas of their own are for PostgreSQL URLs")
    if not _NAME.fullmatch(name):
        raise InvalidValue(f"schema name {name!r}: lower-case letters, digits and _, at most 63")


def schema_url(url: str, name: str) -> str:
    """`url` with every connection's search path set to schema `name`."""
    _checked(url, name)
    return make_url(url).update_query_dict({"options": f"-csearch_path={name}"}).render_as_string(hide_password=False)


def _run(url: str, sql: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 10})
    try:
        with translated_errors(), engine.connect() as connection:
            connection.exec_driver_sql(sql)
    finally:
        engine.dispose()


def create_schema(url: str, name: str) -> str:
    """Create schema `name` in the database at `url`; the URL that uses it."""
    _checked(url, name)
    _run(url, f'CREATE SCHEMA "{name}"')
    return schema_url(url, name)


def drop_schema(url: str, name: str) -> None:
    """Drop schema `name` and everything in it."""
    _checked(url, name)
    _run(url, f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
