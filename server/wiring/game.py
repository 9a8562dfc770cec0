"""The game server assembled: settings, store, bus, the world instances with their components, the
effect runner, the front door, the scheduler and the transport."""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from typing import Any

from makaverse.protocol import PROTOCOL_VERSION, Announcement, decode
from makaverse.world import World

from ..bus import make_bus
from ..log import log_event
from ..net.gateways import GatewayHub
from ..net.metrics import ServerMetrics
from ..net.server import NetServer
from ..rooms.booths import BoothConfig, Booths
from ..rooms.chat import ANNOUNCEMENTS_CHANNEL, Chat, ChatShared
from ..rooms.effects import ToEveryone
from ..rooms.events import DOWN, UP, EventCopy, Events
from ..rooms.instance import WorldInstance
from ..rooms.layout import InstancePlan, plan_instances
from ..rooms.requests import Requests
from ..rooms.seats import Seats
from ..service_config import chat_config_from_env, load_wordfilter
from ..services.chat import ChatConfig, ChatRoom
from ..settings import Settings
from ..sim.capacity import CapacityPolicy
from .gate import Gate
from .places import Places
from .players import Players
from .router import Router
from .runner import EffectRunner, now_ms
from .scheduler import Scheduler

__all__ = ["GameServer"]

log = logging.getLogger("makaverse.server")


