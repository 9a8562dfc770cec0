"""The login screen (a DirectGUI panel over the scene) and the account bar in the top right.

The panel only draws `AuthFlow` (auth_state.py) and forwards clicks to it: log in, register
(with a display name), enter as a guest (with an optional name), switch language. It opens
with the username field holding the keyboard (the password field when the username is given),
so nobody's first keystrokes are lost. Tab and Shift-Tab walk every field and button top to
bottom, the language button last, with a gold outline on the one in focus; Enter in a field
submits its form, Enter or Space on a button presses it. The account bar shows your role, unread direct messages and a
Log out button while you are in the world.
"""

from __future__ import annotations

from collections.abc import Callable

from direct.gui import DirectGuiGlobals as DGG
from direct.gui.DirectGui import DirectButton, DirectEntry, DirectFrame
from direct.gui.OnscreenText import OnscreenText
from direct.showbase.DirectObject import DirectObject
from panda3d.core import TextNode

from .. import i18n
from ..state.auth_state import AuthFlow, AuthPhase, role_label
from .focus import KeyboardFocus
from .nav import NavRing, ShiftKey
from .theme import theme_for

__all__ = ["LoginPanel", "AccountBar", "PANEL_FRAME", "PANEL_COLOUR", "aspect_box_px"]

PANEL_FRAME = (-0.66, 0.66, -0.74, 0.70)  # left, right, bottom, top in aspect2d units
PANEL_COLOUR = (0.06, 0.10, 0.20, 0.94)
ACCENT = (0.96, 0.76, 0.26, 1.0)  # the gold of the city's emblem
ERROR_FG = (1.0, 0.55, 0.50, 1.0)
OK_FG = (0.55, 0.92, 0.60, 1.0)
MUTED_FG = (0.78, 0.82, 0.90, 1.0)
_ENTRY_SCALE = 0.042
_ENTRY_WIDTH = 1.14 / _ENTRY_SCALE  # across the panel, in entry units


def aspect_box_px(box: tuple[float, float, float, float], win_w: int, win_h: int,
                  origin: tuple[float, float] = (0.0, 0.0)) -> list[int]:
    """An aspect2d rectangle (left, right, bottom, top, relative to `origin`) in window pixels
    (x0, y0, x1, y1 from the top left), for tests that check the picture."""
    a = win_w / win_h
    left, right, bottom, top = box
    ox, oy = origin

    def px(x: float, y: float) -> tuple[int, int]:
        return int(round((x + ox + a) / (2 * a) * win_w)), int(round((1 - (y + oy)) / 2 * win_h))

    x0, y0 = px(left, top)
    x1, y1 = px(right, bottom)
    return [x0, y0, x1, y1]


def _button(parent, text: str, pos, command: Callable[[], None], *, width: float, colour) -> DirectButton:
    return DirectButton(
        parent=parent, text=text, text_scale=0.042, text_fg=(1, 1, 1, 1), text_pos=(0, -0.014),
        frameColor=(colour, _shade(colour, 1.15), _shade(colour, 1.3), (0.3, 0.3, 0.3, 0.8)),
        frameSize=(-width / 2, width / 2, -0.04, 0.045), pos=(pos[0], 0, pos[1]), relief=DGG.FLAT,
        command=command, pressEffect=1,
    )


def _shade(c, k: float):
    return (min(1.0, c[0] * k), min(1.0, c[1] * k), min(1.0, c[2] * k), c[3])


