"""The wire protocol: messages, the codec's limits, typed errors with stable codes, quantisation."""

from __future__ import annotations

import math
import re
from dataclasses import MISSING, fields
from importlib import resources

import msgpack
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from makaverse.protocol import (
    MAX_FRAME_BYTES,
    AvatarEnter,
    AvatarLeave,
    CloseCode,
    ErrorCode,
    Hello,
    Input,
    InvalidField,
    LocalProtocolError,
    MalformedMessage,
    MessageTooLarge,
    Ping,
    RemoteProtocolError,
    Snapshot,
    UnknownMessageType,
    decode,
    decode_as,
    encode,
    peek_request_id,
    quant,
)
from makaverse.protocol.messages import MESSAGE_CLASSES, SENDERS, MessageType, Sender


def _snapshot_sample() -> Snapshot:
    return Snapshot.pack(
        tick=100,
        ack_seq=41,
        server_time_ms=1_700_000_000_050,
        ids=[7, 8, 4_000_000_000],
        pos_cm=[[-600, -650], [123, 4567], [-1_000_000, 1_000_000]],
        yaw_u16=[0, 16384, 65535],
        anim=[0, 1, 2],
    )


# One valid sample per message type, by type name (a type without a sample fails the coverage test).
_SAMPLE_FIELDS = {
    "HELLO": dict(version=1, name="Daeng Ipul", kind="bot", lang="en", token="abc.def"),
    "WELCOME": dict(
        avatar_id=7,
        name="Daeng Ipul",
        role="guest",
        world_id="balai-kota-makassar",
        tick_hz=20,
        snapshot_hz=20,
        input_hz=20,
        interest_radius_cm=4000,
        server_time_ms=1_700_000_000_000,
        x_cm=-600,
        y_cm=-650,
        yaw=16384,
    ),
    "INPUT": dict(seq=42, move_x=0.5, move_y=-1.0, yaw=65535, run=True, ack_tick=99),
    "SNAPSHOT": _snapshot_sample,
    "SNAPSHOT_DELTA": dict(
        tick=103, base_tick=100, ack_seq=44, server_time_ms=1_700_000_000_200, gone=b"\x02", new_ids=b"\x09\0\0\0",
        flags=b"\x01\x00\x0e", dpos=b"\x0c\xfd", pos=b"\x10\0\0\0\x20\0\0\0", yaw=b"\x00\x40", anim=b"\x01",
    ),
    "FULL": dict(instance="building-2", url="ws://10.0.0.2:8765/", retry_after_ms=30_000),
    "AVATAR_ENTER": dict(id=8, name="Bu Ani", role="staff", look=0xB22222, opd="DUKCAPIL"),
    "AVATAR_LEAVE": dict(id=8),
    "ZONE_CHANGED": dict(zone_id="booth:DUKCAPIL"),
    "INSTANCE_CHANGED": dict(instance="auditorium", kind="auditorium"),
    "ERROR": dict(code="rate_limited", text="pelan-pelan", ref=3),
    "PING": dict(client_time_ms=1_700_000_000_000),
    "PONG": dict(client_time_ms=1_700_000_000_000, server_time_ms=1_700_000_000_007),
    "REGISTER": dict(request_id=1, username="daeng_ipul", password="coto-makassar-77", display_name="Daeng Ipul"),
    "LOGIN": dict(request_id=2, username="daeng_ipul", password="coto-makassar-77"),
    "AUTH_OK": dict(request_id=2, token="t0k3n", username="daeng_ipul", display_name="Daeng Ipul", role="citizen"),
    "LOGOUT": dict(request_id=3),
    # booths, ticket queues and service requests (protocol/booths.py)
    "BOOTH_INFO_GET": dict(request_id=12, opd="DUKCAPIL"),
    "BOOTH_INFO": dict(
        request_id=12, opd="DUKCAPIL", name="Dinas Kependudukan dan Pencatatan Sipil", short_name="Disdukcapil",
        prefix="DUK", description_id="Mengurus KTP-el.\nDan KK.", description_en="Civil registration.",
        programs=(
            dict(id=1, title="Kupas Tas", summary_id="Jemput bola", summary_en="Home service", status="running",
                 start="2026-01-05", end="", link="", sample=True),
        ),
        socials=(dict(platform="instagram", handle="@dukcapil_makassar", sample=False),),
        services=(
            dict(code="KTP_EL", name_id="KTP elektronik", name_en="Electronic ID card", description_id="",
                 description_en="", fields=[
                     dict(name="nik", label_id="NIK", label_en="NIK", kind="nik", required=True, max_len=16, choices=[]),
                     dict(name="jenis", label_id="Jenis", label_en="Type", kind="choice", required=False, max_len=40,
                          choices=["Baru", "Hilang"]),
                 ]),
        ),
        open=True, staff=2, waiting=5, est_wait_s=600, info_version=3,
    ),
    "BOOTH_STATE": dict(opd="DINKES", open=False, staff=0, waiting=1, est_wait_s=180, info_version=1),
    "TAKE_NUMBER": dict(request_id=13, opd="DUKCAPIL"),
    "LEAVE_QUEUE": dict(request_id=14, opd="DUKCAPIL"),
    "TICKET": dict(
        request_id=0, opd="DUKCAPIL", code="DUK-014", status="called", place=0, waiting=4, est_wait_s=0,
        clerk="Bu Ani", called_ms=1_700_000_000_000,
    ),
    "SUBMIT_REQUEST": dict(
        request_id=15, client_request_id="c-7f3a", opd="DUKCAPIL", service="KTP_EL",
        fields={"nik": "7371012345678901", "no_hp": "0812 3456 7890"}, note="Mohon dibantu.\nTerima kasih.",
    ),
    "REQUEST_SUBMITTED": dict(
        request_id=15, tracking="DUK-2026-000123", opd="DUKCAPIL", service="KTP_EL", status="submitted",
        created_ms=1_700_000_000_000, duplicate=True,
    ),
    "REQUEST_INVALID": dict(request_id=15, problems={"nik": "invalid_nik", "_note": "too_long"}),
    "MY_REQUESTS": dict(request_id=16, before_id=40, limit=10),
    "STAFF_REQUESTS": dict(request_id=17, status="in_review", before_id=0, limit=50),
    "REQUEST_LIST": dict(
        request_id=16,
        requests=(
            dict(id=39, tracking="DUK-2026-000039", opd="DUKCAPIL", service="KTP_EL", status="completed",
                 created_ms=1_700_000_000_000, updated_ms=1_700_000_100_000),
        ),
        more=True,
    ),
    "REQUEST_GET": dict(request_id=18, tracking="DUK-2026-000039"),
    "REQUEST_DETAIL": dict(
        request_id=18, id=39, tracking="DUK-2026-000039", opd="DUKCAPIL", service="KTP_EL", status="in_review",
        fields={"nik": "7371012345678901"}, note="", created_ms=1_700_000_000_000, updated_ms=1_700_000_100_000,
        history=(
            dict(**{"from": ""}, to="submitted", note="", at_ms=1_700_000_000_000, by_staff=False),
            dict(**{"from": "submitted"}, to="in_review", note="Dicek", at_ms=1_700_000_100_000, by_staff=True),
        ),
        next=("in_progress", "rejected"),
    ),
    "REQUEST_STATUS_CHANGED": dict(
        tracking="DUK-2026-000039", opd="DUKCAPIL", service="KTP_EL", status="completed", previous="in_progress",
        note="Silakan ambil di loket", at_ms=1_700_000_200_000,
    ),
    "STAFF_REQUEST_NEW": dict(
        id=40, tracking="DUK-2026-000040", opd="DUKCAPIL", service="KTP_EL", status="submitted",
        created_ms=1_700_000_300_000,
    ),
    "COUNTER_MAN": dict(request_id=19, on=False),
    "CALL_NEXT": dict(request_id=20),
    "FINISH_TICKET": dict(request_id=21, served=False),
    "STAFF_QUEUE": dict(
        request_id=20, opd="DUKCAPIL", manning=True, open=True, staff=2, current="DUK-014", current_name="Daeng Ipul",
        current_status="called", called_ms=1_700_000_000_000, waiting_count=3,
        waiting=(dict(code="DUK-015", name="Tamu-4821", waited_s=95),), served=12, no_shows=1, avg_service_s=240,
    ),
    "COUNTER_SAY": dict(request_id=22, text="Silakan ke loket 2"),
    "COUNTER_MESSAGE": dict(
        opd="DUKCAPIL", code="DUK-014", from_name="Bu Ani", from_staff=True, text="Silakan ke loket 2",
        at_ms=1_700_000_000_000,
    ),
    "SET_REQUEST_STATUS": dict(request_id=23, tracking="DUK-2026-000039", status="completed", note="Selesai",
                               expected="in_progress"),
    "EDIT_OPD": dict(request_id=24, description_id="Deskripsi baru.", description_en="New description."),
    "EDIT_PROGRAM": dict(request_id=25, program_id=0, title="Layanan Malam", summary_id="Buka sampai pukul 21.00",
                         status="planned", start="2026-04-01", end="2026-06-30"),
    # chat, emotes and moderation (protocol/chat.py)
    "CHAT_SEND": dict(request_id=4, text="Selamat pagi, Daeng!", channel="shout"),
    "CHAT": dict(
        id=9, channel="zone", avatar_id=7, name="Daeng Ipul", role="citizen", text="Halo semua",
        server_time_ms=1_700_000_000_000, zone_id="auditorium", username="daeng_ipul",
    ),
    "EMOTE": dict(emote="raise_hand"),
    "EMOTED": dict(avatar_id=7, emote="applaud"),
    "DIRECT_SEND": dict(request_id=5, text="Sampai jumpa di aula", to_username="bu_ani"),
    "DIRECT": dict(
        id=11, from_username="daeng_ipul", from_name="Daeng Ipul", from_role="citizen", text="Halo",
        sent_ms=1_700_000_000_000, stored=True,
    ),
    "DIRECT_SENT": dict(
        request_id=5, id=11, to_username="bu_ani", to_name="Bu Ani", text="Halo", sent_ms=1_700_000_000_000,
        online=False,
    ),
    "MUTE": dict(request_id=6, on=True, avatar_id=8),
    "BLOCK": dict(request_id=7, on=False, username="bu_ani"),
    "CHAT_LISTS": dict(
        request_id=6, muted=("bu_ani",), muted_names=("Bu Ani",), muted_avatars=(12,), blocked=(), blocked_names=()
    ),
    "REPORT": dict(request_id=8, reason="harassment", note="kata-kata kasar", avatar_id=8),
    "REPORT_FILED": dict(request_id=8, report_id=3, evidence=4),
    "MODERATE": dict(request_id=9, action="mute", reason="spam", minutes=10, username="troll"),
    "MODERATED": dict(action="mute", reason="spam", minutes=10, until_ms=1_700_000_600_000, by_role="admin"),
    "MODERATE_DONE": dict(request_id=9, action="mute", name="Troll", username="troll", until_ms=1_700_000_600_000),
    "ANNOUNCE": dict(request_id=10, text="Acara dimulai pukul 10.00"),
    "ANNOUNCEMENT": dict(id=2, name="Admin", role="admin", text="Acara dimulai", server_time_ms=1_700_000_000_000),
    # town-hall events
    "EVENT_SCHEDULE": dict(
        request_id=11, title="Musrenbang Kecamatan Tallo", start_ms=1_700_000_000_000, end_ms=1_700_007_200_000,
        description="Rencana pembangunan 2027\nSemua warga diundang", opd="BAPPEDA", capacity=300, lang="id",
    ),
    "EVENT_LIST": dict(request_id=12),
    "EVENT_REGISTER": dict(request_id=13, event_id=1),
    "EVENT_CONTROL": dict(request_id=14, event_id=1, action="open"),
    "EVENT_JOIN": dict(request_id=15, event_id=1),
    "EVENT_LEAVE": dict(request_id=16, event_id=1),
    "SIT": dict(request_id=17, seat=12),
    "STAGE_SAY": dict(request_id=18, event_id=1, text="Selamat pagi, warga Makassar"),
    "SPEAKER_SET": dict(request_id=19, event_id=1, account_id=5, on=False),
    "HAND_RAISE": dict(request_id=20, event_id=1, up=True),
    "FLOOR_GIVE": dict(request_id=21, event_id=1, account_id=6),
    "QUESTION_ASK": dict(request_id=22, event_id=1, text="Kapan jalan di Tallo diperbaiki?"),
    "QUESTION_VOTE": dict(request_id=23, event_id=1, question_id=2),
    "QUESTION_MARK": dict(request_id=24, event_id=1, question_id=2, mark="answered"),
    "POLL_OPEN": dict(request_id=25, event_id=1, question="Prioritas?", options=("Jalan", "Drainase", "Taman"), live=False),
    "POLL_VOTE": dict(request_id=26, event_id=1, poll_id=1, option=2),
    "POLL_CLOSE": dict(request_id=27, event_id=1, poll_id=1),
    "EVENT_MODERATE": dict(request_id=28, event_id=1, account_id=9, action="remove", reason="spam"),
    "SLIDE_ADD": dict(request_id=29, event_id=1, kind="markdown", text="# Agenda\n- Pembukaan\n- Tanya jawab"),
    "SLIDE_SHOW": dict(request_id=30, event_id=1, index=0),
    "EVENT_INFO": dict(
        request_id=11,
        event=dict(id=1, title="Musrenbang", description="", opd="BAPPEDA", start_ms=1, end_ms=2, capacity=300,
                   lang="id", status="scheduled", doors="closed", host="Walikota", registered=4),
    ),
    "EVENT_BOARD": dict(
        request_id=12,
        events=(dict(id=1, title="Musrenbang", description="", opd="", start_ms=1, end_ms=2, capacity=300,
                     lang="en", status="live", doors="open", host="Walikota", registered=0),),
    ),
    "EVENT_JOINED": dict(request_id=15, event_id=1, instance="auditorium-2", seat=-1, part="attendee"),
    "EVENT_NOTICE": dict(event_id=1, kind="started", title="Musrenbang", stored=True),
    "STAGE_LINE": dict(event_id=1, id=3, account_id=2, name="Walikota", text="Selamat pagi",
                       server_time_ms=1_700_000_000_000),
    "SEATED": dict(request_id=17, seat=12, x_cm=-200, y_cm=5700, yaw=0),
    "PLACED": dict(request_id=0, x_cm=0, y_cm=6540, yaw=32768),
    "EVENT_HALL": dict(
        event_id=1, status="live", doors="locked", host_account=2, speakers=(5, 7),
        hands=(dict(account_id=6, name="Daeng", avatar_id=40),), floor=6,
        copies=(dict(instance="auditorium", attendees=20), dict(instance="auditorium-2", attendees=10)),
    ),
    "QUESTIONS": dict(
        event_id=1, questions=(dict(id=2, text="Kapan?", name="Daeng", account_id=0, votes=3, answered=False, hidden=False),),
    ),
    "POLL": dict(event_id=1, poll_id=1, question="Prioritas?", options=("Jalan", "Taman"), open=True, live=False,
                 counts=(), total=7),
    "SLIDE": dict(event_id=1, index=0, count=3, kind="png", data=b"\x89PNG\r\n\x1a\n"),
    "EVENT_DONE": dict(request_id=22, event_id=1, id=4),
    "REDIRECT": dict(url="ws://127.0.0.1:9002/", instance="auditorium", token="tok-abc"),
}


