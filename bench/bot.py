"""One headless bot: a real WebSocket client that says hello, sends one input per input period
as its scenario decides, reads everything the server sends, and keeps its own figures."""

from __future__ import annotations

import asyncio
import contextlib
import random
from array import array
from collections import Counter, deque
from dataclasses import dataclass, field, replace

import numpy as np
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from makaverse.protocol import (
    MAX_FRAME_BYTES,
    PROTOCOL_VERSION,
    AvatarEnter,
    AvatarLeave,
    Error,
    Hello,
    Input,
    InstanceChanged,
    ProtocolError,
    Redirect,
    Snapshot,
    SnapshotBook,
    SnapshotDelta,
    Welcome,
    ZoneChanged,
    decode,
    encode,
    quant,
)
from makaverse.protocol.pacing import InputPacer
from makaverse.world import World

from .scenarios import SCENARIOS, BotView, ScenarioContext, create_behaviour

__all__ = ["BotPlan", "BotStats", "PositionCheck", "run_bot"]

HANDSHAKE_TIMEOUT_S = 10.0


@dataclass(frozen=True, slots=True)
class BotPlan:
    """When and how one bot runs; times are on the running loop's clock."""

    index: int
    url: str
    scenario: str
    connect_at: float
    end_at: float
    seed: int
    name: str
    # (shortest, longest) seconds of one visit: the bot then closes and connects again, until
    # `end_at`. None: one visit for the whole run.
    session_s: tuple[float, float] | None = None


@dataclass(slots=True)
class BotStats:
    index: int
    connected: bool = False
    connect_error: str = ""
    avatar_id: int = 0
    snapshot_hz: int = 0
    welcome_at: float = 0.0
    ended_at: float = 0.0
    snapshots: int = 0
    snapshots_by_second: list[int] = field(default_factory=list)  # whole seconds since welcome
    frames_down: int = 0
    bytes_down: int = 0
    bytes_up: int = 0
    inputs_sent: int = 0
    inputs_idle: int = 0  # input periods not sent: standing still, nothing new to report
    inputs_late: int = 0  # input periods this bot's own loop missed
    ack_latency_s: array = field(default_factory=lambda: array("f"))
    error_codes: Counter = field(default_factory=Counter)
    exceptions: Counter = field(default_factory=Counter)
    disconnect_code: int | None = None  # the server closed on us before the end
    zones: set = field(default_factory=set)
    anomalies: Counter = field(default_factory=Counter)
    scenario: dict = field(default_factory=dict)
    reconnects: int = 0  # visits after the first that got in (see `BotPlan.session_s`)
    redirects: int = 0  # times the server sent this bot to another server process (and it went)
    reconnect_failures: int = 0  # ... and that did not


class PositionCheck:
    """Every position in every snapshot a process receives, checked in bulk against the world's
    solids (unexpanded) and grounds; batching keeps it off the bots' per-frame path."""

    def __init__(self, world: World, *, batch: int = 50_000) -> None:
        self.world = world
        self.batch = batch
        self._parts: list[np.ndarray] = []
        self._pending = 0
        self.checked = 0
        self.inside_solid = 0
        self.outside_grounds = 0
        self.examples: list[tuple[float, float]] = []  # a few offending points, for the report

    def add(self, pos_cm: np.ndarray) -> None:
        self._parts.append(pos_cm)
        self._pending += len(pos_cm)
        if self._pending >= self.batch:
            self.flush()

    def flush(self) -> None:
        if not self._parts:
            return
        cm = np.concatenate(self._parts).astype(np.int64)
        self._parts, self._pending = [], 0
        self.checked += len(cm)
        # Bots near each other receive the same positions: test each distinct point once, count all.
        keys, counts = np.unique((cm[:, 0] << 32) | (cm[:, 1] & 0xFFFFFFFF), return_counts=True)
        pts = quant.cm_to_m(np.stack([keys >> 32, (keys & 0xFFFFFFFF).astype(np.uint32).view(np.int32)], axis=1))
        bad = self.world.inside_solid(pts)
        g = self.world.grounds
        off = (pts[:, 0] < g.xmin) | (pts[:, 0] > g.xmax) | (pts[:, 1] < g.ymin) | (pts[:, 1] > g.ymax)
        self.inside_solid += int(counts[bad].sum())
        self.outside_grounds += int(counts[off].sum())
        for x, y in pts[bad | off][: max(0, 5 - len(self.examples))].tolist():
            self.examples.append((round(x, 2), round(y, 2)))


