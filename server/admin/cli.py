"""The `db` and `admin` commands: migrate and seed a database, and manage accounts.

    makaverse db upgrade|seed [--db URL]
    makaverse db create-schema|drop-schema NAME --db POSTGRESQL_URL   (a schema of its own, for benches)
    makaverse admin create-user --username U --role R [--opd CODE] [--password P | --generate-password]
    makaverse admin reset-password --username U [--password P | --generate-password]
    makaverse admin ban --username U --reason R [--minutes N]
    makaverse admin unban --username U
    makaverse admin list-users [--role R]
    makaverse admin instances [--redis URL] [--json]   (the instance directory of a cluster)
    makaverse admin load-slides|export-event|event-summary ...   (town halls: admin/events.py)

The database is `--db`, else `MAKAVERSE_DB_URL`, else the embedded SQLite file. Every
change made here is written to the audit log with no actor account (the operator at the
command line). Each command returns an exit code: 0 done, 1 refused or failed.
"""

from __future__ import annotations

import argparse
import getpass
import os
import secrets
import sys
from collections.abc import Callable
from datetime import timedelta

from makaverse.server.startup_errors import describe

from ..store.dto import ROLES, Audit
from ..store.engine import URL_ENV, url_from_env
from ..store.errors import StoreError
from .events import add_event_commands
from .reports import add_report_commands

# The store, Alembic and argon2 are imported by the command that runs, not here: every
# `makaverse` command (the client's too) builds this parser, and they take ~1 s to load.

__all__ = ["add_commands", "CLI_AUDIT"]

