"""Helpers for the account tests: a recording WebSocket client and a server run as a real process.

Test modules load this file by path (`load_helpers`), since tests are imported with
`--import-mode=importlib` and are not a package.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import re
import signal
import sys
from collections.abc import Callable
from pathlib import Path

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from makaverse.protocol import (
    PROTOCOL_VERSION,
    AuthOk,
    Error,
    Hello,
    Login,
    Register,
    Snapshot,
    Welcome,
    decode,
    encode,
)
from makaverse.protocol.messages import Message

__all__ = [
    "TEST_MODE_ENV",
    "LISTENING",
    "Client",
    "ServerProcess",
    "request_ids",
    "snapshot_positions",
    "subprocess_env",
]

TEST_MODE_ENV = "MAKAVERSE_TEST_MODE"
LISTENING = re.compile(r"Makaverse server listening on ws://([^:\s]+):(\d+)")

request_ids = itertools.count(1)
_starts = itertools.count(1)


class Client:
    """A WebSocket client whose background reader records every decoded message and the close code."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.received: list[Message] = []
        self.welcome: Welcome | None = None
        self._new = asyncio.Event()
        self.closed = asyncio.Event()
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def connect(cls, port: int, host: str = "127.0.0.1") -> Client:
        # max_queue=None: the reader drains everything, so a slow test never looks like a slow client.
        ws = await connect(f"ws://{host}:{port}/", max_queue=None, open_timeout=10)
        return cls(ws)

    @property
    def close_code(self) -> int | None:
        return self.ws.close_code

    async def _read(self) -> None:
        try:
            async for data in self.ws:
                self.received.append(decode(data))
                self._new.set()
        except ConnectionClosed:
            pass
        finally:
            self.closed.set()
            self._new.set()

    async def send(self, msg: Message) -> None:
        await self.ws.send(encode(msg))

    def mark(self) -> int:
        """A position in the record: `expect(..., since=mark)` looks only at later messages."""
        return len(self.received)

    async def expect(self, pred: Callable[[Message], bool], *, since: int = 0, timeout: float = 5.0) -> Message:
        """The first recorded message from `since` on that satisfies `pred`, waiting for it if need be."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        i = since
        while True:
            self._new.clear()
            while i < len(self.received):
                msg = self.received[i]
                i += 1
                if pred(msg):
                    return msg
            if self.closed.is_set():
                raise AssertionError(f"connection closed ({self.close_code}) before the expected message")
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError("timed out waiting for a message")
            try:
                await asyncio.wait_for(self._new.wait(), remaining)
            except TimeoutError:
                pass

    async def request(self, msg: Register | Login, *, timeout: float = 10.0) -> AuthOk | Error:
        """Send a register or login and return its answer: `auth_ok`, or the `error` naming its request id."""
        since = self.mark()
        await self.send(msg)
        rid = msg.request_id
        return await self.expect(
            lambda m: (isinstance(m, AuthOk) and m.request_id == rid) or (isinstance(m, Error) and m.ref == rid),
            since=since,
            timeout=timeout,
        )

    async def register(self, username: str, password: str, *, timeout: float = 10.0, **kw) -> AuthOk | Error:
        msg = Register(request_id=next(request_ids), username=username, password=password, **kw)
        return await self.request(msg, timeout=timeout)

    async def login(self, username: str, password: str, *, timeout: float = 10.0) -> AuthOk | Error:
        msg = Login(request_id=next(request_ids), username=username, password=password)
        return await self.request(msg, timeout=timeout)

    async def hello(self, token: str = "", name: str = "", *, timeout: float = 10.0) -> Welcome | Error:
        """Say hello; the answer is `welcome` or an `error`."""
        since = self.mark()
        await self.send(Hello(version=PROTOCOL_VERSION, name=name, kind="bot", token=token))
        reply = await self.expect(lambda m: isinstance(m, (Welcome, Error)), since=since, timeout=timeout)
        if isinstance(reply, Welcome):
            self.welcome = reply
        return reply

    async def next_snapshot(self, *, timeout: float = 5.0) -> Snapshot:
        return await self.expect(lambda m: isinstance(m, Snapshot), since=self.mark(), timeout=timeout)

    async def wait_closed(self, timeout: float = 5.0) -> int | None:
        await asyncio.wait_for(self.closed.wait(), timeout)
        return self.close_code

    def abort(self) -> None:
        """Drop the TCP connection without a closing handshake, as a lost network would."""
        self.ws.transport.abort()

    async def dispose(self) -> None:
        """Close quietly, whatever state the connection is in."""
        try:
            await asyncio.wait_for(self.ws.close(), 2.0)
        except (TimeoutError, ConnectionClosed, OSError):
            self.ws.transport.abort()
        self._reader.cancel()


def snapshot_positions(snapshot: Snapshot) -> dict[int, tuple[int, int]]:
    """Avatar id -> (x_cm, y_cm) for every avatar in a snapshot."""
    ids, pos, _, _ = snapshot.arrays()
    return {int(i): (int(p[0]), int(p[1])) for i, p in zip(ids, pos)}


def subprocess_env(**extra: str) -> dict[str, str]:
    """The test's environment without any MAKAVERSE_* setting, plus cheap hashing and `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKAVERSE_")}
    env.update(PYTHONUNBUFFERED="1", **{TEST_MODE_ENV: "1"}, **extra)
    return env


class ServerProcess:
    """`python -m makaverse serve --port 0 --db URL` as a child process; stdout lines are kept."""

    def __init__(self, proc: asyncio.subprocess.Process, port: int, lines: list[str], stderr_path: Path) -> None:
        self.proc = proc
        self.port = port
        self.lines = lines  # stdout up to and including the "listening" line
        self.stderr_path = stderr_path
        self._signalled = False

    def output(self) -> str:
        """What the process printed so far: stdout up to "listening", then all of stderr."""
        return "".join(self.lines) + self.stderr_path.read_text(encoding="utf-8", errors="replace")

    @classmethod
    async def start(cls, db_url: str, workdir: Path, *, env: dict[str, str] | None = None) -> ServerProcess:
        stderr_path = workdir / f"server-{next(_starts)}.stderr"
        log = open(stderr_path, "wb")  # noqa: SIM115 - the child owns it until exit
        try:
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "makaverse", "serve", "--port", "0", "--db", db_url, "--log-format", "text",
                stdout=asyncio.subprocess.PIPE,
                stderr=log,
                env=env or subprocess_env(),
                cwd=workdir,
            )
        finally:
            log.close()
        lines: list[str] = []
        try:
            while True:
                raw = await asyncio.wait_for(proc.stdout.readline(), 60.0)
                if not raw:
                    raise AssertionError(f"server exited before listening: {lines!r}")
                line = raw.decode()
                lines.append(line)
                m = LISTENING.search(line)
                if m:
                    return cls(proc, int(m.group(2)), lines, stderr_path)
        except BaseException:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
            raise

    async def terminate(self, timeout: float = 15.0) -> int:
        """SIGTERM, then wait for the process to exit; returns its exit code."""
        self.proc.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(self.proc.wait(), timeout)
        except TimeoutError:
            self.kill9()
            raise

    def kill9(self) -> None:
        """SIGKILL at once (no await, so it can be called the instant a reply arrives).

        Sent once only: a second `kill()` polls the child, which can reap it before asyncio's
        child watcher does, and the watcher then reports 255 instead of -9.
        """
        if not self._signalled and self.proc.returncode is None:
            self._signalled = True
            self.proc.kill()

    async def ensure_stopped(self) -> None:
        self.kill9()
        await self.proc.wait()

