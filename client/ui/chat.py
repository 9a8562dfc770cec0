"""The chat box: bottom left, a scrollable log with two tabs (public chat, direct messages),
a channel selector and the line you type.

Enter opens the line (the text field takes the keyboard, so WASD types instead of walking),
Enter again sends it, Esc leaves it. Tab (while typing) or the channel button cycles the
channel: nearby, whisper, shout, zone. Page Up / Page Down and the arrow buttons scroll the
log. Names are coloured by role, and staff, hosts and admins carry their role after the name.
F4 folds the box to one line (the newest, and how many arrived since) to leave the world in
view; F4 or Enter unfolds it.
All the logic is in `chat_state.ChatState`; this draws it.
"""

from __future__ import annotations

from collections.abc import Callable

from direct.gui import DirectGuiGlobals as DGG
from direct.gui.DirectGui import DirectButton, DirectEntry
from direct.gui.OnscreenText import OnscreenText
from panda3d.core import (
    Geom,
    GeomNode,
    GeomTriangles,
    GeomVertexData,
    GeomVertexFormat,
    GeomVertexWriter,
    TextNode,
    TextProperties,
    TextPropertiesManager,
)

from .. import i18n
from ..state.chat_state import EMOTE_KEYS, MAX_INPUT_CHARS, ChatState
from ..state.keymap import key_label
from .booth_widgets import box_px
from .focus import KeyboardFocus
from .theme import theme_for

__all__ = ["ChatBox", "STYLE_COLOURS", "ROLE_COLOURS", "CHAT_FRAME", "CHAT_POS"]

ROLE_COLOURS = {
    "guest": (0.82, 0.84, 0.88, 1),
    "citizen": (0.55, 0.82, 1.0, 1),
    "staff": (1.0, 0.78, 0.30, 1),
    "host": (0.86, 0.62, 1.0, 1),
    "admin": (1.0, 0.47, 0.42, 1),
}
STYLE_COLOURS = {
    "text": (1, 1, 1, 1),
    "system": (0.70, 0.88, 0.72, 1),
    "dm": (0.98, 0.62, 0.90, 1),
    "announce": (1.0, 0.86, 0.45, 1),
    "channel": (0.70, 0.72, 0.78, 1),
    **{f"role.{role}": c for role, c in ROLE_COLOURS.items()},
}
CHAT_POS = (0.025, 0.105)  # from the bottom-left corner, aspect2d units
CHAT_FRAME = (0.0, 1.5, 0.0, 0.52)  # left, right, bottom, top
FOLDED_FRAME = (0.0, 1.5, 0.0, 0.075)
LOG_ROWS = 10
LOG_SCALE = 0.032
LOG_WIDTH = (CHAT_FRAME[1] - 0.05) / LOG_SCALE  # a row's width in text units (the font measures)
_PROP = "mvchat-"


def _register_styles() -> None:
    manager = TextPropertiesManager.get_global_ptr()
    for style, colour in STYLE_COLOURS.items():
        if not manager.has_properties(_PROP + style):
            props = TextProperties()
            props.set_text_color(*colour)
            manager.set_properties(_PROP + style, props)


def _markup(rows: list[list[tuple[str, str]]]) -> str:
    lines = []
    for row in rows:
        lines.append("".join(f"\1{_PROP}{style if style in STYLE_COLOURS else 'text'}\1{text}\2"
                             for text, style in row))
    return "\n".join(lines)


def _small_button(parent, text: str, frame, pos, command, colour=(0.18, 0.20, 0.26, 0.95)) -> DirectButton:
    return DirectButton(parent=parent, text=text, text_scale=0.032, text_fg=(1, 1, 1, 1), text_pos=(0, -0.011),
                        frameSize=frame, frameColor=(colour, (0.28, 0.31, 0.40, 1), (0.36, 0.40, 0.50, 1),
                                                     (0.2, 0.2, 0.2, 0.6)),
                        relief=DGG.FLAT, pos=(pos[0], 0, pos[1]), command=command)


def _arrow(parent, *, up: bool, size: float = 0.018) -> None:
    fmt = GeomVertexFormat.get_v3()
    vdata = GeomVertexData("arrow", fmt, Geom.UH_static)
    writer = GeomVertexWriter(vdata, "vertex")
    tip = size if up else -size
    for x, z in ((-size, -tip * 0.7), (size, -tip * 0.7), (0.0, tip)):
        writer.add_data3(x, 0.0, z + 0.002)
    tris = GeomTriangles(Geom.UH_static)
    tris.add_vertices(0, 1, 2) if up else tris.add_vertices(0, 2, 1)
    geom = Geom(vdata)
    geom.add_primitive(tris)
    node = GeomNode("arrow")
    node.add_geom(geom)
    arrow = parent.attach_new_node(node)
    arrow.set_color(1, 1, 1, 1)
    arrow.set_two_sided(True)


