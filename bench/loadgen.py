"""Cheap load: many WebSocket clients per process on one event loop, with the least work per frame.

The measured scenarios (`crowd`, `townhall`, `services`, `ceiling`) must not be limited by their
own load generator, so a bot here is a bare `asyncio.Protocol` rather than a `websockets` client:
it writes the upgrade request itself, cuts frames out of the byte stream by their headers, sends
its own frames with an all-zero mask (legal, and no XOR to do), answers pings, and unpacks a
message only as far as it measures: a snapshot is read for `ack_seq` (input → ack latency) and,
when a scenario steers, for the bot's own position. Bots report the newest snapshot tick in their
inputs (`ack_tick`), as real clients do, so the server sends them deltas; a bot that steers keeps
just enough of each (the ids listed and its own position) to read its position out of the next.
Everything else a bot counts is bytes and frames.

With several server processes (`LoadSpec.urls`), bot i first connects to `urls[i % len(urls)]`,
as a reverse proxy's pool hands out new connections. A bot told `redirect` (type 12, then close
4009) does what a real client does: it connects to the `url` it names at once and says `hello`
there with the `token` it got, keeping its session; its counters and figures carry on.

A load process runs its share of the bots and reports back through a queue: progress while it
runs, then one result with every bot's figures over the steady window the parent announces
through shared values (so windows line up across processes). Each process also reports the CPU
it used over that window, so a report shows how much of the machine the load itself took.
"""

from __future__ import annotations

import asyncio
import base64
import math
import multiprocessing as mp
import os
import queue as queue_mod
import random
import signal
import struct
import time
import urllib.parse
from array import array
from bisect import bisect_left
from collections import Counter, OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import msgpack

from makaverse.protocol.pacing import InputPacer

__all__ = ["LoadSpec", "Bot", "BOT_KINDS", "register_bot", "LoadRun", "use_fast_loop"]

PROGRESS_EVERY_S = 0.5
LATENCY_GRACE_S = 1.0  # inputs sent in the window's last second are not counted (their ack may come after it)
MAX_UNACKED = 256  # inputs a bot remembers waiting for their ack
HANDSHAKE_TIMEOUT_S = 20.0
_READY_TIMEOUT_S = 60.0
_GO_TIMEOUT_S = 600.0  # started ahead (`start(go=False)`), a process waits this long for `go`
_HELLO = {"t": 1, "version": 1, "kind": "bot"}
_T_WELCOME, _T_INPUT, _T_SNAPSHOT, _T_ERROR, _T_REDIRECT, _T_DELTA = 2, 3, 4, 8, 12, 14
_T_INSTANCE_CHANGED = 11
_T_FULL = 15
_KEEP_TICKS = 32  # snapshot states a steering bot keeps to read deltas against
_NOT_REFUSALS = frozenset({"request_invalid"})  # answers to a command, not to entering
_OP_CONT, _OP_BIN, _OP_CLOSE, _OP_PING, _OP_PONG = 0x0, 0x2, 0x8, 0x9, 0xA
_MASK0 = b"\x00\x00\x00\x00"
_unpack = msgpack.unpackb
_pack = msgpack.packb


def use_fast_loop() -> str:
    """uvloop when it is installed (less CPU per frame), else asyncio's own loop; returns which."""
    try:
        import uvloop
    except ImportError:
        return "asyncio"
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    return "uvloop"


def client_frame(payload: bytes, opcode: int = _OP_BIN) -> bytes:
    """One masked client frame (mask key 0: the payload goes out as it is)."""
    n = len(payload)
    if n < 126:
        head = bytes((0x80 | opcode, 0x80 | n))
    elif n < 65536:
        head = bytes((0x80 | opcode, 0x80 | 126)) + n.to_bytes(2, "big")
    else:
        head = bytes((0x80 | opcode, 0x80 | 127)) + n.to_bytes(8, "big")
    return head + _MASK0 + payload


