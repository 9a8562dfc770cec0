"""What the screen above the stage shows, laid out without Panda3D: a Markdown slide as a text
card (a title, then paragraphs, headings and bullets wrapped to the card's width), a poll as a
bar chart (one bar per option, its length in proportion to its votes), and where the slide,
the chart and the latest stage line go on the screen.

Lengths are in the screen's own units (metres on the screen face); text widths are estimated
in characters of an average glyph width, so the scene only scales what is laid out here.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass

from makaverse.world import World

__all__ = [
    "CardLine",
    "layout_card",
    "ChartRow",
    "Chart",
    "poll_chart",
    "Rect",
    "ScreenLayout",
    "screen_layout",
    "CARD_SIZES",
    "GLYPH_WIDTH",
    "SCREEN_W",
    "SCREEN_H",
    "BOTTOM_ABOVE_STAGE_M",
    "FRONT_OF_WALL_M",
    "ScreenFace",
    "screen_face",
]

# The screen over the stage, in metres: centred on the stage, hung in front of its back wall.
SCREEN_W = 16.0
SCREEN_H = 4.6
BOTTOM_ABOVE_STAGE_M = 2.15  # clear of the heads of people on the stage, over the motto
FRONT_OF_WALL_M = 0.35

# Text height of each kind of line, as a share of the card's height.
CARD_SIZES = {"title": 0.12, "heading": 0.09, "text": 0.078, "bullet": 0.078}
GLYPH_WIDTH = 0.5  # an average glyph's advance, as a share of the text height
LINE_GAP = 1.3  # line pitch, in text heights
BLOCK_GAP = 0.45  # extra space between blocks, in text heights
BULLET_INDENT = 1.6  # a bullet's text starts this many text heights in

_INLINE = re.compile(r"(\*\*|__|`|\*(?=\S)|(?<=\S)\*)")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")


@dataclass(frozen=True, slots=True)
class CardLine:
    """One line of a laid-out card: `kind` title/heading/text/bullet, its text, where its
    baseline's top is (`y`, down from the card's top) and its left edge (`x`), its text
    height, and whether it starts a bullet (draw the dot)."""

    kind: str
    text: str
    x: float
    y: float
    size: float
    first: bool = True


def _plain(text: str) -> str:
    """Markdown's inline marks gone: links keep their words, emphasis and code their text."""
    text = _LINK.sub(r"\1", text)
    return _INLINE.sub("", text).strip()


def _blocks(markdown: str) -> list[tuple[str, str]]:
    """(kind, text) blocks: headings, bullets, paragraphs (consecutive lines joined)."""
    blocks: list[tuple[str, str]] = []
    para: list[str] = []

    def flush() -> None:
        if para:
            blocks.append(("text", " ".join(para)))
            para.clear()

    for raw in markdown.replace("\r\n", "\n").split("\n"):
        line = raw.strip()
        if not line:
            flush()
            continue
        heading = re.match(r"^(#{1,6})\s+(.*)$", line)
        if heading:
            flush()
            blocks.append(("title" if len(heading.group(1)) == 1 else "heading", _plain(heading.group(2))))
        elif _BULLET.match(line):
            flush()
            blocks.append(("bullet", _plain(_BULLET.sub("", line))))
        elif blocks and blocks[-1][0] == "bullet" and raw[:1].isspace() and not para:
            kind, text = blocks.pop()  # a bullet's continuation line
            blocks.append((kind, f"{text} {_plain(line)}"))
        else:
            para.append(_plain(line))
    flush()
    return [(k, t) for k, t in blocks if t]


def layout_card(markdown: str, width: float, height: float, *, pad: float = 0.06) -> list[CardLine]:
    """The card's lines, top to bottom, fitted into `width` x `height` (with `pad` as a share of
    the height on every side). The first `#` heading (or else the first block) is the title;
    what does not fit ends with an ellipsis."""
    blocks = _blocks(markdown)
    if not blocks:
        return []
    if not any(k == "title" for k, _ in blocks):
        kind, text = blocks[0]
        if kind != "bullet":
            blocks[0] = ("title", text)
    margin = pad * height
    inner_w = max(1e-6, width - 2 * margin)
    bottom = height - margin
    lines: list[CardLine] = []
    y = margin
    for n, (kind, text) in enumerate(blocks):
        size = CARD_SIZES[kind] * height
        indent = BULLET_INDENT * size if kind == "bullet" else 0.0
        chars = max(4, int((inner_w - indent) / (size * GLYPH_WIDTH)))
        wrapped = textwrap.wrap(text, chars, break_long_words=True) or [""]
        if n:
            y += BLOCK_GAP * size
        for i, part in enumerate(wrapped):
            if y + size > bottom:
                if lines:
                    last = lines[-1]
                    cut = last.text[: max(0, len(last.text) - 1)].rstrip()
                    lines[-1] = CardLine(last.kind, cut + "…", last.x, last.y, last.size, last.first)
                return lines
            lines.append(CardLine(kind, part, margin + indent, y, size, first=i == 0))
            y += LINE_GAP * size
    return lines


