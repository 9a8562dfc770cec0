"""World instances and the sans-I/O feature components they own (see `component.py`, `effects.py`)."""

from .actor import Actor
from .component import Component, Roster
from .effects import Effects, Refused
from .instance import WorldInstance

__all__ = ["Actor", "Component", "Effects", "Refused", "Roster", "WorldInstance"]
