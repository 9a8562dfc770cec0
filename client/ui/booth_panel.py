"""The booth panel a citizen opens with E at a counter: the OPD's description, programs,
social-media accounts and services, whether the counter is open and how many wait; take a
number or leave the line; fill in a service request (checked field by field here and by the
server) and see its tracking number.

It draws `BoothModel` and calls its commands; it is rebuilt only when the parts of the model
it shows change (`rev`), and the request form keeps its text fields while you type.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from direct.gui.DirectGui import DirectFrame
from direct.gui.OnscreenText import OnscreenText
from panda3d.core import TextNode

from makaverse.world import World

from .. import i18n
from ..state.booths import NOTE_KEY, BoothModel, RequestForm
from ..state.directory import shared_directory
from ..state.keymap import with_key
from . import booth_text as T
from .booth_widgets import (
    BAD,
    BG,
    BUTTON_ON,
    GOLD,
    GOOD,
    INK,
    MUTED,
    Column,
    Cycler,
    TextField,
    button,
    holder,
    label,
)
from .theme import theme_for

__all__ = ["BoothPanel", "TABS"]

TABS = ("about", "programs", "services")
WIDTH = 1.52
TOP = 0.78  # under the account bar and the HUD buttons in the top right corner
BOTTOM = -0.9
PAD = 0.04
HEAD_H = 0.30
CONTENT_TOP = TOP - HEAD_H - 0.20
FOOT_Y = BOTTOM + 0.06


class BoothPanel:
    def __init__(self, base, model: BoothModel, world: World, *, lang: str = "id", focus=None,
                 on_my_requests: Callable[[], None] | None = None) -> None:
        self.base = base
        self.model = model
        self.world = world
        self.lang = lang
        self.focus = focus
        self.on_my_requests = on_my_requests or model.my_requests.open
        self.root = theme_for(base).frame("right_center", frameColor=BG, frameSize=(0, WIDTH, BOTTOM, TOP),
                                          pos=(-WIDTH - 0.04, 0, 0), sortOrder=10)
        self.root.hide()
        self.tab = "about"
        self.starts: list[int] = [0]  # first item of each page seen so far (for « back)
        self.head = None
        self.head_texts: list[str] = []  # what the header says (for the screenshot summary)
        self.body = None
        self.form_view: FormView | None = None
        self._key: tuple | None = None
        self._head_key: tuple | None = None

    # ── drawing ──────────────────────────────────────────────────────────────
    @property
    def visible(self) -> bool:
        return not self.root.is_hidden()

    def sync(self, now_ms: float) -> None:
        m = self.model
        opd = m.panel.opd
        if not opd:
            if self.visible:
                self.root.hide()
                self._close_form()
                self._key = self._head_key = None
            return
        self.root.show()
        rev = m.rev
        head_key = (opd, rev["info"], rev["state"], rev["ticket"])
        if head_key != self._head_key:
            self._head_key = head_key
            self._draw_head(opd)
        form = m.request.form if m.request.form is not None and m.request.form.opd == opd else None
        if form is not None:
            if self.body is not None:
                self.body.destroy()
                self.body = None
                self._key = None
            if self.form_view is None or self.form_view.form is not form:
                self._close_form()
                self.form_view = FormView(self, form)
                self.form_view.focus_first()  # type straight away; Tab goes on from the field
            self.form_view.sync()
            return
        self._close_form()
        key = (opd, rev["info"], rev["ticket"], rev["panel"], m.role, self.tab, tuple(self.starts))
        if key != self._key:
            self._key = key
            self._draw_body(opd)

    def set_lang(self, lang: str) -> None:
        """Redraw in `lang` (a form being filled in keeps its values: they live in the model)."""
        self.lang = lang
        self._close_form()
        self._key = self._head_key = None

    def _close_form(self) -> None:
        if self.form_view is not None:
            self.form_view.destroy()
            self.form_view = None

    def _draw_head(self, opd: str) -> None:
        m, lang = self.model, self.lang
        if self.head is not None:
            self.head.destroy()
        self.head = h = holder(self.root)
        booth = self.world.booth(opd)
        colour = (*booth.colour_rgb, 1.0) if booth is not None else (0.3, 0.3, 0.3, 1.0)
        DirectFrame(parent=h, frameColor=colour, frameSize=(0, WIDTH, TOP - HEAD_H + 0.1, TOP))
        info = m.panel.infos.get(opd)
        title = info.short_name if info is not None else m.panel.booth_name(opd)
        label(h, title, (PAD, TOP - 0.085), scale=0.062, fg=(1, 1, 1, 1))
        self.head_texts = [title]
        if info is not None and info.name != title:
            # The agency's own name, in English the directory's translation of it (the signs in
            # the hall keep the Indonesian one, as real signage does).
            agency = shared_directory().agency(opd) if lang == "en" else None
            full = agency.name_en if agency is not None else info.name
            label(h, full, (PAD, TOP - 0.155), scale=0.032, fg=(1, 1, 1, 0.92), width=WIDTH - 0.4)
            self.head_texts.append(full)
        button(h, i18n.t("booth.close", lang), (WIDTH - PAD, TOP - 0.08), m.close_panel, align="right")
        state = m.panel.states.get(opd)
        if state is not None:
            dot = GOOD if state.open else (0.55, 0.56, 0.58, 1.0)
            DirectFrame(parent=h, frameColor=dot, frameSize=(PAD, PAD + 0.03, TOP - HEAD_H + 0.035,
                                                             TOP - HEAD_H + 0.065))
            mine = opd in m.ticket.tickets
            label(h, T.state_line(state.open, state.staff, state.waiting, state.est_wait_s, lang, estimate=not mine),
                  (PAD + 0.05, TOP - HEAD_H + 0.038), scale=0.034, fg=GOOD if state.open else INK)
        else:
            label(h, i18n.t("booth.loading", lang), (PAD, TOP - HEAD_H + 0.038), scale=0.034, fg=MUTED)
        ticket = m.ticket.tickets.get(opd)
        if ticket is not None:
            text = i18n.t("booth.your_ticket", lang, code=ticket.code)
            if ticket.called:
                text += " — " + i18n.t("ticket.called", lang, code=ticket.code, booth=title)
            else:
                text += " — " + T.ticket_line(title, ticket.place, ticket.est_wait_s, lang,
                                              counter_open=m.panel.is_open(opd))
            label(h, text, (PAD, TOP - HEAD_H - 0.03), scale=0.034, fg=GOLD, width=WIDTH - 2 * PAD)

    def _draw_body(self, opd: str) -> None:
        m, lang = self.model, self.lang
        if self.body is not None:
            self.body.destroy()
        self.body = b = holder(self.root)
        info = m.panel.infos.get(opd)
        # Tabs.
        x = PAD
        for tab in TABS:
            btn = button(b, i18n.t(f"booth.tab_{tab}", lang), (x, CONTENT_TOP + 0.06), self.show_tab, args=(tab,),
                         colour=BUTTON_ON if tab == self.tab else (0.16, 0.19, 0.26, 1.0), scale=0.036)
            x += btn.width_units + 0.015
        DirectFrame(parent=b, frameColor=(1, 1, 1, 0.18), frameSize=(PAD, WIDTH - PAD, CONTENT_TOP + 0.005,
                                                                      CONTENT_TOP + 0.008))
        bottom = FOOT_Y + 0.16
        col = Column(b, PAD, CONTENT_TOP - 0.03, WIDTH - 2 * PAD, bottom)
        if info is None:
            col.text(i18n.t("booth.loading", lang), fg=MUTED)
        elif self.tab == "about":
            self._about(col, info)
        else:
            items = info.programs if self.tab == "programs" else info.services
            self._paged(b, col, items)
        error = m.panel.error
        if error:
            label(b, T.error_text(error, lang), (PAD, FOOT_Y + 0.095), scale=0.033, fg=BAD, width=WIDTH - 2 * PAD)
        self._footer(b, opd)

    def _about(self, col: Column, info) -> None:
        lang = self.lang
        description = info.description_en if lang == "en" and info.description_en.strip() else info.description_id
        for para in description.split("\n"):
            if para.strip():
                col.text(para.strip(), scale=0.036)
        if info.services:
            col.space(0.02)
            col.text(i18n.t("booth.tab_services", lang), scale=0.036, fg=GOLD)
            for service in info.services:
                col.text("• " + T.service_name(service, lang), scale=0.034, indent=0.03, gap=0.006)
        running = [p for p in info.programs if p["status"] == "running"]
        if running:
            col.space(0.02)
            col.text(i18n.t("booth.tab_programs", lang), scale=0.036, fg=GOLD)
            for program in running:
                col.text("• " + program["title"], scale=0.034, indent=0.03, gap=0.006)
        if info.socials:
            col.space(0.02)
            col.text(i18n.t("booth.socials", lang), scale=0.036, fg=GOLD)
            for social in info.socials:
                col.text(T.social_line(social, lang), scale=0.034, indent=0.03,
                         fg=MUTED if social["sample"] else INK)

    def _paged(self, parent, col: Column, items) -> None:
        lang = self.lang
        if not items:
            col.text(i18n.t("booth.no_programs" if self.tab == "programs" else "booth.no_services", lang), fg=MUTED)
            return
        start = self.starts[-1]
        shown = start
        for item in items[start:]:
            if not self._item(parent, col, item):
                break
            shown += 1
        if shown == start and start < len(items):
            shown += 1  # one too tall for a page: show its start anyway rather than nothing
        pages_before = len(self.starts) - 1
        if start > 0 or shown < len(items):
            y = FOOT_Y + 0.16 - 0.05
            button(parent, "«", (WIDTH - PAD - 0.36, y), self._page, args=(-1,), enabled=start > 0, scale=0.034)
            label(parent, i18n.t("booth.page", lang, page=pages_before + 1, pages="…" if shown < len(items) else
                                 pages_before + 1), (WIDTH - PAD - 0.2, y), scale=0.032, fg=MUTED,
                  align=TextNode.A_center)
            button(parent, "»", (WIDTH - PAD - 0.08, y), self._page, args=(shown,), enabled=shown < len(items),
                   scale=0.034)

    def _item(self, parent, col: Column, item) -> bool:
        lang = self.lang
        y0 = col.y
        if self.tab == "programs":
            if col.text(T.program_line(item, lang), scale=0.035, fg=GOLD if item["status"] == "running" else INK,
                        gap=0.006) is None:
                return False
            summary = T.localized(item, "summary", lang)
            if summary and col.text(summary, scale=0.031, fg=MUTED, indent=0.03, gap=0.004) is None:
                return False
            if item.get("link") and col.text(item["link"], scale=0.03, fg=(0.6, 0.8, 1.0, 1), indent=0.03) is None:
                return False
        else:
            name = T.service_name(item, lang)
            fields = i18n.t("booth.fields", lang, n=len(item["fields"]))
            if col.text(f"{name}  ({fields})", scale=0.035, fg=GOLD, gap=0.006) is None:
                return False
            desc = T.localized(item, "description", lang)
            if desc and col.text(desc, scale=0.031, fg=MUTED, indent=0.03, gap=0.004) is None:
                return False
            if self.model.logged_in:
                if not col.fits(0.07):
                    col.full = True
                    return False
                button(parent, i18n.t("booth.submit", lang), (PAD + 0.03, col.y - 0.04), self._start,
                       args=(item["code"],), scale=0.031)
                col.space(0.07)
        col.space(0.02)
        return col.y < y0

    def _footer(self, parent, opd: str) -> None:
        m, lang = self.model, self.lang
        x = PAD
        ticket = m.ticket.tickets.get(opd)
        if ticket is None:
            btn = button(parent, with_key(i18n.t("booth.take_number", lang), "take_number"), (x, FOOT_Y),
                         m.ticket.take_number, args=(opd,),
                         colour=BUTTON_ON, scale=0.038)
        else:
            btn = button(parent, i18n.t("booth.leave_queue", lang), (x, FOOT_Y), m.ticket.leave_queue, args=(opd,),
                         scale=0.038)
        x += btn.width_units + 0.02
        if m.logged_in:
            btn = button(parent, i18n.t("booth.submit", lang), (x, FOOT_Y), self.show_tab, args=("services",),
                         scale=0.038)
            x += btn.width_units + 0.02
            button(parent, i18n.t("booth.my_requests", lang), (x, FOOT_Y), self.on_my_requests, scale=0.038)
        else:
            label(parent, i18n.t("booth.login_to_submit", lang), (x, FOOT_Y), scale=0.03, fg=MUTED,
                  width=WIDTH - x - PAD)

    # ── actions ──────────────────────────────────────────────────────────────
    def show_tab(self, tab: str) -> None:
        if tab in TABS and tab != self.tab:
            self.tab = tab
            self.starts = [0]

    def _page(self, to: int) -> None:
        if to < 0:
            if len(self.starts) > 1:
                self.starts.pop()
        else:
            self.starts.append(to)

    def _start(self, service_code: str) -> None:
        self.model.request.start(self.model.panel.opd, service_code)

    def destroy(self) -> None:
        self._close_form()
        self.root.destroy()


class FormView:
    """One service request: a row per field (a text field, or « » for choices), the note, and
    the reply: the tracking number, or each problem next to its field."""

    ROW_H = 0.118

    def __init__(self, panel: BoothPanel, form: RequestForm) -> None:
        self.panel = panel
        self.form = form
        self.model = panel.model
        lang = self.lang = panel.lang
        self.root = r = holder(panel.root)
        self.inputs: dict[str, TextField | Cycler] = {}
        self.problems: dict[str, OnscreenText] = {}
        y = CONTENT_TOP + 0.08  # the tabs' place: the form has none
        label(r, i18n.t("form.title", lang, service=T.service_name(form.service, lang)), (PAD, y), scale=0.04,
              fg=GOLD, width=WIDTH - 2 * PAD)
        y -= 0.085
        x_in = PAD + 0.5
        w_in = WIDTH - x_in - PAD
        fields = form.fields
        tall = [2 if f["kind"] != "choice" and int(f["max_len"]) > 60 else 1 for f in fields]
        extra = 0.04 * (sum(tall) - len(tall))
        # Whatever is left above the note (two lines), the status line and the buttons.
        room = y - extra - (FOOT_Y + 0.16) - 0.13
        row_h = min(self.ROW_H, room / max(1, len(fields)))
        for spec, lines in zip(fields, tall, strict=True):
            name = spec["name"]
            text = T.field_label(spec, lang)
            hint = T.field_hint(spec, lang)
            label(r, text, (PAD, y), scale=0.031, fg=INK, width=0.48)
            if hint:
                label(r, hint, (PAD, y - 0.034), scale=0.03, fg=MUTED)
            if spec["kind"] == "choice":
                self.inputs[name] = Cycler(r, (x_in, y), spec["choices"], width=w_in, current=form.values.get(name, ""),
                                           blank=i18n.t("form.choose", lang),
                                           on_change=partial(self.model.request.set_value, name), scale=0.031)
            else:
                self.inputs[name] = TextField(r, (x_in, y), width=w_in, initial=form.values.get(name, ""),
                                              focus=panel.focus, scale=0.033, max_chars=int(spec["max_len"]) + 8,
                                              lines=lines)
            self.problems[name] = label(r, "", (x_in, y - 0.045 - 0.04 * (lines - 1)), scale=0.03, fg=BAD)
            y -= row_h + 0.04 * (lines - 1)
        label(r, f"{i18n.t('form.note', lang)} {i18n.t('form.optional', lang)}", (PAD, y), scale=0.031, fg=INK)
        self.inputs[NOTE_KEY] = TextField(r, (x_in, y), width=w_in, initial=form.note, focus=panel.focus, scale=0.033,
                                          lines=2, max_chars=1000)
        self.problems[NOTE_KEY] = label(r, "", (x_in, y - 0.085), scale=0.03, fg=BAD)
        self.status = label(r, "", (PAD, FOOT_Y + 0.11), scale=0.034, fg=INK, width=WIDTH - 2 * PAD)
        self.buttons = None
        self._drawn: tuple | None = None

    def sync(self) -> None:
        form, lang = self.form, self.lang
        key = (self.model.rev["form"], form.in_flight, form.done, form.error, tuple(sorted(form.problems.items())))
        if key == self._drawn:
            return
        self._drawn = key
        for name, widget in self.problems.items():
            problem = form.problems.get(name)
            widget.setText(T.problem_text(problem, lang) if problem else "")
            self.inputs[name].mark(bool(problem))
        if form.done:
            text = i18n.t("form.done", lang, tracking=form.tracking)
            if form.duplicate:
                text += " " + i18n.t("form.duplicate", lang)
            self.status.setText(text)
            self.status.fg = GOOD
            self.status.setScale(0.04)
        elif form.in_flight:
            self.status.setText(i18n.t("form.sending", lang))
            self.status.fg = MUTED
        elif form.error:
            self.status.setText(T.error_text(form.error, lang))
            self.status.fg = BAD
        elif form.problems:
            self.status.setText(i18n.t("form.fix", lang))
            self.status.fg = BAD
        else:
            self.status.setText("")
        if self.buttons is not None:
            self.buttons.destroy()
        self.buttons = b = holder(self.root)
        x = PAD
        if form.done:
            btn = button(b, i18n.t("booth.my_requests", lang), (x, FOOT_Y), self.panel.on_my_requests,
                         colour=BUTTON_ON, scale=0.038)
        else:
            send = "form.retry" if form.tries and not form.in_flight and form.error else "form.send"
            btn = button(b, with_key(i18n.t(send, lang), "submit"), (x, FOOT_Y), self.send, colour=BUTTON_ON,
                         scale=0.038, enabled=not form.in_flight)
        x += btn.width_units + 0.02
        button(b, i18n.t("form.back", lang), (x, FOOT_Y), self.model.request.cancel, scale=0.038)

    def focus_first(self) -> None:
        """The first text field takes the keyboard (the form was opened to be filled in)."""
        first = next((w for w in self.inputs.values() if isinstance(w, TextField)), None)
        if first is not None and self.panel.focus is not None:
            first.entry["focus"] = 1
            first._focus_in()

    def read(self) -> None:
        """Copy what is typed into the model (choices are copied as they change)."""
        for name, widget in self.inputs.items():
            if isinstance(widget, TextField):
                self.model.request.set_value(name, widget.get())

    def send(self) -> None:
        self.read()
        self.model.request.submit()

    def destroy(self) -> None:
        for widget in self.inputs.values():
            widget.destroy()
        self.root.destroy()
