"""A world instance (the building, the auditorium, an overflow copy): its members, its
simulation and visibility, and the feature components it owns. No sockets here: members have an
outbox for the movement stream (snapshots, enter and leave), and commands go to the components,
which answer with `Effects` for the wiring to carry out.

Hooks in the spirit of a game-server room: `join`, `leave`, `detach`/`attach` (a dropped
connection and its return), `on_input`, `handle`, `tick`, and `transfer_out`/`transfer_in` for
an avatar walking into another instance.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Protocol, TypeVar

from makaverse.protocol import AvatarEnter, AvatarLeave, Input, MessageType, ZoneChanged, encode
from makaverse.protocol.messages import Message
from makaverse.world import World

from ..sim import AvatarInfo, Simulation, Views
from ..sim.capacity import LEVELS
from .actor import Actor
from .component import Component
from .effects import Effects, Move

__all__ = ["Outbox", "Member", "Transfer", "WorldInstance"]

C = TypeVar("C", bound=Component)

log = logging.getLogger("makaverse.instance")


class Outbox(Protocol):
    """Where a member's messages go; `False` means the member is being dropped. While `congested`
    (frames already handed over are not leaving yet), snapshot ticks pass the member by: a later
    snapshot replaces the skipped ones, instead of queueing behind them."""

    def send(self, msg: Message) -> bool: ...

    def send_bytes(self, data: bytes) -> bool: ...

    @property
    def congested(self) -> bool: ...


@dataclass(slots=True)
class Member:
    avatar_id: int
    info: AvatarInfo
    outbox: Outbox | None  # None while parked (disconnected, within the reconnect grace)
    parked_at: tuple[float, float, float] | None = None  # x, y, yaw while parked
    snapshot_hz: int = 0  # the most snapshots a second its client asked for (0: the instance's rate)


@dataclass(slots=True)
class Transfer:
    """An avatar on its way to another instance: where it stands and the inputs it has sent."""

    member: Member
    x: float
    y: float
    yaw: float
    ack_seq: int
    inputs: deque = field(default_factory=deque)


class WorldInstance:
    def __init__(
        self,
        world: World,
        *,
        instance_id: str = "main",
        kind: str = "building",
        tick_hz: int = 20,
        snapshot_hz: int = 20,
        input_hz: int = 20,
        interest_radius_m: float = 40.0,
        interest_k: int = 50,
        seed: int | None = None,
        spawn: tuple[float, float] | None = None,
        exits: Mapping[str, str] | None = None,
        issue_ids: bool = True,
    ) -> None:
        self.world = world
        self.instance_id = instance_id
        self.kind = kind
        self.tick_hz = tick_hz
        self.snapshot_every = max(1, tick_hz // snapshot_hz)
        self.sim = Simulation(world, input_hz=input_hz, seed=seed, issue_ids=issue_ids)
        # With nothing new in its interest, a viewer gets no snapshot at all (see `Views`).
        self.views = Views(radius_m=interest_radius_m, max_visible=interest_k)
        self.detail = LEVELS[0]  # what the snapshot stream may carry (lowered under load)
        # Something a viewer may not have been sent yet: a step that changed anything, or someone
        # came, went or asked for another rate, or a viewer was passed by while congested.
        # Without it nobody is owed anything and the snapshot turn is skipped.
        self._changed = True
        self._owed = 0  # snapshot turns still to run in full since the last change (see `_send_snapshots`)
        self._slow: set[int] = set()  # members served every n-th snapshot only (they asked for fewer)
        self.members: dict[int, Member] = {}
        self.spawn = spawn
        # zone id -> the hosted instance that owns it: stepping into one moves the avatar there
        self.exits: dict[str, str] = dict(exits or {})
        self.components: list[Component] = []
        self._routes: dict[MessageType, Component] = {}

    def __len__(self) -> int:
        return len(self.members)

    # ── components ───────────────────────────────────────────────────────────
    def add(self, component: C) -> C:
        """Own a component: the client messages it handles are routed to it."""
        for mtype in component.handlers:
            if mtype in self._routes:
                raise ValueError(f"{mtype.name} is claimed by {self._routes[mtype].name} and {component.name}")
            self._routes[mtype] = component
        self.components.append(component)
        return component

    def handles(self, mtype: MessageType) -> bool:
        return mtype in self._routes

    def handle(self, cmd: Message, actor: Actor, now_ms: int) -> Effects:
        """A client's command, to the component that owns its type."""
        return self._routes[cmd.TYPE].handle(cmd, actor, now_ms)

    def start(self, now_ms: int) -> list[Effects]:
        return [c.start(now_ms) for c in self.components]

    def arrival_hooks(self, *, home: bool) -> Iterable[Component]:
        """Components whose enter/leave hooks run for an avatar: all of them in its own instance
        (`home`), only the process-wide ones elsewhere."""
        return [c for c in self.components if home or c.process_wide]

    # ── who is here ──────────────────────────────────────────────────────────
    @property
    def population(self) -> int:
        return len(self.members)

    def spawn_point(self) -> tuple[float, float] | None:
        """Where a newcomer appears: the instance's own spawn, or one of the world's (None)."""
        return self.spawn

    # ── hooks ────────────────────────────────────────────────────────────────
    def join(
        self,
        info: AvatarInfo,
        outbox: Outbox,
        *,
        position: tuple[float, float] | None = None,
        yaw: float | None = None,
        avatar_id: int | None = None,
    ) -> int:
        if position is None:
            position = self.spawn_point()
        avatar_id = self.sim.add_avatar(info, position=position, yaw=yaw, avatar_id=avatar_id)
        self.members[avatar_id] = Member(avatar_id, info, outbox)
        self._changed = True
        return avatar_id

    def leave(self, avatar_id: int) -> None:
        """The avatar disappears; everyone who saw it is told on the next snapshot tick."""
        self.members.pop(avatar_id, None)
        self._slow.discard(avatar_id)
        self.sim.remove_avatar(avatar_id)
        self.views.forget(avatar_id)
        self._changed = True

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
        self.views.forget(avatar_id)
        self._changed = True

    def attach(self, avatar_id: int, outbox: Outbox) -> None:
        """Give a (parked or live) avatar a new outbox; it will be told about everyone anew."""
        member = self.members[avatar_id]
        if member.parked_at is not None:
            x, y, yaw = member.parked_at
            self.sim.add_avatar(member.info, position=(x, y), yaw=yaw, avatar_id=avatar_id)
            member.parked_at = None
        member.outbox = outbox
        self.views.forget(avatar_id)
        self._changed = True

    def seat_or_spawn(self, avatar_id: int) -> int:
        """Sit an arriving avatar on the free seat nearest the stage; with none free, stand it at
        the instance's spawn (it may have come from anywhere). The seat, or -1."""
        seat = self.sim.free_seat()
        if seat is not None:
            self.sim.sit(avatar_id, seat)
            return seat
        member = self.members[avatar_id]
        self.sim.remove_avatar(avatar_id)
        self.sim.add_avatar(member.info, position=self.spawn_point(), avatar_id=avatar_id)
        self.views.forget(avatar_id)
        return -1

    def stand_near(self, avatar_id: int, spot: tuple[float, float, float]) -> tuple[float, float, float]:
        """Stand an arriving avatar at the free place nearest `spot` (x, y, yaw), facing its yaw;
        a spot on the stage stays on the stage. Returns (x, y, yaw)."""
        x, y, yaw = spot
        stage = self.sim.world.stage.box
        within = stage if stage.contains_point(x, y) else None
        x, y = self.sim.free_spot((x, y), avatar_id=avatar_id, within=within)
        return self.sim.stand(avatar_id, x, y, yaw)

    def is_parked(self, avatar_id: int) -> bool:
        member = self.members.get(avatar_id)
        return member is not None and member.parked_at is not None

    def set_snapshot_hz(self, avatar_id: int, wanted_hz: int) -> None:
        """A member's client asked for at most `wanted_hz` snapshots a second (0: the instance's rate)."""
        member = self.members.get(avatar_id)
        if member is not None:
            member.snapshot_hz = wanted_hz
            self._changed = True
            if self._snapshot_skip(member) > 1:
                self._slow.add(avatar_id)
            else:
                self._slow.discard(avatar_id)

    def _snapshot_skip(self, member: Member) -> int:
        """Send this member every n-th snapshot: the smallest n that keeps it at or under its asked rate."""
        rate = self.tick_hz // self.snapshot_every
        return -(-rate // member.snapshot_hz) if 0 < member.snapshot_hz < rate else 1

    def snapshot_hz_of(self, avatar_id: int) -> int:
        """The snapshot rate this member gets (whole snapshots a second)."""
        rate = self.tick_hz // self.snapshot_every
        member = self.members.get(avatar_id)
        return max(1, rate // self._snapshot_skip(member)) if member is not None else rate

    def on_input(self, avatar_id: int, intent: Input) -> None:
        self.sim.apply(avatar_id, intent)
        if intent.ack_tick:
            self.views.ack(avatar_id, intent.ack_tick)

    # ── moving between instances ─────────────────────────────────────────────
    def transfer_out(self, avatar_id: int) -> Transfer:
        """Take a live avatar out (everyone who saw it is told on the next snapshot tick)."""
        member = self.members.pop(avatar_id)
        self._slow.discard(avatar_id)
        t = self.sim.avatars
        slot = t.slot_of[avatar_id]
        x, y = t.pos[slot]
        moving = Transfer(member, float(x), float(y), float(t.yaw[slot]), int(t.ack_seq[slot]), deque(t.inputs[slot]))
        self.sim.remove_avatar(avatar_id)
        self.views.forget(avatar_id)
        self._changed = True
        return moving

    def transfer_in(self, moving: Transfer) -> None:
        """Place an avatar from another instance where it stood, keeping its acknowledged and queued inputs."""
        member = moving.member
        self.sim.add_avatar(member.info, position=(moving.x, moving.y), yaw=moving.yaw, avatar_id=member.avatar_id)
        t = self.sim.avatars
        slot = t.slot_of[member.avatar_id]
        t.ack_seq[slot] = t.ack_news[slot] = moving.ack_seq
        for intent in moving.inputs:
            self.sim.apply(member.avatar_id, intent)
        self.members[member.avatar_id] = member
        self.views.forget(member.avatar_id)
        self._changed = True
        if self._snapshot_skip(member) > 1:
            self._slow.add(member.avatar_id)

    # ── time ─────────────────────────────────────────────────────────────────
    def tick(self, dt: float, now_ms: int) -> Effects:
        """Step the simulation, stream snapshots, then the components' ticks. Avatars that
        stepped into another instance's zone come back as `Move` effects."""
        fx = Effects()
        sim = self.sim
        sim.step(dt)
        if sim.changed:
            self._changed = True
        # Only where each avatar ended up counts: one placed on a seat after arriving elsewhere
        # (go to event) must not be sent back by the zone it passed through.
        last = {event.avatar_id: event for event in sim.drain_events()}
        for event in last.values():
            member = self.members.get(event.avatar_id)
            if member is not None and member.outbox is not None:
                member.outbox.send(ZoneChanged(zone_id=event.zone_id))
                target = self.exits.get(event.zone_id)
                if target is not None:
                    fx.out.append(Move(event.avatar_id, target))
        if sim.tick % self.snapshot_every == 0:
            self._send_snapshots(now_ms)
        for component in self.components:
            fx.extend(component.tick(now_ms))
        return fx

    def _send_snapshots(self, now_ms: int) -> None:
        sim = self.sim
        n = sim.tick // self.snapshot_every
        if self._changed:
            # Shed detail refreshes interest and far poses on later turns, in turn per viewer:
            # those turns are owed in full too.
            self._changed = False
            self._owed = max(self.detail.refresh_every, self.detail.far_every)
        elif self._owed <= 0 and not self._slow:
            return  # nothing new for anyone
        self._owed -= 1
        viewers = []
        for m in self.members.values():
            if m.outbox is None or m.parked_at is not None or n % self._snapshot_skip(m):
                continue
            if m.outbox.congested:
                self._changed = True  # passed by: it is owed this turn's news on a later one
                continue
            viewers.append(m.avatar_id)
        if not viewers:
            return
        enter_frames: dict[int, bytes] = {}
        members = self.members
        for update in self.views.update(sim.avatars, viewers, tick=sim.tick, now_ms=now_ms, turn=n,
                                        detail=self.detail):
            outbox = members[update.viewer_id].outbox
            assert outbox is not None  # viewers are the members with an outbox
            send = outbox.send_bytes
            for gone in update.left:
                send(_leave_frame(gone))
            for new in update.entered:
                frame = enter_frames.get(new)
                if frame is None:
                    frame = enter_frames[new] = _enter_frame(new, sim.info(new))
                send(frame)
            if update.frame:
                send(update.frame)


# A crowd's interest sets change at their edge every tick: the same few frames, encoded once.
@lru_cache(maxsize=4096)
def _leave_frame(avatar_id: int) -> bytes:
    return encode(AvatarLeave(id=avatar_id))


@lru_cache(maxsize=4096)
def _enter_frame(avatar_id: int, info: AvatarInfo) -> bytes:
    return encode(AvatarEnter(id=avatar_id, name=info.name, role=info.role, look=info.look, opd=info.opd,
                              style=info.style))