class LoginPanel:
    """The login form; `update()` once a frame shows the flow's state; hidden once you are in."""

    def __init__(self, base, flow: AuthFlow, focus: KeyboardFocus, *, lang: str,
                 on_language: Callable[[str], None] | None = None, username: str = "") -> None:
        self.base = base
        self.flow = flow
        self.focus = focus
        self.lang = lang
        self.on_language = on_language
        self.frame = theme_for(base).frame("center", frameColor=PANEL_COLOUR, frameSize=PANEL_FRAME, sortOrder=20)
        DirectFrame(parent=self.frame, frameColor=ACCENT, frameSize=(PANEL_FRAME[0], PANEL_FRAME[1], 0.675, 0.70))
        self.title = self._text(0.59, 0.054, ACCENT)
        self.subtitle = self._text(0.525, 0.032, MUTED_FG)
        self.labels: dict[str, OnscreenText] = {}
        self.entries: dict[str, DirectEntry] = {}
        rows = (("username", 0.44, False), ("password", 0.31, True), ("display_name", 0.18, False))
        for key, y, obscured in rows:
            self._field(key, y, obscured)
        self.entries["username"].enterText(username)
        self.rules = self._text(0.065, 0.03, MUTED_FG)
        self.login_btn = _button(self.frame, "", (-0.29, -0.03), self._login, width=0.56, colour=(0.13, 0.42, 0.78, 1))
        self.register_btn = _button(self.frame, "", (0.29, -0.03), self._register, width=0.56,
                                    colour=(0.20, 0.52, 0.34, 1))
        DirectFrame(parent=self.frame, frameColor=(1, 1, 1, 0.18), frameSize=(-0.58, 0.58, -0.12, -0.117))
        self._field("guest_name", -0.20, False)
        self.guest_btn = _button(self.frame, "", (0.0, -0.34), self._guest, width=1.16, colour=(0.55, 0.36, 0.10, 1))
        self.guest_note = self._text(-0.45, 0.03, MUTED_FG)
        self.status = self._text(-0.545, 0.038, MUTED_FG)
        self.lang_btn = _button(self.frame, "", (0.38, -0.66), self._toggle_language, width=0.52,
                                colour=(0.25, 0.28, 0.36, 1))
        e = self.entries
        self.nav = NavRing(base, focus, {
            "username": e["username"], "password": e["password"], "display_name": e["display_name"],
            "login": self.login_btn, "register": self.register_btn, "guest_name": e["guest_name"],
            "guest": self.guest_btn, "language": self.lang_btn,
        })
        self.shift = ShiftKey()
        self.events = DirectObject()
        self.events.accept("tab", self._tab)
        self.events.accept("enter", self._press)
        self.events.accept("space", self._press)
        self._shown = True
        self._last: dict[str, object] = {}
        self.retext()

    # ── building ─────────────────────────────────────────────────────────────
    def _text(self, y: float, scale: float, fg) -> OnscreenText:
        return OnscreenText(parent=self.frame, text="", pos=(0, y), scale=scale, fg=fg, align=TextNode.A_center,
                            mayChange=True, wordwrap=36)

    def _field(self, key: str, y: float, obscured: bool) -> None:
        # The label above its field, the field across the panel.
        self.labels[key] = OnscreenText(parent=self.frame, text="", pos=(-0.58, y + 0.01), scale=0.032,
                                        fg=MUTED_FG, align=TextNode.A_left, mayChange=True)
        entry = DirectEntry(
            parent=self.frame, scale=_ENTRY_SCALE, width=_ENTRY_WIDTH, pos=(-0.57, 0, y - 0.05), obscured=obscured,
            numLines=1, frameColor=(0.96, 0.97, 1.0, 1), text_fg=(0.05, 0.07, 0.12, 1), relief=DGG.FLAT,
            frameSize=(-0.25, _ENTRY_WIDTH + 0.25, -0.45, 1.05),
            command=self._submit, extraArgs=[key],
            focusInCommand=self._focus_in, focusInExtraArgs=[key],
            focusOutCommand=self._focus_out, focusOutExtraArgs=[key],
        )
        entry.guiItem.set_max_chars(128 if key == "password" else 64 if key == "username" else 32)
        self.entries[key] = entry

    def retext(self) -> None:
        """Every label in the current language."""
        lang = self.lang
        self.title.setText(i18n.t("login.title", lang))
        self.subtitle.setText(i18n.t("login.subtitle", lang))
        for key, label in self.labels.items():
            label.setText(i18n.t(f"login.{key}", lang))
        self.rules.setText(i18n.t("login.rules", lang))
        self.guest_note.setText(i18n.t("login.guest_note", lang))
        for btn, key in ((self.login_btn, "login.login"), (self.register_btn, "login.register"),
                         (self.guest_btn, "login.guest"), (self.lang_btn, "login.language")):
            btn["text"] = i18n.t(key, lang)
        self._last.clear()

    # ── keyboard ─────────────────────────────────────────────────────────────
    def _focus_in(self, key: str) -> None:
        entry = self.entries[key]
        self.focus.take(entry, on_release=lambda: entry.__setitem__("focus", 0))
        self.nav.follow(entry)

    def _focus_out(self, key: str) -> None:
        self.focus.release(self.entries[key])

    def focus_field(self, key: str) -> None:
        self.entries[key]["focus"] = 1

    def _tab(self) -> None:
        if self._shown:
            self.nav.tab(-1 if self.shift.held else 1)

    def _press(self) -> None:
        if self._shown:
            self.nav.press()

    def _first_focus(self) -> None:
        """The panel just showed: the field you'd type in first holds the keyboard."""
        if self.focus.active:
            return
        self.nav.show("password" if self._value("username") else "username")

    def _submit(self, _text: str, key: str) -> None:
        if key == "guest_name":
            self._guest()
        elif key == "display_name":
            self._register()
        else:
            self._login()

    # ── actions ──────────────────────────────────────────────────────────────
    def _value(self, key: str) -> str:
        return self.entries[key].get()

    def _login(self) -> None:
        if not self.flow.busy:
            self.flow.login(self._value("username"), self._value("password"))
            self._after_submit()

    def _register(self) -> None:
        if not self.flow.busy:
            self.flow.register(self._value("username"), self._value("password"), self._value("display_name"))
            self._after_submit()

    def _guest(self) -> None:
        if not self.flow.busy:
            self.flow.guest(self._value("guest_name"))
            self._after_submit()

    def _after_submit(self) -> None:
        self.focus.release()
        if self.flow.busy:
            self.entries["password"].enterText("")  # not kept on screen longer than needed

    def _toggle_language(self) -> None:
        self.set_lang("en" if self.lang == "id" else "id")
        if self.on_language is not None:
            self.on_language(self.lang)

    def set_lang(self, lang: str) -> None:
        self.lang = lang
        self.retext()

    # ── per frame ────────────────────────────────────────────────────────────
    @property
    def shown(self) -> bool:
        return self._shown

    def status_text(self) -> tuple[str, tuple]:
        flow, lang = self.flow, self.lang
        if flow.error is not None:
            return flow.error.text(lang), ERROR_FG
        if flow.phase is AuthPhase.WAITING:
            return i18n.t("login.waiting", lang), MUTED_FG
        if flow.phase is AuthPhase.ENTERING:
            return i18n.t("login.entering", lang), MUTED_FG
        if flow.logged_out:
            return i18n.t("login.logged_out", lang), OK_FG
        if not flow.connected:
            return i18n.t("login.connecting", lang), MUTED_FG
        return i18n.t("login.ready", lang), OK_FG

    def update(self) -> None:
        # Entering (a guest, or after auth_ok) the HUD says so; the form is only for choosing.
        show = self.flow.phase in (AuthPhase.CHOOSING, AuthPhase.WAITING)
        if show != self._shown:
            self._shown = show
            if show:
                self.frame.show()
            else:
                for entry in self.entries.values():
                    self.focus.release(entry)
                self.nav.clear()
                self.frame.hide()
        if not show:
            return
        if self.nav.current is None:
            self._first_focus()
        text, fg = self.status_text()
        if self._last.get("status") != (text, fg):
            self._last["status"] = (text, fg)
            self.status.setText(text)
            self.status["fg"] = fg
        busy = self.flow.busy
        if self._last.get("busy") != busy:
            self._last["busy"] = busy
            for btn in (self.login_btn, self.register_btn, self.guest_btn):
                btn["state"] = DGG.DISABLED if busy else DGG.NORMAL

    def box_px(self) -> list[int]:
        """Where the panel is in the window, in pixels (x0, y0, x1, y1)."""
        return aspect_box_px(PANEL_FRAME, self.base.win.get_x_size(), self.base.win.get_y_size())

    def destroy(self) -> None:
        self.events.ignore_all()
        self.shift.destroy()
        for entry in self.entries.values():
            self.focus.release(entry)
        self.frame.destroy()


