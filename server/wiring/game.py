"""The game server assembled: settings, store, bus, the world instances with their components, the
effect runner, the front door, the scheduler and the transport."""

from __future__ import annotations

import asyncio
import logging
import secrets
import socket
import time
from typing import Any

from makaverse.protocol import PROTOCOL_VERSION, Announcement, StaffRequestNew, decode_as
from makaverse.world import World

from ..bus import make_bus
from ..cluster import Cluster, process_channel
from ..log import log_event
from ..net.gateways import GatewayHub
from ..net.metrics import ServerMetrics
from ..net.server import NetServer
from ..rooms.booths import BOOTH_CONTENT_CHANNEL, BOOTH_STATES_CHANNEL, BoothConfig, Booths
from ..rooms.chat import ANNOUNCEMENTS_CHANNEL, Chat, ChatShared
from ..rooms.effects import ToEveryone, ToStaff
from ..rooms.events import DOWN, UP, EventCopy, Events, Forwarded, down_to
from ..rooms.instance import WorldInstance
from ..rooms.layout import InstancePlan, plan_instances
from ..rooms.requests import STAFF_NOTICES_CHANNEL, Requests
from ..rooms.seats import Seats
from ..service_config import chat_config_from_env, load_wordfilter
from ..services.chat import ChatConfig, ChatRoom
from ..settings import Settings
from ..sim.capacity import CapacityPolicy
from ..startup_errors import StartupError
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
        self.bus = make_bus(settings.redis_url, prefix=settings.redis_prefix)
        s = settings
        self.instances: dict[str, WorldInstance] = {}
        clustered = s.clustered
        self.process_id = s.process_id or f"{socket.gethostname()}-{secrets.token_hex(3)}"
        if clustered:
            # Every instance of the world is hosted somewhere: doors lead to the others' owners.
            every = plan_instances(world, [spec.id for spec in world.instances] or s.instance_ids)
            plans = [p for p in every if p.id in s.instance_ids]
            plans.sort(key=lambda p: s.instance_ids.index(p.id))
        else:
            every = plans = plan_instances(world, s.instance_ids)
        for n, plan in enumerate(plans):
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
        # The auditorium hosts the town-hall events; its overflow copies are made on demand (in a
        # cluster, by any process: the hall's own plan says what a copy is).
        self._hall_plan: InstancePlan | None = next((p for p in every if p.kind == "auditorium"), None)
        hosts_hall = self._hall_plan is not None and self._hall_plan.id in self.instances
        # Names the events authority on the bus: with Redis, unrelated processes' halls share the
        # channels, while a cluster's processes all serve the one hall.
        if clustered and self._hall_plan is not None:
            self._bus_origin = f"hall:{self._hall_plan.id}"
        else:
            self._bus_origin = secrets.token_hex(6)
        self.places = Places(
            self.instances,
            self.players,
            self.runner,
            self.metrics,
            home=self.instance.instance_id,
            hall=self._hall_plan.id if self._hall_plan is not None and (hosts_hall or clustered) else "",
            hall_capacity=s.auditorium_capacity,
            make_copy=self._make_copy,
            capacity=s.max_clients if clustered else 0,
        )
        if clustered:
            # Newcomers enter the world's default instance (the building), whichever process hosts it.
            self.places.entrance = next((p.id for p in every if p.kind == "building"), every[0].id)
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
                self.places.booths, self.places.booth_instance = desk, plan.id
            instance.add(Chat(plan.id, instance.sim, self.players, shared))
            if self._hall_plan is not None and plan.id == self._hall_plan.id:
                instance.add(Seats(instance.sim))
                outside = next(iter(plan.exits.values()), self.instance.instance_id)
                self.events = instance.add(
                    Events(plan.id, instance.sim, self.players, outside=outside, origin=self._bus_origin,
                           process=self.process_id)
                )
        if clustered and self.events is None and self._hall_plan is not None:
            # The hall is in another process: event commands of people here go up to it.
            home = self.instance
            home.add(EventCopy(home.instance_id, home.sim, self.players, origin=self._bus_origin,
                               process=self.process_id, mirror=False, forward_hooks=True))
        # Measured each tick by the scheduler; the gate asks it before letting a newcomer in.
        self.capacity = CapacityPolicy(max_players=s.capacity_players, measured=s.refuses_on_measure)
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
            self.instances, self.places, self.runner, self.metrics, tick_hz=s.tick_hz, capacity=self.capacity,
            receive_backlog=self.net.receive_backlog_bytes,
        )
        self.cluster: Cluster | None = None
        if clustered:
            self.cluster = Cluster(
                s.redis_url, self.bus, prefix=s.redis_prefix, process_id=self.process_id, public_url=s.public_url,
                entry=self._directory_entry, accounts=self.presence.accounts,
            )
            self.places.cluster = self.gate.cluster = self.runner.remote = self.cluster
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
        self._event_subs = [
            self.bus.subscribe(DOWN, self._event_down),
            self.bus.subscribe(STAFF_NOTICES_CHANNEL, self._staff_notice_arrived),
        ]
        if self.events is not None:
            # Only the process with the hall hears what copies send up: over Redis every
            # subscriber reads every message, and a poll brings thousands.
            self._event_subs.append(self.bus.subscribe(UP, self._event_up))
        if self.process_id:
            self._event_subs.append(self.bus.subscribe(down_to(self.process_id), self._event_down))
        if self.cluster is not None:
            self._event_subs.append(self.bus.subscribe(process_channel(self.process_id), self._pushed_here))
        booths = self.places.booths
        if self.cluster is not None and booths is not None:
            # One booth desk (ticket queues, counters) for the whole city: the first process with
            # the booths takes it; the others send queue and counter commands to it and show its
            # booth states; when it stops, one of them takes it over.
            booths.shared = True
            booths.board.origin = self.process_id
            booths.desk = await self.cluster.claim_desk()
            log_event(log, "booth_desk", here=booths.desk)
            self._event_subs.append(self.bus.subscribe(BOOTH_STATES_CHANNEL, self._booth_state_arrived))
            self._event_subs.append(self.bus.subscribe(BOOTH_CONTENT_CHANNEL, self._booth_content_arrived))

            def desk_lost() -> None:  # another process took it while this one was cut off
                booths.lose_desk(now_ms())

            def desk_taken() -> None:  # the desk's process stopped: this one runs the queues now
                self.runner.run_soon(booths.take_desk(now_ms()), what="booth_desk_taken")

            self.cluster.on_desk_lost = desk_lost
            self.cluster.on_desk_taken = desk_taken
        if self.store is not None:
            now = now_ms()
            for instance in self.instances.values():
                for fx in instance.start(now):
                    await self.runner.run(fx, what="start")
        await self.net.start()
        if self.cluster is not None:
            # "{port}" in the public URL is the port this process listens on (handy with port 0).
            self.cluster.public_url = self.settings.public_url.replace("{port}", str(self.port))
            await self.cluster.start([self._hall_plan.id] if self._hall_plan is not None else [])
            self.places.number_avatars_from(self.cluster.first_avatar_id)
            # Many processes may each host a building; any other instance (the hall: one events
            # authority) lives on one process only.
            for instance in self.instances.values():
                other = self.cluster.host_of(instance.instance_id) if instance.kind != "building" else None
                if other is not None:
                    await self.cluster.close()
                    await self.net.stop()
                    await self.bus.close()
                    raise StartupError(
                        f"instance {instance.instance_id!r} is already hosted by process {other['id']!r} "
                        f"({other.get('url', '')}): leave it out of --instances here"
                    )
        self.scheduler.start()
        log_event(
            log, "server_started", host=self.settings.host, port=self.port, world=self.world.id,
            tick_hz=self.settings.tick_hz, instances=",".join(self.instances),
            loop=type(asyncio.get_running_loop()).__module__.split(".")[0], gateways=self.settings.gateways,
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
        if self.cluster is not None:
            await self.cluster.close()
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
        if decode_as(payload, Announcement) is None:
            log.warning("announcement_malformed_on_bus")
            return
        for player in self.players.resolve(ToEveryone()):
            player.send(payload)

    def _staff_notice_arrived(self, payload: bytes) -> None:
        """A new request from any process on the bus (this one included): to that OPD's staff here."""
        notice = decode_as(payload, StaffRequestNew)
        if notice is None:
            log.warning("staff_notice_malformed_on_bus")
            return
        for player in self.players.resolve(ToStaff(notice.opd)):
            player.send(payload)

    # ── several processes ────────────────────────────────────────────────────
    def _directory_entry(self) -> dict:
        """This process in the instance directory: its instances, how full each is and can be."""
        cap = self.settings.auditorium_capacity
        return {
            "instances": [
                {"id": i.instance_id, "kind": i.kind, "count": i.population,
                 "capacity": cap if i.kind == "auditorium" else self.settings.max_clients}
                for i in self.instances.values()
            ],
            "clients": len(self.net.sessions),
            # what this process measures it can hold, so others send newcomers where there is room
            "capacity": min(self.settings.max_clients, self.capacity.capacity),
        }

    def _booth_state_arrived(self, payload: bytes) -> None:
        """A booth state the desk's process published: shown to everyone here (unless this is it)."""
        booths = self.places.booths
        if booths is not None:
            self.runner.apply(booths.receive(BOOTH_STATES_CHANNEL, payload, now_ms()))

    def _booth_content_arrived(self, payload: bytes) -> None:
        """An OPD's content edited on another process: read again (a store call) and shown here."""
        booths = self.places.booths
        if booths is not None:
            self.runner.run_soon(booths.receive(BOOTH_CONTENT_CHANNEL, payload, now_ms()), what="booth_content")

    def _pushed_here(self, payload: bytes) -> None:
        """A message another process had for an account this one holds."""
        try:
            account_id, data = Cluster.unpack_push(payload)
        except Exception:
            log.warning("cluster_push_malformed")
            return
        player = self.players.of_account(account_id)
        if player is not None:
            player.send(data)

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
        copy.add(EventCopy(copy_id, copy.sim, self.players, origin=self._bus_origin, process=self.process_id,
                           forward_hooks=self.events is None))
        self.instances[copy_id] = copy
        return copy

    def _event_up(self, payload: bytes) -> None:
        """A command forwarded by a copy of the hall: handled by the authority, replies sent back down."""
        events = self.events
        if events is None:
            return
        try:
            fwd: Forwarded | None = events.from_copy(payload)
            if fwd is None:
                return
            fx = events.forwarded(fwd, now_ms())
        except Exception:
            log.exception("event_up_malformed")
            return
        actor, process = fwd.actor, fwd.process
        what = fwd.msg.TYPE.name if fwd.msg is not None else f"event_{fwd.kind}"
        try:
            # A handler that waits (a vote's write) is resumed by the answer, without a task.
            self.runner.proceed(fx, conn_id=actor.conn_id, what=what, relay=lambda f: events.relay(f, actor, process))
        except Exception:
            log.exception("event_up_failed")

    def _event_down(self, payload: bytes) -> None:
        """What the authority sends the copies: each copy here hands it to its members (an
        envelope for one copy only to that copy)."""
        now = now_ms()
        try:
            copy = EventCopy.addressed_to(payload)
        except Exception:
            log.exception("event_down_failed")
            return
        if copy is None:
            instances = list(self.instances.values())
        else:
            one = self.instances.get(copy)
            instances = [one] if one is not None else []
        for instance in instances:
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
            "process": self.process_id,
            "directory": self._directory(),
            # False while the heartbeat cannot reach Redis (the directory above is then the last one read).
            "directory_fresh": self.cluster.healthy if self.cluster is not None else None,
            # The process running the ticket queues and counters (None: no booths, or none seen).
            "booth_desk": self._desk_process(),
            "capacity": self._capacity_health(),
        }

    def _capacity_health(self) -> dict:
        """What the process measures it can hold, how loaded it is and what input waits: what a
        load test (or an operator) reads before deciding how hard to push."""
        c = self.capacity
        return {
            "players": c.players,
            "capacity": min(c.capacity, 1 << 20),
            "configured": c.max_players,
            "measured": c.per_player is not None,
            "refuses_on_measure": c.measured,
            "measurements": c.measurements,
            "per_player_load": None if c.per_player is None else round(c.per_player, 6),
            "steady": c.steady,
            "load": round(c.load, 3),
            "steady_load": round(c.steady_load, 3),
            "level": c.level,
            "input_backlog": self.scheduler.backlog["inputs"],
            "receive_backlog_bytes": self.scheduler.backlog["receive_bytes"],
        }

    def _desk_process(self) -> str | None:
        booths = self.places.booths
        if self.cluster is None:
            return self.process_id if booths is not None else None
        return self.cluster.desk_process()

    def _directory(self) -> list[dict] | None:
        """Who hosts what, as this process last read it (None: a single process, no directory)."""
        if self.cluster is None:
            return None
        return [
            {"process": pid, "url": e.get("url", ""), "instances": e.get("instances", []),
             "clients": e.get("clients", 0), "capacity": e.get("capacity", 0), "at_ms": e.get("at_ms", 0),
             "desk": bool(e.get("desk", False))}
            for pid, e in sorted(self.cluster.view.items())
        ]
