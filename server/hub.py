"""The hub: everything a message handler may reach — the world instance, presence, the store
(always called off the event loop), the sessions by avatar, settings and metrics."""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import TYPE_CHECKING, Any, Callable, TypeVar

from .bus import make_bus
from .instance import WorldInstance
from .services.presence import Presence
from .settings import Settings

if TYPE_CHECKING:
    from makaverse.protocol.messages import Message

    from .net.metrics import ServerMetrics
    from .net.session import Session
    from .accounts import Accounts
    from .store import Store

__all__ = ["Hub"]

T = TypeVar("T")
log = logging.getLogger("makaverse.hub")


class Hub:
    def __init__(
        self,
        settings: Settings,
        instance: WorldInstance,
        metrics: ServerMetrics,
        *,
        store: Store | None = None,
        accounts: Accounts | None = None,
    ) -> None:
        self.settings = settings
        self.instance = instance
        self.world = instance.world
        self.metrics = metrics
        self.store = store
        self.accounts = accounts
        self.presence = Presence(grace_s=settings.reconnect_grace_s)
        # Fan-out to every server process (announcements, staff notices): Redis when configured.
        self.bus = make_bus(settings.redis_url)
        self.sessions_by_avatar: dict[int, Session] = {}
        self.accounts_by_id: dict[int, Any] = {}  # accounts with an avatar in the world
        # The tick never waits on the database: store calls run on these threads.
        self._db_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="db")
        # Password hashing is deliberately slow; a burst of logins gets its own threads so it
        # never queues booth and chat commands behind it.
        self._auth_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="auth")

    async def db(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._db_pool, partial(fn, *args, **kwargs))

    async def auth(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Like `db`, for calls that hash or check passwords."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._auth_pool, partial(fn, *args, **kwargs))

    def send_to_avatar(self, avatar_id: int, msg: Message) -> bool:
        session = self.sessions_by_avatar.get(avatar_id)
        return session.send(msg) if session is not None else False

    def session_of_account(self, account_id: int) -> Session | None:
        binding = self.presence.by_account(account_id)
        return self.sessions_by_avatar.get(binding.avatar_id) if binding is not None else None

    def close(self) -> None:
        self._auth_pool.shutdown(wait=True, cancel_futures=True)
        self._db_pool.shutdown(wait=True, cancel_futures=False)
        if self.store is not None:
            self.store.dispose()
