"""Seeding adds the sample OPDs and the first admin once, and never changes anything after."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import func, select

from makaverse.server.admin.seed import ADMIN_PASSWORD_ENV, seed_admin
from makaverse.server.services.accounts import WeakPassword
from makaverse.server.store import Audit, Localized, ServiceDraft
from makaverse.server.store.models import Base
from makaverse.server.store.seed import load_seed_content, seed

BOOTH_CODES = {"DUKCAPIL", "DINKES", "DISDIK", "DISKOMINFO", "BAPENDA", "DPMPTSP", "DINSOS", "DISHUB", "DP3A", "DLH"}


def _row_counts(store) -> dict[str, int]:
    with store._read() as session:
        return {name: session.scalar(select(func.count()).select_from(t)) for name, t in Base.metadata.tables.items()}


def test_seed_adds_the_ten_booth_opds(store):
    """A fresh database gets one sample OPD per booth, each with programs, services and socials."""
    report = seed(store)
    opds = store.list_opds()
    assert set(report.opds_added) == BOOTH_CODES == {o.code for o in opds}
    for opd in opds:
        assert opd.is_sample
        assert 2 <= len(opd.programs) <= 4 and 2 <= len(opd.services) <= 3 and opd.socials
        assert all(p.is_sample for p in opd.programs) and all(s.is_sample for s in opd.services)
    dukcapil = store.get_opd("DUKCAPIL")
    assert dukcapil.ticket_prefix == "DUK"
    assert {s.code for s in dukcapil.services} >= {"KTP_EL", "KARTU_KELUARGA", "AKTA_KELAHIRAN"}
    nik = dukcapil.service("KTP_EL").fields[0]
    assert (nik.kind, nik.max_len) == ("nik", 16)


def test_seed_twice_changes_nothing(store):
    """A second seed adds no rows, alters no content and writes no audit entry."""
    seed(store)
    opds, counts = store.list_opds(), _row_counts(store)
    report = seed(store)
    assert not report.changed
    assert store.list_opds() == opds
    assert _row_counts(store) == counts


def test_seed_adds_a_new_service_to_an_existing_opd(store):
    """A service added to the seed file later reaches databases seeded before it existed."""
    seed(store)
    content = load_seed_content()
    extra = ServiceDraft(code="SURAT_PINDAH", name=Localized(id="Surat Pindah"), description=Localized(id="Pindah"))
    content = tuple(
        dataclasses.replace(d, services=(*d.services, extra)) if d.code == "DUKCAPIL" else d for d in content
    )
    report = seed(store, content)
    assert report.services_added == ("DUKCAPIL/SURAT_PINDAH",)
    assert store.get_opd("DUKCAPIL").service("SURAT_PINDAH") is not None


def test_seed_does_not_overwrite_staff_edits(store):
    """Descriptions staff changed stay changed when seed runs again."""
    seed(store)
    store.update_opd_description("DLH", Localized(id="Baru", en="New"), audit=Audit(actor_id=None))
    seed(store)
    assert store.get_opd("DLH").description == Localized(id="Baru", en="New")


def test_seed_admin_creates_one_admin(store, hasher, monkeypatch):
    """The first call creates `admin` with a generated password and returns it; later calls do nothing."""
    monkeypatch.delenv(ADMIN_PASSWORD_ENV, raising=False)
    password = seed_admin(store, hasher=hasher)
    assert password and len(password) >= 12
    assert seed_admin(store, hasher=hasher) is None
    admins = store.list_accounts(role="admin")
    assert [a.username for a in admins] == ["admin"]
    credentials = store.get_credentials("admin")
    assert hasher.verify(credentials.password_hash, password)
    assert [e.action for e in store.list_audit(action="account.create")] == ["account.create"]


def test_seed_admin_takes_the_password_from_the_environment(store, hasher, monkeypatch):
    """MAKAVERSE_ADMIN_PASSWORD, when set, is the admin's password, held to the password rules."""
    monkeypatch.setenv(ADMIN_PASSWORD_ENV, "12345678")
    with pytest.raises(WeakPassword):
        seed_admin(store, hasher=hasher)
    monkeypatch.setenv(ADMIN_PASSWORD_ENV, "balai-kota-2026")
    assert seed_admin(store, hasher=hasher) == "balai-kota-2026"
    assert hasher.verify(store.get_credentials("admin").password_hash, "balai-kota-2026")
