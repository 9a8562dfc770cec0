"""server/store: durable state in SQLAlchemy 2 (SQLite file by default, PostgreSQL by URL).

`Store` is the entry point; it hands out frozen DTOs (`dto`) and raises `StoreError`s
(`errors`). Schema changes are Alembic migrations (`migrate.upgrade`); sample content comes
from `seed`. The `db` and `admin` commands and the first admin live in `server/admin/`.
"""

from typing import TYPE_CHECKING, Any

from .dto import *  # noqa: F401,F403
from .dto import __all__ as _dto_all
from .engine import DEFAULT_URL, URL_ENV, make_engine, url_from_env
from .errors import Conflict, IllegalTransition, InvalidValue, NotFound, RequestIdReused, StoreError, Unavailable

if TYPE_CHECKING:
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


def __getattr__(name: str) -> Any:
    """`Store` and `utc_now` load SQLAlchemy and the models (~1 s): only when first asked for, so a
    command that needs no database (the client's `makaverse shot`, the `--help` of `db`) starts without."""
    value: Any
    if name == "Store":
        from . import store

        value = store.Store
    elif name == "utc_now":
        from . import types

        value = types.utc_now
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value
