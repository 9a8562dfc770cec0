"""The client's booth model without Panda3D: tickets, notifications, requests, the staff console,
and the server rules it mirrors (field checks, the status machine, where clerks stand)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from makaverse.client.state.booths import (
    REQUEST_TRANSITIONS,
    BoothModel,
    check_field,
    check_form,
    legal_next,
    normalise_phone,
)
from makaverse.protocol import (
    BoothInfo,
    BoothInfoGet,
    BoothState,
    CallNext,
    CounterMan,
    CounterMessage,
    Error,
    LeaveQueue,
    MyRequests,
    RequestDetail,
    RequestGet,
    RequestInvalid,
    RequestList,
    RequestStatusChanged,
    RequestSubmitted,
    SetRequestStatus,
    StaffQueue,
    StaffRequests,
    SubmitRequest,
    TakeNumber,
    Ticket,
    Welcome,
    ZoneChanged,
    request_status,
)
from makaverse.protocol.request_fields import check_value
from makaverse.protocol.request_fields import normalise_phone as server_phone
from makaverse.world import load_default_world

NIK = {"name": "nik", "label_id": "NIK", "label_en": "NIK", "kind": "nik", "required": True, "max_len": 16,
       "choices": []}
PHONE = {"name": "no_hp", "label_id": "Nomor HP", "label_en": "Phone", "kind": "phone", "required": True,
         "max_len": 16, "choices": []}
DATE = {"name": "tgl", "label_id": "Tanggal", "label_en": "Date", "kind": "date", "required": True, "max_len": 10,
        "choices": []}
CHOICE = {"name": "jenis", "label_id": "Jenis", "label_en": "Type", "kind": "choice", "required": True,
          "max_len": 120, "choices": ["Baru", "Hilang"]}
NOTE = {"name": "ket", "label_id": "Keterangan", "label_en": "Details", "kind": "text", "required": False,
        "max_len": 20, "choices": []}
SERVICE = {"code": "KTP_EL", "name_id": "KTP-el", "name_en": "ID card", "description_id": "", "description_en": "",
           "fields": [NIK, CHOICE, PHONE, NOTE]}


@pytest.fixture(scope="module")
def world():
    return load_default_world()


def welcome(role="citizen", opd="", resumed=False) -> Welcome:
    return Welcome(avatar_id=7, name="Andi", role=role, world_id="balai-kota-makassar", tick_hz=20, snapshot_hz=20,
                   input_hz=20, interest_radius_cm=4000, server_time_ms=1000, x_cm=0, y_cm=0, yaw=0, opd=opd,
                   resumed=resumed)


def info(version=1, rid=0, **kw) -> BoothInfo:
    base = dict(request_id=rid, opd="DUKCAPIL", name="Dinas Kependudukan dan Pencatatan Sipil",
                short_name="Disdukcapil", prefix="DUK", description_id="Mengurus KTP.", description_en="ID cards.",
                programs=(), socials=(), services=(SERVICE,), open=False, staff=0, waiting=0, est_wait_s=0,
                info_version=version)
    base.update(kw)
    return BoothInfo(**base)


def ticket(rid=0, status="waiting", place=3, est=180, code="DUK-014", **kw) -> Ticket:
    return Ticket(request_id=rid, opd="DUKCAPIL", code=code, status=status, place=place, waiting=5, est_wait_s=est,
                  **kw)


def model(world, role="citizen", opd="") -> BoothModel:
    m = BoothModel(world)
    m.handle(welcome(role, opd), 0)
    m.drain()
    return m


def sent(m: BoothModel, kind):
    return [x for x in m.drain() if isinstance(x, kind)]


# ── the panel and the E key ──────────────────────────────────────────────────


def test_e_in_a_booth_zone_opens_its_panel_and_turns_elsewhere(world):
    """In `booth:DUKCAPIL` E opens that booth's panel (asking the server for its content); outside any booth it does nothing, so E turns."""
    m = model(world)
    assert m.interact() == ""
    m.handle(ZoneChanged(zone_id="booth:DUKCAPIL"), 0)
    assert m.zone_opd == "DUKCAPIL"
    assert m.interact() == "panel" and m.panel.opd == "DUKCAPIL"
    (get,) = sent(m, BoothInfoGet)
    assert get.opd == "DUKCAPIL"
    m.handle(info(rid=get.request_id), 10)
    assert m.panel.infos["DUKCAPIL"].short_name == "Disdukcapil"
    assert m.interact() == "close" and m.panel.opd == ""
    m.handle(ZoneChanged(zone_id="service-hall"), 20)
    assert m.zone_opd == "" and m.interact() == ""


