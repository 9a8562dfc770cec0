"""What a room component asks the wiring to do, as data: the sans-I/O seam of every feature.

A component's `handle(command, actor, now_ms)` and `tick(now_ms)` return an `Effects`: an ordered
list of things to do now (replies, pushes, store writes, bus messages, closes, instance moves) and,
when the handler must wait for an answer (a store read, a commit, whether a push reached anyone),
one `pending` request with the way to resume. Handlers are written as generators that `yield` a
request and get its answer back (`rows = yield ctx.call("list_requests", ...)`); `drive` turns
them into this shape, so a test feeds answers by hand and the effect runner is the only code that
awaits. A handler refuses by raising `Refused`; store errors thrown into it may simply propagate:
either ends up in `Effects.failure`, which the wiring maps to an `error` code in one place.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any

from makaverse.protocol import Error, ErrorCode
from makaverse.protocol.messages import Message

from .actor import Actor

__all__ = [
    "spot_of",
    "ToConn",
    "ToAvatar",
    "ToAccount",
    "ToZone",
    "ToInstance",
    "ToEveryone",
    "ToStaff",
    "Target",
    "Reply",
    "Push",
    "Write",
    "Publish",
    "Close",
    "Move",
    "Call",
    "Deliver",
    "Announce",
    "Request",
    "Pending",
    "Effects",
    "Ctx",
    "Handler",
    "RoomError",
    "Refused",
    "drive",
]


class RoomError(Exception):
    """Root of the rooms' own errors."""


class Refused(RoomError):
    """The peer may not do this (its fault): becomes an `error` reply with `code`; `hint` is our own short text."""

    def __init__(self, code: ErrorCode | str, hint: str = "", *, close: int | None = None) -> None:
        super().__init__(str(code))
        self.code = str(code)
        self.hint = hint
        self.close = close  # also close the connection with this code


# ── where a push goes ────────────────────────────────────────────────────────
@dataclass(frozen=True, slots=True)
class ToConn:
    conn_id: int


@dataclass(frozen=True, slots=True)
class ToAvatar:
    avatar_id: int


@dataclass(frozen=True, slots=True)
class ToAccount:
    """Wherever the account's avatar is in this process, in any instance."""

    account_id: int


@dataclass(frozen=True, slots=True)
class ToZone:
    instance: str
    zone_id: str


@dataclass(frozen=True, slots=True)
class ToInstance:
    instance: str


@dataclass(frozen=True, slots=True)
class ToEveryone:
    """Every avatar in the world on this process, whichever instance."""


@dataclass(frozen=True, slots=True)
class ToStaff:
    """Every logged-in staff member of one OPD in the world on this process, whichever instance."""

    opd: str


Target = ToConn | ToAvatar | ToAccount | ToZone | ToInstance | ToEveryone | ToStaff


# ── things to do now ─────────────────────────────────────────────────────────
@dataclass(frozen=True, slots=True)
class Reply:
    """To the sender of the command; `msg` carries the command's ref."""

    conn_id: int
    msg: Message


@dataclass(frozen=True, slots=True)
class Push:
    target: Target
    msg: Message | bytes  # bytes: encoded once for many receivers


@dataclass(frozen=True, slots=True)
class Call:
    """A store method by name, run off the event loop. Calls on one `lane` run in order."""

    method: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    lane: str = ""


@dataclass(frozen=True, slots=True)
class Write:
    """A store call nobody waits for (logged if it fails)."""

    call: Call


@dataclass(frozen=True, slots=True)
class Publish:
    """A bus message. `at_once`: this process's subscribers take it now, within the publisher's
    turn, rather than on a later turn behind whatever the loop has queued (a stage line in a
    poll's burst of votes); other processes get it through the bus as ever."""

    channel: str
    payload: bytes
    at_once: bool = False


@dataclass(frozen=True, slots=True)
class Close:
    """Drop the target's connection; its avatar leaves at once (no reconnect grace)."""

    target: Target
    code: int
    reason: str


@dataclass(frozen=True, slots=True)
class Move:
    """An avatar walked into the region of another instance, or is sent there (`seat`: placed
    at a free seat; a full hall sends it to an overflow copy). `seat` with its own instance
    just sits it down where it is. `spot` (x, y, yaw in radians): stood at the free place nearest
    (x, y) facing yaw, in that very instance however full (the host on the stage)."""

    avatar_id: int
    to_instance: str
    seat: bool = False
    spot: tuple[float, float, float] | None = None