def _build_samples() -> dict:
    out = {}
    for name, spec in _SAMPLE_FIELDS.items():
        mtype = MessageType.__members__.get(name)
        if mtype is not None and mtype in MESSAGE_CLASSES:
            out[mtype] = spec() if callable(spec) else MESSAGE_CLASSES[mtype](**spec)
    return out


SAMPLES = _build_samples()


def wire(sample) -> dict:
    """A sample's wire map, to be corrupted and packed by hand (bypassing the constructors)."""
    return sample.to_wire()


def pack(obj) -> bytes:
    return msgpack.packb(obj, use_bin_type=True)


def assert_refused(data, code: ErrorCode, cls: type = RemoteProtocolError) -> RemoteProtocolError:
    with pytest.raises(RemoteProtocolError) as info:
        decode(data)
    assert isinstance(info.value, cls), type(info.value)
    assert info.value.code == code, (info.value.code, str(info.value))
    return info.value


# ── round trips ──────────────────────────────────────────────────────────────


def test_every_message_type_has_a_sample():
    """Every registered message type has a sample here, so none escapes the round-trip test."""
    assert set(MESSAGE_CLASSES) == set(MessageType) == set(SENDERS)
    missing = sorted(t.name for t in set(MESSAGE_CLASSES) - set(SAMPLES))
    assert not missing, f"add a sample to _SAMPLE_FIELDS for {missing}"


