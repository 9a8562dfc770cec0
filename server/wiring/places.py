"""Where avatars are: placing one in an instance, giving it to a new connection, parking it for
the reconnect grace when its connection drops, taking it out for good, and moving it to another
instance when it walks through a door. The leave/park policy lives here, not in the transport.

Avatar ids are numbered once for the whole process, so an avatar keeps its id (and a guest its
ticket) from one instance to the next.
"""

from __future__ import annotations

import itertools
import logging
from collections import deque
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from makaverse.protocol import CloseCode, Error, ErrorCode, InstanceChanged, Redirect, encode
from makaverse.protocol.messages import Message

from ..log import log_event
from ..net.metrics import ServerMetrics
from ..rooms.actor import Actor
from ..rooms.booths import Booths
from ..rooms.effects import Move, Refused, spot_of
from ..rooms.events import copy_id, is_copy_of
from ..rooms.instance import WorldInstance
from ..rooms.seats import placed, seated
from ..sim import AvatarInfo
from .players import Player, Players
from .runner import EffectRunner, now_ms

if TYPE_CHECKING:
    from ..cluster import Cluster

__all__ = ["Places", "Away"]

# How long someone sent to the hall on another process counts as on their way (a reconnect; the
# directory shows them there a heartbeat after they arrive).
HALL_SENT_MEMORY_MS = 5_000

log = logging.getLogger("makaverse.places")


