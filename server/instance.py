"""A world instance (the Balai Kota, an overflow copy, ...): members, the simulation and
what each member must be sent every tick. No sockets here: members have an outbox.

Hooks in the spirit of a game-server room: `join`, `leave`, `on_input`, `tick`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from makaverse.protocol import AvatarEnter, AvatarLeave, Input, ZoneChanged, encode, encode_snapshot
from makaverse.protocol.messages import Message
from makaverse.world import World

from .sim import AvatarInfo, Simulation, Visibility

__all__ = ["Outbox", "Member", "WorldInstance"]

log = logging.getLogger("makaverse.instance")


class Outbox(Protocol):
    """Where a member's messages go; `False` means the member is being dropped."""

    def send(self, msg: Message) -> bool: ...

    def send_bytes(self, data: bytes) -> bool: ...


@dataclass(slots=True)
class Member:
    avatar_id: int
    info: AvatarInfo
    outbox: Outbox | None  # None while parked (disconnected, within the reconnect grace)
    parked_at: tuple[float, float, float] | None = None  # x, y, yaw while parked


class WorldInstance:
    def __init__(
        self,
        world: World,
        *,
        instance_id: str = "main",
        tick_hz: int = 20,
        snapshot_hz: int = 20,
        input_hz: int = 20,
        interest_radius_m: float = 40.0,
        interest_k: int = 50,
        seed: int | None = None,
    ) -> None:
        self.world = world
        self.instance_id = instance_id
        self.tick_hz = tick_hz
        self.snapshot_every = max(1, tick_hz // snapshot_hz)
        self.sim = Simulation(world, input_hz=input_hz, seed=seed)
        self.visibility = Visibility(radius_m=interest_radius_m, max_visible=interest_k)
        self.members: dict[int, Member] = {}

    def __len__(self) -> int:
        return len(self.members)

    # ── hooks ────────────────────────────────────────────────────────────────
    def join(
        self,
        info: AvatarInfo,
        outbox: Outbox,
        *,
        position: tuple[float, float] | None = None,
        yaw: float | None = None,
    ) -> int:
        avatar_id = self.sim.add_avatar(info, position=position, yaw=yaw)
        self.members[avatar_id] = Member(avatar_id, info, outbox)
        return avatar_id

    def leave(self, avatar_id: int) -> None:
        """The avatar disappears; everyone who saw it is told on the next snapshot tick."""
        self.members.pop(avatar_id, None)
        self.sim.remove_avatar(avatar_id)
        self.visibility.forget(avatar_id)

    def detach(self, avatar_id: int) -> None:
        """The member's connection is gone: its avatar leaves everyone's view at once but is
        parked where it stood, so `attach` within the reconnect grace puts it back there."""
        member = self.members.get(avatar_id)
        if member is None or member.parked_at is not None:
            return
        x, y = self.sim.position(avatar_id)
        member.parked_at = (x, y, self.sim.yaw(avatar_id))
        member.outbox = None
        self.sim.remove_avatar(avatar_id)
        self.visibility.forget(avatar_id)

    def attach(self, avatar_id: int, outbox: Outbox) -> None:
        """Give a (parked or live) avatar a new outbox; it will be told about everyone anew."""
        member = self.members[avatar_id]
        if member.parked_at is not None:
            x, y, yaw = member.parked_at
            self.sim.add_avatar(member.info, position=(x, y), yaw=yaw, avatar_id=avatar_id)
            member.parked_at = None
        member.outbox = outbox
        self.visibility.forget(avatar_id)

    def is_parked(self, avatar_id: int) -> bool:
        member = self.members.get(avatar_id)
        return member is not None and member.parked_at is not None

    def on_input(self, avatar_id: int, intent: Input) -> None:
        self.sim.apply(avatar_id, intent)

    # ── time ─────────────────────────────────────────────────────────────────
    def tick(self, dt: float, now_ms: int) -> None:
        sim = self.sim
        sim.step(dt)
        for event in sim.drain_events():
            member = self.members.get(event.avatar_id)
            if member is not None and member.outbox is not None:
                member.outbox.send(ZoneChanged(zone_id=event.zone_id))
        if sim.tick % self.snapshot_every == 0:
            self._send_snapshots(now_ms)

    def _send_snapshots(self, now_ms: int) -> None:
        sim = self.sim
        viewers = [m.avatar_id for m in self.members.values() if m.outbox is not None and m.parked_at is None]
        if not viewers:
            return
        enter_frames: dict[int, bytes] = {}
        for update in self.visibility.update(sim.avatars, viewers):
            outbox = self.members[update.viewer_id].outbox
            for gone in update.left:
                outbox.send(AvatarLeave(id=gone))
            for new in update.entered:
                frame = enter_frames.get(new)
                if frame is None:
                    info = sim.info(new)
                    frame = enter_frames[new] = encode(
                        AvatarEnter(id=new, name=info.name, role=info.role, look=info.look, opd=info.opd,
                                    style=info.style)
                    )
                outbox.send_bytes(frame)
            slot = sim.avatars.slot_of[update.viewer_id]
            # Only the header is per viewer; the packed arrays are shared by everyone who sees the same set.
            outbox.send_bytes(encode_snapshot(sim.tick, int(sim.avatars.ack_seq[slot]), now_ms, update.body.packed))
