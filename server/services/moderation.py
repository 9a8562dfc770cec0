"""Moderation rules, pure: who may mute, unmute, kick and ban whom, for how long, who may
announce, and who may read a direct message. Time is passed in.

Moderators are admins (anywhere) and hosts (in their event). Until town-hall events exist
as a service, a host's event is the event venue: the auditorium and its stage, so a host may
act on people who are there. Nobody acts on themself or on someone of equal or higher rank.
"""

from __future__ import annotations

from dataclasses import dataclass

from makaverse.protocol import ErrorCode
from makaverse.protocol.privacy import may_read_direct  # re-exported: one rule, shared with the store

from .chat import ChatRefusal

__all__ = [
    "RANK",
    "MODERATOR_ROLES",
    "ANNOUNCER_ROLES",
    "EVENT_ZONES",
    "MAX_MUTE_MIN",
    "HOST_MAX_MIN",
    "Target",
    "authorize",
    "ends_at",
    "may_announce",
    "may_read_direct",
]

RANK = {"guest": 0, "citizen": 0, "staff": 1, "host": 2, "admin": 3}
MODERATOR_ROLES = frozenset({"host", "admin"})
ANNOUNCER_ROLES = frozenset({"host", "admin"})
EVENT_ZONES = frozenset({"auditorium", "stage"})
MAX_MUTE_MIN = 7 * 24 * 60  # a moderator mute always ends, within a week
HOST_MAX_MIN = 24 * 60  # a host's mutes and bans last a day at most; only an admin bans for good


@dataclass(frozen=True, slots=True)
class Target:
    """What the rules need to know about the person acted on."""

    role: str
    is_actor: bool  # the moderator named themself
    has_account: bool  # False for a guest
    online: bool  # has an avatar in the world now
    zone_id: str = ""  # where that avatar is


def authorize(action: str, actor_role: str, target: Target, *, minutes: int) -> None:
    """Return when `actor_role` may do `action` to `target` for `minutes`; else `ChatRefusal`."""
    if actor_role not in MODERATOR_ROLES:
        raise ChatRefusal(ErrorCode.NOT_ALLOWED, "only admins and hosts moderate")
    if target.is_actor:
        raise ChatRefusal(ErrorCode.NOT_ALLOWED, "not on yourself")
    if RANK.get(target.role, 0) >= RANK[actor_role]:
        raise ChatRefusal(ErrorCode.NOT_ALLOWED, "not on an equal or higher role")
    if actor_role == "host" and not (target.online and target.zone_id in EVENT_ZONES):
        raise ChatRefusal(ErrorCode.NOT_ALLOWED, "a host acts only on people at the event")
    if action == "kick" and not target.online:
        raise ChatRefusal(ErrorCode.NOT_FOUND, "not in the world")
    if action == "ban" and not target.has_account:
        raise ChatRefusal(ErrorCode.NOT_ALLOWED, "a guest has no account to ban: kick instead")
    if action == "mute" and not 1 <= minutes <= MAX_MUTE_MIN:
        raise ChatRefusal(ErrorCode.INVALID_FIELD, f"a mute lasts 1..{MAX_MUTE_MIN} minutes")
    if actor_role == "host" and action in ("mute", "ban") and not 1 <= minutes <= HOST_MAX_MIN:
        raise ChatRefusal(ErrorCode.NOT_ALLOWED, f"a host mutes or bans for 1..{HOST_MAX_MIN} minutes")


def ends_at(action: str, now_s: float, minutes: int) -> float | None:
    """When a mute or ban ends (wall-clock seconds), or None: no end (a ban of 0 minutes) or no duration."""
    if action in ("mute", "ban") and minutes > 0:
        return now_s + 60.0 * minutes
    return None


def may_announce(role: str) -> bool:
    return role in ANNOUNCER_ROLES
