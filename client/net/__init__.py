"""The client's network side: a websockets connection on a background thread, queues to the
main thread, reconnect with backoff."""

from .backoff import Backoff
from .events import FINAL_CLOSE_CODES, ConnState, RttSample, StateChanged, monotonic_ms

__all__ = ["Backoff", "ConnState", "StateChanged", "RttSample", "FINAL_CLOSE_CODES", "NetClient", "monotonic_ms"]


def __getattr__(name: str):
    # Imported lazily so Panda-free logic can use the events without loading websockets.
    if name == "NetClient":
        from . import client

        return getattr(client, name)
    raise AttributeError(name)
