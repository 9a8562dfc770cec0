"""Every message: its type number, who may send it, and one frozen dataclass.

Fields are in wire units (centimetres, 16-bit yaw steps, milliseconds) so what you see
here is exactly what crosses the socket; `quant` converts. Constructors validate, so an
invalid message can't exist on either side.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from enum import Enum, IntEnum
from typing import Any, TypeVar, dataclass_transform

import numpy as np

from .errors import InvalidField, ReservedName
from .look import check_style
from .text import check_name, reserved_name
from .validate import check_bool, check_bytes, check_choice, check_float, check_int, check_str

__all__ = [
    "PROTOCOL_VERSION",
    "DELTA_DPOS",
    "DELTA_POS",
    "DELTA_YAW",
    "DELTA_ANIM",
    "MessageType",
    "Sender",
    "Message",
    "MESSAGE_CLASSES",
    "SENDERS",
    "CLIENT_KINDS",
    "ROLES",
    "LANGS",
    "Hello",
    "Welcome",
    "Input",
    "Snapshot",
    "SnapshotDelta",
    "Full",
    "AvatarEnter",
    "AvatarLeave",
    "ZoneChanged",
    "InstanceChanged",
    "Redirect",
    "Error",
    "Ping",
    "Pong",
    "Register",
    "Login",
    "Logout",
    "AuthOk",
]

PROTOCOL_VERSION = 1

U32 = 2**32 - 1
U16 = 2**16 - 1
MAX_NAME = 32
MAX_ENTITIES = 256  # a snapshot never carries more (interest is capped well below)
CM_LIMIT = 10_000_00  # 10 km in centimetres: anything farther is nonsense
MS_LIMIT = 2**53  # milliseconds since the epoch fit a double exactly

CLIENT_KINDS = frozenset({"desktop", "bot"})
ROLES = frozenset({"guest", "citizen", "staff", "host", "admin"})
LANGS = frozenset({"id", "en"})
ANIM_IDLE, ANIM_WALK, ANIM_RUN, ANIM_SIT = 0, 1, 2, 3


class MessageType(IntEnum):
    # session and movement
    HELLO = 1
    WELCOME = 2
    INPUT = 3
    SNAPSHOT = 4
    AVATAR_ENTER = 5
    AVATAR_LEAVE = 6
    ZONE_CHANGED = 7
    ERROR = 8
    PING = 9
    PONG = 10
    INSTANCE_CHANGED = 11
    REDIRECT = 12
    SNAPSHOT_DELTA = 14
    FULL = 15
    # accounts
    REGISTER = 20
    LOGIN = 21
    AUTH_OK = 22
    LOGOUT = 23
    # booths, ticket queues and service requests (protocol/booths.py)
    BOOTH_INFO_GET = 40
    BOOTH_INFO = 41
    BOOTH_STATE = 42
    TAKE_NUMBER = 43
    LEAVE_QUEUE = 44
    TICKET = 45
    SUBMIT_REQUEST = 46
    REQUEST_SUBMITTED = 47
    REQUEST_INVALID = 48
    MY_REQUESTS = 49
    STAFF_REQUESTS = 50
    REQUEST_LIST = 51
    REQUEST_GET = 52
    REQUEST_DETAIL = 53
    REQUEST_STATUS_CHANGED = 54
    COUNTER_MAN = 55
    CALL_NEXT = 56
    FINISH_TICKET = 57
    STAFF_QUEUE = 58
    COUNTER_SAY = 59
    COUNTER_MESSAGE = 60
    SET_REQUEST_STATUS = 61
    EDIT_OPD = 62
    EDIT_PROGRAM = 63
    STAFF_REQUEST_NEW = 64
    # chat, emotes and moderation (protocol/chat.py)
    CHAT_SEND = 70
    CHAT = 71
    EMOTE = 72
    EMOTED = 73
    DIRECT_SEND = 74
    DIRECT = 75
    DIRECT_SENT = 76
    MUTE = 77
    BLOCK = 78
    CHAT_LISTS = 79
    REPORT = 80
    REPORT_FILED = 81
    MODERATE = 82
    MODERATED = 83
    MODERATE_DONE = 84
    ANNOUNCE = 85
    ANNOUNCEMENT = 86
    # town-hall events: board, seats, stage, hands, Q&A, polls, slides (protocol/events.py)
    EVENT_SCHEDULE = 100
    EVENT_LIST = 101
    EVENT_REGISTER = 102
    EVENT_CONTROL = 103
    EVENT_JOIN = 104
    EVENT_LEAVE = 105
    SIT = 106
    STAGE_SAY = 107
    SPEAKER_SET = 108
    HAND_RAISE = 109
    FLOOR_GIVE = 110
    QUESTION_ASK = 111
    QUESTION_VOTE = 112
    QUESTION_MARK = 113
    POLL_OPEN = 114
    POLL_VOTE = 115
    POLL_CLOSE = 116
    EVENT_MODERATE = 117
    SLIDE_ADD = 118
    SLIDE_SHOW = 119
    EVENT_INFO = 130
    EVENT_BOARD = 131
    EVENT_JOINED = 132
    EVENT_NOTICE = 133
    STAGE_LINE = 134
    SEATED = 135
    EVENT_HALL = 136
    QUESTIONS = 137
    POLL = 138
    SLIDE = 139
    EVENT_DONE = 140
    PLACED = 141


class Sender(Enum):
    CLIENT = "client"
    SERVER = "server"


MESSAGE_CLASSES: dict[MessageType, type[Message]] = {}
SENDERS: dict[MessageType, Sender] = {}


_M = TypeVar("_M")


# `dataclass_transform` tells type checkers that a registered class is a frozen dataclass.
@dataclass_transform(frozen_default=True)
def message(mtype: MessageType, sender: Sender) -> Callable[[type[_M]], type[_M]]:
    """Register a dataclass as the one shape of `mtype`."""

    def register(cls: type[_M]) -> type[_M]:
        made: Any = dataclass(frozen=True, slots=True)(cls)
        made.TYPE = mtype
        made.FIELD_NAMES = tuple(f.name for f in fields(made))  # encode runs per client per tick
        MESSAGE_CLASSES[mtype] = made
        SENDERS[mtype] = sender
        return made

    return register


def _set(obj: object, name: str, value: object) -> None:
    """Store a field's cleaned form on a frozen message (validation normalises, e.g. NFC)."""
    object.__setattr__(obj, name, value)


