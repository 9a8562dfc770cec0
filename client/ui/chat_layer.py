"""The login screen, the chat box and chat in the world, wired into the running client.

`SocialLayer` owns the logic objects (`AuthFlow`, `ChatState`), subscribes them to the
session's network events, draws their panels once a frame (`update`) and binds their keys:
Enter opens the chat line, Tab changes channel while typing, Page Up / Page Down scroll the
log, 1-4 play emotes. How the client enters the world follows the command line:

    --name N               a guest named N, no login screen (also: offscreen without --user)
    --user U --password-env VAR [--register [--display-name D]]
                           log in (or register) non-interactively; the password is read from
                           the environment variable VAR, never from a flag
    (neither, windowed)    the login screen; --show-login forces it offscreen too

Scripted chat for tests and screenshots (`--say`, `--emote`, …) is `bench/scripted/chat_script.py`.
"""

from __future__ import annotations

import os

from direct.showbase.DirectObject import DirectObject

from makaverse.protocol import Emote

from ..net.events import ConnState, StateChanged, monotonic_ms
from ..state.auth_state import AuthFlow, AuthPhase
from ..state.chat_state import EMOTE_KEYS, ChatState, Target
from ..state.keymap import key_of
from .chat import ChatBox
from .chat_scene import AnnouncementBanner, BubbleLayer, EmoteAnimator, ModerationDialog
from .focus import KeyboardFocus
from .login import AccountBar, LoginPanel

__all__ = ["SocialLayer"]


