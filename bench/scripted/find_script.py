"""Scripted finding-your-way for screenshots, demos and tests (`--directory QUERY`,
`--take-me-there`, `--guide-seconds S`, `--settings-panel`): the same actions as the keys (F1,
typing, Enter, F4) on the client's `FindLayer`, once a scripted walk has arrived.

`--guide-seconds` takes the picture that many seconds into the walk with the directory still
open (the run does not wait for the avatar to arrive); without it, `--take-me-there` waits.
"""

from __future__ import annotations

import argparse
from typing import Any

from makaverse.client.net.events import monotonic_ms

__all__ = ["FindDriver"]


class FindDriver:
    def __init__(self, app: Any, args: argparse.Namespace) -> None:
        self.app = app
        self.layer = app.find
        self.query = getattr(args, "directory", None)
        self.take_me = bool(getattr(args, "take_me_there", False))
        self.guide_s = getattr(args, "guide_seconds", None)
        self.settings = bool(getattr(args, "settings_panel", False))
        self.look = bool(getattr(args, "look_chooser", False))
        self.phase = "start" if (self.query is not None or self.settings or self.look) else "done"
        self._walk_from = 0.0
        self.layer.keep_open = self.guide_s is not None
        shot = getattr(app, "shot", None)
        if shot is not None and self.phase != "done":
            shot.also_wait_for.append(lambda: self.done)
            if self.guide_s is not None:
                # A picture of the walk under way: the run must not wait for the avatar to arrive.
                shot.ready_when = lambda: app.session.in_world and all(check() for check in shot.also_wait_for)

    @property
    def done(self) -> bool:
        return self.phase == "done"

    def step(self) -> None:
        layer, session = self.layer, self.app.session
        now = monotonic_ms()
        if self.phase == "start":
            if not session.in_world or not session.autopilot_done:
                return  # not in yet, or a --walk is still under way
            if self.settings:
                layer.toggle_settings(True)
            if self.look:
                layer.open_look(first=True)
            if self.query is not None:
                layer.model.show()
                layer.panel.sync()  # builds the search line
                if layer.panel.field is not None:
                    layer.panel.field.set(self.query)
                layer.model.set_query(self.query)
                row = layer.model.current()
                if self.take_me and row is not None:
                    layer.take_me_there(row)
                    self._walk_from = now
                    self.phase = "walking"
                    return
            self.phase = "done"
        elif self.phase == "walking":
            if self.guide_s is not None and now - self._walk_from >= self.guide_s * 1000:
                self.phase = "done"
            elif layer.guide.status != "walking":
                self.phase = "done"
