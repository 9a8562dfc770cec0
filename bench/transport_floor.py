"""What the bare transport costs on this machine, apart from any game: a websockets server that
sends every client a pre-built frame at 20 Hz and discards what clients send (also at 20 Hz), on
the standard asyncio loop or on uvloop; and what moving a tick's frames between two processes
costs over a multiprocessing pipe, a Unix socket with length-prefixed batches, or shared memory.

    python -m makaverse.bench.transport_floor ws --count 1000 --loop uvloop
    python -m makaverse.bench.transport_floor ipc --count 1000

Every figure is CPU seconds per wall second (1.0 = one core busy) measured with the process's own
CPU clock, so a busy machine changes wall time more than it changes these.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import socket
import struct
import sys
import time
from multiprocessing import shared_memory

from .loops import new_event_loop

__all__ = ["main"]

_FRAME = bytes(900)
_UP = bytes(40)


# ── the WebSocket floor ───────────────────────────────────────────────────────
async def _floor_server(port_out, hz: float, seconds: float, result) -> None:
    from websockets.asyncio.server import serve
    from websockets.protocol import OPEN

    clients: set = set()
    count = {"in": 0, "out": 0}

    async def handler(ws) -> None:
        clients.add(ws)
        try:
            async for _ in ws:
                count["in"] += 1
        finally:
            clients.discard(ws)

    async with serve(handler, "127.0.0.1", 0, compression=None, max_queue=16) as server:
        port_out.value = server.sockets[0].getsockname()[1]
        loop = asyncio.get_running_loop()
        next_at = loop.time()
        measured = None
        end = None
        while True:
            for ws in list(clients):
                # What a server's writer does per frame: one send that does not wait for the peer.
                if ws.protocol.state is not OPEN:
                    continue
                ws.protocol.send_binary(_FRAME)
                count["out"] += 1
                for data in ws.protocol.data_to_send():
                    ws.transport.write(data)
            next_at += 1.0 / hz
            await asyncio.sleep(max(0.0, next_at - loop.time()))
            if measured is None and result.ready.is_set():
                measured = (time.process_time(), time.monotonic(), len(clients), count["in"] + count["out"])
                end = time.monotonic() + seconds
            if measured is not None and end is not None and time.monotonic() >= end:
                cpu = time.process_time() - measured[0]
                wall = time.monotonic() - measured[1]
                frames = count["in"] + count["out"] - measured[3]
                # Per frame (in or out): the figure that does not depend on the load keeping up.
                result.queue.put({"clients": measured[2], "cpu_s": round(cpu, 2), "wall_s": round(wall, 2),
                                  "cores": round(cpu / wall, 3), "frames": frames,
                                  "us_per_frame": round(1e6 * cpu / max(1, frames), 2)})
                return


class _Shared:
    def __init__(self, ctx) -> None:
        self.ready = ctx.Event()
        self.queue = ctx.Queue()


def _server_main(loop_name: str, port_out, hz: float, seconds: float, shared: _Shared) -> None:
    loop = new_event_loop(loop_name)
    loop.run_until_complete(_floor_server(port_out, hz, seconds, shared))


async def _floor_clients(port: int, count: int, hz: float, seconds: float) -> None:
    from websockets.asyncio.client import connect

    stop = time.monotonic() + seconds

    async def one() -> None:
        async with connect(f"ws://127.0.0.1:{port}", compression=None, max_queue=None) as ws:
            async def reader() -> None:
                async for _ in ws:
                    pass
            task = asyncio.create_task(reader())
            loop = asyncio.get_running_loop()
            next_at = loop.time()
            while time.monotonic() < stop:
                await ws.send(_UP)
                next_at += 1.0 / hz
                await asyncio.sleep(max(0.0, next_at - loop.time()))
            task.cancel()

    await asyncio.gather(*(one() for _ in range(count)), return_exceptions=True)


def _clients_main(port: int, count: int, hz: float, seconds: float) -> None:
    new_event_loop("uvloop").run_until_complete(_floor_clients(port, count, hz, seconds))


def run_ws(count: int, loop_name: str, *, hz: float = 20.0, seconds: float = 10.0, procs: int = 2) -> dict:
    ctx = mp.get_context("spawn")
    port = ctx.Value("i", 0)
    shared = _Shared(ctx)
    server = ctx.Process(target=_server_main, args=(loop_name, port, hz, seconds, shared), daemon=True)
    server.start()
    while port.value == 0:
        time.sleep(0.05)
    ramp_s = 4.0
    shares = [count // procs + (1 if i < count % procs else 0) for i in range(procs)]
    clients = [ctx.Process(target=_clients_main, args=(port.value, n, hz, seconds + ramp_s + 3), daemon=True)
               for n in shares]
    for p in clients:
        p.start()
    time.sleep(ramp_s)
    shared.ready.set()
    out = shared.queue.get(timeout=seconds + 30)
    server.join(5)
    for p in clients:
        p.join(seconds + 10)
    return {"test": "ws_floor", "loop": loop_name, "count": count, **out, "load": os.getloadavg()[0]}


# ── moving a tick's frames between processes ─────────────────────────────────
_HEADER = struct.Struct("<IH")  # conn id, frame length: one record of a batch


def _batch(count: int) -> bytes:
    return b"".join(_HEADER.pack(i, len(_FRAME)) + _FRAME for i in range(count))


def _unbatch(data: memoryview) -> int:
    n = 0
    at = 0
    size = _HEADER.size
    while at < len(data):
        _conn, length = _HEADER.unpack_from(data, at)
        at += size
        frame = bytes(data[at:at + length])  # what a gateway hands to the socket
        at += length
        n += len(frame) > 0
    return n


def _recv_exact(sock: socket.socket, n: int) -> bytearray:
    buf = bytearray(n)
    view = memoryview(buf)
    got = 0
    while got < n:
        k = sock.recv_into(view[got:])
        if not k:
            raise EOFError
        got += k
    return buf


def _pipe_reader(conn, ticks: int, out) -> None:
    start = time.process_time()
    for _ in range(ticks):
        frames = conn.recv()  # a list of (conn id, frame): pickled by the sender
        assert frames
    out.put(time.process_time() - start)


def _sock_reader(sock: socket.socket, ticks: int, out) -> None:
    start = time.process_time()
    for _ in range(ticks):
        (length,) = struct.unpack("<I", _recv_exact(sock, 4))
        _unbatch(memoryview(_recv_exact(sock, length)))
    out.put(time.process_time() - start)


def _shm_reader(name: str, sock: socket.socket, ticks: int, out) -> None:
    shm = shared_memory.SharedMemory(name=name)
    assert shm.buf is not None  # None only once closed
    start = time.process_time()
    for _ in range(ticks):
        (length,) = struct.unpack("<I", _recv_exact(sock, 4))  # the doorbell: how much is ready
        _unbatch(shm.buf[:length])
        sock.sendall(b"k")  # the slot may be reused
    out.put(time.process_time() - start)
    shm.close()


def run_ipc(count: int, *, ticks: int = 200) -> list[dict]:
    """Send `ticks` batches of `count` frames as fast as they go; CPU per tick on each side."""
    ctx = mp.get_context("spawn")
    results = []
    # Distinct objects, as a real tick's frames are (pickle would send one shared object once).
    frames = [(i, _FRAME[:-2] + i.to_bytes(2, "little")) for i in range(count)]

    # multiprocessing pipe: pickled lists
    a, b = ctx.Pipe()
    out = ctx.Queue()
    p = ctx.Process(target=_pipe_reader, args=(b, ticks, out))
    p.start()
    start = time.process_time()
    for _ in range(ticks):
        a.send(frames)
    send_cpu = time.process_time() - start
    recv_cpu = out.get()
    p.join()
    results.append(("mp_pipe_pickle", send_cpu, recv_cpu))

    # Unix socket, one length-prefixed batch per tick
    s1, s2 = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    p = ctx.Process(target=_sock_reader, args=(s2, ticks, out))
    p.start()
    start = time.process_time()
    for _ in range(ticks):
        batch = _batch(count)
        s1.sendall(struct.pack("<I", len(batch)) + batch)
    send_cpu = time.process_time() - start
    recv_cpu = out.get()
    p.join()
    results.append(("unix_socket_batch", send_cpu, recv_cpu))

    # shared memory: the batch is written into a shared buffer, a byte on the socket says it is there
    size = len(_batch(count)) + 16
    shm = shared_memory.SharedMemory(create=True, size=size)
    assert shm.buf is not None  # None only once closed
    s1, s2 = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    p = ctx.Process(target=_shm_reader, args=(shm.name, s2, ticks, out))
    p.start()
    start = time.process_time()
    for _ in range(ticks):
        batch = _batch(count)
        shm.buf[: len(batch)] = batch
        s1.sendall(struct.pack("<I", len(batch)))
        _recv_exact(s1, 1)
    send_cpu = time.process_time() - start
    recv_cpu = out.get()
    p.join()
    shm.close()
    shm.unlink()
    results.append(("shared_memory", send_cpu, recv_cpu))

    return [
        {
            "test": "ipc", "how": how, "count": count,
            # at 20 ticks a second: the share of a core each side spends moving frames
            "sender_cores_at_20hz": round(20 * send / ticks, 3),
            "receiver_cores_at_20hz": round(20 * recv / ticks, 3),
            "sender_us_per_frame": round(1e6 * send / ticks / count, 2),
            "receiver_us_per_frame": round(1e6 * recv / ticks / count, 2),
            "load": os.getloadavg()[0],
        }
        for how, send, recv in results
    ]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m makaverse.bench.transport_floor", description=__doc__)
    sub = p.add_subparsers(dest="what", required=True)
    w = sub.add_parser("ws", help="the bare WebSocket broadcast floor")
    w.add_argument("--count", type=int, nargs="+", default=[200, 500, 1000])
    w.add_argument("--loop", nargs="+", default=["asyncio", "uvloop"])
    w.add_argument("--seconds", type=float, default=10.0)
    i = sub.add_parser("ipc", help="moving a tick's frames between two processes")
    i.add_argument("--count", type=int, nargs="+", default=[1000])
    i.add_argument("--ticks", type=int, default=200)
    args = p.parse_args(argv)
    if args.what == "ws":
        for count in args.count:
            for loop_name in args.loop:
                print(json.dumps(run_ws(count, loop_name, seconds=args.seconds)), flush=True)
    else:
        for count in args.count:
            for row in run_ipc(count, ticks=args.ticks):
                print(json.dumps(row), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
