"""Keys pressed as a player would (`--press e --press tab --press enter`): each goes through
Panda3D's messenger (key down, then up), one a frame, so the handlers the keyboard reaches are
the ones that run. Typing into text fields is tested with real key presses (xdotool, in
`tests/client/test_client_keyboard.py`), not here.
"""

from __future__ import annotations

import time
from typing import Any

__all__ = ["KeyScript", "client_summary"]


_ZONE_WAIT_S = 5.0


class KeyScript:
    def __init__(self, app: Any, keys: list[str]) -> None:
        self.app = app
        self.keys = list(keys)
        self.done = not self.keys
        self.log: list[str] = []
        self.zone_wait_from: float | None = None

    def _ready(self) -> bool:
        session = self.app.session
        if self.app.social.login.shown:
            return bool(self.app.social.flow.connected)  # the keys are for the login screen
        if not (session.in_world and session.autopilot_done):
            return False
        if self.keys and self.keys[0] == "e" and not self.app.booths.model.zone_opd:
            # The walk ends where the client predicted; the server's word that you stand at the booth
            # follows a round trip later (longer on a busy machine). E before it turns instead of
            # opening the panel. Booths aside (the desk, the board), E goes after a short wait.
            now = time.monotonic()
            if self.zone_wait_from is None:
                self.zone_wait_from = now
            return now - self.zone_wait_from > _ZONE_WAIT_S
        return True

    def step(self) -> None:
        if self.done or not self._ready():
            return
        messenger = self.app.base.messenger
        if self.keys:
            key = self.keys.pop(0)
            messenger.send(key)
            messenger.send(f"{key}-up")
            self.log.append(key)
            return
        self.done = True


def client_summary(app: Any) -> dict[str, object]:
    """The language of what a player reads, and where the keyboard is."""
    owner = app.focus.owner
    keys = getattr(app.booths, "keys", None)
    nav = keys.nav if keys is not None else None
    panel_controls = []
    if nav is not None:
        for name, widget in nav.controls.items():
            try:
                text = widget["text"]
            except (KeyError, AttributeError):  # gone with a redraw
                continue
            panel_controls.append({"text": text if isinstance(text, str) else "", "focused": name == nav.current})
    return {
        "lang": app.lang,
        "scene_lang": app.scene.lang,
        "avatar_lang": app.avatars.lang,
        "help": app.hud.help.getText(),
        "focus": getattr(owner, "focus_name", None) or (type(owner).__name__ if owner is not None else None),
        "panel_controls": panel_controls,  # what Tab walks in the open panel, in order
        "layout": app.layout.rects(),  # the screen pieces shown, in window pixels
        "text_scale": app.theme.text_scale,
    }
