"""Service-request submissions checked against the service's field specs, field by field.

Pure. `check_submission(specs, values, note)` returns the cleaned values (trimmed, phone
numbers normalised to +62…) or raises `InvalidSubmission` whose `problems` map each bad field
to a stable code the client translates:

| code | meaning |
|---|---|
| `required` | a required field is missing or blank |
| `too_long` | longer than the field's `max_len` (the note, keyed `_note`: `MAX_NOTE`) |
| `unknown_field` | the service has no such field |
| `invalid_nik` | not 16 digits starting with a province code (11–94) |
| `invalid_phone` | not an Indonesian phone number (0…, 62… or +62…, 9–13 digits after the 0) |
| `invalid_date` | not a real date written YYYY-MM-DD (years 1900–2100) |
| `invalid_choice` | not one of the field's choices |
| `invalid_text` | contains control or invisible characters (a line break only in the note; protocol/text.py) |

`specs` are anything with `name`, `kind`, `required`, `max_len` and `choices` (the store's
`FieldSpec`, or a `FieldRule` made from a `booth_info` field map). It lives in `protocol` so
the client checks a form by the same rules before sending it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from .text import clean_text, forbidden_char, normalise

__all__ = [
    "FieldRule",
    "PROBLEMS",
    "field_problem",
    "submission_problems",
    "valid_date",
    "MAX_NOTE",
    "NOTE_KEY",
    "InvalidSubmission",
    "check_submission",
    "check_value",
    "normalise_phone",
]

MAX_NOTE = 1000
NOTE_KEY = "_note"  # problems with the note; no field name can start with "_"
PROBLEMS = frozenset(
    {
        "required",
        "too_long",
        "unknown_field",
        "invalid_nik",
        "invalid_phone",
        "invalid_date",
        "invalid_choice",
        "invalid_text",
    }
)

_NIK = re.compile(r"[0-9]{16}")
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_PHONE_JUNK = re.compile(r"[\s\-().]")


class _Spec(Protocol):
    """What the checks read of a field (read-only: a frozen FieldRule is one)."""

    @property
    def name(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def required(self) -> bool: ...
    @property
    def max_len(self) -> int: ...
    @property
    def choices(self) -> tuple[str, ...]: ...


@dataclass(frozen=True, slots=True)
class FieldRule:
    """One field's rules as plain values, with the defaults a `booth_info` field map implies."""

    name: str
    kind: str = "text"
    required: bool = True
    max_len: int = 120
    choices: tuple[str, ...] = ()

    @classmethod
    def from_mapping(cls, spec: Mapping) -> FieldRule:
        return cls(
            name=str(spec.get("name", "")),
            kind=str(spec.get("kind", "text")),
            required=bool(spec.get("required", True)),
            max_len=int(spec.get("max_len", 120)),
            choices=tuple(spec.get("choices", ())),
        )


class InvalidSubmission(ValueError):
    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__(", ".join(f"{k}: {v}" for k, v in sorted(problems.items())))
        self.problems = problems


def _clean_text(value: str, *, multiline: bool = False) -> str | None:
    """The text as the text policy cleans it (protocol/text.py), or None when it refuses it."""
    if forbidden_char(normalise(value), multiline=multiline) >= 0:
        return None
    return clean_text(value, multiline=multiline)


def normalise_phone(raw: str) -> str | None:
    """An Indonesian phone number as +62…, or None. Accepts 0811…, 62811…, +62 811-…, (0411) 123…"""
    digits = _PHONE_JUNK.sub("", raw)
    if digits.startswith("+62"):
        national = digits[3:]
    elif digits.startswith("62"):
        national = digits[2:]
    elif digits.startswith("0"):
        national = digits[1:]
    else:
        return None
    if not national.isdigit() or not 8 <= len(national) <= 12 or national[0] == "0":
        return None
    return "+62" + national


def _valid_nik(value: str) -> bool:
    return bool(_NIK.fullmatch(value)) and 11 <= int(value[:2]) <= 94


def valid_date(value: str) -> bool:
    m = _DATE.fullmatch(value)
    if m is None:
        return False
    try:
        day = date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return False
    return 1900 <= day.year <= 2100


def check_value(spec: _Spec, raw: str) -> tuple[str, str | None]:
    """(cleaned value, problem code or None) for one field; an empty value is fine here.

    NIKs lose their spaces and phone numbers are normalised before the length is checked,
    so a number typed with separators is not refused as too long."""
    value = _clean_text(raw)
    if value is None:
        return raw, "invalid_text"
    if not value:
        return value, None
    kind, problem = spec.kind, None
    if kind == "nik":
        value = value.replace(" ", "")
        problem = None if _valid_nik(value) else "invalid_nik"
    elif kind == "phone":
        phone = normalise_phone(value)
        value, problem = (phone, None) if phone is not None else (value, "invalid_phone")
    elif kind == "date":
        problem = None if valid_date(value) else "invalid_date"
    elif kind == "choice":
        problem = None if value in spec.choices else "invalid_choice"
    if problem is None and len(value) > spec.max_len:
        problem = "too_long"
    return value, problem


def check_submission(specs: Iterable[_Spec], values: Mapping[str, str], note: str = "") -> tuple[dict[str, str], str]:
    """(cleaned values of the fields that were filled in, cleaned note); `InvalidSubmission` lists every problem."""
    specs = list(specs)
    known = {s.name for s in specs}
    problems: dict[str, str] = {name: "unknown_field" for name in values if name not in known}
    cleaned: dict[str, str] = {}
    for spec in specs:
        value, problem = check_value(spec, values.get(spec.name, ""))
        if problem is None and not value and spec.required:
            problem = "required"
        if problem is not None:
            problems[spec.name] = problem
        elif value:
            cleaned[spec.name] = value
    clean_note = _clean_text(note, multiline=True)
    if clean_note is None:
        problems[NOTE_KEY] = "invalid_text"
    elif len(clean_note) > MAX_NOTE:
        problems[NOTE_KEY] = "too_long"
    if problems:
        raise InvalidSubmission(problems)
    return cleaned, clean_note or ""


def field_problem(spec: _Spec, raw: str) -> str | None:
    """The problem code for one value (`required` when a required field is blank), or None."""
    value, problem = check_value(spec, raw)
    if problem is None and not value and spec.required:
        return "required"
    return problem


def submission_problems(specs: Iterable[_Spec], values: Mapping[str, str], note: str = "") -> dict[str, str]:
    """Every problem of a submission keyed by field (`_note` for the note); empty when it would be accepted."""
    try:
        check_submission(specs, values, note)
    except InvalidSubmission as exc:
        return exc.problems
    return {}
