"""Several server processes on one Redis and one store: the instance directory, the hand-offs of
redirected clients, and pushes to an account another process holds.

What lives in Redis (every key under the settings' `redis_prefix`):

- `proc:<id>`: a process's directory entry (JSON: its URL, its instances with count and
  capacity), written every `heartbeat_s`, expiring `ttl_s` after the last write;
- `accounts:<id>`: the set of accounts with an avatar on that process (connected or in their
  grace), with the same lifetime;
- `handoff:<sha256 of the token>`: where a redirected client is going and who it is, for
  `HANDOFF_TTL_S`, read once;
- `seq:process`: each start takes a number, which gives it its own range of avatar ids;
- `seq:copy:<hall>`: overflow copies' numbers, unique across processes;
- `desk`: the id of the process running the booth desk (ticket queues and counters, one per
  city), taken with SET NX by the first process hosting the booths and renewed by its heartbeat
  with the same lifetime as its entry (whose `desk` is then true), only while it is still its own.

On the bus, channel `proc.<id>` carries what is addressed to one process: a push to an account
it holds. A process that dies stops renewing its keys, so within `ttl_s` its instances leave the
directory and its accounts count as offline.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import time
from collections.abc import Callable
from typing import Any

from .bus import Bus, BusError

__all__ = ["Cluster", "HANDOFF_TTL_S", "read_directory", "process_channel"]

log = logging.getLogger("makaverse.cluster")

HANDOFF_TTL_S = 30.0
DESK_CLAIM_S = 30.0  # the desk's claim until the first heartbeat renews it
AVATAR_ID_RANGE = 1 << 20  # avatar ids per process start: 4,096 ranges fit in a uint32
_COPY_POOL = 2  # copy numbers reserved ahead, so opening a copy never waits on Redis
MAX_CONNECTIONS = 50  # to Redis at once; more calls than this wait their turn

# The desk's heartbeat renews its claim only while the claim is still its own (or written again
# when Redis has forgotten it): a process cut off longer than the claim's lifetime may find that
# another took the desk meanwhile, and must not take it back. Leaving drops only its own claim.
_RENEW_DESK = """
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] or not holder then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
"""
_DROP_DESK = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


def process_channel(process_id: str) -> str:
    return f"proc.{process_id}"


def _token_key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _now_ms() -> int:
    return int(time.time() * 1000)


async def read_directory(redis: Any, prefix: str) -> list[dict[str, Any]]:
    """Every live process's entry, by id."""
    keys = [k async for k in redis.scan_iter(match=f"{prefix}proc:*", count=200)]
    if not keys:
        return []
    out = []
    for raw in await redis.mget(keys):
        if raw is None:
            continue  # expired between the scan and the read
        with contextlib.suppress(ValueError):
            entry = json.loads(raw)
            if isinstance(entry, dict) and "id" in entry:
                out.append(entry)
    return sorted(out, key=lambda e: str(e["id"]))