Effect = Reply | Push | Write | Publish | Close | Move


def spot_of(raw: Any) -> tuple[float, float, float] | None:
    """A `Move.spot` read back from a bus message or a hand-off ([x, y, yaw], or None)."""
    return (float(raw[0]), float(raw[1]), float(raw[2])) if raw else None


# ── things a handler waits for ───────────────────────────────────────────────
@dataclass(frozen=True, slots=True)
class Deliver:
    """A push whose answer says whether anyone was there to take it."""

    target: Target
    msg: Message


@dataclass(frozen=True, slots=True)
class Announce:
    """A bus publish whose answer says whether the bus took it."""

    channel: str
    payload: bytes


Request = Call | Deliver | Announce


@dataclass(slots=True)
class Pending:
    request: Request
    resume: Callable[[Any, BaseException | None, int], Effects]  # (answer, error, now_ms)


class Effects:
    """What to do, in order; then maybe one request to wait for, or a failure to report."""

    __slots__ = ("ref", "out", "pending", "failure")

    def __init__(self, ref: int = 0) -> None:
        self.ref = ref
        self.out: list[Effect] = []
        self.pending: Pending | None = None
        self.failure: BaseException | None = None

    def __bool__(self) -> bool:
        return bool(self.out) or self.pending is not None or self.failure is not None

    def extend(self, other: Effects) -> Effects:
        """Append another's immediate effects (used by ticks, which never wait)."""
        self.out.extend(other.out)
        return self

    def of(self, kind: type) -> list:
        return [e for e in self.out if isinstance(e, kind)]

    @property
    def replies(self) -> list[Reply]:
        return self.of(Reply)

    @property
    def pushes(self) -> list[Push]:
        return self.of(Push)

    @property
    def writes(self) -> list[Write]:
        return self.of(Write)

    @property
    def bus(self) -> list[Publish]:
        return self.of(Publish)


class Ctx:
    """A handler's view while it runs: who asked, the command's ref, now, and where effects go."""

    __slots__ = ("actor", "ref", "now_ms", "fx")

    def __init__(self, actor: Actor | None, ref: int, now_ms: int) -> None:
        self.actor = actor
        self.ref = ref
        self.now_ms = now_ms
        self.fx = Effects(ref)

    @property
    def now_s(self) -> float:
        return self.now_ms / 1000.0

    def reply(self, msg: Message) -> None:
        assert self.actor is not None
        self.fx.out.append(Reply(self.actor.conn_id, msg))

    def refuse(self, code: ErrorCode | str, hint: str = "") -> None:
        """An error reply naming the command, without ending the handler (prefer `raise Refused`)."""
        self.reply(Error(code=str(code), text=hint[:200], ref=self.ref))

    def push(self, target: Target, msg: Message | bytes) -> None:
        self.fx.out.append(Push(target, msg))

    def write(self, method: str, *args: Any, lane: str = "", **kwargs: Any) -> None:
        self.fx.out.append(Write(Call(method, args, kwargs, lane)))

    def publish(self, channel: str, payload: bytes, *, at_once: bool = False) -> None:
        self.fx.out.append(Publish(channel, payload, at_once))

    def close(self, target: Target, code: int, reason: str) -> None:
        self.fx.out.append(Close(target, code, reason))

    @staticmethod
    def call(method: str, *args: Any, lane: str = "", **kwargs: Any) -> Call:
        """A store call to `yield`; the answer (or the store's exception) comes back at the yield."""
        return Call(method, args, kwargs, lane)


HandlerRun = Generator[Request, Any, Any]  # yields requests, gets answers, may return a value
Handler = Callable[..., "HandlerRun | None"]


def drive(run: HandlerRun | None, ctx: Ctx) -> Effects:
    """Run a handler up to its first request (or its end) and return what it asked for."""
    if run is None:
        return ctx.fx
    return _step(run, ctx, None, None)


def _step(run: HandlerRun, ctx: Ctx, answer: Any, error: BaseException | None) -> Effects:
    fx = ctx.fx
    try:
        request = run.throw(error) if error is not None else run.send(answer)
    except StopIteration:
        return fx
    except Exception as exc:  # refused, a store error nobody caught, or a bug: the wiring decides
        fx.failure = exc
        return fx

    def resume(answer: Any, error: BaseException | None, now_ms: int) -> Effects:
        ctx.now_ms = now_ms
        ctx.fx = Effects(ctx.ref)
        return _step(run, ctx, answer, error)

    fx.pending = Pending(request, resume)
    return fx
