"""Scripted booth actions for screenshots, demos and tests (`--open-booth`, `--take-number`,
`--request`, `--my-requests`, `--man-counter`, `--staff-console`, `--call-next`,
`--counter-say`, `--wait-called`, `--wait-new-request`): ordinary commands through `BoothModel`,
run one after another once your scripted walk has arrived, each waiting (bounded) for the server's answer.

`BoothScript` is Panda-free: `step(now_ms)` every frame; `done` tells the screenshot run it may
take its picture; `report()` says what happened, for the JSON summary. `BoothDriver` runs it
in the client (`app.booths`) and reports what the booth panels show, and where.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from makaverse.client.net.events import monotonic_ms
from makaverse.client.state.booths import BoothModel
from makaverse.client.ui.booth_widgets import screen_rect

from .screenshot import ScriptedShot

__all__ = ["Step", "BoothScript", "BoothDriver", "script_from_args", "SCRIPT_FLAGS"]

SCRIPT_FLAGS = ("open_booth", "take_number", "request", "my_requests", "man_counter", "staff_console", "call_next",
                "counter_say", "wait_called", "wait_new_request")


@dataclass
class Step:
    name: str
    start: Callable[[], object]  # what it returns is not used
    done: Callable[[], bool]
    failed: Callable[[], str] = lambda: ""
    timeout_ms: float = 15000.0
    retry_ms: float = 0.0  # start again this often until done (e.g. call next while nobody waits)
    started_ms: float | None = None
    last_try_ms: float = 0.0
    outcome: str = ""


@dataclass
class BoothScript:
    model: BoothModel
    steps: list[Step] = field(default_factory=list)
    index: int = 0
    log: list[dict] = field(default_factory=list)

    @property
    def done(self) -> bool:
        return self.index >= len(self.steps)

    def step(self, now_ms: float) -> None:
        while not self.done:
            s = self.steps[self.index]
            if s.started_ms is None:
                s.started_ms = s.last_try_ms = now_ms
                s.start()
            problem = s.failed()
            if s.done():
                self._finish(s, "ok")
                continue
            if problem and not s.retry_ms:
                self._finish(s, problem)
                continue
            if now_ms - s.started_ms > s.timeout_ms:
                self._finish(s, problem or "timeout")
                continue
            if s.retry_ms and now_ms - s.last_try_ms >= s.retry_ms:
                s.last_try_ms = now_ms
                s.start()
            return

    def _finish(self, s: Step, outcome: str) -> None:
        s.outcome = outcome
        self.log.append({"step": s.name, "outcome": outcome})
        self.index += 1

    def report(self) -> list[dict]:
        return list(self.log) + [{"step": s.name, "outcome": "pending"} for s in self.steps[self.index:]]


def _last_error(model: BoothModel, since: int) -> Callable[[], str]:
    """The newest error toast after `since` toasts were shown (a refused command)."""

    def check() -> str:
        toasts = list(model.toasts)[since:]
        bad = [t.key for t in toasts if t.key.startswith("error.")]
        return bad[-1].split(".", 1)[1] if bad else ""

    return check


def script_from_args(model: BoothModel, args: argparse.Namespace, *, open_tab: Callable[[str], None],
                     console_tab: Callable[[str], None]) -> BoothScript | None:
    """The steps the command-line flags ask for, in a fixed order; None when there are none."""
    steps: list[Step] = []
    opd = lambda: model.zone_opd or model.panel.opd  # noqa: E731 - where you stand, when the step runs
    if getattr(args, "open_booth", None):
        def open_booth() -> None:
            if opd():
                model.panel.open(opd())
                open_tab(args.open_booth)

        steps.append(Step("open_booth", open_booth, lambda: bool(opd()) and opd() in model.panel.infos,
                          lambda: "" if opd() else "not_in_a_booth_zone"))
    if getattr(args, "take_number", False):
        mark = {}

        def take() -> None:
            mark["toasts"] = len(model.toasts)
            if opd():
                model.ticket.take_number(opd())

        steps.append(Step("take_number", take, lambda: bool(opd()) and opd() in model.ticket.tickets,
                          lambda: _last_error(model, mark.get("toasts", 0))() or ("" if opd() else "not_at_booth")))
    if getattr(args, "request", None):
        service = args.request
        values = dict(v.split("=", 1) for v in (getattr(args, "field", None) or []) if "=" in v)
        note = getattr(args, "note", "") or ""

        def submit() -> None:
            if not opd():
                return
            form = model.request.start(opd(), service)
            if form is None:
                return
            for name, value in values.items():
                model.request.set_value(name, value)
            model.request.set_value("_note", note)
            model.request.submit()

        def answered() -> bool:
            f = model.request.form
            return f is not None and not f.in_flight and (f.done or bool(f.problems) or bool(f.error))

        steps.append(Step("request", submit, answered,
                          lambda: "" if model.request.form is not None else "no_such_service", timeout_ms=20000.0))
    if getattr(args, "my_requests", False):
        def mine() -> None:
            model.my_requests.open()

        def shown() -> bool:
            if not model.my_requests.loaded:
                return False
            if model.my_requests.rows and not model.my_requests.selected:
                model.my_requests.open_request(model.my_requests.rows[0]["tracking"])
            return not model.my_requests.rows or model.my_requests.rows[0]["tracking"] in model.my_requests.details

        steps.append(Step("my_requests", mine, shown, lambda: model.my_requests.error))
    if getattr(args, "man_counter", False):
        def man() -> None:
            model.staff.man_counter(True)
            model.staff.open()

        steps.append(Step("man_counter", man,
                          lambda: model.staff.console is not None and model.staff.console.manning,
                          lambda: model.staff.counter_error))
    if getattr(args, "staff_console", None):
        tab = args.staff_console

        def console() -> None:
            model.staff.open()
            console_tab(tab)
            if tab == "requests":
                model.staff.load_requests()

        def ready() -> bool:
            if tab != "requests":
                return True
            desk = model.staff
            if desk.loaded and desk.requests and desk.detail is None:
                model.staff.open_request(desk.requests[0]["tracking"])
                return False
            return desk.loaded and (not desk.requests or desk.detail is not None)

        steps.append(Step("staff_console", console, ready, lambda: "" if model.is_staff else "not_staff"))
    if getattr(args, "call_next", False):
        steps.append(Step("call_next", model.staff.call_next,
                          lambda: model.staff.console is not None and bool(model.staff.console.current),
                          lambda: model.staff.counter_error, timeout_ms=60000.0, retry_ms=1000.0))
    if getattr(args, "wait_called", False):
        steps.append(Step("wait_called", lambda: None, lambda: model.ticket.called_ticket() is not None,
                          timeout_ms=90000.0))
    if getattr(args, "wait_new_request", False):
        steps.append(Step("wait_new_request", lambda: None, lambda: model.staff.new_count > 0, timeout_ms=90000.0))
    if getattr(args, "counter_say", None):
        text = args.counter_say
        steps.append(Step("counter_say", lambda: model.ticket.say(text), lambda: any(
            line.text == " ".join(text.split()) for lines in model.ticket.lines.values() for line in lines)))
    return BoothScript(model, steps) if steps else None


class BoothDriver:
    """Runs the booth script in the client once the scripted walk has arrived, and reports."""

    def __init__(self, app: Any, args: argparse.Namespace) -> None:
        self.app = app
        self.booths = ui = app.booths
        self.script = script_from_args(ui.model, args, open_tab=ui.panel.show_tab, console_tab=ui.console.show_tab)
        self.shot = app.shot if isinstance(app.shot, ScriptedShot) else None
        if self.shot is not None:
            if self.script is not None:
                script = self.script
                self.shot.also_wait_for.append(lambda: script.done)
            self.shot.summary_parts["booths"] = self.summary

    def step(self) -> None:
        session = self.app.session
        if self.script is not None and session.in_world and session.autopilot_done:
            self.script.step(monotonic_ms())

    def summary(self) -> dict[str, object]:
        ui, shot = self.booths, self.shot
        m = ui.model
        lights = {}
        for opd, light in ui.lights.lights.items():
            px = shot.screen_point(*light.centre) if shot is not None else None
            lights[opd] = {"on": bool(light.state), "px": px}
        console = m.staff.console
        form = m.request.form
        return {
            "zone_opd": m.zone_opd,
            "prompt": ui.hud.prompt_text,
            "panel": {"opd": m.panel.opd, "tab": ui.panel.tab, "head": list(ui.panel.head_texts),
                      "rect": screen_rect(ui.panel.root, ui.base) if ui.panel.visible else None},
            "tickets": [{"opd": t.opd, "code": t.code, "status": t.status, "place": t.place,
                         "est_wait_s": t.est_wait_s} for t in m.ticket.tickets.values()],
            "called": (m.ticket.called_ticket().code if m.ticket.called_ticket() else ""),
            "arrow": list(ui.hud.arrow_target) if ui.hud.arrow_target else None,
            "chimes": ui.chime.played,
            "form": None if form is None else {"service": form.service.get("code"), "tracking": form.tracking,
                                               "problems": form.problems, "error": form.error},
            "requests": {"open": m.my_requests.shown, "rows": [r["tracking"] for r in m.my_requests.rows],
                         "rect": screen_rect(ui.requests.root, ui.base) if ui.requests.visible else None},
            "console": None if not m.is_staff else {
                "open": m.staff.shown, "tab": ui.console.tab,
                "manning": bool(console and console.manning), "current": console.current if console else "",
                "waiting": console.waiting_count if console else 0, "requests": len(m.staff.requests),
                "rows": [list(r) for r in ui.console.list_rows], "new": sorted(m.staff.unseen),
                "tabs": dict(ui.console.tab_texts),
                "detail": m.staff.detail.tracking if m.staff.detail is not None else "",
                "rect": screen_rect(ui.console.root, ui.base) if ui.console.visible else None,
            },
            "lights": lights,
            "toasts": [t.key for t in m.toasts],
            "script": self.script.report() if self.script is not None else [],
        }
