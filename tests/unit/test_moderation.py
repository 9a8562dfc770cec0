"""Moderation rules, pure: who may mute, unmute, kick and ban whom, for how long, and who reads direct messages."""

from __future__ import annotations

import pytest

from makaverse.protocol import ErrorCode
from makaverse.server.services.chat import ChatRefusal
from makaverse.server.services.moderation import (
    HOST_MAX_MIN,
    MAX_MUTE_MIN,
    Target,
    authorize,
    ends_at,
    may_announce,
    may_read_direct,
)


def citizen(**kw) -> Target:
    facts = {"role": "citizen", "is_actor": False, "has_account": True, "online": True, "zone_id": "lobby"}
    return Target(**{**facts, **kw})


def refused(action, actor_role, target, minutes=10) -> ErrorCode:
    with pytest.raises(ChatRefusal) as info:
        authorize(action, actor_role, target, minutes=minutes)
    return info.value.code


@pytest.mark.parametrize("action", ["mute", "unmute", "kick", "ban"])
def test_an_admin_may_act_on_a_citizen_anywhere(action):
    """An admin mutes, unmutes, kicks and bans a citizen wherever they are."""
    authorize(action, "admin", citizen(zone_id="forecourt"), minutes=10)


@pytest.mark.parametrize("role", ["guest", "citizen", "staff"])
def test_only_admins_and_hosts_moderate(role):
    """Guests, citizens and staff may not moderate anyone."""
    assert refused("mute", role, citizen(role="guest")) is ErrorCode.NOT_ALLOWED


@pytest.mark.parametrize(
    "actor,target_role",
    [("admin", "admin"), ("host", "host"), ("host", "admin")],
)
def test_nobody_acts_on_an_equal_or_higher_role(actor, target_role):
    """A moderator can't act on someone of the same or a higher role."""
    assert refused("kick", actor, citizen(role=target_role, zone_id="auditorium")) is ErrorCode.NOT_ALLOWED


def test_nobody_acts_on_themself():
    """Naming yourself is refused."""
    assert refused("mute", "admin", citizen(role="admin", is_actor=True)) is ErrorCode.NOT_ALLOWED


def test_a_host_acts_only_at_the_event():
    """A host may act on people in the auditorium or on the stage, not elsewhere or offline."""
    authorize("kick", "host", citizen(zone_id="auditorium"), minutes=0)
    authorize("mute", "host", citizen(role="staff", zone_id="stage"), minutes=30)
    assert refused("kick", "host", citizen(zone_id="lobby")) is ErrorCode.NOT_ALLOWED
    assert refused("mute", "host", citizen(online=False, zone_id="")) is ErrorCode.NOT_ALLOWED


def test_durations():
    """A mute lasts 1 minute to a week; a host's mutes and bans last at most a day; only an admin bans for good."""
    at_event = citizen(zone_id="auditorium")
    assert refused("mute", "admin", at_event, minutes=0) is ErrorCode.INVALID_FIELD
    assert refused("mute", "admin", at_event, minutes=MAX_MUTE_MIN + 1) is ErrorCode.INVALID_FIELD
    authorize("mute", "admin", at_event, minutes=MAX_MUTE_MIN)
    authorize("ban", "admin", at_event, minutes=0)
    assert refused("ban", "host", at_event, minutes=0) is ErrorCode.NOT_ALLOWED
    assert refused("mute", "host", at_event, minutes=HOST_MAX_MIN + 1) is ErrorCode.NOT_ALLOWED
    authorize("ban", "host", at_event, minutes=HOST_MAX_MIN)


def test_guests_and_absent_people():
    """A guest can be kicked but not banned; someone not in the world can be banned or muted but not kicked."""
    guest = citizen(role="guest", has_account=False)
    authorize("kick", "admin", guest, minutes=0)
    assert refused("ban", "admin", guest) is ErrorCode.NOT_ALLOWED
    away = citizen(online=False, zone_id="")
    assert refused("kick", "admin", away) is ErrorCode.NOT_FOUND
    authorize("ban", "admin", away, minutes=60)
    authorize("mute", "admin", away, minutes=60)


def test_when_an_act_ends():
    """Timed mutes and bans end `minutes` later; a 0-minute ban and a kick have no end."""
    assert ends_at("mute", 1000.0, 10) == 1600.0
    assert ends_at("ban", 1000.0, 0) is None
    assert ends_at("kick", 1000.0, 10) is None


def test_who_announces():
    """Admins and hosts announce to the building; nobody else."""
    assert may_announce("admin") and may_announce("host")
    assert not any(may_announce(r) for r in ("guest", "citizen", "staff"))


def test_who_reads_a_direct_message():
    """The two parties read a direct message; an admin only while handling a report between exactly those two."""
    assert may_read_direct(1, "citizen", sender_id=1, recipient_id=2)
    assert may_read_direct(2, "citizen", sender_id=1, recipient_id=2)
    assert not may_read_direct(3, "admin", sender_id=1, recipient_id=2)
    assert may_read_direct(3, "admin", sender_id=1, recipient_id=2, report_parties=frozenset({2, 1}))
    assert not may_read_direct(3, "admin", sender_id=1, recipient_id=2, report_parties=frozenset({1, 4}))
    assert not may_read_direct(3, "host", sender_id=1, recipient_id=2, report_parties=frozenset({1, 2}))