@dataclass(frozen=True, slots=True)
class LoadSpec:
    """What one run's load processes do; picklable (it crosses to each process)."""

    url: str
    kind: str  # a registered bot kind: crowd, ceiling, townhall, services, ...
    count: int
    in_hz: float = 20.0  # inputs a second per bot (0: none)
    ramp_s: float = 2.0  # connects are spread over this
    seed: int = 1
    options: dict = field(default_factory=dict)  # kind-specific (world box, event id, ...)
    urls: tuple[str, ...] = ()  # several server processes: bot i starts at urls[i % len]; () for `url`

    def url_of(self, index: int) -> str:
        return self.urls[index % len(self.urls)] if self.urls else self.url


class Bot(asyncio.Protocol):
    """One connection. Subclasses override `on_open` (what to send first), `on_message` (a decoded
    map that is not a snapshot), `on_snapshot` and `on_period` (once per input period)."""

    steer = False  # read the bot's own position out of snapshots

    def __init__(self, run: LoadRun, index: int) -> None:
        self.run = run
        self.index = index
        self.rng = random.Random(run.spec.seed * 1_000_003 + index)
        self.transport: asyncio.Transport | None = None
        self.buf = b""
        self.frag: list[bytes] = []
        self.upgraded = False
        self.in_world = False
        self.done = False
        self.connect_error = ""
        self.close_code: int | None = None  # the server closed (or the socket dropped) before the end
        self.avatar_id = 0
        self.me = b""
        self.x_cm = 0
        self.y_cm = 0
        self.pos_updates = 0  # own positions read from snapshots
        self.seq = 0
        self.sent: deque = deque()  # (seq, loop time) of inputs not yet acknowledged
        self.bytes_down = 0
        self.bytes_up = 0
        self.frames_down = 0
        self.snapshots = 0
        self.errors: Counter = Counter()
        self.full_url: str | None = None  # refused with `full`: the place it named ("" for none)
        self.opened_at = 0.0
        self.deltas = bool(run.spec.options.get("deltas", True))  # report ticks, get deltas
        self.ack_tick = 0
        # tick -> (ids listed, sorted; own x, y cm): what a steering bot needs to read the next delta
        self.states: OrderedDict[int, tuple[list[int], int, int]] = OrderedDict()
        self.pacer = InputPacer()  # a bot standing still sends what a real client would: a heartbeat
        self.url = run.spec.url_of(index)  # the server process it talks to (a redirect changes it)
        self.parsed = urllib.parse.urlsplit(self.url)
        self.token = ""  # after a redirect: what to say `hello` with at the new address
        self.redirect_to = ""  # a `redirect` arrived: where to go once the server closes
        self.redirects = 0

    # ── transport ───────────────────────────────────────────────────────────
    def connection_made(self, transport) -> None:
        self.transport = transport
        u = self.parsed
        key = base64.b64encode(self.rng.randbytes(16)).decode()
        request = (
            f"GET {u.path or '/'} HTTP/1.1\r\nHost: {u.netloc}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nUser-Agent: makaverse-bench\r\n\r\n"
        ).encode()
        transport.write(request)
        self.bytes_up += len(request)

    def connection_lost(self, exc) -> None:
        if self.redirect_to and not self.done:  # close 4009 after a `redirect`: on to the new address
            self.follow()
            return
        if not self.done:
            if not self.upgraded or not self.in_world:
                self.connect_error = self.connect_error or ("closed:" + str(self.close_code or "before_welcome"))
            elif self.close_code is None:
                self.close_code = 1006
        self.done = True
        self.transport = None
        self.run.bot_ended(self)

    def data_received(self, data: bytes) -> None:
        self.bytes_down += len(data)
        buf = self.buf + data if self.buf else data
        if not self.upgraded:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                self.buf = buf
                return
            status = buf[: buf.find(b"\r\n")]
            if b" 101 " not in status + b" ":
                self.connect_error = "http:" + status.split(b" ")[1].decode("ascii", "replace")[:8]
                self.abort()
                return
            self.upgraded = True
            buf = buf[end + 4 :]
            self.on_open()
        i, n = 0, len(buf)
        while n - i >= 2:
            b1 = buf[i + 1] & 0x7F
            if b1 < 126:
                head, size = 2, b1
            elif b1 == 126:
                if n - i < 4:
                    break
                head, size = 4, (buf[i + 2] << 8) | buf[i + 3]
            else:
                if n - i < 10:
                    break
                head, size = 10, int.from_bytes(buf[i + 2 : i + 10], "big")
            if n - i < head + size:
                break
            b0 = buf[i]
            payload = buf[i + head : i + head + size]
            i += head + size
            op = b0 & 0x0F
            if op == _OP_BIN or op == _OP_CONT:
                if not b0 & 0x80:  # a fragment: keep until the last one
                    self.frag.append(payload)
                    continue
                if self.frag:
                    payload = b"".join(self.frag) + payload
                    self.frag = []
                self.frames_down += 1
                self.on_frame(payload)
            elif op == _OP_PING:
                self.write(client_frame(payload, _OP_PONG))
            elif op == _OP_CLOSE:
                code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
                if not self.done:
                    self.close_code = code
                self.write(client_frame(payload[:2], _OP_CLOSE))
                self.abort()
                return
            if self.transport is None:
                return
        self.buf = buf[i:] if i < n else b""

    def follow(self) -> None:
        """Connect where the `redirect` said, as the same bot: the stream starts afresh there (its
        ticks, acks and deltas), the bot's counters carry on; inputs waiting for an ack from the
        process it left are not counted."""
        self.url, self.redirect_to = self.redirect_to.rstrip("/"), ""  # as the bench names the processes
        self.parsed = urllib.parse.urlsplit(self.url)
        self.transport = None
        self.buf, self.frag, self.upgraded, self.in_world = b"", [], False, False
        self.close_code = None
        self.ack_tick = 0
        self.states.clear()
        self.sent.clear()
        self.redirects += 1
        asyncio.ensure_future(self.run.connect(self))

    def write(self, frame: bytes) -> None:
        t = self.transport
        if t is not None and not t.is_closing():
            t.write(frame)
            self.bytes_up += len(frame)

    def send(self, message: dict) -> None:
        self.write(client_frame(_pack(message)))

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.close()

    def finish(self) -> None:
        """The planned end: a normal close, not a disconnect."""
        self.done = True
        if self.transport is not None and not self.transport.is_closing():
            self.write(client_frame(b"\x03\xe8", _OP_CLOSE))
            self.transport.close()

    # ── messages ────────────────────────────────────────────────────────────
    def on_frame(self, payload: bytes) -> None:
        try:
            msg = _unpack(payload)
        except Exception:
            self.errors["undecodable"] += 1
            return
        ack = msg.get("ack_seq")
        if ack is not None:
            tick = msg.get("tick", 0)
            if tick <= self.ack_tick:
                return  # late or repeated
            if self.steer and self.deltas and not self.read_state(msg, tick):
                self.errors["delta_base_missing"] += 1
                return
            self.ack_tick = tick
            self.snapshots += 1
            now = self.run.now()
            sent = self.sent
            if sent and sent[0][0] <= ack:
                run = self.run
                lat, lo, hi = run.latency, run.lat_from, run.lat_to
                while sent and sent[0][0] <= ack:
                    t = sent.popleft()[1]
                    if lo <= t <= hi:  # sent in the window: counted whenever its ack comes
                        lat.append(now - t)
            if self.steer and not self.deltas:
                ids = msg.get("ids")
                if ids:
                    self.find_self(ids, msg.get("pos"))
            self.on_snapshot(msg)
            return
        t = msg.get("t")
        if t == _T_WELCOME:
            self.in_world = True
            self.avatar_id = msg["avatar_id"]
            self.me = struct.pack("<I", self.avatar_id)
            self.x_cm, self.y_cm = msg["x_cm"], msg["y_cm"]
            self.run.bot_entered(self)
        elif t == _T_ERROR:
            if self.in_world:
                self.errors[msg.get("code", "?")] += 1
            elif msg.get("code") not in _NOT_REFUSALS:
                # Refused on the way in (`full`, a bad token, ...): a connect failure, not an error.
                self.connect_error = self.connect_error or f"error:{msg.get('code', '?')}"
        elif t == _T_INSTANCE_CHANGED:
            self.ack_tick = 0  # ticks count afresh in the other instance
            self.states.clear()
        elif t == _T_FULL and not self.in_world:
            self.full_url = str(msg.get("url", "")) or str(msg.get("instance", ""))
        elif t == _T_REDIRECT:
            url, token = str(msg.get("url", "")), str(msg.get("token", ""))
            if url.startswith(("ws://", "wss://")) and token:
                self.redirect_to, self.token = url, token  # followed once the server closes (4009)
            else:
                self.connect_error = self.connect_error or "redirect_unusable"
        self.on_message(msg)

    def read_state(self, msg: dict, tick: int) -> bool:
        """Keep this snapshot's listing and own position (a full one or a delta); False when a
        delta's base is not kept."""
        if msg.get("t") == _T_SNAPSHOT:
            ids = msg["ids"]
            listed = sorted(struct.unpack(f"<{len(ids) // 4}I", ids))
            self.find_self(ids, msg.get("pos"))
        else:
            base_tick = msg["base_tick"]
            base = ([], 0, 0) if base_tick == 0 else self.states.get(base_tick)
            if base is None:
                return False
            base_ids, x, y = base
            gone = msg["gone"]
            kept = [i for n, i in enumerate(base_ids) if n not in gone] if gone else base_ids
            new = msg["new_ids"]
            listed = sorted(kept + list(struct.unpack(f"<{len(new) // 4}I", new))) if new else list(kept)
            row = bisect_left(listed, self.avatar_id)
            flags = msg["flags"]
            if row < len(listed) and listed[row] == self.avatar_id:
                f = flags[row]
                if f & 1:
                    dx, dy = struct.unpack_from("<bb", msg["dpos"], 2 * sum(b & 1 for b in flags[:row]))
                    x, y = x + dx, y + dy
                elif f & 2:
                    x, y = struct.unpack_from("<ii", msg["pos"], 8 * sum(1 for b in flags[:row] if b & 2))
                self.x_cm, self.y_cm = x, y
                self.pos_updates += 1
        self.states[tick] = (listed, self.x_cm, self.y_cm)
        if len(self.states) > _KEEP_TICKS:
            self.states.popitem(last=False)
        return True

    def find_self(self, ids: bytes, pos: bytes | None) -> None:
        k = ids.find(self.me)
        while k >= 0 and k % 4:
            k = ids.find(self.me, k + 1)
        if k >= 0 and pos and len(pos) >= 2 * k + 8:
            self.x_cm, self.y_cm = struct.unpack_from("<ii", pos, 2 * k)
            self.pos_updates += 1

    def send_input(self, move_x: float, move_y: float, yaw: int, run: bool = False) -> None:
        self.seq += 1
        self.sent.append((self.seq, self.run.now()))
        if len(self.sent) > MAX_UNACKED:  # a server far behind: keep it bounded, count what falls off
            t = self.sent.popleft()[1]
            if self.run.lat_from <= t <= self.run.lat_to:
                self.run.latency_missing += 1
        message = {"t": _T_INPUT, "seq": self.seq, "move_x": move_x, "move_y": move_y, "yaw": yaw, "run": run}
        if self.deltas and self.ack_tick:
            message["ack_tick"] = self.ack_tick
        self.send(message)

    # ── for subclasses ───────────────────────────────────────────────────────
    def on_open(self) -> None:
        if self.token:  # redirected: the same session at the new address
            self.send({**_HELLO, "name": f"bot-{self.index:04d}", "token": self.token})
        else:
            self.send({**_HELLO, "name": f"bot-{self.index:04d}"})

    def on_message(self, msg: dict) -> None:
        pass

    def on_snapshot(self, msg: dict) -> None:
        pass

    def on_period(self, now: float) -> None:
        """Standing still, as a desktop client does: an input only as a heartbeat or to report new ticks."""
        if self.deltas and self.pacer.due(now, 0.0, 0.0, 0, False, self.ack_tick):
            self.send_input(0.0, 0.0, 0)

    def figures(self) -> dict:
        """Scenario counters of this bot for the report (summed over bots)."""
        return {}

    def unanswered(self) -> int:
        """What this bot sent in the latency window and never got an answer to (at the end)."""
        run = self.run
        return sum(1 for _, t in self.sent if run.lat_from <= t <= run.lat_to)