async def run_bot(plan: BotPlan, world: World, stats: BotStats, positions: PositionCheck) -> None:
    """Connect at `plan.connect_at`, play the scenario until `plan.end_at`, close normally; with
    `plan.session_s`, in several visits, connecting again after each."""
    loop = asyncio.get_running_loop()
    await asyncio.sleep(max(0.0, plan.connect_at - loop.time()))
    if plan.session_s is None:
        await _visit(plan, world, stats, positions)
        return
    rng = random.Random(plan.seed ^ 0x5EED)
    first = True
    while True:
        visit_end = min(plan.end_at, loop.time() + rng.uniform(*plan.session_s))
        if not first:
            stats.ended_at = 0.0
        await _visit(replace(plan, end_at=visit_end), world, stats, positions)
        if first and not stats.connected:
            return  # never got in: that is the connect failure the report counts
        if not first and stats.connect_error:
            stats.reconnect_failures += 1
            stats.connect_error = ""
            await asyncio.sleep(1.0)  # a refused visit is not retried in a tight loop
        elif not first:
            stats.reconnects += 1
        first = False
        if loop.time() >= plan.end_at - 0.05:
            return


class _Redirected(Exception):
    """The server sent us to another process (`redirect`, then close 4009)."""

    def __init__(self, msg: Redirect) -> None:
        super().__init__(msg.url)
        self.msg = msg


async def _visit(plan: BotPlan, world: World, stats: BotStats, positions: PositionCheck, token: str = "") -> None:
    """One connection; a redirect is followed at once to the other process with its token
    (a few times at most, so two processes that disagree can't bounce a bot for ever)."""
    for _ in range(4):
        try:
            await _connection(plan, world, stats, positions, token)
            return
        except _Redirected as exc:
            stats.redirects += 1
            plan, token = replace(plan, url=exc.msg.url), exc.msg.token


async def _connection(plan: BotPlan, world: World, stats: BotStats, positions: PositionCheck, token: str) -> None:
    loop = asyncio.get_running_loop()
    try:
        ws = await connect(
            plan.url,
            max_size=MAX_FRAME_BYTES,
            compression=None,
            proxy=None,
            open_timeout=HANDSHAKE_TIMEOUT_S,
            ping_interval=None,  # the server pings; the library answers
            close_timeout=2.0,
            user_agent_header="makaverse-bench",
        )
    except Exception as exc:  # refused, timed out, rejected handshake: all count as failed connects
        stats.connect_error = type(exc).__name__
        return
    try:
        await _session(ws, plan, world, stats, positions, token)
    except _Redirected:
        raise
    except Exception as exc:  # one bot's failure is a figure, not the end of the run
        stats.exceptions[type(exc).__name__] += 1
        if not stats.connected:
            stats.connect_error = stats.connect_error or type(exc).__name__
    finally:
        stats.ended_at = stats.ended_at or loop.time()
        with contextlib.suppress(Exception):
            await ws.close()