class GameServer:
    def __init__(
        self,
        settings: Settings,
        world: World,
        *,
        store: Any = None,
        accounts: Any = None,
        seed: int | None = None,
        chat: ChatConfig | None = None,
        booths: BoothConfig | None = None,
    ) -> None:
        self.settings = settings
        self.world = world
        self.store = store
        self.accounts = accounts
        self.metrics = ServerMetrics()
        self.bus = make_bus(settings.redis_url)
        s = settings
        self.instances: dict[str, WorldInstance] = {}
        for n, plan in enumerate(plan_instances(world, s.instance_ids)):
            self.instances[plan.id] = WorldInstance(
                world,
                instance_id=plan.id,
                kind=plan.kind,
                tick_hz=s.tick_hz,
                snapshot_hz=s.snapshot_hz,
                input_hz=s.input_hz,
                interest_radius_m=s.interest_radius_m,
                interest_k=s.interest_k,
                seed=None if seed is None else seed + n,
                spawn=plan.spawn,
                exits=plan.exits,
                issue_ids=False,
            )
        self.instance = next(iter(self.instances.values()))  # where newcomers appear
        self.players = Players(self.instances, grace_s=s.reconnect_grace_s)
        self.presence = self.players.presence
        self.places: Places
        self.runner = EffectRunner(self.players, store=store, bus=self.bus, move=lambda m: self.places.move(m))
        plans = plan_instances(world, s.instance_ids)
        self._bus_origin = secrets.token_hex(6)  # this process's events authority, on a shared bus
        # The auditorium hosts the town-hall events; its overflow copies are made on demand.
        self._hall_plan: InstancePlan | None = next((p for p in plans if p.kind == "auditorium"), None)
        self.places = Places(
            self.instances,
            self.players,
            self.runner,
            self.metrics,
            home=self.instance.instance_id,
            hall=self._hall_plan.id if self._hall_plan is not None else "",
            hall_capacity=s.auditorium_capacity,
            make_copy=self._make_copy,
        )
        chat_config = chat or chat_config_from_env()
        zone_ids = [z.id for z in world.zones]
        self._chat_shared = shared = ChatShared(
            chat_config, ChatRoom(chat_config, zone_ids, wordfilter=load_wordfilter(chat_config.wordfilter_file))
        )
        self.events: Events | None = None
        for plan in plans:
            instance = self.instances[plan.id]
            if plan.owns_booth(world):
                desk = instance.add(Booths(world, instance.sim, self.players, booths))
                instance.add(Requests(desk))
            instance.add(Chat(plan.id, instance.sim, self.players, shared))
            if plan is self._hall_plan:
                instance.add(Seats(instance.sim))
                outside = next(iter(plan.exits.values()), self.instance.instance_id)
                self.events = instance.add(
                    Events(plan.id, instance.sim, self.players, outside=outside, origin=self._bus_origin)
                )
        # Measured each tick by the scheduler; the gate asks it before letting a newcomer in.
        self.capacity = CapacityPolicy(max_players=s.capacity_players)
        self.gate = Gate(
            s, self.players, self.places, self.runner, accounts=accounts, world_id=world.id, capacity=self.capacity
        )
        self.router = Router(
            self.instances, self.players, self.places, self.gate, self.runner, health=self._health
        )
        # One process holds the sockets too, or gateway processes hold them: the same surface.
        self.net: NetServer | GatewayHub = (
            GatewayHub(s, self.router, self.metrics, count=s.gateways)
            if s.gateways
            else NetServer(s, self.router, self.metrics)
        )
        self.scheduler = Scheduler(
            self.instances, self.places, self.runner, self.metrics, tick_hz=s.tick_hz, capacity=self.capacity
        )
        self._subscription: Any = None
        self._event_subs: list[Any] = []
        self._stopping = False
        self._started_s = time.monotonic()

    @property
    def port(self) -> int | None:
        return self.net.port

    @property
    def sessions(self) -> dict:
        return self.net.sessions

    # ── lifecycle ────────────────────────────────────────────────────────────
    async def start(self) -> None:
        await self.bus.start()
        self._subscription = self.bus.subscribe(ANNOUNCEMENTS_CHANNEL, self._announcement_arrived)
        self._event_subs = [self.bus.subscribe(UP, self._event_up), self.bus.subscribe(DOWN, self._event_down)]
        if self.store is not None:
            now = now_ms()
            for instance in self.instances.values():
                for fx in instance.start(now):
                    await self.runner.run(fx, what="start")
        await self.net.start()
        self.scheduler.start()
        log_event(
            log, "server_started", host=self.settings.host, port=self.port, world=self.world.id,
            tick_hz=self.settings.tick_hz, instances=",".join(self.instances),
        )

    async def stop(self) -> None:
        """Close every client with 1001, stop ticking, let the last writes finish, then stop."""
        if self._stopping:
            return
        self._stopping = True
        await self.net.stop()
        await self.scheduler.stop()
        await self.runner.drain()
        if self._subscription is not None:
            self._subscription.cancel()
        for sub in self._event_subs:
            sub.cancel()
        await self.bus.close()
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, self._close_pools)
        log_event(log, "server_stopped")

    def _close_pools(self) -> None:
        self.gate.close()
        self.runner.close()
        if self.store is not None:
            self.store.dispose()

    def _announcement_arrived(self, payload: bytes) -> None:
        """An announcement from any process on the bus (this one included): to everyone here."""
        try:
            ok = isinstance(decode(payload), Announcement)
        except Exception:
            ok = False
        if not ok:
            log.warning("announcement_malformed_on_bus")
            return
        for player in self.players.resolve(ToEveryone()):
            player.send(payload)

    # ── the town hall's overflow copies ──────────────────────────────────────
    def _make_copy(self, copy_id: str) -> WorldInstance:
        """Another instance of the auditorium: seats, chat and a door to the events authority."""
        plan = self._hall_plan
        assert plan is not None
        s = self.settings
        copy = WorldInstance(
            self.world,
            instance_id=copy_id,
            kind=plan.kind,
            tick_hz=s.tick_hz,
            snapshot_hz=s.snapshot_hz,
            input_hz=s.input_hz,
            interest_radius_m=s.interest_radius_m,
            interest_k=s.interest_k,
            spawn=plan.spawn,
            exits=plan.exits,
            issue_ids=False,
        )
        copy.add(Seats(copy.sim))
        copy.add(Chat(copy_id, copy.sim, self.players, self._chat_shared))
        copy.add(EventCopy(copy_id, copy.sim, self.players, origin=self._bus_origin))
        self.instances[copy_id] = copy
        return copy

    def _event_up(self, payload: bytes) -> None:
        """A command forwarded by a copy of the hall: handled by the authority, replies sent back down."""
        events = self.events
        if events is None:
            return
        try:
            forwarded = events.from_copy(payload)
            if forwarded is None:
                return
            actor, cmd = forwarded
            fx = events.handle(cmd, actor, now_ms())
        except Exception:
            log.exception("event_up_malformed")
            return
        self.runner.spawn(
            self.runner.run(fx, conn_id=actor.conn_id, what=cmd.TYPE.name, relay=lambda f: events.relay(f, actor)),
            "event_up",
        )

    def _event_down(self, payload: bytes) -> None:
        """What the authority sends the copies: each copy here hands it to its members."""
        now = now_ms()
        for instance in list(self.instances.values()):
            for component in instance.components:
                if DOWN in component.channels:
                    try:
                        self.runner.apply(component.receive(DOWN, payload, now))
                    except Exception:
                        log.exception("event_down_failed")

    def _health(self) -> dict:
        ticking = self.scheduler.running
        return {
            "status": "ok" if ticking and not self._stopping else "unavailable",
            "world": self.world.id,
            "clients": len(self.net.sessions),
            "avatars": sum(len(i.sim.avatars) for i in self.instances.values()),
            "instances": [
                {"id": i.instance_id, "kind": i.kind, "population": i.population, "tick": i.sim.tick}
                for i in self.instances.values()
            ],
            "tick": self.instance.sim.tick,
            "uptime_s": round(time.monotonic() - self._started_s, 1),
            "protocol": PROTOCOL_VERSION,
            "store": self.store is not None,
        }
