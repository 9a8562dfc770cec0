"""Looks over real sockets: the look a citizen chooses in hello is what everyone else is sent."""

from __future__ import annotations

from makaverse.protocol import PROTOCOL_VERSION, AvatarEnter, Error, Hello, Look, Welcome
from makaverse.protocol.look import default_look


def is_enter(avatar_id: int):
    return lambda m: isinstance(m, AvatarEnter) and m.id == avatar_id


async def test_chosen_look_is_seen_by_others(server, clients):
    """A guest who enters in a hijab and a batik shirt appears to another client exactly so."""
    look = Look(skin=3, headwear="hijab", pattern="batik", top=0x1E5AA8, accent=0xC8961E, head=0xB28DB8)
    a = await clients.join(server, "Andi")
    b = await clients.connect(server)
    await b.send(Hello(version=PROTOCOL_VERSION, name="Besse", kind="bot", style=look.pack() + b"\x00"))
    welcome = await b.expect(lambda m: isinstance(m, Welcome))
    enter = await a.expect(is_enter(welcome.avatar_id))
    assert Look.unpack(enter.style) == look
    assert len(enter.style) == 15  # normalised: the reserved tail is not passed on
    assert enter.look == look.top


async def test_no_choice_gets_a_stable_default(server, clients):
    """Without a style, others see the server's default look for that name."""
    a = await clients.join(server, "Andi")
    b = await clients.join(server, "Daeng Tata")
    enter = await a.expect(is_enter(b.avatar_id))
    assert Look.unpack(enter.style) == default_look("Daeng Tata")


async def test_invalid_style_is_refused(server, clients):
    """A hello with a style of the wrong length is refused with `invalid` and no avatar enters."""
    import msgpack

    c = await clients.connect(server)
    await c.ws.send(msgpack.packb({"t": int(Hello.TYPE), "version": PROTOCOL_VERSION, "name": "X", "kind": "bot",
                                   "style": b"\x01\x02"}, use_bin_type=True))
    err = await c.expect(lambda m: isinstance(m, Error))
    assert err.code == "invalid_field"
