"""Queue tickets and notifications in the store: durable snapshots, the ticket machine enforced, pending notices."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date, timedelta

import pytest

from makaverse.server.services.queues import Queues, TicketRecord, service_day
from makaverse.server.store import Conflict, IllegalTransition, NotFound, StoreError

DAY = date(2026, 3, 15)
KTP = {"nik": "7371012345678901", "nama_lengkap": "Andi Baso", "no_hp": "081234567890"}


def _ticket(clock, number: int, *, opd: str = "DUKCAPIL", status: str = "waiting", account_id=None, **kw) -> TicketRecord:
    holder = f"account:{account_id}" if account_id is not None else f"guest:{number}"
    return TicketRecord(
        opd=opd, day=DAY, number=number, holder=holder, account_id=account_id, status=status, taken_at=clock.now, **kw
    )


def test_saved_tickets_read_back_unchanged(seeded, citizen, clock):
    """A saved ticket reads back with the same fields, timestamps as aware UTC datetimes."""
    ticket = _ticket(clock, 1, account_id=citizen.id)
    assert seeded.save_tickets([ticket]) == []
    assert seeded.get_ticket("DUKCAPIL", DAY, 1) == ticket
    called = replace(ticket, status="called", called_at=clock.now + timedelta(seconds=5))
    assert seeded.save_tickets([called]) == []
    assert seeded.get_ticket("DUKCAPIL", DAY, 1) == called


def test_a_batch_applies_in_order(seeded, citizen, clock):
    """One batch can insert a ticket and move it along; the last snapshot wins."""
    t = _ticket(clock, 7, account_id=citizen.id)
    steps = [t, replace(t, status="called", called_at=clock.now), replace(t, status="served", closed_at=clock.now)]
    assert seeded.save_tickets(steps) == []
    assert seeded.get_ticket("DUKCAPIL", DAY, 7).status == "served"


def test_forbidden_moves_are_refused_and_returned(seeded, citizen, clock):
    """A final ticket can't be reopened and a called one can't be called again: such snapshots come back unapplied."""
    t = _ticket(clock, 2, account_id=citizen.id)
    seeded.save_tickets([t, replace(t, status="left", closed_at=clock.now)])
    reopen = replace(t, status="waiting")
    again = replace(t, status="called")
    assert seeded.save_tickets([reopen, again]) == [reopen, again]
    assert seeded.get_ticket("DUKCAPIL", DAY, 2).status == "left"


def test_one_number_per_opd_and_day(seeded, clock):
    """The same number may exist at two OPDs and on two days, each its own ticket."""
    seeded.save_tickets(
        [_ticket(clock, 1), _ticket(clock, 1, opd="DINKES"), replace(_ticket(clock, 1), day=DAY + timedelta(days=1))]
    )
    assert len(seeded.list_tickets()) == 3
    assert len(seeded.list_tickets(opd_code="DUKCAPIL", day=DAY)) == 1


def test_concurrent_calls_of_one_ticket_let_exactly_one_through(seeded, clock):
    """Eight clerks' calls of the same waiting ticket saved at once: one applies, seven are refused."""
    t = _ticket(clock, 3)
    seeded.save_tickets([t])
    barrier = threading.Barrier(8)

    def call(i: int):
        barrier.wait()
        return seeded.save_tickets([replace(t, status="called", called_at=clock.now + timedelta(seconds=i))])

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(call, range(8)))
    assert sorted(len(r) for r in results) == [0] + [1] * 7


def test_queue_state_after_a_restart(seeded, citizen, clock):
    """Open tickets of every day, the day's last number per OPD (closed ones count) and holders' names come back."""
    seeded.save_tickets(
        [
            _ticket(clock, 1, status="served"),
            _ticket(clock, 2, account_id=citizen.id),
            _ticket(clock, 5, opd="DINKES", status="left"),
            replace(_ticket(clock, 9), day=DAY - timedelta(days=1)),
        ]
    )
    state = seeded.load_queue_state(DAY)
    assert [(r.day, r.number) for r in state.open_tickets] == [(DAY - timedelta(days=1), 9), (DAY, 2)]
    assert state.last_numbers == {"DUKCAPIL": 2, "DINKES": 5}
    assert state.names == {f"account:{citizen.id}": "Warga"}


