"""Avatars on screen: a person dressed as they chose (`figure`), walking, with a name tag overhead.

Staff wear a lanyard and badge in their OPD's colour and their tag says so. The figure faces
+Y in its own frame, so `set_h(degrees(yaw))` matches the protocol's heading. Limbs swing
with the speed the avatar is seen to move at (`WalkCycle`), so a remote avatar walks as it
glides. `AvatarLayer` keeps one view per avatar id and drops views whose avatar is gone.
"""

from __future__ import annotations

import math

from panda3d.core import NodePath, TransparencyAttrib

from makaverse.protocol.look import Look, look_from_style
from makaverse.protocol.messages import ANIM_SIT
from makaverse.world import World

from .. import i18n
from ..state.interpolation import Pose
from ..state.mirror import AvatarFacts
from . import palette as P
from .figure import HIP_Z_M, WalkCycle, build_figure
from .lod import add_lod, cheapen_avatar, stand_in
from .meshes import MeshBuilder
from .signs import TextCard

__all__ = ["AvatarView", "AvatarLayer", "TAG_HEIGHT_M", "OWN_TAG_MIN_M", "TAG_MIN_M", "float_order"]

TAG_HEIGHT_M = 2.15
TAG_READABLE_M = 9.0  # beyond this distance name tags keep their size on screen
# Nearer than this share of it they stop shrinking in the world, so they grow on screen again
# only close up: at a counter or in a queue the tags of the people just ahead no longer fill
# the top of the picture.
TAG_NEAR_SHARE = 0.6
# Your own tag is for others: with the camera close (at a wall, behind a counter) it would
# cover what you look at, so it shows only from a third-person distance. Anyone's tag right in
# front of the lens is hidden too.
OWN_TAG_MIN_M = 4.0
TAG_MIN_M = 1.2
OWN_BODY_MIN_M = 1.0  # with the camera at your eyes your own head would fill the picture
HEAD_HEIGHT_M = 1.6
TAG_LAYER = 0  # name tags draw under speech bubbles (`ui/chat_scene.py`)
BUBBLE_LAYER = 1


def float_order(layer: int, distance_m: float) -> int:
    """Draw order of a floating card: by layer, then the farther first (so nearer cards cover them)."""
    return layer * 1_000_000 + max(0, 999_999 - int(distance_m * 1000))
_DEFAULT_LOOK = 0x37474F
CHEAP_TAG_MAX_SCALE = 1.6
# Seated (anim 3, a seat in the auditorium): hips on the chair's seat (0.48 m, `props.build_chair`),
# legs reaching forward and down, hands on the lap.
SEAT_TOP_M = 0.48
SIT_DROP_M = SEAT_TOP_M + 0.08 - HIP_Z_M
SIT_LEG_DEG = 65.0
SIT_ARM_DEG = 28.0
CHEAP_TAG_MAX_M = 20.0  # the low preset shows names within this distance only (far text is costly)


