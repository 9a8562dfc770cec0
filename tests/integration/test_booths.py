"""Booths over real sockets and a real SQLite file: the whole citizen-to-clerk flow, who may do
what, tickets that survive reconnects and restarts, counters that close when the clerk leaves,
no-shows, notifications online and at the next login, and two clerks calling at once.

One test walks both avatars to the booth with inputs, as a client would. The others put avatars
in place by moving them in the server's own simulation (the protocol has no teleport): a test
harness shortcut, so each test doesn't spend its time walking.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import sqlite3
from pathlib import Path

import pytest
from harness import KTP, PASSWORD, People, ask, eventually, seed_database, ticks_pass

from makaverse.protocol import (
    BoothInfo,
    BoothInfoGet,
    BoothState,
    CallNext,
    CounterMan,
    CounterMessage,
    CounterSay,
    EditOpd,
    EditProgram,
    Error,
    FinishTicket,
    Input,
    LeaveQueue,
    Logout,
    MyRequests,
    RequestDetail,
    RequestGet,
    RequestInvalid,
    RequestList,
    RequestStatusChanged,
    RequestSubmitted,
    SetRequestStatus,
    Snapshot,
    StaffQueue,
    StaffRequestNew,
    StaffRequests,
    SubmitRequest,
    TakeNumber,
    Ticket,
    Welcome,
    quant,
)
from makaverse.server.rooms.booths import BoothConfig
from makaverse.server.wiring import GameServer

rids = itertools.count(1000)


# ── fixtures ─────────────────────────────────────────────────────────────────


@pytest.fixture
def db_file(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "makaverse.db"
    seed_database(path, monkeypatch, admin_password="balai-kota-admin-1")
    return path


@pytest.fixture
async def start(servers, db_file):
    """Start servers over the test's database with booth timings for the test; all are stopped after it."""

    async def start(**config) -> GameServer:
        return await servers.start(f"sqlite:///{db_file}", booths=BoothConfig(**config))

    start.stop = servers.stop
    return start


@pytest.fixture
async def people():
    """Clients closed after the test: `citizen` (registered), `staff` (created in the store), `guest`."""
    made = People(display_name=str.title)
    yield made
    await made.dispose()


# ── helpers ──────────────────────────────────────────────────────────────────


def refused(code: str):
    return lambda reply: isinstance(reply, Error) and reply.code == code


def booth(server, opd: str):
    return next(b for b in server.world.booths if b.opd == opd)


async def place(server, client, x: float, y: float) -> None:
    """Put the client's avatar at (x, y) in the server's simulation (test setup; see the module docstring)."""
    sim = server.instance.sim
    slot = sim.avatars.slot_of[client.welcome.avatar_id]
    sim.avatars.pos[slot] = (x, y)
    await ticks_pass(sim, 3)  # a tick or two: zones and checks see it


async def to_booth(server, client, opd: str, dx: float = 0.0) -> None:
    cx, cy = booth(server, opd).zone.centre
    await place(server, client, cx, cy + dx)


async def to_post(server, client, opd: str, dy: float = 0.0) -> None:
    sx, sy = booth(server, opd).staff_spot
    await place(server, client, sx, sy + dy)


async def away(server, client) -> None:
    await place(server, client, 0.0, 30.0)  # the middle of the service hall


async def man(server, client, opd: str, dy: float = 0.0) -> StaffQueue:
    await to_post(server, client, opd, dy)
    reply = await ask(client, CounterMan(request_id=next(rids), on=True))
    assert isinstance(reply, StaffQueue) and reply.manning, reply
    return reply


async def take(client, opd: str = "DUKCAPIL") -> Ticket:
    reply = await ask(client, TakeNumber(request_id=next(rids), opd=opd))
    assert isinstance(reply, Ticket), reply
    return reply


