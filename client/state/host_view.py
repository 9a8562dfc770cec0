"""The host console's view model, without Panda3D: which event it runs, the people a host can act
on (raised hands in order, speakers, whoever has the floor, and whoever asked the selected
question: mute / unmute / remove act on its asker when no person is picked), which of its actions may be used
in the event's present state, and the checks of its forms (a poll, a new event).

The console (`ui/host_console.py`) draws this and calls `EventModel`'s commands; a button is
enabled exactly when its action is in `enabled_actions(...)`, and its keyboard shortcut
(`keymap.HOST_KEYS`) does nothing otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from makaverse.protocol.events import (
    MAX_EVENT_CAPACITY,
    MAX_OPTION,
    MAX_POLL_OPTIONS,
    MAX_QUESTION,
    MAX_TITLE,
    MIN_POLL_OPTIONS,
)

__all__ = [
    "HOST_ACTIONS",
    "Person",
    "people",
    "Selection",
    "ModTarget",
    "moderation_target",
    "enabled_actions",
    "console_event",
    "may_host",
    "poll_form_problem",
    "schedule_form",
    "ScheduleForm",
    "WITA",
]

# Every action of the console, in the order the panel shows them.
HOST_ACTIONS = (
    "event_open", "event_close", "event_lock", "event_end",
    "person_next", "person_prev", "speaker_on", "speaker_off", "floor_give", "floor_back",
    "mod_mute", "mod_unmute", "mod_remove",
    "question_next", "question_answered", "question_hide",
    "poll_open", "poll_close", "poll_live",
    "deck_load", "slide_prev", "slide_next",
    "schedule",
)
HOST_ROLES = frozenset({"host", "admin"})
WITA = timezone(timedelta(hours=8))  # Makassar's time: what a host types a start and an end in


@dataclass(frozen=True, slots=True)
class Person:
    """Someone the host may act on: known by account (the hall lists hands, speakers, the floor)."""

    account_id: int
    name: str
    avatar_id: int = 0  # 0: not known (a speaker who never raised a hand)
    hand: int = 0  # place among the raised hands (1 = first), 0 for none
    speaker: bool = False
    floor: bool = False


def people(hands: Sequence, speakers: Iterable[int], floor: int, *, names: dict[int, str] | None = None,
           avatars: dict[int, int] | None = None, host_account: int = 0) -> list[Person]:
    """Raised hands in the order raised, then whoever has the floor, then the speakers. `names` and
    `avatars` remember accounts seen before (a hand comes down when its owner gets the floor)."""
    names = dict(names or {})
    avatars = dict(avatars or {})
    out: dict[int, Person] = {}
    speaker_set = set(speakers)
    for i, h in enumerate(hands, 1):
        names[h.account_id], avatars[h.account_id] = h.name, h.avatar_id
        out[h.account_id] = Person(h.account_id, h.name, h.avatar_id, hand=i, speaker=h.account_id in speaker_set,
                                   floor=h.account_id == floor)
    for account in ([floor] if floor else []) + sorted(speaker_set):
        if account in out or account == host_account:
            continue
        out[account] = Person(account, names.get(account, f"#{account}"), avatars.get(account, 0),
                              speaker=account in speaker_set, floor=account == floor)
    return list(out.values())


@dataclass(frozen=True, slots=True)
class Selection:
    """What the host picked: a person (by account, 0: none picked), a question (by id). Picking a
    question drops the person, so mute / unmute / remove then act on that question's asker."""

    account_id: int = 0
    question_id: int = 0


@dataclass(frozen=True, slots=True)
class ModTarget:
    """Whom mute / unmute / remove act on; `asker`: taken from the selected question."""

    account_id: int
    name: str
    asker: bool = False


def moderation_target(selection: Selection, person: Person | None, question=None) -> ModTarget | None:
    """The person the host picked; when none is picked, the asker of the selected question (the
    host's `questions` carry each asker's account); else the person shown first (None: nobody)."""
    if person is not None and selection.account_id and person.account_id == selection.account_id:
        return ModTarget(person.account_id, person.name)
    asker = getattr(question, "account_id", 0) if question is not None else 0
    if asker:
        return ModTarget(asker, question.name, asker=True)
    return ModTarget(person.account_id, person.name) if person is not None else None


def may_host(role: str, part: str) -> bool:
    """The console opens for hosts and admins, and for whoever hosts the event they are in."""
    return role in HOST_ROLES or part == "host"