class AvatarView:
    """One avatar's nodes: the figure (bobbing when it walks) and its name tag."""

    def __init__(self, parent: NodePath, avatar_id: int, facts: AvatarFacts | None, *, lang: str, is_self: bool,
                 staff_colours: dict[str, tuple[float, float, float]], detail_m: float = math.inf,
                 cheap: bool = False) -> None:
        self.avatar_id = avatar_id
        self.is_self = is_self
        self.eye_distance_m = 0.0
        self.root = parent.attach_new_node(f"avatar-{avatar_id}")
        self.body = self.root.attach_new_node("body")
        self.walk = WalkCycle()
        self.sitting = False
        if facts is not None:
            self.look = look_from_style(facts.style, look=facts.look)
        else:
            self.look = Look(top=_DEFAULT_LOOK, skin=avatar_id % len(P.SKIN_TONES))
        staff_colour = None
        if facts is not None and facts.is_staff:
            staff_colour = staff_colours.get(facts.opd, P.EJA)
        # Beyond `detail_m` (the low preset) a stand-in of a few triangles replaces the figure.
        detail = NodePath("detail")
        if math.isfinite(detail_m) and not is_self:
            add_lod(self.body, detail, stand_in(P.int_rgb(self.look.top), P.SKIN_TONES[self.look.skin]),
                    detail_m=detail_m)
        else:
            detail.reparent_to(self.body)
        figure = build_figure(detail, self.look, staff_colour=staff_colour)
        figure.body.flatten_strong()
        self.arms: list[NodePath] = list(figure.arms)  # left, right: pivots at the shoulders (emotes turn them)
        self.legs: list[NodePath] = list(figure.legs)
        self._swings = [limb.find("swing") for limb in (*self.arms, *self.legs)]
        shadow = MeshBuilder("shadow", light=None)
        ring = 12
        for i in range(ring):
            a0, a1 = 2 * math.pi * i / ring, 2 * math.pi * (i + 1) / ring
            shadow.triangle((0, 0, 0.07), (math.cos(a0) * 0.38, math.sin(a0) * 0.38, 0.07),
                            (math.cos(a1) * 0.38, math.sin(a1) * 0.38, 0.07), (0.0, 0.0, 0.0, 0.28), [(0, 0, 1)] * 3)
        sh = shadow.node()
        sh.reparent_to(self.root)
        sh.set_transparency(TransparencyAttrib.M_alpha)
        sh.set_depth_write(False)
        sh.set_bin("transparent", 0)
        self.tag = self._make_tag(facts, lang, is_self, staff_colour)
        # Far tags grow to stay readable; the low preset caps that (big far cards cost fill).
        self.tag_max_scale = CHEAP_TAG_MAX_SCALE if cheap else math.inf
        self.tag_max_m = CHEAP_TAG_MAX_M if cheap else math.inf
        if cheap:
            cheapen_avatar(self.root)

    def _make_tag(self, facts: AvatarFacts | None, lang: str, is_self: bool, staff_colour) -> NodePath:
        name = facts.name if facts else f"#{self.avatar_id}"
        lines = [name]
        if facts is not None and facts.is_staff:
            role = i18n.t("role.staff", lang)
            lines.append(f"{role} {facts.opd}" if facts.opd else role)
        fg = (1.0, 0.93, 0.62) if is_self else (1.0, 1.0, 1.0)
        bg = (*P.shade(staff_colour, 0.2), 0.85) if staff_colour is not None else (0.05, 0.06, 0.08, 0.6)
        holder = self.root.attach_new_node("tag")
        holder.set_z(TAG_HEIGHT_M + (0.12 if len(lines) > 1 else 0.0))
        holder.set_billboard_point_eye()
        self.tag_card = TextCard(holder, "\n".join(lines), fg=fg, bg=bg, scale=0.2, name=f"tag-{self.avatar_id}",
                                 order=float_order(TAG_LAYER, 0.0))
        return holder

    def place(self, x: float, y: float, z: float, yaw: float, anim: int, dt: float,
              eye: tuple[float, float, float] | None = None) -> None:
        self.root.set_pos(x, y, z)
        if eye is not None:
            # Far away, a tag grows with distance so a name stays readable across the hall.
            d = math.dist(eye, (x, y, z + TAG_HEIGHT_M))
            self.eye_distance_m = d
            self.tag.set_scale(min(self.tag_max_scale, max(TAG_NEAR_SHARE, d / TAG_READABLE_M)))
            self.tag_card.set_order(float_order(TAG_LAYER, d))
            hidden = d < (OWN_TAG_MIN_M if self.is_self else TAG_MIN_M) or d > self.tag_max_m
            if hidden != self.tag.is_hidden():
                (self.tag.hide if hidden else self.tag.show)()
            if self.is_self:
                inside = math.dist(eye, (x, y, z + HEAD_HEIGHT_M)) < OWN_BODY_MIN_M
                if inside != self.body.is_hidden():
                    (self.body.hide if inside else self.body.show)()
        self.body.set_h(math.degrees(yaw))
        # `anim` is the server's walking flag; the swing follows the speed the avatar is seen to move at.
        self.walk.update(x, y, dt)
        arm_l, arm_r, leg_l, leg_r = self._swings
        self.sitting = anim == ANIM_SIT
        if self.sitting:
            leg_l.set_p(SIT_LEG_DEG)
            leg_r.set_p(SIT_LEG_DEG)
            arm_l.set_p(SIT_ARM_DEG)
            arm_r.set_p(SIT_ARM_DEG)
            self.body.set_z(SIT_DROP_M)
            return
        leg_p, arm_p, bob = self.walk.pose()
        leg_l.set_p(leg_p)
        leg_r.set_p(-leg_p)
        arm_l.set_p(arm_p)
        arm_r.set_p(-arm_p)
        self.body.set_z(bob)

    def destroy(self) -> None:
        self.root.remove_node()


class AvatarLayer:
    """The views for everyone in sight, keyed by avatar id and rebuilt when their facts change."""

    def __init__(self, parent: NodePath, world: World, *, lang: str = "id") -> None:
        self.root = parent.attach_new_node("avatars")
        self.world = world
        self.lang = lang
        self.views: dict[int, tuple[AvatarView, int]] = {}
        self.staff_colours = {b.opd: b.colour_rgb for b in world.booths}
        self.detail_m = math.inf  # the graphics preset's distance for simple stand-ins
        self.cheap = False  # the low preset: no soft shadows, opaque name tags

    def set_detail_distance(self, detail_m: float, *, cheap: bool = False) -> None:
        """Avatars drawn from now on switch to a stand-in beyond `detail_m` (inf: never)."""
        self.detail_m, self.cheap = detail_m, cheap

    def sync(self, poses: list[tuple[int, AvatarFacts | None, int, Pose]], self_id: int | None, dt: float,
             eye: tuple[float, float, float] | None = None) -> None:
        """Draw exactly these avatars: (id, facts, facts version, pose); `eye` is the camera position."""
        seen = set()
        if poses:
            heights = self.world.floor_height([[p.x, p.y] for _, _, _, p in poses])
        for i, (avatar_id, facts, version, pose) in enumerate(poses):
            seen.add(avatar_id)
            entry = self.views.get(avatar_id)
            if entry is None or entry[1] != version:
                if entry is not None:
                    entry[0].destroy()
                view = AvatarView(self.root, avatar_id, facts, lang=self.lang, is_self=avatar_id == self_id,
                                  staff_colours=self.staff_colours, detail_m=self.detail_m, cheap=self.cheap)
                self.views[avatar_id] = entry = (view, version)
            entry[0].place(pose.x, pose.y, float(heights[i]), pose.yaw, pose.anim, dt, eye)
        for gone in [i for i in self.views if i not in seen]:
            self.views.pop(gone)[0].destroy()

    def set_lang(self, lang: str) -> None:
        """Tags say "Petugas"/"Staff" in `lang`: everyone is drawn again on the next frame."""
        self.lang = lang
        self.clear()

    def clear(self) -> None:
        for view, _ in self.views.values():
            view.destroy()
        self.views.clear()