async def submit(client, crid: str, fields: dict | None = None, **kw):
    return await ask(
        client,
        SubmitRequest(
            request_id=next(rids),
            client_request_id=crid,
            opd=kw.pop("opd", "DUKCAPIL"),
            service=kw.pop("service", "KTP_EL"),
            fields=fields if fields is not None else dict(KTP),
            **kw,
        ),
    )


async def set_status(client, tracking: str, status: str, note: str = "ok", **kw):
    return await ask(client, SetRequestStatus(request_id=next(rids), tracking=tracking, status=status, note=note, **kw))


def db_rows(db_file: Path, sql: str, *args) -> list[tuple]:
    with sqlite3.connect(db_file) as conn:
        return conn.execute(sql, args).fetchall()


def my_position(client) -> tuple[float, float] | None:
    for msg in reversed(client.received):
        if isinstance(msg, Snapshot):
            ids, pos, _, _ = msg.arrays()
            rows = (ids == client.welcome.avatar_id).nonzero()[0]
            if len(rows):
                x_cm, y_cm = pos[rows[0]].tolist()
                return quant.cm_to_m(x_cm), quant.cm_to_m(y_cm)
    return None


async def walk(client, waypoints: list[tuple[float, float]], *, timeout_s: float = 40.0) -> None:
    """Walk (running, slowing for the last metre) through the waypoints by sending inputs, as a client would."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    seq = 1_000_000 * (client.welcome.avatar_id % 100)
    await client.next_snapshot()
    for i, (gx, gy) in enumerate(waypoints):
        last = i == len(waypoints) - 1
        while True:
            assert loop.time() < deadline, f"did not reach {(gx, gy)} from {my_position(client)}"
            x, y = my_position(client)
            d = math.hypot(gx - x, gy - y)
            if d < (0.25 if last else 0.6):
                break
            seq += 1
            run = d > 1.5
            await client.send(Input(seq=seq, move_x=(gx - x) / d, move_y=(gy - y) / d, yaw=0, run=run))
            await asyncio.sleep(1 / 20)
    for _ in range(3):
        seq += 1
        await client.send(Input(seq=seq, move_x=0.0, move_y=0.0, yaw=0))
        await asyncio.sleep(1 / 20)


# ── the whole flow ───────────────────────────────────────────────────────────


async def test_citizen_takes_a_number_staff_calls_and_completes_the_request(start, people, db_file):
    """Walk to the booth, take a number, submit a request; staff walks behind the counter, calls the citizen
    (notified), talks with them, completes the request; the citizen sees 'completed' and it is stored once."""
    server = await start()
    observer = await people.guest(server, "Pengamat")
    citizen = await people.citizen(server, "andi_baso")
    clerk = await people.staff(server, "bu_ani", "DUKCAPIL")
    states = await observer.expect(lambda m: isinstance(m, BoothState) and m.opd == "DUKCAPIL")
    assert not states.open and states.staff == 0

    b = booth(server, "DUKCAPIL")
    zx, zy = b.zone.centre
    sx, sy = b.staff_spot
    gap_y = b.counter.ymin - 0.4  # between the counter and the side panel
    start_x = citizen.welcome.x_cm / 100
    await asyncio.gather(
        walk(citizen, [(start_x, -3.0), (0.0, 5.0), (0.0, 16.0), (zx, zy)]),
        walk(clerk, [(clerk.welcome.x_cm / 100, -3.0), (0.0, 5.0), (0.0, gap_y), (zx, gap_y), (sx, gap_y), (sx, sy)]),
    )

    info = await ask(citizen, BoothInfoGet(request_id=next(rids), opd="DUKCAPIL"))
    assert isinstance(info, BoothInfo) and info.prefix == "DUK" and not info.open
    assert any(s["code"] == "KTP_EL" for s in info.services) and info.programs

    since = observer.mark()
    console = await ask(clerk, CounterMan(request_id=next(rids), on=True))
    assert isinstance(console, StaffQueue) and console.manning and console.open
    opened = await observer.expect(lambda m: isinstance(m, BoothState) and m.opd == "DUKCAPIL", since=since)
    assert opened.open and opened.staff == 1

    ticket = await take(citizen)
    assert ticket.status == "waiting" and ticket.place == 1 and ticket.code.startswith("DUK-")
    assert ticket.est_wait_s > 0

    submitted = await submit(citizen, "kios-1", note="KTP saya hilang.")
    assert isinstance(submitted, RequestSubmitted) and submitted.status == "submitted" and not submitted.duplicate

    since = citizen.mark()
    called = await ask(clerk, CallNext(request_id=next(rids)))
    assert isinstance(called, StaffQueue) and called.current == ticket.code and called.current_name == "Andi_Baso"
    note = await citizen.expect(lambda m: isinstance(m, Ticket) and m.status == "called", since=since)
    assert note.code == ticket.code and note.clerk == "Bu_Ani"
    await clerk.expect(lambda m: isinstance(m, StaffQueue) and m.current_status == "arrived")

    await clerk.send(CounterSay(request_id=next(rids), text="Selamat pagi, ada yang bisa dibantu?"))
    echo = await clerk.expect(lambda m: isinstance(m, CounterMessage))
    assert echo.from_name == "Bu_Ani" and echo.from_staff
    heard = await citizen.expect(lambda m: isinstance(m, CounterMessage) and m.from_staff)
    assert heard.text == "Selamat pagi, ada yang bisa dibantu?" and heard.code == ticket.code
    await citizen.send(CounterSay(request_id=next(rids), text="Mau urus KTP hilang"))
    answer = await clerk.expect(lambda m: isinstance(m, CounterMessage) and not m.from_staff)
    assert answer.from_name == "Andi_Baso"

    listed = await ask(clerk, StaffRequests(request_id=next(rids), status="submitted"))
    assert isinstance(listed, RequestList) and [r["tracking"] for r in listed.requests] == [submitted.tracking]
    since = citizen.mark()
    for status in ("in_review", "in_progress", "completed"):
        detail = await set_status(clerk, submitted.tracking, status, note=f"ke {status}")
        assert isinstance(detail, RequestDetail) and detail.status == status, detail
    done = await citizen.expect(
        lambda m: isinstance(m, RequestStatusChanged) and m.status == "completed", since=since
    )
    assert done.tracking == submitted.tracking and done.previous == "in_progress" and done.note == "ke completed"

    mine = await ask(citizen, MyRequests(request_id=next(rids)))
    assert [(r["tracking"], r["status"]) for r in mine.requests] == [(submitted.tracking, "completed")]
    detail = await ask(citizen, RequestGet(request_id=next(rids), tracking=submitted.tracking))
    assert [(row["from"], row["to"]) for row in detail.history] == [
        ("", "submitted"), ("submitted", "in_review"), ("in_review", "in_progress"), ("in_progress", "completed"),
    ]
    assert detail.history[-1]["by_staff"] and not detail.history[0]["by_staff"] and detail.next == ()

    finished = await ask(clerk, FinishTicket(request_id=next(rids)))
    assert isinstance(finished, StaffQueue) and finished.current == "" and finished.served == 1
    await citizen.expect(lambda m: isinstance(m, Ticket) and m.status == "served")
    assert db_rows(db_file, "SELECT status FROM tickets") == [("served",)]
    assert db_rows(db_file, "SELECT count(*) FROM service_requests") == [(1,)]
    assert db_rows(db_file, "SELECT count(*) FROM notifications WHERE delivered_at IS NULL") == [(0,)]


# ── who may do what ──────────────────────────────────────────────────────────


async def test_a_citizen_cannot_act_as_staff(start, people):
    """A citizen who sends staff commands is refused with not_allowed, and nothing changes."""
    server = await start()
    citizen = await people.citizen(server, "warga_biasa")
    await to_post(server, citizen, "DUKCAPIL")
    for msg in (
        CallNext(request_id=next(rids)),
        CounterMan(request_id=next(rids)),
        FinishTicket(request_id=next(rids)),
        StaffRequests(request_id=next(rids)),
        SetRequestStatus(request_id=next(rids), tracking="DUK-2026-000001", status="in_review", note="x"),
        EditOpd(request_id=next(rids), description_id="Diretas"),
        EditProgram(request_id=next(rids), title="Palsu"),
    ):
        assert refused("not_allowed")(await ask(citizen, msg)), msg


async def test_staff_of_one_opd_cannot_touch_another_opds_requests(start, people):
    """DINKES staff can't move, read or list a DUKCAPIL request; DUKCAPIL staff can."""
    server = await start()
    citizen = await people.citizen(server, "pemohon")
    submitted = await submit(citizen, "lintas-1")
    dinkes = await people.staff(server, "petugas_kes", "DINKES")
    dukcapil = await people.staff(server, "petugas_duk", "DUKCAPIL")
    assert refused("not_allowed")(await set_status(dinkes, submitted.tracking, "in_review"))
    assert refused("not_found")(await ask(dinkes, RequestGet(request_id=next(rids), tracking=submitted.tracking)))
    assert (await ask(dinkes, StaffRequests(request_id=next(rids)))).requests == ()
    assert (await set_status(dukcapil, submitted.tracking, "in_review")).status == "in_review"
    seen = await ask(dukcapil, StaffRequests(request_id=next(rids)))
    assert [r["tracking"] for r in seen.requests] == [submitted.tracking]


