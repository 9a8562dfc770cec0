"""Store values and engine set-up that need no database."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from makaverse.server.store import (
    Account,
    FieldSpec,
    InvalidValue,
    Localized,
    OpdDraft,
    ProgramDraft,
    SocialAccount,
    StoreError,
    make_engine,
    url_from_env,
)
from makaverse.server.store.types import UtcDateTime

NOW = datetime(2026, 3, 15, tzinfo=UTC)


def test_field_spec_round_trips_through_json():
    """A field spec stored as JSON reads back equal."""
    spec = FieldSpec(name="jenis", label_id="Jenis", label_en="Type", kind="choice", choices=("A", "B"), required=False)
    assert FieldSpec.from_json(spec.to_json()) == spec


@pytest.mark.parametrize(
    "kwargs",
    [
        {"name": "Bad Name"},
        {"kind": "email"},
        {"kind": "choice"},  # a choice without choices
        {"choices": ("A",)},  # choices on a text field
        {"max_len": 0},
        {"label_en": ""},
    ],
)
def test_invalid_field_specs_cannot_exist(kwargs):
    """A field spec with a bad name, kind, length, labels or choices raises InvalidValue."""
    base = {"name": "nama", "label_id": "Nama", "label_en": "Name"}
    with pytest.raises(InvalidValue):
        FieldSpec(**{**base, **kwargs})


def test_invalid_drafts_cannot_exist():
    """Drafts check codes, prefixes, statuses, dates and platforms when built."""
    with pytest.raises(InvalidValue):
        OpdDraft(code="dlh", name="x", short_name="x", description=Localized(id="x"), ticket_prefix="DLH")
    with pytest.raises(InvalidValue):
        OpdDraft(code="DLH", name="x", short_name="x", description=Localized(id="x"), ticket_prefix="DL")
    with pytest.raises(InvalidValue):
        ProgramDraft(title="x", summary=Localized(id="x"), status="paused")
    with pytest.raises(InvalidValue):
        ProgramDraft(title="x", summary=Localized(id="x"), start_date=date(2025, 1, 2), end_date=date(2025, 1, 1))
    with pytest.raises(InvalidValue):
        SocialAccount(platform="myspace", handle="@x")
    assert issubclass(InvalidValue, StoreError) and issubclass(InvalidValue, ValueError)


def test_localized_text_falls_back_to_indonesian():
    """English text is used when present; Indonesian otherwise."""
    assert Localized(id="Halo", en="Hello").get("en") == "Hello"
    assert Localized(id="Halo").get("en") == "Halo"
    assert Localized(id="Halo", en="Hello").get("id") == "Halo"


def test_bans_with_and_without_an_end():
    """An open-ended ban holds; a timed ban holds only until its end."""
    account = Account(
        id=1,
        username="u",
        display_name="U",
        role="citizen",
        opd_code=None,
        lang="id",
        created_at=NOW,
        last_seen_at=None,
        banned=True,
        banned_reason="r",
        banned_until=None,
    )
    assert account.is_banned(NOW + timedelta(days=999))
    timed = dataclasses.replace(account, banned_until=NOW)
    assert timed.is_banned(NOW - timedelta(seconds=1)) and not timed.is_banned(NOW)


def test_datetimes_must_be_aware():
    """The store refuses naive datetimes and hands back UTC ones."""
    column = UtcDateTime()
    with pytest.raises(ValueError):
        column.process_bind_param(datetime(2026, 1, 1), None)
    wita = datetime(2026, 1, 1, 8, tzinfo=timezone(timedelta(hours=8)))
    assert column.process_bind_param(wita, None) == datetime(2026, 1, 1, tzinfo=UTC)
    assert column.process_result_value(datetime(2026, 1, 1), None).tzinfo is UTC


def test_engine_urls(tmp_path, monkeypatch):
    """The URL comes from the argument, then MAKAVERSE_DB_URL, then the SQLite default; other databases are refused."""
    monkeypatch.delenv("MAKAVERSE_DB_URL", raising=False)
    assert url_from_env(None) == "sqlite:///var/makaverse.db"
    monkeypatch.setenv("MAKAVERSE_DB_URL", "sqlite:///elsewhere.db")
    assert url_from_env(None) == "sqlite:///elsewhere.db"
    assert url_from_env("sqlite:///given.db") == "sqlite:///given.db"
    assert make_engine("postgresql://u@localhost/db").dialect.driver == "psycopg"
    with pytest.raises(InvalidValue):
        make_engine("mysql://u@localhost/db")
