"""A host for client tests of town-hall events: one WebSocket connection, logged in with a host
account, that schedules, opens and runs an event while a real client takes part. Synchronous
(a reader thread keeps everything that arrives); every wait is bounded."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable

from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from makaverse.protocol import (
    MAX_FRAME_BYTES,
    PROTOCOL_VERSION,
    AuthOk,
    Error,
    Hello,
    Login,
    Message,
    Welcome,
    decode,
    encode,
)

__all__ = ["Host"]


class Host:
    def __init__(self, url: str, username: str, password: str, *, timeout_s: float = 60.0) -> None:
        self.timeout_s = timeout_s
        self.ws = connect(url, max_size=MAX_FRAME_BYTES, compression=None, proxy=None, open_timeout=30.0).__enter__()
        self._ids = itertools.count(1)
        self.ws.send(encode(Login(request_id=next(self._ids), username=username, password=password)))
        reply = decode(self.ws.recv(timeout=timeout_s))
        if not isinstance(reply, AuthOk):
            raise RuntimeError(f"login refused: {reply}")
        self.ws.send(encode(Hello(version=PROTOCOL_VERSION, name=username, kind="bot", token=reply.token)))
        while True:
            msg = decode(self.ws.recv(timeout=timeout_s))
            if isinstance(msg, Welcome):
                break
            if isinstance(msg, Error):
                raise RuntimeError(f"hello refused: {msg.code}")
        self.got: list[Message] = []
        self._cond = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        try:
            for data in self.ws:
                msg = decode(data)  # type: ignore[arg-type]
                with self._cond:
                    self.got.append(msg)
                    self._cond.notify_all()
        except (ConnectionClosed, OSError):
            pass

    def rid(self) -> int:
        return next(self._ids) + 1000

    def wait(self, check: Callable[[Message], bool], *, since: int = 0, timeout_s: float | None = None) -> Message:
        """The first message from index `since` on for which `check` holds (waits for it)."""
        deadline = time.monotonic() + (timeout_s or self.timeout_s)
        with self._cond:
            while True:
                for msg in self.got[since:]:
                    if check(msg):
                        return msg
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no such message; last: {[type(m).__name__ for m in self.got[-8:]]}")
                self._cond.wait(left)

    def ask(self, build: Callable[[int], Message]) -> Message:
        """Send a command and wait for its answer (by request id, or an error by its ref)."""
        rid = self.rid()
        mark = len(self.got)
        self.ws.send(encode(build(rid)))
        return self.wait(lambda m: getattr(m, "request_id", None) == rid or isinstance(m, Error) and m.ref == rid,
                         since=mark)

    def send(self, msg: Message) -> None:
        self.ws.send(encode(msg))

    def close(self) -> None:
        try:
            self.ws.close()
        except Exception:  # noqa: BLE001 - closing anyway
            pass
