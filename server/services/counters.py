"""Booth counters: which clerks man which OPD's counter, and whether it is open.

Pure; time is passed in. A counter is open while at least one clerk mans it. A clerk who
steps out of the booth's staff area (or whose connection drops) keeps the counter open for
`grace_s`; coming back within it changes nothing, staying away ends their shift there.
Where clerks may stand is `world.Booth.staff_area`: the floor behind the counter, between the side panels.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Clerk", "Counters"]


@dataclass(slots=True)
class Clerk:
    account_id: int
    opd: str
    avatar_id: int
    name: str
    since_s: float
    away_since_s: float | None = None  # set while out of the staff area or disconnected


class Counters:
    def __init__(self, *, grace_s: float = 10.0) -> None:
        self.grace_s = grace_s
        self._clerks: dict[int, Clerk] = {}
        self._by_opd: dict[str, dict[int, Clerk]] = {}

    def man(self, opd: str, account_id: int, *, avatar_id: int, name: str, now_s: float) -> bool:
        """The clerk mans `opd`'s counter; True when that is news (not already manning it)."""
        clerk = self._clerks.get(account_id)
        if clerk is not None:
            clerk.avatar_id, clerk.away_since_s = avatar_id, None
            if clerk.opd == opd:
                return False
            self.leave(account_id)
        clerk = Clerk(account_id=account_id, opd=opd, avatar_id=avatar_id, name=name, since_s=now_s)
        self._clerks[account_id] = clerk
        self._by_opd.setdefault(opd, {})[account_id] = clerk
        return True

    def leave(self, account_id: int) -> Clerk | None:
        """The clerk stops manning (asked to, or their grace ran out); None if they weren't."""
        clerk = self._clerks.pop(account_id, None)
        if clerk is not None:
            staff = self._by_opd[clerk.opd]
            del staff[account_id]
            if not staff:
                del self._by_opd[clerk.opd]
        return clerk

    def seen(self, account_id: int, *, at_post: bool, now_s: float) -> None:
        """Where the clerk is now: in the staff area (and connected) or not."""
        clerk = self._clerks.get(account_id)
        if clerk is None:
            return
        if at_post:
            clerk.away_since_s = None
        elif clerk.away_since_s is None:
            clerk.away_since_s = now_s

    def expire(self, now_s: float) -> list[Clerk]:
        """Clerks away for longer than the grace stop manning; returned so their tickets can be handed back."""
        gone = [
            c for c in self._clerks.values() if c.away_since_s is not None and now_s - c.away_since_s >= self.grace_s
        ]
        for clerk in gone:
            self.leave(clerk.account_id)
        return gone

    def clerk(self, account_id: int) -> Clerk | None:
        return self._clerks.get(account_id)

    def clerks(self, opd: str | None = None) -> list[Clerk]:
        if opd is None:
            return list(self._clerks.values())
        return list(self._by_opd.get(opd, {}).values())

    def staff_count(self, opd: str) -> int:
        return len(self._by_opd.get(opd, ()))

    def is_open(self, opd: str) -> bool:
        return opd in self._by_opd
