"""What the stage screen and the host console show, without Panda3D: the Markdown card's layout,
the poll chart's bars, where things go on the screen, the console's enabled actions in each
state of an event, its forms, its shortcut table, and decks read from files."""

from __future__ import annotations

import struct
import zlib
from datetime import UTC, datetime

import pytest

from makaverse.client.state import host_view as V
from makaverse.client.state.events import Hand, QuestionView
from makaverse.client.state.keymap import ACTION_KEYS, HOST_KEYS, key_label, with_key
from makaverse.client.state.settings import DEFAULT_KEYS, RESERVED_KEYS
from makaverse.client.state.stage_view import CARD_SIZES, LINE_GAP, layout_card, poll_chart, screen_layout
from makaverse.client.ui.slide_deck import read_deck
from makaverse.protocol.events import MAX_SLIDE_BYTES

# ── the Markdown card ────────────────────────────────────────────────────────


def test_a_card_has_its_title_then_text_and_bullets_in_order():
    """The `#` heading is the title, lines of a paragraph join, bullets keep their text without marks."""
    lines = layout_card("# Rembuk Warga\nAgenda\nhari ini:\n\n- **Drainase** Jl. Veteran\n* Taman `kota`\n", 16, 9)
    assert [(ln.kind, ln.text) for ln in lines] == [
        ("title", "Rembuk Warga"), ("text", "Agenda hari ini:"), ("bullet", "Drainase Jl. Veteran"),
        ("bullet", "Taman kota")]
    ys = [ln.y for ln in lines]
    assert ys == sorted(ys) and len(set(ys)) == len(ys)  # top to bottom, no two on one line
    assert lines[0].size == pytest.approx(CARD_SIZES["title"] * 9)
    assert lines[2].x > lines[1].x  # bullets are indented
    assert lines[2].first and lines[3].first


def test_without_a_heading_the_first_paragraph_is_the_title():
    lines = layout_card("Selamat datang\n\nterima kasih", 16, 9)
    assert [ln.kind for ln in lines] == ["title", "text"]


def test_long_text_wraps_within_the_card_width():
    """A long paragraph wraps: no line is wider than the card (at the estimated glyph width)."""
    text = "kata " * 200
    lines = layout_card(text, 8.0, 4.5)
    assert len(lines) > 3
    for ln in lines:
        assert ln.x + len(ln.text) * ln.size * 0.5 <= 8.0 - 0.06 * 4.5 + 1e-6


def test_what_does_not_fit_ends_with_an_ellipsis():
    lines = layout_card("# Judul\n" + "\n".join(f"- butir {i}" for i in range(40)), 16, 9)
    assert lines[-1].text.endswith("…")
    last = lines[-1]
    assert last.y + last.size <= 9 * (1 - 0.06) + 1e-9
    assert len(lines) < 41


def test_links_keep_their_words_and_empty_cards_have_no_lines():
    assert layout_card("[Situs kota](https://makassarkota.go.id)", 16, 9)[0].text == "Situs kota"
    assert layout_card("   \n\n", 16, 9) == []


def test_a_continued_bullet_line_joins_its_bullet():
    lines = layout_card("# T\n- satu\n  lanjutan\n- dua", 16, 9)
    assert [ln.text for ln in lines if ln.kind == "bullet"] == ["satu lanjutan", "dua"]


def test_lines_are_spaced_by_their_size():
    lines = layout_card("# T\nkata " + "kata " * 100, 10, 9)
    body = [ln for ln in lines if ln.kind == "text"]
    assert body[1].y - body[0].y == pytest.approx(LINE_GAP * body[0].size)


# ── the poll chart ───────────────────────────────────────────────────────────


def test_bars_are_in_proportion_to_the_votes():
    chart = poll_chart("Prioritas?", ("A", "B", "C"), (6, 3, 0), 9, open=True, bar_length=2.0)
    assert [r.length for r in chart.rows] == [2.0, 1.0, 0.0]
    assert [r.percent for r in chart.rows] == [67, 33, 0]
    assert chart.state == "live" and chart.total == 9


