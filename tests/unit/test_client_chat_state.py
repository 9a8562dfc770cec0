"""Chat as the client keeps it, without Panda3D: routing to tabs, unread direct messages, bubbles
and emotes that expire, lists, moderation notices, and the chat box's commands."""

from __future__ import annotations

import pytest

from makaverse.client import i18n
from makaverse.client.state.chat_state import (
    BUBBLE_MAX_S,
    EMOTE_S,
    ChatState,
    Target,
    bubble_seconds,
    wrap_segments,
)
from makaverse.protocol import (
    Announce,
    Announcement,
    Block,
    Chat,
    ChatLists,
    ChatSend,
    Direct,
    DirectSend,
    DirectSent,
    Emote,
    Emoted,
    Error,
    Moderate,
    Moderated,
    ModerateDone,
    Mute,
    Report,
    ReportFiled,
    Welcome,
)


def chat(id_: int, text: str, *, avatar: int = 5, name: str = "Andi", role: str = "citizen", channel: str = "nearby",
         username: str = "andi") -> Chat:
    return Chat(id=id_, channel=channel, avatar_id=avatar, name=name, role=role, text=text, server_time_ms=1,
                username=username)


def direct(id_: int, text: str = "halo", *, stored: bool = False) -> Direct:
    return Direct(id=id_, from_username="sari", from_name="Sari", from_role="staff", text=text, sent_ms=1,
                  stored=stored)


def plain(state: ChatState, tab: str, lang: str = "id") -> list[str]:
    return ["".join(t for t, _ in state.segments(line, lang)) for line in state.tab_lines(tab)]


def test_public_lines_go_to_the_chat_tab_and_direct_messages_to_theirs():
    """Nearby, shout and zone lines and announcements land in the public tab; direct messages in the DM tab."""
    s = ChatState()
    s.handle(chat(1, "selamat pagi"), 0)
    s.handle(chat(2, "ada orang?", channel="shout"), 0)
    s.handle(chat(3, "antre di sini", channel="zone"), 0)
    s.handle(Announcement(id=4, name="Wali", role="admin", text="Rapat jam 10", server_time_ms=1), 0)
    s.handle(direct(9), 0)
    public = plain(s, "public")
    assert public[0] == "Andi: selamat pagi"
    assert public[1] == "[Teriak] Andi: ada orang?"
    assert public[2] == "[Zona] Andi: antre di sini"
    assert public[3] == "[Pengumuman] Wali [Admin]: Rapat jam 10"
    assert plain(s, "dm") == ["[pesan] Sari [Petugas]: halo"]


def test_names_are_styled_by_role_and_staff_are_marked():
    """The name's style is its role, and staff, hosts and admins carry their role after the name."""
    s = ChatState(lang="en")
    s.handle(chat(1, "hi", name="Budi", role="host"), 0)
    segments = s.segments(s.lines[-1], "en")
    assert segments[0] == ("Budi [Host]: ", "role.host")
    assert segments[1] == ("hi", "text")


def test_unread_direct_messages_count_until_the_tab_is_opened():
    """Each new DM counts while you look elsewhere; opening the DM tab clears the count; repeats don't count."""
    s = ChatState()
    s.handle(direct(1), 0)
    s.handle(direct(2, stored=True), 0)
    s.handle(direct(2, stored=True), 0)  # delivered twice (a reconnect): shown once
    assert s.unread_dm == 2
    s.open_tab("dm")
    assert s.unread_dm == 0
    s.handle(direct(3), 0)
    assert s.unread_dm == 0  # you are looking at it
    s.open_tab("public")
    s.handle(direct(4), 0)
    assert s.unread_dm == 1


def test_the_same_chat_line_twice_is_shown_once():
    """A `chat` id seen before is dropped."""
    s = ChatState()
    s.handle(chat(1, "x"), 0)
    s.handle(chat(1, "x"), 0)
    assert len(s.lines) == 1


def test_bubbles_follow_nearby_lines_and_expire():
    """A nearby line puts a bubble over its speaker that lasts a few seconds (longer for longer lines)."""
    s = ChatState()
    s.handle(chat(1, "halo", avatar=5), 1000)
    s.handle(chat(2, "zona saja", avatar=6, channel="zone"), 1000)
    (b,) = s.live_bubbles(1000)
    assert b.avatar_id == 5 and b.text == "halo"
    assert s.live_bubbles(1000 + bubble_seconds("halo") * 1000 - 1)
    assert s.live_bubbles(1000 + bubble_seconds("halo") * 1000) == []
    assert bubble_seconds("x" * 500) == BUBBLE_MAX_S


def test_a_new_line_replaces_the_speakers_bubble():
    """One bubble per speaker: the newest line."""
    s = ChatState()
    s.handle(chat(1, "satu", avatar=5), 0)
    s.handle(chat(2, "dua", avatar=5), 10)
    assert [b.text for b in s.live_bubbles(20)] == ["dua"]


