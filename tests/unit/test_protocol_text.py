"""The one text policy (protocol/text.py) and where it is wired: message validation, request
fields, display names; and the `ref` and codes a refused frame carries."""

from __future__ import annotations

import msgpack
import pytest

from makaverse.protocol import (
    EditOpd,
    EditProgram,
    Error,
    ErrorCode,
    Hello,
    InvalidField,
    InvalidRequestFields,
    MessageTooLarge,
    MessageType,
    Moderate,
    Register,
    RemoteProtocolError,
    Report,
    RequestInvalid,
    ReservedName,
    SetRequestStatus,
    SubmitRequest,
    decode,
    encode,
    refusal,
)
from makaverse.protocol.request_fields import FieldRule, InvalidSubmission, check_submission
from makaverse.protocol.text import (
    check_text,
    clean_line,
    name_skeleton,
    reserved_name,
    text_problem,
)
from makaverse.server.services.accounts import InvalidDisplayName, normalize_display_name
from makaverse.server.services.chat import clean_text as chat_clean_text

BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]
ZERO_WIDTH = ["\u200b", "\u200c", "\u2060", "\ufeff"]
CONTROL = ["\x00", "\x07", "\t", "\x1b", "\x7f", "\x85"]


def pack(obj: dict) -> bytes:
    return msgpack.packb(obj, use_bin_type=True)


def refused(data: bytes) -> RemoteProtocolError:
    with pytest.raises(RemoteProtocolError) as info:
        decode(data)
    return info.value


# ── the policy ───────────────────────────────────────────────────────────────


@pytest.mark.parametrize("ch", BIDI + ZERO_WIDTH + CONTROL, ids=lambda c: f"U+{ord(c):04X}")
def test_forbidden_characters_are_refused(ch):
    """Control, direction-override and zero-width characters make a text invalid."""
    assert text_problem(f"Da{ch}eng", max_len=32)[1] == "invalid_text"
    with pytest.raises(InvalidField):
        check_text("name", f"Da{ch}eng", 1, 32)


@pytest.mark.parametrize("ch", BIDI + ZERO_WIDTH + CONTROL, ids=lambda c: f"U+{ord(c):04X}")
def test_conversation_strips_what_names_refuse(ch):
    """Chat text loses the same characters instead of being refused."""
    assert clean_line(f"halo{ch}semua") in ("halosemua", "halo semua")
    assert chat_clean_text(f"halo{ch}semua") == clean_line(f"halo{ch}semua")


def test_nfc_and_code_point_lengths():
    """Text is NFC-normalised and its length is counted in code points after NFC."""
    decomposed = "e\u0301" * 32  # 64 code points, 32 after NFC
    assert check_text("name", decomposed, 1, 32) == "\u00e9" * 32
    with pytest.raises(MessageTooLarge):
        check_text("name", "e\u0301" * 33, 1, 32)


def test_whitespace_only_is_empty():
    """Whitespace-only text is refused where a value is needed, and empty where it is optional."""
    assert text_problem(" \u3000  ", max_len=10) == ("", "required")
    with pytest.raises(InvalidField):
        check_text("note", "   ", 1, 10)
    assert check_text("summary", "   ", 0, 10) == ""


def test_line_breaks_only_where_allowed():
    """A line break is refused in single-line text and kept (as \\n) in multi-line text."""
    assert text_problem("a\nb", max_len=10)[1] == "invalid_text"
    assert text_problem(" a \r\n b ", max_len=10, multiline=True) == ("a\nb", None)


def test_emoji_joiners_stay():
    """A zero-width joiner inside an emoji sequence is part of the picture and is kept."""
    assert check_text("name", "Anrong Guru 👩\u200d🏫", 1, 32) == "Anrong Guru 👩\u200d🏫"
    with pytest.raises(InvalidField):
        check_text("name", "ad\u200dmin", 1, 32)


# ── reserved names ───────────────────────────────────────────────────────────

RESERVED = [
    "admin", "Admin", "ADMIN", "adm1n", "@dmin", "аdmin",  # Cyrillic а
    "a.d.m.i.n", "A D M I N", "ad_min", "ädmin", "ＡＤＭＩＮ", "adrnin",
    "moderator", "m0derat0r", "Mod", "staff", "$taff", "5TAFF", "host", "H0ST", "hοst",  # Greek ο
    "Host Budi", "Budi the Admin", "admin123", "Tamu-4821", "tamu 12", "TAMU", "T4mu_007", "guest", "Guest-1", "Sistem", "system",
    "petugas", "Petu9as",
]
ALLOWED = ["Budi", "Daeng Baso", "Hostel Makassar", "Modi", "Staffan", "Andi Ḿakkasau", "Nur Fadhilah", "Tamura", "Tamu Sopan", "Guest House"]


