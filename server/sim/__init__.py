"""The pure simulation: avatars as numpy arrays, intents in, snapshots and zone events out."""

from .avatars import AvatarInfo, AvatarTable
from .interest import SnapshotBody, ViewUpdate, Visibility
from .simulation import SimError, Simulation, UnknownAvatar, ZoneEntered

__all__ = [
    "AvatarInfo",
    "AvatarTable",
    "SimError",
    "Simulation",
    "SnapshotBody",
    "UnknownAvatar",
    "ViewUpdate",
    "Visibility",
    "ZoneEntered",
]
