"""The network thread against a real server: hello, welcome, ping, losing the server and
getting it back, and a clean stop. No Panda3D here."""

from __future__ import annotations

import time

from client_harness import free_port, start_server

from makaverse.client.net import Backoff, ConnState, NetClient, RttSample, StateChanged
from makaverse.protocol import PROTOCOL_VERSION, Hello, Input, Snapshot, Welcome


def _wait_for(net: NetClient, seen: list, predicate, timeout_s: float = 30.0):
    """Poll until an event satisfies `predicate` (bounded, so a failure can't hang the run)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for event in net.poll():
            seen.append(event)
            if predicate(event):
                return event
        time.sleep(0.01)
    raise AssertionError(f"no matching event; saw {[type(e).__name__ for e in seen][-20:]}")


def test_connects_says_hello_and_measures_ping(server):
    """On connect the thread says hello; the welcome, snapshots and a ping measurement arrive."""
    net = NetClient(server.url, Hello(version=PROTOCOL_VERSION, name="Karaeng", lang="id"), ping_interval_s=0.2)
    seen: list = []
    net.start()
    try:
        welcome = _wait_for(net, seen, lambda e: isinstance(e, Welcome))
        assert welcome.name == "Karaeng"
        assert any(isinstance(e, StateChanged) and e.state is ConnState.OPEN for e in seen)
        _wait_for(net, seen, lambda e: isinstance(e, Snapshot))
        rtt = _wait_for(net, seen, lambda e: isinstance(e, RttSample))
        assert 0 <= rtt.rtt_ms < 5_000
        # An input is acknowledged in a later snapshot.
        assert net.send(Input(seq=1, move_x=0.0, move_y=1.0, yaw=0))
        _wait_for(net, seen, lambda e: isinstance(e, Snapshot) and e.ack_seq == 1)
    finally:
        net.stop()
    assert not net.running
    assert any(isinstance(e, StateChanged) and e.state is ConnState.CLOSED for e in net.poll())


def test_losing_the_server_is_reported_and_retried(tmp_path):
    """The server goes away: DISCONNECTED with a capped retry delay; it comes back: a new welcome."""
    port = free_port()
    srv = start_server(tmp_path, port=port)
    net = NetClient(f"ws://127.0.0.1:{port}", Hello(version=PROTOCOL_VERSION, name="Daeng"),
                    backoff=Backoff(initial_s=0.2, max_s=1.0))
    seen: list = []
    net.start()
    try:
        _wait_for(net, seen, lambda e: isinstance(e, Welcome))
        srv.stop()
        lost = _wait_for(net, seen, lambda e: isinstance(e, StateChanged) and e.state is ConnState.DISCONNECTED)
        assert 0 < lost.retry_in_s <= 1.0
        assert not net.send(Input(seq=1, move_x=0.0, move_y=0.0, yaw=0))  # nothing queues while offline
        # A few failed retries while nobody listens; the delays never exceed the cap.
        _wait_for(net, seen, lambda e: isinstance(e, StateChanged) and e.state is ConnState.DISCONNECTED
                  and e.attempt >= 3)
        delays = [e.retry_in_s for e in seen if isinstance(e, StateChanged) and e.state is ConnState.DISCONNECTED]
        assert max(delays) <= 1.0
        srv = start_server(tmp_path, port=port)
        welcome = _wait_for(net, seen, lambda e: isinstance(e, Welcome))
        assert welcome.name == "Daeng"
    finally:
        net.stop()
        srv.stop()
    assert not net.running


def test_stop_while_nobody_listens_is_prompt():
    """Stopping during the backoff ends the thread (it doesn't sit out the delay)."""
    net = NetClient(f"ws://127.0.0.1:{free_port()}", Hello(version=PROTOCOL_VERSION, name="x"),
                    backoff=Backoff(initial_s=10.0, max_s=10.0, jitter=0.0))
    seen: list = []
    net.start()
    _wait_for(net, seen, lambda e: isinstance(e, StateChanged) and e.state is ConnState.DISCONNECTED)
    net.stop(timeout_s=5.0)
    assert not net.running


def test_a_redirect_is_followed_at_once_with_its_token(server):
    """A server that answers hello with `redirect` and close 4009 sends the client to the other
    address, where it says hello with the token it was given (here unknown, so it enters afresh)."""
    import asyncio
    import threading

    from websockets.asyncio.server import serve

    from makaverse.protocol import Redirect, decode, encode

    hellos: list[Hello] = []
    ready = threading.Event()
    stop: list = []
    port = free_port()

    async def redirecting(ws):
        msg = decode(await ws.recv())
        hellos.append(msg)
        await ws.send(encode(Redirect(url=server.url, instance="auditorium", token="tok-from-elsewhere")))
        await ws.close(4009, "redirected")

    def run() -> None:
        async def main() -> None:
            done = asyncio.Event()
            stop.append((asyncio.get_running_loop(), done))
            async with serve(redirecting, "127.0.0.1", port):
                ready.set()
                await done.wait()

        asyncio.run(main())

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert ready.wait(10)
    net = NetClient(f"ws://127.0.0.1:{port}", Hello(version=PROTOCOL_VERSION, name="Daeng Ngalle"),
                    backoff=Backoff(initial_s=10.0, max_s=10.0, jitter=0.0))
    seen: list = []
    net.start()
    try:
        welcome = _wait_for(net, seen, lambda e: isinstance(e, Welcome))
        assert welcome.name == "Daeng Ngalle"
        assert net.url == server.url
        assert any(isinstance(e, Redirect) for e in seen)
        # Followed without the 10 s backoff: the disconnect said "retry in 0".
        gaps = [e.retry_in_s for e in seen if isinstance(e, StateChanged) and e.state is ConnState.DISCONNECTED]
        assert gaps == [0.0]
        assert len(hellos) == 1
    finally:
        net.stop()
        loop, done = stop[0]
        loop.call_soon_threadsafe(done.set)
        thread.join(10)
