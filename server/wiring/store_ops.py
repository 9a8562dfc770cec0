"""Store operations that rooms name in a `Call` but that take the store's own value types: the
values are built here from plain data, so no room component imports the store. Every other `Call`
names a store method directly."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..store.chat_repo import ChatLine
from ..store.dto import Audit, Localized, ProgramDraft
from ..store.requests_repo import Submission

__all__ = ["OPS"]


def add_chat_lines(store: Any, lines: list[dict]) -> Any:
    return store.add_chat_lines([ChatLine(**line) for line in lines])


def create_service_requests(store: Any, submissions: list[dict]) -> Any:
    return store.create_service_requests([Submission(**s) for s in submissions])


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
