""""Take me there" and "you are entering ...", with no Panda3D.

`Guide` plans a walk with `world.pathfind` and hands the session an `Autopilot` that sends the
same intents a player would (the server stays authoritative: no teleport). It notices when the
walk ends: arrived, or stopped because the player pressed a movement key (the session drops the
autopilot then). `ZoneAnnouncer` turns zone changes into one line of text for the HUD, naming a
booth by its acronym and full agency name.
"""

from __future__ import annotations

import math

from makaverse.world import World
from makaverse.world.pathfind import Pathfinder

from .. import i18n
from .autopilot import Autopilot
from .directory import Directory

__all__ = ["Guide", "ZoneAnnouncer", "LINE_MS"]

LINE_MS = 6000.0  # how long "arrived", "stopped" and zone lines stay on screen


class Guide:
    def __init__(self, world: World, *, finder: Pathfinder | None = None) -> None:
        self.world = world
        self._finder = finder
        self.autopilot: Autopilot | None = None
        self.name = ""
        self.status = "idle"  # idle | walking | arrived | stopped | no_path | not_in_world
        self.status_at_ms = 0.0
        self.path: list[tuple[float, float]] = []

    @property
    def finder(self) -> Pathfinder:
        if self._finder is None:
            self._finder = Pathfinder(self.world)  # built on first use: a few tenths of a second
        return self._finder

    def start(self, here: tuple[float, float], spot: tuple[float, float], facing_deg: float | None, name: str,
              now_ms: float) -> Autopilot | None:
        """Plan from `here` to `spot`; the autopilot to give the session, or None (no path)."""
        self.name, self.status_at_ms = name, now_ms
        path = self.finder.find(here, spot)
        if path is None:
            self.status, self.autopilot, self.path = "no_path", None, []
            return None
        self.path = path
        face = math.radians(facing_deg) % (2 * math.pi) if facing_deg is not None else None
        self.autopilot = Autopilot(list(path[1:]) or [path[0]], face=face)
        self.status = "walking"
        return self.autopilot

    def update(self, session_autopilot: Autopilot | None, arrived: bool, now_ms: float) -> str:
        """Call once a frame with the session's autopilot and `session.autopilot_done`; returns the
        status when it changed this call ("arrived" or "stopped"), else ""."""
        if self.status != "walking":
            return ""
        if session_autopilot is not self.autopilot:
            self.status = "stopped"  # a movement key (or another walk) took over
        elif arrived:
            self.status = "arrived"
        else:
            return ""
        self.autopilot = None
        self.status_at_ms = now_ms
        return self.status

    def cancel(self, now_ms: float) -> None:
        if self.status == "walking":
            self.status, self.autopilot, self.status_at_ms = "stopped", None, now_ms

    def line(self, lang: str, now_ms: float) -> str:
        if self.status == "walking":
            return i18n.t("guide.walking", lang, name=self.name)
        if self.status in ("arrived", "stopped", "no_path", "not_in_world") and now_ms - self.status_at_ms < LINE_MS:
            return i18n.t(f"guide.{self.status}", lang, name=self.name)
        return ""


class ZoneAnnouncer:
    """Says, once, which zone you just walked into."""

    def __init__(self, world: World, directory: Directory) -> None:
        self.world = world
        self.directory = directory
        self.zone_id: str | None = None
        self.at_ms = -math.inf

    def observe(self, zone_id: str | None, now_ms: float) -> bool:
        """The zone you stand in now ("" or None: none). True when it changed (a new line)."""
        zone_id = zone_id or None
        if zone_id == self.zone_id:
            return False
        self.zone_id = zone_id
        if zone_id is None:
            return False
        self.at_ms = now_ms
        return True

    def zone_name(self, zone_id: str, lang: str) -> str:
        if zone_id.startswith("booth:"):
            agency = self.directory.agency(zone_id.split(":", 1)[1])
            if agency is not None:
                return i18n.t("zone.booth", lang, acronym=agency.acronym, name=agency.name(lang))
        zone = self.world.zone(zone_id)
        return zone.name(lang) if zone is not None else zone_id

    def line(self, lang: str, now_ms: float) -> str:
        if self.zone_id is None or now_ms - self.at_ms >= LINE_MS:
            return ""
        return i18n.t("zone.entered", lang, name=self.zone_name(self.zone_id, lang))