class _ReadsTheStoreOnArrival(list):
    """A client's record that, the moment a `staff_request_new` arrives, looks the request up in the store."""

    def __init__(self, db_file: Path) -> None:
        super().__init__()
        self.db_file = db_file
        self.stored_on_arrival: list[list[tuple]] = []

    def append(self, msg) -> None:
        if isinstance(msg, StaffRequestNew):
            self.stored_on_arrival.append(
                db_rows(self.db_file, "SELECT opd_code, status FROM service_requests WHERE tracking_number = ?",
                        msg.tracking)
            )
        super().append(msg)


async def test_a_new_request_is_pushed_to_its_opds_staff_only_after_the_commit(start, people, db_file):
    """A citizen submits a KTP-el request: both DUKCAPIL clerks get `staff_request_new` (the request is
    already in the store when it arrives; no field values in it), DINKES staff and another citizen get
    nothing. A repeated submission sends no second notice."""
    server = await start()
    clerks = [await people.staff(server, f"duk_{i}", "DUKCAPIL") for i in range(2)]
    for clerk in clerks:
        clerk.received = _ReadsTheStoreOnArrival(db_file)
    dinkes = await people.staff(server, "kes_1", "DINKES")
    other = await people.citizen(server, "tetangga")
    citizen = await people.citizen(server, "pemohon_baru")
    submitted = await submit(citizen, "baru-1")
    assert isinstance(submitted, RequestSubmitted) and not submitted.duplicate
    for clerk in clerks:
        notice = await clerk.expect(lambda m: isinstance(m, StaffRequestNew))
        assert notice == StaffRequestNew(
            id=notice.id, tracking=submitted.tracking, opd="DUKCAPIL", service="KTP_EL", status="submitted",
            created_ms=submitted.created_ms,
        )
        assert clerk.received.stored_on_arrival == [[("DUKCAPIL", "submitted")]]
    # A round trip after the notice went out: anything pushed to them would have come before the reply.
    assert (await ask(dinkes, StaffRequests(request_id=next(rids)))).requests == ()
    assert (await ask(other, MyRequests(request_id=next(rids)))).requests == ()
    assert (await ask(citizen, MyRequests(request_id=next(rids)))).requests != ()
    for bystander in (dinkes, other, citizen):
        assert not any(isinstance(m, StaffRequestNew) for m in bystander.received)

    since = clerks[0].mark()
    assert (await submit(citizen, "baru-1")).duplicate
    second = await submit(citizen, "baru-2")
    after = await clerks[0].expect(lambda m: isinstance(m, StaffRequestNew), since=since)
    assert after.tracking == second.tracking  # the duplicate announced nothing


