"""Chat in the world: speech bubbles over speakers, emotes played on avatars, the announcement
banner at the top, and the notice a moderator's action puts in front of you.

Bubbles hang from an avatar's node (above its name tag) and so follow it; they expire when
`ChatState` says. Emotes move the avatar's arm pivots and body (`AvatarView.arms`, `.body`)
for a couple of seconds and put them back. Nothing here decides anything: it draws the state.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable

from direct.gui import DirectGuiGlobals as DGG
from direct.gui.DirectGui import DirectButton
from direct.gui.OnscreenText import OnscreenText
from panda3d.core import NodePath, TextNode

from .. import i18n
from ..scene.avatars import BUBBLE_LAYER, AvatarLayer, AvatarView, float_order
from ..scene.signs import TextCard
from ..state.chat_state import Banner, Bubble, EmotePlay, ModerationNotice
from .theme import theme_for

__all__ = ["BubbleLayer", "EmoteAnimator", "AnnouncementBanner", "ModerationDialog", "BUBBLE_COLOURS",
           "BUBBLE_LIFT_M", "emote_pose"]

BUBBLE_COLOURS = {
    "nearby": (0.99, 0.99, 0.96, 0.95),
    "whisper": (0.82, 0.90, 1.0, 0.95),
    "shout": (1.0, 0.93, 0.55, 0.97),
}
BUBBLE_TEXT = (0.07, 0.08, 0.12, 1.0)
BUBBLE_LIFT_M = 0.3  # from the name tag's anchor to the bubble's bottom edge
BUBBLE_WRAP = 26  # characters per bubble row
BUBBLE_ROWS = 3
BUBBLE_SCALE = 0.17


def _bubble_text(text: str) -> str:
    rows = textwrap.wrap(text, BUBBLE_WRAP, break_long_words=True) or [""]
    if len(rows) > BUBBLE_ROWS:
        rows = rows[:BUBBLE_ROWS]
        rows[-1] = rows[-1][: BUBBLE_WRAP - 1] + "…"
    return "\n".join(rows)


class _BubbleView:
    def __init__(self, view: AvatarView, bubble: Bubble) -> None:
        self.bubble = bubble
        self.view = view
        self.holder = view.root.attach_new_node(f"bubble-{bubble.avatar_id}")
        self.holder.set_billboard_point_eye()
        # Over walls and tags alike: a bubble is read, not placed in the room.
        self.card = TextCard(self.holder, _bubble_text(bubble.text), fg=BUBBLE_TEXT,
                             bg=BUBBLE_COLOURS.get(bubble.channel, BUBBLE_COLOURS["nearby"]), scale=BUBBLE_SCALE,
                             margin=(0.5, 0.5, 0.3, 0.25), depth_test=False, name=f"bubble-{bubble.avatar_id}",
                             order=float_order(BUBBLE_LAYER, 0.0))
        # Stand the card's bottom edge on the holder's origin, whatever the number of rows.
        self.card.root.set_z(-self.card.bottom)

    def place(self) -> None:
        tag = self.view.tag
        # Above the name tag (its first line is at the tag's anchor), growing with distance as it does.
        s = tag.get_sx()
        self.holder.set_z(tag.get_z() + BUBBLE_LIFT_M * s)
        self.holder.set_scale(s)
        self.card.set_order(float_order(BUBBLE_LAYER, self.view.eye_distance_m))
        # Where a tag is hidden (yours with the camera close) its bubble would cover the view too.
        if tag.is_hidden() != self.holder.is_hidden():
            (self.holder.hide if tag.is_hidden() else self.holder.show)()

    def alive(self) -> bool:
        return not self.holder.is_empty() and not self.view.root.is_empty()

    def destroy(self) -> None:
        if not self.holder.is_empty():
            self.holder.remove_node()


class BubbleLayer:
    """One bubble per speaker in sight, rebuilt when the line or the avatar's view changes."""

    def __init__(self, avatars: AvatarLayer) -> None:
        self.avatars = avatars
        self.views: dict[int, _BubbleView] = {}

    def update(self, bubbles: list[Bubble]) -> None:
        wanted = {b.avatar_id: b for b in bubbles}
        for avatar_id in list(self.views):
            bv = self.views[avatar_id]
            entry = self.avatars.views.get(avatar_id)
            if (avatar_id not in wanted or entry is None or entry[0] is not bv.view or not bv.alive()
                    or wanted[avatar_id] != bv.bubble):
                bv.destroy()
                del self.views[avatar_id]
        for avatar_id, bubble in wanted.items():
            entry = self.avatars.views.get(avatar_id)
            if entry is None:
                continue  # out of sight: the log has the line
            if avatar_id not in self.views:
                self.views[avatar_id] = _BubbleView(entry[0], bubble)
            self.views[avatar_id].place()

    def anchor(self, avatar_id: int) -> NodePath | None:
        """The node at the bottom centre of an avatar's bubble (tests project it to pixels)."""
        bv = self.views.get(avatar_id)
        return bv.holder if bv is not None and bv.alive() else None

    def card(self, avatar_id: int) -> TextCard | None:
        """An avatar's bubble card, while it shows (tests find its pixels)."""
        bv = self.views.get(avatar_id)
        return bv.card if bv is not None and bv.alive() and not bv.holder.is_hidden() else None

    def clear(self) -> None:
        for bv in self.views.values():
            bv.destroy()
        self.views.clear()


