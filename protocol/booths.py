"""Booths, ticket queues and service requests (type numbers 40-69), registered like every other
message with `@message`; README.md, section "Booths, queues and service requests", is their
contract.

Some messages carry lists of small maps (programs, services and their fields, history rows).
Each such map has exactly the keys its schema below names, checked here like any field, so
an invalid one can't exist on either side. Lists arrive from msgpack as lists and are kept
as tuples, so messages compare equal however they were built.
"""

from __future__ import annotations

import re
from typing import Any

from .errors import InvalidField, InvalidRequestFields, MessageTooLarge
from .messages import MAX_NAME, MS_LIMIT, U32, Message, MessageType, Sender, message
from .request_fields import NOTE_KEY, PROBLEMS
from .request_status import RequestStatus
from .text import check_text, clean_line, text_problem
from .tickets import TicketStatus
from .validate import check_bool, check_choice, check_int, check_str

__all__ = [
    "TICKET_STATUSES",
    "REQUEST_STATUSES",
    "PROGRAM_STATUSES",
    "FIELD_KINDS",
    "FIELD_PROBLEMS",
    "MAX_PROGRAMS",
    "MAX_PAGE",
    "MAX_WAITING_SHOWN",
    "MAX_DESCRIPTION",
    "MAX_COUNTER_TEXT",
    "BoothInfoGet",
    "BoothInfo",
    "BoothState",
    "TakeNumber",
    "LeaveQueue",
    "Ticket",
    "SubmitRequest",
    "RequestSubmitted",
    "RequestInvalid",
    "MyRequests",
    "StaffRequests",
    "RequestList",
    "RequestGet",
    "RequestDetail",
    "RequestStatusChanged",
    "StaffRequestNew",
    "CounterMan",
    "CallNext",
    "FinishTicket",
    "StaffQueue",
    "CounterSay",
    "CounterMessage",
    "SetRequestStatus",
    "EditOpd",
    "EditProgram",
]

TICKET_STATUSES = frozenset(s.value for s in TicketStatus)
REQUEST_STATUSES = frozenset(s.value for s in RequestStatus)
PROGRAM_STATUSES = frozenset({"planned", "running", "finished"})
FIELD_KINDS = frozenset({"text", "nik", "phone", "date", "choice"})
FIELD_PROBLEMS = PROBLEMS  # one list: the field checks' own

MAX_OPD = 16
MAX_CODE = 32  # service codes, field names
MAX_TRACKING = 24
MAX_TICKET_CODE = 12
MAX_DESCRIPTION = 2000  # characters; also at most 4,096 bytes of UTF-8 (the codec's string limit)
MAX_SUMMARY = 600
MAX_TITLE = 120
MAX_LINK = 300
MAX_NOTE = 1000
MAX_STATUS_NOTE = 500
MAX_COUNTER_TEXT = 500
MAX_FIELD_VALUE = 2000
MAX_FIELDS = 32  # fields per service, and values per submission
MAX_CHOICES = 64
MAX_PROGRAMS = 32
MAX_SERVICES = 32
MAX_SOCIALS = 16
MAX_PAGE = 50  # requests per list page
MAX_HISTORY = 64
MAX_WAITING_SHOWN = 50
MAX_STR_BYTES = 4096

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


# ── small checks ─────────────────────────────────────────────────────────────


def _text(name: str, value: Any, lo: int, hi: int, *, single_line: bool = True) -> None:
    """Like `check_str`, and within the codec's byte limit for strings."""
    check_str(name, value, lo, hi, single_line=single_line)
    if len(value) * 4 > MAX_STR_BYTES and len(value.encode()) > MAX_STR_BYTES:
        raise MessageTooLarge(f"{name}: more than {MAX_STR_BYTES} bytes")


