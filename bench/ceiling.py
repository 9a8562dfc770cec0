"""The floor: a bare `websockets` server with no game logic, for `makaverse bench --scenario ceiling`.

Every 1/hz seconds it sends one pre-built frame (900 bytes by default, about a crowd snapshot) to
each connected client, straight through the connection's sans-I/O protocol to its transport (no
per-send lock or drain), and reads and discards whatever the clients send. Nothing is decoded,
nothing is simulated: what this costs per client-tick is the least any Python WebSocket server
on this machine pays, and `ceiling_ratio` compares the real server with it.

    python -m makaverse.bench.ceiling --port 0 [--hz 20] [--frame-bytes 900]

It prints `listening on ws://HOST:PORT` and answers `GET /healthz` and `GET /stats/ticks` (the
send loop's durations, as the game server's own endpoint does) on the same port.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import time
from collections import deque

from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.protocol import OPEN

__all__ = ["CeilingServer", "main"]


class CeilingServer:
    def __init__(self, *, hz: float = 20.0, frame_bytes: int = 900) -> None:
        self.hz = hz
        self.frame = os.urandom(frame_bytes)
        self.clients: set[ServerConnection] = set()
        self.ticks = 0
        self.recent: deque[float] = deque(maxlen=2400)

    async def handle(self, ws: ServerConnection) -> None:
        self.clients.add(ws)
        try:
            async for _ in ws:  # frames in: read and discarded
                pass
        except ConnectionClosed:
            pass
        finally:
            self.clients.discard(ws)

    def routes(self, connection: ServerConnection, request):
        path = request.path.split("?", 1)[0]
        if path == "/healthz":
            return connection.respond(200, json.dumps({"status": "ok", "clients": len(self.clients)}) + "\n")
        if path == "/stats/ticks":
            body = {"ticks": self.ticks, "recent_s": list(self.recent), "clients": len(self.clients)}
            return connection.respond(200, json.dumps(body) + "\n")
        return None

    async def send_loop(self) -> None:
        loop = asyncio.get_running_loop()
        period = 1.0 / self.hz
        next_at = loop.time()
        frame = self.frame
        while True:
            started = time.perf_counter()
            for ws in list(self.clients):
                # The least a server's writer does per frame: frame it and hand it to the transport,
                # without waiting for the peer (the library's own send() adds a lock and a drain).
                if ws.protocol.state is not OPEN:
                    continue
                ws.protocol.send_binary(frame)
                for data in ws.protocol.data_to_send():
                    ws.transport.write(data)
            self.recent.append(time.perf_counter() - started)
            self.ticks += 1
            next_at += period
            delay = next_at - loop.time()
            if delay < -period:
                next_at = loop.time()
                delay = 0.0
            await asyncio.sleep(max(0.0, delay))

    async def run(self, host: str, port: int) -> None:
        stop = asyncio.get_running_loop().create_future()
        for sig in (signal.SIGTERM, signal.SIGINT):
            asyncio.get_running_loop().add_signal_handler(sig, stop.set_result, None)
        async with serve(
            self.handle, host, port, process_request=self.routes, compression=None, max_size=64 * 1024,
            ping_interval=5.0, ping_timeout=10.0, close_timeout=1.0,
        ) as server:
            bound = server.sockets[0].getsockname()
            print(f"listening on ws://{bound[0]}:{bound[1]}", flush=True)
            sender = asyncio.create_task(self.send_loop())
            await stop
            sender.cancel()
            server.close()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m makaverse.bench.ceiling", description=__doc__.split("\n\n")[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--hz", type=float, default=20.0)
    p.add_argument("--frame-bytes", type=int, default=900)
    args = p.parse_args(argv)
    from .loadgen import use_fast_loop

    use_fast_loop()  # the same loop the game server picks: uvloop when installed
    asyncio.run(CeilingServer(hz=args.hz, frame_bytes=args.frame_bytes).run(args.host, args.port))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
