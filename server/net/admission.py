"""Who may open a WebSocket: the Origin allowlist and the connection caps, decided at the handshake.

A browser page on another site can open a WebSocket to us with the visitor's network position;
browsers always send `Origin`, so the allowlist refuses such pages (HTTP 403) unless their origin
is listed. Native clients (the desktop client, bots, scripts) send no `Origin` and are let in.
Caps on open connections, per remote address and in total, are answered with HTTP 503 before
the upgrade, so a flood of sockets costs us a short HTTP reply, not a session.

`AdmissionPolicy` is the decision, without I/O; `Gate` is the websockets glue that counts the
connections it let in and forgets each one when its TCP connection is lost.
"""

from __future__ import annotations

import http
from collections import Counter
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from websockets.asyncio.server import ServerConnection
    from websockets.http11 import Request, Response

    from .metrics import ServerMetrics

__all__ = [
    "Verdict", "AdmissionPolicy", "AdmissionSettings", "Elsewhere", "Gate", "gate_for", "parse_origins",
    "normalise_origin",
]


class AdmissionSettings(Protocol):
    """The settings admission reads (the server's `Settings` has them)."""

    @property
    def allowed_origins(self) -> str: ...
    @property
    def max_clients(self) -> int: ...
    @property
    def max_clients_per_address(self) -> int: ...


class Verdict(Enum):
    ADMIT = "admit"
    BAD_ORIGIN = "bad_origin"  # HTTP 403
    ADDRESS_FULL = "address_full"  # HTTP 503: this address holds its share of connections
    SERVER_FULL = "server_full"  # HTTP 503: the server holds its maximum


_STATUS = {
    Verdict.BAD_ORIGIN: (http.HTTPStatus.FORBIDDEN, "Origin not allowed.\n"),
    Verdict.ADDRESS_FULL: (http.HTTPStatus.SERVICE_UNAVAILABLE, "Too many connections from your address.\n"),
    Verdict.SERVER_FULL: (http.HTTPStatus.SERVICE_UNAVAILABLE, "Server full, try again later.\n"),
}


def normalise_origin(origin: str) -> str:
    """Origins compare case-insensitively and without a trailing slash (`https://Example.org/`)."""
    return origin.strip().rstrip("/").lower()


def parse_origins(spec: str) -> frozenset[str] | None:
    """A comma list of origins (`https://a.example,http://localhost:8080`) as a set; `*` alone means any (None).

    Raises ValueError for an entry that is not `scheme://host[:port]`.
    """
    items = [normalise_origin(item) for item in spec.split(",") if item.strip()]
    if "*" in items:
        if len(items) > 1:
            raise ValueError("allowed_origins: '*' cannot be combined with other origins")
        return None
    for item in items:
        scheme, sep, rest = item.partition("://")
        if not sep or not scheme or not rest or "/" in rest:
            raise ValueError(f"allowed_origins: {item!r} is not scheme://host[:port]")
    return frozenset(items)


@dataclass(frozen=True, slots=True)
class AdmissionPolicy:
    """`allowed_origins` None admits every Origin; an empty set admits only requests without one."""

    allowed_origins: frozenset[str] | None
    max_clients: int
    max_clients_per_address: int

    def decide(self, *, origin: str | None, open_total: int, open_from_address: int) -> Verdict:
        if origin is not None and self.allowed_origins is not None:
            if normalise_origin(origin) not in self.allowed_origins:
                return Verdict.BAD_ORIGIN
        if open_total >= self.max_clients:
            return Verdict.SERVER_FULL
        if open_from_address >= self.max_clients_per_address:
            return Verdict.ADDRESS_FULL
        return Verdict.ADMIT


class Elsewhere:
    """Connections open in the server's other gateway processes (told by the simulation process),
    counted with this process's own against the caps. Without gateways both stay zero."""

    def __init__(self) -> None:
        self.total = 0
        self.by_address: dict[str, int] = {}

    def update(self, total: int, changed: dict[str, int]) -> None:
        self.total = total
        for address, n in changed.items():
            if n > 0:
                self.by_address[address] = n
            else:
                self.by_address.pop(address, None)


class Gate:
    """Applies an `AdmissionPolicy` to WebSocket upgrade requests and counts who got in."""

    def __init__(
        self, policy: AdmissionPolicy, *, metrics: ServerMetrics | None = None, elsewhere: Elsewhere | None = None
    ) -> None:
        self.policy = policy
        self.metrics = metrics
        self.elsewhere = elsewhere or Elsewhere()
        self.by_address: Counter[str] = Counter()
        self.total = 0

    def __call__(self, connection: ServerConnection, request: Request) -> Response | None:
        """None to go on with the upgrade, or the refusal to send instead."""
        address = _address(connection)
        verdict = self.policy.decide(
            origin=request.headers.get("Origin"),
            open_total=self.total + self.elsewhere.total,
            open_from_address=self.by_address[address] + self.elsewhere.by_address.get(address, 0),
        )
        if verdict is Verdict.ADMIT:
            self._hold(address)
            # Released when the TCP connection is gone, whatever happens after the upgrade.
            connection.connection_lost_waiter.add_done_callback(lambda _f: self._release(address))
            return None
        if self.metrics is not None:
            self.metrics.handshakes_refused.labels(reason=verdict.value).inc()
        status, body = _STATUS[verdict]
        return connection.respond(status, body)

    def _hold(self, address: str) -> None:
        self.by_address[address] += 1
        self.total += 1

    def _release(self, address: str) -> None:
        self.total -= 1
        self.by_address[address] -= 1
        if self.by_address[address] <= 0:
            del self.by_address[address]  # the map holds only addresses with open connections


def gate_for(
    settings: AdmissionSettings, metrics: ServerMetrics | None = None, elsewhere: Elsewhere | None = None
) -> Gate:
    """The gate the settings describe (`allowed_origins`, `max_clients`, `max_clients_per_address`)."""
    policy = AdmissionPolicy(
        allowed_origins=parse_origins(settings.allowed_origins),
        max_clients=settings.max_clients,
        max_clients_per_address=settings.max_clients_per_address,
    )
    return Gate(policy, metrics=metrics, elsewhere=elsewhere)


def _address(connection: ServerConnection) -> str:
    remote = connection.remote_address
    return str(remote[0]) if remote else "?"
