"""The host console (F11): run a town-hall event from one panel, by keyboard alone.

Two tabs. **Acara / Event**: the event's state (status, doors, attendees in each copy of the
hall) with open / close doors / lock / end; the people a host acts on (raised hands in the
order raised, whoever has the floor, the speakers) with invite / remove as speaker, give the
floor / take it back, mute / unmute / remove (the picked person, or else the selected question's
asker); the questions, most votes first, with answered / hide; the poll (its live counts, or a
form: question, up to six options, live results on or off; open / close); and the slides (load a
deck from files, previous / next).
**Jadwalkan / Schedule**: a new event (title, description, start and end in WITA, capacity,
language).

Every action has a Ctrl shortcut (`keymap.HOST_KEYS`), written on its button; a button (and
its key) works only when `state/host_view.enabled_actions` allows it. Tab walks the controls
(`panel_keys.py`), Enter presses the focused one. It reads and commands `EventModel`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from direct.gui.DirectGui import DirectFrame
from panda3d.core import TextNode

from .. import i18n
from ..state import host_view as V
from ..state.keymap import HOST_KEYS, with_key
from .booth_widgets import (
    BAD,
    BG,
    BUTTON,
    BUTTON_ON,
    GOLD,
    GOOD,
    INK,
    MUTED,
    Cycler,
    Parts,
    TextField,
    button,
    label,
    text_height,
)
from .slide_deck import read_deck
from .theme import theme_for

__all__ = ["HostConsole", "TABS", "HostKeys"]

TABS = ("event", "schedule")
WIDTH = 1.98  # on the right, clear of the chat box in the bottom left corner (ui/chat.py)
TOP = 0.8
BOTTOM = -0.95
PAD = 0.035
SPLIT = 0.99  # left column | right column
ROW = 0.058
TEXT = 0.031
BTN = 0.03
# Where each part starts (the parts are redrawn on their own, so each has a fixed top).
STATE_TOP = TOP - 0.23
PEOPLE_TOP = 0.25
QUESTIONS_TOP = -0.42
POLL_TOP = TOP - 0.23
SLIDES_TOP = -0.2
POLL_FIELDS = 6


class HostConsole:
    def __init__(self, base, model, *, lang: str = "id", focus=None) -> None:
        self.base = base
        self.model = model
        self.lang = lang
        self.focus = focus
        self.root = theme_for(base).frame("right_center", frameColor=(*BG[:3], 1.0),
                                          frameSize=(0, WIDTH, BOTTOM, TOP),
                                          pos=(-WIDTH - 0.03, 0, 0), sortOrder=11)
        # Over the minimap and the HUD, which hang on other corners (sort orders only order siblings).
        self.root.set_bin("gui-popup", 10)
        theme_for(base).subscribe(lambda: self.set_lang(self.lang))  # redraw with the new text size / colours
        self.root.hide()
        self.shown = False
        self.tab = "event"
        self.parts = Parts(self.root)
        self.fields: dict[str, TextField | Cycler] = {}
        self.selected = V.Selection()
        self.poll_live = True
        self.deck_problems: list[tuple[str, str]] = []  # (translation key, file)
        self.deck_sent = 0
        self.scheduled = 0  # the event this console scheduled last
        self.names: dict[int, str] = {}  # account -> name, remembered from raised hands
        self.avatars: dict[int, int] = {}  # account -> avatar id
        self._auto_joined: set[int] = set()
        self._auto_tab = False
        self.enabled: frozenset[str] = frozenset()
        self.buttons: dict[str, Any] = {}  # action -> its button, for tests

    # ── opening ──────────────────────────────────────────────────────────────
    @property
    def visible(self) -> bool:
        return not self.root.is_hidden()

    def allowed(self) -> bool:
        m = self.model
        return V.may_host(m.role, m.part)

    def toggle(self) -> None:
        if self.shown:
            self.close()
        elif self.allowed():
            self.open()

    def open(self, tab: str | None = None) -> None:
        self.shown = True
        self._auto_tab = False
        if tab in TABS:
            self.show_tab(tab)
        elif not self.event_id():
            self.show_tab("schedule")
            self._auto_tab = True  # the event tab once an event of yours shows up
        if not self.model.board:
            self.model.list_events()

    def close(self) -> None:
        self.shown = False

    def set_lang(self, lang: str) -> None:
        self.lang = lang
        self.parts.redraw_all()

    def show_tab(self, tab: str) -> None:
        self._auto_tab = False
        if tab in TABS and tab != self.tab:
            self._clear()
            self.tab = tab

    # ── what it runs ─────────────────────────────────────────────────────────
    def event_id(self) -> int:
        m = self.model
        return V.console_event(m.event_id, m.board, my_name=m.name,
                               scheduled=self.scheduled or m.last_done.get("schedule", 0))

    def status(self) -> tuple[str, str]:
        """The event's status and doors: the hall's when you are in it, else the board's."""
        m = self.model
        eid = self.event_id()
        if m.hall is not None and m.hall.event_id == eid:
            return m.hall.status, m.hall.doors
        entry = m.entry(eid)
        return (entry.status, entry.doors) if entry is not None else ("", "")

    def people(self) -> list[V.Person]:
        h = self.model.hall
        if h is None:
            return []
        for hand in h.hands:
            self.names[hand.account_id], self.avatars[hand.account_id] = hand.name, hand.avatar_id
        return V.people(h.hands, h.speakers, h.floor, names=self.names, avatars=self.avatars,
                        host_account=h.host_account)

    def person(self) -> V.Person | None:
        everyone = self.people()
        chosen = next((p for p in everyone if p.account_id == self.selected.account_id), None)
        return chosen or (everyone[0] if everyone else None)

    def question(self):
        qs = self.model.questions
        chosen = next((q for q in qs if q.id == self.selected.question_id), None)
        return chosen or (qs[0] if qs else None)

    def poll_form(self) -> tuple[str, list[str]]:
        f = self.fields
        q = f["poll_q"].get() if "poll_q" in f else ""
        opts = [f[f"poll_{i}"].get() for i in range(POLL_FIELDS) if f"poll_{i}" in f]
        return q, opts

    def schedule_form(self) -> V.ScheduleForm:
        f = self.fields

        def get(key: str) -> str:
            w = f.get(key)
            return (w.value if isinstance(w, Cycler) else w.get()) if w is not None else ""

        return V.schedule_form(get("s_title"), get("s_desc"), get("s_start"), get("s_end"), get("s_cap"),
                               get("s_lang") or self.lang)

    def deck_count(self) -> int:
        m = self.model
        return max(self.deck_sent, m.last_done.get("slide_add", 0), m.slide.count if m.slide is not None else 0)

    def compute_enabled(self) -> frozenset[str]:
        m = self.model
        status, doors = self.status()
        everyone = self.people()
        q, opts = self.poll_form()
        slide = m.slide
        joined = m.event_id != 0 and m.event_id == self.event_id()
        return V.enabled_actions(
            status=status, doors=doors, joined=joined, person=self.person(), people_count=len(everyone),
            floor=m.hall.floor if m.hall is not None else 0, question=self.question(),
            question_count=len(m.questions), poll=m.poll, poll_form_ok=not V.poll_form_problem(q, opts),
            slide_index=slide.index if slide is not None else -1, slide_count=self.deck_count(),
            may_schedule=m.is_host_role, schedule_ok=not self.schedule_form().problem)

    # ── actions (buttons and keys) ───────────────────────────────────────────
    def act(self, action: str) -> bool:
        """Do `action` if it may be done now (its button is enabled); True when it was."""
        if not self.shown or action not in self.compute_enabled():
            return False
        getattr(self, f"_do_{action}")()
        self.parts.redraw_all()  # what is enabled changed
        return True

    def _do_event_open(self) -> None:
        self.model.control("open", self.event_id())

    def _do_event_close(self) -> None:
        self.model.control("close", self.event_id())

    def _do_event_lock(self) -> None:
        self.model.control("lock", self.event_id())

    def _do_event_end(self) -> None:
        self.model.control("end", self.event_id())

    def _step_person(self, d: int) -> None:
        everyone = self.people()
        if not everyone:
            return
        ids = [p.account_id for p in everyone]
        cur = self.person()
        i = ids.index(cur.account_id) if cur is not None else -1
        self.selected = V.Selection(ids[(i + d) % len(ids)], self.selected.question_id)

    def _do_person_next(self) -> None:
        self._step_person(1)

    def _do_person_prev(self) -> None:
        self._step_person(-1)

    def _target(self) -> int:
        p = self.person()
        return p.account_id if p is not None else 0

    def _do_speaker_on(self) -> None:
        self.model.speaker_set(self._target(), True)

    def _do_speaker_off(self) -> None:
        self.model.speaker_set(self._target(), False)

    def _do_floor_give(self) -> None:
        self.model.floor_give(self._target())

    def _do_floor_back(self) -> None:
        self.model.floor_give(0)

    def mod_target(self) -> V.ModTarget | None:
        """Whom mute / unmute / remove act on (`host_view.moderation_target`)."""
        return V.moderation_target(self.selected, self.person(), self.question())

    def _moderate(self, action: str) -> None:
        target = self.mod_target()
        if target is not None:
            self.model.moderate(target.account_id, action)

    def _do_mod_mute(self) -> None:
        self._moderate("mute")

    def _do_mod_unmute(self) -> None:
        self._moderate("unmute")

    def _do_mod_remove(self) -> None:
        self._moderate("remove")

    def _do_question_next(self) -> None:
        qs = self.model.questions
        cur = self.question()
        if qs:
            i = next((k for k, q in enumerate(qs) if cur is not None and q.id == cur.id), -1)
            self.selected = V.Selection(0, qs[(i + 1) % len(qs)].id)  # moderation: its asker

    def _do_question_answered(self) -> None:
        q = self.question()
        if q is not None:
            self.model.mark_question(q.id, "answered")

    def _do_question_hide(self) -> None:
        q = self.question()
        if q is not None:
            self.model.mark_question(q.id, "hidden")

    def _do_poll_open(self) -> None:
        q, opts = self.poll_form()
        if self.model.poll_open(q.strip(), [o.strip() for o in opts if o.strip()], self.poll_live):
            for key in ["poll_q", *(f"poll_{i}" for i in range(POLL_FIELDS))]:
                if key in self.fields:
                    self.fields[key].set("")

    def _do_poll_close(self) -> None:
        self.model.poll_close()

    def _do_poll_live(self) -> None:
        self.poll_live = not self.poll_live

    def _do_deck_load(self) -> None:
        field = self.fields.get("deck")
        spec = field.get() if field is not None else ""
        slides, problems = read_deck(spec, room=max(0, 60 - self.deck_count()))
        self.deck_problems = [(p.key, p.name) for p in problems]
        for s in slides:
            if self.model.slide_add(s.kind, data=s.data, text=s.text):
                self.deck_sent += 1

    def _do_slide_next(self) -> None:
        slide = self.model.slide
        self.model.slide_show(slide.index + 1 if slide is not None else 0)

    def _do_slide_prev(self) -> None:
        slide = self.model.slide
        if slide is not None:
            self.model.slide_show(slide.index - 1)

    def _do_schedule(self) -> None:
        form = self.schedule_form()
        rid = self.model.schedule(form.title, form.start_ms, form.end_ms, description=form.description,
                                  capacity=form.capacity, lang=form.lang)
        if rid:
            self.show_tab("event")

    # ── per frame ────────────────────────────────────────────────────────────
    def sync(self, now_ms: float) -> None:
        m = self.model
        if self.shown and not self.allowed():
            self.shown = False
        if not self.shown:
            if self.visible:
                self.root.hide()
                self._clear()
            return
        self.root.show()
        eid = self.event_id()
        status, _ = self.status()
        if self._auto_tab and eid:
            self.show_tab("event")
        # A host who opened their event goes into its hall (the hall's commands need that).
        if eid and status == "live" and m.event_id != eid and eid not in self._auto_joined:
            self._auto_joined.add(eid)
            m.join(eid)
        self.enabled = self.compute_enabled()
        rev = m.rev
        base_key = (self.tab, self.lang, self.enabled, eid)
        if self.parts.due("head", base_key + (rev["board"], rev["hall"], status)):
            self._draw_head()
        if self.tab == "event":
            if self.parts.due("state", base_key + (rev["board"], rev["hall"], rev["joined"], rev["error"])):
                self._draw_state()
            if self.parts.due("people", base_key + (rev["hall"], self.selected.account_id, self.mod_target())):
                self._draw_people()
            if self.parts.due("questions", base_key + (rev["questions"], self.selected.question_id)):
                self._draw_questions()
            if self.parts.due("poll", base_key + (rev["poll"], self.poll_live)):
                self._draw_poll()
            if self.parts.due("slides", base_key + (rev["slide"], rev["done"], tuple(self.deck_problems),
                                               self.deck_count())):
                self._draw_slides()
        elif self.parts.due("schedule", base_key + (rev["done"], rev["error"], self.schedule_form().problem)):
            self._draw_schedule()

    def _clear(self) -> None:
        self.parts.clear()
        for f in self.fields.values():
            f.destroy()
        self.fields.clear()
        self.buttons.clear()

    def _field(self, key: str, pos: tuple[float, float], width: float, *, max_chars: int = 0,
               initial: str = "") -> TextField:
        field = self.fields.get(key)
        if field is None:
            field = self.fields[key] = TextField(self.root, pos, width=width, focus=self.focus, scale=TEXT,
                                                 max_chars=max_chars, initial=initial)
            field.entry.focus_name = key
        return field  # type: ignore[return-value]

    def _btn(self, h, action: str, text_key: str, pos: tuple[float, float], *, colour=BUTTON,
             align: str = "left", **fmt: object):
        on = action in self.enabled
        text = with_key(i18n.t(text_key, self.lang, **fmt), action) if action in HOST_KEYS else \
            i18n.t(text_key, self.lang, **fmt)
        b = button(h, text, pos, self.act, args=(action,), scale=BTN, colour=colour, enabled=on, align=align)
        self.buttons[action] = b
        return b

    def _row(self, h, x: float, y: float, items: list[tuple[str, str]], *, right: float) -> float:
        """Buttons left to right, wrapping to a new row before `right`; returns the y under them."""
        x0 = x
        for action, key in items:
            b = self._btn(h, action, key, (x, y))
            if x + b.width_units > right and x > x0:
                b.set_x(b.get_x() - (x - x0))
                b.set_z(y - ROW * 1.15)
                y -= ROW * 1.15
                x = x0
            x += b.width_units + 0.012
        return y - ROW * 1.2

    # ── drawing: the head ────────────────────────────────────────────────────
    def _draw_head(self) -> None:
        m, lang = self.model, self.lang
        h = self.parts.holder("head")
        DirectFrame(parent=h, frameColor=(*_EJA, 1.0), frameSize=(0, WIDTH, TOP - 0.085, TOP))
        entry = m.entry(self.event_id())
        title = entry.title if entry is not None else i18n.t("host.no_event", lang)
        label(h, i18n.t("host.title", lang, title=title), (PAD, TOP - 0.06), scale=0.04, fg=(1, 1, 1, 1),
              width=WIDTH - 0.5)
        button(h, with_key(i18n.t("booth.close", lang), "host_console"), (WIDTH - PAD, TOP - 0.058), self.close,
               align="right", scale=0.03)
        x = PAD
        for tab in TABS:
            b = button(h, i18n.t(f"host.tab_{tab}", lang), (x, TOP - 0.14), self.show_tab, args=(tab,),
                       colour=BUTTON_ON if tab == self.tab else (0.16, 0.19, 0.26, 1.0), scale=0.032)
            x += b.width_units + 0.015

    # ── drawing: the event tab, left ─────────────────────────────────────────
    def _draw_state(self) -> None:
        m, lang = self.model, self.lang
        h = self.parts.holder("state")
        y = STATE_TOP
        status, doors = self.status()
        if not status:
            label(h, i18n.t("host.pick_event", lang), (PAD, y), scale=TEXT, fg=MUTED, width=SPLIT - PAD)
            return
        label(h, i18n.t("host.state", lang, status=i18n.t(f"host.status_{status}", lang),
                        doors=i18n.t(f"host.doors_{doors}", lang)), (PAD, y), scale=TEXT + 0.002, fg=GOLD)
        y -= ROW * 0.9
        copies = m.hall.copies if m.hall is not None and m.hall.event_id == self.event_id() else ()
        if copies:
            text = "  •  ".join(f"{inst}: {n}" for inst, n in copies)
            label(h, i18n.t("host.attendees", lang, n=sum(n for _, n in copies), copies=text), (PAD, y), scale=TEXT,
                  fg=INK, width=SPLIT - PAD)
        else:
            label(h, i18n.t("host.not_in_hall", lang), (PAD, y), scale=TEXT, fg=MUTED, width=SPLIT - PAD)
        y -= ROW
        self._row(h, PAD, y, [("event_open", "host.open"), ("event_close", "host.close_doors"),
                              ("event_lock", "host.lock"), ("event_end", "host.end")], right=SPLIT - PAD)

    def _draw_people(self) -> None:
        lang = self.lang
        h = self.parts.holder("people")
        y = PEOPLE_TOP
        everyone = self.people()
        label(h, i18n.t("host.people", lang, n=len(everyone)), (PAD, y), scale=TEXT + 0.003, fg=GOLD)
        y -= ROW
        chosen = self.person()
        if not everyone:
            label(h, i18n.t("host.no_hands", lang), (PAD, y), scale=TEXT, fg=MUTED)
            y -= ROW
        for p in everyone[:5]:
            tags = []
            if p.hand:
                tags.append(i18n.t("host.hand_n", lang, n=p.hand))
            if p.floor:
                tags.append(i18n.t("host.has_floor", lang))
            if p.speaker:
                tags.append(i18n.t("host.speaker", lang))
            mark = "» " if chosen is not None and p.account_id == chosen.account_id else "   "
            fg = GOLD if mark.strip() else INK
            label(h, f"{mark}{p.name}", (PAD, y), scale=TEXT, fg=fg, width=0.5)
            label(h, ", ".join(tags), (SPLIT - PAD, y), scale=TEXT - 0.002, fg=GOOD if p.floor else MUTED,
                  align=TextNode.A_right)
            y -= ROW * 0.85
        if len(everyone) > 5:
            label(h, i18n.t("host.more", lang, n=len(everyone) - 5), (PAD, y), scale=TEXT - 0.003, fg=MUTED)
            y -= ROW * 0.85
        y -= ROW * 0.2
        self._row(h, PAD, y, [("person_prev", "host.prev"), ("person_next", "host.next"),
                                  ("speaker_on" if chosen is None or not chosen.speaker else "speaker_off",
                                   "host.speaker_on" if chosen is None or not chosen.speaker else "host.speaker_off"),
                                  ("floor_give", "host.floor_give"), ("floor_back", "host.floor_back"),
                                  *self._mod_buttons()], right=SPLIT - PAD)

    def _mod_buttons(self) -> list[tuple[str, str]]:
        """Mute / unmute / remove, named after whom they act on: the asker of the selected question
        when no person is picked."""
        target = self.mod_target()
        tail = "_asker" if target is not None and target.asker else ""
        return [("mod_mute", f"host.mute{tail}"), ("mod_unmute", f"host.unmute{tail}"),
                ("mod_remove", f"host.remove{tail}")]

    def _draw_questions(self) -> None:
        m, lang = self.model, self.lang
        h = self.parts.holder("questions")
        y = QUESTIONS_TOP
        DirectFrame(parent=h, frameColor=(1, 1, 1, 0.12), frameSize=(PAD, SPLIT - PAD, y + 0.05, y + 0.053))
        label(h, i18n.t("host.questions", lang, n=len(m.questions)), (PAD, y), scale=TEXT + 0.003, fg=GOLD)
        y -= ROW
        chosen = self.question()
        if not m.questions:
            label(h, i18n.t("host.no_questions", lang), (PAD, y), scale=TEXT, fg=MUTED)
            y -= ROW
        bottom = QUESTIONS_TOP - ROW * 4.4
        for q in m.questions:
            mark = "» " if chosen is not None and q.id == chosen.id else "   "
            state = i18n.t("host.answered", lang) if q.answered else i18n.t("host.hidden", lang) if q.hidden else ""
            fg = MUTED if q.answered or q.hidden else (GOLD if mark.strip() else INK)
            text = label(h, f"{mark}+{q.votes}  {q.text}", (PAD, y), scale=TEXT - 0.002, fg=fg,
                         width=SPLIT - PAD - 0.25)
            height = text_height(text, TEXT - 0.002)
            if y - height < bottom + ROW * 0.3:
                text.destroy()
                break
            label(h, state or q.name, (SPLIT - PAD, y), scale=TEXT - 0.004, fg=MUTED, align=TextNode.A_right)
            y -= height + ROW * 0.3
        y = min(y, bottom)
        self._row(h, PAD, y, [("question_next", "host.next"), ("question_answered", "host.mark_answered"),
                              ("question_hide", "host.hide")], right=SPLIT - PAD)

    # ── drawing: the event tab, right ────────────────────────────────────────
    def _draw_poll(self) -> None:
        m, lang = self.model, self.lang
        h = self.parts.holder("poll")
        x0 = SPLIT + 0.03
        right = WIDTH - PAD
        y = POLL_TOP
        DirectFrame(parent=h, frameColor=(1, 1, 1, 0.12), frameSize=(SPLIT, SPLIT + 0.004, BOTTOM + 0.03, TOP - 0.19))
        poll = m.poll
        if poll is not None and poll.open:
            state = i18n.t("screen.poll_live" if poll.live else "screen.poll_hidden", lang)
            label(h, i18n.t("host.poll_now", lang, state=state), (x0, y), scale=TEXT + 0.003, fg=GOLD)
            y -= ROW
            label(h, poll.question, (x0, y), scale=TEXT, fg=INK, width=right - x0)
            y -= ROW
            total = sum(poll.counts) if poll.counts else poll.total
            for i, option in enumerate(poll.options):
                count = poll.counts[i] if i < len(poll.counts) else None
                figure = "—" if count is None else i18n.t("host.votes", lang, n=count)
                label(h, f"{i + 1}. {option}", (x0 + 0.02, y), scale=TEXT - 0.002, fg=INK, width=0.6)
                label(h, figure, (right, y), scale=TEXT - 0.002, fg=GOLD, align=TextNode.A_right)
                y -= ROW * 0.75
            label(h, i18n.t("host.poll_total", lang, n=total), (x0, y), scale=TEXT - 0.002, fg=MUTED)
            y -= ROW
            self._row(h, x0, y, [("poll_close", "host.poll_close")], right=right)
            self._drop_poll_fields()
            return
        label(h, i18n.t("host.poll_new", lang), (x0, y), scale=TEXT + 0.003, fg=GOLD)
        if poll is not None:
            label(h, i18n.t("host.poll_last", lang, total=poll.total), (right, y), scale=TEXT - 0.004, fg=MUTED,
                  align=TextNode.A_right)
        y -= ROW * 1.1
        self._field("poll_q", (x0, y), right - x0, max_chars=300)
        y -= ROW * 1.05
        half = (right - x0 - 0.02) / 2
        for i in range(POLL_FIELDS):
            col, row = i % 2, i // 2
            self._field(f"poll_{i}", (x0 + col * (half + 0.02), y - row * ROW * 1.05), half, max_chars=80)
        y -= ROW * 1.05 * 3
        q, opts = self.poll_form()
        problem = V.poll_form_problem(q, opts)
        live_key = "host.live_on" if self.poll_live else "host.live_off"
        y = self._row(h, x0, y, [("poll_live", live_key), ("poll_open", "host.poll_open")], right=right)
        label(h, i18n.t(problem or "host.poll_ready", lang), (x0, y + ROW * 0.2), scale=TEXT - 0.004,
              fg=MUTED, width=right - x0)

    def _drop_poll_fields(self) -> None:
        for key in ["poll_q", *(f"poll_{i}" for i in range(POLL_FIELDS))]:
            field = self.fields.pop(key, None)
            if field is not None:
                field.destroy()

    def _draw_slides(self) -> None:
        m, lang = self.model, self.lang
        h = self.parts.holder("slides")
        x0 = SPLIT + 0.03
        right = WIDTH - PAD
        y = SLIDES_TOP
        DirectFrame(parent=h, frameColor=(1, 1, 1, 0.12), frameSize=(x0, right, y + 0.05, y + 0.053))
        slide = m.slide
        count = self.deck_count()
        where = i18n.t("host.slide_at", lang, n=slide.index + 1, of=slide.count) if slide is not None else \
            i18n.t("host.slide_none", lang, of=count)
        label(h, i18n.t("host.slides", lang), (x0, y), scale=TEXT + 0.003, fg=GOLD)
        label(h, where, (right, y), scale=TEXT - 0.002, fg=INK, align=TextNode.A_right)
        y -= ROW * 1.1
        self._field("deck", (x0, y), right - x0, max_chars=400)
        y -= ROW * 0.75
        hint = label(h, i18n.t("host.deck_hint", lang), (x0, y), scale=TEXT - 0.006, fg=MUTED, width=right - x0)
        y -= ROW * 0.5 + text_height(hint, TEXT - 0.006)
        y = self._row(h, x0, y, [("deck_load", "host.deck_load"), ("slide_prev", "host.slide_prev"),
                                 ("slide_next", "host.slide_next")], right=right)
        for key, name in self.deck_problems[:4]:
            label(h, i18n.t(key, lang, file=name), (x0, y), scale=TEXT - 0.003, fg=BAD, width=right - x0)
            y -= ROW * 0.75
        errors = [e for e in m.errors if e.kind in ("slide_add", "slide_show")]
        if errors and not self.deck_problems:
            label(h, i18n.t(f"error.{errors[-1].code}", lang), (x0, y), scale=TEXT - 0.003, fg=BAD, width=right - x0)

    # ── drawing: the schedule tab ────────────────────────────────────────────
    def _draw_schedule(self) -> None:
        m, lang = self.model, self.lang
        h = self.parts.holder("schedule")
        y = TOP - 0.25
        x_field = PAD + 0.42
        width = WIDTH - x_field - PAD
        if not m.is_host_role:
            label(h, i18n.t("host.only_hosts", lang), (PAD, y), scale=TEXT, fg=MUTED)
            return
        rows = (("s_title", "host.f_title", 120), ("s_desc", "host.f_desc", 2000), ("s_start", "host.f_start", 16),
                ("s_end", "host.f_end", 16), ("s_cap", "host.f_capacity", 6))
        for key, text, limit in rows:
            label(h, i18n.t(text, lang), (PAD, y), scale=TEXT, fg=MUTED, width=0.4)
            self._field(key, (x_field, y), width if key in ("s_title", "s_desc") else 0.5, max_chars=limit)
            y -= ROW * 1.25
        if "s_lang" not in self.fields:
            cycler = self.fields["s_lang"] = Cycler(self.root, (x_field, y), ("id", "en"), width=0.5,
                                                    current=self.lang, scale=TEXT,
                                                    show=lambda v: i18n.t(f"host.lang_{v}", self.lang))
            cycler.box.set_bin("gui-popup", 20)  # over the console (its own bin)
        label(h, i18n.t("host.f_lang", lang), (PAD, y), scale=TEXT, fg=MUTED)
        y -= ROW * 1.5
        label(h, i18n.t("host.time_hint", lang), (PAD, y), scale=TEXT - 0.004, fg=MUTED, width=WIDTH - 2 * PAD)
        y -= ROW * 1.2
        form = self.schedule_form()
        self._btn(h, "schedule", "host.schedule", (PAD, y), colour=BUTTON_ON)
        if form.problem:
            label(h, i18n.t(form.problem, lang), (PAD + 0.6, y), scale=TEXT - 0.003, fg=MUTED, width=WIDTH - 0.7)
        y -= ROW * 1.3
        done = m.last_done.get("schedule", 0)
        entry = m.entry(done) if done else None
        if entry is not None:
            label(h, i18n.t("host.scheduled", lang, title=entry.title), (PAD, y), scale=TEXT, fg=GOOD,
                  width=WIDTH - 2 * PAD)
        errors = [e for e in m.errors if e.kind == "schedule"]
        if errors:
            label(h, i18n.t(f"error.{errors[-1].code}", lang), (PAD, y - ROW), scale=TEXT, fg=BAD)

    def destroy(self) -> None:
        self._clear()
        self.root.destroy()


