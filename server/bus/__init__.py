"""Fan-out between server processes: in-process by default, Redis pub/sub when configured.

Both implement `Bus`: `publish(channel, payload)` delivers `payload` (bytes) to every
subscriber of `channel` in every process on the bus, the publisher's own included, in the
order published (a message posted `at_once`, a stage line, goes ahead of what waits). Both
deliver a burst a slice per loop turn. Callbacks run on the event loop and must not block.
"""

from .base import Bus, BusError, Subscription
from .factory import make_bus
from .local import LocalBus

__all__ = ["Bus", "BusError", "LocalBus", "Subscription", "make_bus"]
