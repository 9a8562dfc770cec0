"""The shape of a room component, and the read-only view of people it may consult.

A component is a plain object with state and two doors: `handle(command, actor, now_ms)` for the
client messages it owns and `tick(now_ms)` for time; both return `Effects`. Hooks: `start` (load
what it needs), `enter` (an avatar arrived in the world: joined or resumed), `leave` (it left for
good), `moved_away` (to another server process), `moved` (it went to another instance or
was seated), `receive` (a bus message on one of its `channels`). A `process_wide` component's
hooks run for every arrival in the process, whichever instance the avatar is in (the booth
desk: your ticket is yours in the auditorium too); the others' only for avatars of their own
instance.
"""

from __future__ import annotations

from typing import ClassVar, Protocol

from makaverse.protocol import MessageType
from makaverse.protocol.messages import Message

from .actor import Actor
from .effects import Ctx, Effects, drive

__all__ = ["Component", "Roster", "ref_of"]


class Roster(Protocol):
    """Who is in this process, as the wiring knows it. Lookups only."""

    def actor(self, avatar_id: int) -> Actor | None:
        """The avatar's actor, connected or parked within its reconnect grace, in any instance."""

    def online(self, avatar_id: int) -> bool:
        """True while the avatar has a live connection."""

    def avatar_of_account(self, account_id: int) -> int | None:
        """The account's avatar while it has a live connection, in any instance."""

    def zone_of(self, avatar_id: int) -> str:
        """The zone the avatar stands in ('' when parked or outside every zone)."""


def ref_of(cmd: Message) -> int:
    """The number a reply names: a command's request id (or an input's sequence number)."""
    return getattr(cmd, "request_id", 0) or getattr(cmd, "seq", 0) or 0


class Component:
    name: ClassVar[str] = ""
    process_wide: ClassVar[bool] = False
    # client message type -> name of the handler method: `method(ctx, cmd)`, plain or a generator
    handlers: ClassVar[dict[MessageType, str]] = {}
    channels: ClassVar[tuple[str, ...]] = ()  # bus channels the wiring feeds to `receive`

    def handle(self, cmd: Message, actor: Actor, now_ms: int) -> Effects:
        ctx = Ctx(actor, ref_of(cmd), now_ms)
        try:
            run = getattr(self, self.handlers[cmd.TYPE])(ctx, cmd)
        except Exception as exc:  # a plain handler refused (or failed): reported like a generator's
            ctx.fx.failure = exc
            return ctx.fx
        return drive(run, ctx)

    def tick(self, now_ms: int) -> Effects:
        return Effects()

    def start(self, now_ms: int) -> Effects:
        return Effects()

    def enter(self, actor: Actor, now_ms: int) -> Effects:
        return Effects()

    def leave(self, actor: Actor, now_ms: int) -> Effects:
        return Effects()

    def moved_away(self, actor: Actor, now_ms: int) -> Effects:
        """The avatar left this process for an instance another process hosts (a redirect): as
        `leave`, unless the component keeps something that follows the person there."""
        return self.leave(actor, now_ms)

    def moved(self, actor: Actor, seat: int, now_ms: int) -> Effects:
        """The avatar changed instance (`actor.instance` is the new one) or was seated (`seat`, else -1)."""
        return Effects()

    def receive(self, channel: str, payload: bytes, now_ms: int) -> Effects:
        """A bus message on one of the `channels` this component listens to."""
        return Effects()
