"""The booths on the heads-up display: the "press E" prompt at a booth, your ticket(s) with
place and estimated wait, the banner and the arrow when your number is called, a few lines
across the counter with the clerk, and short notifications (toasts).

Toasts and tickets come from `BoothModel`; the arrow is in the 3D scene, on the floor by your
avatar, pointing at the booth that called you.
"""

from __future__ import annotations

import math

from direct.gui.DirectGui import DirectFrame
from panda3d.core import NodePath, TextNode

from makaverse.world import World

from .. import i18n
from ..scene.meshes import MeshBuilder
from ..state.booths import BoothModel
from . import booth_text as T
from .booth_panel import WIDTH as PANEL_W
from .booth_widgets import BG, GOLD, GOOD, INK, MUTED, TextField, button, holder, label, text_height
from .staff_console import WIDTH as CONSOLE_W
from .theme import theme_for

__all__ = ["TicketHud", "build_arrow"]

CARD_W = 0.78
BUTTONS_Y = -0.175  # under the account bar in the top right corner (ui/login.py)
CARDS_TOP = -0.21
PROMPT_X, PROMPT_W = 0.42, 1.2
TONES = {
    "info": (0.10, 0.16, 0.26, 0.92),
    "good": (0.06, 0.36, 0.18, 0.92),
    "bad": (0.50, 0.10, 0.10, 0.92),
    "call": (0.62, 0.44, 0.04, 0.95),
}
ARROW_COLOUR = (1.0, 0.82, 0.15)


def build_arrow(parent: NodePath) -> NodePath:
    """A flat arrow on the floor, 1.4 m long, pointing along +Y from its origin."""
    b = MeshBuilder("call-arrow", light=None)
    z = 0.06
    w, head_w, shaft_end, tip = 0.16, 0.42, 1.0, 1.45
    b.quad([(-w, 0.45, z), (w, 0.45, z), (w, shaft_end, z), (-w, shaft_end, z)], ARROW_COLOUR, (0, 0, 1))
    b.triangle((-head_w, shaft_end, z), (head_w, shaft_end, z), (0.0, tip, z), ARROW_COLOUR, [(0, 0, 1)] * 3)
    arrow = b.node()
    arrow.reparent_to(parent)
    arrow.set_two_sided(True)
    arrow.set_light_off(1)
    arrow.set_depth_offset(2)  # drawn over the floor it lies on
    arrow.hide()
    return arrow


