"""The client's translation table: complete in both languages, and every protocol code covered."""

from __future__ import annotations

import string

import pytest

from makaverse.client import i18n
from makaverse.protocol import CloseCode, ErrorCode


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_entry_has_indonesian_and_english():
    """Each key carries non-empty text in `id` and `en`, and nothing else."""
    for key, entry in i18n.STRINGS.items():
        assert set(entry) == {"id", "en"}, key
        assert entry["id"].strip() and entry["en"].strip(), key


def test_both_languages_take_the_same_placeholders():
    """A translation never asks for a value the other language doesn't (or drops one)."""
    for key, entry in i18n.STRINGS.items():
        assert _fields(entry["id"]) == _fields(entry["en"]), key


@pytest.mark.parametrize("code", list(ErrorCode))
def test_every_error_code_is_translated(code):
    """An `error` message with any stable code can be shown in both languages."""
    key = f"error.{code.value}"
    assert i18n.has(key), key
    assert i18n.t(key, "id") != i18n.t(key, "en")


@pytest.mark.parametrize("code", list(CloseCode))
def test_every_close_code_is_translated(code):
    """Every close code the server uses has a sentence for the player."""
    assert i18n.has(f"close.{int(code)}")


def test_connection_states_are_translated():
    """Connecting, connected and disconnected (with the retry countdown) exist in both languages."""
    assert i18n.t("conn.connecting", "id") == "Menghubungkan…"
    assert i18n.t("conn.connected", "id") == "Terhubung"
    assert i18n.t("conn.disconnected", "id", seconds=4) == "Terputus — mencoba lagi dalam 4 detik"
    assert i18n.t("conn.disconnected", "en", seconds=4) == "Disconnected — retrying in 4 s"


def test_indonesian_is_the_default_and_the_fallback():
    """No language, or an unknown one, gives Indonesian."""
    assert i18n.t("conn.connected") == "Terhubung"
    assert i18n.t("conn.connected", "jv") == "Terhubung"


def test_unknown_key_shows_itself_instead_of_failing():
    """A missing key appears on screen as the key, so a frame never crashes on text."""
    assert i18n.t("no.such.key", "en") == "no.such.key"


def test_missing_format_value_keeps_the_template():
    """A forgotten format argument doesn't raise."""
    assert "{ms}" in i18n.t("hud.ping", "en")
