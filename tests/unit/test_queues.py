"""Ticket queues: numbering, places, estimates, calls, no-shows and restoring, with time passed in."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from makaverse.server.services.queues import (
    FINAL_TICKET_STATUSES,
    TICKET_TRANSITIONS,
    QueueError,
    Queues,
    TicketStatus,
    can_move,
    holder_key,
    service_day,
    ticket_code,
)

# 2026-03-15 10:00 in Makassar (UTC+8).
T0 = datetime(2026, 3, 15, 2, 0, tzinfo=UTC).timestamp()
DAY_S = 24 * 3600


def make(**kw) -> Queues:
    return Queues({"DUKCAPIL": "DUK", "DINKES": "KES"}, now_s=T0, **kw)


def take(q: Queues, holder: str, opd: str = "DUKCAPIL", now: float = T0, confirm: bool = True):
    ticket, new = q.take(opd, holder, account_id=None, name=holder, now_s=now)
    if confirm:
        q.confirm(ticket)
    return ticket


def test_numbers_count_up_per_opd_and_read_like_duk_014():
    """Each OPD numbers its own tickets from 1, written as the prefix and three digits."""
    q = make()
    a, b = take(q, "guest:1"), take(q, "guest:2")
    c = take(q, "guest:3", "DINKES")
    assert (a.code, b.code, c.code) == ("DUK-001", "DUK-002", "KES-001")
    assert ticket_code("DUK", 14) == "DUK-014" and ticket_code("DUK", 1234) == "DUK-1234"


def test_numbers_restart_every_makassar_day():
    """The first ticket after midnight in Makassar (16:00 UTC) is number 1 again."""
    q = make()
    take(q, "guest:1")
    take(q, "guest:2")
    midnight_wita = datetime(2026, 3, 15, 16, 0, tzinfo=UTC).timestamp()
    assert service_day(midnight_wita - 1) != service_day(midnight_wita)
    late = take(q, "guest:3", now=midnight_wita + 5)
    assert late.number == 1 and late.day == service_day(midnight_wita)


def test_taking_again_returns_the_same_ticket():
    """A holder asking twice at one OPD gets their ticket back, not a second one."""
    q = make()
    first = take(q, "account:7")
    again, new = q.take("DUKCAPIL", "account:7", account_id=7, name="x", now_s=T0 + 10)
    assert again is first and not new
    assert q.waiting_count("DUKCAPIL") == 1


def test_a_holder_may_hold_a_few_tickets_at_different_opds_only():
    """Tickets at three OPDs at once are fine; a fourth is refused with too_many_tickets."""
    q = Queues({"A": "AAA", "B": "BBB", "C": "CCC", "D": "DDD"}, now_s=T0)
    for opd in "ABC":
        take(q, "guest:1", opd)
    with pytest.raises(QueueError) as info:
        take(q, "guest:1", "D")
    assert info.value.code == "too_many_tickets"


def test_pending_tickets_do_not_wait_in_line_until_confirmed():
    """A ticket not yet stored has no place and can't be called; abandoning it frees the holder."""
    q = make()
    pending = take(q, "guest:1", confirm=False)
    assert q.place(pending) == 0 and q.waiting_count("DUKCAPIL") == 0
    assert q.call_next("DUKCAPIL", 100, T0).called is None
    q.abandon(pending)
    assert q.ticket("guest:1", "DUKCAPIL") is None
    assert take(q, "guest:1").number == 2  # the abandoned number stays unused


def test_confirmations_out_of_order_still_queue_by_number():
    """Tickets join the line in number order even when their stores finish out of order."""
    q = make()
    a = take(q, "guest:1", confirm=False)
    b = take(q, "guest:2", confirm=False)
    q.confirm(b)
    q.confirm(a)
    assert [t.code for t in q.waiting("DUKCAPIL")] == ["DUK-001", "DUK-002"]


