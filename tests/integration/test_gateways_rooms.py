"""Gateway mode (`serve --gateways 2`), continued: chat and a town hall with an overflow copy,
the same test functions as in single-process mode, against two gateway processes (this module's
`servers` fixture). Booths, moving, bad input and the transport's limits are in test_gateways."""

from __future__ import annotations

import sys

import pytest
from harness import Servers
from test_chat import (  # noqa: F401  (fixtures and tests of the chat suite, collected again here)
    db_url,
    peers,
    start,
    test_a_kick_shows_the_reason_then_closes_4006,
    test_nearby_reaches_ten_metres_not_thirty_and_zone_reaches_across,
)
from test_townhall import people, test_a_whole_town_hall_with_an_overflow_copy  # noqa: F401

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="gateways share the port with SO_REUSEPORT")


@pytest.fixture
async def servers(world):
    """Every server of these tests runs two gateway processes."""
    running = Servers(world, gateways=2)
    yield running
    await running.stop_all()
