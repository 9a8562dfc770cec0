"""Service requests: idempotent submission, tracking numbers, and a status machine that holds under races."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from makaverse.protocol.request_status import RequestStatus
from makaverse.server.store import (
    Conflict,
    IllegalTransition,
    InvalidValue,
    NotFound,
    RequestIdReused,
    StoreError,
    Unavailable,
)

THREADS = 8
KTP = {"nik": "7371012345678901", "nama_lengkap": "Andi Baso", "no_hp": "081234567890"}


def _submit(store, account_id: int, crid: str, *, opd: str = "DUKCAPIL", service: str = "KTP_EL", **values):
    return store.create_service_request(
        account_id, opd_code=opd, service_code=service, field_values={**KTP, **values}, client_request_id=crid
    )


def _race(n: int, attempt) -> list:
    """Run `attempt(i)` on n threads released together; return each result or the StoreError raised."""
    barrier = threading.Barrier(n)

    def run(i: int):
        barrier.wait()
        try:
            return attempt(i)
        except StoreError as exc:
            return exc

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(run, range(n)))


def test_submission_gets_a_tracking_number_and_first_history_row(seeded, citizen, clock):
    """A new request is 'submitted', numbered with the OPD prefix and year, and has one history row."""
    request, created = _submit(seeded, citizen.id, "req-1")
    assert created
    assert request.tracking_number == "DUK-2026-000001"
    assert (request.status, request.service_code, request.field_values) == ("submitted", "KTP_EL", KTP)
    assert request.created_at == request.updated_at == clock.now
    (first,) = seeded.request_history(request.id)
    assert (first.from_status, first.to_status, first.actor_id) == (None, RequestStatus.SUBMITTED, citizen.id)


def test_same_client_request_id_returns_the_first_request(seeded, citizen):
    """Retrying with the same client request id and content returns the first request and makes no second row."""
    first, created = _submit(seeded, citizen.id, "retry-me")
    again, created_again = seeded.create_service_request(
        citizen.id,
        opd_code="DUKCAPIL",
        service_code="KTP_EL",
        field_values=dict(reversed(list(KTP.items()))),  # the order of fields is not content
        client_request_id="retry-me",
    )
    assert created and not created_again
    assert again == first
    assert len(seeded.list_requests(account_id=citizen.id)) == 1
    assert len(seeded.request_history(first.id)) == 1


@pytest.mark.parametrize(
    "change",
    [
        {"field_values": {**KTP, "nama_lengkap": "Changed"}},
        {"note": "something else"},
        {"service_code": "KARTU_KELUARGA"},
    ],
)
def test_reused_client_request_id_with_other_content_is_a_conflict(seeded, citizen, change):
    """The same client request id with different content raises RequestIdReused and stores nothing new."""
    first, _ = _submit(seeded, citizen.id, "reused")
    submission = {"opd_code": "DUKCAPIL", "service_code": "KTP_EL", "field_values": KTP, "note": "", **change}
    with pytest.raises(RequestIdReused) as caught:
        seeded.create_service_request(citizen.id, client_request_id="reused", **submission)
    assert isinstance(caught.value, Conflict)
    assert seeded.list_requests(account_id=citizen.id) == (first,)


def test_request_from_before_fingerprints_is_answered_as_a_retry(seeded, citizen):
    """A request stored without a fingerprint (older schema) still answers any retry of its id."""
    first, _ = _submit(seeded, citizen.id, "old-row")
    with seeded._engine.begin() as connection:
        connection.execute(text("UPDATE service_requests SET content_fingerprint = NULL"))
    again, created = _submit(seeded, citizen.id, "old-row", nama_lengkap="Changed")
    assert (again, created) == (first, False)


def test_client_request_ids_are_per_account(seeded, citizen):
    """Two citizens may use the same client request id without meeting each other."""
    other = seeded.create_account(username="tetangga", display_name="Tetangga", password_hash="h")
    mine, _ = _submit(seeded, citizen.id, "1")
    theirs, created = _submit(seeded, other.id, "1")
    assert created and mine.id != theirs.id


def test_tracking_numbers_count_per_opd_and_year(seeded, citizen, clock):
    """Each OPD counts on its own, and the count restarts with the year in Makassar time (UTC+8)."""
    assert _submit(seeded, citizen.id, "a")[0].tracking_number == "DUK-2026-000001"
    assert _submit(seeded, citizen.id, "b")[0].tracking_number == "DUK-2026-000002"
    home = _submit(seeded, citizen.id, "c", opd="DINKES", service="HOME_CARE")[0]
    assert home.tracking_number == "KES-2026-000001"
    clock.now = datetime(2026, 12, 31, 16, 30, tzinfo=UTC)  # 00:30 on 1 January in Makassar
    assert _submit(seeded, citizen.id, "d")[0].tracking_number == "DUK-2027-000001"


def test_submission_needs_a_known_service(seeded, citizen):
    """An unknown service, or one of another OPD, is NotFound; an empty client id is refused."""
    with pytest.raises(NotFound):
        _submit(seeded, citizen.id, "x", service="NOPE")
    with pytest.raises(NotFound):
        _submit(seeded, citizen.id, "x", opd="DINKES", service="KTP_EL")
    with pytest.raises(InvalidValue):
        _submit(seeded, citizen.id, "")
    assert seeded.list_requests(account_id=citizen.id) == ()


def test_legal_transitions_are_recorded(seeded, citizen, clock):
    """Moving along the machine updates the request and adds one history row per step, with note and actor."""
    request, _ = _submit(seeded, citizen.id, "flow")
    staff = seeded.create_account(
        username="petugas", display_name="Petugas", password_hash="h", role="staff", opd_code="DUKCAPIL"
    )
    for status in ("in_review", "in_progress", "completed"):
        clock.advance(60)
        moved = seeded.transition_request(request.id, status, note=f"ke {status}", actor_id=staff.id)
        assert moved.status == status and moved.updated_at == clock.now
    history = seeded.request_history(request.id)
    assert [(h.from_status, h.to_status) for h in history] == [
        (None, "submitted"),
        ("submitted", "in_review"),
        ("in_review", "in_progress"),
        ("in_progress", "completed"),
    ]
    assert [h.note for h in history[1:]] == ["ke in_review", "ke in_progress", "ke completed"]
    assert {h.actor_id for h in history[1:]} == {staff.id}


@pytest.mark.parametrize(
    ("path", "illegal"),
    [
        ((), "completed"),
        ((), "in_progress"),
        (("rejected",), "in_review"),
        (("in_review", "in_progress", "completed"), "rejected"),
    ],
)
def test_illegal_transitions_raise_and_change_nothing(seeded, citizen, path, illegal):
    """A move the machine forbids raises IllegalTransition and leaves status and history as they were."""
    request, _ = _submit(seeded, citizen.id, "bad")
    for status in path:
        seeded.transition_request(request.id, status)
    before = seeded.get_request(request.id), seeded.request_history(request.id)
    with pytest.raises(IllegalTransition) as caught:
        seeded.transition_request(request.id, illegal)
    assert caught.value.to_status == illegal
    assert (seeded.get_request(request.id), seeded.request_history(request.id)) == before


def test_transition_of_a_missing_request_or_to_an_unknown_status(seeded, citizen):
    """A missing request is NotFound; a status name the machine doesn't know is illegal."""
    with pytest.raises(NotFound):
        seeded.transition_request(999, "in_review")
    request, _ = _submit(seeded, citizen.id, "x")
    with pytest.raises(IllegalTransition):
        seeded.transition_request(request.id, "lost")


