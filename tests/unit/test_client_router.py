"""The client's message router: each message type reaches the one model that owns it."""

from __future__ import annotations

import pytest

from makaverse.client.net.events import ConnState, StateChanged
from makaverse.client.state.router import Router
from makaverse.client.state.session import ClientSession
from makaverse.protocol import Chat, Error, Ticket, Welcome
from makaverse.world import load_default_world


class Model:
    def __init__(self, *, claim: bool = False) -> None:
        self.seen: list[object] = []
        self.claim = claim

    def handle(self, event: object, now_ms: float) -> bool:
        self.seen.append(event)
        return self.claim


def _welcome() -> Welcome:
    return Welcome(avatar_id=7, name="Andi", role="citizen", world_id="balai_kota", tick_hz=20, snapshot_hz=20,
                   input_hz=20, interest_radius_cm=3000, server_time_ms=1000, x_cm=0, y_cm=-400, yaw=0)


def _chat() -> Chat:
    return Chat(id=1, avatar_id=3, name="Sari", role="citizen", channel="zone", text="halo", server_time_ms=1000)


def test_an_owned_type_reaches_only_its_owner():
    """A chat line goes to the chat model alone, not to the booths."""
    router, chat, booths = Router(), Model(), Model()
    router.add(chat.handle, owns=(Chat,))
    router.add(booths.handle, owns=(Ticket,))
    router.dispatch(_chat(), 0.0)
    assert len(chat.seen) == 1 and booths.seen == []


def test_a_type_has_one_owner():
    """A second owner for the same type is refused, and an owned type cannot also be watched."""
    router = Router()
    router.add(Model().handle, owns=(Chat,))
    with pytest.raises(ValueError):
        router.add(Model().handle, owns=(Chat,))
    with pytest.raises(ValueError):
        router.add(Model().handle, watches=(Chat,))


def test_watched_types_reach_every_watcher_in_order():
    """A welcome is heard by every model that watches it, in the order they were added."""
    router, order = Router(), []
    router.add(lambda e, now: order.append("auth"), watches=(Welcome,))
    router.add(lambda e, now: order.append("booths"), watches=(Welcome,))
    router.dispatch(_welcome(), 0.0)
    assert order == ["auth", "booths"]


def test_an_error_stops_at_the_model_that_claims_it():
    """An error is one command's answer: after a model claims it, later watchers don't see it."""
    router, first, second = Router(), Model(claim=True), Model()
    router.add(first.handle, watches=(Error,))
    router.add(second.handle, watches=(Error,))
    assert router.dispatch(Error(code="rate_limited", ref=5), 0.0) is True
    assert len(first.seen) == 1 and second.seen == []


def test_unowned_messages_are_dropped():
    """A message type nobody owns or watches reaches nobody and claims nothing."""
    router, chat = Router(), Model()
    router.add(chat.handle, owns=(Chat,))
    assert router.dispatch(StateChanged(ConnState.OPEN), 0.0) is False
    assert chat.seen == []


def test_the_session_hands_messages_on_after_taking_them_in():
    """The session applies a welcome to its mirror first, then the models' router hears it; an
    unclaimed error becomes the session's notice."""
    session = ClientSession(load_default_world())
    heard: list[int | None] = []
    session.router.add(lambda e, now: heard.append(session.avatar_id), watches=(Welcome,))
    session.handle(StateChanged(ConnState.OPEN), 0.0)
    session.handle(_welcome(), 0.0)
    assert heard == [7]
    session.handle(Error(code="rate_limited", ref=0), 0.0)
    assert session.notice is not None and session.notice.key == "error.rate_limited"
