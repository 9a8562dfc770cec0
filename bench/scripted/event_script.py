"""Scripted town-hall actions for screenshots, demos and tests (`--event-board`,
`--event-register`, `--event-wait-started`, `--event-go`, `--event-sit`, `--event-vote`,
`--event-hand`, `--event-ask`, `--event-questions`, `--event-wait-line`): run one after
another once the scripted walk has arrived, each waiting (bounded) for what it waits for.

They go through the paths a player's keys take: F12 toggles the board, Tab and Enter press its
**Daftar / Register** and **Pergi ke acara / Go to event** buttons, E sits, H raises a hand, the
digit keys vote (`ui/event_ui.py`). The JSON summary's "events" part says what the screen shows.
"""

from __future__ import annotations

import argparse
from typing import Any

from makaverse.client.net.events import monotonic_ms

from .booth_script import BoothScript, Step
from .screenshot import ScriptedShot

__all__ = ["EventDriver"]




def _press_button(ui: Any, label: str, tries: dict, nth: int = 0) -> None:
    """Tab through the open panel until the `nth` button saying `label` (in reading order) has the
    focus, then Enter."""
    keys = ui.keys
    if keys is None:
        return
    keys.clear()  # start from the top
    seen = 0
    for _ in range(60):
        keys.tab()
        nav = keys.nav
        if nav is None or nav.current is None:
            return
        if nav.current.startswith(f"{label}@"):
            if seen == nth:
                keys.press()
                tries["pressed"] = tries.get("pressed", 0) + 1
                return
            seen += 1


def _scrolled_to(ui: Any, title: str | None) -> bool:
    """Whether the board shows the row of the event called `title`; if not, scroll toward it (the
    arrow keys' way) and say no: the next try finds it drawn."""
    if title is None or any(r["title"] == title for r in ui.board.rows):
        return True
    index = next((i for i, e in enumerate(ui.model.board) if e.title == title), None)
    if index is not None:
        ui.board.scroll(index - ui.board.first)
    return False


def _nth_with(ui: Any, action: str, title: str | None) -> int:
    """Which of the board's buttons for `action` belongs to the event called `title` (0: the first)."""
    rows = [r for r in ui.board.rows if action in r["actions"]]
    if title is None:
        return 0
    return next((i for i, r in enumerate(rows) if r["title"] == title), 0)


class EventDriver:
    """Runs the event steps in the client once the scripted walk has arrived, and reports them."""

    def __init__(self, app: Any, args: argparse.Namespace) -> None:
        from makaverse.client import i18n

        self.app = app
        self.ui = ui = app.event_ui
        m = ui.model
        timeout = float(getattr(args, "event_timeout", 120.0)) * 1000.0
        steps: list[Step] = []
        lang = app.lang
        tries: dict = {}
        title = getattr(args, "event_title", None)

        def board_open() -> None:
            if not ui.board.visible:
                ui.toggle_board()

        if getattr(args, "event_board", False) or getattr(args, "event_register", False):
            steps.append(Step("board", board_open, lambda: ui.board.visible and ui.board.loaded,
                              timeout_ms=timeout, retry_ms=5000.0))
        if getattr(args, "event_register", False):
            def register() -> None:
                board_open()
                if _scrolled_to(ui, title):
                    _press_button(ui, i18n.t("event.register", lang), tries, _nth_with(ui, "register", title))

            def registered() -> bool:
                wanted = [e.id for e in m.board if title is None or e.title == title]
                return any(eid in m.registered for eid in wanted)

            steps.append(Step("register", register, registered, lambda: self._error(),
                              timeout_ms=timeout, retry_ms=2000.0))
        if getattr(args, "event_wait_started", False):
            steps.append(Step("wait_started", lambda: None, lambda: any(n.kind == "started" for n in m.notices),
                              timeout_ms=timeout))
        if getattr(args, "event_go", False):
            def go() -> None:
                if m.in_event:
                    return
                board_open()
                ui.refresh()
                if _scrolled_to(ui, title):
                    _press_button(ui, i18n.t("event.go", lang), tries, _nth_with(ui, "go", title))

            steps.append(Step("go", go, lambda: m.in_event and m.seated is not None, lambda: self._error(),
                              timeout_ms=timeout, retry_ms=3000.0))
        if getattr(args, "event_sit", False):
            steps.append(Step("sit", ui.key_e, lambda: m.seated is not None, lambda: self._error(),
                              timeout_ms=timeout))
        if getattr(args, "event_vote", None) is not None:
            index = int(args.event_vote) - 1

            def vote() -> None:
                if ui.claims_digits():
                    ui.key_digit(index)

            steps.append(Step("vote", vote, lambda: m.poll is not None and m.last_done.get("vote_poll") is not None,
                              lambda: self._error(), timeout_ms=timeout, retry_ms=500.0))
        if getattr(args, "event_ask", None):
            text = args.event_ask

            def ask() -> None:
                if not ui.questions.visible:
                    ui.key_q()
                ui.questions.ask(text)

            steps.append(Step("ask", ask, lambda: any(q.text == text for q in m.questions), lambda: self._error(),
                              timeout_ms=timeout))
        if getattr(args, "event_hand", False):
            def hand() -> None:
                if not m.hand_up:
                    ui.key_h()

            steps.append(Step("hand", hand, lambda: m.hand_position() > 0, lambda: self._error(),
                              timeout_ms=timeout, retry_ms=5000.0))
        if getattr(args, "event_wait_line", None):
            said = args.event_wait_line
            steps.append(Step("wait_line", lambda: None,
                              lambda: any(said in text for _, text, _ in ui.subtitles.shown), timeout_ms=timeout))
        if getattr(args, "event_questions", False):
            steps.append(Step("questions", lambda: ui.show_questions(True), lambda: ui.questions.visible))
        if getattr(args, "event_board_end", False):
            steps.append(Step("board_end", board_open, lambda: ui.board.visible and ui.board.loaded,
                              timeout_ms=timeout, retry_ms=5000.0))
        self.script = BoothScript(None, steps) if steps else None  # type: ignore[arg-type]
        self._errors_seen = 0
        shot = app.shot if isinstance(app.shot, ScriptedShot) else None
        if shot is not None and self.script is not None:
            script = self.script
            shot.also_wait_for.append(lambda: script.done)
            shot.summary_parts["event_script"] = script.report

    def _error(self) -> str:
        """The newest refusal of an event command (a step that failed)."""
        errors = self.ui.model.errors
        return errors[-1].code if errors and errors[-1].code not in ("already_voted",) else ""

    def step(self) -> None:
        session = self.app.session
        if self.script is not None and session.in_world and session.autopilot_done:
            self.script.step(monotonic_ms())
