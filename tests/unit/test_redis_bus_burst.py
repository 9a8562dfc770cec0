"""The Redis bus in a burst, without Redis: what is read is delivered `per_turn` a loop turn at
most, an urgent message (a stage line) goes ahead of what waits, on both sides, and a process
does not take its own urgent message twice (it took it when posting)."""

from __future__ import annotations

import asyncio

import pytest

from makaverse.server.bus.redis_bus import HEADER_LEN, RedisBus, frame, unframe

pytest.importorskip("redis")

URL = "redis://127.0.0.1:1/0"  # never reached: these tests do not start the bus
OTHER = b"87654321"  # another process's sender id


def listening(channel: str, per_turn: int) -> tuple[RedisBus, list[bytes]]:
    """A bus (never started) delivering `per_turn` messages a loop turn, and what `channel` got."""
    bus = RedisBus(URL, per_turn=per_turn)
    got: list[bytes] = []
    bus.subscribe(channel, got.append)
    return bus, got


def test_a_framed_payload_reads_back_with_its_flags_and_sender():
    sender = b"12345678"
    assert unframe(frame(b"line", sender, urgent=True)) == (b"line", True, sender)
    assert unframe(frame(b"vote", sender)) == (b"vote", False, sender)
    assert unframe(frame(b"", sender)) == (b"", False, sender)
    assert len(frame(b"x", sender)) == HEADER_LEN + 1
    assert unframe(b"plain") == (b"plain", False, b"")  # not framed: as it is


async def test_a_burst_read_is_delivered_in_slices_one_a_turn_and_in_order():
    bus, got = listening("events.up", per_turn=3)
    for i in range(8):
        bus.arrived("events.up", frame(str(i).encode(), OTHER))
    assert got == []  # nothing within the reader's turn
    await asyncio.sleep(0)
    assert len(got) == 3
    await asyncio.sleep(0)
    assert len(got) == 6
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert got == [str(i).encode() for i in range(8)]


async def test_an_urgent_message_goes_ahead_of_what_waits_and_its_publisher_skips_its_echo():
    bus, got = listening("events.down", per_turn=2)
    for i in range(5):
        bus.arrived("events.down", frame(f"reply {i}".encode(), OTHER))
    bus.arrived("events.down", frame(b"stage line", OTHER, urgent=True))
    assert got == [b"stage line"]  # at once, before the five replies read before it
    bus.arrived("events.down", frame(b"own line", bus.sender, urgent=True))
    assert got == [b"stage line"]  # this bus's own: delivered when it was posted, not again
    for _ in range(3):
        await asyncio.sleep(0)
    assert got == [b"stage line", *(f"reply {i}".encode() for i in range(5))]


async def test_an_urgent_post_reaches_local_subscribers_at_once_and_is_sent_first():
    bus = RedisBus(URL)
    got: list[bytes] = []
    bus.subscribe("events.down", got.append)
    bus._enqueue = lambda item, urgent=False: (bus._urgent if urgent else bus._outbox).append(item)  # type: ignore[method-assign]
    bus.post("events.down", b"reply")
    bus.post("events.down", b"stage line", at_once=True)
    assert got == [b"stage line"]  # this process's copies have it before the post returns
    batch = bus._next_batch()
    assert [unframe(payload) for _, payload, _ in batch] == [
        (b"stage line", True, bus.sender), (b"reply", False, bus.sender),
    ]
    assert all(sent is None for *_, sent in batch)  # a post has no future to settle
