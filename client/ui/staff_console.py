"""The staff console (F3, or E behind your counter): three tabs.

- Loket / Counter: man or close your counter, the ticket you called (on the way, or at the
  counter), "Panggil berikutnya / Call next", "Selesai / Done" or "Tidak hadir / No-show", the
  line, and a conversation with the citizen at the counter.
- Permohonan / Requests: your OPD's requests filtered by status; the one you pick in full, and
  moving it on with a note (only the statuses the machine allows are offered).
- Info OPD: edit the description (both languages) and the programs.

It draws `BoothModel.staff` (`state/booths/staff.py`) and calls its commands. Text fields survive redraws:
each part is rebuilt only when what it shows changed.
"""

from __future__ import annotations

import time

from direct.gui.DirectGui import DirectFrame
from panda3d.core import TextNode

from .. import i18n
from ..state.booths import REQUEST_STATUSES, BoothModel, legal_next
from ..state.keymap import with_key
from . import booth_text as T
from .booth_widgets import (
    BAD,
    BG,
    BUTTON,
    BUTTON_ON,
    GOLD,
    GOOD,
    INK,
    MUTED,
    Column,
    Cycler,
    Parts,
    TextField,
    button,
    label,
    text_height,
)
from .requests_panel import STATUS_COLOUR, field_lines, service_title
from .theme import theme_for

__all__ = ["StaffConsole", "TABS"]

TABS = ("counter", "requests", "edit")
WIDTH = 1.98  # on the right, clear of the chat box in the bottom left corner (ui/chat.py)
TOP = 0.78
BOTTOM = -0.93
PAD = 0.035
BODY_TOP = TOP - 0.16
SPLIT = 0.98  # left column | right column
PROGRAM_STATUSES = ("planned", "running", "finished")