def test_an_open_panel_follows_a_staff_edit(world):
    """When a booth's info_version goes up while its panel is open, the panel asks for the new content."""
    m = model(world)
    m.panel.open("DUKCAPIL")
    (get,) = sent(m, BoothInfoGet)
    m.handle(info(version=1, rid=get.request_id), 0)
    m.handle(BoothState(opd="DUKCAPIL", open=True, staff=1, waiting=2, est_wait_s=60, info_version=1), 1)
    assert sent(m, BoothInfoGet) == [] and m.panel.is_open("DUKCAPIL")
    m.handle(BoothState(opd="DUKCAPIL", open=True, staff=1, waiting=2, est_wait_s=60, info_version=2), 2)
    assert [g.opd for g in sent(m, BoothInfoGet)] == ["DUKCAPIL"]


# ── tickets ──────────────────────────────────────────────────────────────────


def test_a_ticket_is_taken_updated_live_and_left(world):
    """Take a number: the reply shows the code and place; pushes move the place and estimate; leaving removes it with a toast."""
    m = model(world)
    m.ticket.take_number("DUKCAPIL")
    (take,) = sent(m, TakeNumber)
    m.handle(ticket(rid=take.request_id), 100)
    t = m.ticket.tickets["DUKCAPIL"]
    assert (t.code, t.place, t.est_wait_s) == ("DUK-014", 3, 180)
    assert m.toasts[-1].key == "ticket.taken"
    rev = m.rev["ticket"]
    m.handle(ticket(place=1, est=30), 200)
    assert m.ticket.tickets["DUKCAPIL"].place == 1 and m.ticket.tickets["DUKCAPIL"].est_wait_s == 30 and m.rev["ticket"] > rev
    m.ticket.leave_queue("DUKCAPIL")
    (leave,) = sent(m, LeaveQueue)
    m.handle(ticket(rid=leave.request_id, status="left", place=0, est=0), 300)
    assert "DUKCAPIL" not in m.ticket.tickets and m.toasts[-1].key == "ticket.left"


def test_being_called_rings_once_and_shows_the_banner(world):
    """A ticket that turns `called` queues one sound event and a call toast; the same call pushed again does not ring twice."""
    m = model(world)
    m.handle(ticket(), 0)
    m.handle(ticket(status="called", place=0, est=0, clerk="Bu Ani", called_ms=5000), 100)
    assert m.events == [("called", "DUKCAPIL", "DUK-014")]
    assert m.ticket.called_ticket().clerk == "Bu Ani"
    toast = m.toasts[-1]
    assert toast.key == "ticket.called" and toast.tone == "call" and toast.value("code") == "DUK-014"
    m.handle(ticket(status="called", place=0, est=0, clerk="Bu Ani", called_ms=5000), 200)
    assert len(m.events) == 1
    m.handle(ticket(status="served", place=0, est=0), 300)
    assert m.ticket.called_ticket() is None and m.toasts[-1].key == "ticket.served"


def test_tickets_are_forgotten_on_a_new_welcome(world):
    """After a (re)welcome the server sends your tickets again, so the old ones are dropped until it does."""
    m = model(world)
    m.handle(ticket(), 0)
    m.handle(welcome(resumed=True), 10)
    assert m.ticket.tickets == {}


def test_refusals_of_booth_commands_are_claimed_and_others_are_not(world):
    """An error whose ref is a booth command is the booth UI's to show (a toast); any other error is left to the HUD."""
    m = model(world)
    m.ticket.take_number("DUKCAPIL")
    (take,) = sent(m, TakeNumber)
    assert m.handle(Error(code="not_at_booth", ref=take.request_id), 0) is True
    assert m.toasts[-1].key == "error.not_at_booth"
    assert m.handle(Error(code="rate_limited", ref=999_999), 0) is False
    assert m.handle(Error(code="unexpected"), 0) is False


# ── service requests ─────────────────────────────────────────────────────────


def _form(m: BoothModel):
    m.panel.open("DUKCAPIL")
    (get,) = sent(m, BoothInfoGet)
    m.handle(info(rid=get.request_id), 0)
    return m.request.start("DUKCAPIL", "KTP_EL")


