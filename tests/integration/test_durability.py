"""Durability of the real server process: a restart keeps accounts, sessions and content, and a
kill -9 in the middle of registrations loses no acknowledged account and leaves none half-made."""

from __future__ import annotations

import asyncio
import sqlite3
import sys
from pathlib import Path

import pytest
from harness import Client, ServerProcess, subprocess_env

from makaverse.protocol import AuthOk, Error, Welcome
from makaverse.server.admin.seed import ADMIN_PASSWORD_ENV
from makaverse.server.store import NotFound, Store
from makaverse.server.store.seed import load_seed_content

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM and SIGKILL are POSIX signals")



PASSWORD = "coto-makassar-99"
ADMIN_PASSWORD = "balai-kota-admin-1"
ADMIN_CREATED = "Created account 'admin'"


def sqlite_url(tmp_path: Path, name: str) -> str:
    return f"sqlite:///{tmp_path / name}"


def integrity_ok(db_file: Path) -> bool:
    with sqlite3.connect(db_file) as db:
        return db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


async def test_a_restart_keeps_accounts_sessions_and_content(tmp_path):
    """After SIGTERM and a restart, accounts log in, old tokens work, the content is intact, the admin was made once."""
    url = sqlite_url(tmp_path, "a.db")
    env = subprocess_env(**{ADMIN_PASSWORD_ENV: ADMIN_PASSWORD})

    first = await ServerProcess.start(url, tmp_path, env=env)
    try:
        client = await Client.connect(first.port)
        registered = await client.register("Daeng_Andi", PASSWORD, display_name="Daeng Andi")
        assert isinstance(registered, AuthOk), registered
        await client.dispose()
        assert await first.terminate() == 0
    finally:
        await first.ensure_stopped()
    assert first.output().count(ADMIN_CREATED) == 1

    second = await ServerProcess.start(url, tmp_path, env=env)
    try:
        client = await Client.connect(second.port)
        again = await client.login("daeng_andi", PASSWORD)
        assert isinstance(again, AuthOk), again
        assert (again.username, again.display_name, again.role) == ("daeng_andi", "Daeng Andi", "citizen")
        await client.dispose()

        # The session opened by the first process is still a valid login.
        client = await Client.connect(second.port)
        welcome = await client.hello(token=registered.token)
        assert isinstance(welcome, Welcome), welcome
        assert (welcome.name, welcome.role, welcome.resumed) == ("Daeng Andi", "citizen", False)
        await client.dispose()

        client = await Client.connect(second.port)
        admin = await client.login("admin", ADMIN_PASSWORD)
        assert isinstance(admin, AuthOk) and admin.role == "admin", admin
        await client.dispose()
        assert await second.terminate() == 0
    finally:
        await second.ensure_stopped()
    assert ADMIN_CREATED not in second.output()

    assert integrity_ok(tmp_path / "a.db")
    expected = {d.code: d for d in load_seed_content()}
    with Store(url) as store:
        assert store.count_accounts(role="admin") == 1
        assert store.count_accounts() == 2
        assert store.get_account_by_username("DAENG_ANDI").display_name == "Daeng Andi"
        opds = {o.code: o for o in store.list_opds()}
        assert set(opds) == set(expected)
        for code, draft in expected.items():
            assert opds[code].ticket_prefix == draft.ticket_prefix
            assert sorted(s.code for s in opds[code].services) == sorted(s.code for s in draft.services)
            assert sorted(p.title for p in opds[code].programs) == sorted(p.title for p in draft.programs)
            assert len(opds[code].socials) == len(draft.socials)
        assert len(store.list_audit(action="db.seed")) == 1  # seeded by the first start only


N_CLIENTS = 20


async def test_kill_9_during_registrations_loses_no_acknowledged_account(tmp_path):
    """SIGKILL amid 20 registrations keeps every acknowledged account and session exactly once, none half-made."""
    url = sqlite_url(tmp_path, "k.db")
    usernames = [f"warga_{i:02d}" for i in range(N_CLIENTS)]
    server = await ServerProcess.start(url, tmp_path)
    acked: dict[str, str] = {}  # username -> token, for every AuthOk received before the kill
    refused: dict[str, str] = {}
    replies = 0
    try:
        clients = await asyncio.gather(*(Client.connect(server.port) for _ in usernames))

        async def register(client, username: str) -> None:
            nonlocal replies
            try:
                reply = await client.register(username, PASSWORD, timeout=20.0)
            except AssertionError:  # the connection died with the server
                return
            replies += 1
            if isinstance(reply, AuthOk):
                acked[username] = reply.token
            else:
                refused[username] = reply.code
            if replies == N_CLIENTS // 2:
                server.kill9()  # at once, while the other half is in flight

        await asyncio.gather(*(register(c, u) for c, u in zip(clients, usernames, strict=True)))
        await asyncio.gather(*(c.dispose() for c in clients))
    finally:
        server.kill9()
        returncode = await server.proc.wait()
    assert returncode == -9
    assert refused == {}  # concurrent registrations don't fail each other
    assert len(acked) >= N_CLIENTS // 2

    # The restarted server comes up on the same file and knows every acknowledged account.
    restarted = await ServerProcess.start(url, tmp_path)
    try:
        client = await Client.connect(restarted.port)
        some = sorted(acked)[0]
        assert isinstance(await client.login(some, PASSWORD), AuthOk)
        # Over the wire too, a username either exists or not: taken exactly when it was stored.
        taken = {}
        for username in usernames:
            reply = await client.register(username, PASSWORD)
            taken[username] = isinstance(reply, Error) and reply.code == "username_taken"
            assert isinstance(reply, AuthOk) or taken[username], reply
        await client.dispose()
        assert await restarted.terminate() == 0
    finally:
        await restarted.ensure_stopped()

    assert integrity_ok(tmp_path / "k.db")
    with Store(url) as store:
        for username, token in acked.items():
            account = store.get_account_by_username(username)
            assert store.resolve_session(token) == account  # the session was committed before AuthOk
        existing_before_second_round = {u for u in usernames if taken[u]}
        assert set(acked) <= existing_before_second_round
        accounts = store.list_accounts(limit=1000)
        names = [a.username for a in accounts]
        assert len(names) == len(set(names))  # no duplicates
        assert set(names) == {"admin", *usernames}  # every name registered by now, each once
        for account in accounts:
            credentials = store.get_credentials(account.username)
            assert credentials is not None and credentials.password_hash.startswith("$argon2id$")
            assert account.display_name
        for username in usernames:
            try:
                account = store.get_account_by_username(username)
            except NotFound:
                pytest.fail(f"{username} was registered in the second round but is missing")
            assert account.role == "citizen"