async def test_nobody_reads_someone_elses_requests(start, people):
    """Citizen B can neither fetch nor list citizen A's request; guests must log in."""
    server = await start()
    a = await people.citizen(server, "warga_a")
    b = await people.citizen(server, "warga_b")
    guest = await people.guest(server)
    submitted = await submit(a, "punya-a")
    assert refused("not_found")(await ask(b, RequestGet(request_id=next(rids), tracking=submitted.tracking)))
    assert (await ask(b, MyRequests(request_id=next(rids)))).requests == ()
    assert refused("login_required")(await ask(guest, MyRequests(request_id=next(rids))))
    assert refused("login_required")(await submit(guest, "tamu-1"))
    own = await ask(a, RequestGet(request_id=next(rids), tracking=submitted.tracking))
    assert isinstance(own, RequestDetail) and own.fields["nik"] == KTP["nik"]


async def test_numbers_are_taken_at_the_booth_and_counters_manned_from_behind_it(start, people):
    """Taking a number away from the booth is not_at_booth; manning from outside the staff area is not_at_counter."""
    server = await start()
    citizen = await people.citizen(server, "jauh_sekali")
    clerk = await people.staff(server, "petugas_jauh", "DUKCAPIL")
    await away(server, citizen)
    assert refused("not_at_booth")(await ask(citizen, TakeNumber(request_id=next(rids), opd="DUKCAPIL")))
    await to_booth(server, citizen, "DINKES")
    assert refused("not_at_booth")(await ask(citizen, TakeNumber(request_id=next(rids), opd="DUKCAPIL")))
    await to_booth(server, clerk, "DUKCAPIL")  # in front of the counter, not behind it
    assert refused("not_at_counter")(await ask(clerk, CounterMan(request_id=next(rids))))
    assert refused("not_manning")(await ask(clerk, CallNext(request_id=next(rids))))
    assert refused("not_found")(await ask(citizen, TakeNumber(request_id=next(rids), opd="NOPE")))


