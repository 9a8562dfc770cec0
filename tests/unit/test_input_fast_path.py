"""The codec's fast path for `input` frames accepts exactly what the general path accepts, builds
the same message, and leaves every refusal (error type, code, ref) to the general path."""

from __future__ import annotations

import math

import msgpack
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from makaverse.protocol import Input, MessageType, RemoteProtocolError, codec, decode, encode
from makaverse.protocol.messages import unchecked_input

T = int(MessageType.INPUT)


def general_decode(data: bytes, monkeypatch: pytest.MonkeyPatch):
    """`decode` with the fast path switched off: the reference."""
    with monkeypatch.context() as m:
        m.setattr(codec, "_plain_input", lambda obj: None)
        return outcome(data)


def outcome(data: bytes):
    """The message, or what the refusal says: (exception type, code, ref)."""
    try:
        return decode(data)
    except RemoteProtocolError as exc:
        return (type(exc), exc.code, exc.ref)


def fields(message: Input) -> tuple:
    """Every field with its type (1 == 1.0 == True in Python, not on the wire)."""
    return tuple((type(getattr(message, name)), getattr(message, name)) for name in Input.FIELD_NAMES)


VALID = [
    {"t": T, "seq": 1, "move_x": 0.0, "move_y": 0.0, "yaw": 0},
    {"t": T, "seq": 7, "move_x": 0.70710678, "move_y": -0.70710678, "yaw": 12345, "run": False},
    {"t": T, "seq": 2**32 - 1, "move_x": 1, "move_y": -1, "yaw": 65535, "run": True, "ack_tick": 2**32 - 1},
    {"seq": 3, "t": T, "yaw": 9, "move_y": 0.5, "move_x": -1.0, "ack_tick": 40},  # any key order
    {"t": T, "seq": 0, "move_x": 0, "move_y": 0, "yaw": 0, "ack_tick": 0},
]


@pytest.mark.parametrize("obj", VALID)
def test_valid_inputs_take_the_fast_path_and_equal_the_general_one(obj, monkeypatch):
    data = msgpack.packb(obj)
    assert codec._plain_input(msgpack.unpackb(data)) is not None
    fast = decode(data)
    slow = general_decode(data, monkeypatch)
    assert isinstance(fast, Input) and fast == slow and fields(fast) == fields(slow)
    assert encode(fast) == encode(slow)


def test_what_the_client_encodes_round_trips():
    msg = Input(seq=42, move_x=0.25, move_y=-0.5, yaw=100, run=True, ack_tick=9)
    assert fields(decode(encode(msg))) == fields(msg)


