"""Field checks used by message constructors: an invalid message cannot exist."""

from __future__ import annotations

import math
import unicodedata
from typing import Any

from .errors import InvalidField, MessageTooLarge

__all__ = ["check_int", "check_float", "check_bool", "check_str", "check_bytes", "check_choice"]


def check_int(name: str, value: object, lo: int, hi: int) -> None:
    # bool is an int in Python; on the wire it is not.
    if type(value) is not int:
        raise InvalidField(f"{name}: expected int")
    if not lo <= value <= hi:
        raise InvalidField(f"{name}: {value} outside [{lo}, {hi}]")


def check_float(name: str, value: Any, lo: float, hi: float) -> None:
    if type(value) not in (float, int):
        raise InvalidField(f"{name}: expected number")
    if not math.isfinite(value) or not lo <= value <= hi:
        raise InvalidField(f"{name}: {value!r} outside [{lo}, {hi}]")


def check_bool(name: str, value: object) -> None:
    if type(value) is not bool:
        raise InvalidField(f"{name}: expected bool")


def check_str(name: str, value: object, min_len: int, max_len: int, *, single_line: bool = True) -> None:
    """Strings are bounded and carry no control characters (newlines only where allowed)."""
    if type(value) is not str:
        raise InvalidField(f"{name}: expected str")
    if len(value) > max_len:
        raise MessageTooLarge(f"{name}: longer than {max_len}")
    if len(value) < min_len:
        raise InvalidField(f"{name}: shorter than {min_len}")
    if value.isascii() and value.isprintable():
        return  # printable ASCII has no control character (the usual case, checked in C)
    for ch in value:
        if unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn") and not (ch == "\n" and not single_line):
            raise InvalidField(f"{name}: control or unassigned character")


def check_bytes(name: str, value: object, max_len: int, *, multiple_of: int = 1) -> None:
    if type(value) is not bytes:
        raise InvalidField(f"{name}: expected bin")
    if len(value) > max_len:
        raise MessageTooLarge(f"{name}: longer than {max_len}")
    if len(value) % multiple_of:
        raise InvalidField(f"{name}: length not a multiple of {multiple_of}")


def check_choice(name: str, value: object, choices: frozenset) -> None:
    if type(value) is not str or value not in choices:
        raise InvalidField(f"{name}: not one of {sorted(choices)}")
