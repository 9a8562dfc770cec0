"""One task runs every instance's tick at the fixed rate: each instance steps its simulation,
streams its snapshots and ticks its components, with its own share of the period as a budget and
its own figures in `/metrics` (label `instance`). Moves between instances and parked avatars
whose grace ran out are settled between ticks."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping

from ..net.connection import corked
from ..net.heap import OldObjects
from ..net.metrics import ServerMetrics
from ..rooms.effects import Effects, Move
from ..rooms.instance import WorldInstance
from ..sim.capacity import CapacityPolicy
from .places import Places
from .runner import EffectRunner, now_ms

__all__ = ["Scheduler"]

log = logging.getLogger("makaverse.scheduler")


class Scheduler:
    def __init__(
        self,
        instances: Mapping[str, WorldInstance],
        places: Places,
        runner: EffectRunner,
        metrics: ServerMetrics,
        *,
        tick_hz: int,
        capacity: CapacityPolicy | None = None,
        receive_backlog: Callable[[], int | None] | None = None,
    ) -> None:
        self.instances = instances
        self.places = places
        self.runner = runner
        self.metrics = metrics
        self.dt = 1.0 / tick_hz
        self.capacity = capacity or CapacityPolicy()
        self._cpu_s = time.process_time()
        self._late_s = 0.0
        self._arrivals = places.players.arrivals
        # Each instance's `inputs_dropped` already counted, with the simulation it was counted on: a
        # copy of the hall that closes and opens again under its old name has a new one, counting from 0.
        self._dropped: dict[str, tuple[object, int]] = {}
        self.receive_backlog = receive_backlog  # bytes unread in client sockets (None: not known here)
        self.backlog = {"inputs": 0, "receive_bytes": None}  # the last once-a-second reading
        self._backlog_at_s = 0.0
        # Each instance may use its share of the period; more is counted as over budget.
        self.budget_s = self.dt / max(1, len(instances))
        self.task: asyncio.Task | None = None
        # The serving process's collector policy (`serve` sets it; an embedded server, a test,
        # leaves the interpreter's collector alone).
        self.heap: OldObjects | None = None
        # Each instance's labelled figures, looked up once rather than every tick (overflow
        # copies of the hall come and go: theirs are looked up when first seen).
        self._figures: dict[str, tuple] = {}
        for i in instances:
            self._figures_of(i)

    def _figures_of(self, instance_id: str) -> tuple:
        figures = self._figures.get(instance_id)
        if figures is None:
            m = self.metrics
            figures = self._figures[instance_id] = (
                m.instance_tick.labels(instance=instance_id),
                m.instance_over_budget.labels(instance=instance_id),
                m.instance_avatars.labels(instance=instance_id),
            )
        return figures

    def start(self) -> None:
        self.task = asyncio.create_task(self._loop(), name="tick")

    @property
    def running(self) -> bool:
        return self.task is not None and not self.task.done()

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            try:
                await self.task
            except asyncio.CancelledError:
                pass

    async def _loop(self) -> None:
        loop = asyncio.get_running_loop()
        dt = self.dt
        next_at = loop.time()
        while True:
            started = time.perf_counter()
            self._late_s = max(0.0, loop.time() - next_at)  # how far behind its schedule this tick starts
            try:
                with corked():  # a client's frames of this tick leave in one write
                    self.tick(loop.time())
            except Exception:
                log.exception("tick_failed")
            self.metrics.observe_tick(time.perf_counter() - started)
            next_at += dt
            delay = next_at - loop.time()
            if delay < -dt:
                # Far behind (the machine stalled): skip missed ticks instead of bursting.
                self.metrics.tick_overruns.inc()
                next_at = loop.time()
                delay = 0
            await asyncio.sleep(max(0.0, delay))

    def tick(self, now_s: float) -> None:
        self.places.expire(now_s)
        now = now_ms()
        # The process measures its own load (CPU seconds per second: sockets, ticks, everything)
        # and lowers snapshot detail before it falls behind.
        cpu = time.process_time()
        capacity = self.capacity
        players = self.places.players
        arrivals = players.arrivals
        capacity.observe(now_s, cpu - self._cpu_s, sum(len(i) for i in self.instances.values()),
                         arrivals=arrivals - self._arrivals, joining=len(players.by_conn) - len(players.by_avatar),
                         late_s=self._late_s, period_s=self.dt)
        self._cpu_s, self._arrivals = cpu, arrivals
        detail = capacity.detail
        moves = Effects()
        m = self.metrics
        avatars = 0
        bodies = 0
        for instance in list(self.instances.values()):
            instance.detail = detail
            started = time.perf_counter()
            try:
                fx = instance.tick(self.dt, now)
            except Exception:
                log.exception("instance_tick_failed", extra={"fields": {"instance": instance.instance_id}})
                continue
            # Moves wait until every instance has ticked, so nobody is stepped twice in one tick.
            self.runner.apply(_without_moves(fx, moves))
            took = time.perf_counter() - started
            tick_s, over_budget, population = self._figures_of(instance.instance_id)
            tick_s.observe(took)
            if took > self.budget_s:
                over_budget.inc()
            population.set(len(instance.sim.avatars))
            sim = instance.sim
            counted_on, counted = self._dropped.get(instance.instance_id, (sim, 0))
            if counted_on is not sim:
                counted = 0
            if sim.inputs_dropped > counted:
                m.inputs_coalesced.inc(sim.inputs_dropped - counted)
            self._dropped[instance.instance_id] = (sim, sim.inputs_dropped)
            avatars += len(instance.sim.avatars)
            bodies += instance.views.frames_built
        self.runner.apply(moves)
        self.places.reap()
        if len(self._dropped) > len(self.instances):  # copies closed: forget their counts
            self._dropped = {i: c for i, c in self._dropped.items() if i in self.instances}
        m.avatars.set(avatars)
        m.snapshot_bodies.set(bodies)
        m.load.set(capacity.load)
        m.detail_level.set(capacity.level)
        m.capacity_players.set(min(capacity.capacity, 1 << 20))
        m.load_steady.set(capacity.steady_load)
        if now_s - self._backlog_at_s >= 1.0:
            self._backlog_at_s = now_s
            self._read_backlog()
        if self.heap is not None:
            self.heap.check(now_s)

    def _read_backlog(self) -> None:
        """Input waiting anywhere in this process: in the simulations' queues (bounded per avatar)
        and unread in the sockets (bounded only by reading in time)."""
        inputs = sum(i.sim.input_backlog() for i in self.instances.values())
        unread = self.receive_backlog() if self.receive_backlog is not None else None
        self.backlog = {"inputs": inputs, "receive_bytes": unread}
        self.metrics.input_backlog.set(inputs)
        if unread is not None:
            self.metrics.receive_backlog_bytes.set(unread)


def _without_moves(fx: Effects, moves: Effects) -> Effects:
    if not any(isinstance(e, Move) for e in fx.out):
        return fx
    rest = Effects(fx.ref)
    for effect in fx.out:
        (moves if isinstance(effect, Move) else rest).out.append(effect)
    return rest
