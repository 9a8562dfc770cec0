"""The one integration harness: a recording WebSocket client, game servers on port 0 over a
seeded SQLite file (stopped after the test), people who register, log in or enter as guests, and
a server run as a real process.

Test modules import it as `harness` (pyproject puts `tests/integration` on the path; tests are
imported with `--import-mode=importlib` and are not a package). `conftest.py` turns the pieces
into fixtures.
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
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from makaverse.protocol import (
    PROTOCOL_VERSION,
    AuthOk,
    AvatarEnter,
    AvatarLeave,
    Error,
    Hello,
    Input,
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
    "GATEWAYS_ENV",
    "TEST_SETTINGS",
    "PASSWORD",
    "LISTENING",
    "Client",
    "People",
    "ServerProcess",
    "Servers",
    "ask",
    "eventually",
    "request_ids",
    "ticks_pass",
    "seed_database",
    "KTP",
    "snapshot_positions",
    "subprocess_env",
]

# Fast clocks keep the suite quick; everything else is the server's default.
TEST_SETTINGS = dict(host="127.0.0.1", port=0, tick_hz=40, snapshot_hz=40, log_format="text")
PASSWORD = "pisang-epe-2024"
# A valid KTP-el application at DUKCAPIL (the seeded service's fields).
KTP = {
    "nik": "7371012345678901",
    "nama_lengkap": "Andi Baso",
    "jenis_permohonan": "Hilang",
    "kecamatan": "Tamalate",
    "no_hp": "0812 3456 7890",
}

TEST_MODE_ENV = "MAKAVERSE_TEST_MODE"
# How long a client waits for a message by default: a hang guard, not a speed requirement (a
# reply takes milliseconds; on a machine busy with two test workers and more, a commit's fsync
# alone has taken seconds).
WAIT_S = 15.0
LISTENING = re.compile(r"Makaverse server listening on ws://([^:\s]+):(\d+)")

request_ids = itertools.count(1)
_starts = itertools.count(1)


class Client:
    """A WebSocket client whose background reader records every decoded message and the close code."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.received: list[Message] = []
        self.welcome: Welcome | None = None
        self.auth: AuthOk | Error | None = None
        self._new = asyncio.Event()
        self.closed = asyncio.Event()
        self._turns = 0  # inputs sent by `fresh_snapshot`
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def connect(cls, target: Any, host: str = "127.0.0.1", **kw: Any) -> Client:
        """Connect to a server (anything with a `port`) or a port number."""
        port = target if isinstance(target, int) else target.port
        # max_queue=None: the reader drains everything, so a slow test never looks like a slow client.
        ws = await connect(f"ws://{host}:{port}/", max_queue=None, open_timeout=10, **kw)
        return cls(ws)

    @classmethod
    async def join(cls, server: Any, name: str = "Tester") -> Client:
        """Connect and enter as a guest."""
        client = await cls.connect(server)
        welcome = await client.hello(name=name)
        assert isinstance(welcome, Welcome), welcome
        return client

    @property
    def avatar_id(self) -> int:
        assert self.welcome is not None
        return self.welcome.avatar_id

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

    async def send_raw(self, data: bytes | str) -> None:
        await self.ws.send(data)

    def mark(self) -> int:
        """A position in the record: `expect(..., since=mark)` looks only at later messages."""
        return len(self.received)

    async def expect(self, pred: Callable[[Message], bool], *, since: int = 0, timeout: float = WAIT_S) -> Message:
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

    async def request(self, msg: Register | Login, *, timeout: float = WAIT_S) -> AuthOk | Error:
        """Send a register or login and return its answer: `auth_ok`, or the `error` naming its request id."""
        since = self.mark()
        await self.send(msg)
        rid = msg.request_id
        return await self.expect(
            lambda m: (isinstance(m, AuthOk) and m.request_id == rid) or (isinstance(m, Error) and m.ref == rid),
            since=since,
            timeout=timeout,
        )

    async def register(self, username: str, password: str, *, timeout: float = WAIT_S, **kw) -> AuthOk | Error:
        msg = Register(request_id=next(request_ids), username=username, password=password, **kw)
        return await self.request(msg, timeout=timeout)

    async def login(self, username: str, password: str, *, timeout: float = WAIT_S) -> AuthOk | Error:
        msg = Login(request_id=next(request_ids), username=username, password=password)
        return await self.request(msg, timeout=timeout)

    async def hello(self, token: str = "", name: str = "", *, timeout: float = WAIT_S) -> Welcome | Error:
        """Say hello; the answer is `welcome` or an `error`."""
        since = self.mark()
        await self.send(Hello(version=PROTOCOL_VERSION, name=name, kind="bot", token=token))
        reply = await self.expect(lambda m: isinstance(m, (Welcome, Error)), since=since, timeout=timeout)
        if isinstance(reply, Welcome):
            self.welcome = reply
        return reply

    async def next_snapshot(self, *, timeout: float = WAIT_S) -> Snapshot:
        """The first snapshot after the last `avatar_enter` or `avatar_leave` received so far
        (waiting for it if it has not come yet): the view with that news in it. A viewer whose view
        has not changed gets no snapshot at all, so this waits for nothing that may never come."""
        since = max((i + 1 for i, m in enumerate(self.received) if isinstance(m, (AvatarEnter, AvatarLeave))),
                    default=0)
        return await self.expect(lambda m: isinstance(m, Snapshot), since=since, timeout=timeout)

    async def fresh_snapshot(self, *, timeout: float = WAIT_S) -> Snapshot:
        """A snapshot of a tick from now on: the client turns its standing avatar (an
        input with no direction and a new yaw) and waits for the snapshot that acknowledges it, so
        the server's tick runs and this client is still served. Its `seq` is far above any a test
        counts itself."""
        self._turns += 1
        seq = 2_000_000_000 + self._turns
        me = self.welcome.avatar_id if self.welcome is not None else -1

        def shows_me(m: Message) -> bool:
            return isinstance(m, Snapshot) and me in m.arrays()[0].tolist()

        # A quarter turn from the facing last seen (a turn to where it faces is no turn); the
        # first snapshot always comes, if it has not yet.
        last = next((m for m in reversed(self.received) if shows_me(m)), None)
        if last is None:
            last = await self.expect(shows_me, timeout=timeout)
        assert isinstance(last, Snapshot)
        ids, _, yaws, _ = last.arrays()
        yaw = (int(yaws[ids.tolist().index(me)]) + 16384) % 65536
        mark = self.mark()
        await self.send(Input(seq=seq, move_x=0.0, move_y=0.0, yaw=yaw))
        return await self.expect(lambda m: isinstance(m, Snapshot) and m.ack_seq >= seq, since=mark, timeout=timeout)

    async def wait_closed(self, timeout: float = WAIT_S) -> int | None:
        await asyncio.wait_for(self.closed.wait(), timeout)
        return self.close_code

    async def close(self) -> None:
        await self.ws.close()
        await self.wait_closed()

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


