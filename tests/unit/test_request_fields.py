"""Service-request submissions checked field by field against the service's specs."""

from __future__ import annotations

import pytest

from makaverse.protocol.booths import FIELD_PROBLEMS
from makaverse.protocol.request_fields import (
    MAX_NOTE,
    NOTE_KEY,
    PROBLEMS,
    InvalidSubmission,
    check_submission,
    check_value,
    normalise_phone,
)
from makaverse.server.store import FieldSpec

NIK = FieldSpec(name="nik", label_id="NIK", label_en="NIK", kind="nik", max_len=16)
PHONE = FieldSpec(name="no_hp", label_id="HP", label_en="Phone", kind="phone", max_len=20)
BORN = FieldSpec(name="lahir", label_id="Lahir", label_en="Born", kind="date", max_len=10)
KIND = FieldSpec(name="jenis", label_id="Jenis", label_en="Kind", kind="choice", choices=("Baru", "Hilang"))
NAME = FieldSpec(name="nama", label_id="Nama", label_en="Name", kind="text", max_len=10)
NOTE = FieldSpec(name="catatan", label_id="Catatan", label_en="Note", kind="text", required=False)
SPECS = (NIK, PHONE, BORN, KIND, NAME, NOTE)
GOOD = {"nik": "7371012345678901", "no_hp": "0812-3456-7890", "lahir": "1990-07-17", "jenis": "Baru", "nama": "Andi"}


def problems(values: dict, note: str = "") -> dict:
    with pytest.raises(InvalidSubmission) as info:
        check_submission(SPECS, values, note)
    return info.value.problems


def test_a_good_submission_comes_back_cleaned():
    """Valid values pass, trimmed, with the phone number normalised to +62; an empty optional field is dropped."""
    values, note = check_submission(SPECS, {**GOOD, "nama": "  Andi ", "catatan": ""}, "  Tolong.\nTerima kasih ")
    assert values == {**GOOD, "no_hp": "+6281234567890"}
    assert note == "Tolong.\nTerima kasih"


@pytest.mark.parametrize(
    "nik,ok",
    [
        ("7371012345678901", True),
        ("1101010101900001", True),
        ("7371 0123 4567 8901", True),
        ("737101234567890", False),  # 15 digits
        ("73710123456789012", False),  # 17 digits
        ("0971012345678901", False),  # no province 09
        ("9571012345678901", False),  # nor 95
        ("73710123456789O1", False),  # a letter O
        ("٧٣٧١٠١٢٣٤٥٦٧٨٩٠١", False),  # Arabic-Indic digits are not NIK digits
    ],
)
def test_nik_is_sixteen_digits_starting_with_a_province(nik, ok):
    """A NIK (or KK number) is 16 ASCII digits whose first two are a province code 11-94."""
    assert (check_value(NIK, nik)[1] is None) is ok


@pytest.mark.parametrize(
    "raw,normal",
    [
        ("081234567890", "+6281234567890"),
        ("+62 812-3456-7890", "+6281234567890"),
        ("6281234567890", "+6281234567890"),
        ("(0411) 873-456", "+62411873456"),
        ("12345", None),
        ("0812", None),
        ("+1 415 555 0100", None),
        ("08123456789012345", None),
        ("0081234567", None),
    ],
)
def test_phone_numbers_are_indonesian(raw, normal):
    """Phone numbers start 0, 62 or +62 and have 8-12 digits after it; they come back as +62..."""
    assert normalise_phone(raw) == normal


@pytest.mark.parametrize("value,ok", [("2026-02-28", True), ("2024-02-29", True), ("2026-02-29", False),
                                      ("17-07-1990", False), ("1899-12-31", False), ("2026-7-1", False)])
def test_dates_are_real_iso_dates(value, ok):
    """A date is YYYY-MM-DD, a real calendar day between 1900 and 2100."""
    assert (check_value(BORN, value)[1] is None) is ok


def test_every_problem_is_reported_at_once():
    """All bad fields come back together, each with its code."""
    assert problems({"nik": "123", "no_hp": "abc", "lahir": "kemarin", "jenis": "Lain", "nama": "x" * 11}) == {
        "nik": "invalid_nik",
        "no_hp": "invalid_phone",
        "lahir": "invalid_date",
        "jenis": "invalid_choice",
        "nama": "too_long",
    }


def test_required_fields_must_be_filled_and_unknown_ones_are_refused():
    """A missing or blank required field is `required`; a field the service doesn't have is `unknown_field`."""
    assert problems({**GOOD, "nik": "   ", "extra": "1"}) == {"nik": "required", "extra": "unknown_field"}
    values = dict(GOOD)
    del values["jenis"]
    assert problems(values) == {"jenis": "required"}


def test_the_note_is_bounded_and_may_have_line_breaks_only():
    """The note may span lines but not exceed MAX_NOTE or hold other control characters."""
    assert problems(GOOD, "x" * (MAX_NOTE + 1)) == {NOTE_KEY: "too_long"}
    assert problems(GOOD, "bell\x07") == {NOTE_KEY: "invalid_text"}
    assert problems({**GOOD, "nama": "a\nb"}) == {"nama": "invalid_text"}


def test_problem_codes_are_the_protocol_ones():
    """The codes this module reports are exactly those the protocol lets `request_invalid` carry."""
    assert PROBLEMS == FIELD_PROBLEMS