def test_an_invalid_form_is_not_sent_and_names_each_field(world):
    """A bad NIK, a missing choice and a bad phone are flagged here, per field, and nothing goes to the server."""
    m = model(world)
    _form(m)
    m.request.set_value("nik", "1234")
    m.request.set_value("no_hp", "12345")
    assert m.request.submit() is False
    assert m.request.form.problems == {"nik": "invalid_nik", "jenis": "required", "no_hp": "invalid_phone"}
    assert sent(m, SubmitRequest) == []
    m.request.set_value("nik", "7371 0101 0101 0001")
    assert "nik" not in m.request.form.problems  # fixed fields lose their mark at once


def test_a_valid_form_is_sent_and_retried_with_the_same_client_id(world):
    """The submission carries a client request id; after a lost reply (reconnect) it goes again with the same id, and the reply's tracking number is shown."""
    m = model(world)
    form = _form(m)
    for name, value in {"nik": "7371010101010001", "jenis": "Baru", "no_hp": "0812-3456-7890"}.items():
        m.request.set_value(name, value)
    m.request.set_value("_note", "Mohon dibantu")
    assert m.request.submit() is True
    (first,) = sent(m, SubmitRequest)
    assert first.fields == {"nik": "7371010101010001", "jenis": "Baru", "no_hp": "0812-3456-7890"}
    assert first.note == "Mohon dibantu" and first.client_request_id == form.client_request_id
    m.handle(welcome(resumed=True), 50)  # the connection dropped before the reply
    (again,) = sent(m, SubmitRequest)
    assert again.client_request_id == first.client_request_id and again.request_id != first.request_id
    m.handle(RequestSubmitted(request_id=again.request_id, tracking="DUK-2026-000123", opd="DUKCAPIL",
                              service="KTP_EL", status="submitted", created_ms=1, duplicate=True), 60)
    assert form.done and form.tracking == "DUK-2026-000123" and form.duplicate
    assert m.my_requests.rows[0]["tracking"] == "DUK-2026-000123"
    assert m.request.submit() is False  # a confirmed form is never sent again


def test_an_unavailable_store_keeps_the_id_for_a_manual_retry(world):
    """`unavailable` shows on the form; sending again reuses the client request id."""
    m = model(world)
    form = _form(m)
    for name, value in {"nik": "7371010101010001", "jenis": "Hilang", "no_hp": "+62 812 3456 7890"}.items():
        m.request.set_value(name, value)
    m.request.submit()
    (first,) = sent(m, SubmitRequest)
    assert m.handle(Error(code="unavailable", ref=first.request_id), 0)
    assert form.error == "unavailable" and not form.in_flight
    m.request.submit()
    (second,) = sent(m, SubmitRequest)
    assert second.client_request_id == first.client_request_id


def test_server_field_problems_show_next_to_the_fields(world):
    """`request_invalid` puts each problem on its field (and `_note` on the note)."""
    m = model(world)
    form = _form(m)
    for name, value in {"nik": "7371010101010001", "jenis": "Baru", "no_hp": "081234567890"}.items():
        m.request.set_value(name, value)
    m.request.submit()
    (sub,) = sent(m, SubmitRequest)
    m.handle(RequestInvalid(request_id=sub.request_id, problems={"jenis": "invalid_choice", "_note": "too_long"}), 0)
    assert form.problems == {"jenis": "invalid_choice", "_note": "too_long"} and not form.done


def test_status_changes_notify_and_update_my_list(world):
    """A `request_status_changed` (online, or delivered after login) makes a toast with the new status and the clerk's note, and updates the list."""
    m = model(world)
    m.my_requests.open()
    (ask,) = sent(m, MyRequests)
    row = {"id": 5, "tracking": "DUK-2026-000005", "opd": "DUKCAPIL", "service": "KTP_EL", "status": "submitted",
           "created_ms": 1, "updated_ms": 1}
    m.handle(RequestList(request_id=ask.request_id, requests=(row,), more=False), 0)
    assert m.my_requests.loaded and m.my_requests.rows[0]["status"] == "submitted"
    m.handle(RequestStatusChanged(tracking="DUK-2026-000005", opd="DUKCAPIL", service="KTP_EL", status="in_review",
                                  previous="submitted", note="Berkas diperiksa", at_ms=2), 5)
    toast = m.toasts[-1]
    assert toast.key == "request.status_changed" and toast.value("status") == "in_review"
    assert toast.value("note") == "Berkas diperiksa"
    assert m.my_requests.rows[0]["status"] == "in_review"


