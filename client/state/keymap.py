"""The keys of the client's actions, in one table: the panels bind them from here and show them
on their buttons ("Ambil nomor (F5)"), so what a button says is what the key does.

Function keys, because they do the same whether or not a text field holds the keyboard, and
collide with neither walking (WASD, arrows, Q/E) nor typing. Movement keys, the directory, the
map and the settings panel are the player's to rebind (`settings.py`), never onto these.
"""

from __future__ import annotations

__all__ = ["ACTION_KEYS", "HOST_KEYS", "key_of", "key_label", "with_key"]

ACTION_KEYS: dict[str, str] = {
    "my_requests": "f2",
    "staff_console": "f3",
    "chat_fold": "f4",
    "take_number": "f5",  # at a booth: take a number (or leave the queue)
    "submit": "f6",  # the request form: send it
    "call_next": "f7",  # staff at the counter: call the next number
    "finish": "f8",  # staff at the counter: the current citizen was served
    "language": "f9",
    "host_console": "f11",  # the host console of a town-hall event (ui/host_console.py)
    # town-hall events (the letter keys H and Q and the digits 1-6 work in an event: `ui/event_ui.py`)
    "event_board": "f12",  # the event board, anywhere
}

# ── the host console's actions: Ctrl with a key that nothing else takes ──────
# Panda3D names the combination "control-<key>" (a button thrower of the console's own throws
# only these); the key alone still reaches everyone else, so none of them is a movement key
# (W A S D Q E), the minimap's M, a town-hall key (H, Q, 1-6), or Enter/Tab/Space.
HOST_KEYS: dict[str, str] = {
    "event_open": "control-o",
    "event_close": "control-c",
    "event_lock": "control-l",
    "event_end": "control-x",
    "person_next": "control-j",
    "person_prev": "control-k",
    "speaker_on": "control-i",
    "speaker_off": "control-u",
    "floor_give": "control-f",
    "floor_back": "control-t",
    "mod_mute": "control-v",
    "mod_unmute": "control-b",
    "mod_remove": "control-r",
    "question_next": "control-g",
    "question_answered": "control-y",
    "question_hide": "control-z",
    "poll_open": "control-p",
    "poll_close": "control-n",
    "poll_live": "control-/",
    "deck_load": "control-;",
    "slide_prev": "control-,",
    "slide_next": "control-.",
    "schedule": "control-=",
}


def key_of(action: str) -> str:
    """Panda3D's name of the key for `action` ("f5", "control-o")."""
    return ACTION_KEYS[action] if action in ACTION_KEYS else HOST_KEYS[action]


def key_label(action: str) -> str:
    """How the key is written on a button ("F5", "Ctrl+O")."""
    key = key_of(action)
    if key.startswith("control-"):
        return "Ctrl+" + key.removeprefix("control-").upper()
    return key.upper()


def with_key(text: str, action: str) -> str:
    """A button's words with its key after them: "Ambil nomor (F5)"."""
    return f"{text} ({key_label(action)})"
