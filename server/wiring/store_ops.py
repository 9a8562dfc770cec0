"""Store operations that rooms name in a `Call` but that take the store's own value types: the
values are built here from plain data, so no room component imports the store. Every other `Call`
names a store method directly."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from ..rooms.notes import note
from ..store.chat_repo import ChatLine
from ..store.dto import Audit, Localized, ProgramDraft
from ..store.requests_repo import Submission

__all__ = ["OPS"]

requests_log = logging.getLogger("makaverse.requests")


def add_chat_lines(store: Any, lines: list[dict]) -> Any:
    return store.add_chat_lines([ChatLine(**line) for line in lines])


def create_service_requests(store: Any, submissions: list[dict]) -> Any:
    """The group commit; then one log line for the whole group naming every request it created (the
    audit trail at a line per commit instead of a line per request: at hundreds a second the log lines
    were a good part of the server's cost)."""
    answers = store.create_service_requests([Submission(**s) for s in submissions])
    created = [a[0] for a in answers if isinstance(a, tuple) and a[1]]
    if created:
        note(requests_log, "requests_submitted", count=len(created), tracking=[r.tracking_number for r in created],
             accounts=[r.account_id for r in created])
    return answers


def update_opd_description(store: Any, opd: str, description: dict, *, actor_id: int | None) -> Any:
    return store.update_opd_description(opd, Localized(**description), audit=Audit(actor_id=actor_id))


def upsert_program(store: Any, opd: str, draft: dict, *, program_id: int | None, actor_id: int | None) -> Any:
    fields = dict(draft, summary=Localized(**draft["summary"]))
    return store.upsert_program(opd, ProgramDraft(**fields), program_id=program_id, audit=Audit(actor_id=actor_id))


def delete_program(store: Any, program_id: int, *, actor_id: int | None) -> Any:
    return store.delete_program(program_id, audit=Audit(actor_id=actor_id))


def ban_account(store: Any, account_id: int, *, reason: str, until: Any, actor_id: int | None) -> Any:
    return store.ban_account(account_id, reason=reason, until=until, audit=Audit(actor_id=actor_id))


OPS: dict[str, Callable[..., Any]] = {
    f.__name__: f
    for f in (
        add_chat_lines,
        create_service_requests,
        update_opd_description,
        upsert_program,
        delete_program,
        ban_account,
    )
}
