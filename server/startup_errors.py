"""Start-up failures as one clear line: what went wrong and what to do, never a traceback.

`describe(exc)` turns the failures a person can fix — a database URL of an unknown kind, a
driver that is not installed, a database or Redis that does not answer, a port already in use,
a world or word-list file that can't be read — into one line for stderr; anything else is a
bug and keeps its traceback. The `makaverse` command calls it around every subcommand.
"""

from __future__ import annotations

import errno
import tomllib

from .settings import SettingsError

__all__ = ["StartupError", "describe"]

# A module that is not installed -> (what it is, the extra that installs it).
_EXTRAS = {
    "psycopg": ("the PostgreSQL driver (psycopg 3)", "postgres"),
    "psycopg2": ("the PostgreSQL driver psycopg2 (use postgresql+psycopg://, psycopg 3)", "postgres"),
    "pg8000": ("the PostgreSQL driver pg8000 (use postgresql+psycopg://, psycopg 3)", "postgres"),
    "asyncpg": ("the PostgreSQL driver asyncpg (use postgresql+psycopg://, psycopg 3)", "postgres"),
    "psycopg_binary": ("the PostgreSQL driver (psycopg 3)", "postgres"),
    "redis": ("the Redis client", "redis"),
    "panda3d": ("Panda3D, which the 3D client needs", "client"),
    "direct": ("Panda3D, which the 3D client needs", "client"),
}


class StartupError(Exception):
    """A start-up problem whose message is already the one line to show."""


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and cur not in seen:
        seen.append(cur)
        cur = cur.__cause__ or cur.__context__
    return seen


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _first_line(text: object) -> str:
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    return lines[0] if lines else ""


def _sqlalchemy(exc: BaseException) -> str | None:
    try:
        from sqlalchemy import exc as sa
    except ImportError:
        return None
    if isinstance(exc, sa.NoSuchModuleError):
        return (
            "unknown database scheme in the URL: use sqlite:///PATH, or postgresql+psycopg://USER@HOST/DB "
            "(pip install 'makaverse[postgres]')"
        )
    if isinstance(exc, sa.ArgumentError):
        return f"the database URL is not valid: {_first_line(exc)}"
    if isinstance(exc, (sa.OperationalError, sa.InterfaceError)):
        return f"the database does not answer: {_first_line(getattr(exc, 'orig', None) or exc)}"
    return None


def _redis(exc: BaseException) -> str | None:
    try:
        from redis import exceptions as rx
    except ImportError:
        return None
    if isinstance(exc, (rx.ConnectionError, rx.TimeoutError)):
        return f"Redis does not answer: {_first_line(exc)}"
    return None


def _describe_one(exc: BaseException) -> str | None:
    if isinstance(exc, StartupError | SettingsError):
        return str(exc)
    if isinstance(exc, ModuleNotFoundError):
        name = (exc.name or "").split(".")[0]
        if name in _EXTRAS:
            what, extra = _EXTRAS[name]
            return f"{what} is not installed: pip install 'makaverse[{extra}]'"
        return None
    line = _sqlalchemy(exc) or _redis(exc)
    if line:
        return line
    from makaverse.server.store.errors import InvalidValue

    if isinstance(exc, InvalidValue):  # an unsupported database, a staff account without an OPD, ...
        return _first_line(exc)
    from makaverse.world.loader import WorldError

    if isinstance(exc, WorldError):
        return f"the world file is not valid: {_first_line(exc)}"
    if isinstance(exc, tomllib.TOMLDecodeError):
        return f"a TOML file is not valid: {_first_line(exc)}"
    if isinstance(exc, UnicodeDecodeError):
        return f"a file is not UTF-8 text: {_first_line(exc)}"
    if isinstance(exc, OSError):
        if exc.errno == errno.EADDRINUSE:
            return f"cannot listen, the address is already in use: {_first_line(exc)} (choose another --port)"
        if exc.errno == errno.EADDRNOTAVAIL:
            return f"cannot listen on that address: {_first_line(exc)}"
        if exc.filename is not None:
            return f"cannot read {exc.filename}: {exc.strerror or _first_line(exc)}"
    return None


def describe(exc: BaseException) -> str | None:
    """One line saying what failed and what to do, or None for an unexpected error (a bug)."""
    for link in _chain(exc):
        line = _describe_one(link)
        if line:
            return _one_line(line)
    return None
