"""Chat routing and text rules, pure: who hears a line, cleaning, limits, mutes and evidence."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from makaverse.protocol import CHANNEL_RANGE_M, ErrorCode
from makaverse.server.service_config import chat_config_from_env
from makaverse.server.services.chat import (
    ChatConfig,
    ChatRefusal,
    ChatRoom,
    GlobalMutes,
    HeardLine,
    HeardLog,
    PersonalMutes,
    RateLimits,
    chat_zone,
    clean_text,
    hearers,
    prepare_text,
    speaker_key,
    zone_groups,
)
from makaverse.server.services.wordfilter import WordFilter
from makaverse.world import load_default_world

ZONES = ["booth:DUKCAPIL", "stage", "auditorium", "service-hall", "lobby", "forecourt"]
GROUPS = zone_groups(ZONES)
STAGE, AUDITORIUM, HALL, LOBBY, FORECOURT = 1, 2, 3, 4, 5


def table(rows):
    """(id, x, y, zone index) rows -> the arrays `hearers` takes."""
    ids = np.array([r[0] for r in rows], dtype=np.uint32)
    pos = np.array([[r[1], r[2]] for r in rows], dtype=np.float64).reshape(-1, 2)
    zones = np.array([r[3] for r in rows], dtype=np.int64)
    return dict(ids=ids, pos=pos, zones=zones, groups=GROUPS)


def heard(channel, speaker, rows) -> set[int]:
    return set(hearers(channel, speaker, **table(rows)).tolist())


# ── ranges ───────────────────────────────────────────────────────────────────


def test_nearby_reaches_ten_metres_but_not_thirty():
    """On the nearby channel someone 10 m away hears the line and someone 30 m away does not; the speaker hears it too."""
    rows = [(1, 0.0, 0.0, FORECOURT), (2, 10.0, 0.0, FORECOURT), (3, -30.0, 0.0, FORECOURT)]
    assert heard("nearby", 1, rows) == {1, 2}


def test_whisper_and_shout_ranges():
    """A whisper reaches 3 m, a shout 40 m, and the edge of the range is inside it."""
    rows = [
        (1, 0.0, 0.0, LOBBY),
        (2, 0.0, 2.9, LOBBY),
        (3, 0.0, 3.2, LOBBY),
        (4, 40.0, 0.0, LOBBY),
        (5, 0.0, -41.0, LOBBY),
    ]
    assert heard("whisper", 1, rows) == {1, 2}
    assert heard("shout", 1, rows) == {1, 2, 3, 4}
    assert CHANNEL_RANGE_M == {"whisper": 3.0, "nearby": 15.0, "shout": 40.0}


def test_a_speaker_not_in_the_world_reaches_nobody():
    """A line from an avatar that is not among the rows has no hearers."""
    assert heard("nearby", 9, [(1, 0.0, 0.0, LOBBY)]) == set()
    assert heard("zone", 9, [(1, 0.0, 0.0, LOBBY)]) == set()


@settings(max_examples=60, derandomize=True, deadline=None)
@given(
    st.lists(st.tuples(st.floats(-60, 60), st.floats(-60, 60)), min_size=1, max_size=200),
    st.sampled_from(["whisper", "nearby", "shout"]),
)
def test_range_routing_matches_a_plain_distance_check(points, channel):
    """For any crowd, the vectorised check picks exactly the avatars a pairwise distance check picks."""
    rows = [(i + 1, x, y, LOBBY) for i, (x, y) in enumerate(points)]
    sx, sy = points[0]
    r = CHANNEL_RANGE_M[channel]
    expected = {i + 1 for i, (x, y) in enumerate(points) if (x - sx) ** 2 + (y - sy) ** 2 <= r * r}
    assert heard(channel, 1, rows) == expected


# ── zones ────────────────────────────────────────────────────────────────────


def test_zone_reaches_across_the_zone_and_no_further():
    """A zone line reaches everyone in the speaker's zone however far, and nobody in another zone however near."""
    rows = [(1, 0.0, 50.0, AUDITORIUM), (2, 20.0, 68.0, AUDITORIUM), (3, 0.0, 43.0, HALL), (4, -23.0, 45.0, AUDITORIUM)]
    assert heard("zone", 1, rows) == {1, 2, 4}


