"""`makaverse bench --scenario services --count N`: durable service requests, as fast as acknowledged.

Each of N citizens registers, enters the world and submits a service request; the moment its
`request_submitted` arrives (the server sends it only after the commit) it submits the next one,
so every bot always has exactly one submission in flight and the server's durable path is the
only limit (the bots ask for one snapshot a second, so snapshots cost little on either side).
Figures: `acked_per_s` (acknowledged submissions a second over the steady window,
all bots together) and `latency_ms` (submit → `request_submitted`). The bots stand still and send
no movement.

Every submission is valid: the bench reads the services' field specs from the server
(`booth_info`) before the bots start, and fills a few dozen variants of the fields once.
`--db URL` runs the server on another database (e.g. PostgreSQL) instead of a fresh SQLite file.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import secrets
from pathlib import Path

from websockets.sync.client import connect

from makaverse.protocol import PROTOCOL_VERSION, BoothInfo, BoothInfoGet, Error, Hello, Welcome, decode, encode
from makaverse.protocol.messages import MessageType
from makaverse.world import load_default_world

from .cluster_server import BenchCluster
from .loadgen import Bot, LoadRun, register_bot
from .local_server import LocalServer, ServerError

__all__ = ["services_plan", "ServicesBot", "service_catalog"]

VARIANTS = 32  # filled field maps the bots take turns with
_T = MessageType


def service_catalog(url: str, *, seed: int = 1) -> list[dict]:
    """Valid submissions ({opd, service, fields}) for every service with field specs, as a guest sees them."""
    from . import scenarios  # noqa: F401  (bench.queue is imported through the scenario registry)
    from .queue import _fill

    world = load_default_world()
    rng = random.Random(seed)
    out: list[dict] = []
    with connect(url, max_size=1 << 20, proxy=None, open_timeout=30) as ws:
        ws.send(encode(Hello(version=PROTOCOL_VERSION, name="Katalog", kind="bot")))
        while not isinstance(decode(ws.recv(timeout=30)), Welcome):  # type: ignore[arg-type]
            pass
        for i, booth in enumerate(world.booths):
            ws.send(encode(BoothInfoGet(request_id=i + 1, opd=booth.opd)))
            while True:
                msg = decode(ws.recv(timeout=30))  # type: ignore[arg-type]
                if isinstance(msg, BoothInfo) and msg.request_id == i + 1:
                    for s in msg.services:
                        if s.get("fields") is not None:
                            out.append({"opd": booth.opd, "service": s["code"], "spec": s["fields"]})
                    break
                if isinstance(msg, Error) and msg.ref == i + 1:
                    break
    if not out:
        raise ServerError("the server offers no service with fields to submit")
    return [{"opd": s["opd"], "service": s["service"], "fields": _fill(s["spec"], rng)}
            for s in (out[i % len(out)] for i in range(VARIANTS))]


_MIN_GAP_S = 1 / 50  # at most 50 submissions a second per bot, under the server's 60 messages


@register_bot("services")
class ServicesBot(Bot):
    """Register, enter, then submit → wait for `request_submitted` → submit again."""

    def __init__(self, run: LoadRun, index: int) -> None:
        super().__init__(run, index)
        self.tag = str(run.spec.options["tag"])
        self.catalog: list[dict] = run.spec.options["catalog"]
        self.rid = 10
        self.in_flight: tuple[int, float] | None = None
        self.acked = 0
        self.acked_in_window = 0
        self.invalid = 0

    def on_open(self) -> None:
        self.send({"t": int(_T.REGISTER), "request_id": 1, "username": f"s{self.tag}{self.index:05d}",
                   "password": f"pw-{self.tag}-{self.index}-makassar", "display_name": f"Warga {self.index:05d}"})

    def submit_when_allowed(self) -> None:
        """The next submission, no sooner than the server's per-connection message rate allows
        (60 a second, protocol/README.md): with a fast commit one bot would otherwise be refused
        `rate_limited`. A hundred bots together still offer up to 5,000 a second."""
        if self.in_flight is None:
            self.submit()
            return
        wait = self.in_flight[1] + _MIN_GAP_S - self.run.now()
        if wait > 0:
            self.in_flight = None  # answered: nothing is in flight while it waits its turn
            asyncio.get_running_loop().call_later(wait, self.submit)
        else:
            self.submit()

    def submit(self) -> None:
        self.rid += 1
        s = self.catalog[(self.index + self.rid) % len(self.catalog)]
        self.in_flight = (self.rid, self.run.now())
        self.send({"t": int(_T.SUBMIT_REQUEST), "request_id": self.rid,
                   "client_request_id": f"{self.tag}-{self.index}-{self.rid}", "opd": s["opd"],
                   "service": s["service"], "fields": s["fields"], "note": ""})

    def on_message(self, msg: dict) -> None:
        t = msg.get("t")
        if t == _T.AUTH_OK:
            # One snapshot a second: the durable path is measured here, not the snapshots.
            self.send({"t": int(_T.HELLO), "version": 1, "kind": "bot", "name": f"Warga {self.index:05d}",
                       "token": msg["token"], "snapshot_hz": 1})
        elif t == _T.WELCOME:
            self.submit()
        elif self.in_flight is not None and msg.get("request_id") == self.in_flight[0] or (
            t == _T.ERROR and self.in_flight is not None and msg.get("ref") == self.in_flight[0]
        ):
            if t == _T.REQUEST_SUBMITTED:
                self.acked += 1
                run, sent_at = self.run, self.in_flight[1]
                if run.recording:
                    self.acked_in_window += 1
                if run.lat_from <= sent_at <= run.lat_to:  # sent in the window: latency whenever acked
                    run.latency.append(run.now() - sent_at)
            elif t == _T.REQUEST_INVALID:
                self.invalid += 1
            elif t == _T.ERROR:  # counted with the errors; this bot stops rather than spin on it
                self.in_flight = None
                return
            self.submit_when_allowed()

    def unanswered(self) -> int:
        run = self.run
        return int(self.in_flight is not None and run.lat_from <= self.in_flight[1] <= run.lat_to)

    def figures(self) -> dict:
        return {"acked": self.acked, "acked_in_window": self.acked_in_window, "request_invalid": self.invalid}


def services_plan(args: argparse.Namespace, tmp: Path):
    from .measure import Plan

    def after_start(server: LocalServer | BenchCluster, plan: Plan, log) -> None:
        plan.options["catalog"] = service_catalog(server.url, seed=args.seed)
        log(f"[bench] services: {len({(c['opd'], c['service']) for c in plan.options['catalog']})} services to submit")

    def finish(plan: Plan, results: list[dict], window_s: float) -> dict:
        acked = sum(r["figures"].get("acked_in_window", 0) for r in results)
        return {
            "latency_kind": "submit → request_submitted (after the commit)",
            "acked_per_s": round(acked / max(1e-6, window_s), 1),
            "services": {
                "acked_in_window": acked,
                "acked_total": sum(r["figures"].get("acked", 0) for r in results),
                "request_invalid": sum(r["figures"].get("request_invalid", 0) for r in results),
            },
        }

    return Plan(
        "services", "services", 0.0,
        server_env={"MAKAVERSE_TEST_MODE": "1", "MAKAVERSE_HELLO_TIMEOUT_S": "60"},
        options={"tag": secrets.token_hex(3)},
        modules=("makaverse.bench.services_scenario",),
        after_start=after_start, finish=finish,
    )
