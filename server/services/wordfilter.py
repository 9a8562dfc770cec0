"""The chat word filter: a configurable list of Indonesian and English words masked with
asterisks. Pure: the words are passed in (the wiring reads them from `wordfilter_words.txt`
beside this module, or the file named by `MAKAVERSE_WORDFILTER_FILE`).

Matching is whole-word and case-insensitive. Before comparing, a word is folded: lower case,
accents dropped, look-alike digits and symbols read as letters (`0`→o, `4`/`@`→a, `$`→s ...),
and runs of one letter squeezed to one (`fuuuck`→`fuck`). The list is folded the same way, so
an entry with a double letter still matches. Letters spelled out with separators
(`f.u.c.k`, `g o b l o k`) are joined and checked too. An entry ending in `*` matches every
word that starts with it (Indonesian adds suffixes: `bangsatnya`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

__all__ = ["WordFilter", "fold_word"]

_LOOKALIKE = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"})
# A word: letters and digits, with look-alike symbols allowed inside (`sh!t`, `b@ngsat`, `$hit`).
_WORD = re.compile(r"[@$]?[^\W_]+(?:[@$!]+[^\W_]+)*[@$]?")
# Single characters spelled out with one separator between them: "f.u.c.k", "g o b l o k".
_SPELLED = re.compile(r"(?<![^\W_])(?:[^\W_@$][ ._*\-]){2,}[^\W_@$](?![^\W_])")
_SEPARATORS = re.compile(r"[ ._*\-]")
_REPEATS = re.compile(r"(.)\1+")


def fold_word(word: str) -> str:
    """The comparable form of a word: lower case, no accents, look-alikes read, repeats squeezed."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _REPEATS.sub(r"\1", plain.translate(_LOOKALIKE))


class WordFilter:
    def __init__(self, words: Iterable[str]) -> None:
        exact: set[str] = set()
        prefixes: set[str] = set()
        for raw in words:
            entry = raw.strip()
            if not entry or entry.startswith("#"):
                continue
            if entry.endswith("*"):
                folded = fold_word(entry[:-1])
                if folded:
                    prefixes.add(folded)
            else:
                exact.add(fold_word(entry))
        self._exact = frozenset(exact)
        self._prefixes = tuple(sorted(prefixes))

    def __len__(self) -> int:
        return len(self._exact) + len(self._prefixes)

    def is_bad(self, word: str) -> bool:
        folded = fold_word(word)
        return folded in self._exact or any(folded.startswith(p) for p in self._prefixes)

    def mask(self, text: str) -> str:
        """`text` with every listed word replaced by asterisks of the same length."""
        if not self:
            return text
        chars = list(text)
        hit = False
        for m in _WORD.finditer(text):
            if self.is_bad(m.group()):
                chars[m.start() : m.end()] = "*" * (m.end() - m.start())
                hit = True
        for m in _SPELLED.finditer(text):
            if self.is_bad(_SEPARATORS.sub("", m.group())):
                for i in range(m.start(), m.end()):
                    if not _SEPARATORS.fullmatch(text[i]):
                        chars[i] = "*"
                hit = True
        return "".join(chars) if hit else text

    def contains(self, text: str) -> bool:
        return self.mask(text) != text
