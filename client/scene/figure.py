"""An avatar's body, built from its `Look`: a person with a face, clothes and headwear.

The figure faces +Y in its own frame. It is a few pieces so it can walk: the static body
(torso, head, face, headwear; one Geom, plus one for a patterned garment), and two arms and
two legs hanging from pivots at the shoulders and hips. `WalkCycle` swings the limbs from the
avatar's speed. Clothes: a batik shirt, or a lipa' sabbe sarong in *balo renni* / *balo
lobang* checks; headwear: hijab, peci, songkok (the Bugis *songkok recca*, with its gold
band) or passapu (the Makassar headcloth).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from panda3d.core import NodePath

from makaverse.protocol.look import Look

from . import palette as P
from .meshes import MeshBuilder
from .textures import pattern_texture

__all__ = ["Figure", "build_figure", "WalkCycle", "SHOULDER_X_M", "SHOULDER_Z_M", "HIP_X_M", "HIP_Z_M", "HEAD_Z_M"]

SHOULDER_X_M, SHOULDER_Z_M = 0.27, 1.40
HIP_X_M, HIP_Z_M = 0.1, 0.88
HEAD_Z_M = 1.64
_HEAD_R = 0.135
SHOES = (0.12, 0.09, 0.07)
HAIR = (0.07, 0.06, 0.05)
GOLD = (0.86, 0.66, 0.22)
_SARONGS = ("balo_renni", "balo_lobang")
_PATTERN_M = 0.32  # metres per repeat of a clothing pattern


@dataclass
class Figure:
    """The nodes of one figure: `body` (static), arm and leg pivots (left, right)."""

    body: NodePath
    arms: tuple[NodePath, NodePath]
    legs: tuple[NodePath, NodePath]


def build_figure(parent: NodePath, look: Look, *, staff_colour: P.RGB | None = None) -> Figure:
    skin = P.SKIN_TONES[look.skin]
    top = P.int_rgb(look.top)
    bottom = P.int_rgb(look.bottom)
    head_colour = P.int_rgb(look.head)
    sarong = look.pattern in _SARONGS
    b = MeshBuilder("figure")
    cloth = MeshBuilder("cloth")  # the patterned garment, drawn with its texture (white: texture as is)
    # Torso: shirt, a little wider at the shoulders, and a collar.
    if look.pattern == "batik":
        cloth.prism(0.0, 0.0, 0.86, 1.40, 0.19, P.WHITE, sides=10, top_radius=0.22, cap=False, uv_m=_PATTERN_M)
    else:
        b.prism(0.0, 0.0, 0.86, 1.40, 0.19, top, sides=10, top_radius=0.22, cap=False)
    b.prism(0.0, 0.0, 1.40, 1.46, 0.22, P.shade(top, 0.08), sides=10, top_radius=0.1)
    if sarong:
        # A lipa' sabbe sarong from the waist to the shins, folded over at the waist.
        cloth.prism(0.0, 0.0, 0.30, 0.98, 0.235, P.WHITE, sides=12, top_radius=0.2, cap=False, uv_m=_PATTERN_M)
        b.prism(0.0, 0.0, 0.92, 1.0, 0.205, P.int_rgb(look.accent), sides=12, top_radius=0.2)
    else:
        b.prism(0.0, 0.0, 0.80, 0.92, 0.2, bottom, sides=10, top_radius=0.19)  # waistband and hips
    # Neck and head.
    b.prism(0.0, 0.0, 1.44, 1.54, 0.055, skin, sides=8)
    b.sphere(0.0, 0.0, HEAD_Z_M, _HEAD_R, skin, rings=6, segments=12, squash=1.12)
    _face(b, skin)
    _headwear(b, look.headwear, head_colour, skin)
    if staff_colour is not None:
        # A lanyard and badge in the OPD's colour.
        b.box(0.05, 0.19, 1.14, 0.15, 0.215, 1.28, staff_colour, faces="n")
        b.box(0.06, 0.195, 1.26, 0.14, 0.219, 1.27, (0.98, 0.98, 0.98), faces="n")
        for sx in (-1, 1):
            b.box(sx * 0.07 - 0.012, 0.16, 1.28, sx * 0.07 + 0.012, 0.2, 1.45, staff_colour, faces="nt")
    body = parent.attach_new_node("figure")
    b.node().reparent_to(body)
    if len(cloth):
        node = cloth.node()
        base, accent = (look.bottom, look.accent) if sarong else (look.top, look.accent)
        node.set_texture(pattern_texture(look.pattern, base, accent))
        node.reparent_to(body)
    arms = tuple(_limb_pivot(parent, f"arm-{side}", (sgn * SHOULDER_X_M, 0.0, SHOULDER_Z_M),
                             _arm(top, skin, sgn)) for side, sgn in (("left", -1), ("right", 1)))
    legs = tuple(_limb_pivot(parent, f"leg-{side}", (sgn * HIP_X_M, 0.0, HIP_Z_M),
                             _leg(bottom, skin, short=sarong)) for side, sgn in (("left", -1), ("right", 1)))
    return Figure(body, arms, legs)


def _limb_pivot(parent: NodePath, name: str, pos: tuple[float, float, float], geom: NodePath) -> NodePath:
    """A pivot at the joint holding a swing node: emotes turn the pivot, the walk cycle the swing."""
    pivot = parent.attach_new_node(name)
    pivot.set_pos(*pos)
    swing = pivot.attach_new_node("swing")
    geom.reparent_to(swing)
    return pivot


def _face(b: MeshBuilder, skin: P.RGB) -> None:
    """Eyes with dark irises, brows, a nose and a mouth on the front (+Y) of the head."""
    z = HEAD_Z_M
    front = _HEAD_R * 0.93
    ink = (0.08, 0.06, 0.05)
    for sx in (-1, 1):
        x = sx * 0.047
        b.box(x - 0.022, front - 0.006, z + 0.004, x + 0.022, front + 0.008, z + 0.03, (0.97, 0.96, 0.94), faces="n")
        b.box(x - 0.012 + sx * 0.003, front + 0.008, z + 0.004, x + 0.012 + sx * 0.003, front + 0.012, z + 0.03,
              ink, faces="n")
        b.box(x - 0.026, front - 0.014, z + 0.055, x + 0.026, front + 0.002, z + 0.066, HAIR, faces="nt")
    b.box(-0.014, front, z - 0.035, 0.014, front + 0.022, z + 0.01, P.shade(skin, 0.12), faces="nsewt")
    b.box(-0.034, front - 0.018, z - 0.075, 0.034, front + 0.0, z - 0.062, (0.55, 0.2, 0.2), faces="n")


def _headwear(b: MeshBuilder, kind: str, colour: P.RGB, skin: P.RGB) -> None:
    z = HEAD_Z_M
    if kind != "hijab":
        # Hair under a cap or bare: a dark cap of hair over the back and top of the head.
        b.sphere(0.0, -0.018, z + 0.03, _HEAD_R + 0.008, HAIR, rings=4, segments=12, squash=0.95)
    if kind == "hijab":
        # A scarf framing the face: a shell round the head (set back so the face shows) and a
        # drape over the neck and shoulders.
        b.sphere(0.0, -0.035, z + 0.01, _HEAD_R + 0.03, colour, rings=6, segments=12, squash=1.12)
        # The drape stays outside the shirt's shoulders all the way up, then closes round the neck.
        b.prism(0.0, -0.01, 1.28, 1.47, 0.262, colour, sides=16, top_radius=0.245, cap=False)
        b.prism(0.0, -0.01, 1.47, 1.57, 0.245, colour, sides=16, top_radius=0.11)
        b.prism(0.0, 0.06, 1.48, 1.56, 0.1, P.shade(colour, 0.05), sides=8, top_radius=0.09)
    elif kind == "peci":
        # The black peci: a flat-topped oval cap, straight sides.
        b.prism(0.0, -0.005, z + 0.055, z + 0.155, _HEAD_R + 0.006, colour, sides=14,
                top=P.tint(colour, 0.06))
    elif kind == "songkok":
        # Songkok recca: taller, flaring a little, with a broad gold band at the brim.
        b.prism(0.0, -0.005, z + 0.05, z + 0.2, _HEAD_R + 0.01, colour, sides=14, top_radius=_HEAD_R + 0.025,
                top=P.shade(colour, 0.1))
        b.prism(0.0, -0.005, z + 0.05, z + 0.1, _HEAD_R + 0.016, GOLD, sides=14, top_radius=_HEAD_R + 0.02,
                cap=False)
    elif kind == "passapu":
        # The passapu headcloth: a band round the head and a folded peak rising at the front.
        b.prism(0.0, -0.005, z + 0.04, z + 0.11, _HEAD_R + 0.012, colour, sides=14, top=P.shade(colour, 0.1))
        w, y0, y1 = 0.07, 0.02, _HEAD_R + 0.01
        apex = (0.0, y1 * 0.7, z + 0.24)
        b.triangle((-w, y1, z + 0.1), (w, y1, z + 0.1), apex, P.tint(colour, 0.05))
        b.triangle((w, y0, z + 0.1), (-w, y0, z + 0.1), apex, P.shade(colour, 0.15))
        b.triangle((w, y1, z + 0.1), (w, y0, z + 0.1), apex, colour)
        b.triangle((-w, y0, z + 0.1), (-w, y1, z + 0.1), apex, colour)


def _arm(sleeve: P.RGB, skin: P.RGB, side: int) -> NodePath:
    """One arm hanging from its shoulder (the origin): a short sleeve, the forearm, a hand."""
    b = MeshBuilder("arm")
    b.prism(0.0, 0.0, -0.26, 0.0, 0.068, sleeve, sides=8, top_radius=0.075)
    b.prism(0.0, 0.0, -0.52, -0.26, 0.05, skin, sides=8, top_radius=0.055, cap=False)
    b.sphere(0.0, 0.01, -0.56, 0.052, skin, rings=4, segments=8, squash=1.2)
    return b.node()


def _leg(trousers: P.RGB, skin: P.RGB, *, short: bool) -> NodePath:
    """One leg from the hip (the origin) to the floor, with a shoe; under a sarong, bare shins."""
    b = MeshBuilder("leg")
    hip = HIP_Z_M
    if short:
        b.prism(0.0, 0.0, -hip + 0.08, -hip + 0.62, 0.06, skin, sides=8, cap=False)
    else:
        b.prism(0.0, 0.0, -hip + 0.08, 0.0, 0.075, trousers, sides=8, top_radius=0.09)
    b.box(-0.065, -0.07, -hip, 0.065, 0.15, -hip + 0.085, SHOES)
    return b.node()


class WalkCycle:
    """Limb swing from speed: the faster, the wider and quicker the stride; at rest, limbs hang still.

    Pure arithmetic, fed the avatar's ground position each frame; `pose()` gives the angles.
    """

    STRIDE_M = 1.3  # one full cycle (two steps) covers this much ground at a walk
    MAX_SWING_DEG = 34.0
    FULL_SWING_MPS = 4.0  # at this speed the swing is at its widest

    def __init__(self) -> None:
        self.phase = 0.0  # radians
        self.speed_mps = 0.0
        self._last: tuple[float, float] | None = None

    def update(self, x: float, y: float, dt: float) -> None:
        if self._last is not None and dt > 1e-6:
            moved = math.hypot(x - self._last[0], y - self._last[1])
            if moved > 2.0:  # a teleport or a resume: not a step
                moved = 0.0
            # Smooth the speed so interpolation jitter doesn't twitch the legs.
            k = min(1.0, dt * 8.0)
            self.speed_mps += (moved / dt - self.speed_mps) * k
            self.phase = (self.phase + 2 * math.pi * moved / self.STRIDE_M) % (2 * math.pi)
        self._last = (x, y)
        if self.speed_mps < 0.05:
            # Come to rest at the nearest point where the limbs hang straight.
            self.speed_mps = 0.0

    def swing_deg(self) -> float:
        return self.MAX_SWING_DEG * min(1.0, self.speed_mps / self.FULL_SWING_MPS) ** 0.7

    def pose(self) -> tuple[float, float, float]:
        """(leg pitch, arm pitch, body bob in metres) for the left side; the right is the mirror."""
        amp = self.swing_deg()
        s = math.sin(self.phase)
        bob = abs(math.cos(self.phase)) * 0.035 * (amp / self.MAX_SWING_DEG)
        return amp * s, -amp * 0.8 * s, bob
