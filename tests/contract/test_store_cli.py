"""The `db` and `admin` commands against each backend: results printed, exit codes, audit rows."""

from __future__ import annotations

import argparse

import pytest

from makaverse.server.admin.cli import add_commands
from makaverse.server.admin.seed import ADMIN_PASSWORD_ENV
from makaverse.server.service_config import TEST_MODE_ENV
from makaverse.server.store import Store


@pytest.fixture
def run(db_url, monkeypatch, capsys):
    """Run `makaverse <argv> --db <db_url>` through the parser; return (exit code, stdout, stderr)."""
    monkeypatch.setenv(TEST_MODE_ENV, "1")
    monkeypatch.delenv(ADMIN_PASSWORD_ENV, raising=False)
    parser = argparse.ArgumentParser(prog="makaverse")
    add_commands(parser.add_subparsers(dest="command", required=True))

    def invoke(*argv: str) -> tuple[int, str, str]:
        args = parser.parse_args([*argv, "--db", db_url])
        code = args.func(args)
        out, err = capsys.readouterr()
        return code, out, err

    return invoke


def test_db_upgrade_then_seed(run, db_url):
    """`db upgrade` migrates once; `db seed` adds the OPDs and prints the admin password only the first time."""
    code, out, _ = run("db", "upgrade")
    assert code == 0 and "upgraded" in out
    assert run("db", "upgrade")[1].startswith("database is at")
    code, out, _ = run("db", "seed")
    assert code == 0 and "DUKCAPIL" in out and "password: " in out
    code, out, _ = run("db", "seed")
    assert code == 0 and "nothing added" in out and "exists already" in out and "password" not in out
    with Store(db_url) as store:
        assert {e.action for e in store.list_audit()} >= {"db.upgrade", "db.seed", "account.create"}


def test_admin_account_commands(run, db_url):
    """create-user, list-users, ban, unban and reset-password work by username and are all audited."""
    run("db", "seed")
    code, out, _ = run(
        "admin",
        "create-user",
        "--username",
        "Petugas.KES",
        "--role",
        "staff",
        "--opd",
        "DINKES",
        "--password",
        "sehat-selalu",
    )
    assert code == 0 and "'petugas.kes'" in out
    code, out, _ = run("admin", "list-users", "--role", "staff")
    assert code == 0 and "petugas.kes" in out and "DINKES" in out and "1 account(s)" in out
    code, out, _ = run("admin", "ban", "--username", "petugas.kes", "--reason", "akun bocor", "--minutes", "30")
    assert code == 0 and "until 2" in out
    assert "yes" in run("admin", "list-users", "--role", "staff")[1]
    assert run("admin", "unban", "--username", "PETUGAS.KES")[0] == 0
    code, out, _ = run("admin", "reset-password", "--username", "petugas.kes", "--generate-password")
    assert code == 0 and "password: " in out
    with Store(db_url) as store:
        actions = [e.action for e in store.list_audit() if e.detail.get("via") == "cli"]
        assert actions[:4] == ["account.password", "account.unban", "account.ban", "account.create"]
        assert all(e.actor_id is None for e in store.list_audit())


def test_refusals_exit_with_one(run):
    """Weak passwords, taken names, unknown users and missing OPDs print one error line and exit 1."""
    run("db", "seed")
    code, _, err = run("admin", "create-user", "--username", "x1", "--role", "citizen", "--password", "secret-pass")
    assert code == 1 and "invalid_username" in err
    code, _, err = run("admin", "create-user", "--username", "warga", "--role", "citizen", "--password", "123456789")
    assert code == 1 and "weak_password" in err
    code, _, err = run("admin", "create-user", "--username", "admin", "--role", "host", "--generate-password")
    assert code == 1 and "username_taken" in err
    code, _, err = run("admin", "create-user", "--username", "staf", "--role", "staff", "--generate-password")
    assert code == 1 and "OPD" in err
    code, _, err = run("admin", "ban", "--username", "ghost", "--reason", "r")
    assert code == 1 and "NotFound" in err