class AccountBar:
    """Top right while in the world: your role, unread direct messages, and Log out."""

    def __init__(self, base, *, lang: str, on_logout: Callable[[], None]) -> None:
        self.lang = lang
        self.frame = theme_for(base).frame("top_right", frameColor=(0.04, 0.05, 0.08, 0.6),
                                           frameSize=(-0.80, 0.0, -0.10, 0.0), pos=(-0.025, 0, -0.025))
        self.role = OnscreenText(parent=self.frame, text="", pos=(-0.77, -0.065), scale=0.036, fg=ACCENT,
                                 align=TextNode.A_left, mayChange=True)
        self.unread = OnscreenText(parent=self.frame, text="", pos=(-0.44, -0.065), scale=0.034,
                                   fg=(1, 1, 1, 1), align=TextNode.A_left, mayChange=True)
        self.logout = _button(self.frame, i18n.t("login.logout", lang), (-0.10, -0.05), on_logout, width=0.16,
                              colour=(0.45, 0.14, 0.14, 1))
        self.logout["text_scale"] = 0.034
        self._last: tuple = ()

    def set_lang(self, lang: str) -> None:
        self.lang = lang
        self.logout["text"] = i18n.t("login.logout", lang)
        self._last = ()

    def update(self, *, shown: bool, role: str, opd: str, unread: int) -> None:
        state = (shown, role, opd, unread)
        if state == self._last:
            return
        self._last = state
        if not shown:
            self.frame.hide()
            return
        self.frame.show()
        self.role.setText(role_label(role, opd, self.lang))
        self.unread.setText(i18n.t("hud.dm_unread", self.lang, n=unread) if unread else "")
        self.unread["fg"] = (1.0, 0.85, 0.3, 1) if unread else (1, 1, 1, 1)

    def destroy(self) -> None:
        self.frame.destroy()