def _chosen_name(field: str, value: object) -> str:
    """A name someone picked for themself: the text policy, and not one that passes for a role."""
    name = check_name(field, value, allow_empty=True)
    if name and reserved_name(name):
        raise ReservedName(f"{field}: reserved")
    return name


class Message:
    """Base of all messages (for typing); each subclass has a `TYPE`."""

    __slots__ = ()
    TYPE: MessageType

    FIELD_NAMES: tuple[str, ...] = ()

    def to_wire(self) -> dict:
        out = {"t": int(self.TYPE)}
        for name in self.FIELD_NAMES:
            out[name] = getattr(self, name)
        return out


@message(MessageType.HELLO, Sender.CLIENT)
class Hello(Message):
    """First message from a client. `token` resumes a session (empty for a new guest)."""

    version: int
    name: str
    kind: str = "desktop"
    lang: str = "id"
    token: str = ""
    # Snapshots per second this client wants at most (a slow PC's low preset); 0: the server's rate.
    snapshot_hz: int = 0
    style: bytes = b""  # the citizen's chosen look (protocol/look.py); empty: the server's default

    def __post_init__(self) -> None:
        check_int("version", self.version, 0, U16)
        check_int("snapshot_hz", self.snapshot_hz, 0, 120)
        # A guest name follows the rules of a registered display name (protocol/text.py).
        _set(self, "name", _chosen_name("name", self.name))
        check_choice("kind", self.kind, CLIENT_KINDS)
        check_choice("lang", self.lang, LANGS)
        check_str("token", self.token, 0, 128)
        check_style(self.style)


@message(MessageType.WELCOME, Sender.SERVER)
class Welcome(Message):
    """The server accepted you: your avatar, the world and the clocks."""

    avatar_id: int
    name: str
    role: str
    world_id: str
    tick_hz: int
    snapshot_hz: int
    input_hz: int
    interest_radius_cm: int
    server_time_ms: int
    x_cm: int
    y_cm: int
    yaw: int
    token: str = ""  # send it in `hello` to get this avatar back after a dropped connection
    opd: str = ""  # your agency, if you are staff
    resumed: bool = False  # True when you got an existing avatar back
    instance: str = ""  # the world instance your avatar is in (building, auditorium, ...)

    def __post_init__(self) -> None:
        check_str("instance", self.instance, 0, 32)
        check_str("token", self.token, 0, 128)
        check_str("opd", self.opd, 0, 16)
        check_bool("resumed", self.resumed)
        check_int("avatar_id", self.avatar_id, 1, U32)
        check_str("name", self.name, 1, MAX_NAME)
        check_choice("role", self.role, ROLES)
        check_str("world_id", self.world_id, 1, 64)
        for name in ("tick_hz", "snapshot_hz", "input_hz"):
            check_int(name, getattr(self, name), 1, 120)
        check_int("interest_radius_cm", self.interest_radius_cm, 1, CM_LIMIT)
        check_int("server_time_ms", self.server_time_ms, 0, MS_LIMIT)
        check_int("x_cm", self.x_cm, -CM_LIMIT, CM_LIMIT)
        check_int("y_cm", self.y_cm, -CM_LIMIT, CM_LIMIT)
        check_int("yaw", self.yaw, 0, U16)