# ── tickets ──────────────────────────────────────────────────────────────────


async def test_two_staff_calling_at_once_never_get_the_same_ticket(start, people, db_file):
    """Two clerks of one OPD fire call_next concurrently until the line is empty: every ticket is called by exactly one."""
    server = await start()
    clerks = [await people.staff(server, f"loket_{i}", "DUKCAPIL") for i in range(2)]
    for i, clerk in enumerate(clerks):
        await man(server, clerk, "DUKCAPIL", dy=-1.0 + 2.0 * i)
    citizens = [await people.guest(server, f"Antre {i}") for i in range(12)]
    for i, citizen in enumerate(citizens):
        await to_booth(server, citizen, "DUKCAPIL", dx=-1.5 + 0.25 * i)
    codes = [(await take(c)).code for c in citizens]
    assert len(set(codes)) == 12

    async def call_until_empty(clerk) -> list[str]:
        got = []
        while True:
            # Several calls in flight at once from each clerk.
            replies = await asyncio.gather(*(ask(clerk, CallNext(request_id=next(rids))) for _ in range(3)))
            got += [r.current for r in replies if isinstance(r, StaffQueue)]
            if any(refused("queue_empty")(r) for r in replies):
                return got

    first, second = await asyncio.gather(*(call_until_empty(c) for c in clerks))
    assert not set(first) & set(second)
    assert sorted(first + second) == sorted(codes)
    rows = db_rows(db_file, "SELECT count(*), count(DISTINCT number), count(called_at) FROM tickets")
    assert rows == [(12, 12, 12)]


