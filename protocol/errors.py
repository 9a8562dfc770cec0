"""Protocol errors, split by blame, with the stable codes peers see.

`RemoteProtocolError` is the peer's fault (bad bytes, bad fields); `LocalProtocolError`
is ours (we tried to build or send something invalid). Only `code` crosses the wire,
never exception text.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum

__all__ = [
    "ErrorCode",
    "CloseCode",
    "ProtocolError",
    "RemoteProtocolError",
    "LocalProtocolError",
    "MessageTooLarge",
    "MalformedMessage",
    "UnknownMessageType",
    "InvalidField",
    "ReservedName",
    "InvalidRequestFields",
]


class ErrorCode(StrEnum):
    """Stable codes carried by the `error` message; clients translate them."""

    MALFORMED = "malformed"  # not msgpack, not a map, trailing bytes, ext types
    TOO_LARGE = "too_large"  # a frame or a field beyond its limit
    UNKNOWN_TYPE = "unknown_type"  # `t` is not a message type we know
    INVALID_FIELD = "invalid_field"  # a field is missing, of the wrong type or out of range
    UNEXPECTED = "unexpected"  # a valid message this peer may not send now
    VERSION = "version"  # protocol version mismatch
    RATE_LIMITED = "rate_limited"  # slow down
    NOT_ALLOWED = "not_allowed"  # the role or state does not permit it
    NOT_FOUND = "not_found"  # the thing referred to does not exist
    CONFLICT = "conflict"  # the thing changed under you, or already exists
    UNAVAILABLE = "unavailable"  # a dependency (database) is failing; retry later
    INTERNAL = "internal"  # our fault; logged on the server
    FULL = "full"  # this server is at capacity: the `full` message before it says where to go
    # accounts
    BAD_CREDENTIALS = "bad_credentials"  # unknown user or wrong password (deliberately the same)
    USERNAME_TAKEN = "username_taken"
    INVALID_USERNAME = "invalid_username"
    WEAK_PASSWORD = "weak_password"
    THROTTLED = "throttled"  # too many failed logins: wait and retry
    BANNED = "banned"
    TOKEN_EXPIRED = "token_expired"  # the session token is unknown, revoked or too old
    # chat and moderation
    SLOW_DOWN = "slow_down"  # too many chat lines, emotes or direct messages: wait a moment
    MUTED = "muted"  # a moderator muted you; `text` says for how many more minutes
    BLOCKED = "blocked"  # the recipient does not accept direct messages from you
    LOGIN_REQUIRED = "login_required"  # guests may not do this: log in or register
    # booths, queues and service requests
    NOT_AT_BOOTH = "not_at_booth"  # stand in the booth's interaction zone to take a number
    NOT_AT_COUNTER = "not_at_counter"  # staff: stand behind your OPD's counter to man it
    NOT_MANNING = "not_manning"  # staff: man your counter first
    QUEUE_EMPTY = "queue_empty"  # nobody is waiting
    TOO_MANY_TICKETS = "too_many_tickets"  # you already hold tickets at three OPDs
    ILLEGAL_TRANSITION = "illegal_transition"  # the request's status machine does not allow that move
    LIMIT_REACHED = "limit_reached"  # too many programs for one OPD
    # town-hall events
    EVENT_ENDED = "event_ended"  # the event is over: nothing in it changes any more
    NOT_IN_EVENT = "not_in_event"  # join the event first (or you were removed from it)
    NOT_SPEAKER = "not_speaker"  # only the host, invited speakers and whoever has the floor speak on stage
    NOT_HOST = "not_host"  # only the event's host (or an admin) may do this
    ALREADY_VOTED = "already_voted"  # one vote per attendee, per poll or question
    POLL_CLOSED = "poll_closed"  # the poll is closed, or there is none with that id
    DOORS_CLOSED = "doors_closed"  # the doors are closed to you (not open yet, closed or locked)
    SEAT_TAKEN = "seat_taken"  # someone sits there already
    TOO_FAR = "too_far"  # stand next to the seat to sit on it
    SLIDE_TOO_LARGE = "slide_too_large"  # a slide's file or picture is over the limit
    NOT_AN_IMAGE = "not_an_image"  # a slide file is not a PNG or JPEG we can read
    # names
    NAME_RESERVED = "name_reserved"  # the name could pass for a role or the system (admin, staff, Tamu-…)


class CloseCode(IntEnum):
    """WebSocket close codes the server uses; 4000-4999 are ours."""

    NORMAL = 1000
    GOING_AWAY = 1001  # server shutting down
    POLICY = 1008  # repeated bad input
    TOO_BIG = 1009  # frame over max_size
    INTERNAL = 1011
    VERSION_MISMATCH = 4000
    SLOW_CONSUMER = 4001  # the send queue overflowed: you stopped reading
    FLOODING = 4002  # too many messages
    HANDSHAKE_TIMEOUT = 4003  # no valid hello in time
    AUTH_FAILED = 4004
    REPLACED = 4005  # the same account connected again elsewhere
    KICKED = 4006
    BANNED = 4007
    SERVER_FULL = 4008
    REDIRECTED = 4009  # go to the url of the `redirect` just sent, with its token


class ProtocolError(Exception):
    """Root of every protocol error.

    `ref` is the request id (`request_id`, or an input's `seq`) of the message that caused it,
    read from the frame before any field was checked, so the `error` reply can name it; 0 when
    the frame had none (or was not even a map)."""

    code: ErrorCode = ErrorCode.INTERNAL
    ref: int = 0


class RemoteProtocolError(ProtocolError):
    """The peer sent something invalid."""

    code = ErrorCode.MALFORMED


class LocalProtocolError(ProtocolError):
    """We built something invalid: a bug on our side."""

    code = ErrorCode.INTERNAL


class MessageTooLarge(RemoteProtocolError):
    code = ErrorCode.TOO_LARGE


class MalformedMessage(RemoteProtocolError):
    code = ErrorCode.MALFORMED


class UnknownMessageType(RemoteProtocolError):
    code = ErrorCode.UNKNOWN_TYPE


class InvalidField(RemoteProtocolError):
    code = ErrorCode.INVALID_FIELD


class ReservedName(InvalidField):
    """A guest name, display name or username that could pass for a role or the system."""

    code = ErrorCode.NAME_RESERVED


class InvalidRequestFields(InvalidField):
    """A service request whose fields (or note) break the text rules: answered by
    `request_invalid` with `problems` (field name, `_note` for the note, to a problem code)."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__(", ".join(f"{k}: {v}" for k, v in sorted(problems.items())))
        self.problems = problems