@pytest.mark.parametrize("mtype", list(SAMPLES), ids=lambda t: t.name.lower())
def test_round_trip(mtype):
    """Every message type decodes back to an equal message of the same class."""
    sample = SAMPLES[mtype]
    assert type(sample) is MESSAGE_CLASSES[mtype]
    data = encode(sample)
    assert isinstance(data, bytes)
    back = decode(data)
    assert type(back) is type(sample)
    assert back == sample
    assert decode(bytearray(data)) == sample
    assert decode(memoryview(data)) == sample


@pytest.mark.parametrize("mtype", list(SAMPLES), ids=lambda t: t.name.lower())
def test_frame_is_a_map_with_type_and_exact_fields(mtype):
    """A frame is one msgpack map holding `t` and exactly the message's fields."""
    sample = SAMPLES[mtype]
    raw = msgpack.unpackb(encode(sample), raw=False)
    assert raw.pop("t") == int(mtype)
    assert set(raw) == {f.name for f in fields(sample)}


def test_snapshot_arrays_round_trip():
    """Snapshot arrays unpack to the ids, centimetre positions, yaws and animations packed."""
    snap = decode(encode(SAMPLES[MessageType.SNAPSHOT]))
    ids, pos, yaw, anim = snap.arrays()
    assert ids.tolist() == [7, 8, 4_000_000_000]
    assert pos.tolist() == [[-600, -650], [123, 4567], [-1_000_000, 1_000_000]]
    assert yaw.tolist() == [0, 16384, 65535]
    assert anim.tolist() == [0, 1, 2]


def test_empty_snapshot_round_trips():
    """A snapshot with no avatars is valid and round-trips."""
    snap = Snapshot.pack(1, 0, 0, [], np.zeros((0, 2)), [], [])
    assert decode(encode(snap)) == snap


def test_defaults_may_be_omitted_on_the_wire():
    """Fields with defaults may be left out of a frame."""
    msg = decode(pack({"t": int(MessageType.HELLO), "version": 1, "name": "x"}))
    assert msg == Hello(version=1, name="x")


def test_encode_refuses_non_messages():
    """Encoding something that is not a message is our bug, a LocalProtocolError."""
    with pytest.raises(LocalProtocolError):
        encode({"t": 1})  # type: ignore[arg-type]


def test_errors_split_by_blame():
    """Peer-caused errors and local errors are separate branches under one root."""
    for cls in (MessageTooLarge, MalformedMessage, UnknownMessageType, InvalidField):
        assert issubclass(cls, RemoteProtocolError)
        assert not issubclass(cls, LocalProtocolError)
    assert MessageTooLarge.code is ErrorCode.TOO_LARGE
    assert MalformedMessage.code is ErrorCode.MALFORMED
    assert UnknownMessageType.code is ErrorCode.UNKNOWN_TYPE
    assert InvalidField.code is ErrorCode.INVALID_FIELD


def test_error_and_close_codes_are_stable():
    """The codes peers see never change meaning (new ones may be added)."""
    assert {c.value for c in ErrorCode} >= {
        "malformed", "too_large", "unknown_type", "invalid_field", "unexpected", "version",
        "rate_limited", "not_allowed", "not_found", "conflict", "unavailable", "internal",
    }
    assert CloseCode.GOING_AWAY == 1001 and CloseCode.POLICY == 1008 and CloseCode.TOO_BIG == 1009
    assert (CloseCode.VERSION_MISMATCH, CloseCode.SLOW_CONSUMER, CloseCode.FLOODING, CloseCode.HANDSHAKE_TIMEOUT) == (
        4000, 4001, 4002, 4003,
    )
    assert all(4000 <= c <= 4999 for c in CloseCode if c >= 4000)


