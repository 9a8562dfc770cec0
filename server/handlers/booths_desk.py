"""The booths' live state for one server (`BoothDesk`): the queues and counters (pure services),
the OPDs' content as last read from the store, one ordered writer for tickets, and what each
client was last sent, so the tick only pushes what changed. `booths.py` holds the handlers.

Everything here runs on the event loop; store calls go through `hub.db` (worker threads).
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import deque
from dataclasses import dataclass

from makaverse.protocol import (
    MAX_FRAME_BYTES,
    BoothInfo,
    BoothState,
    CounterMessage,
    StaffQueue,
    Ticket as TicketMsg,
    encode,
)
from makaverse.protocol.booths import MAX_PROGRAMS, MAX_SUMMARY, MAX_WAITING_SHOWN
from makaverse.protocol.tickets import parse_holder
from makaverse.world import Box

from ..services.counters import Counters
from ..services.queues import CALLED, WAITING, Queues, Ticket, holder_key, service_day
from ..store import Opd, StoreError

__all__ = ["BoothConfig", "BoothDesk", "TicketWriter", "holder_of", "ms"]

log = logging.getLogger("makaverse.booths")

_BATCH = 200
_CONVERSATION_LINES = 20


@dataclass(frozen=True, slots=True)
class BoothConfig:
    no_show_s: float = 60.0  # a called citizen must reach the counter within this
    close_grace_s: float = 10.0  # a clerk may step away (or reconnect) this long before the counter closes
    check_every_s: float = 0.2  # arrivals, no-shows and clerks' posts are checked this often
    push_every_s: float = 0.5  # places, estimates and staff consoles are pushed at most this often
    state_every_s: float = 2.0  # a booth's waiting count is broadcast at most this often
    zone_margin_m: float = 0.5  # standing this close outside the interaction zone still counts


def ms(t: float | None) -> int:
    return 0 if t is None else int(t * 1000)


def holder_of(session) -> str:
    """Tickets belong to the account, or for a guest to the avatar (which survives a reconnect)."""
    return holder_key(account_id=None if session.account is None else session.account.id, avatar_id=session.avatar_id)


def _round_est(seconds: float) -> int:
    """Estimates move in half-minute steps, so a client is not told about every second."""
    return int(math.ceil(seconds / 30.0) * 30) if seconds > 0 else 0


def _line(text: str, limit: int) -> str:
    return " ".join(text.split())[:limit]


class TicketWriter:
    """Saves ticket snapshots in the order they were taken, batched, on one task: a later
    snapshot of a ticket can never overtake an earlier one on the thread pool. The task runs
    while there is something to save and ends when the queue is empty."""

    def __init__(self, hub) -> None:
        self.hub = hub
        self._pending: deque[tuple[list, asyncio.Future]] = deque()
        self._task: asyncio.Task | None = None

    def save(self, tickets: list[Ticket]) -> asyncio.Future:
        """Queue snapshots of `tickets` as they are now; the future gives the refused ones (or raises StoreError)."""
        future = asyncio.get_running_loop().create_future()
        future.add_done_callback(_log_failure)
        self._pending.append(([t.record() for t in tickets], future))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="ticket-writer")
        return future

    async def _run(self) -> None:
        while self._pending:
            batch, records = [], []
            while self._pending and len(records) < _BATCH:
                recs, future = self._pending.popleft()
                batch.append((recs, future))
                records.extend(recs)
            try:
                refused = await self.hub.db(self.hub.store.save_tickets, records)
            except Exception as exc:  # StoreError, or the pool shut down with the server
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc if isinstance(exc, StoreError) else StoreError(str(exc)))
                continue
            refused_set = set(map(id, refused))
            for recs, future in batch:
                if not future.done():
                    future.set_result([r for r in recs if id(r) in refused_set])


def _log_failure(future: asyncio.Future) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.error("ticket_save_failed", extra={"fields": {"error": type(future.exception()).__name__}})


class BoothDesk:
    def __init__(self, hub, config: BoothConfig) -> None:
        self.hub = hub
        self.config = config
        self.booths = {b.opd: b for b in hub.world.booths}
        self.staff_areas: dict[str, Box] = {code: b.staff_area for code, b in self.booths.items()}
        self.opds: dict[str, Opd] = {}
        self.info_version: dict[str, int] = {}
        self.queues: Queues | None = None
        self.counters = Counters(grace_s=config.close_grace_s)
        self.writer = TicketWriter(hub)
        self.conversations: dict[tuple[str, str], deque[CounterMessage]] = {}
        self._ready: asyncio.Task | None = None
        self._last_check_s = 0.0
        self._last_push_s = 0.0
        self._pushed_tickets: dict[tuple[str, str], tuple] = {}
        self._pushed_consoles: dict[int, tuple] = {}
        self._pushed_states: dict[str, tuple] = {}
        self._state_sent_s: dict[str, float] = {}

    # ── loading ──────────────────────────────────────────────────────────────
    @property
    def ready(self) -> bool:
        return self.queues is not None

    async def ensure_ready(self) -> bool:
        """Load the OPDs and the open tickets once (the first caller starts it, others wait)."""
        if self.queues is not None:
            return True
        if self.hub.store is None:
            return False
        if self._ready is None or (self._ready.done() and self._ready.exception() is not None):
            self._ready = asyncio.create_task(self._load(), name="booths-load")
        try:
            await asyncio.shield(self._ready)
        except StoreError:
            log.exception("booths_load_failed")
            return False
        return True

    async def _load(self) -> None:
        store = self.hub.store
        now = time.time()
        opds = await self.hub.db(store.list_opds)
        state = await self.hub.db(store.load_queue_state, service_day(now))
        queues = Queues({o.code: o.ticket_prefix for o in opds}, now_s=now, no_show_s=self.config.no_show_s)
        changed = queues.restore(list(state.open_tickets), state.last_numbers, names=state.names, now_s=now)
        self.opds = {o.code: o for o in opds}
        self.info_version = {o.code: 1 for o in opds}
        self.queues = queues
        for i in range(0, len(changed), 100):  # the store takes bounded batches
            self.writer.save(changed[i : i + 100])

    def check_due(self, now_s: float) -> bool:
        """True every `check_every_s` (monotonic seconds): time to look for arrivals, no-shows and absent clerks."""
        if now_s - self._last_check_s < self.config.check_every_s:
            return False
        self._last_check_s = now_s
        return True

    # ── where people stand ───────────────────────────────────────────────────
    def position(self, avatar_id: int | None) -> tuple[float, float] | None:
        sim = self.hub.instance.sim
        if avatar_id is None or not sim.has(avatar_id):
            return None
        return sim.position(avatar_id)

    def near_booth(self, avatar_id: int | None, opd: str) -> bool:
        pos = self.position(avatar_id)
        booth = self.booths.get(opd)
        if pos is None or booth is None:
            return False
        z, m = booth.zone, self.config.zone_margin_m
        return z.xmin - m <= pos[0] <= z.xmax + m and z.ymin - m <= pos[1] <= z.ymax + m

    def at_post(self, avatar_id: int | None, opd: str) -> bool:
        pos = self.position(avatar_id)
        area = self.staff_areas.get(opd)
        return pos is not None and area is not None and area.contains_point(*pos)

    def session_of_holder(self, holder: str):
        kind, ident = parse_holder(holder)
        if kind == "account":
            return self.hub.session_of_account(ident)
        return self.hub.sessions_by_avatar.get(ident)

    def clerk_of(self, session):
        """The clerk record of a session that mans a counter, else None."""
        if session.account is None or session.role != "staff":
            return None
        return self.counters.clerk(session.account.id)

    # ── messages ─────────────────────────────────────────────────────────────
    def estimate(self, opd: str, place: int) -> int:
        return _round_est(self.queues.estimate_s(opd, place, counters=self.counters.staff_count(opd)))

    def ticket_msg(self, ticket: Ticket, request_id: int = 0) -> TicketMsg:
        place = self.queues.place(ticket)
        clerk = ""
        if ticket.status is CALLED and ticket.called_by is not None:
            c = self.counters.clerk(ticket.called_by)
            clerk = c.name if c is not None else ""
        return TicketMsg(
            request_id=request_id,
            opd=ticket.opd,
            code=ticket.code,
            status=ticket.status.value,
            place=place,
            waiting=self.queues.waiting_count(ticket.opd),
            est_wait_s=self.estimate(ticket.opd, place),
            clerk=clerk,
            called_ms=ms(ticket.called_at),
        )

    def ticket_reply(self, ticket: Ticket, request_id: int) -> TicketMsg:
        """The ticket as a reply; also what its holder now knows, so the tick won't repeat it."""
        msg = self.ticket_msg(ticket, request_id)
        self._pushed_tickets[(ticket.holder, ticket.opd)] = (msg.status, msg.place, msg.est_wait_s, msg.clerk)
        return msg

    def console_reply(self, opd: str, clerk_id: int, request_id: int) -> StaffQueue:
        """A clerk's console as a reply; the tick won't push the same again."""
        self._pushed_consoles[clerk_id] = self._console_key(opd, clerk_id)
        return self.staff_queue(opd, clerk_id, request_id)

    def booth_state(self, opd: str) -> BoothState:
        waiting = self.queues.waiting_count(opd)
        return BoothState(
            opd=opd,
            open=self.counters.is_open(opd),
            staff=self.counters.staff_count(opd),
            waiting=waiting,
            est_wait_s=self.estimate(opd, waiting + 1),
            info_version=self.info_version.get(opd, 1),
        )

    def staff_queue(self, opd: str, clerk_id: int, request_id: int = 0) -> StaffQueue:
        queues = self.queues
        current = queues.current(opd, clerk_id)
        now = time.time()
        waiting = queues.waiting(opd)
        served, no_shows = queues.totals(opd)
        status = ""
        if current is not None:
            status = "arrived" if current.arrived_at is not None else "called"
        return StaffQueue(
            request_id=request_id,
            opd=opd,
            manning=self.counters.clerk(clerk_id) is not None,
            open=self.counters.is_open(opd),
            staff=self.counters.staff_count(opd),
            current=current.code if current is not None else "",
            current_name=current.name[:32] if current is not None else "",
            current_status=status,
            called_ms=ms(current.called_at) if current is not None else 0,
            waiting_count=len(waiting),
            waiting=tuple(
                {"code": t.code, "name": t.name[:32], "waited_s": max(0, int(now - t.taken_at))}
                for t in waiting[:MAX_WAITING_SHOWN]
            ),
            served=served,
            no_shows=no_shows,
            avg_service_s=int(queues.average_service_s(opd)),
        )

    def booth_info(self, opd: str, request_id: int = 0) -> BoothInfo:
        """The panel's content; programs that would push the frame past the limit are left out (finished first)."""
        o = self.opds[opd]
        state = self.booth_state(opd)
        programs = [
            {
                "id": p.id,
                "title": _line(p.title, 120),
                "summary_id": _line(p.summary.id, MAX_SUMMARY),
                "summary_en": _line(p.summary.en, MAX_SUMMARY),
                "status": p.status,
                "start": p.start_date.isoformat() if p.start_date else "",
                "end": p.end_date.isoformat() if p.end_date else "",
                "link": p.link or "",
                "sample": p.is_sample,
            }
            for p in o.programs
        ]
        programs.sort(key=lambda p: p["status"] == "finished")  # stable: finished ones last
        programs = programs[:MAX_PROGRAMS]
        while True:
            msg = BoothInfo(
                request_id=request_id,
                opd=o.code,
                name=o.name,
                short_name=o.short_name,
                prefix=o.ticket_prefix,
                description_id=o.description.id,
                description_en=o.description.en,
                programs=tuple(programs),
                socials=tuple({"platform": s.platform, "handle": s.handle, "sample": s.is_sample} for s in o.socials),
                services=tuple(
                    {
                        "code": s.code,
                        "name_id": s.name.id,
                        "name_en": s.name.en,
                        "description_id": s.description.id,
                        "description_en": s.description.en,
                        "fields": [f.to_json() for f in s.fields],
                    }
                    for s in o.services
                ),
                open=state.open,
                staff=state.staff,
                waiting=state.waiting,
                est_wait_s=state.est_wait_s,
                info_version=state.info_version,
            )
            if not programs or len(encode(msg)) <= MAX_FRAME_BYTES:
                return msg
            programs.pop()

    def set_opd(self, opd: Opd, *, editor=None) -> None:
        """New content for an OPD (staff edited it): everyone standing at its booth gets it now
        (the editor gets it as the reply instead)."""
        self.opds[opd.code] = opd
        self.info_version[opd.code] = self.info_version.get(opd.code, 1) + 1
        booth = self.booths.get(opd.code)
        if booth is None:
            return
        data = encode(self.booth_info(opd.code))
        for session in list(self.hub.sessions_by_avatar.values()):
            if session is not editor and self.near_booth(session.avatar_id, opd.code):
                session.conn.send_bytes(data)

    # ── pushing to holders and clerks ────────────────────────────────────────
    def tell_holder(self, ticket: Ticket) -> None:
        """Send a ticket's holder its state now (a status change: called, served, no-show, left)."""
        session = self.session_of_holder(ticket.holder)
        msg = self.ticket_msg(ticket)
        self._pushed_tickets[(ticket.holder, ticket.opd)] = (msg.status, msg.place, msg.est_wait_s, msg.clerk)
        if not ticket.active:
            self._pushed_tickets.pop((ticket.holder, ticket.opd), None)
            self.conversations.pop((ticket.opd, ticket.code), None)
        if session is not None:
            session.send(msg)

    def tell_clerk(self, opd: str, clerk_id: int) -> None:
        session = self.hub.session_of_account(clerk_id)
        if session is not None:
            self._pushed_consoles[clerk_id] = self._console_key(opd, clerk_id)
            session.send(self.staff_queue(opd, clerk_id))

    def _console_key(self, opd: str, clerk_id: int) -> tuple:
        """What a console shows, in brief: the line's version covers the line, calls and arrivals."""
        return (self.queues.version(opd), self.counters.staff_count(opd), self.counters.clerk(clerk_id) is not None)

    def push_changes(self, now_s: float) -> None:
        """Places and estimates to waiting holders, lines to clerks' consoles, booth states to
        everyone: each only when it differs from what was last sent."""
        if now_s - self._last_push_s < self.config.push_every_s:
            return
        self._last_push_s = now_s
        queues = self.queues
        for opd in queues.opds():
            for place, ticket in enumerate(queues.waiting(opd), start=1):
                est = self.estimate(opd, place)
                key = (ticket.holder, opd)
                sent = (WAITING.value, place, est, "")
                if self._pushed_tickets.get(key) != sent:
                    session = self.session_of_holder(ticket.holder)
                    if session is not None:
                        self._pushed_tickets[key] = sent
                        session.send(self.ticket_msg(ticket))
        for clerk in self.counters.clerks():
            session = self.hub.session_of_account(clerk.account_id)
            if session is None:
                continue
            key = self._console_key(clerk.opd, clerk.account_id)
            if self._pushed_consoles.get(clerk.account_id) != key:
                self._pushed_consoles[clerk.account_id] = key
                session.send(self.staff_queue(clerk.opd, clerk.account_id))
        for opd in queues.opds():
            self.broadcast_state(opd, now_s)

    def broadcast_state(self, opd: str, now_s: float, *, force: bool = False) -> None:
        """Send a booth's state to everyone in the world when it changed; a change of the
        waiting count alone goes out at most every `state_every_s`."""
        state = self.booth_state(opd)
        key = (state.open, state.staff, state.info_version, state.waiting, state.est_wait_s)
        last = self._pushed_states.get(opd)
        if last == key:
            return
        urgent = force or last is None or last[:3] != key[:3]
        if not urgent and now_s - self._state_sent_s.get(opd, 0.0) < self.config.state_every_s:
            return
        self._pushed_states[opd] = key
        self._state_sent_s[opd] = now_s
        data = encode(state)
        for session in list(self.hub.sessions_by_avatar.values()):
            session.conn.send_bytes(data)

    def forget_session(self, holder: str, clerk_id: int | None) -> None:
        """A client entered anew: what it was sent before no longer counts."""
        for key in [k for k in self._pushed_tickets if k[0] == holder]:
            del self._pushed_tickets[key]
        if clerk_id is not None:
            self._pushed_consoles.pop(clerk_id, None)

    # ── the conversation at the counter ──────────────────────────────────────
    def remember_line(self, ticket: Ticket, line: CounterMessage) -> None:
        lines = self.conversations.setdefault((ticket.opd, ticket.code), deque(maxlen=_CONVERSATION_LINES))
        lines.append(line)

    def conversation(self, ticket: Ticket) -> list[CounterMessage]:
        return list(self.conversations.get((ticket.opd, ticket.code), ()))
