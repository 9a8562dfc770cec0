"""The keys of the client's actions, in one table: the panels bind them from here and show them
on their buttons ("Ambil nomor (F5)"), so what a button says is what the key does.

Function keys, because they do the same whether or not a text field holds the keyboard, and
collide with neither walking (WASD, arrows, Q/E) nor typing. Movement keys, the directory, the
map and the settings panel are the player's to rebind (`settings.py`), never onto these.
"""

from __future__ import annotations

__all__ = ["ACTION_KEYS", "key_of", "key_label", "with_key"]

ACTION_KEYS: dict[str, str] = {
    "my_requests": "f2",
    "staff_console": "f3",
    "chat_fold": "f4",
    "take_number": "f5",  # at a booth: take a number (or leave the queue)
    "submit": "f6",  # the request form: send it
    "call_next": "f7",  # staff at the counter: call the next number
    "finish": "f8",  # staff at the counter: the current citizen was served
    "language": "f9",
    # town-hall events (the letter keys H and Q and the digits 1-6 work in an event: `ui/event_ui.py`)
    "event_board": "f12",  # the event board, anywhere
}


def key_of(action: str) -> str:
    """Panda3D's name of the key for `action` ("f5")."""
    return ACTION_KEYS[action]


def key_label(action: str) -> str:
    """How the key is written on a button ("F5")."""
    return ACTION_KEYS[action].upper()


def with_key(text: str, action: str) -> str:
    """A button's words with its key after them: "Ambil nomor (F5)"."""
    return f"{text} ({key_label(action)})"