# ── wrong types ──────────────────────────────────────────────────────────────

_WRONG_FOR = {
    int: ["1", 1.0, 1.5, True, False, None, [1], {"a": 1}, b"\x01"],
    float: ["0.5", True, False, None, [0.5], b"\x00"],
    bool: [1, 0, "true", None, 1.0],
    str: [1, 1.5, True, None, b"abc", ["a"], {"a": "b"}],
    bytes: ["abcd", 1, True, None, [1, 2, 3, 4]],
    tuple: ["a", 1, True, None, b"ab", {"a": 1}],  # arrays (chat lists)
    dict: ["a", 1, True, None, b"ab", ["a"]],  # maps (service request fields)
}


def _field_kind(cls, name):
    value = getattr(SAMPLES[cls.TYPE], name)
    return type(value)


def _wrong_type_cases():
    for mtype, sample in SAMPLES.items():
        for f in fields(sample):
            kind = _field_kind(type(sample), f.name)
            for bad in _WRONG_FOR[kind]:
                if kind is float and type(bad) is int:
                    continue  # an integer is a fine number
                yield pytest.param(mtype, f.name, bad, id=f"{mtype.name.lower()}.{f.name}={bad!r}")


@pytest.mark.parametrize("mtype,field,bad", list(_wrong_type_cases()))
def test_wrong_type_is_invalid_field(mtype, field, bad):
    """A field of the wrong type (a bool where an int belongs, a str where bin belongs, ...) is invalid_field."""
    raw = wire(SAMPLES[mtype])
    raw[field] = bad
    assert_refused(pack(raw), ErrorCode.INVALID_FIELD, InvalidField)
    with pytest.raises(InvalidField):
        MESSAGE_CLASSES[mtype](**{k: v for k, v in raw.items() if k != "t"})


def test_bool_is_not_an_int():
    """`True` is refused where an int is expected, though Python calls it an int."""
    with pytest.raises(InvalidField):
        Input(seq=True, move_x=0.0, move_y=0.0, yaw=0)
    with pytest.raises(InvalidField):
        AvatarLeave(id=True)
    with pytest.raises(InvalidField):
        Hello(version=True, name="x")


# ── values out of range ──────────────────────────────────────────────────────

OUT_OF_RANGE = [
    (MessageType.HELLO, "version", -1),
    (MessageType.HELLO, "version", 2**16),
    (MessageType.HELLO, "kind", "mobile"),
    (MessageType.HELLO, "lang", "fr"),
    (MessageType.WELCOME, "avatar_id", 0),
    (MessageType.WELCOME, "avatar_id", 2**32),
    (MessageType.WELCOME, "role", "sultan"),
    (MessageType.WELCOME, "world_id", ""),
    (MessageType.WELCOME, "tick_hz", 0),
    (MessageType.WELCOME, "snapshot_hz", 121),
    (MessageType.WELCOME, "interest_radius_cm", 0),
    (MessageType.WELCOME, "server_time_ms", -1),
    (MessageType.WELCOME, "x_cm", 10_000_01),
    (MessageType.WELCOME, "y_cm", -10_000_01),
    (MessageType.WELCOME, "yaw", 65536),
    (MessageType.INPUT, "seq", -1),
    (MessageType.INPUT, "seq", 2**32),
    (MessageType.INPUT, "seq", 2**64 - 1),
    (MessageType.INPUT, "seq", -(2**63)),
    (MessageType.INPUT, "move_x", 1.0001),
    (MessageType.INPUT, "move_x", -2),
    (MessageType.INPUT, "move_y", 1e308),
    (MessageType.INPUT, "move_y", -1.5),
    (MessageType.INPUT, "yaw", -1),
    (MessageType.INPUT, "yaw", 65536),
    (MessageType.SNAPSHOT, "tick", 2**32),
    (MessageType.SNAPSHOT, "ack_seq", -1),
    (MessageType.SNAPSHOT, "server_time_ms", 2**53 + 1),
    (MessageType.AVATAR_ENTER, "id", 0),
    (MessageType.AVATAR_ENTER, "look", 0x1000000),
    (MessageType.AVATAR_ENTER, "look", -1),
    (MessageType.AVATAR_ENTER, "role", ""),
    (MessageType.AVATAR_ENTER, "name", ""),
    (MessageType.AVATAR_LEAVE, "id", 0),
    (MessageType.ERROR, "code", ""),
    (MessageType.ERROR, "ref", -1),
    (MessageType.PING, "client_time_ms", -1),
    (MessageType.PING, "client_time_ms", 2**53 + 1),
    (MessageType.PONG, "server_time_ms", -5),
    *[(MessageType[n], f, v) for n, f, v in [("REGISTER", "request_id", 0), ("LOGIN", "request_id", 2**32),
                                             ("REGISTER", "lang", "jv"), ("AUTH_OK", "role", "raja")]
      if n in MessageType.__members__],
]


@pytest.mark.parametrize(
    "mtype,field,bad", OUT_OF_RANGE, ids=[f"{t.name.lower()}.{f}={v!r}" for t, f, v in OUT_OF_RANGE]
)
def test_out_of_range_is_invalid_field(mtype, field, bad):
    """A number or choice outside its range is refused as invalid_field, by decode and by the constructor."""
    raw = wire(SAMPLES[mtype])
    raw[field] = bad
    assert_refused(pack(raw), ErrorCode.INVALID_FIELD, InvalidField)
    with pytest.raises(InvalidField):
        MESSAGE_CLASSES[mtype](**{k: v for k, v in raw.items() if k != "t"})


def test_range_edges_are_accepted():
    """The edges of every range are themselves valid."""
    assert decode(encode(Input(seq=0, move_x=-1.0, move_y=1.0, yaw=0))).seq == 0
    assert decode(encode(Input(seq=2**32 - 1, move_x=1, move_y=-1, yaw=65535))).seq == 2**32 - 1
    assert decode(encode(Ping(client_time_ms=2**53))).client_time_ms == 2**53
    assert decode(encode(Hello(version=0, name=""))).name == ""
    assert decode(encode(AvatarEnter(id=2**32 - 1, name="x" * 32, role="admin", look=0xFFFFFF))).look == 0xFFFFFF


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf], ids=["nan", "inf", "-inf"])
@pytest.mark.parametrize("field", ["move_x", "move_y"])
def test_non_finite_floats_are_invalid_field(field, bad):
    """NaN and infinities are refused as invalid_field."""
    raw = wire(SAMPLES[MessageType.INPUT])
    raw[field] = bad
    assert_refused(pack(raw), ErrorCode.INVALID_FIELD, InvalidField)
    # As a 32-bit float too, which msgpack also carries.
    packed = msgpack.packb(raw, use_single_float=True)
    assert_refused(packed, ErrorCode.INVALID_FIELD, InvalidField)


