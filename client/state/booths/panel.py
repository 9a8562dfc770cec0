"""The booth panel's model: every booth's live state (open, clerks, waiting), the content each
panel shows (fetched once, again when staff change it), and which panel is open."""

from __future__ import annotations

from makaverse.protocol import BoothInfo, BoothInfoGet, BoothState
from makaverse.world import Booth

from .link import Link

__all__ = ["BoothPanelModel"]


class BoothPanelModel:
    def __init__(self, link: Link) -> None:
        self.link = link
        self.states: dict[str, BoothState] = {}
        self.infos: dict[str, BoothInfo] = {}
        self.opd = ""  # the booth whose panel is open
        self.error = ""
        self._asked_info: set[str] = set()

    # ── facts ────────────────────────────────────────────────────────────────
    def booth(self, opd: str) -> Booth | None:
        return self.link.world.booth(opd)

    def booth_name(self, opd: str) -> str:
        info = self.infos.get(opd)
        if info is not None:
            return info.short_name
        b = self.link.world.booth(opd)
        return b.name if b is not None else opd

    def is_open(self, opd: str) -> bool:
        s = self.states.get(opd)
        return bool(s and s.open)

    # ── commands ─────────────────────────────────────────────────────────────
    def open(self, opd: str) -> None:
        self.opd = opd
        self.error = ""
        self.link.rev["panel"] += 1
        self.fetch_info(opd)

    def close(self) -> None:
        self.opd = ""
        self.link.rev["panel"] += 1

    def fetch_info(self, opd: str) -> None:
        self._asked_info.add(opd)
        self.link.send(self, "info", lambda rid: BoothInfoGet(request_id=rid, opd=opd), opd)

    def want_info(self, opd: str) -> None:
        """Fetch a booth's content once (service and field names for request lists)."""
        if opd and opd not in self.infos and opd not in self._asked_info and self.link.world.booth(opd) is not None:
            self.fetch_info(opd)

    def show_error(self, code: str) -> None:
        """A command about the open booth (its content, a number) was refused: the panel says why."""
        self.error = code
        self.link.rev["panel"] += 1

    def clear_error(self) -> None:
        self.error = ""
        self.link.rev["panel"] += 1

    # ── messages in ──────────────────────────────────────────────────────────
    def on_welcome(self) -> None:
        self._asked_info = set(self.infos)
        self.link.rev["panel"] += 1
        if self.opd:
            self.fetch_info(self.opd)

    def on_error(self, kind: str, context: object, code: str, now_ms: float) -> None:
        if self.opd:
            self.show_error(code)
        else:
            self.link.toast(f"error.{code}", now_ms, "bad")

    def on_state(self, msg: BoothState, now_ms: float) -> None:
        self.states[msg.opd] = msg
        self.link.rev["state"] += 1
        info = self.infos.get(msg.opd)
        if msg.opd == self.opd and info is not None and msg.info_version > info.info_version:
            self.fetch_info(msg.opd)  # staff changed the content: the open panel follows

    def on_info(self, msg: BoothInfo, now_ms: float) -> None:
        self.infos[msg.opd] = msg
        self.states[msg.opd] = BoothState(opd=msg.opd, open=msg.open, staff=msg.staff, waiting=msg.waiting,
                                          est_wait_s=msg.est_wait_s, info_version=msg.info_version)
        if msg.opd == self.opd:
            self.error = ""
        self.link.rev["info"] += 1
        self.link.rev["state"] += 1