class ChatBox:
    def __init__(self, base, chat: ChatState, focus: KeyboardFocus, *, lang: str,
                 on_submit: Callable[[str], None], on_emote: Callable[[str], None] | None = None) -> None:
        _register_styles()
        self.base = base
        self.chat = chat
        self.focus = focus
        self.lang = lang
        self.on_submit = on_submit
        self.on_emote = on_emote
        self.frame = theme_for(base).frame("bottom_left", frameColor=(0.03, 0.04, 0.07, 0.66), frameSize=CHAT_FRAME,
                                           pos=(CHAT_POS[0], 0, CHAT_POS[1]), sortOrder=5)
        top = CHAT_FRAME[3]
        self.tab_buttons = {
            "public": _small_button(self.frame, "", (-0.15, 0.15, -0.03, 0.035), (0.17, top - 0.045),
                                    lambda: self._open_tab("public")),
            "dm": _small_button(self.frame, "", (-0.15, 0.15, -0.03, 0.035), (0.485, top - 0.045),
                                lambda: self._open_tab("dm")),
        }
        self.emote_buttons = {
            emote: _small_button(self.frame, "", (-0.075, 0.075, -0.03, 0.035), (0.7375 + 0.16 * i, top - 0.045),
                                 lambda e=emote: self.on_emote(e) if self.on_emote else None,
                                 colour=(0.30, 0.22, 0.10, 0.95))
            for i, emote in enumerate(EMOTE_KEYS.values())
        }
        self.scroll_up = _small_button(self.frame, "", (-0.035, 0.035, -0.03, 0.035), (CHAT_FRAME[1] - 0.13,
                                       top - 0.045), lambda: self.scroll(LOG_ROWS - 2))
        self.scroll_down = _small_button(self.frame, "", (-0.035, 0.035, -0.03, 0.035), (CHAT_FRAME[1] - 0.05,
                                         top - 0.045), lambda: self.scroll(-(LOG_ROWS - 2)))
        # The font has no arrow glyphs: draw the arrows.
        _arrow(self.scroll_up, up=True)
        _arrow(self.scroll_down, up=False)
        self.log_node = TextNode("chat-log")
        self.log_node.set_align(TextNode.A_left)
        self.log_node.set_text_color(1, 1, 1, 1)
        self.log_node.set_shadow(0.06, 0.06)
        self.log_node.set_shadow_color(0, 0, 0, 0.8)
        self.log = self.frame.attach_new_node(self.log_node)
        self.log.set_scale(LOG_SCALE)
        self.log.set_pos(0.02, 0, top - 0.11)
        self.channel_btn = _small_button(self.frame, "", (-0.1, 0.1, -0.032, 0.038), (0.12, 0.05),
                                         self._cycle_channel, colour=(0.12, 0.30, 0.52, 0.95))
        self.entry = DirectEntry(
            parent=self.frame, scale=0.034, width=(CHAT_FRAME[1] - 0.27) / 0.034, pos=(0.245, 0, 0.038),
            numLines=1, frameColor=(0.92, 0.94, 0.98, 0.92), text_fg=(0.04, 0.05, 0.09, 1), relief=DGG.FLAT,
            frameSize=(-0.3, (CHAT_FRAME[1] - 0.27) / 0.034 + 0.2, -0.45, 1.1),
            command=self._submit, focusInCommand=self._focus_in, focusOutCommand=self._focus_out,
        )
        self.entry.guiItem.set_max_chars(MAX_INPUT_CHARS)
        self.placeholder = OnscreenText(parent=self.frame, text="", pos=(0.255, 0.04), scale=0.03,
                                        fg=(0.35, 0.38, 0.45, 1), align=TextNode.A_left, mayChange=True)
        # Folded: one line, the newest, with how many arrived since and the key that unfolds it.
        self.peek_node = TextNode("chat-peek")
        self.peek_node.set_align(TextNode.A_left)
        self.peek_node.set_text_color(1, 1, 1, 1)
        self.peek = self.frame.attach_new_node(self.peek_node)
        self.peek.set_scale(LOG_SCALE)
        self.peek.set_pos(0.02, 0, 0.027)
        self.peek.hide()
        self._unfolded = [*self.tab_buttons.values(), *self.emote_buttons.values(), self.scroll_up,
                          self.scroll_down, self.log, self.channel_btn, self.entry, self.placeholder]
        self._folded: bool | None = None
        self.submitted_frame = -1  # the frame a line was sent (so that Enter doesn't reopen the box at once)
        self._drawn: tuple = ()
        self._labels: tuple = ()
        self.retext()

    # ── keyboard ─────────────────────────────────────────────────────────────
    @property
    def typing(self) -> bool:
        return self.focus.holds(self.entry)

    def open(self) -> None:
        """Enter: give the line the keyboard (unfolding the box first)."""
        if self.base.clock.get_frame_count() == self.submitted_frame:
            return
        if self.chat.collapsed:
            self.chat.set_collapsed(False)
            self._fold(False)
        self.entry["focus"] = 1

    def toggle_fold(self) -> None:
        if self.typing:
            self.focus.release(self.entry)
        self._fold(self.chat.toggle_collapsed())

    def _fold(self, folded: bool) -> None:
        if folded == self._folded:
            return
        self._folded = folded
        self.frame["frameSize"] = FOLDED_FRAME if folded else CHAT_FRAME
        for part in self._unfolded:
            (part.hide if folded else part.show)()
        (self.peek.show if folded else self.peek.hide)()
        if not folded and self.entry.get():
            self.placeholder.hide()
        self._drawn = ()

    def _focus_in(self) -> None:
        self.focus.take(self.entry, on_release=lambda: self.entry.__setitem__("focus", 0))
        self.placeholder.hide()

    def _focus_out(self) -> None:
        self.focus.release(self.entry)
        if not self.entry.get():
            self.placeholder.show()

    def _submit(self, text: str) -> None:
        self.submitted_frame = self.base.clock.get_frame_count()
        self.entry.enterText("")
        self.focus.release(self.entry)
        if text.strip():
            self.on_submit(text)

    def cycle_channel(self) -> None:
        self._cycle_channel()

    def _cycle_channel(self) -> None:
        self.chat.cycle_channel()

    def _open_tab(self, tab: str) -> None:
        self.chat.open_tab(tab)

    def scroll(self, rows: int) -> None:
        self.chat.scroll_by(rows)

    # ── drawing ──────────────────────────────────────────────────────────────
    def set_lang(self, lang: str) -> None:
        self.lang = lang
        self.retext()

    def retext(self) -> None:
        self.placeholder.setText(i18n.t("chat.placeholder", self.lang))
        for i, (emote, btn) in enumerate(self.emote_buttons.items()):
            btn["text"] = f"{i + 1} {i18n.t(f'emote.{emote}', self.lang)}"
        self._drawn = ()
        self._labels = ()

    def update(self) -> None:
        chat, lang = self.chat, self.lang
        labels = (chat.tab, chat.unread_dm, chat.channel, lang)
        if labels != self._labels:
            self._labels = labels
            self.tab_buttons["public"]["text"] = i18n.t("chat.tab.public", lang)
            unread = chat.unread_dm
            self.tab_buttons["dm"]["text"] = (i18n.t("chat.tab.dm_unread", lang, n=unread) if unread
                                              else i18n.t("chat.tab.dm", lang))
            for tab, btn in self.tab_buttons.items():
                active = tab == chat.tab
                btn["frameColor"] = ((0.12, 0.30, 0.52, 0.95) if active else (0.18, 0.20, 0.26, 0.95),
                                     (0.28, 0.31, 0.40, 1), (0.36, 0.40, 0.50, 1), (0.2, 0.2, 0.2, 0.6))
            self.tab_buttons["dm"]["text_fg"] = (1.0, 0.85, 0.3, 1) if unread else (1, 1, 1, 1)
            self.channel_btn["text"] = i18n.t(f"chat.channel.{chat.channel}", lang)
        self._fold(chat.collapsed)
        state = (chat.revision, lang)
        if state != self._drawn and chat.collapsed:
            self._drawn = state
            badge = i18n.t("chat.folded_new", lang, n=chat.unseen) if chat.unseen else ""
            hint = i18n.t("chat.folded_hint", lang, shortcut=key_label("chat_fold"))
            tail = f"   {badge}  {hint}" if badge else f"   {hint}"
            room = LOG_WIDTH - self.peek_node.calc_width(tail)
            rows = chat.visible_rows(lang, room, 1, measure=self.peek_node.calc_width)
            self.peek_node.set_text(_markup(rows[-1:]) + f"\1{_PROP}channel\1{tail}\2")
        elif state != self._drawn:
            self._drawn = state
            rows = chat.visible_rows(lang, LOG_WIDTH, LOG_ROWS, measure=self.log_node.calc_width)
            # The newest line sits just above the text field, as in every chat.
            self.log_node.set_text(_markup([[]] * (LOG_ROWS - len(rows)) + rows))

    def show(self) -> None:
        self.frame.show()

    def hide(self) -> None:
        self.focus.release(self.entry)
        self.frame.hide()

    @property
    def shown(self) -> bool:
        return not self.frame.is_hidden()

    def box_px(self) -> list[int]:
        """The panel in window pixels (x0, y0, x1, y1), for tests."""
        return box_px(self.frame, FOLDED_FRAME if self.chat.collapsed else CHAT_FRAME, self.base)

    def log_box_px(self) -> list[int]:
        """The log's rows in window pixels (x0, y0, x1, y1), for tests."""
        first = CHAT_FRAME[3] - 0.11
        row = self.log_node.get_line_height() * LOG_SCALE
        box = (0.02, CHAT_FRAME[1] - 0.02, first - (LOG_ROWS - 1) * row - 0.3 * row, first + 0.8 * row)
        return box_px(self.frame, box, self.base)

    def destroy(self) -> None:
        self.focus.release(self.entry)
        self.frame.destroy()
