"""The same bus tests over the in-process bus and Redis."""

from __future__ import annotations

import asyncio
import os
import uuid

import pytest

from makaverse.server.bus import LocalBus, make_bus

REDIS_URL = os.environ.get("MAKAVERSE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


async def _redis_answers() -> bool:
    try:
        import redis.asyncio as redis_asyncio

        client = redis_asyncio.from_url(REDIS_URL, socket_connect_timeout=1)
        try:
            return bool(await client.ping())
        finally:
            await client.aclose()
    except Exception:
        return False


@pytest.fixture(params=["local", "redis"])
async def buses(request):
    """Two buses that stand for two server processes on the same bus."""
    if request.param == "local":
        bus = LocalBus()
        await bus.start()
        yield bus, bus
        await bus.close()
        return
    if not await _redis_answers():
        if os.environ.get("MAKAVERSE_REQUIRE_SERVICES") == "1":
            pytest.fail(f"Redis does not answer at {REDIS_URL}")
        pytest.skip(f"Redis does not answer at {REDIS_URL}")
    a, b = make_bus(REDIS_URL), make_bus(REDIS_URL)
    # A fresh namespace per test: parallel runs never hear each other.
    prefix = f"test-{uuid.uuid4().hex[:8]}:"
    a._prefix = b._prefix = prefix
    await a.start()
    await b.start()
    yield a, b
    await a.close()
    await b.close()


async def _settle(*buses) -> None:
    for bus in buses:
        if hasattr(bus, "wait_subscribed"):
            await bus.wait_subscribed()


async def _wait_for(predicate, timeout_s: float = 5.0) -> None:
    async with asyncio.timeout(timeout_s):
        while not predicate():
            await asyncio.sleep(0.01)


async def test_a_message_reaches_subscribers_in_every_process(buses):
    """A payload published on one process reaches subscribers on both, the publisher's own included."""
    a, b = buses
    got_a, got_b = [], []
    a.subscribe("announce", got_a.append)
    b.subscribe("announce", got_b.append)
    await _settle(a, b)
    await a.publish("announce", b"Rapat warga jam 10")
    await _wait_for(lambda: got_a and got_b)
    assert got_a == [b"Rapat warga jam 10"] and got_b == [b"Rapat warga jam 10"]


async def test_messages_arrive_in_order_and_only_on_their_channel(buses):
    """Payloads arrive in publishing order, and only to subscribers of that channel."""
    a, b = buses
    got, other = [], []
    b.subscribe("staff:DUKCAPIL", got.append)
    b.subscribe("staff:DINKES", other.append)
    await _settle(a, b)
    for i in range(20):
        await a.publish("staff:DUKCAPIL", str(i).encode())
    await _wait_for(lambda: len(got) == 20)
    assert got == [str(i).encode() for i in range(20)] and other == []


async def test_a_burst_of_concurrent_publishes_all_arrive_in_the_order_made(buses):
    """Hundreds of publishes made at once (a poll's votes forwarded from a copy) all arrive, in
    the order they were made: none is lost because many are in flight together."""
    a, b = buses
    got: list[bytes] = []
    b.subscribe("events.up", got.append)
    await _settle(a, b)
    burst = [f"vote {i}".encode() for i in range(600)]
    await asyncio.gather(*(a.publish("events.up", payload) for payload in burst))
    await _wait_for(lambda: len(got) >= len(burst), timeout_s=15.0)
    assert got == burst


async def test_a_cancelled_subscription_hears_nothing_more(buses):
    """After cancel, a subscriber receives nothing, and a failing callback doesn't stop the others."""
    a, b = buses
    heard, kept = [], []

    def broken(payload: bytes) -> None:
        raise RuntimeError("subscriber bug")

    sub = b.subscribe("presence", heard.append)
    b.subscribe("presence", broken)
    b.subscribe("presence", kept.append)
    await _settle(a, b)
    await a.publish("presence", b"1")
    await _wait_for(lambda: heard and kept)
    sub.cancel()
    await a.publish("presence", b"2")
    await _wait_for(lambda: len(kept) == 2)
    assert heard == [b"1"] and kept == [b"1", b"2"]