def test_queues_restored_from_the_store_keep_places_and_numbering(seeded, citizen, clock):
    """After a restart today's waiting tickets keep their order and the next number follows the last one."""
    now_s = clock.now.timestamp()
    queues = Queues({"DUKCAPIL": "DUK"}, now_s=now_s)
    t1, _ = queues.take("DUKCAPIL", f"account:{citizen.id}", account_id=citizen.id, name="Warga", now_s=now_s)
    queues.confirm(t1)
    seeded.save_tickets([t1.record()])
    fresh = Queues({"DUKCAPIL": "DUK"}, now_s=now_s)
    state = seeded.load_queue_state(service_day(now_s))
    assert fresh.restore(list(state.open_tickets), state.last_numbers, names=state.names, now_s=now_s) == []
    (back,) = fresh.waiting("DUKCAPIL")
    assert (back.code, back.name, fresh.place(back)) == (t1.code, "Warga", 1)
    t2, _ = fresh.take("DUKCAPIL", "guest:9", account_id=None, name="Tamu", now_s=now_s)
    assert t2.number == t1.number + 1


def test_status_change_writes_history_and_a_pending_notification(seeded, citizen):
    """Changing a request's status records history and one undelivered notification for its citizen."""
    request, _ = seeded.create_service_request(
        citizen.id, opd_code="DUKCAPIL", service_code="KTP_EL", field_values=KTP, client_request_id="n-1"
    )
    changed, notice = seeded.change_request_status(request.id, "in_review", opd_code="DUKCAPIL", note="dicek")
    assert changed.status == "in_review"
    assert [h.to_status for h in seeded.request_history(request.id)] == ["submitted", "in_review"]
    assert notice.payload["status"] == "in_review" and notice.payload["tracking"] == request.tracking_number
    assert seeded.pending_notifications(citizen.id) == (notice,)
    assert seeded.mark_delivered([notice.id]) == 1
    assert seeded.mark_delivered([notice.id]) == 0
    assert seeded.pending_notifications(citizen.id) == ()


def test_status_change_is_refused_for_another_opd_or_an_illegal_move(seeded, citizen):
    """Another OPD's request is not found, an illegal move is refused, a stale expectation conflicts; none leaves a trace."""
    request, _ = seeded.create_service_request(
        citizen.id, opd_code="DUKCAPIL", service_code="KTP_EL", field_values=KTP, client_request_id="n-2"
    )
    with pytest.raises(NotFound):
        seeded.change_request_status(request.id, "in_review", opd_code="DINKES")
    with pytest.raises(IllegalTransition):
        seeded.change_request_status(request.id, "completed", opd_code="DUKCAPIL")
    with pytest.raises(Conflict):
        seeded.change_request_status(request.id, "in_review", opd_code="DUKCAPIL", expected_from="in_review")
    assert len(seeded.request_history(request.id)) == 1
    assert seeded.pending_notifications(citizen.id) == ()


def test_concurrent_status_changes_let_one_win(seeded, citizen):
    """Eight clerks moving one request from 'submitted' at once: exactly one change and one notification land."""
    request, _ = seeded.create_service_request(
        citizen.id, opd_code="DUKCAPIL", service_code="KTP_EL", field_values=KTP, client_request_id="n-3"
    )
    barrier = threading.Barrier(8)

    def move(i: int):
        barrier.wait()
        try:
            return seeded.change_request_status(request.id, "in_review", opd_code="DUKCAPIL", expected_from="submitted")
        except StoreError as exc:
            return exc

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(move, range(8)))
    assert sum(not isinstance(r, StoreError) for r in results) == 1
    assert len(seeded.request_history(request.id)) == 2
    assert len(seeded.pending_notifications(citizen.id)) == 1
