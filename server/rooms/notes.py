"""Structured log lines from room components: an event name and its fields (the wiring's log
formatter prints them as JSON or text)."""

from __future__ import annotations

import logging
from typing import Any

__all__ = ["note"]


def note(logger: logging.Logger, event: str, **fields: Any) -> None:
    if logger.isEnabledFor(logging.INFO):
        logger.info(event, extra={"fields": fields})
