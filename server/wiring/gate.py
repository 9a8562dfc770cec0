"""The front door: register and log in (before `hello`), `hello` as a guest, logged in or resuming
after a drop, `ping` and `logout`. Account calls run off the event loop (password hashing on its
own threads); refusals are raised and become `error` replies in `errors`, like every other."""

from __future__ import annotations

import asyncio
import logging
import random
import secrets
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from makaverse.protocol import (
    PROTOCOL_VERSION,
    AuthOk,
    CloseCode,
    ErrorCode,
    Full,
    Hello,
    Login,
    Logout,
    Ping,
    Pong,
    Register,
    Welcome,
    decode,
    quant,
)
from makaverse.protocol.look import Look, default_look

from ..accounts import Accounts
from ..log import log_event
from ..net.session_state import SessionEvent
from ..rooms.booths import QUEUE_COMMANDS
from ..rooms.effects import Refused, spot_of
from ..services.accounts import Banned
from ..settings import Settings
from ..sim import AvatarInfo
from ..sim.capacity import CapacityPolicy
from ..store import StoreError, Unavailable
from .errors import ban_text
from .places import Away, Places
from .players import Player, Players
from .runner import EffectRunner, now_ms

if TYPE_CHECKING:
    from ..cluster import Cluster

__all__ = ["Gate"]

T = TypeVar("T")
log = logging.getLogger("makaverse.session")

_rng = random.Random()
FULL_RETRY_MS = 5_000  # what a `full` refusal suggests waiting before the same server is tried again


