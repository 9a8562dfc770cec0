"""Service request submissions share commits (a group commit) over real sockets, on SQLite and
PostgreSQL: every submission is answered exactly once and stored exactly once, nobody is answered
before the commit that stores their request, and a commit that fails answers each of its
submissions with `unavailable`, never with silence.

No timing: a test store hook holds the first commit until the others have queued behind it, so
the next group is known to hold many submissions, and answers are awaited, never slept for.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import threading
import uuid

import pytest
from harness import KTP, TEST_MODE_ENV, ask, eventually
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from makaverse.protocol import Error, RequestSubmitted, SubmitRequest
from makaverse.server.rooms.requests import REQUESTS_LANE
from makaverse.server.store import Unavailable

PG_URL_ENV = "MAKAVERSE_TEST_PG_URL"
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
REQUIRE_ENV = "MAKAVERSE_REQUIRE_SERVICES"  # CI: PostgreSQL missing is a failure, not a skip
CITIZENS = 10  # each on its own connection, one submission in flight each

rids = itertools.count(1)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, tmp_path, monkeypatch):
    """A migrated, seeded database of each kind (PostgreSQL: a schema of its own, dropped afterwards)."""
    from makaverse.server.app import open_store

    monkeypatch.setenv(TEST_MODE_ENV, "1")
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'makaverse.db'}"
        open_store(url).dispose()
        yield url
        return
    from makaverse.server.store.schemas import create_schema, drop_schema

    base = os.environ.get(PG_URL_ENV, DEFAULT_PG_URL)
    schema = f"mkv_test_{uuid.uuid4().hex[:16]}"
    try:
        url = create_schema(base, schema)
    except Unavailable as exc:
        reason = f"PostgreSQL at {make_url(base)!r} does not answer ({type(exc).__name__}); set {PG_URL_ENV}"
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{reason} ({REQUIRE_ENV}=1)")
        pytest.skip(reason)
    try:
        open_store(url).dispose()
        yield url
    finally:
        drop_schema(base, schema)


def submission(crid: str, **fields: str) -> SubmitRequest:
    return SubmitRequest(
        request_id=next(rids), client_request_id=crid, opd="DUKCAPIL", service="KTP_EL", fields={**KTP, **fields}
    )


def answers_to(client, request_ids: set[int]) -> list:
    """Every answer (a `request_submitted` or an `error`) the client got to these requests."""
    return [
        m
        for m in client.received
        if (isinstance(m, RequestSubmitted) and m.request_id in request_ids)
        or (isinstance(m, Error) and m.ref in request_ids)
    ]


def queued(server) -> int:
    """Submissions waiting on the requests lane for the commit in progress to end."""
    lane = server.runner._lanes.get(REQUESTS_LANE)
    return 0 if lane is None else len(lane.pending)


async def held_round(server, gate: StoreHooks, opener, others: list, messages: list[SubmitRequest]) -> None:
    """`opener` submits and its group's commit is held; meanwhile each of `others` sends its message
    (a connection has one command in flight at a time, so many in one group means many connections);
    once all are queued behind the held commit, it is let go."""
    gate.holding = True
    gate.held.clear()
    gate.opened.clear()
    await opener.send(submission(f"buka-{next(rids)}"))
    await asyncio.to_thread(gate.held.wait, 60)
    for client, msg in zip(others, messages, strict=True):
        await client.send(msg)
    await eventually(lambda: queued(server) == len(messages))
    # Nothing is committed yet, so nobody may have been answered.
    ids = {m.request_id for m in messages}
    assert not any(answers_to(c, ids) for c in [opener, *others])
    gate.opened.set()
    for client, msg in zip(others, messages, strict=True):
        await eventually(lambda c=client, r=msg.request_id: bool(answers_to(c, {r})))


class StoreHooks:
    """Test hooks on the server's store, for the commits of submission groups only: `hold` makes
    the next such commit wait until `opened` is set; `failing` makes each fail as a broken disk
    would; `sizes` records the size of every group the store was asked to commit."""

    def __init__(self, store) -> None:
        self.engine = store._engine
        self.holding = False
        self.held = threading.Event()  # a group's commit is waiting at the gate
        self.opened = threading.Event()
        self.failing = False
        self.sizes: list[int] = []
        self._in_group = threading.local()
        inner = store.create_service_requests

        def recorded(submissions):
            self.sizes.append(len(submissions))
            self._in_group.on = True
            try:
                return inner(submissions)
            finally:
                self._in_group.on = False

        store.create_service_requests = recorded
        event.listen(self.engine, "commit", self._on_commit)

    def _on_commit(self, _connection) -> None:
        if not getattr(self._in_group, "on", False):
            return
        if self.holding:
            self.holding = False
            self.held.set()
            self.opened.wait(60)
        if self.failing:
            raise OperationalError("COMMIT", {}, Exception("disk I/O error"))

    def remove(self) -> None:
        self.opened.set()
        event.remove(self.engine, "commit", self._on_commit)


async def test_every_submission_is_answered_once_and_stored_once(servers, clients, db_url):
    """Submissions queued behind a held commit share the next one; each is answered exactly once,
    only after it, and their retries (again in one group) get the first tracking numbers back."""
    server = await servers.start(db_url)
    opener, *citizens = [await clients.citizen(server, f"warga_{i}") for i in range(CITIZENS + 1)]
    gate = StoreHooks(server.store)
    try:
        firsts = [submission(f"w{i}") for i in range(CITIZENS)]
        await held_round(server, gate, opener, citizens, firsts)
        retries = [submission(f"w{i}") for i in range(CITIZENS)]
        await held_round(server, gate, opener, citizens, retries)
    finally:
        gate.remove()
    assert gate.sizes.count(CITIZENS) == 2  # each round's submissions went in one group

    for citizen, first, retry in zip(citizens, firsts, retries, strict=True):
        (a,) = answers_to(citizen, {first.request_id})  # exactly one answer each
        (b,) = answers_to(citizen, {retry.request_id})
        assert isinstance(a, RequestSubmitted) and not a.duplicate, a
        assert isinstance(b, RequestSubmitted) and b.duplicate and b.tracking == a.tracking, b
    numbers = [a.tracking for c, f in zip(citizens, firsts, strict=True) for a in answers_to(c, {f.request_id})]
    assert len(set(numbers)) == CITIZENS
    stored = await asyncio.to_thread(server.store.list_requests, limit=1000)
    assert sorted(r.client_request_id for r in stored if not r.client_request_id.startswith("buka-")) == sorted(
        f"w{i}" for i in range(CITIZENS)
    )
    assert sorted(r.tracking_number for r in stored if r.client_request_id.startswith("w")) == sorted(numbers)


async def test_a_failed_commit_answers_unavailable_and_stores_nothing(servers, clients, db_url):
    """When the commit fails, every submission in its group is answered `unavailable` (none
    `request_submitted`), nothing is stored, and sending them again stores each once."""
    server = await servers.start(db_url)
    opener, *citizens = [await clients.citizen(server, f"gagal_{i}") for i in range(CITIZENS + 1)]
    gate = StoreHooks(server.store)
    try:
        gate.failing = True
        messages = [submission(f"g{i}") for i in range(CITIZENS)]
        await held_round(server, gate, opener, citizens, messages)
    finally:
        gate.remove()
    assert gate.sizes.count(CITIZENS) == 1
    for citizen, msg in zip(citizens, messages, strict=True):
        (answer,) = answers_to(citizen, {msg.request_id})
        assert isinstance(answer, Error) and answer.code == "unavailable", answer
    assert await asyncio.to_thread(server.store.list_requests, limit=1000) == ()

    pairs = zip(citizens, messages, strict=True)
    again = await asyncio.gather(*(ask(c, submission(m.client_request_id)) for c, m in pairs))
    assert all(isinstance(a, RequestSubmitted) and not a.duplicate for a in again), again
