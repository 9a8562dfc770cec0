"""The player's settings as a value, with no Panda3D and no files: what they are, what is legal,
how they go to and from a plain dict (the settings file is JSON of that dict), and the settings
panel's state (`SettingsForm`: which row is selected, what a key press changes).

Reading and writing the file is `settings_file.py`; applying them (window, sound, scene) is the
app's business. Unknown keys in a saved file are ignored and a bad value falls back to its
default, so a file written by another version never stops the client from starting.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from .keymap import ACTION_KEYS
from .look_choice import LookSpecError, parse_look

__all__ = [
    "PRESETS",
    "TEXT_SCALES",
    "VOLUME_STEPS",
    "ACTIONS",
    "MOVE_ACTIONS",
    "DEFAULT_KEYS",
    "RESERVED_KEYS",
    "Settings",
    "PresetProfile",
    "preset_profile",
    "key_flags",
    "SettingsForm",
    "SettingRow",
]

PRESETS = ("low", "medium", "high")
TEXT_SCALES = (0.85, 1.0, 1.2, 1.4)
VOLUME_STEPS = tuple(round(i / 10, 1) for i in range(11))
MOVE_ACTIONS = ("forward", "back", "left", "right", "turn_left", "turn_right", "run")
ACTIONS = MOVE_ACTIONS + ("directory", "minimap", "settings")
DEFAULT_KEYS: dict[str, str] = {
    "forward": "w",
    "back": "s",
    "left": "a",
    "right": "d",
    "turn_left": "q",
    "turn_right": "e",
    "run": "shift",
    "directory": "f1",
    "minimap": "m",
    "settings": "f10",
}
# Keys other parts of the client own (chat, emotes, the panels' function keys in `keymap`, closing);
# nobody may rebind onto them.
RESERVED_KEYS = frozenset({"escape", "enter", "tab", "backspace", "space", "1", "2", "3", "4", "page_up",
                           "page_down", "arrow_up", "arrow_down", "arrow_left", "arrow_right", "mouse1", "mouse2",
                           "mouse3", "wheel_up", "wheel_down", *ACTION_KEYS.values()})
_SHIFTS = ("lshift", "rshift")


@dataclass(frozen=True)
class Settings:
    lang: str = "id"
    preset: str = "medium"
    text_scale: float = 1.0
    high_contrast: bool = False
    keys: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_KEYS))
    volume: float = 0.8  # everything the client plays
    ambient: float = 0.5  # the hall's murmur, a share of `volume`
    fullscreen: bool = False
    show_fps: bool = False
    minimap: bool = True
    look: str = ""  # the avatar's look as `--look` text (look_choice.py); empty: the server's pick

    def __post_init__(self) -> None:
        problems = self.problems()
        if problems:
            raise ValueError("; ".join(problems))

    def problems(self) -> list[str]:
        out = []
        if self.lang not in ("id", "en"):
            out.append(f"lang: {self.lang!r}")
        if self.preset not in PRESETS:
            out.append(f"preset: {self.preset!r}")
        if self.text_scale not in TEXT_SCALES:
            out.append(f"text_scale: {self.text_scale!r}")
        for name in ("volume", "ambient"):
            v = getattr(self, name)
            if not isinstance(v, (int, float)) or isinstance(v, bool) or not 0.0 <= v <= 1.0:
                out.append(f"{name}: {v!r}")
        for name in ("high_contrast", "fullscreen", "show_fps", "minimap"):
            if not isinstance(getattr(self, name), bool):
                out.append(f"{name}: not a bool")
        if not isinstance(self.look, str):
            out.append("look: not text")
        elif self.look:
            try:
                parse_look(self.look)
            except LookSpecError as exc:
                out.append(f"look: {exc}")
        keys = dict(self.keys)
        if set(keys) != set(ACTIONS):
            out.append("keys: every action needs exactly one key")
        elif len(set(keys.values())) != len(keys):
            out.append("keys: two actions share a key")
        elif any(not isinstance(k, str) or not k or k in RESERVED_KEYS for k in keys.values()):
            out.append("keys: a reserved or empty key")
        return out

    # ── the file's dict ──────────────────────────────────────────────────────
    def to_dict(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["keys"] = dict(self.keys)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Settings:
        """Settings from a saved dict: each bad or missing value takes its default on its own."""
        s = cls()
        if not isinstance(data, Mapping):
            return s
        for f in fields(cls):
            if f.name not in data or f.name == "keys":
                continue
            value = data[f.name]
            if f.name in ("text_scale", "volume", "ambient") and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            try:
                s = replace(s, **{f.name: value})
            except (ValueError, TypeError):
                pass
        saved = data.get("keys")
        if isinstance(saved, Mapping):
            for action in ACTIONS:
                key = saved.get(action)
                if isinstance(key, str):
                    try:
                        s = s.bind(action, key)
                    except ValueError:
                        pass
        return s

    # ── changes ──────────────────────────────────────────────────────────────
    def bind(self, action: str, key: str) -> Settings:
        """Give `action` the key `key`; an action that had that key takes this one's old key (a swap)."""
        key = key.lower()
        if action not in ACTIONS:
            raise ValueError(f"unknown action {action!r}")
        if key in RESERVED_KEYS or key in _SHIFTS or not key:
            raise ValueError(f"key {key!r} is reserved")
        keys = dict(self.keys)
        old = keys[action]
        for other, k in keys.items():
            if k == key and other != action:
                keys[other] = old
        keys[action] = key
        return replace(self, keys=keys)