def test_places_move_up_as_people_leave_or_are_called():
    """Your place is your position in line: it drops when someone ahead leaves or is called."""
    q = make()
    tickets = [take(q, f"guest:{i}") for i in range(1, 5)]
    assert [q.place(t) for t in tickets] == [1, 2, 3, 4]
    q.leave("DUKCAPIL", "guest:2", T0 + 5)
    assert [q.place(t) for t in tickets] == [1, 0, 2, 3]
    assert tickets[1].status is TicketStatus.LEFT
    q.call_next("DUKCAPIL", 100, T0 + 6)
    assert [q.place(t) for t in tickets] == [0, 0, 1, 2]


def test_estimate_uses_a_moving_average_of_service_time_and_open_counters():
    """The estimate is place times the average service time, shared by the open counters; serving updates the average."""
    q = make(default_service_s=100.0, smoothing=0.5)
    assert q.estimate_s("DUKCAPIL", 3, counters=1) == 300
    assert q.estimate_s("DUKCAPIL", 3, counters=2) == 150
    assert q.estimate_s("DUKCAPIL", 0, counters=1) == 0
    t = take(q, "guest:1")
    q.call_next("DUKCAPIL", 100, T0)
    q.arrive(t, T0 + 10)
    q.finish("DUKCAPIL", 100, T0 + 300)
    assert q.average_service_s("DUKCAPIL") == pytest.approx(200.0)  # 100 + 0.5 * (300 - 100)
    assert t.status is TicketStatus.SERVED and q.totals("DUKCAPIL") == (1, 0)


def test_call_next_closes_the_previous_ticket_first():
    """Calling next serves the clerk's current ticket if its citizen arrived, else counts it a no-show."""
    q = make()
    a, b, c = (take(q, f"guest:{i}") for i in (1, 2, 3))
    assert q.call_next("DUKCAPIL", 100, T0).called is a
    q.arrive(a, T0 + 3)
    result = q.call_next("DUKCAPIL", 100, T0 + 60)
    assert (result.finished, result.called) == (a, b)
    assert a.status is TicketStatus.SERVED
    result = q.call_next("DUKCAPIL", 100, T0 + 70)
    assert (result.finished, result.called) == (b, c)
    assert b.status is TicketStatus.NO_SHOW


def test_two_clerks_calling_never_get_the_same_ticket():
    """Clerks calling in any interleaving each get a distinct ticket, in number order, and nobody is called twice."""
    rng = random.Random(7)
    q = make()
    tickets = [take(q, f"guest:{i}") for i in range(1, 201)]
    called = []
    for step in range(400):
        clerk = rng.choice([100, 101, 102, 103])
        result = q.call_next("DUKCAPIL", clerk, T0 + step)
        if result.called is not None:
            called.append(result.called)
            if rng.random() < 0.7:
                q.arrive(result.called, T0 + step)
    assert len(called) == len(set(map(id, called))) == 200
    assert [t.number for t in called] == sorted(t.number for t in tickets)
    assert all(t.calls == 1 for t in tickets)


def test_a_called_citizen_who_does_not_come_is_a_no_show_after_the_timeout():
    """A called ticket not at the counter within no_show_s becomes a no-show; an arrived one stays."""
    q = make(no_show_s=30.0)
    a, b = take(q, "guest:1"), take(q, "guest:2")
    q.call_next("DUKCAPIL", 100, T0)
    q.call_next("DUKCAPIL", 101, T0)
    q.arrive(b, T0 + 5)
    assert q.expire(T0 + 29) == []
    assert q.expire(T0 + 30) == [a]
    assert a.status is TicketStatus.NO_SHOW and q.current("DUKCAPIL", 100) is None
    assert q.current("DUKCAPIL", 101) is b and q.totals("DUKCAPIL") == (0, 1)


def test_a_clerk_leaving_sends_a_citizen_on_the_way_back_to_the_head_of_the_line():
    """When the clerk stops manning, a called citizen not yet arrived goes back first in line; an arrived one is served."""
    q = make()
    a, b, c = (take(q, f"guest:{i}") for i in (1, 2, 3))
    q.call_next("DUKCAPIL", 100, T0)
    q.call_next("DUKCAPIL", 101, T0)
    q.arrive(b, T0 + 1)
    assert q.release_clerk("DUKCAPIL", 100, T0 + 2) is a
    assert a.status is TicketStatus.WAITING and q.place(a) == 1 and a.called_at is None
    assert q.release_clerk("DUKCAPIL", 101, T0 + 3) is b
    assert b.status is TicketStatus.SERVED
    assert [t.code for t in q.waiting("DUKCAPIL")] == [a.code, c.code]