def test_the_stage_belongs_to_the_auditorium_for_zone_chat():
    """Someone on the stage and someone in the auditorium hear each other's zone lines."""
    rows = [(1, 0.0, 65.0, STAGE), (2, 0.0, 50.0, AUDITORIUM), (3, 0.0, 30.0, HALL)]
    assert heard("zone", 1, rows) == {1, 2}
    assert heard("zone", 2, rows) == {1, 2}
    assert chat_zone("stage") == "auditorium" and chat_zone("lobby") == "lobby"


def test_a_booth_is_its_own_zone():
    """A zone line at a booth stays at that booth, and the hall's does not reach into it."""
    rows = [(1, -20.0, 18.0, 0), (2, -19.0, 17.0, 0), (3, -15.0, 18.0, HALL)]
    assert heard("zone", 1, rows) == {1, 2}
    assert heard("zone", 3, rows) == {3}


def test_outside_every_zone_a_zone_line_reaches_nobody():
    """Zone chat from outside every zone has no hearers (the server refuses it)."""
    rows = [(1, 0.0, 0.0, -1), (2, 1.0, 0.0, -1)]
    assert heard("zone", 1, rows) == set()


def test_zone_groups_cover_the_real_world():
    """Every zone of the Balai Kota has a group, and only the stage shares the auditorium's."""
    world = load_default_world()
    ids = [z.id for z in world.zones]
    groups = zone_groups(ids)
    assert groups[0] == -1 and len(groups) == len(ids) + 1
    by_zone = dict(zip(ids, groups[1:].tolist(), strict=True))
    assert by_zone["stage"] == by_zone["auditorium"]
    others = [g for z, g in by_zone.items() if z not in ("stage", "auditorium")]
    assert len(set(others)) == len(others) and by_zone["auditorium"] not in others


# ── text ─────────────────────────────────────────────────────────────────────


def test_control_characters_are_stripped_and_whitespace_collapsed():
    """Control, zero-width and direction-override characters vanish; whitespace runs become one space."""
    assert clean_text("  halo\x00\x07 \t\n semua\r\n ") == "halo semua"
    assert clean_text("a\u200bb\u202ec\u2066d") == "abcd"
    assert clean_text("baris\u2028dua\u00a0tiga") == "baris dua tiga"
    assert clean_text("Selamat pagi 👋🏽 Makassar") == "Selamat pagi 👋🏽 Makassar"


def test_prepare_refuses_empty_and_too_long_lines():
    """Nothing left after cleaning is invalid_field; beyond the limit is too_large; the limit itself passes."""
    with pytest.raises(ChatRefusal) as empty:
        prepare_text("\x00 \u200b \n", max_chars=10)
    assert empty.value.code is ErrorCode.INVALID_FIELD
    with pytest.raises(ChatRefusal) as long:
        prepare_text("x" * 11, max_chars=10)
    assert long.value.code is ErrorCode.TOO_LARGE
    assert prepare_text("  " + "x" * 10 + "\n", max_chars=10) == "x" * 10


def test_prepare_masks_filtered_words():
    """The word filter runs on the cleaned text."""
    f = WordFilter(["goblok"])
    assert prepare_text("dasar\tgoblok!", max_chars=50, wordfilter=f) == "dasar ******!"


# ── mutes ────────────────────────────────────────────────────────────────────


def test_a_personal_mute_drops_only_the_muter():
    """Listeners who muted a speaker don't get the line; others do, and the speaker always hears themself."""
    mutes = PersonalMutes()
    troll = speaker_key(42, 7)
    mutes.mute(1, troll)
    assert mutes.deliver_to([7, 1, 2], troll, 7) == [7, 2]
    assert mutes.deliver_to([7, 1, 2], speaker_key(None, 3), 3) == [7, 1, 2]
    mutes.unmute(1, troll)
    assert mutes.deliver_to([7, 1, 2], troll, 7) == [7, 1, 2]
    assert mutes.muters_of(troll) == frozenset()


