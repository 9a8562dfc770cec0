"""The cluster's Redis calls under a burst: hundreds at once all succeed (real Redis)."""

from __future__ import annotations

import asyncio
import os
import uuid

import pytest

from makaverse.server.bus import LocalBus
from makaverse.server.cluster import MAX_CONNECTIONS, Cluster

REDIS_URL = os.environ.get("MAKAVERSE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
async def cluster():
    import redis.asyncio as redis_asyncio

    probe = redis_asyncio.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        await probe.ping()
    except Exception:
        if os.environ.get("MAKAVERSE_REQUIRE_SERVICES") == "1":
            pytest.fail(f"Redis does not answer at {REDIS_URL}")
        pytest.skip(f"Redis does not answer at {REDIS_URL}")
    prefix = f"test-{uuid.uuid4().hex[:8]}:"
    c = Cluster(REDIS_URL, LocalBus(), prefix=prefix, process_id="p1", public_url="ws://127.0.0.1:1/",
                entry=dict, accounts=list)
    yield c
    await c.close()
    keys = [k async for k in probe.scan_iter(match=f"{prefix}*")]
    if keys:
        await probe.delete(*keys)
    await probe.aclose()


async def test_a_burst_of_hand_offs_all_reach_redis_and_read_back(cluster):
    """Hundreds redirected at once (a full hall sending its newcomers on): every hand-off is
    written and read back, though there are more of them than connections to Redis."""
    burst = MAX_CONNECTIONS * 6
    tokens = [f"token-{i}" for i in range(burst)]
    await asyncio.gather(*(cluster.put_handoff(t, {"instance": "auditorium-2", "n": i}) for i, t in enumerate(tokens)))
    taken = await asyncio.gather(*(cluster.take_handoff(t) for t in tokens))
    assert [h["n"] if h else None for h in taken] == list(range(burst))


async def test_a_process_whose_desk_claim_lapsed_does_not_take_it_from_its_successor(cluster):
    """p1 ran the booth desk; its claim lapsed (cut off from Redis longer than its lifetime) and p2,
    starting meanwhile, took the desk. p1's next heartbeat leaves p2's claim alone and p1 stops
    being the desk: two desks would hand out the same ticket numbers twice."""
    p2 = Cluster(REDIS_URL, LocalBus(), prefix=cluster.prefix, process_id="p2", public_url="ws://127.0.0.1:2/",
                 entry=dict, accounts=list)
    lost: list[bool] = []
    cluster.on_desk_lost = lambda: lost.append(True)
    try:
        assert await cluster.claim_desk()
        await cluster.beat()  # renewed while it holds it
        assert await cluster._redis.get(cluster._key("desk")) == b"p1" and cluster.desk
        await cluster._redis.delete(cluster._key("desk"))  # the claim lapsed
        assert await p2.claim_desk()
        await cluster.beat()
        assert await cluster._redis.get(cluster._key("desk")) == b"p2"
        assert not cluster.desk and lost == [True]
        assert not cluster.view["p1"]["desk"]
        await cluster.close()  # and leaving does not drop p2's claim either
        assert await p2._redis.get(p2._key("desk")) == b"p2"
    finally:
        await p2.close()


async def test_the_desk_takes_its_claim_back_when_redis_forgot_it(cluster):
    """Redis restarted without its data: the desk's next heartbeat writes its claim again."""
    assert await cluster.claim_desk()
    await cluster._redis.delete(cluster._key("desk"))
    await cluster.beat()
    assert cluster.desk and await cluster._redis.get(cluster._key("desk")) == b"p1"