# ── strings ──────────────────────────────────────────────────────────────────

TOO_LONG = [
    (MessageType.HELLO, "name", 33),
    (MessageType.HELLO, "token", 129),
    (MessageType.WELCOME, "name", 33),
    (MessageType.WELCOME, "world_id", 65),
    (MessageType.AVATAR_ENTER, "name", 33),
    (MessageType.AVATAR_ENTER, "opd", 17),
    (MessageType.ZONE_CHANGED, "zone_id", 65),
    (MessageType.ERROR, "code", 33),
    (MessageType.ERROR, "text", 201),
    *[(MessageType[n], f, v) for n, f, v in [("LOGIN", "username", 65), ("LOGIN", "password", 129),
                                             ("AUTH_OK", "token", 129)]
      if n in MessageType.__members__],
]


@pytest.mark.parametrize("mtype,field,length", TOO_LONG, ids=[f"{t.name.lower()}.{f}" for t, f, _ in TOO_LONG])
def test_too_long_string_is_too_large(mtype, field, length):
    """A string longer than its field allows is refused as too_large."""
    raw = wire(SAMPLES[mtype])
    raw[field] = "a" * length
    assert_refused(pack(raw), ErrorCode.TOO_LARGE, MessageTooLarge)
    raw[field] = "a" * (length - 1)
    assert getattr(decode(pack(raw)), field) == raw[field]  # one shorter is fine


def test_string_over_the_codec_limit_is_too_large():
    """A string beyond the codec's 4096-byte limit is too_large, before its field is looked at."""
    raw = wire(SAMPLES[MessageType.HELLO])
    raw["name"] = "a" * 5000
    assert_refused(pack(raw), ErrorCode.TOO_LARGE, MessageTooLarge)


CONTROL = ["\x00", "\n", "\r", "\t", "\x1b", "\x7f", "\x85", "\u0378", "\ue000", "\U000f0000"]


@pytest.mark.parametrize("ch", CONTROL, ids=[f"U+{ord(c):04X}" for c in CONTROL])
@pytest.mark.parametrize(
    "mtype,field",
    [(MessageType.HELLO, "name"), (MessageType.HELLO, "token"), (MessageType.ERROR, "text"),
     (MessageType.AVATAR_ENTER, "name"), (MessageType.ZONE_CHANGED, "zone_id")],
    ids=lambda v: v.name.lower() if isinstance(v, MessageType) else v,
)
def test_control_characters_are_invalid_field(mtype, field, ch):
    """Control, private-use and unassigned characters in a string are refused as invalid_field."""
    raw = wire(SAMPLES[mtype])
    raw[field] = f"ab{ch}c"
    assert_refused(pack(raw), ErrorCode.INVALID_FIELD, InvalidField)


def test_unicode_names_are_fine():
    """Ordinary non-ASCII text (Indonesian, Bugis-Makassar script, emoji) is accepted."""
    for name in ("Andi Ḿakkasau", "ᨅᨘᨁᨗ", "Daeng 😀", "Nur Fadhilah"):
        assert decode(encode(Hello(version=1, name=name))).name == name


def test_invalid_utf8_is_malformed():
    """A str that is not valid UTF-8 (a lone surrogate, a stray byte) is malformed."""
    assert_refused(b"\x83\xa1t\x01\xa7version\x01\xa4name\xa3\xed\xa0\x80", ErrorCode.MALFORMED)
    assert_refused(b"\x83\xa1t\x01\xa7version\x01\xa4name\xa1\xff", ErrorCode.MALFORMED)


# ── frames ───────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("mtype", list(SAMPLES), ids=lambda t: t.name.lower())
def test_every_truncation_is_malformed(mtype):
    """Every proper prefix of a valid frame (including the empty one) is malformed."""
    data = encode(SAMPLES[mtype])
    for n in range(len(data)):
        assert_refused(data[:n], ErrorCode.MALFORMED, MalformedMessage)


def test_oversize_frame_is_too_large():
    """A frame over 64 KiB is refused as too_large before it is parsed."""
    assert MAX_FRAME_BYTES == 64 * 1024
    assert_refused(b"\x00" * (MAX_FRAME_BYTES + 1), ErrorCode.TOO_LARGE, MessageTooLarge)
    big = pack({"t": 1, "version": 1, "name": "x", "pad": b"\x00" * (MAX_FRAME_BYTES)})
    assert_refused(big, ErrorCode.TOO_LARGE, MessageTooLarge)
    # Exactly at the limit it is parsed (and this one is just not msgpack).
    assert_refused(b"\xc1" * MAX_FRAME_BYTES, ErrorCode.MALFORMED, MalformedMessage)


def test_peek_request_id_names_a_command_and_nothing_else():
    """The id a frame dropped over the rate limit is answered by: a command's `request_id`, else 0
    (an input, a malformed or oversize frame, an id out of range)."""
    assert peek_request_id(encode(SAMPLES[MessageType.ERROR])) == 0  # `ref`, not `request_id`
    chat = next(m for m in SAMPLES.values() if getattr(m, "request_id", 0) >= 1)
    assert peek_request_id(encode(chat)) == chat.request_id
    assert peek_request_id(pack({"t": 99, "request_id": 7})) == 7  # read before the type is checked
    for bad in (b"", b"\xc1", b"\x00" * (MAX_FRAME_BYTES + 1), pack([1, 2]), pack({"request_id": -1}),
                pack({"request_id": 2**32}), pack({"request_id": "7"}), pack({"request_id": True}),
                encode(SAMPLES[MessageType.INPUT])):
        assert peek_request_id(bad) == 0


@pytest.mark.parametrize("t", [0, 13, 99, 255, 2**32, 2**64 - 1, -1, -(2**63)])
def test_unknown_type_is_unknown_type(t):
    """A `t` that names no message type is refused as unknown_type."""
    assert_refused(pack({"t": t}), ErrorCode.UNKNOWN_TYPE, UnknownMessageType)


@pytest.mark.parametrize("t", [None, "hello", "1", 1.0, True, b"\x01", [1]], ids=repr)
def test_missing_or_non_integer_type_is_malformed(t):
    """A frame whose `t` is missing or not an integer is malformed."""
    assert_refused(pack({"t": t, "version": 1, "name": "x"}), ErrorCode.MALFORMED, MalformedMessage)
    assert_refused(pack({"version": 1, "name": "x"}), ErrorCode.MALFORMED, MalformedMessage)


