"""What the booth widgets say, without Panda3D: estimates, programs, accounts, toasts, and the
scripted booth steps the client runs for screenshots and tests."""

from __future__ import annotations

import argparse

import pytest

from makaverse.bench.scripted.booth_script import script_from_args
from makaverse.client.state.booths import BoothModel, Toast
from makaverse.client.ui import booth_text as T
from makaverse.protocol import BoothInfo, BoothInfoGet, Error, TakeNumber, Ticket, Welcome, ZoneChanged
from makaverse.world import load_default_world


@pytest.fixture(scope="module")
def world():
    return load_default_world()


@pytest.mark.parametrize(("seconds", "id_text", "en_text"), [
    (0, "tanpa menunggu", "no wait"),
    (45, "< 1 menit", "under a minute"),
    (61, "± 2 menit", "about 2 min"),
    (240, "± 4 menit", "about 4 min"),
])
def test_waits_are_whole_minutes_rounded_up(seconds, id_text, en_text):
    """An estimate reads in whole minutes, rounded up, in both languages."""
    assert T.wait_text(seconds, "id") == id_text
    assert T.wait_text(seconds, "en") == en_text


def test_programs_show_status_dates_and_sample_marks():
    """A program line names its status, its dates and, for unconfirmed content, "contoh"/"sample"."""
    p = {"title": "Home Care Dottoro'ta", "status": "running", "start": "2015-01-01", "end": "", "sample": True}
    assert T.program_line(p, "id") == "Home Care Dottoro'ta — Berjalan (sejak 2015-01-01) [contoh]"
    planned = {"title": "Makassar Recover", "status": "planned", "start": "2026-01-01", "end": "2026-06-30",
               "sample": False}
    assert T.program_line(planned, "en") == "Makassar Recover — Planned (2026-01-01 to 2026-06-30)"


def test_social_accounts_are_named_and_samples_marked():
    """Accounts show the platform's name and mark samples."""
    assert T.social_line({"platform": "instagram", "handle": "@dukcapil_makassar", "sample": False}, "id") == \
        "Instagram @dukcapil_makassar"
    assert T.social_line({"platform": "website", "handle": "makassarkota.go.id", "sample": True}, "en") == \
        "Website makassarkota.go.id [sample]"


def test_the_state_line_says_open_clerks_waiting_and_the_estimate():
    """An open counter with a line: open, how many clerks, how many wait, and the wait."""
    assert T.state_line(True, 2, 3, 240, "id") == "Loket BUKA • 2 petugas • 3 menunggu • perkiraan tunggu ± 4 menit"
    assert T.state_line(False, 0, 0, 0, "en") == "Counter CLOSED • 0 waiting"


def test_english_content_falls_back_to_indonesian():
    """A service without an English name shows its Indonesian one."""
    assert T.service_name({"code": "X", "name_id": "Akta Kelahiran", "name_en": ""}, "en") == "Akta Kelahiran"
    assert T.field_label({"name": "nik_ayah", "label_id": "NIK ayah", "label_en": "Father's NIK",
                          "required": False}, "en") == "Father's NIK (optional)"


def test_a_status_toast_translates_the_status_and_quotes_the_note():
    """A status change reads as a sentence with the new status in the player's language and the clerk's note."""
    toast = Toast("request.status_changed", (("tracking", "DUK-2026-000005"), ("status", "in_progress"),
                                             ("note", "Sedang dicetak")), 0.0, "info")
    assert T.toast_text(toast, "id") == "Permohonan DUK-2026-000005 kini: Diproses — “Sedang dicetak”"
    assert T.toast_text(toast, "en") == "Request DUK-2026-000005 is now: In progress — “Sedang dicetak”"
    assert T.toast_text(Toast("error.not_at_booth"), "en").startswith("Stand in front of the counter")


def test_errors_and_problems_have_words():
    """Server codes, field problems and the model's own refusals all read as sentences."""
    assert T.error_text("queue_empty", "id") == "Tidak ada yang sedang mengantre."
    assert T.error_text("note_required", "en") == "Write a note first."
    assert T.problem_text("invalid_nik", "en").startswith("A NIK/KK number is 16 digits")
    assert "zzz" in T.error_text("zzz", "en")


# ── the scripted steps ───────────────────────────────────────────────────────


