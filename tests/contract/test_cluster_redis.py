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