@dataclass(frozen=True, slots=True)
class Away:
    """An instance another process hosts (or will open: a new overflow copy), and where that process is."""

    instance: str
    url: str
    process: str


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
        capacity: int = 0,
    ) -> None:
        self.instances = instances
        self.players = players
        self.runner = runner
        self.metrics = metrics
        self.home = home  # where newcomers appear
        self.hall = hall  # the auditorium whose overflow copies are made here ('' for none)
        self.hall_capacity = hall_capacity  # people per copy of the hall (0: no limit)
        self.make_copy = make_copy
        self.entrance = home  # where newcomers to the world appear (in a cluster, maybe another process's)
        self.capacity = capacity  # avatars this process takes before new copies open elsewhere (0: no limit)
        self.cluster: Cluster | None = None  # set when several processes share a Redis
        self.booths: Booths | None = None  # this process's booth desk, and the instance that has it
        self.booth_instance = ""
        self._ids = itertools.count(1)
        self._sent_to_hall: deque[int] = deque()  # when people were sent to the hall on another process (ms)

    def number_avatars_from(self, first: int) -> None:
        """Avatar ids from `first` on: each process of a cluster has its own range."""
        self._ids = itertools.count(first)

    # ── in ───────────────────────────────────────────────────────────────────
    def join(self, player: Player, info: AvatarInfo, *, token: str, account: Any) -> int:
        instance = self.instances[self.home]
        avatar_id = instance.join(info, player.session.conn, avatar_id=next(self._ids))
        self.players.instance_of[avatar_id] = instance.instance_id
        self._bound(avatar_id, token, account)
        self.bind(player, avatar_id, token, info, account)
        return avatar_id

    def _bound(self, avatar_id: int, token: str, account: Any) -> None:
        self.players.presence.bind(avatar_id, token, account.id if account is not None else None)
        if account is not None and self.cluster is not None:
            self.cluster.account_here(account.id, True)

    def arrive(self, player: Player, info: AvatarInfo, *, token: str, account: Any, handoff: dict) -> bool:
        """A client redirected here from another process: its avatar enters the instance it was
        going to, where it stood (or at the spawn, to be seated). False when that instance is not here."""
        target = str(handoff.get("instance", ""))
        dst = self.instances.get(target)
        in_hall = bool(self.hall) and is_copy_of(self.hall, target)
        if dst is None and in_hall and target != self.hall and self.make_copy is not None:
            dst = self.make_copy(target)
            log_event(log, "hall_copy_opened", instance=target, hall=self.hall, on_arrival=True)
        if dst is None:
            return False
        if in_hall and 0 < self.hall_capacity <= dst.population and not handoff.get("spot"):
            dst = self._local_room(dst)  # filled up meanwhile: the next place here, never back out
        # Seated, or a newcomer sent here: at the spawn; through a door: where it stood; sent to
        # a spot: there (and `arrived` finds the free place nearest it).
        spot = spot_of(handoff.get("spot"))
        if spot is not None:
            position, yaw = spot[:2], spot[2]
        elif handoff.get("seat") or "x" not in handoff:
            position, yaw = None, None
        else:
            position, yaw = (float(handoff["x"]), float(handoff.get("y", 0.0))), float(handoff.get("yaw", 0.0))
        avatar_id = dst.join(info, player.session.conn, position=position, yaw=yaw, avatar_id=next(self._ids))
        self.players.instance_of[avatar_id] = dst.instance_id
        self._bound(avatar_id, token, account)
        self.bind(player, avatar_id, token, info, account)
        log_event(log, "avatar_arrived", avatar=avatar_id, instance=dst.instance_id)
        return True

    def arrived(self, player: Player, *, seat: bool, spot: tuple[float, float, float] | None = None) -> None:
        """After the welcome of a redirected client: its seat or spot, and the components' `moved`
        hooks (an event join that sent it here completes)."""
        avatar_id = player.avatar_id
        if avatar_id is None:
            return
        dst = self.instances[player.instance]
        self._moved_hooks(player.actor(), dst.instance_id, self._place(dst, player, avatar_id, seat, spot))

    @staticmethod
    def _place(
        dst: WorldInstance, player: Player | None, avatar_id: int, seat: bool, spot: tuple[float, float, float] | None
    ) -> int:
        """Stand the avatar at the free place nearest `spot`, or sit it on a free seat (`seat`), and
        tell its client (`placed`, `seated`). The seat, or -1."""
        if spot is not None:
            x, y, yaw = dst.stand_near(avatar_id, spot)
            if player is not None:
                player.send(placed(0, x, y, yaw))
            return -1
        if not seat:
            return -1
        at = dst.seat_or_spawn(avatar_id)
        if at >= 0 and player is not None:
            x, y = dst.sim.position(avatar_id)
            player.send(seated(0, at, x, y, dst.sim.yaw(avatar_id)))
        return at

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

    def leave_for_good(
        self, avatar_id: int, account_id: int | None, *, actor: Actor | None = None, away: bool = False
    ) -> None:
        """The avatar leaves this process: for good, or `away` to another process (the leave
        hooks then keep what follows the person there, such as an account's tickets)."""
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
            if self.cluster is not None:
                self.cluster.account_here(account_id, False)
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
                    hook = component.moved_away if away else component.leave
                    self.runner.run_soon(hook(actor, now), what=f"{component.name}_leave")
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
        if src_id is None:
            return
        src = self.instances[src_id]
        member = src.members.get(move.avatar_id)
        if member is None or member.parked_at is not None:
            return
        target = move.to_instance
        between_copies = bool(self.hall) and is_copy_of(self.hall, src_id) and is_copy_of(self.hall, target)
        where: WorldInstance | Away | None
        if self.hall and target == self.hall and not between_copies and move.spot is None:
            where = self._room_for_hall()  # (someone sent to a spot goes to the hall itself: the stage is there)
        else:
            where = self.instances.get(target)
            if where is None:  # (never `or`: an instance with nobody in it is falsy)
                where = self._elsewhere(target)
        if where is None:
            return
        if isinstance(where, Away):
            self._send_away(move, src, where)
            return
        dst = where
        player = players.by_avatar.get(move.avatar_id)
        if src_id != dst.instance_id:
            dst.transfer_in(src.transfer_out(move.avatar_id))
            players.instance_of[move.avatar_id] = dst.instance_id
            if player is not None:
                player.instance = dst.instance_id
                player.send(InstanceChanged(instance=dst.instance_id, kind=dst.kind))
            self.metrics.instance_moves.labels(instance=dst.instance_id).inc()
            log_event(log, "instance_moved", avatar=move.avatar_id, from_instance=src_id, to_instance=dst.instance_id)
        elif not move.seat and move.spot is None:
            return
        seat = self._place(dst, player, move.avatar_id, move.seat, move.spot)
        actor = player.actor() if player is not None else players.parked.get(move.avatar_id)
        if actor is None:
            return
        self._moved_hooks(actor, dst.instance_id, seat)

    def _moved_hooks(self, actor: Actor, instance_id: str, seat: int) -> None:
        now = now_ms()
        for instance in list(self.instances.values()):
            for component in instance.arrival_hooks(home=instance.instance_id == instance_id):
                self.runner.run_soon(component.moved(actor, seat, now), what=f"{component.name}_moved")

    # ── to another process ───────────────────────────────────────────────────
    def entrance_elsewhere(self) -> Away | None:
        """The instance newcomers enter, when another process hosts it and this one does not."""
        if self.entrance in self.instances:
            return None
        return self._elsewhere(self.entrance)

    def sends_to_desk(self, player: Player) -> bool:
        """Queue and counter commands of this player go to the desk's process: its booths are
        in this process's building, but another process runs the queues."""
        booths = self.booths
        return (booths is not None and not booths.desk and self.cluster is not None
                and player.avatar_id is not None and player.instance == self.booth_instance)

    def to_desk(self, player: Player, msg: Message) -> None:
        """The player goes to the same spot of the building on the desk's process, and the
        command goes with it (replayed there once it is in)."""
        assert self.cluster is not None and player.avatar_id is not None
        entry = self.cluster.desk_host()
        if entry is None:
            raise Refused(ErrorCode.UNAVAILABLE, "booth desk unavailable")
        src = self.instances[player.instance]
        away = Away(self.booth_instance, str(entry["url"]), str(entry["id"]))
        self._send_away(Move(player.avatar_id, self.booth_instance), src, away, replay=encode(msg).hex())

    async def send_newcomer(self, player: Player, token: str, handoff: dict, away: Away) -> None:
        """A newcomer to the world whose entrance is in another process goes there."""
        await self._redirect(player, token, {**handoff, "instance": away.instance}, away)

    def _elsewhere(self, instance_id: str) -> Away | None:
        cluster = self.cluster
        entry = cluster.host_of(instance_id) if cluster is not None else None
        if entry is None:
            return None
        return Away(instance_id, str(entry["url"]), str(entry["id"]))

    def _send_away(self, move: Move, src: WorldInstance, away: Away, *, replay: str = "") -> None:
        """The avatar leaves this process and its client is redirected, with a hand-off in Redis
        that tells the other process who it is and where it was going."""
        players, cluster = self.players, self.cluster
        player = players.by_avatar.get(move.avatar_id)
        if player is None or cluster is None or player.session.conn.closing:
            return  # parked: it stays here until its client comes back
        avatar_id = move.avatar_id
        x, y = src.sim.position(avatar_id)
        info = src.members[avatar_id].info
        handoff = {
            "instance": away.instance, "x": x, "y": y, "yaw": src.sim.yaw(avatar_id), "seat": move.seat,
            "spot": list(move.spot) if move.spot is not None else None,
            "name": info.name, "role": info.role, "opd": info.opd, "style": info.style.hex(),
            "account_id": player.account_id, "from": cluster.process_id,
        }
        if replay:
            handoff["replay"] = replay
        actor = player.actor()
        token = player.token
        players.presence.unbind(avatar_id)
        player.avatar_id = None  # its disconnect must not park the avatar: it is gone from here
        self.leave_for_good(avatar_id, player.account_id, actor=actor, away=True)
        log_event(log, "avatar_redirected", avatar=avatar_id, instance=away.instance, process=away.process)
        self.runner.spawn(self._redirect(player, token, handoff, away), "redirect")

    async def _redirect(self, player: Player, token: str, handoff: dict, away: Away) -> None:
        assert self.cluster is not None
        try:
            await self.cluster.put_handoff(token, handoff)
        except Exception:
            log.exception("handoff_failed")  # the client still goes; it enters there afresh
        self.redirect(player, away, token)

    def redirect(self, player: Player, away: Away, token: str) -> None:
        player.send(Redirect(url=away.url, instance=away.instance, token=token))
        player.session.conn.drop(CloseCode.REDIRECTED, "redirected")

    # ── overflow copies of the hall ──────────────────────────────────────────
    def _room_for_hall(self) -> WorldInstance | Away | None:
        """The hall while it has room (wherever it is: the stage is there); else a copy with room
        here, else a new copy here while this process has room; only a full process sends people
        on: to a copy with room on another process, else to a new copy on the process with the
        most room. So a town hall spreads over the processes people reached, each with at most
        one copy part-filled, and nobody is moved between processes while their own has room."""
        hall, cap, cluster = self.hall, self.hall_capacity, self.cluster
        local = self.instances.get(hall)
        if cap <= 0 or self.make_copy is None:
            return local if local is not None else self._elsewhere(hall)
        if local is not None and local.population < cap:
            return local
        if local is None and cluster is not None:
            now = now_ms()
            sent = self._sent_to_hall
            while sent and sent[0] < now - HALL_SENT_MEMORY_MS:
                sent.popleft()
            for entry, inst in cluster.instances_elsewhere():
                # As the last view had it, with those sent there lately and maybe not arrived yet:
                # a join burst does not send far more than the hall holds (who arrives to a full
                # hall takes a copy there).
                taken = int(inst.get("count", 0)) + len(sent)
                if inst.get("id") == hall and taken < int(inst.get("capacity", cap)):
                    sent.append(now)
                    return Away(hall, str(entry["url"]), str(entry["id"]))
        for instance in self._local_copies():
            if instance.population < cap:
                return instance
        if cluster is not None and self.capacity and self.population() >= self.capacity:
            elsewhere = [(e, i) for e, i in cluster.instances_elsewhere() if is_copy_of(hall, str(i.get("id")))]
            elsewhere.sort(key=lambda pair: str(pair[1].get("id")))
            for entry, inst in elsewhere:
                if int(inst.get("count", 0)) < int(inst.get("capacity", cap)):
                    return Away(str(inst["id"]), str(entry["url"]), str(entry["id"]))
            others = sorted(cluster.others(), key=cluster.room_of, reverse=True)
            if others and cluster.room_of(others[0]) > 0:
                best = others[0]
                return Away(copy_id(hall, cluster.next_copy_number(hall)), str(best["url"]), str(best["id"]))
        return self._new_copy()

    def _local_copies(self) -> list[WorldInstance]:
        """The hall (when here) and its copies here, the hall first."""
        found = [i for i in self.instances.values() if is_copy_of(self.hall, i.instance_id)]
        return sorted(found, key=lambda i: i.instance_id != self.hall)

    def _local_room(self, dst: WorldInstance) -> WorldInstance:
        """`dst` if it has room, else a copy here with room, else a new copy here."""
        for instance in [dst, *self._local_copies()]:
            if instance.population < self.hall_capacity:
                return instance
        return self._new_copy()

    def _new_copy(self) -> WorldInstance:
        assert self.make_copy is not None
        if self.cluster is not None:
            name = copy_id(self.hall, self.cluster.next_copy_number(self.hall))
        else:
            taken = set(self.instances)
            name = next(copy_id(self.hall, n) for n in itertools.count(2) if copy_id(self.hall, n) not in taken)
        made = self.make_copy(name)
        log_event(log, "hall_copy_opened", instance=made.instance_id, hall=self.hall)
        return made

    def population(self) -> int:
        return sum(i.population for i in self.instances.values())

    def reap(self) -> None:
        """Overflow copies nobody is in any more (parked avatars count) are removed."""
        if not self.hall:
            return
        for instance_id, instance in list(self.instances.items()):
            if instance_id != self.hall and is_copy_of(self.hall, instance_id) and instance.population == 0:
                del self.instances[instance_id]
                log_event(log, "hall_copy_closed", instance=instance_id)
