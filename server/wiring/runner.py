"""The effect runner: the only code that carries out what room components ask for.

Replies and pushes go onto connections' bounded queues; store calls run on worker threads, never
on the event loop, and calls on one lane (ticket snapshots, service request submissions) run in
order, consecutive calls of a batched method in one batch: everything queued while the previous
batch was committing goes in the next one (a group commit), and each caller gets its own part of
the answer only after that commit; bus messages are published in the background; a handler that waits for an answer is
resumed with it. A failure becomes an `error` (carrying the command's ref) through `errors`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar

from makaverse.protocol import encode

from ..bus import Bus, BusError
from ..rooms.effects import (
    Announce,
    Call,
    Close,
    Deliver,
    Effects,
    Move,
    Pending,
    Publish,
    Push,
    Reply,
    Request,
    ToAccount,
    Write,
)
from ..store import StoreError, Unavailable
from .errors import outcome_of
from .players import Players
from .store_ops import OPS

__all__ = ["EffectRunner", "now_ms"]

T = TypeVar("T")
log = logging.getLogger("makaverse.effects")

# Store methods that take one list, merged across consecutive calls on a lane, up to this many items:
# (a town hall's attendance, stage lines and votes: hundreds at once on the event's lane)
_BATCHED = {"save_tickets": 200, "save_event_records": 500}  # ... returning the items refused (each caller its own)
_GROUPED = {"create_service_requests": 500}  # ... returning one answer per item, in order (each caller its slice)


def now_ms() -> int:
    return int(time.time() * 1000)


class _Lane:
    """Store calls that must not overtake each other, run one batch at a time on one task."""

    def __init__(self, runner: EffectRunner) -> None:
        self.runner = runner
        self.pending: deque[tuple[Call, asyncio.Future]] = deque()
        self.task: asyncio.Task | None = None

    def submit(self, call: Call) -> asyncio.Future:
        future = asyncio.get_running_loop().create_future()
        self.pending.append((call, future))
        if self.task is None or self.task.done():
            self.task = self.runner.spawn(self._run(), "lane")
        return future

    async def _run(self) -> None:
        while self.pending:
            call, future = self.pending.popleft()
            batch = [(call, future)]
            limit = _BATCHED.get(call.method) or _GROUPED.get(call.method)
            if limit:
                size = len(call.args[0])
                while self.pending and self.pending[0][0].method == call.method and size < limit:
                    batch.append(self.pending.popleft())
                    size += len(batch[-1][0].args[0])
            items = [item for c, _ in batch for item in c.args[0]] if len(batch) > 1 else None
            try:
                if items is None:
                    result = await self.runner.store_call(call)
                else:
                    result = await self.runner.store_call(Call(call.method, (items,)))
            except Exception as exc:  # a StoreError, or the pool shut down with the server
                err = exc if isinstance(exc, StoreError) else StoreError(type(exc).__name__)
                for _, f in batch:
                    if not f.done():
                        f.set_exception(err)
                continue
            if items is None:
                if not future.done():
                    future.set_result(result)
                continue
            if call.method in _GROUPED:
                start = 0
                for c, f in batch:
                    end = start + len(c.args[0])
                    if not f.done():
                        f.set_result(result[start:end])
                    start = end
                continue
            refused = set(map(id, result))
            for c, f in batch:
                if not f.done():
                    f.set_result([r for r in c.args[0] if id(r) in refused])


class EffectRunner:
    def __init__(
        self,
        players: Players,
        *,
        store: Any = None,
        bus: Bus,
        move: Callable[[Move], None],
        db_workers: int = 4,
    ) -> None:
        # Another process's accounts (set when several processes share a Redis): pushes and
        # deliveries to an account nobody here holds go to the process that holds it.
        self.remote: Any = None
        self.players = players
        self.store = store
        self.bus = bus
        self._move = move
        # The tick never waits on the database: store calls run on these threads.
        self._db_pool = ThreadPoolExecutor(max_workers=db_workers, thread_name_prefix="db")
        self._lanes: dict[str, _Lane] = {}
        self._tasks: set[asyncio.Task] = set()

    # ── running effects ──────────────────────────────────────────────────────
    async def run(
        self, fx: Effects, *, conn_id: int = 0, what: str = "", relay: Callable[[Effects], Effects] | None = None
    ) -> None:
        """Carry out `fx`, waiting for each request and resuming its handler, until it is done.
        `relay` rewrites each step's effects first (replies to someone in another copy of a hall
        go down the bus), the error reply included."""
        rest = self.start(fx, conn_id=conn_id, what=what, relay=relay)
        if rest is not None:
            await rest

    def start(
        self, fx: Effects, *, conn_id: int = 0, what: str = "", relay: Callable[[Effects], Effects] | None = None
    ) -> Coroutine[Any, Any, None] | None:
        """`run`, with its first step done now: what `fx` does at once is done before this returns
        (a stage line is out), and only a handler that waits leaves the rest to await (None when
        it is done). A command that waits for nothing then costs no task and no turn of the loop,
        which in a poll's burst of thousands of votes is what keeps a stage line from waiting
        behind them turn after turn."""
        pending = self._step(fx, conn_id, what, relay)
        return None if pending is None else self._rest(pending, conn_id, what, relay)

    def _step(
        self, fx: Effects, conn_id: int, what: str, relay: Callable[[Effects], Effects] | None
    ) -> Pending | None:
        if relay is not None:
            fx = relay(fx)
        self.apply(fx)
        if fx.failure is not None:
            if relay is None:
                self.fail(fx.failure, ref=fx.ref, conn_id=conn_id, what=what)
            else:
                refusal = Effects(fx.ref)
                outcome = outcome_of(fx.failure, ref=fx.ref, conn_id=conn_id, what=what)
                refusal.out.append(Reply(conn_id, outcome.error))
                self.apply(relay(refusal))
            return None
        return fx.pending

    def proceed(
        self, fx: Effects, *, conn_id: int = 0, what: str = "", relay: Callable[[Effects], Effects] | None = None
    ) -> None:
        """`start`, with nothing to await: a handler waiting on a store call is resumed in the
        callback of the call's answer, not by a task of its own (any other wait still gets one).
        The events authority takes a poll's thousands of forwarded votes this way: a task each
        (and its coroutines, all alive until the batch's commit) was most of what a vote cost
        there, and what set off the collector's full walks."""
        pending = self._step(fx, conn_id, what, relay)
        if pending is not None:
            self._wait(pending, conn_id, what, relay)

    def _wait(self, pending: Pending, conn_id: int, what: str, relay: Callable[[Effects], Effects] | None) -> None:
        if not isinstance(pending.request, Call):
            self.spawn(self._rest(pending, conn_id, what, relay), what or "effects")
            return
        future = self._submit(pending.request)
        future.add_done_callback(partial(self._answered, pending, conn_id, what, relay))

    def _answered(
        self, pending: Pending, conn_id: int, what: str, relay: Callable[[Effects], Effects] | None,
        future: asyncio.Future,
    ) -> None:
        if future.cancelled():  # the server stopping: as a task cancelled with it
            return
        error = future.exception()
        answer = None if error is not None else future.result()
        try:
            following = self._step(pending.resume(answer, error, now_ms()), conn_id, what, relay)
            if following is not None:
                self._wait(following, conn_id, what, relay)
        except Exception:
            log.exception(f"{what or 'effects'}_failed")

    async def _rest(
        self, pending: Pending | None, conn_id: int, what: str, relay: Callable[[Effects], Effects] | None
    ) -> None:
        while pending is not None:
            try:
                answer, error = await self.perform(pending.request), None
            except Exception as exc:
                answer, error = None, exc
            pending = self._step(pending.resume(answer, error, now_ms()), conn_id, what, relay)

    def run_soon(self, fx: Effects, *, what: str = "") -> None:
        """Carry out effects nobody waits for (ticks, hooks): immediate ones now, the rest in the background."""
        if fx.pending is None and fx.failure is None:
            self.apply(fx)
        else:
            self.spawn(self.run(fx, what=what), what or "effects")

    def fail(self, exc: BaseException, *, ref: int, conn_id: int, what: str = "") -> None:
        """The one path from an exception to the peer: an error naming `ref`, maybe a close."""
        outcome = outcome_of(exc, ref=ref, conn_id=conn_id, what=what)
        player = self.players.by_conn.get(conn_id)
        if player is None:
            return
        player.send(outcome.error)
        if outcome.close is not None:
            player.session.conn.drop(outcome.close, outcome.error.code)

    def apply(self, fx: Effects) -> None:
        """The effects to do now, in order; none of them waits."""
        players = self.players
        for effect in fx.out:
            if isinstance(effect, Push):
                msg = effect.msg
                if not isinstance(msg, bytes):
                    original = msg
                    targets = list(players.resolve(effect.target))
                    if len(targets) > 1:
                        msg = encode(msg)  # encode once for many receivers
                    for player in targets:
                        player.send(msg)
                    if not targets and self.remote is not None and isinstance(effect.target, ToAccount):
                        self.remote.push_account(effect.target.account_id, encode(original))
                else:
                    sent = False
                    for player in players.resolve(effect.target):
                        sent = True
                        player.send(msg)
                    if not sent and self.remote is not None and isinstance(effect.target, ToAccount):
                        self.remote.push_account(effect.target.account_id, msg)
            elif isinstance(effect, Reply):
                sender = players.by_conn.get(effect.conn_id)
                if sender is not None:
                    sender.send(effect.msg)
            elif isinstance(effect, Write):
                if self.store is None:
                    continue  # a server without a store keeps nothing (tests, benches)
                future = self._submit(effect.call)
                future.add_done_callback(_log_write_failure)
            elif isinstance(effect, Publish):
                rest = self.bus.post(effect.channel, effect.payload, at_once=effect.at_once)
                if rest is not None:
                    self.spawn(rest, "publish")
            elif isinstance(effect, Close):
                for player in list(players.resolve(effect.target)):
                    player.logged_out = True  # removed: no reconnect grace
                    player.session.conn.drop(effect.code, effect.reason)
            elif isinstance(effect, Move):
                self._move(effect)

    async def perform(self, request: Request) -> Any:
        if isinstance(request, Call):
            return await self._submit(request)
        if isinstance(request, Deliver):
            if any([player.send(request.msg) for player in self.players.resolve(request.target)]):
                return True
            target = request.target
            if self.remote is not None and isinstance(target, ToAccount):
                data = request.msg if isinstance(request.msg, bytes) else encode(request.msg)
                return bool(await self.remote.deliver_account(target.account_id, data))
            return False
        if isinstance(request, Announce):
            try:
                await self.bus.publish(request.channel, request.payload)
            except BusError:
                log.exception("bus_publish_failed")
                return False
            return True
        raise TypeError(f"unknown request {request!r}")

    # ── the store, off the loop ──────────────────────────────────────────────
    def _submit(self, call: Call) -> asyncio.Future:
        if call.lane:
            lane = self._lanes.get(call.lane)
            if lane is None:
                lane = self._lanes[call.lane] = _Lane(self)
            return lane.submit(call)
        return asyncio.ensure_future(self.store_call(call))

    async def store_call(self, call: Call) -> Any:
        if self.store is None:
            raise Unavailable("no store")
        op = OPS.get(call.method)
        if op is not None:
            return await self.db(op, self.store, *call.args, **call.kwargs)
        return await self.db(getattr(self.store, call.method), *call.args, **call.kwargs)

    async def db(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._db_pool, partial(fn, *args, **kwargs))

    # ── background work ──────────────────────────────────────────────────────
    def spawn(self, coro: Coroutine[Any, Any, Any], what: str) -> asyncio.Task:
        """Run in the background; failures are logged, never raised into the tick."""

        async def guarded() -> Any:
            try:
                return await coro
            except Exception:
                log.exception(f"{what}_failed")
                return None

        task = asyncio.get_running_loop().create_task(guarded(), name=what)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def drain(self, timeout_s: float = 2.0) -> None:
        """Wait a little for background work (the last chat lines, ticket snapshots) before stopping."""
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=timeout_s)

    def close(self) -> None:
        self._db_pool.shutdown(wait=True, cancel_futures=False)


def _log_write_failure(future: asyncio.Future) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.error("store_write_failed", extra={"fields": {"error": type(future.exception()).__name__}})
