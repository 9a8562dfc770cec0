"""The keepalive's interval (server/net/keepalive.py): short while a client talks, long once it
has been silent for the long interval."""

from __future__ import annotations

from makaverse.server.net.keepalive import ping_interval_for


def test_a_client_that_talks_is_pinged_at_the_short_interval():
    assert ping_interval_for(0.0, 5.0, 15.0) == 5.0
    assert ping_interval_for(14.9, 5.0, 15.0) == 5.0


def test_a_silent_client_is_pinged_at_the_long_interval():
    assert ping_interval_for(15.0, 5.0, 15.0) == 15.0
    assert ping_interval_for(600.0, 5.0, 15.0) == 15.0


def test_no_long_interval_or_no_pings_at_all_change_nothing():
    assert ping_interval_for(600.0, 5.0, None) == 5.0
    assert ping_interval_for(600.0, 5.0, 2.0) == 5.0  # never shorter than the short one
    assert ping_interval_for(600.0, None, 15.0) is None
