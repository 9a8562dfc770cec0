"""The world's own cost of a crowd, in one process and without sockets: CPU per client-tick.

`python -m makaverse.bench.tick_cost --count 1000 --ticks 200` builds one world instance on the
crowd scenario's world (spawn points in the service hall), joins `--count` avatars with outboxes
that only count bytes, and runs the tick loop the server runs: every tick each avatar's client
sends one `input` as the bench's crowd bots do (msgpack bytes: walking straight, turning every
2-6 s and back toward the middle when out of the hall, reporting the newest snapshot tick it got
as `ack_tick`), the server decodes and applies it (`protocol.decode`, `WorldInstance.on_input`),
then ticks the instance (simulation step, interest, enter/leave, frames). `--idle`: nobody moves
(inputs only as the pacing's heartbeat would send them: none here). `--level L`: the snapshot
stream at the capacity policy's detail level L (`server/sim/capacity.py`, `LEVELS`; 0 by default,
what a server that is not shedding sends).

It prints CPU µs per client-tick for the input path and for the tick (mean, and the median
tick's), kbit/s and frames a second per client, as one JSON object. `--profile FILE` records the
measured loop with cProfile (`python -m pstats FILE`). The bots' own work (building inputs, steering) is outside the
measured time. No timing asserts anywhere: this is a bench.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import math
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import msgpack

from makaverse.protocol import MessageType, decode
from makaverse.server.rooms.instance import WorldInstance
from makaverse.server.sim import AvatarInfo
from makaverse.server.sim.capacity import LEVELS
from makaverse.world import load_world

from .measure import HALL_BOX_M, hall_world_file

_SNAPSHOT_TYPES = (int(MessageType.SNAPSHOT), int(MessageType.SNAPSHOT_DELTA))
_T_INPUT = int(MessageType.INPUT)


class CountingOutbox:
    """A client as the instance sees it: counts what it is sent and remembers the newest snapshot tick."""

    congested = False

    def __init__(self, instance: WorldInstance) -> None:
        self.instance = instance
        self.bytes = 0
        self.frames = 0
        self.ack_tick = 0

    def send(self, msg) -> bool:  # zone changes: rare
        from makaverse.protocol import encode

        return self.send_bytes(encode(msg))

    def send_bytes(self, data: bytes) -> bool:
        self.bytes += len(data) + 4  # with a WebSocket frame header, as the socket bench counts it
        self.frames += 1
        # A snapshot map starts with its map header, "t" and the type: byte 3 is the type.
        if data[3] in _SNAPSHOT_TYPES:
            self.ack_tick = self.instance.sim.tick
        return True


class Walker:
    """The crowd bot's steering, on the server's own positions (the bots read theirs from snapshots)."""

    def __init__(self, rng: random.Random, box: tuple[float, float, float, float], tick_hz: int) -> None:
        self.rng = rng
        self.box = box
        self.tick_hz = tick_hz
        self.seq = 0
        self.turn_at = 0
        self.dx = self.dy = 0.0
        self.yaw = 0

    def _heading(self, tick: int, toward: tuple[float, float] | None, x: float, y: float) -> None:
        a = self.rng.uniform(0, 2 * math.pi)
        dx, dy = math.cos(a), math.sin(a)
        if toward is not None:
            tx, ty = toward[0] - x, toward[1] - y
            d = math.hypot(tx, ty) or 1.0
            dx, dy = 0.7 * tx / d + 0.3 * dx, 0.7 * ty / d + 0.3 * dy
            d = math.hypot(dx, dy) or 1.0
            dx, dy = dx / d, dy / d
        self.dx, self.dy = dx, dy
        self.yaw = int(round(math.atan2(-dx, dy) / (2 * math.pi) * 65536)) % 65536
        self.turn_at = tick + int(self.rng.uniform(2.0, 6.0) * self.tick_hz)

    def input(self, tick: int, x: float, y: float, ack_tick: int) -> bytes:
        x0, y0, x1, y1 = self.box
        if not (x0 <= x <= x1 and y0 <= y <= y1):
            self._heading(tick, ((x0 + x1) / 2, (y0 + y1) / 2), x, y)
        elif tick >= self.turn_at:
            self._heading(tick, None, x, y)
        self.seq += 1
        msg = {"t": _T_INPUT, "seq": self.seq, "move_x": self.dx, "move_y": self.dy, "yaw": self.yaw, "run": False}
        if ack_tick:
            msg["ack_tick"] = ack_tick
        return msgpack.packb(msg)


def run(count: int, ticks: int, warmup: int, idle: bool, seed: int, profile: str = "", level: int = 0) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        world = load_world(hall_world_file(Path(tmp)))
    tick_hz = 20
    instance = WorldInstance(world, instance_id="main", seed=seed)
    instance.detail = LEVELS[level]  # as the scheduler sets it: level 0 unless the process sheds
    rng = random.Random(seed)
    box = (HALL_BOX_M[0] + 1.0, HALL_BOX_M[1] + 1.0, HALL_BOX_M[2] - 1.0, HALL_BOX_M[3] - 1.0)
    bots = []
    for i in range(count):
        outbox = CountingOutbox(instance)
        avatar_id = instance.join(AvatarInfo(name=f"bot-{i:04d}", role="citizen", look=i % 8), outbox)
        bots.append((avatar_id, outbox, Walker(random.Random(rng.random()), box, tick_hz)))
    dt = 1.0 / tick_hz
    now_ms = 1_000_000
    table = instance.sim.avatars
    cpu_input = cpu_tick = 0.0
    per_tick: list[float] = []  # input + tick CPU of each measured tick
    bytes0 = frames0 = 0
    profiler = cProfile.Profile() if profile else None
    for t in range(warmup + ticks):
        measuring = t >= warmup
        if t == warmup:
            bytes0 = sum(o.bytes for _, o, _ in bots)
            frames0 = sum(o.frames for _, o, _ in bots)
            if profiler is not None:
                profiler.enable()
        frames: list[tuple[int, bytes]] = []
        if not idle:
            if profiler is not None:
                profiler.disable()
            for avatar_id, outbox, walker in bots:
                x, y = table.pos[table.slot_of[avatar_id]]
                frames.append((avatar_id, walker.input(instance.sim.tick, float(x), float(y), outbox.ack_tick)))
            if profiler is not None and measuring:
                profiler.enable()
        c0 = time.process_time()
        for avatar_id, data in frames:
            instance.on_input(avatar_id, decode(data))  # type: ignore[arg-type]
        c1 = time.process_time()
        instance.tick(dt, now_ms)
        c2 = time.process_time()
        now_ms += 50
        if measuring:
            cpu_input += c1 - c0
            cpu_tick += c2 - c1
            per_tick.append(c2 - c0)
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(profile)
    client_ticks = count * ticks
    seconds = ticks * dt
    return {
        "count": count,
        "ticks": ticks,
        "idle": idle,
        "detail_level": level,
        "input_us_per_client_tick": round(cpu_input / client_ticks * 1e6, 1),
        "tick_us_per_client_tick": round(cpu_tick / client_ticks * 1e6, 1),
        "us_per_client_tick": round((cpu_input + cpu_tick) / client_ticks * 1e6, 1),
        # the median tick: steadier than the mean on a shared machine (a tick that lost its cache
        # to another process costs more CPU time)
        "us_per_client_tick_median": round(statistics.median(per_tick) / count * 1e6, 1),
        "kbit_s_per_client": round((sum(o.bytes for _, o, _ in bots) - bytes0) * 8 / 1000 / seconds / count, 1),
        "frames_s_per_client": round((sum(o.frames for _, o, _ in bots) - frames0) / seconds / count, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m makaverse.bench.tick_cost", description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--ticks", type=int, default=200, help="ticks measured (after the warm-up)")
    parser.add_argument("--warmup", type=int, default=60, help="ticks before measuring")
    parser.add_argument("--idle", action="store_true", help="nobody moves")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", default="", help="write cProfile stats of the measured ticks to this file")
    parser.add_argument("--level", type=int, default=0, choices=range(len(LEVELS)),
                        help="the capacity policy's detail level (0: full detail, as an unloaded server)")
    args = parser.parse_args(argv)
    json.dump(run(args.count, args.ticks, args.warmup, args.idle, args.seed, args.profile, args.level), sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