BOT_KINDS: dict[str, type[Bot]] = {}


def register_bot(name: str) -> Callable[[type[Bot]], type[Bot]]:
    def register(cls: type[Bot]) -> type[Bot]:
        BOT_KINDS[name] = cls
        return cls

    return register


def _yaw_u16(dx: float, dy: float) -> int:
    """Yaw in 16-bit steps (0 north, counter-clockwise) looking along (dx, dy)."""
    return int(round(math.atan2(-dx, dy) / (2 * math.pi) * 65536)) % 65536


@register_bot("crowd")
class CrowdBot(Bot):
    """Walks straight in the service hall, turning now and then; bounces off walls and counters
    (a turn when it stops moving) and heads back in when it strays out of the hall's box."""

    steer = True

    def __init__(self, run: LoadRun, index: int) -> None:
        super().__init__(run, index)
        self.box = run.spec.options.get("box", (-23.0, 15.0, 23.0, 43.0))  # metres: xmin, ymin, xmax, ymax
        self.turn_at = 0.0
        self.last = (0, 0)
        self.last_updates = 0
        self.reaim_at = 0.0
        self.stuck = 0
        self.turns = 0
        self.periods_in = 0
        self.periods_out = 0
        self._new_heading(0.0)

    def _new_heading(self, now: float, toward: tuple[float, float] | None = None) -> None:
        a = self.rng.uniform(0, 2 * math.pi)
        dx, dy = math.cos(a), math.sin(a)
        if toward is not None:
            tx, ty = toward[0] - self.x_cm / 100.0, toward[1] - self.y_cm / 100.0
            d = math.hypot(tx, ty) or 1.0
            dx, dy = 0.7 * tx / d + 0.3 * dx, 0.7 * ty / d + 0.3 * dy
            d = math.hypot(dx, dy) or 1.0
            dx, dy = dx / d, dy / d
        self.dx, self.dy = dx, dy
        self.yaw = _yaw_u16(dx, dy)
        self.turn_at = now + self.rng.uniform(2.0, 6.0)
        self.turns += 1

    def on_period(self, now: float) -> None:
        if not self.in_world:
            return
        x0, y0, x1, y1 = self.box
        x, y = self.x_cm / 100.0, self.y_cm / 100.0
        # Stuck: no move over three periods of fresh positions (a snapshot format this bot can't
        # read its position from leaves it turning on the timer only).
        if self.pos_updates != self.last_updates:
            pos = (self.x_cm, self.y_cm)
            self.stuck = self.stuck + 1 if pos == self.last else 0
            self.last, self.last_updates = pos, self.pos_updates
        inside = x0 <= x <= x1 and y0 <= y <= y1
        if self.run.recording:
            if inside:
                self.periods_in += 1
            else:
                self.periods_out += 1
        if not inside:
            if now >= self.reaim_at:  # out of the hall: head for its middle (again every half second)
                self._new_heading(now, ((x0 + x1) / 2, (y0 + y1) / 2))
                self.reaim_at = now + 0.5
        elif self.stuck >= 3 or now >= self.turn_at:  # against a wall or counter, or time to turn
            self._new_heading(now)
            self.stuck = 0
        self.send_input(self.dx, self.dy, self.yaw)

    def figures(self) -> dict:
        return {"turns": self.turns, "inputs_in_hall": self.periods_in, "inputs_out_of_hall": self.periods_out,
                "bots_without_own_position": int(self.pos_updates == 0)}


