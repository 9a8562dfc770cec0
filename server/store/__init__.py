"""server/store: durable state in SQLAlchemy 2 (SQLite file by default, PostgreSQL by URL).

`Store` is the entry point; it hands out frozen DTOs (`dto`) and raises `StoreError`s
(`errors`). Schema changes are Alembic migrations (`migrate.upgrade`); sample content comes
from `seed`. The `db` and `admin` commands and the first admin live in `server/admin/`.
"""

from .dto import *  # noqa: F401,F403
from .dto import __all__ as _dto_all
from .engine import DEFAULT_URL, URL_ENV, make_engine, url_from_env
from .errors import Conflict, IllegalTransition, InvalidValue, NotFound, RequestIdReused, StoreError, Unavailable
from .store import Store
from .types import utc_now

__all__ = [
    "Store",
    "DEFAULT_URL",
    "URL_ENV",
    "make_engine",
    "url_from_env",
    "utc_now",
    "StoreError",
    "NotFound",
    "Conflict",
    "RequestIdReused",
    "IllegalTransition",
    "InvalidValue",
    "Unavailable",
    *_dto_all,
]