@pytest.mark.parametrize("mtype", list(SAMPLES), ids=lambda t: t.name.lower())
def test_missing_required_field_is_invalid_field(mtype):
    """Leaving out a required field is invalid_field."""
    sample = SAMPLES[mtype]
    required = [f.name for f in fields(sample) if f.default is MISSING and f.default_factory is MISSING]
    if not required:
        assert decode(pack({"t": int(mtype)})) == MESSAGE_CLASSES[mtype]()
    for name in required:
        raw = wire(sample)
        del raw[name]
        assert_refused(pack(raw), ErrorCode.INVALID_FIELD, InvalidField)


@pytest.mark.parametrize("mtype", list(SAMPLES), ids=lambda t: t.name.lower())
def test_unknown_field_is_invalid_field(mtype):
    """A field the message does not have is invalid_field, even a harmless-looking one."""
    for extra in ("position", "admin", "T"):
        raw = wire(SAMPLES[mtype])
        raw[extra] = 1
        assert_refused(pack(raw), ErrorCode.INVALID_FIELD, InvalidField)


def test_non_string_keys_are_refused():
    """Map keys must be strings: an integer key is malformed, a bin key is no field of any message."""
    assert_refused(pack({1: 1, "t": 9, "client_time_ms": 0}), ErrorCode.MALFORMED, MalformedMessage)
    assert_refused(b"\x82\xa1t\x09\xc4\x01k\x01", ErrorCode.INVALID_FIELD, InvalidField)
    assert_refused(b"\x82\xc4\x01t\x09\xaeclient_time_ms\x00", ErrorCode.MALFORMED, MalformedMessage)


@pytest.mark.parametrize("top", [[1, 2], 1, "hello", None, True, 1.5, b"\x01", []], ids=repr)
def test_non_map_top_level_is_malformed(top):
    """A frame that is not a map is malformed."""
    assert_refused(pack(top), ErrorCode.MALFORMED, MalformedMessage)


def test_trailing_bytes_are_malformed():
    """Anything after the one map (a second message, a stray byte) is malformed."""
    data = encode(SAMPLES[MessageType.PING])
    assert_refused(data + b"\x00", ErrorCode.MALFORMED, MalformedMessage)
    assert_refused(data + data, ErrorCode.MALFORMED, MalformedMessage)


@pytest.mark.parametrize(
    "value",
    [msgpack.ExtType(5, b""), msgpack.ExtType(5, b"ab"), msgpack.Timestamp(1, 0), msgpack.Timestamp(2**34, 5),
     msgpack.ExtType(127, b"\x00" * 300)],
    ids=["ext-empty", "ext-2", "timestamp32", "timestamp96", "ext-300"],
)
def test_ext_types_are_malformed(value):
    """msgpack ext types (the timestamp included) are refused as malformed, inside a message or alone."""
    raw = wire(SAMPLES[MessageType.HELLO])
    raw["name"] = value
    assert_refused(pack(raw), ErrorCode.MALFORMED, MalformedMessage)
    assert_refused(pack(value), ErrorCode.MALFORMED, MalformedMessage)
    assert_refused(pack({"t": value}), ErrorCode.MALFORMED, MalformedMessage)


def test_deep_nesting_is_malformed():
    """Deeply nested arrays or maps are malformed and never blow the stack."""
    assert_refused(b"\x91" * 5000 + b"\xc0", ErrorCode.MALFORMED, MalformedMessage)
    assert_refused(b"\x81\xa1a" * 5000 + b"\xc0", ErrorCode.MALFORMED, MalformedMessage)
    nested: object = "x"
    for _ in range(100):
        nested = [nested]
    raw = wire(SAMPLES[MessageType.HELLO])
    raw["name"] = nested
    with pytest.raises(RemoteProtocolError):
        decode(pack(raw))


def test_huge_containers_are_too_large():
    """Arrays, maps and bins beyond the codec's limits are too_large (a field beyond its limit)."""
    raw = wire(SAMPLES[MessageType.HELLO])
    raw["name"] = list(range(300))
    assert_refused(pack(raw), ErrorCode.TOO_LARGE, MessageTooLarge)
    many = {f"k{i}": i for i in range(100)}
    many["t"] = 1
    assert_refused(pack(many), ErrorCode.TOO_LARGE, MessageTooLarge)
    raw = wire(SAMPLES[MessageType.SNAPSHOT])
    raw["ids"] = b"\x00" * 9000
    assert_refused(pack(raw), ErrorCode.TOO_LARGE, MessageTooLarge)


@pytest.mark.parametrize("data", ["hello", '{"t": 9}', None, 12, [b"\x81"]], ids=repr)
def test_text_instead_of_bytes_is_malformed(data):
    """A text frame (or anything else that is not bytes) is malformed."""
    assert_refused(data, ErrorCode.MALFORMED, MalformedMessage)


# ── snapshots ────────────────────────────────────────────────────────────────

_SNAP_BAD_LENGTHS = [
    dict(pos=b"\x00" * 16),  # 2 positions for 3 ids
    dict(yaw=b"\x00" * 8),
    dict(anim=b"\x00" * 2),
    dict(ids=b"\x00" * 16),  # 4 ids for 3 of the rest
    dict(ids=b"\x00" * 13),  # not whole u32s
    dict(pos=b"\x00" * 25),
    dict(yaw=b"\x00" * 7),
]


@pytest.mark.parametrize("change", _SNAP_BAD_LENGTHS, ids=lambda c: f"{next(iter(c))}={len(next(iter(c.values())))}")
def test_snapshot_arrays_of_mismatched_length_are_invalid_field(change):
    """Snapshot arrays must hold the same number of avatars, in whole elements."""
    raw = wire(SAMPLES[MessageType.SNAPSHOT])
    raw.update(change)
    assert_refused(pack(raw), ErrorCode.INVALID_FIELD, InvalidField)
    with pytest.raises(InvalidField):
        Snapshot(**{k: v for k, v in raw.items() if k != "t"})


def test_snapshot_beyond_max_entities_is_too_large():
    """A snapshot carrying more than 256 avatars is too_large."""
    n = 257
    with pytest.raises(MessageTooLarge):
        Snapshot.pack(1, 0, 0, np.arange(1, n + 1), np.zeros((n, 2)), np.zeros(n), np.zeros(n))
    ok = Snapshot.pack(1, 0, 0, np.arange(1, 257), np.zeros((256, 2)), np.zeros(256), np.zeros(256))
    assert decode(encode(ok)) == ok


# ── property: decode never raises anything but RemoteProtocolError ───────────


def _decode_only_raises_remote(data: bytes) -> None:
    try:
        msg = decode(data)
    except RemoteProtocolError as exc:
        assert isinstance(exc.code, ErrorCode)
        return
    # Whatever decodes is a valid message that survives a round trip.
    assert type(msg) in MESSAGE_CLASSES.values()
    assert decode(encode(msg)) == msg