@register_bot("ceiling")
class CeilingBot(Bot):
    """Against the bare transport: hello is ignored there, frames in are all 'snapshots'."""

    def on_open(self) -> None:
        self.in_world = True
        self.run.bot_entered(self)

    def on_frame(self, payload: bytes) -> None:
        self.snapshots += 1

    def on_period(self, now: float) -> None:
        self.seq += 1
        self.send({"t": _T_INPUT, "seq": self.seq, "move_x": 0.5, "move_y": 0.5, "yaw": 0, "run": False})


class LoadRun:
    """This process's bots, its input clock, its figures over the steady window."""

    def __init__(self, spec: LoadSpec, indices: list[int], control, report: Callable[[str, Any], None]) -> None:
        self.spec = spec
        self.indices = indices
        self.control = control  # shared values: start (Unix), steady_from, steady_to (0 until known), stop
        self.report = report
        self.bots: list[Bot] = []
        self.recording = False
        # Latency counts inputs sent between these loop times (the window, less its last second),
        # whenever their ack arrives; the ones still unacknowledged at the end are `latency_missing`.
        self.lat_from = math.inf
        self.lat_to = -math.inf
        self.latency_missing = 0
        self.latency = array("f")
        self.extra_latency = array("f")  # scenario-specific latency samples (e.g. stage lines), seconds
        self.extra_latency_by: dict[str, array] = {}  # the same by the server process (url) the bot was on
        self.extra_latency_tagged: dict[str, array] = {}  # the same by a scenario's own tag
        self.entered = 0
        self.ended = 0
        self.loop: asyncio.AbstractEventLoop | None = None
        self.lags: list[float] = []
        self.marks: dict[str, dict] = {}
        self.shared: dict[str, Any] = {}  # for bot kinds: things every bot of this process shares

    def now(self) -> float:
        assert self.loop is not None
        return self.loop.time()

    def bot_entered(self, bot: Bot) -> None:
        self.entered += 1

    def bot_ended(self, bot: Bot) -> None:
        self.ended += 1

    def add_extra_latency(self, bot: Bot, seconds: float, tag: str = "") -> None:
        """A scenario's own latency sample (e.g. a stage line), also kept by the bot's server
        process and, given one, by `tag` (e.g. stage lines said near a poll)."""
        self.extra_latency.append(seconds)
        by = self.extra_latency_by.get(bot.url)
        if by is None:
            by = self.extra_latency_by[bot.url] = array("f")
        by.append(seconds)
        if tag:
            self.extra_latency_tagged.setdefault(tag, array("f")).append(seconds)

    def _connect_soon(self, bot: Bot) -> None:
        asyncio.ensure_future(self.connect(bot))

    async def connect(self, bot: Bot) -> None:
        u = bot.parsed
        try:
            if u.hostname is None:
                raise ValueError(f"no host in {bot.url}")
            async with asyncio.timeout(HANDSHAKE_TIMEOUT_S):
                await asyncio.get_running_loop().create_connection(lambda: bot, u.hostname, u.port or 80)
        except Exception as exc:
            bot.connect_error = bot.connect_error or type(exc).__name__
            bot.done = True

    def _mark(self) -> dict:
        return {
            "t": self.now(),
            "cpu": time.process_time(),
            "down": [b.bytes_down for b in self.bots],
            "up": [b.bytes_up for b in self.bots],
            "snaps": [b.snapshots for b in self.bots],
            "in": [b.in_world and not b.done for b in self.bots],
        }

    async def main(self) -> dict:
        self.loop = asyncio.get_running_loop()
        cls = BOT_KINDS[self.spec.kind]
        self.bots = [cls(self, i) for i in self.indices]
        setup = getattr(cls, "setup_process", None)
        if setup is not None:
            await setup(self)
        t0 = self.now() + (self.control.start.value - time.time())
        ramp, count = self.spec.ramp_s, max(1, self.spec.count)
        connects = [
            self.loop.call_at(t0 + ramp * i / count, self._connect_soon, b)
            for i, b in zip(self.indices, self.bots, strict=True)
        ]
        tasks = [asyncio.create_task(self._inputs()), asyncio.create_task(self._lag())]
        try:
            await self._housekeeping()
        finally:
            for c in connects:
                c.cancel()
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        for b in self.bots:
            b.finish()
        await asyncio.sleep(0.2)
        return self._result()

    async def _housekeeping(self) -> None:
        c = self.control
        next_progress = 0.0
        while True:
            await asyncio.sleep(0.05)
            wall = time.time()
            if c.steady_from.value and self.lat_to == -math.inf:
                offset = self.now() - wall
                self.lat_from = c.steady_from.value + offset
                self.lat_to = c.steady_to.value - LATENCY_GRACE_S + offset
            if "start" not in self.marks and c.steady_from.value and wall >= c.steady_from.value:
                self.marks["start"] = self._mark()
                self.recording = True
            if "start" in self.marks and c.steady_to.value and wall >= c.steady_to.value:
                self.recording = False
                self.marks["end"] = self._mark()
                return
            if c.stop.value:
                return
            if wall >= next_progress:
                next_progress = wall + PROGRESS_EVERY_S
                self.report("progress", self.progress())
            on_tick = getattr(self, "on_housekeeping", None)
            if on_tick is not None:
                on_tick(wall)

    def progress(self) -> dict:
        bots = self.bots
        return {
            "in_world": sum(1 for b in bots if b.in_world and not b.done),
            "failed": sum(1 for b in bots if b.connect_error),
            "disconnects": sum(1 for b in bots if b.close_code is not None and b.in_world),
            "errors": sum(sum(b.errors.values()) for b in bots),
            "snapshots": sum(b.snapshots for b in bots),
            "loop_lag_ms": round(1000.0 * max(self.lags[-20:], default=0.0), 1),
        }

    async def _inputs(self) -> None:
        """Every bot's `on_period` once per input period, the bots spread over the period in slices
        (clients of a real crowd are not in step)."""
        hz = self.spec.in_hz
        if hz <= 0:
            return
        period = 1.0 / hz
        slices = 5
        k = 0
        next_at = self.now()
        while True:
            now = self.now()
            for b in self.bots[k::slices]:
                if b.in_world and not b.done:
                    b.on_period(now)
            k = (k + 1) % slices
            next_at += period / slices
            delay = next_at - self.now()
            if delay < -period:
                next_at = self.now()
                delay = 0.0
            await asyncio.sleep(delay)

    async def _lag(self) -> None:
        while True:
            due = self.now() + 0.05
            await asyncio.sleep(0.05)
            self.lags.append(max(0.0, self.now() - due))

    def _result(self) -> dict:
        s, e = self.marks.get("start"), self.marks.get("end")
        out: dict[str, Any] = {
            "pid": os.getpid(),
            "bots": len(self.bots),
            "in_world_at_end": sum(1 for b in self.bots if b.in_world and (not b.done or b.close_code is None)),
            "connect_errors": dict(Counter(b.connect_error for b in self.bots if b.connect_error)),
            # Closes of bots that were in the world (a refusal on the way in is a connect failure).
            "close_codes": dict(Counter(str(b.close_code) for b in self.bots
                                        if b.close_code is not None and b.in_world)),
            "error_codes": dict(sum((b.errors for b in self.bots), Counter())),
            "figures": dict(sum((Counter(b.figures()) for b in self.bots), Counter())),
            "loop_lag_ms_p99": round(1000.0 * _q(self.lags, 0.99), 1) if self.lags else None,
            "latency_s": self.latency.tobytes(),
            "latency_missing": self.latency_missing + sum(b.unanswered() for b in self.bots),
            "extra_latency_s": self.extra_latency.tobytes(),
            # Refusals with `full`: how many, how many named a place to go, and the places named.
            "full": {
                "refused": sum(1 for b in self.bots if b.full_url is not None),
                "named_a_place": sum(1 for b in self.bots if b.full_url),
                "places": sorted({b.full_url for b in self.bots if b.full_url}),
            },
            "extra_latency_by": {url: a.tobytes() for url, a in self.extra_latency_by.items()},
            "extra_latency_tagged": {tag: a.tobytes() for tag, a in self.extra_latency_tagged.items()},
            "redirects_followed": sum(b.redirects for b in self.bots),
            # Where the bots ended: in the world at the end, by server process (url).
            "bots_by_url": dict(Counter(b.url for b in self.bots if b.in_world and b.close_code is None)),
        }
        if s is None or e is None:
            out["window"] = None
            return out
        span = max(1e-6, e["t"] - s["t"])
        # Bots that were in the world through the whole window; others are counted, not averaged.
        live = [i for i, b in enumerate(self.bots) if s["in"][i] and b.close_code is None]
        out["window"] = {
            "span_s": span,
            # In the world at the window's start and at its end (the server served the mean of them).
            "in_at_start": sum(s["in"]),
            "in_at_end": sum(e["in"]),
            "cpu_s": e["cpu"] - s["cpu"],
            "down_bps": [(e["down"][i] - s["down"][i]) / span for i in live],
            "up_bps": [(e["up"][i] - s["up"][i]) / span for i in live],
            "snaps_per_s": [(e["snaps"][i] - s["snaps"][i]) / span for i in live],
        }
        return out