@message(MessageType.INPUT, Sender.CLIENT)
class Input(Message):
    """One input period (1/input_hz seconds) of intent: direction in the world frame, facing, run."""

    seq: int
    move_x: float
    move_y: float
    yaw: int
    run: bool = False
    # The newest snapshot tick this client has received (0: none, or a client without deltas).
    # Once a client sends one, the server answers with `SnapshotDelta`s against the ticks it reports.
    ack_tick: int = 0

    def __post_init__(self) -> None:
        check_int("seq", self.seq, 0, U32)
        check_float("move_x", self.move_x, -1.0, 1.0)
        check_float("move_y", self.move_y, -1.0, 1.0)
        check_int("yaw", self.yaw, 0, U16)
        check_bool("run", self.run)
        check_int("ack_tick", self.ack_tick, 0, U32)


def unchecked_input(
    seq: int, move_x: float, move_y: float, yaw: int, run: bool = False, ack_tick: int = 0,
    _new: Any = object.__new__, _put: Any = object.__setattr__,
) -> Input:
    """An `Input` whose every field the caller has already checked against `Input`'s own rules
    (the codec's fast path, a gateway's forwarded fields): built without checking again, several
    times cheaper on the movement stream, which is every client's most frequent message."""
    obj = _new(Input)
    _put(obj, "seq", seq)
    _put(obj, "move_x", move_x)
    _put(obj, "move_y", move_y)
    _put(obj, "yaw", yaw)
    _put(obj, "run", run)
    _put(obj, "ack_tick", ack_tick)
    return obj