def _typed(obj: Any, name: str, lo: int, hi: int, *, multiline: bool = False) -> None:
    """A field a person typed for others to read: the text policy (protocol/text.py) cleans it
    or refuses it, and it stays within the codec's byte limit for strings."""
    text = check_text(name, getattr(obj, name), lo, hi, multiline=multiline)
    if len(text) * 4 > MAX_STR_BYTES and len(text.encode()) > MAX_STR_BYTES:
        raise MessageTooLarge(f"{name}: more than {MAX_STR_BYTES} bytes")
    object.__setattr__(obj, name, text)


def _date(name: str, value: Any) -> None:
    """An ISO date `YYYY-MM-DD`, or empty for none."""
    check_str(name, value, 0, 10)
    if value and not _DATE.fullmatch(value):
        raise InvalidField(f"{name}: expected YYYY-MM-DD")


def _opd(name: str, value: object) -> None:
    check_str(name, value, 1, MAX_OPD)


def _status(choices: frozenset):
    return lambda name, value: check_choice(name, value, choices)


def _str(lo: int, hi: int):
    return lambda name, value: _text(name, value, lo, hi)


def _int(lo: int, hi: int):
    return lambda name, value: check_int(name, value, lo, hi)


def _bool(name: str, value: object) -> None:
    check_bool(name, value)


def _array(obj, name: str, max_items: int, check) -> None:
    """A list field: bounded, each item checked, stored as a tuple."""
    value = getattr(obj, name)
    if type(value) not in (list, tuple):
        raise InvalidField(f"{name}: expected array")
    if len(value) > max_items:
        raise MessageTooLarge(f"{name}: more than {max_items} items")
    for i, item in enumerate(value):
        check(f"{name}[{i}]", item)
    object.__setattr__(obj, name, tuple(value))


def _record(schema: dict):
    """A checker for a map with exactly `schema`'s keys, each value checked by its function."""

    def check(name: str, value: object) -> None:
        if type(value) is not dict:
            raise InvalidField(f"{name}: expected map")
        if value.keys() != schema.keys():
            raise InvalidField(f"{name}: keys must be {sorted(schema)}")
        for key, check_value in schema.items():
            check_value(f"{name}.{key}", value[key])

    return check


def _strings(max_items: int, hi: int):
    def check(name: str, value: Any) -> None:
        if type(value) not in (list, tuple):
            raise InvalidField(f"{name}: expected array")
        if len(value) > max_items:
            raise MessageTooLarge(f"{name}: more than {max_items} items")
        for i, item in enumerate(value):
            _text(f"{name}[{i}]", item, 1, hi)

    return check


def _str_map(obj, name: str, max_entries: int, key_hi: int, value_hi: int, *, value_lo: int = 0) -> None:
    value = getattr(obj, name)
    if type(value) is not dict:
        raise InvalidField(f"{name}: expected map")
    if len(value) > max_entries:
        raise MessageTooLarge(f"{name}: more than {max_entries} entries")
    for key, item in value.items():
        check_str(f"{name} key", key, 1, key_hi)
        _text(f"{name}.{key}", item, value_lo, value_hi)


PROGRAM = _record(
    {
        "id": _int(1, U32),
        "title": _str(1, MAX_TITLE),
        "summary_id": _str(0, MAX_SUMMARY),
        "summary_en": _str(0, MAX_SUMMARY),
        "status": _status(PROGRAM_STATUSES),
        "start": _date,
        "end": _date,
        "link": _str(0, MAX_LINK),
        "sample": _bool,
    }
)
SOCIAL = _record({"platform": _str(1, 16), "handle": _str(1, 100), "sample": _bool})
FIELD = _record(
    {
        "name": _str(1, MAX_CODE),
        "label_id": _str(1, 120),
        "label_en": _str(1, 120),
        "kind": _status(FIELD_KINDS),
        "required": _bool,
        "max_len": _int(1, MAX_FIELD_VALUE),
        "choices": _strings(MAX_CHOICES, 120),
    }
)


