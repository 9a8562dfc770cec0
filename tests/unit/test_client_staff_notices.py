"""The clerk's console model when a new request arrives live (`staff_request_new`), without Panda3D:
a row at the top when the filter shows it, a "baru" mark and a count until opened, a toast in both
languages, and the clerk's open request and later pages untouched."""

from __future__ import annotations

import pytest

from makaverse.client.state.booths import BoothModel
from makaverse.client.ui.booth_text import toast_text
from makaverse.protocol import (
    BoothInfo,
    RequestDetail,
    RequestGet,
    RequestList,
    StaffRequestNew,
    StaffRequests,
    Welcome,
)
from makaverse.world import load_default_world

SERVICE = {"code": "KTP_EL", "name_id": "KTP Elektronik", "name_en": "Electronic ID card", "description_id": "",
           "description_en": "", "fields": []}


@pytest.fixture(scope="module")
def world():
    return load_default_world()


def clerk(world, opd: str = "DUKCAPIL", role: str = "staff") -> BoothModel:
    m = BoothModel(world)
    m.handle(Welcome(avatar_id=7, name="Bu Ani", role=role, world_id="balai-kota-makassar", tick_hz=20,
                     snapshot_hz=20, input_hz=20, interest_radius_cm=4000, server_time_ms=1000, x_cm=0, y_cm=0,
                     yaw=0, opd=opd), 0)
    m.panel.infos["DUKCAPIL"] = BoothInfo(
        request_id=0, opd="DUKCAPIL", name="Dinas Kependudukan dan Pencatatan Sipil", short_name="Disdukcapil",
        prefix="DUK", description_id="", description_en="", programs=(), socials=(), services=(SERVICE,),
        open=True, staff=1, waiting=0, est_wait_s=0, info_version=1,
    )
    m.drain()
    return m


def row(n: int, status: str = "submitted") -> dict:
    return {"id": n, "tracking": f"DUK-2026-{n:06d}", "opd": "DUKCAPIL", "service": "KTP_EL", "status": status,
            "created_ms": n, "updated_ms": n}


def notice(n: int, opd: str = "DUKCAPIL") -> StaffRequestNew:
    return StaffRequestNew(id=n, tracking=f"DUK-2026-{n:06d}", opd=opd, service="KTP_EL", status="submitted",
                           created_ms=1_767_225_600_000 + n)


def listed(m: BoothModel, status: str, *rows: dict) -> None:
    m.staff.load_requests(status)
    ask = [x for x in m.drain() if isinstance(x, StaffRequests)][-1]
    m.handle(RequestList(request_id=ask.request_id, requests=rows, more=True), 0)


def test_a_new_request_goes_on_top_of_the_list_and_is_toasted(world):
    """"Tidak ada permohonan." no more: the row arrives at the top, the open request stays open,
    the toast reads "Permohonan baru: DUK-2026-000003 (KTP Elektronik)" (and in English)."""
    m = clerk(world)
    m.staff.open()
    listed(m, "", row(2), row(1, "in_review"))
    m.staff.open_request("DUK-2026-000001")
    (get,) = [x for x in m.drain() if isinstance(x, RequestGet)]
    m.handle(RequestDetail(request_id=get.request_id, id=1, tracking="DUK-2026-000001", opd="DUKCAPIL",
                           service="KTP_EL", status="in_review", fields={}, note="", created_ms=1, updated_ms=1,
                           history=(), next=("in_progress", "rejected")), 0)
    list_rev, toasts = m.rev["staff"], m.rev["toast"]

    m.handle(notice(3), 5_000)
    assert [r["tracking"] for r in m.staff.requests] == ["DUK-2026-000003", "DUK-2026-000002", "DUK-2026-000001"]
    assert m.staff.requests[0]["status"] == "submitted" and m.staff.requests[0]["created_ms"] == notice(3).created_ms
    assert m.staff.detail is not None and m.staff.detail.tracking == "DUK-2026-000001"  # the clerk's pick stays
    assert m.rev["staff"] == list_rev  # the open request's part is not redrawn (its typed note stays)
    assert m.staff.unseen == {"DUK-2026-000003"} and m.staff.new_count == 1
    assert m.rev["toast"] == toasts + 1  # what rings the notification sound
    toast = m.recent_toasts(5_000)[-1]
    assert toast.tone == "call"
    assert toast_text(toast, "id") == "Permohonan baru: DUK-2026-000003 (KTP Elektronik)"
    assert toast_text(toast, "en") == "New request: DUK-2026-000003 (Electronic ID card)"
    # Paging on goes on from the oldest row it has.
    m.staff.load_requests(more=True)
    (page,) = [x for x in m.drain() if isinstance(x, StaffRequests)]
    assert page.before_id == 1


