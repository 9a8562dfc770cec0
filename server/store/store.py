"""`Store`: the one object the server holds to reach the database.

It is the repositories put together (accounts and sessions, OPDs, service requests, audit);
each lives in its own module and shares the engine and session handling of `StoreBase`.
"""

from __future__ import annotations

from .accounts_repo import AccountsRepo
from .audit_repo import AuditRepo
from .chat_repo import ChatRepo
from .events_repo import EventsRepo
from .opds_repo import OpdsRepo
from .requests_repo import RequestsRepo
from .tickets_repo import TicketsRepo

__all__ = ["Store"]


class Store(AccountsRepo, OpdsRepo, RequestsRepo, AuditRepo, TicketsRepo, ChatRepo, EventsRepo):
    """Durable state behind one URL. Thread-safe; every method is one short transaction.

    `Store(url, *, clock=utc_now)`. Methods return frozen DTOs from `dto` and raise
    `StoreError` subclasses from `errors`. The schema must be migrated first (`migrate.upgrade`).
    """
