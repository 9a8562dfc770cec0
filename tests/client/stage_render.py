"""Renders the auditorium's stage screen alone (no server): a slide and a poll, from a fixed
camera in the seats, with two people in front of the stage (one with a raised hand, one with
the floor); then writes the PNG and prints one JSON line saying where the slide's picture, each
poll bar and each marker are in the picture (pixels from the top left).

    python tests/client/stage_render.py OUT.png --renderer software|gl [--markdown] [--console]

With `--console` the host console is open too, filled from protocol messages fed to the event
model (a live event with a raised hand, a question and an open poll).

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
    p.add_argument("--console", action="store_true")
    args = p.parse_args(argv)
    from makaverse.client.app import configure_panda

    configure_panda(offscreen=True, renderer=args.renderer)
    from direct.showbase.ShowBase import ShowBase
    from panda3d.core import Filename, Point2, Point3

    from makaverse.client.scene.avatars import AvatarLayer
    from makaverse.client.scene.hand_markers import HandMarkers, marker_kinds
    from makaverse.client.scene.scene import WorldScene
    from makaverse.client.scene.stage_screen import StageScreen
    from makaverse.client.state.events import PollView, SlideView, StageLineView
    from makaverse.client.state.interpolation import Pose
    from makaverse.client.state.mirror import AvatarFacts
    from makaverse.client.ui.booth_widgets import screen_rect
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
    # Two people in the front row: Andi raised his hand, Sari has the floor.
    avatars = AvatarLayer(base.render, world)
    people = [(11, AvatarFacts("Andi", "citizen", 0x1E5AA8), Pose(-2.0, 60.5, 0.0)),
              (12, AvatarFacts("Sari", "citizen", 0x2E8B57), Pose(2.0, 60.5, 0.0))]
    eye = base.camera.get_pos(base.render)
    avatars.sync([(i, f, 0, pose) for i, f, pose in people], None, 0.0, (eye.x, eye.y, eye.z))
    markers = HandMarkers(avatars)
    markers.sync(marker_kinds([11], {12}))
    console = None
    if args.console:
        console = _console(base)
    for _ in range(3):
        if console is not None:
            console.sync(0.0)
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
    out["markers"] = {}
    for avatar_id, kind in markers.shown().items():
        pos = markers.markers[avatar_id].root.get_pos(base.render)
        q = base.cam.get_relative_point(base.render, Point3(pos.x, pos.y, pos.z))
        p2 = Point2()
        if base.cam.node().get_lens().project(q, p2):
            out["markers"][str(avatar_id)] = {"kind": kind, "px": [int(round((p2.x + 1) / 2 * base.win.get_x_size())),
                                                                  int(round((1 - p2.y) / 2 * base.win.get_y_size()))]}
    if console is not None:
        out["console"] = {"rect": screen_rect(console.root, base), "enabled": sorted(console.enabled)}
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


def _console(base):
    """The host console of a live event, its model fed the messages a server would send."""
    from makaverse.client.state.events import EventModel
    from makaverse.client.ui.host_console import HostConsole
    from makaverse.protocol import EventBoard, EventHall, EventJoined, Poll, Questions, Welcome

    m = EventModel()
    m.handle(Welcome(avatar_id=1, name="Hana", role="host", world_id="balai-kota", tick_hz=20, snapshot_hz=20,
                     input_hz=20, interest_radius_cm=3000, server_time_ms=0, x_cm=0, y_cm=0, yaw=0,
                     instance="auditorium"), 0.0)
    event = {"id": 1, "title": "Rembuk Warga", "description": "", "opd": "", "start_ms": 0, "end_ms": 1,
             "capacity": 200, "lang": "id", "status": "live", "doors": "open", "host": "Hana", "registered": 3}
    m.handle(EventBoard(request_id=1, events=[event]), 0.0)
    m.handle(EventJoined(request_id=2, event_id=1, instance="auditorium", seat=-1, part="host"), 0.0)
    m.handle(EventHall(event_id=1, status="live", doors="open", host_account=2, speakers=[],
                       hands=[{"account_id": 5, "name": "Andi", "avatar_id": 11}], floor=0,
                       copies=[{"instance": "auditorium", "attendees": 12}]), 0.0)
    m.handle(Questions(event_id=1, questions=[{"id": 1, "text": "Kapan drainase diperbaiki?", "name": "Andi",
                                               "account_id": 0, "votes": 4, "answered": False, "hidden": False}]), 0.0)
    m.handle(Poll(event_id=1, poll_id=1, question="Prioritas anggaran 2027?", options=["Drainase", "Taman", "Jalan"],
                  open=True, live=True, counts=[6, 3, 0], total=9), 0.0)
    console = HostConsole(base, m, lang="id")
    console.open("event")
    return console


if __name__ == "__main__":
    sys.exit(main())
