"""Who hears of a new service request, without sockets, a store or a bus: the request component
announces it only after the commit's answer, and the wiring's `ToStaff` target names exactly the
logged-in staff of that OPD in the world."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

from makaverse.protocol import RequestSubmitted, StaffRequestNew, SubmitRequest, decode
from makaverse.protocol.request_status import RequestStatus
from makaverse.server.rooms.actor import Actor
from makaverse.server.rooms.effects import Announce, Call, Push, Reply, ToStaff
from makaverse.server.rooms.requests import STAFF_NOTICES_CHANNEL, Requests
from makaverse.server.wiring.players import Player, Players

T0_MS = 1_767_225_600_000
CREATED = datetime(2026, 1, 1, 8, 30, tzinfo=UTC)


def _requests() -> Requests:
    """The component over a desk that knows one service with no fields (the field rules are tested elsewhere)."""
    service = SimpleNamespace(fields=())
    opd = SimpleNamespace(service=lambda code: service if code == "KTP_EL" else None)
    booths = SimpleNamespace(loaded=lambda ctx: iter(()), board=SimpleNamespace(opds={"DUKCAPIL": opd}))
    return Requests(booths)  # type: ignore[arg-type]


def _stored(created: bool):
    request = SimpleNamespace(
        id=7, tracking_number="DUK-2026-000007", opd_code="DUKCAPIL", service_code="KTP_EL",
        status=RequestStatus.SUBMITTED, created_at=CREATED, field_values={"nik": "7371012345678901"},
    )
    return [(request, created)]


CITIZEN = Actor(conn_id=3, avatar_id=3, instance="building", name="Warga", role="citizen", account_id=30)
SUBMIT = SubmitRequest(request_id=9, client_request_id="c-1", opd="DUKCAPIL", service="KTP_EL", fields={})


def test_a_new_request_is_announced_to_its_opds_staff_after_the_commit():
    """First the commit; then the citizen's reply and, after it, one bus announcement of the summary
    (no field values) on the staff channel. The bus took it: nothing is pushed here by hand."""
    fx = _requests().handle(SUBMIT, CITIZEN, T0_MS)
    assert fx.out == [] and isinstance(fx.pending.request, Call)
    assert fx.pending.request.method == "create_service_requests"
    committed = fx.pending.resume(_stored(created=True), None, T0_MS)
    (reply,) = committed.out
    assert isinstance(reply, Reply) and isinstance(reply.msg, RequestSubmitted)
    announce = committed.pending.request
    assert isinstance(announce, Announce) and announce.channel == STAFF_NOTICES_CHANNEL
    assert decode(announce.payload) == StaffRequestNew(
        id=7, tracking="DUK-2026-000007", opd="DUKCAPIL", service="KTP_EL", status="submitted",
        created_ms=int(CREATED.timestamp() * 1000),
    )
    assert b"7371012345678901" not in announce.payload
    done = committed.pending.resume(True, None, T0_MS)
    assert done.out == [] and done.pending is None and done.failure is None


def test_when_the_bus_fails_this_processs_staff_still_hear_of_it():
    """The bus refused the announcement: the same frame is pushed to the OPD's staff on this process."""
    fx = _requests().handle(SUBMIT, CITIZEN, T0_MS)
    committed = fx.pending.resume(_stored(created=True), None, T0_MS)
    done = committed.pending.resume(False, None, T0_MS)
    assert done.out == [Push(ToStaff("DUKCAPIL"), committed.pending.request.payload)]


def test_a_repeated_submission_announces_nothing():
    """A retry of a stored submission (`duplicate`) gets its reply and tells no clerk again."""
    fx = _requests().handle(SUBMIT, CITIZEN, T0_MS)
    done = fx.pending.resume(_stored(created=False), None, T0_MS)
    assert [type(e) for e in done.out] == [Reply] and done.out[0].msg.duplicate and done.pending is None


def _player(avatar_id: int | None, role: str, opd: str = "", account_id: int | None = None) -> Player:
    account = SimpleNamespace(id=account_id, username=f"u{account_id}") if account_id is not None else None
    return Player(session=SimpleNamespace(), avatar_id=avatar_id, account=account, role=role, opd=opd)  # type: ignore[arg-type]


def test_staff_of_an_opd_are_exactly_its_logged_in_clerks_in_the_world():
    """DUKCAPIL's two clerks (in any instance) get it; DINKES staff, citizens, guests, an admin and a
    staff-role player without an account (never logged in) do not."""
    players = Players({}, grace_s=10.0)
    everyone = {
        1: _player(1, "staff", "DUKCAPIL", 11),
        2: _player(2, "staff", "DUKCAPIL", 12),
        3: _player(3, "staff", "DINKES", 13),
        4: _player(4, "citizen", "", 14),
        5: _player(5, "guest"),
        6: _player(6, "admin", "", 16),
        7: _player(7, "staff", "DUKCAPIL", None),
        8: _player(8, "citizen", "DUKCAPIL", 18),  # an OPD on a non-staff account counts for nothing
    }
    everyone[2].instance = "auditorium"
    players.by_avatar.update(everyone)
    assert sorted(p.avatar_id for p in players.resolve(ToStaff("DUKCAPIL"))) == [1, 2]
    assert [p.avatar_id for p in players.resolve(ToStaff("DINKES"))] == [3]
    assert list(players.resolve(ToStaff("BAPENDA"))) == []
