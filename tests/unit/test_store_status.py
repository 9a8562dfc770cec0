"""The service-request status machine, as a table."""

from __future__ import annotations

import itertools

import pytest

from makaverse.protocol.request_status import (
    FINAL,
    INITIAL,
    TRANSITIONS,
    RequestStatus,
    can_transition,
    next_statuses,
)

LEGAL = {
    ("submitted", "in_review"),
    ("submitted", "rejected"),
    ("in_review", "in_progress"),
    ("in_review", "rejected"),
    ("in_progress", "completed"),
    ("in_progress", "rejected"),
}


def test_the_table_is_exactly_the_agreed_machine():
    """submitted -> in_review | rejected; in_review -> in_progress | rejected; in_progress -> completed | rejected."""
    pairs = {(a.value, b.value) for a, b in itertools.product(RequestStatus, repeat=2) if can_transition(a, b)}
    assert pairs == LEGAL
    assert INITIAL is RequestStatus.SUBMITTED


def test_completed_and_rejected_are_final():
    """Nothing leaves a completed or rejected request."""
    assert FINAL == {RequestStatus.COMPLETED, RequestStatus.REJECTED}
    assert next_statuses("completed") == frozenset()


def test_every_status_is_reachable_from_the_start():
    """Each status can be reached from 'submitted' along the table."""
    seen, frontier = {INITIAL}, [INITIAL]
    while frontier:
        for nxt in TRANSITIONS[frontier.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                frontier.append(nxt)
    assert seen == set(RequestStatus)


def test_unknown_names_are_never_allowed():
    """A status name outside the machine is never a legal source or target."""
    assert not can_transition("submitted", "lost")
    assert not can_transition("lost", "submitted")
    assert not can_transition("submitted", "submitted")
    with pytest.raises(ValueError):
        next_statuses("lost")
