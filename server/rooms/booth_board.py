"""The booths' live state (`BoothBoard`): the queues and counters (pure services), the OPDs'
content as last read from the store, where people stand (the instance's simulation), and what each
client was last sent, so the tick only pushes what changed. Pure: pushes go into a handler's
`Ctx`, time is passed in. `booths.py` holds the component that handles the commands.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, replace
from typing import Any

from makaverse.protocol import (
    MAX_FRAME_BYTES,
    BoothInfo,
    BoothState,
    CounterMessage,
    StaffQueue,
    encode,
)
from makaverse.protocol import (
    Ticket as TicketMsg,
)
from makaverse.protocol.booths import MAX_PROGRAMS, MAX_SUMMARY, MAX_WAITING_SHOWN
from makaverse.protocol.tickets import parse_holder
from makaverse.world import Box, World

from ..services.counters import Counters
from ..services.queues import CALLED, WAITING, Queues, Ticket
from ..sim import Simulation
from .component import Roster
from .effects import Ctx, ToAccount, ToAvatar, ToEveryone

__all__ = ["BoothConfig", "BoothBoard", "ms", "TICKETS_LANE", "BOOTH_STATES_CHANNEL", "BOOTH_CONTENT_CHANNEL"]

_CONVERSATION_LINES = 20
TICKETS_LANE = "tickets"  # ticket snapshots are saved in the order they were taken
# With several server processes, the desk's booth states (encoded `booth_state` frames) for the others.
BOOTH_STATES_CHANNEL = "booths.state"
# With several server processes, "<origin>\n<OPD code>" from the process where staff edited an OPD's
# content: the others read it again from the store and show it to their own people.
BOOTH_CONTENT_CHANNEL = "booths.content"


@dataclass(frozen=True, slots=True)
class BoothConfig:
    no_show_s: float = 60.0  # a called citizen must reach the counter within this
    close_grace_s: float = 10.0  # a clerk may step away (or reconnect) this long before the counter closes
    check_every_s: float = 0.2  # arrivals, no-shows and clerks' posts are checked this often
    push_every_s: float = 0.5  # places, estimates and staff consoles are pushed at most this often
    state_every_s: float = 2.0  # a booth's waiting count is broadcast at most this often
    zone_margin_m: float = 0.5  # standing this close outside the interaction zone still counts
    # The desk sends every booth's state to the other processes this often as well as on each
    # change, so a process started since (or one that missed a message) catches up.
    mirror_every_s: float = 5.0


def ms(t: float | None) -> int:
    return 0 if t is None else int(t * 1000)


def _round_est(seconds: float) -> int:
    """Estimates move in half-minute steps, so a client is not told about every second."""
    return int(math.ceil(seconds / 30.0) * 30) if seconds > 0 else 0


def _line(text: str, limit: int) -> str:
    return " ".join(text.split())[:limit]


class BoothBoard:
    def __init__(self, world: World, sim: Simulation, roster: Roster, config: BoothConfig) -> None:
        self.sim = sim
        self.roster = roster
        self.config = config
        self.booths = {b.opd: b for b in world.booths}
        self.staff_areas: dict[str, Box] = {code: b.staff_area for code, b in self.booths.items()}
        self.opds: dict[str, Any] = {}  # code -> the store's Opd
        self.info_version: dict[str, int] = {}
        self.queues: Queues | None = None
        self.counters = Counters(grace_s=config.close_grace_s)
        self.conversations: dict[tuple[str, str], deque[CounterMessage]] = {}
        self._last_check_s = 0.0
        self._last_push_s = 0.0
        self._pushed_tickets: dict[tuple[str, str], tuple] = {}
        self._pushed_consoles: dict[int, tuple] = {}
        self._pushed_states: dict[str, tuple] = {}
        self._state_sent_s: dict[str, float] = {}
        self.desk = True  # this process runs the queues; false: another process does
        self.shared = False  # several processes: the desk publishes its booth states on the bus
        self.origin = ""  # this process's name on the bus (content edits it published come back)
        self.mirrored: dict[str, BoothState] = {}  # not the desk: the desk's last state per OPD
        self._mirror_sent_s: float | None = None

    def reset(self, queues: Queues | None) -> None:
        """The desk changed hands: new queues (None: to be loaded), no clerks, nothing sent yet,
        so the next tick sends everything anew."""
        self.queues = queues
        self.counters = Counters(grace_s=self.config.close_grace_s)
        self.conversations.clear()
        self._pushed_tickets.clear()
        self._pushed_consoles.clear()
        self._pushed_states.clear()
        self._state_sent_s.clear()
        self.mirrored.clear()
        self._mirror_sent_s = None

    @property
    def ready(self) -> bool:
        return self.queues is not None

    @property
    def lines(self) -> Queues:
        """The queues, once loaded (callers check `ready` first)."""
        assert self.queues is not None, "the desk is not loaded"
        return self.queues

    def check_due(self, now_s: float) -> bool:
        """True every `check_every_s`: time to look for arrivals, no-shows and absent clerks."""
        if now_s - self._last_check_s < self.config.check_every_s:
            return False
        self._last_check_s = now_s
        return True

    # ── where people stand ───────────────────────────────────────────────────
    def position(self, avatar_id: int | None) -> tuple[float, float] | None:
        sim = self.sim
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

    def holder_avatar(self, holder: str) -> int | None:
        """The connected avatar holding tickets as `holder`, if any."""
        kind, ident = parse_holder(holder)
        if kind == "account":
            return self.roster.avatar_of_account(ident)
        return ident if self.roster.online(ident) else None

    def clerk_of(self, actor):
        """The clerk record of an actor who mans a counter, else None."""
        if actor.account_id is None or actor.role != "staff":
            return None
        return self.counters.clerk(actor.account_id)

    # ── messages ─────────────────────────────────────────────────────────────
    def estimate(self, opd: str, place: int) -> int:
        return _round_est(self.lines.estimate_s(opd, place, counters=self.counters.staff_count(opd)))

    def ticket_msg(self, ticket: Ticket, request_id: int = 0) -> TicketMsg:
        place = self.lines.place(ticket)
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
            waiting=self.lines.waiting_count(ticket.opd),
            est_wait_s=self.estimate(ticket.opd, place),
            clerk=clerk,
            called_ms=ms(ticket.called_at),
        )

    def ticket_reply(self, ticket: Ticket, request_id: int) -> TicketMsg:
        """The ticket as a reply; also what its holder now knows, so the tick won't repeat it."""
        msg = self.ticket_msg(ticket, request_id)
        self._pushed_tickets[(ticket.holder, ticket.opd)] = (msg.status, msg.place, msg.est_wait_s, msg.clerk)
        return msg

    def console_reply(self, opd: str, clerk_id: int, now: float, request_id: int) -> StaffQueue:
        """A clerk's console as a reply; the tick won't push the same again."""
        self._pushed_consoles[clerk_id] = self._console_key(opd, clerk_id)
        return self.staff_queue(opd, clerk_id, now, request_id)

    def booth_state(self, opd: str) -> BoothState:
        mirrored = None if self.desk else self.mirrored.get(opd)
        if mirrored is not None:  # the desk's queue, with this process's content version
            return replace(mirrored, info_version=self.info_version.get(opd, 1))
        waiting = self.lines.waiting_count(opd)
        return BoothState(
            opd=opd,
            open=self.counters.is_open(opd),
            staff=self.counters.staff_count(opd),
            waiting=waiting,
            est_wait_s=self.estimate(opd, waiting + 1),
            info_version=self.info_version.get(opd, 1),
        )

    def staff_queue(self, opd: str, clerk_id: int, now: float, request_id: int = 0) -> StaffQueue:
        queues = self.lines
        current = queues.current(opd, clerk_id)
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

    def set_opd(self, ctx: Ctx, opd: Any, *, editor: int) -> None:
        """New content for an OPD (staff edited it): everyone standing at its booth gets it now
        (the editor, an avatar id, gets it as the reply instead)."""
        self.opds[opd.code] = opd
        self.info_version[opd.code] = self.info_version.get(opd.code, 1) + 1
        if opd.code not in self.booths:
            return
        data = encode(self.booth_info(opd.code))
        for avatar_id in list(self.sim.avatars.slot_of):
            if avatar_id != editor and self.roster.online(avatar_id) and self.near_booth(avatar_id, opd.code):
                ctx.push(ToAvatar(avatar_id), data)

    # ── pushing to holders and clerks ────────────────────────────────────────
    def tell_holder(self, ctx: Ctx, ticket: Ticket) -> None:
        """Send a ticket's holder its state now (a status change: called, served, no-show, left)."""
        avatar_id = self.holder_avatar(ticket.holder)
        msg = self.ticket_msg(ticket)
        self._pushed_tickets[(ticket.holder, ticket.opd)] = (msg.status, msg.place, msg.est_wait_s, msg.clerk)
        if not ticket.active:
            self._pushed_tickets.pop((ticket.holder, ticket.opd), None)
            self.conversations.pop((ticket.opd, ticket.code), None)
        if avatar_id is not None:
            ctx.push(ToAvatar(avatar_id), msg)
        else:
            kind, ident = parse_holder(ticket.holder)
            if kind == "account":  # not here: maybe in another server process (the wiring knows)
                ctx.push(ToAccount(ident), msg)

    def tell_clerk(self, ctx: Ctx, opd: str, clerk_id: int) -> None:
        avatar_id = self.roster.avatar_of_account(clerk_id)
        if avatar_id is not None:
            self._pushed_consoles[clerk_id] = self._console_key(opd, clerk_id)
            ctx.push(ToAvatar(avatar_id), self.staff_queue(opd, clerk_id, ctx.now_s))

    def _console_key(self, opd: str, clerk_id: int) -> tuple:
        """What a console shows, in brief: the line's version covers the line, calls and arrivals."""
        return (self.lines.version(opd), self.counters.staff_count(opd), self.counters.clerk(clerk_id) is not None)

    def push_changes(self, ctx: Ctx, now_s: float) -> None:
        """Places and estimates to waiting holders, lines to clerks' consoles, booth states to
        everyone: each only when it differs from what was last sent."""
        if now_s - self._last_push_s < self.config.push_every_s:
            return
        self._last_push_s = now_s
        queues = self.lines
        for opd in queues.opds():
            for place, ticket in enumerate(queues.waiting(opd), start=1):
                est = self.estimate(opd, place)
                key = (ticket.holder, opd)
                sent = (WAITING.value, place, est, "")
                if self._pushed_tickets.get(key) != sent:
                    avatar_id = self.holder_avatar(ticket.holder)
                    if avatar_id is not None:
                        self._pushed_tickets[key] = sent
                        ctx.push(ToAvatar(avatar_id), self.ticket_msg(ticket))
        for clerk in self.counters.clerks():
            avatar_id = self.roster.avatar_of_account(clerk.account_id)
            if avatar_id is None:
                continue
            key = self._console_key(clerk.opd, clerk.account_id)
            if self._pushed_consoles.get(clerk.account_id) != key:
                self._pushed_consoles[clerk.account_id] = key
                ctx.push(ToAvatar(avatar_id), self.staff_queue(clerk.opd, clerk.account_id, now_s))
        for opd in queues.opds():
            self.broadcast_state(ctx, opd, now_s)

    def broadcast_state(self, ctx: Ctx, opd: str, now_s: float, *, force: bool = False) -> None:
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
        ctx.push(ToEveryone(), data)
        if self.desk and self.shared:
            ctx.publish(BOOTH_STATES_CHANNEL, data)

    def publish_states(self, ctx: Ctx, now_s: float) -> None:
        """The desk: every booth's state to the other processes, every `mirror_every_s`."""
        if not (self.desk and self.shared):
            return
        if self._mirror_sent_s is not None and now_s - self._mirror_sent_s < self.config.mirror_every_s:
            return
        self._mirror_sent_s = now_s
        for opd in self.lines.opds():
            ctx.publish(BOOTH_STATES_CHANNEL, encode(self.booth_state(opd)))

    def mirror(self, ctx: Ctx, state: BoothState, now_s: float) -> None:
        """Not the desk: the desk's state of a booth arrived; kept, and sent to everyone here
        when it differs from what they were last sent."""
        if self.desk or state.opd not in self.booths:
            return
        self.mirrored[state.opd] = state
        if self.ready:
            self.broadcast_state(ctx, state.opd, now_s, force=True)

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
