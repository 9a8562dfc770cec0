"""The `queue` scenario: citizens who walk to a booth, take a number, submit a service request
and wait to be called; and `queue-staff`: clerks who walk behind their counter, man it, call the
next citizen, serve them and move their OPD's requests to completed.

Both log in before `hello` (`authenticate`): citizens register (or log in, when the account
exists from an earlier run), clerks log in to accounts made beforehand (`makaverse admin
create-user --role staff`, as `makaverse bench --scenario queue` does). Every bot in a process
also writes what it saw to `LEDGER`, which the queue bench checks against the database.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import dataclass, field

from makaverse.protocol import (
    AuthOk,
    BoothInfo,
    BoothInfoGet,
    BoothState,
    CallNext,
    CounterMan,
    Error,
    Login,
    Register,
    RequestDetail,
    RequestInvalid,
    RequestList,
    RequestSubmitted,
    SetRequestStatus,
    StaffQueue,
    StaffRequests,
    SubmitRequest,
    TakeNumber,
    Ticket,
    decode,
    encode,
)
from makaverse.protocol.messages import Message
from makaverse.world import Booth, World

from .navigation import Floorplan, Walker, floorplan_for
from .scenarios import Behaviour, BotView, Intent, ScenarioContext, heading_yaw, register_scenario

__all__ = [
    "CITIZEN_PASSWORD",
    "STAFF_PASSWORD",
    "QUEUE_OPDS",
    "LEDGER",
    "Ledger",
    "QueueCitizen",
    "QueueClerk",
    "username_for",
    "queue_opds",
]

CITIZEN_PASSWORD = "antre-bench-2026"
STAFF_PASSWORD = "loket-bench-2026"
QUEUE_OPDS = 4  # the first booths of the world file are the ones the scenario uses
RETRY_SHARE = 0.2  # submissions sent twice with the same client request id, as a lost reply would cause


def username_for(name: str) -> str:
    """A bot's account name from its display name (`bot-0007` -> `bot_0007`)."""
    return name.lower().replace("-", "_")


def queue_opds(world: World) -> list[Booth]:
    return list(world.booths[:QUEUE_OPDS])


@dataclass
class Ledger:
    """What the bots of this process saw, for the bench to check against the database."""

    taken: dict[str, str] = field(default_factory=dict)  # ticket code -> citizen username
    citizen_called: Counter = field(default_factory=Counter)  # ticket code -> "called" pushes seen
    clerk_calls: Counter = field(default_factory=Counter)  # ticket code -> clerk call replies
    outcomes: dict[str, str] = field(default_factory=dict)  # ticket code -> last status its citizen saw
    submitted: dict[str, str] = field(default_factory=dict)  # tracking number -> citizen username
    duplicates_same: int = 0  # a retried submission answered with the first tracking number
    duplicates_other: int = 0  # ... with another one (must never happen)
    arrival_s: list[float] = field(default_factory=list)  # call to arrival, as the citizen measured it
    transitions: int = 0
    completed: int = 0
    window: list[float] = field(default_factory=list)  # loop times of handled commands: first, last

    def reset(self) -> None:
        vars(self).update(vars(Ledger()))

    def mark(self, now_s: float) -> None:
        if not self.window:
            self.window[:] = [now_s, now_s]
        self.window[1] = max(self.window[1], now_s)


LEDGER = Ledger()


async def _authenticate(ws, attempts: list[Register | Login]) -> str:
    """Send register/login messages in turn until one is answered with `auth_ok`; its token."""
    last = "no_answer"
    for msg in attempts:
        await ws.send(encode(msg))
        while True:
            reply = decode(await ws.recv())
            if isinstance(reply, AuthOk) and reply.request_id == msg.request_id:
                return reply.token
            if isinstance(reply, Error) and reply.ref == msg.request_id:
                last = reply.code
                break
    raise RuntimeError(f"auth:{last}")


