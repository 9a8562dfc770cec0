"""What the services are configured with, read from the environment and from files.

The services read neither (DESIGN: config and word lists are passed in); the wiring calls these
loaders and hands the values over.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import fields
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher

from .services.accounts import make_hasher
from .services.chat import ChatConfig
from .services.wordfilter import WordFilter

__all__ = [
    "TEST_MODE_ENV",
    "WORDFILTER_ENV",
    "CHAT_ENV",
    "DEFAULT_WORDS_FILE",
    "fast_hashing",
    "hasher_from_env",
    "chat_config_from_env",
    "wordfilter_from_file",
    "load_wordfilter",
]

log = logging.getLogger("makaverse.config")

TEST_MODE_ENV = "MAKAVERSE_TEST_MODE"
WORDFILTER_ENV = "MAKAVERSE_WORDFILTER_FILE"
# ChatConfig field -> the variable that overrides it.
CHAT_ENV = {
    "max_chars": "MAKAVERSE_CHAT_MAX_CHARS",
    "rate_per_s": "MAKAVERSE_CHAT_RATE_PER_S",
    "burst": "MAKAVERSE_CHAT_BURST",
    "retention_days": "MAKAVERSE_CHAT_RETENTION_DAYS",
    "wordfilter_file": WORDFILTER_ENV,
}
DEFAULT_WORDS_FILE = Path(__file__).resolve().parent / "services" / "wordfilter_words.txt"


def _env(env: Mapping[str, str] | None) -> Mapping[str, str]:
    return os.environ if env is None else env


def fast_hashing(env: Mapping[str, str] | None = None) -> bool:
    """True when `MAKAVERSE_TEST_MODE=1`: cheap password hashing, for tests only."""
    return _env(env).get(TEST_MODE_ENV) == "1"


def hasher_from_env(env: Mapping[str, str] | None = None) -> PasswordHasher:
    return make_hasher(fast=fast_hashing(env))


def chat_config_from_env(env: Mapping[str, str] | None = None, **overrides: Any) -> ChatConfig:
    """Defaults, overridden by `MAKAVERSE_CHAT_*` (and `MAKAVERSE_WORDFILTER_FILE`), then by `overrides`."""
    env = _env(env)
    types = {f.name: f.type for f in fields(ChatConfig)}
    values: dict[str, Any] = {}
    for name, var in CHAT_ENV.items():
        raw = env.get(var)
        if raw:
            kind = types[name] if isinstance(types[name], str) else getattr(types[name], "__name__", "")
            values[name] = int(raw) if kind == "int" else float(raw) if kind == "float" else raw
    return ChatConfig(**{**values, **overrides})


def wordfilter_from_file(path: str | Path = "", env: Mapping[str, str] | None = None) -> WordFilter:
    """The list in `path` if given, else in `MAKAVERSE_WORDFILTER_FILE`, else the packaged one."""
    chosen = path or _env(env).get(WORDFILTER_ENV) or DEFAULT_WORDS_FILE
    return WordFilter(Path(chosen).read_text(encoding="utf-8").splitlines())


def load_wordfilter(path: str | Path = "", env: Mapping[str, str] | None = None) -> WordFilter:
    """As `wordfilter_from_file`, but an unreadable list means no filter (logged), not no chat."""
    try:
        return wordfilter_from_file(path, env)
    except (OSError, UnicodeDecodeError):
        log.exception("wordfilter_unreadable")
        return WordFilter([])