def _q(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# ── processes ──────────────────────────────────────────────────────────────────
class Control:
    """Shared values between the parent and every load process."""

    def __init__(self, ctx) -> None:
        self.start = ctx.Value("d", 0.0, lock=False)
        self.steady_from = ctx.Value("d", 0.0, lock=False)
        self.steady_to = ctx.Value("d", 0.0, lock=False)
        self.stop = ctx.Value("b", 0, lock=False)
        self.go = ctx.Event()


def _worker(spec: LoadSpec, wid: int, indices: list[int], control: Control, events, modules: tuple[str, ...]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    import importlib
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:  # one descriptor per bot: take what the system allows
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    for m in modules:  # bot kinds registered elsewhere
        importlib.import_module(m)
    use_fast_loop()
    events.put(("ready", wid, None))
    if not control.go.wait(_GO_TIMEOUT_S):
        return

    def report(kind: str, payload) -> None:
        events.put((kind, wid, payload))

    result = asyncio.run(LoadRun(spec, indices, control, report).main())
    events.put(("done", wid, result))


class LoadProcesses:
    """Start `procs` load processes for `spec`, tell them when to measure, collect their results."""

    def __init__(self, spec: LoadSpec, procs: int, *, modules: tuple[str, ...] = ()) -> None:
        self.spec = spec
        self.procs = max(1, min(procs, spec.count))
        ctx = mp.get_context("spawn")
        self.control = Control(ctx)
        self.events = ctx.Queue()
        self.progress: dict[int, dict] = {}
        self.results: dict[int, dict] = {}
        ids = list(range(spec.count))
        self.workers = [
            ctx.Process(
                target=_worker,
                args=(spec, w, ids[w :: self.procs], self.control, self.events, modules),
                name=f"makaverse-load-{w}",
                daemon=True,
            )
            for w in range(self.procs)
        ]

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.workers if p.pid is not None]

    def start(self, margin_s: float = 0.3, *, go: bool = True) -> float:
        """Start the processes; once all are ready, connects begin `margin_s` later (returns that
        time). With `go` False they wait, started and idle, for `go()`: starting Python processes
        costs CPU that a measurement running meanwhile would count."""
        for p in self.workers:
            p.start()
        ready: set[int] = set()
        deadline = time.monotonic() + _READY_TIMEOUT_S
        while len(ready) < self.procs:
            kind, wid, _ = self.events.get(timeout=max(0.1, deadline - time.monotonic()))
            if kind == "ready":
                ready.add(wid)
        return self.go(margin_s) if go else 0.0

    def go(self, margin_s: float = 0.3) -> float:
        """Connects begin `margin_s` from now; returns that time."""
        self.control.start.value = time.time() + margin_s
        self.control.go.set()
        return self.control.start.value

    def poll(self, timeout_s: float = 0.0) -> None:
        """Take in whatever the processes have said."""
        end = time.monotonic() + timeout_s
        while True:
            left = end - time.monotonic()
            try:
                if left > 0:
                    kind, wid, payload = self.events.get(timeout=left)
                else:
                    kind, wid, payload = self.events.get_nowait()
            except queue_mod.Empty:
                return
            if kind == "progress":
                self.progress[wid] = payload
            elif kind == "done":
                self.results[wid] = payload

    def total(self, key: str) -> float:
        return sum(p.get(key, 0) for p in self.progress.values())

    def measure(self, steady_from: float, steady_to: float) -> None:
        self.control.steady_from.value = steady_from
        self.control.steady_to.value = steady_to

    def stop(self) -> None:
        self.control.stop.value = 1

    def collect(self, timeout_s: float = 30.0) -> list[dict]:
        deadline = time.monotonic() + timeout_s
        while len(self.results) < self.procs and time.monotonic() < deadline:
            self.poll(0.5)
            if all(not p.is_alive() for w, p in enumerate(self.workers) if w not in self.results):
                self.poll(0.5)
                break
        for p in self.workers:
            p.join(timeout=5.0)
            if p.is_alive():
                p.kill()
        return [self.results[w] for w in sorted(self.results)]

    def kill(self) -> None:
        for p in self.workers:
            if p.is_alive():
                p.kill()
