"""The service-request status machine: everything that decides a legal transition lives here.

A request is born `submitted`; staff move it along; `completed` and `rejected` are final.
The table is data, read in one screen. It lives in `protocol` (stdlib only) because both sides
use it: the store enforces it inside the transaction that changes the row, and clients offer
staff only the legal next statuses.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "RequestStatus",
    "INITIAL",
    "TRANSITIONS",
    "FINAL",
    "can_transition",
    "next_statuses",
]


class RequestStatus(StrEnum):
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    REJECTED = "rejected"


SUBMITTED = RequestStatus.SUBMITTED
IN_REVIEW = RequestStatus.IN_REVIEW
IN_PROGRESS = RequestStatus.IN_PROGRESS
COMPLETED = RequestStatus.COMPLETED
REJECTED = RequestStatus.REJECTED

INITIAL = SUBMITTED

# from-status -> the statuses it may move to. A status with no exits is final.
TRANSITIONS: dict[RequestStatus, frozenset[RequestStatus]] = {
    SUBMITTED: frozenset({IN_REVIEW, REJECTED}),
    IN_REVIEW: frozenset({IN_PROGRESS, REJECTED}),
    IN_PROGRESS: frozenset({COMPLETED, REJECTED}),
    COMPLETED: frozenset(),
    REJECTED: frozenset(),
}

FINAL: frozenset[RequestStatus] = frozenset(s for s, exits in TRANSITIONS.items() if not exits)


def next_statuses(status: str) -> frozenset[RequestStatus]:
    """Where a request in `status` may go next (empty when final). Unknown status: ValueError."""
    return TRANSITIONS[RequestStatus(status)]


def can_transition(from_status: str, to_status: str) -> bool:
    """True when the table allows `from_status` -> `to_status`; unknown names are never allowed."""
    try:
        return RequestStatus(to_status) in TRANSITIONS[RequestStatus(from_status)]
    except ValueError:
        return False