def test_emotes_play_for_a_while_then_stop():
    """An `emoted` starts an emote on that avatar; it is over after EMOTE_S seconds."""
    s = ChatState()
    s.handle(Emoted(avatar_id=5, emote="wave"), 0)
    (play,) = s.live_emotes(100)
    assert play.emote == "wave" and 0 < play.progress(100) < 1
    assert s.live_emotes(EMOTE_S * 1000) == []


def test_an_announcement_is_a_banner_for_a_while():
    """An announcement shows as a banner, then the banner goes (the log keeps it)."""
    s = ChatState()
    s.handle(Announcement(id=1, name="Wali", role="host", text="Mulai", server_time_ms=1), 0)
    assert s.live_banner(5000).text == "Mulai"
    assert s.live_banner(60_000) is None
    assert plain(s, "public")[-1].endswith("Mulai")


def test_moderated_is_shown_with_reason_and_duration():
    """A mute shows who did what, for how long and why; it fades later. A kick stays on screen."""
    s = ChatState()
    s.handle(Moderated(action="mute", reason="spam di aula", minutes=30, until_ms=5, by_role="admin"), 0)
    text = s.live_moderated(1000).text("id")
    assert "30 menit" in text and "spam di aula" in text
    assert s.live_moderated(10 * 60_000) is None
    s.handle(Moderated(action="kick", reason="mengganggu"), 0)
    assert "mengganggu" in s.live_moderated(10 * 60_000).text("en")
    assert any(line.key == "mod.you_kick" for line in s.lines)
    assert "30 menit" in plain(s, "public")[0]  # the log keeps the whole sentence
    s.handle(Moderated(action="ban", reason="penipuan", minutes=0), 0)
    assert s.live_moderated(0).text("en").startswith("A moderator banned your account with no end date.")


def test_chat_errors_are_claimed_and_logged_translated():
    """`slow_down` (even for an emote, with no ref) and an error answering our own line go to the chat log."""
    s = ChatState()
    assert s.handle(Error(code="slow_down", text="wait 2 s"), 0)
    assert plain(s, "public")[-1] == i18n.t("error.slow_down", "id")
    (send,) = s.submit("halo", 0)
    assert s.handle(Error(code="too_large", ref=send.request_id), 0)
    assert plain(s, "public")[-1] == i18n.t("error.too_large", "id")
    assert not s.handle(Error(code="not_found", ref=999_999), 0)  # someone else's


def test_a_plain_line_goes_out_on_the_chosen_channel():
    """Typed text becomes `chat_send` on the selected channel, cut at the input limit."""
    s = ChatState()
    s.cycle_channel()
    (msg,) = s.submit("  pelan-pelan saja ", 0)
    assert isinstance(msg, ChatSend) and msg.channel == "whisper" and msg.text == "pelan-pelan saja"
    assert len(s.submit("x" * 900, 0)[0].text) == 200
    assert s.submit("   ", 0) == []
    (literal,) = s.submit("//bukan perintah", 0)
    assert literal.text == "/bukan perintah"


def test_whisper_to_someone_you_see_or_by_username():
    """`/w NAME text`: by avatar when NAME is someone in sight (quoted or with spaces), else by username."""
    s = ChatState()
    seen = {"andi saputra": Target(avatar_id=12, name="Andi Saputra")}
    resolve = lambda name: seen.get(name.lower())  # noqa: E731
    (a,) = s.submit("/w Andi Saputra apa kabar", 0, resolve=resolve, names=["Andi Saputra"])
    assert isinstance(a, DirectSend) and a.to_avatar == 12 and a.text == "apa kabar"
    (b,) = s.submit('/w "Andi Saputra" lagi', 0, resolve=resolve)
    assert b.to_avatar == 12 and b.text == "lagi"
    (c,) = s.submit("/msg Sari_01 tolong", 0, resolve=resolve)
    assert c.to_username == "sari_01" and c.to_avatar == 0
    assert s.submit("/w", 0) == []
    assert plain(s, "public")[-1] == i18n.t("chat.usage_w", "id")


def test_reply_goes_to_the_last_person_who_wrote():
    """`/r text` answers the last direct message's sender."""
    s = ChatState()
    assert s.submit("/r halo", 0) == []
    s.handle(direct(1), 0)
    (msg,) = s.submit("/r terima kasih", 0)
    assert msg.to_username == "sari" and msg.text == "terima kasih"