def test_no_votes_draws_no_bars_and_hidden_results_show_no_counts():
    empty = poll_chart("Q", ("A", "B"), (0, 0), 0, open=True)
    assert [r.length for r in empty.rows] == [0.0, 0.0] and [r.percent for r in empty.rows] == [0, 0]
    hidden = poll_chart("Q", ("A", "B"), (), 5, open=True)
    assert hidden.state == "hidden" and all(r.count is None and r.length == 0 for r in hidden.rows)
    assert hidden.total == 5
    closed = poll_chart("Q", ("A", "B"), (1, 3), 4, open=False)
    assert closed.state == "closed" and [r.length for r in closed.rows] == [pytest.approx(1 / 3), 1.0]


def test_the_screen_puts_slide_left_chart_right_and_the_line_under_the_chart():
    both = screen_layout(16, 4.6, slide=True, poll=True)
    assert both.slide.x1 < both.chart.x0 and both.chart.y1 < both.line.y0
    assert both.line.x0 == both.chart.x0 and both.line.y1 <= 4.6
    assert both.slide.width / both.slide.height == pytest.approx(16 / 9, rel=0.01)
    slide_only = screen_layout(16, 4.6, slide=True, poll=False)
    assert slide_only.chart is None and slide_only.slide.width > both.slide.width
    assert slide_only.line.y0 > slide_only.slide.y1
    fit = both.slide.fit(1.0)
    assert fit.width == pytest.approx(fit.height) and fit.x0 > both.slide.x0


# ── the host console ─────────────────────────────────────────────────────────


def _enabled(**kw):
    base = dict(status="live", doors="open", joined=True, person=None, people_count=0)
    base.update(kw)
    return V.enabled_actions(**base)


def test_the_life_of_an_event_decides_open_close_lock_and_end():
    assert _enabled(status="scheduled", doors="closed") >= {"event_open", "event_end"}
    assert not _enabled(status="scheduled", doors="closed") & {"event_close", "event_lock", "deck_load"}
    live_open = _enabled()
    assert {"event_close", "event_lock", "event_end"} <= live_open and "event_open" not in live_open
    locked = _enabled(doors="locked")
    assert "event_open" in locked and "event_lock" not in locked
    assert _enabled(status="ended", doors="locked") == frozenset()
    assert _enabled(status="", doors="") == frozenset()


def test_the_hall_commands_need_you_in_the_hall():
    outside = _enabled(joined=False, person=V.Person(5, "Andi", hand=1), people_count=1)
    assert outside == {"event_close", "event_lock", "event_end"}


def test_a_selected_person_can_be_invited_given_the_floor_and_moderated():
    andi = V.Person(5, "Andi", 11, hand=1)
    on = _enabled(person=andi, people_count=1)
    assert {"speaker_on", "floor_give", "mod_mute", "mod_unmute", "mod_remove"} <= on
    assert not on & {"speaker_off", "floor_back", "person_next"}
    speaking = _enabled(person=V.Person(5, "Andi", 11, speaker=True, floor=True), people_count=2, floor=5)
    assert {"speaker_off", "floor_back", "person_next", "person_prev"} <= speaking
    assert not speaking & {"speaker_on", "floor_give"}


def test_a_selected_question_makes_its_asker_the_one_moderated():
    """With no person picked, mute / unmute / remove act on the selected question's asker (the host's
    copy names the account); a picked person comes first; an attendee's copy (account 0) names nobody."""
    spam = QuestionView(4, "Beli pulsa murah!", "Spammer", 0, account_id=77)
    andi = V.Person(5, "Andi", 11, hand=1)
    assert V.moderation_target(V.Selection(0, 4), andi, spam) == V.ModTarget(77, "Spammer", asker=True)
    assert V.moderation_target(V.Selection(5, 4), andi, spam) == V.ModTarget(5, "Andi")
    assert V.moderation_target(V.Selection(0, 4), None, spam) == V.ModTarget(77, "Spammer", asker=True)
    unknown = QuestionView(4, "Kapan?", "Sari", 1)
    assert V.moderation_target(V.Selection(0, 4), andi, unknown) == V.ModTarget(5, "Andi")
    assert V.moderation_target(V.Selection(0, 4), None, unknown) is None
    on = _enabled(question=spam, question_count=1)
    assert {"mod_mute", "mod_unmute", "mod_remove"} <= on and "floor_give" not in on
    assert not {"mod_mute", "mod_unmute", "mod_remove"} & _enabled(question=unknown, question_count=1)