async def test_a_ticket_survives_a_dropped_connection_and_stays_while_exploring(start, people, db_file):
    """A citizen who drops and resumes within the grace, and walks elsewhere, keeps their ticket and place; logging out gives it up."""
    server = await start()
    first = await people.guest(server, "Duluan")
    await to_booth(server, first, "DUKCAPIL")
    await take(first)
    citizen = await people.citizen(server, "putus_sambung")
    await to_booth(server, citizen, "DUKCAPIL")
    mine = await take(citizen)
    assert mine.place == 2
    again = await take(citizen)
    assert again.code == mine.code  # asking again gives the same ticket

    await away(server, citizen)
    citizen.abort()
    await citizen.wait_closed()
    back = await people.enter(server, citizen.auth.token)
    assert back.welcome.resumed
    ticket = await back.expect(lambda m: isinstance(m, Ticket))
    assert (ticket.code, ticket.status, ticket.place) == (mine.code, "waiting", 2)

    left = await ask(first, LeaveQueue(request_id=next(rids), opd="DUKCAPIL"))
    assert left.status == "left"
    moved = await back.expect(lambda m: isinstance(m, Ticket) and m.place == 1)
    assert moved.code == mine.code

    await back.send(Logout(request_id=next(rids)))
    await back.wait_closed()
    await eventually(lambda: [s for _, s in db_rows(db_file, "SELECT number, status FROM tickets ORDER BY number")]
                     == ["left", "left"])


async def test_a_ticket_that_got_an_ok_survives_a_restart(start, people, db_file):
    """After the server restarts, the citizen logs in again and gets their ticket back with its place; numbering continues."""
    server = await start()
    citizen = await people.citizen(server, "tahan_restart")
    await to_booth(server, citizen, "DUKCAPIL")
    mine = await take(citizen)
    await start.stop(server)

    server = await start()
    client = await people.connect(server)
    auth = await client.login("tahan_restart", PASSWORD)
    assert isinstance(await client.hello(token=auth.token), Welcome)
    ticket = await client.expect(lambda m: isinstance(m, Ticket))
    assert (ticket.code, ticket.status, ticket.place) == (mine.code, "waiting", 1)
    newcomer = await people.guest(server)
    await to_booth(server, newcomer, "DUKCAPIL")
    assert (await take(newcomer)).place == 2


async def test_a_called_citizen_who_does_not_come_is_a_no_show_and_the_next_is_called(start, people, db_file):
    """Called but never at the counter: after the timeout the ticket is a no-show and the clerk's next citizen is called."""
    server = await start(no_show_s=0.5)
    clerk = await people.staff(server, "petugas_sabar", "DUKCAPIL")
    await man(server, clerk, "DUKCAPIL")
    wanderer, patient = await people.guest(server, "Pergi"), await people.guest(server, "Sabar")
    await to_booth(server, wanderer, "DUKCAPIL")
    first = await take(wanderer)
    await away(server, wanderer)
    await to_booth(server, patient, "DUKCAPIL")
    second = await take(patient)
    called = await ask(clerk, CallNext(request_id=next(rids)))
    assert called.current == first.code and called.current_status == "called"
    gone = await wanderer.expect(lambda m: isinstance(m, Ticket) and m.status == "no_show", timeout=5)
    assert gone.code == first.code
    mine = await patient.expect(lambda m: isinstance(m, Ticket) and m.status == "called", timeout=5)
    assert mine.code == second.code
    console = await clerk.expect(lambda m: isinstance(m, StaffQueue) and m.current == second.code and m.no_shows == 1)
    assert console.current_status in ("called", "arrived")