@dataclass(frozen=True, slots=True)
class PresetProfile:
    """What a graphics preset means for the scene and the network."""

    flatten_all: bool  # flatten signs and labels into the static scene too (fewest draw calls)
    avatar_detail_m: float  # beyond this distance an avatar is drawn as its simple stand-in
    cheap_avatars: bool  # no soft shadows under avatars, opaque name tags
    snapshot_hz: int  # asked of the server in hello (0: the server's rate)
    multisample: bool  # smooth edges where the renderer can
    sun_shadows: bool = False  # real lights and a shadow-casting sun where shaders exist (OpenGL)


def preset_profile(preset: str) -> PresetProfile:
    if preset == "low":
        return PresetProfile(flatten_all=True, avatar_detail_m=12.0, cheap_avatars=True, snapshot_hz=10,
                             multisample=False)
    if preset == "high":
        return PresetProfile(flatten_all=False, avatar_detail_m=math.inf, cheap_avatars=False, snapshot_hz=0,
                             multisample=True, sun_shadows=True)
    return PresetProfile(flatten_all=False, avatar_detail_m=30.0, cheap_avatars=False, snapshot_hz=0,
                         multisample=False)


def key_flags(settings: Settings, defaults: Mapping[str, str]) -> dict[str, str]:
    """Panda3D button name -> movement flag, with the player's keys in place of the default letters.

    `defaults` is the client's built-in table (arrows walk too, both shift keys run): the
    arrows stay; the letters and shift are replaced by whatever the player bound."""
    out = {k: f for k, f in defaults.items() if k.startswith("arrow_")}
    for action in MOVE_ACTIONS:
        key = settings.keys[action]
        out[key] = action
        if key == "shift":
            out.update(dict.fromkeys(_SHIFTS, action))
    return out


# ── the settings panel's state ───────────────────────────────────────────────
@dataclass(frozen=True, slots=True)
class SettingRow:
    """One row of the panel: a translation key for its label, and its value as shown."""

    id: str
    label_key: str
    value: str
    value_key: str = ""  # when set, `value` is a translation key too


_ROWS = ("lang", "look", "preset", "text_scale", "high_contrast", "volume", "ambient", "fullscreen", "show_fps",
         "minimap") + tuple(f"key:{a}" for a in ACTIONS)


