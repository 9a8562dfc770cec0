"""The look chooser's state: Up/Down pick a part, Left/Right step through its choices, and every
step leaves a complete look that survives the settings file's text form."""

from __future__ import annotations

from makaverse.client.state.look_choice import LOOK_PARTS, OPTIONS, LookForm, format_look, parse_look
from makaverse.client.state.settings import Settings, SettingsForm
from makaverse.protocol.look import HEADWEAR, PATTERNS, Look


def test_right_steps_through_every_headwear_and_wraps():
    """Headwear cycles none, hijab, peci, songkok, passapu and back to none."""
    form = LookForm(Look())
    form.selected = LOOK_PARTS.index("headwear")
    seen = []
    for _ in HEADWEAR:
        form.adjust(+1)
        seen.append(form.look.headwear)
    assert seen == [*HEADWEAR[1:], HEADWEAR[0]]
    assert form.changed


def test_up_from_the_first_row_wraps_to_the_last():
    """Up on skin tone selects the headwear colour at the bottom."""
    form = LookForm(Look())
    form.move(-1)
    assert LOOK_PARTS[form.selected] == "head"


def test_every_choice_round_trips_through_the_saved_text():
    """Whatever is chosen, the saved `look` text gives the same look back (and packs for hello)."""
    form = LookForm(Look())
    for row, part in enumerate(LOOK_PARTS):
        form.selected = row
        for _ in range(len(OPTIONS[part]) + 1):
            form.adjust(+1)
            assert parse_look(format_look(form.look)) == form.look
            assert Look.unpack(form.look.pack()) == form.look


def test_a_saved_colour_not_in_the_list_is_kept_as_a_choice():
    """A colour from --look that the chooser does not offer is shown first, before the offered ones."""
    form = LookForm(Look(top=0x123456))
    form.selected = LOOK_PARTS.index("top")
    rows = {r.part: r for r in form.rows()}
    assert rows["top"].rgb == 0x123456 and rows["top"].index == 0
    assert rows["top"].count == len(OPTIONS["top"]) + 1
    form.adjust(+1)
    assert form.look.top == OPTIONS["top"][0]


def test_rows_name_patterns_and_headwear_by_translation_key():
    """Patterns and headwear show words (batik, lipa' sabbe), colours show swatches."""
    rows = {r.part: r for r in LookForm(Look(pattern="balo_lobang", headwear="passapu")).rows()}
    assert rows["pattern"].value_key == "look.pattern.balo_lobang" and PATTERNS.index("balo_lobang") == 3
    assert rows["headwear"].value_key == "look.headwear.passapu"
    assert rows["bottom"].rgb is not None and rows["skin"].count == 6


def test_enter_on_the_settings_look_row_asks_for_the_chooser():
    """F10's "Avatar look" row opens the chooser on Enter; Left/Right on it change nothing."""
    form = SettingsForm(Settings())
    form.selected = form.row_ids.index("look")
    form.adjust(+1)
    assert not form.open_look and form.drain_changes() == []
    form.activate()
    assert form.open_look