def test_loading_a_listeners_list_keeps_its_guest_mutes():
    """Replacing a listener's account mutes (from the store) keeps the guests it muted this visit."""
    mutes = PersonalMutes()
    mutes.mute(1, ("guest", 9))
    mutes.mute(1, ("account", 5))
    mutes.replace(1, [("account", 6)])
    assert mutes.muted_by(1) == {("guest", 9), ("account", 6)}
    assert mutes.muters_of(("account", 5)) == frozenset()
    mutes.forget_guest(9)
    assert mutes.muted_by(1) == {("account", 6)}
    mutes.forget_listener(1)
    assert mutes.muters_of(("account", 6)) == frozenset() and mutes.muted_by(1) == frozenset()


def test_a_moderator_mute_ends_by_itself():
    """A global mute is in force until its end and forgotten after it."""
    mutes = GlobalMutes()
    key = speaker_key(3, 1)
    mutes.set(key, 100.0, "spam")
    assert mutes.until(key, 99.0) == 100.0
    assert mutes.until(key, 100.0) is None
    assert mutes.until(key, 50.0) is None  # forgotten once ended
    mutes.set(key, 200.0, "spam")
    assert mutes.lift(key) and mutes.until(key, 0.0) is None


# ── rate limits ──────────────────────────────────────────────────────────────


def test_five_lines_in_a_burst_then_one_a_second():
    """A speaker gets 5 lines at once, then waits about a second per line; another speaker is unaffected."""
    limits = RateLimits(rate_per_s=1.0, burst=5)
    a, b = speaker_key(1, 1), speaker_key(None, 2)
    assert [limits.admit(a, 10.0) for _ in range(5)] == [0.0] * 5
    wait = limits.admit(a, 10.0)
    assert 0.9 < wait <= 1.0
    assert limits.admit(b, 10.0) == 0.0
    assert limits.admit(a, 11.0) == 0.0
    assert limits.admit(a, 11.0) > 0


def test_a_flood_is_cut_to_the_budget():
    """Of 1,000 lines sent within one second only the burst of 5 gets through; the next second lets one more."""
    limits = RateLimits(rate_per_s=1.0, burst=5)
    key = speaker_key(1, 1)
    passed = sum(limits.admit(key, 100.0 + i / 1000) == 0.0 for i in range(1000))
    assert passed == 5
    assert limits.admit(key, 101.0) == 0.0


def test_idle_buckets_are_pruned():
    """A bucket that has refilled completely is dropped; a busy one is kept."""
    limits = RateLimits(rate_per_s=1.0, burst=5)
    limits.admit(speaker_key(1, 1), 0.0)
    limits.admit(speaker_key(2, 2), 8.0)
    assert limits.prune(10.0) == 1 and len(limits) == 1


# ── what listeners heard ─────────────────────────────────────────────────────


def test_evidence_is_what_the_listener_heard_from_that_speaker():
    """A listener's log keeps the last lines it heard; evidence picks one speaker's, oldest first, up to a limit."""
    log = HeardLog(per_listener=5)
    troll, other = speaker_key(4, 4), speaker_key(None, 5)
    for i in range(7):
        who = troll if i % 2 == 0 else other
        log.add([1, 2], HeardLine(1000 + i, "nearby", who, who[1], "x", f"line {i}"))
    lines = log.lines_from(1, troll, limit=10)
    assert [line.text for line in lines] == ["line 2", "line 4", "line 6"]  # only the last 5 were kept
    assert [line.text for line in log.lines_from(1, troll, limit=2)] == ["line 4", "line 6"]
    assert log.lines_from(3, troll, limit=10) == []
    copy = lines[0].evidence()
    assert copy["speaker"] == "account:4" and copy["text"] == "line 2" and copy["kind"] == "chat"
    log.forget(1)
    assert log.lines_from(1, troll, limit=10) == []


