"""Slides over real sockets: what the host shows reaches everyone in the hall, and someone who
comes in later finds the slide on the screen with the rest of the hall's state."""

from __future__ import annotations

import pytest
from harness import ask, seed_database
from test_townhall import T0_MS, make_host, rid

from makaverse.protocol import (
    EventControl,
    EventDone,
    EventInfo,
    EventJoin,
    EventJoined,
    EventSchedule,
    Slide,
    SlideAdd,
    SlideShow,
)


@pytest.fixture
async def people():
    from harness import People

    made = People()
    yield made
    await made.dispose()


async def test_a_late_comer_finds_the_slide_on_the_screen(tmp_path, monkeypatch, servers, people):
    db_url = seed_database(tmp_path / "slides.db", monkeypatch)
    server = await servers.start(db_url)
    host = await make_host(server, people)
    early, late = [await people.citizen(server, f"warga{i}", f"Warga {i}") for i in range(2)]
    info = await ask(host, EventSchedule(request_id=rid(), title="Rembuk", start_ms=T0_MS, end_ms=T0_MS + 3_600_000))
    assert isinstance(info, EventInfo)
    event_id = info.event["id"]
    await ask(host, EventControl(request_id=rid(), event_id=event_id, action="open"))
    assert isinstance(await ask(host, EventJoin(request_id=rid(), event_id=event_id)), EventJoined)
    assert isinstance(await ask(early, EventJoin(request_id=rid(), event_id=event_id)), EventJoined)
    for text in ("# Satu", "# Dua"):
        done = await ask(host, SlideAdd(request_id=rid(), event_id=event_id, kind="markdown", text=text))
        assert isinstance(done, EventDone), done
    mark = early.mark()
    assert isinstance(await ask(host, SlideShow(request_id=rid(), event_id=event_id, index=1)), EventDone)
    seen = await early.expect(lambda m: isinstance(m, Slide), since=mark)
    assert (seen.index, seen.count, seen.text) == (1, 2, "# Dua")

    mark = late.mark()
    assert isinstance(await ask(late, EventJoin(request_id=rid(), event_id=event_id)), EventJoined)
    found = await late.expect(lambda m: isinstance(m, Slide), since=mark)
    assert (found.event_id, found.index, found.count, found.kind, found.text) == (event_id, 1, 2, "markdown", "# Dua")