@pytest.mark.parametrize("name", RESERVED)
def test_reserved_names_and_look_alikes(name):
    """Role and system names are reserved in any case, with look-alike letters, digits, homoglyphs or separators."""
    assert reserved_name(name), name_skeleton(name)


@pytest.mark.parametrize("name", ALLOWED)
def test_ordinary_names_are_not_reserved(name):
    """Names that merely contain a reserved word's letters are not reserved."""
    assert not reserved_name(name)


def test_guest_and_display_names_refuse_reserved_names():
    """Hello (guest names) and Register (username, display name) refuse reserved names with name_reserved."""
    for build in (
        lambda: Hello(version=1, name="Adm1n"),
        lambda: Register(request_id=3, username="staff_dukcapil", password="rahasia123"),
        lambda: Register(request_id=3, username="budi", password="rahasia123", display_name="H0st"),
    ):
        with pytest.raises(ReservedName) as info:
            build()
        assert info.value.code is ErrorCode.NAME_RESERVED


def test_guest_names_follow_display_name_rules():
    """A guest name is cleaned and refused by the same rules as a registered display name."""
    assert Hello(version=1, name="  Daeng   Baso ").name == "Daeng Baso"
    assert normalize_display_name("  Daeng   Baso ", fallback="x") == "Daeng Baso"
    for bad in ("Da\u202eeng", "x" * 33, "tab\tname"):
        with pytest.raises(RemoteProtocolError):
            Hello(version=1, name=bad)
        with pytest.raises(InvalidDisplayName):
            normalize_display_name(bad, fallback="x")


# ── wired into the messages people write ─────────────────────────────────────


def test_staff_texts_are_cleaned_or_refused():
    """Status notes, OPD descriptions, program texts, report notes and moderation reasons follow the policy."""
    assert SetRequestStatus(request_id=1, tracking="DUK-1", status="in_review", note=" ok  then ").note == "ok then"
    assert EditOpd(request_id=1, description_id=" a \r\n b ").description_id == "a\nb"
    assert EditProgram(request_id=1, title="  Gerakan   Literasi ").title == "Gerakan Literasi"
    assert Report(request_id=1, reason="spam", note=" spam ", username="x").note == "spam"
    assert Moderate(request_id=1, action="kick", reason=" rude ", username="x").reason == "rude"
    for build in (
        lambda: SetRequestStatus(request_id=1, tracking="DUK-1", status="in_review", note="   "),
        lambda: SetRequestStatus(request_id=1, tracking="DUK-1", status="in_review", note="ok\u202e"),
        lambda: EditOpd(request_id=1, description_id="a\u200bb"),
        lambda: EditProgram(request_id=1, title="x\ny"),
        lambda: Moderate(request_id=1, action="kick", reason="\u2066", username="x"),
    ):
        with pytest.raises(InvalidField):
            build()


def test_request_fields_are_checked_field_by_field():
    """Bad characters, line breaks and lengths in request fields come back as a field map, not one error."""
    with pytest.raises(InvalidRequestFields) as info:
        SubmitRequest(
            request_id=9,
            client_request_id="c-1",
            opd="DUKCAPIL",
            service="ktp",
            fields={"nama": "Budi\u202e", "alamat": "Jl.\nSudirman", "ok": "fine", "catatan": "x" * 2001},
            note="x" * 1001,
        )
    assert info.value.problems == {
        "nama": "invalid_text",
        "alamat": "invalid_text",
        "catatan": "too_long",
        "_note": "too_long",
    }


def test_request_fields_share_the_policy_on_the_server():
    """The server's per-service check refuses the same characters the message refuses."""
    rules = [FieldRule(name="nama", max_len=10)]
    with pytest.raises(InvalidSubmission) as info:
        check_submission(rules, {"nama": "Bu\u200bdi"}, "catatan\u2067")
    assert info.value.problems == {"nama": "invalid_text", "_note": "invalid_text"}
    assert check_submission(rules, {"nama": "  Bu   di "}, " a \r\n b ") == ({"nama": "Bu di"}, "a\nb")


# ── the ref and the code of a refused frame ──────────────────────────────────


def _frame(mtype: MessageType, **fields) -> bytes:
    return pack({"t": int(mtype), **fields})


