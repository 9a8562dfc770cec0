"""The moderators' report commands, run as the `makaverse` command runs them."""

from __future__ import annotations

import pytest

from makaverse.__main__ import main
from makaverse.server.store import Store
from makaverse.server.store.migrate import upgrade


@pytest.fixture
def reported(tmp_path):
    """A database with a citizen who reported another after an unpleasant direct message."""
    url = f"sqlite:///{tmp_path / 'r.db'}"
    upgrade(url)
    with Store(url) as store:
        ids = {}
        for name, role in (("ani", "citizen"), ("budi", "citizen"), ("mod", "admin")):
            ids[name] = store.create_account(username=name, display_name=name.title(), password_hash="x", role=role).id
        store.send_direct(ids["budi"], ids["ani"], "kata-kata kasar")
        report = store.file_report(ids["ani"], reported_id=ids["budi"], reported_name="Budi", reason="harassment", note="DM")
    return url, report.id


def test_a_moderator_lists_reads_and_closes_a_report(reported, capsys):
    """An admin sees the open report, reads its evidence and the direct messages, and closes it; all audited."""
    url, report_id = reported
    assert main(["admin", "reports", "--db", url]) == 0
    assert "harassment" in capsys.readouterr().out
    assert main(["admin", "report-show", str(report_id), "--as", "mod", "--db", url]) == 0
    shown = capsys.readouterr().out
    assert "budi -> ani: kata-kata kasar" in shown
    assert main(["admin", "report-close", str(report_id), "--as", "mod", "--note", "warned", "--db", url]) == 0
    assert main(["admin", "reports", "--db", url]) == 0
    assert "0 report(s)" in capsys.readouterr().out
    with Store(url) as store:
        actions = {a.action for a in store.list_audit(limit=50)}
    assert {"report.read_directs", "report.close"} <= actions


def test_only_a_moderator_reads_the_direct_messages(reported, capsys):
    """A citizen who is not a party cannot read a report's direct messages through the command."""
    url, report_id = reported
    with Store(url) as store:
        store.create_account(username="cici", display_name="Cici", password_hash="x", role="citizen")
    assert main(["admin", "report-show", str(report_id), "--as", "cici", "--db", url]) == 1
    assert "error" in capsys.readouterr().err