# ── the poll as a bar chart ──────────────────────────────────────────────────


@dataclass(frozen=True, slots=True)
class ChartRow:
    """One option: its words, votes (None while the results are hidden), share of all votes
    (0-1), and its bar's length in the chart's units (0 when hidden or no votes)."""

    label: str
    count: int | None
    share: float
    length: float

    @property
    def percent(self) -> int | None:
        return None if self.count is None else round(100 * self.share)


@dataclass(frozen=True, slots=True)
class Chart:
    question: str
    rows: tuple[ChartRow, ...]
    state: str  # live (counts as votes arrive) | hidden (shown at close) | closed (final)
    total: int


def poll_chart(question: str, options: tuple[str, ...] | list[str], counts: tuple[int, ...] | list[int],
               total: int, *, open: bool, bar_length: float = 1.0) -> Chart:
    """Bars in proportion to the votes: the option with the most votes spans `bar_length`, the
    others the same fraction of it as their votes are of its. `counts` empty: hidden until close."""
    shown = len(counts) == len(options)
    if shown:
        most = max(counts) if counts else 0
        all_votes = sum(counts)
        rows = tuple(ChartRow(label, count, count / all_votes if all_votes else 0.0,
                              bar_length * count / most if most else 0.0)
                     for label, count in zip(options, counts, strict=True))
        total = all_votes
    else:
        rows = tuple(ChartRow(label, None, 0.0, 0.0) for label in options)
    state = "closed" if not open else "live" if shown else "hidden"
    return Chart(question, rows, state, total)


# ── where things go on the screen ────────────────────────────────────────────


@dataclass(frozen=True, slots=True)
class Rect:
    """x0, y0 from the screen's top left corner, going right and down."""

    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    def fit(self, aspect: float) -> Rect:
        """The largest rectangle of width/height `aspect` centred in this one."""
        if aspect <= 0:
            return self
        w, h = self.width, self.height
        if w / h > aspect:
            nw = h * aspect
            x0 = self.x0 + (w - nw) / 2
            return Rect(x0, self.y0, x0 + nw, self.y1)
        nh = w / aspect
        y0 = self.y0 + (h - nh) / 2
        return Rect(self.x0, y0, self.x1, y0 + nh)


@dataclass(frozen=True, slots=True)
class ScreenLayout:
    slide: Rect | None
    chart: Rect | None
    line: Rect


def screen_layout(width: float, height: float, *, slide: bool, poll: bool, border: float = 0.12,
                  line_share: float = 0.16) -> ScreenLayout:
    """The slide on the left (16:9, full height), the poll's chart to its right, and the latest
    stage line in a strip along the bottom of the right side (of the whole screen when only one
    of them shows)."""
    inner = Rect(border, border, width - border, height - border)
    gap = border
    line_h = inner.height * line_share
    if slide and poll:
        slide_w = min(inner.height * 16 / 9, inner.width * 0.55)
        s = Rect(inner.x0, inner.y0, inner.x0 + slide_w, inner.y1)
        right = Rect(s.x1 + gap, inner.y0, inner.x1, inner.y1)
        return ScreenLayout(s, Rect(right.x0, right.y0, right.x1, right.y1 - line_h - gap),
                            Rect(right.x0, right.y1 - line_h, right.x1, right.y1))
    body = Rect(inner.x0, inner.y0, inner.x1, inner.y1 - line_h - gap)
    line = Rect(inner.x0, inner.y1 - line_h, inner.x1, inner.y1)
    if slide:
        return ScreenLayout(body, None, line)
    if poll:
        return ScreenLayout(None, body, line)
    return ScreenLayout(None, None, line)


@dataclass(frozen=True, slots=True)
class ScreenFace:
    """The screen's face in world coordinates: x0..x1 across, at y, z0 (bottom) to z1 (top); it faces -Y."""

    x0: float
    x1: float
    y: float
    z0: float
    z1: float

    @property
    def centre(self) -> tuple[float, float, float]:
        return ((self.x0 + self.x1) / 2, self.y, (self.z0 + self.z1) / 2)

    def corners(self) -> tuple[tuple[float, float, float], ...]:
        """Bottom left, bottom right, top right, top left (as seen from the seats)."""
        return ((self.x0, self.y, self.z0), (self.x1, self.y, self.z0), (self.x1, self.y, self.z1),
                (self.x0, self.y, self.z1))


def screen_face(world: World) -> ScreenFace:
    """Where the screen over `world`'s stage hangs."""
    st = world.stage
    x0, _, x1, y1 = st.box.as_tuple()
    left = (x0 + x1) / 2 - SCREEN_W / 2
    bottom = st.height_m + BOTTOM_ABOVE_STAGE_M
    return ScreenFace(left, left + SCREEN_W, y1 - FRONT_OF_WALL_M, bottom, bottom + SCREEN_H)
