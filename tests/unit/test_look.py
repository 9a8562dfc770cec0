"""Avatar looks: packed into a few bytes, validated on decode, with defaults when none was chosen."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from makaverse.protocol import PROTOCOL_VERSION, AvatarEnter, Hello, InvalidField, Look, decode, encode, look_from_style
from makaverse.protocol.look import HEADWEAR, MAX_STYLE_BYTES, PATTERNS, SKIN_TONES, STYLE_BYTES, default_look

_rgb = st.integers(0, 0xFFFFFF)
_looks = st.builds(Look, skin=st.integers(0, SKIN_TONES - 1), headwear=st.sampled_from(HEADWEAR),
                   pattern=st.sampled_from(PATTERNS), top=_rgb, accent=_rgb, bottom=_rgb, head=_rgb)


@given(_looks)
def test_look_round_trips_through_its_bytes(look):
    """Every valid look packs into 15 bytes and unpacks to itself."""
    data = look.pack()
    assert len(data) == STYLE_BYTES
    assert Look.unpack(data) == look


@given(_looks)
def test_hello_and_avatar_enter_carry_the_style(look):
    """A chosen look survives the codec in Hello (client to server) and AvatarEnter (server to client)."""
    hello = decode(encode(Hello(version=PROTOCOL_VERSION, name="Daeng", style=look.pack())))
    assert Look.unpack(hello.style) == look
    enter = decode(encode(AvatarEnter(id=3, name="Daeng", role="guest", look=look.top, style=look.pack())))
    assert look_from_style(enter.style, look=enter.look) == look


def test_style_is_optional_on_the_wire():
    """A Hello or AvatarEnter without `style` decodes with an empty one, drawn as defaults in the `look` colour."""
    import msgpack

    raw = msgpack.packb({"t": int(AvatarEnter.TYPE), "id": 1, "name": "A", "role": "guest", "look": 0x123456})
    msg = decode(raw)
    assert msg.style == b""
    assert look_from_style(msg.style, look=msg.look) == Look(top=0x123456)


@pytest.mark.parametrize("style", [
    b"\x00" * (STYLE_BYTES - 1),  # too short
    b"\x00" * (MAX_STYLE_BYTES + 1),  # too long
    bytes([SKIN_TONES]) + b"\x00" * (STYLE_BYTES - 1),  # unknown skin tone
    bytes([0, len(HEADWEAR)]) + b"\x00" * (STYLE_BYTES - 2),  # unknown headwear
    bytes([0, 0, len(PATTERNS)]) + b"\x00" * (STYLE_BYTES - 3),  # unknown pattern
])
def test_invalid_style_is_refused(style):
    """A short, long or out-of-range style cannot be built and is refused by the decoder."""
    with pytest.raises(InvalidField):
        Hello(version=PROTOCOL_VERSION, name="x", style=style)
    import msgpack

    raw = msgpack.packb({"t": int(Hello.TYPE), "version": PROTOCOL_VERSION, "name": "x", "style": style},
                        use_bin_type=True)
    with pytest.raises(InvalidField):
        decode(raw)


def test_style_as_text_is_refused():
    """`style` must be bin: a string of the same length is refused."""
    with pytest.raises(InvalidField):
        Hello(version=PROTOCOL_VERSION, name="x", style="a" * STYLE_BYTES)  # type: ignore[arg-type]


def test_reserved_tail_is_ignored():
    """Bytes after the 15th (for later versions) are accepted and ignored."""
    look = Look(skin=4, headwear="songkok", pattern="balo_lobang", top=0xAA0000)
    assert Look.unpack(look.pack() + b"\x07\x07") == look


def test_look_fields_are_validated():
    """A Look with an unknown headwear, pattern or skin tone, or a colour beyond 24 bits, cannot exist."""
    for bad in ({"headwear": "crown"}, {"pattern": "stripes"}, {"skin": -1}, {"skin": SKIN_TONES}, {"top": 1 << 24}):
        with pytest.raises(InvalidField):
            Look(**bad)


def test_default_look_is_stable_and_varied():
    """The same key always gets the same default look, and a crowd of keys gets many different ones."""
    assert default_look("andi") == default_look("andi")
    looks = {default_look(f"bot-{i}") for i in range(60)}
    assert len(looks) > 40
    assert {lk.headwear for lk in looks} >= {"none", "hijab", "peci", "songkok"}
    assert {lk.skin for lk in looks} == set(range(SKIN_TONES))
