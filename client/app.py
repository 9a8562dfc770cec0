"""`makaverse client`: the Panda3D window (or an offscreen buffer) wired to the session.

Three tasks run each frame, in order: `net` drains what the network thread received into
the session; `input` reads the key flags and sends one Input per input period; `draw`
places avatars, the camera and the HUD. Key events only set flags.

With `--screenshot PATH` (or `--offscreen`) a `ScreenshotRun` decides when to stop: see
`screenshot.py`. Scripted runs (walks, chat, booth actions) build the same `ClientApp` with
their own screenshot run and drivers: `bench/scripted/`.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from makaverse.protocol import PROTOCOL_VERSION, Hello
from makaverse.world import World, load_default_world

from . import i18n
from .net.events import monotonic_ms
from .net.tls import CA_FILE_ENV, client_tls_context
from .scene.camera_math import centre_shift, preset_view
from .screenshot import EXIT_OK, ScreenshotRun, ShotPlan
from .settings_file import load_settings, save_settings
from .state.controls import KEY_FLAGS, Controls
from .state.keymap import key_of
from .state.session import ClientSession
from .state.settings import Settings, key_flags, preset_profile
from .ui.focus import KeyboardFocus

__all__ = ["run_client", "configure_panda", "ClientApp"]

EXIT_NO_WINDOW = 3
EXIT_INTERRUPTED = 130
MOUSE_TURN_RAD_PER_SCREEN = 3.0


RENDERERS = ("gl", "software")
DISPLAY_MODULES = {"gl": "pandagl", "software": "p3tinydisplay"}


def default_renderer(*, offscreen: bool) -> str:
    """OpenGL in a window (what people run); the software renderer offscreen, which needs no display."""
    return "software" if offscreen else "gl"


def configure_panda(*, offscreen: bool, renderer: str | None = None, size: tuple[int, int] = (1280, 720),
                    title: str = "Makaverse", fullscreen: bool = False, multisample: bool = False) -> None:
    """Panda3D settings that must be in place before ShowBase opens its window.

    `renderer` is "gl" (OpenGL: a real driver, or Mesa under Xvfb) or "software" (Panda's
    tinydisplay); None picks `default_renderer`."""
    from panda3d.core import load_prc_file_data

    renderer = renderer or default_renderer(offscreen=offscreen)
    if renderer not in DISPLAY_MODULES:
        raise ValueError(f"renderer must be one of {RENDERERS}, not {renderer!r}")
    lines = [
        f"win-size {size[0]} {size[1]}",
        f"window-title {title}",
        "sync-video true",
        f"load-display {DISPLAY_MODULES[renderer]}",
    ]
    if fullscreen and not offscreen:
        lines.append("fullscreen true")
    if multisample and renderer == "gl":
        lines += ["framebuffer-multisample true", "multisamples 4"]
    if offscreen:
        lines += [
            "audio-library-name null",  # nobody listens to an offscreen run (the chime stays silent)
            "window-type offscreen",
            "notify-level-display error",
            "notify-level-device fatal",
            # Nobody watches an offscreen buffer: don't spin the CPU faster than a screen would.
            "clock-mode limited",
            "clock-frame-rate 30",
        ]
    load_prc_file_data("makaverse-client", "\n".join(lines))


ShotFactory = Callable[["ClientApp", ShotPlan], ScreenshotRun]


class ClientApp:
    def __init__(self, base: Any, args: argparse.Namespace, *, world: World | None = None, view: str = "follow",
                 make_shot: ShotFactory | None = None, settings: Settings | None = None) -> None:
        from direct.showbase.DirectObject import DirectObject
        from panda3d.core import GraphicsWindow, ModifierButtons, WindowProperties

        from .net.client import NetClient
        from .scene.avatars import AvatarLayer
        from .scene.camera import CameraRig
        from .scene.scene import WorldScene
        from .ui.hud import Hud

        self.base = base
        # The player's saved settings (run_client reads the file into args.settings); else the defaults.
        self.settings = settings or getattr(args, "settings", None) or Settings()
        self.settings_path = getattr(args, "settings_path", None)
        if getattr(args, "lang", None) is None:
            args.lang = self.settings.lang
        self.lang = args.lang
        profile = preset_profile(getattr(args, "preset", None) or self.settings.preset)
        self.world = world or load_default_world()
        self.session = ClientSession(self.world, lang=self.lang)
        # Says nothing on connect until the login screen (ui/chat_layer.py) has chosen how to enter.
        self.net = NetClient(args.url, Hello(version=PROTOCOL_VERSION, name=args.name or "", kind="desktop",
                                             lang=self.lang, snapshot_hz=profile.snapshot_hz,
                                             style=getattr(args, "style", b"")),
                             enter_on_connect=False, ca_file=getattr(args, "ca_file", None))
        from .scene.daylight import supports_shadows

        # The high preset lights the scene with a shadow-casting sun where shaders exist (OpenGL);
        # the software renderer keeps the baked daylight.
        shadows = profile.sun_shadows and supports_shadows(base)
        self.scene = WorldScene(base, self.world, lang=self.lang, shadows=shadows)
        self.avatars = AvatarLayer(base.render, self.world, lang=self.lang)
        if profile.flatten_all:
            from .scene.lod import flatten_static

            flatten_static(self.scene.root)
        self.avatars.set_detail_distance(profile.avatar_detail_m, cheap=profile.cheap_avatars)
        fixed = preset_view(self.world, view)
        lintels = [(lt.box.as_tuple(), lt.z0, lt.z1) for lt in self.scene.lintels]
        self.camera = CameraRig(base, self.world, view=fixed, extra_obstacles=lintels)
        if fixed is None:
            # Until the welcome places your avatar, show the Balai Kota from its forecourt.
            overview = preset_view(self.world, "forecourt")
            assert overview is not None  # a fixed view in every world
            self.base.camera.set_pos(*overview.eye)
            self.base.camera.look_at(*overview.target)
        # ── text size and contrast: one theme for every panel (ui/theme.py), made before any panel ──
        from .ui.theme import UiTheme

        self.theme = UiTheme(base, text_scale=self.settings.text_scale, high_contrast=self.settings.high_contrast)
        # ────────────────────────────────────────────────────────────────────────────────────────
        self.hud = Hud(base, lang=self.lang)
        self.controls = Controls()
        self.focus = KeyboardFocus(self.controls)  # a text field holding the keys stops WASD walking
        self.shot: ScreenshotRun | None = None
        if args.screenshot or args.offscreen:
            plan = ShotPlan(args.screenshot, max(1, int(args.frames)), draw_while_waiting=not args.offscreen)
            if getattr(args, "wait", None) is not None:
                plan.connect_timeout_s = max(0.0, float(args.wait))
            if make_shot is not None:
                self.shot = make_shot(self, plan)
            else:
                self.shot = ScreenshotRun(plan, base, self.session, url=args.url, lang=self.lang)
        self._done = False
        self.exit_code = EXIT_OK
        self._dragging = False
        self._last_mouse_x: float | None = None
        from .ui.chat_layer import SocialLayer

        self.social = SocialLayer(self, args, self.focus)  # login screen, chat box, bubbles, emotes

        base.disable_mouse()
        base.exitFunc = self._on_user_exit
        if isinstance(base.win, GraphicsWindow):
            props = WindowProperties()
            props.set_title(i18n.t("app.title", self.lang))
            base.win.request_properties(props)
        if base.mouseWatcherNode is not None:
            # Shift+W must arrive as "w" with "shift" held, not as a separate "shift-w" event.
            base.mouseWatcherNode.set_modifier_buttons(ModifierButtons())
            for thrower in base.buttonThrowers or ():
                thrower.node().set_modifier_buttons(ModifierButtons())
        # Our own listener, so ShowBase keeps its handlers (its window-event one resizes and closes).
        self.events = DirectObject()
        self._move_keys: list[str] = []
        self.rebind_keys(self.settings)
        for button in ("mouse1", "mouse3"):
            self.events.accept(button, self._drag, [True])
            self.events.accept(f"{button}-up", self._drag, [False])
        self.events.accept("window-event", self._on_window_event)
        self.events.accept("escape", self.focus.escape)
        self.events.accept(key_of("language"), self.next_lang)
        from .ui.booth_ui import BoothUi

        self.booths = BoothUi(self)  # booth panel, tickets, requests, staff console, counter lights
        from .ui.find_layer import FindLayer

        self.find = FindLayer(self)  # directory, Take me there, minimap, settings panel, sounds
        # ── town-hall events: the board (F12, E at it), seats, subtitles, hands, questions, polls ──
        from .ui.event_ui import EventUi

        self.event_ui = EventUi(self)
        if self.shot is not None and hasattr(self.shot, "summary_parts"):
            self.shot.summary_parts["events"] = self.event_ui.summary
            # A picture taken while seated (or just stood up) waits for the camera to get there.
            self.shot.also_wait_for.append(lambda: self.camera.at_rest(self.event_ui.model.seated is not None))
        from .ui.stage_layer import StageLayer

        self.stage = StageLayer(self)  # town halls: the screen over the stage, hands over people, host console (F11)
        from .ui.hud_layout import HudLayout

        self.layout = HudLayout(self)  # help line, chat box, minimap and prompts never cover each other
        base.add_task(self._net_task, "makaverse-net", sort=-10)
        base.add_task(self._input_task, "makaverse-input", sort=0)
        base.add_task(self._draw_task, "makaverse-draw", sort=10)

    # ── language ─────────────────────────────────────────────────────────────
    def set_lang(self, lang: str) -> None:
        """Everything a player reads in `lang`: panels, HUD, help line, name tags and the signs in
        the world (the scene is built again: a moment's pause, once)."""
        from panda3d.core import GraphicsWindow, WindowProperties

        from .scene.scene import WorldScene

        if lang not in i18n.LANGS:
            raise ValueError(lang)
        self.lang = lang
        self.social.set_lang(lang)
        self.booths.set_lang(lang)
        self.hud.set_lang(lang)
        self.avatars.set_lang(lang)
        find = getattr(self, "find", None)
        if find is not None and find.lang != lang:
            find.set_lang(lang)
        stage = getattr(self, "stage", None)
        if stage is not None:
            stage.set_lang(lang)
        if self.scene.lang != lang:
            self.scene.destroy()
            self.scene = WorldScene(self.base, self.world, lang=lang)
        if isinstance(self.base.win, GraphicsWindow):
            props = WindowProperties()
            props.set_title(i18n.t("app.title", lang))
            self.base.win.request_properties(props)

    def next_lang(self) -> None:
        """F9: the other language."""
        langs = i18n.LANGS
        self.set_lang(langs[(langs.index(self.lang) + 1) % len(langs)] if self.lang in langs else langs[0])

    # ── events ───────────────────────────────────────────────────────────────
    def rebind_keys(self, settings: Settings) -> None:
        """Movement keys from the player's bindings (the arrows always walk too)."""
        for key in self._move_keys:
            self.events.ignore(key)
            self.events.ignore(f"{key}-up")
        self.controls.release_all()
        flags = key_flags(settings, KEY_FLAGS)
        self._move_keys = list(flags)
        for key, flag in flags.items():
            self.events.accept(key, self.controls.set, [flag, True])
            self.events.accept(f"{key}-up", self.controls.set, [flag, False])
        find = getattr(self, "find", None)
        if find is not None:
            self.events.accept("e", find.key_e)  # E stays the booth and desk key, whatever turns right
        event_ui = getattr(self, "event_ui", None)
        if event_ui is not None:
            event_ui.bind_app_keys()  # E at the event board or a seat, Q for questions in an event

    def _drag(self, down: bool) -> None:
        self._dragging = down
        self._last_mouse_x = None

    def _on_window_event(self, win) -> None:
        if win is None or win != self.base.win:
            return
        props = win.get_properties()
        if props.has_foreground() and not props.get_foreground():
            self.controls.release_all()  # their key-up events will go to another window
            self._dragging = False
        if props.has_open() and not props.get_open():
            self._done = True

    def _on_user_exit(self) -> None:
        self._done = True
        self.net.stop()

    # ── tasks ────────────────────────────────────────────────────────────────
    def _net_task(self, task):
        now = monotonic_ms()
        for event in self.net.poll(limit=4096):
            self.session.handle(event, now)
        return task.cont

    def _input_task(self, task):
        dt = min(0.25, self.base.clock.dt)
        self._mouse_look()
        for intent in self.session.frame(dt, self.controls.read()):
            self.net.send(intent)
        return task.cont

    def _mouse_look(self) -> None:
        mw = self.base.mouseWatcherNode
        if not self._dragging or mw is None or not mw.has_mouse():
            return
        x = mw.get_mouse_x()
        if self._last_mouse_x is not None:
            self.controls.add_yaw(-(x - self._last_mouse_x) * MOUSE_TURN_RAD_PER_SCREEN / 2)
        self._last_mouse_x = x

    def _draw_task(self, task):
        dt = min(0.25, self.base.clock.dt)
        now = monotonic_ms()
        s = self.session
        poses = []
        own = s.own_pose()
        me = s.mirror.me
        if own is not None and me is not None:
            poses.append((me.id, me.facts, me.version, own))
        for avatar, pose in s.others(now):
            poses.append((avatar.id, avatar.facts, avatar.version, pose))
        if own is not None:
            z = float(self.world.floor_height([[own.x, own.y]])[0])
            self.camera.follow(own.x, own.y, z, own.yaw, dt, at_eyes=self.booths.at_post(),
                               seated=self.event_ui.model.seated is not None)
        shift = centre_shift(self.base.win.get_x_size(), self._side_panel_spans())
        self.camera.shift_centre(shift, dt)
        self.booths.hud.centre_banner(shift)
        eye = self.base.camera.get_pos(self.base.render)
        self.avatars.sync(poses, s.avatar_id, dt, (eye.x, eye.y, eye.z))
        self.hud.update(s, now)
        self.social.update(now)
        self.layout.arrange()
        if self.shot is not None and self.shot.step(dt):
            self.exit_code = self.shot.exit_code
            self._done = True
        return task.cont

    def _side_panel_spans(self) -> list[tuple[int, int]]:
        """The open panels' horizontal spans in window pixels (those along a side move the
        picture's centre into the part they leave free). The town hall's own panels (questions,
        the event board) are not among them: seated, the stage screen is what you look at, and
        it is too wide to move aside; the minimap beside it is."""
        from .ui.booth_widgets import screen_rect

        parts: list[Any] = [self.booths.panel, self.booths.requests, self.booths.console, self.stage.console]
        if self.camera.seated > 0.0:
            # Seated, the screen is wide enough to reach under the minimap and the poll beside it.
            parts += [self.find.minimap, self.event_ui.poll]
        spans = []
        for part in parts:
            if part.visible:
                rect = screen_rect(part.root, self.base)
                if rect is not None:
                    spans.append((rect[0], rect[2]))
        return spans

    # ── running ──────────────────────────────────────────────────────────────
    def run(self) -> int:
        self.net.start()
        try:
            while not self._done:
                self.base.task_mgr.step()
        except KeyboardInterrupt:
            self.exit_code = EXIT_INTERRUPTED
        except SystemExit:
            pass  # the window was closed: ShowBase.userExit
        finally:
            self.shutdown()
        return self.exit_code

    def shutdown(self) -> None:
        self.net.stop()
        self.events.ignore_all()
        try:
            self.stage.destroy()
            self.event_ui.destroy()
            self.find.destroy()
            self.social.destroy()
            self.booths.destroy()
            self.hud.destroy()
            self.theme.destroy()
            self.base.destroy()
        except Exception:  # noqa: BLE001 - tearing down; nothing useful to do with it
            pass


def run_client(args: argparse.Namespace, *, build: Callable[[Any, argparse.Namespace], ClientApp] = ClientApp) -> int:
    """Open the window (or buffer), build the app with `build(base, args)` and run it to the end."""
    from .state.look_choice import LookSpecError, format_look, parse_look

    offscreen = bool(args.offscreen)
    args.settings = settings = load_settings(getattr(args, "settings_path", None))
    # Your look: --look, else the one saved in your settings; a new --look in a window is saved.
    spec = getattr(args, "look", "") or settings.look
    try:
        look = parse_look(spec) if spec else None
    except LookSpecError as exc:
        print(f"--look: {exc}", file=sys.stderr)
        return 2
    args.style = look.pack() if look is not None else b""
    if look is not None and bool(getattr(args, "look", "")) and not offscreen and format_look(look) != settings.look:
        settings = replace(settings, look=format_look(look))
        args.settings = settings
        save_settings(settings, getattr(args, "settings_path", None))
    if getattr(args, "lang", None) is None:
        args.lang = settings.lang
    args.ca_file = getattr(args, "ca_file", None) or os.environ.get(CA_FILE_ENV) or None
    if args.ca_file:
        try:
            client_tls_context(args.ca_file)  # a missing or unreadable file is said now, not retried
        except (OSError, ValueError, RuntimeError) as exc:  # RuntimeError: no TLS here (desktop.py)
            print(f"--ca-file {args.ca_file}: {exc}", file=sys.stderr)
            return 2
    profile = preset_profile(getattr(args, "preset", None) or settings.preset)
    configure_panda(offscreen=offscreen, renderer=getattr(args, "renderer", None), title=i18n.t("app.title", args.lang),
                    fullscreen=settings.fullscreen, multisample=profile.multisample,
                    size=getattr(args, "window_size", None) or (1280, 720))
    from direct.showbase.ShowBase import ShowBase

    try:
        base = ShowBase()
    except Exception:  # ShowBase raises a bare Exception when no window can be opened
        print(i18n.t("app.no_window", args.lang), file=sys.stderr)
        return EXIT_NO_WINDOW
    try:
        app = build(base, args)
    except BaseException:
        base.destroy()
        raise
    return app.run()