INVALID = [
    {"t": T, "seq": -1, "move_x": 0.0, "move_y": 0.0, "yaw": 0},
    {"t": T, "seq": 2**32, "move_x": 0.0, "move_y": 0.0, "yaw": 0},
    {"t": T, "seq": True, "move_x": 0.0, "move_y": 0.0, "yaw": 0},
    {"t": T, "seq": 1.0, "move_x": 0.0, "move_y": 0.0, "yaw": 0},
    {"t": T, "seq": 5, "move_x": 1.0000001, "move_y": 0.0, "yaw": 0},
    {"t": T, "seq": 5, "move_x": math.nan, "move_y": 0.0, "yaw": 0},
    {"t": T, "seq": 5, "move_x": 0.0, "move_y": -math.inf, "yaw": 0},
    {"t": T, "seq": 5, "move_x": True, "move_y": 0.0, "yaw": 0},
    {"t": T, "seq": 5, "move_x": 2, "move_y": 0.0, "yaw": 0},
    {"t": T, "seq": 5, "move_x": "0", "move_y": 0.0, "yaw": 0},
    {"t": T, "seq": 5, "move_x": 0.0, "move_y": 0.0, "yaw": 65536},
    {"t": T, "seq": 5, "move_x": 0.0, "move_y": 0.0, "yaw": -1},
    {"t": T, "seq": 5, "move_x": 0.0, "move_y": 0.0, "yaw": 1.5},
    {"t": T, "seq": 5, "move_x": 0.0, "move_y": 0.0, "yaw": 0, "run": 1},
    {"t": T, "seq": 5, "move_x": 0.0, "move_y": 0.0, "yaw": 0, "run": None},
    {"t": T, "seq": 5, "move_x": 0.0, "move_y": 0.0, "yaw": 0, "ack_tick": -3},
    {"t": T, "seq": 5, "move_x": 0.0, "move_y": 0.0, "yaw": 0, "ack_tick": 2**32},
    {"t": T, "seq": 5, "move_x": 0.0, "move_y": 0.0, "yaw": 0, "ack_tick": False},
    {"t": T, "seq": 5, "move_x": 0.0, "move_y": 0.0},  # yaw missing
    {"t": T, "move_x": 0.0, "move_y": 0.0, "yaw": 0},  # seq missing: the ref is 0
    {"t": T, "seq": 5, "move_x": 0.0, "move_y": 0.0, "yaw": 0, "extra": 1},
    {"t": T, "seq": 5, "move_x": 0.0, "move_y": 0.0, "yaw": 0, "request_id": 77},  # the ref: the request id first
    {"t": float(T), "seq": 5, "move_x": 0.0, "move_y": 0.0, "yaw": 0},
    {"t": True, "seq": 5, "move_x": 0.0, "move_y": 0.0, "yaw": 0},
    {"t": T, "seq": 5, "move_x": 0.0, "move_y": 0.0, "yaw": 0, "run": False, "ack_tick": 1, "x": "y" * 5000},
]


@pytest.mark.parametrize("obj", INVALID)
def test_invalid_inputs_are_refused_as_the_general_path_refuses_them(obj, monkeypatch):
    data = msgpack.packb(obj, use_bin_type=True)
    unpacked = msgpack.unpackb(data, strict_map_key=False)
    if isinstance(unpacked, dict):
        assert codec._plain_input(unpacked) is None
    fast = outcome(data)
    slow = general_decode(data, monkeypatch)
    assert isinstance(fast, tuple) and fast == slow
    seq = obj.get("seq")
    assert fast[2] == obj.get("request_id", seq if type(seq) is int and 0 <= seq < 2**32 else 0)


def test_bytes_keys_are_not_fields():
    data = msgpack.packb({"t": T, b"seq": 5, "move_x": 0.0, "move_y": 0.0, "yaw": 0}, use_bin_type=True)
    assert isinstance(outcome(data), tuple)


def test_unchecked_input_is_the_checked_one():
    assert fields(unchecked_input(3, 0.5, -1, 7, True, 11)) == fields(
        Input(seq=3, move_x=0.5, move_y=-1, yaw=7, run=True, ack_tick=11))
    assert fields(unchecked_input(3, 0.5, 0.0, 7)) == fields(Input(seq=3, move_x=0.5, move_y=0.0, yaw=7))


_VALUES = st.one_of(
    st.integers(min_value=-(2**33), max_value=2**33),
    st.sampled_from([0, 1, -1, 2**32 - 1, 2**32, 65535, 65536]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-1.0, max_value=1.0),
    st.booleans(),
    st.none(),
    st.text(max_size=3),
    st.binary(max_size=3),
)
_KEYS = ["seq", "move_x", "move_y", "yaw", "run", "ack_tick"]


@settings(max_examples=400, deadline=None)
@given(
    values=st.fixed_dictionaries({}, optional={k: _VALUES for k in _KEYS}),
    extra=st.one_of(st.none(), st.sampled_from(["x", "request_id", "tick"])),
    extra_value=_VALUES,
)
def test_fast_and_general_paths_agree_on_any_input_frame(values, extra, extra_value):
    obj = {"t": T, **values}
    if extra is not None:
        obj[extra] = extra_value
    data = msgpack.packb(obj, use_bin_type=True)
    fast = outcome(data)
    with pytest.MonkeyPatch.context() as m:
        m.setattr(codec, "_plain_input", lambda obj: None)
        slow = outcome(data)
    if isinstance(slow, tuple):
        assert fast == slow
    else:
        assert fields(fast) == fields(slow)