def test_questions_polls_and_slides_are_offered_as_they_allow():
    q = QuestionView(1, "Kapan?", "Andi", 3)
    on = _enabled(question=q, question_count=2)
    assert {"question_next", "question_answered", "question_hide", "poll_live", "deck_load"} <= on
    answered = _enabled(question=QuestionView(1, "Kapan?", "Andi", 3, answered=True), question_count=1)
    assert "question_answered" not in answered and "question_next" not in answered
    assert "poll_open" not in on and "poll_open" in _enabled(poll_form_ok=True)

    class OpenPoll:
        open = True

    running = _enabled(poll=OpenPoll(), poll_form_ok=True)
    assert "poll_close" in running and not running & {"poll_open", "poll_live"}
    assert "slide_next" not in on and "slide_prev" not in on
    first = _enabled(slide_index=-1, slide_count=2)
    assert "slide_next" in first and "slide_prev" not in first
    last = _enabled(slide_index=1, slide_count=2)
    assert "slide_prev" in last and "slide_next" not in last


def test_only_hosts_schedule_and_only_a_good_form():
    assert "schedule" in _enabled(status="", doors="", may_schedule=True, schedule_ok=True)
    assert "schedule" not in _enabled(status="", doors="", may_schedule=True, schedule_ok=False)
    assert "schedule" not in _enabled(status="", doors="", may_schedule=False, schedule_ok=True)
    assert V.may_host("host", "") and V.may_host("citizen", "host") and not V.may_host("citizen", "attendee")


def test_people_are_hands_in_order_then_the_floor_then_speakers():
    hands = (Hand(7, "Besse", 21), Hand(5, "Andi", 11))
    everyone = V.people(hands, [9, 2], 3, names={3: "Sari"}, avatars={3: 13}, host_account=2)
    assert [(p.name, p.hand, p.floor, p.speaker) for p in everyone] == [
        ("Besse", 1, False, False), ("Andi", 2, False, False), ("Sari", 0, True, False), ("#9", 0, False, True)]
    assert everyone[2].avatar_id == 13


def test_the_console_runs_your_event_else_the_one_you_scheduled_else_one_you_host():
    class E:
        def __init__(self, id, host, status="scheduled"):
            self.id, self.host, self.status = id, host, status

    board = [E(1, "Budi"), E(2, "Hana"), E(3, "Hana", "ended"), E(4, "Hana")]
    assert V.console_event(9, board, my_name="Hana") == 9
    assert V.console_event(0, board, my_name="Hana", scheduled=4) == 4
    assert V.console_event(0, board, my_name="Hana", scheduled=3) == 2  # ended: not that one
    assert V.console_event(0, board, my_name="Rudi") == 0


def test_the_poll_form_says_what_is_missing():
    assert V.poll_form_problem("", ["a", "b"]) == "host.poll_need_question"
    assert V.poll_form_problem("Q?", ["a", "", " "]) == "host.poll_need_options"
    assert V.poll_form_problem("Q?", ["a"] * 7) == "host.poll_need_options"
    assert V.poll_form_problem("Q?", ["a", "a"]) == "host.poll_same_options"
    assert V.poll_form_problem("Q?", ["a", "x" * 81]) == "host.poll_option_long"
    assert V.poll_form_problem("Q?", ["a", "b", "", "c"]) == ""


def test_the_schedule_form_reads_wita_times_and_checks_them():
    form = V.schedule_form(" Rembuk ", "", "2026-12-03 19:30", "2026-12-03 21:00", "150", "id")
    assert form.problem == "" and form.title == "Rembuk" and form.capacity == 150
    assert form.start_ms == int(datetime(2026, 12, 3, 11, 30, tzinfo=UTC).timestamp() * 1000)  # WITA is UTC+8
    assert form.end_ms - form.start_ms == 90 * 60 * 1000
    assert V.schedule_form("", "", "2026-12-03 19:30", "2026-12-03 21:00", "1", "id").problem == "host.form_title"
    assert V.schedule_form("T", "", "besok", "2026-12-03 21:00", "1", "id").problem == "host.form_time"
    assert V.schedule_form("T", "", "2026-12-03 21:00", "2026-12-03 19:30", "1", "id").problem == "host.form_order"
    assert V.schedule_form("T", "", "2026-12-03", "2026-12-04", "0", "id").problem == "host.form_capacity"
    assert V.schedule_form("T", "", "2026-12-03", "2026-12-04", "5", "fr").problem == "host.form_lang"


