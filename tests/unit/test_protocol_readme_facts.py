"""protocol/README.md states facts a stranger builds a client on; each one is checked against the
code here: optional keys and defaults, booth zones and staff areas from the world file, the
refusal and flood limits, keepalive, grace and hello timings, and the reserved names."""

from __future__ import annotations

import json
import math
import re
from dataclasses import MISSING, fields
from pathlib import Path

import pytest

import makaverse.protocol as protocol
from makaverse.protocol import MESSAGE_CLASSES, MessageType
from makaverse.protocol.text import GUEST_NAMES, RESERVED_NAMES
from makaverse.server.net import server as net_server
from makaverse.server.rooms.booth_board import BoothConfig
from makaverse.server.settings import Settings
from makaverse.world import load_default_world

README = (Path(protocol.__file__).parent / "README.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    start = README.index(title)
    end = README.find("\n## ", start + 1)
    return README[start : end if end >= 0 else None]


def test_the_optional_keys_table_is_the_dataclass_defaults():
    """Every message's optional keys and defaults are listed exactly, and nothing else is."""
    rows = {}
    for line in _section("## Optional keys and defaults").splitlines():
        m = re.match(r"\| (\d+) \| `(\w+)` \| (\S+) \| (.*) \|$", line)
        if m:
            keys = dict(re.findall(r"`(\w+)` (\S+?)(?: \(an empty bin\))?(?:;|$)", m.group(4)))
            rows[MessageType(int(m.group(1)))] = {k: b"" if v == 'b""' else json.loads(v) for k, v in keys.items()}
    expected = {}
    for mtype, cls in MESSAGE_CLASSES.items():
        opt = {}
        for f in fields(cls):
            if f.default is not MISSING:
                opt[f.name] = list(f.default) if isinstance(f.default, tuple) else f.default
            elif f.default_factory is not MISSING:
                opt[f.name] = list(f.default_factory())
        if opt:
            expected[mtype] = opt
    assert rows == expected


def _box(position, facing_deg: float, a: tuple[float, float], s: tuple[float, float]):
    """The README's recipe: p = position + a·f + s·r, f = (−sin θ, cos θ) rounded, r = (f_y, −f_x)."""
    rad = math.radians(facing_deg)
    fx, fy = round(-math.sin(rad)), round(math.cos(rad))
    rx, ry = fy, -fx
    xs = [position[0] + fx * i + rx * j for i in a for j in s]
    ys = [position[1] + fy * i + ry * j for i in a for j in s]
    return (min(xs), min(ys), max(xs), max(ys))


def test_booth_zones_and_staff_areas_follow_the_readme_recipe():
    """The interaction zone and staff area of every booth are the boxes the README derives from the world file."""
    w, cw, cd, back, zd, zw = 5.2, 3.2, 0.8, 3.4, 3.0, 4.0
    world = load_default_world()
    assert world.booths
    for booth in world.booths:
        zone = _box(booth.position, booth.facing_deg, (cd / 2, cd / 2 + zd), (-zw / 2, zw / 2))
        staff = _box(booth.position, booth.facing_deg, (-cd / 2 - back, -cd / 2), (-(w / 2 - 0.1), w / 2 - 0.1))
        counter = _box(booth.position, booth.facing_deg, (-cd / 2, cd / 2), (-cw / 2, cw / 2))
        assert booth.zone.as_tuple() == pytest.approx(zone)
        assert booth.staff_area.as_tuple() == pytest.approx(staff)
        assert booth.counter.as_tuple() == pytest.approx(counter)
        assert world.zone_of(*booth.position) is None or world.zone_of(*booth.position).id != booth.zone_id
        cx, cy = (zone[0] + zone[2]) / 2, (zone[1] + zone[3]) / 2
        assert world.zone_of(cx, cy).id == f"booth:{booth.opd}"
    duk = next(b for b in world.booths if b.opd == "DUKCAPIL")
    assert duk.zone.as_tuple() == pytest.approx((-19.6, 16.0, -16.6, 20.0))
    assert duk.staff_area.as_tuple() == pytest.approx((-23.8, 15.5, -20.4, 20.5))
    assert BoothConfig().zone_margin_m == 0.5


def test_limits_and_timings_in_the_readme_are_the_defaults():
    """Rates, strike and flood thresholds, keepalive, grace and hello timeout match the code."""
    s = Settings()
    transport = _section("## Transport")
    assert (s.msg_rate_per_s, s.msg_burst) == (60.0, 120)
    assert "60 messages a second, in bursts of 120" in transport
    assert net_server._FLOOD_CLOSE_AFTER == 200 and "passes **200**" in transport
    assert net_server._MAX_STRIKES == 20 and "**21st**" in transport
    assert (s.ping_interval_s, s.ping_timeout_s) == (5.0, 10.0)
    assert "ping every 5 seconds" in transport and "within **10 seconds**" in transport
    assert s.ping_idle_interval_s == 15.0
    assert "sent nothing for **15 seconds**" in transport and "only **every 15\nseconds**" in transport
    assert s.max_frame_bytes == 65_536 and "**65,536 bytes**" in transport
    session = _section("## A session")
    assert s.reconnect_grace_s == 60.0 and "60 s by default" in session
    assert s.hello_timeout_s == 5.0 and "within 5 seconds of connecting" in session


def test_the_reserved_names_are_listed():
    """Every reserved word and guest prefix is named in the README's names section."""
    names = _section("## Text people write")
    for word in sorted(RESERVED_NAMES | GUEST_NAMES):
        assert f"`{word}`" in names.lower(), word