class _Commands:
    """Outgoing commands with their own request ids."""

    def __init__(self) -> None:
        self.out: list[Message] = []
        self._next = 0

    def rid(self) -> int:
        self._next += 1
        return self._next

    def drain(self) -> list[Message]:
        out, self.out = self.out, []
        return out


@register_scenario("queue")
class QueueCitizen(Behaviour):
    """Walks to one of the first booths (an open one, if it knows any), opens its panel, takes a number,
    submits a request for one of its services (a fifth of them sent twice, as after a lost reply), waits
    a few metres away, walks back when called, and starts over at another booth once served."""

    @classmethod
    async def authenticate(cls, ws, plan) -> str:
        username = username_for(plan.name)
        return await _authenticate(
            ws,
            [
                Register(request_id=1, username=username, password=CITIZEN_PASSWORD, display_name=plan.name),
                Login(request_id=2, username=username, password=CITIZEN_PASSWORD),
            ],
        )

    def __init__(self, ctx: ScenarioContext) -> None:
        super().__init__(ctx)
        self.rng = ctx.rng
        self.plan: Floorplan = floorplan_for(ctx.world)
        self.walker = Walker(self.plan, self.rng)
        self.booths = queue_opds(ctx.world)
        self.username = username_for(ctx.welcome.name)
        self.cmd = _Commands()
        self.services: dict[str, list[dict]] = {}
        self.state = "start"
        self.booth: Booth | None = None
        self.ticket = ""
        self.pending: dict[int, str] = {}  # request id -> what it was
        self.submissions: dict[str, str] = {}  # client request id -> tracking
        self.called_at: float | None = None
        self.rest_until = 0.0
        self.face: float | None = None
        self.open: dict[str, bool] = {}  # booth -> counter open, from `booth_state`

    # ── movement ─────────────────────────────────────────────────────────────
    @property
    def chosen(self) -> Booth:
        """The booth this citizen walks to or waits at (picked before any step that needs it)."""
        assert self.booth is not None
        return self.booth

    def _go(self, view: BotView, goal: tuple[float, float], face: float | None = None) -> None:
        self.walker.set_route(self.plan.route((view.x_m, view.y_m), goal, self.rng))
        self.face = face

    def _zone_spot(self) -> tuple[float, float]:
        z = self.chosen.zone
        cx, cy = z.centre
        return (cx + self.rng.uniform(-0.6, 0.6), cy + self.rng.uniform(-1.0, 1.0))

    def _waiting_spot(self) -> tuple[float, float]:
        """Somewhere in the hall 3-8 m out from the booth, towards the middle."""
        cx, cy = self.chosen.zone.centre
        side = 1.0 if cx < 0 else -1.0
        return (cx + side * self.rng.uniform(3.0, 8.0), cy + self.rng.uniform(-2.0, 2.0))

    def intent(self, view: BotView, now_s: float) -> Intent:
        if not view.has_snapshot:
            return Intent(yaw_rad=view.yaw_rad)
        if self.state == "start" or (self.state == "rest" and now_s >= self.rest_until):
            open_now = [b for b in self.booths if self.open.get(b.opd)]
            self.booth = self.rng.choice(open_now or self.booths)
            self.state = "to_booth"
            self._go(view, self._zone_spot(), math.radians(self.booth.facing_deg + 180))
        direction = self.walker.direction(view.x_m, view.y_m, now_s) if self.walker.active else None
        if direction is None:
            self._arrived(view, now_s)
            return Intent(yaw_rad=view.yaw_rad if self.face is None else self.face)
        dx, dy = direction
        run = self.walker.remaining_m(view.x_m, view.y_m) > 2.0
        return Intent(move_x=dx, move_y=dy, yaw_rad=heading_yaw(dx, dy), run=run)

    def _arrived(self, view: BotView, now_s: float) -> None:
        at_booth = self.booth is not None and view.zone_id == self.booth.zone_id
        if self.walker.gave_up or (self.state in ("to_booth", "to_counter") and not at_booth):
            self.counters["reroutes"] += 1
            if self.state in ("to_booth", "to_counter"):
                self._go(view, self._zone_spot(), self.face)
            return
        if self.state == "to_booth":
            self.state = "at_booth"
            opd = self.chosen.opd
            if opd not in self.services:
                self._send(BoothInfoGet(request_id=self.cmd.rid(), opd=opd), "info")
            self._send(TakeNumber(request_id=self.cmd.rid(), opd=opd), "take")
        elif self.state == "to_counter":
            self.state = "at_counter"
            if self.called_at is not None:
                LEDGER.arrival_s.append(now_s - self.called_at)
                self.called_at = None

    def _send(self, msg: Message, what: str) -> None:
        self.pending[msg.request_id] = what  # type: ignore[attr-defined]  # only requests are sent here
        self.cmd.out.append(msg)

    def outgoing(self, now_s: float) -> list[Message]:
        return self.cmd.drain()

    # ── replies and pushes ───────────────────────────────────────────────────
    def on_message(self, msg: Message, now_s: float) -> None:
        rid = getattr(msg, "request_id", 0)
        what = self.pending.pop(rid, None) if rid else None
        if isinstance(msg, Error):
            what = self.pending.pop(msg.ref, None)
            self.counters[f"error_{msg.code}"] += 1
            if what == "take":
                self.state = "rest"  # try again (elsewhere) shortly
                self.rest_until = now_s + 1.0
            return
        if isinstance(msg, BoothState):
            self.open[msg.opd] = msg.open
        elif isinstance(msg, BoothInfo) and what == "info":
            self.services[msg.opd] = [s for s in msg.services if s["fields"] is not None]
        elif isinstance(msg, Ticket):
            self._on_ticket(msg, what, now_s)
        elif isinstance(msg, RequestSubmitted):
            self._on_submitted(msg, what, now_s)
        elif isinstance(msg, RequestInvalid):
            self.counters["requests_invalid"] += 1

    def _on_ticket(self, msg: Ticket, what: str | None, now_s: float) -> None:
        if what == "take":
            self.ticket = msg.code
            if msg.code not in LEDGER.taken:
                LEDGER.taken[msg.code] = self.username
                self.counters["tickets_taken"] += 1
            LEDGER.outcomes[msg.code] = msg.status
            LEDGER.mark(now_s)
            self._submit()
            self.state = "waiting"
            self.walker.set_route([self._waiting_spot()])
            return
        if msg.code != self.ticket:
            return
        LEDGER.outcomes[msg.code] = msg.status
        if msg.status == "called":
            LEDGER.citizen_called[msg.code] += 1
            if LEDGER.citizen_called[msg.code] > 1:
                self.counters["called_twice"] += 1
            self.counters["called"] += 1
            self.called_at = now_s
            self.state = "to_counter"
            self.walker.set_route([self._zone_spot()])
            self.face = math.radians(self.chosen.facing_deg + 180)
        elif msg.status in ("served", "no_show", "left"):
            self.counters[msg.status] += 1
            self.ticket = ""
            self.called_at = None
            self.state = "rest"
            self.rest_until = now_s + self.rng.uniform(1.0, 3.0)

    def _submit(self) -> None:
        services = self.services.get(self.chosen.opd) or []
        if not services:
            return
        service = self.rng.choice(services)
        crid = f"{self.username}-{self.cmd.rid()}"
        msg = SubmitRequest(
            request_id=self.cmd.rid(),
            client_request_id=crid,
            opd=self.chosen.opd,
            service=service["code"],
            fields=_fill(service["fields"], self.rng),
            note="Dikirim oleh bot antrean.",
        )
        self._send(msg, f"submit:{crid}")
        self.counters["requests_sent"] += 1
        if self.rng.random() < RETRY_SHARE:
            self._send(SubmitRequest(**{**_fields_of(msg), "request_id": self.cmd.rid()}), f"retry:{crid}")
            self.counters["requests_retried"] += 1

    def _on_submitted(self, msg: RequestSubmitted, what: str | None, now_s: float) -> None:
        if what is None:
            return
        kind, _, crid = what.partition(":")
        LEDGER.mark(now_s)
        first = self.submissions.get(crid)
        if first is None:
            self.submissions[crid] = msg.tracking
            LEDGER.submitted.setdefault(msg.tracking, self.username)
            self.counters["requests_submitted"] += 1
        elif first == msg.tracking:
            LEDGER.duplicates_same += 1
            self.counters["retries_same_tracking"] += 1
        else:
            LEDGER.duplicates_other += 1
            self.counters["retries_other_tracking"] += 1