class TicketHud:
    def __init__(self, base, model: BoothModel, world: World, *, lang: str = "id", focus=None,
                 on_my_requests=None, on_console=None) -> None:
        self.base = base
        self.model = model
        self.world = world
        self.lang = lang
        self.focus = focus
        self.on_my_requests = on_my_requests or model.my_requests.open
        self.on_console = on_console or model.staff.open
        theme = self.theme = theme_for(base)
        self.corner = theme.root("top_right", name="tickets")  # buttons, cards and toasts grow with the text
        self.top = theme.root("top_center", name="called")
        # Low in the middle, right of the chat box (which ends 0.25 left of the centre: ui/chat.py).
        self.prompt = label(theme.root("bottom_center", name="ticket-prompt"), "", (PROMPT_X, 0.2), scale=0.046,
                            fg=(1, 1, 1, 1), align=TextNode.A_center, bg=(0.05, 0.06, 0.10, 0.85), width=PROMPT_W)
        self.prompt.hide()
        self.buttons = None
        self.cards = None
        self.toasts = None
        self.toast_floor: float | None = None  # the corner's z the toasts stop above (a panel below: `hud_layout`)
        self.toast_top: float | None = None  # the corner's z the toasts start below (a wide line above: `hud_layout`)
        self.banner = None
        self.banner_line = None
        self.banner_shift = 0.0  # of the window's width: the banner stands over the part side panels leave free
        self.talk = None
        self.talk_field: TextField | None = None
        self.arrow = build_arrow(base.render)
        self.arrow_target: tuple[float, float] | None = None
        self._last: dict[str, object] = {}

    def set_lang(self, lang: str) -> None:
        self.lang = lang
        self._last.clear()

    def _changed(self, key: str, value: object) -> bool:
        if self._last.get(key) == value:
            return False
        self._last[key] = value
        return True

    def sync(self, now_ms: float, own: tuple[float, float] | None, zone_opd: str, at_post: bool) -> None:
        m = self.model
        self._prompt(zone_opd, at_post)
        if self._changed("buttons", (m.role, m.is_staff)):
            self._draw_buttons()
        # A card says "called when the counter opens" until it opens: its counter's state counts too.
        counters = tuple(m.panel.is_open(t.opd) for t in m.ticket.active_tickets())
        if self._changed("cards", (m.rev["ticket"], bool(m.panel.opd), counters)):
            self._draw_cards()
        visible = tuple(id(t) for t in m.recent_toasts(now_ms))
        if self._changed("toasts", (visible, m.rev["ticket"], bool(m.panel.opd), self._console_shown(),
                                    self.toast_floor, self.toast_top)):
            self._draw_toasts(now_ms)
        self._called(own, zone_opd)
        self._talk()

    # ── the prompt ───────────────────────────────────────────────────────────
    def _prompt(self, zone_opd: str, at_post: bool) -> None:
        m, lang = self.model, self.lang
        text = ""
        if at_post:
            console = m.staff.console
            manning = console is not None and console.manning
            key = "booth.prompt_console" if manning else "booth.prompt_counter"
            if not (manning and m.staff.shown):
                text = i18n.t(key, lang, booth=m.panel.booth_name(m.opd))
        elif zone_opd and m.panel.opd != zone_opd:
            text = i18n.t("booth.prompt", lang, booth=m.panel.booth_name(zone_opd))
        if self._changed("prompt", text):
            self.prompt.setText(text)
            if text:
                self.prompt.show()
            else:
                self.prompt.hide()

    @property
    def prompt_text(self) -> str:
        return str(self._last.get("prompt", ""))

    # ── top right: buttons, tickets, toasts ──────────────────────────────────
    def _draw_buttons(self) -> None:
        m, lang = self.model, self.lang
        if self.buttons is not None:
            self.buttons.destroy()
        self.buttons = b = holder(self.corner)
        x = -0.03
        if m.is_staff:
            btn = button(b, i18n.t("hud.console", lang), (x, BUTTONS_Y), self.on_console, align="right", scale=0.032)
            x -= btn.width_units + 0.015
        if m.logged_in:
            button(b, i18n.t("hud.my_requests", lang), (x, BUTTONS_Y), self.on_my_requests, align="right",
                   scale=0.032)

    def _draw_cards(self) -> None:
        m, lang = self.model, self.lang
        if self.cards is not None:
            self.cards.destroy()
        self.cards = c = holder(self.corner)
        y = CARDS_TOP
        # An open booth panel shows your ticket in its header (and would cover the card).
        for t in m.ticket.active_tickets() if not m.panel.opd else ():
            name = m.panel.booth_name(t.opd)
            h = 0.2
            DirectFrame(parent=c, frameColor=(0.62, 0.44, 0.04, 0.95) if t.called else BG,
                        frameSize=(-CARD_W - 0.03, -0.03, y - h, y))
            label(c, i18n.t("ticket.number", lang, code=t.code), (-CARD_W, y - 0.06), scale=0.05,
                  fg=(1, 1, 1, 1) if t.called else GOLD)
            line = (i18n.t("ticket.called", lang, code=t.code, booth=name) if t.called
                    else T.ticket_line(name, t.place, t.est_wait_s, lang, counter_open=m.panel.is_open(t.opd)))
            label(c, line, (-CARD_W, y - 0.11), scale=0.031, fg=INK, width=CARD_W - 0.04)
            button(c, i18n.t("booth.leave_queue", lang), (-0.05, y - 0.167), m.ticket.leave_queue, args=(t.opd,),
                   align="right", scale=0.031)
            y -= h + 0.02
        self._cards_bottom = y

    def _console_shown(self) -> bool:
        return self.model.staff.shown and self.model.is_staff

    def _draw_toasts(self, now_ms: float) -> None:
        m, lang = self.model, self.lang
        if self.toasts is not None:
            self.toasts.destroy()
        self.toasts = t = holder(self.corner)
        # Beside an open booth panel or staff console rather than under it.
        right = -0.03 - (CONSOLE_W + 0.06 if self._console_shown() else PANEL_W + 0.05 if m.panel.opd else 0.0)
        y = (CARDS_TOP if m.panel.opd else getattr(self, "_cards_bottom", CARDS_TOP)) - 0.01
        if self.toast_top is not None:
            y = min(y, self.toast_top)
        for toast in reversed(m.recent_toasts(now_ms)):
            text = T.toast_text(toast, lang)
            w = label(t, text, (right - 0.02, y - 0.05), scale=0.033, fg=(1, 1, 1, 1), align=TextNode.A_right,
                      width=CARD_W - 0.04)
            rows = max(1, w.textNode.get_num_rows())
            h = 0.03 + rows * 0.04
            if self.toast_floor is not None and y - h - 0.01 < self.toast_floor:
                w.destroy()  # no room above the panel below: the newest shown, the older ones left out
                break
            bg = DirectFrame(parent=t, frameColor=TONES.get(toast.tone, TONES["info"]),
                             frameSize=(right - CARD_W, right, y - h - 0.01, y))
            w.reparent_to(bg)
            y -= h + 0.02

    def centre_banner(self, shift: float) -> None:
        """Stand the "your number is called" banner `shift` of the window's width off the middle
        (`camera_math.centre_shift`): over the picture, not half under the booth panel."""
        if shift != self.banner_shift:
            self.banner_shift = shift
            self._place_banner()

    def _place_banner(self) -> None:
        if self.banner is not None:
            # aspect2d spans the window's width as 2 × its aspect ratio.
            self.banner.set_x(self.base.aspect2d, self.banner_shift * 2.0 * self.base.get_aspect_ratio())

    # ── being called ─────────────────────────────────────────────────────────
    def _called(self, own: tuple[float, float] | None, zone_opd: str) -> None:
        m, lang = self.model, self.lang
        ticket = m.ticket.called_ticket()
        if ticket is None:
            if self.banner is not None:
                self.banner.destroy()
                self.banner = self.banner_line = None
                self._last.pop("banner", None)
            self.arrow.hide()
            self.arrow_target = None
            return
        name = m.panel.booth_name(ticket.opd)
        if self._changed("banner", (ticket.code, ticket.opd, ticket.clerk)):
            if self.banner is not None:
                self.banner.destroy()
            self.banner = b = DirectFrame(parent=self.top, frameColor=(0.62, 0.44, 0.04, 0.95),
                                          frameSize=(-1.0, 1.0, -0.53, -0.33), sortOrder=9)
            label(b, i18n.t("ticket.called", lang, code=ticket.code, booth=name), (0, -0.41), scale=0.06,
                  fg=(1, 1, 1, 1), align=TextNode.A_center)
            self.banner_line = label(b, "", (0, -0.495), scale=0.036, fg=(1, 0.95, 0.8, 1), align=TextNode.A_center)
            self._last.pop("banner_line", None)
            self._place_banner()
        booth = self.world.booth(ticket.opd)
        here = zone_opd == ticket.opd
        parts = []
        if ticket.clerk:
            parts.append(i18n.t("ticket.called_by", lang, clerk=ticket.clerk))
        if booth is not None and own is not None and not here:
            tx, ty = booth.zone.centre
            dist = math.hypot(tx - own[0], ty - own[1])
            parts.append(i18n.t("ticket.go", lang, m=int(round(dist))))
            self.arrow_target = (tx, ty)
            heading = math.degrees(math.atan2(-(tx - own[0]), ty - own[1]))  # 0 = north (+Y), counter-clockwise
            z = float(self.world.floor_height([[own[0], own[1]]])[0])
            self.arrow.set_pos(own[0], own[1], z)
            self.arrow.set_h(heading)
            self.arrow.show()
        else:
            parts.append(i18n.t("ticket.here", lang))
            self.arrow.hide()
            self.arrow_target = None
        line = "   •   ".join(parts)
        if self.banner_line is not None and self._changed("banner_line", line):
            self.banner_line.setText(line)

    # ── talking across the counter ───────────────────────────────────────────
    def _talk(self) -> None:
        m, lang = self.model, self.lang
        ticket = m.ticket.called_ticket()
        key = None if ticket is None or m.panel.opd else (ticket.opd, ticket.code, m.rev["lines"])
        if not self._changed("talk", key):
            return
        if key is None or ticket is None:
            self._close_talk()
            return
        lines = m.ticket.conversation(ticket.opd, ticket.code)
        if self.talk is None:
            # Right, under the toasts (the booth panel is closed while it shows; chat is bottom left).
            self.talk = self.theme.frame("right_center", frameColor=BG, frameSize=(0, 0.9, -0.38, 0.14),
                                    pos=(-0.94, 0, -0.3))
            label(self.talk, i18n.t("counter.title", lang), (0.03, 0.08), scale=0.036, fg=GOLD)
            self.talk_field = TextField(self.talk, (0.03, -0.33), width=0.84, focus=self.focus, scale=0.032,
                                        on_enter=self._say, max_chars=500)
            self.talk_lines = holder(self.talk)
        self.talk_lines.destroy()
        self.talk_lines = h = holder(self.talk)
        shown = lines[-4:]
        if not shown:
            label(h, i18n.t("counter.empty", lang), (0.03, 0.02), scale=0.03, fg=MUTED)
        bottom = -0.26  # above the text field; the newest line is the lowest
        for line in reversed(shown):
            who = line.from_name if line.from_staff else i18n.t("hud.you", lang)
            w = label(h, f"{who}: {line.text}", (0.03, 0.0), scale=0.03, fg=GOOD if line.from_staff else INK,
                      width=0.84)
            height = text_height(w, 0.03)
            top = bottom + height
            if top > 0.05:
                w.destroy()
                break
            w.setPos(0.03, top - 0.03)
            bottom = top + 0.012

    def _say(self, text: str) -> None:
        if self.model.ticket.say(text) and self.talk_field is not None:
            self.talk_field.set("")

    def _close_talk(self) -> None:
        if self.talk is not None:
            if self.talk_field is not None:
                self.talk_field.destroy()
                self.talk_field = None
            self.talk.destroy()
            self.talk = None

    def destroy(self) -> None:
        self._close_talk()
        for w in (self.buttons, self.cards, self.toasts, self.banner):
            if w is not None:
                w.destroy()
        self.prompt.destroy()
        self.arrow.remove_node()