class Gate:
    def __init__(
        self,
        settings: Settings,
        players: Players,
        places: Places,
        runner: EffectRunner,
        *,
        accounts: Accounts | None = None,
        world_id: str,
        capacity: CapacityPolicy | None = None,
    ) -> None:
        self.settings = settings
        self.players = players
        self.places = places
        self.runner = runner
        self.accounts = accounts
        self.world_id = world_id
        self.capacity = capacity or CapacityPolicy(
            max_players=settings.capacity_players, measured=settings.refuses_on_measure
        )
        self.cluster: Cluster | None = None  # set when several processes share a Redis
        # Password hashing is deliberately slow; a burst of logins gets its own threads so it
        # never queues booth and chat commands behind it.
        self._auth_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="auth")

    async def auth(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._auth_pool, partial(fn, *args, **kwargs))

    def close(self) -> None:
        self._auth_pool.shutdown(wait=True, cancel_futures=True)

    # ── before the world ─────────────────────────────────────────────────────
    async def register(self, player: Player, msg: Register) -> None:
        if self.accounts is None:
            raise Unavailable("no accounts")
        try:
            account, token = await self.auth(
                self.accounts.register, msg.username, msg.password, display_name=msg.display_name or None, lang=msg.lang
            )
        except StoreError:
            log.exception("register_failed")
            raise
        log_event(log, "account_registered", account=account.id, username=account.username)
        player.send(_auth_ok(msg.request_id, account, token))

    async def login(self, player: Player, msg: Login) -> None:
        if self.accounts is None:
            raise Unavailable("no accounts")
        try:
            account, token = await self.auth(self.accounts.login, msg.username, msg.password, player.session.address)
        except Exception as exc:
            code = getattr(exc, "code", None)
            if code is not None:
                log_event(log, "login_refused", code=str(code), address=player.session.address)
            raise
        log_event(log, "logged_in", account=account.id, username=account.username)
        player.send(_auth_ok(msg.request_id, account, token))

    async def hello(self, player: Player, msg: Hello) -> None:
        if msg.version != PROTOCOL_VERSION:
            raise Refused(ErrorCode.VERSION, f"server speaks {PROTOCOL_VERSION}", close=CloseCode.VERSION_MISMATCH)
        player.lang = msg.lang
        player.snapshot_hz = msg.snapshot_hz
        players = self.players
        binding = players.presence.by_token(msg.token)
        if binding is not None and binding.account_id is None:
            # A guest's token lives only in memory. An account's token always goes through the
            # store below, so a ban, a password reset or an expiry during the grace takes effect.
            self._resumed(player, binding.avatar_id, msg.token)
            return
        account = None
        handoff = await self._handoff(msg.token)
        if handoff is not None and handoff.get("account_id") is None:
            self._enter_handoff(player, msg, None, handoff)  # a guest redirected here
            return
        if msg.token:
            if self.accounts is None:
                raise Refused(ErrorCode.TOKEN_EXPIRED)
            try:
                account = await self.runner.db(self.accounts.resume, msg.token)
            except Banned as exc:
                raise Refused(ErrorCode.BANNED, ban_text(exc), close=CloseCode.BANNED) from None
            # Other refusals leave the connection open: the client may log in again on it.
            if player.session.conn.closing:
                return
            # Checked after the await: the same account may have entered meanwhile.
            existing = players.presence.by_account(account.id)
            if existing is not None:
                players.presence.rekey(existing.avatar_id, msg.token)
                self._resumed(player, existing.avatar_id, msg.token, account=account)
                if handoff is not None and handoff.get("account_id") == account.id:
                    player.replay = _replay(handoff)  # the command it was sent here with still gets its answer
                return
            if handoff is not None and handoff.get("account_id") == account.id:
                self._enter_handoff(player, msg, account, handoff)
                return
            if handoff is None and await self._redirect_to_account(player, account.id, msg.token):
                return
        self._enter_new(player, msg, account)

    # ── several processes ────────────────────────────────────────────────────
    async def _handoff(self, token: str) -> dict | None:
        """Where a client redirected here with this token was going, if it was."""
        if self.cluster is None or not token:
            return None
        try:
            return await self.cluster.take_handoff(token)
        except Exception as exc:
            log_event(log, "handoff_read_failed", error=type(exc).__name__)
            return None

    async def _redirect_to_account(self, player: Player, account_id: int, token: str) -> bool:
        """The account is in the world on another process (connected, or parked in its grace):
        its client goes there, where the avatar is."""
        if self.cluster is None:
            return False
        try:
            entry = await self.cluster.account_process(account_id)
        except Exception as exc:
            log_event(log, "account_lookup_failed", error=type(exc).__name__)
            return False
        if entry is None or player.session.conn.closing:
            return False
        instances = entry.get("instances") or [{"id": "building"}]
        away = Away(str(instances[0]["id"]), str(entry["url"]), str(entry["id"]))
        log_event(log, "hello_redirected", account=account_id, process=away.process)
        self.places.redirect(player, away, token)
        return True

    def _enter_handoff(self, player: Player, msg: Hello, account: Any, handoff: dict) -> None:
        """A client redirected here: the same person (an account checked against the store, or
        the guest the other process vouched for) enters where it was going."""
        if account is not None:
            name, role, opd = account.display_name, account.role, account.opd_code or ""
        else:
            name, role, opd = str(handoff.get("name", ""))[:32] or "Tamu", "guest", ""
        try:
            look = Look.unpack(bytes.fromhex(str(handoff.get("style", ""))))
        except Exception:  # a look this server can't read: the one asked for, or a default
            look = Look.unpack(msg.style) if msg.style else default_look(name)
        info = AvatarInfo(name=name, role=role, look=look.top, opd=opd, style=look.pack())
        if not self.places.arrive(player, info, token=msg.token, account=account, handoff=handoff):
            self.places.join(player, info, token=msg.token, account=account)
            self._welcome(player, resumed=False)
            return
        self._welcome(player, resumed=not handoff.get("newcomer"))
        self.places.arrived(player, seat=bool(handoff.get("seat")), spot=spot_of(handoff.get("spot")))
        player.replay = _replay(handoff)
        log_event(log, "avatar_handed_over", conn=player.conn_id, avatar=player.avatar_id, instance=player.instance,
                  origin=str(handoff.get("from", "")))

    def _elsewhere(self) -> str:
        """Where a newcomer refused here may go: the configured server, else the process of the
        instance directory with the most room (empty when none has any)."""
        if self.settings.full_url or self.cluster is None:
            return self.settings.full_url
        roomy = [e for e in self.cluster.others() if self.cluster.room_of(e) > 0 and e.get("url")]
        return str(max(roomy, key=self.cluster.room_of)["url"]) if roomy else ""

    def _enter_new(self, player: Player, msg: Hello, account: Any) -> None:
        # A newcomer beyond capacity is sent elsewhere; a resume keeps the place it holds.
        inside = sum(len(i) for i in self.places.instances.values())
        if not self.capacity.admit(inside):
            log_event(log, "join_refused_full", conn=player.conn_id, players=inside, capacity=self.capacity.capacity,
                      level=self.capacity.level)
            player.send(Full(url=self._elsewhere(), retry_after_ms=FULL_RETRY_MS))
            raise Refused(ErrorCode.FULL, "server at capacity", close=CloseCode.SERVER_FULL)
        if account is not None:
            name, role, opd, key = account.display_name, account.role, account.opd_code or "", account.username
            token = msg.token
        else:
            name = " ".join(msg.name.split()) or f"Tamu-{_rng.randrange(1000, 10000)}"
            role, opd, key = "guest", "", name
            token = secrets.token_urlsafe(24)
        # The citizen's own look (validated when the Hello was decoded), else a stable default for the key,
        # so friends recognise each other.
        look = Look.unpack(msg.style) if msg.style else default_look(key)
        cluster = self.cluster
        away = self.places.entrance_elsewhere() if cluster is not None else None
        if away is not None and cluster is not None:
            # This process does not host the entrance: the newcomer enters where it is.
            handoff = {"name": name, "role": role, "opd": opd, "style": look.pack().hex(),
                       "account_id": account.id if account is not None else None, "from": cluster.process_id,
                       "newcomer": True}
            log_event(log, "newcomer_redirected", conn=player.conn_id, process=away.process)
            self.runner.spawn(self.places.send_newcomer(player, token, handoff, away), "redirect")
            return
        info = AvatarInfo(name=name, role=role, look=look.top, opd=opd, style=look.pack())
        avatar_id = self.places.join(player, info, token=token, account=account)
        self._welcome(player, resumed=False)
        log_event(
            log, "avatar_joined", conn=player.conn_id, avatar=avatar_id, name=name, role=role, kind=msg.kind,
            instance=player.instance,
        )

    def _resumed(self, player: Player, avatar_id: int, token: str, *, account: Any = None) -> None:
        self.places.take_over(player, avatar_id, token, account=account)
        self._welcome(player, resumed=True)
        log_event(log, "avatar_resumed", conn=player.conn_id, avatar=avatar_id, name=player.name)

    def _welcome(self, player: Player, *, resumed: bool) -> None:
        player.session.advance(SessionEvent.ENTERED)
        s = self.settings
        instance = self.places.instances[player.instance]
        sim = instance.sim
        assert player.avatar_id is not None
        x, y = sim.position(player.avatar_id)
        player.send(
            Welcome(
                avatar_id=player.avatar_id,
                name=player.name,
                role=player.role,
                world_id=self.world_id,
                tick_hz=s.tick_hz,
                snapshot_hz=instance.snapshot_hz_of(player.avatar_id),
                input_hz=s.input_hz,
                interest_radius_cm=quant.m_to_cm(s.interest_radius_m),
                server_time_ms=now_ms(),
                x_cm=quant.m_to_cm(x),
                y_cm=quant.m_to_cm(y),
                yaw=quant.yaw_to_u16(sim.yaw(player.avatar_id)),
                token=player.token,
                opd=player.opd,
                resumed=resumed,
                instance=instance.instance_id,
            )
        )

    # ── in the world ─────────────────────────────────────────────────────────
    def ping(self, player: Player, msg: Ping) -> None:
        player.send(Pong(client_time_ms=msg.client_time_ms, server_time_ms=now_ms()))

    async def logout(self, player: Player, msg: Logout) -> None:
        """The token stops working and the avatar leaves now: no reconnect grace after a logout."""
        if player.account is not None and self.accounts is not None:
            try:
                await self.runner.db(self.accounts.logout, player.token)
            except StoreError:
                log.exception("logout_failed")
        player.logged_out = True
        player.session.conn.drop(CloseCode.NORMAL, "logged out")


def _replay(handoff: dict) -> Any:
    """The queue or counter command that came along with a client sent to the desk's process
    (anything else is ignored: a hand-off names where to go, it does not carry commands)."""
    raw = handoff.get("replay")
    if not raw:
        return None
    try:
        msg = decode(bytes.fromhex(str(raw)))
    except Exception:
        return None
    return msg if msg.TYPE in QUEUE_COMMANDS else None


def _auth_ok(request_id: int, account: Any, token: str) -> AuthOk:
    return AuthOk(
        request_id=request_id,
        token=token,
        username=account.username,
        display_name=account.display_name,
        role=account.role,
        opd=account.opd_code or "",
        lang=account.lang,
    )

