"""Scripted chat for tests and screenshots: `--say TEXT` types a line (or a /command) once in
the world, after a `--walk`, and with `--say-near M` once someone (`--near-name NAME`: that
person) is within M metres; `--emote NAME` plays one emote then; `--wait-chat N` makes a
screenshot wait until N lines (chat, announcements, direct messages) have arrived;
`--show-login` pictures the login screen. The summary says what the login screen, the chat
box and the bubbles show, and where.
"""

from __future__ import annotations

import argparse
import math
from typing import Any

from makaverse.client.net.events import monotonic_ms
from makaverse.client.state.auth_state import AuthPhase, role_label
from makaverse.client.state.chat_state import HEARD_KINDS, ChatState
from makaverse.client.state.keymap import key_of
from makaverse.protocol import Emote, ErrorCode

from .screenshot import ScriptedShot

__all__ = ["ChatScript"]

# The server's final word on a login or registration: asking again gets the same answer, so a
# picture need not wait out `--wait` for a welcome that cannot come.
FINAL_REFUSALS = frozenset({ErrorCode.BAD_CREDENTIALS, ErrorCode.USERNAME_TAKEN, ErrorCode.INVALID_USERNAME,
                            ErrorCode.WEAK_PASSWORD, ErrorCode.BANNED})


class ChatScript:
    """Drives the client's `SocialLayer` (`app.social`) as a player would, once a frame."""

    def __init__(self, app: Any, args: argparse.Namespace) -> None:
        self.app = app
        self.social = app.social
        self.say: list[str] = list(getattr(args, "say", None) or ())
        self.say_near_m: float | None = getattr(args, "say_near", None)
        self.near_name: str | None = getattr(args, "near_name", None)
        self.emote: str | None = getattr(args, "emote", None)
        self.wait_chat = int(getattr(args, "wait_chat", 0) or 0)
        self.fold = bool(getattr(args, "fold_chat", False))
        self.until_in_world = bool(getattr(args, "until_in_world", False))
        self.said = False
        shot = app.shot
        if isinstance(shot, ScriptedShot):
            self._hook(shot, show_login=bool(getattr(args, "show_login", False)))

    def step(self) -> None:
        if self.fold and self.social.in_world and self.social.chat_box.shown:
            self.fold = False
            self.app.base.messenger.send(key_of("chat_fold"))  # as the key would
        if not self.social.in_world or self.said or not (self.say or self.emote):
            return
        if not self.app.session.autopilot_done:
            return
        if self.say_near_m is not None and not self._someone_within(float(self.say_near_m), self.near_name):
            return
        self.said = True
        for line in self.say:
            self.social.submit(line)
        if self.emote:
            self.app.net.send(Emote(emote=self.emote))

    def _someone_within(self, radius_m: float, name: str | None = None) -> bool:
        session = self.app.session
        own = session.own_pose()
        if own is None:
            return False
        for avatar, pose in session.others(monotonic_ms()):
            if name and (avatar.facts is None or avatar.facts.name != name):
                continue
            if math.hypot(pose.x - own.x, pose.y - own.y) <= radius_m:
                return True
        return False

    def _hook(self, shot: ScriptedShot, *, show_login: bool) -> None:
        social = self.social
        if show_login and not self.until_in_world:
            frames = {"n": 0}

            def login_ready() -> bool:
                frames["n"] += 1  # a few frames after connecting, so the status line says so
                return bool(social.flow.connected and social.login.shown and frames["n"] > 5)

            shot.ready_when = login_ready
        refused = {"n": 0}

        def refused_on_the_form() -> bool:
            flow = social.flow
            if flow.phase is AuthPhase.CHOOSING and flow.error is not None and flow.error.code in FINAL_REFUSALS:
                refused["n"] += 1  # a few frames, so the form shows the refusal
            else:
                refused["n"] = 0
            return refused["n"] > 5

        shot.nothing_more_when.append(refused_on_the_form)
        if self.wait_chat:
            shot.also_wait_for.append(lambda: self.heard() >= self.wait_chat)
        if (self.say or self.emote) and shot.plan.path:
            # Picture after saying, and after every command was answered (a direct message stored, …).
            # Without a picture (a speaker in a test) "ready" means arrived: it may wait for listeners.
            shot.also_wait_for.append(lambda: self.said and not social.chat.awaiting_replies())
        shot.summary_parts["social"] = lambda: self.summary(shot)

    def heard(self) -> int:
        return sum(1 for line in self.social.chat.lines if line.kind in HEARD_KINDS)

    def summary(self, shot: ScriptedShot) -> dict[str, object]:
        social = self.social
        chat, flow, lang = social.chat, social.flow, social.lang
        welcome = self.app.session.mirror.welcome
        bubbles = []
        for avatar_id, bubble in sorted(chat.bubbles.items()):
            anchor = social.bubbles.anchor(avatar_id)
            px = None
            if anchor is not None:
                p = anchor.get_pos(self.app.base.render)
                px = shot.screen_point(p.x, p.y, p.z)
            card = social.bubbles.card(avatar_id)
            bubbles.append({"avatar_id": avatar_id, "text": bubble.text, "channel": bubble.channel, "anchor_px": px,
                            "card_px": shot.rect_px(card.card) if card is not None else None})
        return {
            "phase": flow.phase.value,
            "who": flow.who,
            "role": welcome.role if welcome else None,
            "role_label": role_label(welcome.role, welcome.opd, lang) if welcome else None,
            "error": flow.error.code if flow.error else None,
            "error_text": flow.error.text(lang) if flow.error else None,
            "login_shown": social.login.shown,
            "login_px": social.login.box_px(),
            "chat_shown": social.chat_box.shown,
            "chat_folded": chat.collapsed,
            "chat_px": social.chat_box.box_px(),
            "chat_log_px": social.chat_box.log_box_px(),
            "chat_lines": [_plain(chat, line, lang) for line in chat.lines],
            "unread_dm": chat.unread_dm,
            "bubbles": bubbles,
            "banner": chat.banner.text if chat.banner else None,
            "muted": sorted(chat.lists.muted),
            "said": self.said,
        }


def _plain(chat: ChatState, line: Any, lang: str) -> str:
    return "".join(text for text, _ in chat.segments(line, lang))
