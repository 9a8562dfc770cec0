"""Load scenarios: what a bot does once it is in the world.

A scenario is a `Behaviour` subclass registered under a name. The bot asks it for one `Intent`
per input period and passes it every message that isn't a snapshot; a scenario that sends
commands (chat, booth queues) returns them from `outgoing`. Its `counters` end up in the report.

    @register_scenario("queue")
    class Queue(Behaviour):
        def intent(self, view, now_s): ...
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from makaverse.protocol.messages import Message, Welcome
from makaverse.world import World

from .navigation import OUTSIDE, Floorplan, Walker, floorplan_for

__all__ = [
    "Intent",
    "BotView",
    "ScenarioContext",
    "Behaviour",
    "SCENARIOS",
    "register_scenario",
    "create_behaviour",
    "scenario_names",
    "Idle",
    "Wander",
]


@dataclass(frozen=True, slots=True)
class Intent:
    """One input period of intent: a world-frame direction (length <= 1), a facing, walk or run."""

    move_x: float = 0.0
    move_y: float = 0.0
    yaw_rad: float = 0.0
    run: bool = False


@dataclass(slots=True)
class BotView:
    """What a bot knows of its own avatar, from the server's last messages."""

    avatar_id: int
    x_m: float
    y_m: float
    yaw_rad: float
    zone_id: str = ""
    tick: int = 0
    has_snapshot: bool = False
    ack_tick: int = 0  # the newest snapshot tick received: reported in inputs


@dataclass(frozen=True, slots=True)
class ScenarioContext:
    world: World
    rng: random.Random
    bot_index: int
    welcome: Welcome


class Behaviour:
    """A scenario's bot brain. The base stands still; subclasses override what they need."""

    name = ""

    def __init__(self, ctx: ScenarioContext) -> None:
        self.ctx = ctx
        self.counters: Counter[str] = Counter()

    def intent(self, view: BotView, now_s: float) -> Intent:
        return Intent(yaw_rad=view.yaw_rad)

    def on_message(self, msg: Message, now_s: float) -> None:
        """Every message except snapshots (welcome excluded), in arrival order."""

    def outgoing(self, now_s: float) -> list[Message]:
        """Commands to send after this period's input (reliable messages: chat, booth actions)."""
        return []

    def report(self) -> dict[str, int]:
        """Counters for the run's report, summed over bots."""
        return dict(self.counters)


SCENARIOS: dict[str, type[Behaviour]] = {}


def register_scenario(name: str) -> Callable[[type[Behaviour]], type[Behaviour]]:
    def register(cls: type[Behaviour]) -> type[Behaviour]:
        if name in SCENARIOS:
            raise ValueError(f"scenario {name!r} is registered twice")
        cls.name = name
        SCENARIOS[name] = cls
        return cls

    return register


def scenario_names() -> list[str]:
    return sorted(SCENARIOS)


def create_behaviour(name: str, ctx: ScenarioContext) -> Behaviour:
    try:
        cls = SCENARIOS[name]
    except KeyError:
        raise ValueError(f"unknown scenario {name!r} (known: {', '.join(scenario_names())})") from None
    return cls(ctx)


def heading_yaw(dx: float, dy: float) -> float:
    """Yaw (0 north, counter-clockwise positive) that looks along (dx, dy)."""
    return math.atan2(-dx, dy)


@register_scenario("idle")
class Idle(Behaviour):
    """Stands where it spawned, sending zero inputs: the cost of presence alone."""


