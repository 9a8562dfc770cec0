"""Crash test: a real server killed with SIGKILL at random moments while citizens submit service
requests and retry every unacknowledged one with the same client_request_id after the restart.

After each kill: no acknowledged request is missing, none is stored twice, each has its status
history, nothing is stored that nobody sent, and `PRAGMA integrity_check` is `ok`.
"""

from __future__ import annotations

import asyncio
import importlib.util
import itertools
import os
import random
import sqlite3
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed

from makaverse.protocol import AuthOk, RequestSubmitted, SubmitRequest, Welcome
from makaverse.protocol.request_status import RequestStatus
from makaverse.server.store import Store

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is a POSIX signal")


def _load_helpers():
    name = "makaverse_tests_accounts_helpers"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("accounts_helpers.py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


h = _load_helpers()
Client, ServerProcess = h.Client, h.ServerProcess

PASSWORD = "sop-saudara-77"
CITIZENS = 4
KILLS = 3
# A new seed each run unless given, printed on failure so the run can be repeated.
SEED = int(os.environ.get("MAKAVERSE_CRASH_SEED", random.SystemRandom().randrange(1_000_000)))
rids = itertools.count(1)


def ktp(crid: str) -> dict[str, str]:
    """The content a client request id stands for: the same every time it is sent."""
    return {
        "nik": "7371012345678901",
        "nama_lengkap": f"Warga {crid}",
        "jenis_permohonan": "Hilang",
        "kecamatan": "Tamalate",
        "no_hp": "0812 3456 7890",
    }


@dataclass
class Citizen:
    username: str
    account_id: int = 0
    token: str = ""
    sent: list[str] = field(default_factory=list)  # every crid ever sent, in order
    acked: dict[str, str] = field(default_factory=dict)  # crid -> tracking number
    pending: str | None = None  # sent, no answer before the kill: retried first after the restart

    def next_crid(self) -> str:
        return self.pending or f"{self.username}-{len(self.sent) + 1}"


@dataclass
class Run:
    """One server process and whether the test has killed it (a dead connection is then expected)."""

    server: ServerProcess
    killed: bool = False

    def kill(self) -> None:
        self.killed = True
        self.server.kill9()


async def submit_until_killed(run: Run, citizen: Citizen, duplicates: list[str], *, new: int | None = None) -> None:
    """Enter with the citizen's token and submit one request after another until the connection dies
    (or, with `new`, until that many fresh requests after the retry are acknowledged)."""
    client = await Client.connect(run.server.port)
    try:
        if not citizen.token:
            # A registration whose answer was lost in a kill may have been stored: then log in.
            reply = await client.register(citizen.username, PASSWORD)
            if not isinstance(reply, AuthOk):
                reply = await client.login(citizen.username, PASSWORD)
            assert isinstance(reply, AuthOk), reply
            citizen.token = reply.token
        welcome = await client.hello(token=citizen.token)
        assert isinstance(welcome, Welcome), welcome
        while new is None or new > 0:
            if citizen.pending is None and new is not None:
                new -= 1
            crid = citizen.next_crid()
            if crid not in citizen.sent:
                citizen.sent.append(crid)
            citizen.pending = crid
            rid = next(rids)
            since = client.mark()
            await client.send(
                SubmitRequest(
                    request_id=rid, client_request_id=crid, opd="DUKCAPIL", service="KTP_EL", fields=ktp(crid)
                )
            )
            reply = await client.expect(lambda m: getattr(m, "request_id", None) == rid, since=since, timeout=20)
            assert isinstance(reply, RequestSubmitted), reply
            if reply.duplicate:
                duplicates.append(crid)
            assert citizen.acked.setdefault(crid, reply.tracking) == reply.tracking
            citizen.pending = None
    except (AssertionError, ConnectionClosed, OSError):
        if not run.killed:
            raise  # a real failure, not the kill
    finally:
        await client.dispose()


def check_database(db_file: Path, url: str, citizens: list[Citizen]) -> None:
    """Acknowledged requests are all there once, with a consistent history; nothing unsent was stored."""
    with sqlite3.connect(db_file) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    with Store(url) as store:
        for citizen in citizens:
            citizen.account_id = citizen.account_id or store.get_account_by_username(citizen.username).id
            stored = store.list_requests(account_id=citizen.account_id, limit=1000)
            by_crid = {r.client_request_id: r for r in stored}
            assert len(by_crid) == len(stored), "a client_request_id stored twice"
            assert set(by_crid) <= set(citizen.sent), "a request nobody sent"
            for crid, tracking in citizen.acked.items():
                assert crid in by_crid, f"acknowledged {crid} ({tracking}) is missing"
                request = by_crid[crid]
                assert request.tracking_number == tracking
                assert request.field_values["nama_lengkap"] == f"Warga {crid}"
            for request in stored:
                history = store.request_history(request.id)
                assert history, f"{request.tracking_number} has no history"
                assert (history[0].from_status, history[0].to_status) == (None, RequestStatus.SUBMITTED)
                for before, after in itertools.pairwise(history):
                    assert after.from_status == before.to_status
                assert history[-1].to_status == request.status


async def test_sigkill_at_random_moments_loses_and_duplicates_no_acknowledged_request(tmp_path):
    """Killed with SIGKILL three times mid-submission, the server keeps every acknowledged request once, with its history."""
    rng = random.Random(SEED)
    db_file = tmp_path / "crash.db"
    url = f"sqlite:///{db_file}"
    citizens = [Citizen(f"warga_{i}") for i in range(CITIZENS)]
    duplicates: list[str] = []
    print(f"crash seed {SEED} (MAKAVERSE_CRASH_SEED)")

    for round_no in range(KILLS + 1):
        run = Run(await ServerProcess.start(url, tmp_path))
        try:
            if round_no < KILLS:
                work = [asyncio.create_task(submit_until_killed(run, c, duplicates)) for c in citizens]
                await asyncio.sleep(rng.uniform(0.3, 1.2))
                run.kill()
                assert await run.server.proc.wait() == -9
                await asyncio.gather(*work)
            else:
                # The last round retries what is pending, adds one more each, and stops cleanly.
                await asyncio.gather(*(submit_until_killed(run, c, duplicates, new=1) for c in citizens))
                assert all(c.pending is None for c in citizens)
                assert await run.server.terminate() == 0
        finally:
            await run.server.ensure_stopped()
        check_database(db_file, url, citizens)

    acked = sum(len(c.acked) for c in citizens)
    print(f"{acked} requests acknowledged over {KILLS} kills; {len(duplicates)} retries found theirs already stored")
    assert acked >= CITIZENS * (KILLS + 1), f"too little was submitted to mean anything ({acked}), seed {SEED}"
    # Only a retry can be a duplicate, and in the end every sent request is stored exactly once.
    assert len(duplicates) == len(set(duplicates))
    with Store(url) as store:
        for citizen in citizens:
            stored = store.list_requests(account_id=citizen.account_id, limit=1000)
            assert sorted(r.client_request_id for r in stored) == sorted(citizen.sent) == sorted(citizen.acked)
