"""The wire contract between Makaverse clients and servers (see README.md beside this file)."""

from .booths import *  # noqa: F401,F403
from .booths import __all__ as _booths_all
from .chat import *  # noqa: F401,F403
from .chat import __all__ as _chat_all
from .codec import (
    MAX_FRAME_BYTES,
    decode,
    decode_as,
    encode,
    encode_snapshot,
    encode_snapshot_delta,
    encode_snapshot_deltas,
    pack_snapshot_body,
    peek_request_id,
    refusal,
)
from .delta import SnapshotBook, ViewState, apply_delta, make_delta
from .errors import (
    CloseCode,
    ErrorCode,
    InvalidField,
    InvalidRequestFields,
    LocalProtocolError,
    MalformedMessage,
    MessageTooLarge,
    ProtocolError,
    RemoteProtocolError,
    ReservedName,
    UnknownMessageType,
)
from .events import *  # noqa: F401,F403
from .events import __all__ as _events_all
from .look import Look, look_from_style
from .messages import *  # noqa: F401,F403
from .messages import __all__ as _messages_all

__all__ = [
    "MAX_FRAME_BYTES",
    "encode",
    "decode",
    "decode_as",
    "peek_request_id",
    "refusal",
    "encode_snapshot",
    "encode_snapshot_delta",
    "encode_snapshot_deltas",
    "SnapshotBook",
    "ViewState",
    "apply_delta",
    "make_delta",
    "pack_snapshot_body",
    "CloseCode",
    "ErrorCode",
    "ProtocolError",
    "RemoteProtocolError",
    "LocalProtocolError",
    "MessageTooLarge",
    "MalformedMessage",
    "UnknownMessageType",
    "InvalidField",
    "Look",
    "look_from_style",
    "InvalidRequestFields",
    "ReservedName",
    *_messages_all,
    *_chat_all,
    *_booths_all,
    *_events_all,
]
