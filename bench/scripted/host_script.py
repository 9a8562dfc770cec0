"""Scripted host actions for screenshots, demos and tests, run once a scripted walk has arrived,
one after another, each waiting (bounded) for the server's answer. They go through the host
console (`app.stage.console`): the same `act` its buttons and Ctrl keys call, its text fields
filled as a person would type them. `--host-schedule TITLE` (starts now, for two hours),
`--host-open` (or `--host-wait-live` for someone to open it), `--host-deck PATH` (a folder or
files separated by `;`), `--host-next N` (advance N slides), `--host-poll "Question|A|B"`,
`--host-wait-votes N`, `--host-wait-hands N`, `--host-floor` (give the floor to the first hand),
`--host-console` (leave it open for the picture).

`HostDriver` reports (summary part "stage") what the screen over the stage, the markers and the
console show, and where. Taking part as an attendee is `event_script.py`.
"""

from __future__ import annotations

import argparse
import time
from datetime import datetime
from typing import Any

from makaverse.client.net.events import monotonic_ms
from makaverse.client.state.host_view import WITA
from makaverse.client.ui.booth_widgets import screen_rect

from .booth_script import BoothScript, Step
from .screenshot import ScriptedShot

__all__ = ["HostDriver", "host_steps", "HOST_FLAGS"]

HOST_FLAGS = ("host_schedule", "host_open", "host_wait_live", "host_deck", "host_next", "host_poll", "host_wait_votes",
              "host_wait_hands", "host_floor", "host_console")




def _when(ms: float) -> str:
    return datetime.fromtimestamp(ms / 1000, WITA).strftime("%Y-%m-%d %H:%M")


def host_steps(app: Any, args: argparse.Namespace) -> list[Step]:
    layer = app.stage
    console, m = layer.console, layer.model
    steps: list[Step] = []

    def act(action: str):
        return lambda: console.act(action)

    def on_slide(n: int):
        return lambda: m.slide is not None and m.slide.index == n

    def refused(kind: str):
        mark = len(m.errors)
        return lambda: next((e.code for e in list(m.errors)[mark:] if e.kind == kind), "")

    def fill(key: str, text: str) -> None:
        field = console.fields.get(key)
        if field is not None:
            field.set(text)

    uses_console = any(getattr(args, f, None) for f in HOST_FLAGS)
    if uses_console:
        steps.append(Step("console", lambda: console.open(), lambda: console.visible and bool(console.parts)))
    if args.host_schedule:
        title = args.host_schedule
        now_ms = time.time() * 1000

        def schedule() -> None:
            console.show_tab("schedule")
            console.sync(monotonic_ms())  # draws the form
            for key, text in (("s_title", title), ("s_desc", "Rembuk warga"), ("s_start", _when(now_ms - 60_000)),
                              ("s_end", _when(now_ms + 7_200_000)), ("s_cap", "200")):
                fill(key, text)
            console.act("schedule")

        steps.append(Step("host_schedule", schedule, lambda: m.last_done.get("schedule", 0) > 0,
                          refused("schedule")))
    if args.host_open:
        steps.append(Step("host_open", act("event_open"),
                          lambda: m.joined is not None and m.hall is not None and m.hall.status == "live",
                          refused("control"), timeout_ms=30000.0))
    if args.host_wait_live:
        steps.append(Step("host_wait_live", lambda: None,
                          lambda: m.joined is not None and m.hall is not None and m.hall.status == "live",
                          timeout_ms=90000.0))
    if args.host_deck:
        spec = args.host_deck

        def load() -> None:
            console.sync(monotonic_ms())
            fill("deck", spec)
            console.act("deck_load")

        steps.append(Step("host_deck", load, lambda: console.deck_count() >= len(spec.split(";")) and
                          m.last_done.get("slide_add", 0) >= console.deck_sent > 0,
                          lambda: (console.deck_problems[0][0] if console.deck_problems else "") or
                          refused("slide_add")()))
    for n in range(args.host_next):
        steps.append(Step(f"host_next_{n + 1}", act("slide_next"),
                          on_slide(n), refused("slide_show")))
    if args.host_poll:
        question, *options = args.host_poll.split("|")

        def poll() -> None:
            console.sync(monotonic_ms())
            fill("poll_q", question)
            for i, option in enumerate(options):
                fill(f"poll_{i}", option)
            console.act("poll_open")

        steps.append(Step("host_poll", poll, lambda: m.poll is not None and m.poll.open, refused("poll_open")))
    if args.host_wait_votes:
        n = args.host_wait_votes
        steps.append(Step("host_wait_votes", lambda: None, lambda: m.poll is not None and m.poll.total >= n,
                          timeout_ms=90000.0))
    if args.host_wait_hands:
        n = args.host_wait_hands
        steps.append(Step("host_wait_hands", lambda: None, lambda: m.hall is not None and len(m.hall.hands) >= n,
                          timeout_ms=90000.0))
    if args.host_floor:
        steps.append(Step("host_floor", act("floor_give"), lambda: m.hall is not None and m.hall.floor != 0,
                          refused("floor")))
    if uses_console and not args.host_console:
        steps.append(Step("console_closed", console.close, lambda: True))
    return steps


