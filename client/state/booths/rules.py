"""The request rules the booth UI applies before the server does (one copy, in `protocol`):
field checks of a submission and the request status machine. The server still decides."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from makaverse.protocol.request_fields import FieldRule, field_problem, submission_problems
from makaverse.protocol.request_status import RequestStatus, next_statuses

__all__ = ["REQUEST_STATUSES", "REQUEST_TRANSITIONS", "legal_next", "check_field", "check_form"]

REQUEST_STATUSES: tuple[str, ...] = tuple(s.value for s in RequestStatus)
REQUEST_TRANSITIONS: dict[str, tuple[str, ...]] = {
    s.value: tuple(n.value for n in RequestStatus if n in next_statuses(s)) for s in RequestStatus
}


def legal_next(status: str, server_next: Iterable[str] | None = None) -> tuple[str, ...]:
    """The statuses a request in `status` may move to, in the machine's order.

    A `request_detail`'s `next` is the server's word and wins; without one, the shared table."""
    allowed = set(server_next) if server_next is not None else set(REQUEST_TRANSITIONS.get(status, ()))
    return tuple(s for s in REQUEST_STATUSES if s in allowed)


def check_field(spec: Mapping, raw: str) -> str | None:
    """The problem code the server would give this value for this field (a `booth_info` field
    map), or None when it is fine. Empty is `required` only for required fields."""
    return field_problem(FieldRule.from_mapping(spec), raw)


def check_form(fields: Iterable[Mapping], values: Mapping[str, str], note: str = "") -> dict[str, str]:
    """Every problem of a submission, keyed by field name (`_note` for the note); empty when valid."""
    return submission_problems([FieldRule.from_mapping(f) for f in fields], values, note)
