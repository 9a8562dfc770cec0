"""Where avatars are: placing one in an instance, giving it to a new connection, parking it for
the reconnect grace when its connection drops, taking it out for good, and moving it to another
instance when it walks through a door. The leave/park policy lives here, not in the transport.

Avatar ids are numbered once for the whole process, so an avatar keeps its id (and a guest its
ticket) from one instance to the next.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, MutableMapping
from typing import Any

from makaverse.protocol import CloseCode, Error, ErrorCode, InstanceChanged

from ..log import log_event
from ..net.metrics import ServerMetrics
from ..rooms.actor import Actor
from ..rooms.effects import Move
from ..rooms.events import copy_id, is_copy_of
from ..rooms.instance import WorldInstance
from ..rooms.seats import seated
from ..sim import AvatarInfo
from .players import Player, Players
from .runner import EffectRunner, now_ms

__all__ = ["Places"]

log = logging.getLogger("makaverse.places")


class Places:
    def __init__(
        self,
        instances: MutableMapping[str, WorldInstance],
        players: Players,
        runner: EffectRunner,
        metrics: ServerMetrics,
        *,
        home: str,
        hall: str = "",
        hall_capacity: int = 0,
        make_copy: Callable[[str], WorldInstance] | None = None,
    ) -> None:
        self.instances = instances
        self.players = players
        self.runner = runner
        self.metrics = metrics
        self.home = home  # where newcomers appear
        self.hall = hall  # the auditorium whose overflow copies are made here ('' for none)
        self.hall_capacity = hall_capacity  # people per copy of the hall (0: no limit)
        self.make_copy = make_copy
        self._ids = itertools.count(1)

    # ── in ───────────────────────────────────────────────────────────────────
    def join(self, player: Player, info: AvatarInfo, *, token: str, account: Any) -> int:
        instance = self.instances[self.home]
        avatar_id = instance.join(info, player.session.conn, avatar_id=next(self._ids))
        self.players.instance_of[avatar_id] = instance.instance_id
        self.players.presence.bind(avatar_id, token, account.id if account is not None else None)
        self.bind(player, avatar_id, token, info, account)
        return avatar_id

    def take_over(self, player: Player, avatar_id: int, token: str, *, account: Any = None) -> None:
        """Give an existing avatar to this connection; a connection still holding it is replaced."""
        players = self.players
        instance = self.instances[players.instance_of[avatar_id]]
        previous = players.by_avatar.get(avatar_id)
        if previous is not None and previous is not player:
            previous.avatar_id = None  # its disconnect must not take the avatar along
            previous.send(Error(code=ErrorCode.CONFLICT.value, text="signed in elsewhere"))
            previous.session.conn.drop(CloseCode.REPLACED, "signed in elsewhere")
            instance.detach(avatar_id)
        instance.attach(avatar_id, player.session.conn)
        players.presence.attach(avatar_id)
        info = instance.members[avatar_id].info
        if account is None and previous is not None:
            account = previous.account
        if account is None:
            binding = players.presence.by_avatar(avatar_id)
            account = players.accounts_by_id.get(binding.account_id) if binding and binding.account_id else None
        self.bind(player, avatar_id, token, info, account)

    def bind(self, player: Player, avatar_id: int, token: str, info: AvatarInfo, account: Any) -> None:
        player.avatar_id = avatar_id
        player.instance = self.players.instance_of[avatar_id]
        player.token = token
        player.account = account
        player.name, player.role, player.opd = info.name, info.role, info.opd
        if account is not None:
            self.players.accounts_by_id[account.id] = account
        self.players.by_avatar[avatar_id] = player
        self.players.parked.pop(avatar_id, None)
        self.instances[player.instance].set_snapshot_hz(avatar_id, player.snapshot_hz)

    def entered(self, player: Player) -> None:
        """The avatar just entered the world (joined or resumed): each component's `enter` hook."""
        actor = player.actor()
        now = now_ms()
        for instance in self.instances.values():
            for component in instance.arrival_hooks(home=instance.instance_id == actor.instance):
                if player.session.conn.closing:
                    return
                self.runner.run_soon(component.enter(actor, now), what=f"{component.name}_enter")

    # ── out ──────────────────────────────────────────────────────────────────
    def disconnected(self, player: Player, now_s: float) -> None:
        """A connection ended: its avatar is parked for the reconnect grace, or leaves at once
        after a logout, a kick or a ban."""
        avatar_id = player.avatar_id
        if avatar_id is None:
            return
        actor = player.actor()  # who it was: kept while parked, handed to the leave hooks
        player.avatar_id = None
        players = self.players
        players.by_avatar.pop(avatar_id, None)
        if player.logged_out or players.presence.by_avatar(avatar_id) is None:
            binding = players.presence.unbind(avatar_id)
            self.leave_for_good(avatar_id, binding.account_id if binding else player.account_id, actor=actor)
        else:
            self.instances[players.instance_of[avatar_id]].detach(avatar_id)
            players.presence.detach(avatar_id, now_s)
            players.parked[avatar_id] = actor

    def expire(self, now_s: float) -> None:
        """Parked avatars whose reconnect grace ran out leave."""
        for binding in self.players.presence.expired(now_s):
            self.leave_for_good(binding.avatar_id, binding.account_id)

    def leave_for_good(self, avatar_id: int, account_id: int | None, *, actor: Actor | None = None) -> None:
        players = self.players
        actor = actor or players.parked.get(avatar_id)
        instance_id = players.instance_of.pop(avatar_id, self.home)
        instance = self.instances[instance_id]
        info = instance.members[avatar_id].info if avatar_id in instance.members else None
        instance.leave(avatar_id)
        players.by_avatar.pop(avatar_id, None)
        players.parked.pop(avatar_id, None)
        if account_id is not None and players.presence.by_account(account_id) is None:
            players.accounts_by_id.pop(account_id, None)
        if actor is None:
            actor = Actor(
                conn_id=0,
                avatar_id=avatar_id,
                instance=instance_id,
                name=info.name if info else "",
                role=info.role if info else "guest",
                account_id=account_id,
                opd=info.opd if info else "",
            )
        now = now_ms()
        for other in self.instances.values():
            for component in other.arrival_hooks(home=other.instance_id == instance_id):
                try:
                    self.runner.run_soon(component.leave(actor, now), what=f"{component.name}_leave")
                except Exception:
                    log.exception("on_leave_failed", extra={"fields": {"component": component.name}})
        log_event(log, "avatar_left", avatar=avatar_id, instance=instance_id)

    # ── across ───────────────────────────────────────────────────────────────
    def move(self, move: Move) -> None:
        """The avatar walked into another instance's region (or is sent to a hall's free seat):
        others there see it enter, those it left see it go, and its client is told (it keeps its
        session, ticket and chat). A full hall sends it to an overflow copy instead."""
        players = self.players
        src_id = players.instance_of.get(move.avatar_id)
        dst = self.instances.get(move.to_instance)
        if src_id is None or dst is None:
            return
        src = self.instances[src_id]
        member = src.members.get(move.avatar_id)
        if member is None or member.parked_at is not None:
            return
        if not (self.hall and is_copy_of(self.hall, src_id) and is_copy_of(self.hall, dst.instance_id)):
            dst = self._room_in(dst)
        player = players.by_avatar.get(move.avatar_id)
        if src_id != dst.instance_id:
            dst.transfer_in(src.transfer_out(move.avatar_id))
            players.instance_of[move.avatar_id] = dst.instance_id
            if player is not None:
                player.instance = dst.instance_id
                player.send(InstanceChanged(instance=dst.instance_id, kind=dst.kind))
            self.metrics.instance_moves.labels(instance=dst.instance_id).inc()
            log_event(log, "instance_moved", avatar=move.avatar_id, from_instance=src_id, to_instance=dst.instance_id)
        elif not move.seat:
            return
        seat = -1
        if move.seat:
            seat = dst.seat_or_spawn(move.avatar_id)
            if seat >= 0 and player is not None:
                x, y = dst.sim.position(move.avatar_id)
                player.send(seated(0, seat, x, y, dst.sim.yaw(move.avatar_id)))
        actor = player.actor() if player is not None else players.parked.get(move.avatar_id)
        if actor is None:
            return
        now = now_ms()
        for instance in list(self.instances.values()):
            for component in instance.arrival_hooks(home=instance.instance_id == dst.instance_id):
                self.runner.run_soon(component.moved(actor, seat, now), what=f"{component.name}_moved")

    # ── overflow copies of the hall ──────────────────────────────────────────
    def _room_in(self, dst: WorldInstance) -> WorldInstance:
        """The hall if it has room, else the first copy with room, else a new copy."""
        if not self.hall or dst.instance_id != self.hall or self.hall_capacity <= 0 or self.make_copy is None:
            return dst
        copies = [i for i in self.instances.values() if is_copy_of(self.hall, i.instance_id)]
        for instance in copies:
            if instance.population < self.hall_capacity:
                return instance
        taken = {i.instance_id for i in copies}
        n = next(n for n in itertools.count(2) if copy_id(self.hall, n) not in taken)
        made = self.make_copy(copy_id(self.hall, n))
        log_event(log, "hall_copy_opened", instance=made.instance_id, hall=self.hall)
        return made

    def reap(self) -> None:
        """Overflow copies nobody is in any more (parked avatars count) are removed."""
        if not self.hall:
            return
        for instance_id, instance in list(self.instances.items()):
            if instance_id != self.hall and is_copy_of(self.hall, instance_id) and instance.population == 0:
                del self.instances[instance_id]
                log_event(log, "hall_copy_closed", instance=instance_id)
