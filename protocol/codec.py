"""Bytes <-> messages over msgpack, with strict limits.

One WebSocket binary frame carries one msgpack map: `{"t": <MessageType>, <field>: <value>, ...}`.
Each frame is decoded by a fresh `unpackb` call (no `Unpacker` is kept, so none is reused
after an error), with explicit size limits and ext types refused.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any, TypeVar

import msgpack

from .booths import RequestInvalid
from .errors import (
    InvalidField,
    InvalidRequestFields,
    LocalProtocolError,
    MalformedMessage,
    MessageTooLarge,
    RemoteProtocolError,
    UnknownMessageType,
)
from .events import MAX_SLIDE_BYTES, MAX_SLIDE_TEXT
from .messages import MESSAGE_CLASSES, MS_LIMIT, U16, U32, Error, Input, Message, MessageType, Snapshot, unchecked_input
from .validate import check_int

__all__ = [
    "MAX_FRAME_BYTES",
    "encode",
    "decode",
    "decode_as",
    "peek_request_id",
    "refusal",
    "request_ref",
    "pack_snapshot_body",
    "encode_snapshot",
    "encode_snapshot_delta",
    "encode_snapshot_deltas",
]

MAX_FRAME_BYTES = 64 * 1024
M = TypeVar("M", bound=Message)
_MAX_STR = 4096
_MAX_BIN = 8192
_MAX_ARRAY = 256
_MAX_MAP = 64
# A slide is the one thing bigger than the general limits: its picture or card travels whole in one
# frame. Only these top-level fields of these types may be this large (bytes of bin or UTF-8).
# An upload may reach the frame limit, so a picture just over 48 KiB is told `slide_too_large`.
_WIDE_FIELDS: dict[int, dict[str, int]] = {
    int(MessageType.SLIDE_ADD): {"data": MAX_FRAME_BYTES, "text": 4 * MAX_SLIDE_TEXT},
    int(MessageType.SLIDE): {"data": MAX_SLIDE_BYTES, "text": 4 * MAX_SLIDE_TEXT},
}

_FIELD_NAMES: dict[type, frozenset[str]] = {}


def _field_names(cls: type) -> frozenset[str]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = frozenset(f.name for f in fields(cls))
    return names


def _refuse_ext(code: int, data: bytes):
    raise MalformedMessage("ext types are not accepted")


def encode(msg: Message) -> bytes:
    if type(msg) not in MESSAGE_CLASSES.values():
        raise LocalProtocolError(f"not a message: {type(msg).__name__}")
    data = msgpack.packb(msg.to_wire(), use_bin_type=True)
    if len(data) > MAX_FRAME_BYTES:
        raise LocalProtocolError(f"{type(msg).__name__} encodes to {len(data)} bytes")
    return data


def pack_snapshot_body(ids: bytes, pos: bytes, yaw: bytes, anim: bytes) -> bytes:
    """The four array fields of a snapshot, packed once and shared by every viewer who sees the same set."""
    Snapshot(tick=0, ack_seq=0, server_time_ms=0, ids=ids, pos=pos, yaw=yaw, anim=anim)  # validates
    pack = msgpack.packb
    fields = (("ids", ids), ("pos", pos), ("yaw", yaw), ("anim", anim))
    return b"".join(pack(k) + pack(v, use_bin_type=True) for k, v in fields)


def encode_snapshot(tick: int, ack_seq: int, server_time_ms: int, body: bytes) -> bytes:
    """Byte for byte `encode(Snapshot(...))`, with the arrays from `pack_snapshot_body`."""
    check_int("tick", tick, 0, U32)
    check_int("ack_seq", ack_seq, 0, U32)
    check_int("server_time_ms", server_time_ms, 0, MS_LIMIT)
    pack = msgpack.packb
    head = (
        b"\x88"  # a map of 8 entries: t, tick, ack_seq, server_time_ms and the four arrays
        + pack("t") + pack(int(MessageType.SNAPSHOT))
        + pack("tick") + pack(tick)
        + pack("ack_seq") + pack(ack_seq)
        + pack("server_time_ms") + pack(server_time_ms)
    )
    return head + body


def _bin(data: bytes) -> bytes:
    """A msgpack bin header and the bytes (the server's bins stay under 64 KiB)."""
    n = len(data)
    if n < 256:
        return b"\xc4" + _U8[n] + data
    return b"\xc5" + n.to_bytes(2, "big") + data


_U8 = [bytes((i,)) for i in range(256)]
_DELTA_HEAD = b"\x8c" + msgpack.packb("t") + msgpack.packb(int(MessageType.SNAPSHOT_DELTA)) + msgpack.packb("tick")
_K_BASE, _K_ACK, _K_TIME = (msgpack.packb(k) for k in ("base_tick", "ack_seq", "server_time_ms"))
_K_DELTA = tuple(msgpack.packb(k) for k in ("gone", "new_ids", "flags", "dpos", "pos", "yaw", "anim"))


def encode_snapshot_delta(
    tick: int, base_tick: int, ack_seq: int, server_time_ms: int,
    gone: bytes, new_ids: bytes, flags: bytes, dpos: bytes, pos: bytes, yaw: bytes, anim: bytes,
) -> bytes:
    """Byte for byte `encode(SnapshotDelta(...))`, without the checks: for the server, which builds
    one per viewer per tick from arrays it made itself (tests hold it to the dataclass)."""
    pack = msgpack.packb
    parts = [_DELTA_HEAD, pack(tick), _K_BASE, pack(base_tick), _K_ACK, pack(ack_seq), _K_TIME, pack(server_time_ms)]
    for key, data in zip(_K_DELTA, (gone, new_ids, flags, dpos, pos, yaw, anim), strict=True):
        parts.append(key)
        parts.append(_bin(data))
    return b"".join(parts)


_PACK = msgpack.Packer(autoreset=True).pack  # one packer: `msgpack.packb` builds one per call


def encode_snapshot_deltas(
    tick: int, server_time_ms: int, base_ticks: list[int], ack_seqs: list[int], fields: list[list[bytes]],
) -> list[bytes]:
    """`encode_snapshot_delta` for many viewers of one tick at once, byte for byte: `fields` holds
    the seven array fields (gone, new_ids, flags, dpos, pos, yaw, anim) as one list per field with
    an entry per viewer. The parts every viewer shares are packed once."""
    pack = _PACK
    head = _DELTA_HEAD + pack(tick) + _K_BASE
    mid = _K_TIME + pack(server_time_ms)
    u8 = _U8
    packed = [
        [key + (b"\xc4" + u8[len(d)] + d if len(d) < 256 else b"\xc5" + len(d).to_bytes(2, "big") + d) for d in col]
        for key, col in zip(_K_DELTA, fields, strict=True)
    ]
    k_ack = _K_ACK
    return [
        b"".join((head, pack(base), k_ack, pack(ack), mid, *parts))
        for base, ack, *parts in zip(base_ticks, ack_seqs, *packed, strict=True)
    ]


def request_ref(obj: dict) -> int:
    """The id a reply to this frame carries: its `request_id`, else an input's `seq`, else 0."""
    for key in ("request_id", "seq"):
        value = obj.get(key)
        if type(value) is int and 0 <= value <= U32:
            return value
    return 0


def _check_wire_limits(obj: object) -> None:
    """Every string, bin, array and map in the frame within the wire limits (README, Transport)."""
    stack: list[Any] = [obj]  # decoded msgpack: anything until its type is checked
    mtype = obj.get("t") if isinstance(obj, dict) else None
    wide = _WIDE_FIELDS.get(mtype) if type(mtype) is int else None
    if wide and isinstance(obj, dict):
        if len(obj) > _MAX_MAP:
            raise MessageTooLarge(f"a map over {_MAX_MAP} entries")
        stack = []
        for key, value in obj.items():
            limit = wide.get(key) if type(value) in (str, bytes) else None
            if limit is None:
                stack.extend((key, value))
            elif len(value.encode() if type(value) is str else value) > limit:
                raise MessageTooLarge(f"{key} over {limit} bytes")
    while stack:
        value = stack.pop()
        kind = type(value)
        if kind is str:
            # A code point is at most 4 bytes: only long strings need encoding to be measured.
            if len(value) * 4 > _MAX_STR and len(value.encode()) > _MAX_STR:
                raise MessageTooLarge(f"a string over {_MAX_STR} bytes")
        elif kind is bytes:
            if len(value) > _MAX_BIN:
                raise MessageTooLarge(f"a bin over {_MAX_BIN} bytes")
        elif kind is list:
            if len(value) > _MAX_ARRAY:
                raise MessageTooLarge(f"an array over {_MAX_ARRAY} items")
            stack.extend(value)
        elif kind is dict:
            if len(value) > _MAX_MAP:
                raise MessageTooLarge(f"a map over {_MAX_MAP} entries")
            stack.extend(value.keys())
            stack.extend(value.values())


def decode(data: bytes) -> Message:
    """Parse one frame; every failure is a `RemoteProtocolError` subclass.

    The frame is unpacked first with only the frame's own bound, so the request id can be read
    before anything else is checked: the error then carries it as `ref` (a 1,001-character
    chat line is refused as `too_large` naming its `request_id`)."""
    obj = _unpack(data)
    if obj.get("t") == _T_INPUT:
        msg = _plain_input(obj)
        if msg is not None:
            return msg
    ref = request_ref(obj)
    try:
        return _message(obj)
    except RemoteProtocolError as exc:
        exc.ref = ref
        raise


def peek_request_id(data: bytes) -> int:
    """The `request_id` of a frame not otherwise looked at (one dropped over the rate limit), so
    its refusal can name it; 0 for anything that is not a command with a valid id."""
    try:
        obj = _unpack(data)
    except RemoteProtocolError:
        return 0
    value = obj.get("request_id")
    return value if type(value) is int and 1 <= value <= U32 else 0


def _unpack(data: bytes) -> dict:
    """One frame to a msgpack map, within the frame's bound and refusing ext types."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise MalformedMessage("frames must be binary")
    if len(data) > MAX_FRAME_BYTES:
        raise MessageTooLarge(f"frame of {len(data)} bytes")
    try:
        obj = msgpack.unpackb(
            data,
            raw=False,
            strict_map_key=True,
            use_list=True,
            ext_hook=_refuse_ext,
            max_str_len=MAX_FRAME_BYTES,
            max_bin_len=MAX_FRAME_BYTES,
            max_array_len=MAX_FRAME_BYTES,
            max_map_len=MAX_FRAME_BYTES,
            max_ext_len=0,
        )
    except MalformedMessage:
        raise
    except (ValueError, msgpack.ExtraData, msgpack.FormatError, msgpack.StackError, TypeError, OverflowError) as exc:
        # ValueError covers truncated input, bad UTF-8 and ext types alike.
        raise MalformedMessage(type(exc).__name__) from None
    if not isinstance(obj, dict):
        raise MalformedMessage("a frame must be a map")
    return obj


def decode_as(data: bytes, kind: type[M]) -> M | None:
    """The message in `data` if it parses and is a `kind`, else None: for frames our own
    processes exchange (the bus), where anything else is a fault to log, not an error to answer."""
    try:
        msg = decode(data)
    except RemoteProtocolError:
        return None
    return msg if isinstance(msg, kind) else None


_T_INPUT = int(MessageType.INPUT)
_INPUT_KEYS = frozenset(("t", "seq", "move_x", "move_y", "yaw", "run", "ack_tick"))


def _plain_input(obj: dict) -> Input | None:
    """The movement stream's frame (every client, 20 times a second) when every field is as
    `Input` requires: checked in place and built without a second round of checks. Anything
    else (a missing, unknown or bad field) returns None and takes the general path, which
    refuses it with its usual error and ref: this path only ever accepts, never refuses."""
    if len(obj) > 7 or not obj.keys() <= _INPUT_KEYS or type(obj["t"]) is not int:
        return None
    get: Any = obj.get  # decoded msgpack: anything until its type is checked
    seq = get("seq")
    move_x = get("move_x")
    move_y = get("move_y")
    yaw = get("yaw")
    run = get("run", False)
    ack_tick = get("ack_tick", 0)
    # `-1.0 <= v <= 1.0` is False for NaN; ints are numbers too (not bools: their type is bool).
    if (
        type(seq) is int and 0 <= seq <= U32
        and type(yaw) is int and 0 <= yaw <= U16
        and type(move_x) in _NUMBER and -1.0 <= move_x <= 1.0
        and type(move_y) in _NUMBER and -1.0 <= move_y <= 1.0
        and type(run) is bool
        and type(ack_tick) is int and 0 <= ack_tick <= U32
    ):
        return unchecked_input(seq, move_x, move_y, yaw, run, ack_tick)
    return None


_NUMBER = (float, int)


def _message(obj: dict) -> Message:
    _check_wire_limits(obj)
    mtype = obj.pop("t", None)
    if type(mtype) is not int:
        raise MalformedMessage("missing message type")
    try:
        cls = MESSAGE_CLASSES[MessageType(mtype)]
    except ValueError:
        raise UnknownMessageType(f"type {mtype}") from None
    allowed = _field_names(cls)
    unknown = obj.keys() - allowed
    if unknown:
        raise InvalidField(f"unknown fields {sorted(map(str, unknown))[:4]}")
    try:
        return cls(**obj)
    except TypeError:
        raise InvalidField("missing fields") from None


def refusal(exc: RemoteProtocolError) -> Message:
    """What the peer gets for a frame `decode` refused: `request_invalid` with the field map
    for a service request's field problems, else an `error` with the code and `ref`."""
    if isinstance(exc, InvalidRequestFields) and exc.ref >= 1:
        return RequestInvalid(request_id=exc.ref, problems=exc.problems)
    return Error(code=exc.code.value, ref=exc.ref)
