"""Renders the auditorium's stage screen alone (no server): a slide and a poll, from a fixed
camera in the seats, then writes the PNG and prints one JSON line saying where the slide's
picture and each poll bar are in the picture (pixels from the top left).

    python tests/client/stage_render.py OUT.png --renderer software|gl [--markdown]

Run as its own process: Panda3D's ShowBase is one per process.
"""

from __future__ import annotations

import argparse
import json
import struct
import sys
import zlib


def png_bytes(width: int, height: int, colours: list[tuple[int, int, int]]) -> bytes:
    """A PNG of vertical stripes, one per colour (pure Python)."""
    row = bytearray([0])
    for x in range(width):
        row += bytes(colours[x * len(colours) // width])
    raw = bytes(row) * height

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


STRIPES = [(230, 40, 40), (40, 200, 60), (40, 80, 230)]
MARKDOWN = "# Rembuk Warga\nAgenda hari ini:\n- Drainase Jl. Veteran\n- Taman kota\n\nTerima kasih."


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--renderer", choices=("software", "gl"), default="software")
    p.add_argument("--markdown", action="store_true")
    p.add_argument("--counts", default="6,3,0")
    args = p.parse_args(argv)
    from makaverse.client.app import configure_panda

    configure_panda(offscreen=True, renderer=args.renderer)
    from direct.showbase.ShowBase import ShowBase
    from panda3d.core import Filename, Point2, Point3

    from makaverse.client.scene.scene import WorldScene
    from makaverse.client.scene.stage_screen import StageScreen
    from makaverse.client.state.events import PollView, SlideView, StageLineView
    from makaverse.world import load_default_world

    base = ShowBase()
    world = load_default_world()
    WorldScene(base, world, lang="id")
    screen = StageScreen(base.render, world, lang="id")
    if args.markdown:
        slide = SlideView(1, 1, 2, "markdown", text=MARKDOWN)
    else:
        slide = SlideView(1, 0, 2, "png", data=png_bytes(96, 54, STRIPES))
    counts = tuple(int(c) for c in args.counts.split(","))
    poll = PollView(1, 1, "Prioritas anggaran 2027?", ("Drainase", "Taman", "Jalan"), True, True, counts,
                    sum(counts))
    line = StageLineView(1, 1, 2, "Wali Kota", "Selamat pagi warga Makassar", 0, 0.0)
    screen.show(slide=slide, poll=poll, line=line, title="Rembuk Warga")
    base.disable_mouse()
    base.camera.set_pos(0.0, 52.0, 3.2)
    base.camera.look_at(0.0, 69.0, 5.2)
    for _ in range(3):
        base.graphics_engine.render_frame()
    base.win.save_screenshot(Filename.from_os_specific(args.out))

    def px(u: float, v: float) -> list[int] | None:
        x, y, z = screen.world_point(u, v)
        q = base.cam.get_relative_point(base.render, Point3(x, y - 0.1, z))
        p2 = Point2()
        if not base.cam.node().get_lens().project(q, p2):
            return None
        w, h = base.win.get_x_size(), base.win.get_y_size()
        return [int(round((p2.x + 1) / 2 * w)), int(round((1 - p2.y) / 2 * h))]

    def rect_px(r) -> list[int]:
        a, b = px(r.x0, r.y0), px(r.x1, r.y1)
        return [a[0], a[1], b[0], b[1]]

    out: dict[str, object] = {"renderer": args.renderer}
    slide_region = screen.regions.get("slide")
    if slide_region:
        out["slide"] = {"kind": slide_region["kind"], "px": rect_px(slide_region["rect"]),
                        "lines": slide_region.get("lines", [])}
    chart = screen.regions.get("chart")
    if chart:
        out["bars"] = [{"label": b["label"], "count": b["count"], "colour": [round(c * 255) for c in b["colour"]],
                        "px": rect_px(b["rect"]), "full_px": rect_px(type(b["rect"])(b["rect"].x0, b["rect"].y0,
                                                                                     b["rect"].x0 + b["full"],
                                                                                     b["rect"].y1))}
                       for b in chart["bars"]]
        out["chart_state"] = chart["state"]
    print(json.dumps(out), flush=True)
    base.destroy()
    return 0


if __name__ == "__main__":
    sys.exit(main())