def _fields(name: str, value: Any) -> None:
    if type(value) not in (list, tuple):
        raise InvalidField(f"{name}: expected array")
    if len(value) > MAX_FIELDS:
        raise MessageTooLarge(f"{name}: more than {MAX_FIELDS} items")
    for i, item in enumerate(value):
        FIELD(f"{name}[{i}]", item)


SERVICE = _record(
    {
        "code": _str(1, MAX_CODE),
        "name_id": _str(1, 120),
        "name_en": _str(0, 120),
        "description_id": _str(0, MAX_DESCRIPTION),
        "description_en": _str(0, MAX_DESCRIPTION),
        "fields": _fields,
    }
)
REQUEST_SUMMARY = _record(
    {
        "id": _int(1, U32),
        "tracking": _str(1, MAX_TRACKING),
        "opd": _opd,
        "service": _str(1, MAX_CODE),
        "status": _status(REQUEST_STATUSES),
        "created_ms": _int(0, MS_LIMIT),
        "updated_ms": _int(0, MS_LIMIT),
    }
)
HISTORY_ROW = _record(
    {
        "from": lambda name, value: None if value == "" else check_choice(name, value, REQUEST_STATUSES),
        "to": _status(REQUEST_STATUSES),
        "note": _str(0, MAX_STATUS_NOTE),
        "at_ms": _int(0, MS_LIMIT),
        "by_staff": _bool,
    }
)
WAITING_ROW = _record({"code": _str(1, MAX_TICKET_CODE), "name": _str(0, MAX_NAME), "waited_s": _int(0, U32)})


# ── the booth panel ──────────────────────────────────────────────────────────


@message(MessageType.BOOTH_INFO_GET, Sender.CLIENT)
class BoothInfoGet(Message):
    """Open a booth's panel: answered by `booth_info` (or an `error` with `ref` = request_id)."""

    request_id: int
    opd: str

    def __post_init__(self) -> None:
        check_int("request_id", self.request_id, 1, U32)
        _opd("opd", self.opd)


@message(MessageType.BOOTH_INFO, Sender.SERVER)
class BoothInfo(Message):
    """Everything a booth's panel shows. `request_id` 0: pushed because staff edited it while you stood at the booth."""

    request_id: int
    opd: str
    name: str
    short_name: str
    prefix: str
    description_id: str
    description_en: str
    programs: tuple
    socials: tuple
    services: tuple
    open: bool
    staff: int
    waiting: int
    est_wait_s: int
    info_version: int

    def __post_init__(self) -> None:
        check_int("request_id", self.request_id, 0, U32)
        _opd("opd", self.opd)
        _text("name", self.name, 1, 120)
        _text("short_name", self.short_name, 1, 40)
        check_str("prefix", self.prefix, 1, 3)
        _text("description_id", self.description_id, 0, MAX_DESCRIPTION, single_line=False)
        _text("description_en", self.description_en, 0, MAX_DESCRIPTION, single_line=False)
        _array(self, "programs", MAX_PROGRAMS, PROGRAM)
        _array(self, "socials", MAX_SOCIALS, SOCIAL)
        _array(self, "services", MAX_SERVICES, SERVICE)
        check_bool("open", self.open)
        check_int("staff", self.staff, 0, 1000)
        check_int("waiting", self.waiting, 0, U32)
        check_int("est_wait_s", self.est_wait_s, 0, U32)
        check_int("info_version", self.info_version, 0, U32)


@message(MessageType.BOOTH_STATE, Sender.SERVER)
class BoothState(Message):
    """A booth's live state, for everyone in the world: sent for every booth when you enter, then
    whenever it changes."""

    opd: str
    open: bool
    staff: int
    waiting: int
    est_wait_s: int
    info_version: int

    def __post_init__(self) -> None:
        _opd("opd", self.opd)
        check_bool("open", self.open)
        check_int("staff", self.staff, 0, 1000)
        check_int("waiting", self.waiting, 0, U32)
        check_int("est_wait_s", self.est_wait_s, 0, U32)
        check_int("info_version", self.info_version, 0, U32)


