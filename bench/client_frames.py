"""`makaverse bench --scenario client`: how fast the client draws the Balai Kota with a crowd.

It builds what the client draws (the scene, the avatars with their name tags, the HUD and the
minimap) in an offscreen buffer, uncapped, with `--avatars` avatars walking in the service hall
in front of the camera, applies the graphics preset as the client does, renders `--frames`
frames after a warm-up and prints frame-time figures. No server: the avatars' poses are made
here, through the same `AvatarLayer.sync` the client calls every frame.

    makaverse bench --scenario client --avatars 100 --preset low --json [--renderer gl]

`--renderer software` is Panda3D's tinydisplay (always there); `gl` is pandagl, which needs a
display (run it under `xvfb-run` on a machine without one).
"""

from __future__ import annotations

import json
import math
import os
import statistics
import sys
import time
from argparse import Namespace

__all__ = ["run_client_bench", "run_client_bench_cli", "frame_figures"]


def _percentile(values: list[float], q: float) -> float:
    s = sorted(values)
    if not s:
        return float("nan")
    k = (len(s) - 1) * q / 100.0
    lo, hi = math.floor(k), math.ceil(k)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def frame_figures(frame_s: list[float], cpu_s: list[float] | None = None) -> dict:
    """fps (median, p5: the slowest 5 % of frames) and frame_ms (p50, p95) from frame durations;
    with `cpu_s`, the CPU time this process spent per frame too (on a machine shared with other
    work the wall time is longer: the CPU time says what the frame itself cost)."""
    ms = [t * 1000.0 for t in frame_s]
    fps = [1.0 / t for t in frame_s if t > 0]
    out = {
        "fps": {"median": round(statistics.median(fps), 1), "p5": round(_percentile(fps, 5), 1)},
        "frame_ms": {"p50": round(_percentile(ms, 50), 2), "p95": round(_percentile(ms, 95), 2)},
    }
    if cpu_s:
        cpu_ms = [t * 1000.0 for t in cpu_s]
        out["cpu_frame_ms"] = {"p50": round(_percentile(cpu_ms, 50), 2), "p95": round(_percentile(cpu_ms, 95), 2)}
    return out


def _crowd(n: int, t: float) -> list[tuple[float, float, float]]:
    """n avatars strolling in small circles on a grid across the service hall (x, y, yaw)."""
    cols = max(1, int(math.ceil(math.sqrt(n * 1.6))))
    out = []
    for i in range(n):
        cx = -10.0 + 20.0 * ((i % cols) + 0.5) / cols
        cy = 24.0 + 17.0 * ((i // cols) + 0.5) / math.ceil(n / cols)
        a = t * 0.8 + i
        out.append((cx + 0.6 * math.cos(a), cy + 0.6 * math.sin(a), (a + math.pi) % (2 * math.pi)))
    return out


def run_client_bench(*, avatars: int = 100, preset: str = "low", renderer: str = "software", frames: int = 300,
                     warmup: int = 30, size: tuple[int, int] = (1280, 720)) -> dict:
    from panda3d.core import load_prc_file_data

    load_prc_file_data("makaverse-bench", "\n".join([
        f"win-size {size[0]} {size[1]}",
        "window-type offscreen",
        f"load-display {'pandagl' if renderer == 'gl' else 'p3tinydisplay'}",
        "audio-library-name null",
        "sync-video false",
        "clock-mode normal",
        "notify-level-display error",
        "notify-level-device fatal",
    ]))
    from direct.showbase.ShowBase import ShowBase

    from makaverse.client.scene.avatars import AvatarLayer
    from makaverse.client.scene.lod import flatten_static
    from makaverse.client.scene.scene import WorldScene
    from makaverse.client.state.interpolation import Pose
    from makaverse.client.state.mirror import AvatarFacts
    from makaverse.client.state.settings import preset_profile
    from makaverse.client.ui.minimap import Minimap
    from makaverse.world import load_default_world

    base = ShowBase()
    try:
        world = load_default_world()
        profile = preset_profile(preset)
        scene = WorldScene(base, world, lang="id")
        if profile.flatten_all:
            flatten_static(scene.root)
        layer = AvatarLayer(base.render, world, lang="id")
        layer.set_detail_distance(profile.avatar_detail_m, cheap=profile.cheap_avatars)
        minimap = Minimap(base, world, lang="id")
        base.disable_mouse()
        # The hall from above its entrance, looking north: the whole crowd is in view.
        base.camera.set_pos(0.0, 6.0, 16.0)
        base.camera.look_at(0.0, 29.0, 0.0)
        looks = [0xB22222, 0x2E8B57, 0x1E5AA8, 0xC8961E, 0x6A3D9A, 0x0F7C8C]
        facts: list[AvatarFacts | None] = [
            AvatarFacts(name=f"Warga {i + 1}", role="citizen", look=looks[i % len(looks)], opd="")
            for i in range(avatars)
        ]
        times: list[float] = []
        cpu: list[float] = []
        t_sim = 0.0
        in_view = 0
        for frame in range(warmup + frames):
            t0, c0 = time.perf_counter(), time.process_time()
            t_sim += 1 / 30
            crowd = _crowd(avatars, t_sim)
            poses = [(i + 1, facts[i], 1, Pose(x, y, yaw, 1)) for i, (x, y, yaw) in enumerate(crowd)]
            eye = base.camera.get_pos(base.render)
            layer.sync(poses, None, 1 / 30, (eye.x, eye.y, eye.z))
            minimap.sync((0.0, 12.5, 0.0), {}, (), "")
            base.task_mgr.step()
            if frame >= warmup:
                times.append(time.perf_counter() - t0)
                cpu.append(time.process_time() - c0)
            if frame == warmup:
                in_view = _count_in_view(base, crowd)
        pipe = base.win.get_pipe()
        out = {
            "scenario": "client",
            "avatars": avatars,
            "avatars_in_view": in_view,
            "preset": preset,
            "renderer": renderer,
            "pipe": pipe.get_interface_name(),
            "size": list(size),
            "frames": frames,
            **frame_figures(times, cpu),
        }
        if hasattr(os, "getloadavg"):
            out["load_avg_1m"] = round(os.getloadavg()[0], 2)  # how busy the machine was meanwhile
        try:
            gsg = base.win.get_gsg()
            out["gl_renderer"] = gsg.get_driver_renderer()
        except Exception:  # noqa: BLE001 - a detail for the report only
            pass
        return out
    finally:
        base.destroy()


def _count_in_view(base, crowd) -> int:
    from panda3d.core import Point2, Point3

    n = 0
    for x, y, _ in crowd:
        p = base.cam.get_relative_point(base.render, Point3(x, y, 1.0))
        if base.camLens.project(p, Point2()):
            n += 1
    return n


def run_client_bench_cli(args: Namespace) -> int:
    renderer = getattr(args, "renderer", "software") or "software"
    try:
        report = run_client_bench(avatars=args.avatars, preset=args.preset, renderer=renderer,
                                  frames=args.frames)
    except Exception as exc:  # ShowBase raises a bare Exception when the pipe can't open
        print(f"makaverse bench: the {renderer} renderer could not start: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report))
    else:
        print(f"client, {report['avatars']} avatars ({report['avatars_in_view']} in view), preset {report['preset']}, "
              f"{report['renderer']} ({report['pipe']}) {report['size'][0]}x{report['size'][1]}: "
              f"fps median {report['fps']['median']}, p5 {report['fps']['p5']}; "
              f"frame ms p50 {report['frame_ms']['p50']}, p95 {report['frame_ms']['p95']}")
    return 0