@pytest.mark.parametrize(
    "data,code",
    [
        (_frame(MessageType.CHAT_SEND, request_id=41, text="x" * 1001, channel="nearby"), ErrorCode.TOO_LARGE),
        (_frame(MessageType.REGISTER, request_id=41, username="budi", password="p" * 9, display_name="x" * 33),
         ErrorCode.TOO_LARGE),
        (_frame(MessageType.SET_REQUEST_STATUS, request_id=41, tracking="DUK-1", status="in_review", note="  "),
         ErrorCode.INVALID_FIELD),
        (_frame(MessageType.BOOTH_INFO_GET, request_id=41, opd="D" * 5000), ErrorCode.TOO_LARGE),
        (_frame(MessageType.BOOTH_INFO_GET, request_id=41, opd="DUK", extra=1), ErrorCode.INVALID_FIELD),
        (_frame(MessageType.BOOTH_INFO_GET, request_id=41), ErrorCode.INVALID_FIELD),
        (pack({"t": 199, "request_id": 41}), ErrorCode.UNKNOWN_TYPE),
        (_frame(MessageType.REGISTER, request_id=41, username="admin", password="p" * 9), ErrorCode.NAME_RESERVED),
        (_frame(MessageType.INPUT, seq=41, move_x=3.0, move_y=0.0, yaw=0), ErrorCode.INVALID_FIELD),
    ],
    ids=["chat-1001", "display-33", "blank-note", "str-5000-bytes", "unknown-key", "missing", "unknown-type",
         "reserved", "input-seq"],
)
def test_refusals_carry_the_ref_of_their_message(data, code):
    """A frame refused by field validation is answered with its request id (or input seq) as ref."""
    exc = refused(data)
    assert exc.code is code
    assert exc.ref == 41
    assert refusal(exc) == Error(code=code.value, ref=41)


def test_msgpack_level_limits_are_too_large():
    """Strings, bins, arrays and maps over the codec's limits are too_large, not malformed."""
    for value in ("a" * 4097, b"\x00" * 8193, list(range(257)), {f"k{i}": 0 for i in range(65)}):
        exc = refused(_frame(MessageType.BOOTH_INFO_GET, request_id=7, opd=value))
        assert exc.code is ErrorCode.TOO_LARGE and exc.ref == 7


def test_request_field_problems_become_request_invalid():
    """A submission refused at decode for its fields is answered by request_invalid with the map."""
    data = _frame(
        MessageType.SUBMIT_REQUEST,
        request_id=12,
        client_request_id="c-1",
        opd="DUKCAPIL",
        service="ktp",
        fields={"nama": "a\tb"},
        note="   ",
    )
    exc = refused(data)
    assert refusal(exc) == RequestInvalid(request_id=12, problems={"nama": "invalid_text"})
    assert decode(encode(refusal(exc))) == refusal(exc)


def test_event_texts_follow_the_policy():
    """Event titles, descriptions, poll questions and options, slide cards and event moderation
    reasons are cleaned or refused; stage lines and questions are conversation, cleaned by the server."""
    from makaverse.protocol import EventSchedule, PollOpen, StageSay

    event = EventSchedule(request_id=1, title="  Rapat   Warga ", start_ms=1, end_ms=2, description=" a \r\n b ")
    assert (event.title, event.description) == ("Rapat Warga", "a\nb")
    poll = PollOpen(request_id=1, event_id=1, question=" Setuju? ", options=(" Ya ", "Tidak"))
    assert (poll.question, poll.options) == ("Setuju?", ("Ya", "Tidak"))
    for build in (
        lambda: EventSchedule(request_id=1, title="Rapat\u202eWarga", start_ms=1, end_ms=2),
        lambda: PollOpen(request_id=1, event_id=1, question="ok", options=("Ya\u200b", "Tidak")),
        lambda: StageSay(request_id=1, event_id=1, text=" \u200b "),
    ):
        with pytest.raises(InvalidField):
            build()
    assert StageSay(request_id=1, event_id=1, text="halo\u200b semua").text == "halo\u200b semua"


def test_every_ascii_control_is_refused_and_printable_ascii_passes():
    """Printable ASCII takes a shortcut past the per-character checks; every other ASCII character still meets them."""
    from makaverse.protocol.text import forbidden_char
    from makaverse.protocol.validate import check_str

    printable = "".join(chr(c) for c in range(0x20, 0x7F))
    assert forbidden_char(printable) == -1
    check_str("f", printable, 0, 200)
    for c in [*range(0x20), 0x7F]:
        text = f"ab{chr(c)}cd"
        if chr(c) in "\r\n":
            assert forbidden_char(text, multiline=True) == -1
        else:
            assert forbidden_char(text, multiline=True) == 2
        assert forbidden_char(text) == 2
        if chr(c) == "\n":
            check_str("f", text, 0, 10, single_line=False)
        else:
            with pytest.raises(InvalidField):
                check_str("f", text, 0, 10, single_line=False)
        with pytest.raises(InvalidField):
            check_str("f", text, 0, 10)
