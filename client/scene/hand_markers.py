"""Markers over people in the auditorium: a raised hand (gold, with its place in the queue) over
everyone the hall lists in `event_hall.hands`, and a microphone (green) over whoever has the
floor and the speakers the host invited.

A marker is a small flat picture that always faces the camera, hung above the name tag of the
avatar's view (`scene/avatars.py`), so it follows the avatar and goes when the avatar leaves
sight. Like the name tags it is drawn as cards in a fixed order (backing, then the picture,
then the number), none writing depth, so both renderers show it whole.
"""

from __future__ import annotations

from collections.abc import Mapping

from panda3d.core import CardMaker, NodePath, TextNode, TransparencyAttrib

from .avatars import OWN_TAG_MIN_M, TAG_HEIGHT_M, AvatarLayer, float_order
from .signs import FLOAT_BIN

__all__ = ["HandMarkers", "MARKER_HEIGHT_M", "HAND_GOLD", "FLOOR_GREEN", "marker_kinds"]

MARKER_HEIGHT_M = TAG_HEIGHT_M + 0.62  # over the name tag
MARKER_LAYER = 2  # drawn over name tags (0) and speech bubbles (1)
HAND_GOLD = (1.0, 0.80, 0.16, 1.0)
FLOOR_GREEN = (0.20, 0.82, 0.36, 1.0)
BACKING = (0.06, 0.07, 0.10, 0.88)
WHITE = (1.0, 1.0, 1.0, 1.0)

# The pictures in a unit square (-0.5..0.5), as rectangles (x0, z0, x1, z1).
HAND = ((-0.24, -0.38, 0.20, 0.06),  # palm
        (-0.24, 0.02, -0.14, 0.34), (-0.12, 0.02, -0.02, 0.42), (0.0, 0.02, 0.10, 0.40), (0.12, 0.02, 0.20, 0.30),
        (0.20, -0.24, 0.34, -0.06))  # thumb, out to the side
MIC = ((-0.12, -0.02, 0.12, 0.40),  # head
       (-0.04, -0.30, 0.04, -0.02),  # stem
       (-0.20, -0.38, 0.20, -0.30))  # base


def marker_kinds(hands: list[int], floor_avatars: set[int]) -> dict[int, tuple[str, int]]:
    """avatar id -> ("floor", 0) or ("hand", place in the queue from 1): the floor wins."""
    out: dict[int, tuple[str, int]] = {}
    for i, avatar_id in enumerate(hands, 1):
        if avatar_id and avatar_id not in out:
            out[avatar_id] = ("hand", i)
    for avatar_id in floor_avatars:
        if avatar_id:
            out[avatar_id] = ("floor", 0)
    return out


class _Marker:
    def __init__(self, kind: str, place: int) -> None:
        self.kind, self.place = kind, place
        self.root = NodePath(f"marker-{kind}")
        self.root.set_z(MARKER_HEIGHT_M)
        self.root.set_billboard_point_eye()
        self.root.set_light_off(1)
        self.root.set_scale(0.55)
        colour = HAND_GOLD if kind == "hand" else FLOOR_GREEN
        self.parts = [self._rect(-0.5, -0.5, 0.5, 0.5, BACKING, "backing")]
        for i, r in enumerate(HAND if kind == "hand" else MIC):
            self.parts.append(self._rect(*r, colour, f"shape-{i}"))
        self.label: NodePath | None = None
        if kind == "hand" and place:
            tn = TextNode("place")
            tn.set_text(str(place))
            tn.set_align(TextNode.A_center)
            tn.set_text_color(*WHITE)
            self.label = self.root.attach_new_node(tn)
            self.label.set_scale(0.3)
            self.label.set_pos(0.34, 0, 0.22)
            self.parts.append(self.label)
        for part in self.parts:
            part.set_transparency(TransparencyAttrib.M_alpha)
            part.set_depth_write(False)
            part.set_two_sided(True)
        self.set_order(0)

    def _rect(self, x0: float, z0: float, x1: float, z1: float, colour, name: str) -> NodePath:
        cm = CardMaker(name)
        cm.set_frame(x0, x1, z0, z1)
        cm.set_color(*colour)
        return self.root.attach_new_node(cm.generate())

    def set_order(self, order: int) -> None:
        for i, part in enumerate(self.parts):
            part.set_bin(FLOAT_BIN, order * 4 + min(i, 1) + (2 if part is self.label else 0))

    def destroy(self) -> None:
        self.root.remove_node()


class HandMarkers:
    """Keeps one marker per avatar that should have one, on that avatar's current view."""

    def __init__(self, avatars: AvatarLayer) -> None:
        self.avatars = avatars
        self.markers: dict[int, _Marker] = {}

    def sync(self, kinds: Mapping[int, tuple[str, int]]) -> None:
        """`kinds`: avatar id -> (kind, place), as `marker_kinds` gives; others lose theirs."""
        for avatar_id in [a for a in self.markers if a not in kinds]:
            self.markers.pop(avatar_id).destroy()
        for avatar_id, (kind, place) in kinds.items():
            marker = self.markers.get(avatar_id)
            if marker is not None and (marker.kind, marker.place) != (kind, place):
                marker.destroy()
                marker = None
            if marker is None:
                marker = self.markers[avatar_id] = _Marker(kind, place)
            entry = self.avatars.views.get(avatar_id)
            if entry is None:
                marker.root.detach_node()  # not in sight now; back on its view when it is
                continue
            view = entry[0]
            if marker.root.get_parent() != view.root:
                marker.root.reparent_to(view.root)
            marker.set_order(float_order(MARKER_LAYER, view.eye_distance_m))
            marker.root.set_scale(0.55 * max(1.0, view.eye_distance_m / 12.0))
            # Your own, seen from just behind your head (seated), would fill the top of the picture
            # with its back; the HUD's event line says your hand is up or you have the floor.
            if view.is_self and view.eye_distance_m < OWN_TAG_MIN_M:
                marker.root.hide()
            else:
                marker.root.show()

    def shown(self) -> dict[int, str]:
        """avatar id -> kind, for the markers on screen now."""
        return {a: m.kind for a, m in self.markers.items()
                if not m.root.get_parent().is_empty() and not m.root.is_hidden()}

    def destroy(self) -> None:
        for marker in self.markers.values():
            marker.destroy()
        self.markers.clear()
