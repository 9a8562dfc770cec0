"""Screenshot (and offscreen) runs: wait for the world, render some frames, write a PNG, report.

The client connects, waits (bounded) for the welcome, a few snapshots and a `--walk` route
to finish, prints a JSON `ready` line, renders `--frames` frames, writes the PNG if asked,
prints a one-line JSON summary on stdout (with where each avatar appears in the picture, for
tests that check pixels), and exits: 0 when it was in the world, 2 when it never connected
(the picture is written anyway, so you can see what a player without a server sees).
"""

from __future__ import annotations

import json
import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from . import i18n
from .avatars import AvatarLayer
from .net.events import monotonic_ms
from .session import ClientSession

__all__ = ["ShotPlan", "ScreenshotRun", "EXIT_OK", "EXIT_NEVER_CONNECTED", "TORSO_HEIGHT_M"]

EXIT_OK = 0
EXIT_NEVER_CONNECTED = 2
TORSO_HEIGHT_M = 1.15


@dataclass
class ShotPlan:
    """What to wait for, for how long, and then how many frames to render."""

    path: str | None
    frames: int
    connect_timeout_s: float = 20.0
    walk_timeout_s: float = 90.0
    min_snapshots: int = 5


class ScreenshotRun:
    def __init__(self, plan: ShotPlan, base, session: ClientSession, avatars: AvatarLayer, *, url: str,
                 lang: str) -> None:
        self.plan = plan
        self.base = base
        self.session = session
        self.avatars = avatars
        self.url = url
        self.lang = lang
        self.phase = "wait"
        self.exit_code = EXIT_OK
        self._started = time.monotonic()
        self._frames = 0
        self._frame_times: list[float] = []
        # Panels may take part: `ready_when` replaces waiting for the world (the login screen is
        # a picture before entering); `also_wait_for` adds conditions (a chat line heard);
        # `summary_parts` add keys to the JSON summary (where a panel is, in pixels).
        self.ready_when: Callable[[], bool] | None = None
        self.also_wait_for: list[Callable[[], bool]] = []
        self.summary_parts: dict[str, Callable[[], object]] = {}
        self._panel_ready = False

    def _ready(self) -> bool:
        s = self.session
        if self.ready_when is not None:
            self._panel_ready = self.ready_when()
            return self._panel_ready
        world = s.in_world and s.snapshots >= self.plan.min_snapshots and s.autopilot_done
        return world and all(check() for check in self.also_wait_for)

    def step(self, dt: float) -> bool:
        """Called once per drawn frame; True when the run is over."""
        plan = self.plan
        if self.phase == "wait":
            limit = plan.connect_timeout_s
            if self.session.ever_welcomed and self.session.autopilot is not None:
                limit += plan.walk_timeout_s
            if self._ready() or time.monotonic() - self._started > limit:
                self.phase = "frames"
                # One line when the wait is over, so a script can start its next step then.
                own = self.session.own_pose()
                print(json.dumps({"event": "ready", "connected": self.session.ever_welcomed,
                                  "avatar_id": self.session.avatar_id,
                                  "position": [round(own.x, 3), round(own.y, 3)] if own else None}), flush=True)
            return False
        self._frames += 1
        self._frame_times.append(dt)
        if self._frames < plan.frames:
            return False
        self._finish()
        return True

    def _finish(self) -> None:
        from panda3d.core import Filename

        if self.plan.path:
            # This frame's scene is only drawn after the tasks have run: draw it now, then save.
            self.base.graphics_engine.render_frame()
            self.base.win.save_screenshot(Filename.from_os_specific(self.plan.path))
        print(json.dumps(self.summary()), flush=True)
        if not self.session.ever_welcomed and not self._panel_ready:
            print(i18n.t("app.never_connected", self.lang, url=self.url), file=sys.stderr)
            self.exit_code = EXIT_NEVER_CONNECTED

    def summary(self) -> dict:
        s = self.session
        me = s.mirror.me
        own = s.own_pose()
        avatars = []
        for avatar_id, (view, _) in sorted(self.avatars.views.items()):
            mirrored = s.mirror.avatars.get(avatar_id)
            facts = mirrored.facts if mirrored is not None else None
            pos = view.root.get_pos(self.base.render)
            avatars.append({
                "id": avatar_id,
                "self": avatar_id == s.avatar_id,
                "name": facts.name if facts else None,
                "look": f"#{facts.look:06x}" if facts else None,
                "position": [round(pos.x, 3), round(pos.y, 3)],
                "torso_px": self.screen_point(pos.x, pos.y, pos.z + TORSO_HEIGHT_M),
            })
        return {
            "connected": s.ever_welcomed,
            "avatar_id": s.avatar_id,
            "name": s.name,
            "look": f"#{me.facts.look:06x}" if me is not None and me.facts is not None else None,
            "zone": s.mirror.zone_id,
            "zone_name": s.zone_name(),
            "status": s.status_text(monotonic_ms()),
            "position": [round(own.x, 3), round(own.y, 3)] if own else None,
            "yaw_deg": round(math.degrees(own.yaw), 2) if own else None,
            "others": len(s.mirror.others()),
            "snapshots": s.snapshots,
            "frames": self._frames,
            "frame_ms_avg": round(1000 * sum(self._frame_times) / max(1, len(self._frame_times)), 2),
            "screenshot": self.plan.path,
            "avatars": avatars,
            **{key: part() for key, part in self.summary_parts.items()},
        }

    def screen_point(self, x: float, y: float, z: float) -> list[int] | None:
        """Where a world point appears in the picture, in pixels from the top left (None: off screen)."""
        from panda3d.core import Point2, Point3

        cam = self.base.cam
        p = cam.get_relative_point(self.base.render, Point3(x, y, z))
        p2 = Point2()
        if not cam.node().get_lens().project(p, p2):
            return None
        w, h = self.base.win.get_x_size(), self.base.win.get_y_size()
        return [int(round((p2.x + 1) / 2 * w)), int(round((1 - p2.y) / 2 * h))]
