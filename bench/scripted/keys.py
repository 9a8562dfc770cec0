"""Keys pressed as a player would (`--press f9 --press tab --type andi`): each goes through
Panda3D's messenger (key down, then up) and the text through the same keystroke events a
text field gets, so what the test sees is what the keyboard does.
"""

from __future__ import annotations

from typing import Any

__all__ = ["KeyScript", "client_summary", "typed_events"]


def typed_events(text: str) -> list[tuple[str, list[Any]]]:
    """The messenger events a keyboard sends for `text`: a `keystroke` per character."""
    return [("keystroke", [ch]) for ch in text]


class KeyScript:
    def __init__(self, app: Any, keys: list[str], text: str | None = None) -> None:
        self.app = app
        self.keys = list(keys)
        self.text = text or ""
        self.done = not self.keys and not self.text
        self.log: list[str] = []

    def _ready(self) -> bool:
        session = self.app.session
        if self.app.social.login.shown:
            return bool(self.app.social.flow.connected)  # the keys are for the login screen
        return bool(session.in_world and session.autopilot_done)

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
        if self.text:
            for event, args in typed_events(self.text):
                self._keystroke(event, args)
            self.log.append(f"typed:{self.text}")
            self.text = ""
        self.done = True

    def _keystroke(self, event: str, args: list[Any]) -> None:
        """A keystroke reaches the DirectGUI entry that has the focus, as typing would."""
        focused = self._focused_entry()
        if focused is not None:
            focused.enterText(focused.get() + args[0])

    def _focused_entry(self) -> Any:
        from direct.gui.DirectEntry import DirectEntry

        owner = self.app.focus.owner
        return owner if isinstance(owner, DirectEntry) else None


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
    }
