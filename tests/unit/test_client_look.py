"""The client's `--look` text: parsed into a Look, refused when wrong, and formatted back."""

from __future__ import annotations

import pytest

from makaverse.client.state.look_choice import LookSpecError, format_look, parse_look
from makaverse.client.state.mirror import Mirror
from makaverse.protocol import AvatarEnter, Look


def test_parse_look_reads_every_part():
    """Every part of a look can be named, colours as #RRGGBB, and `lipa'`-style spellings are forgiven."""
    look = parse_look("skin=4, headwear=Hijab, pattern=balo-lobang, top=#1e5aa8, accent=#c8961e, bottom=#263238, "
                      "head=#7a1020")
    assert look == Look(skin=4, headwear="hijab", pattern="balo_lobang", top=0x1E5AA8, accent=0xC8961E,
                        bottom=0x263238, head=0x7A1020)
    assert parse_look(format_look(look)) == look


def test_unnamed_parts_keep_defaults():
    """Parts left out keep the defaults."""
    assert parse_look("headwear=peci") == Look(headwear="peci")


@pytest.mark.parametrize("spec", ["hat=peci", "headwear=crown", "skin=9", "skin=dark", "top=red", "pattern"])
def test_bad_look_text_is_refused(spec):
    """Unknown parts and invalid values raise LookSpecError, which says what is wrong."""
    with pytest.raises(LookSpecError):
        parse_look(spec)


def test_mirror_keeps_the_style():
    """An AvatarEnter's style is kept in the avatar's facts."""
    m = Mirror()
    style = Look(headwear="songkok").pack()
    m.apply(AvatarEnter(id=5, name="Daeng", role="guest", look=0x37474F, style=style))
    assert m.avatars[5].facts.style == style


def test_settings_keep_a_valid_look_and_drop_a_bad_one():
    """A saved look survives the settings file's dict; a bad one falls back to none without stopping the client."""
    from makaverse.client.state.settings import Settings

    saved = Settings(look="skin=4,headwear=songkok")
    assert Settings.from_dict(saved.to_dict()).look == "skin=4,headwear=songkok"
    assert Settings.from_dict({"look": "headwear=crown"}).look == ""
    with pytest.raises(ValueError):
        Settings(look="skin=9")