@message(MessageType.SNAPSHOT, Sender.SERVER)
class Snapshot(Message):
    """Avatars in your interest this tick, packed little-endian: ids u32, pos i32 pairs (cm), yaw u16, anim u8."""

    tick: int
    ack_seq: int
    server_time_ms: int
    ids: bytes
    pos: bytes
    yaw: bytes
    anim: bytes

    def __post_init__(self) -> None:
        check_int("tick", self.tick, 0, U32)
        check_int("ack_seq", self.ack_seq, 0, U32)
        check_int("server_time_ms", self.server_time_ms, 0, MS_LIMIT)
        check_bytes("ids", self.ids, 4 * MAX_ENTITIES, multiple_of=4)
        n = len(self.ids) // 4
        check_bytes("pos", self.pos, 8 * MAX_ENTITIES, multiple_of=8)
        check_bytes("yaw", self.yaw, 2 * MAX_ENTITIES, multiple_of=2)
        check_bytes("anim", self.anim, MAX_ENTITIES)
        if len(self.pos) != 8 * n or len(self.yaw) != 2 * n or len(self.anim) != n:
            raise InvalidField("snapshot arrays differ in length")

    @classmethod
    def pack(cls, tick: int, ack_seq: int, server_time_ms: int, ids, pos_cm, yaw_u16, anim) -> Snapshot:
        return cls(
            tick=tick,
            ack_seq=ack_seq,
            server_time_ms=server_time_ms,
            ids=np.ascontiguousarray(ids, dtype="<u4").tobytes(),
            pos=np.ascontiguousarray(pos_cm, dtype="<i4").tobytes(),
            yaw=np.ascontiguousarray(yaw_u16, dtype="<u2").tobytes(),
            anim=np.ascontiguousarray(anim, dtype="u1").tobytes(),
        )

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(ids u32 [n], pos i32 [n, 2] centimetres, yaw u16 [n], anim u8 [n])."""
        return (
            np.frombuffer(self.ids, dtype="<u4"),
            np.frombuffer(self.pos, dtype="<i4").reshape(-1, 2),
            np.frombuffer(self.yaw, dtype="<u2"),
            np.frombuffer(self.anim, dtype="u1"),
        )


# Bits of `SnapshotDelta.flags`, one byte per listed avatar: what follows for it, in the field named.
DELTA_DPOS = 1  # moved a little: dx, dy int8 centimetres in `dpos`
DELTA_POS = 2  # moved far, or new: x, y int32 centimetres in `pos`
DELTA_YAW = 4  # turned, or new: uint16 in `yaw`
DELTA_ANIM = 8  # changed animation, or new: uint8 in `anim`
_DELTA_BITS = DELTA_DPOS | DELTA_POS | DELTA_YAW | DELTA_ANIM


@message(MessageType.SNAPSHOT_DELTA, Sender.SERVER)
class SnapshotDelta(Message):
    """Your interest this tick as a change from the snapshot of tick `base_tick` (0: from nothing).

    The avatars listed are the base's (sorted by id) without the `gone` ones (indices into the
    base's list, u8), plus `new_ids` (u32), re-sorted by id; `flags` (u8, one per listed avatar)
    says which of `dpos` (i8 pairs), `pos` (i32 pairs), `yaw` (u16) and `anim` (u8) carry a value
    for it, in list order. Anything without a value is as it was in the base."""

    tick: int
    base_tick: int
    ack_seq: int
    server_time_ms: int
    gone: bytes
    new_ids: bytes
    flags: bytes
    dpos: bytes
    pos: bytes
    yaw: bytes
    anim: bytes

    def __post_init__(self) -> None:
        check_int("tick", self.tick, 1, U32)
        check_int("base_tick", self.base_tick, 0, self.tick - 1)
        check_int("ack_seq", self.ack_seq, 0, U32)
        check_int("server_time_ms", self.server_time_ms, 0, MS_LIMIT)
        check_bytes("gone", self.gone, MAX_ENTITIES)
        check_bytes("new_ids", self.new_ids, 4 * MAX_ENTITIES, multiple_of=4)
        check_bytes("flags", self.flags, MAX_ENTITIES)
        check_bytes("dpos", self.dpos, 2 * MAX_ENTITIES, multiple_of=2)
        check_bytes("pos", self.pos, 8 * MAX_ENTITIES, multiple_of=8)
        check_bytes("yaw", self.yaw, 2 * MAX_ENTITIES, multiple_of=2)
        check_bytes("anim", self.anim, MAX_ENTITIES)
        flags = np.frombuffer(self.flags, dtype="u1")
        if (flags & (0xFF ^ _DELTA_BITS)).any():
            raise InvalidField("flags: unknown bits")
        if self.base_tick == 0 and self.gone:
            raise InvalidField("gone: nothing to leave a delta from nothing")
        counts = ((DELTA_DPOS, self.dpos, 2), (DELTA_POS, self.pos, 8), (DELTA_YAW, self.yaw, 2),
                  (DELTA_ANIM, self.anim, 1))
        for bit, data, size in counts:
            if int(np.count_nonzero(flags & bit)) * size != len(data):
                raise InvalidField("snapshot_delta: a field's length does not match its flags")
        if (((flags & DELTA_DPOS) != 0) & ((flags & DELTA_POS) != 0)).any():
            raise InvalidField("flags: dpos and pos for one avatar")


@message(MessageType.FULL, Sender.SERVER)
class Full(Message):
    """`hello` refused: this server (or the instance you asked for) is at capacity. Try `url`
    (another server process, empty if none is known) or `instance` (another copy, empty if none),
    or the same server again after `retry_after_ms`. The connection is then closed with 4008."""

    instance: str = ""
    url: str = ""
    retry_after_ms: int = 0

    def __post_init__(self) -> None:
        check_str("instance", self.instance, 0, 32)
        check_str("url", self.url, 0, 256)
        check_int("retry_after_ms", self.retry_after_ms, 0, 3_600_000)


@message(MessageType.AVATAR_ENTER, Sender.SERVER)
class AvatarEnter(Message):
    """An avatar entered your interest: its static facts, sent once."""

    id: int
    name: str
    role: str
    look: int  # 0xRRGGBB of the avatar's clothing
    opd: str = ""  # staff's agency code, else empty
    style: bytes = b""  # the full look (protocol/look.py); empty: draw defaults in the `look` colour

    def __post_init__(self) -> None:
        check_int("id", self.id, 1, U32)
        check_str("name", self.name, 1, MAX_NAME)
        check_choice("role", self.role, ROLES)
        check_int("look", self.look, 0, 0xFFFFFF)
        check_str("opd", self.opd, 0, 16)
        check_style(self.style)


@message(MessageType.AVATAR_LEAVE, Sender.SERVER)
class AvatarLeave(Message):
    """An avatar left your interest (walked away, or left the world)."""

    id: int

    def __post_init__(self) -> None:
        check_int("id", self.id, 1, U32)


@message(MessageType.ZONE_CHANGED, Sender.SERVER)
class ZoneChanged(Message):
    """Your avatar entered a zone (empty id: outside every zone)."""

    zone_id: str

    def __post_init__(self) -> None:
        check_str("zone_id", self.zone_id, 0, 64)


@message(MessageType.INSTANCE_CHANGED, Sender.SERVER)
class InstanceChanged(Message):
    """Your avatar walked into another world instance (through the auditorium doors): same world
    data, same session; forget the avatars you saw, they are in the instance you left. Snapshot
    ticks start a new count."""

    instance: str
    kind: str

    def __post_init__(self) -> None:
        check_str("instance", self.instance, 1, 32)
        check_str("kind", self.kind, 1, 32)


@message(MessageType.REDIRECT, Sender.SERVER)
class Redirect(Message):
    """The instance you are going to (through a door, to an event, or named by your session) is
    hosted by another server process: connect to `url` and send `hello` with `token`. The server
    closes this connection with 4009 right after."""

    url: str
    instance: str
    token: str

    def __post_init__(self) -> None:
        check_str("url", self.url, 1, 256)
        if not self.url.startswith(("ws://", "wss://")):
            raise InvalidField("url must be ws:// or wss://")
        check_str("instance", self.instance, 1, 32)
        check_str("token", self.token, 1, 128)


@message(MessageType.ERROR, Sender.SERVER)
class Error(Message):
    """Something you sent was refused. `ref` names it (request id or input seq; 0 if none)."""

    code: str
    text: str = ""
    ref: int = 0

    def __post_init__(self) -> None:
        check_str("code", self.code, 1, 32)
        check_str("text", self.text, 0, 200)
        check_int("ref", self.ref, 0, U32)


@message(MessageType.PING, Sender.CLIENT)
class Ping(Message):
    client_time_ms: int

    def __post_init__(self) -> None:
        check_int("client_time_ms", self.client_time_ms, 0, MS_LIMIT)


@message(MessageType.PONG, Sender.SERVER)
class Pong(Message):
    client_time_ms: int
    server_time_ms: int

    def __post_init__(self) -> None:
        check_int("client_time_ms", self.client_time_ms, 0, MS_LIMIT)
        check_int("server_time_ms", self.server_time_ms, 0, MS_LIMIT)


@message(MessageType.REGISTER, Sender.CLIENT)
class Register(Message):
    """Create a citizen account; answered by `auth_ok` (logged in) or an `error` with `ref` = request_id."""

    request_id: int
    username: str
    password: str
    display_name: str = ""
    lang: str = "id"

    def __post_init__(self) -> None:
        check_int("request_id", self.request_id, 1, U32)
        check_str("username", self.username, 1, 64)
        check_str("password", self.password, 1, 128)
        _set(self, "display_name", _chosen_name("display_name", self.display_name))
        if reserved_name(self.username):
            raise ReservedName("username: reserved")
        check_choice("lang", self.lang, LANGS)


@message(MessageType.LOGIN, Sender.CLIENT)
class Login(Message):
    """Log in; answered by `auth_ok` or an `error` with `ref` = request_id."""

    request_id: int
    username: str
    password: str

    def __post_init__(self) -> None:
        check_int("request_id", self.request_id, 1, U32)
        check_str("username", self.username, 1, 64)
        check_str("password", self.password, 1, 128)


@message(MessageType.AUTH_OK, Sender.SERVER)
class AuthOk(Message):
    """You are logged in. Send `hello` with this token to enter the world (and to resume after a drop)."""

    request_id: int
    token: str
    username: str
    display_name: str
    role: str
    opd: str = ""
    lang: str = "id"

    def __post_init__(self) -> None:
        check_int("request_id", self.request_id, 0, U32)
        check_str("token", self.token, 1, 128)
        check_str("username", self.username, 1, 64)
        check_str("display_name", self.display_name, 1, MAX_NAME)
        check_choice("role", self.role, ROLES)
        check_str("opd", self.opd, 0, 16)
        check_choice("lang", self.lang, LANGS)


@message(MessageType.LOGOUT, Sender.CLIENT)
class Logout(Message):
    """End this session: the token stops working and the avatar leaves at once (no reconnect grace)."""

    request_id: int = 0

    def __post_init__(self) -> None:
        check_int("request_id", self.request_id, 0, U32)
