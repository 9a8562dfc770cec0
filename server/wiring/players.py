"""Who is in this process: each connection's player (its avatar, account and instance), avatars
by id (connected or parked) and their resume tokens. It answers the rooms' `Roster` lookups and
resolves push targets to connections."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..rooms.actor import Actor
from ..rooms.effects import Target, ToAccount, ToAvatar, ToConn, ToEveryone, ToInstance, ToStaff, ToZone
from ..rooms.instance import WorldInstance
from ..services.presence import Presence

if TYPE_CHECKING:
    from ..net.session import Session

__all__ = ["Player", "Players"]


@dataclass(slots=True)
class Player:
    """The game's side of one connection."""

    session: Session
    avatar_id: int | None = None
    instance: str = ""
    account: Any = None  # the store's Account; None for a guest
    token: str = ""  # the resume token of this player's avatar
    name: str = ""
    role: str = "guest"
    opd: str = ""
    lang: str = "id"
    snapshot_hz: int = 0  # asked for in hello (0: the server's rate)
    logged_out: bool = False  # leave at once on disconnect: no reconnect grace
    replay: Any = None  # a command another process sent along with a redirect here: run after the welcome
    actor_cache: Actor | None = field(default=None, repr=False)

    @property
    def conn_id(self) -> int:
        return self.session.conn.conn_id

    @property
    def account_id(self) -> int | None:
        return self.account.id if self.account is not None else None

    @property
    def staff_opd(self) -> str:
        """The OPD this logged-in staff member works for, or '' for anyone else (as `Actor.staff_opd`)."""
        return self.opd if self.role == "staff" and self.account is not None else ""

    def actor(self) -> Actor:
        actor = self.actor_cache
        if actor is None or actor.instance != self.instance or actor.avatar_id != self.avatar_id:
            assert self.avatar_id is not None
            account = self.account
            actor = self.actor_cache = Actor(
                conn_id=self.conn_id,
                avatar_id=self.avatar_id,
                instance=self.instance,
                name=self.name,
                role=self.role,
                account_id=account.id if account is not None else None,
                username=account.username if account is not None else "",
                opd=self.opd,
                lang=self.lang,
            )
        return actor

    def send(self, msg: Any) -> bool:
        conn = self.session.conn
        return conn.send_bytes(msg) if isinstance(msg, bytes) else conn.send(msg)


class Players:
    def __init__(self, instances: Mapping[str, WorldInstance], *, grace_s: float) -> None:
        self.instances = instances
        self.presence = Presence(grace_s=grace_s)
        self.by_conn: dict[int, Player] = {}
        self.by_avatar: dict[int, Player] = {}  # avatars with a live connection
        self.parked: dict[int, Actor] = {}  # avatars waiting out their reconnect grace
        self.instance_of: dict[int, str] = {}  # every avatar in the world -> its instance
        self.accounts_by_id: dict[int, Any] = {}  # accounts with an avatar in the world
        self.arrivals = 0  # connections opened, ever: a burst of them is no measure of what players cost

    # ── the rooms' Roster ────────────────────────────────────────────────────
    def actor(self, avatar_id: int) -> Actor | None:
        player = self.by_avatar.get(avatar_id)
        return player.actor() if player is not None else self.parked.get(avatar_id)

    def online(self, avatar_id: int) -> bool:
        return avatar_id in self.by_avatar

    def avatar_of_account(self, account_id: int) -> int | None:
        binding = self.presence.by_account(account_id)
        if binding is None or binding.avatar_id not in self.by_avatar:
            return None
        return binding.avatar_id

    def zone_of(self, avatar_id: int) -> str:
        instance = self.instances.get(self.instance_of.get(avatar_id, ""))
        if instance is None or not instance.sim.has(avatar_id):
            return ""
        return instance.sim.zone_id(avatar_id)

    # ── lookups for the wiring ───────────────────────────────────────────────
    def of_account(self, account_id: int) -> Player | None:
        avatar_id = self.avatar_of_account(account_id)
        return self.by_avatar.get(avatar_id) if avatar_id is not None else None

    def resolve(self, target: Target) -> Iterator[Player]:
        """The connected players a push target names."""
        if isinstance(target, ToConn):
            player = self.by_conn.get(target.conn_id)
            if player is not None:
                yield player
        elif isinstance(target, ToAvatar):
            player = self.by_avatar.get(target.avatar_id)
            if player is not None:
                yield player
        elif isinstance(target, ToAccount):
            player = self.of_account(target.account_id)
            if player is not None:
                yield player
        elif isinstance(target, ToEveryone):
            yield from list(self.by_avatar.values())
        elif isinstance(target, ToStaff):
            yield from [p for p in list(self.by_avatar.values()) if p.staff_opd == target.opd]
        elif isinstance(target, ToInstance):
            # Through the instance's members, not everyone here: a town hall pushes to each of
            # its copies, and a scan of every player per copy grows with copies x people.
            instance = self.instances.get(target.instance)
            if instance is not None:
                by_avatar = self.by_avatar
                yield from [p for a in list(instance.members) if (p := by_avatar.get(a)) is not None
                            and p.instance == target.instance]
        elif isinstance(target, ToZone):
            instance = self.instances.get(target.instance)
            if instance is not None:
                for avatar_id in instance.sim.avatars.slot_of:
                    player = self.by_avatar.get(avatar_id)
                    if player is not None and instance.sim.zone_id(avatar_id) == target.zone_id:
                        yield player
