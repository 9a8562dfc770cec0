"""Plain HTTP on the WebSocket port: `/healthz`, `/metrics` and `/stats/ticks` (answered before any upgrade)."""

from __future__ import annotations

import json
from collections.abc import Callable

from prometheus_client import CONTENT_TYPE_LATEST
from websockets.asyncio.server import ServerConnection
from websockets.http11 import Request, Response

__all__ = ["HttpRoutes"]


class HttpRoutes:
    def __init__(
        self,
        *,
        health: Callable[[], dict],
        metrics: Callable[[], bytes],
        admit: Callable[[ServerConnection, Request], Response | None] | None = None,
        tick_stats: Callable[[], dict] | None = None,
    ) -> None:
        self._health = health
        self._metrics = metrics
        self._tick_stats = tick_stats  # recent tick durations as JSON, for `makaverse bench`
        self._admit = admit  # asked about every WebSocket upgrade: None lets it through

    def __call__(self, connection: ServerConnection, request: Request) -> Response | None:
        path = request.path.split("?", 1)[0]
        if path == "/healthz":
            body = self._health()
            response = connection.respond(200 if body.get("status") == "ok" else 503, json.dumps(body) + "\n")
            _set_header(response, "Content-Type", "application/json")
            return response
        if path == "/metrics":
            response = connection.respond(200, "")
            response.body = self._metrics()
            _set_header(response, "Content-Type", CONTENT_TYPE_LATEST)
            _set_header(response, "Content-Length", str(len(response.body)))
            return response
        if path == "/stats/ticks" and self._tick_stats is not None:
            response = connection.respond(200, json.dumps(self._tick_stats()) + "\n")
            _set_header(response, "Content-Type", "application/json")
            return response
        if "upgrade" not in request.headers.get("Connection", "").lower():
            return connection.respond(404, "Makaverse: connect with a WebSocket client; see /healthz and /metrics\n")
        return self._admit(connection, request) if self._admit is not None else None


def _set_header(response: Response, name: str, value: str) -> None:
    """`Headers` is a multi-dict: assignment adds a second value, so remove the first."""
    del response.headers[name]
    response.headers[name] = value