CLI_AUDIT = Audit(actor_id=None, via="cli")


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    """Register `db` and `admin` on the `makaverse` command's subparsers."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db", metavar="URL", default=None, help=f"database URL (default: ${URL_ENV}, else the SQLite file)"
    )

    db = subparsers.add_parser("db", help="migrate and seed the database")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    p = db_sub.add_parser("upgrade", parents=[common], help="migrate the schema to the newest revision")
    p.set_defaults(func=_db_upgrade)
    p = db_sub.add_parser("seed", parents=[common], help="upgrade, add the sample OPDs, create the first admin")
    p.set_defaults(func=_db_seed)
    p = db_sub.add_parser(
        "create-schema", parents=[common], help="PostgreSQL: create a schema and print the URL that uses it"
    )
    p.add_argument("name")
    p.set_defaults(func=_db_create_schema)
    p = db_sub.add_parser("drop-schema", parents=[common], help="PostgreSQL: drop a schema and all in it")
    p.add_argument("name")
    p.set_defaults(func=_db_drop_schema)

    admin = subparsers.add_parser("admin", help="manage accounts")
    admin_sub = admin.add_subparsers(dest="admin_command", required=True, metavar="ACTION")
    p = admin_sub.add_parser("create-user", parents=[common], help="create an account")
    p.add_argument("--username", required=True)
    p.add_argument("--role", required=True, choices=ROLES)
    p.add_argument("--opd", metavar="CODE", default=None, help="the OPD of a staff account, e.g. DUKCAPIL")
    p.add_argument("--display-name", default=None)
    _password_options(p)
    p.set_defaults(func=_admin_create_user)
    p = admin_sub.add_parser("reset-password", parents=[common], help="set a new password and end all sessions")
    p.add_argument("--username", required=True)
    _password_options(p)
    p.set_defaults(func=_admin_reset_password)
    p = admin_sub.add_parser("ban", parents=[common], help="ban an account and end its sessions")
    p.add_argument("--username", required=True)
    p.add_argument("--reason", required=True)
    p.add_argument("--minutes", type=int, default=None, help="lift the ban after N minutes (default: never)")
    p.set_defaults(func=_admin_ban)
    p = admin_sub.add_parser("unban", parents=[common], help="lift a ban")
    p.add_argument("--username", required=True)
    p.set_defaults(func=_admin_unban)
    p = admin_sub.add_parser("list-users", parents=[common], help="list accounts")
    p.add_argument("--role", choices=ROLES, default=None)
    p.add_argument("--limit", type=int, default=200)
    p.set_defaults(func=_admin_list_users)
    p = admin_sub.add_parser(
        "instances", help="the instance directory: which process hosts which instance, how full (needs Redis)"
    )
    p.add_argument("--redis", metavar="URL", default=None, help="Redis URL (default: $MAKAVERSE_REDIS_URL)")
    p.add_argument("--prefix", default=None, help="key prefix (default: $MAKAVERSE_REDIS_PREFIX, else makaverse:)")
    p.add_argument("--json", action="store_true", help="print the entries as JSON")
    p.set_defaults(func=_admin_instances)
    add_report_commands(admin_sub, common, _guarded)
    add_event_commands(admin_sub, common, _guarded)


def _password_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--password", default=None, help="shows in the process list; prefer the prompt")
    group.add_argument("--generate-password", action="store_true", help="generate one and print it once")


# -- db ---------------------------------------------------------------------------------------


def _db_upgrade(args: argparse.Namespace) -> int:
    url = url_from_env(args.db)
    return _guarded(lambda: _upgrade(url))


def _upgrade(url: str) -> int:
    from ..store import migrate
    from ..store.store import Store

    before = migrate.current_revision(url)
    migrate.upgrade(url)
    after = migrate.current_revision(url)
    if before == after:
        print(f"database is at {after} (newest); nothing to do")
        return 0
    with Store(url) as store:
        store.record_audit("db.upgrade", target="schema", detail={"from": before, "to": after}, via=CLI_AUDIT.via)
    print(f"database upgraded {before or 'empty'} -> {after}")
    return 0


def _db_create_schema(args: argparse.Namespace) -> int:
    from ..store import schemas

    def run() -> int:
        print(schemas.create_schema(url_from_env(args.db), args.name))
        return 0

    return _guarded(run)


def _db_drop_schema(args: argparse.Namespace) -> int:
    from ..store import schemas

    def run() -> int:
        schemas.drop_schema(url_from_env(args.db), args.name)
        return 0

    return _guarded(run)


def _db_seed(args: argparse.Namespace) -> int:
    from ..service_config import hasher_from_env
    from ..store.seed import seed
    from ..store.store import Store
    from .seed import ADMIN_PASSWORD_ENV, seed_admin

    url = url_from_env(args.db)

    def run() -> int:
        _upgrade(url)
        with Store(url) as store:
            report = seed(store)
            password = seed_admin(store, hasher=hasher_from_env())
        if report.changed:
            opds, services = ", ".join(report.opds_added) or "-", ", ".join(report.services_added) or "-"
            print(f"added OPDs: {opds}; services: {services}")
        else:
            print("sample content already present; nothing added")
        if password is None:
            print("an admin account exists already")
        elif os.environ.get(ADMIN_PASSWORD_ENV):
            print(f"created account 'admin' with the password from ${ADMIN_PASSWORD_ENV}")
        else:
            print(f"created account 'admin' with password: {password}")
            print("it is shown only this once; change it with `makaverse admin reset-password --username admin`")
        return 0

    return _guarded(run)


# -- admin ------------------------------------------------------------------------------------


def _admin_create_user(args: argparse.Namespace) -> int:
    from ..accounts import Accounts
    from ..service_config import hasher_from_env
    from ..store.store import Store

    def run() -> int:
        password, generated = _read_password(args)
        with Store(url_from_env(args.db)) as store:
            account = Accounts(store, hasher=hasher_from_env()).create_user(
                username=args.username,
                password=password,
                role=args.role,
                opd_code=args.opd,
                display_name=args.display_name,
                audit=CLI_AUDIT,
            )
        print(f"created {account.role} account {account.username!r} (id {account.id})")
        _show_generated(password, generated)
        return 0

    return _guarded(run)


def _admin_reset_password(args: argparse.Namespace) -> int:
    from ..accounts import Accounts
    from ..service_config import hasher_from_env
    from ..store.store import Store

    def run() -> int:
        password, generated = _read_password(args)
        with Store(url_from_env(args.db)) as store:
            account = Accounts(store, hasher=hasher_from_env()).reset_password(args.username, password, audit=CLI_AUDIT)
        print(f"password of {account.username!r} reset; its sessions have ended")
        _show_generated(password, generated)
        return 0

    return _guarded(run)


def _admin_ban(args: argparse.Namespace) -> int:
    from ..store.store import Store

    def run() -> int:
        if args.minutes is not None and args.minutes <= 0:
            print("error: --minutes must be positive", file=sys.stderr)
            return 1
        with Store(url_from_env(args.db)) as store:
            account = store.get_account_by_username(args.username)
            until = store.now() + timedelta(minutes=args.minutes) if args.minutes else None
            store.ban_account(account.id, reason=args.reason, until=until, audit=CLI_AUDIT)
        print(f"banned {account.username!r} " + (f"until {until:%Y-%m-%d %H:%M} UTC" if until else "until lifted"))
        return 0

    return _guarded(run)


def _admin_unban(args: argparse.Namespace) -> int:
    from ..store.store import Store

    def run() -> int:
        with Store(url_from_env(args.db)) as store:
            account = store.unban_account(store.get_account_by_username(args.username).id, audit=CLI_AUDIT)
        print(f"lifted the ban on {account.username!r}")
        return 0

    return _guarded(run)


def _admin_list_users(args: argparse.Namespace) -> int:
    from ..store.store import Store

    def run() -> int:
        with Store(url_from_env(args.db)) as store:
            accounts = store.list_accounts(role=args.role, limit=args.limit)
            now = store.now()
        print(f"{'id':>5}  {'username':<24} {'role':<8} {'opd':<11} {'banned':<6} last seen")
        for a in accounts:
            seen = f"{a.last_seen_at:%Y-%m-%d %H:%M}" if a.last_seen_at else "-"
            banned = "yes" if a.is_banned(now) else "no"
            print(f"{a.id:>5}  {a.username:<24} {a.role:<8} {a.opd_code or '-':<11} {banned:<6} {seen}")
        print(f"{len(accounts)} account(s)")
        return 0

    return _guarded(run)


def _admin_instances(args: argparse.Namespace) -> int:
    import asyncio
    import json

    url = args.redis or os.environ.get("MAKAVERSE_REDIS_URL", "")
    prefix = args.prefix or os.environ.get("MAKAVERSE_REDIS_PREFIX", "") or "makaverse:"
    if not url:
        print("error: no Redis: give --redis URL or set MAKAVERSE_REDIS_URL", file=sys.stderr)
        return 1

    async def read() -> list[dict]:
        import redis.asyncio as redis_asyncio

        from ..cluster import read_directory

        client = redis_asyncio.from_url(url, socket_connect_timeout=3, socket_timeout=3)
        try:
            return await read_directory(client, prefix)
        finally:
            await client.aclose()

    try:
        entries = asyncio.run(read())
    except Exception as exc:
        print(f"error: Redis at {url} does not answer ({type(exc).__name__})", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(entries, indent=2))
        return 0
    print(f"{'process':<24} {'instance':<18} {'kind':<11} {'people':>7} {'capacity':>8}  url")
    for entry in entries:
        for inst in entry.get("instances", []):
            print(f"{entry['id']:<24} {inst['id']:<18} {inst['kind']:<11} {inst['count']:>7} {inst['capacity']:>8}  "
                  f"{entry.get('url', '')}")
    print(f"{len(entries)} process(es)")
    return 0


# -- helpers ----------------------------------------------------------------------------------


def _read_password(args: argparse.Namespace) -> tuple[str, bool]:
    """(password, generated): from --password, generated on request or without a terminal, else prompted."""
    if args.password:
        return args.password, False
    if args.generate_password or not sys.stdin.isatty():
        return secrets.token_urlsafe(12), True
    first = getpass.getpass("New password: ")
    if getpass.getpass("Again: ") != first:
        raise _Refused("the two passwords differ")
    return first, False


def _show_generated(password: str, generated: bool) -> None:
    if generated:
        print(f"password: {password}")
        print("it is shown only this once")


class _Refused(Exception):
    """A plain refusal to print as the error line."""


def _guarded(run: Callable[[], int]) -> int:
    """Run a command; turn expected failures into one line on stderr and exit code 1."""
    from ..services.accounts import AccountError

    try:
        return run()
    except AccountError as exc:
        print(f"error: {exc.code}: {exc}", file=sys.stderr)
    except StoreError as exc:
        # One line: the database's own message can run over several.
        line = describe(exc) or " ".join(f"{type(exc).__name__}: {exc}".split())
        print(f"error: {line}", file=sys.stderr)
    except _Refused as exc:
        print(f"error: {exc}", file=sys.stderr)
    return 1
