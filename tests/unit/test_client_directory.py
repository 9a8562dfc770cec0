"""The directory: its data agrees with the world and the seeded services, and a citizen's words
find the right booth in either language."""

from __future__ import annotations

import tomllib

import pytest

from makaverse.client.state.directory import (
    DirectoryModel,
    Event,
    load_directory,
    near_information_desk,
    search,
    tokens,
)
from makaverse.world import load_default_world

WORLD = load_default_world()
DIRECTORY = load_directory()
SEED = tomllib.loads(
    (__import__("pathlib").Path(__file__).parents[2] / "server" / "store" / "seed_content.toml").read_text()
)


def test_every_booth_is_in_the_directory_and_nothing_else() -> None:
    """The directory lists exactly the OPDs that have a booth in the world file."""
    assert [a.code for a in DIRECTORY.agencies] == [b.opd for b in WORLD.booths]


def test_services_match_the_seeded_services() -> None:
    """Each OPD's services in the directory are the ones the server seeds, with the same names."""
    seeded = {o["code"]: [(s["code"], s["name_id"], s["name_en"]) for s in o.get("service", [])] for o in SEED["opd"]}
    for a in DIRECTORY.agencies:
        assert [(s.code, s.name_id, s.name_en) for s in a.services] == seeded[a.code], a.code


def test_full_names_match_the_seeded_names() -> None:
    """The directory's Indonesian full name of each OPD is the seeded one."""
    seeded = {o["code"]: o["name"] for o in SEED["opd"]}
    for a in DIRECTORY.agencies:
        assert a.name_id == seeded[a.code]
        assert a.name_en and a.acronym


def test_places_lie_in_their_zones() -> None:
    """The auditorium's and the information desk's spots are in the zones they name."""
    for p in DIRECTORY.places:
        zone = WORLD.zone(p.zone)
        assert zone is not None and zone.box.contains_point(*p.spot)
        assert WORLD.placement_ok([p.spot])[0]


@pytest.mark.parametrize(
    "query,opd,service",
    [
        ("KTP", "DUKCAPIL", "KTP_EL"),
        ("ktp hilang", "DUKCAPIL", "KTP_EL"),
        ("akta", "DUKCAPIL", "AKTA_KELAHIRAN"),
        ("Akte lahir anak", "DUKCAPIL", "AKTA_KELAHIRAN"),
        ("birth certificate", "DUKCAPIL", "AKTA_KELAHIRAN"),
        ("kartu keluarga", "DUKCAPIL", "KARTU_KELUARGA"),
        ("pajak", "BAPENDA", ""),
        ("bayar pajak rumah", "BAPENDA", "INFO_PBB"),
        ("property tax", "BAPENDA", "INFO_PBB"),
        ("PBB", "BAPENDA", "INFO_PBB"),
        ("izin usaha", "DPMPTSP", ""),
        ("building permit", "DPMPTSP", "PBG"),
        ("sampah", "DLH", "ANGKUT_SAMPAH"),
        ("garbage", "DLH", "ANGKUT_SAMPAH"),
        ("bus sekolah", "DISHUB", "DAFTAR_BUS_SEKOLAH"),
        ("school bus", "DISHUB", "DAFTAR_BUS_SEKOLAH"),
        ("ijazah", "DISDIK", "LEGALISIR_IJAZAH"),
        ("dottoro'ta", "DINKES", "HOME_CARE"),
        ("doctor", "DINKES", ""),
        ("bansos", "DINSOS", ""),
        ("BPJS gratis", "DINSOS", "REKOMENDASI_PBI"),
        ("kekerasan anak", "DP3A", "LAPOR_KEKERASAN"),
        ("complaint", "DISKOMINFO", "PENGADUAN"),
        ("Disdukcapil", "DUKCAPIL", ""),
        ("dinas kesehatan", "DINKES", ""),
    ],
)
def test_words_citizens_use_find_the_right_booth(query: str, opd: str, service: str) -> None:
    """The best hit for a citizen's word is the booth (and service) that handles it."""
    hits = search(DIRECTORY, query)
    assert hits, query
    best = hits[0]
    assert best.opd == opd, (query, hits[:3])
    assert best.service == service, (query, hits[:3])


def test_auditorium_and_events() -> None:
    """'acara' finds the auditorium; a known event is listed under it and found by its title."""
    assert search(DIRECTORY, "acara")[0].place == "auditorium"
    assert search(DIRECTORY, "town hall meeting")[0].place == "auditorium"
    model = DirectoryModel(DIRECTORY, WORLD)
    ev = Event("e1", "Sosialisasi Pajak Daerah", "Regional Tax Briefing", 9 * 3_600_000, 11 * 3_600_000)
    model.set_events([ev])
    titles = [r.title for r in model.rows()]
    i = titles.index("Auditorium Balai Kota")
    assert titles[i + 1] == "Sosialisasi Pajak Daerah"
    assert model.rows()[i + 1].detail.startswith("09:00–11:00")
    model.set_query("sosialisasi")
    assert model.rows()[0].kind in ("event", "place")
    assert any(r.kind == "event" for r in model.rows())


def test_nothing_matches_nonsense() -> None:
    """A word nobody listed finds nothing rather than a random booth."""
    assert search(DIRECTORY, "zzqx") == []
    assert search(DIRECTORY, "") == []


def test_tokens_fold_case_accents_and_apostrophes() -> None:
    """Dottoro'ta, DOTTOROTA and dottorota are the same word; hyphens split words."""
    assert tokens("Dottoro'ta") == tokens("DOTTOROTA") == ["dottorota"]
    assert tokens("KTP-el") == ["ktp", "el"]
    assert tokens("Café") == ["cafe"]


def test_model_rows_selection_and_destination() -> None:
    """Arrow keys move the selection; a booth row leads to its service zone, facing the counter."""
    model = DirectoryModel(DIRECTORY, WORLD, lang="en", is_open_fn=lambda opd: opd == "DINKES")
    rows = model.rows()
    assert rows[0].title == "Disdukcapil — Population and Civil Registration Agency"
    assert rows[1].is_open is True and rows[0].is_open is False
    model.move(-1)
    assert model.current() == rows[-1]
    model.set_query("KTP")
    assert model.selected == 0
    spot, facing, name = model.destination(model.current())
    booth = WORLD.booth("DUKCAPIL")
    assert spot == booth.zone.centre and facing == 90.0 and name == "Disdukcapil"
    model.set_query("auditorium")
    spot, facing, _ = model.destination(model.current())
    assert WORLD.zone_of(*spot).id == "auditorium" and facing is None


def test_information_desk_reach() -> None:
    """Standing at the Informasi desk counts; the middle of the lobby does not."""
    place = DIRECTORY.place("information")
    assert near_information_desk(WORLD, *place.spot)
    assert not near_information_desk(WORLD, 0.0, 7.0)
