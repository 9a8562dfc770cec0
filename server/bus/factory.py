"""Pick the bus from settings: Redis when a URL is given, else in-process."""

from __future__ import annotations

from .local import LocalBus

__all__ = ["make_bus"]


def make_bus(redis_url: str = "", *, prefix: str = "makaverse:"):
    if redis_url:
        from .redis_bus import RedisBus

        return RedisBus(redis_url, prefix=prefix)
    return LocalBus()
