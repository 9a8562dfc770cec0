"""The heads-up display: connection state, ping, where you are, who you are, and notices.

It only draws what the session already knows; every string comes from `i18n`.
Texts are redrawn only when they change (cheap on the software renderer). It is a slim strip
in the top-left corner — three short lines — so that the booth headers and signs above the hall
stay in view (the window's title already names the place).
"""

from __future__ import annotations

from direct.gui.DirectGui import DirectFrame
from direct.gui.OnscreenText import OnscreenText
from direct.showbase.ShowBase import ShowBase
from panda3d.core import TextNode

from .. import i18n
from ..net.events import ConnState
from ..state.auth_state import role_label
from ..state.session import ClientSession
from .theme import theme_for

__all__ = ["Hud", "NOTICE_SECONDS"]

NOTICE_SECONDS = 8.0
HELP_SCALE = 0.04
HELP_MARGIN = 0.012  # aspect2d units between the help line and the window's bottom edge
_STATE_COLOURS = {
    ConnState.CONNECTING: (1.0, 0.78, 0.25, 1.0),
    ConnState.OPEN: (0.45, 0.90, 0.45, 1.0),
    ConnState.DISCONNECTED: (1.0, 0.45, 0.40, 1.0),
    ConnState.CLOSED: (1.0, 0.45, 0.40, 1.0),
}


class Hud:
    def __init__(self, base: ShowBase, *, lang: str = "id") -> None:
        self.lang = lang
        self.base = base
        theme = theme_for(base)
        self.panel = theme.frame("top_left", frameColor=(0.04, 0.05, 0.08, 0.45), frameSize=(0.0, 0.78, -0.165, 0.0),
                                 pos=(0.02, 0, -0.02))
        self.dot = DirectFrame(parent=self.panel, frameColor=_STATE_COLOURS[ConnState.CONNECTING],
                               frameSize=(0.0, 0.02, 0.0, 0.02), pos=(0.02, 0, -0.047))
        self.status = self._text(self.panel, "", (0.055, -0.045), 0.03, _STATE_COLOURS[ConnState.CONNECTING])
        self.ping = self._text(self.panel, "", (0.5, -0.045), 0.028, (0.85, 0.85, 0.85, 1))
        self.zone = self._text(self.panel, "", (0.02, -0.095), 0.03, (1, 1, 1, 1))
        self.name = self._text(self.panel, "", (0.02, -0.14), 0.028, (0.9, 0.9, 0.9, 1))
        self.notice = OnscreenText(
            text="", parent=theme.root("top_center", name="notice"), pos=(0, -0.1), scale=0.05, fg=(1, 1, 1, 1),
            bg=(0.55, 0.08, 0.10, 0.85), align=TextNode.A_center, mayChange=True,
        )
        self.help = OnscreenText(
            text=i18n.t("app.help", lang), parent=theme.root("bottom_center", name="help"), pos=(0, 0.05),
            scale=HELP_SCALE, fg=(1, 1, 1, 1), bg=(0.04, 0.05, 0.08, 0.5), align=TextNode.A_center, mayChange=True,
        )
        self.help_key = "app.help"  # another set of keys while they mean something else (`use_help`)
        self.help_top = 0.0  # aspect2d units above the window's bottom edge (`place_help`)
        self._help_fit: tuple = ()
        self._last: dict[str, str] = {}

    def set_lang(self, lang: str) -> None:
        self.lang = lang
        self._last.clear()
        self.help.setText(i18n.t(self.help_key, lang))
        self._help_fit = ()

    def use_help(self, key: str) -> None:
        """Show the keys of `key` on the help line (in an event H and Q do other things)."""
        if key != self.help_key:
            self.help_key = key
            self.help.setText(i18n.t(key, self.lang))

    def place_help(self) -> float:
        """Wrap the help line to the window's width and sit its last row on the bottom edge; returns
        how high it reaches (aspect2d units above the bottom edge), the floor the other corner
        panels stand on (`hud_layout`)."""
        pivot = self.help.getParent()
        s = float(pivot.get_sx())
        width = self.base.a2dRight - self.base.a2dLeft - 0.06
        fit = (s, round(width, 4), self.help.getText())
        if fit == self._help_fit:
            return self.help_top
        self._help_fit = fit
        node = self.help.textNode
        node.set_wordwrap(width / (s * HELP_SCALE))
        rows = max(1, node.get_num_rows())
        line = node.get_line_height() * HELP_SCALE
        # The first row's baseline, so the last row's descenders clear the edge.
        base_z = HELP_MARGIN / s + 0.3 * line + (rows - 1) * line
        self.help.setPos(0, base_z)
        self.help_top = s * (base_z + 0.85 * line + 0.01)
        return self.help_top

    @staticmethod
    def _text(parent, text: str, pos, scale: float, fg) -> OnscreenText:
        return OnscreenText(text=text, parent=parent, pos=pos, scale=scale, fg=fg, align=TextNode.A_left,
                            mayChange=True)

    def _set(self, key: str, widget: OnscreenText, text: str) -> None:
        if self._last.get(key) != text:
            self._last[key] = text
            widget.setText(text)

    def update(self, session: ClientSession, now_ms: float) -> None:
        lang = self.lang
        self._set("status", self.status, session.status_text(now_ms))
        if self._last.get("state") != session.conn_state.value:
            self._last["state"] = session.conn_state.value
            colour = _STATE_COLOURS.get(session.conn_state, (1, 1, 1, 1))
            self.status.fg = colour
            self.dot["frameColor"] = colour
        self._set("ping", self.ping, session.ping_text())
        zone = session.zone_name()
        self._set("zone", self.zone, i18n.t("hud.zone", lang, name=zone) if zone else "")
        welcome = session.mirror.welcome
        if welcome is not None:
            role = role_label(welcome.role, welcome.opd, lang)
            self._set("name", self.name, i18n.t("hud.name_role", lang, name=welcome.name, role=role))
        else:
            self._set("name", self.name, "")
        notice = session.notice
        text = ""
        if notice is not None and now_ms - notice.at_ms < NOTICE_SECONDS * 1000:
            text = notice.text(lang)
        self._set("notice", self.notice, text)
        if text:
            self.notice.show()
        else:
            self.notice.hide()

    def destroy(self) -> None:
        for w in (self.status, self.ping, self.zone, self.name, self.notice, self.help):
            w.destroy()
        self.dot.destroy()
        self.panel.destroy()