# ── tickets ──────────────────────────────────────────────────────────────────


@message(MessageType.TAKE_NUMBER, Sender.CLIENT)
class TakeNumber(Message):
    """Take a number at the booth you stand at; answered by `ticket`. Asking again returns the same ticket."""

    request_id: int
    opd: str

    def __post_init__(self) -> None:
        check_int("request_id", self.request_id, 1, U32)
        _opd("opd", self.opd)


@message(MessageType.LEAVE_QUEUE, Sender.CLIENT)
class LeaveQueue(Message):
    """Give up your ticket at `opd`; answered by `ticket` with status `left`."""

    request_id: int
    opd: str

    def __post_init__(self) -> None:
        check_int("request_id", self.request_id, 1, U32)
        _opd("opd", self.opd)


@message(MessageType.TICKET, Sender.SERVER)
class Ticket(Message):
    """Your ticket: the reply to `take_number`/`leave_queue`, and pushed (`request_id` 0) when your place,
    the estimate or the status changes (`called`: go to the counter; `clerk` names who called you)."""

    request_id: int
    opd: str
    code: str
    status: str
    place: int
    waiting: int
    est_wait_s: int
    clerk: str = ""
    called_ms: int = 0

    def __post_init__(self) -> None:
        check_int("request_id", self.request_id, 0, U32)
        _opd("opd", self.opd)
        check_str("code", self.code, 1, MAX_TICKET_CODE)
        check_choice("status", self.status, TICKET_STATUSES)
        check_int("place", self.place, 0, U32)
        check_int("waiting", self.waiting, 0, U32)
        check_int("est_wait_s", self.est_wait_s, 0, U32)
        check_str("clerk", self.clerk, 0, MAX_NAME)
        check_int("called_ms", self.called_ms, 0, MS_LIMIT)


# ── service requests ─────────────────────────────────────────────────────────


@message(MessageType.SUBMIT_REQUEST, Sender.CLIENT)
class SubmitRequest(Message):
    """Submit a service request (logged in only). Retrying with the same `client_request_id` never
    makes a second one."""

    request_id: int
    client_request_id: str
    opd: str
    service: str
    fields: dict
    note: str = ""

    def __post_init__(self) -> None:
        check_int("request_id", self.request_id, 1, U32)
        check_str("client_request_id", self.client_request_id, 1, 64)
        _opd("opd", self.opd)
        check_str("service", self.service, 1, MAX_CODE)
        if type(self.fields) is not dict:
            raise InvalidField("fields: expected map")
        if len(self.fields) > MAX_FIELDS:
            raise MessageTooLarge(f"fields: more than {MAX_FIELDS} entries")
        if type(self.note) is not str:
            raise InvalidField("note: expected str")
        # What a person typed comes back field by field (`request_invalid`), not as one error.
        problems: dict[str, str] = {}
        cleaned: dict[str, str] = {}
        for key, value in self.fields.items():
            check_str("fields key", key, 1, 40)
            if key.startswith("_"):
                raise InvalidField("fields key: may not start with '_'")
            if type(value) is not str:
                raise InvalidField(f"fields.{key}: expected str")
            cleaned[key], problem = text_problem(value, max_len=MAX_FIELD_VALUE, required=False)
            if problem is not None:
                problems[key] = problem
        note, problem = text_problem(self.note, max_len=MAX_NOTE, required=False, multiline=True)
        if problem is not None:
            problems[NOTE_KEY] = problem
        if problems:
            raise InvalidRequestFields(problems)
        object.__setattr__(self, "fields", cleaned)
        object.__setattr__(self, "note", note)


def _check_summary(msg: RequestSubmitted | StaffRequestNew) -> None:
    """A request's summary as both its submitter and its OPD's staff are told it."""
    check_str("tracking", msg.tracking, 1, MAX_TRACKING)
    _opd("opd", msg.opd)
    check_str("service", msg.service, 1, MAX_CODE)
    check_choice("status", msg.status, REQUEST_STATUSES)
    check_int("created_ms", msg.created_ms, 0, MS_LIMIT)