async def _session(
    ws: ClientConnection, plan: BotPlan, world: World, stats: BotStats, positions: PositionCheck, token: str = ""
) -> None:
    loop = asyncio.get_running_loop()
    authenticate = getattr(SCENARIOS.get(plan.scenario), "authenticate", None)
    if authenticate is not None and not token:  # a scenario that needs an account logs in before hello
        try:
            async with asyncio.timeout(HANDSHAKE_TIMEOUT_S * 3):
                token = await authenticate(ws, plan)
        except (RuntimeError, TimeoutError, ConnectionClosed, ProtocolError) as exc:
            stats.connect_error = str(exc) if isinstance(exc, RuntimeError) else type(exc).__name__
            return
    hello = encode(Hello(version=PROTOCOL_VERSION, name=plan.name, kind="bot", token=token))
    try:
        await ws.send(hello)
        stats.bytes_up += len(hello)
        async with asyncio.timeout(HANDSHAKE_TIMEOUT_S):
            while True:
                data = await ws.recv(decode=False)  # bytes even for a text frame: decode refuses it
                stats.frames_down += 1
                stats.bytes_down += len(data)
                msg = decode(data)
                if isinstance(msg, Welcome):
                    break
                if isinstance(msg, Redirect):
                    raise _Redirected(msg)
                if isinstance(msg, Error):
                    stats.error_codes[msg.code] += 1
                    stats.connect_error = f"error:{msg.code}"
                    return
    except ConnectionClosed as exc:
        stats.connect_error = f"closed:{exc.rcvd.code if exc.rcvd else 'none'}"
        return
    except (TimeoutError, ProtocolError) as exc:
        stats.connect_error = type(exc).__name__
        return
    stats.connected = True
    if msg.world_id != world.id:
        # Positions are checked against our world file: another world makes inside_solid meaningless.
        stats.anomalies["world_id_differs"] += 1
    stats.avatar_id = msg.avatar_id
    stats.snapshot_hz = msg.snapshot_hz
    stats.welcome_at = stats.welcome_at or loop.time()  # the first visit's: figures span every visit
    view = BotView(
        avatar_id=msg.avatar_id,
        x_m=quant.cm_to_m(msg.x_cm),
        y_m=quant.cm_to_m(msg.y_cm),
        yaw_rad=quant.u16_to_yaw(msg.yaw),
    )
    behaviour = create_behaviour(
        plan.scenario, ScenarioContext(world=world, rng=random.Random(plan.seed), bot_index=plan.index, welcome=msg)
    )
    sent: deque[tuple[int, float]] = deque()  # (seq, loop time) of inputs not yet acknowledged
    sender = asyncio.create_task(_send_inputs(ws, msg.input_hz, behaviour, view, sent, stats))
    try:
        async with asyncio.timeout_at(plan.end_at):
            await _receive(ws, behaviour, view, sent, stats, positions)
    except TimeoutError:
        pass  # the planned end
    except _Redirected:
        raise
    except ConnectionClosed as exc:
        if loop.time() < plan.end_at:
            stats.disconnect_code = exc.rcvd.code if exc.rcvd else 1006
    except Exception as exc:
        stats.exceptions[type(exc).__name__] += 1
    finally:
        stats.ended_at = min(loop.time(), plan.end_at)
        sender.cancel()
        try:
            await sender
        except asyncio.CancelledError:
            pass
        except ConnectionClosed:
            pass
        except Exception as exc:
            stats.exceptions[type(exc).__name__] += 1
        stats.scenario = dict(Counter(stats.scenario) + Counter(behaviour.report()))