def test_tickets_belong_to_the_holder_not_the_connection():
    """A holder finds their ticket by key after any reconnect; leaving for good closes all their tickets."""
    q = make()
    holder = holder_key(account_id=42, avatar_id=9)
    assert holder == "account:42" and holder_key(account_id=None, avatar_id=9) == "guest:9"
    a = take(q, holder)
    b = take(q, holder, "DINKES")
    assert q.ticket(holder, "DUKCAPIL") is a
    assert set(q.leave_all(holder, T0 + 1)) == {a, b}
    assert q.tickets_of(holder) == [] and a.status is b.status is TicketStatus.LEFT


def test_versions_change_with_the_line():
    """A line's version moves on every change, so pushes can be skipped when nothing happened."""
    q = make()
    v0 = q.version("DUKCAPIL")
    t = take(q, "guest:1")
    v1 = q.version("DUKCAPIL")
    q.call_next("DUKCAPIL", 100, T0)
    v2 = q.version("DUKCAPIL")
    q.arrive(t, T0 + 1)
    assert v0 < v1 < v2 < q.version("DUKCAPIL")
    assert q.version("DINKES") == 0


def test_restore_keeps_todays_tickets_and_closes_stale_ones():
    """Restoring: today's waiting keep their place, a called one goes back in line, older days' and guests' close."""
    q = make()
    for holder in ("account:1", "account:2", "guest:3"):
        t, _ = q.take("DUKCAPIL", holder, account_id=_account(holder), name="", now_s=T0)
        q.confirm(t)
    q.call_next("DUKCAPIL", 100, T0)  # calls account:1
    old, _ = q.take("DINKES", "account:4", account_id=4, name="", now_s=T0)
    q.confirm(old)
    records = [t.record() for t in q.tickets_of("account:1") + q.tickets_of("account:2") + q.tickets_of("guest:3")]
    records.append(replace(old.record(), day=service_day(T0 - DAY_S)))
    fresh = make()
    changed = fresh.restore(records, {"DUKCAPIL": 3}, names={"account:1": "Andi"}, now_s=T0 + 60)
    by_holder = {t.holder: t.status for t in changed}
    assert by_holder == {
        "account:1": TicketStatus.WAITING,  # it was called; its clerk is gone
        "guest:3": TicketStatus.LEFT,  # a guest's avatar does not survive a restart
        "account:4": TicketStatus.NO_SHOW,  # yesterday's
    }
    assert [t.holder for t in fresh.waiting("DUKCAPIL")] == ["account:1", "account:2"]
    assert fresh.ticket("account:1", "DUKCAPIL").name == "Andi"
    assert take(fresh, "guest:9", now=T0 + 61).number == 4
    assert old.status is TicketStatus.WAITING  # the running queue's own object is untouched


def _account(holder: str) -> int | None:
    kind, _, ident = holder.partition(":")
    return int(ident) if kind == "account" else None


def test_ticket_machine_is_a_table_with_final_states():
    """Served, no-show and left are final; waiting can't jump to served; unknown names are never allowed."""
    assert FINAL_TICKET_STATUSES == {TicketStatus.SERVED, TicketStatus.NO_SHOW, TicketStatus.LEFT}
    assert set(TICKET_TRANSITIONS) == set(TicketStatus)
    assert can_move("waiting", "called") and can_move("called", "served")
    assert not can_move("waiting", "served") and not can_move("served", "waiting")
    assert not can_move("waiting", "lost") and not can_move("nope", "called")


def test_records_carry_utc_times():
    """A ticket's record for the store has aware UTC datetimes and its status as text."""
    q = make()
    t = take(q, "guest:1")
    rec = t.record()
    assert rec.taken_at == datetime.fromtimestamp(T0, UTC) and rec.status == "waiting"
    assert rec.called_at is None and rec.opd == "DUKCAPIL" and rec.number == 1