def test_opening_a_request_shows_its_history(world):
    """`request_get` for one of yours stores its detail (history oldest first) for the list to show."""
    m = model(world)
    m.my_requests.open_request("DUK-2026-000005")
    (get,) = sent(m, RequestGet)
    detail = RequestDetail(request_id=get.request_id, id=5, tracking="DUK-2026-000005", opd="DUKCAPIL",
                           service="KTP_EL", status="in_review", fields={"nik": "7371010101010001"}, note="",
                           created_ms=1, updated_ms=2,
                           history=({"from": "", "to": "submitted", "note": "", "at_ms": 1, "by_staff": False},
                                    {"from": "submitted", "to": "in_review", "note": "ok", "at_ms": 2,
                                     "by_staff": True}))
    m.handle(detail, 0)
    assert [h["to"] for h in m.my_requests.details["DUK-2026-000005"].history] == ["submitted", "in_review"]


# ── the staff console ────────────────────────────────────────────────────────


def console(rid=0, **kw) -> StaffQueue:
    base = dict(request_id=rid, opd="DUKCAPIL", manning=True, open=True, staff=1, current="", current_name="",
                current_status="", called_ms=0, waiting_count=1,
                waiting=({"code": "DUK-001", "name": "Andi", "waited_s": 30},), served=0, no_shows=0,
                avg_service_s=240)
    base.update(kw)
    return StaffQueue(**base)


def test_staff_behind_their_counter_man_it_with_e(world):
    """A clerk standing in their booth's staff area presses E: the counter is manned and the console opens; a citizen there gets nothing."""
    m = model(world, "staff", "DUKCAPIL")
    sx, sy = world.booth("DUKCAPIL").staff_spot
    assert m.interact(sx, sy) == "counter" and m.staff.shown
    (man,) = sent(m, CounterMan)
    assert man.on
    m.handle(console(rid=man.request_id), 0)
    assert m.staff.console.manning
    citizen = model(world)
    assert citizen.interact(sx, sy) == "" and not citizen.staff.shown


def test_the_console_calls_and_talks(world):
    """Call next goes out; the console shows who was called; lines across the counter are kept per ticket and a new call clears the last one's."""
    m = model(world, "staff", "DUKCAPIL")
    m.staff.call_next()
    (call,) = sent(m, CallNext)
    m.handle(console(rid=call.request_id, current="DUK-001", current_name="Andi", current_status="called",
                     waiting_count=0, waiting=()), 0)
    line = CounterMessage(opd="DUKCAPIL", code="DUK-001", from_name="Andi", from_staff=False, text="Halo", at_ms=1)
    m.handle(line, 1)
    m.handle(line, 2)  # sent again after a reconnect
    assert m.ticket.conversation("DUKCAPIL", "DUK-001") == [line]
    m.handle(console(current="DUK-002", current_name="Sari", current_status="called"), 3)
    assert m.ticket.conversation("DUKCAPIL", "DUK-001") == []


def test_staff_requests_are_filtered_by_status(world):
    """Picking a status asks for only those; a late answer for the previous filter is ignored."""
    m = model(world, "staff", "DUKCAPIL")
    m.staff.load_requests("")
    (everything,) = sent(m, StaffRequests)
    m.staff.load_requests("in_review")
    (reviewing,) = sent(m, StaffRequests)
    assert everything.status == "" and reviewing.status == "in_review"
    row = {"id": 1, "tracking": "DUK-2026-000001", "opd": "DUKCAPIL", "service": "KTP_EL", "status": "submitted",
           "created_ms": 1, "updated_ms": 1}
    m.handle(RequestList(request_id=everything.request_id, requests=(row,)), 0)
    assert m.staff.requests == () and not m.staff.loaded
    m.handle(RequestList(request_id=reviewing.request_id, requests=({**row, "status": "in_review"},)), 0)
    assert [r["status"] for r in m.staff.requests] == ["in_review"]


