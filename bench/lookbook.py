"""A lookbook: a row of avatars in chosen looks, standing (or walking) in the Balai Kota,
rendered offscreen to a PNG without a server. For looking at the figures while working on
them, for the docs, and for tests that check the looks on the pixels.

    python -m makaverse.bench.lookbook out.png [--gl] [--walk] [--look SPEC ...]

Prints one JSON line: each avatar's look and where its head and torso appear in the picture.
"""

from __future__ import annotations

import argparse
import json
import sys

from makaverse.client.state.look_choice import format_look, parse_look

__all__ = ["main", "LINEUP"]

LINEUP: tuple[str, ...] = (
    "skin=1,headwear=hijab,pattern=batik,top=#1e5aa8,accent=#c8961e,bottom=#263238,head=#b28db8",
    "skin=3,headwear=peci,pattern=plain,top=#f5f5f0,bottom=#263238,head=#1c1c1c",
    "skin=4,headwear=songkok,pattern=balo_lobang,top=#f5f5f0,accent=#c8961e,bottom=#8a1420,head=#1c1c1c",
    "skin=2,headwear=passapu,pattern=balo_renni,top=#2e8b57,accent=#e8a0b0,bottom=#3a7a4a,head=#7a1020",
    "skin=5,headwear=none,pattern=batik,top=#7a1020,accent=#e8b04a,bottom=#1c1c2a",
    "skin=0,headwear=hijab,pattern=plain,top=#c2185b,bottom=#1c1c2a,head=#e7d8c9",
)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out")
    p.add_argument("--gl", action="store_true", help="render with OpenGL (needs a display, e.g. Xvfb) instead of "
                                                     "the software renderer")
    p.add_argument("--shadows", action="store_true", help="the high preset: real lights and sun shadows (GL only)")
    p.add_argument("--walk", action="store_true", help="mid-stride instead of standing")
    p.add_argument("--look", action="append", default=None, help="a look (repeatable); default: a varied lineup")
    p.add_argument("--size", default="1280x720")
    p.add_argument("--at", default="0,20", help="where the row stands (x,y metres)")
    p.add_argument("--camera", default=None, metavar="VIEW",
                   help="a preset view instead of facing the row: forecourt, hall, auditorium, booth:<OPD>, "
                        "or X,Y,Z>X,Y,Z (eye>target)")
    p.add_argument("--none", action="store_true", help="no avatars: just the building")
    p.add_argument("--no-tags", action="store_true", help="hide the name tags")
    args = p.parse_args(argv)
    looks = [] if args.none else [parse_look(spec) for spec in (args.look or LINEUP)]
    w, h = (int(v) for v in args.size.split("x"))
    from panda3d.core import Filename, load_prc_file_data

    load_prc_file_data("lookbook", "\n".join([
        f"win-size {w} {h}", "window-type offscreen", "audio-library-name null",
        "load-display " + ("pandagl" if args.gl else "p3tinydisplay"),
        "notify-level-display error", "notify-level-device fatal", "framebuffer-multisample 1",
        "multisamples 4" if args.gl else "",
    ]))
    from direct.showbase.ShowBase import ShowBase

    from makaverse.client.scene.avatars import AvatarView
    from makaverse.client.scene.scene import WorldScene
    from makaverse.client.state.mirror import AvatarFacts
    from makaverse.world import load_default_world

    base = ShowBase()
    world = load_default_world()
    from makaverse.client.scene.daylight import supports_shadows

    WorldScene(base, world, shadows=args.shadows and supports_shadows(base))
    ax, ay = (float(v) for v in args.at.split(","))
    spacing = 0.85
    views = []
    for i, look in enumerate(looks):
        facts = AvatarFacts(name=f"Warga {i + 1}", role="guest", look=look.top, style=look.pack())
        view = AvatarView(base.render, i + 1, facts, lang="id", is_self=False, staff_colours={})
        x = ax + (i - (len(looks) - 1) / 2) * spacing
        # A walker is fed a few frames of motion so the stride is under way.
        steps = 7 if args.walk else 1
        for k in range(steps):
            view.place(x, ay - 0.1 * (steps - 1 - k), 0.0, 3.14159, 0, 1 / 30)
        if args.no_tags:
            view.tag.hide()
        views.append((view, look, x))
    base.disable_mouse()
    base.cam.node().get_lens().set_fov(55)
    if args.camera and ">" in args.camera:
        eye, target = ([float(v) for v in part.split(",")] for part in args.camera.split(">"))
        base.camera.set_pos(*eye)
        base.camera.look_at(*target)
    elif args.camera:
        from makaverse.client.scene.camera_math import preset_view

        fixed = preset_view(world, args.camera)
        if fixed is None:
            raise SystemExit(f"--camera {args.camera}: not a fixed view")
        base.camera.set_pos(*fixed.eye)
        base.camera.look_at(*fixed.target)
        base.cam.node().get_lens().set_fov(70)
    else:
        base.camera.set_pos(ax, ay - 5.6, 1.7)
        base.camera.look_at(ax, ay, 1.05)
    for _ in range(3):
        base.graphics_engine.render_frame()
    base.win.save_screenshot(Filename.from_os_specific(args.out))
    out = []
    for _view, look, x in views:
        out.append({"look": format_look(look), "head_px": _screen(base, x, ay, 1.66),
                    "hat_px": _screen(base, x, ay, 1.75), "torso_px": _screen(base, x, ay, 1.15)})
    print(json.dumps({"screenshot": args.out, "renderer": "gl" if args.gl else "software", "avatars": out}))
    base.destroy()
    return 0


def _screen(base, x: float, y: float, z: float) -> list[int] | None:
    from panda3d.core import Point2, Point3

    p = base.cam.get_relative_point(base.render, Point3(x, y, z))
    p2 = Point2()
    if not base.cam.node().get_lens().project(p, p2):
        return None
    w, h = base.win.get_x_size(), base.win.get_y_size()
    return [int(round((p2.x + 1) / 2 * w)), int(round((1 - p2.y) / 2 * h))]


if __name__ == "__main__":
    sys.exit(main())