async def _receive(
    ws: ClientConnection,
    behaviour,
    view: BotView,
    sent: deque[tuple[int, float]],
    stats: BotStats,
    positions: PositionCheck,
) -> None:
    loop = asyncio.get_running_loop()
    known: set[int] = set()
    book = SnapshotBook()
    per_second = stats.snapshots_by_second
    latency = stats.ack_latency_s
    last_tick = -1
    last_ack = 0
    while True:
        data = await ws.recv(decode=False)  # bytes even for a text frame: decode refuses it
        now = loop.time()
        stats.frames_down += 1
        stats.bytes_down += len(data)
        try:
            msg = decode(data)
        except ProtocolError as exc:
            stats.exceptions[type(exc).__name__] += 1
            continue
        if isinstance(msg, (Snapshot, SnapshotDelta)):
            state = book.take(msg)
            if state is None:
                stats.anomalies["snapshot_unreadable" if isinstance(msg, SnapshotDelta) else "snapshot_old"] += 1
                continue
            view.ack_tick = book.ack_tick
            stats.snapshots += 1
            second = int(now - stats.welcome_at)
            while len(per_second) <= second:
                per_second.append(0)
            per_second[second] += 1
            ack = msg.ack_seq
            while sent and sent[0][0] <= ack:
                latency.append(now - sent.popleft()[1])
            if ack < last_ack:
                stats.anomalies["ack_went_back"] += 1
            if msg.tick <= last_tick:
                stats.anomalies["tick_not_increasing"] += 1
            last_ack, last_tick = ack, msg.tick
            ids, pos = state.ids, state.pos
            positions.add(pos)
            if not known.issuperset(ids.tolist()):
                stats.anomalies["unannounced_avatar"] += 1
            rows = np.flatnonzero(ids == view.avatar_id)  # avatars are listed by id
            if len(rows) == 0:
                stats.anomalies["self_missing"] += 1
                continue
            me = int(rows[0])
            x_cm, y_cm = pos[me].tolist()
            view.x_m = x_cm / quant.CM_PER_M
            view.y_m = y_cm / quant.CM_PER_M
            view.tick = msg.tick
            view.has_snapshot = True
            continue
        if isinstance(msg, AvatarEnter):
            known.add(msg.id)
        elif isinstance(msg, AvatarLeave):
            known.discard(msg.id)
        elif isinstance(msg, InstanceChanged):
            # Walked into another instance: the avatars known here stayed behind; ticks count afresh.
            known.clear()
            book.clear()
            view.ack_tick = 0
            last_tick = -1
        elif isinstance(msg, ZoneChanged):
            view.zone_id = msg.zone_id
            stats.zones.add(msg.zone_id)
        elif isinstance(msg, Redirect):
            raise _Redirected(msg)
        elif isinstance(msg, Error):
            stats.error_codes[msg.code] += 1
        behaviour.on_message(msg, now)


async def _send_inputs(
    ws: ClientConnection,
    input_hz: int,
    behaviour,
    view: BotView,
    sent: deque[tuple[int, float]],
    stats: BotStats,
) -> None:
    """One input per period on an absolute schedule; a period this loop overslept is skipped, not sent twice."""
    loop = asyncio.get_running_loop()
    period = 1.0 / input_hz
    seq = 0
    next_at = loop.time()
    pacer = InputPacer()
    while True:
        now = loop.time()
        intent = behaviour.intent(view, now)
        move_x = max(-1.0, min(1.0, float(intent.move_x)))
        move_y = max(-1.0, min(1.0, float(intent.move_y)))
        yaw, run = quant.yaw_to_u16(intent.yaw_rad), bool(intent.run)
        # Standing still with nothing new to report sends nothing (a heartbeat now and then).
        if pacer.due(now, move_x, move_y, yaw, run, view.ack_tick):
            seq += 1
            data = encode(Input(seq=seq, move_x=move_x, move_y=move_y, yaw=yaw, run=run, ack_tick=view.ack_tick))
            sent.append((seq, now))
            await ws.send(data)
            stats.inputs_sent += 1
            stats.bytes_up += len(data)
        else:
            stats.inputs_idle += 1
        for msg in behaviour.outgoing(now):
            data = encode(msg)
            await ws.send(data)
            stats.bytes_up += len(data)
        next_at += period
        delay = next_at - loop.time()
        if delay < -period:
            stats.inputs_late += 1
            next_at = loop.time()
            delay = 0.0
        await asyncio.sleep(delay)
