"""A live town hall survives a restart of the server process: the event comes back live from the
store with its questions (and their votes) and its open poll (and its counts)."""

from __future__ import annotations

import sys

import pytest
from harness import PASSWORD, Client, ServerProcess, ask, request_ids, subprocess_env

from makaverse.protocol import (
    AuthOk,
    EventControl,
    EventDone,
    EventInfo,
    EventJoin,
    EventJoined,
    EventList,
    EventSchedule,
    Poll,
    PollOpen,
    PollVote,
    QuestionAsk,
    Questions,
    QuestionVote,
    Welcome,
)

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM is a POSIX signal")

T0_MS = 1_767_225_600_000


def rid() -> int:
    return next(request_ids)


async def enter(port: int, username: str, *, register: bool) -> Client:
    client = await Client.connect(port)
    auth = await (client.register(username, PASSWORD) if register else client.login(username, PASSWORD))
    assert isinstance(auth, AuthOk), auth
    assert isinstance(await client.hello(token=auth.token), Welcome)
    return client


async def test_a_live_event_comes_back_live_after_a_restart(tmp_path):
    """Open an event, ask and upvote a question, vote in a live poll; SIGTERM; start again on the same
    file: a citizen who joins sees the event live, the question with its votes and the poll's counts."""
    url = f"sqlite:///{tmp_path / 'townhall.db'}"
    env = subprocess_env()
    first = await ServerProcess.start(url, tmp_path, env=env)
    try:
        from makaverse.server.accounts import Accounts
        from makaverse.server.store import Store

        with Store(url) as store:
            Accounts(store).create_user(username="walikota", password=PASSWORD, role="host", display_name="Walikota")
        host = await enter(first.port, "walikota", register=False)
        a = await enter(first.port, "daeng_a", register=True)
        b = await enter(first.port, "daeng_b", register=True)
        info = await ask(host, EventSchedule(
            request_id=rid(), title="Rembuk Warga Tallo", start_ms=T0_MS, end_ms=T0_MS + 7_200_000,
            description="Musrenbang", opd="BAPPEDA", capacity=100, lang="id",
        ))
        assert isinstance(info, EventInfo), info
        event_id = info.event["id"]
        assert isinstance(await ask(host, EventControl(request_id=rid(), event_id=event_id, action="open")), EventInfo)
        for person in (host, a, b):
            assert isinstance(await ask(person, EventJoin(request_id=rid(), event_id=event_id)), EventJoined)
        asked = await ask(a, QuestionAsk(request_id=rid(), event_id=event_id, text="Kapan banjir diatasi?"))
        assert isinstance(asked, EventDone), asked
        assert isinstance(await ask(b, QuestionVote(request_id=rid(), event_id=event_id, question_id=asked.id)),
                          EventDone)
        poll = await ask(host, PollOpen(
            request_id=rid(), event_id=event_id, question="Prioritas 2027?", options=("Jalan", "Drainase"), live=True,
        ))
        assert isinstance(poll, EventDone), poll
        for person, option in ((a, 1), (b, 1)):
            vote = await ask(person, PollVote(request_id=rid(), event_id=event_id, poll_id=poll.id, option=option))
            assert isinstance(vote, EventDone), vote
        for client in (host, a, b):
            await client.dispose()
        assert await first.terminate() == 0
    finally:
        await first.ensure_stopped()

    second = await ServerProcess.start(url, tmp_path, env=env)
    try:
        c = await enter(second.port, "daeng_c", register=True)
        board = await ask(c, EventList(request_id=rid()))
        (entry,) = [e for e in board.events if e["id"] == event_id]
        assert (entry["status"], entry["doors"]) == ("live", "open")
        mark = c.mark()
        assert isinstance(await ask(c, EventJoin(request_id=rid(), event_id=event_id)), EventJoined)
        questions = await c.expect(lambda m: isinstance(m, Questions) and m.event_id == event_id, since=mark)
        assert [(q["text"], q["votes"]) for q in questions.questions] == [("Kapan banjir diatasi?", 1)]
        shown = await c.expect(lambda m: isinstance(m, Poll) and m.poll_id == poll.id, since=mark)
        assert shown.open and shown.counts == (0, 2) and shown.total == 2
        # Counting goes on from where it was: a new vote adds to the restored ones.
        vote = await ask(c, PollVote(request_id=rid(), event_id=event_id, poll_id=poll.id, option=0))
        assert isinstance(vote, EventDone), vote
        await c.dispose()
        assert await second.terminate() == 0
    finally:
        await second.ensure_stopped()
