"""Settings: they round-trip through the file, bad values fall back one by one, keys rebind by
swapping, and the panel's keys change exactly what they say."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from makaverse.client.settings_file import ENV_VAR, load_settings, save_settings, settings_path
from makaverse.client.state.controls import KEY_FLAGS
from makaverse.client.state.settings import (
    ACTIONS,
    DEFAULT_KEYS,
    Settings,
    SettingsForm,
    key_flags,
    preset_profile,
)


def test_round_trip_on_disk(tmp_path: Path) -> None:
    """Every setting written is read back the same."""
    s = Settings(lang="en", preset="low", text_scale=1.2, high_contrast=True, volume=0.3, ambient=0.0,
                 fullscreen=True, show_fps=True, minimap=False).bind("directory", "home").bind("forward", "i")
    path = tmp_path / "deep" / "settings.json"
    save_settings(s, path)
    assert load_settings(path) == s
    assert json.loads(path.read_text())["keys"]["directory"] == "home"
    assert [p.name for p in path.parent.iterdir()] == ["settings.json"]  # no temporary left behind


def test_missing_or_broken_file_gives_defaults(tmp_path: Path) -> None:
    """No file, or a file that is not JSON, starts the client with the defaults."""
    assert load_settings(tmp_path / "none.json") == Settings()
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert load_settings(bad) == Settings()


def test_bad_values_fall_back_one_by_one() -> None:
    """An unknown preset or a volume of 7 resets only that value; unknown keys are ignored."""
    s = Settings.from_dict({"preset": "ultra", "volume": 7, "lang": "en", "text_scale": 1.4, "future": 1,
                            "show_fps": "yes", "keys": {"forward": "escape", "back": "k", "nonsense": "z"}})
    assert s.preset == "medium" and s.volume == Settings().volume and s.show_fps is False
    assert s.lang == "en" and s.text_scale == 1.4
    assert s.keys["forward"] == "w" and s.keys["back"] == "k"


def test_path_from_env_xdg_and_home(tmp_path: Path) -> None:
    """The env variable wins, then XDG_CONFIG_HOME, then ~/.config (APPDATA on Windows)."""
    assert settings_path({ENV_VAR: str(tmp_path / "s.json")}) == tmp_path / "s.json"
    assert settings_path({"XDG_CONFIG_HOME": "/x"}, windows=False) == Path("/x/makaverse/settings.json")
    assert settings_path({}, home=Path("/h"), windows=False) == Path("/h/.config/makaverse/settings.json")
    assert settings_path({"APPDATA": "C:/A"}, windows=True) == Path("C:/A/makaverse/settings.json")


def test_rebinding_swaps_and_refuses_reserved_keys() -> None:
    """Binding an action to another action's key swaps them; Esc, Enter and the emote keys stay taken."""
    s = Settings().bind("directory", "m")
    assert s.keys["directory"] == "m" and s.keys["minimap"] == "f1"
    for key in ("escape", "enter", "1", "f2", "f4", "f9", "arrow_up"):
        with pytest.raises(ValueError):
            s.bind("forward", key)
    assert sorted(s.keys) == sorted(ACTIONS)


def test_key_flags_follow_the_bindings() -> None:
    """Rebound movement keys drive the same flags; arrows keep walking; the old letter does nothing."""
    flags = key_flags(Settings().bind("forward", "i"), KEY_FLAGS)
    assert flags["i"] == "forward" and "w" not in flags and flags["arrow_up"] == "forward"
    assert flags["lshift"] == "run"
    assert key_flags(Settings(), KEY_FLAGS) == KEY_FLAGS


def test_form_rows_and_keys() -> None:
    """Right on the preset row steps medium→high→low; Enter on a key row captures the next key."""
    form = SettingsForm(Settings())
    form.selected = form.row_ids.index("preset")
    form.adjust(+1)
    assert form.settings.preset == "high"
    form.adjust(+1)
    assert form.settings.preset == "low"
    form.selected = form.row_ids.index("volume")
    for _ in range(12):
        form.adjust(+1)
    assert form.settings.volume == 1.0
    form.selected = form.row_ids.index("show_fps")
    form.activate()
    assert form.settings.show_fps is True
    form.selected = form.row_ids.index("key:minimap")
    form.activate()
    assert form.capturing == "minimap"
    assert form.press("n") and form.settings.keys["minimap"] == "n"
    form.activate()
    assert form.press("enter") and form.error_key == "settings.key_reserved" and form.settings.keys["minimap"] == "n"
    assert form.drain_changes() == ["preset", "preset"] + ["volume"] * 12 + ["show_fps", "keys"]
    form.move(-1)
    assert form.rows()[form.selected].id == "key:directory"


def test_presets() -> None:
    """Low asks for fewer snapshots and simpler far avatars; medium keeps the server's rate."""
    low, medium = preset_profile("low"), preset_profile("medium")
    assert low.snapshot_hz == 10 and low.flatten_all and low.avatar_detail_m < medium.avatar_detail_m
    assert medium.snapshot_hz == 0
    assert DEFAULT_KEYS["directory"] == "f1"
