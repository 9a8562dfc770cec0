"""The stage side of town-hall events in the client, wired together: the screen above the stage
(`scene/stage_screen.py`), raised hands and the floor over people (`scene/hand_markers.py`) and
the host console (`host_console.py`, F11 and its Ctrl keys), all reading one `EventModel`.

`StageLayer(app)` is all the app needs. It shares the app's event model (`app.event_ui.model`;
made and routed here when there is no event UI) and runs one task per frame: draws the
screen and the markers from the model, redraws the console, and sends the model's commands.
"""

from __future__ import annotations

from direct.showbase.DirectObject import DirectObject

from ..net.events import monotonic_ms
from ..scene.hand_markers import HandMarkers, marker_kinds
from ..scene.stage_screen import StageScreen
from ..state.events import EventModel
from ..state.keymap import key_of
from .host_console import HostConsole, HostKeys
from .panel_keys import PanelKeys

__all__ = ["StageLayer", "shared_event_model"]


def shared_event_model(app) -> EventModel:
    """The app's one event model (the router gives each message type one owner): the event UI's
    (`ui/event_ui.py`), else one made and routed here."""
    ui = getattr(app, "event_ui", None)
    if ui is not None:
        return ui.model
    model = getattr(app, "event_model", None)
    if model is None:
        model = EventModel(ids=getattr(app.session, "next_request_id", None))
        app.session.router.add(model.handle, owns=model.OWNS, watches=model.WATCHES)
        app.event_model = model
    return model


class StageLayer:
    def __init__(self, app) -> None:
        self.app = app
        self.base = base = app.base
        self.lang = app.lang
        self.model = shared_event_model(app)
        self.focus = getattr(app, "focus", None)
        self.screen = StageScreen(base.render, app.world, lang=self.lang)
        self.markers = HandMarkers(app.avatars)
        self.console = HostConsole(base, self.model, lang=self.lang, focus=self.focus)
        self.account_avatars: dict[int, int] = {}  # account -> avatar, as the hall's hands told
        self.events = DirectObject()
        self.events.accept(key_of("host_console"), self.console.toggle)
        self.keys = HostKeys(base, self.console.act)
        self.tab_keys = PanelKeys(base, self.focus, self.top_panel) if self.focus is not None else None
        self._focus_frame = -1
        if self.focus is not None:
            self.focus.subscribe(self._focus_changed)
        self.events.accept("escape", self._escape)
        base.add_task(self._task, "makaverse-stage", sort=6)

    def set_lang(self, lang: str) -> None:
        self.lang = lang
        self.screen.set_lang(lang)
        self.console.set_lang(lang)

    def top_panel(self):
        """The console's root while it is open and no booth panel is (Tab walks it)."""
        booths = getattr(self.app, "booths", None)
        if booths is not None and booths._top_panel() is not None:
            return None
        return self.console.root if self.console.visible else None

    def _focus_changed(self, owner) -> None:
        self._focus_frame = self.base.clock.get_frame_count()

    def _escape(self) -> None:
        # The same Esc that released a text field doesn't also close the console.
        if self.focus is not None and (self.focus.active or self._focus_frame == self.base.clock.get_frame_count()):
            return
        self.console.close()

    # ── per frame ────────────────────────────────────────────────────────────
    def marker_kinds(self) -> dict[int, tuple[str, int]]:
        h = self.model.hall
        if h is None:
            return {}
        for hand in h.hands:
            self.account_avatars[hand.account_id] = hand.avatar_id
        on_stage = {self.account_avatars.get(a, 0) for a in (h.floor, *h.speakers) if a}
        return marker_kinds([hand.avatar_id for hand in h.hands], on_stage - {0})

    def _task(self, task):
        now = monotonic_ms()
        m = self.model
        in_hall = m.joined is not None
        line = next((ln for ln in reversed(m.transcript) if ln.event_id == m.event_id), None) if in_hall else None
        entry = m.entry(m.event_id) if in_hall else None
        self.screen.show(slide=m.slide if in_hall else None, poll=m.poll if in_hall else None, line=line,
                         title=entry.title if entry is not None else "")
        self.markers.sync(self.marker_kinds())
        self.console.sync(now)
        for msg in m.drain():
            self.app.net.send(msg)
        return task.cont

    def destroy(self) -> None:
        self.base.task_mgr.remove("makaverse-stage")
        self.events.ignore_all()
        self.keys.destroy()
        if self.tab_keys is not None:
            self.tab_keys.destroy()
        for part in (self.console, self.markers, self.screen):
            try:
                part.destroy()
            except Exception:  # noqa: BLE001 - tearing down
                pass
