"""The one text policy for every string another person sees, shared by client and server.

Names (guest names, display names), chat and counter lines, request fields and notes, program
and OPD texts, moderation reasons and announcements all pass through here, so "clean" means
the same everywhere:

- NFC-normalised; lengths are counted in code points after NFC (what `len()` says).
- Refused: control characters (a line break only where a field allows several lines),
  direction overrides, embeddings and isolates (U+202A–202E, U+2066–2069), direction marks,
  zero-width and other invisible format characters (U+200B, U+2060, U+FEFF, ...), surrogates,
  private-use and unassigned code points. The zero-width joiner is kept only inside an emoji
  sequence (between two symbols, e.g. 👩‍🏫), where it is part of the picture.
- Single-line text: ends trimmed, any run of whitespace becomes one space. Multi-line text:
  ends trimmed, line endings become `\\n`, trailing spaces of each line dropped.
- Whitespace-only is empty: refused where the field needs a value.

Where refusing makes no sense — conversation typed or pasted by a person (chat lines, direct
messages, counter lines, announcements) — `strip_invisible` removes the forbidden characters
instead, and what is left goes through the same checks.

`reserved_name` says whether a name could pass for a role or the system (`admin`, `moderator`,
`staff`, `host`, the guest prefix `Tamu`, ...), also when spelled with other letter case,
look-alike digits and letters (0/o, 1/l/i), Cyrillic or Greek homoglyphs, accents or separators.

Pure: no I/O.
"""

from __future__ import annotations

import re
import unicodedata

from .errors import InvalidField, MessageTooLarge

__all__ = [
    "TEXT_PROBLEMS",
    "GUEST_PREFIX",
    "RESERVED_NAMES",
    "GUEST_NAMES",
    "NAME_MAX",
    "normalise",
    "forbidden_char",
    "strip_invisible",
    "clean_line",
    "clean_text",
    "text_problem",
    "check_text",
    "check_name",
    "name_skeleton",
    "reserved_name",
]

NAME_MAX = 32  # display and guest names, in code points after NFC
GUEST_PREFIX = "Tamu"  # the server names guests "Tamu-4821"; nobody may choose such a name

# Problem codes, as `request_invalid` carries them (see request_fields.py).
TEXT_PROBLEMS = frozenset({"invalid_text", "too_long", "required"})

# Invisible characters that let one text pass for another or reorder what is shown.
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
_ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff\u180e\u2061\u2062\u2063\u2064")
_BAD_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})
_ZWJ = "\u200d"
_VS16 = "\ufe0f"
_SPACES = re.compile(r"\s+")
_LINE_SPACES = re.compile(r"[^\S\n]+")


def normalise(raw: str) -> str:
    if raw.isascii():
        return raw  # ASCII is its own NFC
    return unicodedata.normalize("NFC", raw)


def _emoji_joiner(text: str, i: int) -> bool:
    """A zero-width joiner between two symbols (a variation selector may precede it)."""
    before = text[i - 1] if i > 0 else ""
    if before == _VS16 and i > 1:
        before = text[i - 2]
    after = text[i + 1] if i + 1 < len(text) else ""
    return bool(before and after) and unicodedata.category(before) == "So" and unicodedata.category(after) == "So"


def forbidden_char(text: str, *, multiline: bool = False) -> int:
    """Index of the first character the policy refuses, or -1."""
    if text.isascii() and text.isprintable():
        return -1  # printable ASCII holds no control, format or invisible character: most text, checked in C
    for i, ch in enumerate(text):
        if ch in "\r\n" and multiline:
            continue
        if ch == _ZWJ and _emoji_joiner(text, i):
            continue
        if ch in _BIDI or ch in _ZERO_WIDTH or unicodedata.category(ch) in _BAD_CATEGORIES:
            return i
    return -1


def strip_invisible(raw: str, *, multiline: bool = False) -> str:
    """`raw`, NFC, without the characters the policy refuses (whitespace controls become spaces)."""
    text = normalise(raw)
    out = []
    for i, ch in enumerate(text):
        if ch == "\n" and multiline:
            out.append(ch)
        elif ch.isspace():
            out.append(" ")
        elif ch == _ZWJ and _emoji_joiner(text, i):
            out.append(ch)
        elif not (ch in _BIDI or ch in _ZERO_WIDTH or unicodedata.category(ch) in _BAD_CATEGORIES):
            out.append(ch)
    return "".join(out)


def clean_line(raw: str) -> str:
    """Conversation text as it is shown: forbidden characters removed, then cleaned to one line."""
    return clean_text(strip_invisible(raw))


