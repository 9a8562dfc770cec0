"""Fixtures over the one harness (`harness.py`): the world, game servers on port 0 stopped after
the test, and clients closed after it."""

from __future__ import annotations

import pytest
from harness import Client, People, Servers

from makaverse.world import World, load_default_world

__all__ = ["Client"]


@pytest.fixture(scope="session")
def world() -> World:
    return load_default_world()


@pytest.fixture
async def servers(world):
    """Start game servers with `await servers.start(db_url, **overrides)`; all are stopped after the test."""
    running = Servers(world)
    yield running
    await running.stop_all()


@pytest.fixture
async def start_server(servers):
    """Start store-less servers with settings overrides."""

    async def start(**overrides):
        return await servers.start(**overrides)

    return start


@pytest.fixture
async def server(start_server):
    return await start_server()


@pytest.fixture
async def clients():
    """Make clients with `await clients.join(server, name)`; all are closed after the test."""
    made = People()
    yield made
    await made.dispose()
