"""The Balai Kota as data, its loader and pure numpy queries, shared by server and client."""

from .interest import InterestGrid
from .loader import DEFAULT_WORLD_FILE, WorldError, load_default_world, load_world, parse_world
from .model import INSTANCE_KINDS, Booth, Box, Door, Floor, InstanceSpec, Solid, Stage, World, Zone
from .movement import move_step

__all__ = [
    "Booth",
    "Box",
    "Door",
    "Floor",
    "INSTANCE_KINDS",
    "InstanceSpec",
    "InterestGrid",
    "Solid",
    "Stage",
    "World",
    "WorldError",
    "Zone",
    "DEFAULT_WORLD_FILE",
    "load_default_world",
    "load_world",
    "move_step",
    "parse_world",
]