class StaffConsole:
    def __init__(self, base, model: BoothModel, *, lang: str = "id", focus=None, at_post=lambda: False) -> None:
        self.base = base
        self.model = model
        self.lang = lang
        self.focus = focus
        self.at_post = at_post
        self.root = theme_for(base).frame("right_center", frameColor=BG, frameSize=(0, WIDTH, BOTTOM, TOP),
                                          pos=(-WIDTH - 0.04, 0, 0), sortOrder=10)
        self.root.hide()
        self.tab = "counter"
        self.head = None
        self.parts = Parts(self.root)  # holders per part, rebuilt on their own keys
        self.fields: dict[str, TextField | Cycler] = {}
        self.move_to = ""
        self.note_tracking = ""  # the request the note field was made for
        self.program_id = 0
        self._desc_checked = False
        self._desc_fits = True
        self.tab_texts: dict[str, str] = {}  # what the tab buttons say now (the requests tab counts new ones)
        self.list_rows: list[tuple[str, str]] = []  # (tracking, status text) of the rows drawn, top first

    @property
    def visible(self) -> bool:
        return not self.root.is_hidden()

    def set_lang(self, lang: str) -> None:
        """Redraw every part in `lang`."""
        self.lang = lang
        self.parts.redraw_all()

    # ── drawing ──────────────────────────────────────────────────────────────
    def sync(self, now_ms: float) -> None:
        m = self.model
        if not (m.staff.shown and m.is_staff):
            if self.visible:
                self.root.hide()
                self._clear()
            return
        self.root.show()
        if self.parts.due("head", (self.tab, m.opd, m.rev["info"], m.staff.new_count)):
            self._draw_head()
        if self.tab == "counter":
            tick = int(time.time()) if m.staff.console is not None and m.staff.console.current_status == "called" else 0
            if self.parts.due("counter", (m.rev["counter"], self.at_post(), tick)):
                self._draw_counter()
            if self.parts.due("talk", (m.rev["lines"], m.rev["counter"])):
                self._draw_talk()
        elif self.tab == "requests":
            # A row arriving redraws the list only: the open request and its typed note stay as they are.
            if self.parts.due("list", (m.rev["staff"], m.rev["staff_new"])):
                self._draw_list()
            detail = m.staff.detail
            if self.parts.due("detail", (m.rev["staff"], self.move_to)):
                self._draw_detail(detail)
        else:
            if self.parts.due("edit", (m.rev["info"], m.rev["edit"])):
                self._draw_edit()

    def _clear(self) -> None:
        self.parts.clear()
        for f in self.fields.values():
            f.destroy()
        self.fields.clear()

    def show_tab(self, tab: str) -> None:
        if tab in TABS and tab != self.tab:
            self._clear()
            self.tab = tab
            if tab == "requests" and not self.model.staff.loaded:
                self.model.staff.load_requests()

    def _draw_head(self) -> None:
        m, lang = self.model, self.lang
        h = self.parts.holder("head")
        booth = m.world.booth(m.opd)
        colour = (*booth.colour_rgb, 1.0) if booth is not None else (0.3, 0.3, 0.3, 1.0)
        DirectFrame(parent=h, frameColor=colour, frameSize=(0, WIDTH, TOP - 0.09, TOP))
        label(h, i18n.t("staff.title", lang, booth=m.panel.booth_name(m.opd)), (PAD, TOP - 0.065), scale=0.045,
              fg=(1, 1, 1, 1))
        button(h, i18n.t("booth.close", lang), (WIDTH - PAD, TOP - 0.062), m.staff.close, align="right", scale=0.034)
        x = PAD
        for tab in TABS:
            text = i18n.t(f"staff.tab_{tab}", lang)
            if tab == "requests" and m.staff.new_count:
                text = i18n.t("staff.tab_requests_new", lang, n=m.staff.new_count)
            self.tab_texts[tab] = text
            btn = button(h, text, (x, TOP - 0.14), self.show_tab, args=(tab,),
                         colour=BUTTON_ON if tab == self.tab else (0.16, 0.19, 0.26, 1.0), scale=0.036)
            x += btn.width_units + 0.015

    # ── the counter ──────────────────────────────────────────────────────────
    def _draw_counter(self) -> None:
        m, lang = self.model, self.lang
        h = self.parts.holder("counter")
        c = m.staff.console
        manning = c is not None and c.manning
        y = BODY_TOP - 0.06
        if c is not None and c.manning:
            label(h, i18n.t("staff.manning", lang, n=c.staff), (PAD, y), scale=0.036, fg=GOOD)
        else:
            label(h, i18n.t("staff.not_manning", lang), (PAD, y), scale=0.036, fg=MUTED)
        y -= 0.075
        if manning:
            button(h, i18n.t("staff.unman", lang), (PAD, y), m.staff.man_counter, args=(False,), scale=0.034)
        else:
            at_post = self.at_post()
            button(h, i18n.t("staff.man", lang), (PAD, y), m.staff.man_counter, args=(True,), scale=0.036,
                   colour=BUTTON_ON, enabled=at_post)
            if not at_post:
                label(h, i18n.t("staff.go_to_post", lang), (PAD + 0.36, y), scale=0.03, fg=MUTED, width=0.7)
        y -= 0.1
        current = c.current if c is not None else ""
        if c is not None and current:
            label(h, i18n.t("staff.current", lang, code=current, name=c.current_name or "—"), (PAD, y), scale=0.048,
                  fg=GOLD)
            y -= 0.055
            if c.current_status == "arrived":
                label(h, i18n.t("staff.arrived", lang), (PAD, y), scale=0.033, fg=GOOD)
            else:
                waited = max(0, int(time.time() - c.called_ms / 1000)) if c.called_ms else 0
                label(h, i18n.t("staff.on_way", lang, s=waited), (PAD, y), scale=0.033, fg=INK)
        else:
            label(h, i18n.t("staff.nobody", lang), (PAD, y), scale=0.036, fg=MUTED)
            y -= 0.055
        y -= 0.085
        x = PAD
        btn = button(h, with_key(i18n.t("staff.call_next", lang), "call_next"), (x, y), m.staff.call_next,
                     colour=BUTTON_ON, scale=0.038,
                     enabled=manning)
        x += btn.width_units + 0.02
        btn = button(h, with_key(i18n.t("staff.done", lang), "finish"), (x, y), m.staff.finish_ticket, args=(True,),
                     scale=0.038,
                     enabled=manning and bool(current))
        x += btn.width_units + 0.02
        button(h, i18n.t("staff.no_show", lang), (x, y), m.staff.finish_ticket, args=(False,), scale=0.038,
               enabled=manning and bool(current))
        y -= 0.07
        if m.staff.counter_error:
            label(h, T.error_text(m.staff.counter_error, lang), (PAD, y), scale=0.032, fg=BAD, width=SPLIT - PAD)
            y -= 0.05
        if c is not None:
            avg = T.wait_text(c.avg_service_s, lang)
            label(h, i18n.t("staff.stats", lang, served=c.served, no_shows=c.no_shows, avg=avg), (PAD, y),
                  scale=0.03, fg=MUTED, width=SPLIT - PAD)
            y -= 0.07
            label(h, i18n.t("staff.queue", lang, n=c.waiting_count), (PAD, y), scale=0.038, fg=GOLD)
            y -= 0.06
            if not c.waiting:
                label(h, i18n.t("staff.queue_empty", lang), (PAD, y), scale=0.032, fg=MUTED)
            for row in c.waiting:
                if y < BOTTOM + 0.05:
                    break
                label(h, row["code"], (PAD, y), scale=0.033, fg=INK)
                label(h, row["name"], (PAD + 0.22, y), scale=0.033, fg=INK)
                label(h, i18n.t("staff.waited", lang, wait=T.wait_text(row["waited_s"], lang)), (SPLIT - 0.05, y),
                      scale=0.03, fg=MUTED, align=TextNode.A_right)
                y -= 0.052
        DirectFrame(parent=h, frameColor=(1, 1, 1, 0.15), frameSize=(SPLIT, SPLIT + 0.004, BOTTOM + 0.03,
                                                                      BODY_TOP - 0.02))

    def _draw_talk(self) -> None:
        m, lang = self.model, self.lang
        h = self.parts.holder("talk")
        x0 = SPLIT + 0.04
        width = WIDTH - x0 - PAD
        label(h, i18n.t("counter.title", lang), (x0, BODY_TOP - 0.06), scale=0.038, fg=GOLD)
        c = m.staff.console
        current = c.current if c is not None else ""
        lines = m.ticket.conversation(m.opd, current) if current else []
        field_y = BOTTOM + 0.07
        if current and "talk" not in self.fields:
            self.fields["talk"] = TextField(self.root, (x0, field_y), width=width - 0.25, focus=self.focus,
                                            scale=0.033, on_enter=self._say, max_chars=500)
        elif not current and "talk" in self.fields:
            self.fields.pop("talk").destroy()
        if current:
            button(h, i18n.t("counter.say", lang), (WIDTH - PAD, field_y), self._say_button, align="right",
                   scale=0.034)
        bottom = field_y + 0.08
        if not lines:
            label(h, i18n.t("counter.empty", lang), (x0, BODY_TOP - 0.13), scale=0.032, fg=MUTED)
        for line in reversed(lines[-12:]):
            who = line.from_name if line.from_staff else (c.current_name if c is not None else "") or line.from_name
            w = label(h, f"{who}: {line.text}", (x0, 0.0), scale=0.032, fg=INK if line.from_staff else GOOD,
                      width=width)
            height = text_height(w, 0.032)
            top = bottom + height
            if top > BODY_TOP - 0.1:
                w.destroy()
                break
            w.setPos(x0, top - 0.032)
            bottom = top + 0.012

    def _say(self, text: str) -> None:
        if self.model.ticket.say(text) and "talk" in self.fields:
            self.fields["talk"].set("")

    def _say_button(self) -> None:
        field = self.fields.get("talk")
        if field is not None:
            self._say(field.get())

    # ── requests ─────────────────────────────────────────────────────────────
    def _draw_list(self) -> None:
        m, lang = self.model, self.lang
        h = self.parts.holder("list")
        desk = m.staff
        x = PAD
        y = BODY_TOP - 0.06
        for status in ("", *REQUEST_STATUSES):
            btn = button(h, T.status_label(status, lang), (x, y), m.staff.load_requests, args=(status,),
                         colour=BUTTON_ON if status == desk.filter else BUTTON, scale=0.03)
            x += btn.width_units + 0.012
        button(h, i18n.t("staff.refresh", lang), (WIDTH - PAD, y), m.staff.load_requests, align="right", scale=0.03)
        y -= 0.085
        if not desk.requests:
            label(h, i18n.t("staff.no_requests" if desk.loaded else "booth.loading", lang), (PAD, y), scale=0.032,
                  fg=MUTED)
        chosen = desk.detail.tracking if desk.detail is not None else ""
        self.list_rows = []
        for row in desk.requests:
            if y < BOTTOM + 0.12:
                break
            button(h, f"{row['tracking']}  {service_title(m, row['opd'], row['service'], lang)}", (PAD, y),
                   self._pick, args=(row["tracking"],), scale=0.03, width=SPLIT - PAD - 0.24,
                   colour=BUTTON_ON if row["tracking"] == chosen else BUTTON)
            # A request that just came in and was not opened says "Baru" while it is still submitted.
            fresh = row["tracking"] in desk.unseen and row["status"] == "submitted"
            status = i18n.t("staff.new_mark", lang) if fresh else T.status_label(row["status"], lang)
            self.list_rows.append((row["tracking"], status))
            label(h, status, (SPLIT - 0.04, y), scale=0.03, fg=GOLD if fresh else STATUS_COLOUR.get(row["status"], INK),
                  align=TextNode.A_right)
            y -= 0.062
        if desk.more:
            button(h, i18n.t("requests.more", lang), (PAD, BOTTOM + 0.05), self._more, scale=0.03)
        DirectFrame(parent=h, frameColor=(1, 1, 1, 0.15), frameSize=(SPLIT, SPLIT + 0.004, BOTTOM + 0.03, y + 0.05))

    def _more(self) -> None:
        self.model.staff.load_requests(more=True)

    def _pick(self, tracking: str) -> None:
        self.move_to = ""
        self.model.staff.open_request(tracking)

    def _draw_detail(self, detail) -> None:
        m, lang = self.model, self.lang
        h = self.parts.holder("detail")
        x0 = SPLIT + 0.04
        width = WIDTH - x0 - PAD
        note_field = self.fields.get("note")
        if detail is None:
            if note_field is not None:
                self.fields.pop("note").destroy()
            label(h, i18n.t("staff.select_request", lang), (x0, BODY_TOP - 0.14), scale=0.033, fg=MUTED)
            return
        col = Column(h, x0, BODY_TOP - 0.1, width, BOTTOM + 0.36)
        title = service_title(m, detail.opd, detail.service, lang)
        col.text(f"{detail.tracking} — {title}", scale=0.038, fg=GOLD)
        sent = i18n.t("requests.created", lang, when=T.date_text(detail.created_ms))
        col.text(f"{T.status_label(detail.status, lang)} • {sent}",
                 scale=0.031, fg=STATUS_COLOUR.get(detail.status, INK))
        if detail.fields:
            col.text(i18n.t("staff.fields", lang), scale=0.031, fg=GOLD, gap=0.004)
            for line in field_lines(m, detail, lang):
                col.text(line, scale=0.03, indent=0.02, gap=0.003)
        if detail.note:
            col.text(f"{i18n.t('form.note', lang)}: {detail.note}", scale=0.03, fg=MUTED)
        col.text(i18n.t("requests.history", lang), scale=0.031, fg=GOLD, gap=0.004)
        for row in reversed(detail.history):
            step = T.status_label(row["to"], lang)
            if row["from"]:
                step = f"{T.status_label(row['from'], lang)} » {step}"
            text = f"{T.date_text(row['at_ms'])}  {step}"
            if row["note"]:
                text += f": {row['note']}"
            if col.text(text, scale=0.03, indent=0.02, gap=0.003) is None:
                break
        # Moving it on: only what the machine allows, with a note.
        y = BOTTOM + 0.29
        allowed = legal_next(detail.status, detail.next)
        if not allowed:
            label(h, i18n.t("staff.final", lang), (x0, y), scale=0.032, fg=MUTED)
            if note_field is not None:
                self.fields.pop("note").destroy()
        else:
            if self.move_to not in allowed:
                self.move_to = allowed[0]
            label(h, i18n.t("staff.move_to", lang), (x0, y), scale=0.032, fg=INK)
            x = x0 + 0.3
            for status in allowed:
                btn = button(h, T.status_label(status, lang), (x, y), self._choose, args=(status,), scale=0.031,
                             colour=BUTTON_ON if status == self.move_to else BUTTON)
                x += btn.width_units + 0.012
            label(h, i18n.t("staff.note", lang), (x0, y - 0.07), scale=0.03, fg=MUTED)
            if note_field is None or self.note_tracking != detail.tracking:
                if note_field is not None:
                    note_field.destroy()
                note_field = TextField(self.root, (x0, y - 0.12), width=width, focus=self.focus, scale=0.031,
                                       lines=1, max_chars=500)
                self.note_tracking = detail.tracking
                self.fields["note"] = note_field
            button(h, i18n.t("staff.save", lang), (x0, BOTTOM + 0.05), self._move, colour=BUTTON_ON, scale=0.036)
        if m.staff.error:
            label(h, T.error_text(m.staff.error, lang), (x0 + 0.3, BOTTOM + 0.05), scale=0.031, fg=BAD,
                  width=width - 0.3)

    def _choose(self, status: str) -> None:
        self.move_to = status

    def _move(self) -> None:
        field = self.fields.get("note")
        note = field.get() if field is not None else ""
        if self.model.staff.move_request(self.move_to, note) and field is not None:
            field.set("")

    # ── editing the booth ────────────────────────────────────────────────────
    def _draw_edit(self) -> None:
        m, lang = self.model, self.lang
        h = self.parts.holder("edit")
        info = m.panel.infos.get(m.opd)
        if info is None:
            label(h, i18n.t("booth.loading", lang), (PAD, BODY_TOP - 0.06), scale=0.034, fg=MUTED)
            return
        y = BODY_TOP - 0.05
        saved = m.staff.saved
        if "desc_id" not in self.fields or saved == "description":
            self._desc_checked, self._desc_fits = False, True
            self._field("desc_id", (PAD, y - 0.05), WIDTH - 2 * PAD, info.description_id, lines=4, scale=0.03)
            self._field("desc_en", (PAD, y - 0.25), WIDTH - 2 * PAD, info.description_en, lines=3, scale=0.03)
        label(h, i18n.t("staff.description_id", lang), (PAD, y), scale=0.03, fg=GOLD)
        label(h, i18n.t("staff.description_en", lang), (PAD, y - 0.2), scale=0.03, fg=GOLD)
        # A field shows only what fits; saving a cut-off text would lose the rest.
        fits = (self.fields["desc_id"].get() == info.description_id
                and self.fields["desc_en"].get() == info.description_en) or saved == "description"
        if not fits and not self._desc_checked:
            self._desc_fits = False
        self._desc_checked = True
        button(h, i18n.t("staff.save", lang), (WIDTH - PAD, y), self._save_description, align="right", scale=0.03,
               colour=BUTTON_ON, enabled=self._desc_fits)
        if not self._desc_fits:
            label(h, i18n.t("staff.too_long_here", lang), (WIDTH - PAD - 0.2, y), scale=0.03, fg=BAD,
                  align=TextNode.A_right)
        y -= 0.42
        DirectFrame(parent=h, frameColor=(1, 1, 1, 0.15), frameSize=(PAD, WIDTH - PAD, y + 0.03, y + 0.033))
        label(h, i18n.t("staff.programs", lang, n=len(info.programs)), (PAD, y - 0.03), scale=0.034, fg=GOLD)
        button(h, i18n.t("staff.new_program", lang), (SPLIT - 0.04, y - 0.03), self._edit_program, args=(0,),
               align="right", scale=0.03)
        ly = y - 0.1
        for p in info.programs:
            if ly < BOTTOM + 0.05:
                break
            text = label(h, T.program_line(p, lang), (PAD, ly), scale=0.03,
                         fg=GOLD if p["id"] == self.program_id else INK, width=SPLIT - PAD - 0.34)
            button(h, i18n.t("staff.edit", lang), (SPLIT - 0.2, ly), self._edit_program, args=(p["id"],), scale=0.03,
                   align="right")
            button(h, i18n.t("staff.delete", lang), (SPLIT - 0.04, ly), self._delete_program, args=(p["id"],),
                   scale=0.03, align="right")
            ly -= max(0.06, text_height(text, 0.028) + 0.025)
        # The program form, on the right.
        x0 = SPLIT + 0.04
        w = WIDTH - x0 - PAD
        if "p_title" not in self.fields or saved == "program":
            self._fill_program(info)
        fy = y - 0.03
        for key, text in (("p_title", "staff.program_title"), ("p_status", "staff.program_status"),
                          ("p_start", "staff.start"), ("p_end", "staff.end"), ("p_link", "staff.link"),
                          ("p_sum_id", "staff.summary_id"), ("p_sum_en", "staff.summary_en")):
            label(h, i18n.t(text, lang), (x0, fy), scale=0.03, fg=MUTED, width=0.36)
            fy -= 0.075 if not key.startswith("p_sum") else 0.105
        button(h, i18n.t("staff.save", lang), (x0, BOTTOM + 0.045), self._save_program, colour=BUTTON_ON, scale=0.032)
        if m.staff.edit_error:
            label(h, T.error_text(m.staff.edit_error, lang), (x0 + 0.25, BOTTOM + 0.045), scale=0.03, fg=BAD,
                  width=w - 0.25)
        elif saved:
            label(h, i18n.t("staff.saved", lang), (x0 + 0.25, BOTTOM + 0.045), scale=0.03, fg=GOOD)
        m.staff.saved = ""

    def _field(self, key: str, pos, width: float, text: str, *, lines: int = 1, scale: float = 0.028) -> TextField:
        old = self.fields.pop(key, None)
        if old is not None:
            old.destroy()
        field = self.fields[key] = TextField(self.root, pos, width=width, initial=text, focus=self.focus,
                                             scale=scale, lines=lines)
        return field

    def _fill_program(self, info) -> None:
        p = next((p for p in info.programs if p["id"] == self.program_id), None)
        if p is None:
            self.program_id = 0
            p = {"title": "", "status": "running", "start": "", "end": "", "link": "", "summary_id": "",
                 "summary_en": ""}
        x0 = SPLIT + 0.04 + 0.38
        w = WIDTH - x0 - PAD
        y = BODY_TOP - 0.05 - 0.42 - 0.03
        self._field("p_title", (x0, y), w, p["title"])
        old = self.fields.pop("p_status", None)
        if old is not None:
            old.destroy()
        self.fields["p_status"] = Cycler(self.root, (x0, y - 0.075), PROGRAM_STATUSES, width=w, current=p["status"],
                                         show=lambda s: i18n.t(f"program.{s}", self.lang), scale=0.03)
        self._field("p_start", (x0, y - 0.15), w, p["start"])
        self._field("p_end", (x0, y - 0.225), w, p["end"])
        self._field("p_link", (x0, y - 0.3), w, p["link"])
        self._field("p_sum_id", (x0, y - 0.375), w, p["summary_id"], lines=2, scale=0.03)
        self._field("p_sum_en", (x0, y - 0.48), w, p["summary_en"], lines=2, scale=0.03)

    def _edit_program(self, program_id: int) -> None:
        self.program_id = program_id
        info = self.model.panel.infos.get(self.model.opd)
        if info is not None:
            self._fill_program(info)
        self.parts.redraw("edit")

    def _delete_program(self, program_id: int) -> None:
        self.model.staff.edit_program(program_id=program_id, delete=True)
        if program_id == self.program_id:
            self.program_id = 0
            self.model.staff.saved = "program"

    def _save_description(self) -> None:
        self.model.staff.edit_description(self.fields["desc_id"].get(), self.fields["desc_en"].get())

    def _save_program(self) -> None:
        f = self.fields
        self.model.staff.edit_program(
            program_id=self.program_id, title=f["p_title"].get(), status=f["p_status"].get() or "running",
            start=f["p_start"].get().strip(), end=f["p_end"].get().strip(), link=f["p_link"].get().strip(),
            summary_id=f["p_sum_id"].get(), summary_en=f["p_sum_en"].get(),
        )

    def destroy(self) -> None:
        self._clear()
        self.root.destroy()