def test_opening_it_clears_the_mark_and_the_same_notice_twice_is_one_row(world):
    """A row already listed is not added twice; opening the request takes its "baru" mark and count away."""
    m = clerk(world)
    listed(m, "", row(1))
    m.handle(notice(2), 0)
    m.handle(notice(2), 1)  # sent again (two processes' notices never repeat, but a list answer may already hold it)
    assert [r["id"] for r in m.staff.requests] == [2, 1] and m.staff.new_count == 1
    m.staff.open_request("DUK-2026-000002")
    assert m.staff.new_count == 0 and m.staff.unseen == set()


def test_a_filter_that_does_not_show_it_gets_no_row_but_the_count_and_toast(world):
    """Filtered to "in_review", a new (submitted) request adds no row, but it is counted and toasted."""
    m = clerk(world)
    listed(m, "in_review", row(1, "in_review"))
    m.handle(notice(2), 0)
    assert [r["id"] for r in m.staff.requests] == [1]
    assert m.staff.new_count == 1 and m.toasts[-1].key == "staff.new_request"


def test_before_the_list_was_loaded_only_the_count_and_toast_change(world):
    """The list, asked for later, will hold it: no half list of one row meanwhile."""
    m = clerk(world)
    m.handle(notice(1), 0)
    assert m.staff.requests == () and not m.staff.loaded and m.staff.new_count == 1


def test_a_notice_for_another_opd_or_a_citizen_is_ignored(world):
    """DINKES staff, or a citizen, given a DUKCAPIL notice: no row, no count, no toast."""
    for m, n in ((clerk(world, opd="DINKES"), notice(1)), (clerk(world, role="citizen", opd=""), notice(1))):
        if m.is_staff:
            listed(m, "")
        before = m.rev["toast"]
        m.handle(n, 0)
        assert m.staff.requests == () and m.staff.new_count == 0 and m.rev["toast"] == before


def test_a_long_stream_of_new_requests_keeps_the_list_and_the_marks_bounded(world):
    """A busy OPD all day: the live rows keep the list at `MAX_ROWS` (the rest come back with
    "more", from the last row kept) and the "baru" marks at `MAX_UNSEEN`, the newest ones."""
    from makaverse.client.state.booths.staff import MAX_ROWS, MAX_UNSEEN

    m = clerk(world)
    listed(m, "", row(1))
    for n in range(2, 2 + 3 * MAX_ROWS):
        m.handle(notice(n), 0)
    desk = m.staff
    assert len(desk.requests) == MAX_ROWS and desk.more
    assert [r["id"] for r in desk.requests[:2]] == [1 + 3 * MAX_ROWS, 3 * MAX_ROWS]
    assert len(desk.unseen) == MAX_UNSEEN and notice(1 + 3 * MAX_ROWS).tracking in desk.unseen
    m.drain()
    desk.load_requests(more=True)
    ask = [x for x in m.drain() if isinstance(x, StaffRequests)][-1]
    assert ask.before_id == desk.requests[-1]["id"]
