"""What a seated, silent town-hall audience costs the world, in one process and without sockets.

`python -m makaverse.bench.seated_cost --copies 7 --ticks 400` fills `--copies` copies of the
auditorium with 150 seated avatars each (outboxes that only count frames), lets the first frames
go out, then runs `--ticks` ticks of every copy, as the server's tick loop does, with nobody
moving. It prints CPU µs per client-tick and frames per client-second as one JSON object. No
timing asserts anywhere: this is a bench.
"""

from __future__ import annotations

import argparse
import json
import time

from makaverse.protocol.messages import Message
from makaverse.server.rooms.instance import WorldInstance
from makaverse.server.sim import AvatarInfo
from makaverse.world import load_default_world

SEATS = 150
TICK_S = 0.05


class CountingOutbox:
    congested = False

    def __init__(self) -> None:
        self.frames = 0

    def send(self, msg: Message) -> bool:
        self.frames += 1
        return True

    def send_bytes(self, data: bytes) -> bool:
        self.frames += 1
        return True


def measure(copies: int, ticks: int) -> dict:
    world = load_default_world()
    halls: list[WorldInstance] = []
    boxes: list[CountingOutbox] = []
    for c in range(copies):
        hall = WorldInstance(world, instance_id=f"auditorium-{c + 1}", kind="auditorium", seed=c)
        for i in range(SEATS):
            box = CountingOutbox()
            boxes.append(box)
            hall.seat_or_spawn(hall.join(AvatarInfo(name=f"Warga {c}-{i}", role="citizen", look=0), box))
        halls.append(hall)
    now_ms = 0
    for _ in range(60):  # everyone's first frames, and the seating settles
        now_ms += int(TICK_S * 1000)
        for hall in halls:
            hall.tick(TICK_S, now_ms)
    for box in boxes:
        box.frames = 0
    started = time.process_time()
    for _ in range(ticks):
        now_ms += int(TICK_S * 1000)
        for hall in halls:
            hall.tick(TICK_S, now_ms)
    cpu_s = time.process_time() - started
    clients = sum(len(hall) for hall in halls)
    return {
        "clients": clients,
        "copies": copies,
        "ticks": ticks,
        "cpu_us_per_client_tick": round(cpu_s / (clients * ticks) * 1e6, 3),
        "frames_per_client_s": round(sum(b.frames for b in boxes) / (clients * ticks * TICK_S), 3),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=7, help="copies of the auditorium, 150 seated in each")
    parser.add_argument("--ticks", type=int, default=400, help="ticks measured (20 a second)")
    args = parser.parse_args(argv)
    print(json.dumps(measure(args.copies, args.ticks)))


if __name__ == "__main__":
    main()
