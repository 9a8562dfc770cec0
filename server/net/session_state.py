"""The session state machine, as data: which messages a client may send in which state,
and which events move it on. Everything that changes a session's state lives here."""

from __future__ import annotations

from enum import Enum

from makaverse.protocol import MessageType
from makaverse.protocol.messages import SENDERS, Sender

__all__ = ["SessionState", "SessionEvent", "TRANSITIONS", "ALLOWED", "next_state", "InvalidTransition"]


class SessionState(Enum):
    CONNECTING = "connecting"  # socket open, no hello yet
    IN_WORLD = "in_world"  # avatar in the world
    CLOSING = "closing"


class SessionEvent(Enum):
    ENTERED = "entered"  # hello accepted, avatar placed
    CLOSE = "close"


class InvalidTransition(Exception):
    pass


TRANSITIONS: dict[SessionState, dict[SessionEvent, SessionState]] = {
    SessionState.CONNECTING: {SessionEvent.ENTERED: SessionState.IN_WORLD, SessionEvent.CLOSE: SessionState.CLOSING},
    SessionState.IN_WORLD: {SessionEvent.CLOSE: SessionState.CLOSING},
    SessionState.CLOSING: {SessionEvent.CLOSE: SessionState.CLOSING},
}

# Before entering the world a client may only log in, register, say hello or ping; once in
# the world it may send every client message except those. Anything else is `unexpected`.
_BEFORE_WORLD = frozenset({MessageType.HELLO, MessageType.LOGIN, MessageType.REGISTER, MessageType.PING})
_CLIENT_MESSAGES = frozenset(t for t, sender in SENDERS.items() if sender is Sender.CLIENT)

ALLOWED: dict[SessionState, frozenset[MessageType]] = {
    SessionState.CONNECTING: _BEFORE_WORLD,
    SessionState.IN_WORLD: (_CLIENT_MESSAGES - _BEFORE_WORLD) | {MessageType.PING},
    SessionState.CLOSING: frozenset(),
}


def next_state(state: SessionState, event: SessionEvent) -> SessionState:
    try:
        return TRANSITIONS[state][event]
    except KeyError:
        raise InvalidTransition(f"{event.value} in {state.value}") from None
