"""The authoritative simulation: intents in, positions and zone events out. No I/O, time passed in.

Movement rules (why they stop speed hacks and teleports):
- A client never sends positions, only `Input`s, each worth one input period (1/input_hz s).
- Each avatar earns movement time as the simulation's clock advances (capped at a small
  backlog); every applied input spends one period of it. However fast inputs arrive, an
  avatar cannot cover more than `speed x (elapsed + backlog)`.
- Inputs queue per avatar; when more are waiting than `max_queued_inputs`, or more than
  `max_waiting_after_tick` are left once a tick's movement time is spent, the oldest are
  dropped (newest wins), so a client that stalled catches up instead of lagging forever.
  Dropped inputs are still acknowledged; the client's reconciliation absorbs the difference.
- Avatars that overlap are pushed apart a little each tick (`separation`), at most
  `push_mps` x dt, through the same swept collision as movement: never into a solid.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

import numpy as np

from makaverse.protocol import quant
from makaverse.protocol.messages import ANIM_IDLE, ANIM_RUN, ANIM_SIT, ANIM_WALK, Input
from makaverse.world import Box, World, move_step

from .avatars import AvatarInfo, AvatarTable
from .separation import separation_deltas

__all__ = ["SimError", "UnknownAvatar", "SeatTaken", "ZoneEntered", "Simulation"]


class SimError(Exception):
    """Root of simulation errors."""


class UnknownAvatar(SimError):
    pass


class SeatTaken(SimError):
    pass


@dataclass(frozen=True, slots=True)
class ZoneEntered:
    avatar_id: int
    zone_id: str  # "" when outside every zone


class Simulation:
    def __init__(
        self,
        world: World,
        *,
        input_hz: int = 20,
        max_queued_inputs: int = 4,
        max_backlog_inputs: int = 3,
        max_waiting_after_tick: int = 1,
        push_mps: float = 1.0,
        seed: int | None = None,
        issue_ids: bool = True,
    ) -> None:
        self.world = world
        # False when avatar ids come from outside (one numbering across a process's instances)
        self.issue_ids = issue_ids
        self.input_hz = input_hz
        self.input_dt = 1.0 / input_hz
        self.max_queued_inputs = max_queued_inputs
        self.max_backlog_s = max_backlog_inputs * self.input_dt
        self.max_waiting_after_tick = max_waiting_after_tick
        if push_mps < 0:
            raise ValueError("push_mps must be >= 0")
        self.push_mps = push_mps
        self.tick = 0
        self.time_s = 0.0
        self.inputs_dropped = 0  # stale inputs given way to newer ones, ever (acknowledged all the same)
        self.avatars = AvatarTable()
        self._next_id = 1
        self._events: list[ZoneEntered] = []
        # Nothing can change on the next step unless an input arrives or someone is placed:
        # no input was applied, nobody was pushed, nobody came or went since the last step. A
        # seated town hall is this most of the time, and its steps then cost nothing.
        self.settled = False
        self.changed = True  # the last step changed something, or someone was placed before it
        self._waiting = False  # some avatar has an input queued
        self._rng = random.Random(seed)

    # ── membership ───────────────────────────────────────────────────────────
    def spawn_point(self) -> tuple[float, float]:
        """A free spot near one of the world's spawn points, clear of solids and, if it can be, of other avatars."""
        w = self.world
        taken = self.avatars.pos[self.avatars.active_slots()]
        fallback: tuple[float, float] | None = None
        for _ in range(20):
            sx, sy = w.spawns[self._rng.randrange(len(w.spawns))]
            x = sx + self._rng.uniform(-1.0, 1.0)
            y = sy + self._rng.uniform(-1.0, 1.0)
            if w.placement_ok(np.array([[x, y]]))[0]:
                gap = np.hypot(taken[:, 0] - x, taken[:, 1] - y)
                if not (gap < 2.0 * w.avatar_radius_m).any():
                    return (x, y)
                fallback = fallback or (x, y)  # a crowded spawn: the soft push makes room
        return fallback or tuple(w.spawns[0])

    def add_avatar(
        self,
        info: AvatarInfo,
        *,
        position: tuple[float, float] | None = None,
        yaw: float | None = None,
        avatar_id: int | None = None,
    ) -> int:
        """Place an avatar (at a spawn point unless `position` is given); `avatar_id` re-adds a parked one."""
        if position is None:
            position = self.spawn_point()
        x, y = self.world.settle(np.array([position]))[0]
        if avatar_id is None:
            if not self.issue_ids:
                raise SimError("this simulation takes avatar ids from outside")
            avatar_id = self._next_id
            self._next_id += 1
        elif avatar_id in self.avatars.slot_of or avatar_id <= 0 or (self.issue_ids and avatar_id >= self._next_id):
            raise SimError(f"avatar id {avatar_id} is in use or was never issued")
        slot = self.avatars.add(avatar_id, info, float(x), float(y), self.world.spawn_yaw if yaw is None else yaw)
        self.settled = False
        zone = int(self.world.zone_index(self.avatars.pos[slot : slot + 1])[0])
        self.avatars.zone[slot] = zone
        self._events.append(ZoneEntered(avatar_id, self.world.zones[zone].id if zone >= 0 else ""))
        return avatar_id

    def remove_avatar(self, avatar_id: int) -> None:
        if avatar_id in self.avatars.slot_of:
            self.avatars.remove(avatar_id)
            self.settled = False

    def has(self, avatar_id: int) -> bool:
        return avatar_id in self.avatars.slot_of

    def info(self, avatar_id: int) -> AvatarInfo:
        info = self.avatars.info[self._slot(avatar_id)]
        if info is None:  # a live slot always has its info; a freed one is not in slot_of
            raise UnknownAvatar(avatar_id)
        return info

    def position(self, avatar_id: int) -> tuple[float, float]:
        x, y = self.avatars.pos[self._slot(avatar_id)]
        return (float(x), float(y))

    def yaw(self, avatar_id: int) -> float:
        return float(self.avatars.yaw[self._slot(avatar_id)])

    def zone_id(self, avatar_id: int) -> str:
        z = int(self.avatars.zone[self._slot(avatar_id)])
        return self.world.zones[z].id if z >= 0 else ""

    def _slot(self, avatar_id: int) -> int:
        try:
            return self.avatars.slot_of[avatar_id]
        except KeyError:
            raise UnknownAvatar(avatar_id) from None

    # ── seats and the stage ──────────────────────────────────────────────────
    def sit(self, avatar_id: int, seat: int) -> tuple[float, float, float]:
        """Snap the avatar onto a free seat facing the stage; inputs already queued are dropped so
        they don't stand it up at once. Returns (x, y, yaw)."""
        slot = self._slot(avatar_id)
        t = self.avatars
        seats = self.world.seats
        if not 0 <= seat < len(seats):
            raise SimError(f"no seat {seat}")
        if t.seat[slot] != seat and self.seat_taken(seat):
            raise SeatTaken(seat)
        x, y = seats[seat]
        return self._place(avatar_id, slot, float(x), float(y), math.radians(self.world.seat_facing_deg), seat,
                           ANIM_SIT)

    def seat_taken(self, seat: int) -> bool:
        t = self.avatars
        return bool((t.seat[t.active_slots()] == seat).any())

    def seat_of(self, avatar_id: int) -> int:
        return int(self.avatars.seat[self._slot(avatar_id)])

    def free_seat(self) -> int | None:
        """The free seat nearest the stage (front rows first, then from the aisle out), or None."""
        seats = self.world.seats
        if not len(seats):
            return None
        t = self.avatars
        taken = set(int(s) for s in t.seat[t.active_slots()] if s >= 0)
        order = np.lexsort((np.abs(seats[:, 0]), -seats[:, 1]))
        return next((int(i) for i in order if int(i) not in taken), None)

    def free_spot(
        self, near: tuple[float, float], *, avatar_id: int = 0, within: Box | None = None
    ) -> tuple[float, float]:
        """The place nearest `near` where an avatar may stand clear of solids and of everyone else
        (but `avatar_id`), inside `within` if given: `near` itself, else rings around it. With
        nothing free within a few metres, `near` all the same (the soft push makes room)."""
        w = self.world
        r = w.avatar_radius_m
        t = self.avatars
        slots = [s for s in t.active_slots().tolist() if int(t.ids[s]) != avatar_id]
        others = t.pos[slots]
        step = 2.0 * r + 0.1
        points = [near]
        for ring in range(1, 6):
            n = 6 * ring
            points += [(near[0] + ring * step * math.cos(2 * math.pi * k / n),
                        near[1] + ring * step * math.sin(2 * math.pi * k / n)) for k in range(n)]
        pts = np.array(points, dtype=np.float64)
        ok = w.placement_ok(pts)
        if within is not None:
            ok &= ((pts[:, 0] >= within.xmin + r) & (pts[:, 0] <= within.xmax - r)
                   & (pts[:, 1] >= within.ymin + r) & (pts[:, 1] <= within.ymax - r))
        if len(others):
            gap = np.hypot(pts[:, None, 0] - others[None, :, 0], pts[:, None, 1] - others[None, :, 1])
            ok &= (gap >= 2.0 * r).all(axis=1)
        # Nearest first; within a ring, the order listed (the first point east, going round north).
        free = np.flatnonzero(ok)
        if not len(free):
            return near
        best = free[np.argmin(np.hypot(pts[free, 0] - near[0], pts[free, 1] - near[1]))]
        return (float(pts[best, 0]), float(pts[best, 1]))

    def stand(self, avatar_id: int, x: float, y: float, yaw: float) -> tuple[float, float, float]:
        """Place the avatar standing at (x, y) facing `yaw` (off any seat); inputs already queued are
        dropped so they don't walk it off at once. Returns (x, y, yaw)."""
        return self._place(avatar_id, self._slot(avatar_id), x, y, float(yaw), -1, ANIM_IDLE)

    def _place(self, avatar_id: int, slot: int, x: float, y: float, yaw: float, seat: int,
               anim: int) -> tuple[float, float, float]:
        """Put the avatar at (x, y) facing `yaw` on `seat` (-1: standing) with `anim`, noting a zone
        change; inputs already queued are dropped (acknowledged) so they don't move it off at once."""
        t = self.avatars
        t.pos[slot] = (x, y)
        t.yaw[slot] = yaw
        t.seat[slot] = seat
        t.anim[slot] = anim
        self.settled = False
        zone = int(self.world.zone_index(t.pos[slot : slot + 1])[0])
        if zone != t.zone[slot]:
            t.zone[slot] = zone
            self._events.append(ZoneEntered(avatar_id, self.world.zones[zone].id if zone >= 0 else ""))
        while t.inputs[slot]:
            t.ack_seq[slot] = t.ack_news[slot] = t.inputs[slot].popleft().seq
        return x, y, yaw

    def allow_stage(self, avatar_id: int, allowed: bool) -> None:
        """Whether the avatar may walk onto the stage; for everyone else it is a solid."""
        self.avatars.stage_ok[self._slot(avatar_id)] = allowed

    # ── intents ──────────────────────────────────────────────────────────────
    def apply(self, avatar_id: int, intent: Input) -> None:
        """Queue one input period of intent; the oldest queued input gives way when full."""
        slot = self._slot(avatar_id)
        queue = self.avatars.inputs[slot]
        queue.append(intent)
        self._waiting = True
        while len(queue) > self.max_queued_inputs:
            dropped = queue.popleft()
            self.avatars.ack_seq[slot] = self.avatars.ack_news[slot] = dropped.seq
            self.inputs_dropped += 1

    # ── time ─────────────────────────────────────────────────────────────────
    def step(self, dt: float) -> None:
        """Advance by `dt` seconds: spend earned movement time on queued inputs, then update zones."""
        t = self.avatars
        self.tick += 1
        self.time_s += dt
        slots = t.active_slots()
        placed = not self.settled
        if len(slots) == 0:
            self.changed, self.settled = placed, True
            return
        t.budget_s[slots] = np.minimum(t.budget_s[slots] + dt, self.max_backlog_s)
        if self.settled and not self._waiting:
            self.changed = False
            return
        moved = np.zeros(len(t.ids), dtype=np.float64)
        running = np.zeros(len(t.ids), dtype=bool)
        # Only avatars with inputs waiting can move by themselves.
        busy = [slot for slot in slots.tolist() if t.inputs[slot]] if self._waiting else []
        applied = False
        # Round r applies the r-th waiting input of every avatar that can afford it.
        inputs = t.inputs
        waiting = busy
        need = self.input_dt - 1e-9
        while waiting:
            afford = (t.budget_s[waiting] >= need).tolist()
            batch = [slot for slot, ok in zip(waiting, afford, strict=True) if ok]
            if not batch:
                break
            applied = True
            intents = [inputs[slot].popleft() for slot in batch]
            idx = np.array(batch)
            t.budget_s[idx] -= self.input_dt
            seqs = np.array([intent.seq for intent in intents], dtype=np.uint32)
            t.ack_seq[idx] = seqs
            moves = np.array([(intent.move_x, intent.move_y) for intent in intents], dtype=np.float64)
            runs = np.array([intent.run for intent in intents], dtype=bool)
            asked = (moves != 0.0).any(axis=1)
            t.ack_news[idx[asked]] = seqs[asked]
            # Seated, it faces the stage until it moves.
            turn = asked | (t.seat[idx] < 0)
            t.yaw[idx[turn]] = quant.u16s_to_yaw(np.array([intent.yaw for intent in intents])[turn])
            running[idx] |= runs
            before = t.pos[idx].copy()
            after = move_step(self.world, before, moves, runs, dt_s=self.input_dt, stage_solid=~t.stage_ok[idx])
            t.pos[idx] = after
            gone = np.hypot(*(after - before).T)
            moved[idx] += gone
            # Any move stands a seated avatar up.
            t.seat[idx[gone > 1e-6]] = -1
            waiting = [slot for slot in batch if inputs[slot]]
        # Inputs still waiting once this tick's time is spent would only ever be applied late:
        # keep the newest, so a stall or a burst costs one input of lag at most, not a standing queue.
        keep = self.max_waiting_after_tick
        for slot in busy:
            queue = inputs[slot]
            if len(queue) > keep:
                while len(queue) > keep:
                    seq = queue.popleft().seq
                    self.inputs_dropped += 1
                t.ack_seq[slot] = t.ack_news[slot] = seq
        self._waiting = any(inputs[slot] for slot in busy)
        walking = moved[slots] > 1e-3
        idle = np.where(t.seat[slots] >= 0, ANIM_SIT, ANIM_IDLE)
        anim = np.where(walking, np.where(running[slots], ANIM_RUN, ANIM_WALK), idle).astype(t.anim.dtype)
        animated = bool((anim != t.anim[slots]).any())
        t.anim[slots] = anim
        pushed = self._separate(slots, dt)
        zones = self.world.zone_index(t.pos[slots])
        changed = zones != t.zone[slots]
        for slot, z in zip(slots[changed], zones[changed], strict=True):
            t.zone[slot] = z
            self._events.append(ZoneEntered(int(t.ids[slot]), self.world.zones[z].id if z >= 0 else ""))
        # Nothing changed in this step: the next one without inputs computes the same.
        self.settled = not applied and not pushed and not animated
        self.changed = placed or not self.settled

    def _separate(self, slots: np.ndarray, dt: float) -> bool:
        """Push overlapping avatars apart a little (a push is not a step: `anim` stays as it was).
        Whether anyone was pushed."""
        if self.push_mps <= 0.0 or len(slots) < 2:
            return False
        t = self.avatars
        radius = self.world.avatar_radius_m
        pos = t.pos[slots]
        delta = separation_deltas(pos, radius_m=radius, max_step_m=min(self.push_mps * dt, radius),
                                  ids=t.ids[slots])
        delta[t.seat[slots] >= 0] = 0.0  # someone seated keeps their seat (others still make way)
        pushed = np.flatnonzero(delta.any(axis=1))
        if len(pushed):
            t.pos[slots[pushed]] = self.world.resolve_moves(pos[pushed], delta[pushed])
        return bool(len(pushed))

    def input_backlog(self) -> int:
        """Inputs received and not yet applied, over every avatar (at most `max_queued_inputs` each)."""
        inputs = self.avatars.inputs
        return sum(len(inputs[slot]) for slot in self.avatars.active_slots().tolist())

    def drain_events(self) -> list[ZoneEntered]:
        events, self._events = self._events, []
        return events