@settings(max_examples=500, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=256))
def test_decode_of_arbitrary_bytes_raises_only_remote_errors(data):
    """Decoding arbitrary bytes either yields a valid message or raises a RemoteProtocolError subclass."""
    _decode_only_raises_remote(data)


_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=40)
    | st.binary(max_size=40)
)
_values = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12)
_field_names = st.sampled_from(sorted({f.name for s in SAMPLES.values() for f in fields(s)} | {"t", "x"}))


@st.composite
def _plausible_frames(draw) -> bytes:
    """Maps that look like messages: a real or nearby type, real field names, any values."""
    mtype = draw(st.integers(min_value=-1, max_value=12) | st.sampled_from([int(t) for t in MessageType]))
    base = wire(SAMPLES[MessageType(mtype)]) if mtype in MessageType._value2member_map_ else {"t": mtype}
    obj = dict(base)
    for name in draw(st.lists(_field_names, max_size=4)):
        obj[name] = draw(_values)
    for name in draw(st.lists(st.sampled_from(sorted(obj)), max_size=2)):
        obj.pop(name, None)
    data = msgpack.packb(obj, use_bin_type=True)
    cut = draw(st.none() | st.integers(min_value=0, max_value=len(data)))
    return data if cut is None else data[:cut]


@settings(max_examples=300, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_plausible_frames())
def test_decode_of_plausible_frames_raises_only_remote_errors(data):
    """Decoding near-valid frames (wrong values, missing or extra fields, cut short) raises only RemoteProtocolError."""
    _decode_only_raises_remote(data)


# ── quantisation ─────────────────────────────────────────────────────────────

_metres = st.floats(min_value=-10_000.0, max_value=10_000.0, allow_nan=False)


@settings(max_examples=300, derandomize=True, deadline=None)
@given(_metres)
def test_position_quantisation_is_within_half_a_centimetre(x):
    """Metres -> whole centimetres -> metres lands within 0.5 cm, for scalars and arrays alike."""
    cm = quant.m_to_cm(x)
    assert type(cm) is int
    assert abs(quant.cm_to_m(cm) - x) <= 0.005 + 1e-9
    arr = quant.m_to_cm(np.array([x, -x]))
    assert arr.dtype == np.int32
    assert np.all(np.abs(quant.cm_to_m(arr) - np.array([x, -x])) <= 0.005 + 1e-9)
    assert int(arr[0]) == cm


def _angle_gap(a: float, b: float) -> float:
    d = (a - b) % (2 * math.pi)
    return min(d, 2 * math.pi - d)


_STEP = 2 * math.pi / quant.YAW_STEPS


@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.floats(min_value=-100.0, max_value=100.0, allow_nan=False))
def test_yaw_quantisation_is_within_one_step(yaw):
    """Radians -> 16-bit steps -> radians lands within one step of the same heading, for scalars and arrays."""
    steps = quant.yaw_to_u16(yaw)
    assert 0 <= steps < quant.YAW_STEPS
    assert _angle_gap(quant.u16_to_yaw(steps), yaw) <= _STEP
    arr = quant.yaws_to_u16(np.array([yaw]))
    assert arr.dtype == np.uint16
    assert _angle_gap(float(quant.u16s_to_yaw(arr)[0]), yaw) <= _STEP


@settings(max_examples=200, derandomize=True, deadline=None)
@given(st.integers(min_value=0, max_value=quant.YAW_STEPS - 1))
def test_yaw_steps_round_trip_exactly(steps):
    """16-bit steps -> radians -> steps is exact."""
    assert quant.yaw_to_u16(quant.u16_to_yaw(steps)) == steps
    assert int(quant.yaws_to_u16(quant.u16s_to_yaw(np.array([steps], dtype=np.uint16)))[0]) == steps


def test_yaw_conventions():
    """0 looks north and a quarter turn counter-clockwise (west) is 16384 steps; a full turn wraps to 0."""
    assert quant.yaw_to_u16(0.0) == 0
    assert quant.yaw_to_u16(math.pi / 2) == 16384
    assert quant.yaw_to_u16(-math.pi / 2) == 49152
    assert quant.yaw_to_u16(2 * math.pi) == 0
    assert quant.yaw_to_u16(2 * math.pi - 1e-12) == 0


# ── the protocol's contract document ─────────────────────────────────────────


def _readme() -> str:
    return resources.files("makaverse.protocol").joinpath("README.md").read_text(encoding="utf-8")


def _mentions(text: str, word: str) -> bool:
    return re.search(rf"(?<![A-Za-z0-9_]){re.escape(word)}(?![A-Za-z0-9_])", text, re.IGNORECASE) is not None


def test_readme_names_every_message_type():
    """protocol/README.md names every message type."""
    text = _readme()
    missing = [t.name for t in MessageType if not _mentions(text, t.name)]
    assert not missing, f"README.md does not mention {missing}"


def test_readme_names_every_error_code():
    """protocol/README.md lists every error code a peer may see."""
    text = _readme()
    missing = [c.value for c in ErrorCode if not _mentions(text, c.value)]
    assert not missing, f"README.md does not mention {missing}"


def test_readme_names_every_close_code():
    """protocol/README.md lists every close code the server uses."""
    text = _readme()
    missing = [int(c) for c in CloseCode if not _mentions(text, str(int(c)))]
    assert not missing, f"README.md does not mention close codes {missing}"


def test_every_message_has_one_sender():
    """Each message type is sent by exactly one side."""
    assert set(SENDERS) == set(MessageType)
    assert all(isinstance(SENDERS[t], Sender) for t in MessageType)
    assert SENDERS[MessageType.HELLO] is Sender.CLIENT and SENDERS[MessageType.INPUT] is Sender.CLIENT
    assert SENDERS[MessageType.SNAPSHOT] is Sender.SERVER and SENDERS[MessageType.ERROR] is Sender.SERVER


def test_a_snapshot_packed_in_two_parts_is_the_same_bytes_as_one():
    """A snapshot encoded from a shared pre-packed body equals, byte for byte, the encoded message."""
    from makaverse.protocol import Snapshot, encode, encode_snapshot, pack_snapshot_body

    snap = Snapshot.pack(123, 456, 1_795_000_000_000, [1, 70_000], [[-150, 2_000], [9_999, -1]], [0, 65_535], [0, 2])
    body = pack_snapshot_body(snap.ids, snap.pos, snap.yaw, snap.anim)
    assert encode_snapshot(123, 456, 1_795_000_000_000, body) == encode(snap)
    assert decode(encode_snapshot(123, 456, 1_795_000_000_000, body)) == snap