def console_event(joined_event: int, entries: Sequence, *, my_name: str, scheduled: int = 0) -> int:
    """The event the console runs: the one you are in; else the one you just scheduled; else the
    first live or scheduled event on the board that you host (0: none)."""
    if joined_event:
        return joined_event
    live = [e for e in entries if e.status != "ended"]
    if scheduled and any(e.id == scheduled for e in live):
        return scheduled
    mine = [e for e in live if e.host == my_name]
    return mine[0].id if mine else 0


def enabled_actions(*, status: str, doors: str, joined: bool, person: Person | None, people_count: int,
                    floor: int = 0, question=None, question_count: int = 0, poll=None, poll_form_ok: bool = False,
                    slide_index: int = -1, slide_count: int = 0, may_schedule: bool = False,
                    schedule_ok: bool = False) -> frozenset[str]:
    """The actions the console offers now. `status`/`doors` are the event's ('' for no event);
    `joined`: you are in it (the hall's commands need that); `floor`: the account with the floor;
    `poll`: the one shown (or None);
    `slide_index`/`slide_count` the slide on the screen (-1: none yet) and the deck's length."""
    on: set[str] = set()
    if may_schedule and schedule_ok:
        on.add("schedule")
    if status in ("scheduled", "live"):
        on.add("event_end")
        if status == "scheduled" or doors != "open":
            on.add("event_open")
    if status == "live":
        if doors != "closed":
            on.add("event_close")
        if doors != "locked":
            on.add("event_lock")
    if status != "live" or not joined:
        return frozenset(on)
    if people_count > 1:
        on.update(("person_next", "person_prev"))
    if person is not None:
        on.add("speaker_off" if person.speaker else "speaker_on")
        if not person.floor:
            on.add("floor_give")
    if person is not None or (question is not None and bool(getattr(question, "account_id", 0))):
        on.update(("mod_mute", "mod_unmute", "mod_remove"))  # see `moderation_target`
    if floor:
        on.add("floor_back")
    if question_count > 1:
        on.add("question_next")
    if question is not None:
        if not question.answered:
            on.add("question_answered")
        if not question.hidden:
            on.add("question_hide")
    if poll is not None and poll.open:
        on.add("poll_close")
    else:
        on.add("poll_live")
        if poll_form_ok:
            on.add("poll_open")
    on.add("deck_load")
    if slide_count > 0 and slide_index < slide_count - 1:
        on.add("slide_next")
    if slide_index > 0:
        on.add("slide_prev")
    return frozenset(on)


def poll_form_problem(question: str, options: Sequence[str]) -> str:
    """Why the poll form can't be sent ('' when it can): a translation key of `host.`."""
    q = question.strip()
    opts = [o.strip() for o in options if o.strip()]
    if not q:
        return "host.poll_need_question"
    if len(q) > MAX_QUESTION:
        return "host.poll_question_long"
    if not MIN_POLL_OPTIONS <= len(opts) <= MAX_POLL_OPTIONS:
        return "host.poll_need_options"
    if any(len(o) > MAX_OPTION for o in opts):
        return "host.poll_option_long"
    if len(set(opts)) != len(opts):
        return "host.poll_same_options"
    return ""


@dataclass(frozen=True, slots=True)
class ScheduleForm:
    """A new event as typed, checked: `problem` is a `host.` translation key ('' when fine)."""

    title: str
    description: str
    start_ms: int
    end_ms: int
    capacity: int
    lang: str
    problem: str = ""


def _when(text: str) -> int | None:
    """'2026-12-03 14:30' in Makassar time (WITA) as Unix milliseconds; None if it isn't one."""
    text = text.strip().replace("T", " ")
    for fmt in ("%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            at = datetime.strptime(text, fmt).replace(tzinfo=WITA)
        except ValueError:
            continue
        return int(at.timestamp() * 1000)
    return None


def schedule_form(title: str, description: str, start: str, end: str, capacity: str, lang: str) -> ScheduleForm:
    """The new-event form's fields as typed (times as 'YYYY-MM-DD HH:MM' WITA), checked as the server will."""
    t = title.strip()
    start_ms, end_ms = _when(start), _when(end)
    cap_text = capacity.strip()
    cap = int(cap_text) if cap_text.isdigit() else -1
    problem = ""
    if not t or len(t) > MAX_TITLE:
        problem = "host.form_title"
    elif start_ms is None or end_ms is None:
        problem = "host.form_time"
    elif end_ms <= start_ms:
        problem = "host.form_order"
    elif not 1 <= cap <= MAX_EVENT_CAPACITY:
        problem = "host.form_capacity"
    elif lang not in ("id", "en"):
        problem = "host.form_lang"
    return ScheduleForm(t, description.strip(), start_ms or 0, end_ms or 0, max(cap, 0), lang, problem)