@register_scenario("wander")
class Wander(Behaviour):
    """Tours the whole building and back: forecourt, main entrance, lobby, hall door, booths'
    interaction zones, auditorium door and seats, then out again, with random extra
    stops. Each leg is walked or run; a stop lasts a moment (longer at a booth)."""

    # No stage: it is a solid for everyone but an event's host and speakers.
    TOUR = ("lobby", "booth", "hall", "booth", "seat", "auditorium", "hall", "lobby", OUTSIDE)
    RUN_SHARE = 0.4  # legs run rather than walked
    OFF_TOUR_SHARE = 0.2  # stops picked anywhere instead of the next on the tour
    SLOW_DOWN_M = 2.0  # walk the last metres to a stop

    def __init__(self, ctx: ScenarioContext) -> None:
        super().__init__(ctx)
        self.plan: Floorplan = floorplan_for(ctx.world)
        self.rng = ctx.rng
        self.walker = Walker(self.plan, self.rng)
        # Start anywhere along the tour so the building fills quickly and evenly.
        self.step = self.rng.randrange(len(self.TOUR))
        self.running = False
        self.dwell_until = 0.0
        self.face_yaw: float | None = None
        self.goal_kind = ""
        self.zones: set[str] = set()

    # ── goals ────────────────────────────────────────────────────────────────
    def _pick_goal(self) -> tuple[str, tuple[float, float], float | None]:
        rng, plan = self.rng, self.plan
        if rng.random() < self.OFF_TOUR_SHARE:
            kind = rng.choice(self.TOUR)
        else:
            kind = self.TOUR[self.step % len(self.TOUR)]
            self.step += 1
        if kind == "booth":
            (cx, cy), booth = rng.choice(plan.booth_spots)
            # Stand in the interaction zone, facing the clerk.
            spot = (cx + rng.uniform(-0.6, 0.6), cy + rng.uniform(-1.0, 1.0))
            return kind, spot, math.radians(booth.facing_deg + 180)
        if kind == "stage":
            return kind, plan.random_point(plan.stage_box, rng), math.radians(plan.world.stage.facing_deg)
        if kind == "seat" and len(plan.seats):
            x, y = plan.seats[rng.randrange(len(plan.seats))]
            return kind, (float(x), float(y)), math.radians(plan.world.seat_facing_deg)
        room = {"hall": "service-hall", "seat": "auditorium"}.get(kind, kind)
        if room not in plan.goal_boxes:
            room = OUTSIDE
        return kind, plan.random_in_room(room, rng), None

    def _dwell_s(self) -> float:
        lo, hi = {"booth": (1.5, 4.0), "seat": (1.0, 3.0), "stage": (0.5, 2.0)}.get(self.goal_kind, (0.0, 1.0))
        return self.rng.uniform(lo, hi)

    def _start_leg(self, view: BotView, now_s: float) -> None:
        self.goal_kind, goal, self.face_yaw = self._pick_goal()
        self.walker.set_route(self.plan.route((view.x_m, view.y_m), goal, self.rng))
        self.running = self.rng.random() < self.RUN_SHARE
        self.counters["legs"] += 1
        self.counters["legs_run" if self.running else "legs_walked"] += 1

    # ── the bot's hooks ──────────────────────────────────────────────────────
    def intent(self, view: BotView, now_s: float) -> Intent:
        if not view.has_snapshot or now_s < self.dwell_until:
            return Intent(yaw_rad=view.yaw_rad if self.face_yaw is None else self.face_yaw)
        if not self.walker.active:
            self._start_leg(view, now_s)
        direction = self.walker.direction(view.x_m, view.y_m, now_s)
        if direction is None:
            if self.walker.gave_up:
                self.counters["goals_abandoned"] += 1
                self.face_yaw = None
            else:
                self.counters["goals_reached"] += 1
                self.counters[f"reached_{self.goal_kind}"] += 1
                self.dwell_until = now_s + self._dwell_s()
            return Intent(yaw_rad=view.yaw_rad if self.face_yaw is None else self.face_yaw)
        dx, dy = direction
        run = self.running and self.walker.remaining_m(view.x_m, view.y_m) > self.SLOW_DOWN_M
        return Intent(move_x=dx, move_y=dy, yaw_rad=heading_yaw(dx, dy), run=run)

    def report(self) -> dict[str, int]:
        return {**self.counters, "detours": self.walker.detours}


# One import a line, each saying what it registers.
from . import chatty  # noqa: E402,F401,I001  (registers "chatty": wander and talk)
from . import queue  # noqa: E402,F401  (registers "queue" and "queue-staff": booths and counters)
from . import soak  # noqa: E402,F401  (registers "soak": log in, walk, talk, submit, come back)
