"""The packaged seed file: ten booth OPDs of sample content, complete and honest about what is real."""

from __future__ import annotations

from importlib import resources

import pytest

from makaverse.server.store.seed import load_seed_content

BOOTHS = {
    "DUKCAPIL": ("Dinas Kependudukan dan Pencatatan Sipil", "DUK"),
    "DINKES": ("Dinas Kesehatan", "KES"),
    "DISDIK": ("Dinas Pendidikan", "DIK"),
    "DISKOMINFO": ("Dinas Komunikasi dan Informatika", "KOM"),
    "BAPENDA": ("Badan Pendapatan Daerah", "PEN"),
    "DPMPTSP": ("Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu", "PTS"),
    "DINSOS": ("Dinas Sosial", "SOS"),
    "DISHUB": ("Dinas Perhubungan", "HUB"),
    "DP3A": ("Dinas Pemberdayaan Perempuan dan Perlindungan Anak", "PPA"),
    "DLH": ("Dinas Lingkungan Hidup", "DLH"),
}
# People named in the sources; office holders change, so none may appear in product content.
PEOPLE = ("Danny", "Pomanto", "Ramdhan", "Munafri", "Appi", "Aliyah", "Mahyuddin", "Daniel Surya", "Stephen Ng")


@pytest.fixture(scope="module")
def content():
    return load_seed_content()


def test_one_opd_per_booth_with_its_name_and_prefix(content):
    """The file holds exactly the ten booth OPDs, with their full names and ticket prefixes."""
    assert {o.code: (o.name, o.ticket_prefix) for o in content} == BOOTHS


def test_every_opd_is_complete_sample_content(content):
    """Each OPD is sample data with descriptions in both languages, 2-4 programs, 2-3 services and a social account."""
    for opd in content:
        assert opd.is_sample and opd.description.id and opd.description.en
        assert 2 <= len(opd.programs) <= 4, opd.code
        assert 2 <= len(opd.services) <= 3, opd.code
        assert opd.socials, opd.code
        for program in opd.programs:
            assert program.is_sample and program.summary.id and program.summary.en
        for service in opd.services:
            assert service.is_sample and service.name.en and service.description.en and service.fields
            assert any(f.required for f in service.fields)


def test_only_the_documented_handle_is_marked_real(content):
    """@dukcapil_makassar is the one social account not marked as a sample."""
    real = [(o.code, s.handle) for o in content for s in o.socials if not s.is_sample]
    assert real == [("DUKCAPIL", "@dukcapil_makassar")]


def test_civil_registry_services_ask_for_a_nik(content):
    """KTP-el, KK and birth certificate requests each take 16-digit NIK-type fields."""
    dukcapil = next(o for o in content if o.code == "DUKCAPIL")
    assert {s.code for s in dukcapil.services} == {"KTP_EL", "KARTU_KELUARGA", "AKTA_KELAHIRAN"}
    for service in dukcapil.services:
        niks = [f for f in service.fields if f.kind == "nik"]
        assert niks and all(f.max_len == 16 for f in niks)


def test_kecamatan_choices_list_all_fifteen(content):
    """Fields that pick a kecamatan offer all 15 of Makassar's, Kepulauan Sangkarrang included."""
    fields = [f for o in content for s in o.services for f in s.fields if f.name == "kecamatan"]
    assert fields and all(len(f.choices) == 15 and "Kepulauan Sangkarrang" in f.choices for f in fields)


def test_no_office_holders_are_named():
    """The seed file names no mayor, deputy or agency head."""
    text = resources.files("makaverse.server.store").joinpath("seed_content.toml").read_text(encoding="utf-8")
    assert [name for name in PEOPLE if name in text] == []
