"""Plain HTTP on the WebSocket port: `/healthz` and `/metrics` (answered before any upgrade).

In a gateway process both answers come from the simulation process: there `health` and `metrics`
return awaitables, and the routes are awaited by websockets (which accepts either)."""

from __future__ import annotations

import inspect
import json
from collections.abc import Awaitable, Callable

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
    ) -> None:
        self._health = health
        self._metrics = metrics
        self._admit = admit  # asked about every WebSocket upgrade: None lets it through

    def __call__(self, connection: ServerConnection, request: Request) -> Response | None | Awaitable[Response | None]:
        path = request.path.split("?", 1)[0]
        if path in ("/healthz", "/metrics") and self._remote:
            return self._answer_later(connection, request, path)
        return self._answer(connection, request, path, None)

    @property
    def _remote(self) -> bool:
        return inspect.iscoroutinefunction(self._health)

    async def _answer_later(self, connection: ServerConnection, request: Request, path: str) -> Response | None:
        body = await self._health() if path == "/healthz" else await self._metrics()  # type: ignore[misc]
        return self._answer(connection, request, path, body)

    def _answer(self, connection: ServerConnection, request: Request, path: str, got: object) -> Response | None:
        if path == "/healthz":
            body = got if got is not None else self._health()
            assert isinstance(body, dict)
            response = connection.respond(200 if body.get("status") == "ok" else 503, json.dumps(body) + "\n")
            _set_header(response, "Content-Type", "application/json")
            return response
        if path == "/metrics":
            response = connection.respond(200, "")
            text = got if got is not None else self._metrics()
            assert isinstance(text, bytes)
            response.body = text
            _set_header(response, "Content-Type", CONTENT_TYPE_LATEST)
            _set_header(response, "Content-Length", str(len(response.body)))
            return response
        if "upgrade" not in request.headers.get("Connection", "").lower():
            return connection.respond(404, "Makaverse: connect with a WebSocket client; see /healthz and /metrics\n")
        return self._admit(connection, request) if self._admit is not None else None


def _set_header(response: Response, name: str, value: str) -> None:
    """`Headers` is a multi-dict: assignment adds a second value, so remove the first."""
    del response.headers[name]
    response.headers[name] = value