def test_expected_status_guards_against_stale_views(seeded, citizen):
    """A change made from an outdated view of the status is a Conflict, not a silent overwrite."""
    request, _ = _submit(seeded, citizen.id, "stale")
    seeded.transition_request(request.id, "in_review", expected_from="submitted")
    with pytest.raises(Conflict):
        seeded.transition_request(request.id, "rejected", expected_from="submitted")
    assert seeded.get_request(request.id).status == "in_review"


def test_concurrent_identical_transitions_exactly_one_wins(seeded, citizen):
    """Of several threads moving the same request to the same status at once, exactly one succeeds."""
    request, _ = _submit(seeded, citizen.id, "race")
    results = _race(THREADS, lambda i: seeded.transition_request(request.id, "in_review", actor_id=citizen.id))
    winners = [r for r in results if not isinstance(r, StoreError)]
    assert len(winners) == 1
    assert all(isinstance(r, IllegalTransition) for r in results if r not in winners)
    assert [h.to_status for h in seeded.request_history(request.id)] == ["submitted", "in_review"]


def test_concurrent_competing_transitions_exactly_one_wins(seeded, citizen):
    """Staff racing to review and to reject the same submitted request: one wins, the rest conflict."""
    request, _ = _submit(seeded, citizen.id, "compete")
    targets = ["in_review", "rejected"] * (THREADS // 2)
    results = _race(THREADS, lambda i: seeded.transition_request(request.id, targets[i], expected_from="submitted"))
    winners = [r for r in results if not isinstance(r, StoreError)]
    assert len(winners) == 1
    assert all(isinstance(r, Conflict) for r in results if r not in winners)
    assert len(seeded.request_history(request.id)) == 2
    assert seeded.get_request(request.id).status == winners[0].status


def test_concurrent_retries_make_one_request(seeded, citizen):
    """The same submission sent from several threads at once makes one request, and all see it."""
    results = _race(THREADS, lambda i: _submit(seeded, citizen.id, "double-click"))
    assert not [r for r in results if isinstance(r, StoreError)]
    assert len({request.tracking_number for request, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    assert len(seeded.list_requests(account_id=citizen.id)) == 1


def test_concurrent_submissions_get_distinct_consecutive_numbers(seeded, citizen):
    """Different submissions at once never share a tracking number and leave no gaps."""
    results = _race(THREADS, lambda i: _submit(seeded, citizen.id, f"c{i}"))
    numbers = sorted(request.tracking_number for request, _ in results)
    assert numbers == [f"DUK-2026-{n:06d}" for n in range(1, THREADS + 1)]


def test_list_requests_filters(seeded, citizen):
    """Requests list newest first by citizen, OPD and status, and page with before_id."""
    other = seeded.create_account(username="lain", display_name="Lain", password_hash="h")
    a, _ = _submit(seeded, citizen.id, "a")
    b, _ = _submit(seeded, citizen.id, "b", opd="DLH", service="ANGKUT_SAMPAH")
    c, _ = _submit(seeded, other.id, "c")
    seeded.transition_request(a.id, "rejected", note="data tidak lengkap")
    assert [r.id for r in seeded.list_requests(account_id=citizen.id)] == [b.id, a.id]
    assert [r.id for r in seeded.list_requests(opd_code="DUKCAPIL")] == [c.id, a.id]
    assert [r.id for r in seeded.list_requests(opd_code="DUKCAPIL", status="submitted")] == [c.id]
    assert [r.id for r in seeded.list_requests(before_id=c.id, limit=1)] == [b.id]
    assert seeded.get_request_by_tracking(b.tracking_number) == seeded.get_request(b.id)
    with pytest.raises(InvalidValue):
        seeded.list_requests(status="lost")


# ── group commit: many submissions, one transaction ───────────────────────────────────────────────────────
def _sub(account_id: int, crid: str, *, opd: str = "DUKCAPIL", service: str = "KTP_EL", **values):
    from makaverse.server.store.requests_repo import Submission

    return Submission(
        account_id=account_id, opd_code=opd, service_code=service, field_values={**KTP, **values},
        client_request_id=crid,
    )


def _stored(store) -> int:
    return len(store.list_requests(limit=1000))


def test_a_group_is_numbered_in_order_and_each_has_its_history(seeded, citizen):
    """A group of new submissions gets consecutive tracking numbers in its order, each with its first history row."""
    answers = seeded.create_service_requests([_sub(citizen.id, f"g-{i}") for i in range(5)])
    assert [created for _, created in answers] == [True] * 5
    assert [r.tracking_number for r, _ in answers] == [f"DUK-2026-{i:06d}" for i in range(1, 6)]
    for request, _ in answers:
        assert seeded.get_request(request.id) == request
        (first,) = seeded.request_history(request.id)
        assert (first.from_status, first.to_status, first.actor_id) == (None, RequestStatus.SUBMITTED, citizen.id)
    later, created = _submit(seeded, citizen.id, "after-the-group")
    assert created and later.tracking_number == "DUK-2026-000006"


def test_a_group_answers_each_as_if_alone(seeded, citizen):
    """Retries (of a stored request or of one earlier in the group), reused ids, unknown services and bad
    ids are answered one by one, and do not stop the others from being stored."""
    stored, _ = _submit(seeded, citizen.id, "old")
    answers = seeded.create_service_requests(
        [
            _sub(citizen.id, "new-1"),
            _sub(citizen.id, "old"),  # a retry of a stored request
            _sub(citizen.id, "old", nama_lengkap="Someone Else"),  # a stored id with other content
            _sub(citizen.id, "new-1"),  # a retry within the group
            _sub(citizen.id, "new-1", nama_lengkap="Other"),  # a group id with other content
            _sub(citizen.id, "nope", service="NO_SUCH"),
            _sub(citizen.id, ""),
            _sub(citizen.id, "new-2"),
        ]
    )
    new_1, new_2 = answers[0], answers[7]
    assert new_1[1] and new_2[1]
    assert answers[1] == (stored, False)
    assert isinstance(answers[2], RequestIdReused)
    assert answers[3] == (new_1[0], False)
    assert isinstance(answers[4], RequestIdReused)
    assert isinstance(answers[5], NotFound)
    assert isinstance(answers[6], InvalidValue)
    assert _stored(seeded) == 3


def test_a_failed_group_is_retried_one_by_one(seeded, citizen):
    """A submission that fails the group's transaction (an account that is gone) costs only itself."""
    answers = seeded.create_service_requests(
        [_sub(citizen.id, "a"), _sub(987_654, "ghost"), _sub(citizen.id, "b")]
    )
    assert answers[0][1] and answers[2][1]
    assert isinstance(answers[1], NotFound)
    assert _stored(seeded) == 2


def test_a_commit_that_fails_stores_nothing_and_answers_unavailable(seeded, citizen):
    """When every commit fails, each submission of the group is answered `Unavailable` and none is stored."""
    from sqlalchemy import event
    from sqlalchemy.exc import OperationalError

    def fail(_conn):
        raise OperationalError("COMMIT", {}, Exception("disk I/O error"))

    event.listen(seeded._engine, "commit", fail)
    try:
        answers = seeded.create_service_requests([_sub(citizen.id, f"f-{i}") for i in range(4)])
    finally:
        event.remove(seeded._engine, "commit", fail)
    assert all(isinstance(a, Unavailable) for a in answers), answers
    assert _stored(seeded) == 0
    # Nothing was taken: the next submissions start from the first number.
    (first, created), = seeded.create_service_requests([_sub(citizen.id, "f-0")])
    assert created and first.tracking_number == "DUK-2026-000001"


def test_groups_on_many_threads_number_every_request_once(seeded, citizen):
    """Groups committed at once from many threads give every submission its own tracking number, with no gap."""
    results = _race(
        THREADS, lambda t: seeded.create_service_requests([_sub(citizen.id, f"t{t}-{i}") for i in range(5)])
    )
    numbers = sorted(r.tracking_number for group in results for r, _ in group)
    assert numbers == [f"DUK-2026-{i:06d}" for i in range(1, THREADS * 5 + 1)]


def test_concurrent_groups_with_the_same_submission_store_it_once(seeded, citizen):
    """The same submission in groups committed at once (two server processes sharing PostgreSQL) is
    stored once; every group answers it with that one request, each of its other submissions stored."""
    results = _race(
        THREADS,
        lambda t: seeded.create_service_requests([_sub(citizen.id, f"own-{t}"), _sub(citizen.id, "shared")]),
    )
    shared = [group[1] for group in results]
    assert all(isinstance(a, tuple) for a in shared), shared
    assert len({request.id for request, _ in shared}) == 1
    assert sorted(created for _, created in shared) == [False] * (THREADS - 1) + [True]
    assert all(group[0][1] for group in results)
    assert _stored(seeded) == THREADS + 1


def test_a_group_over_several_opds_numbers_each_opd_in_order_and_keeps_what_was_sent(seeded, citizen):
    """Submissions to several OPDs in one group: each OPD's numbers are consecutive in the group's order, and
    every request reads back exactly as submitted (values and notes beyond ASCII included)."""
    subs = [
        _sub(citizen.id, "m-1"),
        _sub(citizen.id, "m-2", opd="BAPENDA", service="INFO_PBB", nama_lengkap="Daeng Ngalle’ — “Tata”"),
        _sub(citizen.id, "m-3"),
        _sub(citizen.id, "m-4", opd="DINKES", service="SURAT_SEHAT", alamat="Jl. Somba Opu 7\nRT 02"),
        _sub(citizen.id, "m-5", opd="BAPENDA", service="KERINGANAN_PBB"),
    ]
    from dataclasses import replace

    subs[2] = replace(subs[2], note="Tolong dipercepat 🙏")
    answers = seeded.create_service_requests(subs)
    assert [a[0].tracking_number for a in answers] == [
        "DUK-2026-000001", "PEN-2026-000001", "DUK-2026-000002", "KES-2026-000001", "PEN-2026-000002"
    ]
    for (request, created), sub in zip(answers, subs, strict=True):
        assert created
        stored = seeded.get_request(request.id)
        assert stored == request
        assert (stored.field_values, stored.note, stored.service_code) == (sub.field_values, sub.note, sub.service_code)
        (first,) = seeded.request_history(request.id)
        assert (first.to_status, first.actor_id) == (RequestStatus.SUBMITTED, citizen.id)
    later, _ = _submit(seeded, citizen.id, "m-6", opd="BAPENDA", service="INFO_PBB")
    assert later.tracking_number == "PEN-2026-000003"


def test_groups_over_several_opds_on_many_threads_number_every_request_once(seeded, citizen):
    """Groups naming the same OPDs in opposite orders, committed at once: every submission is stored, and
    every OPD's numbers have no gap and no repeat."""
    opds = [("DUKCAPIL", "KTP_EL"), ("BAPENDA", "INFO_PBB"), ("DINKES", "SURAT_SEHAT")]

    def group(t: int):
        order = opds if t % 2 else opds[::-1]
        return seeded.create_service_requests(
            [_sub(citizen.id, f"o{t}-{o}-{i}", opd=o, service=s) for i in range(3) for o, s in order]
        )

    results = _race(THREADS, group)
    assert all(isinstance(a, tuple) and a[1] for g in results for a in g), results
    for prefix in ("DUK", "PEN", "KES"):
        numbers = sorted(r.tracking_number for g in results for r, _ in g if r.tracking_number.startswith(prefix))
        assert numbers == [f"{prefix}-2026-{i:06d}" for i in range(1, THREADS * 3 + 1)]


def test_a_group_matches_retries_by_account_and_id_together(seeded, citizen):
    """A client request id another account used is not a retry; the same pair is."""
    other = seeded.create_account(username="warga2", display_name="Warga Dua", password_hash="x")
    mine, _ = _submit(seeded, citizen.id, "x")
    _submit(seeded, other.id, "y")
    answers = seeded.create_service_requests([_sub(citizen.id, "y"), _sub(other.id, "x"), _sub(citizen.id, "x")])
    assert [a[1] for a in answers] == [True, True, False]
    assert answers[2][0] == mine
    assert (answers[0][0].account_id, answers[1][0].account_id) == (citizen.id, other.id)