async def eventually(check: Callable[[], bool], *, timeout_s: float = 30.0, poll_s: float = 0.02) -> None:
    """Wait until `check()` holds. The timeout is only a safety net for a hang, never a speed
    requirement: a loaded machine takes longer and still passes."""
    loop = asyncio.get_running_loop()
    give_up_at = loop.time() + timeout_s
    while not check():
        if loop.time() > give_up_at:
            raise AssertionError(f"still not true after {timeout_s} s: {check}")
        await asyncio.sleep(poll_s)


async def ticks_pass(sim: Any, n: int = 3, *, timeout_s: float = 30.0) -> None:
    """Wait until the simulation has stepped `n` more ticks (however long those take on this machine)."""
    until = sim.tick + n
    await eventually(lambda: sim.tick >= until, timeout_s=timeout_s)


async def ask(client: Client, msg: Message, *, timeout: float = WAIT_S) -> Message:
    """Send a command and return its reply: the first message carrying its request id (or an error naming it)."""
    since = client.mark()
    await client.send(msg)
    rid = msg.request_id  # type: ignore[attr-defined]
    return await client.expect(
        lambda m: getattr(m, "request_id", None) == rid or (isinstance(m, Error) and m.ref == rid),
        since=since,
        timeout=timeout,
    )


def seed_database(path: Path, monkeypatch: Any, *, admin_password: str = PASSWORD) -> str:
    """A migrated, seeded SQLite file with its admin (cheap password hashing in this process); its URL."""
    from makaverse.server.admin.seed import ADMIN_PASSWORD_ENV
    from makaverse.server.app import open_store

    monkeypatch.setenv(TEST_MODE_ENV, "1")
    monkeypatch.setenv(ADMIN_PASSWORD_ENV, admin_password)
    url = f"sqlite:///{path}"
    open_store(url).dispose()
    return url