def test_mute_block_and_their_undo():
    """`/mute`, `/unmute`, `/block`, `/unblock` send the right message; the lists' answer is confirmed in the log."""
    s = ChatState()
    resolve = lambda name: Target(avatar_id=8, name="Tamu-1234") if name == "Tamu-1234" else None  # noqa: E731
    (m,) = s.submit("/mute Tamu-1234", 0, resolve=resolve)
    assert isinstance(m, Mute) and m.on and m.avatar_id == 8
    s.handle(ChatLists(request_id=m.request_id, muted_avatars=(8,)), 0)
    assert s.is_muted(avatar_id=8)
    assert plain(s, "public")[-1] == i18n.t("chat.mute_ok", "id", name="Tamu-1234")
    (u,) = s.submit("/unmute budi", 0)
    assert isinstance(u, Mute) and not u.on and u.username == "budi"
    (b,) = s.submit("/block budi", 0)
    assert isinstance(b, Block) and b.on
    s.handle(ChatLists(request_id=b.request_id, blocked=("budi",), blocked_names=("Budi",)), 0)
    assert s.lists.blocked == {"budi": "Budi"}
    (ub,) = s.submit("/unblock budi", 0)
    assert isinstance(ub, Block) and not ub.on


def test_a_known_speakers_username_is_used_for_their_display_name():
    """Someone who spoke with a username can be named by their display name even when out of sight."""
    s = ChatState()
    s.handle(chat(1, "hai", name="Rahmat", username="rahmat88"), 0)
    (m,) = s.submit("/mute Rahmat", 0)
    assert m.username == "rahmat88"


def test_report_with_a_reason_and_a_note():
    """`/report NAME REASON note`; an Indonesian reason word works; an unknown reason becomes `other` with the note."""
    s = ChatState()
    (r,) = s.submit("/report budi spam mengulang terus", 0)
    assert isinstance(r, Report) and r.reason == "spam" and r.note == "mengulang terus"
    (r2,) = s.submit("/report budi pelecehan", 0)
    assert r2.reason == "harassment"
    (r3,) = s.submit("/report budi kata-kata kasar", 0)
    assert r3.reason == "other" and r3.note == "kata-kata kasar"
    s.handle(ReportFiled(request_id=r.request_id, report_id=41, evidence=3), 0)
    assert "41" in plain(s, "public")[-1]


def test_moderator_commands():
    """`/kick`, `/mutefor`, `/unmutefor`, `/ban` and `/announce` build moderation messages with their reasons."""
    s = ChatState()
    (k,) = s.submit("/kick budi berkata kasar", 0)
    assert isinstance(k, Moderate) and (k.action, k.reason, k.username) == ("kick", "berkata kasar", "budi")
    (m,) = s.submit("/mutefor budi 30 spam", 0)
    assert (m.action, m.minutes, m.reason) == ("mute", 30, "spam")
    (u,) = s.submit("/unmutefor budi sudah tenang", 0)
    assert u.action == "unmute"
    (b,) = s.submit("/ban budi 0 penipuan", 0)
    assert (b.action, b.minutes) == ("ban", 0)
    assert s.submit("/mutefor budi lama spam", 0) == []  # minutes must be a number
    assert s.submit("/kick budi", 0) == []  # a reason is required
    (a,) = s.submit("/announce Acara dimulai", 0)
    assert isinstance(a, Announce) and a.text == "Acara dimulai"
    s.handle(ModerateDone(request_id=k.request_id, action="kick", name="Budi"), 0)
    assert plain(s, "public")[-1] == i18n.t("mod.done_kick", "id", name="Budi")


def test_emote_commands_and_unknown_commands():
    """`/wave` sends an emote; an unknown command is answered locally and sends nothing."""
    s = ChatState()
    (e,) = s.submit("/wave", 0)
    assert isinstance(e, Emote) and e.emote == "wave"
    assert s.submit("/terbang", 0) == []
    assert plain(s, "public")[-1] == i18n.t("chat.unknown_command", "id", command="terbang")


def test_help_lists_moderator_commands_only_for_moderators():
    """`/help` shows the commands; hosts and admins also see theirs."""
    s = ChatState()
    s.submit("/help", 0)
    assert [line.key for line in s.lines] == ["chat.help"]
    s.handle(Welcome(avatar_id=1, name="Wali", role="admin", world_id="w", tick_hz=20, snapshot_hz=20, input_hz=20,
                     interest_radius_cm=100, server_time_ms=1, x_cm=0, y_cm=0, yaw=0), 0)
    s.submit("/help", 0)
    assert [line.key for line in s.lines][-2:] == ["chat.help", "chat.help_mod"]


def test_direct_sent_shows_your_line_and_says_when_it_waits():
    """Your sent DM appears in the DM tab; if they are offline the log says it will wait for them."""
    s = ChatState()
    (dm,) = s.submit("/w sari nanti ya", 0)
    s.handle(DirectSent(request_id=dm.request_id, id=3, to_username="sari", to_name="Sari", text="nanti ya",
                        sent_ms=1, online=False), 0)
    assert plain(s, "dm") == ["[ke Sari]: nanti ya", i18n.t("chat.dm_stored", "id", name="Sari")]


