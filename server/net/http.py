"""Plain HTTP on the WebSocket port: `/healthz`, `/metrics` and `/stats/ticks` (answered before any upgrade).

In a gateway process the answers come from the simulation process: there the callables return
awaitables, and the route is awaited by websockets (which accepts either)."""

from __future__ import annotations

import inspect
import json
from collections.abc import Awaitable, Callable
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST
from websockets.asyncio.server import ServerConnection
from websockets.http11 import Request, Response

__all__ = ["HttpRoutes"]


class HttpRoutes:
    def __init__(
        self,
        *,
        health: Callable[[], dict | Awaitable[dict]],
        metrics: Callable[[], bytes | Awaitable[bytes]],
        admit: Callable[[ServerConnection, Request], Response | None] | None = None,
        tick_stats: Callable[[], dict | Awaitable[dict]] | None = None,
    ) -> None:
        self._health = health
        self._metrics = metrics
        self._tick_stats = tick_stats  # recent tick durations as JSON, for `makaverse bench`
        self._admit = admit  # asked about every WebSocket upgrade: None lets it through

    def __call__(self, connection: ServerConnection, request: Request) -> Response | None | Awaitable[Response | None]:
        path = request.path.split("?", 1)[0]
        source = self._source(path)
        if source is not None and inspect.iscoroutinefunction(source):
            return self._answer_later(connection, request, path, source)
        return self._answer(connection, request, path, source() if source is not None else None)

    def _source(self, path: str) -> Callable[[], Any] | None:
        if path == "/healthz":
            return self._health
        if path == "/metrics":
            return self._metrics
        if path == "/stats/ticks":
            return self._tick_stats
        return None

    async def _answer_later(
        self, connection: ServerConnection, request: Request, path: str, source: Callable[[], Any]
    ) -> Response | None:
        return self._answer(connection, request, path, await source())

    def _answer(self, connection: ServerConnection, request: Request, path: str, got: Any) -> Response | None:
        if path == "/healthz":
            response = connection.respond(200 if got.get("status") == "ok" else 503, json.dumps(got) + "\n")
            _set_header(response, "Content-Type", "application/json")
            return response
        if path == "/metrics":
            response = connection.respond(200, "")
            response.body = got
            _set_header(response, "Content-Type", CONTENT_TYPE_LATEST)
            _set_header(response, "Content-Length", str(len(response.body)))
            return response
        if path == "/stats/ticks" and got is not None:
            response = connection.respond(200, json.dumps(got) + "\n")
            _set_header(response, "Content-Type", "application/json")
            return response
        if "upgrade" not in request.headers.get("Connection", "").lower():
            return connection.respond(404, "Makaverse: connect with a WebSocket client; see /healthz and /metrics\n")
        return self._admit(connection, request) if self._admit is not None else None


def _set_header(response: Response, name: str, value: str) -> None:
    """`Headers` is a multi-dict: assignment adds a second value, so remove the first."""
    del response.headers[name]
    response.headers[name] = value
