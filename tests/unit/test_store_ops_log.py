"""The group commit's audit line: one per committed group, naming every request it created."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from makaverse.protocol.request_status import RequestStatus
from makaverse.server.store import NotFound
from makaverse.server.store.dto import ServiceRequest
from makaverse.server.wiring.store_ops import OPS

NOW = datetime(2026, 3, 15, 2, 0, tzinfo=UTC)


def _request(number: str, account_id: int) -> ServiceRequest:
    return ServiceRequest(
        id=int(number[-6:]), tracking_number=number, account_id=account_id, opd_code="DUKCAPIL",
        service_code="KTP_EL", field_values={}, note="", status=RequestStatus.SUBMITTED, client_request_id=number,
        created_at=NOW, updated_at=NOW,
    )


class _Store:
    def __init__(self, answers: list) -> None:
        self.answers = answers
        self.given: list = []

    def create_service_requests(self, submissions: list) -> list:
        self.given = submissions
        return self.answers


def _sub(account_id: int, crid: str) -> dict:
    return {"account_id": account_id, "opd_code": "DUKCAPIL", "service_code": "KTP_EL", "client_request_id": crid}


def test_a_group_logs_one_line_naming_each_request_it_created(caplog):
    """Created requests are named with their accounts; retries answered with an earlier request and refusals are not."""
    answers = [
        (_request("DUK-2026-000001", 7), True),
        (_request("DUK-2026-000001", 7), False),  # a retry of the first
        NotFound("service"),
        (_request("DUK-2026-000002", 9), True),
    ]
    store = _Store(answers)
    with caplog.at_level(logging.INFO, logger="makaverse.requests"):
        got = OPS["create_service_requests"](store, [_sub(7, "a"), _sub(7, "a"), _sub(8, "b"), _sub(9, "c")])
    assert got is answers
    assert [s.client_request_id for s in store.given] == ["a", "a", "b", "c"]
    (line,) = [r for r in caplog.records if r.getMessage() == "requests_submitted"]
    assert line.fields == {"count": 2, "tracking": ["DUK-2026-000001", "DUK-2026-000002"], "accounts": [7, 9]}


def test_a_group_that_created_nothing_logs_nothing(caplog):
    store = _Store([NotFound("service")])
    with caplog.at_level(logging.INFO, logger="makaverse.requests"):
        OPS["create_service_requests"](store, [_sub(7, "a")])
    assert not [r for r in caplog.records if r.getMessage() == "requests_submitted"]
