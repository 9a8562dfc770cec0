"""Service requests: idempotent submission, tracking numbers, status changes with history.

A submission carries the client's request id; the pair (account, client request id) is
UNIQUE, so a retry returns the first request instead of a second one. The request keeps a
fingerprint of its content: the same id with other content is `RequestIdReused` (a
`Conflict`), never the first request passed off as the answer to a different question. Tracking numbers
read `DUK-2026-000123`: the OPD's prefix, the year in Makassar time, and a per-OPD, per-year
counter bumped atomically. `create_service_requests` is the group commit: many submissions in one
transaction (one commit, so one disk flush, for all of them), each answered as if alone; when
that transaction fails, each is tried again in a transaction of its own, so one bad submission
never costs the others theirs. A status change locks the row (FOR UPDATE on PostgreSQL; SQLite
writers are serialised by BEGIN IMMEDIATE), checks the status machine, and writes history
in the same transaction, so of two concurrent changes only one can win.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from makaverse.protocol import request_status as machine
from makaverse.protocol.request_status import RequestStatus
from makaverse.protocol.tickets import WITA

from .base import StoreBase
from .dto import ServiceRequest, StatusChange
from .errors import Conflict, IllegalTransition, InvalidValue, NotFound, RequestIdReused, StoreError
from .models import AccountRow, OpdRow, RequestCounterRow, ServiceRequestRow, ServiceRow, StatusHistoryRow

__all__ = ["RequestsRepo", "Submission", "Submitted", "WITA", "tracking_number", "content_fingerprint"]

MAX_LIST = 1000
MAX_SUBMISSIONS = 1000  # per group commit
MAX_CLIENT_REQUEST_ID = 64
_STATUSES = frozenset(s.value for s in RequestStatus)


def tracking_number(prefix: str, year: int, sequence: int) -> str:
    return f"{prefix}-{year}-{sequence:06d}"


def content_fingerprint(opd_code: str, service_code: str, field_values: dict[str, Any], note: str) -> str:
    """SHA-256 (hex) of a submission's content, independent of the order of its fields."""
    canonical = json.dumps(
        [opd_code, service_code, field_values, note], sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _reused(client_request_id: str) -> RequestIdReused:
    return RequestIdReused(f"client_request_id {client_request_id!r} was used for other content")


def _answer_retry(twin: ServiceRequestRow, fingerprint: str) -> ServiceRequest:
    """The first request, when the retry asks the same thing (rows from before fingerprints always do)."""
    if twin.content_fingerprint is not None and twin.content_fingerprint != fingerprint:
        raise _reused(twin.client_request_id)
    return request_dto(twin)


@dataclass(frozen=True, slots=True, kw_only=True)
class Submission:
    """One citizen's submission, as `create_service_request` takes it."""

    account_id: int
    opd_code: str
    service_code: str
    field_values: dict[str, Any] = field(default_factory=dict)
    client_request_id: str
    note: str = ""


# The answer to one submission of a group: (request, created), or the error it alone would have raised.
Submitted = tuple[ServiceRequest, bool] | StoreError


def request_dto(row: ServiceRequestRow) -> ServiceRequest:
    return ServiceRequest(
        id=row.id,
        tracking_number=row.tracking_number,
        account_id=row.account_id,
        opd_code=row.opd_code,
        service_code=row.service.code,
        field_values=dict(row.field_values),
        note=row.note,
        status=RequestStatus(row.status),
        client_request_id=row.client_request_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _change_dto(row: StatusHistoryRow) -> StatusChange:
    return StatusChange(
        request_id=row.request_id,
        from_status=None if row.from_status is None else RequestStatus(row.from_status),
        to_status=RequestStatus(row.to_status),
        note=row.note,
        actor_id=row.actor_id,
        at=row.at,
    )


def _find_twin(session: Session, account_id: int, client_request_id: str) -> ServiceRequestRow | None:
    return session.scalar(
        select(ServiceRequestRow).where(
            ServiceRequestRow.account_id == account_id,
            ServiceRequestRow.client_request_id == client_request_id,
        )
    )


def _retry_answered(twin: ServiceRequestRow, fingerprint: str) -> Submitted:
    try:
        return _answer_retry(twin, fingerprint), False
    except RequestIdReused as exc:
        return exc


def _first_answer(answer: Submitted | None) -> ServiceRequest:
    assert isinstance(answer, tuple)
    return answer[0]


def _next_sequence(session: Session, opd_code: str, year: int, count: int = 1) -> int:
    """Move the OPD's counter for `year` on by `count` in one statement (INSERT .. ON CONFLICT ..
    RETURNING) and return its new value: the last of the `count` numbers taken."""
    dialect = session.get_bind().dialect.name
    upsert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        upsert(RequestCounterRow)
        .values(opd_code=opd_code, year=year, last_value=count)
        .on_conflict_do_update(
            index_elements=[RequestCounterRow.opd_code, RequestCounterRow.year],
            set_={"last_value": RequestCounterRow.last_value + count},
        )
        .returning(RequestCounterRow.last_value)
    )
    return session.execute(statement).scalar_one()


# A group's rows as (tracking number, submission, service id, fingerprint).
_Row = tuple[str, Submission, int, str]


def _next_sequences(session: Session, counts: dict[str, int], year: int) -> dict[str, int]:
    """Move each OPD's counter for `year` on by its count; the new values (the last number each took).
    On PostgreSQL one statement for all OPDs, their rows locked in code order so that two groups
    committing at once (two processes) cannot deadlock on each other's counters."""
    if session.get_bind().dialect.name != "postgresql":
        return {opd: _next_sequence(session, opd, year, n) for opd, n in sorted(counts.items())}
    opds = sorted(counts)
    return {
        opd: last
        for opd, last in session.execute(
            _BUMP_COUNTERS_PG, {"opds": opds, "counts": [counts[o] for o in opds], "year": year}
        )
    }


def _insert_rows(session: Session, rows: list[_Row], status: str, now: datetime) -> dict[str, int]:
    """Insert the requests and their first history rows (Core statements: the ORM's bulk path costs
    more than the database); their ids by tracking number."""
    ids: dict[str, int] = {
        number: request_id
        for number, request_id in session.execute(
            insert(_REQUESTS).returning(_REQUESTS.c.tracking_number, _REQUESTS.c.id),
            [
                {
                    "tracking_number": number,
                    "account_id": sub.account_id,
                    "opd_code": sub.opd_code,
                    "service_id": service_id,
                    "field_values": dict(sub.field_values),
                    "note": sub.note,
                    "status": status,
                    "client_request_id": sub.client_request_id,
                    "content_fingerprint": fingerprint,
                    "created_at": now,
                    "updated_at": now,
                }
                for number, sub, service_id, fingerprint in rows
            ],
        )
    }
    session.execute(
        insert(_HISTORY),
        [
            {"request_id": ids[number], "from_status": None, "to_status": status, "note": "",
             "actor_id": sub.account_id, "at": now}
            for number, sub, _, _ in rows
        ],
    )
    return ids


def _insert_rows_pg(session: Session, rows: list[_Row], status: str, now: datetime) -> dict[str, int]:
    """`_insert_rows` on PostgreSQL: one statement of fixed text whatever the group's size (columns as
    arrays), so the server parses and plans it once per connection (a prepared statement) and the
    driver does not rewrite a long VALUES list for every group; requests and history in one round trip."""
    params = {
        "tracking": [r[0] for r in rows],
        "accounts": [r[1].account_id for r in rows],
        "opds": [r[1].opd_code for r in rows],
        "services": [r[2] for r in rows],
        "field_values": [json.dumps(r[1].field_values, ensure_ascii=False) for r in rows],
        "notes": [r[1].note for r in rows],
        "client_request_ids": [r[1].client_request_id for r in rows],
        "fingerprints": [r[3] for r in rows],
        "status": status,
        "now": now,
    }
    return {number: request_id for number, request_id in session.execute(_INSERT_GROUP_PG, params)}


_REQUESTS = cast(Table, ServiceRequestRow.__table__)
_HISTORY = cast(Table, StatusHistoryRow.__table__)

_BUMP_COUNTERS_PG = text(
    """
    INSERT INTO request_counters (opd_code, year, last_value)
    SELECT u.opd_code, :year, u.n
    FROM unnest(CAST(:opds AS text[]), CAST(:counts AS integer[])) WITH ORDINALITY AS u(opd_code, n, i)
    ORDER BY u.i
    ON CONFLICT (opd_code, year) DO UPDATE SET last_value = request_counters.last_value + excluded.last_value
    RETURNING opd_code, last_value
    """
)

_INSERT_GROUP_PG = text(
    """
    WITH made AS (
        INSERT INTO service_requests (tracking_number, account_id, opd_code, service_id, field_values, note,
                                      status, client_request_id, content_fingerprint, created_at, updated_at)
        SELECT u.tracking_number, u.account_id, u.opd_code, u.service_id, CAST(u.field_values AS json), u.note,
               :status, u.client_request_id, u.content_fingerprint, :now, :now
        FROM unnest(CAST(:tracking AS text[]), CAST(:accounts AS integer[]), CAST(:opds AS text[]),
                    CAST(:services AS integer[]), CAST(:field_values AS text[]), CAST(:notes AS text[]),
                    CAST(:client_request_ids AS text[]), CAST(:fingerprints AS text[])) WITH ORDINALITY
             AS u(tracking_number, account_id, opd_code, service_id, field_values, note, client_request_id,
                  content_fingerprint, i)
        ORDER BY u.i
        RETURNING id, tracking_number, account_id, status
    ), history AS (
        INSERT INTO request_status_history (request_id, from_status, to_status, note, actor_id, at)
        SELECT id, NULL, status, '', account_id, :now FROM made
    )
    SELECT tracking_number, id FROM made
    """
)


class RequestsRepo(StoreBase):
    def create_service_request(
        self,
        account_id: int,
        *,
        opd_code: str,
        service_code: str,
        field_values: dict[str, Any],
        client_request_id: str,
        note: str = "",
    ) -> tuple[ServiceRequest, bool]:
        """Submit a request; returns (request, created).

        A repeated client request id with the same content returns the first request; with
        other content it raises `RequestIdReused`.
        """
        if not 0 < len(client_request_id) <= MAX_CLIENT_REQUEST_ID:
            raise InvalidValue(f"client_request_id: 1..{MAX_CLIENT_REQUEST_ID} characters")
        fingerprint = content_fingerprint(opd_code, service_code, field_values, note)
        try:
            with self._write() as session:
                twin = _find_twin(session, account_id, client_request_id)
                if twin is not None:
                    return _answer_retry(twin, fingerprint), False
                row = self._insert_request(
                    session, account_id, opd_code, service_code, field_values, client_request_id, note, fingerprint
                )
                return request_dto(row), True
        except RequestIdReused:
            raise
        except Conflict:
            # On PostgreSQL a concurrent twin can commit between our check and our insert:
            # the UNIQUE constraint stops the duplicate, and the first one is the answer.
            with self._read() as session:
                twin = _find_twin(session, account_id, client_request_id)
                if twin is None:
                    raise
                return _answer_retry(twin, fingerprint), False

    def create_service_requests(self, submissions: Sequence[Submission]) -> list[Submitted]:
        """Submit many in one transaction (a group commit); one answer per submission, in order.

        Each answer is what `create_service_request` would have returned or raised for it alone,
        as if they had run one after another in this order (a repeated client request id within
        the group is a retry of the earlier one). Nothing is answered before the commit; when the
        group's transaction fails, each submission is run again in a transaction of its own.
        """
        if len(submissions) > MAX_SUBMISSIONS:
            raise InvalidValue(f"at most {MAX_SUBMISSIONS} submissions per group")
        answers: list[Submitted | None] = [None] * len(submissions)
        todo = []
        for i, sub in enumerate(submissions):
            if not 0 < len(sub.client_request_id) <= MAX_CLIENT_REQUEST_ID:
                answers[i] = InvalidValue(f"client_request_id: 1..{MAX_CLIENT_REQUEST_ID} characters")
            else:
                todo.append(i)
        if todo:
            try:
                with self._write() as session:
                    group = self._submit_group(session, [submissions[i] for i in todo])
                for i, answer in zip(todo, group, strict=True):
                    answers[i] = answer
            except Exception:
                # The group's transaction failed (a disk error, a twin committed meanwhile by another
                # process): each on its own, so the ones that can still succeed do.
                for i in todo:
                    answers[i] = self._submit_alone(submissions[i])
        return [a for a in answers if a is not None]

    def _submit_alone(self, sub: Submission) -> Submitted:
        try:
            return self.create_service_request(
                sub.account_id, opd_code=sub.opd_code, service_code=sub.service_code, field_values=sub.field_values,
                client_request_id=sub.client_request_id, note=sub.note,
            )
        except StoreError as exc:
            return exc

    def _submit_group(self, session: Session, subs: list[Submission]) -> list[Submitted]:
        """The group inside one transaction, in a handful of statements whatever its size. A
        missing account is left to its foreign key (submitters are logged in: it is rare), which
        fails the group and so sends each submission down the one-by-one path that names it."""
        fingerprints = [content_fingerprint(s.opd_code, s.service_code, s.field_values, s.note) for s in subs]
        keys = [(s.account_id, s.client_request_id) for s in subs]
        # Two plain INs (the exact pairs are looked up below): SQLite answers a row-value IN by
        # scanning the whole table, plain INs through the (account, client request id) index.
        twins = {
            (row.account_id, row.client_request_id): row
            for row in session.scalars(
                select(ServiceRequestRow).where(
                    ServiceRequestRow.account_id.in_({s.account_id for s in subs}),
                    ServiceRequestRow.client_request_id.in_({s.client_request_id for s in subs}),
                )
            )
        }
        services = {
            (opd, code): (service_id, prefix)
            for service_id, opd, code, prefix in session.execute(
                select(ServiceRow.id, ServiceRow.opd_code, ServiceRow.code, OpdRow.ticket_prefix)
                .join(OpdRow, OpdRow.code == ServiceRow.opd_code)
                .where(ServiceRow.opd_code.in_({s.opd_code for s in subs}))
            )
        }
        answers: list[Submitted | None] = [None] * len(subs)
        first: dict[tuple[int, str], int] = {}  # key -> index of the group's first new submission with it
        fresh: list[int] = []
        for i, (sub, key) in enumerate(zip(subs, keys, strict=True)):
            twin = twins.get(key)
            if twin is not None:
                answers[i] = _retry_answered(twin, fingerprints[i])
            elif key in first:
                if fingerprints[first[key]] != fingerprints[i]:
                    answers[i] = _reused(sub.client_request_id)
                # else: a retry within the group, answered with the first one's request (below)
            elif (sub.opd_code, sub.service_code) not in services:
                answers[i] = NotFound(f"service {sub.opd_code}/{sub.service_code}")
            else:
                first[key] = i
                fresh.append(i)
        if fresh:
            made = self._insert_group(session, [(subs[i], fingerprints[i]) for i in fresh], services)
            for i, request in zip(fresh, made, strict=True):
                answers[i] = (request, True)
            for i, key in enumerate(keys):
                if answers[i] is None:
                    answers[i] = (_first_answer(answers[first[key]]), False)
        return [a for a in answers if a is not None]

    def _insert_group(
        self, session: Session, new: list[tuple[Submission, str]], services: dict[tuple[str, str], tuple[int, str]]
    ) -> list[ServiceRequest]:
        now = self.now()
        year = now.astimezone(WITA).year
        per_opd: dict[str, int] = {}
        for sub, _ in new:
            per_opd[sub.opd_code] = per_opd.get(sub.opd_code, 0) + 1
        # Each OPD's counter moves once for the group; its submissions take the numbers in order.
        next_number = {opd: last - per_opd[opd] + 1 for opd, last in _next_sequences(session, per_opd, year).items()}
        numbers = []
        for sub, _ in new:
            prefix = services[(sub.opd_code, sub.service_code)][1]
            numbers.append(tracking_number(prefix, year, next_number[sub.opd_code]))
            next_number[sub.opd_code] += 1
        status = machine.INITIAL.value
        rows = [
            (number, sub, services[(sub.opd_code, sub.service_code)][0], fingerprint)
            for number, (sub, fingerprint) in zip(numbers, new, strict=True)
        ]
        insert_rows = _insert_rows_pg if session.get_bind().dialect.name == "postgresql" else _insert_rows
        ids = insert_rows(session, rows, status, now)
        return [
            ServiceRequest(
                id=ids[number],
                tracking_number=number,
                account_id=sub.account_id,
                opd_code=sub.opd_code,
                service_code=sub.service_code,
                field_values=dict(sub.field_values),
                note=sub.note,
                status=RequestStatus(status),
                client_request_id=sub.client_request_id,
                created_at=now,
                updated_at=now,
            )
            for number, (sub, _) in zip(numbers, new, strict=True)
        ]

    def _insert_request(
        self,
        session: Session,
        account_id: int,
        opd_code: str,
        service_code: str,
        field_values: dict[str, Any],
        client_request_id: str,
        note: str,
        fingerprint: str,
    ) -> ServiceRequestRow:
        if session.get(AccountRow, account_id) is None:
            raise NotFound(f"account {account_id}")
        service = session.scalar(
            select(ServiceRow).where(ServiceRow.opd_code == opd_code, ServiceRow.code == service_code)
        )
        if service is None:
            raise NotFound(f"service {opd_code}/{service_code}")
        prefix = session.scalar(select(OpdRow.ticket_prefix).where(OpdRow.code == opd_code))
        if prefix is None:  # the service's foreign key makes this unreachable; say so rather than write "None-"
            raise NotFound(f"OPD {opd_code}")
        now = self.now()
        year = now.astimezone(WITA).year
        row = ServiceRequestRow(
            tracking_number=tracking_number(prefix, year, _next_sequence(session, opd_code, year)),
            account_id=account_id,
            opd_code=opd_code,
            service=service,
            field_values=dict(field_values),
            note=note,
            status=machine.INITIAL.value,
            client_request_id=client_request_id,
            content_fingerprint=fingerprint,
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        session.flush()
        session.add(
            StatusHistoryRow(
                request_id=row.id, from_status=None, to_status=row.status, note="", actor_id=account_id, at=now
            )
        )
        return row

    def get_request(self, request_id: int) -> ServiceRequest:
        with self._read() as session:
            row = session.get(ServiceRequestRow, request_id)
            if row is None:
                raise NotFound(f"request {request_id}")
            return request_dto(row)

    def get_request_by_tracking(self, tracking: str) -> ServiceRequest:
        with self._read() as session:
            row = session.scalar(select(ServiceRequestRow).where(ServiceRequestRow.tracking_number == tracking))
            if row is None:
                raise NotFound(f"request {tracking}")
            return request_dto(row)

    def transition_request(
        self,
        request_id: int,
        to_status: str,
        *,
        note: str = "",
        actor_id: int | None = None,
        expected_from: str | None = None,
    ) -> ServiceRequest:
        """Move a request along the status machine and record it in its history.

        `IllegalTransition` when the machine forbids the move from the current status;
        `Conflict` when `expected_from` is given and the status has moved on since.
        """
        with self._write() as session:
            row = session.scalar(
                select(ServiceRequestRow)
                .where(ServiceRequestRow.id == request_id)
                .with_for_update(of=ServiceRequestRow)
            )
            if row is None:
                raise NotFound(f"request {request_id}")
            current = row.status
            if expected_from is not None and current != expected_from:
                raise Conflict(f"request {request_id} is {current}, not {expected_from}")
            if not machine.can_transition(current, to_status):
                raise IllegalTransition(current, str(to_status))
            now = self.now()
            row.status, row.updated_at = RequestStatus(to_status).value, now
            session.add(
                StatusHistoryRow(
                    request_id=row.id, from_status=current, to_status=row.status, note=note, actor_id=actor_id, at=now
                )
            )
            return request_dto(row)

    def list_requests(
        self,
        *,
        account_id: int | None = None,
        opd_code: str | None = None,
        status: str | None = None,
        limit: int = 100,
        before_id: int | None = None,
    ) -> tuple[ServiceRequest, ...]:
        """Newest first, filtered by citizen, OPD and/or status; page with `before_id`."""
        query = select(ServiceRequestRow).order_by(ServiceRequestRow.id.desc()).limit(max(1, min(limit, MAX_LIST)))
        if account_id is not None:
            query = query.where(ServiceRequestRow.account_id == account_id)
        if opd_code is not None:
            query = query.where(ServiceRequestRow.opd_code == opd_code)
        if status is not None:
            if status not in _STATUSES:
                raise InvalidValue(f"status {status!r}")
            query = query.where(ServiceRequestRow.status == status)
        if before_id is not None:
            query = query.where(ServiceRequestRow.id < before_id)
        with self._read() as session:
            return tuple(request_dto(row) for row in session.scalars(query))

    def request_history(self, request_id: int) -> tuple[StatusChange, ...]:
        """The status changes of a request, oldest first; `NotFound` if there is no such request."""
        with self._read() as session:
            if session.get(ServiceRequestRow, request_id) is None:
                raise NotFound(f"request {request_id}")
            rows = session.scalars(
                select(StatusHistoryRow).where(StatusHistoryRow.request_id == request_id).order_by(StatusHistoryRow.id)
            )
            return tuple(_change_dto(row) for row in rows)
