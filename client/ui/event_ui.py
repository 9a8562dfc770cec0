"""Town-hall events in the client, wired together: the model (`state/events.py`), the event board
panel and the board's screen in the lobby, the subtitles, the questions and poll panels, the
event line of the HUD, notices as toasts with the notification sound, and the keys.

`EventUi(app)` is all the app needs (`app.event_ui`; the stage screen and the host console read
`app.event_ui.model`). Keys: F12 opens the board anywhere, E at the board opens it and E at a
seat of the auditorium sits you down; in an event H raises or lowers your hand, Q opens the
questions and 1–6 vote in an open poll (elsewhere Q turns and the digits are emotes, as before);
Esc closes. Any move stands you up (the server does it; the model hears it from the snapshots).
"""

from __future__ import annotations

import math
import time

from direct.showbase.DirectObject import DirectObject
from panda3d.core import TextNode

from makaverse.protocol.messages import ANIM_SIT

from .. import i18n
from ..net.events import monotonic_ms
from ..scene.event_board import EventBoardScreen
from ..state.controls import KEY_FLAGS
from ..state.directory import Event as DirectoryEvent
from ..state.events import EventModel
from ..state.events_world import near_event_board, nearest_seat
from ..state.keymap import key_of
from ..state.settings import key_flags
from .booth_widgets import label, screen_rect
from .event_board import EventBoardPanel
from .panel_keys import PanelKeys
from .poll_panel import PollPanel
from .questions_panel import QuestionsPanel
from .subtitles import Subtitles
from .theme import theme_for

__all__ = ["EventUi", "POLL_KEYS", "BOARD_REFRESH_MS"]

POLL_KEYS = ("1", "2", "3", "4", "5", "6")
BOARD_REFRESH_MS = 30000.0  # while the board is open, ask again this often
LINE_TITLE_CHARS = 40  # the event line stays one line: a longer title is cut (the board has it whole)


