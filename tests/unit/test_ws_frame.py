"""The transport's own WebSocket framing (server/net/connection.py) is byte for byte what the
websockets library would put on the wire for the same binary message from a server."""

from __future__ import annotations

import pytest
from websockets.frames import Frame, Opcode

from makaverse.server.net.connection import _framed, ws_frame


@pytest.mark.parametrize("size", [0, 1, 125, 126, 127, 65_535, 65_536, 200_000])
def test_frames_match_the_library(size):
    payload = bytes(i % 251 for i in range(size))
    assert ws_frame(payload) == Frame(Opcode.BINARY, payload).serialize(mask=False, extensions=[])


def test_one_payload_sent_to_many_is_framed_once():
    payload = b"\x81\xa1t\x3c" * 40
    first = _framed(payload)
    assert _framed(payload) is first
    other = bytes(bytearray(payload))  # equal, but another message
    assert _framed(other) == first and _framed(other) is not first