def test_scrolling_history_keeps_its_place_and_clamps():
    """Scroll back shows older rows; a new line keeps the reader's place; scrolling never passes the ends."""
    s = ChatState()
    for i in range(30):
        s.handle(chat(i + 1, f"baris {i}"), 0)
    assert plain_rows(s.visible_rows("id", 80, 5))[-1] == "Andi: baris 29"
    s.scroll_by(10)
    assert plain_rows(s.visible_rows("id", 80, 5))[-1] == "Andi: baris 19"
    s.handle(chat(100, "baru"), 0)
    assert plain_rows(s.visible_rows("id", 80, 5))[-1] == "Andi: baris 19"
    s.scroll_by(1000)
    assert plain_rows(s.visible_rows("id", 80, 5))[0] == "Andi: baris 0"
    s.scroll_by(-5000)
    assert plain_rows(s.visible_rows("id", 80, 5))[-1] == "Andi: baru"


def plain_rows(rows) -> list[str]:
    return ["".join(t for t, _ in row) for row in rows]


def test_wrapping_keeps_styles_and_cuts_long_words():
    """Rows never exceed the width; each piece keeps its style; a very long word is cut."""
    rows = wrap_segments([("Andi [Petugas]: ", "role.staff"), ("kata " * 12 + "x" * 40, "text")], 20)
    assert all(sum(len(t) for t, _ in row) <= 20 for row in rows)
    assert rows[0][0] == ("Andi", "role.staff")
    assert "".join(t for row in rows for t, _ in row).replace(" ", "") == (
        "Andi[Petugas]:" + "kata" * 12 + "x" * 40)


def test_history_is_bounded():
    """The log keeps a bounded number of lines."""
    s = ChatState(history=50)
    for i in range(200):
        s.handle(chat(i + 1, "x"), 0)
    assert len(s.lines) == 50


def test_the_language_is_chosen_when_drawn():
    """System lines are kept as keys, so switching language retranslates the log."""
    s = ChatState()
    s.handle(Error(code="muted", text="until 12:00"), 0)
    assert plain(s, "public", "id") == [i18n.t("error.muted", "id")]
    assert plain(s, "public", "en") == [i18n.t("error.muted", "en")]


@pytest.mark.parametrize("tab", ["public", "dm"])
def test_tabs_are_known(tab):
    """Only the two tabs exist."""
    s = ChatState()
    s.open_tab(tab)
    with pytest.raises(ValueError):
        s.open_tab("everything")


def test_wrapping_by_measured_width():
    """With the font's measure, a row of wide letters wraps sooner than a row of narrow ones."""
    def measure(text: str) -> float:
        return sum(2.0 if ch == "W" else 1.0 for ch in text)

    wide = wrap_segments([("WW WW WW", "text")], 10, measure)
    narrow = wrap_segments([("ii ii ii", "text")], 10, measure)
    assert len(wide) == 2 and len(narrow) == 1
    assert all(measure("".join(t for t, _ in row)) <= 10 for row in wide)
    assert wrap_segments([("W" * 30, "text")], 1.5, measure)  # wider than a row: still terminates


def test_the_dm_tab_answers_the_last_correspondent():
    """Sending `/w` opens the DM tab; there a plain line goes to the last person you wrote with."""
    s = ChatState()
    assert s.submit("halo", 0)[0].__class__ is ChatSend
    s.open_tab("dm")
    assert s.submit("halo?", 0) == []  # nobody to answer yet: a hint instead
    assert plain(s, "dm")[-1] == i18n.t("chat.dm_pick", "id")
    s.open_tab("public")
    (first,) = s.submit("/w sari boleh tanya?", 0)
    assert s.tab == "dm"
    s.handle(DirectSent(request_id=first.request_id, id=8, to_username="sari", to_name="Sari", text="boleh tanya?",
                        sent_ms=1, online=True), 0)
    (reply,) = s.submit("jam berapa loket tutup?", 0)
    assert isinstance(reply, DirectSend) and reply.to_username == "sari"


def test_a_folded_chat_box_counts_what_arrives_until_unfolded():
    """Folded, the box counts lines others send (not your own notes) and unfolding clears the count."""
    chat = ChatState(lang="id")
    assert chat.toggle_collapsed() is True
    chat.handle(Chat(id=1, avatar_id=3, name="Sari", role="citizen", channel="nearby", text="halo",
                     server_time_ms=1), 0.0)
    chat.note("chat.offline", 1.0)
    assert chat.unseen == 1
    rev = chat.revision
    chat.set_collapsed(False)
    assert chat.unseen == 0 and not chat.collapsed and chat.revision > rev