class SocialLayer:
    def __init__(self, app, args, focus: KeyboardFocus) -> None:
        self.app = app
        self.base = app.base
        self.session = app.session
        self.net = app.net
        self.focus = focus
        self.lang = app.lang
        self.flow = AuthFlow(self.net, lang=self.lang, style=getattr(args, "style", b""))
        self.chat = ChatState(lang=self.lang, request_ids=self.session.next_request_id)
        router = self.session.router
        router.add(self.flow.handle, owns=AuthFlow.OWNS, watches=AuthFlow.WATCHES)
        router.add(self.chat.handle, owns=ChatState.OWNS, watches=ChatState.WATCHES)
        router.add(self._on_state, watches=(StateChanged,))
        self.login = LoginPanel(self.base, self.flow, focus, lang=self.lang, on_language=app.set_lang,
                                username=getattr(args, "user", None) or "")
        self.account_bar = AccountBar(self.base, lang=self.lang, on_logout=self.logout)
        self.chat_box = ChatBox(self.base, self.chat, focus, lang=self.lang, on_submit=self.submit,
                                on_emote=self.emote)
        self.bubbles = BubbleLayer(app.avatars)
        self.emotes = EmoteAnimator(app.avatars)
        self.banner = AnnouncementBanner(self.base, lang=self.lang)
        self.dialog = ModerationDialog(self.base, lang=self.lang, on_close=self.chat.dismiss_moderated)
        self.events = DirectObject()
        self.events.accept("enter", self._on_enter_key)
        # The Enter that finished a text field elsewhere (the directory's search: "Take me there")
        # must not also open the chat line: remember the frame the keyboard changed hands.
        self._focus_frame = -1
        focus.subscribe(self._focus_changed)
        self.events.accept("tab", self._on_tab_key)
        self.events.accept(key_of("chat_fold"), self._on_fold_key)
        self.events.accept("page_up", self.chat_box.scroll, [6])
        self.events.accept("page_down", self.chat_box.scroll, [-6])
        for key, emote in EMOTE_KEYS.items():
            self.events.accept(key, self.emote, [emote])
        self._hud_hidden = False
        self._start(args)

    # ── how to enter ─────────────────────────────────────────────────────────
    def _start(self, args) -> None:
        user = getattr(args, "user", None)
        offscreen = bool(args.offscreen or args.screenshot)
        if user:
            var = getattr(args, "password_env", None) or "MAKAVERSE_PASSWORD"
            password = os.environ.get(var, "")
            if getattr(args, "register", False):
                self.flow.register(user, password, getattr(args, "display_name", None) or "")
            else:
                self.flow.login(user, password)
        elif args.name or (offscreen and not getattr(args, "show_login", False)):
            self.flow.guest(args.name or "")

    def logout(self) -> None:
        self.flow.logout()
        if self.session.conn_state is ConnState.CLOSED and not self.net.running:
            self.net.start()  # refused for good (kicked): the login screen connects afresh
        self.session.mirror.clear()
        self.app.avatars.clear()
        self.bubbles.clear()
        self.chat.bubbles.clear()
        self.chat.emotes.clear()
        self.chat.unread_dm = 0

    # ── events ───────────────────────────────────────────────────────────────
    def _on_state(self, event: StateChanged, now_ms: float) -> bool:
        if self.flow.phase is not AuthPhase.IN_WORLD and event.close_code == 4003:
            self.session.notice = None  # the server tired of waiting at the login screen: not news
        return False

    # ── keys and commands ────────────────────────────────────────────────────
    @property
    def in_world(self) -> bool:
        return self.flow.phase is AuthPhase.IN_WORLD and self.session.in_world

    def _focus_changed(self, owner) -> None:
        self._focus_frame = self.base.clock.get_frame_count()

    def _on_enter_key(self) -> None:
        keys = getattr(getattr(self.app, "booths", None), "keys", None)
        if keys is not None and keys.holding:
            return  # Enter presses the panel's focused button
        if self._focus_frame == self.base.clock.get_frame_count():
            return  # this Enter finished a text field (or closed a panel that held the keys)
        event_keys = getattr(getattr(self.app, "event_ui", None), "keys", None)
        if event_keys is not None and event_keys.holding:
            return  # the event board's or the questions' focused button
        if self.chat_box.shown and not self.focus.active:
            self.chat_box.open()

    def _on_fold_key(self) -> None:
        if self.chat_box.shown and not self.focus.active:
            self.chat_box.toggle_fold()

    def _on_tab_key(self) -> None:
        if self.chat_box.typing:
            self.chat_box.cycle_channel()

    def emote(self, emote: str) -> None:
        event_ui = getattr(self.app, "event_ui", None)
        if event_ui is not None and event_ui.claims_digits():
            return  # the digits vote in the open poll
        if self.in_world and not self.focus.active:
            self.net.send(Emote(emote=emote))

    def submit(self, text: str) -> None:
        now = monotonic_ms()
        for msg in self.chat.submit(text, now, resolve=self._resolve, names=self._names()):
            if not self.net.send(msg):
                self.chat.note("chat.offline", now)

    def _names(self) -> list[str]:
        return [a.facts.name for a in self.session.mirror.avatars.values() if a.facts is not None]

    def _resolve(self, name: str) -> Target | None:
        """Someone you can see, by display name (any letter case); not yourself."""
        low = name.lower()
        for avatar in self.session.mirror.others():
            if avatar.facts is not None and avatar.facts.name.lower() == low:
                return Target(avatar_id=avatar.id, name=avatar.facts.name)
        return None

    def set_lang(self, lang: str) -> None:
        """Switch the login screen, the chat and what it shows to `lang` (`ClientApp.set_lang` does
        the rest); the next hello asks the server for it too."""
        self.lang = self.session.lang = self.flow.lang = self.chat.lang = lang
        for panel in (self.login, self.account_bar, self.chat_box, self.banner, self.dialog):
            panel.set_lang(lang)

    # ── per frame ────────────────────────────────────────────────────────────
    def update(self, now_ms: float) -> None:
        self.login.update()
        if self.login.shown != self._hud_hidden:
            # The login panel has its own status line; the HUD's "entering…" would only confuse.
            self._hud_hidden = self.login.shown
            for widget in (self.app.hud.panel, self.app.hud.help):
                (widget.hide if self._hud_hidden else widget.show)()
        # The chat box stays through a dropped connection (its log too); a line sent meanwhile says
        # it was not sent. It goes with the world: logged out, or the session has ended.
        visiting = self.flow.visiting
        if visiting != self.chat_box.shown:
            (self.chat_box.show if visiting else self.chat_box.hide)()
        welcome = self.session.mirror.welcome
        role, opd = (welcome.role, welcome.opd) if welcome is not None else ("", "")
        self.account_bar.update(shown=visiting, role=role, opd=opd, unread=self.chat.unread_dm)
        if visiting:
            self.chat_box.update()
        self.bubbles.update(self.chat.live_bubbles(now_ms))
        self.emotes.update(self.chat.live_emotes(now_ms), now_ms)
        self.banner.update(self.chat.live_banner(now_ms))
        self.dialog.update(self.chat.live_moderated(now_ms))
    def destroy(self) -> None:
        self.events.ignore_all()
        for panel in (self.login, self.account_bar, self.chat_box, self.banner, self.dialog):
            panel.destroy()
        self.bubbles.clear()

