"""What a gateway process and the simulation process say to each other over their local channel,
as bytes, without I/O: a batch is a 4-byte length and records; a record is a kind byte, a
connection id and the kind's fields. One batch carries whatever one side produced in one turn
of its loop (a tick's frames for every client of a gateway; the inputs of a few milliseconds).

Up (gateway to simulation): OPEN a connection was upgraded (its address); INPUT a decoded
movement intent (fixed fields, nothing to decode again); COMMAND any other validated message
(re-encoded, rare); CLOSED a connection ended; STATS the gateway's transport counters since the
last report (JSON); READY the gateway listens; HTTP_ANSWER is not used up.
Down (simulation to gateway): FRAME bytes to send a client; DROP close a client (code, flush,
reason); STATE the session state changed; DONE the command in flight finished (the gateway reads
the connection's next message only then, as the single process does); ELSEWHERE connections open
on the other gateways (JSON, for the admission caps); HTTP_ANSWER the answer to an HTTP_ASK;
STOP close every client with 1001 and exit.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Iterator
from enum import IntEnum
from typing import Any, NamedTuple

__all__ = [
    "Kind",
    "Record",
    "InputFields",
    "BatchWriter",
    "BatchReader",
    "BATCH_HEADER",
    "MAX_BATCH_BYTES",
    "WireError",
    "iter_records",
]


class WireError(ValueError):
    """A batch that does not parse: the channel is broken (never a client's doing)."""


class Kind(IntEnum):
    # up
    OPEN = 1
    INPUT = 2
    COMMAND = 3
    CLOSED = 4
    STATS = 5
    READY = 6
    HTTP_ASK = 7
    # down
    FRAME = 20
    DROP = 21
    STATE = 22
    DONE = 23
    ELSEWHERE = 24
    HTTP_ANSWER = 25
    STOP = 26


BATCH_HEADER = struct.Struct("<I")
MAX_BATCH_BYTES = 256 * 1024 * 1024  # a tick's frames for thousands of clients fit many times over
_HEAD = struct.Struct("<BI")  # kind, connection id (or request id)
_LEN = struct.Struct("<I")
_FRAME_HEAD = struct.Struct("<BII")  # _HEAD and _LEN of a FRAME record in one
_INPUT = struct.Struct("<IddH?I")  # seq, move_x, move_y, yaw, run, ack_tick: as decoded, to the bit
_DROP = struct.Struct("<H?")  # close code, flush
_STATE = struct.Struct("<B")
_HTTP = struct.Struct("<H")  # status

_KINDS = {int(kind): kind for kind in Kind}
_FRAME = int(Kind.FRAME)
# Kinds whose body is length-prefixed bytes (the others have fixed fields or none).
_BYTES_KINDS = frozenset({Kind.OPEN, Kind.COMMAND, Kind.STATS, Kind.FRAME, Kind.ELSEWHERE, Kind.HTTP_ASK})


class InputFields(NamedTuple):  # tuples: one record per input, thousands a second, cheapest to build
    seq: int
    move_x: float
    move_y: float
    yaw: int
    run: bool
    ack_tick: int = 0


class Record(NamedTuple):
    kind: Kind
    conn_id: int
    data: Any = b""  # bytes, InputFields, (code, flush, reason), state number, or (status, body)


_input_fields = InputFields._make


class BatchWriter:
    """Records appended in order, taken out as one length-prefixed batch."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self._size = 0

    def __len__(self) -> int:
        return len(self._parts)

    @property
    def size(self) -> int:
        return self._size

    def _add(self, *parts: bytes) -> None:
        for part in parts:
            self._parts.append(part)
            self._size += len(part)

    def blob(self, kind: Kind, conn_id: int, data: bytes) -> None:
        self._add(_HEAD.pack(kind, conn_id), _LEN.pack(len(data)), data)

    def frame(self, conn_id: int, data: bytes) -> None:
        """`blob(Kind.FRAME, …)`, the same bytes: one per client per tick, so its head is one pack."""
        parts = self._parts
        parts.append(_FRAME_HEAD.pack(_FRAME, conn_id, len(data)))
        parts.append(data)
        self._size += _FRAME_HEAD.size + len(data)

    def plain(self, kind: Kind, conn_id: int) -> None:
        self._add(_HEAD.pack(kind, conn_id))

    def input(
        self, conn_id: int, seq: int, move_x: float, move_y: float, yaw: int, run: bool, ack_tick: int = 0
    ) -> None:
        self._add(_HEAD.pack(Kind.INPUT, conn_id) + _INPUT.pack(seq, move_x, move_y, yaw, run, ack_tick))

    def drop(self, conn_id: int, code: int, reason: str, *, flush: bool) -> None:
        text = reason.encode("utf-8")
        self._add(_HEAD.pack(Kind.DROP, conn_id) + _DROP.pack(code, flush) + _LEN.pack(len(text)), text)

    def state(self, conn_id: int, state: int) -> None:
        self._add(_HEAD.pack(Kind.STATE, conn_id) + _STATE.pack(state))

    def json(self, kind: Kind, conn_id: int, obj: Any) -> None:
        self.blob(kind, conn_id, json.dumps(obj, separators=(",", ":")).encode("utf-8"))

    def http_answer(self, ask_id: int, status: int, body: bytes) -> None:
        self._add(_HEAD.pack(Kind.HTTP_ANSWER, ask_id) + _HTTP.pack(status) + _LEN.pack(len(body)), body)

    def take(self) -> bytes:
        """The batch (header and records), and an empty writer."""
        parts, self._parts = self._parts, []
        size, self._size = self._size, 0
        return BATCH_HEADER.pack(size) + b"".join(parts)


def iter_records(body: bytes | memoryview) -> Iterator[Record]:
    """The records of one batch body (without its length header)."""
    view = memoryview(body)
    at = 0
    end = len(view)
    try:
        while at < end:
            kind_n, conn_id = _HEAD.unpack_from(view, at)
            at += _HEAD.size
            kind = _KINDS[kind_n]
            if kind in _BYTES_KINDS:
                (n,) = _LEN.unpack_from(view, at)
                at += _LEN.size
                if at + n > end:
                    raise WireError("record runs past the batch")
                yield Record(kind, conn_id, bytes(view[at : at + n]))
                at += n
            elif kind is Kind.INPUT:
                yield Record(kind, conn_id, _input_fields(_INPUT.unpack_from(view, at)))
                at += _INPUT.size
            elif kind is Kind.DROP:
                code, flush = _DROP.unpack_from(view, at)
                at += _DROP.size
                (n,) = _LEN.unpack_from(view, at)
                at += _LEN.size
                yield Record(kind, conn_id, (code, flush, bytes(view[at : at + n]).decode("utf-8", "replace")))
                at += n
            elif kind is Kind.STATE:
                yield Record(kind, conn_id, _STATE.unpack_from(view, at)[0])
                at += _STATE.size
            elif kind is Kind.HTTP_ANSWER:
                (status,) = _HTTP.unpack_from(view, at)
                at += _HTTP.size
                (n,) = _LEN.unpack_from(view, at)
                at += _LEN.size
                yield Record(kind, conn_id, (status, bytes(view[at : at + n])))
                at += n
            else:
                yield Record(kind, conn_id)
    except (struct.error, ValueError, KeyError) as exc:
        if isinstance(exc, WireError):
            raise
        raise WireError(f"bad record at byte {at}: {exc}") from None


class BatchReader:
    """Bytes from a stream in, whole batch bodies out (a batch may arrive in pieces)."""

    def __init__(self) -> None:
        self._buf = bytearray()

    def feed(self, data: bytes) -> list[bytes]:
        self._buf += data
        out = []
        while len(self._buf) >= BATCH_HEADER.size:
            (size,) = BATCH_HEADER.unpack_from(self._buf, 0)
            if size > MAX_BATCH_BYTES:
                raise WireError(f"batch of {size} bytes")
            total = BATCH_HEADER.size + size
            if len(self._buf) < total:
                break
            out.append(bytes(self._buf[BATCH_HEADER.size : total]))
            del self._buf[:total]
        return out
