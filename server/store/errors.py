"""Store errors: one root, split by blame.

`NotFound`, `Conflict`, `IllegalTransition` and `InvalidValue` are about the data asked
for (the caller or its user chose wrongly); `Unavailable` is the database failing, and the
same call may succeed later. The server maps these to protocol error codes in one place;
the text is for logs only.
"""

from __future__ import annotations

__all__ = [
    "StoreError",
    "NotFound",
    "Conflict",
    "RequestIdReused",
    "IllegalTransition",
    "InvalidValue",
    "Unavailable",
]


class StoreError(Exception):
    """Root of every store error."""


class NotFound(StoreError, LookupError):
    """The account, OPD, service, request or session referred to does not exist."""


class Conflict(StoreError):
    """It already exists (a taken username), or it changed under you."""


class RequestIdReused(Conflict):
    """A client request id already names a submission with other content."""


class IllegalTransition(StoreError):
    """The request status machine does not allow this move."""

    def __init__(self, from_status: str, to_status: str) -> None:
        super().__init__(f"{from_status} -> {to_status} is not allowed")
        self.from_status = from_status
        self.to_status = to_status


class InvalidValue(StoreError, ValueError):
    """An argument the schema cannot hold (unknown role, staff without an OPD, ...)."""


class Unavailable(StoreError):
    """The database failed or timed out; retry later."""