@pytest.mark.parametrize("mtype", [MessageType.SLIDE_ADD, MessageType.SLIDE])
def test_a_slide_picture_travels_whole_beyond_the_general_bin_limit(mtype):
    """A slide is the one field allowed past the 8,192-byte bin limit: a 40 KiB picture and a
    4,000-character card of non-ASCII text decode, while a bin that size elsewhere is too_large."""
    from makaverse.protocol.events import MAX_SLIDE_BYTES

    picture = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 160
    raw = wire(SAMPLES[mtype])
    raw.update(kind="png", data=picture)
    assert decode(pack(raw)).data == picture
    raw.update(kind="markdown", data=b"", text="é" * 4000)
    assert len(decode(pack(raw)).text) == 4000
    raw.update(kind="png", text="", data=b"\x89PNG" + b"\0" * (MAX_SLIDE_BYTES + 1 if mtype is MessageType.SLIDE else 70_000))
    with pytest.raises((MessageTooLarge, InvalidField)):
        decode(pack(raw))
    hello = wire(SAMPLES[MessageType.HELLO])
    hello["style"] = picture
    assert_refused(pack(hello), ErrorCode.TOO_LARGE, MessageTooLarge)


def test_a_delta_frame_built_in_parts_is_the_same_bytes_as_the_message():
    """The server's per-viewer delta frame equals, byte for byte, the encoded `SnapshotDelta`."""
    from makaverse.protocol import SnapshotDelta, encode, encode_snapshot_delta

    msg = SAMPLES[MessageType.SNAPSHOT_DELTA]
    assert isinstance(msg, SnapshotDelta)
    parts = [getattr(msg, f) for f in msg.FIELD_NAMES]
    assert encode_snapshot_delta(*parts) == encode(msg)
    big = SnapshotDelta(tick=2, base_tick=0, ack_seq=0, server_time_ms=0, gone=b"", new_ids=b"\1\0\0\0" * 40,
                        flags=b"\x0e" * 40, dpos=b"", pos=b"\0" * 320, yaw=b"\0" * 80, anim=b"\0" * 40)
    assert encode_snapshot_delta(*[getattr(big, f) for f in big.FIELD_NAMES]) == encode(big)  # a 2-byte bin length


def test_delta_frames_for_many_viewers_are_each_the_same_bytes_as_the_message():
    from makaverse.protocol import SnapshotDelta, encode, encode_snapshot_deltas

    arrays = ("gone", "new_ids", "flags", "dpos", "pos", "yaw", "anim")
    msgs = [
        SAMPLES[MessageType.SNAPSHOT_DELTA],
        SnapshotDelta(tick=70_000, base_tick=69_990, ack_seq=2**32 - 1, server_time_ms=2**40, gone=b"\3",
                      new_ids=b"\1\0\0\0" * 40, flags=b"\x0e" * 40, dpos=b"", pos=b"\0" * 320, yaw=b"\0" * 80,
                      anim=b"\0" * 40),
        SnapshotDelta(tick=70_000, base_tick=0, ack_seq=0, server_time_ms=2**40, gone=b"", new_ids=b"", flags=b"",
                      dpos=b"", pos=b"", yaw=b"", anim=b""),
    ]
    for msg in msgs[1:]:
        frames = encode_snapshot_deltas(msg.tick, msg.server_time_ms, [msg.base_tick, 5], [msg.ack_seq, 300],
                                        [[getattr(msg, f), getattr(msgs[0], f)] for f in arrays])
        twin = SnapshotDelta(**{**{f: getattr(msgs[0], f) for f in msgs[0].FIELD_NAMES}, "tick": msg.tick,
                                "server_time_ms": msg.server_time_ms, "base_tick": 5, "ack_seq": 300})
        assert frames == [encode(msg), encode(twin)]


@pytest.mark.parametrize(
    "change",
    [
        dict(flags=b"\x10\x00\x0e"),  # an unknown bit
        dict(dpos=b"\x0c"),  # half a pair
        dict(anim=b""),  # flags promise an anim
        dict(flags=b"\x03\x00\x0e", pos=b"\0" * 16),  # dpos and pos for one avatar
        dict(base_tick=103),  # a base that is not older
        dict(base_tick=0),  # `gone` from nothing
    ],
)
def test_a_delta_whose_fields_disagree_with_its_flags_is_refused(change):
    """Each value field holds exactly what the flags promise; anything else is invalid_field."""
    raw = wire(SAMPLES[MessageType.SNAPSHOT_DELTA])
    raw.update(change)
    assert_refused(pack(raw), ErrorCode.INVALID_FIELD, InvalidField)


def test_deltas_rebuild_states_and_refuse_ones_that_do_not_fit():
    """A delta read against its base gives the state it was made from; a client keeps recent
    states to read against, and refuses a delta that names rows its base does not have."""
    from makaverse.protocol import SnapshotBook, ViewState, apply_delta, make_delta

    a = ViewState.of(5, [3, 1, 9], [[0, 0], [100, 100], [5000, -20]], [1, 2, 3], [0, 1, 0])
    b = ViewState.of(8, [1, 9, 12], [[110, 90], [5000, -20], [7, 7]], [2, 3, 9], [1, 0, 2])
    delta = decode(encode(make_delta(a, b, ack_seq=3, server_time_ms=1)))
    assert apply_delta(a, delta).same(b)
    assert delta.gone == b"\x01" and np.frombuffer(delta.new_ids, "<u4").tolist() == [12]
    key = decode(encode(make_delta(None, b, ack_seq=3, server_time_ms=1)))
    assert key.base_tick == 0 and apply_delta(ViewState.empty(), key).same(b)
    with pytest.raises(InvalidField):
        apply_delta(ViewState.of(5, [1], [[0, 0]], [0], [0]), delta)  # gone row 1 is not in this base
    book = SnapshotBook(keep=2)
    assert book.take(key) is not None and book.ack_tick == 8
    assert book.take(key) is None  # not newer: ignored
    later = make_delta(b, ViewState.of(9, [1, 9, 12], [[111, 90], [5000, -20], [7, 7]], [2, 3, 9], [1, 0, 2]),
                       ack_seq=4, server_time_ms=2)
    assert book.take(later).pos[0].tolist() == [111, 90]
    orphan = make_delta(a, ViewState.of(10, [1], [[0, 0]], [0], [0]), ack_seq=4, server_time_ms=3)
    assert book.take(orphan) is None and book.missing_base == 1


def test_decode_as_gives_the_message_only_when_it_parses_as_the_kind_asked_for():
    """What a bus listener needs: the message of its kind, or None for another kind or garbage."""
    frame = encode(Ping(client_time_ms=7))
    assert decode_as(frame, Ping) == Ping(client_time_ms=7)
    assert decode_as(frame, Hello) is None
    assert decode_as(b"\xc1 not msgpack", Ping) is None
    assert decode_as(msgpack.packb({"t": 9999}), Ping) is None