def _clip(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[: chars - 1].rstrip() + "…"


def node_rect(np, base) -> list[int] | None:
    """A node's tight bounds on screen in window pixels [x0, y0, x1, y1] from the top left."""
    if np is None or np.is_empty():
        return None
    bounds = np.get_tight_bounds(base.render2d)
    if bounds is None:
        return None
    lo, hi = bounds
    w, h = base.win.get_x_size(), base.win.get_y_size()
    return [int(round((lo.x + 1) / 2 * w)), int(round((1 - hi.z) / 2 * h)),
            int(round((hi.x + 1) / 2 * w)), int(round((1 - lo.z) / 2 * h))]


class EventUi:
    def __init__(self, app) -> None:
        self.app = app
        self.base = base = app.base
        self.session = app.session
        self.world = app.world
        self.lang = lang = app.lang
        self.focus = getattr(app, "focus", None)
        ids = getattr(self.session, "next_request_id", None)
        self.model = m = EventModel(ids=ids)
        self.session.router.add(m.handle, owns=m.OWNS, watches=m.WATCHES)
        self.board = EventBoardPanel(base, m, lang=lang, on_register=self.register, on_go=self.go,
                                     on_leave=self.leave, logged_in=self._logged_in)
        self.questions = QuestionsPanel(base, m, lang=lang, focus=self.focus)
        self.poll = PollPanel(base, m, lang=lang)
        self.subtitles = Subtitles(base, m, lang=lang)
        theme_for(base).subscribe(lambda: self.set_lang(self.lang))  # redraw with the new text size / colours
        self.screen = EventBoardScreen(base.render, self.world, lang=lang)
        # One line under the zone line (`hud_layout` places it); the keys are on the help line meanwhile.
        self.line = label(theme_for(base).root("top_center", name="event-line"), "", (0, -0.29), scale=0.04,
                          fg=(1, 1, 1, 1), align=TextNode.A_center, bg=(0.35, 0.06, 0.08, 0.85))
        self.line.hide()
        self.prompt = label(base.a2dBottomCenter, "", (0, 0.28), scale=0.046, fg=(1, 1, 1, 1),
                            align=TextNode.A_center, bg=(0.05, 0.06, 0.10, 0.85))
        self.prompt.hide()
        self._last: dict[str, object] = {}
        self._welcome = None
        self._listed_at = -math.inf
        self._toast_rev = 0
        self._seat_rev = 0
        self._placed_rev = 0
        self._sat_seen = False  # the snapshots showed you seated since the server seated you
        self._board_rev = -1
        self._focus_frame = -1
        self.notices_played = 0
        self.events = DirectObject()
        self.events.accept(key_of("event_board"), self.toggle_board)
        self.events.accept("h", self.key_h)
        for i, key in enumerate(POLL_KEYS):
            self.events.accept(key, self.key_digit, [i])
        self.events.accept("escape", self._escape)
        self.events.accept("arrow_up", self._arrow, [-1])
        self.events.accept("arrow_down", self._arrow, [+1])
        if self.focus is not None:
            self.focus.subscribe(self._focus_changed)
        self.bind_app_keys()
        self.keys = PanelKeys(base, self.focus, self._top_panel) if self.focus is not None else None
        # After the network task (-10) and before the input task (0): a seat taken this frame
        # stops a finished scripted walk from resuming toward its goal (which would stand you up).
        base.add_task(self._task, "makaverse-events", sort=-5)

    # ── keys ─────────────────────────────────────────────────────────────────
    def bind_app_keys(self) -> None:
        """E (the board, a seat) and Q (the questions) on the app's listener, replacing their turn
        bindings there; where they do nothing here they turn as before (the key-up ends the turn)."""
        self.app.events.accept("e", self.key_e)
        self.app.events.accept("q", self.key_q)

    def _typing(self) -> bool:
        return self.focus is not None and self.focus.active

    def _key_flag(self, key: str) -> str:
        """The movement flag the player bound `key` to ("" if none): what the key does here when
        it does nothing for events."""
        settings = getattr(self.app, "settings", None)
        if settings is None:
            return {"e": "turn_right", "q": "turn_left"}.get(key, "")
        return key_flags(settings, KEY_FLAGS).get(key, "")

    def _own(self) -> tuple[float, float] | None:
        pose = self.session.own_pose()
        return (pose.x, pose.y) if pose is not None else None

    def _seat_here(self) -> int | None:
        """The seat E would sit you on: in the auditorium, not seated, one within reach."""
        own = self._own()
        if own is None or not self.model.instance.startswith("auditorium"):
            return None
        if self.model.seated is not None:
            return None
        return nearest_seat(self.world, *own)

    def key_e(self) -> None:
        if self._typing():
            return
        own = self._own()
        if own is not None and near_event_board(self.world, *own):
            self.toggle_board()
            return
        seat = self._seat_here()
        if seat is not None:
            self.model.sit(seat)
            return
        find = getattr(self.app, "find", None)
        if find is not None:
            find.key_e()  # the Informasi desk, the booths, else turn
        elif self._key_flag("e"):
            self.app.controls.set(self._key_flag("e"), True)

    def key_q(self) -> None:
        if self._typing():
            return
        if self.model.in_event or self.questions.visible:
            self.toggle_questions()
        elif self._key_flag("q"):
            self.app.controls.set(self._key_flag("q"), True)  # what Q is bound to (turning left)

    def key_h(self) -> None:
        if not self._typing() and self.model.in_event:
            self.model.toggle_hand()

    def claims_digits(self) -> bool:
        """Whether 1–6 vote now (an open poll you have not voted in) rather than play emotes."""
        p = self.poll.shown_poll
        return p is not None and p.open and not self.model.voted(p.poll_id) and not self._typing()

    def key_digit(self, index: int) -> None:
        p = self.poll.shown_poll
        if self.claims_digits() and p is not None and index < len(p.options):
            self.model.vote_poll(index, p.poll_id)

    def _arrow(self, delta: int) -> None:
        if self.board.visible and not self._typing():
            self.board.scroll(delta)

    def _focus_changed(self, owner) -> None:
        self._focus_frame = self.base.clock.get_frame_count()

    def _escape(self) -> None:
        # The Esc that released a text field doesn't also close its panel.
        if self._typing() or self._focus_frame == self.base.clock.get_frame_count():
            return
        self.show_questions(False)
        self.show_board(False)

    def _top_panel(self):
        booths = getattr(self.app, "booths", None)
        if booths is not None and booths._top_panel() is not None:
            return None
        social = getattr(self.app, "social", None)
        if social is not None and social.login.shown:
            return None
        for part in (self.board, self.questions):
            if part.visible:
                return part.root
        return None

    # ── actions ──────────────────────────────────────────────────────────────
    def _logged_in(self) -> bool:
        return self.model.role not in ("guest", "")

    def refresh(self) -> None:
        """Ask for the board (guests too: they may read it; registering needs a login)."""
        self._listed_at = monotonic_ms()
        self.model.list_events()

    def show_board(self, on: bool) -> None:
        if on == self.board.visible:
            return
        if on:
            self.show_questions(False)
            self.refresh()
        self.board.show(on)

    def toggle_board(self) -> None:
        self.show_board(not self.board.visible)

    def show_questions(self, on: bool) -> None:
        if on and self.board.visible:
            self.board.show(False)
        self.questions.show(on)

    def toggle_questions(self) -> None:
        self.show_questions(not self.questions.visible)

    def register(self, event_id: int) -> None:
        self.model.register(event_id)

    def go(self, event_id: int) -> None:
        """"Go to event": the server seats you; the board closes so you see where you are."""
        if self.model.join(event_id):
            self.session.autopilot = None
            self.show_board(False)

    def leave(self, event_id: int) -> None:
        self.model.leave(event_id)

    def set_lang(self, lang: str) -> None:
        self.lang = lang
        for part in (self.board, self.questions, self.poll, self.subtitles):
            part.set_lang(lang)
        self.screen.set_lang(lang, self.model.board)
        self._last.clear()

    # ── per frame ────────────────────────────────────────────────────────────
    def _set(self, key: str, widget, text: str) -> None:
        if self._last.get(key) != text:
            self._last[key] = text
            widget.setText(text)
            widget.show() if text else widget.hide()

    def _task(self, task):
        now = monotonic_ms()
        m, s = self.model, self.session
        if getattr(self.app, "lang", self.lang) != self.lang:
            self.set_lang(self.app.lang)
        welcome = s.mirror.welcome
        if welcome is not None and welcome is not self._welcome:
            self._welcome = welcome
            if s.in_world:
                self.refresh()  # the board for the lobby's screen and the directory
        elif welcome is None:
            self._welcome = None
        if self.board.visible and now - self._listed_at > BOARD_REFRESH_MS:
            self.refresh()
        self._follow_seat(m, s)
        self._notices(m, now)
        if m.rev["board"] != self._board_rev:
            self._board_rev = m.rev["board"]
            if m.boards_received:
                self.board.loaded = True  # a whole board arrived: an empty one now means "none yet"
            self.screen.show(m.board)
            self._directory_events()
        if not m.in_event and self.questions.visible:
            self.show_questions(False)
        self.board.sync()
        self.questions.sync()
        self.poll.sync(now, covered=self.board.visible or self._console_open())
        self.subtitles.sync(now)
        self._lines(m)
        for msg in m.drain():
            self.app.net.send(msg)
        return task.cont

    def _console_open(self) -> bool:
        """The host console is open: it has the poll and the event in it (the attendee's poll panel
        and the event line would repeat them, under its top edge)."""
        stage = getattr(self.app, "stage", None)
        return stage is not None and stage.console.visible

    def _follow_seat(self, m: EventModel, s) -> None:
        """Seated by the server: your avatar snaps onto the seat, facing the stage, and the camera
        follows; once the snapshots show you seated, their showing you up again means you stood."""
        if m.rev["seat"] != self._seat_rev:
            self._seat_rev = m.rev["seat"]
            seat = m.seated
            if seat is not None:
                s.autopilot = None
                s.prediction.reset(seat.x, seat.y, input_hz=s.input_hz)
                s.yaw = seat.yaw
                self._sat_seen = False
        if m.rev["placed"] != self._placed_rev:  # stood on the stage: there, facing the audience
            self._placed_rev = m.rev["placed"]
            if m.placed is not None:
                s.autopilot = None
                s.prediction.reset(m.placed.x, m.placed.y, input_hz=s.input_hz)
                s.yaw = m.placed.yaw
        if m.seated is None:
            return
        me = s.mirror.me
        anim = me.history.newest.anim if me is not None and me.history.newest is not None else None
        if anim == ANIM_SIT:
            self._sat_seen = True
        elif anim is not None and self._sat_seen:
            m.stood_up()
            self._seat_rev = m.rev["seat"]

    def _notices(self, m: EventModel, now: float) -> None:
        """Notices and refusals as toasts in the HUD's stack, with the notification sound."""
        fresh = m.take_notices()
        if any(n.kind in ("started", "ended") for n in fresh):
            self.refresh()
        self.notices_played += len(fresh)
        rev = m.rev["toast"]
        if rev == self._toast_rev:
            return
        new = min(rev - self._toast_rev, len(m.toasts))
        self._toast_rev = rev
        booths = getattr(self.app, "booths", None)
        if booths is None:
            return
        link = booths.model.link
        first = link.rev["toast"] == 0  # the HUD stays silent for its first toast (`find_layer`)...
        for toast in list(m.toasts)[-new:]:
            link.toast(toast.key, now, toast.tone, **dict(toast.fmt))
        find = getattr(self.app, "find", None)
        if first and fresh and find is not None:
            find.sounds.play("notify")  # ... but a notice (one kept for your login too) rings

    def _directory_events(self) -> None:
        """The directory (F1) lists today's events from the board: live ones, and those starting
        today (local time) that are not over."""
        find = getattr(self.app, "find", None)
        if find is None:
            return
        today = time.localtime()[:3]
        find.model.set_events(
            DirectoryEvent(id=str(e.id), title_id=e.title, title_en=e.title, starts_ms=e.start_ms, ends_ms=e.end_ms)
            for e in self.model.board
            if e.status == "live" or e.status == "scheduled" and time.localtime(e.start_ms / 1000)[:3] == today
        )

    def _lines(self, m: EventModel) -> None:
        lang = self.lang
        text = ""
        if m.in_event and not self._console_open():  # the console's header names the event and your part
            entry = m.entry(m.event_id)
            title = entry.title if entry is not None else f"#{m.event_id}"
            text = i18n.t("event.hud", lang, title=_clip(title, LINE_TITLE_CHARS),
                          part=i18n.t(f"event.part.{m.part}", lang))
            if m.has_floor:
                text += "  •  " + i18n.t("event.has_floor", lang)
            elif m.hand_position():
                text += "  •  " + i18n.t("event.hand_up", lang, place=m.hand_position())
            elif m.hand_up:
                text += "  •  " + i18n.t("event.hand_sent", lang)
        self._set("line", self.line, text)
        hud = getattr(self.app, "hud", None)
        if hud is not None:
            hud.use_help("app.help" if not m.in_event else "app.help_host" if m.part == "host" else "app.help_event")
        prompt = ""
        own = self._own()
        if own is not None and not self.board.visible:
            if near_event_board(self.world, *own):
                prompt = i18n.t("event.prompt_board", lang)
            elif self._seat_here() is not None:
                prompt = i18n.t("event.prompt_seat", lang)
        self._set("prompt", self.prompt, prompt)

    # ── screenshots and tests ────────────────────────────────────────────────
    def summary(self) -> dict:
        m, b = self.model, self.base
        subs = []
        for (lid, text, alpha), card in zip(self.subtitles.shown, self.subtitles.rects(), strict=False):
            subs.append({"id": lid, "text": text, "alpha": round(alpha, 2), "px": node_rect(card, b)})
        hall = m.hall
        poll = self.poll.shown_poll
        return {
            "board": {"open": self.board.visible, "rows": self.board.rows, "notes": self.board.notes,
                      "rect": screen_rect(self.board.root, b) if self.board.visible else None},
            "registered": sorted(m.registered),
            "joined": None if m.joined is None else {"event_id": m.joined.event_id, "instance": m.joined.instance,
                                                     "seat": m.joined.seat, "part": m.joined.part},
            "seated": None if m.seated is None else {"seat": m.seated.seat, "x": round(m.seated.x, 2),
                                                     "y": round(m.seated.y, 2)},
            "placed": None if m.placed is None else {"x": round(m.placed.x, 2), "y": round(m.placed.y, 2),
                                                     "yaw_deg": round(math.degrees(m.placed.yaw)) % 360},
            # The camera's way over to the seated view of the stage (1: there), and where the
            # stage screen's corners are in the window.
            "camera_seated": round(getattr(self.app.camera, "seated", 0.0), 2),
            "stage_screen_px": self.app.stage.screen.corners_px(b) if getattr(self.app, "stage", None) else None,
            "window": [b.win.get_x_size(), b.win.get_y_size()],
            "hall": None if hall is None else {"hands": [h.name for h in hall.hands], "floor": hall.floor,
                                               "attendees": hall.attendees},
            "hand_up": m.hand_up,
            "notices": [{"kind": n.kind, "title": n.title, "stored": n.stored} for n in m.notices],
            "notices_played": self.notices_played,
            "subtitles": subs,
            "transcript": [line.text for line in m.transcript],
            "poll": None if poll is None else {"id": poll.poll_id, "open": poll.open, "counts": list(poll.counts),
                                               "voted": m.poll_votes.get(poll.poll_id),
                                               "rect": screen_rect(self.poll.root, b)},
            "questions": {"open": self.questions.visible, "rows": self.questions.rows,
                          "rect": screen_rect(self.questions.root, b) if self.questions.visible else None},
            "errors": [e.code for e in m.errors],
            "toasts": [t.key for t in m.toasts],
            "line": self._last.get("line", ""),
            "help": getattr(getattr(self.app, "hud", None), "help_key", ""),  # which keys the help line shows
            "prompt": self._last.get("prompt", ""),
            "screen": list(self.screen.lines),
            "directory": [e.title_id for e in find.model.events]
            if (find := getattr(self.app, "find", None)) is not None else [],
        }

    def destroy(self) -> None:
        self.base.task_mgr.remove("makaverse-events")
        if self.keys is not None:
            self.keys.destroy()
        self.events.ignore_all()
        for part in (self.board, self.questions, self.poll, self.subtitles, self.screen):
            try:
                part.destroy()
            except Exception:  # noqa: BLE001 - tearing down
                pass
        for w in (self.line, self.prompt):
            w.destroy()
