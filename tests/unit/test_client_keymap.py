"""The action keys: one key each, none taken by walking or by a key the player may rebind, and
buttons say which key does what they do."""

from __future__ import annotations

from makaverse.client.state.controls import KEY_FLAGS
from makaverse.client.state.keymap import ACTION_KEYS, key_label, with_key
from makaverse.client.state.settings import DEFAULT_KEYS, RESERVED_KEYS


def test_every_action_has_its_own_key_apart_from_walking_and_rebindable_keys():
    """No two actions share a key, none is a movement key, and the player can't rebind onto one."""
    keys = list(ACTION_KEYS.values())
    assert len(set(keys)) == len(keys)
    assert not set(keys) & set(KEY_FLAGS)
    assert not set(keys) & set(DEFAULT_KEYS.values())
    assert set(keys) <= RESERVED_KEYS


def test_a_button_shows_its_key():
    """"Ambil nomor" with F5 reads "Ambil nomor (F5)"."""
    assert key_label("take_number") == "F5"
    assert with_key("Ambil nomor", "take_number") == "Ambil nomor (F5)"
    assert with_key("Call next", "call_next") == "Call next (F7)"
