"""The screenshot run of a scripted client: the client's own screenshot-on-exit, plus waiting
for a `--walk` to arrive, a JSON `ready` line when the wait is over (so a script can start its
next step then), and a summary that says where each avatar appears in the picture (for tests
that check pixels).
"""

from __future__ import annotations

import json
import math
from typing import Any

from makaverse.client.net.events import monotonic_ms
from makaverse.client.scene.avatars import AvatarLayer
from makaverse.client.screenshot import ScreenshotRun, ShotPlan
from makaverse.client.state.session import ClientSession

__all__ = ["ScriptedShot", "TORSO_HEIGHT_M", "WALK_TIMEOUT_S"]

TORSO_HEIGHT_M = 1.15
WALK_TIMEOUT_S = 90.0


class ScriptedShot(ScreenshotRun):
    def __init__(self, plan: ShotPlan, base: Any, session: ClientSession, avatars: AvatarLayer, *, url: str,
                 lang: str, walk_timeout_s: float = WALK_TIMEOUT_S) -> None:
        super().__init__(plan, base, session, url=url, lang=lang)
        self.avatars = avatars
        self.walk_timeout_s = walk_timeout_s

    def wait_limit_s(self) -> float:
        limit = self.plan.connect_timeout_s
        if self.session.ever_welcomed and self.session.autopilot is not None:
            limit += self.walk_timeout_s
        return limit

    def on_ready(self) -> None:
        own = self.session.own_pose()
        print(json.dumps({"event": "ready", "connected": self.session.ever_welcomed,
                          "avatar_id": self.session.avatar_id,
                          "position": [round(own.x, 3), round(own.y, 3)] if own else None}), flush=True)

    def summary(self) -> dict[str, object]:
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
                "tag_shown": not view.tag.is_hidden(),
                "sitting": bool(getattr(view, "sitting", False)),
                "tag_px": self.rect_px(view.tag_card.card) if not view.tag.is_hidden() else None,
            })
        return {
            **super().summary(),
            "look": f"#{me.facts.look:06x}" if me is not None and me.facts is not None else None,
            "zone_name": s.zone_name(),
            "status": s.status_text(monotonic_ms()),
            "yaw_deg": round(math.degrees(own.yaw), 2) if own else None,
            "others": len(s.mirror.others()),
            "snapshots": s.snapshots,
            "avatars": avatars,
        }

    def rect_px(self, node: Any) -> list[int] | None:
        """The picture's rectangle [x0, y0, x1, y1] around a node's geometry (None: not all on screen)."""
        bounds = node.get_tight_bounds(self.base.render)
        if not bounds:
            return None
        lo, hi = bounds
        points = [self.screen_point(x, y, z) for x in (lo.x, hi.x) for y in (lo.y, hi.y) for z in (lo.z, hi.z)]
        corners = [c for c in points if c is not None]
        if len(corners) < len(points):
            return None
        xs, ys = [c[0] for c in corners], [c[1] for c in corners]
        return [min(xs), min(ys), max(xs), max(ys)]

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