def emote_pose(emote: str, t: float) -> dict[str, float]:
    """Degrees for the arms and body at progress `t` in [0, 1] of an emote.

    Keys: `right_r`, `right_p`, `left_r`, `left_p` (roll lifts an arm sideways, pitch forward)
    and `body_p` (a bow). The envelope eases in and out so the pose returns to rest."""
    t = min(1.0, max(0.0, t))
    env = min(1.0, t / 0.18, (1.0 - t) / 0.18)
    env = env * env * (3 - 2 * env)  # smoothstep
    pose = {"right_r": 0.0, "right_p": 0.0, "left_r": 0.0, "left_p": 0.0, "body_p": 0.0}
    if emote == "wave":
        pose["right_r"] = -(150.0 + 22.0 * math.sin(t * 2 * math.pi * 4)) * env
    elif emote == "raise_hand":
        pose["right_r"] = -168.0 * env
    elif emote == "applaud":
        clap = (1 + math.sin(t * 2 * math.pi * 6)) / 2
        pose["right_p"] = pose["left_p"] = 75.0 * env
        pose["right_r"] = 28.0 * clap * env
        pose["left_r"] = -28.0 * clap * env
    elif emote == "nod":
        pose["body_p"] = -9.0 * abs(math.sin(t * 2 * math.pi * 1.5)) * env
    return pose


class EmoteAnimator:
    """Plays emotes on avatar views; an avatar whose emote is over is put back at rest."""

    def __init__(self, avatars: AvatarLayer) -> None:
        self.avatars = avatars
        self.playing: dict[int, AvatarView] = {}

    def update(self, emotes: list[EmotePlay], now_ms: float) -> None:
        active = {e.avatar_id: e for e in emotes}
        for avatar_id in [a for a in self.playing if a not in active]:
            self._rest(self.playing.pop(avatar_id))
        for avatar_id, play in active.items():
            entry = self.avatars.views.get(avatar_id)
            if entry is None:
                continue
            view = entry[0]
            if self.playing.get(avatar_id) is not view:
                self.playing[avatar_id] = view
            self._pose(view, emote_pose(play.emote, play.progress(now_ms)))

    @staticmethod
    def _pose(view: AvatarView, pose: dict[str, float]) -> None:
        if view.root.is_empty():
            return
        left, right = view.arms
        right.set_hpr(0.0, pose["right_p"], -pose["right_r"])
        left.set_hpr(0.0, pose["left_p"], pose["left_r"])
        view.body.set_p(pose["body_p"])

    def _rest(self, view: AvatarView) -> None:
        self._pose(view, emote_pose("", 0.0))


class AnnouncementBanner:
    """A gold banner across the top while an announcement lasts."""

    def __init__(self, base, *, lang: str) -> None:
        self.lang = lang
        self.frame = theme_for(base).frame("top_center", frameColor=(0.55, 0.36, 0.05, 0.92),
                                           frameSize=(-0.9, 0.9, -0.13, 0.0), pos=(0, 0, -0.17), sortOrder=8)
        self.title = OnscreenText(parent=self.frame, text="", pos=(0, -0.045), scale=0.034, fg=(1.0, 0.9, 0.6, 1),
                                  align=TextNode.A_center, mayChange=True)
        self.body = OnscreenText(parent=self.frame, text="", pos=(0, -0.095), scale=0.042, fg=(1, 1, 1, 1),
                                 align=TextNode.A_center, mayChange=True, wordwrap=44)
        self.frame.hide()
        self._shown: Banner | None = None

    def set_lang(self, lang: str) -> None:
        self.lang = lang
        self._shown = None

    def update(self, banner: Banner | None) -> None:
        if banner == self._shown:
            return
        self._shown = banner
        if banner is None:
            self.frame.hide()
            return
        self.title.setText(i18n.t("chat.announce_banner", self.lang, name=banner.name))
        self.body.setText(banner.text)
        self.frame.show()

    def destroy(self) -> None:
        self.frame.destroy()


class ModerationDialog:
    """What a moderator did to you, with the reason and for how long, until closed or faded."""

    def __init__(self, base, *, lang: str, on_close: Callable[[], None]) -> None:
        self.lang = lang
        self.frame = theme_for(base).frame("center", frameColor=(0.45, 0.06, 0.08, 0.94),
                                           frameSize=(-0.75, 0.75, -0.2, 0.2), pos=(0, 0, 0.35), sortOrder=30)
        self.text = OnscreenText(parent=self.frame, text="", pos=(0, 0.075), scale=0.045, fg=(1, 1, 1, 1),
                                 align=TextNode.A_center, mayChange=True, wordwrap=30)
        self.close = DirectButton(parent=self.frame, text=i18n.t("mod.ok", lang), text_scale=0.04,
                                  text_pos=(0, -0.013), frameSize=(-0.12, 0.12, -0.035, 0.045), pos=(0, 0, -0.11),
                                  relief=DGG.FLAT,
                                  frameColor=((0.9, 0.9, 0.9, 1), (1, 1, 1, 1), (0.8, 0.8, 0.8, 1), (0.5, 0.5, 0.5, 1)),
                                  command=on_close)
        self.frame.hide()
        self._shown: tuple | None = None

    def set_lang(self, lang: str) -> None:
        self.lang = lang
        self.close["text"] = i18n.t("mod.ok", lang)
        self._shown = None

    def update(self, notice: ModerationNotice | None) -> None:
        key = (notice, self.lang)
        if key == self._shown:
            return
        self._shown = key
        if notice is None:
            self.frame.hide()
            return
        self.text.setText(notice.text(self.lang))
        self.frame.show()

    def destroy(self) -> None:
        self.frame.destroy()
