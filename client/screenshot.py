"""Screenshot on exit (`makaverse client --offscreen --screenshot shot.png --frames 60`).

The client connects, waits (bounded) for the welcome and a few snapshots, renders `--frames`
frames, writes the PNG if asked, prints a one-line JSON summary on stdout and exits: 0 when it
was in the world, 2 when it never connected (the picture is written anyway, so you can see
what a player without a server sees). Offscreen, the frames of the wait are not drawn: the
world goes on (network, walking, panels), only the buffer nobody can see stays as it was.

Scripted runs for screenshots, demos and tests (walks, chat, booth actions, where things are
in the picture) extend this in `bench/scripted/`; the hooks below are where they take part.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import i18n
from .state.session import ClientSession

__all__ = ["ShotPlan", "ScreenshotRun", "EXIT_OK", "EXIT_NEVER_CONNECTED"]

EXIT_OK = 0
EXIT_NEVER_CONNECTED = 2


@dataclass
class ShotPlan:
    """What to wait for, for how long, and then how many frames to render."""

    path: str | None
    frames: int
    connect_timeout_s: float = 20.0
    # A world where nothing moves sends one snapshot and then none (protocol README, *Interest*).
    min_snapshots: int = 1
    # Draw the frames of the wait too. An offscreen buffer shows nobody those frames, and the
    # software renderer spends most of a run's CPU drawing them (a walk to a booth is ~250).
    draw_while_waiting: bool = True


class ScreenshotRun:
    def __init__(self, plan: ShotPlan, base: Any, session: ClientSession, *, url: str, lang: str) -> None:
        self.plan = plan
        self.base = base
        self.session = session
        self.url = url
        self.lang = lang
        self.phase = "wait"
        self.exit_code = EXIT_OK
        self._started = time.monotonic()
        self._frames = 0
        self._frame_times: list[float] = []
        # Others may take part: `ready_when` replaces waiting for the world (the login screen is
        # a picture before entering); `also_wait_for` adds conditions (a chat line heard);
        # `nothing_more_when` ends the wait early, as its limit would (a refused login: the form
        # waits for the player, not the server); `summary_parts` add keys to the JSON summary.
        self.ready_when: Callable[[], bool] | None = None
        self.nothing_more_when: list[Callable[[], bool]] = []
        self.also_wait_for: list[Callable[[], bool]] = []
        self.summary_parts: dict[str, Callable[[], object]] = {}
        self.panel_ready = False
        self._draw(plan.draw_while_waiting)

    def ready(self) -> bool:
        s = self.session
        if self.ready_when is not None:
            self.panel_ready = self.ready_when()
            return self.panel_ready
        world = s.in_world and s.snapshots >= self.plan.min_snapshots and s.autopilot_done
        return world and all(check() for check in self.also_wait_for)

    def wait_limit_s(self) -> float:
        return self.plan.connect_timeout_s

    def on_ready(self) -> None:
        """The wait is over (ready or timed out); the frames to render start now."""

    def step(self, dt: float) -> bool:
        """Called once per drawn frame; True when the run is over."""
        if self.phase == "wait":
            if (self.ready() or time.monotonic() - self._started > self.wait_limit_s()
                    or any(check() for check in self.nothing_more_when)):
                self.phase = "frames"
                self._draw(True)
                self.on_ready()
            return False
        self._frames += 1
        self._frame_times.append(dt)
        if self._frames < self.plan.frames:
            return False
        self._finish()
        return True

    def _draw(self, on: bool) -> None:
        """Draw the window's frames or not; tasks, the network and the clock go on either way."""
        win = getattr(self.base, "win", None)
        if win is not None and win.is_active() != on:
            win.set_active(on)

    def _finish(self) -> None:
        import json

        from panda3d.core import Filename

        if self.plan.path:
            # This frame's scene is only drawn after the tasks have run: draw it now, then save.
            self.base.graphics_engine.render_frame()
            self.base.win.save_screenshot(Filename.from_os_specific(self.plan.path))
        print(json.dumps(self.summary()), flush=True)
        if not self.session.ever_welcomed and not self.panel_ready:
            print(i18n.t("app.never_connected", self.lang, url=self.url), file=sys.stderr)
            self.exit_code = EXIT_NEVER_CONNECTED

    def summary(self) -> dict[str, object]:
        s = self.session
        own = s.own_pose()
        return {
            "connected": s.ever_welcomed,
            "avatar_id": s.avatar_id,
            "name": s.name,
            "zone": s.mirror.zone_id,
            "position": [round(own.x, 3), round(own.y, 3)] if own else None,
            "frames": self._frames,
            "frame_ms_avg": round(1000 * sum(self._frame_times) / max(1, len(self._frame_times)), 2),
            "screenshot": self.plan.path,
            **{key: part() for key, part in self.summary_parts.items()},
        }
