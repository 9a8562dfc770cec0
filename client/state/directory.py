"""The Balai Kota directory with no Panda3D: who serves what, where, and the search that turns a
citizen's words ("KTP", "akta", "pajak", "school bus") into the right booth.

`Directory` is the data (`directory.toml`: every OPD by full name and acronym, its services, the
places that are not booths, the words people use for each in both languages). `search()` ranks
entries against a query. `DirectoryModel` is what the panel shows: the query, the rows, the
selected row, today's events (they plug in through `set_events`; the auditorium is listed
whether or not any are known) and where "Take me there" should walk.

Pure: `parse_directory` takes the parsed TOML; only `load_directory` reads a file.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from makaverse.assets import beside_program
from makaverse.world import World

__all__ = [
    "DIRECTORY_FILE",
    "Service",
    "Agency",
    "Place",
    "Event",
    "Directory",
    "Hit",
    "Row",
    "DirectoryModel",
    "parse_directory",
    "load_directory",
    "shared_directory",
    "tokens",
    "search",
    "near_information_desk",
]

DIRECTORY_FILE = beside_program("directory.toml", Path(__file__).with_name("directory.toml"))
INFORMATION_DESK = "reception-desk"  # the solid in the world file where the directory lives
DESK_REACH_M = 1.6

# Scores: a query word that is a whole synonym outweighs one that is part of a longer phrase or
# of a name, so "pajak" finds the tax agency before each tax service that mentions "pajak".
_WHOLE, _PART, _PREFIX, _PHRASE_BONUS = 4, 2, 1, 2
_STOP = frozenset("dan di ke dari untuk atau yang the of and a an for to at in".split())


def tokens(text: str) -> list[str]:
    """Lowercase words without accents or apostrophes ("Dottoro'ta" -> "dottorota")."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"['’`]", "", text)
    return [w for w in re.split(r"[^0-9a-z]+", text) if w]


def _phrases(words: Iterable[str]) -> tuple[tuple[str, ...], ...]:
    return tuple(t for t in (tuple(tokens(w)) for w in words) if t)


@dataclass(frozen=True, slots=True)
class Service:
    code: str
    name_id: str
    name_en: str
    words: tuple[tuple[str, ...], ...]

    def name(self, lang: str) -> str:
        return self.name_en if lang == "en" else self.name_id


@dataclass(frozen=True, slots=True)
class Agency:
    code: str
    acronym: str
    name_id: str
    name_en: str
    services: tuple[Service, ...]
    words: tuple[tuple[str, ...], ...]

    def name(self, lang: str) -> str:
        return self.name_en if lang == "en" else self.name_id


@dataclass(frozen=True, slots=True)
class Place:
    id: str
    zone: str
    spot: tuple[float, float]
    name_id: str
    name_en: str
    detail_id: str
    detail_en: str
    words: tuple[tuple[str, ...], ...]

    def name(self, lang: str) -> str:
        return self.name_en if lang == "en" else self.name_id

    def detail(self, lang: str) -> str:
        return self.detail_en if lang == "en" else self.detail_id


@dataclass(frozen=True, slots=True)
class Event:
    """Something on today's programme; `place` is a `Place.id` (the auditorium, usually)."""

    id: str
    title_id: str
    title_en: str
    starts_ms: int
    ends_ms: int
    place: str = "auditorium"

    def title(self, lang: str) -> str:
        return self.title_en if lang == "en" else self.title_id


@dataclass(frozen=True)
class Directory:
    agencies: tuple[Agency, ...]
    places: tuple[Place, ...]

    def agency(self, code: str) -> Agency | None:
        return next((a for a in self.agencies if a.code == code), None)

    def place(self, place_id: str) -> Place | None:
        return next((p for p in self.places if p.id == place_id), None)


def parse_directory(data: Mapping[str, Any]) -> Directory:
    """The directory from the parsed TOML (raises KeyError/ValueError on a malformed entry)."""
    agencies = []
    for o in data.get("opd", []):
        services = tuple(
            Service(code=s["code"], name_id=s["name_id"], name_en=s["name_en"],
                    words=_phrases([*s.get("words_id", []), *s.get("words_en", [])]))
            for s in o.get("service", [])
        )
        agencies.append(Agency(code=o["code"], acronym=o["acronym"], name_id=o["name_id"], name_en=o["name_en"],
                               services=services, words=_phrases([*o.get("words_id", []), *o.get("words_en", [])])))
    places = []
    for p in data.get("place", []):
        x, y = (float(v) for v in p["spot"])
        places.append(Place(id=p["id"], zone=p["zone"], spot=(x, y), name_id=p["name_id"], name_en=p["name_en"],
                            detail_id=p.get("detail_id", ""), detail_en=p.get("detail_en", ""),
                            words=_phrases([*p.get("words_id", []), *p.get("words_en", [])])))
    codes = [a.code for a in agencies]
    if len(set(codes)) != len(codes):
        raise ValueError("an OPD is listed twice in the directory")
    return Directory(tuple(agencies), tuple(places))


def load_directory(path: Path | str | None = None) -> Directory:
    with open(path or DIRECTORY_FILE, "rb") as f:
        return parse_directory(tomllib.load(f))


@lru_cache(maxsize=1)
def shared_directory() -> Directory:
    """The shipped directory, read once (signs, panels and the directory panel share it)."""
    return load_directory()


# ── search ───────────────────────────────────────────────────────────────────
@dataclass(frozen=True, slots=True)
class Hit:
    """One search result: an OPD (with one of its services, when a service matched best), a
    place, or an event. `opd` is the booth to walk to; a place or an event names its place."""

    kind: str  # "opd" | "service" | "place" | "event"
    score: int
    opd: str = ""
    service: str = ""
    place: str = ""
    event: str = ""


def _score(query: list[str], phrases: Iterable[tuple[str, ...]], names: Iterable[str]) -> int:
    phrases = tuple(phrases)
    whole = {p[0] for p in phrases if len(p) == 1}
    part = {t for p in phrases if len(p) > 1 for t in p} | {t for n in names for t in tokens(n) if t not in _STOP}
    known = whole | part
    score = 0
    for q in query:
        if q in whole:
            score += _WHOLE
        elif q in part:
            score += _PART
        elif len(q) >= 3 and any(k.startswith(q) for k in known):
            score += _PREFIX  # typing is still under way: "akt" finds "akta"
    joined = f" {' '.join(query)} "
    score += sum(_PHRASE_BONUS for p in phrases if len(p) > 1 and f" {' '.join(p)} " in joined)
    return score


def search(directory: Directory, query: str, *, events: Iterable[Event] = ()) -> list[Hit]:
    """Entries matching `query` (either language), best first; an OPD appears once, with its
    best-matching service when a service matched better than the agency itself."""
    q = [t for t in tokens(query) if t not in _STOP] or tokens(query)
    if not q:
        return []
    hits: list[Hit] = []
    for a in directory.agencies:
        own = _score(q, a.words + ((a.code.lower(),), (a.acronym.lower(),)), [a.name_id, a.name_en])
        best = max(((_score(q, s.words, [s.name_id, s.name_en]), s.code) for s in a.services), default=(0, ""))
        score = max(own, best[0]) + min(own, best[0]) // 2  # "pajak rumah": a tax service at the tax office
        if best[0] >= _WHOLE:
            # A service matched a whole synonym or phrase: point at it, not only at its agency.
            hits.append(Hit("service", score, opd=a.code, service=best[1]))
        elif score > 0:
            hits.append(Hit("opd", score, opd=a.code))
    for p in directory.places:
        s = _score(q, p.words, [p.name_id, p.name_en])
        if s > 0:
            hits.append(Hit("place", s, place=p.id))
    for e in events:
        s = _score(q, (), [e.title_id, e.title_en])
        if s > 0:
            hits.append(Hit("event", s, place=e.place, event=e.id))
    order = {"service": 0, "opd": 1, "event": 2, "place": 3}
    hits.sort(key=lambda h: (-h.score, order[h.kind]))
    return hits


def near_information_desk(world: World, x: float, y: float) -> bool:
    """Whether someone at (x, y) stands at the Informasi desk (E there opens the directory)."""
    desk = next((s for s in world.solids if s.id == INFORMATION_DESK), None)
    if desk is None:
        return False
    b = desk.box
    dx = max(b.xmin - x, 0.0, x - b.xmax)
    dy = max(b.ymin - y, 0.0, y - b.ymax)
    return dx * dx + dy * dy <= DESK_REACH_M * DESK_REACH_M


# ── what the panel shows ─────────────────────────────────────────────────────
@dataclass(frozen=True, slots=True)
class Row:
    """One line of the directory panel: a heading, a second line, and where it leads."""

    kind: str  # "opd" | "place" | "event"
    title: str
    detail: str
    opd: str = ""
    place: str = ""
    service: str = ""
    is_open: bool | None = None  # a booth's counter: open, closed, or not known yet


@dataclass
class DirectoryModel:
    """The directory panel's state. Widgets read `rows()`; keys call `type`, `move`, `choose`."""

    directory: Directory
    world: World
    lang: str = "id"
    is_open_fn: Callable[[str], bool | None] = field(default=lambda opd: None)
    open: bool = False
    query: str = ""
    selected: int = 0
    events: tuple[Event, ...] = ()
    rev: int = 0  # bumped on every change a widget must redraw

    # ── opening and typing ───────────────────────────────────────────────────
    def show(self) -> None:
        self.open, self.selected = True, 0
        self.rev += 1

    def hide(self) -> None:
        if self.open:
            self.open = False
            self.rev += 1

    def toggle(self) -> None:
        self.hide() if self.open else self.show()

    def set_query(self, text: str) -> None:
        if text != self.query:
            self.query, self.selected = text, 0
            self.rev += 1

    def set_events(self, events: Iterable[Event]) -> None:
        """Today's events, from whatever service announces them (none is fine)."""
        self.events = tuple(sorted(events, key=lambda e: e.starts_ms))
        self.rev += 1

    def move(self, delta: int) -> None:
        n = len(self.rows())
        if n:
            self.selected = (self.selected + delta) % n
            self.rev += 1

    # ── rows ─────────────────────────────────────────────────────────────────
    def _agency_row(self, code: str, service: str = "") -> Row:
        a = self.directory.agency(code)
        assert a is not None
        lang = self.lang
        if service:
            s = next(s for s in a.services if s.code == service)
            detail = s.name(lang)
        else:
            detail = "; ".join(s.name(lang) for s in a.services)
        return Row("opd", f"{a.acronym} — {a.name(lang)}", detail, opd=a.code, service=service,
                   is_open=self.is_open_fn(a.code))

    def _place_row(self, place_id: str) -> Row:
        p = self.directory.place(place_id)
        assert p is not None
        return Row("place", p.name(self.lang), p.detail(self.lang), place=p.id)

    def _event_row(self, event: Event, clock: Callable[[int], str]) -> Row:
        p = self.directory.place(event.place)
        where = p.name(self.lang) if p is not None else event.place
        return Row("event", event.title(self.lang), f"{clock(event.starts_ms)}–{clock(event.ends_ms)}, {where}",
                   place=event.place)

    def rows(self, clock: Callable[[int], str] = lambda ms: f"{ms // 3_600_000 % 24:02d}:{ms // 60_000 % 60:02d}"
             ) -> list[Row]:
        """What the panel lists: everything (agencies, then places with today's events under the
        auditorium) when the query is empty, else the search hits best first. `clock` turns an
        event's epoch milliseconds into a time of day (the UI passes local time)."""
        if not self.query.strip():
            out = [self._agency_row(a.code) for a in self.directory.agencies]
            for p in self.directory.places:
                out.append(self._place_row(p.id))
                out += [self._event_row(e, clock) for e in self.events if e.place == p.id]
            return out
        out = []
        for h in search(self.directory, self.query, events=self.events):
            if h.kind in ("opd", "service"):
                out.append(self._agency_row(h.opd, h.service))
            elif h.kind == "place":
                out.append(self._place_row(h.place))
            else:
                event = next(e for e in self.events if e.id == h.event)
                out.append(self._event_row(event, clock))
        return out

    def current(self) -> Row | None:
        rows = self.rows()
        return rows[self.selected] if 0 <= self.selected < len(rows) else None

    # ── where "Take me there" goes ───────────────────────────────────────────
    def destination(self, row: Row) -> tuple[tuple[float, float], float | None, str] | None:
        """(spot, facing in degrees or None, name) for a row: the middle of a booth's service zone,
        facing its counter, or a place's spot."""
        if row.opd:
            booth = self.world.booth(row.opd)
            a = self.directory.agency(row.opd)
            if booth is None or a is None:
                return None
            # The clerk looks along the booth's facing; a citizen looks back at the clerk.
            return booth.zone.centre, (booth.facing_deg + 180.0) % 360.0, a.acronym
        p = self.directory.place(row.place)
        if p is None:
            return None
        return p.spot, None, p.name(self.lang)