@message(MessageType.REQUEST_SUBMITTED, Sender.SERVER)
class RequestSubmitted(Message):
    """Your request is stored (sent only after the commit). `duplicate`: this `client_request_id` was seen before."""

    request_id: int
    tracking: str
    opd: str
    service: str
    status: str
    created_ms: int
    duplicate: bool = False

    def __post_init__(self) -> None:
        check_int("request_id", self.request_id, 1, U32)
        _check_summary(self)
        check_bool("duplicate", self.duplicate)


@message(MessageType.REQUEST_INVALID, Sender.SERVER)
class RequestInvalid(Message):
    """The submission was refused field by field: `problems` maps a field name (`_note` for the note) to a code."""

    request_id: int
    problems: dict

    def __post_init__(self) -> None:
        check_int("request_id", self.request_id, 1, U32)
        _str_map(self, "problems", MAX_FIELDS + 1, 40, 32, value_lo=1)
        for key, code in self.problems.items():
            check_choice(f"problems.{key}", code, FIELD_PROBLEMS)


@message(MessageType.MY_REQUESTS, Sender.CLIENT)
class MyRequests(Message):
    """Your requests, newest first; page with `before_id` (the last `id` you got; 0 for the newest)."""

    request_id: int
    before_id: int = 0
    limit: int = 20

    def __post_init__(self) -> None:
        check_int("request_id", self.request_id, 1, U32)
        check_int("before_id", self.before_id, 0, U32)
        check_int("limit", self.limit, 1, MAX_PAGE)


@message(MessageType.STAFF_REQUESTS, Sender.CLIENT)
class StaffRequests(Message):
    """Staff: your OPD's requests, newest first, optionally only those in `status`."""

    request_id: int
    status: str = ""
    before_id: int = 0
    limit: int = 20

    def __post_init__(self) -> None:
        check_int("request_id", self.request_id, 1, U32)
        check_choice("status", self.status, REQUEST_STATUSES | {""})
        check_int("before_id", self.before_id, 0, U32)
        check_int("limit", self.limit, 1, MAX_PAGE)


@message(MessageType.REQUEST_LIST, Sender.SERVER)
class RequestList(Message):
    """A page of requests (the reply to `my_requests` or `staff_requests`); `more`: older ones exist."""

    request_id: int
    requests: tuple
    more: bool = False

    def __post_init__(self) -> None:
        check_int("request_id", self.request_id, 1, U32)
        _array(self, "requests", MAX_PAGE, REQUEST_SUMMARY)
        check_bool("more", self.more)


@message(MessageType.REQUEST_GET, Sender.CLIENT)
class RequestGet(Message):
    """One request with its fields and history: yours, or (staff) your OPD's."""

    request_id: int
    tracking: str

    def __post_init__(self) -> None:
        check_int("request_id", self.request_id, 1, U32)
        check_str("tracking", self.tracking, 1, MAX_TRACKING)


@message(MessageType.REQUEST_DETAIL, Sender.SERVER)
class RequestDetail(Message):
    """A request in full; `next` lists the statuses staff may move it to (empty when final)."""

    request_id: int
    id: int
    tracking: str
    opd: str
    service: str
    status: str
    fields: dict
    note: str
    created_ms: int
    updated_ms: int
    history: tuple
    next: tuple = ()

    def __post_init__(self) -> None:
        check_int("request_id", self.request_id, 0, U32)
        check_int("id", self.id, 1, U32)
        check_str("tracking", self.tracking, 1, MAX_TRACKING)
        _opd("opd", self.opd)
        check_str("service", self.service, 1, MAX_CODE)
        check_choice("status", self.status, REQUEST_STATUSES)
        _str_map(self, "fields", MAX_FIELDS, 40, MAX_FIELD_VALUE)
        _text("note", self.note, 0, MAX_NOTE, single_line=False)
        check_int("created_ms", self.created_ms, 0, MS_LIMIT)
        check_int("updated_ms", self.updated_ms, 0, MS_LIMIT)
        _array(self, "history", MAX_HISTORY, HISTORY_ROW)
        _array(self, "next", len(REQUEST_STATUSES), _status(REQUEST_STATUSES))