def clean_text(raw: str, *, multiline: bool = False) -> str:
    """NFC, whitespace collapsed (single line) or tidied (multi-line), ends trimmed.

    Forbidden characters are not removed here (see `text_problem`); `\\r\\n` and `\\r`
    become `\\n` in multi-line text so every client sees the same line breaks."""
    text = normalise(raw)
    if not multiline:
        return _SPACES.sub(" ", text).strip()
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [_LINE_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return "\n".join(lines).strip()


def text_problem(raw: str, *, max_len: int, required: bool = True, multiline: bool = False) -> tuple[str, str | None]:
    """(cleaned text, problem code or None): `invalid_text`, `too_long` or `required`.

    Forbidden characters are looked for before whitespace is collapsed, so a line break or a
    tab in a single-line field is refused, not silently turned into a space."""
    if forbidden_char(normalise(raw), multiline=multiline) >= 0:
        return raw, "invalid_text"
    text = clean_text(raw, multiline=multiline)
    if len(text) > max_len:
        return text, "too_long"
    if required and not text:
        return text, "required"
    return text, None


def check_text(name: str, value: object, min_len: int, max_len: int, *, multiline: bool = False) -> str:
    """The cleaned text of a message field, or the protocol error a peer gets for it.

    Too long is `too_large`; a forbidden character, a wrong type, or empty (whitespace-only)
    where `min_len` is at least 1 is `invalid_field`."""
    if type(value) is not str:
        raise InvalidField(f"{name}: expected str")
    text, problem = text_problem(value, max_len=max_len, required=min_len > 0, multiline=multiline)
    if problem == "too_long":
        raise MessageTooLarge(f"{name}: longer than {max_len} characters")
    if problem == "invalid_text":
        raise InvalidField(f"{name}: control or invisible character")
    if len(text) < min_len:
        raise InvalidField(f"{name}: shorter than {min_len}")
    return text


def check_name(name: str, value: object, *, allow_empty: bool = False) -> str:
    """A display or guest name: the text policy, single line, at most `NAME_MAX` characters."""
    return check_text(name, value, 0 if allow_empty else 1, NAME_MAX)


# ── names that could pass for a role or the system ───────────────────────────

# A name is reserved when any word of it, or all its words read as one, is one of these (by skeleton).
RESERVED_NAMES = frozenset(
    {
        "admin",
        "administrator",
        "moderator",
        "mod",
        "staff",
        "host",
        "system",
        "sistem",
        "server",
        "makaverse",
        "petugas",  # Indonesian: staff, officer
    }
)
# The guest prefix: reserved as a whole name ("Tamu-4821", "tamu", "GUEST 7"), so no one passes for
# a server-named guest; "Tamu Sopan" (a polite guest) is an ordinary name.
GUEST_NAMES = frozenset({GUEST_PREFIX.lower(), "guest"})
# Look-alikes folded to one letter: digits, symbols, Cyrillic and Greek homoglyphs.
_CONFUSABLE = str.maketrans(
    {
        "0": "o", "1": "l", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g",
        "$": "s", "@": "a", "!": "l", "|": "l", "i": "l", "ı": "l", "ǀ": "l",
        "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
        "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "l", "ї": "l", "ј": "j", "ԁ": "d",
        "һ": "h", "ӏ": "l", "ԛ": "q", "ԝ": "w", "ɑ": "a", "ո": "n", "ѵ": "v",
        "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "l", "κ": "k", "μ": "m", "ν": "v", "ο": "o",
        "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ω": "w",
    }
)
_SEPARATOR = re.compile(r"[\W_]+")
_DIGITS = "0123456789"
# Symbols that stand for letters ("$taff", "@dmin") are letters before a name is split into words.
_SYMBOL_LETTERS = str.maketrans({"$": "s", "@": "a", "!": "l", "|": "l"})


def name_skeleton(text: str) -> str:
    """What a name looks like: compatibility-folded, lower case, accents dropped, look-alikes
    folded (0→o, 1/i→l, Cyrillic а→a, ...), `rn`→`m`, `vv`→`w`, separators removed."""
    folded = unicodedata.normalize("NFKD", text).casefold()
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    folded = folded.translate(_CONFUSABLE)
    folded = _SEPARATOR.sub("", folded)
    return folded.replace("rn", "m").replace("vv", "w")


_ROLE_SKELETONS = frozenset(name_skeleton(word) for word in RESERVED_NAMES)
_GUEST_SKELETONS = frozenset(name_skeleton(word) for word in GUEST_NAMES)


def _word_in(word: str, skeletons: frozenset[str]) -> bool:
    # "Admin123", "007admin": digits around a reserved word do not make it another word;
    # digits inside it ("adm1n") are look-alikes and fold with it.
    for candidate in (word, word.strip(_DIGITS)):
        if candidate and name_skeleton(candidate) in skeletons:
            return True
    return False


def reserved_name(name: str) -> bool:
    """True when `name` could pass for a role, the system or a server-named guest."""
    text = unicodedata.normalize("NFKC", name).translate(_SYMBOL_LETTERS)
    words = [w for w in _SEPARATOR.split(text) if w]
    # Letters split by separators ("a.d.m.i.n", "A D M I N") read as one word too.
    joined = "".join(words)
    return any(_word_in(w, _ROLE_SKELETONS) for w in words) or _word_in(joined, _ROLE_SKELETONS | _GUEST_SKELETONS)
