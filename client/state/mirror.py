"""The world as the server last described it: who is here, their static facts, and a short
history of snapshot poses for each. No rendering and no prediction here; messages in, state out.

Snapshots come whole or as deltas against a tick this client reported (`book.ack_tick`, sent in
its inputs); the book rebuilds each into the full list. The server sends nothing while nothing
in view changes, so a snapshot after a quiet spell first re-stamps everyone's last pose one
snapshot period earlier: interpolation then starts a move when it started, not at the last one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from makaverse.protocol import (
    AvatarEnter,
    AvatarLeave,
    InstanceChanged,
    Message,
    Snapshot,
    SnapshotBook,
    SnapshotDelta,
    Welcome,
    ZoneChanged,
    quant,
)

from .interpolation import Pose, PoseBuffer

__all__ = ["AvatarFacts", "MirroredAvatar", "Mirror"]


@dataclass(frozen=True, slots=True)
class AvatarFacts:
    """Sent once per avatar (AvatarEnter): never changes while it stays in view."""

    name: str
    role: str
    look: int  # 0xRRGGBB
    opd: str = ""
    style: bytes = b""  # the packed Look (protocol/look.py); empty: defaults in the `look` colour

    @property
    def is_staff(self) -> bool:
        return self.role == "staff" or bool(self.opd)


@dataclass(slots=True)
class MirroredAvatar:
    id: int
    facts: AvatarFacts | None = None  # None until its AvatarEnter arrives
    history: PoseBuffer = field(default_factory=PoseBuffer)
    version: int = 0  # bumped when the facts change, so views know to rebuild


class Mirror:
    def __init__(self, *, history: int = 32) -> None:
        self._history = history
        self.welcome: Welcome | None = None
        self.self_id: int | None = None
        self.zone_id: str | None = None  # None until the server has said
        self.instance = ""  # the world instance you are in (welcome, then instance_changed)
        self.avatars: dict[int, MirroredAvatar] = {}
        self.ack_seq = 0
        self.last_tick = -1
        self.last_server_time_ms: int | None = None
        self.snapshots = 0
        self.book = SnapshotBook()

    def clear(self) -> None:
        """Forget everything the server said (a new session starts from nothing)."""
        self.welcome = None
        self.self_id = None
        self.zone_id = None
        self.instance = ""
        self.avatars.clear()
        self.ack_seq = 0
        self.last_tick = -1
        self.last_server_time_ms = None
        self.snapshots = 0
        self.book.clear()

    # ── messages in ──────────────────────────────────────────────────────────
    def apply(self, msg: Message) -> bool:
        """Update from one server message; False for messages the mirror doesn't keep."""
        handler = self._handlers.get(type(msg))
        if handler is None:
            return False
        handler(self, msg)
        return True

    def _on_welcome(self, msg: Welcome) -> None:
        self.clear()
        self.welcome = msg
        self.instance = msg.instance
        self.self_id = msg.avatar_id
        me = self._avatar(msg.avatar_id)
        me.history.push(
            msg.server_time_ms, Pose(quant.cm_to_m(msg.x_cm), quant.cm_to_m(msg.y_cm), quant.u16_to_yaw(msg.yaw))
        )

    def _on_enter(self, msg: AvatarEnter) -> None:
        avatar = self._avatar(msg.id)
        facts = AvatarFacts(name=msg.name, role=msg.role, look=msg.look, opd=msg.opd, style=msg.style)
        if facts != avatar.facts:
            avatar.facts = facts
            avatar.version += 1

    def _on_leave(self, msg: AvatarLeave) -> None:
        if msg.id != self.self_id:
            self.avatars.pop(msg.id, None)

    def _on_instance(self, msg: InstanceChanged) -> None:
        """You walked into another instance: the others you knew stay behind (no leave comes for
        them), and its snapshots count ticks afresh. Your own avatar and its history carry on."""
        self.instance = msg.instance
        for avatar_id in [i for i in self.avatars if i != self.self_id]:
            del self.avatars[avatar_id]
        self.last_tick = -1
        self.book.clear()

    def _on_zone(self, msg: ZoneChanged) -> None:
        self.zone_id = msg.zone_id

    def _on_snapshot(self, msg: Snapshot | SnapshotDelta) -> None:
        if msg.tick <= self.last_tick:
            return  # late or repeated: never step back in time
        state = self.book.take(msg)
        if state is None:
            return  # a delta against a tick we no longer hold: the server sends a fresh one
        previous_ms = self.last_server_time_ms
        self.last_tick = msg.tick
        self.ack_seq = msg.ack_seq
        self.last_server_time_ms = msg.server_time_ms
        self.snapshots += 1
        period_ms = 1000.0 / self.welcome.snapshot_hz if self.welcome is not None else 50.0
        quiet = previous_ms is not None and msg.server_time_ms - previous_ms > 1.5 * period_ms
        xs = quant.cm_to_m(state.pos[:, 0])
        ys = quant.cm_to_m(state.pos[:, 1])
        yaws = quant.u16s_to_yaw(state.yaw)
        for i, avatar_id in enumerate(state.ids.tolist()):
            pose = Pose(float(xs[i]), float(ys[i]), float(yaws[i]), int(state.anim[i]))
            history = self._avatar(avatar_id).history
            if quiet and history.newest is not None:
                history.push(msg.server_time_ms - period_ms, history.newest)
            history.push(msg.server_time_ms, pose)

    _handlers: dict[type, Callable[[Mirror, Any], None]] = {
        Welcome: _on_welcome,
        AvatarEnter: _on_enter,
        AvatarLeave: _on_leave,
        ZoneChanged: _on_zone,
        InstanceChanged: _on_instance,
        Snapshot: _on_snapshot,
        SnapshotDelta: _on_snapshot,
    }

    # ── queries ──────────────────────────────────────────────────────────────
    def _avatar(self, avatar_id: int) -> MirroredAvatar:
        avatar = self.avatars.get(avatar_id)
        if avatar is None:
            avatar = self.avatars[avatar_id] = MirroredAvatar(avatar_id, history=PoseBuffer(self._history))
        return avatar

    @property
    def me(self) -> MirroredAvatar | None:
        return self.avatars.get(self.self_id) if self.self_id is not None else None

    def self_server_pose(self) -> Pose | None:
        """Your avatar where the newest snapshot put it."""
        me = self.me
        return me.history.newest if me is not None else None

    def others(self) -> list[MirroredAvatar]:
        return [a for i, a in self.avatars.items() if i != self.self_id]
