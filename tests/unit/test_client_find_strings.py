"""Every string the directory, guide, minimap, zone announcer and settings panel show is in the
translation table in both languages, including the keys they build at run time."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from makaverse.client import i18n
from makaverse.client.state.settings import PRESETS, Settings, SettingsForm

CLIENT = Path(__file__).resolve().parents[2] / "client"
SOURCES = ["state/directory.py", "state/guide.py", "state/settings.py", "ui/find_layer.py", "ui/directory_panel.py",
           "ui/minimap.py", "ui/settings_panel.py"]


def literal_keys() -> set[str]:
    keys: set[str] = set()
    for name in SOURCES:
        text = (CLIENT / name).read_text(encoding="utf-8")
        keys |= set(re.findall(r"""i18n\.t\(\s*["']([a-z_]+\.[a-z_.]+)["']""", text))
    return keys


def runtime_keys() -> set[str]:
    keys = {f"guide.{s}" for s in ("walking", "arrived", "stopped", "no_path", "not_in_world")}
    keys |= {f"settings.preset.{p}" for p in PRESETS} | {"settings.on", "settings.off", "settings.key_reserved"}
    for lang in ("id", "en"):
        form = SettingsForm(Settings(lang=lang))
        for row in form.rows():
            keys.add(row.label_key)
            if row.value_key:
                keys.add(row.value_key)
    return keys


@pytest.mark.parametrize("key", sorted(literal_keys() | runtime_keys()))
def test_key_in_both_languages(key: str) -> None:
    """The key exists, and its Indonesian and English texts are both non-empty."""
    assert i18n.has(key), key
    entry = i18n.STRINGS[key]
    assert entry["id"].strip() and entry["en"].strip()


def test_sources_were_scanned() -> None:
    """The scan found the panels' keys (so the test above cannot pass by finding nothing)."""
    keys = literal_keys()
    assert {"dir.title", "dir.take_me", "settings.title", "map.title", "zone.entered"} <= keys


def test_labels_avoid_glyphs_the_default_font_lacks() -> None:
    """No middle dots or arrows in these strings: Panda3D's built-in font draws them as empty boxes."""
    for key in literal_keys() | runtime_keys():
        for lang in ("id", "en"):
            assert not set(i18n.STRINGS[key][lang]) & set("·↑↓←→●■◆"), (key, lang)
