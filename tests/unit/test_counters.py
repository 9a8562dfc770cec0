"""Booth counters: manning, the close grace when a clerk steps away or drops, and the staff area's geometry."""

from __future__ import annotations

import pytest

from makaverse.server.services.counters import Counters
from makaverse.world import load_default_world


@pytest.fixture(scope="module")
def world():
    return load_default_world()


def test_a_counter_is_open_while_someone_mans_it():
    """Manning opens the counter; several clerks can man one OPD; it closes when the last leaves."""
    c = Counters(grace_s=10)
    assert not c.is_open("DUKCAPIL")
    assert c.man("DUKCAPIL", 1, avatar_id=11, name="Bu Ani", now_s=0)
    assert c.man("DUKCAPIL", 2, avatar_id=12, name="Pak Budi", now_s=1)
    assert c.is_open("DUKCAPIL") and c.staff_count("DUKCAPIL") == 2
    assert c.leave(1).name == "Bu Ani"
    assert c.is_open("DUKCAPIL")
    c.leave(2)
    assert not c.is_open("DUKCAPIL") and c.staff_count("DUKCAPIL") == 0
    assert c.leave(2) is None


def test_manning_again_is_not_news():
    """Manning the counter you already man changes nothing and says so."""
    c = Counters()
    assert c.man("DINKES", 1, avatar_id=11, name="x", now_s=0)
    assert not c.man("DINKES", 1, avatar_id=11, name="x", now_s=5)
    assert [k.account_id for k in c.clerks("DINKES")] == [1]


def test_stepping_away_closes_after_the_grace():
    """A clerk away from the post keeps the counter open for grace_s, then stops manning."""
    c = Counters(grace_s=10)
    c.man("DUKCAPIL", 1, avatar_id=11, name="x", now_s=0)
    c.seen(1, at_post=False, now_s=100)
    c.seen(1, at_post=False, now_s=105)  # still away: the grace counts from the first time
    assert c.expire(109.9) == [] and c.is_open("DUKCAPIL")
    (gone,) = c.expire(110)
    assert gone.account_id == 1 and not c.is_open("DUKCAPIL")


def test_coming_back_within_the_grace_keeps_the_counter():
    """Returning to the post (or reconnecting) before the grace ends cancels the countdown."""
    c = Counters(grace_s=10)
    c.man("DUKCAPIL", 1, avatar_id=11, name="x", now_s=0)
    c.seen(1, at_post=False, now_s=100)
    c.seen(1, at_post=True, now_s=108)
    assert c.expire(200) == [] and c.is_open("DUKCAPIL")


def test_clerks_are_listed_per_opd():
    """Each OPD lists only its own clerks; the whole list has everyone."""
    c = Counters()
    c.man("DUKCAPIL", 1, avatar_id=11, name="a", now_s=0)
    c.man("DINKES", 2, avatar_id=12, name="b", now_s=0)
    assert [k.account_id for k in c.clerks("DUKCAPIL")] == [1]
    assert sorted(k.account_id for k in c.clerks()) == [1, 2]
    assert c.clerk(2).opd == "DINKES" and c.clerk(3) is None


def test_staff_area_is_behind_the_counter_between_the_panels(world):
    """Every booth's staff area holds its staff spot, not its interaction zone nor its counter's front."""
    for booth in world.booths:
        area = booth.staff_area
        assert area.contains_point(*booth.staff_spot), booth.opd
        assert not area.contains_point(*booth.zone.centre), booth.opd
        for panel in booth.panels:
            assert not area.contains_point(*panel.centre), booth.opd
        w, h = area.size
        assert 3.0 <= w <= 6.0 and 3.0 <= h <= 6.0, (booth.opd, area)