async def test_the_counter_closes_after_the_grace_when_the_clerk_leaves_the_spot_or_drops(start, people):
    """Walking out of the staff area (or disconnecting) closes the counter for everyone after the grace, not before."""
    server = await start(close_grace_s=0.4)
    observer = await people.guest(server)
    clerk = await people.staff(server, "petugas_pergi", "DINKES")
    await man(server, clerk, "DINKES")
    await observer.expect(lambda m: isinstance(m, BoothState) and m.opd == "DINKES" and m.open)

    since = observer.mark()
    await away(server, clerk)
    closed = await observer.expect(lambda m: isinstance(m, BoothState) and m.opd == "DINKES", since=since, timeout=5)
    assert not closed.open and closed.staff == 0
    await clerk.expect(lambda m: isinstance(m, StaffQueue) and not m.manning)

    await man(server, clerk, "DINKES")
    await observer.expect(lambda m: isinstance(m, BoothState) and m.opd == "DINKES" and m.open, since=since)
    since = observer.mark()
    clerk.abort()
    closed = await observer.expect(lambda m: isinstance(m, BoothState) and m.opd == "DINKES", since=since, timeout=5)
    assert not closed.open


# ── requests ─────────────────────────────────────────────────────────────────


async def test_a_retried_submission_gives_the_same_tracking_number(start, people, db_file):
    """The same client_request_id twice yields one stored request and the same tracking number (marked duplicate)."""
    server = await start()
    citizen = await people.citizen(server, "kirim_ulang")
    first, second = await asyncio.gather(submit(citizen, "sekali-saja"), submit(citizen, "sekali-saja"))
    assert first.tracking == second.tracking
    assert sorted([first.duplicate, second.duplicate]) == [False, True]
    third = await submit(citizen, "sekali-saja")
    assert third.tracking == first.tracking and third.duplicate
    assert db_rows(db_file, "SELECT count(*) FROM service_requests") == [(1,)]


async def test_a_reused_submission_id_with_other_content_is_a_conflict(start, people, db_file):
    """The same client_request_id with changed fields is refused with `conflict` (carrying its ref), and nothing new is stored."""
    server = await start()
    citizen = await people.citizen(server, "ganti_isi")
    first = await submit(citizen, "satu-id")
    assert isinstance(first, RequestSubmitted) and not first.duplicate
    changed = await submit(citizen, "satu-id", {**KTP, "nama_lengkap": "Orang Lain"})
    assert refused("conflict")(changed)
    assert changed.ref != 0
    same = await submit(citizen, "satu-id")
    assert isinstance(same, RequestSubmitted) and same.duplicate and same.tracking == first.tracking
    assert db_rows(db_file, "SELECT count(*) FROM service_requests") == [(1,)]


async def test_invalid_fields_are_refused_field_by_field(start, people, db_file):
    """A submission with a bad NIK, a missing field and an unknown service field is refused with each problem, and nothing is stored."""
    server = await start()
    citizen = await people.citizen(server, "salah_isi")
    bad = {**KTP, "nik": "12345", "coba": "x"}
    del bad["kecamatan"]
    reply = await submit(citizen, "salah-1", bad)
    assert isinstance(reply, RequestInvalid)
    assert reply.problems == {"nik": "invalid_nik", "kecamatan": "required", "coba": "unknown_field"}
    assert refused("not_found")(await submit(citizen, "salah-2", service="TIDAK_ADA"))
    assert db_rows(db_file, "SELECT count(*) FROM service_requests") == [(0,)]