GATEWAYS_ENV = "MAKAVERSE_TEST_GATEWAYS"  # run the integration tests against `--gateways N` servers


class Servers:
    """Game servers in the test's event loop on port 0; `stop_all` after the test.

    `gateways` (default: $MAKAVERSE_TEST_GATEWAYS, else 0) starts each with that many gateway
    processes holding its connections, so any test can run against gateway mode too."""

    def __init__(self, world: Any, *, gateways: int | None = None) -> None:
        self.world = world
        self.running: list[Any] = []
        self.gateways = int(os.environ.get(GATEWAYS_ENV) or 0) if gateways is None else gateways

    async def start(
        self, db_url: str | None = None, *, clock: Any = None, prepare: Any = None, **options: Any
    ) -> Any:
        """A server (with a store and accounts when `db_url` is given); `options` are settings
        overrides, or `chat=`/`booths=` component configs."""
        from makaverse.server.accounts import Accounts
        from makaverse.server.settings import Settings
        from makaverse.server.store import Store, utc_now
        from makaverse.server.wiring import GameServer

        components = {k: options.pop(k) for k in ("chat", "booths") if k in options}
        store = Store(db_url, clock=clock or utc_now) if db_url else None
        options.setdefault("gateways", self.gateways)
        settings = Settings(**{**TEST_SETTINGS, **({"db_url": db_url} if db_url else {}), **options})
        server = GameServer(
            settings,
            self.world,
            store=store,
            accounts=Accounts(store) if store is not None else None,
            seed=len(self.running) + 1,
            **components,
        )
        if prepare is not None:
            prepare(server)
        await server.start()
        self.running.append(server)
        return server

    async def stop(self, server: Any) -> None:
        self.running.remove(server)
        await server.stop()

    async def stop_all(self) -> None:
        for server in self.running:
            await server.stop()
        self.running.clear()


class People:
    """Clients closed after the test: `connect`, `guest`, `citizen` (registers), `member` (logs
    in), `staff` (created in the store, then logs in), all in the world unless told otherwise."""

    def __init__(self, *, display_name: Callable[[str], str] = lambda username: "") -> None:
        self.made: list[Client] = []
        self.display_name = display_name

    async def connect(self, server: Any, **kw: Any) -> Client:
        client = await Client.connect(server, **kw)
        self.made.append(client)
        return client

    async def join(self, server: Any, name: str = "Tester") -> Client:
        client = await Client.join(server, name)
        self.made.append(client)
        return client

    async def enter(self, client: Client, token: str = "", name: str = "") -> Client:
        if not isinstance(client, Client):  # a server: connect first
            client = await self.connect(client)
        welcome = await client.hello(token=token, name=name)
        assert isinstance(welcome, Welcome), welcome
        return client

    async def guest(self, server: Any, name: str = "Pengunjung") -> Client:
        return await self.enter(await self.connect(server), name=name)

    async def citizen(self, server: Any, username: str, display_name: str | None = None, *, enter: bool = True) -> Client:
        client = await self.connect(server)
        name = self.display_name(username) if display_name is None else display_name
        client.auth = await client.register(username, PASSWORD, display_name=name)
        assert isinstance(client.auth, AuthOk), client.auth
        return await self.enter(client, client.auth.token) if enter else client

    async def member(self, server: Any, username: str, password: str = PASSWORD) -> Client:
        client = await self.connect(server)
        client.auth = await client.login(username, password)
        assert isinstance(client.auth, AuthOk), client.auth
        return await self.enter(client, client.auth.token)

    async def staff(self, server: Any, username: str, opd: str) -> Client:
        from makaverse.server.accounts import Accounts

        await asyncio.get_running_loop().run_in_executor(
            None,
            lambda: Accounts(server.store).create_user(
                username=username, password=PASSWORD, role="staff", opd_code=opd, display_name=username.title()
            ),
        )
        client = await self.member(server, username)
        assert client.auth.role == "staff", client.auth
        return client

    async def dispose(self) -> None:
        for client in self.made:
            client.ws.transport.resume_reading()  # in case a test paused it
            await client.dispose()
        self.made.clear()


def snapshot_positions(snapshot: Snapshot) -> dict[int, tuple[int, int]]:
    """Avatar id -> (x_cm, y_cm) for every avatar in a snapshot."""
    ids, pos, _, _ = snapshot.arrays()
    return {int(i): (int(p[0]), int(p[1])) for i, p in zip(ids, pos, strict=True)}


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