class HostDriver:
    def __init__(self, app: Any, args: argparse.Namespace) -> None:
        self.app = app
        steps = host_steps(app, args)
        self.script = BoothScript(app.stage.model, steps) if steps else None  # the step runner booths use
        self.shot = app.shot if isinstance(app.shot, ScriptedShot) else None
        if self.shot is not None:
            if self.script is not None:
                script = self.script
                self.shot.also_wait_for.append(lambda: script.done)
            self.shot.summary_parts["stage"] = self.summary

    def step(self) -> None:
        session = self.app.session
        if self.script is not None and session.in_world and session.autopilot_done:
            self.script.step(monotonic_ms())

    def _rect(self, r) -> list[int] | None:
        """A rectangle of the screen's face (stage_view.Rect) in picture pixels."""
        shot, screen = self.shot, self.app.stage.screen
        if shot is None:
            return None
        a = shot.screen_point(*_nudge(screen.world_point(r.x0, r.y0)))
        b = shot.screen_point(*_nudge(screen.world_point(r.x1, r.y1)))
        return None if a is None or b is None else [a[0], a[1], b[0], b[1]]

    def summary(self) -> dict[str, object]:
        layer = self.app.stage
        m, console, screen = layer.model, layer.console, layer.screen
        slide = screen.regions.get("slide")
        chart = screen.regions.get("chart")
        poll = m.poll
        return {
            "joined": None if m.joined is None else {"event_id": m.joined.event_id, "part": m.joined.part},
            "hall": None if m.hall is None else {
                "status": m.hall.status, "doors": m.hall.doors, "floor": m.hall.floor,
                "hands": [h.name for h in m.hall.hands], "copies": [list(c) for c in m.hall.copies]},
            "slide": None if m.slide is None else {"index": m.slide.index, "count": m.slide.count,
                                                   "kind": m.slide.kind},
            "poll": None if poll is None else {"open": poll.open, "counts": list(poll.counts), "total": poll.total},
            "screen": {
                "slide": None if slide is None else {"kind": slide["kind"], "px": self._rect(slide["rect"])},
                "bars": [] if chart is None else [{"label": b["label"], "count": b["count"],
                                                   "px": self._rect(b["rect"]),
                                                   "colour": [round(c * 255) for c in b["colour"]]}
                                                  for b in chart["bars"]],
            },
            "markers": {str(a): kind for a, kind in layer.markers.shown().items()},
            "console": {
                "open": console.visible, "tab": console.tab,
                "rect": screen_rect(console.root, self.app.base) if console.visible else None,
                "enabled": sorted(console.enabled),
                "buttons": _texts(console.buttons),
                "people": [{"name": p.name, "hand": p.hand, "floor": p.floor} for p in console.people()],
                "deck": console.deck_count(), "problems": [k for k, _ in console.deck_problems],
            },
            "errors": [e.code for e in m.errors],
            "script": self.script.report() if self.script is not None else [],
        }


def _texts(buttons: dict) -> dict[str, str]:
    out = {}
    for action, b in buttons.items():
        try:
            out[action] = b["text"]
        except Exception:  # noqa: BLE001 - a button gone with a redraw
            continue
    return out


def _nudge(p: tuple[float, float, float]) -> tuple[float, float, float]:
    return (p[0], p[1] - 0.1, p[2])  # just in front of the face