def _detail(status="submitted", nxt=("in_review", "rejected"), rid=0) -> RequestDetail:
    return RequestDetail(request_id=rid, id=1, tracking="DUK-2026-000001", opd="DUKCAPIL", service="KTP_EL",
                         status=status, fields={}, note="", created_ms=1, updated_ms=1,
                         history=({"from": "", "to": "submitted", "note": "", "at_ms": 1, "by_staff": False},),
                         next=nxt)


def test_only_legal_moves_with_a_note_are_sent(world):
    """Moving a request needs a note and a status the machine allows; the move carries the status it expects to leave."""
    m = model(world, "staff", "DUKCAPIL")
    m.staff.load_requests("submitted")
    (ask,) = sent(m, StaffRequests)
    m.handle(RequestList(request_id=ask.request_id, requests=({"id": 1, "tracking": "DUK-2026-000001",
                                                                "opd": "DUKCAPIL", "service": "KTP_EL",
                                                                "status": "submitted", "created_ms": 1,
                                                                "updated_ms": 1},)), 0)
    m.staff.open_request("DUK-2026-000001")
    (get,) = sent(m, RequestGet)
    m.handle(_detail(rid=get.request_id), 0)
    assert legal_next(m.staff.detail.status, m.staff.detail.next) == ("in_review", "rejected")
    assert m.staff.move_request("completed", "done") is False and sent(m, SetRequestStatus) == []
    assert m.staff.move_request("in_review", "   ") is False and m.staff.error == "note_required"
    assert m.staff.move_request("in_review", "Berkas lengkap") is True
    (move,) = sent(m, SetRequestStatus)
    assert (move.status, move.expected, move.note) == ("in_review", "submitted", "Berkas lengkap")
    m.handle(_detail("in_review", ("in_progress", "rejected"), rid=move.request_id), 0)
    assert m.staff.detail.status == "in_review"
    assert m.staff.requests == ()  # it no longer matches the "submitted" filter
    assert m.toasts[-1].key == "staff.moved"


def test_a_conflicting_move_reloads_the_request(world):
    """`conflict` (another clerk moved it first) is shown and the request is fetched again."""
    m = model(world, "staff", "DUKCAPIL")
    m.handle(_detail(rid=0), 0)
    m.staff.detail = _detail()
    m.staff.move_request("in_review", "cek")
    (move,) = sent(m, SetRequestStatus)
    m.handle(Error(code="conflict", ref=move.request_id), 0)
    assert m.staff.error == "conflict"
    assert [g.tracking for g in sent(m, RequestGet)] == ["DUK-2026-000001"]


def test_program_edits_are_checked_before_sending(world):
    """A program needs a title and real dates in order; the description can't be empty."""
    m = model(world, "staff", "DUKCAPIL")
    assert not m.staff.edit_program(title="")
    assert not m.staff.edit_program(title="Kupas Tas", start="2026-02-30")
    assert not m.staff.edit_program(title="Kupas Tas", start="2026-03-01", end="2026-01-01")
    assert not m.staff.edit_description("  ")
    assert m.staff.edit_program(title="Kupas  Tas", start="2026-01-01", end="2026-12-31")
    (edit,) = m.drain()
    assert edit.title == "Kupas Tas"


def test_text_the_server_would_refuse_is_refused_without_sending(world):
    """A staff text with a direction override is shown as the server's refusal, and nothing is sent."""
    m = model(world, "staff", "DUKCAPIL")
    m.staff.edit_program(title="Kupas\u202eTas")
    assert m.drain() == []
    assert m.staff.edit_error == "invalid_field"


# ── mirrors of the server's rules ────────────────────────────────────────────


def test_the_status_table_mirrors_the_server():
    """Every status offers exactly the moves the server's machine allows."""
    assert set(REQUEST_TRANSITIONS) == {s.value for s in request_status.RequestStatus}
    for status in REQUEST_TRANSITIONS:
        assert set(legal_next(status)) == {s.value for s in request_status.next_statuses(status)}, status
    assert legal_next("submitted", ("rejected",)) == ("rejected",)  # the server's `next` wins


class _Spec:
    """A field spec with attributes, as the server's store hands them over."""

    def __init__(self, d):
        self.name, self.kind, self.required = d["name"], d["kind"], d["required"]
        self.max_len, self.choices = d["max_len"], tuple(d["choices"])


def _server_problem(spec: dict, raw: str) -> str | None:
    value, problem = check_value(_Spec(spec), raw)
    if problem is None and not value and spec["required"]:
        problem = "required"
    return problem