# ── configuration ────────────────────────────────────────────────────────────


def test_config_from_the_environment():
    """MAKAVERSE_CHAT_* variables and MAKAVERSE_WORDFILTER_FILE override the defaults; bad values are refused."""
    assert chat_config_from_env({}).retention_days == 30.0
    cfg = chat_config_from_env(
        {
            "MAKAVERSE_CHAT_RETENTION_DAYS": "7",
            "MAKAVERSE_CHAT_MAX_CHARS": "120",
            "MAKAVERSE_CHAT_BURST": "3",
            "MAKAVERSE_WORDFILTER_FILE": "/tmp/words.txt",
        }
    )
    assert (cfg.retention_days, cfg.max_chars, cfg.burst, cfg.wordfilter_file) == (7.0, 120, 3, "/tmp/words.txt")
    with pytest.raises(ValueError):
        ChatConfig(max_chars=501)
    with pytest.raises(ValueError):
        ChatConfig(retention_days=0)


# ── one server's chat ────────────────────────────────────────────────────────


def room(**config) -> ChatRoom:
    return ChatRoom(ChatConfig(**config), ZONES, wordfilter=WordFilter(["goblok"]))


def test_a_room_refuses_a_muted_speaker_before_counting_the_line():
    """A moderator-muted speaker is refused with muted (spending nothing) except for a report; then the budget applies."""
    r = room(burst=2)
    key = speaker_key(7, 1)
    r.global_mutes.set(key, 1060.0, "spam")
    for _ in range(5):
        with pytest.raises(ChatRefusal) as info:
            r.admit(key, wall_s=1000.0, mono_s=5.0)
        assert info.value.code is ErrorCode.MUTED and "1 more minutes" in info.value.hint
    r.admit(key, wall_s=1000.0, mono_s=5.0, even_if_muted=True)  # a report
    r.admit(key, wall_s=1061.0, mono_s=5.0)
    with pytest.raises(ChatRefusal) as info:
        r.admit(key, wall_s=1061.0, mono_s=5.0)
    assert info.value.code is ErrorCode.SLOW_DOWN and info.value.hint == "retry in 1 s"


def test_a_room_routes_around_personal_mutes():
    """Listeners are the hearers in range minus those who muted the speaker; the speaker is always among them."""
    r = room()
    rows = table([(1, 0.0, 0.0, LOBBY), (2, 5.0, 0.0, LOBBY), (3, 6.0, 0.0, LOBBY), (4, 50.0, 0.0, LOBBY)])
    del rows["groups"]
    r.mutes.mute(3, speaker_key(None, 1))
    assert r.listeners("nearby", 1, speaker_key(None, 1), **rows) == [1, 2]
    assert r.listeners("zone", 2, speaker_key(None, 2), **rows) == [1, 2, 3, 4]
    assert r.text("  dasar\x00 goblok ") == "dasar ******"


def test_a_room_forgets_an_avatar_that_left():
    """When a guest leaves, its mutes, its log, its own mutes by others, limits and moderator mute are dropped."""
    r = room()
    guest = speaker_key(None, 5)
    r.mutes.mute(5, speaker_key(1, 1))
    r.mutes.mute(6, guest)
    r.global_mutes.set(guest, 9e9, "spam")
    r.limits.admit(guest, 0.0)
    r.heard.add([5], HeardLine(1, "nearby", speaker_key(1, 1), 1, "A", "hi"))
    r.forget(5, None)
    assert r.mutes.muted_by(5) == frozenset() and r.mutes.muted_by(6) == frozenset()
    assert r.global_mutes.until(guest, 0.0) is None and len(r.limits) == 0
    assert r.heard.lines_from(5, speaker_key(1, 1), limit=5) == []


def test_line_ids_wrap_within_uint32():
    """Line ids count up from 1 and wrap back to 1 after 2**32 - 1."""
    r = room()
    assert [r.next_id() for _ in range(3)] == [1, 2, 3]
    r._next_id = 2**32 - 2
    assert [r.next_id() for _ in range(2)] == [2**32 - 1, 1]
