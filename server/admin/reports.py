"""`makaverse admin reports|report-show|report-close`: the moderators' queue of chat reports.

Reading a report's direct messages is allowed only to an admin or a host acting on it, and is
audited by the store; so is closing it. `--as` names the moderator's account.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable

from ..store.engine import url_from_env

__all__ = ["add_report_commands"]


def add_report_commands(
    admin_sub: argparse._SubParsersAction,
    common: argparse.ArgumentParser,
    guarded: Callable[[Callable[[], int]], int],
) -> None:
    p = admin_sub.add_parser("reports", parents=[common], help="list chat reports (open ones by default)")
    p.add_argument("--all", action="store_true", help="closed reports too")
    p.add_argument("--limit", type=int, default=100)
    p.set_defaults(func=lambda args: guarded(lambda: _list(args)))
    p = admin_sub.add_parser("report-show", parents=[common], help="a report with its evidence and direct messages")
    p.add_argument("report_id", type=int)
    p.add_argument("--as", dest="moderator", required=True, metavar="USERNAME", help="the moderator reading it")
    p.set_defaults(func=lambda args: guarded(lambda: _show(args)))
    p = admin_sub.add_parser("report-close", parents=[common], help="mark a report handled")
    p.add_argument("report_id", type=int)
    p.add_argument("--as", dest="moderator", required=True, metavar="USERNAME")
    p.add_argument("--note", default="", help="what was done (kept in the audit log)")
    p.set_defaults(func=lambda args: guarded(lambda: _close(args)))


def _list(args: argparse.Namespace) -> int:
    from ..store.store import Store

    with Store(url_from_env(args.db)) as store:
        reports = store.list_reports(status=None if args.all else "open", limit=args.limit)
    print(f"{'id':>5}  {'status':<7} {'reason':<11} {'reported':<24} {'created':<16} note")
    for r in reports:
        print(
            f"{r.id:>5}  {r.status:<7} {r.reason:<11} {r.reported_name[:24]:<24} "
            f"{r.created_at:%Y-%m-%d %H:%M} {r.note[:40]}"
        )
    print(f"{len(reports)} report(s)")
    return 0


def _show(args: argparse.Namespace) -> int:
    from ..store.store import Store

    with Store(url_from_env(args.db)) as store:
        moderator = store.get_account_by_username(args.moderator)
        report = store.get_report(args.report_id)
        directs = store.report_directs(report.id, viewer_id=moderator.id)
    print(f"report {report.id} ({report.status}): {report.reason} against {report.reported_name}")
    print(f"filed {report.created_at:%Y-%m-%d %H:%M} by account {report.reporter_id}; note: {report.note or '-'}")
    print("evidence:")
    for item in report.evidence:
        print("  " + json.dumps(item, ensure_ascii=False, default=str))
    print(f"direct messages between the two ({len(directs)}):")
    for d in directs:
        print(f"  {d.sent_at:%Y-%m-%d %H:%M} {d.sender.username} -> {d.recipient.username}: {d.text}")
    return 0


def _close(args: argparse.Namespace) -> int:
    from ..store.store import Store

    with Store(url_from_env(args.db)) as store:
        moderator = store.get_account_by_username(args.moderator)
        report = store.close_report(args.report_id, handled_by=moderator.id, note=args.note)
    print(f"report {report.id} closed by {args.moderator}")
    return 0
