"""The transport's `Dispatcher`: a decoded message goes to the front door (hello, login, register,
ping, logout), straight to the simulation (input), or to the component that owns its type in the
session's instance (or, for a process-wide one such as the booth desk, the instance that hosts it).
Every failure goes through the runner's one error path, carrying the message's ref."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from makaverse.protocol import ErrorCode, Input, MessageType
from makaverse.protocol.messages import Message

from ..net.session import Session
from ..rooms.booths import QUEUE_COMMANDS
from ..rooms.component import ref_of
from ..rooms.effects import Refused
from ..rooms.instance import WorldInstance
from .gate import Gate
from .places import Places
from .players import Player, Players
from .runner import EffectRunner, now_ms

__all__ = ["Router"]

log = logging.getLogger("makaverse.router")


class Router:
    def __init__(
        self,
        instances: Mapping[str, WorldInstance],
        players: Players,
        places: Places,
        gate: Gate,
        runner: EffectRunner,
        *,
        health: Callable[[], dict],
    ) -> None:
        self.instances = instances
        self.players = players
        self.places = places
        self.gate = gate
        self.runner = runner
        self._health = health
        self._front: dict[MessageType, Callable[[Player, Any], Any]] = {
            MessageType.HELLO: gate.hello,
            MessageType.LOGIN: gate.login,
            MessageType.REGISTER: gate.register,
            MessageType.LOGOUT: gate.logout,
            MessageType.PING: gate.ping,
        }

    def connected(self, session: Session) -> None:
        self.players.by_conn[session.conn.conn_id] = Player(session)
        self.players.arrivals += 1

    def disconnected(self, session: Session, now_s: float) -> None:
        player = self.players.by_conn.pop(session.conn.conn_id, None)
        if player is not None:
            self.places.disconnected(player, now_s)

    def health(self) -> dict:
        return self._health()

    def _instance_for(self, player: Player, mtype: MessageType) -> WorldInstance | None:
        home = self.instances.get(player.instance)
        if home is not None and home.handles(mtype):
            return home
        return next((i for i in self.instances.values() if i.handles(mtype)), None)

    def dispatch_input(self, session: Session, msg: Message) -> None:
        """The movement stream: straight into the simulation, no effects to run."""
        player = self.players.by_conn[session.conn.conn_id]
        if player.avatar_id is not None:
            assert isinstance(msg, Input)
            self.instances[player.instance].on_input(player.avatar_id, msg)

    def dispatch(self, session: Session, msg: Message) -> Awaitable[None] | None:
        """Handle one message: what it does at once is done before this returns; the rest, when
        it waits (the front door, a store call), is the awaitable returned (None: done)."""
        player = self.players.by_conn[session.conn.conn_id]
        mtype = msg.TYPE
        if mtype is MessageType.INPUT:
            self.dispatch_input(session, msg)
            return None
        front = self._front.get(mtype)
        if front is not None:
            return self._front_door(session, player, msg, front)
        try:
            if mtype in QUEUE_COMMANDS and self.places.sends_to_desk(player):
                self.places.to_desk(player, msg)  # the queues are another process's: the client goes there
                return None
            instance = self._instance_for(player, mtype)
            if instance is None or player.avatar_id is None:
                raise Refused(ErrorCode.UNEXPECTED)
            fx = instance.handle(msg, player.actor(), now_ms())
        except Exception as exc:
            self.runner.fail(exc, ref=ref_of(msg), conn_id=player.conn_id, what=mtype.name)
            return None
        try:
            return self.runner.start(fx, conn_id=player.conn_id, what=mtype.name)
        except Exception:  # as a failing task was: logged, and the connection's next frames go on
            log.exception("dispatch_failed")
            return None

    async def _front_door(
        self, session: Session, player: Player, msg: Message, front: Callable[[Player, Any], Any]
    ) -> None:
        try:
            entering = player.avatar_id is None
            result = front(player, msg)
            if result is not None:
                await result
            if entering and player.avatar_id is not None and not session.conn.closing:
                self.places.entered(player)
            replay, player.replay = player.replay, None
            if replay is not None and not session.conn.closing:
                rest = self.dispatch(session, replay)  # sent here by another process, with the client
                if rest is not None:
                    await rest
        except Exception as exc:
            self.runner.fail(exc, ref=ref_of(msg), conn_id=player.conn_id, what=msg.TYPE.name)