@message(MessageType.REQUEST_STATUS_CHANGED, Sender.SERVER)
class RequestStatusChanged(Message):
    """A notification: staff moved one of your requests. Sent at once if you are online, else when you next enter."""

    tracking: str
    opd: str
    service: str
    status: str
    previous: str
    note: str
    at_ms: int

    def __post_init__(self) -> None:
        check_str("tracking", self.tracking, 1, MAX_TRACKING)
        _opd("opd", self.opd)
        check_str("service", self.service, 1, MAX_CODE)
        check_choice("status", self.status, REQUEST_STATUSES)
        check_choice("previous", self.previous, REQUEST_STATUSES)
        _text("note", self.note, 0, MAX_STATUS_NOTE)
        check_int("at_ms", self.at_ms, 0, MS_LIMIT)


@message(MessageType.STAFF_REQUEST_NEW, Sender.SERVER)
class StaffRequestNew(Message):
    """Staff: a citizen submitted a request to your OPD (pushed after its commit, to every clerk of
    that OPD who is online). Only the summary: read the fields with `request_get`."""

    id: int
    tracking: str
    opd: str
    service: str
    status: str
    created_ms: int

    def __post_init__(self) -> None:
        check_int("id", self.id, 1, U32)
        _check_summary(self)


# ── the counter (staff) ──────────────────────────────────────────────────────


@message(MessageType.COUNTER_MAN, Sender.CLIENT)
class CounterMan(Message):
    """Staff: start (`on`) or stop manning your OPD's counter; answered by `staff_queue`."""

    request_id: int
    on: bool = True

    def __post_init__(self) -> None:
        check_int("request_id", self.request_id, 1, U32)
        check_bool("on", self.on)


@message(MessageType.CALL_NEXT, Sender.CLIENT)
class CallNext(Message):
    """Staff at the counter: close your current ticket and call the next; answered by `staff_queue`."""

    request_id: int

    def __post_init__(self) -> None:
        check_int("request_id", self.request_id, 1, U32)


@message(MessageType.FINISH_TICKET, Sender.CLIENT)
class FinishTicket(Message):
    """Staff at the counter: close your current ticket as served (or, `served` false, as a no-show)."""

    request_id: int
    served: bool = True

    def __post_init__(self) -> None:
        check_int("request_id", self.request_id, 1, U32)
        check_bool("served", self.served)


@message(MessageType.STAFF_QUEUE, Sender.SERVER)
class StaffQueue(Message):
    """Staff console: your counter and your OPD's line. The reply to counter commands, and pushed
    (`request_id` 0) while you man the counter whenever the line changes."""

    request_id: int
    opd: str
    manning: bool
    open: bool
    staff: int
    current: str  # the ticket you called, or empty
    current_name: str
    current_status: str  # "", "called" (on the way) or "arrived" (at your counter)
    called_ms: int
    waiting_count: int
    waiting: tuple
    served: int
    no_shows: int
    avg_service_s: int

    def __post_init__(self) -> None:
        check_int("request_id", self.request_id, 0, U32)
        _opd("opd", self.opd)
        check_bool("manning", self.manning)
        check_bool("open", self.open)
        check_int("staff", self.staff, 0, 1000)
        check_str("current", self.current, 0, MAX_TICKET_CODE)
        check_str("current_name", self.current_name, 0, MAX_NAME)
        check_choice("current_status", self.current_status, frozenset({"", "called", "arrived"}))
        check_int("called_ms", self.called_ms, 0, MS_LIMIT)
        check_int("waiting_count", self.waiting_count, 0, U32)
        _array(self, "waiting", MAX_WAITING_SHOWN, WAITING_ROW)
        check_int("served", self.served, 0, U32)
        check_int("no_shows", self.no_shows, 0, U32)
        check_int("avg_service_s", self.avg_service_s, 0, U32)


