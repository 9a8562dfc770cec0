"""Finding your way, settings and sound, wired into the app: the directory (F1 anywhere, or E at
the Informasi desk), "Antar saya ke sana", the minimap (M), zone announcements, the settings
panel (F10), the FPS readout and the sounds. Keys come from the player's settings.

`FindLayer(app)` is all the app needs. It runs one task per frame and, in a screenshot run,
reports what it shows in the JSON summary (scripted runs drive it from `bench/scripted/`).
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

from direct.gui.OnscreenText import OnscreenText
from direct.showbase.DirectObject import DirectObject
from panda3d.core import TextNode

from makaverse.protocol.errors import InvalidField
from makaverse.protocol.look import Look, look_from_style

from .. import i18n
from ..net.events import monotonic_ms
from ..settings_file import save_settings
from ..state.directory import DirectoryModel, Row, load_directory, near_information_desk
from ..state.guide import Guide, ZoneAnnouncer
from ..state.look_choice import LookForm, format_look, parse_look
from ..state.settings import Settings, SettingsForm, preset_profile
from .booth_widgets import label, screen_rect
from .directory_panel import DirectoryPanel
from .look_panel import LookPanel
from .minimap import Minimap
from .settings_panel import SettingsPanel
from .sound import Sounds
from .theme import theme_for

__all__ = ["FindLayer"]

FPS_EVERY_S = 0.5


def _local_clock(ms: int) -> str:
    return time.strftime("%H:%M", time.localtime(ms / 1000))


class FindLayer:
    def __init__(self, app) -> None:
        self.app = app
        self.base = base = app.base
        self.session = app.session
        self.world = app.world
        self.lang = app.lang
        self.focus = getattr(app, "focus", None)
        self.settings: Settings = getattr(app, "settings", None) or Settings()
        self.settings_path: Path | None = getattr(app, "settings_path", None)
        self.booths = getattr(app, "booths", None)
        self.directory = load_directory()
        self.model = DirectoryModel(self.directory, self.world, lang=self.lang, is_open_fn=self._is_open)
        self.guide = Guide(self.world)
        self.zones = ZoneAnnouncer(self.world, self.directory)
        s = self.settings
        self.theme = theme = theme_for(base)
        theme.subscribe(self._restyle)
        self.panel = DirectoryPanel(base, self.model, focus=self.focus, on_take_me=self.take_me_there,
                                    clock=_local_clock)
        self.minimap = Minimap(base, self.world, lang=self.lang)
        self.minimap.show(s.minimap)
        self.form = SettingsForm(s)
        self.settings_panel = SettingsPanel(base, self.form, lang=self.lang, on_step=self._step_row)
        # ── the look chooser (F10 → Avatar look; offered once at the first entry) ──
        self.look_form = LookForm(parse_look(s.look) if s.look else Look())
        self.look_panel = LookPanel(base, self.look_form, lang=self.lang, on_step=self._step_look)
        self._look_before: Look | None = None
        # Offered to a player who never chose one, in the shipped client only (not in scripted pictures),
        # and not when a look came with --look.
        social = getattr(app, "social", None)
        self._offer_look = (not s.look and getattr(app, "shot", None) is None
                            and not getattr(getattr(social, "flow", None), "style", b""))
        # ──────────────────────────────────────────────────────────────────────
        self.sounds = Sounds(base, volume=s.volume, ambient=s.ambient)
        if self.booths is not None and getattr(self.booths, "chime", None) is not None and self.sounds.chime:
            self.booths.chime.sound = self.sounds.chime  # the generated chime, at the player's volume
        self.line = OnscreenText(text="", parent=theme.root("top_center", name="line"), pos=(0, -0.2), scale=0.045,
                                 fg=(1, 1, 1, 1), bg=(0.05, 0.10, 0.20, 0.85), align=TextNode.A_center,
                                 mayChange=True)
        self.prompt = label(theme.root("bottom_center", name="desk-prompt"), "", (0.42, 0.2), scale=0.046,
                            fg=(1, 1, 1, 1), align=TextNode.A_center, bg=(0.05, 0.06, 0.10, 0.85))
        self.hint = label(theme.root("bottom_right", name="hint"), "", (-0.03, 0.02 + self.minimap_height() + 0.03),
                          scale=0.03, fg=(0.9, 0.9, 0.92, 1), align=TextNode.A_right, bg=(0.03, 0.04, 0.07, 0.6))
        self.fps = OnscreenText(text="", parent=theme.root("top_center", name="fps"), pos=(0, -0.06), scale=0.04,
                                fg=(0.6, 1, 0.6, 1), bg=(0, 0, 0, 0.6), align=TextNode.A_center, mayChange=True)
        self._fps_at = 0.0
        self._last: dict[str, str] = {}
        self._toasts_seen = 0
        self._capture_frame = -1
        self._cancel_frame = -1  # the frame an Esc cancelled a key capture (that Esc must not close the panel)
        self.events = DirectObject()
        self._bind_keys()
        app.events.accept("e", self.key_e)  # E at the Informasi desk opens the directory; elsewhere as before
        if base.buttonThrowers:
            base.buttonThrowers[0].node().set_button_down_event("makaverse-any-button")
        self.events.accept("makaverse-any-button", self._any_button)
        self.keep_open = False  # keep the directory open while walking (pictures of the walk under way)
        shot = getattr(app, "shot", None)
        if shot is not None:
            shot.summary_parts["find"] = self.summary
        base.add_task(self._task, "makaverse-find", sort=6)

    def minimap_height(self) -> float:
        size = self.minimap.root["frameSize"]
        return size[3] - size[2]

    def _is_open(self, opd: str) -> bool | None:
        if self.booths is None:
            return None
        state = self.booths.model.panel.states.get(opd)
        return None if state is None else bool(state.open)

    # ── keys ─────────────────────────────────────────────────────────────────
    def _bind_keys(self) -> None:
        for event in getattr(self, "_bound", ()):
            self.events.ignore(event)
        keys = self.settings.keys
        self._bound: list[str] = [keys["directory"], keys["minimap"], keys["settings"],
                       "arrow_up", "arrow_down", "arrow_left", "arrow_right", "enter", "escape"]
        self.events.accept(keys["directory"], self._hotkey, [self.toggle_directory, keys["directory"]])
        self.events.accept(keys["minimap"], self._hotkey, [self.toggle_minimap, keys["minimap"]])
        self.events.accept(keys["settings"], self._hotkey, [self.toggle_settings, keys["settings"]])
        self.events.accept("arrow_up", self._arrow, [-1, 0])
        self.events.accept("arrow_down", self._arrow, [+1, 0])
        self.events.accept("arrow_left", self._arrow, [0, -1])
        self.events.accept("arrow_right", self._arrow, [0, +1])
        self.events.accept("enter", self._enter)
        self.events.accept("escape", self._escape)

    def _hotkey(self, action, key: str) -> None:
        if self.form.capturing or self.look_panel.visible:
            return  # the key is being bound, or the look chooser holds the keys
        typing = self.focus is not None and self.focus.active and not self.focus.holds(self.settings_panel)
        if typing and len(key) == 1:
            return  # a letter typed into a text field
        if self.settings_panel.visible and action is not self.toggle_settings:
            return
        action()

    def _own(self) -> tuple[float, float] | None:
        pose = self.session.own_pose()
        return (pose.x, pose.y) if pose is not None else None

    def key_e(self) -> None:
        if self.focus is not None and self.focus.active:
            return
        own = self._own()
        in_booth = self.booths is not None and bool(self.booths.model.zone_opd)
        if own is not None and not in_booth and near_information_desk(self.world, *own):
            self.toggle_directory()
            return
        done = ""
        if self.booths is not None:
            done = self.booths.model.interact(*own) if own is not None else self.booths.model.interact()
        if not done and self.settings.keys["turn_right"] == "e":
            self.app.controls.set("turn_right", True)

    def _arrow(self, rows: int, step: int) -> None:
        if self.look_panel.visible:
            self.look_form.move(rows) if rows else self.look_form.adjust(step)
        elif self.settings_panel.visible and not self.form.capturing:
            if rows:
                self.form.move(rows)
            else:
                self.form.adjust(step)
                self._apply_changes()
        elif self.model.open and rows:
            self.model.move(rows)

    def _enter(self) -> None:
        if self.look_panel.visible:
            self.close_look(save=True)
        elif self.settings_panel.visible and not self.form.capturing:
            self.form.activate()
            self._capture_frame = self.base.clock.get_frame_count()
            self._apply_changes()
            if self.form.open_look:
                self.form.open_look = False
                self.open_look()

    def _escape(self) -> None:
        if self.model.open:
            self.model.hide()

    def _any_button(self, name: str) -> None:
        if not self.form.capturing or self.base.clock.get_frame_count() == self._capture_frame:
            return
        if name in ("lshift", "rshift", "lcontrol", "rcontrol", "control", "lalt", "ralt", "alt") or \
                name.startswith("mouse") or name.startswith("wheel"):
            if name not in ("lshift", "rshift"):
                return
            name = "shift"
        if name == "escape":
            self._cancel_frame = self.base.clock.get_frame_count()
        self.form.press(name)
        self._apply_changes()

    def _step_row(self, index: int, delta: int) -> None:
        self.form.selected = index
        self.form.adjust(delta)
        self._apply_changes()

    # ── actions ──────────────────────────────────────────────────────────────
    def toggle_directory(self) -> None:
        if self.model.open:
            self.model.hide()
        else:
            self.toggle_settings(False)
            self.model.show()

    def toggle_minimap(self) -> None:
        self.form.settings = replace(self.form.settings, minimap=not self.form.settings.minimap)
        self.form.changed.append("minimap")
        self._apply_changes()

    def toggle_settings(self, on: bool | None = None) -> None:
        on = not self.settings_panel.visible if on is None else on
        if on == self.settings_panel.visible:
            return
        if on:
            self.model.hide()
            self.settings_panel.note = ""
            self.settings_panel.show(True)
            if self.focus is not None:
                # Holding the keys stops the arrows walking while they move through the rows.
                self.focus.take(self.settings_panel, on_release=self._settings_released)
        else:
            self.form.capturing = ""
            self.settings_panel.show(False)
            if self.focus is not None:
                self.focus.release(self.settings_panel)

    def _settings_released(self) -> None:
        cancelled_now = self._cancel_frame == self.base.clock.get_frame_count()
        if self.form.capturing or cancelled_now:  # Esc while waiting for a key cancels the capture, not the panel
            self.form.press("escape")
            self.base.task_mgr.do_method_later(0, lambda task: self._retake(), "makaverse-settings-retake")
            return
        self.settings_panel.show(False)

    def _retake(self) -> None:
        if self.settings_panel.visible and self.focus is not None:
            self.focus.take(self.settings_panel, on_release=self._settings_released)

    # ── the look chooser ─────────────────────────────────────────────────────
    def _current_look(self) -> Look:
        """What you look like now: your avatar as the server sent it, else your saved look."""
        me = self.session.mirror.me
        if me is not None and me.facts is not None and me.facts.style:
            try:
                return look_from_style(me.facts.style, look=me.facts.look)
            except InvalidField:
                pass
        return parse_look(self.settings.look) if self.settings.look else Look()

    def open_look(self, *, first: bool = False) -> None:
        self.toggle_settings(False)
        self.model.hide()
        self.look_form.look = self._current_look()
        self.look_form.changed = False
        self._look_before = self.look_form.look
        self.look_panel.first = first
        self.look_panel.show(True)
        if self.focus is not None:
            # Holding the keys stops the arrows walking; Esc releases them: cancel (or "later").
            self.focus.take(self.look_panel, on_release=lambda: self.close_look(save=self.look_panel.first))

    def close_look(self, *, save: bool) -> None:
        if not self.look_panel.visible:
            return
        self.look_panel.show(False)
        if self.focus is not None:
            self.focus.release(self.look_panel)
        if not save:
            return
        look = self.look_form.look
        spec = format_look(look)
        if spec != self.settings.look:
            self.form.settings = replace(self.form.settings, look=spec)
            self.form.changed.append("look")
            self._apply_changes()
        # Sent with the next entry (a log-in, or a new session): the server keeps a look per session.
        social = getattr(self.app, "social", None)
        if social is not None and hasattr(social, "flow"):
            social.flow.style = look.pack()
        net = getattr(self.app, "net", None)
        if net is not None and hasattr(net, "hello"):
            net.hello = replace(net.hello, style=look.pack())
        self.settings_panel.note = i18n.t("look.saved", self.lang)

    def _step_look(self, index: int, delta: int) -> None:
        self.look_form.selected = index
        self.look_form.adjust(delta)

    def take_me_there(self, row: Row) -> None:
        """Walk the avatar to the row's place; the directory closes so you can see where you go."""
        now = monotonic_ms()
        dest = self.model.destination(row)
        own = self._own()
        if dest is None:
            return
        spot, facing, name = dest
        if own is None or not self.session.in_world:
            self.guide.name, self.guide.status, self.guide.status_at_ms = name, "not_in_world", now
            return
        autopilot = self.guide.start(own, spot, facing, name, now)
        if autopilot is not None:
            self.session.autopilot = autopilot
        if not self.keep_open:
            self.model.hide()

    # ── settings ─────────────────────────────────────────────────────────────
    def _apply_changes(self) -> None:
        changed = self.form.drain_changes()
        if not changed:
            return
        old, new = self.settings, self.form.settings
        self.settings = new
        if hasattr(self.app, "settings"):
            self.app.settings = new
        if "keys" in changed:
            self._bind_keys()
            rebind = getattr(self.app, "rebind_keys", None)
            if rebind is not None:
                rebind(new)
        if "minimap" in changed:
            self.minimap.show(new.minimap)
        if "volume" in changed or "ambient" in changed:
            self.sounds.set_volume(new.volume, new.ambient)
        if "text_scale" in changed or "high_contrast" in changed:
            self.theme.apply(text_scale=new.text_scale, high_contrast=new.high_contrast)  # every panel, at once
        if "fullscreen" in changed:
            self._fullscreen(new.fullscreen)
        if "preset" in changed and preset_profile(new.preset) != preset_profile(old.preset):
            # Avatars coming into view take the new preset at once; the scene and the snapshot rate
            # follow at the next start.
            profile = preset_profile(new.preset)
            setter = getattr(getattr(self.app, "avatars", None), "set_detail_distance", None)
            if setter is not None:
                setter(profile.avatar_detail_m, cheap=profile.cheap_avatars)
        if "lang" in changed and new.lang != self.lang:
            switch = getattr(self.app, "set_lang", None)
            if switch is not None:
                switch(new.lang)  # everything a player reads, this layer and the world's signs included
            else:
                self.set_lang(new.lang)
        note = ""
        try:
            path = save_settings(new, self.settings_path)
            note = i18n.t("settings.saved", self.lang, path=str(path))
        except OSError:
            note = i18n.t("settings.save_failed", self.lang)
        if "preset" in changed:
            note += "  |  " + i18n.t("settings.applies_next_start", self.lang)
        self.settings_panel.note = note

    def _restyle(self) -> None:
        self.panel.restyle()
        self.minimap.restyle()

    def set_lang(self, lang: str) -> None:
        """Switch the directory, map, lines and settings panel to `lang` (booth panels follow at the next start)."""
        self.lang = self.model.lang = self.settings_panel.lang = lang
        self.model.rev += 1
        self.panel.restyle()
        self.minimap.set_lang(lang)
        for key in ("line", "prompt", "hint", "fps"):
            self._last.pop(key, None)

    def _fullscreen(self, on: bool) -> None:
        from panda3d.core import GraphicsWindow, WindowProperties

        if isinstance(self.base.win, GraphicsWindow):
            props = WindowProperties()
            props.set_fullscreen(on)
            self.base.win.request_properties(props)

    # ── per frame ────────────────────────────────────────────────────────────
    def _set(self, key: str, widget, text: str) -> None:
        if self._last.get(key) != text:
            self._last[key] = text
            widget.setText(text)
            widget.show() if text else widget.hide()

    def _task(self, task):
        now = monotonic_ms()
        s = self.session
        app_lang = getattr(self.app, "lang", self.lang)
        if app_lang != self.lang:
            # The language was switched elsewhere (F9, the login screen): follow it, and remember it.
            self.set_lang(app_lang)
            if self.settings.lang != app_lang:
                self.form.settings = replace(self.form.settings, lang=app_lang)
                self.form.changed.append("lang_saved")
                self._apply_changes()
        self.guide.update(s.autopilot, s.autopilot_done, now)
        if self.guide.status == "arrived" and self._last.get("guide_status") != "arrived":
            self.sounds.play("notify")
        self._last["guide_status"] = self.guide.status
        own = s.own_pose()
        zone_id = s.mirror.zone_id
        if zone_id is None and own is not None and s.mirror.welcome is not None:
            zone = self.world.zone_of(own.x, own.y)  # a resumed session may get no zone_changed
            zone_id = zone.id if zone is not None else ""
        self.zones.observe(zone_id if s.in_world else None, now)
        line = self.guide.line(self.lang, now) or self.zones.line(self.lang, now)
        self._set("line", self.line, line)
        in_booth = self.booths is not None and bool(self.booths.model.zone_opd)
        at_desk = own is not None and not in_booth and not self.model.open and \
            near_information_desk(self.world, own.x, own.y)
        self._set("prompt", self.prompt, i18n.t("dir.prompt", self.lang) if at_desk else "")
        keys = self.settings.keys
        self._set("hint", self.hint, i18n.t("dir.hint", self.lang, dir=keys["directory"].upper(),
                                            map=keys["minimap"].upper(), settings=keys["settings"].upper()))
        if self.booths is not None:
            toasts = self.booths.model.rev["toast"]
            if toasts != self._toasts_seen:
                self.sounds.play("notify")  # the very first toast too: a clerk's first new request rings
                self._toasts_seen = toasts
        self.panel.sync()
        self.settings_panel.sync()
        if self._offer_look and s.in_world and s.autopilot_done:
            self._offer_look = False
            self.open_look(first=True)
        self.look_panel.sync(min(0.25, self.base.clock.dt))
        if self.minimap.visible:
            route = self.guide.path if self.guide.status == "walking" else ()
            event = next((e.title(self.lang) for e in self.model.events), "")
            states = {b.opd: self._is_open(b.opd) for b in self.world.booths}
            self.minimap.sync((own.x, own.y, own.yaw) if own is not None else None, states, route, event)
        if self.settings.show_fps:
            t = time.monotonic()
            if t - self._fps_at >= FPS_EVERY_S:
                self._fps_at = t
                rate = self.base.clock.get_average_frame_rate()
                self._set("fps", self.fps, i18n.t("hud.fps", self.lang, fps=int(round(rate))))
        else:
            self._set("fps", self.fps, "")
        return task.cont

    # ── screenshots ──────────────────────────────────────────────────────────
    def summary(self) -> dict:
        b = self.base
        rows = self.model.rows(_local_clock) if self.model.open else []
        return {
            "directory": {"open": self.model.open, "query": self.model.query,
                          "rows": [r.title for r in rows[:6]],
                          "rect": screen_rect(self.panel.root, b) if self.panel.visible else None},
            "minimap": {"visible": self.minimap.visible,
                        "rect": screen_rect(self.minimap.root, b) if self.minimap.visible else None},
            "settings": {"open": self.settings_panel.visible,
                         "rect": screen_rect(self.settings_panel.root, b) if self.settings_panel.visible else None},
            "look": {"open": self.look_panel.visible, "look": format_look(self.look_form.look),
                     "saved": self.settings.look, "next_style": getattr(getattr(self.app, "net", None), "hello",
                                                                         None) and self.app.net.hello.style.hex(),
                     "rect": screen_rect(self.look_panel.root, b) if self.look_panel.visible else None},
            "guide": {"status": self.guide.status, "name": self.guide.name, "path": self.guide.path},
            "zone": self.zones.zone_id,
            "line": self._last.get("line", ""),
            "sounds": dict(self.sounds.played),
            "snapshot_hz": self.session.mirror.welcome.snapshot_hz if self.session.mirror.welcome else None,
        }

    def destroy(self) -> None:
        self.base.task_mgr.remove("makaverse-find")
        self.events.ignore_all()
        for part in (self.panel, self.minimap, self.settings_panel, self.look_panel, self.sounds):
            try:
                part.destroy()
            except Exception:  # noqa: BLE001 - tearing down
                pass
        for w in (self.line, self.prompt, self.hint, self.fps):
            w.destroy()
