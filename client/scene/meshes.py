"""Procedural geometry: boxes, prisms, spheres and quads gathered into one Geom per builder.

Everything static is built through a few builders (one per texture) so the whole Balai Kota
is a handful of Geoms after `flatten_strong()`: cheap to draw even on a software renderer.
Vertices carry a position, a normal, a colour (with daylight baked in, see `shading`) and
texture coordinates.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import cast

from panda3d.core import (
    Geom,
    GeomNode,
    GeomTriangles,
    GeomVertexData,
    GeomVertexFormat,
    GeomVertexWriter,
    NodePath,
)

from .shading import DAYLIGHT, Daylight, lit

__all__ = ["MeshBuilder", "Colour", "rect_minus"]

Colour = tuple[float, float, float] | tuple[float, float, float, float]
Vec3 = tuple[float, float, float]


def _rgba(c: Colour) -> tuple[float, float, float, float]:
    return (c[0], c[1], c[2], c[3] if len(c) > 3 else 1.0)


class MeshBuilder:
    """Accumulates triangles; `node()` makes the GeomNode. Faces wind counter-clockwise seen from outside."""

    def __init__(self, name: str, *, light: Daylight | None = DAYLIGHT) -> None:
        self.name = name
        self.light = light
        self._vdata = GeomVertexData(name, GeomVertexFormat.get_v3n3c4t2(), Geom.UH_static)
        self._vertex = GeomVertexWriter(self._vdata, "vertex")
        self._normal = GeomVertexWriter(self._vdata, "normal")
        self._colour = GeomVertexWriter(self._vdata, "color")
        self._uv = GeomVertexWriter(self._vdata, "texcoord")
        self._tris = GeomTriangles(Geom.UH_static)
        self._count = 0

    def __len__(self) -> int:
        return self._count

    # ── primitives ───────────────────────────────────────────────────────────
    def quad(
        self,
        corners: Sequence[Vec3],
        colour: Colour,
        normal: Vec3 | None = None,
        uvs: Sequence[tuple[float, float]] | None = None,
    ) -> None:
        """Four corners counter-clockwise as seen from the side the face looks at."""
        p0, p1, p2, p3 = corners
        if normal is None:
            normal = _face_normal(p0, p1, p2)
        uvs = uvs or ((0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0))
        rgba = lit(_rgba(colour), normal, self.light)
        base = self._count
        for p, uv in zip((p0, p1, p2, p3), uvs, strict=True):
            self._vertex.add_data3(*p)
            self._normal.add_data3(*normal)
            self._colour.add_data4(*rgba)
            self._uv.add_data2(*uv)
        self._tris.add_vertices(base, base + 1, base + 2)
        self._tris.add_vertices(base, base + 2, base + 3)
        self._count += 4

    def triangle(
        self,
        a: Vec3,
        b: Vec3,
        c: Vec3,
        colour: Colour | Sequence[Colour],
        normals: Sequence[Vec3] | None = None,
    ) -> None:
        """One triangle; `colour` is one colour or three (one per corner, blended across)."""
        if isinstance(colour[0], (tuple, list)):  # three colours (typing cannot narrow on an element's type)
            colours = [_rgba(x) for x in cast(Sequence[Colour], colour)]
        else:
            colours = [_rgba(cast(Colour, colour))] * 3
        n = normals or [_face_normal(a, b, c)] * 3
        base = self._count
        for p, nn, rgba in zip((a, b, c), n, colours, strict=True):
            self._vertex.add_data3(*p)
            self._normal.add_data3(*nn)
            self._colour.add_data4(*lit(rgba, nn, self.light))
            self._uv.add_data2(0.0, 0.0)
        self._tris.add_vertices(base, base + 1, base + 2)
        self._count += 3

    def box(
        self,
        x0: float,
        y0: float,
        z0: float,
        x1: float,
        y1: float,
        z1: float,
        colour: Colour,
        *,
        top: Colour | None = None,
        bottom: bool = False,
        uv_m: float | None = None,
        faces: str = "nsewt",
    ) -> None:
        """An axis-aligned box. `uv_m`: metres per texture repeat (world-anchored UVs); `faces` picks sides."""
        top = top or colour

        def uv(a: float, b: float) -> tuple[float, float]:
            return (a / uv_m, b / uv_m) if uv_m else (0.0, 0.0)

        if "t" in faces:
            self.quad(
                [(x0, y0, z1), (x1, y0, z1), (x1, y1, z1), (x0, y1, z1)],
                top,
                (0, 0, 1),
                [uv(x0, y0), uv(x1, y0), uv(x1, y1), uv(x0, y1)],
            )
        if bottom:
            self.quad([(x0, y1, z0), (x1, y1, z0), (x1, y0, z0), (x0, y0, z0)], colour, (0, 0, -1))
        if "s" in faces:
            self.quad(
                [(x0, y0, z0), (x1, y0, z0), (x1, y0, z1), (x0, y0, z1)],
                colour,
                (0, -1, 0),
                [uv(x0, z0), uv(x1, z0), uv(x1, z1), uv(x0, z1)],
            )
        if "n" in faces:
            self.quad(
                [(x1, y1, z0), (x0, y1, z0), (x0, y1, z1), (x1, y1, z1)],
                colour,
                (0, 1, 0),
                [uv(-x1, z0), uv(-x0, z0), uv(-x0, z1), uv(-x1, z1)],
            )
        if "w" in faces:
            self.quad(
                [(x0, y1, z0), (x0, y0, z0), (x0, y0, z1), (x0, y1, z1)],
                colour,
                (-1, 0, 0),
                [uv(-y1, z0), uv(-y0, z0), uv(-y0, z1), uv(-y1, z1)],
            )
        if "e" in faces:
            self.quad(
                [(x1, y0, z0), (x1, y1, z0), (x1, y1, z1), (x1, y0, z1)],
                colour,
                (1, 0, 0),
                [uv(y0, z0), uv(y1, z0), uv(y1, z1), uv(y0, z1)],
            )

    def block(self, rect: tuple[float, float, float, float], z0: float, z1: float, colour: Colour, **kw) -> None:
        """`box` for a floor rectangle (x0, y0, x1, y1) and a height range."""
        x0, y0, x1, y1 = rect
        self.box(x0, y0, z0, x1, y1, z1, colour, **kw)

    def prism(
        self,
        cx: float,
        cy: float,
        z0: float,
        z1: float,
        radius: float,
        colour: Colour,
        *,
        sides: int = 10,
        top: Colour | None = None,
        top_radius: float | None = None,
        cap: bool = True,
        uv_m: float | None = None,
    ) -> None:
        """An upright n-sided prism (a cylinder at low cost), optionally tapering to `top_radius`.

        `uv_m`: metres per texture repeat round the sides and up them (a patterned cloth keeps its
        proportions); without it each side shows the whole texture once."""
        r1 = radius if top_radius is None else top_radius
        ring = [(math.cos(2 * math.pi * i / sides), math.sin(2 * math.pi * i / sides)) for i in range(sides)]
        slope = (radius - r1) / max(1e-6, z1 - z0)
        for i in range(sides):
            (ax, ay), (bx, by) = ring[i], ring[(i + 1) % sides]
            mx, my = (ax + bx) / 2, (ay + by) / 2
            n = math.hypot(mx, my)
            normal = (mx / n, my / n, slope)
            length = math.sqrt(1 + slope * slope)
            normal = (normal[0] / length, normal[1] / length, normal[2] / length)
            uvs = None
            if uv_m:
                side = 2 * math.pi * radius / sides / uv_m
                uvs = [(i * side, z0 / uv_m), ((i + 1) * side, z0 / uv_m), ((i + 1) * side, z1 / uv_m),
                       (i * side, z1 / uv_m)]
            self.quad(
                [
                    (cx + ax * radius, cy + ay * radius, z0),
                    (cx + bx * radius, cy + by * radius, z0),
                    (cx + bx * r1, cy + by * r1, z1),
                    (cx + ax * r1, cy + ay * r1, z1),
                ],
                colour,
                normal,
                uvs,
            )
        if cap and r1 > 0:
            c = top or colour
            for i in range(sides):
                (ax, ay), (bx, by) = ring[i], ring[(i + 1) % sides]
                self.triangle((cx, cy, z1), (cx + ax * r1, cy + ay * r1, z1), (cx + bx * r1, cy + by * r1, z1), c)

    def sphere(self, cx: float, cy: float, cz: float, radius: float, colour: Colour, *, rings: int = 6,
               segments: int = 10, squash: float = 1.0) -> None:
        """A low-poly UV sphere with smooth normals; `squash` scales it vertically."""

        def point(i: int, j: int) -> tuple[Vec3, Vec3]:
            theta = math.pi * i / rings
            phi = 2 * math.pi * j / segments
            nx, ny, nz = math.sin(theta) * math.cos(phi), math.sin(theta) * math.sin(phi), math.cos(theta)
            return (cx + nx * radius, cy + ny * radius, cz + nz * radius * squash), (nx, ny, nz)

        rgba = _rgba(colour)
        for i in range(rings):
            for j in range(segments):
                (a, na), (b, nb) = point(i, j), point(i + 1, j)
                (c, nc), (d, nd) = point(i + 1, j + 1), point(i, j + 1)
                base = self._count
                for p, n in ((a, na), (b, nb), (c, nc), (d, nd)):
                    self._vertex.add_data3(*p)
                    self._normal.add_data3(*n)
                    self._colour.add_data4(*lit(rgba, n, self.light))
                    self._uv.add_data2(0.0, 0.0)
                self._tris.add_vertices(base, base + 1, base + 2)
                self._tris.add_vertices(base, base + 2, base + 3)
                self._count += 4

    # ── output ───────────────────────────────────────────────────────────────
    def node(self) -> NodePath:
        geom = Geom(self._vdata)
        geom.add_primitive(self._tris)
        gn = GeomNode(self.name)
        if self._count:
            gn.add_geom(geom)
        return NodePath(gn)


def _face_normal(a: Vec3, b: Vec3, c: Vec3) -> Vec3:
    ux, uy, uz = b[0] - a[0], b[1] - a[1], b[2] - a[2]
    vx, vy, vz = c[0] - a[0], c[1] - a[1], c[2] - a[2]
    nx, ny, nz = uy * vz - uz * vy, uz * vx - ux * vz, ux * vy - uy * vx
    n = math.sqrt(nx * nx + ny * ny + nz * nz) or 1.0
    return (nx / n, ny / n, nz / n)


def rect_minus(rect: tuple[float, float, float, float], cuts: list[tuple[float, float, float, float]]):
    """`rect` minus every rectangle in `cuts`, as a list of non-overlapping rectangles."""
    pieces = [rect]
    for cx0, cy0, cx1, cy1 in cuts:
        out = []
        for x0, y0, x1, y1 in pieces:
            if cx0 >= x1 or cx1 <= x0 or cy0 >= y1 or cy1 <= y0:
                out.append((x0, y0, x1, y1))
                continue
            if y0 < cy0:
                out.append((x0, y0, x1, cy0))
            if cy1 < y1:
                out.append((x0, cy1, x1, y1))
            my0, my1 = max(y0, cy0), min(y1, cy1)
            if x0 < cx0:
                out.append((x0, my0, cx0, my1))
            if cx1 < x1:
                out.append((cx1, my0, x1, my1))
        pieces = out
    return pieces