CASES = [
    (NIK, v) for v in ("7371010101010001", "7371 0101 0101 0001", "1071010101010001", "9571010101010001",
                       "737101010101000", "73710101010100011", "abcdefghijklmnop", "", "  ", "7371\x00")
] + [
    (PHONE, v) for v in ("081234567890", "+62 812-3456-7890", "62812345678", "(0411) 123456", "0012345678",
                         "0812", "0812345678901234", "+1 202 555 0100", "", "08123abc456")
] + [
    (DATE, v) for v in ("2026-02-28", "2026-02-30", "1899-12-31", "2100-12-31", "26-1-1", "2026/01/01", "")
] + [
    (CHOICE, v) for v in ("Baru", "baru", "Hilang ", "Lainnya", "")
] + [
    (NOTE, v) for v in ("", "ok", "x" * 20, "x" * 21, "tab\there")
]


@pytest.mark.parametrize(("spec", "raw"), CASES)
def test_field_checks_mirror_the_server(spec, raw):
    """For NIK, phone, date, choice and text fields the client finds the same problem as the server."""
    assert check_field(spec, raw) == _server_problem(spec, raw)


@settings(max_examples=300, deadline=None)
@given(raw=st.text(alphabet="0123456789 +-().abc\t", max_size=22), which=st.sampled_from([NIK, PHONE, DATE, NOTE]))
def test_field_checks_mirror_the_server_on_any_input(raw, which):
    """Whatever is typed, the client's verdict equals the server's."""
    assert check_field(which, raw) == _server_problem(which, raw)


@given(raw=st.text(alphabet="0123456789 +-().", max_size=20))
def test_phone_numbers_normalise_like_the_server(raw):
    """Phone numbers clean up to the same +62… form (or are refused alike)."""
    assert normalise_phone(raw) == server_phone(raw)


def test_the_note_is_checked_too():
    """A note longer than 1,000 characters or with control characters is flagged as `_note`."""
    assert check_form([], {}, "x" * 1001) == {"_note": "too_long"}
    assert check_form([], {}, "baris satu\nbaris dua") == {}
    assert check_form([], {}, "bell\x07") == {"_note": "invalid_text"}


# ── one model per job ────────────────────────────────────────────────────────


def test_an_answer_goes_back_to_the_model_that_asked(world):
    """A request detail the clerk asked for lands in the staff console, one the citizen asked for in
    "my requests"; neither sees the other's."""
    m = model(world, "staff", "DUKCAPIL")
    m.staff.open_request("DUK-2026-0001")
    m.my_requests.open_request("DUK-2026-0002")
    staff_get, mine_get = sent(m, RequestGet)
    m.handle(replace(_detail(rid=staff_get.request_id), tracking="DUK-2026-0001"), 0)
    m.handle(replace(_detail(rid=mine_get.request_id), tracking="DUK-2026-0002"), 0)
    assert m.staff.detail is not None and m.staff.detail.tracking == "DUK-2026-0001"
    assert list(m.my_requests.details) == ["DUK-2026-0002"]


def test_an_error_is_shown_by_the_model_whose_command_it_answers(world):
    """A refused counter command is the staff console's error; the booth panel and the form stay clean."""
    m = model(world, "staff", "DUKCAPIL")
    m.panel.open("DUKCAPIL")
    m.staff.call_next()
    (call,) = sent(m, CallNext)
    assert m.handle(Error(code="not_allowed", ref=call.request_id), 0) is True
    assert m.staff.error == "not_allowed"
    assert m.panel.error == "" and m.request.form is None
    assert m.handle(Error(code="not_allowed", ref=call.request_id), 0) is False  # answered once only


def test_escape_closes_every_job_and_the_form_goes_with_its_panel(world):
    """Escape closes the panel (and the form on it), my requests and the console; nothing open says False."""
    m = model(world, "staff", "DUKCAPIL")
    m.panel.open("DUKCAPIL")
    (get,) = sent(m, BoothInfoGet)
    m.handle(info(rid=get.request_id), 0)
    assert m.request.start("DUKCAPIL", "KTP_EL") is not None
    m.my_requests.open()
    m.staff.open()
    assert m.close_all() is True
    assert (m.panel.opd, m.request.form, m.my_requests.shown, m.staff.shown) == ("", None, False, False)
    assert m.close_all() is False
