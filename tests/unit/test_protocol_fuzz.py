"""Fuzzing the decoder and every message's validation with hypothesis: random bytes, random
msgpack values, random fields for each message type and mutations of valid frames never raise
anything but the protocol's typed errors, and whatever decodes encodes back to the same message.

For long runs with coverage guidance, see bench/fuzz_atheris.py.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import msgpack
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from makaverse.protocol import MESSAGE_CLASSES, MessageType, RemoteProtocolError, decode, encode, refusal
from makaverse.protocol.messages import Message


def _samples() -> dict:
    name = "makaverse_tests_protocol_samples"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("test_protocol.py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name].SAMPLES


SAMPLES = _samples()
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PER_TYPE = settings(FUZZ, max_examples=30)  # times every message type, twice

# Values msgpack can carry, nested a little; strings lean towards the characters that matter.
_text = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(["\n", "\t", "\u202e", "\u200b", "\u200d", "\u0301", " ", "0", "a", "_"]),
    ),
    max_size=40,
) | st.builds(lambda n, c: c * n, st.integers(0, 5000), st.sampled_from(["a", "é", "😀"]))
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**64 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    _text,
    st.binary(max_size=64) | st.builds(bytes, st.integers(0, 9000)),
)
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=6) | st.dictionaries(_text, inner, max_size=6),
    max_leaves=20,
)


def _decode_or_refuse(data: bytes) -> Message | None:
    """Decode; a refusal must be typed and map to a reply that encodes."""
    try:
        msg = decode(data)
    except RemoteProtocolError as exc:
        assert encode(refusal(exc))  # whatever went wrong, the reply is a valid message
        return None
    again = decode(encode(msg))
    assert again == msg and type(again) is type(msg)
    return msg


@FUZZ
@given(st.binary(max_size=512))
def test_random_bytes(data):
    """Arbitrary bytes are either a message or a typed refusal."""
    _decode_or_refuse(data)


@FUZZ
@given(_values)
def test_random_msgpack_values(value):
    """Any msgpack value (not only maps) is either a message or a typed refusal."""
    _decode_or_refuse(msgpack.packb(value, use_bin_type=True))


@pytest.mark.parametrize("mtype", sorted(MESSAGE_CLASSES), ids=lambda t: t.name.lower())
@PER_TYPE
@given(data=st.data())
def test_random_fields_of_every_message_type(mtype, data):
    """Every message type's validation refuses random field values with a typed error only."""
    sample = SAMPLES[mtype].to_wire()
    names = [k for k in sample if k != "t"]
    frame = {"t": int(mtype)}
    for name in names:
        # Mostly keep the valid value so the fuzzed field is the one that decides.
        if data.draw(st.booleans(), label=f"fuzz {name}"):
            frame[name] = data.draw(_values, label=name)
        elif data.draw(st.integers(0, 9), label=f"drop {name}") != 0:
            frame[name] = sample[name]
    if data.draw(st.integers(0, 9), label="extra key") == 0:
        frame[data.draw(_text, label="key")] = data.draw(_values, label="extra")
    _decode_or_refuse(msgpack.packb(frame, use_bin_type=True))


_MUTATIONS = st.lists(
    st.tuples(st.sampled_from(["flip", "insert", "delete", "truncate"]), st.integers(0, 10_000), st.integers(0, 255)),
    min_size=1,
    max_size=4,
)


@pytest.mark.parametrize("mtype", sorted(SAMPLES), ids=lambda t: t.name.lower())
@PER_TYPE
@given(_MUTATIONS)
def test_mutated_valid_frames(mtype, mutations):
    """Valid frames with bytes flipped, inserted, deleted or cut off are a message or a typed refusal."""
    data = bytearray(encode(SAMPLES[mtype]))
    for op, at, byte in mutations:
        at %= max(1, len(data))
        if op == "flip" and data:
            data[at] ^= byte or 1
        elif op == "insert":
            data.insert(at, byte)
        elif op == "delete" and data:
            del data[at]
        elif op == "truncate":
            del data[at:]
    _decode_or_refuse(bytes(data))


def test_every_message_type_is_fuzzed():
    """The per-type fuzzers cover every registered message type."""
    assert set(SAMPLES) == set(MESSAGE_CLASSES) == set(MessageType)


def test_the_atheris_harness_checks_frames_like_these_tests():
    """bench/fuzz_atheris.py's check accepts valid frames and typed refusals, and flags nothing here."""
    from makaverse.bench.fuzz_atheris import check_frame

    for sample in SAMPLES.values():
        check_frame(encode(sample))
    for junk in (b"", b"\xc1", msgpack.packb({"t": 999, "request_id": 3}), msgpack.packb([1, 2])):
        check_frame(junk)


def test_a_short_atheris_run(tmp_path):
    """A short coverage-guided run finds nothing (skipped where atheris is not installed)."""
    pytest.importorskip("atheris", reason="atheris is optional: pip install -e '.[fuzz]'")
    import subprocess

    script = Path(__file__).resolve().parents[2] / "bench" / "fuzz_atheris.py"
    done = subprocess.run([sys.executable, str(script), "-runs=3000", "-seed=1"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