@dataclass
class SettingsForm:
    """The panel: Up/Down pick a row, Left/Right change its value, Enter on a key row waits for the
    next key press (`capture`). Every change makes a new `Settings`; `changed` says which field."""

    settings: Settings
    selected: int = 0
    capturing: str = ""  # the action waiting for a key, or ""
    changed: list[str] = field(default_factory=list)
    error_key: str = ""
    open_look: bool = False  # Enter on the "look" row: the caller opens the look chooser (and clears this)

    @property
    def row_ids(self) -> tuple[str, ...]:
        return _ROWS

    def rows(self) -> list[SettingRow]:
        s = self.settings
        out = []
        for rid in _ROWS:
            if rid.startswith("key:"):
                action = rid[4:]
                shown = "…" if self.capturing == action else s.keys[action].upper()
                out.append(SettingRow(rid, f"settings.key.{action}", shown))
            elif rid == "lang":
                out.append(SettingRow(rid, "settings.lang", f"settings.lang.{s.lang}", f"settings.lang.{s.lang}"))
            elif rid == "preset":
                out.append(SettingRow(rid, "settings.preset", "", f"settings.preset.{s.preset}"))
            elif rid == "look":  # ── the look chooser's row ──
                out.append(SettingRow(rid, "settings.look", "", "settings.look.change"))
            elif rid == "text_scale":
                out.append(SettingRow(rid, "settings.text_scale", f"{int(round(s.text_scale * 100))} %"))
            elif rid in ("volume", "ambient"):
                out.append(SettingRow(rid, f"settings.{rid}", f"{int(round(getattr(s, rid) * 100))} %"))
            else:
                on = getattr(s, rid)
                out.append(SettingRow(rid, f"settings.{rid}", "", "settings.on" if on else "settings.off"))
        return out

    def move(self, delta: int) -> None:
        self.selected = (self.selected + delta) % len(_ROWS)
        self.error_key = ""

    def _set(self, name: str, value: Any) -> None:
        self.settings = replace(self.settings, **{name: value})
        self.changed.append(name)

    def adjust(self, delta: int) -> None:
        """Left (-1) / Right (+1) on the selected row: the previous or next value, wrapping."""
        rid = _ROWS[self.selected]
        s = self.settings
        self.error_key = ""

        def step(options: tuple, current: object) -> object:
            i = options.index(current) if current in options else 0
            return options[(i + delta) % len(options)]

        if rid == "lang":
            self._set("lang", step(("id", "en"), s.lang))
        elif rid == "preset":
            self._set("preset", step(PRESETS, s.preset))
        elif rid == "text_scale":
            self._set("text_scale", step(TEXT_SCALES, s.text_scale))
        elif rid in ("volume", "ambient"):
            current = min(VOLUME_STEPS, key=lambda v: abs(v - getattr(s, rid)))
            i = max(0, min(len(VOLUME_STEPS) - 1, VOLUME_STEPS.index(current) + delta))  # no wrap: 0 % stays 0 %
            self._set(rid, VOLUME_STEPS[i])
        elif rid.startswith("key:"):
            self.activate()
        elif rid == "look":
            return  # a chooser of its own: Enter opens it
        else:
            self._set(rid, not getattr(s, rid))

    def activate(self) -> None:
        """Enter: a key row starts waiting for a key; any other row steps to its next value."""
        rid = _ROWS[self.selected]
        if rid.startswith("key:"):
            self.capturing = "" if self.capturing else rid[4:]
            self.error_key = ""
        elif rid == "look":
            self.open_look = True
        else:
            self.adjust(+1)

    def press(self, key: str) -> bool:
        """A key pressed while capturing binds it (Esc cancels). True if the key was taken."""
        if not self.capturing:
            return False
        action, self.capturing = self.capturing, ""
        if key == "escape":
            return True
        try:
            self.settings = self.settings.bind(action, key)
        except ValueError:
            self.error_key = "settings.key_reserved"
            return True
        self.changed.append("keys")
        return True

    def reset_keys(self) -> None:
        self.settings = replace(self.settings, keys=dict(DEFAULT_KEYS))
        self.changed.append("keys")

    def drain_changes(self) -> list[str]:
        out, self.changed = self.changed, []
        return out
