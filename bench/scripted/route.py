"""`--walk` routes: `x,y;x,y;...` with an optional final heading in degrees, `...@90`."""

from __future__ import annotations

import math

from makaverse.client.state.autopilot import Autopilot

__all__ = ["parse_route", "autopilot_from_spec"]


def parse_route(spec: str) -> tuple[list[tuple[float, float]], float | None]:
    """`"0,-2;0,20@90"` -> ([(0, -2), (0, 20)], radians(90)). Raises ValueError on nonsense."""
    spec = spec.strip()
    face = None
    if "@" in spec:
        spec, deg = spec.rsplit("@", 1)
        face = math.radians(float(deg)) % (2 * math.pi)
    points = []
    for part in filter(None, (p.strip() for p in spec.split(";"))):
        x, y = (float(v) for v in part.split(","))
        points.append((x, y))
    if not points and face is None:
        raise ValueError("empty route")
    return points, face


def autopilot_from_spec(spec: str) -> Autopilot:
    points, face = parse_route(spec)
    return Autopilot(points, face)
