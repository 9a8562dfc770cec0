"""The pure simulation: avatars as numpy arrays, intents in, snapshots and zone events out."""

from .avatars import AvatarInfo, AvatarTable
from .simulation import SimError, Simulation, UnknownAvatar, ZoneEntered
from .views import Detail, Views, ViewUpdate

__all__ = [
    "AvatarInfo",
    "AvatarTable",
    "SimError",
    "Simulation",
    "Detail",
    "UnknownAvatar",
    "ViewUpdate",
    "Views",
    "ZoneEntered",
]