_EJA = (0.70, 0.11, 0.13)


class HostKeys:
    """The console's Ctrl shortcuts: a button thrower of its own throws exactly the combinations
    in `HOST_KEYS` ("control-o"), while the app's thrower (which tracks no modifiers, so Shift+W
    still walks) goes on throwing the plain keys."""

    def __init__(self, base, on_key: Callable[[str], object]) -> None:
        from direct.showbase.DirectObject import DirectObject
        from panda3d.core import ButtonHandle, ButtonRegistry, ButtonThrower, KeyboardButton, ModifierButtons

        self.events = DirectObject()
        self.node = None
        self.on_key = on_key
        for action, key in HOST_KEYS.items():
            self.events.accept(key, on_key, [action])
        watcher = getattr(base, "mouseWatcher", None)
        if watcher is None or watcher.is_empty():
            return  # offscreen: no keyboard (scripts send the events themselves)
        thrower = ButtonThrower("host-keys")
        mods = ModifierButtons()
        mods.add_button(KeyboardButton.control())
        thrower.set_modifier_buttons(mods)
        thrower.set_throw_buttons_active(True)
        held = ModifierButtons(mods)
        held.button_down(KeyboardButton.control())
        for key in HOST_KEYS.values():
            handle = ButtonRegistry.ptr().find_button(key.removeprefix("control-"))
            if handle != ButtonHandle.none():
                thrower.add_throw_button(held, handle)
        self.node = watcher.attach_new_node(thrower)

    def destroy(self) -> None:
        self.events.ignore_all()
        if self.node is not None:
            self.node.remove_node()
