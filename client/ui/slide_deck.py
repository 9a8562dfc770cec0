"""A slide deck read from files for the host console: a folder (its PNG, JPEG and Markdown `.md`
files in name order) or files separated by `;`. Every file is checked with the rules the server
applies (`protocol/slides.py`) before any slide is sent, so a bad deck sends nothing and the
host reads, in their language, which file is wrong and why.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from makaverse.protocol.events import MAX_SLIDE_BYTES
from makaverse.protocol.slides import MAX_DECK, SlideRefusal, check_slide

__all__ = ["DeckSlide", "DeckProblem", "read_deck", "SLIDE_SUFFIXES"]

SLIDE_SUFFIXES = {".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".md": "markdown", ".markdown": "markdown"}


@dataclass(frozen=True, slots=True)
class DeckSlide:
    name: str
    kind: str  # png | jpeg | markdown
    data: bytes = b""
    text: str = ""


@dataclass(frozen=True, slots=True)
class DeckProblem:
    """`key` is a `deck.` translation key; `name` the file it is about ('' for the deck)."""

    key: str
    name: str = ""


def _paths(spec: str) -> tuple[list[Path], list[DeckProblem]]:
    paths: list[Path] = []
    problems: list[DeckProblem] = []
    for part in (p.strip() for p in spec.split(";")):
        if not part:
            continue
        path = Path(part).expanduser()
        if path.is_dir():
            found = sorted((p for p in path.iterdir() if p.suffix.lower() in SLIDE_SUFFIXES and p.is_file()),
                           key=lambda p: p.name.lower())
            if not found:
                problems.append(DeckProblem("deck.empty_folder", path.name or str(path)))
            paths.extend(found)
        elif path.is_file():
            paths.append(path)
        else:
            problems.append(DeckProblem("deck.not_found", part))
    return paths, problems


def read_deck(spec: str, *, room: int = MAX_DECK) -> tuple[list[DeckSlide], list[DeckProblem]]:
    """The slides of `spec` (a folder, or files separated by ';'), or the problems: when there is
    any problem, no slides (a deck goes whole or not at all). `room`: slides the event can still take."""
    if not spec.strip():
        return [], [DeckProblem("deck.no_path")]
    paths, problems = _paths(spec)
    slides: list[DeckSlide] = []
    for path in paths:
        name = path.name
        kind = SLIDE_SUFFIXES.get(path.suffix.lower())
        if kind is None:
            problems.append(DeckProblem("deck.unknown_kind", name))
            continue
        try:
            with path.open("rb") as f:
                raw = f.read(MAX_SLIDE_BYTES + 1)
        except OSError:
            problems.append(DeckProblem("deck.unreadable", name))
            continue
        text = ""
        if kind == "markdown":
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                problems.append(DeckProblem("deck.not_text", name))
                continue
        try:
            checked = check_slide(kind, data=b"" if kind == "markdown" else raw, text=text)
        except SlideRefusal as refusal:
            code = refusal.code.value
            problems.append(DeckProblem({"slide_too_large": "deck.too_large", "not_an_image": "deck.not_image"}
                                        .get(code, "deck.bad_card" if kind == "markdown" else "deck.not_image"), name))
            continue
        slides.append(DeckSlide(name, checked.kind, checked.data, checked.text))
    if not problems and not slides:
        problems.append(DeckProblem("deck.no_slides"))
    if len(slides) > room:
        problems.append(DeckProblem("deck.too_many"))
    return ([] if problems else slides), problems