async def test_status_changes_notify_online_and_at_the_next_login(start, people, db_file):
    """A change while the citizen is online arrives at once; one made while away arrives when they next enter, once."""
    server = await start()
    citizen = await people.citizen(server, "ditunggu")
    clerk = await people.staff(server, "petugas_kabar", "DUKCAPIL")
    submitted = await submit(citizen, "kabar-1")
    since = citizen.mark()
    await set_status(clerk, submitted.tracking, "in_review", note="Sedang dicek")
    live = await citizen.expect(lambda m: isinstance(m, RequestStatusChanged), since=since)
    assert (live.status, live.previous, live.note) == ("in_review", "submitted", "Sedang dicek")

    await citizen.send(Logout(request_id=next(rids)))
    await citizen.wait_closed()
    assert refused("illegal_transition")(await set_status(clerk, submitted.tracking, "completed"))
    assert refused("conflict")(await set_status(clerk, submitted.tracking, "rejected", expected="submitted"))
    await set_status(clerk, submitted.tracking, "rejected", note="Berkas tidak lengkap")
    assert db_rows(db_file, "SELECT count(*) FROM notifications WHERE delivered_at IS NULL") == [(1,)]

    client = await people.connect(server)
    auth = await client.login("ditunggu", PASSWORD)
    await client.hello(token=auth.token)
    later = await client.expect(lambda m: isinstance(m, RequestStatusChanged))
    assert (later.status, later.note, later.tracking) == ("rejected", "Berkas tidak lengkap", submitted.tracking)
    undelivered = "SELECT count(*) FROM notifications WHERE delivered_at IS NULL"
    await eventually(lambda: db_rows(db_file, undelivered) == [(0,)])
    assert sum(isinstance(m, RequestStatusChanged) for m in client.received) == 1


# ── the booth's content ──────────────────────────────────────────────────────


async def test_staff_edits_show_at_the_booth_for_everyone_at_once(start, people):
    """A new description and a new program reach a citizen at the booth at once, and every client learns the new version."""
    server = await start()
    clerk = await people.staff(server, "humas_kes", "DINKES")
    visitor = await people.guest(server, "Pengunjung")
    elsewhere = await people.guest(server, "Jauh")
    await to_booth(server, visitor, "DINKES")
    before = await ask(visitor, BoothInfoGet(request_id=next(rids), opd="DINKES"))

    since_v, since_e = visitor.mark(), elsewhere.mark()
    reply = await ask(clerk, EditOpd(request_id=next(rids), description_id="Layanan kesehatan kota.", description_en="City health."))
    assert isinstance(reply, BoothInfo) and reply.description_id == "Layanan kesehatan kota."
    pushed = await visitor.expect(lambda m: isinstance(m, BoothInfo) and m.request_id == 0, since=since_v)
    assert pushed.description_en == "City health." and pushed.info_version > before.info_version
    state = await elsewhere.expect(lambda m: isinstance(m, BoothState) and m.opd == "DINKES", since=since_e)
    assert state.info_version == pushed.info_version
    assert not any(isinstance(m, BoothInfo) for m in elsewhere.received[since_e:])

    added = await ask(clerk, EditProgram(request_id=next(rids), title="Posyandu Keliling", summary_id="Tiap Sabtu",
                                         status="planned", start="2026-05-02", end="2026-12-26"))
    program = next(p for p in added.programs if p["title"] == "Posyandu Keliling")
    assert (program["status"], program["start"], program["sample"]) == ("planned", "2026-05-02", False)
    seen = await visitor.expect(
        lambda m: isinstance(m, BoothInfo) and any(p["title"] == "Posyandu Keliling" for p in m.programs), since=since_v
    )
    removed = await ask(clerk, EditProgram(request_id=next(rids), program_id=program["id"], delete=True))
    assert all(p["id"] != program["id"] for p in removed.programs) and seen.info_version < removed.info_version
    other = next(b.opd for b in server.world.booths if b.opd != "DINKES")
    info = await ask(clerk, BoothInfoGet(request_id=next(rids), opd=other))
    foreign = info.programs[0]["id"]
    assert refused("not_found")(await ask(clerk, EditProgram(request_id=next(rids), program_id=foreign, delete=True)))


async def test_every_booth_panel_fits_in_one_frame(start, people):
    """Every OPD's panel (with all its services and field specs) is served, valid and under the frame limit."""
    server = await start()
    guest = await people.guest(server)
    for b in server.world.booths:
        info = await ask(guest, BoothInfoGet(request_id=next(rids), opd=b.opd))
        assert isinstance(info, BoothInfo) and info.services, b.opd
    assert booth(server, "DUKCAPIL").staff_area.contains_point(*booth(server, "DUKCAPIL").staff_spot)