def _args(**kw) -> argparse.Namespace:
    base = dict(open_booth=None, take_number=False, request=None, field=[], note="", my_requests=False,
                man_counter=False, staff_console=None, call_next=False, counter_say=None, wait_called=False)
    base.update(kw)
    return argparse.Namespace(**base)


def _model(world) -> BoothModel:
    m = BoothModel(world)
    m.handle(Welcome(avatar_id=1, name="Daeng", role="guest", world_id="x", tick_hz=20, snapshot_hz=20, input_hz=20,
                     interest_radius_cm=4000, server_time_ms=1, x_cm=0, y_cm=0, yaw=0), 0)
    return m


def test_no_flags_no_script(world):
    """Without booth flags there is nothing to wait for."""
    assert script_from_args(_model(world), _args(), open_tab=lambda t: None, console_tab=lambda t: None) is None


def test_open_booth_then_take_a_number_waits_for_each_answer(world):
    """The panel opens on the asked tab once you stand at a booth; the number is taken after the panel's content came."""
    m = _model(world)
    tabs = []
    script = script_from_args(m, _args(open_booth="programs", take_number=True), open_tab=tabs.append,
                              console_tab=lambda t: None)
    m.handle(ZoneChanged(zone_id="booth:DUKCAPIL"), 0)
    script.step(0)
    (get,) = m.drain()
    assert isinstance(get, BoothInfoGet) and tabs == ["programs"] and not script.done
    m.handle(BoothInfo(request_id=get.request_id, opd="DUKCAPIL", name="Disdukcapil", short_name="Disdukcapil",
                       prefix="DUK", description_id="", description_en="", programs=(), socials=(), services=(),
                       open=False, staff=0, waiting=0, est_wait_s=0, info_version=1), 10)
    script.step(10)
    (take,) = m.drain()
    assert isinstance(take, TakeNumber)
    m.handle(Ticket(request_id=take.request_id, opd="DUKCAPIL", code="DUK-001", status="waiting", place=1,
                    waiting=1, est_wait_s=180), 20)
    script.step(20)
    assert script.done and [s["outcome"] for s in script.report()] == ["ok", "ok"]


def test_a_refused_step_ends_with_its_error(world):
    """A number refused by the server (not_at_booth) ends that step with the code instead of waiting forever."""
    m = _model(world)
    script = script_from_args(m, _args(take_number=True), open_tab=lambda t: None, console_tab=lambda t: None)
    m.handle(ZoneChanged(zone_id="booth:DINKES"), 0)
    script.step(0)
    (take,) = m.drain()
    m.handle(Error(code="not_at_booth", ref=take.request_id), 5)
    script.step(5)
    assert script.done and script.report() == [{"step": "take_number", "outcome": "not_at_booth"}]


def test_call_next_keeps_trying_until_someone_waits(world):
    """A clerk's scripted call is repeated each second while the line is empty."""
    m = _model(world)
    script = script_from_args(m, _args(call_next=True), open_tab=lambda t: None, console_tab=lambda t: None)
    script.step(0)
    (first,) = m.drain()
    m.handle(Error(code="queue_empty", ref=first.request_id), 10)
    script.step(500)
    assert m.drain() == [] and not script.done
    script.step(1100)
    assert len(m.drain()) == 1 and not script.done


def test_a_number_at_a_closed_counter_says_it_is_called_when_the_counter_opens():
    """A ticket at a TUTUP counter names no minutes: it says plainly the number is called when the
    counter opens; at an open counter it gives its one estimate."""
    closed = T.ticket_line("Disdukcapil", 1, 180, "id", counter_open=False)
    assert "dipanggil saat loket buka" in closed and "menit" not in closed
    assert "called when it opens" in T.ticket_line("Disdukcapil", 2, 360, "en", counter_open=False)
    assert T.ticket_line("Disdukcapil", 1, 180, "id") == "Disdukcapil: Anda berikutnya • ± 3 menit"


def test_the_booth_header_shows_one_estimate():
    """A closed counter's state line has no estimate, and neither has an open one's while you hold a
    number there (your ticket's estimate is the one shown)."""
    assert "perkiraan" not in T.state_line(False, 0, 3, 360, "id")
    assert "estimated" not in T.state_line(True, 1, 3, 360, "en", estimate=False)
    assert "estimated wait about 6 min" in T.state_line(True, 1, 3, 360, "en")
