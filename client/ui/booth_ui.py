"""The booths in the client, wired together: the models (`state/booths/`), the booth panel, the
ticket HUD, "my requests", the staff console, the counter lights in the scene and the chime.

`BoothUi(app, args)` is all the app needs: it listens to the session's messages, binds its
keys (E at a booth or behind your counter, F2 my requests, F3 staff console, Esc closes),
runs one task per frame (redraws, sends the model's commands). Scripted booth actions for
tests and screenshots (`--open-booth`, `--take-number`, …) are `bench/scripted/booth_script.py`.
"""

from __future__ import annotations

from direct.showbase.DirectObject import DirectObject

from ..net.events import monotonic_ms
from ..scene.counter_lights import CounterLights
from ..state.booths import BoothModel
from ..state.keymap import key_of
from .booth_panel import BoothPanel
from .booth_sound import Chime
from .panel_keys import PanelKeys
from .requests_panel import RequestsPanel
from .staff_console import StaffConsole
from .theme import theme_for
from .ticket_hud import TicketHud

__all__ = ["BoothUi"]


class BoothUi:
    def __init__(self, app) -> None:
        self.app = app
        base = self.base = app.base
        self.session = app.session
        self.world = app.world
        self.lang = lang = app.lang
        self.focus = getattr(app, "focus", None)
        ids = getattr(self.session, "next_request_id", None)
        self.model = m = BoothModel(self.world, lang=lang, ids=ids)
        self.session.router.add(m.handle, owns=m.OWNS, watches=m.WATCHES)
        self.lights = CounterLights(base.render, self.world, lang=lang)
        self.panel = BoothPanel(base, m, self.world, lang=lang, focus=self.focus, on_my_requests=self.toggle_requests)
        self.requests = RequestsPanel(base, m, lang=lang)
        self.console = StaffConsole(base, m, lang=lang, focus=self.focus, at_post=self.at_post)
        self.hud = TicketHud(base, m, self.world, lang=lang, focus=self.focus, on_my_requests=self.toggle_requests,
                             on_console=self.toggle_console)
        self.chime = Chime(base)
        self._focus_frame = -1
        if self.focus is not None:
            self.focus.subscribe(self._focus_changed)
        # E talks to a booth (or mans your counter) where there is one, and turns elsewhere:
        # rebinding it on the app's listener replaces its turn binding (the key-up still ends a turn).
        app.events.accept("e", self.key_e)
        self.events = DirectObject()
        self.events.accept(key_of("my_requests"), self._hotkey, [self.toggle_requests])
        self.events.accept(key_of("staff_console"), self._hotkey, [self.toggle_console])
        # The frequent actions, shown on their buttons; function keys work while a field is typed in.
        self.events.accept(key_of("take_number"), self.key_take_number)
        self.events.accept(key_of("submit"), self.key_submit)
        self.events.accept(key_of("call_next"), self.key_call_next)
        self.events.accept(key_of("finish"), self.key_finish)
        self.events.accept("escape", self._escape)
        self.keys = PanelKeys(base, self.focus, self._top_panel) if self.focus is not None else None
        theme_for(base).subscribe(lambda: self.set_lang(self.lang))  # redraw with the new text size / colours
        base.add_task(self._task, "makaverse-booths", sort=5)

    def set_lang(self, lang: str) -> None:
        """Every booth panel, the ticket HUD, the staff console and the counter lights in `lang`."""
        self.lang = self.model.link.lang = lang
        for part in (self.panel, self.requests, self.console, self.hud, self.lights):
            part.set_lang(lang)

    # ── keys ─────────────────────────────────────────────────────────────────
    def _own(self) -> tuple[float, float] | None:
        pose = self.session.own_pose()
        return (pose.x, pose.y) if pose is not None else None

    def at_post(self) -> bool:
        """Staff standing at their own counter's post (behind the counter)."""
        own = self._own()
        return own is not None and self.model.staff.at_post(*own)

    def key_e(self) -> None:
        if self.focus is not None and self.focus.active:
            return  # typing an "e"
        own = self._own()
        done = self.model.interact(*own) if own is not None else self.model.interact()
        if not done:
            self.app.controls.set("turn_right", True)

    def _top_panel(self):
        """The open panel Tab walks through: the booth panel (and its form), the console, my requests."""
        social = getattr(self.app, "social", None)
        if social is not None and social.login.shown:
            return None
        for part in (self.panel, self.console, self.requests):
            if part.visible:
                return part.root
        return None

    def key_take_number(self) -> None:
        """F5: a number at the booth whose panel is open, or where you stand."""
        opd = self.model.panel.opd or self.model.zone_opd
        if opd and opd not in self.model.ticket.tickets:
            self.model.ticket.take_number(opd)

    def key_submit(self) -> None:
        """F6: send the request form (what is typed so far included)."""
        if self.panel.form_view is not None:
            self.panel.form_view.send()

    def key_call_next(self) -> None:
        """F7: call the next number, for a clerk manning the counter."""
        console = self.model.staff.console
        if self.model.is_staff and console is not None and console.manning:
            self.model.staff.call_next()

    def key_finish(self) -> None:
        """F8: the citizen at the counter was served."""
        console = self.model.staff.console
        if self.model.is_staff and console is not None and console.manning and console.current:
            self.model.staff.finish_ticket(True)

    def _hotkey(self, action) -> None:
        if self.focus is None or not self.focus.active:
            action()

    def _focus_changed(self, owner) -> None:
        self._focus_frame = self.base.clock.get_frame_count()

    def _escape(self) -> None:
        # The same Esc that released a text field doesn't also close its panel.
        if self.focus is not None and (self.focus.active or self._focus_frame == self.base.clock.get_frame_count()):
            return
        self.model.close_all()

    def toggle_requests(self) -> None:
        if self.model.my_requests.shown:
            self.model.my_requests.close()
        else:
            self.model.my_requests.open()

    def toggle_console(self) -> None:
        if self.model.staff.shown:
            self.model.staff.close()
        elif self.model.is_staff:
            self.model.staff.open()

    # ── per frame ────────────────────────────────────────────────────────────
    def _task(self, task):
        now = monotonic_ms()
        m = self.model
        own = self._own()
        if not m.zone_opd and self.session.mirror.zone_id is None and own is not None:
            # A resumed session may get no zone_changed: the shared world data says where we stand.
            zone = self.world.zone_of(*own)
            if zone is not None and zone.id.startswith("booth:"):
                m.zone_opd = zone.id.split(":", 1)[1]
        at_post = own is not None and m.staff.at_post(*own)
        self.lights.sync(m.panel.states, m.rev["state"])
        self.panel.sync(now)
        self.requests.sync(now)
        self.console.sync(now)
        self.hud.sync(now, own, m.zone_opd, at_post)
        for event in m.events:
            if event[0] == "called":
                self.chime.play()
        m.events.clear()
        for msg in m.drain():
            self.app.net.send(msg)
        return task.cont

    def destroy(self) -> None:
        self.base.task_mgr.remove("makaverse-booths")
        if self.keys is not None:
            self.keys.destroy()
        self.events.ignore_all()
        for part in (self.panel, self.requests, self.console, self.hud, self.lights):
            try:
                part.destroy()
            except Exception:  # noqa: BLE001 - tearing down
                pass