@message(MessageType.COUNTER_SAY, Sender.CLIENT)
class CounterSay(Message):
    """Talk across the counter: staff to the citizen they called, or that citizen to their clerk."""

    request_id: int
    text: str

    def __post_init__(self) -> None:
        check_int("request_id", self.request_id, 1, U32)
        # Conversation: invisible characters are removed rather than refused, as in chat.
        if type(self.text) is not str:
            raise InvalidField("text: expected str")
        object.__setattr__(self, "text", clean_line(self.text))
        _text("text", self.text, 1, MAX_COUNTER_TEXT)


@message(MessageType.COUNTER_MESSAGE, Sender.SERVER)
class CounterMessage(Message):
    """A line said across the counter (both sides get it, the sender as confirmation)."""

    opd: str
    code: str  # the ticket the conversation is about
    from_name: str
    from_staff: bool
    text: str
    at_ms: int

    def __post_init__(self) -> None:
        _opd("opd", self.opd)
        check_str("code", self.code, 1, MAX_TICKET_CODE)
        check_str("from_name", self.from_name, 1, MAX_NAME)
        check_bool("from_staff", self.from_staff)
        _text("text", self.text, 1, MAX_COUNTER_TEXT)
        check_int("at_ms", self.at_ms, 0, MS_LIMIT)


@message(MessageType.SET_REQUEST_STATUS, Sender.CLIENT)
class SetRequestStatus(Message):
    """Staff: move one of your OPD's requests to `status` with a note; answered by `request_detail`.
    `expected` (optional): refuse with `conflict` unless the request is still in that status."""

    request_id: int
    tracking: str
    status: str
    note: str
    expected: str = ""

    def __post_init__(self) -> None:
        check_int("request_id", self.request_id, 1, U32)
        check_str("tracking", self.tracking, 1, MAX_TRACKING)
        check_choice("status", self.status, REQUEST_STATUSES)
        _typed(self, "note", 1, MAX_STATUS_NOTE)
        check_choice("expected", self.expected, REQUEST_STATUSES | {""})


@message(MessageType.EDIT_OPD, Sender.CLIENT)
class EditOpd(Message):
    """Staff: replace your OPD's description; answered by `booth_info`, and every booth panel shows it at once."""

    request_id: int
    description_id: str
    description_en: str = ""

    def __post_init__(self) -> None:
        check_int("request_id", self.request_id, 1, U32)
        _typed(self, "description_id", 1, MAX_DESCRIPTION, multiline=True)
        _typed(self, "description_en", 0, MAX_DESCRIPTION, multiline=True)


@message(MessageType.EDIT_PROGRAM, Sender.CLIENT)
class EditProgram(Message):
    """Staff: add (`program_id` 0), replace or (`delete`) remove one of your OPD's programs; answered
    by `booth_info`."""

    request_id: int
    program_id: int = 0
    title: str = ""
    summary_id: str = ""
    summary_en: str = ""
    status: str = "running"
    start: str = ""
    end: str = ""
    link: str = ""
    delete: bool = False

    def __post_init__(self) -> None:
        check_int("request_id", self.request_id, 1, U32)
        check_int("program_id", self.program_id, 0, U32)
        check_bool("delete", self.delete)
        _typed(self, "title", 0 if self.delete else 1, MAX_TITLE)
        _typed(self, "summary_id", 0, MAX_SUMMARY)
        _typed(self, "summary_en", 0, MAX_SUMMARY)
        check_choice("status", self.status, PROGRAM_STATUSES)
        _date("start", self.start)
        _date("end", self.end)
        _typed(self, "link", 0, MAX_LINK)
        if self.delete and not self.program_id:
            raise InvalidField("delete needs a program_id")
        if self.start and self.end and self.end < self.start:
            raise InvalidField("end before start")
