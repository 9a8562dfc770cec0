"""The plumbing every repository shares: the engine, one short session per call, error mapping.

Thread-safe: the engine pools connections and each method opens and closes its own
session, so worker threads can call the store at once. No asyncio here; the server calls
the store from a worker thread.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Self, cast

from sqlalchemy import CursorResult, Result, text
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

from .engine import DEFAULT_URL, WRITE_OPTIONS, make_engine
from .errors import Conflict, StoreError, Unavailable
from .types import utc_now

__all__ = ["StoreBase", "translated_errors", "affected_rows"]


def affected_rows(result: Result[Any]) -> int:
    """Rows an UPDATE or DELETE touched (`execute` is typed as returning any `Result`)."""
    return cast("CursorResult[Any]", result).rowcount or 0


class StoreBase:
    """Owns the engine and hands repositories a session per call."""

    def __init__(
        self,
        url: str = DEFAULT_URL,
        *,
        clock: Callable[[], datetime] = utc_now,
        echo: bool = False,
    ) -> None:
        self.url = url
        self._clock = clock
        self._engine = make_engine(url, echo=echo)
        self._reader = sessionmaker(self._engine, expire_on_commit=False)
        self._writer = sessionmaker(self._engine.execution_options(**WRITE_OPTIONS), expire_on_commit=False)

    def now(self) -> datetime:
        """The store's clock (aware UTC); tests inject one to expire sessions without sleeping."""
        return self._clock()

    def ping(self) -> None:
        """Raise `Unavailable` unless the database answers."""
        with self._read() as session:
            session.execute(text("SELECT 1"))

    def dispose(self) -> None:
        """Close pooled connections; the store can still be used and will reconnect."""
        self._engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.dispose()

    @contextmanager
    def _read(self) -> Iterator[Session]:
        with translated_errors(), self._reader() as session:
            yield session

    @contextmanager
    def _write(self) -> Iterator[Session]:
        """A transaction that commits when the block ends, or rolls back on any error."""
        with translated_errors(), self._writer.begin() as session:
            yield session


@contextmanager
def translated_errors() -> Iterator[None]:
    """Turn SQLAlchemy errors into store errors; our own pass through."""
    try:
        yield
    except StoreError:
        raise
    except IntegrityError as exc:
        raise Conflict(str(exc.orig)) from exc
    except (OperationalError, InterfaceError, PoolTimeout) as exc:
        raise Unavailable(str(exc)) from exc