class Cluster:
    """This process's membership: it heartbeats its entry, keeps the last view of everyone's, and
    answers where an instance or an account is. Lookups of the view never wait on Redis."""

    def __init__(
        self,
        redis_url: str,
        bus: Bus,
        *,
        prefix: str,
        process_id: str,
        public_url: str,
        entry: Callable[[], dict[str, Any]],
        accounts: Callable[[], list[int]],
        heartbeat_s: float = 1.0,
        ttl_s: float = 5.0,  # several missed beats: a busy process is not taken for dead
        timeout_s: float = 2.0,
    ) -> None:
        import redis.asyncio as redis_asyncio

        # A burst (hundreds redirected at once, each with its hand-off) waits up to `timeout_s` for
        # one of the pool's connections instead of failing at once when all are in use.
        pool = redis_asyncio.BlockingConnectionPool.from_url(
            redis_url, max_connections=MAX_CONNECTIONS, timeout=timeout_s,
            socket_connect_timeout=timeout_s, socket_timeout=timeout_s,
        )
        self._redis = redis_asyncio.Redis(connection_pool=pool)
        self.bus = bus
        self.prefix = prefix
        self.process_id = process_id
        self.public_url = public_url
        self._entry = entry
        self._accounts = accounts
        self.heartbeat_s = heartbeat_s
        self.ttl_s = ttl_s
        self.view: dict[str, dict[str, Any]] = {}  # process id -> its entry (this one included)
        self.slot = 0
        self.beats = 0
        self.healthy = True  # the last heartbeat reached Redis
        self._copies: dict[str, list[int]] = {}
        self._spare_copy = 0
        self._task: asyncio.Task[None] | None = None
        self._started_ms = _now_ms()
        self._pending: set[asyncio.Task] = set()
        self.desk = False  # this process runs the booth desk (claimed at start)
        # Called once when a heartbeat finds another process holding the desk this one had.
        self.on_desk_lost: Callable[[], None] | None = None

    # ── lifecycle ────────────────────────────────────────────────────────────
    async def start(self, halls: list[str]) -> None:
        self.slot = int(await self._redis.incr(self._key("seq:process"))) % (4096 - 1) + 1
        for hall in halls:
            self._copies[hall] = []
        await self.beat()
        self._task = asyncio.get_running_loop().create_task(self._run(), name="cluster-heartbeat")

    async def claim_desk(self) -> bool:
        """Take the booth desk unless another live process holds it; True when this one has it
        (also after a restart under the same process id, before the old claim expired)."""
        key = self._key("desk")
        # Long enough to load and start listening; the heartbeats renew it with the entry's lifetime.
        taken = await self._redis.set(key, self.process_id, nx=True, px=int(max(self.ttl_s, DESK_CLAIM_S) * 1000))
        holder = self.process_id if taken else await self._redis.get(key)
        if isinstance(holder, bytes):
            holder = holder.decode()
        self.desk = holder == self.process_id
        return self.desk

    @property
    def first_avatar_id(self) -> int:
        return self.slot * AVATAR_ID_RANGE + 1

    async def close(self) -> None:
        """Leave the directory at once (a clean stop), then drop the connection."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        with contextlib.suppress(Exception):
            async with asyncio.timeout(2.0):
                await self._redis.delete(self._key(f"proc:{self.process_id}"), self._key(f"accounts:{self.process_id}"))
                if self.desk:  # the next process to start with the booths takes the desk
                    await self._redis.eval(_DROP_DESK, 1, self._key("desk"), self.process_id)
        with contextlib.suppress(Exception):
            await self._redis.aclose()

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_s)
            try:
                await self.beat()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                # Redis away: our entry expires, others' too; this process keeps serving its own.
                if self.healthy:
                    log.warning("cluster_heartbeat_failed", extra={"fields": {"error": type(exc).__name__}})
                self.healthy = False
                continue
            if not self.healthy:
                log.info("cluster_heartbeat_restored")
            self.healthy = True

    async def beat(self) -> None:
        """Write this process's entry and account set (with their TTL), top up the copy numbers,
        and read everyone's entries."""
        ttl_ms = int(self.ttl_s * 1000)
        if self.desk and not await self._redis.eval(_RENEW_DESK, 1, self._key("desk"), self.process_id, ttl_ms):
            self.desk = False
            log.warning("booth_desk_lost")  # another process runs the desk now: commands go there
            if self.on_desk_lost is not None:
                self.on_desk_lost()
        entry = {**self._entry(), "id": self.process_id, "url": self.public_url, "at_ms": _now_ms(),
                 "started_ms": self._started_ms, "desk": self.desk}
        accounts_key = self._key(f"accounts:{self.process_id}")
        accounts = self._accounts()
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(self._key(f"proc:{self.process_id}"), json.dumps(entry, separators=(",", ":")), px=ttl_ms)
            pipe.delete(accounts_key)
            if accounts:
                pipe.sadd(accounts_key, *accounts)
                pipe.pexpire(accounts_key, ttl_ms)
            await pipe.execute()
        for hall, pool in self._copies.items():
            while len(pool) < _COPY_POOL:
                pool.append(int(await self._redis.incr(self._key(f"seq:copy:{hall}"))) + 1)
        view = {str(e["id"]): e for e in await read_directory(self._redis, self.prefix)}
        view[self.process_id] = entry  # always see ourselves, even when a read raced the write
        self.view = view
        self.beats += 1

    def _key(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def _spawn(self, coro: Any, what: str) -> None:
        async def guarded() -> None:
            try:
                await coro
            except Exception as exc:  # the next heartbeat puts it right
                log.debug(f"{what}_failed", extra={"fields": {"error": type(exc).__name__}})

        task = asyncio.get_running_loop().create_task(guarded())
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    # ── the directory ────────────────────────────────────────────────────────
    def others(self) -> list[dict[str, Any]]:
        return [e for pid, e in sorted(self.view.items()) if pid != self.process_id]

    def host_of(self, instance_id: str) -> dict[str, Any] | None:
        """Another process hosting the instance (from the last view), or None."""
        for entry in self.others():
            if any(i.get("id") == instance_id for i in entry.get("instances", ())):
                return entry
        return None

    def desk_host(self) -> dict[str, Any] | None:
        """The other live process running the booth desk (from the last view), or None."""
        return next((e for e in self.others() if e.get("desk")), None)

    def instances_elsewhere(self) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        """(process entry, instance entry) for every instance another process hosts."""
        return [(e, i) for e in self.others() for i in e.get("instances", ())]

    @staticmethod
    def room_of(entry: dict[str, Any]) -> int:
        return int(entry.get("capacity", 0)) - int(entry.get("clients", 0))

    def next_copy_number(self, hall: str) -> int:
        """A copy number nobody else will use: reserved ahead, or (Redis away) one of this
        process's own range."""
        pool = self._copies.setdefault(hall, [])
        if pool:
            return pool.pop(0)
        self._spare_copy += 1
        return 100_000 + self.slot * 1_000 + self._spare_copy

    # ── accounts ─────────────────────────────────────────────────────────────
    def account_here(self, account_id: int, present: bool) -> None:
        """Say at once that an account arrived or left (the heartbeat rewrites the whole set)."""
        key = self._key(f"accounts:{self.process_id}")
        if present:
            self._spawn(self._redis.sadd(key, account_id), "cluster_account_add")
        else:
            self._spawn(self._redis.srem(key, account_id), "cluster_account_remove")

    async def account_process(self, account_id: int) -> dict[str, Any] | None:
        """The entry of another live process that holds the account, or None."""
        others = self.others()
        if not others:
            return None
        async with self._redis.pipeline(transaction=False) as pipe:
            for entry in others:
                pipe.sismember(self._key(f"accounts:{entry['id']}"), str(account_id))
            found = await pipe.execute()
        return next((e for e, hit in zip(others, found, strict=True) if hit), None)

    def push_account(self, account_id: int, data: bytes) -> None:
        """A message for an account nobody here holds: to the process that holds it, if any."""
        self._spawn(self.deliver_account(account_id, data), "cluster_push")

    async def deliver_account(self, account_id: int, data: bytes) -> bool:
        """True when another process holds the account and the message is on its way there;
        False otherwise, Redis away included (what must not be lost is stored by the caller)."""
        try:
            entry = await self.account_process(account_id)
        except Exception as exc:
            log.debug("cluster_account_lookup_failed", extra={"fields": {"error": type(exc).__name__}})
            return False
        if entry is None:
            return False
        envelope = json.dumps({"account": account_id, "msg": data.hex()}).encode()
        try:
            await self.bus.publish(process_channel(str(entry["id"])), envelope)
        except BusError:
            return False
        return True

    @staticmethod
    def unpack_push(payload: bytes) -> tuple[int, bytes]:
        body = json.loads(payload)
        return int(body["account"]), bytes.fromhex(body["msg"])

    # ── hand-offs ────────────────────────────────────────────────────────────
    async def put_handoff(self, token: str, data: dict[str, Any]) -> None:
        await self._redis.set(
            self._key(f"handoff:{_token_key(token)}"), json.dumps(data), px=int(HANDOFF_TTL_S * 1000)
        )

    async def take_handoff(self, token: str) -> dict[str, Any] | None:
        raw = await self._redis.getdel(self._key(f"handoff:{_token_key(token)}"))
        if raw is None:
            return None
        try:
            data = json.loads(raw)
        except ValueError:
            return None
        return data if isinstance(data, dict) else None
