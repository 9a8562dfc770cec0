"""OPD content staff edit from their booth: descriptions and programs, each change audited."""

from __future__ import annotations

from datetime import date

import pytest

from makaverse.server.store import Audit, Conflict, Localized, NotFound, ProgramDraft

STAFF = Audit(actor_id=None, via="test")


def test_list_and_get(seeded):
    """OPDs list in code order with their children; an unknown code is NotFound."""
    codes = [o.code for o in seeded.list_opds()]
    assert codes == sorted(codes) and len(codes) == 10
    assert seeded.get_opd("DINKES").programs[0].title == "Home Care Dottoro'ta"
    assert seeded.get_service("DINKES", "HOME_CARE").opd_code == "DINKES"
    with pytest.raises(NotFound):
        seeded.get_opd("NOPE")
    with pytest.raises(NotFound):
        seeded.get_service("DINKES", "KTP_EL")


def test_update_description(seeded):
    """A new description is returned with the OPD and leaves an audit row."""
    opd = seeded.update_opd_description("DISHUB", Localized(id="Deskripsi baru", en="New text"), audit=STAFF)
    assert opd.description.get("id") == "Deskripsi baru" and opd.description.get("en") == "New text"
    assert len(opd.programs) == len(seeded.get_opd("DISHUB").programs)
    assert seeded.list_audit(action="opd.describe")[0].target == "opd:DISHUB"


def test_upsert_and_delete_program(seeded):
    """A program can be added, replaced and deleted; titles are unique within an OPD."""
    draft = ProgramDraft(
        title="Lorong Wisata",
        summary=Localized(id="Lorong hijau"),
        status="finished",
        start_date=date(2021, 11, 9),
        end_date=date(2025, 7, 3),
    )
    added = seeded.upsert_program("DLH", draft, audit=STAFF)
    assert added.opd_code == "DLH" and added.start_date == date(2021, 11, 9) and not added.is_sample
    with pytest.raises(Conflict):
        seeded.upsert_program("DLH", draft, audit=STAFF)
    renamed = ProgramDraft(title="Longwis", summary=Localized(id="x"))
    changed = seeded.upsert_program("DLH", renamed, program_id=added.id, audit=STAFF)
    assert changed.id == added.id and changed.title == "Longwis" and changed.status == "running"
    with pytest.raises(NotFound):
        seeded.upsert_program("DINKES", draft, program_id=added.id, audit=STAFF)
    seeded.delete_program(added.id, audit=STAFF)
    assert "Longwis" not in {p.title for p in seeded.get_opd("DLH").programs}
    with pytest.raises(NotFound):
        seeded.delete_program(added.id, audit=STAFF)
    assert [e.action for e in seeded.list_audit()][:3] == ["program.delete", "program.update", "program.create"]


def test_record_and_page_audit(store):
    """Audit entries come back newest first, filterable by action and actor, pageable by id."""
    for i in range(5):
        store.record_audit("chat.kick", target=f"account:{i}", detail={"i": i})
    store.record_audit("event.start", detail={})
    page = store.list_audit(action="chat.kick", limit=2)
    assert [e.detail["i"] for e in page] == [4, 3]
    assert [e.detail["i"] for e in store.list_audit(action="chat.kick", before_id=page[-1].id)] == [2, 1, 0]
    assert store.list_audit(actor_id=42) == ()
