"""Chat messages on the wire: raw text in, clean text out, targets named exactly once, lists as arrays."""

from __future__ import annotations

import msgpack
import pytest

from makaverse.protocol import (
    MAX_CHAT_INPUT,
    Chat,
    ChatLists,
    ChatSend,
    DirectSend,
    ErrorCode,
    InvalidField,
    MessageTooLarge,
    MessageType,
    Moderate,
    Moderated,
    Mute,
    RemoteProtocolError,
    decode,
    encode,
)
from makaverse.protocol.messages import MESSAGE_CLASSES, SENDERS, Sender

CHAT_TYPES = [t for t in MessageType if 70 <= t <= 89]


def test_chat_types_are_registered_in_their_range():
    """Every chat message type lives in 70-89, has a class and a sender."""
    assert len(CHAT_TYPES) == 17
    for t in CHAT_TYPES:
        assert t in MESSAGE_CLASSES and t in SENDERS
    clients = {t.name for t in CHAT_TYPES if SENDERS[t] is Sender.CLIENT}
    assert clients == {"CHAT_SEND", "EMOTE", "DIRECT_SEND", "MUTE", "BLOCK", "REPORT", "MODERATE", "ANNOUNCE"}


def test_raw_text_may_carry_control_characters_for_the_server_to_strip():
    """A client's line may hold control characters (the server strips them) but not exceed the raw limit or be empty."""
    msg = decode(encode(ChatSend(request_id=0, text="halo\x00\nsemua")))
    assert msg.text == "halo\x00\nsemua" and msg.channel == "nearby"
    with pytest.raises(MessageTooLarge):
        ChatSend(request_id=1, text="x" * (MAX_CHAT_INPUT + 1))
    with pytest.raises(InvalidField):
        ChatSend(request_id=1, text="")
    with pytest.raises(InvalidField):
        ChatSend(request_id=1, text="hi", channel="telepathy")


def test_text_the_server_sends_is_clean():
    """A chat line the server sends can't carry control characters or be empty."""
    base = dict(id=1, channel="nearby", avatar_id=1, name="A", role="guest", server_time_ms=0)
    with pytest.raises(InvalidField):
        Chat(text="a\x00b", **base)
    with pytest.raises(InvalidField):
        Chat(text="", **base)


@pytest.mark.parametrize(
    "cls,fields",
    [
        (DirectSend, dict(request_id=1, text="hi")),
        (Mute, dict(request_id=1)),
        (Moderate, dict(request_id=1, action="kick", reason="spam")),
    ],
)
def test_a_target_is_named_exactly_once(cls, fields):
    """Commands about someone take either an avatar id or a username, never both or neither."""
    names = ("to_avatar", "to_username") if cls is DirectSend else ("avatar_id", "username")
    with pytest.raises(InvalidField):
        cls(**fields)
    with pytest.raises(InvalidField):
        cls(**fields, **{names[0]: 5, names[1]: "ani"})
    assert cls(**fields, **{names[0]: 5}) is not None
    assert cls(**fields, **{names[1]: "ani"}) is not None


def test_lists_arrive_as_tuples_and_must_pair_up():
    """Chat lists decode to tuples equal to what was sent; usernames and names must pair up; ids are positive."""
    msg = ChatLists(request_id=3, muted=["troll"], muted_names=["Troll"], muted_avatars=[9])
    assert msg.muted == ("troll",) and msg.muted_avatars == (9,)
    assert decode(encode(msg)) == msg
    with pytest.raises(InvalidField):
        ChatLists(muted=("a", "b"), muted_names=("A",))
    with pytest.raises(InvalidField):
        ChatLists(muted_avatars=(0,))
    with pytest.raises(MessageTooLarge):
        ChatLists(muted_avatars=tuple(range(1, 202)))


def test_a_wire_map_with_a_bad_list_is_refused():
    """A list field holding a map or a wrong-typed item is invalid_field."""
    for bad in ({"a": 1}, ["ok", 3]):
        raw = msgpack.packb({"t": int(MessageType.CHAT_LISTS), "request_id": 0, "blocked": bad}, use_bin_type=True)
        with pytest.raises(RemoteProtocolError) as info:
            decode(raw)
        assert info.value.code is ErrorCode.INVALID_FIELD


def test_moderation_fields():
    """Moderation needs a reason and a known action; minutes stay within a year; by_role is a role or empty."""
    with pytest.raises(InvalidField):
        Moderate(request_id=1, action="exile", reason="x", username="a")
    with pytest.raises(InvalidField):
        Moderate(request_id=1, action="mute", reason="", username="a")
    with pytest.raises(InvalidField):
        Moderate(request_id=1, action="ban", reason="x", minutes=525_601, username="a")
    assert Moderated(action="kick", reason="ribut").by_role == ""
    with pytest.raises(InvalidField):
        Moderated(action="kick", reason="ribut", by_role="sultan")