def test_every_console_action_has_one_ctrl_key_that_nothing_else_uses():
    """One key per action, none twice, all Ctrl combinations over keys nobody else binds alone."""
    assert set(HOST_KEYS) == set(V.HOST_ACTIONS)
    keys = list(HOST_KEYS.values())
    assert len(set(keys)) == len(keys)
    assert all(k.startswith("control-") for k in keys)
    plain = {k.removeprefix("control-") for k in keys}
    others = set(ACTION_KEYS.values()) | set(DEFAULT_KEYS.values()) | set(RESERVED_KEYS)
    town_hall = {"h", "q", "f12", "1", "2", "3", "4", "5", "6"}  # the attendee's keys
    assert not plain & (others | town_hall)
    assert not set(keys) & set(ACTION_KEYS.values())
    assert ACTION_KEYS["host_console"] == "f11"
    assert key_label("event_open") == "Ctrl+O" and with_key("Buka", "event_open") == "Buka (Ctrl+O)"
    assert key_label("language") == "F9"


# ── decks from files ─────────────────────────────────────────────────────────


def _png(w: int, h: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = (b"\x00" + b"\x80\x10\x10" * w) * h
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def test_a_folder_is_a_deck_in_name_order(tmp_path):
    (tmp_path / "2-agenda.md").write_text("# Agenda\n- satu", encoding="utf-8")
    (tmp_path / "1-foto.png").write_bytes(_png(32, 18))
    (tmp_path / "notes.txt").write_text("not a slide")
    slides, problems = read_deck(str(tmp_path))
    assert problems == []
    assert [(s.name, s.kind) for s in slides] == [("1-foto.png", "png"), ("2-agenda.md", "markdown")]
    assert slides[1].text.startswith("# Agenda")


def test_files_separated_by_semicolons_and_every_problem_named(tmp_path):
    good = tmp_path / "a.png"
    good.write_bytes(_png(8, 8))
    fake = tmp_path / "b.png"
    fake.write_bytes(b"GIF89a not really")
    big = tmp_path / "c.jpg"
    big.write_bytes(b"\xff\xd8\xff" + b"\x00" * MAX_SLIDE_BYTES)
    huge = tmp_path / "d.png"
    huge.write_bytes(_png(2000, 10))
    empty = tmp_path / "e.md"
    empty.write_text("  \n")
    slides, problems = read_deck(f"{good}; {fake};{big};{huge};{empty};{tmp_path / 'missing.png'}")
    assert slides == []  # a bad deck sends nothing
    assert [(p.key, p.name) for p in problems] == [
        ("deck.not_found", str(tmp_path / "missing.png")), ("deck.not_image", "b.png"), ("deck.too_large", "c.jpg"),
        ("deck.too_large", "d.png"), ("deck.bad_card", "e.md")]
    assert read_deck(str(good))[0][0].kind == "png"


def test_an_empty_path_an_empty_folder_and_too_many_slides(tmp_path):
    assert [p.key for p in read_deck("  ")[1]] == ["deck.no_path"]
    assert [p.key for p in read_deck(str(tmp_path))[1]] == ["deck.empty_folder"]
    (tmp_path / "a.md").write_text("# A")
    (tmp_path / "b.md").write_text("# B")
    assert [p.key for p in read_deck(str(tmp_path), room=1)[1]] == ["deck.too_many"]


def test_every_deck_and_console_message_is_translated():
    from makaverse.client import i18n

    keys = [k for k in i18n.STRINGS if k.startswith(("host.", "deck.", "screen."))]
    assert len(keys) > 60
    for key in keys:
        assert i18n.STRINGS[key]["id"] and i18n.STRINGS[key]["en"], key
    for problem in ("host.poll_need_question", "host.form_time", "deck.too_many"):
        assert i18n.has(problem)
