"""Words for the booth widgets, from `i18n` and the server's content: no Panda3D here, so what
a player reads can be tested on its own. Content the server sends in two languages
(`description_id`/`description_en`, …) falls back to Indonesian when the English is empty."""

from __future__ import annotations

import math
import time
from collections.abc import Mapping

from .. import i18n
from ..state.booths import Toast

__all__ = [
    "wait_text",
    "localized",
    "service_name",
    "field_label",
    "field_hint",
    "problem_text",
    "error_text",
    "status_label",
    "program_line",
    "social_line",
    "state_line",
    "ticket_line",
    "toast_text",
    "date_text",
]


def wait_text(seconds: int, lang: str) -> str:
    """An estimate in whole minutes, rounded up ("± 3 menit"); none for zero."""
    if seconds <= 0:
        return i18n.t("wait.none", lang)
    if seconds < 60:
        return i18n.t("wait.under_minute", lang)
    return i18n.t("wait.minutes", lang, n=int(math.ceil(seconds / 60)))


def localized(item: Mapping, key: str, lang: str) -> str:
    """`item[key_en]` in English when it says something, else `item[key_id]`."""
    if lang == "en":
        text = str(item.get(f"{key}_en", "") or "")
        if text.strip():
            return text
    return str(item.get(f"{key}_id", "") or "")


def service_name(service: Mapping, lang: str) -> str:
    return localized(service, "name", lang) or str(service.get("code", ""))


def field_label(spec: Mapping, lang: str) -> str:
    label = localized(spec, "label", lang) or str(spec.get("name", ""))
    if not spec.get("required", True):
        label += " " + i18n.t("form.optional", lang)
    return label


def field_hint(spec: Mapping, lang: str) -> str:
    kind = spec.get("kind", "text")
    return i18n.t(f"form.hint_{kind}", lang) if kind in ("nik", "phone", "date") else ""


def problem_text(code: str, lang: str) -> str:
    key = f"field.{code}"
    return i18n.t(key, lang) if i18n.has(key) else i18n.t("error.unknown", lang, code=code)


def error_text(code: str, lang: str) -> str:
    """A refusal by the server (an `error` code) or one of the model's own ("note_required")."""
    for key in (f"error.{code}", f"staff.{code}", f"field.{code}"):
        if i18n.has(key):
            return i18n.t(key, lang)
    return i18n.t("error.unknown", lang, code=code)


def status_label(status: str, lang: str) -> str:
    return i18n.t(f"status.{status or 'all'}", lang)


def program_line(program: Mapping, lang: str) -> str:
    """ "Title — Running (since 2015-01-01)", with "sample" when nobody confirmed it."""
    status = i18n.t(f"program.{program['status']}", lang)
    start, end = program.get("start", ""), program.get("end", "")
    if start and end:
        when = i18n.t("program.dates", lang, start=start, end=end)
    elif start:
        when = i18n.t("program.since", lang, start=start)
    elif end:
        when = i18n.t("program.until", lang, end=end)
    else:
        when = ""
    text = f"{program['title']} — {status}"
    if when:
        text += f" ({when})"
    if program.get("sample"):
        text += f" [{i18n.t('booth.sample', lang)}]"
    return text


def social_line(social: Mapping, lang: str) -> str:
    key = f"social.{social['platform']}"
    platform = i18n.t(key, lang) if i18n.has(key) else str(social["platform"])
    text = f"{platform} {social['handle']}"
    if social.get("sample"):
        text += f" [{i18n.t('booth.sample', lang)}]"
    return text


def state_line(open_: bool, staff: int, waiting: int, est_wait_s: int, lang: str, *, estimate: bool = True) -> str:
    """ "Counter OPEN • 1 clerk(s) • 3 waiting • estimated wait about 4 min".

    The estimate is for a number taken now, at an open counter; `estimate=False` leaves it out
    (you hold a number here: your ticket's own estimate is the one that counts)."""
    parts = [i18n.t("booth.open" if open_ else "booth.closed", lang)]
    if open_:
        parts.append(i18n.t("booth.staff_count", lang, n=staff))
    parts.append(i18n.t("booth.waiting", lang, n=waiting))
    if open_ and estimate:
        parts.append(i18n.t("booth.est", lang, wait=wait_text(est_wait_s, lang)))
    return " • ".join(parts)


def ticket_line(booth: str, place: int, est_wait_s: int, lang: str, *, counter_open: bool = True) -> str:
    """Where your number stands: its place and one estimate; at a closed counter no minutes (nobody
    serves until it opens), only that it will be called then."""
    if not counter_open:
        return i18n.t("ticket.when_open", lang, booth=booth, place=place)
    key = "ticket.next" if place == 1 else "ticket.place"
    return i18n.t(key, lang, booth=booth, place=place, wait=wait_text(est_wait_s, lang))


def toast_text(toast: Toast, lang: str) -> str:
    """A toast's sentence; a request status in it is translated, and a clerk's note follows."""
    fmt = dict(toast.fmt)
    note = str(fmt.pop("note", "") or "")
    if "status" in fmt:
        fmt["status"] = status_label(str(fmt["status"]), lang)
    if "service_id" in fmt:  # a service's name as the booth content gave it, in both languages
        fmt["service"] = localized({"name_id": fmt.pop("service_id"), "name_en": fmt.pop("service_en", "")},
                                   "name", lang) or fmt["service"]
    if toast.key.startswith("error."):
        text = error_text(toast.key.split(".", 1)[1], lang)
    else:
        text = i18n.t(toast.key, lang, **fmt)
    return f"{text} — “{note}”" if note else text


def date_text(ms: int) -> str:
    """A server time (ms since the epoch) as local YYYY-MM-DD HH:MM."""
    if ms <= 0:
        return ""
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(ms / 1000))