@register_scenario("queue-staff")
class QueueClerk(Behaviour):
    """Walks behind the counter of booth `index % 4` (through the gap beside the counter), mans
    it, calls the next citizen, serves them for a moment once they arrive, and meanwhile moves
    its OPD's submitted requests through in_review and in_progress to completed."""

    SERVE_S = (1.0, 3.0)

    @classmethod
    async def authenticate(cls, ws, plan) -> str:
        return await _authenticate(
            ws, [Login(request_id=1, username=username_for(plan.name), password=STAFF_PASSWORD)]
        )

    def __init__(self, ctx: ScenarioContext) -> None:
        super().__init__(ctx)
        self.rng = ctx.rng
        self.plan: Floorplan = floorplan_for(ctx.world)
        self.walker = Walker(self.plan, self.rng, arrive_m=0.3)
        booths = queue_opds(ctx.world)
        self.booth = booths[ctx.bot_index % len(booths)]
        self.cmd = _Commands()
        self.state = "start"
        self.pending: dict[int, str] = {}
        self.current = ""
        self.current_status = ""
        self.serve_until: float | None = None
        self.next_call_at = 0.0
        self.next_list_at = 0.0
        self.work: list[tuple[str, str]] = []  # (tracking, status to move it to)
        self.moving = False
        self.man_at = 0.0

    def _route_behind(self, view: BotView) -> list[tuple[float, float]]:
        """Into the staff area through the gap between the counter and the side panel."""
        b = self.booth
        c = b.counter
        below = [p for p in b.panels if p.ymax <= c.ymin]
        gap_y = (c.ymin + below[0].ymax) / 2 if below else c.ymin - 0.45
        cx = (c.xmin + c.xmax) / 2
        front = 1.0 if b.zone.centre[0] > cx else -1.0
        sx, sy = b.staff_spot
        approach = (cx + front * 1.5, gap_y)
        return self.plan.route((view.x_m, view.y_m), approach, self.rng) + [(sx, gap_y), (sx, sy)]

    def intent(self, view: BotView, now_s: float) -> Intent:
        if not view.has_snapshot:
            return Intent(yaw_rad=view.yaw_rad)
        if self.state == "start":
            self.state = "to_post"
            self.walker.set_route(self._route_behind(view))
        if self.state == "to_post":
            direction = self.walker.direction(view.x_m, view.y_m, now_s)
            if direction is not None:
                dx, dy = direction
                run = self.walker.remaining_m(view.x_m, view.y_m) > 3.0
                return Intent(move_x=dx, move_y=dy, yaw_rad=heading_yaw(dx, dy), run=run)
            if self.walker.gave_up:
                self.counters["reroutes"] += 1
                self.walker.set_route(self._route_behind(view))
            elif now_s >= self.man_at:
                self.man_at = now_s + 2.0
                self._send(CounterMan(request_id=self.cmd.rid(), on=True), "man")
        return Intent(yaw_rad=math.radians(self.booth.facing_deg))

    def _send(self, msg: Message, what: str) -> None:
        self.pending[msg.request_id] = what  # type: ignore[attr-defined]  # only requests are sent here
        self.cmd.out.append(msg)

    def outgoing(self, now_s: float) -> list[Message]:
        if self.state == "working":
            self._work(now_s)
        return self.cmd.drain()

    def _work(self, now_s: float) -> None:
        busy_calling = "call" in self.pending.values()
        if not busy_calling and now_s >= self.next_call_at:
            done_serving = (
                self.current_status == "arrived" and self.serve_until is not None and now_s >= self.serve_until
            )
            if not self.current or done_serving:
                self._send(CallNext(request_id=self.cmd.rid()), "call")
        if self.work and not self.moving:
            tracking, status = self.work.pop(0)
            expected = {"in_review": "submitted", "in_progress": "in_review", "completed": "in_progress"}[status]
            self._send(
                SetRequestStatus(
                    request_id=self.cmd.rid(), tracking=tracking, status=status, note=f"Bot: {status}",
                    expected=expected,
                ),
                f"move:{tracking}",
            )
            self.moving = True
        elif not self.work and not self.moving and now_s >= self.next_list_at and "list" not in self.pending.values():
            self.next_list_at = now_s + 1.0
            self._send(StaffRequests(request_id=self.cmd.rid(), status="submitted", limit=20), "list")

    def on_message(self, msg: Message, now_s: float) -> None:
        if isinstance(msg, Error):
            what = self.pending.pop(msg.ref, None)
            if msg.code == "queue_empty":
                self.counters["queue_empty"] += 1
                self.next_call_at = now_s + 0.5
                self.current, self.current_status = "", ""
            else:
                self.counters[f"error_{msg.code}"] += 1
            if what and what.startswith("move:"):
                self.moving = False
            if what == "man" and msg.code == "not_at_counter":
                self.state = "start"
            return
        rid = getattr(msg, "request_id", 0)
        what = self.pending.pop(rid, None) if rid else None
        if isinstance(msg, StaffQueue):
            self._on_console(msg, what, now_s)
        elif isinstance(msg, RequestList) and what == "list":
            self.work += [(r["tracking"], "in_review") for r in msg.requests]
        elif isinstance(msg, RequestDetail) and what and what.startswith("move:"):
            self.moving = False
            LEDGER.transitions += 1
            LEDGER.mark(now_s)
            self.counters["transitions"] += 1
            nxt = {"in_review": "in_progress", "in_progress": "completed"}.get(msg.status)
            if nxt is not None:
                self.work.insert(0, (msg.tracking, nxt))
            elif msg.status == "completed":
                LEDGER.completed += 1
                self.counters["requests_completed"] += 1

    def _on_console(self, msg: StaffQueue, what: str | None, now_s: float) -> None:
        if what == "man" and msg.manning:
            self.state = "working"
            self.counters["manned"] += 1
        if what == "call" and msg.current:
            LEDGER.clerk_calls[msg.current] += 1
            LEDGER.mark(now_s)
            self.counters["calls"] += 1
        if self.state == "working" and not msg.manning:
            self.state = "start"  # the counter closed under us: walk back and man it again
            self.counters["counter_lost"] += 1
        if msg.current != self.current:
            self.serve_until = None
        self.current, self.current_status = msg.current, msg.current_status
        if self.current_status == "arrived" and self.serve_until is None:
            self.serve_until = now_s + self.rng.uniform(*self.SERVE_S)


def _fill(fields: list[dict], rng: random.Random) -> dict[str, str]:
    """Valid values for a service's field specs."""
    out = {}
    for f in fields:
        kind = f["kind"]
        if kind == "nik":
            value = "7371" + "".join(rng.choice("0123456789") for _ in range(12))
        elif kind == "phone":
            value = "08" + "".join(rng.choice("0123456789") for _ in range(10))
        elif kind == "date":
            value = f"{rng.randint(1960, 2010)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        elif kind == "choice":
            value = rng.choice(f["choices"])
        else:
            value = f"Isian bot {rng.randint(1, 9999)}"
        out[f["name"]] = value[: f["max_len"]]
    return out


def _fields_of(msg: SubmitRequest) -> dict:
    return {
        "request_id": msg.request_id,
        "client_request_id": msg.client_request_id,
        "opd": msg.opd,
        "service": msg.service,
        "fields": dict(msg.fields),
        "note": msg.note,
    }
